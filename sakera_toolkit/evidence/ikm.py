"""Indeks Kepuasan Masyarakat (IKM) after PermenPAN-RB 14/2017.

The public-satisfaction survey asks every respondent about **9 unsur** (service elements), each
answered on a 1-4 scale. The index (research notes §5, secondary source citing the regulation):

* ``NRR_j`` (nilai rata-rata unsur) = sum of the answers to unsur ``j`` / number of respondents;
* ``IKM = sum_j NRR_j x bobot x 25`` with ``bobot = 1/9`` (the factor 25 maps 1-4 onto 25-100).

Many published reports weight with the rounded **0.11** instead of 1/9; that lowers the index by
about 1 % (the worked example of 29 respondents gives 91.48 with 1/9 and 90.56 with 0.11). The
toolkit uses the exact 1/9 and offers the rounded weight only as an explicit option
(``weights="rounded"``) so that published figures can be reproduced.

The interval table maps the index (or an NRR, which is the index / 25) onto a *mutu* (A-D) and a
*kinerja* (performance) label. Classification is done on the index **rounded to 2 decimals**, the
precision the table is published in, so the gaps of the table (64.99 | 65.00, 76.60 | 76.61,
88.30 | 88.31) need no rule of their own.

Confidence intervals resample respondents with replacement (percentile bootstrap, seeded; rows
are put in a canonical order first, so the interval does not depend on the file's row order). Because
the index is linear in the answers, it equals the mean of each respondent's weighted score, which
makes the bootstrap cheap.

The minimum sample per service follows the Krejcie & Morgan (1970) table, which the regulation
refers to; the formula with chi-square 3.841, P = 0.5 and d = 0.05 rounded to the **nearest**
integer reproduces the published table (research notes §5, [derived]).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SakeraInputError

__all__ = [
    "UNSUR",
    "UNSUR_COLUMNS",
    "WEIGHTS",
    "INTERVALS",
    "Unsur",
    "Grade",
    "IkmResult",
    "weight",
    "nrr",
    "index_from_nrr",
    "classify",
    "compute",
    "breakdown",
    "krejcie_morgan",
    "sample_sizes",
]


@dataclass(frozen=True)
class Unsur:
    """One of the 9 survey elements of PermenPAN-RB 14/2017."""

    column: str
    name_id: str
    name_en: str


#: The 9 unsur in the regulation's order (research notes §5).
UNSUR: tuple[Unsur, ...] = (
    Unsur("u1", "Persyaratan", "Requirements"),
    Unsur("u2", "Sistem, mekanisme, dan prosedur", "System, mechanism and procedure"),
    Unsur("u3", "Waktu penyelesaian", "Completion time"),
    Unsur("u4", "Biaya/tarif", "Cost/fee"),
    Unsur("u5", "Produk spesifikasi jenis pelayanan", "Product specification of the service"),
    Unsur("u6", "Kompetensi pelaksana", "Staff competence"),
    Unsur("u7", "Perilaku pelaksana", "Staff conduct"),
    Unsur("u8", "Sarana dan prasarana", "Facilities and infrastructure"),
    Unsur("u9", "Penanganan pengaduan, saran dan masukan", "Handling of complaints, suggestions and feedback"),
)

#: Answer columns of a survey table, ``u1`` ... ``u9``.
UNSUR_COLUMNS: tuple[str, ...] = tuple(u.column for u in UNSUR)

#: Weight per unsur: ``exact`` = 1/9 (default), ``rounded`` = 0.11 (as in many published reports).
WEIGHTS: dict[str, float] = {"exact": 1.0 / 9.0, "rounded": 0.11}


@dataclass(frozen=True)
class Grade:
    """A row of the interval table: index range, mutu and kinerja (Indonesian and English)."""

    ikm_low: float
    ikm_high: float
    mutu: str
    kinerja_id: str
    kinerja_en: str

    @property
    def nrr_low(self) -> float:
        """Lower bound expressed as a mean answer (index / 25)."""
        return self.ikm_low / 25.0

    @property
    def nrr_high(self) -> float:
        """Upper bound expressed as a mean answer (index / 25)."""
        return self.ikm_high / 25.0


#: The interval table (research notes §5), best last.
INTERVALS: tuple[Grade, ...] = (
    Grade(25.00, 64.99, "D", "Tidak baik", "Poor"),
    Grade(65.00, 76.60, "C", "Kurang baik", "Fair"),
    Grade(76.61, 88.30, "B", "Baik", "Good"),
    Grade(88.31, 100.00, "A", "Sangat baik", "Very good"),
)


def weight(weights: str) -> float:
    """The weight per unsur for ``"exact"`` (1/9) or ``"rounded"`` (0.11)."""
    try:
        return WEIGHTS[weights]
    except KeyError:
        raise SakeraInputError(
            f"weights must be one of {sorted(WEIGHTS)}, got {weights!r}", location="--weights"
        ) from None


def _answers(data: pd.DataFrame | np.ndarray) -> np.ndarray:
    if isinstance(data, pd.DataFrame):
        missing = [c for c in UNSUR_COLUMNS if c not in data.columns]
        if missing:
            raise SakeraInputError(f"missing answer column(s) {missing}")
        arr = data[list(UNSUR_COLUMNS)].to_numpy(dtype="float64")
    else:
        arr = np.asarray(data, dtype="float64")
    if arr.ndim != 2 or arr.shape[1] != len(UNSUR):
        raise SakeraInputError(f"answers must have {len(UNSUR)} columns (u1..u9), got shape {arr.shape}")
    if len(arr) and (not np.isfinite(arr).all() or arr.min() < 1 or arr.max() > 4):
        raise SakeraInputError("answers must be between 1 and 4")
    return arr


def nrr(data: pd.DataFrame | np.ndarray) -> pd.Series:
    """Nilai rata-rata per unsur: the mean answer of every unsur (index ``u1`` ... ``u9``)."""
    arr = _answers(data)
    if not len(arr):
        raise SakeraInputError("no respondents")
    return pd.Series(arr.mean(axis=0), index=list(UNSUR_COLUMNS), name="nrr")


def index_from_nrr(values: Sequence[float] | pd.Series | np.ndarray, weights: str = "exact") -> float:
    """``IKM = sum(NRR x weight) x 25`` for the 9 NRR values."""
    x = np.asarray(values, dtype="float64")
    if x.shape != (len(UNSUR),):
        raise SakeraInputError(f"need {len(UNSUR)} NRR values, got {x.shape}")
    return float(x.sum() * weight(weights) * 25.0)


def classify(ikm: float) -> Grade:
    """The interval-table row of an index value (rounded to 2 decimals first).

    >>> classify(88.31).mutu, classify(88.30).mutu, classify(64.99).mutu
    ('A', 'B', 'D')
    """
    v = round(float(ikm), 2)
    if not 0.0 <= v <= 100.0:
        raise SakeraInputError(f"index {ikm!r} is outside 25-100")
    for grade in reversed(INTERVALS[1:]):
        if v >= grade.ikm_low:
            return grade
    # below 65.00; the rounded weight can give 24.75 for all-1 answers, still mutu D
    return INTERVALS[0]


@dataclass
class IkmResult:
    """The index of one group of respondents, with its bootstrap interval.

    Attributes
    ----------
    respondents
        Number of respondents.
    nrr
        Mean answer per unsur (``u1`` ... ``u9``).
    ikm
        The index (25-100).
    grade
        Its interval-table row (mutu, kinerja).
    ci_low, ci_high
        Percentile bootstrap interval of the index (NaN for fewer than 2 respondents).
    weights
        ``"exact"`` or ``"rounded"``.
    confidence, resamples, seed
        How the interval was made.
    """

    respondents: int
    nrr: pd.Series
    ikm: float
    grade: Grade
    ci_low: float
    ci_high: float
    weights: str
    confidence: float
    resamples: int
    seed: int
    nrr_ci: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def mutu(self) -> str:
        """Mutu pelayanan, A-D."""
        return self.grade.mutu

    def kinerja(self, lang: str = "id") -> str:
        """Kinerja label in Indonesian (default) or English."""
        return self.grade.kinerja_en if lang == "en" else self.grade.kinerja_id

    def unsur_table(self, lang: str = "id") -> pd.DataFrame:
        """One row per unsur: column, name, NRR with its interval, NRR x 25 and the unsur's mutu."""
        rows = []
        for u in UNSUR:
            value = float(self.nrr[u.column])
            low = float(self.nrr_ci["low"].get(u.column, math.nan)) if len(self.nrr_ci) else math.nan
            high = float(self.nrr_ci["high"].get(u.column, math.nan)) if len(self.nrr_ci) else math.nan
            rows.append(
                {
                    "unsur": u.column,
                    "name": u.name_en if lang == "en" else u.name_id,
                    "nrr": value,
                    "nrr_ci_low": low,
                    "nrr_ci_high": high,
                    "converted": value * 25.0,
                    "mutu": classify(value * 25.0).mutu,
                }
            )
        return pd.DataFrame(rows)

    def to_dict(self, lang: str = "id") -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "respondents": self.respondents,
            "ikm": round(self.ikm, 2),
            "ci": [_round(self.ci_low), _round(self.ci_high)],
            "confidence": self.confidence,
            "mutu": self.mutu,
            "kinerja": self.kinerja(lang),
            "weights": self.weights,
            "weight": WEIGHTS[self.weights],
            "bootstrap_resamples": self.resamples,
            "seed": self.seed,
            "nrr": {u: round(float(v), 4) for u, v in self.nrr.items()},
        }


