"""The service flow of one regency, entry point :func:`run`.

Village desks and counters -> upload -> back-office verification -> TTE signing -> printing ->
delivery, as the stage functions of :mod:`.stages` over all requests at once (vectorised numpy
and compiled kernels; no per-event Python object). :func:`run_replication` composes the stages
into one typed :class:`Replication`; trace, daily series and KPIs are read from it. See
``docs/model.md``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import demand
from ..errors import SakeraInputError
from ..services import SERVICE_IDS
from . import central, stages
from .calendars import Calendars, build_calendars, draw_outages
from .channel import CHANNELS
from .inputs import EngineInputs, compile
from .result import SimResult
from .timeseries import ResourceUsage, resource_usage

if TYPE_CHECKING:  # pragma: no cover
    from ..regency import Regency
    from ..scenarios.spec import Scenario
    from .params import FlowParams

__all__ = ["run", "STREAMS", "run_replication", "Replication", "trace_frame", "requests_for", "OUTCOMES"]

#: Independent random streams of one replication, in spawn order (common random numbers: the same
#: seed gives the same demand whatever the scenario).
STREAMS = ("arrivals", "channel", "desk", "backoffice", "outages", "leave", "server")
OUTCOMES = ("completed", "abandoned", "in_system")

#: Stage times of a replication; in the trace, times after the horizon become NaN.
STAGE_TIMES = (
    "desk_start",
    "desk_end",
    "upload_end",
    "verify_start",
    "verify_end",
    "signed",
    "printed",
    "ready",
    "exit",
)


@dataclass(frozen=True)
class Replication:
    """Everything one replication produced: the request stream and the record of every stage."""

    index: int
    requests: demand.Requests
    channel: np.ndarray
    calendars: Calendars
    desk: stages.DeskRecord
    upload: stages.UploadRecord
    back_office: stages.BackOfficeRecord
    signing: stages.SigningRecord
    output: stages.OutputRecord
    delivery: stages.DeliveryRecord
    outcome: stages.OutcomeRecord
    usage: ResourceUsage
    server: central.ServerStageRecord | None = None

    def __len__(self) -> int:
        return len(self.requests)

    def stage_times(self) -> dict[str, np.ndarray]:
        """Per-request stage instants (``inf``: not reached), keyed as in the trace."""
        return {
            "desk_start": self.desk.start,
            "desk_end": self.desk.end,
            "upload_end": self.upload.end,
            "verify_start": self.back_office.start,
            "verify_end": self.back_office.end,
            "signed": self.signing.signed,
            "printed": self.output.printed,
            "ready": self.delivery.ready,
            "exit": self.outcome.exit,
        }


def requests_for(inputs: EngineInputs, seed: int | np.random.SeedSequence | np.random.Generator) -> demand.Requests:
    """The request stream the engine draws for ``inputs`` (the ``arrivals`` stream of a replication)."""
    if inputs.life_events is not None:
        from .. import life_events

        return life_events.generate(inputs, seed)
    return demand.generate(
        inputs.start_date,
        inputs.days,
        seed=seed,
        population=pd.Series(inputs.geography.population, index=list(inputs.village_codes)),
        rate=inputs.rate,
        working_days=inputs.working_days,
        work_hours=inputs.work_hours,
        holidays=inputs.holidays,
        initial_backlog=inputs.initial_backlog,
        calib=inputs.demand_calibration,
        monthly=inputs.monthly,
    )


def _check_requests(inputs: EngineInputs, req: demand.Requests) -> demand.Requests:
    """An external stream must use this regency's villages and lie inside the horizon, sorted."""
    if tuple(req.village_codes) != tuple(inputs.village_codes):
        raise SakeraInputError("the request stream's villages differ from the regency's", location="requests")
    a = req.arrival
    if len(a) and (not np.isfinite(a).all() or a.min() < 0 or a.max() >= inputs.days or (np.diff(a) < 0).any()):
        raise SakeraInputError(
            f"arrivals must be sorted, finite and within [0, {inputs.days}) days", location="requests"
        )
    if len(a) and (req.service.min() < 0 or req.service.max() >= len(SERVICE_IDS)):
        raise SakeraInputError("unknown service index in the request stream", location="requests")
    return req


def run_replication(
    inputs: EngineInputs, ss: np.random.SeedSequence, replication: int = 0, requests: demand.Requests | None = None
) -> Replication:
    """Simulate one replication: compose the stages of :mod:`.stages` over every request."""
    k = inputs.constants
    seeds = dict(zip(STREAMS, ss.spawn(len(STREAMS)), strict=True))
    rng = {name: np.random.default_rng(s) for name, s in seeds.items()}
    req = requests_for(inputs, seeds["arrivals"]) if requests is None else requests
    channel = stages.choose_channel(inputs, req, rng["channel"])
    outages = draw_outages(inputs, rng["outages"], k.random_outage_mean_days)
    n_points = 2 + len(inputs.district_codes)
    cal = build_calendars(
        inputs, inputs.villages, inputs.operators, n_points, rng["leave"], outages, k.calendar_tail_days,
        k.courier_departure_hour,
    )  # fmt: skip
    desk = stages.desk(inputs, req, channel, cal, rng["desk"])
    up = stages.upload(inputs, req, desk, cal)
    bo = stages.back_office(inputs, req, desk, up, cal, rng["backoffice"])
    sig = stages.signing(bo, cal)
    out = stages.output(inputs, req, channel, desk, sig, cal)
    srv = None
    if inputs.central is not None:
        # the shared central server: desk look-ups and uploads wait on it (a fixed point with the
        # desk queues); the later stages are then run again on what the server let through
        later = (bo.start, sig.signed, out.printed)
        desk, res, srv = central.desk_and_server(inputs, req, channel, cal, desk, later, rng["server"], inputs.central)
        up = central.upload_record(stages.upload(inputs, req, desk, cal), res, req, desk, inputs.days)
        bo = stages.back_office(inputs, req, desk, up, cal, np.random.default_rng(seeds["backoffice"]))
        sig = stages.signing(bo, cal)
        out = stages.output(inputs, req, channel, desk, sig, cal)
    dl = stages.delivery(inputs, req, channel, desk, up, out, cal)
    oc = stages.outcome(inputs, req, channel, desk, up, out, dl, cal)
    usage = resource_usage(inputs, cal, desk.log, bo.log)
    return Replication(replication, req, channel, cal, desk, up, bo, sig, out, dl, oc, usage, srv)


