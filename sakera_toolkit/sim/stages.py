"""The stages of the service flow: small functions from typed inputs to typed records.

A request passes, in order: channel choice -> desk or counter visits (with incomplete files and
returns) -> upload to the central server -> back-office verification (with rejection and rework)
-> TTE signing -> output (HVS print at the desk, PDF, or a card printed at the office) ->
delivery (courier to the village or kecamatan point) -> outcome (completed, abandoned, in the
system; trips and travel). A SIAK activation with no document (``inputs.back_office`` false:
Aktivasi IKD, Aktivasi NIK) skips verification, signing and output: it is finished where it was
served when its SIAK transaction (the upload stage) goes through, with no pick-up trip. Every stage reads :class:`~.inputs.EngineInputs`, the request stream
and the records of earlier stages, and returns its own frozen record of per-request arrays (one
entry per request, ``inf`` = not reached). :func:`~.flow.run_replication` composes them; a new
stage (e.g. a shared central server with timeouts and retries) is one more function and record
slotted between two others.

Each stage draws only from its own random stream (:data:`~.flow.STREAMS`), so scenarios run with
the same seed share every draw they have in common (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ..demand import Requests
from .calendars import Calendars
from .channel import DESA, KECAMATAN, MPP, OFFICE, ChannelPolicy
from .inputs import EngineInputs
from .kernel import Rounds, serve_rows, visit_summary
from .printing import next_instant, print_cards

__all__ = [
    "MINUTES",
    "Visits",
    "DeskRecord",
    "UploadRecord",
    "BackOfficeRecord",
    "SigningRecord",
    "OutputRecord",
    "DeliveryRecord",
    "OutcomeRecord",
    "choose_channel",
    "desk",
    "upload",
    "back_office",
    "signing",
    "output",
    "delivery",
    "outcome",
    "retry_draws",
    "picks_up",
]

MINUTES = 1.0 / 1440.0


@dataclass(frozen=True)
class Visits:
    """One entry per visit of a queueing stage (a request may visit several times)."""

    request: np.ndarray  # int64 request index
    round: np.ndarray  # int64, 0 = first visit
    arrival: np.ndarray  # joined the queue
    start: np.ndarray  # service start (inf: never served)
    end: np.ndarray  # service end
    work: np.ndarray  # service duration in working time
    group: np.ndarray  # queue (see EngineInputs)

    @classmethod
    def from_kernel(cls, out: dict[str, np.ndarray], rows: np.ndarray | None, group: np.ndarray) -> Visits:
        """From :func:`~.kernel.serve_rows` output whose ``request`` indexes ``rows`` (or requests)."""
        req = out["request"] if rows is None else rows[out["request"]]
        return cls(req, out["round"], out["arrival"], out["start"], out["end"], out["work"], group[req])


@dataclass(frozen=True)
class DeskRecord:
    """Desk or counter stage: queue, first start, end of the last visit, visits, operator error rate."""

    group: np.ndarray
    start: np.ndarray
    end: np.ndarray
    last_round: np.ndarray
    visits: np.ndarray  # visits started before the horizon
    error_rate: np.ndarray  # probability the back office rejects the file
    rounds: Rounds
    log: Visits


@dataclass(frozen=True)
class UploadRecord:
    """Upload to the central server (stops during outages) or abandonment at the desk."""

    abandoned_at: np.ndarray
    end: np.ndarray


@dataclass(frozen=True)
class BackOfficeRecord:
    """Back-office verification with rejections and rework."""

    start: np.ndarray
    end: np.ndarray
    verifications: np.ndarray
    log: Visits


@dataclass(frozen=True)
class SigningRecord:
    """TTE signature: the first signing batch after verification."""

    signed: np.ndarray


@dataclass(frozen=True)
class OutputRecord:
    """The document exists: HVS printed at the desk, PDF sent, or card printed (blanko stock)."""

    printed: np.ndarray
    card: np.ndarray  # bool: the output is a card
    stock_end_of_day: np.ndarray  # (2, T) blanko on hand (ktp, kia)
    stockout: np.ndarray  # (2, T) bool
    ordered: np.ndarray  # (2, T) cards ordered


@dataclass(frozen=True)
class DeliveryRecord:
    """The document is where the citizen collects it (courier to village desks and kecamatan points)."""

    ready: np.ndarray
    couriered: np.ndarray  # bool


@dataclass(frozen=True)
class OutcomeRecord:
    """Outcome at the end of the horizon, trips and travel, and the office-only baseline."""

    code: np.ndarray  # int8: 0 completed, 1 abandoned, 2 in the system
    exit: np.ndarray  # left the system (inf: not within the horizon)
    exit_unclipped: np.ndarray  # left the system, also after the horizon (calendar tail)
    turnaround_days: np.ndarray
    working_days: np.ndarray
    trips: np.ndarray
    outside_trips: np.ndarray
    office_only_trips: np.ndarray
    travel_km: np.ndarray
    travel_minutes: np.ndarray
    travel_cost_idr: np.ndarray
    office_only_km: np.ndarray
    office_only_minutes: np.ndarray
    office_only_cost_idr: np.ndarray


# -- random visit rounds --------------------------------------------------------------------------
def _lognormal(mean: np.ndarray, cv: float, z: np.ndarray) -> np.ndarray:
    sigma2 = np.log1p(cv * cv)
    return np.asarray(mean * np.exp(np.sqrt(sigma2) * z - sigma2 / 2.0))


def retry_draws(
    rng: np.random.Generator,
    mean: np.ndarray,
    cv: float,
    p_fail: np.ndarray | float,
    p_return: float,
    delay_mean: float,
    rounds: int,
    last_round_passes: bool,
) -> Rounds:
    """Service times, failures and retry delays of every visit round (compact :class:`Rounds`).

    Round 0 is drawn for every request (so scenarios sharing a seed share these draws); later
    rounds only for requests that failed and came back. One uniform decides a round: it fails if
    ``u < p_fail`` and the citizen (or operator) comes back if ``u < p_fail * p_return``.
    """
    n = len(mean)
    pf_all = np.broadcast_to(np.asarray(p_fail, dtype=float), (n,))
    z = rng.standard_normal(n)
    u = rng.random(n)
    s0 = _lognormal(mean, cv, z)
    f0 = u < pf_all
    if last_round_passes and rounds == 1:
        f0[:] = False
    back = f0 & (u < pf_all * p_return)
    d0 = np.full(n, np.nan)
    d0[back] = rng.exponential(delay_mean, int(back.sum()))
    active = np.flatnonzero(back)
    parts = []
    for k in range(1, rounds):
        if not len(active):
            break
        z = rng.standard_normal(len(active))
        u = rng.random(len(active))
        pf = pf_all[active]
        f = u < pf
        if last_round_passes and k == rounds - 1:
            f[:] = False
        b = f & (u < pf * p_return)
        d = np.full(len(active), np.nan)
        d[b] = rng.exponential(delay_mean, int(b.sum()))
        parts.append((active, k, _lognormal(mean[active], cv, z), f, d))
        active = active[b]
    ids = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    xptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(ids, minlength=n), out=xptr[1:])
    total = int(xptr[-1])
    xs, xf, xd = np.empty(total), np.empty(total, dtype=bool), np.empty(total)
    for idx, k, sv, f, d in parts:
        pos = xptr[idx] + k - 1
        xs[pos], xf[pos], xd[pos] = sv, f, d
    return Rounds(s0, f0, d0, xptr, xs, xf, xd, rounds)


# -- channel --------------------------------------------------------------------------------------
def choose_channel(inputs: EngineInputs, req: Requests, rng: np.random.Generator) -> np.ndarray:
    """Channel code per request (:mod:`.channel`), one uniform per request from the channel stream."""
    k = inputs.constants
    policy = ChannelPolicy(
        trips=inputs.geography.trips,
        go_live=inputs.go_live,
        offered=inputs.offered,
        biometric=inputs.biometric,
        value_of_time_idr_per_hour=k.value_of_time_idr_per_hour,
        mpp_share=k.mpp_share,
        mpp_open_day=inputs.mpp_open_day,
    )
    u = rng.random(len(req))
    if req.event is not None and len(req):  # the documents of one event go to one point together
        _, first, inv = np.unique(req.event, return_index=True, return_inverse=True)
        u = u[first][inv]
    return policy.choose(req.village, req.service, req.arrival, u)


# -- desk -----------------------------------------------------------------------------------------
@njit(cache=True)
def _desk_setup(
    channel, village, service, district_of, V, skill_v, office_skill, desk_minutes, biometric, office_factor,
    bio_minutes, slowdown, e0, e1,
):  # fmt: skip
    """Per request: desk/counter group, handling-time mean (minutes), operator error rate."""
    n = channel.shape[0]
    group = np.empty(n, dtype=np.int64)
    mean_min = np.empty(n, dtype=np.float64)
    err = np.empty(n, dtype=np.float64)
    for i in range(n):
        ch = channel[i]
        v = village[i]
        s = service[i]
        desa = ch == DESA
        if desa:
            group[i] = v
        elif ch == OFFICE:
            group[i] = V
        elif ch == MPP:
            group[i] = V + 1
        else:
            group[i] = V + 2 + district_of[v]
        skill = skill_v[v] if desa else office_skill
        m = desk_minutes[s] * (1.0 if desa else office_factor)
        m = m + (bio_minutes if (not desa and biometric[s]) else 0.0)
        mean_min[i] = m * (1.0 + slowdown * (1.0 - skill))
        err[i] = e0 + (e1 - e0) * skill
    return group, mean_min, err


def desk(
    inputs: EngineInputs, req: Requests, channel: np.ndarray, cal: Calendars, rng: np.random.Generator
) -> DeskRecord:
    """Visits to the village desk or a counter; a file found incomplete comes back (or is abandoned)."""
    k = inputs.constants
    village = req.village.astype(np.int64)
    service = req.service.astype(np.int64)
    group, mean_min, err = _desk_setup(
        channel, village, service, inputs.geography.district_of, inputs.villages, inputs.skill,
        inputs.office_skill, inputs.desk_minutes, inputs.biometric, k.office_minutes_factor,
        k.biometric_minutes, k.skill_slowdown, k.error_rate_skill0, k.error_rate_skill1,
    )  # fmt: skip
    rounds = retry_draws(
        rng, mean_min * MINUTES, k.handling_cv, k.incomplete_probability, k.return_probability,
        k.return_delay_days, k.max_visits, last_round_passes=False,
    )  # fmt: skip
    if req.backlog.any():
        walk_in = np.flatnonzero(~req.backlog)
        out = serve_rows(group[walk_in], req.arrival[walk_in], rounds, inputs.desk_servers, cal.service, rows=walk_in)
        log = Visits.from_kernel(out, walk_in, group)
    else:
        out = serve_rows(group, req.arrival, rounds, inputs.desk_servers, cal.service)
        log = Visits.from_kernel(out, None, group)
    start, end, last_round, visits = visit_summary(len(req), log.request, log.round, log.start, log.end, inputs.days)
    return DeskRecord(group, start, end, last_round, visits, err, rounds, log)


# -- upload ---------------------------------------------------------------------------------------
@njit(cache=True)
def _after_desk(backlog, desk_end, desk_round, fail0, xptr, xfail):
    """Abandonment time at the desk, and which requests upload (from the end of their desk visit)."""
    n = backlog.shape[0]
    abandoned_at = np.full(n, np.inf)
    uploads = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        r = desk_round[i]
        if r < 0 or not np.isfinite(desk_end[i]):
            continue
        failed = fail0[i] if r == 0 else xfail[xptr[i] + r - 1]
        if failed:
            abandoned_at[i] = desk_end[i]
        else:
            uploads[i] = True
    return abandoned_at, uploads


def upload(inputs: EngineInputs, req: Requests, desk_rec: DeskRecord, cal: Calendars) -> UploadRecord:
    """Upload after a complete desk visit (the initial backlog is uploaded at day 0)."""
    r = desk_rec.rounds
    abandoned_at, uploads = _after_desk(req.backlog, desk_rec.end, desk_rec.last_round, r.fail0, r.xptr, r.xfail)
    end = np.where(req.backlog, 0.0, np.inf)  # the initial backlog is uploaded at day 0
    idx = np.flatnonzero(uploads)
    end[idx] = cal.server.add_work(np.zeros(idx.size, np.int64), desk_rec.end[idx], inputs.constants.upload_minutes * MINUTES)
    return UploadRecord(abandoned_at, end)


# -- back office ----------------------------------------------------------------------------------
def back_office(
    inputs: EngineInputs,
    req: Requests,
    desk_rec: DeskRecord,
    up: UploadRecord,
    cal: Calendars,
    rng: np.random.Generator,
) -> BackOfficeRecord:
    """Verification by the office's verifiers in priority order; a rejected file is reworked and comes back."""
    k = inputs.constants
    n = len(req)
    rounds = retry_draws(
        rng, np.full(n, k.verify_minutes * MINUTES), k.handling_cv, desk_rec.error_rate, 1.0, k.rework_delay_days,
        k.max_verifications, last_round_passes=True,
    )  # fmt: skip
    entering = np.flatnonzero((up.end < np.inf) & inputs.back_office[req.service])
    out = serve_rows(
        np.zeros(len(entering), np.int64), up.end[entering], rounds, np.array([inputs.office_verifiers]),
        cal.backoffice, inputs.priority[req.service[entering]], rows=entering,
    )  # fmt: skip
    log = Visits.from_kernel(out, entering, np.zeros(n, np.int64))
    start, end, _, verifications = visit_summary(n, log.request, log.round, log.start, log.end, inputs.days)
    end = np.where(np.isnan(end), np.inf, end)
    return BackOfficeRecord(start, end, verifications, log)


