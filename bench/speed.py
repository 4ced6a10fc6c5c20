"""How fast is ``imagelint check``, against the tools people use today and against the decode floor.

One run measures, on camera-size JPEGs cut from real photographs (``bench/corpus.py``):

1. a cold ``imagelint check DIR`` (empty index) against imagededup ``PHash.encode_images``,
   cleanvision ``Imagelab.find_issues`` and the floor (read, md5, JPEG draft decode to 64 px,
   pHash) at the same worker count;
2. the pre-commit hook as a user feels it: 10 new 12-megapixel JPEGs committed into DVC datasets
   of 1,000 to 100,000 images whose facts are already indexed (``imagelint check data/train.dvc``
   in a real git repo with the ``.dvc`` change staged);
3. peak memory of each run and the index size per image.

Run from the repository root with imagelint's interpreter (see bench/RESULTS.md for the
competitor virtualenv)::

    .venv/bin/python bench/speed.py --competitors-python ~/bench-venv/bin/python

Only the ratios carry over to other machines. The ``floor`` sub-command is the floor loop
itself; ``speed.py`` runs it as a child process so that it is timed like every other tool.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import corpus  # noqa: E402

#: Allowed exit codes of ``imagelint check``: 1 only means findings (the camera cuts of one
#: photo are near-duplicates of each other).
CHECK_OK = (0, 1)

IMAGEDEDUP = """\
import json, resource, sys, time
from imagededup.methods import PHash
def cpu():
    return sum(sum(resource.getrusage(w)[:2]) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
start, cpu_start = time.perf_counter(), cpu()
hashes = PHash(verbose=False).encode_images(image_dir=sys.argv[1], num_enc_workers=int(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - start, "cpu": cpu() - cpu_start, "images": len(hashes)}))
"""

CLEANVISION = """\
import json, resource, sys, time
from cleanvision import Imagelab
def cpu():
    return sum(sum(resource.getrusage(w)[:2]) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
start, cpu_start = time.perf_counter(), cpu()
lab = Imagelab(data_path=sys.argv[1], verbose=False)
lab.find_issues(n_jobs=int(sys.argv[2]), verbose=False)
print(json.dumps({"seconds": time.perf_counter() - start, "cpu": cpu() - cpu_start, "images": len(lab.issues)}))
"""


@dataclass(frozen=True)
class Run:
    """One child process: wall time, the largest single-process peak RSS and the sampled peak
    of the whole process tree (pool workers included), and what the child printed."""

    seconds: float
    cpu_seconds: float
    max_rss_mb: float
    tree_rss_mb: float
    stdout: str


@dataclass(frozen=True)
class Row:
    """``seconds`` and ``cpu_seconds`` are the whole child process for imagelint, and the timed
    call alone (no interpreter start, no imports) for the floor and the competitors."""

    what: str
    images: int
    seconds: float
    cpu_seconds: float
    run: Run

    @property
    def rate(self) -> float:
        return self.images / self.seconds

    @property
    def cpu_rate(self) -> float:
        return self.images / self.cpu_seconds


# --- measuring child processes -------------------------------------------------------------

def measure(cmd: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
            ok: Sequence[int] = (0,)) -> Run:
    """Run ``cmd`` to completion; fails loudly on an unexpected exit code.

    The largest-process peak comes from GNU time where present: a child's own ``ru_maxrss``
    starts from this (larger) process's RSS, which exec carries over on Linux.
    """
    rss_file = tempfile.NamedTemporaryFile(prefix="rss-", suffix=".txt", delete=False)
    rss_file.close()
    timer = ["/usr/bin/time", "-f", "%M %U %S", "-o", rss_file.name] if Path("/usr/bin/time").exists() else []
    env = {key: value for key, value in (os.environ if env is None else env).items()
           if key != "PYTHONDONTWRITEBYTECODE"}  # time what a user runs: cached bytecode
    start = time.perf_counter()
    child = subprocess.Popen([*timer, *cmd], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()
    sampler = threading.Thread(target=_sample_tree_rss, args=(child.pid, peak, done), daemon=True)
    sampler.start()
    out = [b""]
    err = [b""]
    readers = [threading.Thread(target=lambda s=s, b=b: b.__setitem__(0, s.read()), daemon=True)
               for s, b in ((child.stdout, out), (child.stderr, err))]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    for thread in (*readers, sampler):
        thread.join()
    if timer:
        max_rss, user, system = Path(rss_file.name).read_text().split()[-3:]
        max_rss_kb, cpu_seconds = int(max_rss), float(user) + float(system)
    else:
        max_rss_kb, cpu_seconds = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    os.unlink(rss_file.name)
    if child.returncode not in ok:
        raise SystemExit(f"{' '.join(map(str, cmd))} exited {child.returncode}:\n{err[0].decode()[-3000:]}")
    return Run(seconds, cpu_seconds, max_rss_kb / 1024, peak[0] / 1024, out[0].decode())


def _sample_tree_rss(pid: int, peak: list[int], done: threading.Event) -> None:
    """Sum of VmRSS (kB) over ``pid`` and its descendants, every 20 ms, keeping the maximum."""
    while not done.wait(0.02):
        total = 0
        todo = [pid]
        while todo:
            current = todo.pop()
            try:
                status = Path(f"/proc/{current}/status").read_text()
                total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
                for task in Path(f"/proc/{current}/task").iterdir():
                    todo += [int(c) for c in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
        peak[0] = max(peak[0], total)


# --- the floor: the least any checker that reads, hashes and pHashes every image must do ------

def floor_one(path: str) -> int:
    import imagehash
    from PIL import Image

    data = Path(path).read_bytes()
    hashlib.md5(data).hexdigest()
    image = Image.open(io.BytesIO(data))
    image.draft("L", (64, 64))
    image.load()
    return int(str(imagehash.phash(image)), 16)


def floor_main(folder: Path, jobs: int) -> int:
    import imagehash  # noqa: F401 - imported here so that the timed loop pays for no import
    import scipy.fftpack  # noqa: F401 - which imagehash.phash would load on its first call
    from PIL import Image  # noqa: F401

    paths = sorted(str(p) for p in folder.rglob("*.jpg"))
    start, cpu_start = time.perf_counter(), _cpu()
    if jobs == 1:
        hashes = [floor_one(p) for p in paths]
    else:
        with ProcessPoolExecutor(jobs) as pool:
            hashes = list(pool.map(floor_one, paths, chunksize=max(1, min(16, len(paths) // (jobs * 8)))))
    print(json.dumps({"seconds": time.perf_counter() - start, "cpu": _cpu() - cpu_start, "images": len(hashes)}))
    return 0


def _cpu() -> float:
    """User + system seconds of this process and its finished children (the pool workers)."""
    import resource

    return sum(sum(resource.getrusage(who)[:2]) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


# --- corpus ---------------------------------------------------------------------------------

def camera_corpus(root: Path, count: int, work: Path) -> list[Path]:
    """``count`` camera-size JPEGs (1-12 MP), hard-linked into ``work`` (outside any git repo,
    so that ``imagelint check DIR`` checks the folder)."""
    photos = corpus.load_photos(root)
    made = corpus.camera_size(root / "camera", count, photos, root / "photos")
    work.mkdir(parents=True)
    linked = []
    for path in made:
        target = work / path.name
        _link_or_copy(path, target)
        linked.append(target)
    return linked


def subset(paths: Sequence[Path], count: int, work: Path) -> Path:
    """The first ``count`` files (every size from 1 to 12 MP in turn) in a folder of their own."""
    work.mkdir(parents=True)
    for path in paths[:count]:
        _link_or_copy(path, work / path.name)
    return work


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


# --- DVC datasets ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SmallImages:
    """Distinct small JPEGs made of real photographs, with their md5s."""

    folder: Path
    md5s: tuple[str, ...]


def small_images(root: Path, count: int, work: Path, tile: tuple[int, int] = (32, 24), grid: int = 4) -> SmallImages:
    """``count`` distinct mosaics of ``grid`` x ``grid`` tiles cut from the originals (128 x 96 px).

    Mosaics of independent crops keep near-duplicates about as rare as in a real dataset; plain
    crops of the same few dozen photos would make most of 100,000 images near copies. Tiles come
    from a pool cut once, so that making 100,000 images takes about a minute.
    """
    from PIL import Image

    rng = random.Random(1)
    width, height = tile
    pool = []
    for photo in sorted((p for p in corpus.load_photos(root) if p.role == "original"), key=lambda p: p.file):
        with Image.open(root / "photos" / photo.file) as image:
            image.draft("RGB", (512, 512))
            image = image.convert("RGB")
            image.thumbnail((512, 512))
        for _ in range(200):
            box_w = image.width * rng.uniform(0.1, 0.5)
            box_h = min(image.height, box_w * height / width)
            left, top = rng.uniform(0, image.width - box_w), rng.uniform(0, image.height - box_h)
            pool.append(image.resize(tile, Image.Resampling.BILINEAR, box=(left, top, left + box_w, top + box_h)))
    work.mkdir(parents=True, exist_ok=True)
    corners = [(x * width, y * height) for y in range(grid) for x in range(grid)]
    md5s: list[str] = []
    seen: set[str] = set()
    while len(md5s) < count:
        mosaic = Image.new("RGB", (grid * width, grid * height))
        for corner in corners:
            mosaic.paste(rng.choice(pool), corner)
        buffer = io.BytesIO()
        mosaic.save(buffer, "JPEG", quality=rng.choice((80, 90)))
        data = buffer.getvalue()
        md5 = hashlib.md5(data).hexdigest()
        if md5 in seen:
            continue
        seen.add(md5)
        (work / f"{len(md5s):06d}.jpg").write_bytes(data)
        md5s.append(md5)
    return SmallImages(work, tuple(md5s))


@dataclass(frozen=True)
class DvcRepo:
    path: Path
    cache: Path  # .dvc/cache/files/md5
    entries: tuple[tuple[str, str], ...]  # (relpath, md5) of data/train, as in the .dir manifest


def synthetic_dvc_repo(path: Path, small: SmallImages, count: int) -> DvcRepo:
    """A git repo with ``data/train`` tracked by DVC, written as ``dvc add`` with
    ``cache.type = hardlink`` would leave it, then committed.

    Synthesized: ``.dvc/config``, ``.dvc/.gitignore``, ``.dvcignore`` (what ``dvc init`` writes),
    the cache objects (hard links to the small images), the workspace files (hard links to the
    cache objects), the ``.dir`` manifest, ``data/train.dvc`` and ``data/.gitignore``.
    """
    (path / ".dvc").mkdir(parents=True)
    (path / ".dvc" / "config").write_text("[core]\n    autostage = false\n[cache]\n    type = hardlink\n")
    (path / ".dvc" / ".gitignore").write_text("/config.local\n/tmp\n/cache\n")
    (path / ".dvcignore").write_text("# Add patterns of files dvc should ignore\n")
    (path / ".imagelint.toml").write_text("min-resolution = [96, 96]  # the small dataset images pass\n")
    cache = path / ".dvc" / "cache" / "files" / "md5"
    entries = []
    for number in range(count):
        relpath = f"class{number % 10}/img{number:06d}.jpg"
        md5 = small.md5s[number]
        _add_object(small.folder / f"{number:06d}.jpg", cache, md5, path / "data" / "train" / relpath)
        entries.append((relpath, md5))
    (path / "data" / ".gitignore").write_text("/train\n")
    repo = DvcRepo(path, cache, tuple(entries))
    _write_dvc_file(repo)
    _git(path, "init", "-q")
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", f"{count} images")
    return repo


def _add_object(source: Path, cache: Path, md5: str, workspace: Path) -> None:
    target = cache / md5[:2] / md5[2:]
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        _link_or_copy(source, target)
        target.chmod(0o444)
    workspace.parent.mkdir(parents=True, exist_ok=True)
    _link_or_copy(target, workspace)


def _write_dvc_file(repo: DvcRepo) -> None:
    """The ``.dir`` object and ``data/train.dvc``, with DVC's hash formula (dvc_data tree.as_bytes)."""
    manifest = sorted(({"md5": md5, "relpath": rel} for rel, md5 in repo.entries), key=lambda e: e["relpath"])
    data = json.dumps(manifest, sort_keys=True).encode()
    digest = hashlib.md5(data).hexdigest()
    target = repo.cache / digest[:2] / f"{digest[2:]}.dir"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    size = sum((repo.cache / md5[:2] / md5[2:]).stat().st_size for _, md5 in repo.entries)
    (repo.path / "data" / "train.dvc").write_text(
        f"outs:\n- md5: {digest}.dir\n  size: {size}\n  nfiles: {len(repo.entries)}\n  hash: md5\n  path: train\n"
    )


def stage_new_images(repo: DvcRepo, images: Sequence[Path]) -> DvcRepo:
    """``dvc add data/train`` after copying ``images`` in, then ``git add data/train.dvc``."""
    entries = list(repo.entries)
    for number, image in enumerate(images):
        relpath = f"class{number % 10}/new_{number:03d}.jpg"
        md5 = hashlib.md5(image.read_bytes()).hexdigest()
        _add_object(image, repo.cache, md5, repo.path / "data" / "train" / relpath)
        entries.append((relpath, md5))
    staged = DvcRepo(repo.path, repo.cache, tuple(entries))
    _write_dvc_file(staged)
    _git(repo.path, "add", "data/train.dvc")
    return staged


def dvc_agrees(repo: Path, dvc: Path) -> bool:
    """DVC itself re-hashes the workspace and finds it equal to the synthesized ``.dvc``."""
    result = subprocess.run([str(dvc), "status", "--json"], cwd=repo, capture_output=True, text=True)
    return result.returncode == 0 and json.loads(result.stdout or "{}") == {}


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True)


