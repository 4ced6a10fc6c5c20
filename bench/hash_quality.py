"""Measure near-duplicate detection quality of perceptual hashes on real photos.

Each distinct photo of the corpus gets a set of edits (resizes, re-compression, crops,
brightness, flip, rotation, grayscale, PNG) and the packages' own multi-resolution copies are
added. Every edited copy is queried against all distinct photos: a hit on its own photo is a
true match, a hit on an unrelated photo is a false match. All pairs of distinct photos give the
false-match rate a growing dataset will see. Photos of one family (light/dark variants, or the
halves cut from one photo to pad the set) are related, so their pairs are counted apart.

The imagelint candidates hash what ``read_image_facts`` hashes (the reduced JPEG draft decode);
the naive full-decode pHash is measured beside it to show the cheaper decode loses nothing.
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import shlex
import sys
import time
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path
from typing import Callable, Sequence

import imagehash
import numpy as np
import PIL
from PIL import Image, ImageEnhance

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hooks"))

from corpus import DEFAULT_ROOT, Photo, load_photos  # noqa: E402
from imagelint.facts.image_facts import DRAFT_SIZE, read_image_facts, reduced_decode  # noqa: E402
from imagelint.facts.phash import hash_value  # noqa: E402

THRESHOLDS = (4, 6, 8, 10, 12, 14)
#: Long side the distinct photos are brought down to before editing: a typical dataset size,
#: and it keeps the naive full decodes of about 1,500 images within a few minutes.
BASE_SIDE = 2048
QUALITY_MD = Path(__file__).resolve().parent / "QUALITY.md"
SECTION = "## Near-duplicate quality"


def _save(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _crop(fraction: float) -> Callable[[Image.Image], bytes]:
    """Cut ``fraction`` of the width and of the height, half from each side."""

    def edit(image: Image.Image) -> bytes:
        dx, dy = image.width * fraction / 2, image.height * fraction / 2
        return _save(image.crop((round(dx), round(dy), round(image.width - dx), round(image.height - dy))), quality=90)

    return edit


def _resize(factor: float) -> Callable[[Image.Image], bytes]:
    def edit(image: Image.Image) -> bytes:
        size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
        return _save(image.resize(size, Image.Resampling.LANCZOS), quality=90)

    return edit


#: Synthetic edits, each from the distinct photo to the bytes of its copy.
EDITS: dict[str, Callable[[Image.Image], bytes]] = {
    "resize 50%": _resize(0.5),
    "resize 25%": _resize(0.25),
    "JPEG q40": lambda im: _save(im, quality=40),
    "PNG re-encode": lambda im: _save(im, "PNG", compress_level=1),
    "grayscale": lambda im: _save(im.convert("L"), quality=90),
    "brightness +20%": lambda im: _save(ImageEnhance.Brightness(im).enhance(1.2), quality=90),
    "crop 5%": _crop(0.05),
    "crop 10%": _crop(0.10),
    "rotate 5°": lambda im: _save(im.rotate(5, resample=Image.Resampling.BICUBIC), quality=90),
    "horizontal flip": lambda im: _save(im.transpose(Image.Transpose.FLIP_LEFT_RIGHT), quality=90),
}
REAL = {"resized": "real resized copy", "reframed": "real reframed copy"}
#: Transforms a near-duplicate check must catch: the same picture, only re-sized or re-encoded.
MUST_CATCH = ("resize 50%", "resize 25%", "JPEG q40", "PNG re-encode", "grayscale", "brightness +20%", REAL["resized"])


@dataclass(frozen=True)
class Hashes:
    """Every candidate hash of one image, as 64-bit integers."""

    phash: int
    phash_mirror: int
    naive: int
    dhash: int
    whash: int


@dataclass(frozen=True)
class Item:
    """A distinct photo: a corpus original, or one half of it when the set needs padding."""

    key: str
    family: str
    file: str
    half: str  # "", "a" (left/top half) or "b"


#: Candidate name -> (distance function over (query, base) hashes arrays).
CANDIDATES = ("phash", "phash + mirror", "phash naive decode", "dhash", "whash")


def hash_bytes(data: bytes) -> Hashes:
    """The candidates' hashes: imagelint's facts, plus dhash/whash on the same reduced image."""
    facts = read_image_facts(data, max_pixels=1 << 40)
    if facts.phash is None or facts.phash_mirror is None:
        raise ValueError(f"imagelint could not hash an image: {facts.error}")
    image = Image.open(io.BytesIO(data))
    if image.format == "JPEG":
        image.draft("YCbCr" if image.mode in ("RGB", "YCbCr") else image.mode, (DRAFT_SIZE, DRAFT_SIZE))
    gray = reduced_decode(image, data)[0]
    naive = imagehash.phash(Image.open(io.BytesIO(data)))
    return Hashes(
        phash=facts.phash,
        phash_mirror=facts.phash_mirror,
        naive=hash_value(naive),
        dhash=hash_value(imagehash.dhash(gray)),
        whash=hash_value(imagehash.whash(gray)),
    )


def distinct_items(photos: Sequence[Photo], minimum: int) -> list[Item]:
    """One item per photo group; the largest originals also give two halves until ``minimum``."""
    originals = sorted((p for p in photos if p.role == "original"), key=lambda p: p.group)
    items = [Item(p.group, f"{p.package}/{p.family}", p.file, "") for p in originals]
    for photo in sorted(originals, key=lambda p: (-p.pixels, p.group)):
        if len(items) >= minimum:
            break
        items += [Item(f"{photo.group}#{h}", f"{photo.package}/{photo.family}", photo.file, h) for h in "ab"]
    return items


def _base_image(photos_dir: Path, item: Item) -> Image.Image:
    with Image.open(photos_dir / item.file) as image:
        image = image.convert("RGB")
    if item.half:
        w, h = image.size
        if w >= h:
            box = (0, 0, w // 2, h) if item.half == "a" else (w // 2, 0, w, h)
        else:
            box = (0, 0, w, h // 2) if item.half == "a" else (0, h // 2, w, h)
        image = image.crop(box)
    image.thumbnail((BASE_SIDE, BASE_SIDE), Image.Resampling.LANCZOS)
    return image


def _hash_item(task: tuple[Path, Item]) -> tuple[str, dict[str, Hashes]]:
    photos_dir, item = task
    base = _base_image(photos_dir, item)
    hashes = {"original": hash_bytes(_save(base, quality=95))}
    for name, edit in EDITS.items():
        hashes[name] = hash_bytes(edit(base))
    return item.key, hashes


def _hash_file(path: Path) -> tuple[str, Hashes]:
    return path.name, hash_bytes(path.read_bytes())


@dataclass(frozen=True)
class Query:
    """One edited copy to look up: its hashes, its own photo's hashes and its family."""

    transform: str
    hashes: Hashes
    own: Hashes
    family: str


