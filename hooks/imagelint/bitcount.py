"""Bit counts of 64-bit hashes: the Hamming distance of two hashes is the count of their XOR."""
from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=1)
def _table16() -> np.ndarray:
    """Bit counts of every 16-bit value, built on first use (only numpy < 2.0 needs it)."""
    return np.array([bin(i).count("1") for i in range(1 << 16)], dtype=np.uint8)


def popcount_by_table(x: np.ndarray) -> np.ndarray:
    """Bit counts without ``np.bitwise_count`` (numpy < 2.0): four 16-bit table lookups."""
    lanes = np.ascontiguousarray(x, dtype=np.uint64).view(np.uint16).reshape(x.shape + (4,))
    table = _table16()
    return table[lanes[..., 0]] + table[lanes[..., 1]] + table[lanes[..., 2]] + table[lanes[..., 3]]


#: Bit counts of a uint64 array.
popcount = getattr(np, "bitwise_count", popcount_by_table)


def popcount_into(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Bit counts of ``x`` written into ``out`` (uint8), for loops that reuse their buffers."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x, out=out)
    out[...] = popcount_by_table(x)
    return out
