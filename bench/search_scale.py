"""Time near-duplicate search at scale: 100 queries, all pairs, and brute force all pairs.

Run from the repository root: ``python bench/search_scale.py [--sizes 10000 100000 1000000]
[--threshold 8 10] [--data uniform clustered]``. Prints a Markdown table; only the ratios carry
over to other machines.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "hooks"))
from imagelint.rules import multi_index, near_search  # noqa: E402

QUERIES = 100


def uniform_hashes(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 2**64, size=n, dtype=np.uint64)


def clustered_hashes(n: int, rng: np.random.Generator) -> np.ndarray:
    """Like a real dataset: half the images have near copies (0 to 8 bits away) of another."""
    hashes = uniform_hashes(max(1, n // 2), rng)[rng.integers(0, max(1, n // 2), size=n)]
    for _ in range(8):
        flip = rng.random(n) < 0.5
        bits = rng.integers(0, 64, size=n).astype(np.uint64)
        hashes[flip] ^= np.uint64(1) << bits[flip]
    return hashes


def measured(work: Callable[[], object]) -> tuple[float, float, object]:
    """(seconds, peak MB of Python-visible allocations, result)."""
    tracemalloc.start()
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, peak, result


def brute_all_pairs(hashes: np.ndarray, threshold: int) -> list[tuple[int, int, int]]:
    return near_search.sorted_triples(near_search.scan(hashes, hashes, threshold, later_only=True))


def plan_text(n: int, threshold: int) -> str:
    plan = multi_index.cheapest_plan(n, threshold)
    if plan is None:
        return "brute force"
    used = [(width, radius) for _, width, radius in plan if radius >= 0]
    return " ".join(f"{width}b/r{radius}" for width, radius in used)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--threshold", type=int, nargs="+", default=[8, 10])
    parser.add_argument("--data", nargs="+", choices=["uniform", "clustered"], default=["uniform"])
    parser.add_argument(
        "--brute-max", type=int, default=100_000, help="largest size timed with brute force all pairs"
    )
    args = parser.parse_args(argv)

    cpu = next(
        (line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")),
        platform.processor() or "unknown",
    )
    print(f"nproc {os.cpu_count()}, {cpu}, numpy {np.__version__}, Python {platform.python_version()}")
    print()
    print(
        "| data | n | t | strategy | 100 queries (s) | all pairs (s) | peak MB | pairs "
        "| brute all pairs (s) | speed-up |"
    )
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for data in args.data:
        for n in args.sizes:
            rng = np.random.default_rng(n)
            make = uniform_hashes if data == "uniform" else clustered_hashes
            hashes = make(n, rng)
            queries = hashes[rng.integers(0, n, size=QUERIES)] ^ np.uint64(1)
            for t in args.threshold:
                query_s, _, _ = measured(lambda: near_search.pairs_within(queries, hashes, t))
                pairs_s, peak, pairs = measured(lambda: near_search.all_pairs_within(hashes, t))
                brute = speedup = "-"
                if n <= args.brute_max:
                    brute_s, _, expected = measured(lambda: brute_all_pairs(hashes, t))
                    if expected != pairs:
                        print(f"MISMATCH at n={n} t={t}", file=sys.stderr)
                        return 1
                    brute, speedup = f"{brute_s:.2f}", f"{brute_s / pairs_s:.1f}x"
                print(
                    f"| {data} | {n:,} | {t} | {plan_text(n, t)} | {query_s:.3f} | {pairs_s:.2f} "
                    f"| {peak:.0f} | {len(pairs):,} | {brute} | {speedup} |",
                    flush=True,
                )
    return 0


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


if __name__ == "__main__":
    raise SystemExit(main())