def index_rows(cache_dir: Path) -> int:
    rows = 0
    for path in cache_dir.glob("facts-*.sqlite"):
        with sqlite3.connect(path) as db:
            rows += db.execute("SELECT count(*) FROM facts").fetchone()[0]
    return rows


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# --- the benchmark --------------------------------------------------------------------------

def machine() -> str:
    import numpy
    import PIL

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return (f"nproc {os.cpu_count()}, {cpu}, {memory / 2**20:.1f} GiB, Python {platform.python_version()}, "
            f"Pillow {PIL.__version__}, numpy {numpy.__version__}, load average at start "
            f"{os.getloadavg()[0]:.2f}")


def cold_checks(args: argparse.Namespace, files: Sequence[Path], folder: Path, work: Path,
                imagelint: Path) -> list[Row]:
    rows = []
    small = subset(files, args.cleanvision_images, work / "cleanvision") if args.competitors_python else None
    for path in files:  # into the page cache: the first tool timed would otherwise wait for the disk alone
        path.read_bytes()
    for jobs in args.jobs:
        cache = work / f"index-cold-{jobs}"
        env = {**os.environ, "IMAGELINT_CACHE_DIR": str(cache)}
        run = measure([str(imagelint), "check", folder.name, "--jobs", str(jobs), "--format", "json"],
                      env=env, cwd=folder.parent, ok=CHECK_OK)
        checked = json.loads(run.stdout)["summary"]["checked"]
        if checked != len(files):
            raise SystemExit(f"imagelint checked {checked} of {len(files)} images")
        rows.append(Row(f"imagelint check, cold index, jobs={jobs}", len(files), run.seconds, run.cpu_seconds, run))
        if jobs == args.jobs[0]:
            stored = index_rows(cache)
            print(f"index after the cold check: {stored} rows, {folder_bytes(cache)} bytes "
                  f"({folder_bytes(cache) / max(1, stored):.0f} B/image)", file=sys.stderr)
        run = measure([sys.executable, __file__, "floor", str(folder), "--jobs", str(jobs)])
        inner = json.loads(run.stdout)
        rows.append(Row(f"floor (md5 + draft decode + pHash), jobs={jobs}", inner["images"], inner["seconds"], inner["cpu"], run))
        if args.competitors_python:
            run = measure([args.competitors_python, "-c", IMAGEDEDUP, str(folder), str(jobs)])
            inner = json.loads(run.stdout)
            rows.append(Row(f"imagededup PHash.encode_images, workers={jobs}", inner["images"], inner["seconds"], inner["cpu"], run))
            run = measure([args.competitors_python, "-c", CLEANVISION, str(small), str(jobs)])
            inner = json.loads(run.stdout)
            rows.append(Row(f"cleanvision find_issues, n_jobs={jobs}", inner["images"], inner["seconds"], inner["cpu"], run))
        for row in rows[-4:]:
            print(f"  {row.what}: {row.rate:.1f} img/s", file=sys.stderr)
    return rows