def trace_frame(rep: Replication, inputs: EngineInputs) -> pd.DataFrame:
    """The tidy per-request trace of a replication."""
    req, oc = rep.requests, rep.outcome
    n = len(req)
    horizon = float(inputs.days)
    cols: dict[str, object] = {
        "request_id": np.arange(n, dtype=np.int64),
        "replication": np.full(n, rep.index, dtype=np.int32),
        "service": pd.Categorical.from_codes(req.service.astype(np.int64), categories=pd.Index(SERVICE_IDS)),
        "village_code": pd.Categorical.from_codes(req.village.astype(np.int64), categories=pd.Index(inputs.village_codes)),
        "district_code": pd.Categorical.from_codes(
            inputs.geography.district_of[req.village].astype(np.int64), categories=pd.Index(inputs.district_codes)
        ),
        "channel": pd.Categorical.from_codes(rep.channel.astype(np.int64), categories=pd.Index(CHANNELS)),
        "backlog": req.backlog,
        "arrival": req.arrival,
    }
    times = {name: np.where(t <= horizon, t, np.nan) for name, t in rep.stage_times().items()}
    cols.update(desk_start=times["desk_start"], desk_end=times["desk_end"])
    cols["desk_visits"] = rep.desk.visits.astype(np.int16)
    cols.update(upload_end=times["upload_end"], verify_start=times["verify_start"], verify_end=times["verify_end"])
    cols["verifications"] = rep.back_office.verifications.astype(np.int16)
    cols.update(signed=times["signed"], printed=times["printed"], ready=times["ready"])
    cols["outcome"] = pd.Categorical.from_codes(oc.code.astype(np.int64), categories=pd.Index(OUTCOMES))
    cols["exit"] = times["exit"]
    for name in ("turnaround_days", "working_days", "trips", "travel_km", "travel_minutes", "travel_cost_idr",
                 "outside_trips", "office_only_trips", "office_only_km", "office_only_minutes",
                 "office_only_cost_idr"):  # fmt: skip
        cols[name] = getattr(oc, name)
    return pd.DataFrame(cols)


def _as_inputs(source: EngineInputs | FlowParams | Scenario | None, regency: Regency | None) -> EngineInputs:
    if isinstance(source, EngineInputs):
        return source
    return compile(source, regency=regency)


def run(
    inputs: EngineInputs | FlowParams | Scenario | None = None,
    requests: demand.Requests | None = None,
    seed: int | np.random.SeedSequence = 0,
    replications: int = 1,
    progress: bool = False,
    regency: Regency | None = None,
) -> SimResult:
    """Simulate the service flow.

    Parameters
    ----------
    inputs
        :class:`EngineInputs` from :func:`~.inputs.compile`, or what it compiles: a
        :class:`~.params.FlowParams`, a :class:`~sakera_toolkit.scenarios.spec.Scenario`, or
        ``None`` (every village live, :meth:`FlowParams.all_live`).
    requests
        An external request stream (:class:`~sakera_toolkit.demand.Requests`, e.g. built from a
        log) used by every replication instead of the drawn demand. Default: drawn per
        replication from the demand model.
    seed
        Int or SeedSequence. Replication ``r`` uses ``SeedSequence(seed).spawn(replications)[r]``,
        itself spawned into the streams :data:`STREAMS`; the same seed gives identical results.
    replications
        Independent replications (>= 1).
    progress
        Show a progress bar on stderr.
    regency
        Regency pack when ``inputs`` still has to be compiled (default: built-in Sampang).

    Returns
    -------
    SimResult
        ``trace``, ``timeseries``, ``kpis`` (one row per replication) and ``summary()``.
    """
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)) or replications < 1:
        raise SakeraInputError(f"{replications!r} must be a positive whole number", location="replications")
    if not isinstance(seed, np.random.SeedSequence) and (
        isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
    ):
        raise SakeraInputError(f"{seed!r} must be a whole number >= 0", location="seed")
    eng = _as_inputs(inputs, regency)
    if requests is not None:
        requests = _check_requests(eng, requests)
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    children = root.spawn(int(replications))
    from tqdm import tqdm  # type: ignore[import-untyped]  # tqdm ships no type hints

    reps = [
        run_replication(eng, ss, r, requests)
        for r, ss in enumerate(tqdm(children, desc="replications", disable=not progress, file=sys.stderr, leave=False))
    ]
    return SimResult.from_replications(eng, reps)
