"""``imagelint stats`` from a kept listing against the route with a record per image, up to 1,000,000 images.

Per size, a git repository with ``data/train`` tracked by DVC (10 class folders, committed;
built by ``bench/flat_commit.py``'s ``build_base``, facts synthesised from a few hundred real
small JPEGs) whose facts snapshot ``imagelint facts pull --from`` brings into the cache: index
rows and the listing. Timed: ``imagelint stats --stdout`` with that cache (the listing route)
and with a copy of it without listings (every image a record, its facts from the index; no
decode on either). Both must print the same bytes. Runs of all sizes are interleaved. With
``--linked N``, the head commit adds N images through a link, so the listing route reads the
pulled listing plus the change since it.

    .venv/bin/python bench/flat_stats.py [--sizes 1000 100000 1000000] [--repeats 5] [--baseline-repeats 3]
        [--linked N]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Sequence

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import flat_commit  # noqa: E402
import speed  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    args = flat_commit.dataset_arguments(__doc__.splitlines()[0], "with a record per image").parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="imagelint-stats-"))
    try:
        print(speed.machine(), file=sys.stderr)
        templates = flat_commit.template_facts(args.corpus, work)
        setups = {}
        for size in args.sizes:
            print(f"building {size}", file=sys.stderr)
            repo, folder, entries = flat_commit.build_base(work, size, templates)
            cache = work / f"cache-{size}"
            flat_commit.pull_facts(args.imagelint, repo, folder, cache)
            if args.linked:
                flat_commit.commit_linked(repo, cache, entries, templates, args.linked)
            plain = work / f"plain-{size}"
            shutil.copytree(cache, plain, ignore=shutil.ignore_patterns("listings"))
            setups[size] = (repo, cache, plain)
        runs: dict[str, dict[int, list[speed.Run]]] = {"listing": {s: [] for s in args.sizes},
                                                       "records": {s: [] for s in args.sizes}}
        for repeat in range(args.repeats):
            for size, (repo, cache, plain) in setups.items():
                for route, folder, limit in (("listing", cache, args.repeats),
                                             ("records", plain, args.baseline_repeats)):
                    if repeat >= limit:
                        continue
                    env = {**os.environ, "IMAGELINT_CACHE_DIR": str(folder)}
                    found = runs[route][size]
                    found.append(speed.measure([str(args.imagelint), "stats", "--stdout"], env=env, cwd=repo))
                    print(f"  {size} {route}: {found[-1].seconds:.3f} s", file=sys.stderr)
                texts = {run.stdout for route in runs.values() for run in route[size]}
                assert texts == {runs["listing"][size][0].stdout}, f"the routes disagree at {size}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(report(runs, args))
    return 0


def report(runs: dict[str, dict[int, list[speed.Run]]], args: argparse.Namespace) -> str:
    def figure(found: Sequence[speed.Run]) -> str:
        times = [run.seconds for run in found]
        return (f"{statistics.median(times):.3f} ({min(times):.3f}-{max(times):.3f}) "
                f"| {statistics.median(run.cpu_seconds for run in found):.2f} "
                f"| {max(run.max_rss_mb for run in found):.0f}")

    lines = [f"Machine: {speed.machine()}", "", f"Command: {' '.join(sys.argv)}", "",
             f"| dataset images | from the listing: median s (min-max of {args.repeats}) | CPU s | peak RSS MB "
             f"| a record per image (same run): median s (min-max of {args.baseline_repeats}) | CPU s | peak RSS MB |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for size in sorted(runs["listing"]):
        lines.append(f"| {size:,} | {figure(runs['listing'][size])} | {figure(runs['records'][size])} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
