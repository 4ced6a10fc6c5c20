"""Does a commit's cost follow the change? 10 new 12-MP JPEGs into DVC datasets of up to 1,000,000 images.

Per size, a git repository with ``data/train`` tracked by DVC is written as ``dvc add`` writes
it (``.dir`` manifest, ``data/train.dvc``, cache layout; no DVC run, as in
``bench/resolve_scale.py``). The dataset images' facts are synthesised, not decoded (see
``base_facts``): facts of a few hundred real small JPEGs, replicated under distinct md5s with
random 64-bit pHashes, so nothing spuriously matches. They become the main branch's facts
snapshot in a plain folder, which ``imagelint facts pull --from`` brings into the cache as a
user's runner would (index rows and the hook's listing). Those images need not exist as files;
the 10 new ones are real 12-MP JPEGs, really decoded.

Timed, as pre-commit runs it (``PRE_COMMIT=1 imagelint check data/train.dvc`` from the repo
root): the hook with the base listing (the flat route) and, as the same-run baseline, the hook
with no listing (the route with a ref per image). Before every run the 10 new images' facts and
the listing the previous run kept are removed, so each run decodes exactly 10. Runs of all
sizes are interleaved, so that the machine's load falls on all of them alike.
The commit before the timed one ran the hook too (10 other new images): its judged class
samples (``rules.sample_findings``) are what the timed commit finds, and any it judges itself
are removed before the next run. With ``--linked N``, N more images were committed after the
pull by commits that kept a link (``facts.listing_link``) rather than a listing: the hook
starts from the pulled listing plus those N, the most a link holds being ``LINK_MOST``. ``bench/flat_stats.py`` times
``imagelint stats`` on the same kind of dataset.

    .venv/bin/python bench/flat_commit.py [--sizes 1000 100000 1000000] [--repeats 5] [--linked N]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Sequence

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import corpus  # noqa: E402
import speed  # noqa: E402

from imagelint.facts.image_facts import ImageFacts, read_image_facts  # noqa: E402
from imagelint.facts.index import FactsIndex  # noqa: E402
from imagelint.facts.listing import keep_link, listing_folder  # noqa: E402
from imagelint.facts.listing_link import Since, read_link  # noqa: E402
from imagelint.facts.sharing import snapshot_key  # noqa: E402
from imagelint.facts.snapshot import snapshot_bytes  # noqa: E402
from imagelint.rules import sample_findings  # noqa: E402

TEMPLATES = 300
NEW = 10


def relpath(i: int) -> str:
    return f"class{i % 10}/img{i:07d}.jpg"


def base_facts(templates: Sequence[ImageFacts], count: int, name: str = "image") -> dict[str, ImageFacts]:
    """``count`` facts: template ``i % len`` with md5 ``md5(f"{name} {i}")`` and random 64-bit hashes."""
    rng = random.Random(f"{name} 7")
    found = {}
    for i in range(count):
        md5 = hashlib.md5(f"{name} {i}".encode()).hexdigest()
        found[md5] = replace(templates[i % len(templates)], md5=md5, phash=rng.getrandbits(64),
                             phash_mirror=rng.getrandbits(64))
    return found


def write_manifest(cache: Path, entries: dict[str, str]) -> tuple[str, bytes]:
    listing = [{"md5": entries[r], "relpath": r} for r in sorted(entries)]
    data = json.dumps(listing, sort_keys=True).encode()
    name = hashlib.md5(data).hexdigest() + ".dir"
    target = cache / "files" / "md5" / name[:2] / name[2:]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return name, data


def pointer(name: str, count: int) -> str:
    return f"outs:\n- md5: {name}\n  size: {count * 40000}\n  nfiles: {count}\n  hash: md5\n  path: train\n"


def build_base(top: Path, count: int, templates: Sequence[ImageFacts]) -> tuple[Path, Path, dict[str, str]]:
    """The repo with the base dataset committed, and a facts folder holding its snapshot.
    Returns (repo, facts folder, the manifest's entries)."""
    repo = top / f"repo-{count}"
    cache = repo / ".dvc" / "cache"
    (repo / "data").mkdir(parents=True)
    (repo / ".dvc").mkdir()
    (repo / ".dvc" / "config").write_text("[core]\n    autostage = false\n[cache]\n    type = hardlink\n")
    (repo / ".dvc" / ".gitignore").write_text("/config.local\n/tmp\n/cache\n")
    (repo / ".dvcignore").write_text("# Add patterns of files dvc should ignore\n")
    (repo / "data" / ".gitignore").write_text("/train\n")
    facts = base_facts(templates, count)
    entries = dict(zip((relpath(i) for i in range(count)), facts))
    name, _ = write_manifest(cache, entries)
    (repo / "data" / "train.dvc").write_text(pointer(name, count))
    speed._git(repo, "init", "-q")
    speed._git(repo, "add", "-A")
    speed._git(repo, "commit", "-q", "-m", "base")
    folder = top / f"facts-{count}"
    key = folder / snapshot_key(name)
    key.parent.mkdir(parents=True)
    key.write_bytes(snapshot_bytes(name, entries, facts))
    return repo, folder, entries


def build(top: Path, count: int, templates: Sequence[ImageFacts], previous: Sequence[Path], new: Sequence[Path],
          imagelint: Path, linked: int) -> tuple[Path, Path, list[str]]:
    """The base (``build_base``), its facts pulled into a cache, ``linked`` more images committed
    through a link (``commit_linked``), the ``previous`` images committed through the hook, then
    the ``new`` ones staged. Returns (repo, cache, md5s of the new images)."""
    repo, folder, entries = build_base(top, count, templates)
    cache = top / f"cache-{count}"
    pull_facts(imagelint, repo, folder, cache)
    if linked:
        commit_linked(repo, cache, entries, templates, linked)
    stage(repo, entries, previous, "previous")
    speed.measure([str(imagelint), "check", "data/train.dvc"], cwd=repo, ok=(0, 1),
                  env={**os.environ, "IMAGELINT_CACHE_DIR": str(cache), "PRE_COMMIT": "1"})
    speed._git(repo, "commit", "-q", "-m", "previous")
    return repo, cache, stage(repo, entries, new, "new")


def stage(repo: Path, entries: dict[str, str], images: Sequence[Path], name: str) -> list[str]:
    """``images`` added as ``class{n}/{name}.jpg`` and the new manifest staged; their md5s."""
    added = []
    for number, image in enumerate(images):
        md5 = hashlib.md5(image.read_bytes()).hexdigest()
        speed._add_object(image, repo / ".dvc" / "cache" / "files" / "md5", md5,
                          repo / "data" / "train" / f"class{number}/{name}.jpg")
        entries[f"class{number}/{name}.jpg"] = md5
        added.append(md5)
    manifest, _ = write_manifest(repo / ".dvc" / "cache", entries)
    (repo / "data" / "train.dvc").write_text(pointer(manifest, len(entries)))
    speed._git(repo, "add", "data/train.dvc")
    return added


def pull_facts(imagelint: Path, repo: Path, folder: Path, cache: Path) -> None:
    """``imagelint facts pull --from folder`` into ``cache``, as a runner or teammate would: index
    rows and the listing of the head manifest."""
    speed.measure([str(imagelint), "facts", "pull", "--from", str(folder)],
                  env={**os.environ, "IMAGELINT_CACHE_DIR": str(cache)}, cwd=repo)
    assert listing_folder(cache, head_manifest(repo, "HEAD")).is_dir()


def template_facts(root: Path, work: Path) -> list[ImageFacts]:
    """The facts of ``TEMPLATES`` distinct small JPEGs cut from the corpus photographs."""
    small = speed.small_images(root, TEMPLATES, work / "small")
    return [read_image_facts((small.folder / f"{i:06d}.jpg").read_bytes(), 10**9) for i in range(TEMPLATES)]


def dataset_arguments(description: str, baseline: str) -> argparse.ArgumentParser:
    """The options this script and ``flat_stats.py`` share; ``baseline`` says what the baseline route is."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline-repeats", type=int, default=3, help=f"runs of the route {baseline}")
    parser.add_argument("--corpus", type=Path, default=corpus.DEFAULT_ROOT)
    parser.add_argument("--imagelint", type=Path, default=Path(sys.executable).parent / "imagelint")
    parser.add_argument("--linked", type=int, default=0,
                        help="images committed through a link since the pulled listing (at most LINK_MOST)")
    return parser


def commit_linked(repo: Path, cache: Path, entries: dict[str, str], templates: Sequence[ImageFacts],
                  count: int) -> None:
    """``count`` images committed since the pulled listing, as commits that keep a link leave
    them: their facts in the index, the head manifest's link holding them all."""
    facts = base_facts(templates, count, "linked")
    added = {f"class{i % 10}/linked{i:05d}.jpg": md5 for i, md5 in enumerate(facts)}
    FactsIndex(cache).store(list(facts.values()), {})
    base = head_manifest(repo, "HEAD")
    entries.update(added)
    name, _ = write_manifest(repo / ".dvc" / "cache", entries)
    (repo / "data" / "train.dvc").write_text(pointer(name, len(entries)))
    speed._git(repo, "commit", "-qam", "linked")
    keep_link(cache, name, Since(base, added, frozenset()))
    assert read_link(listing_folder(cache, name)) is not None


def forget(cache: Path, md5s: Sequence[str], manifest: str, judged: frozenset[str]) -> None:
    """Back to the state before the commit: no facts of the new images, no listing of their
    manifest, no judged class samples but the ``judged`` ones (``judged_samples``)."""
    for path in cache.glob("facts-*.sqlite"):
        with sqlite3.connect(path) as db:
            db.executemany("DELETE FROM facts WHERE md5 = ?", [(bytes.fromhex(m),) for m in md5s])
    shutil.rmtree(listing_folder(cache, manifest), ignore_errors=True)
    for name in judged_samples(cache) - judged:
        (cache / sample_findings.FOLDER / name).unlink()


def judged_samples(cache: Path) -> frozenset[str]:
    """The names of the class samples whose IMG5xx findings the cache keeps (``rules.sample_findings``)."""
    return frozenset(path.name for path in (cache / sample_findings.FOLDER).glob("*.json"))


def head_manifest(repo: Path, rev: str) -> str:
    text = subprocess.run(["git", "show", f"{rev}:data/train.dvc"], cwd=repo, capture_output=True, text=True).stdout
    return text.split("md5: ", 1)[1].split()[0]


def main(argv: Sequence[str] | None = None) -> int:
    args = dataset_arguments(__doc__.splitlines()[0], "without a listing").parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="imagelint-flat-"))
    try:
        print(speed.machine(), file=sys.stderr)
        camera = speed.camera_corpus(args.corpus, 24 * NEW, work / "camera")
        previous, new = speed.twelve_megapixels(camera, NEW), speed.twelve_megapixels(camera, 2 * NEW)[NEW:]
        templates = template_facts(args.corpus, work)
        setups = {}
        for size in args.sizes:
            print(f"building {size}", file=sys.stderr)
            repo, cache, added = build(work, size, templates, previous, new, args.imagelint, args.linked)
            plain = work / f"plain-{size}"
            shutil.copytree(cache, plain, ignore=shutil.ignore_patterns("listings"))
            setups[size] = (repo, cache, plain, added, head_manifest(repo, ""), judged_samples(cache))
        flat: dict[int, list[speed.Run]] = {size: [] for size in args.sizes}
        judging: dict[int, set[bool]] = {size: set() for size in args.sizes}
        full: dict[int, list[speed.Run]] = {size: [] for size in args.sizes}
        for repeat in range(args.repeats):
            for size, (repo, cache, plain, added, manifest, judged) in setups.items():
                for folder, runs, limit in ((cache, flat, args.repeats), (plain, full, args.baseline_repeats)):
                    if repeat >= limit:
                        continue
                    forget(folder, added, manifest, judged)
                    env = {**os.environ, "IMAGELINT_CACHE_DIR": str(folder), "PRE_COMMIT": "1"}
                    runs[size].append(speed.measure([str(args.imagelint), "check", "data/train.dvc"], env=env,
                                                    cwd=repo, ok=(0, 1)))
                    decoded = speed.index_rows(folder)
                    if folder == cache:
                        judging[size].add(bool(judged_samples(folder) - judged))
                    assert listing_folder(folder, manifest).is_dir() == (folder == cache), "route not taken"
                    print(f"  {size} {'flat' if folder == cache else 'full'}: {runs[size][-1].seconds:.3f} s, "
                          f"{decoded} index rows", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(report(flat, full, judging, args))
    return 0


def report(flat: dict[int, list[speed.Run]], full: dict[int, list[speed.Run]], judging: dict[int, set[bool]],
           args: argparse.Namespace) -> str:
    def figure(runs: Sequence[speed.Run]) -> str:
        times = [run.seconds for run in runs]
        return f"{statistics.median(times):.3f} ({min(times):.3f}-{max(times):.3f})"

    def cpu(runs: Sequence[speed.Run]) -> float:
        return statistics.median(run.cpu_seconds for run in runs)

    smallest = min(flat)
    base = statistics.median(run.seconds for run in flat[smallest])
    lines = [f"Machine: {speed.machine()}", "", f"Command: {' '.join(sys.argv)}", "",
             f"Images committed through a link since the pulled listing: {args.linked}", "",
             f"| dataset images | hook, from the listing: median s (min-max of {args.repeats}) | / {smallest:,} "
             f"| CPU s (median), / {smallest:,} | hook peak RSS MB "
             f"| hook without a listing (same run): median s (min-max of {args.baseline_repeats}) "
             "| its CPU s | its peak RSS MB | class samples judged again |", "|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for size in sorted(flat):
        median = statistics.median(run.seconds for run in flat[size])
        lines.append(f"| {size:,} | {figure(flat[size])} | {median / base:.2f} "
                     f"| {cpu(flat[size]):.2f}, {cpu(flat[size]) / cpu(flat[smallest]):.2f} "
                     f"| {max(run.max_rss_mb for run in flat[size]):.0f} | {figure(full[size])} "
                     f"| {cpu(full[size]):.2f} | {max(run.max_rss_mb for run in full[size]):.0f} "
                     f"| {'/'.join('yes' if again else 'no' for again in sorted(judging[size]))} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