def _popcount(values: np.ndarray) -> np.ndarray:
    return np.bitwise_count(values)


def _distances(candidate: str, query: Hashes, bases: dict[str, np.ndarray]) -> np.ndarray:
    """Distances from ``query`` to every base for one candidate."""
    if candidate == "phash":
        return _popcount(bases["phash"] ^ np.uint64(query.phash))
    if candidate == "phash + mirror":
        plain = _popcount(bases["phash"] ^ np.uint64(query.phash))
        return np.minimum(plain, _popcount(bases["phash"] ^ np.uint64(query.phash_mirror)))
    field = {"phash naive decode": "naive", "dhash": "dhash", "whash": "whash"}[candidate]
    return _popcount(bases[field] ^ np.uint64(getattr(query, field)))


@dataclass(frozen=True)
class Score:
    """Matches at one threshold: true ones, false ones, and how many were possible."""

    true: int
    false: int
    total: int
    compared: int  # comparisons with photos of other families, where every hit is false

    @property
    def recall(self) -> float:
        return self.true / self.total if self.total else float("nan")

    @property
    def precision(self) -> float:
        found = self.true + self.false
        return self.true / found if found else float("nan")


def score_queries(candidate: str, queries: Sequence[Query], bases: dict[str, np.ndarray],
                  families: np.ndarray) -> dict[tuple[str, int], Score]:
    """Per (transform, t): own-photo hits and hits on photos of other families."""
    counts: dict[tuple[str, int], list[int]] = {}
    for query in queries:
        own = int(_distances(candidate, query.hashes, _as_bases(query.own))[0])
        others = _distances(candidate, query.hashes, bases)[families != query.family]
        for t in THRESHOLDS:
            entry = counts.setdefault((query.transform, t), [0, 0, 0, 0])
            entry[0] += own <= t
            entry[1] += int((others <= t).sum())
            entry[2] += 1
            entry[3] += len(others)
    return {key: Score(*value) for key, value in counts.items()}


def _as_bases(hashes: Hashes) -> dict[str, np.ndarray]:
    return {field: np.array([getattr(hashes, field)], dtype=np.uint64) for field in ("phash", "naive", "dhash", "whash")}


