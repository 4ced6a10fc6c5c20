"""The all-pairs near-duplicate search spread over a real Dask LocalCluster: exactly the local answer."""
from __future__ import annotations

import numpy as np
import pytest
from dask.distributed import Client, LocalCluster

from imagelint.rules import near_search
from imagelint.rules.cluster_search import all_pairs_on_cluster


def clustered(n: int, seed: int) -> np.ndarray:
    """Hashes around n/2 centres with up to 8 flipped bits: about one near pair per hash."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(0, 2**63, size=n // 2, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, n // 2).astype(np.uint64)
    picked = centres[rng.integers(0, len(centres), n)]
    flips = np.zeros(n, dtype=np.uint64)
    for _ in range(8):
        flips |= np.uint64(1) << rng.integers(0, 64, n).astype(np.uint64)
    return picked ^ (flips * (rng.random(n) < 0.5).astype(np.uint64))


@pytest.mark.parametrize("threshold", [4, 10])
def test_the_cluster_finds_exactly_the_pairs_of_the_local_search(dask_cluster: LocalCluster, threshold: int) -> None:
    hashes = clustered(30_000, seed=threshold)
    units = near_search.search_units(len(hashes), threshold, 8)
    assert units is not None and len(units) >= 20  # many units, on both workers
    expected = near_search.all_pairs_within(hashes, threshold)
    assert len(expected) > 1000
    with Client(dask_cluster.scheduler_address) as client:
        assert all_pairs_on_cluster(hashes, threshold, client) == expected


def test_few_hashes_are_searched_by_brute_force_without_the_cluster(dask_cluster: LocalCluster) -> None:
    hashes = clustered(200, seed=1)
    with Client(dask_cluster.scheduler_address) as client:
        assert all_pairs_on_cluster(hashes, 10, client) == near_search.all_pairs_within(hashes, 10)