# -- signing --------------------------------------------------------------------------------------
def signing(bo: BackOfficeRecord, cal: Calendars) -> SigningRecord:
    """The first TTE batch at or after verification (no batch during outages)."""
    return SigningRecord(next_instant(cal.signing, bo.end))


# -- output ---------------------------------------------------------------------------------------
def output(
    inputs: EngineInputs, req: Requests, channel: np.ndarray, desk_rec: DeskRecord, sig: SigningRecord, cal: Calendars
) -> OutputRecord:
    """Cards printed at the office from blanko stock; HVS documents at the desk; PDFs at signing."""
    card = inputs.card[req.service]
    ci = np.flatnonzero(card)
    card_printed, stock_eod, stockout, ordered = print_cards(
        sig.signed[ci], inputs.blanko[req.service[ci]], cal.open_day, inputs.work_hours, inputs.card_print_per_day,
        inputs.blanko_initial, inputs.blanko_reorder_point, inputs.blanko_reorder_qty, inputs.blanko_lead_days,
    )  # fmt: skip
    # non-card outputs: printed on HVS at the village desk (desk hours), else sent as PDF at signing
    printed = np.where(card | ~np.isfinite(sig.signed), np.inf, sig.signed)
    hvs = np.flatnonzero(~card & (channel == DESA) & np.isfinite(sig.signed))
    printed[hvs] = cal.service.add_work(desk_rec.group[hvs], sig.signed[hvs], inputs.constants.hvs_print_minutes * MINUTES)
    printed[ci] = card_printed
    return OutputRecord(printed, card, stock_eod, stockout, ordered)


