"""Compare scenarios on the simulated KPIs with confidence intervals.

Every scenario is simulated with the **same seed**, so replication *r* of each scenario sees the
same demand stream (common random numbers, see ``sakera_toolkit.sim.run``). Differences against
the first (reference) scenario are then computed replication by replication (paired), which gives
much narrower intervals than comparing two independent means.

For a KPI with per-replication values ``x_r`` the interval is ``mean ± t(1-α/2, n-1) · sd/√n``;
for a difference the same formula is applied to ``d_r = x_r(scenario) - x_r(reference)``. A
difference whose interval contains 0 is flagged ``distinguishable = False``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .spec import Scenario

__all__ = [
    "Comparison",
    "compare",
    "align_scenarios",
    "simulate_kpis",
    "mean_ci",
    "paired_ci",
    "kpi_columns",
    "HEADLINE_KPIS",
]

#: KPIs shown by default (``sakera compare`` without ``--all-kpis``), when the engine reports them.
HEADLINE_KPIS = (
    "arrivals",
    "turnaround_median_days",
    "turnaround_p90_days",
    "share_within_sla",
    "desk_share",
    "trips_per_request",
    "outside_trips",
    "outside_trips_saved",
    "travel_hours",
    "travel_hours_saved",
    "travel_cost_saved_idr",
    "utilisation_verifier",
    "backlog_end",
    "stockout_days_ktp",
    "stockout_days_kia",
)

#: Columns of ``SimResult.kpis`` that identify a replication rather than measure something.
ID_COLUMNS = ("replication", "seed", "scenario", "run_id")


def kpi_columns(kpis: pd.DataFrame) -> list[str]:
    """The numeric KPI columns of a per-replication KPI table (identifiers excluded)."""
    return [
        c
        for c in kpis.columns
        if c not in ID_COLUMNS and pd.api.types.is_numeric_dtype(kpis[c]) and not pd.api.types.is_bool_dtype(kpis[c])
    ]


def mean_ci(values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and the Student-t confidence interval ``(mean, low, high)``; NaN bounds for n < 2."""
    from scipy import stats  # type: ignore[import-untyped]  # no type hints published for this package

    x = np.asarray(values, dtype="float64")
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if n < 2:
        return (mean, math.nan, math.nan)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return (mean, mean - half, mean + half)


def paired_ci(
    values: Sequence[float], reference: Sequence[float], confidence: float = 0.95
) -> tuple[float, float, float]:
    """Mean paired difference ``values - reference`` and its confidence interval."""
    a = np.asarray(values, dtype="float64")
    b = np.asarray(reference, dtype="float64")
    if a.shape != b.shape:
        raise ValueError("paired samples must have the same length")
    return mean_ci(a - b, confidence)


def _engine_run() -> Callable[..., Any]:
    from ..sim import run

    return run


def simulate_kpis(
    scenario: Scenario | str,
    replications: int,
    seed: int,
    progress: bool = False,
    overrides: dict[str, Any] | None = None,
    runner: Callable | None = None,
) -> pd.DataFrame:
    """Simulate ``scenario`` and return its per-replication KPI table with a ``scenario`` column.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a preset name or a YAML path.
    replications, seed
        Passed to ``sakera_toolkit.sim.run``; the same seed gives common random numbers.
    progress
        Show the engine's progress bar on stderr.
    overrides
        Dotted scenario paths to set first (``{"horizon.days": 60}``).
    runner
        Alternative to ``sakera_toolkit.sim.run`` with the same signature.
    """
    from . import load

    s = load(scenario)
    if overrides:
        s = s.with_values(overrides)
    simulate = runner if runner is not None else _engine_run()
    result = simulate(s.to_flow_params(), seed=seed, replications=replications, progress=progress)
    kpis = result.kpis.copy()
    if "replication" not in kpis.columns:
        kpis.insert(0, "replication", np.arange(len(kpis)))
    kpis.insert(0, "scenario", s.name)
    return kpis.reset_index(drop=True)


