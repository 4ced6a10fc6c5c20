"""Exact Hamming-distance search over 64-bit perceptual hashes, in memory linear in their number.

Two questions come up: which stored hashes are near a few new ones (every commit asks this, so
it is plain brute force: XOR and popcount in blocks, about 1 ms per query against 1M hashes), and
which pairs of a whole dataset are near each other. Brute force all-pairs is quadratic (5e11
comparisons at 1M), so it is used only while that stays cheap; beyond that, multi-index hashing
(``multi_index``) generates candidates, exactly as well.
"""
from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np

from imagelint import bitcount
from imagelint.rules.multi_index import multi_index_pairs, search_units

# Reference hashes a brute-force scan compares each query with at a time (512 KB: stays in cache).
_SCAN_BLOCK = 1 << 16


def pairs_within(
    queries: np.ndarray, reference: np.ndarray, threshold: int
) -> list[tuple[int, int, int]]:
    """(query index, reference index, distance) for every pair within ``threshold``, sorted.

    Brute force: exact, no index to build, and for a handful of queries faster than any index up
    to about 1M reference hashes.
    """
    queries = np.asarray(queries, dtype=np.uint64)
    reference = np.asarray(reference, dtype=np.uint64)
    if len(queries) <= len(reference):
        return sorted_triples(scan(queries, reference, threshold))
    return sorted_triples((i, j, d) for j, i, d in scan(reference, queries, threshold))


def all_pairs_within(hashes: np.ndarray, threshold: int) -> list[tuple[int, int, int]]:
    """(i, j, distance) with i < j for every pair within ``threshold``, sorted.

    Exact for every threshold (see ``multi_index``); the strategy only changes the time.
    """
    hashes = np.asarray(hashes, dtype=np.uint64)
    units = search_units(len(hashes), threshold)
    if units is None:
        return sorted_triples(scan(hashes, hashes, threshold, later_only=True))
    return sorted_triples(multi_index_pairs(hashes, threshold, units))


def scan(
    queries: np.ndarray, reference: np.ndarray, threshold: int, later_only: bool = False
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Brute force over blocks of the reference that stay in cache, one query at a time within a
    block, into buffers reused throughout: twice as fast at 1M as a pass over the whole
    reference per query, and three times faster than a 2-D block of queries.

    With ``later_only`` each query is compared only with the reference entries after its own
    index (queries and reference being the same array)."""
    xor = np.empty(_SCAN_BLOCK, dtype=np.uint64)
    distance = np.empty(_SCAN_BLOCK, dtype=np.uint8)
    near = np.empty(_SCAN_BLOCK, dtype=bool)
    for start in range(0, len(reference), _SCAN_BLOCK):
        block = reference[start:start + _SCAN_BLOCK]
        for i, query in enumerate(queries):
            skip = max(0, i + 1 - start) if later_only else 0
            if skip >= len(block):
                continue
            size = len(block) - skip
            np.bitwise_xor(block[skip:], query, out=xor[:size])
            d = bitcount.popcount_into(xor[:size], distance[:size])
            found = np.flatnonzero(np.less_equal(d, threshold, out=near[:size]))
            if len(found):
                yield np.full(len(found), i), found + start + skip, d.take(found)


def sorted_triples(
    parts: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]
) -> list[tuple[int, int, int]]:
    """Pairs found in parts (by a scan, or by units of a multi-index search) as one sorted list."""
    parts = list(parts)
    if not parts:
        return []
    i, j, d = (np.concatenate(p) for p in zip(*parts))
    order = np.lexsort((j, i))
    return list(zip(i[order].tolist(), j[order].tolist(), d[order].tolist()))
