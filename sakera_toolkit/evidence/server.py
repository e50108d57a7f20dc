"""The central server (SIAK Terpusat) as evaluators see it: KPIs with CIs, by hour, by day, by load.

Read-only views of what the engine's server stage (:mod:`sakera_toolkit.sim.central`) recorded:

* :func:`server_table` -- the ``server_*`` KPIs of an evidence run per scenario (mean and 95 %
  interval over replications, the same rule as ``sakera compare``); empty when no scenario has the
  ``server:`` stage on;
* :func:`hourly_table` -- p95 response time, timed-out share and utilisation by hour of day, mean
  and CI over replications (from the replication digests);
* :func:`server_view` -- both of them for an evidence run, with the server policy: what the report
  and the app's Bukti page show;
* :func:`daily_profile` / :func:`tipping_day` -- per simulated day: villages live, p95 response
  time and timed-out share in service hours, and the first day the server is saturated by the rule
  of :func:`sakera_toolkit.scenarios.saturation.is_saturated` (one rule for ``sakera capacity``,
  the report and notebook 06);
* :func:`load_curve` -- the server KPIs against the number of villages live (probes of
  :func:`sakera_toolkit.scenarios.saturation.probe`, common random numbers across loads), with CIs;
* :func:`levers` -- what would have prevented the saturation (batch upload, staggered hours, more
  capacity), and :func:`saturation_text` -- the reading of these numbers in a sentence
  (:mod:`sakera_toolkit.narrative` style: computed, never typed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..scenarios.compare import mean_ci

__all__ = [
    "SERVER_KPIS",
    "has_server",
    "server_table",
    "hourly_table",
    "server_view",
    "daily_profile",
    "tipping_day",
    "load_curve",
    "levers",
    "low_bound",
    "saturation_text",
]

#: Server KPIs shown to evaluators, in display order: kpi -> (Indonesian, English, unit, scale, digits).
SERVER_KPIS: dict[str, tuple[str, str, str, float, int]] = {
    "server_response_p95_s": ("Waktu respons server, persentil 95", "Server response time, 95th percentile", "detik/s", 1.0, 1),
    "server_request_response_p95_s": ("Waktu respons transaksi layanan, persentil 95", "Service transactions' response time, 95th percentile", "detik/s", 1.0, 1),
    "server_response_p50_s": ("Waktu respons server, median", "Server response time, median", "detik/s", 1.0, 1),
    "server_timeout_share": ("Transaksi gagal (batas waktu habis)", "Transactions timed out", "%", 100.0, 1),
    "server_utilisation_open_hours": ("Utilisasi server (jam layanan)", "Server utilisation (service hours)", "%", 100.0, 1),
    "server_desk_minutes_lost": ("Waktu loket hilang menunggu server", "Desk time lost waiting for the server", "jam/h", 1 / 60, 0),
    "server_files_delayed": ("Berkas tertunda ke hari kerja berikutnya", "Files put off to the next working day", "", 1.0, 0),
    "server_citizens_gave_up": ("Warga menyerah karena server", "Citizens who gave up because of the server", "", 1.0, 0),
}  # fmt: skip


def has_server(kpis: pd.DataFrame, scenario: str | None = None) -> bool:
    """Whether the per-replication KPI table has server KPIs (for ``scenario``, or any row)."""
    if "server_response_p95_s" not in kpis.columns:
        return False
    rows = kpis if scenario is None else kpis[kpis["scenario"] == scenario]
    return bool(rows["server_transactions"].notna().any())


def server_table(ev: Any, lang: str = "id") -> pd.DataFrame:
    """Server KPIs per scenario of an evidence run, with 95 % intervals over replications.

    Columns ``kpi, label, unit, scale, digits`` and, per scenario, ``<name>``, ``<name>_low``,
    ``<name>_high`` (NaN for a scenario without the stage). Empty when no scenario of the run has the central-server stage on.
    """
    from .kpis import kpi_ci_table

    if not has_server(ev.comparison.kpis):
        return pd.DataFrame()
    return kpi_ci_table(ev, SERVER_KPIS, lang)


def hourly_table(frames: Sequence[pd.DataFrame | None]) -> pd.DataFrame:
    """Mean and 95 % CI over replications of the hourly server profiles (``sim.central.hourly_profile``).

    Columns: ``hour``, ``response_p95_s``, ``response_p95_s_low/_high``, ``timeout_share`` and its
    bounds, ``utilisation`` and its bounds (lower bounds cut at 0: none of them can be negative).
    Empty when no replication ran the server stage.
    """
    present = [f.assign(replication=i) for i, f in enumerate(frames) if f is not None and len(f)]
    if not present:
        return pd.DataFrame()
    long = pd.concat(present, ignore_index=True)
    rows = []
    for hour in sorted(long["hour"].unique()):
        sub = long[long["hour"] == hour]
        row: dict[str, Any] = {"hour": int(hour)}
        for col in ("response_p95_s", "timeout_share", "utilisation"):
            row[col], low, row[f"{col}_high"] = mean_ci(sub[col].to_numpy(dtype=float))
            row[f"{col}_low"] = max(low, 0.0) if np.isfinite(low) else low
        rows.append(row)
    return pd.DataFrame(rows)


def server_view(ev: Any, lang: str = "id") -> dict[str, Any] | None:
    """The central server as the report and the Bukti page show it; None when the stage is off.

    Keys: ``table`` (:func:`server_table`), ``scenarios`` (all, in comparison order), ``on`` (those
    with the stage on), ``hourly`` (scenario -> :func:`hourly_table` over its replications, empty
    profiles left out), ``timeout_s``, ``capacity_tps`` and ``workers`` (the policy of the last
    scenario with the stage on, normally the rollout scenario).
    """
    table = server_table(ev, lang)
    if table.empty:
        return None
    names = list(ev.comparison.scenarios)
    on = [n for n in names if has_server(ev.comparison.kpis, n)]
    policy = ev.scenarios[on[-1]].to_flow_params().central.policy
    hourly = {n: hourly_table([d.server_hourly for d in ev.digests[n]]) for n in on}
    return {
        "table": table,
        "scenarios": names,
        "on": on,
        "hourly": {n: h for n, h in hourly.items() if not h.empty},
        "timeout_s": float(policy.timeout_s),
        "capacity_tps": float(policy.capacity_tps),
        "workers": int(policy.workers),
    }


def daily_profile(result: Any, replication: int = 0) -> pd.DataFrame:
    """The central server day by day in one replication.

    One row per simulated open day: date, villages live, attempts, p95 response time and timed-out share of the attempts in service hours, ``outage`` (a scheduled or random outage
    overlaps the day: every attempt is refused, whatever the load) and ``saturated`` (the rule of
    :func:`~sakera_toolkit.scenarios.saturation.is_saturated`).

    ``result`` is a :class:`~sakera_toolkit.sim.SimResult` of a scenario with the server stage on.
    """
    from ..scenarios.saturation import is_saturated
    from ..sim.central import open_hour_bins

    rep = result.replications[replication]
    if rep.server is None:
        raise ValueError("this run has no central-server stage (scenario without a server: section)")
    out = rep.server.result.server
    cal = rep.calendars
    days = int(result.inputs.days)
    bins = open_hour_bins(cal.open_day[:days], cal.day_start_hour, cal.day_end_hour)
    bins = bins[bins < out.hours]
    go_live = np.asarray(result.inputs.go_live, dtype=float)
    policy = result.params.central.policy
    start = result.params.start_date
    outages = [(float(a), float(b)) for a, b in cal.outages]
    rows = []
    for day in np.unique(bins // 24):
        hours = bins[bins // 24 == day]
        attempts = float(out.attempts_h[hours].sum())
        k = {
            "server_response_p95_s": out.response_quantile(0.95, hours),
            "server_timeout_share": float(out.timeouts_h[hours].sum() / attempts) if attempts else 0.0,
        }
        rows.append(
            {
                "day": int(day),
                "date": start + dt.timedelta(days=int(day)),
                "villages_live": int((go_live <= day).sum()),
                "attempts": attempts,
                "response_p95_s": k["server_response_p95_s"],
                "timeout_share": k["server_timeout_share"],
                "outage": any(a < day + 1 and day < b for a, b in outages),
                "saturated": is_saturated(k, policy) if attempts else False,
            }
        )
    return pd.DataFrame(rows)


def tipping_day(profile: pd.DataFrame, warmup_days: int = 0, persist: int = 5) -> pd.Series | None:
    """The day the server tips over under load (None if it never does).

    The first of ``persist`` consecutive open days (a working week by default) saturated, in a
    :func:`daily_profile` after ``warmup_days``; the row has ``from_start`` True when that is the
    first day measured (the server was saturated from the start).

    Outage days are left out (an outage refuses everything whatever the load, so it says nothing
    about saturation); a single peak day does not count as tipping over.
    """
    days = profile[(profile["day"] >= warmup_days) & ~profile["outage"]].reset_index(drop=True)
    run = 0
    for i, saturated in enumerate(days["saturated"].to_numpy(dtype=bool)):
        run = run + 1 if saturated else 0
        if run >= persist:
            row = days.iloc[i - persist + 1].copy()
            row["from_start"] = i - persist + 1 == 0  # saturated from the first day measured
            return row
    return None


def low_bound(kpi: str, low: float) -> float:
    """A CI's lower bound as shown.

    Every server KPI is non-negative, so a Student-t bound below 0 (few replications) is cut at 0.
    """
    return max(low, 0.0) if kpi.startswith("server_") and np.isfinite(low) else low


def load_curve(
    scenario: Any,
    villages: Sequence[int],
    *,
    policy: Any = None,
    load: Any = None,
    replications: int = 3,
    seed: int = 0,
    days: int = 20,
) -> pd.DataFrame:
    """Server KPIs against the number of villages live (first ``n`` of the rollout order, live from day 0).

    Every count is probed in each replication with the same seed (common random numbers across
    loads), so the curve is paired. Returns one row per count: ``villages``, ``capacity_tps`` and,
    for each ``server_*`` KPI, its mean with ``_low``/``_high`` 95 % bounds, plus
    ``saturated_share`` (replications saturated by the rule of ``sakera capacity``). Every server KPI
    is non-negative, so interval bounds below 0 (Student t with few replications) are cut at 0.
    """
    from ..scenarios import load as load_scenario
    from ..scenarios.saturation import is_saturated, probe, rollout_order
    from ..sim.central import CentralLoad, policy_from_calibration

    s = load_scenario(scenario)
    policy = policy if policy is not None else policy_from_calibration()
    load = load if load is not None else CentralLoad.from_calibration()
    order = rollout_order(s)
    rows = []
    for n in villages:
        probes = [
            probe(s, int(n), policy, load, replication=r, seed=seed, days=days, order=order)
            for r in range(replications)
        ]
        row: dict[str, Any] = {"villages": int(n), "capacity_tps": float(policy.capacity_tps)}
        for kpi in probes[0].kpis:
            row[kpi], low, row[f"{kpi}_high"] = mean_ci([p.kpis[kpi] for p in probes])
            row[f"{kpi}_low"] = low_bound(kpi, low)
        row["saturated_share"] = float(np.mean([is_saturated(p.kpis, policy) for p in probes]))
        rows.append(row)
    return pd.DataFrame(rows)


def levers(
    policy: Any = None,
    load: Any = None,
    *,
    batch_window: tuple[float, float] = (15.0, 21.0),
    stagger_hours: float = 2.0,
    capacity_factor: float | None = 2.0,
) -> dict[str, tuple[Any, Any]]:
    """The scenario as planned and the levers against saturation: label -> (policy, load).

    The one definition of the levers, used by ``sakera capacity``, the report and notebook 06.
    Batch upload: village desks capture locally and upload in ``batch_window`` (the default of
    ``sakera capacity --batch-window``); staggered hours: every other kecamatan opens
    ``stagger_hours`` later (``--stagger``); a capacity upgrade multiplies ``capacity_tps``
    (left out when ``capacity_factor`` is None: ``sakera capacity --villages`` searches the
    capacity itself). Labels are Indonesian first.
    """
    from dataclasses import replace

    from ..sim.central import CentralLoad, policy_from_calibration

    policy = policy if policy is not None else policy_from_calibration()
    load = load if load is not None else CentralLoad.from_calibration()
    h0, h1 = batch_window
    out = {
        "sesuai rencana / as planned": (policy, load),
        f"unggah massal {h0:g}-{h1:g} / batch upload": (policy, replace(load, upload_window=batch_window)),
        f"jam buka bergiliran +{stagger_hours:g} jam / staggered hours": (
            policy,
            replace(load, stagger_hours=stagger_hours),
        ),
    }
    if capacity_factor is not None:
        out[f"kapasitas \u00d7{capacity_factor:g} / capacity \u00d7{capacity_factor:g}"] = (
            replace(policy, capacity_tps=policy.capacity_tps * capacity_factor),
            load,
        )
    return out


def _first_saturated(curve: pd.DataFrame) -> int | None:
    hit = curve[curve["saturated_share"] >= 0.5]
    return None if hit.empty else int(hit["villages"].iloc[0])


def saturation_text(
    curves: Mapping[str, pd.DataFrame],
    timeout_s: float,
    *,
    tips: Mapping[str, pd.Series | None] | None = None,
    lang: str = "id",
) -> str:
    """What the load curves and the tipping days say, in one paragraph with the numbers and their CIs.

    Parameters
    ----------
    curves
        :func:`load_curve` frames by lever label (see :func:`levers`); the first is "as planned".
    timeout_s
        The client timeout (the saturation threshold of the p95).
    tips
        Rollout scenario name -> its :func:`tipping_day` row (None: it never tipped over).
    lang
        ``"id"`` or ``"en"``.
    """
    from ..narrative import _interval, number

    en = lang == "en"
    (_label, base), *others = curves.items()
    lo, hi = base.iloc[0], base.iloc[-1]

    def p95(r: pd.Series) -> str:
        unit = "s" if en else "detik"
        return f"{number(r['server_response_p95_s'], lang)} {unit} " + _interval(
            r["server_response_p95_s_low"], r["server_response_p95_s_high"], lang, 0.95
        )

    def share(r: pd.Series) -> str:
        return f"{number(r['server_timeout_share'] * 100, lang, 2)} %"

    first = _first_saturated(base)
    cap = number(float(lo["capacity_tps"]), lang)
    n_lo, n_hi = int(lo["villages"]), int(hi["villages"])
    if en:
        text = (
            f"At {cap} transactions/s the server's 95th-percentile response time rises from {p95(lo)} with "
            f"{n_lo} villages live to {p95(hi)} with {n_hi}, and the share of attempts timed out "
            f"from {share(lo)} to {share(hi)} (timeout {number(timeout_s, lang)} s). "
        )
        text += f"It saturates from about {first} villages live." if first is not None else "It does not saturate."
    else:
        text = (
            f"Dengan kapasitas {cap} transaksi/detik, waktu respons persentil 95 naik dari {p95(lo)} dengan "
            f"{n_lo} desa aktif menjadi {p95(hi)} dengan {n_hi} desa, dan percobaan yang gagal "
            f"dari {share(lo)} menjadi {share(hi)} (batas waktu {number(timeout_s, lang)} detik). "
        )
        text += f"Server jenuh mulai sekitar {first} desa aktif." if first is not None else "Server tidak jenuh."
    for rollout, tip in (tips or {}).items():
        if tip is None:
            text += f" In {rollout} it never tips over." if en else f" Dalam {rollout} server tidak pernah jenuh."
            continue
        n, when = int(tip["villages_live"]), tip["date"]
        start = bool(tip.get("from_start", False))
        if en:
            text += f" In {rollout} ({n} villages live) it is saturated " + (
                f"from the first day measured ({when})." if start else f"from {when} on."
            )
        else:
            text += f" Dalam {rollout} ({n} desa aktif) server jenuh " + (
                f"sejak hari pertama yang diukur ({when})." if start else f"sejak {when} dan tidak pulih."
            )
    for name, curve in others:
        last = curve.iloc[-1]
        lever = name.split(" / ")[1 if en else 0]
        ok = _first_saturated(curve) is None
        n_last = int(last["villages"])
        if en:
            text += (
                f" With {lever}: {p95(last)} and {share(last)} timed out at {n_last} villages"
                f" ({'not saturated' if ok else 'still saturated'})."
            )
        else:
            text += (
                f" Dengan {lever}: {p95(last)} dan {share(last)} gagal pada {n_last} desa"
                f" ({'tidak jenuh' if ok else 'masih jenuh'})."
            )
    return text
