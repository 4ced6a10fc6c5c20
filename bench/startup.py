"""Start-up cost of the pre-commit hook: ``imagelint check`` on a commit with no image and with one.

Every commit pays this, so it is measured on its own: the wall time of ``imagelint check`` as a
child process in a real git repo (median of ``--runs``), against a bare ``python -c pass``, and
``python -X importtime`` of the same command to show which imports dominate.

Run from the repository root with imagelint's interpreter::

    .venv/bin/python bench/startup.py [--runs 15]
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

#: ``imagelint check`` exactly as the console script runs it, for ``-X importtime``.
ENTRY = "import sys; from imagelint.cli import main; sys.exit(main(sys.argv[1:]))"


@dataclass(frozen=True)
class Case:
    name: str
    repo: Path
    args: tuple[str, ...]


@dataclass(frozen=True)
class ImportCost:
    module: str
    self_ms: float
    cumulative_ms: float
    depth: int


def make_repos(work: Path) -> list[Case]:
    """A repo whose staged change holds no image, and one that stages a single small JPEG."""
    from PIL import Image

    cases = []
    for name, with_image in (("commit with no image", False), ("commit with one image", True)):
        repo = work / name.replace(" ", "-")
        repo.mkdir()
        _git(repo, "init", "-q")
        (repo / "README.md").write_text("start\n")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", "start")
        args: tuple[str, ...] = ()
        if with_image:
            buffer = io.BytesIO()
            Image.effect_mandelbrot((640, 480), (-2.0, -1.2, 1.0, 1.2), 64).convert("RGB").save(buffer, "JPEG")
            (repo / "photo.jpg").write_bytes(buffer.getvalue())
            args = ("photo.jpg",)  # what pre-commit passes
        else:
            (repo / "README.md").write_text("changed\n")
        _git(repo, "add", "-A")
        cases.append(Case(name, repo, args))
    return cases


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True)


def wall_times(cmd: Sequence[str], cwd: Path, env: dict[str, str], runs: int, *, fresh_index: bool = False) -> list[float]:
    times = []
    for _ in range(runs):
        if fresh_index:
            shutil.rmtree(env["IMAGELINT_CACHE_DIR"], ignore_errors=True)
        start = time.perf_counter()
        result = subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True)
        times.append(time.perf_counter() - start)
        if result.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} exited {result.returncode}: {result.stderr.decode()[-2000:]}")
    return times


def import_costs(case: Case, env: dict[str, str]) -> list[ImportCost]:
    """``-X importtime`` lines of one run (microseconds in, milliseconds out)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", ENTRY, "check", *case.args],
                            cwd=case.repo, env=env, capture_output=True, text=True)
    costs = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        costs.append(ImportCost(name.strip(), int(self_us) / 1000, int(cumulative_us) / 1000, depth))
    return costs


def by_package(costs: Sequence[ImportCost]) -> dict[str, float]:
    """Cumulative milliseconds per top-level package, from its outermost imports only (numpy
    imported by imagelint counts for both)."""
    totals: dict[str, float] = {}
    stack: list[tuple[int, str]] = []
    for cost in reversed(costs):  # importtime prints children before their parent
        package = cost.module.split(".")[0]
        while stack and stack[-1][0] >= cost.depth:
            stack.pop()
        if all(outer != package for _, outer in stack):
            totals[package] = totals.get(package, 0.0) + cost.cumulative_ms
        stack.append((cost.depth, package))
    return totals


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per case (default: %(default)s)")
    parser.add_argument("--imagelint", type=Path, default=Path(sys.executable).parent / "imagelint",
                        help="the imagelint executable (default: beside this interpreter)")
    parser.add_argument("--top", type=int, default=12, help="import entries to list (default: %(default)s)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="imagelint-startup-"))
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env.update(IMAGELINT_CACHE_DIR=str(work / "index"), PRE_COMMIT="1")
    lines = [f"Command: {' '.join(sys.argv)}", "",
             "| case | median s | min s | max s |", "|---|---:|---:|---:|"]
    try:
        cases = make_repos(work)
        base = wall_times([sys.executable, "-c", "pass"], work, env, args.runs)
        lines.append(f"| python -c pass | {statistics.median(base):.3f} | {min(base):.3f} | {max(base):.3f} |")
        costs_by_case = {}
        for case in cases:
            cmd = [str(args.imagelint), "check", *case.args]
            wall_times(cmd, case.repo, env, 1)  # writes bytecode and, with an image, indexes it
            times = wall_times(cmd, case.repo, env, args.runs)
            lines.append(f"| imagelint check, {case.name} ({' '.join(case.args) or 'no PATH'}) "
                         f"| {statistics.median(times):.3f} | {min(times):.3f} | {max(times):.3f} |")
            if case.args:
                times = wall_times(cmd, case.repo, env, args.runs, fresh_index=True)
                lines.append(f"| imagelint check, {case.name}, empty index "
                             f"| {statistics.median(times):.3f} | {min(times):.3f} | {max(times):.3f} |")
            costs_by_case[case.name] = import_costs(case, env)
        for name, costs in costs_by_case.items():
            total = sum(c.cumulative_ms for c in costs if c.depth == min(x.depth for x in costs))
            lines += ["", f"Imports, {name}: {total:.0f} ms in all (one `-X importtime` run)", "",
                      "| top-level package | cumulative ms |", "|---|---:|"]
            for package, ms in sorted(by_package(costs).items(), key=lambda kv: -kv[1])[:args.top]:
                lines.append(f"| {package} | {ms:.1f} |")
            lines += ["", "| module (self time) | self ms | cumulative ms |", "|---|---:|---:|"]
            for cost in sorted(costs, key=lambda c: -c.self_ms)[:args.top]:
                lines.append(f"| {cost.module} | {cost.self_ms:.1f} | {cost.cumulative_ms:.1f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