@dataclass(frozen=True)
class CommitResult:
    size: int
    warm_up: Run
    index_bytes_per_image: float
    hook: tuple[Run, ...]
    hook_cached: tuple[Run, ...]
    decoded: int
    dvc_agrees: bool | None


def commit_bench(args: argparse.Namespace, files: Sequence[Path], work: Path, imagelint: Path) -> list[CommitResult]:
    new = twelve_megapixels(files, args.new_images)
    print(f"cutting {max(args.sizes)} small JPEGs for the DVC datasets", file=sys.stderr)
    small = small_images(args.corpus, max(args.sizes), work / "small")
    dvc = Path(sys.executable).parent / "dvc"
    results = []
    for size in sorted(args.sizes):
        print(f"DVC dataset of {size}", file=sys.stderr)
        repo = synthetic_dvc_repo(work / f"dvc-{size}", small, size)
        agrees = dvc_agrees(repo.path, dvc) if dvc.exists() and size == min(args.sizes) else None
        cache = work / f"index-dvc-{size}"
        env = {**os.environ, "IMAGELINT_CACHE_DIR": str(cache)}
        warm_up = measure([str(imagelint), "check", "--all", "--format", "json"], env=env, cwd=repo.path, ok=CHECK_OK)
        rows = index_rows(cache)
        per_image = folder_bytes(cache) / max(1, rows)
        stage_new_images(repo, new)
        snapshot = work / f"index-dvc-{size}-warm"
        shutil.copytree(cache, snapshot)
        hook_env = {**env, "PRE_COMMIT": "1"}
        hook_cmd = [str(imagelint), "check", "data/train.dvc"]
        hook = []
        for _ in range(args.repeats):
            shutil.rmtree(cache)
            shutil.copytree(snapshot, cache)
            hook.append(measure(hook_cmd, env=hook_env, cwd=repo.path, ok=CHECK_OK))
        decoded = index_rows(cache) - rows
        cached = tuple(measure(hook_cmd, env=hook_env, cwd=repo.path, ok=CHECK_OK) for _ in range(args.repeats))
        results.append(CommitResult(size, warm_up, per_image, tuple(hook), cached, decoded, agrees))
        print(f"  warm-up {warm_up.seconds:.1f} s; hook median {statistics.median(r.seconds for r in hook):.3f} s, "
              f"{decoded} decoded", file=sys.stderr)
        shutil.rmtree(snapshot)
    return results


