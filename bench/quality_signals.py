"""Measure imagelint's image-quality signals on real photos and on deliberately bad variants.

A quality check is only useful if it stays quiet on ordinary photos: night shots, snow, fog and
macro shots with shallow focus are all legitimate. This script shows how the signals of
``read_image_facts`` (dark_score, light_score, tonal_range, edge_strength) are distributed over real
photos and over broken variants of the same photos, and what each candidate threshold flags.
Thresholds follow cleanvision's definitions; the statistics are taken on a small thumbnail.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import shlex
import sys
import time
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path
from typing import Callable, Sequence

from PIL import Image, ImageEnhance, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hooks"))

from corpus import DEFAULT_ROOT, load_photos  # noqa: E402
from hash_quality import QUALITY_MD, machine_facts, write_section  # noqa: E402
from imagelint.facts.image_facts import FACTS_VERSION, read_image_facts  # noqa: E402
from imagelint.facts.pixel_signals import STATS_SIDE  # noqa: E402

SECTION = "## Quality signals on real photos"
SIGNALS = ("dark_score", "light_score", "tonal_range", "edge_strength")
PERCENTILES = (0.1, 1, 5, 50, 95, 99.9)
FILES = "real photos: corpus files"
CROPS = "real photos: random crops"
REAL = (FILES, CROPS)


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _nearly_white(image: Image.Image) -> Image.Image:
    """Wash every pixel 95% of the way to white, as a blown-out exposure does."""
    return image.point(lambda v: 255 - (255 - v) * 0.05)


def _blur_small(image: Image.Image) -> Image.Image:
    small = image.copy()
    small.thumbnail((640, 640), Image.Resampling.LANCZOS)
    return small.filter(ImageFilter.GaussianBlur(4))


#: Bad variant -> how it is made from a photo at the photo's own size.
BAD: dict[str, Callable[[Image.Image], Image.Image]] = {
    "nearly black (x0.1)": lambda im: ImageEnhance.Brightness(im).enhance(0.1),
    "nearly white (95% to white)": _nearly_white,
    "overexposed (x2.5, clipped)": lambda im: ImageEnhance.Brightness(im).enhance(2.5),
    "flat single colour": lambda im: Image.new("RGB", im.size, tuple(int(v) for v in im.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0)))),
    "gaussian blur r=4": lambda im: im.filter(ImageFilter.GaussianBlur(4)),
    "gaussian blur r=8": lambda im: im.filter(ImageFilter.GaussianBlur(8)),
    "blur r=4 at 640 px": _blur_small,
}


@dataclass(frozen=True)
class Check:
    """One candidate rule: flag an image when ``signal < threshold``."""

    name: str
    signal: str
    threshold: float
    targets: tuple[str, ...]  # the bad variants it is meant to catch


CHECKS = (
    *(Check("dark", "dark_score", d, ("nearly black (x0.1)",)) for d in (0.32, 0.25, 0.2, 0.15)),
    Check("light", "light_score", 0.05, ("nearly white (95% to white)", "overexposed (x2.5, clipped)")),
    *(Check("low information", "tonal_range", t, ("flat single colour",)) for t in (4, 10, 16)),
    *(Check("blurry", "edge_strength", b, ("gaussian blur r=4", "gaussian blur r=8", "blur r=4 at 640 px"))
      for b in (5, 10, 15, 20, 25, 30, 35)),
)


def _signals(data: bytes) -> tuple[float, ...]:
    facts = read_image_facts(data, max_pixels=1 << 40)
    values = tuple(getattr(facts, s) for s in SIGNALS)
    if any(v is None for v in values):
        raise ValueError(f"imagelint could not measure an image: {facts.error}")
    return values  # type: ignore[return-value]


def _measure(task: tuple[Path, bool, int, int]) -> list[tuple[str, tuple[float, ...]]]:
    """Signals of one corpus file and, for an original, of its random crops and bad variants."""
    path, original, crops, seed = task
    data = path.read_bytes()
    rows = [(FILES, _signals(data))]
    if not original:
        return rows
    with Image.open(io.BytesIO(data)) as image:
        image = image.convert("RGB")
    rng = random.Random(f"{seed}:{path.name}")
    for _ in range(crops):
        side = rng.uniform(0.25, 1.0)
        w, h = max(64, int(image.width * side)), max(64, int(image.height * side))
        left, top = rng.randint(0, image.width - w), rng.randint(0, image.height - h)
        cut = image.crop((left, top, left + w, top + h))
        cut.thumbnail((1024, 1024), Image.Resampling.LANCZOS)
        rows.append((CROPS, _signals(_encode(cut))))
    for name, make in BAD.items():
        rows.append((name, _signals(_encode(make(image)))))
    return rows


def _percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile; at small n the extreme percentiles are the extremes."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def render(values: dict[str, list[tuple[float, ...]]], n_files: int, n_originals: int, crops: int,
           seconds: float, command: str) -> str:
    """Markdown: setup, recommendation, the flag table, then one distribution table per signal."""
    real = values[FILES] + values[CROPS]
    out = [
        f"Command: `{command}` ({seconds:.0f} s).",
        "",
        *[f"- {fact}" for fact in machine_facts()],
        f"- Real photos: {len(real)} images pooled, the {n_files} corpus files (originals and the copies shipped at other "
        f"resolutions) plus {crops} random crops (25–100% of each side, at most 1024 px, JPEG q90) of each of the "
        f"{n_originals} originals.",
        "- Bad variants: one of each per original, made at the photo's own size and saved as JPEG q90 "
        "(\"blur r=4 at 640 px\" first shrinks the photo to 640 px, to show when blur becomes visible to a 64 px "
        "measurement).",
        f"- Signals exactly as `read_image_facts` computes them (facts version {FACTS_VERSION}), on a grayscale "
        f"thumbnail of at most {STATS_SIDE} px of the reduced decode: dark_score = 99th-percentile luminance / 255, "
        "light_score = 1 - 5th-percentile luminance / 255, tonal_range = grey levels spanned by the middle 98% of pixels, edge_strength = the spread of an edge "
        "filter over the thumbnail (see `pixel_signals`). The wallpaper packages hold smooth gradient art as well as "
        "photos, which is the hard case for a blur check.",
        "",
    ]
    rows = []
    for check in CHECKS:
        index = SIGNALS.index(check.signal)
        flagged = sum(1 for v in real if v[index] < check.threshold)
        caught = {t: sum(1 for v in values[t] if v[index] < check.threshold) / len(values[t]) for t in check.targets}
        split = [sum(1 for v in values[g] if v[index] < check.threshold) for g in REAL]
        rows.append((check, flagged, caught, split))
    out += _recommendation(rows, len(real))
    out += ["", "### Fraction flagged per candidate threshold", "",
            f"| check | rule | real photos flagged (FP), of {len(real)} | of them corpus files / crops "
            f"({len(values[FILES])} / {len(values[CROPS])}) | bad variants caught |", "|---|---|---|---|---|"]
    for check, flagged, caught, split in rows:
        catches = "; ".join(f"{name}: {100 * rate:.0f}%" for name, rate in caught.items())
        out.append(f"| {check.name} | {check.signal} < {check.threshold:g} | {flagged} ({100 * flagged / len(real):.1f}%) "
                   f"| {split[0]} / {split[1]} | {catches} |")
    for index, signal in enumerate(SIGNALS):
        out += ["", f"### {signal}", "", "| images | n | " + " | ".join(f"p{q:g}" for q in PERCENTILES) + " |",
                "|---|---|" + "---|" * len(PERCENTILES)]
        for group, rows_of_group in values.items():
            column = [v[index] for v in rows_of_group]
            out.append(f"| {group} | {len(column)} | " + " | ".join(f"{_percentile(column, q):.3g}" for q in PERCENTILES) + " |")
    return "\n".join(out) + "\n"


def _recommendation(rows: Sequence[tuple[Check, int, dict[str, float], list[int]]], n_real: int) -> list[str]:
    """Per check, the most sensitive threshold whose false positives stay at or below 1%."""
    out = ["### Recommendation", ""]
    for name in dict.fromkeys(row[0].name for row in rows):
        options = [row for row in rows if row[0].name == name]
        within = [row for row in options if row[1] / n_real <= 0.01]
        check, flagged, caught, _ = max(within, key=lambda r: r[0].threshold) if within else min(options, key=lambda r: r[1])
        catches = ", ".join(f"{100 * rate:.0f}% of {variant}" for variant, rate in caught.items())
        verdict = ("default" if within else
                   "no tested threshold stays at or below 1%: keep this check off by default, opt-in at most")
        out.append(f"- **{name}: {check.signal} < {check.threshold:g}** ({verdict}): flags {flagged} of {n_real} real "
                   f"photos ({100 * flagged / n_real:.1f}%), catches {catches}.")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="corpus folder (default: %(default)s)")
    parser.add_argument("--crops", type=int, default=4, help="random crops per original added to the real photos (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the crops (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=QUALITY_MD, help="Markdown file to update (default: %(default)s)")
    parser.add_argument("--no-write", action="store_true", help="print only, leave the Markdown file alone")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    photos = load_photos(args.root)
    tasks = [(args.root / "photos" / p.file, p.role == "original", args.crops, args.seed) for p in photos]
    values: dict[str, list[tuple[float, ...]]] = {FILES: [], CROPS: [], **{name: [] for name in BAD}}
    with Pool(args.jobs) as pool:
        for rows in pool.imap_unordered(_measure, tasks, chunksize=1):
            for group, signals in rows:
                values[group].append(signals)
    command = "python bench/quality_signals.py" + "".join(f" {shlex.quote(a)}" for a in (argv if argv is not None else sys.argv[1:]))
    n_originals = sum(1 for p in photos if p.role == "original")
    body = render(values, len(photos), n_originals, args.crops, time.perf_counter() - started, command)
    print(f"{SECTION}\n\n{body}")
    if not args.no_write:
        write_section(args.output, SECTION, body)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
