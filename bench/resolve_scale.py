"""How long change resolution takes when a commit adds 10 images to a DVC-tracked folder of 100,000.

The repository is built without running DVC: manifests and ``.dvc`` files are written exactly as
``dvc add`` writes them (resolution never reads the images themselves, so none are written).
Prints a Markdown section for ``bench/RESOLVE.md``.

    PYTHONPATH=hooks python bench/resolve_scale.py [--images 100000] [--runs 7]
"""
from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from imagelint.sources import dvcfiles
from imagelint.sources.resolve import resolve_images

ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
       "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env={**os.environ, **ENV}, check=True, capture_output=True)


def store_manifest(cache: Path, count: int, extra: int) -> str:
    """Write a ``.dir`` of ``count + extra`` entries to the cache; returns its name."""
    entries = [{"md5": hashlib.md5(f"image {i}".encode()).hexdigest(), "relpath": f"class{i % 10}/{i:06d}.jpg"}
               for i in range(count + extra)]
    entries.sort(key=lambda entry: entry["relpath"])
    text = json.dumps(entries, sort_keys=True).encode()
    name = hashlib.md5(text).hexdigest() + ".dir"
    path = cache / "files" / "md5" / name[:2] / name[2:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text)
    return name


def pointer(name: str, count: int) -> str:
    return f"outs:\n- md5: {name}\n  size: {count * 1000}\n  nfiles: {count}\n  hash: md5\n  path: train\n"


def build_repo(top: Path, count: int) -> Path:
    repo = top / "repo"
    (repo / ".dvc" / "cache").mkdir(parents=True)
    (repo / ".dvc" / "config").write_text("[core]\n    analytics = false\n")
    (repo / "data").mkdir()
    git(repo, "init", "-q", "-b", "main")
    cache = repo / ".dvc" / "cache"
    (repo / "data" / "train.dvc").write_text(pointer(store_manifest(cache, count, 0), count))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    (repo / "data" / "train.dvc").write_text(pointer(store_manifest(cache, count, 10), count + 10))
    git(repo, "add", "data/train.dvc")
    return repo


def timed(runs: int, call) -> tuple[float, float, float]:
    """Min and median wall seconds, and min CPU seconds (the machine may be shared)."""
    walls, cpus = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return min(walls), statistics.median(walls), min(cpus)


def profile_top(call, limit: int = 6) -> list[tuple[str, float]]:
    """The functions with the most own time in one resolution."""
    profiler = cProfile.Profile()
    profiler.runcall(call)
    stats = pstats.Stats(profiler).stats
    rows = sorted(((f"{Path(file).name}:{name}", values[2]) for (file, _, name), values in stats.items()),
                  key=lambda row: -row[1])
    return rows[:limit]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as top:
        repo = build_repo(Path(top), args.images)
        _, resolution = resolve_images(repo, [])
        assert len(resolution.targets) == 10 and len(resolution.dataset) == args.images + 10, resolution.notes
        staged = timed(args.runs, lambda: resolve_images(repo, []))
        git(repo, "commit", "-q", "-m", "ten more")
        ranged = timed(args.runs, lambda: resolve_images(repo, [], rev_range=("HEAD~1", "HEAD")))
        cache = repo / ".dvc" / "cache"
        names = [line.split("md5: ")[1] for line in (repo / "data" / "train.dvc").read_text().splitlines()
                 if "md5: " in line]
        manifests = timed(args.runs, lambda: [dvcfiles.read_cached_manifest(cache, name) for name in names * 2])
        full = timed(args.runs, lambda: resolve_images(repo, ["data/train.dvc"], rev_range=("HEAD", "HEAD")))
        top_rows = profile_top(lambda: resolve_images(repo, [], rev_range=("HEAD~1", "HEAD")))
        size = (cache / "files" / "md5" / names[0][:2] / names[0][2:]).stat().st_size
    print("## Change resolution at scale\n")
    print(f"`bench/resolve_scale.py --images {args.images} --runs {args.runs}` on {platform.system()} "
          f"({os.cpu_count()} CPUs), Python {platform.python_version()}, "
          f"{subprocess.run(['git', '--version'], capture_output=True, text=True).stdout.strip()}. "
          f"A DVC-tracked folder of {args.images:,} images (manifest {size / 1e6:.1f} MB); the change adds 10. "
          "Times are min / median wall seconds of `resolve_images` in-process (no interpreter start-up).\n")
    print("| case | min s | median s | min CPU s |\n|---|---|---|---|")
    for label, figures in [
        (f"staged change (index vs HEAD): 10 targets, dataset {args.images + 10:,} refs", staged),
        ("same change as `--rev HEAD~1..HEAD`", ranged),
        (f"pointer passed with no change (`--all-files`): {args.images + 10:,} targets", full),
        ("of which: reading and parsing the two manifests (json)", tuple(value / 2 for value in manifests)),
    ]:
        print(f"| {label} | " + " | ".join(f"{value:.3f}" for value in figures) + " |")
    print("\nMost own time in one range resolution (cProfile, so inflated):\n")
    print("| function | own s |\n|---|---|")
    for name, seconds in top_rows:
        print(f"| `{name}` | {seconds:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