def twelve_megapixels(files: Sequence[Path], count: int) -> list[Path]:
    """The first ``count`` 12-MP files (``corpus.camera_size`` names them ``cam_N_WxH.jpg``)."""
    found = []
    for path in files:
        width, height = path.stem.rsplit("_", 1)[1].split("x")
        if int(width) * int(height) >= 11_500_000:
            found.append(path)
    if len(found) < count:
        raise SystemExit(f"only {len(found)} 12-MP files among {len(files)}: raise --images")
    return found[:count]


# --- report ---------------------------------------------------------------------------------

def report(rows: Sequence[Row], commits: Sequence[CommitResult], args: argparse.Namespace) -> str:
    lines = [] if not rows else ["## Cold full check of camera-size JPEGs", "",
             "| run | images | timed s | images/s | process wall s | CPU ms/image | peak RSS MB, largest process "
             "| peak RSS MB, process tree |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row.what} | {row.images} | {row.seconds:.2f} | {row.rate:.1f} | {row.run.seconds:.2f} "
                     f"| {1000 / row.cpu_rate:.1f} | {row.run.max_rss_mb:.0f} | {row.run.tree_rss_mb:.0f} |")
    lines += [] if not rows else [
        "", "Ratios of images/s (wall; CPU time per image in brackets):", "",
        "| jobs | imagelint / imagededup (target >= 5) | imagelint / cleanvision (target >= 30) "
        "| floor / imagelint (target <= 1.2) |", "|---:|---:|---:|---:|"]
    for jobs in args.jobs if rows else ():
        mine = {row.what.split(" ")[0]: row for row in rows if row.what.endswith(f"={jobs}")}
        ours = mine["imagelint"]

        def ratio(fast: Row, slow: Row) -> str:
            return f"{fast.rate / slow.rate:.2f} ({fast.cpu_rate / slow.cpu_rate:.2f})"

        dedup = ratio(ours, mine["imagededup"]) if "imagededup" in mine else "not run"
        clean = ratio(ours, mine["cleanvision"]) if "cleanvision" in mine else "not run"
        lines.append(f"| {jobs} | {dedup} | {clean} | {ratio(mine['floor'], ours)} |")
    if commits:
        base = statistics.median(r.seconds for r in commits[0].hook)
        lines += ["", f"## Warm-cache commit of {args.new_images} new 12-MP JPEGs into a DVC dataset", "",
                  "| dataset images | hook median s (min-max) | / smallest | facts cached: median s | new facts "
                  "| hook peak RSS MB | full check (`--all`, cold) s | its peak RSS MB (largest / tree) "
                  "| index B/image |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for result in commits:
            times = [r.seconds for r in result.hook]
            median = statistics.median(times)
            lines.append(
                f"| {result.size} | {median:.3f} ({min(times):.3f}-{max(times):.3f}) | {median / base:.2f} "
                f"| {statistics.median(r.seconds for r in result.hook_cached):.3f} | {result.decoded} "
                f"| {max(r.max_rss_mb for r in result.hook):.0f} | {result.warm_up.seconds:.1f} "
                f"| {result.warm_up.max_rss_mb:.0f} / {result.warm_up.tree_rss_mb:.0f} "
                f"| {result.index_bytes_per_image:.0f} |")
        checked = [r.dvc_agrees for r in commits if r.dvc_agrees is not None]
        if checked:
            lines += ["", f"`dvc status` on the synthesized {commits[0].size}-image repo: "
                      + ("up to date (the synthesized files match what DVC computes)" if checked[0] else "DIFFERS")]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    floor = sub.add_parser("floor", help="the floor loop over a folder (used by the benchmark)")
    floor.add_argument("folder", type=Path)
    floor.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--corpus", type=Path, default=corpus.DEFAULT_ROOT, help="corpus root (default: %(default)s)")
    parser.add_argument("--images", type=int, default=480, help="camera-size JPEGs to check (default: %(default)s)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="worker counts (default: 1 2)")
    parser.add_argument("--competitors-python", metavar="PATH",
                        help="interpreter with imagededup and cleanvision installed (skipped without it)")
    parser.add_argument("--cleanvision-images", type=int, default=48,
                        help="cleanvision runs on the first N files only (default: %(default)s)")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold full check comparison")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000],
                        help="DVC dataset sizes (default: %(default)s; none to skip)")
    parser.add_argument("--new-images", type=int, default=10, help="12-MP JPEGs per commit (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=5, help="timed hook runs per size (default: %(default)s)")
    parser.add_argument("--imagelint", type=Path, default=Path(sys.executable).parent / "imagelint",
                        help="the imagelint executable (default: beside this interpreter)")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a new temporary one, removed after)")
    args = parser.parse_args(argv)
    if args.command == "floor":
        return floor_main(args.folder, args.jobs)

    described = machine()  # its load average is the one at the start, as it says
    print(described, file=sys.stderr)
    work = Path(tempfile.mkdtemp(prefix="imagelint-speed-", dir=args.workdir))
    try:
        files = camera_corpus(args.corpus, args.images, work / "camera")
        if args.sizes:
            twelve_megapixels(files, args.new_images)
        print(f"corpus: {len(files)} camera-size JPEGs, {folder_bytes(work / 'camera') / 1e6:.0f} MB", file=sys.stderr)
        rows = [] if args.no_cold else cold_checks(args, files, work / "camera", work, args.imagelint)
        commits = commit_bench(args, files, work, args.imagelint) if args.sizes else []
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"Machine: {described}\n")
    print(f"Command: {' '.join(sys.argv)}\n")
    print(report(rows, commits, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
