"""Multi-index hashing: every pair of a large set of 64-bit hashes within a Hamming threshold.

Multi-index hashing takes m disjoint chunks of the 64 bits and gives chunk c a radius r_c
(-1 leaves it out). The Hamming distance is at least the sum of the chunk distances, so if every
chunk had distance > r_c the total would be at least sum(r_c + 1). With sum(r_c + 1) = t + 1, every
pair within distance t is therefore within radius r_c on some chunk: the search is exact for every
threshold, by construction, whichever chunking the cost model picks. Bits outside the chunks are
ignored, which keeps that argument valid and lets the chunk width follow n. Each pair is reported
only from the first chunk where it matches, so there is no deduplication pass. The work is cut
into independent units (some masks of one chunk), which run on threads here (numpy releases the
GIL in the passes that dominate) or on the workers of a cluster (``cluster_search``).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from itertools import combinations
from math import comb
from typing import Iterator

import numpy as np

from imagelint import bitcount

# Candidate pairs per temporary block: bounds peak memory whatever the bucket sizes.
_BLOCK = 1 << 22
# Widest chunk: its bucket tables hold 2**bits int32 entries (16 MB each at 22 bits).
_MAX_CHUNK_BITS = 22
# Bucket members handed out one layer at a time before falling back to np.repeat.
_LAYERS = 4

# Wall-clock seconds per unit of work on a 2-core AMD EPYC (bench/search_scale.py). Only their
# ratios matter: they decide between brute force and the chunkings below.
_BRUTE_PER_ROW = 5.0e-6
_BRUTE_PER_PAIR = 1.5e-9
_PER_MASK = 3.0e-5
_PER_ELEMENT = 1.2e-9
_PER_CANDIDATE = 7.0e-9
_PER_SLOT = 3.0e-9  # building a chunk's table costs this per possible chunk value


def cheapest_plan(n: int, threshold: int) -> "list[tuple[int, int, int]] | None":
    """The chunking with the lowest modelled time, or None when brute force is cheaper.

    A plan lists chunks as (first bit, width, radius); radius -1 leaves the chunk out.
    Chunks may be narrower than 64/m (the bits between them are ignored, which keeps the
    pigeonhole argument valid): narrow chunks mean fewer masks but fuller buckets, and the best
    balance depends on n.
    """
    best_cost, best = n * (_BRUTE_PER_ROW + _BRUTE_PER_PAIR * n / 2), None
    for plan in _candidate_plans(threshold):
        cost = sum(
            _PER_SLOT * 2**width
            + _masks(width, radius)
            * (_PER_MASK + n / 2 * (_PER_ELEMENT + _PER_CANDIDATE * n / 2**width))
            for _, width, radius in plan
            if radius >= 0
        )
        if cost < best_cost:
            best_cost, best = cost, plan
    return best


def _candidate_plans(threshold: int) -> Iterator["list[tuple[int, int, int]]"]:
    """Every exact chunking considered: m equal chunks, radii summing to threshold + 1 - m."""
    for chunks in range(1, 7):
        chunk_radii = radii(threshold, chunks)
        span = 64 // chunks
        for width in range(8, min(span, _MAX_CHUNK_BITS) + 1):
            yield [(c * span, width, radius) for c, radius in enumerate(chunk_radii)]


def radii(threshold: int, chunks: int) -> list[int]:
    """Spread threshold + 1 units as evenly as possible; a chunk's radius is its units - 1."""
    units = threshold + 1
    return [units // chunks - 1 + (c < units % chunks) for c in range(chunks)]


def _masks(width: int, radius: int) -> int:
    return sum(comb(width, k) for k in range(radius + 1))


@dataclass(frozen=True)
class SearchUnit:
    """An independent share of a multi-index all-pairs search: some masks of one chunk.

    Units run in any order and anywhere (threads here, Dask workers for a cluster) and their
    pairs never overlap: a pair belongs to the first chunk where it matches (``earlier`` lists
    the chunks before this one as (bit mask, radius)), and to the one mask it differs by there.
    """

    start: int
    width: int
    earlier: tuple[tuple[int, int], ...]
    masks: tuple[int, ...]


def search_units(n: int, threshold: int, masks_per_unit: int | None = None) -> "list[SearchUnit] | None":
    """The units of the cheapest exact plan for ``n`` hashes, None when brute force is cheaper.

    Each unit holds masks with the same highest bit; ``masks_per_unit`` splits the large groups
    further, so that many workers can share one chunk.
    """
    plan = cheapest_plan(n, threshold)
    return None if plan is None else plan_units(plan, masks_per_unit)


def plan_units(plan: "list[tuple[int, int, int]]", masks_per_unit: int | None = None) -> "list[SearchUnit]":
    """The units of a plan of chunks (first bit, width, radius)."""
    units = []
    earlier: list[tuple[int, int]] = []
    for start, width, radius in plan:
        if radius < 0:
            continue
        for group in sorted(_mask_groups(width, radius), key=len, reverse=True):
            step = masks_per_unit or len(group)
            units += [SearchUnit(start, width, tuple(earlier), tuple(group[k:k + step]))
                      for k in range(0, len(group), step)]
        earlier.append((((1 << width) - 1) << start, radius))
    return units


def unit_pairs(index: "ChunkIndex", threshold: int, unit: SearchUnit) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The pairs of ``unit``, from the index of its chunk (``chunk_index``)."""
    return index.pairs(threshold, unit.earlier, list(unit.masks))


def chunk_index(hashes: np.ndarray, unit: SearchUnit) -> "ChunkIndex":
    return ChunkIndex(hashes, unit.start, unit.width)


def multi_index_pairs(hashes: np.ndarray, threshold: int, units: "list[SearchUnit]") -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Every unit on this machine: one chunk index at a time, its units shared among threads."""
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        for chunk in sorted({(unit.start, unit.width) for unit in units}):
            mine = [unit for unit in units if (unit.start, unit.width) == chunk]
            index = chunk_index(hashes, mine[0])
            for part in pool.map(partial(unit_pairs, index, threshold), mine):
                yield from part


def _mask_groups(width: int, radius: int) -> Iterator[list[int]]:
    """Masks of weight <= radius, grouped by their highest bit (one thread's share of work)."""
    yield [0]
    for high in range(width if radius > 0 else 0):
        yield [
            (1 << high) | sum(1 << b for b in low)
            for weight in range(radius)
            for low in combinations(range(high), weight)
        ]


class ChunkIndex:
    """Hashes sorted by one chunk's value, with a direct-address table of bucket offsets.

    Positions and chunk values are int32 when they fit: the per-mask passes are bound by memory
    traffic, and halving it nearly halves their time."""

    def __init__(self, hashes: np.ndarray, start: int, width: int) -> None:
        dtype = np.int32 if len(hashes) < 2**31 else np.int64
        values = ((hashes >> np.uint64(start)) & np.uint64((1 << width) - 1)).astype(dtype)
        self.order = np.argsort(values, kind="stable").astype(dtype)
        self.values = values.take(self.order)
        self.hashes = hashes.take(self.order)
        self.counts = np.bincount(self.values, minlength=1 << width).astype(dtype)
        self.starts = np.concatenate(([0], np.cumsum(self.counts))).astype(dtype)

    def pairs(
        self, threshold: int, earlier: "tuple[tuple[int, int], ...]", masks: list[int]
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Pairs within ``threshold`` whose chunk values differ by one of ``masks`` (all with
        the same highest bit) and that no earlier chunk has reported."""
        found = []
        for left, right in self._candidates(masks):
            x = self.hashes.take(left) ^ self.hashes.take(right)
            near = np.flatnonzero(bitcount.popcount(x) <= threshold)
            if not len(near):
                continue
            x, left, right = x.take(near), left.take(near), right.take(near)
            for chunk_mask, chunk_radius in earlier:
                first = bitcount.popcount(x & np.uint64(chunk_mask)) > chunk_radius
                x, left, right = x.compress(first), left.compress(first), right.compress(first)
            i = self.order.take(left).astype(np.int64)
            j = self.order.take(right).astype(np.int64)
            found.append((np.minimum(i, j), np.maximum(i, j), bitcount.popcount(x)))
        return found

    def _candidates(self, masks: list[int]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        positions = np.arange(len(self.values), dtype=self.values.dtype)
        if masks == [0]:
            # Equal chunk values: each element pairs with those after it in its bucket.
            later = self.starts.take(self.values + 1) - positions - 1
            busy = np.flatnonzero(later)
            yield from _expand(positions.take(busy), positions.take(busy) + 1, later.take(busy))
            return
        # A pair differing by mask M would be seen from both ends; only the end whose value
        # has M's highest bit clear asks, which halves the work.
        high = masks[0].bit_length() - 1
        clear = np.flatnonzero((self.values >> high) & 1 == 0).astype(positions.dtype)
        clear_values = self.values.take(clear)
        for mask in masks:
            target = clear_values ^ mask
            lengths = self.counts.take(target)
            hit = np.flatnonzero(lengths > 0)
            yield from _expand(
                clear.take(hit), self.starts.take(target.take(hit)), lengths.take(hit)
            )


def _expand(
    queries: np.ndarray, firsts: np.ndarray, lengths: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pair each query with every position of its range ``firsts + [0, lengths)``, in pieces.

    Every range must hold at least one position.

    Most ranges hold 0 to 3 positions, so the first positions go out one layer at a time, which
    costs far less than ``np.repeat``; the long ranges of crowded buckets are then expanded in
    blocks of about ``_BLOCK`` pairs.
    """
    for layer in range(_LAYERS):
        if layer:
            busy = np.flatnonzero(lengths > layer)
            queries, firsts, lengths = queries.take(busy), firsts.take(busy), lengths.take(busy)
        if not len(queries):
            return
        yield queries, firsts + layer
    firsts = firsts + _LAYERS
    lengths = (lengths - _LAYERS).astype(np.int64)
    ends = np.cumsum(lengths)
    a = done = 0
    while done < (int(ends[-1]) if len(ends) else 0):
        b = max(a + 1, int(np.searchsorted(ends, done + _BLOCK, side="right")))
        part = lengths[a:b]
        left = np.repeat(queries[a:b], part)
        right = np.repeat(firsts[a:b] - (ends[a:b] - part - done), part).astype(firsts.dtype)
        right += np.arange(len(right), dtype=right.dtype)
        yield left, right
        a, done = b, int(ends[b - 1])
