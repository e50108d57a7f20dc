"""Synthetic people: NIK/KK numbers (:mod:`.nik`) and households with members (:mod:`.synthetic`).

Every person produced here is synthetic; no real names or NIKs are shipped.
"""

from .nik import KkInfo, NikError, NikInfo, SequenceAllocator, decode, decode_kk, encode, is_valid, kk_number

__all__ = [
    "KkInfo",
    "NikError",
    "NikInfo",
    "SequenceAllocator",
    "decode",
    "decode_kk",
    "encode",
    "is_valid",
    "kk_number",
]