# -- delivery -------------------------------------------------------------------------------------
def delivery(
    inputs: EngineInputs,
    req: Requests,
    channel: np.ndarray,
    desk_rec: DeskRecord,
    up: UploadRecord,
    out: OutputRecord,
    cal: Calendars,
) -> DeliveryRecord:
    """Cards for village desks and kecamatan points go with the courier and wait for the point to open.

    A service without back office (SIAK activation) is ready when its transaction went through.
    """
    couriered = out.card & ((channel == DESA) | (channel == KECAMATAN)) & np.isfinite(out.printed)
    ready = np.where(inputs.back_office[req.service], out.printed, up.end)
    idx = np.flatnonzero(couriered)
    arrived = next_instant(cal.courier, out.printed[idx]) + inputs.constants.courier_transit_hours / 24.0
    ready[idx] = cal.service.next_open(desk_rec.group[idx], arrived)
    return DeliveryRecord(ready, couriered)


# -- outcome --------------------------------------------------------------------------------------
def picks_up(inputs: EngineInputs, service: np.ndarray, channel: np.ndarray, card: np.ndarray) -> np.ndarray:
    """Whether a completed request needs a trip to collect its document (the one pick-up rule).

    Cards are collected wherever they were applied for; HVS documents printed at the village desk
    are collected there; a PDF needs no trip; a SIAK activation (no back office) is finished
    during the visit itself.
    """
    return np.asarray((card | (channel == DESA)) & inputs.back_office[service])


