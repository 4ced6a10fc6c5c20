"""What a Dask cluster costs over the local pool for ``imagelint facts build``, beside imagededup.

One run, on the same camera-size JPEGs cut from real photographs (``bench/corpus.py``) in a real
git + DVC repository with a local-directory DVC remote, each route with an empty facts index:

1. ``imagelint facts build -j N``: the local process pool, reading the DVC cache;
2. the same through a running ``LocalCluster`` of N single-threaded workers (``--scheduler ADDRESS``);
3. the same cluster reading every image from the DVC remote (``--remote``), as workers would read S3;
4. ``--scheduler local``: a LocalCluster started and stopped by the command itself;
5. imagededup ``PHash.encode_images`` at N workers (with ``--competitors-python``).

Routes are run in turn, ``--repeats`` times, and the median is reported: the machine is shared,
so only ratios within the run mean anything. Run from the repository root::

    .venv/bin/python bench/cluster_speed.py --competitors-python ~/bench-venv/bin/python
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Sequence

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import speed  # noqa: E402


def dvc_repository(files: Sequence[Path], repo: Path, remote: Path) -> None:
    """The images under data/<class>/, added with DVC (objects copied into its cache) and pushed."""
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    dvc = [sys.executable, "-m", "dvc"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run([*dvc, "init", "-q"], cwd=repo, check=True, env=env)
    subprocess.run([*dvc, "remote", "add", "-q", "-d", "bench", str(remote)], cwd=repo, check=True, env=env)
    for n, path in enumerate(files):
        target = repo / "data" / f"class{n % 4}" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    subprocess.run([*dvc, "add", "-q", "data"], cwd=repo, check=True, env=env)
    subprocess.run([*dvc, "push", "-q"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "data"],
                   cwd=repo, check=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=240, help="camera-size JPEGs (default 240)")
    parser.add_argument("--jobs", type=int, default=2, help="local workers and cluster workers (default 2)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--competitors-python", type=Path, help="interpreter with imagededup installed")
    parser.add_argument("--workdir", type=Path, default=BENCH / "out" / "cluster")
    args = parser.parse_args(argv)

    from dask.distributed import LocalCluster

    shutil.rmtree(args.workdir, ignore_errors=True)
    flat = args.workdir / "flat"
    files = speed.camera_corpus(BENCH / ".corpus", args.images, flat)
    repo, remote = args.workdir / "repo", args.workdir / "remote"
    dvc_repository(files, repo, remote)
    megabytes = sum(path.stat().st_size for path in files) / 1e6
    imagelint = [sys.executable, "-m", "imagelint", "facts", "build"]
    with LocalCluster(n_workers=args.jobs, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=50) as cluster:
        routes = {
            f"local process pool, -j {args.jobs}": [*imagelint, "-j", str(args.jobs)],
            f"running LocalCluster, {args.jobs} workers": [*imagelint, "--scheduler", cluster.scheduler_address],
            f"running LocalCluster, {args.jobs} workers, from the DVC remote":
                [*imagelint, "--scheduler", cluster.scheduler_address, "--remote"],
            "--scheduler local (cluster start-up included)": [*imagelint, "--scheduler", "local"],
        }
        if args.competitors_python:
            script = args.workdir / "imagededup_encode.py"
            script.write_text(speed.IMAGEDEDUP)
            routes[f"imagededup PHash.encode_images, workers={args.jobs}"] = [
                str(args.competitors_python), str(script), str(flat), str(args.jobs)]
        times: dict[str, list[float]] = {name: [] for name in routes}
        cpu: dict[str, list[float]] = {name: [] for name in routes}
        for _ in range(args.repeats):
            for name, cmd in routes.items():
                cache = args.workdir / "facts-cache"
                shutil.rmtree(cache, ignore_errors=True)
                run = speed.measure(cmd, cwd=repo, env={**os.environ, "IMAGELINT_CACHE_DIR": str(cache)})
                # imagelint: the whole command; imagededup: the encode call (its imports take ~10 s)
                inner = json.loads(run.stdout) if name.startswith("imagededup") else None
                times[name].append(inner["seconds"] if inner else run.seconds)
                cpu[name].append(inner["cpu"] if inner else run.cpu_seconds)
    print(f"{speed.machine()}; {args.images} camera-size JPEGs (1-12 MP), {megabytes:.0f} MB; "
          f"median of {args.repeats} runs each, routes interleaved\n")
    baseline = statistics.median(times[next(iter(routes))])
    print("| route | wall s (median) | runs | images/s | wall ms per image per worker | x local pool "
          "| CPU ms per image |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for name in routes:
        wall = statistics.median(times[name])
        runs = " ".join(f"{t:.2f}" for t in times[name])
        per_image = wall * args.jobs / args.images * 1000
        # CPU time is only seen for child processes: the local pool's workers, not a cluster's
        cpu_ms = "-" if "LocalCluster" in name or "scheduler" in name else f"{statistics.median(cpu[name]) / args.images * 1000:.1f}"
        print(f"| {name} | {wall:.2f} | {runs} | {args.images / wall:.1f} | {per_image:.1f} | {wall / baseline:.2f} "
              f"| {cpu_ms} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