def _round(x: float, digits: int = 2) -> float | None:
    return None if math.isnan(x) else round(float(x), digits)


def _bootstrap_means(arr: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Column means of ``resamples`` bootstrap samples of the rows of ``arr``, shape (B, k)."""
    n = len(arr)
    out = np.empty((resamples, arr.shape[1]))
    chunk = max(1, 2_000_000 // max(n, 1))
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        idx = rng.integers(0, n, size=(stop - start, n))
        out[start:stop] = arr[idx].mean(axis=1)
    return out


def compute(
    data: pd.DataFrame | np.ndarray,
    weights: str = "exact",
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int | np.random.Generator = 0,
) -> IkmResult:
    """The index of a group of respondents, with bootstrap intervals.

    Parameters
    ----------
    data
        One row per respondent with answer columns ``u1`` ... ``u9`` (values 1-4), or an array of
        shape ``(respondents, 9)``.
    weights
        ``"exact"`` (1/9, default) or ``"rounded"`` (0.11).
    confidence
        Level of the percentile bootstrap interval.
    resamples
        Bootstrap resamples (0 = no interval).
    seed
        Seed or Generator of the bootstrap; the same seed gives the same interval.

    Returns
    -------
    IkmResult
    """
    if not 0 < confidence < 1:
        raise SakeraInputError(f"confidence must be between 0 and 1, got {confidence}", location="--confidence")
    arr = _answers(data)
    values = nrr(arr)
    w = weight(weights)
    ikm = float(values.sum() * w * 25.0)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    low = high = math.nan
    nrr_ci = pd.DataFrame({"low": math.nan, "high": math.nan}, index=list(UNSUR_COLUMNS))
    if resamples > 0 and len(arr) >= 2:
        # canonical row order: the interval depends on the answers, not on the order of the rows
        arr = arr[np.lexsort(arr.T[::-1])]
        means = _bootstrap_means(arr, resamples, rng)
        alpha = (1 - confidence) / 2
        scores = means.sum(axis=1) * w * 25.0
        low, high = (float(v) for v in np.quantile(scores, [alpha, 1 - alpha]))
        q = np.quantile(means, [alpha, 1 - alpha], axis=0)
        nrr_ci = pd.DataFrame({"low": q[0], "high": q[1]}, index=list(UNSUR_COLUMNS))
    return IkmResult(
        respondents=len(arr),
        nrr=values,
        ikm=ikm,
        grade=classify(ikm),
        ci_low=low,
        ci_high=high,
        weights=weights,
        confidence=confidence,
        resamples=resamples,
        seed=seed if isinstance(seed, int) else -1,
        nrr_ci=nrr_ci,
    )


def breakdown(
    data: pd.DataFrame,
    by: str,
    weights: str = "exact",
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
    lang: str = "id",
) -> pd.DataFrame:
    """The index per group of respondents (service, channel, kecamatan, profile field).

    Each group gets its own bootstrap stream, spawned from ``seed`` in the sorted order of the
    groups, so the result does not depend on the order of the rows.

    Returns
    -------
    pandas.DataFrame
        ``group, respondents, ikm, ci_low, ci_high, mutu, kinerja`` and the NRR of every unsur.
    """
    if by not in data.columns:
        raise SakeraInputError(f"the survey has no column {by!r} to break down by", location="--by")
    col = data[by].astype("string").fillna("")
    groups = sorted(g for g in col.unique() if g != "")
    if not groups:
        raise SakeraInputError(f"column {by!r} is empty in every row", location="--by")
    streams = np.random.SeedSequence(seed).spawn(len(groups))
    rows = []
    for g, ss in zip(groups, streams, strict=True):
        res = compute(data[col == g], weights, confidence, resamples, np.random.default_rng(ss))
        row: dict[str, Any] = {
            by: g,
            "respondents": res.respondents,
            "ikm": res.ikm,
            "ci_low": res.ci_low,
            "ci_high": res.ci_high,
            "mutu": res.mutu,
            "kinerja": res.kinerja(lang),
        }
        row.update({str(u): float(v) for u, v in res.nrr.items()})
        rows.append(row)
    out = pd.DataFrame(rows)
    if by == "kecamatan":
        from ..registry import districts

        names = districts().set_index("district_code")["district_name"]
        out.insert(1, "kecamatan_name", out["kecamatan"].map(names).fillna(""))
    elif by == "channel":
        from ..sim.channel import CHANNEL_NAMES

        k = 0 if lang == "id" else 1
        out.insert(1, "channel_name", out["channel"].map(lambda c: CHANNEL_NAMES.get(c, (c, c))[k]))
    elif by == "service":
        from ..services import load_catalogue

        cat = load_catalogue()
        out.insert(1, "service_name", out["service"].map(
            lambda s: (cat.get(s).name_id if lang == "id" else cat.get(s).name_en) if s in cat else s
        ))  # fmt: skip
    return out


#: Krejcie & Morgan (1970) constants: chi-square (1 d.f., 95 %), population proportion, margin.
KM_CHI2, KM_P, KM_D = 3.841, 0.5, 0.05


def krejcie_morgan(population: int) -> int:
    """Minimum sample for ``population`` recipients (Krejcie & Morgan 1970, nearest integer).

    ``n = chi2 N P (1 - P) / (d^2 (N - 1) + chi2 P (1 - P))`` with chi2 = 3.841, P = 0.5, d = 0.05.

    >>> krejcie_morgan(50), krejcie_morgan(220), krejcie_morgan(2000), krejcie_morgan(1_000_000)
    (44, 140, 322, 384)
    """
    if isinstance(population, bool) or not isinstance(population, (int, np.integer)) or population < 1:
        raise SakeraInputError(f"population must be a whole number >= 1, got {population!r}", location="N")
    n = int(population)
    pq = KM_P * (1 - KM_P)
    raw = KM_CHI2 * n * pq / (KM_D**2 * (n - 1) + KM_CHI2 * pq)
    return min(n, math.floor(raw + 0.5))


def sample_sizes(recipients: Mapping[str, int]) -> pd.DataFrame:
    """Minimum sample per service from the previous period's recipients (``{service: N}``)."""
    rows = [{"service": s, "recipients": int(n), "min_sample": krejcie_morgan(int(n))} for s, n in recipients.items()]
    return pd.DataFrame(rows, columns=["service", "recipients", "min_sample"])
