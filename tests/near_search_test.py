from __future__ import annotations

import numpy as np
import pytest

from imagelint import bitcount
from imagelint.rules import multi_index, near_search


def naive_all_pairs(hashes, threshold):
    values = [int(h) for h in hashes]
    return [
        (i, j, bin(values[i] ^ values[j]).count("1"))
        for i in range(len(values))
        for j in range(i + 1, len(values))
        if bin(values[i] ^ values[j]).count("1") <= threshold
    ]


def naive_pairs(queries, reference, threshold):
    return [
        (i, j, bin(int(q) ^ int(r)).count("1"))
        for i, q in enumerate(queries)
        for j, r in enumerate(reference)
        if bin(int(q) ^ int(r)).count("1") <= threshold
    ]


def uniform(n, seed=0):
    return np.random.default_rng(seed).integers(0, 2**64, size=n, dtype=np.uint64)


def clustered(n, seed=0):
    """Near copies of a few centres, exact duplicates, and planted pairs at distances 0..12."""
    rng = np.random.default_rng(seed)
    centres = uniform(max(1, n // 20), seed + 1)
    hashes = centres[rng.integers(0, len(centres), size=n)]
    for _ in range(4):
        flip = rng.random(n) < 0.5
        bits = rng.integers(0, 64, size=n).astype(np.uint64)
        hashes[flip] ^= np.uint64(1) << bits[flip]
    for distance in range(min(13, n // 2)):
        bits = rng.choice(64, size=distance, replace=False)
        hashes[2 * distance + 1] = hashes[2 * distance] ^ np.uint64(sum(1 << int(b) for b in bits))
    return hashes


DATA = [
    pytest.param(uniform(0), id="empty"),
    pytest.param(uniform(1), id="one"),
    pytest.param(np.array([7, 7, 7], dtype=np.uint64), id="equal"),
    pytest.param(np.array([0, 2**64 - 1, 1, 2**63], dtype=np.uint64), id="extremes"),
    pytest.param(uniform(200), id="uniform-200"),
    pytest.param(clustered(30), id="clustered-30"),
    pytest.param(clustered(400), id="clustered-400"),
]


@pytest.mark.parametrize("hashes", DATA)
@pytest.mark.parametrize("threshold", range(13))
def test_all_pairs_within_matches_naive(hashes, threshold):
    assert near_search.all_pairs_within(hashes, threshold) == naive_all_pairs(hashes, threshold)


@pytest.mark.parametrize("hashes", DATA)
@pytest.mark.parametrize("threshold", range(13))
def test_brute_force_and_every_chunking_are_exact(hashes, threshold):
    # Narrow chunks keep the tables small and the buckets crowded, which exercises every branch.
    expected = naive_all_pairs(hashes, threshold)
    brute = near_search.scan(hashes, hashes, threshold, later_only=True)
    assert near_search.sorted_triples(brute) == expected
    for chunks in range(1, 7):
        plan = [
            (c * (64 // chunks), 6, radius)
            for c, radius in enumerate(multi_index.radii(threshold, chunks))
        ]
        for masks_per_unit in (None, 1):
            units = multi_index.plan_units(plan, masks_per_unit)
            found = multi_index.multi_index_pairs(hashes, threshold, units)
            assert near_search.sorted_triples(found) == expected, (plan, masks_per_unit)


@pytest.mark.parametrize("threshold", [0, 4, 8, 10, 12])
def test_chosen_index_matches_brute_force_at_scale(threshold):
    hashes = clustered(20_000, seed=3)
    plan = multi_index.cheapest_plan(len(hashes), threshold)
    assert plan is not None
    brute = near_search.sorted_triples(
        near_search.scan(hashes, hashes, threshold, later_only=True)
    )
    assert near_search.all_pairs_within(hashes, threshold) == brute
    assert len(brute) > 13


@pytest.mark.parametrize(
    ("queries", "reference"),
    [
        (uniform(0), uniform(50)),
        (uniform(5), uniform(0)),
        (uniform(1), uniform(1)),
        (clustered(40)[:10], clustered(40)),
        (clustered(300, seed=5)[::7], clustered(300, seed=5)),
    ],
)
@pytest.mark.parametrize("threshold", range(13))
def test_pairs_within_matches_naive(queries, reference, threshold):
    expected = naive_pairs(queries, reference, threshold)
    assert near_search.pairs_within(queries, reference, threshold) == expected


def test_pairs_within_more_queries_than_reference():
    queries, reference = clustered(300), clustered(300)[::30]
    assert near_search.pairs_within(queries, reference, 8) == naive_pairs(queries, reference, 8)


def test_popcount_table_counts_bits():
    values = np.concatenate([uniform(1000), np.array([0, 2**64 - 1], dtype=np.uint64)])
    counts = bitcount.popcount_by_table(values.reshape(2, -1))
    assert counts.ravel().tolist() == [bin(int(v)).count("1") for v in values]


def test_popcount_table_gives_the_same_answers(monkeypatch):
    hashes = clustered(3000, seed=7)
    expected = near_search.all_pairs_within(hashes, 10), near_search.pairs_within(hashes[:20], hashes, 10)
    monkeypatch.setattr(bitcount, "popcount", bitcount.popcount_by_table)
    assert near_search.all_pairs_within(hashes, 10) == expected[0]
    assert near_search.pairs_within(hashes[:20], hashes, 10) == expected[1]
