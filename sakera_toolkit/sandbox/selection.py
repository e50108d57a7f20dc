"""Which case a trainee is served next: a stable seed and a service rotation per trainee.

Case number ``k`` of a trainee comes from a seed derived from ``(user id, k)``, where ``k``
counts the cases already shown to them, so reloading a page shows the same citizens rather than
new, easier ones. Every service comes once per round, in an order shuffled per trainee and
round, so practice covers the whole catalogue. Pure functions (no database, no Panel): the app
may run :func:`draw_case_dicts` in a worker process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["case_seed", "draw_case_dicts", "draw_cases", "service_for"]


def case_seed(user_id: int, serial: int) -> int:
    """The seed of a trainee's ``serial``-th case (stable, independent between trainees)."""
    digest = hashlib.sha256(f"sakera-latihan:{user_id}:{serial}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 2


def service_for(user_id: int, serial: int, service_ids: Sequence[str]) -> str:
    """The service of a trainee's ``serial``-th case (each service once per round)."""
    ids = sorted(service_ids)
    round_number, position = divmod(serial, len(ids))
    order = np.random.default_rng([user_id, round_number]).permutation(len(ids))
    return ids[int(order[position])]


def draw_case_dicts(level: int, user_id: int, village_code: str | None, serials: Sequence[int]) -> list[dict]:
    """Cases number ``serials`` of a trainee at ``level``, as ``Case.to_dict()`` (picklable)."""
    from .. import training
    from ..services import load_catalogue

    ids = load_catalogue().training_ids()
    return [
        training.generate_for_level(
            level, case_seed(user_id, k), service_id=service_for(user_id, k, ids), village_code=village_code
        ).to_dict()
        for k in serials
    ]


def draw_cases(level: int, user_id: int, village_code: str | None, serials: Sequence[int]) -> list[Any]:
    """:func:`draw_case_dicts` as :class:`~sakera_toolkit.training.Case` objects."""
    from .. import training

    return [training.Case.from_dict(d) for d in draw_case_dicts(level, user_id, village_code, serials)]