def distinct_pairs(candidate: str, originals: Sequence[Hashes], bases: dict[str, np.ndarray],
                   families: np.ndarray) -> dict[str, dict[int, int]]:
    """False matches among pairs of distinct photos, split into unrelated and same-family pairs."""
    found = {"unrelated": {t: 0 for t in THRESHOLDS}, "related": {t: 0 for t in THRESHOLDS}}
    for index, hashes in enumerate(originals):
        later = slice(index + 1, None)
        distances = _distances(candidate, hashes, {k: v[later] for k, v in bases.items()})
        same = families[later] == families[index]
        for t in THRESHOLDS:
            found["unrelated"][t] += int((distances[~same] <= t).sum())
            found["related"][t] += int((distances[same] <= t).sum())
    return found


def machine_facts() -> list[str]:
    """What the figures were measured on (only ratios carry over to other machines)."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return [
        f"nproc {os.cpu_count()}, CPU {cpu}",
        f"Python {platform.python_version()}, Pillow {PIL.__version__}, imagehash {imagehash.__version__}, numpy {np.__version__}",
    ]


def write_section(path: Path, heading: str, body: str) -> None:
    """Replace (or append) the ``heading`` section of a Markdown file, keeping the others."""
    text = path.read_text() if path.exists() else "# Quality measurements\n"
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == heading), None)
    new = [heading, "", *body.strip("\n").splitlines(), ""]
    if start is None:
        lines = [*lines, "", *new] if lines and lines[-1] != "" else [*lines, *new]
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines = [*lines[:start], *new, *lines[end:]]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines).rstrip("\n") + "\n")
    os.replace(tmp, path)


def _fmt(value: float) -> str:
    return "–" if value != value else f"{value:.2f}"


def _rate(count: int, pairs: int) -> str:
    return f"{count} ({count / pairs:.1e})" if pairs else "–"


def _percentile(values: Sequence[int], q: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def render(items: Sequence[Item], scores: dict[str, dict[tuple[str, int], Score]],
           pairs: dict[str, dict[str, dict[int, int]]], pair_counts: dict[str, int],
           bit_diffs: Sequence[int], transforms: Sequence[str], n_real: int, seconds: float,
           command: str) -> str:
    """The Markdown section: setup, recommendation, summary, then one table per candidate."""
    halves = sum(1 for i in items if i.half)
    out = [
        f"Command: `{command}` ({seconds:.0f} s).",
        "",
        *[f"- {fact}" for fact in machine_facts()],
        f"- {len(items)} distinct photos ({len(items) - halves} corpus originals, {halves} halves cut from the "
        f"{halves // 2} largest to pad the set), each at most {BASE_SIDE} px on its long side, stored as JPEG q95; "
        f"{len(EDITS)} edits each, plus {n_real} copies the packages ship at other resolutions.",
        f"- Distinct pairs: {pair_counts['unrelated']} unrelated (different photo families) and "
        f"{pair_counts['related']} related (halves of one photo, light/dark or colour variants of one artwork; "
        "a recolouring matching its sibling is arguably what a user wants to see).",
        "- Each edited copy is looked up among all distinct photos. Recall: the copy is within t bits of its "
        "own photo. Precision: own-photo hits / all hits, where a hit on an unrelated photo is false "
        "(related photos are neither). \"Copies matching another family\" pools every lookup of every edit "
        "against the distinct photos of other families, a larger sample of false matches than the distinct pairs. "
        "Edits are JPEG q90 unless named; crops cut that fraction of width and "
        "height, half from each side.",
        "- `phash` is `read_image_facts(...).phash` (reduced JPEG draft decode). `phash + mirror` also compares "
        "the query's `phash_mirror`: a pair matches when min(d(a,b), d(mirror(a),b)) <= t. `phash naive decode` is "
        "`imagehash.phash(Image.open(p))`. `dhash` and `whash` hash imagelint's reduced grayscale image.",
        "",
    ]
    out += _recommendation(scores, pairs, pair_counts, transforms)
    out += ["", "### Summary (recall on the must-catch edits, crops, flip; false matches among distinct photos)", ""]
    out += ["| candidate | t | must-catch recall | crop 5% | crop 10% | rotate 5° | flip | precision (all edits) | "
            "unrelated distinct pairs matched | copies matching another family | related pairs matched |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for candidate in CANDIDATES:
        for t in THRESHOLDS:
            score = scores[candidate]
            must = _pool([score[(name, t)] for name in MUST_CATCH if (name, t) in score])
            every = _pool([score[(name, t)] for name in transforms])
            out.append(
                f"| {candidate} | {t} | {_fmt(must.recall)} | {_fmt(score[('crop 5%', t)].recall)} | "
                f"{_fmt(score[('crop 10%', t)].recall)} | {_fmt(score[('rotate 5°', t)].recall)} | "
                f"{_fmt(score[('horizontal flip', t)].recall)} | {_fmt(every.precision)} | "
                f"{_rate(pairs[candidate]['unrelated'][t], pair_counts['unrelated'])} | "
                f"{_rate(every.false, every.compared)} | "
                f"{_rate(pairs[candidate]['related'][t], pair_counts['related'])} |"
            )
    identical = sum(1 for d in bit_diffs if d == 0)
    out += [
        "",
        "### Reduced decode vs naive full decode",
        "",
        f"Over all {len(bit_diffs)} hashed images, the pHash of imagelint's reduced decode equals the naive "
        f"full-decode pHash in {100 * identical / len(bit_diffs):.0f}% of images; the bit difference has median "
        f"{_percentile(bit_diffs, 0.5)}, p95 {_percentile(bit_diffs, 0.95)} and max {max(bit_diffs)}. The two are "
        "not interchangeable inside one index (a stored hash must come from the same decode path), but their "
        "detection quality is the same, as the rows below show.",
        "",
        "| t | must-catch recall (reduced / naive) | crop 10% recall (reduced / naive) | precision (reduced / naive) | "
        "unrelated pairs matched (reduced / naive) |",
        "|---|---|---|---|---|",
    ]
    for t in THRESHOLDS:
        cells = []
        for name in ("must", "crop 10%", "precision"):
            values = []
            for candidate in ("phash", "phash naive decode"):
                score = scores[candidate]
                if name == "must":
                    values.append(_fmt(_pool([score[(m, t)] for m in MUST_CATCH if (m, t) in score]).recall))
                elif name == "precision":
                    values.append(_fmt(_pool([score[(m, t)] for m in transforms]).precision))
                else:
                    values.append(_fmt(score[(name, t)].recall))
            cells.append(" / ".join(values))
        cells.append(f"{pairs['phash']['unrelated'][t]} / {pairs['phash naive decode']['unrelated'][t]}")
        out.append(f"| {t} | " + " | ".join(cells) + " |")
    for candidate in CANDIDATES:
        out += ["", f"### {candidate}: recall / precision per transform", "",
                "| transform | n | " + " | ".join(f"t={t}" for t in THRESHOLDS) + " |",
                "|---|---|" + "---|" * len(THRESHOLDS)]
        for name in transforms:
            row = [scores[candidate][(name, t)] for t in THRESHOLDS]
            out.append(f"| {name} | {row[0].total} | " + " | ".join(f"{_fmt(s.recall)} / {_fmt(s.precision)}" for s in row) + " |")
        out.append("| false matches, unrelated distinct pairs | " + str(pair_counts["unrelated"]) + " | "
                   + " | ".join(_rate(pairs[candidate]["unrelated"][t], pair_counts["unrelated"]) for t in THRESHOLDS) + " |")
    return "\n".join(out) + "\n"


def _pool(scores: Sequence[Score]) -> Score:
    return Score(*(sum(getattr(s, f) for s in scores) for f in ("true", "false", "total", "compared")))


def _recommendation(scores: dict[str, dict[tuple[str, int], Score]], pairs: dict[str, dict[str, dict[int, int]]],
                    pair_counts: dict[str, int], transforms: Sequence[str]) -> list[str]:
    """Largest t that catches the must-catch edits with no cross-family match anywhere."""

    def clean(candidate: str, t: int) -> bool:
        every = _pool([scores[candidate][(name, t)] for name in transforms])
        must = _pool([scores[candidate][(m, t)] for m in MUST_CATCH if (m, t) in scores[candidate]])
        return pairs[candidate]["unrelated"][t] == 0 and every.false == 0 and must.recall >= 0.99

    plain = [t for t in THRESHOLDS if clean("phash", t)]
    if not plain:
        return ["### Recommendation", "", "No threshold kept unrelated photos apart: see the tables."]
    t = max(plain)
    s, m = scores["phash"], scores["phash + mirror"]
    must = _pool([s[(n, t)] for n in MUST_CATCH if (n, t) in s])
    lookups = _pool([s[(n, t)] for n in transforms])
    flip_gain = m[("horizontal flip", t)].recall - s[("horizontal flip", t)].recall
    use_mirror = clean("phash + mirror", t) and flip_gain >= 0.5
    above = next((u for u in THRESHOLDS if u > t), None)
    lines = [
        "### Recommendation",
        "",
        f"- **Default threshold t = {t}** (pHash from the reduced decode): the largest tested t with recall >= 0.99 on "
        f"the must-catch edits and no false match at all, neither among the {pair_counts['unrelated']} unrelated "
        f"distinct pairs nor among the {lookups.compared} lookups of edited copies against photos of other families. "
        f"At t={t}: recall {_fmt(must.recall)} on resizes, JPEG q40, PNG, grayscale, brightness and the real resized "
        f"copies; {_fmt(s[('crop 5%', t)].recall)} on a 5% crop, {_fmt(s[('crop 10%', t)].recall)} on a 10% crop, "
        f"{_fmt(s[('rotate 5°', t)].recall)} on a 5° rotation, {_fmt(s[('real reframed copy', t)].recall)} on the real "
        f"reframed (portrait or 16:10) copies and {_fmt(s[('horizontal flip', t)].recall)} on a flip.",
    ]
    if above is not None:
        higher = _pool([s[(n, above)] for n in transforms])
        lines.append(f"- At t={above} the first false matches appear ({higher.false} of {higher.compared} lookups), "
                     f"while 10% crop recall rises to {_fmt(s[('crop 10%', above)].recall)}.")
    lines += [
        f"- **Mirror query: {'enable' if use_mirror else 'leave off'}.** With `phash_mirror` the flip recall at t={t} "
        f"goes from {_fmt(s[('horizontal flip', t)].recall)} to {_fmt(m[('horizontal flip', t)].recall)}, and false "
        f"matches stay at {pairs['phash + mirror']['unrelated'][t]} distinct pairs and "
        f"{_pool([m[(n, t)] for n in transforms]).false} lookups. It doubles the comparisons, so expect about twice "
        "the false-match rate at scale.",
        f"- Zero false matches bounds the rate only to about 3 in {lookups.compared} (95%). A dataset of N images meets "
        "about rate x N false matches per new image: at a million images prefer a lower t.",
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="corpus folder (default: %(default)s)")
    parser.add_argument("--min-distinct", type=int, default=120,
                        help="pad the distinct photos to at least this many with halves of the largest (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=QUALITY_MD, help="Markdown file to update (default: %(default)s)")
    parser.add_argument("--no-write", action="store_true", help="print only, leave the Markdown file alone")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    photos = load_photos(args.root)
    photos_dir = args.root / "photos"
    items = distinct_items(photos, args.min_distinct)
    copies = [p for p in photos if p.role in REAL]
    originals_by_group = {p.group: p for p in photos if p.role == "original"}
    files = sorted({p.file for p in copies} | {originals_by_group[p.group].file for p in copies})
    print(f"hashing {len(items)} distinct photos x {len(EDITS) + 1} images and {len(files)} shipped files "
          f"on {args.jobs} processes", file=sys.stderr)
    with Pool(args.jobs) as pool:
        item_hashes = dict(pool.map(_hash_item, [(photos_dir, i) for i in items], chunksize=1))
        print(f"  edits hashed after {time.perf_counter() - started:.0f} s", file=sys.stderr)
        file_hashes = dict(pool.map(_hash_file, [photos_dir / f for f in files], chunksize=1))
        print(f"  shipped files hashed after {time.perf_counter() - started:.0f} s", file=sys.stderr)

    base_list = [item_hashes[i.key]["original"] for i in items]
    bases = {f: np.array([getattr(h, f) for h in base_list], dtype=np.uint64) for f in ("phash", "naive", "dhash", "whash")}
    families = np.array([i.family for i in items])
    queries = [Query(name, item_hashes[i.key][name], item_hashes[i.key]["original"], i.family)
               for i in items for name in EDITS]
    queries += [Query(REAL[p.role], file_hashes[p.file], file_hashes[originals_by_group[p.group].file],
                      f"{p.package}/{p.family}") for p in copies]
    transforms = [*EDITS, *(REAL[r] for r in REAL if any(p.role == r for p in copies))]
    scores = {c: score_queries(c, queries, bases, families) for c in CANDIDATES}
    pairs = {c: distinct_pairs(c, base_list, bases, families) for c in CANDIDATES}
    related = sum(int((families[i + 1:] == families[i]).sum()) for i in range(len(items)))
    pair_counts = {"related": related, "unrelated": len(items) * (len(items) - 1) // 2 - related}
    every = [*(h for hashes in item_hashes.values() for h in hashes.values()), *file_hashes.values()]
    bit_diffs = [bin(h.phash ^ h.naive).count("1") for h in every]
    command = "python bench/hash_quality.py" + "".join(f" {shlex.quote(a)}" for a in (argv if argv is not None else sys.argv[1:]))
    body = render(items, scores, pairs, pair_counts, bit_diffs, transforms, len(copies),
                  time.perf_counter() - started, command)
    print(f"{SECTION}\n\n{body}")
    if not args.no_write:
        write_section(args.output, SECTION, body)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