@dataclass
class Comparison:
    """Per-replication KPIs of several scenarios and their summary against the first one.

    Attributes
    ----------
    kpis
        One row per (scenario, replication), one column per KPI.
    scenarios
        Scenario names in the order given; the first is the reference.
    seed, replications, confidence
        How the runs were made.
    """

    kpis: pd.DataFrame
    scenarios: list[str]
    seed: int
    replications: int
    confidence: float = 0.95
    period: dict[str, Any] | None = None

    @property
    def reference(self) -> str:
        """The scenario every difference is measured against."""
        return self.scenarios[0]

    def kpi_names(self) -> list[str]:
        """KPI columns, in the engine's order."""
        return kpi_columns(self.kpis)

    def headline(self) -> list[str]:
        """The headline KPIs the engine reports (see :data:`HEADLINE_KPIS`), else all."""
        names = self.kpi_names()
        chosen = [k for k in HEADLINE_KPIS if k in names]
        return chosen or names

    def table(self, kpis: Sequence[str] | None = None) -> pd.DataFrame:
        """Long table: scenario, kpi, mean, ci_low, ci_high, diff, diff_ci_low, diff_ci_high, distinguishable."""
        names = self.kpi_names() if kpis is None else self._check(kpis)
        rows = []
        ref = self.kpis[self.kpis["scenario"] == self.reference].set_index("replication")
        for name in self.scenarios:
            sub = self.kpis[self.kpis["scenario"] == name].set_index("replication")
            common = sub.index.intersection(ref.index)
            for kpi in names:
                mean, low, high = mean_ci(sub[kpi].to_numpy(), self.confidence)
                row = {"scenario": name, "kpi": kpi, "mean": mean, "ci_low": low, "ci_high": high}
                if name == self.reference:
                    row.update(diff=0.0, diff_ci_low=math.nan, diff_ci_high=math.nan, distinguishable=pd.NA)
                else:
                    pair = pd.concat([sub.loc[common, kpi], ref.loc[common, kpi]], axis=1).dropna().to_numpy()
                    d, dlow, dhigh = (
                        paired_ci(pair[:, 0], pair[:, 1], self.confidence) if len(pair) else (math.nan,) * 3
                    )
                    if math.isnan(dlow):
                        # fewer than 2 replications, or a constant difference: an exact difference
                        # is distinguishable only when it is not zero and has no spread
                        spread = float(np.ptp(pair[:, 0] - pair[:, 1])) if len(pair) >= 2 else math.nan
                        dist = bool(spread == 0.0 and d != 0.0) if not math.isnan(spread) else pd.NA
                    else:
                        dist = bool(dlow > 0 or dhigh < 0)
                    row.update(diff=d, diff_ci_low=dlow, diff_ci_high=dhigh, distinguishable=dist)
                rows.append(row)
        return pd.DataFrame(rows)

    def wide(self, kpis: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per scenario, ``KPI`` and ``KPI_diff`` columns as "mean [low, high]" text (for display)."""
        t = self.table(kpis)
        out: dict[str, dict[str, str]] = {}
        for r in t.to_dict("records"):
            cell = out.setdefault(str(r["scenario"]), {})
            cell[str(r["kpi"])] = _fmt_ci(float(r["mean"]), float(r["ci_low"]), float(r["ci_high"]))
            if r["scenario"] != self.reference:
                mark = "" if r["distinguishable"] is True else " ≈"
                diff = _fmt_ci(float(r["diff"]), float(r["diff_ci_low"]), float(r["diff_ci_high"]))
                cell[f"{r['kpi']} Δ"] = diff + mark
        order = []
        for kpi in dict.fromkeys(t["kpi"]):
            order += [kpi] + ([f"{kpi} Δ"] if len(self.scenarios) > 1 else [])
        frame = pd.DataFrame.from_dict(out, orient="index").reindex(index=self.scenarios, columns=order)
        return frame.rename_axis("scenario").reset_index()

    def _check(self, kpis: Sequence[str]) -> list[str]:
        from ..errors import SakeraInputError

        names = self.kpi_names()
        unknown = [k for k in kpis if k not in names]
        if unknown:
            raise SakeraInputError(
                f"unknown KPI(s) {unknown}; the engine reports: {', '.join(names)}", location="--kpi"
            )
        return list(kpis)

    def to_dict(self, kpis: Sequence[str] | None = None) -> dict[str, Any]:
        """JSON-ready result: settings and, per scenario, each KPI with its CI and difference."""
        t = self.table(kpis)
        result: dict[str, Any] = {
            "reference": self.reference,
            "replications": self.replications,
            "seed": self.seed,
            "confidence": self.confidence,
            "common_random_numbers": True,
            "period": self.period,
            "scenarios": {},
        }
        for name in self.scenarios:
            entry = {}
            for row in t[t["scenario"] == name].itertuples(index=False):
                item = {"mean": _num(row.mean), "ci": [_num(row.ci_low), _num(row.ci_high)]}
                if name != self.reference:
                    item["diff_vs_reference"] = _num(row.diff)
                    item["diff_ci"] = [_num(row.diff_ci_low), _num(row.diff_ci_high)]
                    item["distinguishable"] = None if row.distinguishable is pd.NA else bool(row.distinguishable)
                entry[row.kpi] = item
            result["scenarios"][name] = entry
        return result

    def to_json(self, kpis: Sequence[str] | None = None, indent: int = 2) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(kpis), ensure_ascii=False, indent=indent)

    def plot(self, kpi: str):
        """Interval plot of ``kpi`` per scenario (HoloViews; imported lazily)."""
        from ..plots import ci_plot

        return ci_plot(self.table(), kpi)

    def plot_diff(self, kpi: str):
        """Interval plot of the paired difference of ``kpi`` against the reference."""
        from ..plots import diff_plot

        return diff_plot(self.table(), kpi, self.reference)


def _num(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _fmt_ci(mean: float, low: float, high: float) -> str:
    def f(v: float) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "nan"
        a = abs(v)
        if a >= 1000:
            return f"{v:,.0f}"
        if a >= 10:
            return f"{v:.1f}"
        return f"{v:.3g}"

    if low is None or (isinstance(low, float) and math.isnan(low)):
        return f(mean)
    return f"{f(mean)} [{f(low)}, {f(high)}]"


def compare(
    scenarios: Sequence[Scenario | str],
    replications: int = 10,
    seed: int = 0,
    progress: bool = False,
    overrides: dict[str, Any] | None = None,
    confidence: float = 0.95,
    runner: Callable | None = None,
    align: bool = False,
) -> Comparison:
    """Simulate each scenario with the same seed and summarise against the first one.

    Parameters
    ----------
    scenarios
        Two or more scenarios (objects, preset names or YAML paths); the first is the reference.
    replications
        Replications per scenario (the same replication index shares random numbers).
    seed
        Base seed for every scenario.
    progress
        Show a progress bar on stderr.
    overrides
        Dotted paths set in every scenario before running (e.g. a shorter horizon).
    confidence
        Confidence level of the intervals.
    runner
        Alternative to ``sakera_toolkit.sim.run`` (same signature).
    align
        Scenarios must share the simulated period (start date, days) and population year, or the
        paired differences would pair different demand streams (no common random numbers). With
        ``align=False`` (default) differing scenarios are refused; with ``align=True`` every
        scenario is run on the reference's start date, days, warm-up and population year (its
        go-live dates and outages keep their calendar dates). The shared period is
        :attr:`Comparison.period`.
    """
    from ..errors import SakeraInputError
    from . import load

    if len(scenarios) < 1:
        raise SakeraInputError("give at least one scenario", location="scenarios")
    if replications < 1:
        raise SakeraInputError(f"replications must be >= 1, got {replications}", location="--replications")
    if not 0 < confidence < 1:
        raise SakeraInputError(f"confidence must be between 0 and 1, got {confidence}", location="--confidence")
    loaded = [load(s) for s in scenarios]
    names = [s.name for s in loaded]
    if len(set(names)) != len(names):
        raise SakeraInputError(f"scenario names must differ, got {names}", location="scenarios")
    if overrides:
        loaded = [s.with_values(overrides) for s in loaded]
    loaded, period = _align(loaded, align)
    frames = []
    iterator = loaded
    if progress:
        from tqdm.auto import tqdm  # type: ignore[import-untyped]  # no type hints published for this package

        iterator = tqdm(loaded, desc="scenarios", unit="scenario", file=__import__("sys").stderr)
    for s in iterator:
        frames.append(simulate_kpis(s, replications, seed, progress=False, runner=runner))
    kpis = pd.concat(frames, ignore_index=True)
    return Comparison(
        kpis=kpis, scenarios=names, seed=seed, replications=replications, confidence=confidence, period=period
    )


def _period(s: Scenario) -> tuple[Any, ...]:
    h = s.horizon
    return (h.start_date, h.days, h.population_year or h.start_date.year, s.regency().code)


def _describe(s: Scenario) -> str:
    start, days, year, code = _period(s)
    return f"{s.name}: {start} + {days} days, population {year}, regency {code}"


def align_scenarios(loaded: Sequence[Scenario], align: bool = True) -> tuple[list[Scenario], dict[str, Any]]:
    """The scenarios on the first one's period, and that period (the rule of :func:`compare`'s ``align``).

    For callers that run the scenarios themselves (the app's Skenario page runs each in a worker
    process) but must pair them exactly as :func:`compare` does. Raises
    :class:`~sakera_toolkit.errors.SakeraInputError` when the regencies differ, or when the periods
    differ and ``align`` is False.
    """
    return _align(list(loaded), align)


def _align(loaded: list[Scenario], align: bool) -> tuple[list[Scenario], dict[str, Any]]:
    """Scenarios sharing the reference's period and population (see :func:`compare`'s ``align``)."""
    from ..errors import SakeraInputError

    ref = loaded[0]
    start, days, year, code = _period(ref)
    period = {"start_date": start.isoformat(), "days": days, "population_year": year, "regency": code,
              "aligned_to": None}  # fmt: skip
    differing = [s for s in loaded[1:] if _period(s) != _period(ref)]
    if not differing:
        return loaded, period
    other = differing[0]
    if any(_period(s)[3] != code for s in differing):
        raise SakeraInputError(
            f"scenarios cover different regencies ({_describe(ref)}; {_describe(other)}): no common random numbers",
            location="scenarios",
        )
    if not align:
        raise SakeraInputError(
            f"scenarios differ in period or population ({_describe(ref)}; {_describe(other)}); paired differences "
            "need a shared period: use --align to run all on the first scenario's, or make the horizons equal",
            location="scenarios",
        )
    h = ref.horizon
    values = {"horizon.start_date": h.start_date, "horizon.days": h.days, "horizon.population_year": year}
    if h.warmup_days is not None:
        values["horizon.warmup_days"] = h.warmup_days
    period["aligned_to"] = ref.name
    return [ref] + [s if _period(s) == _period(ref) else s.with_values(values) for s in loaded[1:]], period
