"""All-pairs near-duplicate search at ten million hashes: one machine, or the units on a cluster.

The exact multi-index search is a set of independent units (some masks of one chunk,
``multi_index.search_units``). At sizes where running them all here takes too long, their cost
is measured by running a random sample of each chunk's units single-threaded after building
that chunk's real index, and scaled by the chunk's mask count; the same estimate is made at a
size that is also searched in full, so the table shows how far the estimate can be trusted.
A LocalCluster then runs every unit at the largest fully searched size, beside the local search.

    .venv/bin/python bench/cluster_search.py --sizes 1000000 10000000 --full-max 1000000
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "hooks"))
import search_scale  # noqa: E402
from imagelint.rules import multi_index, near_search  # noqa: E402
from imagelint.rules.cluster_search import MASKS_PER_UNIT, all_pairs_on_cluster  # noqa: E402


def estimated_seconds(hashes: np.ndarray, threshold: int, sample: int, rng: random.Random) -> tuple[float, float, int]:
    """(single-core seconds for every unit, the slowest unit seen, number of units), from a sample."""
    units = multi_index.search_units(len(hashes), threshold, MASKS_PER_UNIT) or []
    total = slowest = 0.0
    for chunk in sorted({(unit.start, unit.width) for unit in units}):
        mine = [unit for unit in units if (unit.start, unit.width) == chunk]
        started = time.perf_counter()
        index = multi_index.chunk_index(hashes, mine[0])
        total += time.perf_counter() - started
        picked = rng.sample(mine, min(sample, len(mine)))
        seconds = []
        for unit in picked:
            started = time.perf_counter()
            multi_index.unit_pairs(index, threshold, unit)
            seconds.append(time.perf_counter() - started)
        slowest = max(slowest, *seconds)
        per_mask = sum(seconds) / sum(len(unit.masks) for unit in picked)
        total += per_mask * sum(len(unit.masks) for unit in mine)
    return total, slowest, len(units)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--threshold", type=int, nargs="+", default=[8, 10])
    parser.add_argument("--data", nargs="+", choices=["uniform", "clustered"], default=["uniform", "clustered"])
    parser.add_argument("--sample", type=int, default=12, help="units timed per chunk (default 12)")
    parser.add_argument("--full-max", type=int, default=1_000_000, help="largest size also searched in full")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default 2)")
    args = parser.parse_args(argv)

    from dask.distributed import Client, LocalCluster

    print(f"nproc {os.cpu_count()}, numpy {np.__version__}, load average at start {os.getloadavg()[0]:.1f}; "
          f"{MASKS_PER_UNIT} masks per unit, {args.sample} units timed per chunk\n")
    print("| data | n | t | units | full search here (s) | estimate, 1 core (s) | estimate / 2 cores (s) "
          "| slowest unit (s) | LocalCluster, all units (s) | pairs |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rng = random.Random(1)
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=50) as cluster, Client(cluster) as client:
        for data in args.data:
            for n in args.sizes:
                make = search_scale.uniform_hashes if data == "uniform" else search_scale.clustered_hashes
                hashes = make(n, np.random.default_rng(n))
                for t in args.threshold:
                    estimate, slowest, units = estimated_seconds(hashes, t, args.sample, rng)
                    full = on_cluster = pairs = "-"
                    if n <= args.full_max:
                        started = time.perf_counter()
                        expected = near_search.all_pairs_within(hashes, t)
                        full = f"{time.perf_counter() - started:.1f}"
                        started = time.perf_counter()
                        found = all_pairs_on_cluster(hashes, t, client)
                        on_cluster = f"{time.perf_counter() - started:.1f}"
                        if found != expected:
                            print(f"MISMATCH at n={n} t={t}", file=sys.stderr)
                            return 1
                        pairs = f"{len(found):,}"
                    print(f"| {data} | {n:,} | {t} | {units} | {full} | {estimate:.0f} | {estimate / 2:.0f} "
                          f"| {slowest:.2f} | {on_cluster} | {pairs} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
