"""Channel choice: where a citizen takes a request, and what each trip costs.

Rule (documented in ``docs/model.md``):

1. A resident of a village whose desk is live on the arrival day goes to the village desk
   (``desa``), unless the service needs biometric recording (KTP-el baru), which only a counter
   can do.
2. Otherwise the citizen picks, among the points offering the service (office always; MPP if it
   has counters and offers the service; the kecamatan point if enabled and it offers the
   service), the one with the lowest generalised cost = round-trip cost + value of time x
   round-trip hours (registry travel model). The office and the MPP share a location in the
   registry, so when their costs tie the citizen uses the MPP with probability ``mpp_share``.
   The MPP is a choice only from its opening day (``mpp_open_day``; Sampang's opened in
   November 2021, research notes §9.6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..regency import Regency, TravelModel

__all__ = ["CHANNELS", "CHANNEL_NAMES", "ChannelPolicy", "TripCosts"]

#: Channel codes used in arrays (index) and in the trace (name).
CHANNELS = ("desa", "office", "mpp", "kecamatan")

#: What people call each channel: (Bahasa Indonesia, English).
CHANNEL_NAMES = {
    "desa": ("Loket desa", "Village desk"),
    "office": ("Kantor Dispendukcapil", "Dispendukcapil office"),
    "mpp": ("Mal Pelayanan Publik", "Public service mall"),
    "kecamatan": ("Loket kecamatan", "Kecamatan point"),
}
DESA, OFFICE, MPP, KECAMATAN = range(4)


@dataclass
class TripCosts:
    """Per village and channel: km, minutes and IDR of one round trip, shape ``(V, 4)``."""

    km: np.ndarray
    minutes: np.ndarray
    cost_idr: np.ndarray

    @classmethod
    def from_travel(
        cls, village_codes, mode: str | None, village_trip_minutes: float, regency: Regency | None = None
    ) -> TripCosts:
        """Round trips from the regency's travel model; a village desk trip costs only local minutes.

        A point the regency does not have (no MPP) gets infinite cost.
        """
        model = TravelModel(mode=mode, regency=regency)
        reg = model.regency
        km = np.zeros((len(village_codes), 4))
        minutes = np.zeros((len(village_codes), 4))
        cost = np.zeros((len(village_codes), 4))
        minutes[:, DESA] = village_trip_minutes
        for ch, point in ((OFFICE, "office"), (MPP, "mpp"), (KECAMATAN, "kecamatan")):
            if reg is not None and reg.point(point) is None:
                km[:, ch] = minutes[:, ch] = cost[:, ch] = np.inf
                continue
            t = model.table(point).reindex(list(village_codes))
            km[:, ch] = 2.0 * t["distance_km"].to_numpy()
            minutes[:, ch] = 2.0 * t["travel_minutes"].to_numpy()
            cost[:, ch] = t["travel_cost_idr"].to_numpy()
        return cls(km=km, minutes=minutes, cost_idr=cost)


@dataclass
class ChannelPolicy:
    """The channel choice rule (see module docstring)."""

    trips: TripCosts
    go_live: np.ndarray  # (V,) day index, inf = never
    offered: np.ndarray  # (S, 4) bool: service offered on channel
    biometric: np.ndarray  # (S,) bool
    value_of_time_idr_per_hour: float
    mpp_share: float
    mpp_open_day: float = 0.0

    def choose(self, village: np.ndarray, service: np.ndarray, arrival: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Channel code per request (``u``: one uniform per request from the channel stream)."""
        channel = self._choose(self.offered, village, service, u)
        if self.mpp_open_day > 0 and self.offered[:, MPP].any():
            early = arrival < self.mpp_open_day
            if early.any():
                closed = self.offered.copy()
                closed[:, MPP] = False
                channel = np.where(early, self._choose(closed, village, service, u), channel)
        live = (arrival >= self.go_live[village]) & ~self.biometric[service]
        return np.where(live, np.int8(DESA), channel).astype(np.int8)

    def _choose(self, offered: np.ndarray, village: np.ndarray, service: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Counter channel per request when the services offered per channel are ``offered``."""
        gen = self.trips.cost_idr + self.value_of_time_idr_per_hour * self.trips.minutes / 60.0  # (V, 4)
        avail = np.broadcast_to(offered[None, :, :], (gen.shape[0],) + offered.shape).copy()  # (V, S, 4)
        avail[:, :, DESA] = False
        g = np.where(avail, gen[:, None, :], np.inf)
        town = np.where(avail[:, :, OFFICE], g[:, :, OFFICE], g[:, :, MPP])
        kec_better = g[:, :, KECAMATAN] < town
        tie = avail[:, :, OFFICE] & avail[:, :, MPP] & (np.abs(g[:, :, OFFICE] - g[:, :, MPP]) <= 1.0)
        mpp_cheaper = avail[:, :, MPP] & (g[:, :, MPP] < g[:, :, OFFICE] - 1.0)
        # per (village, service): the point when no tie, or OFFICE with a tie to split
        base = np.where(kec_better, KECAMATAN, np.where(mpp_cheaper, MPP, OFFICE)).astype(np.int8)
        split = tie & ~kec_better
        cell_base = base[village, service]
        return np.where(split[village, service] & (u < self.mpp_share), np.int8(MPP), cell_base)
