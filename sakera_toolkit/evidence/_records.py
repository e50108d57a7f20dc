"""Per-request arrays of a simulation result, keyed as the evidence modules read them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Geography", "replication_arrays"]


@dataclass(frozen=True)
class Geography:
    """Village and kecamatan codes of the run (indexes of ``village`` and ``district``)."""

    codes: tuple[str, ...]
    district_codes: tuple[str, ...]


def replication_arrays(result: Any) -> Iterator[tuple[dict[str, np.ndarray], Geography, Any]]:
    """``(arrays, geography, replication)`` for every replication of a :class:`~sakera_toolkit.sim.SimResult`."""
    inputs = result.inputs
    geo = Geography(tuple(inputs.village_codes), tuple(inputs.district_codes))
    for rep in result.replications:
        req, oc = rep.requests, rep.outcome
        village = req.village.astype(np.int64)
        arrays = {
            "arrival": req.arrival,
            "backlog": req.backlog,
            "service": req.service.astype(np.int64),
            "village": village,
            "district": inputs.geography.district_of[village].astype(np.int64),
            "channel": rep.channel,
            "outcome": oc.code,
            "exit": oc.exit,
            "working_days": oc.working_days,
            "desk_visits": rep.desk.visits,
            "verifications": rep.back_office.verifications,
            "travel_minutes": oc.travel_minutes,
            "travel_cost_idr": oc.travel_cost_idr,
            "outside_trips": oc.outside_trips,
        }
        yield arrays, geo, rep
