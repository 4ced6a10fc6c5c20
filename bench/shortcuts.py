"""Calibrate the shortcut (IMG501) and diversity (IMG502) thresholds on real photographs.

The 85 original photographs of the corpus (``bench/corpus.py``) are cut into camera-like
images (random crops of varied position, size and aspect, saved as JPEG at quality 85-95, as a
phone or a camera would) and arranged into classes by photograph, so that classes differ only
in content. Many random arrangements give the null distribution of every score: what content
alone produces. Then shortcuts are planted in one class of an arrangement, the way they happen
in real collections, and scored again:

- ``darkened``: the class shot darker (brightness x 0.6), ``night`` much darker (x 0.35);
- ``jpeg-quality``: the class saved at quality 60;
- ``camera``: the class carries one camera model in EXIF (the others none);
- ``few-frames``: the class cut from two photographs with small shifts (frames of one scene).

Run from the repository root: ``.venv/bin/python bench/shortcuts.py`` (about a minute). It
prints the tables of bench/SHORTCUTS.md.
"""
from __future__ import annotations

import argparse
import io
import random
import sys
from pathlib import Path
from typing import Sequence

from PIL import Image, ImageEnhance

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "hooks"))
import corpus  # noqa: E402
from imagelint.facts.image_facts import read_image_facts  # noqa: E402
from imagelint.rules.diversity import diversity_scores  # noqa: E402
from imagelint.rules.shortcuts import categorical_scores, numeric_scores  # noqa: E402
from imagelint.stats.properties import CATEGORICAL, NUMERIC, image_profile  # noqa: E402
from imagelint.stats.split_profiles import ClassImages, SplitProfiles  # noqa: E402

SIDE = 384


def crop(image: Image.Image, rng: random.Random, shift: float | None = None) -> Image.Image:
    """A camera-like cut: random aspect (4:3, 3:2, 1:1, portrait), 40-90% of the photo, or a
    small ``shift`` of the centre cut for frames of one scene."""
    aspect = rng.choice((4 / 3, 3 / 2, 1.0, 3 / 4))
    scale = 0.85 if shift is not None else rng.uniform(0.4, 0.9)
    width = min(image.width, image.height * aspect) * scale
    height = width / aspect
    if shift is not None:
        left = (image.width - width) / 2 + rng.uniform(-shift, shift) * image.width
        top = (image.height - height) / 2 + rng.uniform(-shift, shift) * image.height
        left, top = min(max(0, left), image.width - width), min(max(0, top), image.height - height)
    else:
        left, top = rng.uniform(0, image.width - width), rng.uniform(0, image.height - height)
    size = (SIDE, round(SIDE / aspect)) if aspect >= 1 else (round(SIDE * aspect), SIDE)
    return image.resize(size, Image.Resampling.BILINEAR, box=(left, top, left + width, top + height))


def jpeg(image: Image.Image, quality: int, exif: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif)
    return buffer.getvalue()


def camera_exif(model: str) -> bytes:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = model.split()[0], model
    return exif.tobytes()


def profiles(images: Sequence[bytes]) -> tuple:
    found = [image_profile(read_image_facts(data, 10**8)) for data in images]
    return tuple(sorted((p for p in found if p), key=lambda p: p.phash or 0))


def arrangement(photos: list[Image.Image], classes: int, per_class: int, rng: random.Random,
                plant: str = "") -> SplitProfiles:
    """Photos dealt to classes at random; crops of each class's photos; ``plant`` in class c0."""
    order = list(range(len(photos)))
    rng.shuffle(order)
    entries = []
    for k in range(classes):
        own = [photos[i] for i in order[k::classes]]
        cut: list[bytes] = []
        for n in range(per_class):
            quality = rng.choice((85, 90, 95))
            if k == 0 and plant == "few-frames":
                cut.append(jpeg(crop(own[n % 2], rng, shift=0.03), quality))
                continue
            image = crop(own[n % len(own)], rng)
            if k == 0 and plant in ("darkened", "night"):
                image = ImageEnhance.Brightness(image).enhance(0.6 if plant == "darkened" else 0.35)
            exif = camera_exif("Canon EOS 5D") if k == 0 and plant == "camera" else b""
            cut.append(jpeg(image, 60 if k == 0 and plant == "jpeg-quality" else quality, exif))
        entries.append(ClassImages(f"c{k}", profiles(cut)))
    return SplitProfiles("train", tuple(entries))


def scores(split: SplitProfiles) -> dict[str, float]:
    """Every shortcut score, and the lowest diversity ratio (own / median of others) per measure."""
    result = {name: score for name, (score, _) in numeric_scores(split.classes).items()}
    result.update(categorical_scores(split.classes))
    for words, values in diversity_scores(split).items():
        ratios = []
        for i, own in enumerate(values):
            others = sorted(v for j, v in enumerate(values) if j != i and v is not None)
            if own is not None and others and others[len(others) // 2] > 0:
                ratios.append(own / others[len(others) // 2])
        result["diversity: " + words.split(" (")[0]] = min(ratios) if ratios else float("nan")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=corpus.DEFAULT_ROOT)
    parser.add_argument("--trials", type=int, default=30, help="random content-only arrangements per shape")
    parser.add_argument("--per-class", type=int, default=40)
    args = parser.parse_args(argv)
    originals = [p for p in corpus.load_photos(args.corpus) if p.role == "original"]
    photos = []
    for photo in sorted(originals, key=lambda p: p.file):
        with Image.open(args.corpus / "photos" / photo.file) as image:
            image.draft("RGB", (1024, 1024))
            photos.append(image.convert("RGB"))
    names = [*NUMERIC, *CATEGORICAL]
    null: dict[str, list[float]] = {}
    for classes in (2, 3, 5):
        for trial in range(args.trials):
            for name, value in scores(arrangement(photos, classes, args.per_class, random.Random(trial))).items():
                null.setdefault(name, []).append(value)
    print(f"Null: {3 * args.trials} content-only arrangements (2, 3 and 5 classes of {args.per_class} images)\n")
    print("| score | median | 95th percentile | max |\n|---|---:|---:|---:|")
    for name in [*names, *(k for k in null if k.startswith("diversity"))]:
        values = sorted(v for v in null[name] if v == v)
        pick = (lambda q: values[min(len(values) - 1, int(q * len(values)))]) if values else (lambda q: float("nan"))
        low = name.startswith("diversity")
        print(f"| {name} | {pick(0.5):.3f} | {pick(0.05 if low else 0.95):.3f}{' (5th)' if low else ''} | "
              f"{(values[0] if low else values[-1]) if values else float('nan'):.3f}{' (min)' if low else ''} |")
    print("\nPlanted in class c0 of 3 classes (median over 10 arrangements)\n")
    print("| plant | property | score |\n|---|---|---:|")
    for plant, key in (("darkened", "brightness"), ("night", "brightness"), ("jpeg-quality", "jpeg_quality"),
                       ("camera", "camera"),
                       ("few-frames", "diversity: near-identical images")):
        values = sorted(scores(arrangement(photos, 3, args.per_class, random.Random(100 + t), plant))[key]
                        for t in range(10))
        print(f"| {plant} | {key} | {values[5]:.3f} (range {values[0]:.3f}-{values[-1]:.3f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
