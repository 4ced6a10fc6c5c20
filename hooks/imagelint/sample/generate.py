"""Generate the sample dataset: small photo-like fruit pictures, deterministic, no downloads.

Two runs write byte-identical files: the pictures are drawn from seeds (``drawing``) and
encoded with their perceptual hashes pinned far apart (``pinning``); the near duplicates,
the resized copy and the bad files the demo needs are made here from them.

Usage: ``python -m imagelint.sample.generate OUT_DIR [--bad DIR]``
"""
from __future__ import annotations

import argparse
import io
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageEnhance

from imagelint.sample.drawing import CLASSES, THEMES, render, rng_for
from imagelint.sample.pinning import JPEG_QUALITY, encode, pinned_bytes, slot_of, special_slot

#: Pictures per class in each split; numbers run on across splits, so they are unique per class.
SPLIT_COUNTS = (("train", 12), ("val", 4), ("test", 4))
#: First picture number not used by the clean dataset (``write_more_images`` starts here or later).
FIRST_FREE_NUMBER = sum(count for _, count in SPLIT_COUNTS)


def picture_bytes(class_name: str, number: int) -> bytes:
    """JPEG bytes of picture ``number`` of ``class_name``."""
    if class_name not in THEMES:
        raise ValueError(f"unknown class {class_name!r}; the classes are {', '.join(CLASSES)}")
    return pinned_bytes(render(f"{class_name}/{number}", THEMES[class_name]), slot_of(class_name, number))


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _variant(data: bytes, brightness: float, quality: int) -> bytes:
    """A re-encoded, optionally brightened copy: a near-duplicate of ``data``."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    if brightness != 1.0:
        image = ImageEnhance.Brightness(image).enhance(brightness)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


#: Near-duplicates kept in the clean set: (class, train picture number, name, brightness, quality).
NEAR_DUPLICATES = (
    ("apple", 3, "003-brighter.jpg", 1.08, 90),
    ("banana", 7, "007-recompressed.jpg", 1.0, 75),
)


def write_clean_dataset(root: Path) -> list[Path]:
    """Write ``{split}/{class}/NNN.jpg`` plus the near-duplicate variants; returns sorted paths."""
    written: list[Path] = []
    for class_name in CLASSES:
        number = 0
        for split, count in SPLIT_COUNTS:
            for _ in range(count):
                written.append(_write(root / split / class_name / f"{number:03d}.jpg",
                                      picture_bytes(class_name, number)))
                number += 1
    for class_name, number, name, brightness, quality in NEAR_DUPLICATES:
        source = (root / "train" / class_name / f"{number:03d}.jpg").read_bytes()
        written.append(_write(root / "train" / class_name / name, _variant(source, brightness, quality)))
    return sorted(written)


def write_more_images(folder: Path, class_name: str, count: int, start: int) -> list[Path]:
    """Write pictures ``start`` .. ``start+count-1`` of a class as ``NNN.jpg`` into ``folder``.

    Numbers below FIRST_FREE_NUMBER belong to the clean dataset and would repeat its pictures.
    """
    if start < FIRST_FREE_NUMBER:
        raise ValueError(f"start must be at least {FIRST_FREE_NUMBER}; lower numbers are in the clean set")
    numbers = range(start, start + count)
    return [_write(folder / f"{n:03d}.jpg", picture_bytes(class_name, n)) for n in numbers]


def write_resized_copy(src: Path, dst: Path, scale: float = 0.8) -> Path:
    """A smaller, re-encoded copy of ``src``: the kind of copy that leaks from train into test."""
    image = Image.open(src).convert("RGB")
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    out = io.BytesIO()
    image.resize(size, Image.Resampling.LANCZOS).save(out, "JPEG", quality=85)
    return _write(dst, out.getvalue())


def write_bad_files(folder: Path) -> dict[str, Path]:
    """Files the per-image rules must catch, keyed by role (truncated, tiny, png-as-jpg, huge)."""
    banana, cherry, apple = THEMES["banana"], THEMES["cherry"], THEMES["apple"]
    whole = encode(render("special/truncated", apple), "JPEG", JPEG_QUALITY)
    tiny = pinned_bytes(render("special/tiny", cherry, (120, 90)), special_slot("tiny"))
    png = pinned_bytes(render("special/actually-png", banana, (320, 256)),
                       special_slot("actually-png"), fmt="PNG")
    return {
        "truncated": _write(folder / "truncated.jpg", whole[: len(whole) * 6 // 10]),
        "tiny": _write(folder / "tiny.jpg", tiny),
        "png-as-jpg": _write(folder / "actually-png.jpg", png),
        "huge": _write(folder / "huge.jpg", _huge_bytes()),
    }


def _huge_bytes() -> bytes:
    """A 2400x1800 picture with strong sensor-like grain at quality 95: about 2.4 MB."""
    small = render("special/huge", THEMES["apple"], (600, 450))
    large = np.asarray(Image.fromarray(np.clip(small, 0, 255).astype(np.uint8)).resize(
        (2400, 1800), Image.Resampling.BICUBIC), dtype=np.float32)
    rng = rng_for("special/huge-grain")
    large += 40 * (rng.random(large.shape, dtype=np.float32) - 0.5)
    return pinned_bytes(large, special_slot("huge"), quality=95)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the imagelint sample dataset.")
    parser.add_argument("out_dir", type=Path, help="folder that receives train/, val/ and test/")
    parser.add_argument("--bad", type=Path, metavar="DIR", help="also write the bad example files here")
    args = parser.parse_args(argv)
    written = write_clean_dataset(args.out_dir)
    print(f"wrote {len(written)} pictures under {args.out_dir}")
    if args.bad:
        bad = write_bad_files(args.bad)
        print(f"wrote {len(bad)} bad files under {args.bad}: {', '.join(p.name for p in bad.values())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
