"""A fresh CI runner checks a 10-image pull request against a DVC dataset: facts route against dvc pull.

For each size, a real git repository whose ``data/train`` is tracked by DVC (written as
``dvc add`` writes it, like bench/speed.py), a local-directory DVC remote holding every object,
and on main the facts snapshot that ``imagelint facts push`` stores there. Branch ``pr`` adds
ten 12-megapixel JPEGs cut from real photographs, and its author's ``imagelint facts push
--changes`` (the ``imagelint-changes`` pre-push hook) stores the change of its manifest. Then,
each in a new clone with an empty DVC cache and an empty imagelint cache:

- facts route: ``imagelint check --rev main..pr --remote`` (the snapshot, the change and the
  new images come from the remote; the pull request's manifest is rebuilt from them);
- the same without the change on the remote (the pull request's manifest is read);
- dvc pull route: ``dvc pull``, then ``imagelint check --rev main..pr``.

Reported: wall seconds of each step, bytes read from the remote, images decoded (index rows).

    .venv/bin/python bench/fresh_runner.py [--sizes 1000 100000] [--workdir DIR]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
from speed import DvcRepo, _git, folder_bytes, index_rows, small_images, stage_new_images, synthetic_dvc_repo  # noqa: E402

BIN = Path(sys.executable).parent


def twelve_megapixel_jpegs(root: Path, count: int, work: Path) -> list[Path]:
    """``count`` 4000x3000 JPEGs (quality 90), each from another real photograph."""
    from PIL import Image

    work.mkdir(parents=True, exist_ok=True)
    originals = sorted((p for p in corpus.load_photos(root) if p.role == "original"), key=lambda p: p.file)
    made = []
    for number, photo in enumerate(originals[:count]):
        with Image.open(root / "photos" / photo.file) as image:
            picture = image.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=90)
        made.append(work / f"new_{number:03d}.jpg")
        made[-1].write_bytes(buffer.getvalue())
    return made


#: CPU seconds (user + system) of the last ``run``, its waited-for descendants included: on a
#: shared machine wall time also counts waiting for other people's work.
LAST_CPU = [0.0]


def run(cmd: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(list(cmd), cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU[0] = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return time.perf_counter() - start, result


def add_remote(repo: Path, remote: Path) -> None:
    config = repo / ".dvc" / "config"
    text = config.read_text().replace("[core]\n", "[core]\n    remote = store\n", 1)
    config.write_text(f"{text}['remote \"store\"']\n    url = {remote}\n")
    _git(repo, "commit", "-qam", "remote")


def copy_objects(repo: DvcRepo, remote: Path) -> None:
    """What ``dvc push`` leaves on a local remote: the cache's ``files/md5`` tree."""
    target = remote / "files" / "md5"
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-alf", f"{repo.cache}/.", str(target)], check=True)


def clone(origin: Path, where: Path, remote: Path) -> None:
    subprocess.run(["git", "clone", "-q", "--no-local", str(origin), str(where)], check=True)
    subprocess.run(["git", "fetch", "-q", "origin", "pr:pr"], cwd=where, check=True)
    subprocess.run(["git", "checkout", "-q", "pr"], cwd=where, check=True)  # CI checks out the head
    (where / ".dvc" / "config.local").write_text(f"['remote \"store\"']\n    url = {remote}\n")