@njit(cache=True)
def _outcome_pass(
    H, ready, abandoned_at, arrival, backlog, workday_index, card, pick, channel, visits, village, km, minutes, cost
):
    """Every per-request field of :class:`OutcomeRecord` in one pass (the same arithmetic per request).

    Completed when ready by the horizon ``H``, else abandoned if it was abandoned by then, else
    still in the system. Trips: desk visits plus a pick-up when completed and ``pick`` (the rule of
    :func:`picks_up`); the office-only comparison counts the visits plus a card pick-up at the office.
    """
    n = ready.shape[0]
    total = workday_index.shape[0]
    code = np.empty(n, dtype=np.int8)
    exit_time = np.empty(n)
    exit_unclipped = np.empty(n)
    turnaround = np.empty(n)
    working = np.empty(n)
    trips = np.empty(n, dtype=np.int16)
    outside = np.empty(n, dtype=np.int16)
    base = np.empty(n, dtype=np.int16)
    t_km = np.empty(n)
    t_min = np.empty(n)
    t_cost = np.empty(n)
    o_km = np.empty(n)
    o_min = np.empty(n)
    o_cost = np.empty(n)
    for i in range(n):
        r = ready[i]
        a_at = abandoned_at[i]
        a = arrival[i]
        done = r <= H
        if done:
            code[i] = 0
            exit_time[i] = r
        elif a_at <= H:
            code[i] = 1
            exit_time[i] = a_at
        else:
            code[i] = 2
            exit_time[i] = np.inf
        exit_unclipped[i] = min(r, a_at)
        if done:
            day_arr = min(int(np.floor(a)), total - 1)
            day_done = min(int(np.floor(r)), total - 1)
            turnaround[i] = r - a
            working[i] = float(workday_index[day_done] - workday_index[day_arr])
        else:
            turnaround[i] = np.nan
            working[i] = np.nan
        ch = channel[i]
        tr = 0
        bs = 0
        if not backlog[i]:
            vis = visits[i]
            tr = vis + (1 if done and pick[i] else 0)
            bs = vis + (1 if done and card[i] else 0)
        trips[i] = tr
        outside[i] = 0 if ch == DESA else tr
        base[i] = bs
        v = village[i]
        t_km[i] = tr * km[v, ch]
        t_min[i] = tr * minutes[v, ch]
        t_cost[i] = tr * cost[v, ch]
        o_km[i] = bs * km[v, OFFICE]
        o_min[i] = bs * minutes[v, OFFICE]
        o_cost[i] = bs * cost[v, OFFICE]
    return (
        code, exit_time, exit_unclipped, turnaround, working, trips, outside, base, t_km, t_min, t_cost, o_km,
        o_min, o_cost,
    )  # fmt: skip


def outcome(
    inputs: EngineInputs,
    req: Requests,
    channel: np.ndarray,
    desk_rec: DeskRecord,
    up: UploadRecord,
    out: OutputRecord,
    dl: DeliveryRecord,
    cal: Calendars,
) -> OutcomeRecord:
    """Completed, abandoned or still in the system at the end of the horizon; trips and travel."""
    t = inputs.geography.trips
    cols = _outcome_pass(
        float(inputs.days), dl.ready, up.abandoned_at, req.arrival, req.backlog, cal.workday_index, out.card,
        picks_up(inputs, req.service, channel, out.card), channel, desk_rec.visits, req.village, t.km, t.minutes,
        t.cost_idr,
    )  # fmt: skip
    return OutcomeRecord(*cols)
