"""Near-duplicate quality as the rules decide it, per edit and per kind of image; IMG204 calibration.

Distinct pictures of six kinds: the corpus photographs and flat art (``corpus.py``, kinds
``photo`` and ``flat``) and the kinds of ``synthetic.py`` (documents and screenshots rendered
from the installed packages' fonts and texts, near-uniform frames, gradients). Each gets the
edits below; with the packages' own resized copies, every copy is looked up among all distinct
pictures with ``near_matches.near_candidates``, exactly what IMG302-304 use (pHash keys, then
the signature). Recall: the copy matches its own picture. Unrelated pairs: every pair of
distinct pictures of different families; a match there is false. ``phash only`` is the
previous method (full and mirror pHash within t, no signature, no inner or turned keys, no
entropy gate) on the same images, for comparison.
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import sys
import time
from multiprocessing import Pool
from pathlib import Path
from typing import Callable

import numpy as np
import PIL
from PIL import Image, ImageDraw, ImageEnhance, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hooks"))

import synthetic  # noqa: E402
from corpus import DEFAULT_ROOT, load_photos  # noqa: E402
from imagelint.facts.image_facts import ImageFacts, read_image_facts  # noqa: E402
from imagelint.facts.index import HASHES  # noqa: E402
from imagelint.facts.reference import Reference, RowPaths  # noqa: E402
from imagelint.rules.near_matches import near_candidates  # noqa: E402

THRESHOLD = 10
BASE_SIDE = 2048
QUALITY_MD = Path(__file__).resolve().parent / "QUALITY.md"
SECTION = "## Near-duplicates by kind of image"
KINDS = ("photo", "flat", "document", "screenshot", "near-uniform", "gradient")
TONAL_THRESHOLDS = (4, 8, 12, 16, 20, 24)


def _save(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _jpeg(image: Image.Image) -> bytes:
    return _save(image, quality=90)


def _resize(factor: float) -> Callable[[Image.Image], bytes]:
    return lambda im: _jpeg(im.resize((max(1, round(im.width * factor)), max(1, round(im.height * factor))),
                                      Image.Resampling.LANCZOS))


def _crop(im: Image.Image) -> bytes:
    dx, dy = im.width * 0.05, im.height * 0.05
    return _jpeg(im.crop((round(dx), round(dy), round(im.width - dx), round(im.height - dy))))


def _watermark(im: Image.Image) -> bytes:
    """Semi-transparent white text over the lower right quarter, as stock photo sites put it."""
    layer = Image.new("RGBA", im.size, (0, 0, 0, 0))
    font = ImageFont.truetype(str(synthetic._fonts()[0][0]), max(12, im.height // 14))
    ImageDraw.Draw(layer).text((im.width * 0.55, im.height * 0.82), "(c) sample", fill=(255, 255, 255, 140), font=font)
    return _jpeg(Image.alpha_composite(im.convert("RGBA"), layer).convert("RGB"))


EDITS: dict[str, Callable[[Image.Image], bytes]] = {
    "resize 50%": _resize(0.5),
    "resize 25%": _resize(0.25),
    "JPEG q40": lambda im: _save(im, quality=40),
    "PNG re-encode": lambda im: _save(im, "PNG", compress_level=1),
    "grayscale": lambda im: _jpeg(im.convert("L")),
    "brightness +20%": lambda im: _jpeg(ImageEnhance.Brightness(im).enhance(1.2)),
    "watermark": _watermark,
    "crop 10%": _crop,
    "rotate 5°": lambda im: _jpeg(im.rotate(5, resample=Image.Resampling.BICUBIC)),
    "mirror": lambda im: _jpeg(im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
}
REAL = "real resized copy"
GOALS = {"resize 50%": 0.99, "resize 25%": 0.99, "JPEG q40": 0.99, "PNG re-encode": 0.99, "grayscale": 0.99,
         "brightness +20%": 0.97, "watermark": 0.97, "crop 10%": 0.9, "rotate 5°": 0.9, "mirror": 0.98, REAL: 0.99}


def _items(root: Path, per_kind: int) -> list[tuple[str, str, str, str]]:
    """(key, kind, family, source) of every distinct picture; source is a file or 'synthetic'."""
    items = []
    for photo in load_photos(root, kinds=("photo", "flat")):
        if photo.role == "original":
            items.append((photo.group, photo.kind, f"{photo.package}/{photo.family}", photo.file))
    for kind in KINDS[2:]:
        items += [(f"{kind}#{i}", kind, f"{kind}#{i}", "synthetic") for i in range(per_kind)]
    return items


def _base(root: Path, key: str, kind: str, source: str) -> tuple[Image.Image, bytes]:
    """The distinct picture and its stored bytes (JPEG q95 for photos, PNG for the rest)."""
    if source == "synthetic":
        image = synthetic.make(kind, int(key.partition("#")[2]))
    else:
        with Image.open(root / "photos" / source) as opened:
            image = opened.convert("RGBA") if "A" in opened.mode or "transparency" in opened.info else opened.convert("RGB")
        if image.mode == "RGBA":  # overlays meant for a desktop colour: on a dark one, as shown
            image = Image.alpha_composite(Image.new("RGBA", image.size, (40, 40, 40, 255)), image).convert("RGB")
    image.thumbnail((BASE_SIDE, BASE_SIDE), Image.Resampling.LANCZOS)
    return image, (_save(image, quality=95) if kind == "photo" else _save(image, "PNG"))


def _facts(data: bytes) -> ImageFacts:
    facts = read_image_facts(data, max_pixels=1 << 40)
    if facts.phash is None:
        raise ValueError(f"not hashed: {facts.error}")
    return facts


def _hash_item(task: tuple[Path, tuple[str, str, str, str]]) -> list[tuple[str, str, ImageFacts]]:
    root, (key, kind, _, source) = task
    image, data = _base(root, key, kind, source)
    return [(key, "original", _facts(data))] + [(key, name, _facts(edit(image))) for name, edit in EDITS.items()]


def _hash_file(task: tuple[Path, str, str]) -> tuple[str, str, ImageFacts]:
    root, key, file = task
    return key, REAL, _facts((root / "photos" / file).read_bytes())


def _reference(facts: list[ImageFacts]) -> Reference:
    return _rows_of({name: np.array([getattr(f, name) or 0 for f in facts], dtype=np.uint64) for name in HASHES})


def _rows_of(keys: dict[str, np.ndarray]) -> Reference:
    """A reference of bare hash rows, every one a target (near matching reads only the hashes)."""
    n = len(keys["phash"])
    return Reference(paths=RowPaths([(n, str, False)]), md5=np.zeros((n, 16), np.uint8), **keys,
                     intact=np.ones(n, bool), hashed=np.ones(n, bool), targets=np.arange(n),
                     folder=np.zeros(n, np.int32), folders=("",))


def _pairs(method: str, reference: Reference, queries: list[int]) -> list[tuple[int, int, str]]:
    """(query row, other row, how) of every match of ``queries`` against all rows, once per pair
    (the first of the ways it matched)."""
    if method == "imagelint":
        rows = np.arange(len(reference.paths))
        found: dict[tuple[int, int], str] = {}
        for c in near_candidates(reference, rows, queries, THRESHOLD, True, None, 1 << 62):
            found.setdefault((c.target, c.other), c.kind)
        return [(q, r, how) for (q, r), how in found.items()]
    pairs = []
    for q in queries:
        plain = np.bitwise_count(reference.phash ^ reference.phash[q])
        mirror = np.bitwise_count(reference.phash ^ reference.phash_mirror[q])
        pairs += [(q, int(r), "pHash") for r in np.flatnonzero(np.minimum(plain, mirror) <= THRESHOLD) if r != q]
    return pairs


def measure(root: Path, per_kind: int, jobs: int) -> dict:
    items = _items(root, per_kind)
    family = {key: fam for key, _, fam, _ in items}
    kind_of = {key: kind for key, kind, _, _ in items}
    real = [(root, p.group, p.file) for p in load_photos(root, kinds=("photo", "flat")) if p.role == "resized"]
    with Pool(jobs) as pool:
        rows = [row for part in pool.map(_hash_item, [(root, item) for item in items]) for row in part]
        rows += pool.map(_hash_file, real)
    reference = _reference([facts for _, _, facts in rows])
    original = {key: i for i, (key, edit, _) in enumerate(rows) if edit == "original"}
    copies = [i for i, (_, edit, _) in enumerate(rows) if edit != "original"]
    result: dict = {"items": items, "rows": rows, "copies": len(copies)}
    for method in ("imagelint", "phash only"):
        started = time.perf_counter()
        hits: dict[int, set[int]] = {}
        false_by: dict[str, int] = {}
        for q, r, how in _pairs(method, reference, copies):
            hits.setdefault(q, set()).add(r)
            if rows[r][1] == "original" and family[rows[r][0]] != family[rows[q][0]]:
                label = f"{kind_of[rows[q][0]]} {rows[q][1]} / {kind_of[rows[r][0]]} ({how})"
                false_by[label] = false_by.get(label, 0) + 1
        recall: dict[tuple[str, str], list[int]] = {}
        false_lookups = 0
        for q in copies:
            key, edit, _ = rows[q]
            found = hits.get(q, set())
            recall.setdefault((kind_of[key], edit), []).append(int(original[key] in found))
            false_lookups += sum(1 for r in found if rows[r][1] == "original" and family[rows[r][0]] != family[key])
        unrelated: dict[str, int] = {}
        for q, r, _ in _pairs(method, reference, sorted(original.values())):
            a, b = rows[q][0], rows[r][0]
            if rows[r][1] == "original" and family[a] != family[b] and q < r:
                label = " / ".join(sorted((kind_of[a], kind_of[b])))
                unrelated[label] = unrelated.get(label, 0) + 1
        result[method] = {"recall": recall, "false_lookups": false_lookups, "unrelated": unrelated, "false_by": false_by,
                          "seconds": time.perf_counter() - started}
    n = len(items)
    fams = {}
    for key, _, fam, _ in items:
        fams[fam] = fams.get(fam, 0) + 1
    result["unrelated_pairs"] = n * (n - 1) // 2 - sum(c * (c - 1) // 2 for c in fams.values())
    per_kind = {kind: sum(1 for _, k, _, _ in items if k == kind) for kind in KINDS}
    result["pairs_of"] = {" / ".join(sorted((a, b))): per_kind[a] * (per_kind[a] - 1) // 2 if a == b else per_kind[a] * per_kind[b]
                          for a in KINDS for b in KINDS}
    result["lookups"] = sum(1 for q in copies for key, fam in family.items() if fam != family[rows[q][0]])
    result["tonal"] = {kind: [f.tonal_range for key, edit, f in rows if kind_of[key] == kind] for kind in KINDS}
    result["tonal"]["blank"] = [_facts(_save(synthetic.make("blank", i), "PNG")).tonal_range for i in range(100)]
    return result


def cost(root: Path, count: int) -> dict[str, float]:
    """Median ms per image: all of read_image_facts, and the fingerprint and digest within it."""
    from imagehash import phash

    from imagelint.facts import fingerprint as fp
    from imagelint.facts.exif import upright
    from imagelint.facts.image_facts import reduced_decode
    from imagelint.facts.phash import hash_value
    from imagelint.facts.pixel_digest import pixel_digest

    files = sorted((root / "camera").glob("cam_*.jpg"))[:count] or sorted((root / "photos").glob("*.jpg"))[:count]
    timings: dict[str, list[float]] = {"read_image_facts": [], "one pHash (baseline)": [], "fingerprint": [],
                                       "of which signature": [], "pixel digest": []}
    for path in files:
        data = path.read_bytes()
        started = time.perf_counter()
        facts = read_image_facts(data, 1 << 40)
        timings["read_image_facts"].append(time.perf_counter() - started)
        image = Image.open(io.BytesIO(data))
        image.draft("YCbCr", (64, 64))
        gray, colour = reduced_decode(image, data)
        gray = upright(gray, facts.orientation)
        started = time.perf_counter()
        hash_value(phash(gray))
        timings["one pHash (baseline)"].append(time.perf_counter() - started)
        started = time.perf_counter()
        fp.fingerprint(gray, colour, lambda im: hash_value(phash(im)))
        timings["fingerprint"].append(time.perf_counter() - started)
        small = gray.reduce(max(1, max(gray.size) // fp.WORK_SIDE))
        started = time.perf_counter()
        fp.signature(small, colour)
        timings["of which signature"].append(time.perf_counter() - started)
        started = time.perf_counter()
        pixel_digest(data, facts.format, facts.orientation)
        timings["pixel digest"].append(time.perf_counter() - started)
    return {name: float(np.median(values)) * 1000 for name, values in timings.items()} | {"files": len(files)}


def stored_bytes(facts: list[ImageFacts], count: int = 10_000) -> dict[str, float]:
    """Bytes per image of the index's facts table and of a snapshot, for ``count`` images made
    from the measured facts with fresh md5s and random 64-bit hashes (which do not compress)."""
    import dataclasses
    import random
    import sqlite3
    import tempfile

    from imagelint.facts.index import FactsIndex
    from imagelint.facts.snapshot import snapshot_bytes

    rng = random.Random(0)
    rows = [dataclasses.replace(facts[i % len(facts)], md5=f"{rng.getrandbits(128):032x}",
                                **{name: rng.getrandbits(64) for name in HASHES}) for i in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        index = FactsIndex(Path(folder))
        index.store(rows, {})
        index.close()
        db = sqlite3.connect(str(index.path))
        grown = db.execute("SELECT sum(pgsize) FROM dbstat WHERE name = 'facts'").fetchone()[0]
        db.execute("VACUUM")
        packed = db.execute("SELECT sum(pgsize) FROM dbstat WHERE name = 'facts'").fetchone()[0]
        db.close()
    snapshot = snapshot_bytes("0" * 32 + ".dir", {f"train/c{i % 10}/{i:06d}.jpg": f.md5 for i, f in enumerate(rows)},
                              {f.md5: f for f in rows})
    return {"index facts table, as stored one by one": grown / count, "index facts table, vacuumed": packed / count,
            "snapshot (with paths and md5s)": len(snapshot) / count}


def search_cost() -> dict[str, tuple[float, float]]:
    """Seconds for pHash and mirror alone, and with every key, on random keys (10% smooth)."""
    from imagelint.rules.near_search import all_pairs_within, pairs_within

    timings = {}
    for n, queries in ((1_000_000, 100), (100_000, None)):
        rng = np.random.default_rng(0)
        keys = {name: rng.integers(0, 2**64, n, dtype=np.uint64) for name in HASHES}
        smooth = (rng.random(n) < 0.1).astype(np.uint64) << np.uint64(12)
        keys["signature"] = keys["signature"] & ~np.uint64(1 << 12) | smooth
        reference = _rows_of(keys)
        asked = list(range(queries or n))
        started = time.perf_counter()
        if queries:
            pairs_within(np.concatenate([keys["phash"][asked], keys["phash_mirror"][asked]]), keys["phash"], THRESHOLD)
        else:
            all_pairs_within(np.concatenate([keys["phash"], keys["phash_mirror"]]), THRESHOLD)
        before = time.perf_counter() - started
        started = time.perf_counter()
        near_candidates(reference, np.arange(n), asked, THRESHOLD, True, None, 1 << 62 if queries else 1)
        label = f"{queries} queries against {n:,}" if queries else f"all pairs among {n:,}"
        timings[label] = (before, time.perf_counter() - started)
    return timings


def report(result: dict, costs: dict[str, float], seconds: float, command: str) -> str:
    ours, old = result["imagelint"], result["phash only"]
    kinds = [k for k in KINDS if any(key[0] == k for key in ours["recall"])]
    edits = [*EDITS, REAL]
    count = {kind: sum(1 for _, k, _, _ in result["items"] if k == kind) for kind in kinds}
    lines = [SECTION, "", f"Command: `{command}` ({seconds:.0f} s).", "",
             f"- nproc {os.cpu_count()}, {platform.processor() or platform.machine()}",
             f"- Python {platform.python_version()}, Pillow {PIL.__version__}, numpy {np.__version__}",
             "- Distinct pictures: " + ", ".join(f"{count[k]} {k}" for k in kinds) + f" ({len(result['items'])}); "
             f"{len(EDITS)} edits each (JPEG q90 unless named; crop cuts 5% from each side; the watermark is "
             "semi-transparent text over the lower right), plus the packages' own resized copies.",
             f"- Each of the {result['copies']} copies is looked up among all pictures and copies with "
             f"`near_matches.near_candidates` at t={THRESHOLD} (what IMG302-304 use). Recall: it matches its own "
             f"picture. Unrelated pairs: the {result['unrelated_pairs']} pairs of distinct pictures of different "
             f"families; lookups: the {result['lookups']} (copy, picture of another family) pairs.",
             "- `phash only` is the method before this one (full and mirror pHash within t, nothing else, no "
             "entropy gate) on the same images.", "",
             "### Headline", "",
             "| method | unrelated pairs matched | share of unrelated pairs not matched | copies matching another picture | "
             "precision of lookups | crop 10% (min over kinds) | rotate 5° (min) | mirror (min) |",
             "|---|---|---|---|---|---|---|---|"]
    for name, data in (("imagelint", ours), ("phash only", old)):
        matched = sum(data["unrelated"].values())
        true = sum(sum(v) for v in data["recall"].values())
        minimum = {e: min(np.mean(data["recall"][(k, e)]) for k in kinds if (k, e) in data["recall"])
                   for e in ("crop 10%", "rotate 5°", "mirror")}
        lines.append(f"| {name} | {matched} | {1 - matched / result['unrelated_pairs']:.5f} | {data['false_lookups']} "
                     f"({data['false_lookups'] / result['lookups']:.1e}) | {true / max(1, true + data['false_lookups']):.4f} | "
                     f"{minimum['crop 10%']:.2f} | {minimum['rotate 5°']:.2f} | {minimum['mirror']:.2f} |")
    lines += ["", "Unrelated pairs matched, by the kinds of the two pictures (share of those pairs not matched): "
              + "; ".join(f"{name}: " + (", ".join(f"{k} {v} ({1 - v / result['pairs_of'][k]:.4f})"
                                                   for k, v in sorted(d["unrelated"].items())) or "none")
                          for name, d in (("imagelint", ours), ("phash only", old))) + ".", "",
              "Copies matching another picture, most frequent (copy's kind and edit / other picture's kind, how): "
              + "; ".join(f"{name}: " + ", ".join(f"{k} {v}" for k, v in sorted(d["false_by"].items(), key=lambda kv: -kv[1])[:8])
                          for name, d in (("imagelint", ours), ("phash only", old))) + ".", ""]
    for name, data in (("imagelint", ours), ("phash only", old)):
        lines += [f"### Recall per edit and kind: {name}", "",
                  "| edit | goal | " + " | ".join(f"{k} ({count[k]})" for k in kinds) + " | all |",
                  "|---|---|" + "---|" * (len(kinds) + 1)]
        for edit in edits:
            cells, pooled = [], []
            for kind in kinds:
                values = data["recall"].get((kind, edit))
                pooled += values or []
                cells.append(f"{np.mean(values):.2f}" if values else "–")
            mark = "" if not pooled or min(np.mean(data["recall"][(k, edit)]) for k in kinds if (k, edit) in data["recall"]) >= GOALS[edit] else " (below)"
            lines.append(f"| {edit} | {GOALS[edit]:.2f}{mark} | " + " | ".join(cells) + f" | {np.mean(pooled):.3f} |")
        lines.append("")
    tonal = result["tonal"]
    lines += ["### IMG204: share flagged per kind by `tonal_range` < threshold", "",
              "`tonal_range`: grey levels spanned by the middle 98% of the pixels of the 128 px thumbnail. Every "
              "picture and copy above, and 100 blank frames (`synthetic.py` kind `blank`).", "",
              "| kind | n | min | " + " | ".join(f"< {t}" for t in TONAL_THRESHOLDS) + " |", "|---|---|---|" + "---|" * len(TONAL_THRESHOLDS)]
    for kind, values in tonal.items():
        values = np.array(values)
        lines.append(f"| {kind} | {len(values)} | {values.min()} | " + " | ".join(f"{np.mean(values < t):.3f}" for t in TONAL_THRESHOLDS) + " |")
    lines += ["", f"### Cost per image ({costs.pop('files'):.0f} camera-size JPEGs, median ms, same run)", "",
              "| step | ms/image |", "|---|---|"] + [f"| {k} | {v:.3f} |" for k, v in costs.items()]
    lines += ["", "### Stored bytes per image (10,000 images, random 64-bit hashes)", "", "| store | B/image |", "|---|---|"]
    lines += [f"| {k} | {v:.1f} |" for k, v in result["bytes"].items()]
    lines += ["", "### Search time (random keys, 10% of them smooth; seconds, same run)", "",
              "| search | pHash + mirror | every key |", "|---|---|---|"]
    lines += [f"| {k} | {a:.2f} | {b:.2f} |" for k, (a, b) in result["search"].items()]
    return "\n".join(lines) + "\n"


def _write_section(text: str) -> None:
    current = QUALITY_MD.read_text()
    start = current.find(SECTION + "\n")
    if start < 0:
        head, _, rest = current.partition("\n## ")
        QUALITY_MD.write_text(f"{head}\n{text}\n## {rest}")
        return
    end = current.find("\n## ", start + len(SECTION))
    QUALITY_MD.write_text(current[:start] + text + (current[end:] if end >= 0 else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--per-kind", type=int, default=60, help="synthetic pictures of each kind (default %(default)s)")
    parser.add_argument("--cost-files", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--write", action="store_true", help=f"replace the section in {QUALITY_MD.name}")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = measure(args.root, args.per_kind, args.jobs)
    costs = cost(args.root, args.cost_files)
    result["bytes"] = stored_bytes([facts for _, _, facts in result["rows"]])
    result["search"] = search_cost()
    command = "python bench/duplicate_quality.py --write" + (f" --per-kind {args.per_kind}" if args.per_kind != 60 else "")
    text = report(result, costs, time.perf_counter() - started, command)
    print(text)
    if args.write:
        _write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
