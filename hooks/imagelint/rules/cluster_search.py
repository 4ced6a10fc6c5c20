"""The all-pairs near-duplicate search of a whole dataset, spread over a Dask cluster.

At ten million images one machine needs hours for it (bench/CLUSTER.md), so the multi-index
search is cut into its independent units (some masks of one chunk, see ``multi_index``): the
hashes go to every worker once, each worker builds the index of a chunk the first time one of
its units asks for it, and the client only gathers pairs. The answer is exactly
``all_pairs_within``'s.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from imagelint.rules import multi_index, near_search

#: Masks per unit: small enough that a chunk's work spreads over a few hundred workers.
MASKS_PER_UNIT = 8

_chunk_indexes: list[tuple[np.ndarray, int, int, Any]] = []  # per worker process: the last chunk index built


def all_pairs_on_cluster(hashes: np.ndarray, threshold: int, client: Any) -> list[tuple[int, int, int]]:
    """(i, j, distance) with i < j for every pair within ``threshold``, sorted, computed on ``client``'s workers."""
    from dask.distributed import as_completed

    hashes = np.asarray(hashes, dtype=np.uint64)
    units = multi_index.search_units(len(hashes), threshold, MASKS_PER_UNIT)
    if units is None:  # small enough for brute force here
        return near_search.all_pairs_within(hashes, threshold)
    shared = client.scatter(hashes, broadcast=True)
    futures = client.map(_unit_pairs, units, hashes=shared, threshold=threshold, pure=False)
    parts = []
    for future, found in as_completed(futures, with_results=True):
        parts += found
        future.release()
    return near_search.sorted_triples(parts)


def _unit_pairs(unit: multi_index.SearchUnit, hashes: np.ndarray, threshold: int) -> list:
    """Runs on a worker; units of one chunk reuse its index (units are submitted chunk by chunk)."""
    for held, start, width, index in _chunk_indexes:
        if held is hashes and (start, width) == (unit.start, unit.width):
            break
    else:
        index = multi_index.chunk_index(hashes, unit)
        _chunk_indexes[:] = [(hashes, unit.start, unit.width, index)]
    return multi_index.unit_pairs(index, threshold, unit)