def measure_size(args: argparse.Namespace, size: int, small, new: list[Path], work: Path) -> dict[str, object]:
    top = work / f"n{size}"
    remote = top / "remote"
    repo = synthetic_dvc_repo(top / "origin", small, size)
    _git(repo.path, "branch", "-M", "main")
    add_remote(repo.path, remote)
    copy_objects(repo, remote)
    main_cache = top / "main-cache"
    push_s, pushed = run([str(BIN / "imagelint"), "facts", "push"], repo.path, {"IMAGELINT_CACHE_DIR": str(main_cache)})
    assert pushed.returncode == 0, pushed.stderr
    snapshot_bytes = folder_bytes(remote / "imagelint")
    _git(repo.path, "checkout", "-qb", "pr")
    stage_new_images(repo, new)
    _git(repo.path, "commit", "-qm", "ten new photos")
    copy_objects(repo, remote)
    changes_s, changed = run([str(BIN / "imagelint"), "facts", "push", "--changes", "main..pr"], repo.path,
                             {"IMAGELINT_CACHE_DIR": str(top / "author-cache")})
    assert changed.returncode == 0 and changed.stdout.startswith("pushed 1 manifest change(s)"), changed.stderr
    _git(repo.path, "checkout", "-q", "main")
    change_bytes = folder_bytes(remote / "imagelint" / "changes")
    new_bytes = sum(path.stat().st_size for path in new)
    manifests = sorted(remote.rglob("*.dir"), key=lambda p: p.stat().st_mtime)
    head_manifest = manifests[-1].stat().st_size

    routes = {}
    for route in ("changes", "manifest"):
        if route == "manifest":
            shutil.rmtree(remote / "imagelint" / "changes")
        runner, cache = top / f"runner-{route}", top / f"runner-{route}-cache"
        clone(repo.path, runner, remote)
        env = {"IMAGELINT_CACHE_DIR": str(cache), "DVC_SITE_CACHE_DIR": str(top / f"site-{route}")}
        check_s, checked = run([str(BIN / "imagelint"), "check", "--rev", "main..pr", "--remote", "--format", "json"],
                               runner, env)
        summary = json.loads(checked.stdout)["summary"]
        assert summary["checked"] == len(new), checked.stderr
        rebuilt = "rebuilt 1 manifest(s)" in checked.stderr
        assert rebuilt == (route == "changes"), checked.stderr
        read = snapshot_bytes + new_bytes + (change_bytes if rebuilt else head_manifest)
        routes[route] = {"s": check_s, "cpu": LAST_CPU[0], "read": read, "decoded": index_rows(cache) - size,
                         "stderr": checked.stderr.strip().splitlines(), "findings": summary}

    pull_runner, pull_cache = top / "runner-pull", top / "runner-pull-cache"
    clone(repo.path, pull_runner, remote)
    env = {"IMAGELINT_CACHE_DIR": str(pull_cache), "DVC_SITE_CACHE_DIR": str(top / "site-pull")}
    pull_s, pulled = run([str(BIN / "dvc"), "pull", "-q"], pull_runner, env)
    assert pulled.returncode == 0, pulled.stderr
    pull_cpu = LAST_CPU[0]
    pulled_bytes = folder_bytes(pull_runner / ".dvc" / "cache")
    pull_check_s, pull_checked = run([str(BIN / "imagelint"), "check", "--rev", "main..pr", "--format", "json"],
                                     pull_runner, env)
    assert json.loads(pull_checked.stdout)["summary"]["checked"] == len(new), pull_checked.stderr
    pull_check_cpu = LAST_CPU[0]
    result = {
        "size": size, "facts_push_s": push_s, "snapshot_bytes": snapshot_bytes, "changes_push_s": changes_s,
        "change_bytes": change_bytes, "head_manifest_bytes": head_manifest, "routes": routes,
        "pull_cpu": pull_cpu, "pull_check_cpu": pull_check_cpu, "load": os.getloadavg()[0],
        "pull_s": pull_s, "pull_bytes": pulled_bytes, "pull_check_s": pull_check_s,
        "pull_decoded": index_rows(pull_cache), "new_bytes": new_bytes,
    }
    if not args.keep:
        shutil.rmtree(top)
    return result


def report(results: list[dict[str, object]]) -> str:
    lines = ["| dataset images | route | wall s | CPU s | read from the remote | images decoded | load average |",
             "|---:|---|---:|---:|---:|---:|---:|"]
    for r in results:
        for route, what in (("changes", f"change {r['change_bytes'] / 1e3:.1f} kB"),
                            ("manifest", f"manifest {r['head_manifest_bytes'] / 1e6:.2f} MB")):
            done = r["routes"][route]
            name = "facts: `check --rev main..pr --remote`" + (", no change pushed" if route == "manifest" else "")
            lines.append(f"| {r['size']:,} | {name} | {done['s']:.1f} | {done['cpu']:.1f} | "
                         f"{done['read'] / 1e6:.1f} MB (snapshot {r['snapshot_bytes'] / 1e6:.2f} MB, {what}, "
                         f"10 new images {r['new_bytes'] / 1e6:.1f} MB) | {done['decoded']} | {r['load']:.1f} |")
        lines.append(f"| {r['size']:,} | `dvc pull` + `check --rev main..pr` | {r['pull_s'] + r['pull_check_s']:.1f} "
                     f"({r['pull_s']:.1f} + {r['pull_check_s']:.1f}) | {r['pull_cpu'] + r['pull_check_cpu']:.1f} | "
                     f"{r['pull_bytes'] / 1e6:.1f} MB | {r['pull_decoded']} | {r['load']:.1f} |")
    lines += ["", "| dataset images | `facts push` on main (once, cold index) s | snapshot bytes/image | "
              "author's `facts push --changes` s |", "|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['size']:,} | {r['facts_push_s']:.1f} | {r['snapshot_bytes'] / r['size']:.0f} | "
                     f"{r['changes_push_s']:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--corpus", type=Path, default=corpus.DEFAULT_ROOT)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the repositories")
    args = parser.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="fresh-runner-"))
    new = twelve_megapixel_jpegs(args.corpus, 10, work / "new")
    small = small_images(args.corpus, max(args.sizes), work / "small")
    results = []
    for size in sorted(args.sizes):
        results.append(measure_size(args, size, small, new, work))
        print(json.dumps(results[-1]), file=sys.stderr)
    sys.stdout.write(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
