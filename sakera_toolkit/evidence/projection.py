"""Synthetic survey answers from simulated experiences, so the IKM can be projected per scenario.

No survey results by channel or by experience exist for Sampang, so this is a **model with
labelled assumptions** (``calibration/ikm.yaml``), not a forecast. Respondents are drawn among
the requests completed in the KPI window of each replication; each respondent answers the 9
unsur as

``answer_j = clip(round(base_j - penalty_j + noise), 1, 4)``,  ``noise ~ Normal(0, answer_noise_sd)``

with penalties from the respondent's own simulated request:

* **late** (working days beyond the service standard ``sla_working_days`` of ``flow.yaml``) lowers
  u3, waktu penyelesaian;
* **extra visits** (repeated desk visits and resubmitted files) lower u2, prosedur, and u1,
  persyaratan;
* **a central-server outage** inside the request's time in the system lowers u8, sarana, and u3;
* **travel cost** (the citizen's own round trips, Rp) lowers u4, biaya: the service is free, the
  fares are not.

The answers are then scored with :func:`sakera_toolkit.evidence.ikm.compute`, per replication;
the projected index of a scenario is the mean over replications with a Student-t interval (the
same rule as ``sakera compare``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import calibration
from ..errors import SakeraInputError
from . import ikm

__all__ = ["experiences", "synthesize", "add_profiles", "project", "Projection", "sample_survey"]


def _outage_hit(arrival: np.ndarray, exit_: np.ndarray, outages: list[tuple[float, float]]) -> np.ndarray:
    hit = np.zeros(len(arrival), dtype=bool)
    for start, end in outages:
        hit |= (arrival < end) & (exit_ > start)
    return hit


def experiences(result: Any) -> pd.DataFrame:
    """One row per request completed in the KPI window of every replication.

    Columns: ``replication, service, channel, kecamatan, village_code, working_days, late_days,
    extra_visits, outage, travel_cost_idr``.

    Parameters
    ----------
    result
        A :class:`sakera_toolkit.sim.SimResult`.
    """
    from ..services import SERVICE_IDS
    from ..sim.channel import CHANNELS
    from ..sim.kpi import _window

    params = result.params
    sla = float(params.flow_calibration()["sla_working_days"])
    frames = []
    from ._records import replication_arrays

    for r, (raw, st, rep) in enumerate(replication_arrays(result)):
        keep = _window(rep, result.inputs) & (raw["outcome"] == 0)
        arrival, exit_ = raw["arrival"][keep], raw["exit"][keep]
        wd = raw["working_days"][keep]
        frames.append(
            pd.DataFrame(
                {
                    "replication": r,
                    "service": np.asarray(SERVICE_IDS, dtype=object)[raw["service"][keep]],
                    "channel": np.asarray(CHANNELS, dtype=object)[raw["channel"][keep].astype(np.int64)],
                    "kecamatan": np.asarray(st.district_codes, dtype=object)[raw["district"][keep]],
                    "village_code": np.asarray(st.codes, dtype=object)[raw["village"][keep]],
                    "working_days": wd,
                    "late_days": np.clip(wd - sla, 0, None),
                    "extra_visits": np.clip(raw["desk_visits"][keep] - 1, 0, None)
                    + np.clip(raw["verifications"][keep] - 1, 0, None),
                    "outage": _outage_hit(arrival, exit_, result.outages[r]),
                    "travel_cost_idr": raw["travel_cost_idr"][keep],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _answers(exp: pd.DataFrame, rng: np.random.Generator, c: calibration.Calibration) -> np.ndarray:
    n = len(exp)
    base = np.array([float(c["base_answer"][u]) for u in ikm.UNSUR_COLUMNS])
    pen = np.zeros((n, len(base)))
    col = {u: j for j, u in enumerate(ikm.UNSUR_COLUMNS)}
    late = np.minimum(
        exp["late_days"].to_numpy(float) * float(c["late_penalty_u3_per_working_day"]), float(c["late_penalty_cap"])
    )
    extra = exp["extra_visits"].to_numpy(float)
    outage = exp["outage"].to_numpy(bool).astype(float)
    travel = np.minimum(
        exp["travel_cost_idr"].to_numpy(float) / 10_000.0 * float(c["travel_penalty_u4_per_10k_idr"]),
        float(c["travel_penalty_cap"]),
    )
    pen[:, col["u3"]] += late + outage * float(c["outage_penalty_u3"])
    pen[:, col["u2"]] += extra * float(c["extra_visit_penalty_u2"])
    pen[:, col["u1"]] += extra * float(c["extra_visit_penalty_u1"])
    pen[:, col["u8"]] += outage * float(c["outage_penalty_u8"])
    pen[:, col["u4"]] += travel
    noise = rng.normal(0.0, float(c["answer_noise_sd"]), size=(n, len(base)))
    return np.clip(np.rint(base - pen + noise), 1, 4).astype(np.int64)


def synthesize(
    result: Any,
    respondents: int | None = None,
    seed: int | np.random.SeedSequence = 0,
    calib: calibration.Calibration | None = None,
) -> pd.DataFrame:
    """Synthetic survey rows (``u1``..``u9`` plus service, channel, kecamatan, village_code, replication).

    Parameters
    ----------
    result
        A :class:`sakera_toolkit.sim.SimResult`.
    respondents
        Respondents per replication (default ``respondents_per_replication`` of ``ikm.yaml``), drawn
        without replacement among the completed requests.
    seed
        Seed; replication ``r`` uses its own stream spawned from it.
    calib
        The ``ikm`` calibration (default: the packaged file).
    """
    c = calib or calibration.load("ikm")
    n = int(c["respondents_per_replication"]) if respondents is None else int(respondents)
    if n < 1:
        raise SakeraInputError(f"respondents must be >= 1, got {n}", location="respondents")
    exp = experiences(result)
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    streams = root.spawn(len(result.replications))
    frames = []
    for r, ss in enumerate(streams):
        rng = np.random.default_rng(ss)
        pool = exp[exp["replication"] == r]
        if not len(pool):
            continue
        take = np.sort(rng.choice(len(pool), size=min(n, len(pool)), replace=False))
        sample = pool.iloc[take].reset_index(drop=True)
        answers = pd.DataFrame(_answers(sample, rng, c), columns=list(ikm.UNSUR_COLUMNS))
        frames.append(
            pd.concat([answers, sample[["service", "channel", "kecamatan", "village_code", "replication"]]], axis=1)
        )
    if not frames:
        raise SakeraInputError("no completed requests in the KPI window to draw respondents from")
    return pd.concat(frames, ignore_index=True)


def add_profiles(
    survey: pd.DataFrame, seed: int | np.random.SeedSequence = 0, calib: calibration.Calibration | None = None
) -> pd.DataFrame:
    """Add synthetic respondent profiles (jenis_kelamin, usia, pendidikan, pekerjaan) from ``ikm.yaml``.

    The profiles do not change the answers (no such effect is assumed); they exist so that the
    breakdowns by profile can be shown on synthetic data.
    """
    c = calib or calibration.load("ikm")
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rng = np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, 1_000_001)))
    n = len(survey)
    out = survey.copy()
    out["jenis_kelamin"] = np.where(rng.random(n) < float(c["profile_share_female"]), "P", "L")
    low, high = (int(v) for v in c["profile_age_range"])
    out["usia"] = rng.integers(low, high + 1, size=n)
    for column, key in (("pendidikan", "profile_education_shares"), ("pekerjaan", "profile_occupation_shares")):
        shares = dict(c[key])
        p = np.array(list(shares.values()), dtype=float)
        out[column] = np.asarray(list(shares), dtype=object)[rng.choice(len(p), size=n, p=p / p.sum())]
    return out


@dataclass
class Projection:
    """Projected IKM of one scenario.

    Attributes
    ----------
    per_replication
        One row per replication: ``replication, respondents, ikm`` and the NRR per unsur.
    mean, ci_low, ci_high
        Mean index over replications with its Student-t interval.
    grade
        Interval-table row of the mean.
    survey
        The synthetic answers behind it.
    """

    per_replication: pd.DataFrame
    mean: float
    ci_low: float
    ci_high: float
    grade: ikm.Grade
    survey: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "ikm": round(self.mean, 2),
            "ci": [
                None if self.ci_low != self.ci_low else round(self.ci_low, 2),
                None if self.ci_high != self.ci_high else round(self.ci_high, 2),
            ],
            "mutu": self.grade.mutu,
            "kinerja": self.grade.kinerja_id,
            "replications": int(len(self.per_replication)),
            "respondents_per_replication": int(self.per_replication["respondents"].max()),
        }


def project(
    result: Any,
    respondents: int | None = None,
    seed: int = 0,
    weights: str = "exact",
    confidence: float = 0.95,
    calib: calibration.Calibration | None = None,
) -> Projection:
    """Project the index of a simulated scenario (see the module docstring).

    Parameters
    ----------
    result
        A :class:`sakera_toolkit.sim.SimResult`.
    respondents, seed, calib
        Passed to :func:`synthesize`.
    weights
        ``"exact"`` (1/9) or ``"rounded"`` (0.11).
    confidence
        Level of the interval over replications.
    """
    from ..scenarios.compare import mean_ci

    survey = synthesize(result, respondents, seed, calib)
    rows = []
    for r in sorted(int(x) for x in survey["replication"].unique()):
        res = ikm.compute(survey[survey["replication"] == r], weights=weights, resamples=0)
        rows.append({"replication": int(r), "respondents": res.respondents, "ikm": res.ikm, **res.nrr.to_dict()})
    per = pd.DataFrame(rows)
    mean, low, high = mean_ci(per["ikm"].to_numpy(), confidence)
    return Projection(per_replication=per, mean=mean, ci_low=low, ci_high=high, grade=ikm.classify(mean), survey=survey)


def sample_survey(
    seed: int | np.random.SeedSequence = 42,
    respondents: int = 400,
    scenario: Any = "oct-2021",
    days: int | None = 90,
) -> pd.DataFrame:
    """A synthetic survey file: respondents of one simulated run, with synthetic profiles.

    Columns: ``respondent_id``, ``u1``..``u9``, service, channel, kecamatan, village_code and the
    profile fields. Used for ``sample_data/survey_skm.csv`` and ``sakera survey synthesize``.

    Parameters
    ----------
    seed
        Seed of the simulation, the sampling and the answers.
    respondents
        Number of respondents.
    scenario
        Preset name, YAML path or Scenario.
    days
        Horizon override (days), or None for the scenario's own.
    """
    from ..scenarios import load
    from ..sim import run

    s = load(scenario)
    if days is not None:
        if days < 2:
            raise SakeraInputError(f"must be >= 2, got {days}", location="--days")
        s = s.with_values({"horizon.days": days, "horizon.warmup_days": min(28, days // 4)})
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    sim_seed, answer_seed = root.spawn(2)
    result = run(s.to_flow_params(), seed=sim_seed, replications=1)
    survey = add_profiles(synthesize(result, respondents, seed=answer_seed), seed=answer_seed)
    survey.insert(0, "respondent_id", [f"R{i:04d}" for i in range(1, len(survey) + 1)])
    return survey.drop(columns=["replication"])
