"""Generate the sample dataset: small photo-like fruit pictures, deterministic, no downloads.

Every picture is drawn from a seed derived from its class and number, so two runs write
byte-identical files. Pictures are meant to pass imagelint's quality checks (textured,
shaded, neither dark nor washed out) and to be far apart as near-duplicate candidates: each
one's perceptual hash (64-bit pHash as imagelint computes it) is pinned to its own word of a
code whose words differ in at least ``MIN_CODE_DISTANCE`` bits, by adding a faint
low-frequency lighting field. Random drawings alone would put a few pairs within reach of the
near-duplicate threshold by chance.

Usage: ``python generate.py OUT_DIR [--bad DIR]``
"""
from __future__ import annotations

import argparse
import io
import random
import zlib
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

#: Width and height of the dataset pictures; a 0.8 copy still meets a 256 px minimum.
SIZE = (448, 336)
JPEG_QUALITY = 90
#: Pictures per class in each split; numbers run on across splits, so they are unique per class.
SPLIT_COUNTS = (("train", 12), ("val", 4), ("test", 4))
#: First picture number not used by the clean dataset (``write_more_images`` starts here or later).
FIRST_FREE_NUMBER = sum(count for _, count in SPLIT_COUNTS)
#: Fewest differing bits between the hashes of two distinct pictures.
MIN_CODE_DISTANCE = 24
#: Fewest differing bits between one picture's hash and another's mirrored hash (flip matching).
MIN_MIRROR_DISTANCE = 20
CODEBOOK_SIZE = 256
#: Hash code words kept for the bad files that decode, counted from the end of the codebook.
SPECIAL_SLOTS = ("tiny", "actually-png", "huge")
#: Smallest |DCT coefficient| (as a cosine amplitude in grey levels) the hash pinning leaves.
PIN_MARGIN = 3.0


class Theme(NamedTuple):
    """How one class looks: wall, table surface, fruit colours and shape.

    A NamedTuple rather than a dataclass: callers load this file by path with importlib, and
    dataclasses need the module registered in sys.modules.
    """

    wall: tuple[tuple[int, int, int], tuple[int, int, int]]
    table: tuple[int, int, int]
    fruit: tuple[tuple[int, int, int], ...]
    shape: str


THEMES: dict[str, Theme] = {
    "apple": Theme(((196, 184, 160), (150, 136, 112)), (128, 86, 54),
                   ((186, 32, 38), (122, 168, 52), (206, 116, 42)), "round"),
    "banana": Theme(((118, 140, 164), (168, 178, 190)), (196, 186, 164),
                    ((228, 196, 58), (190, 198, 72), (236, 176, 40)), "crescent"),
    "cherry": Theme(((222, 196, 186), (188, 150, 146)), (170, 160, 152),
                    ((142, 12, 30), (178, 22, 44), (110, 8, 24)), "cluster"),
}
CLASSES = tuple(THEMES)


# --- hash code book ---------------------------------------------------------------------------

#: Coefficients a horizontal mirror negates: odd horizontal frequency (row-major 8x8 index).
_ODD_COLUMNS = np.array([(k % 8) % 2 == 1 for k in range(64)])


@lru_cache(maxsize=None)
def codebook() -> np.ndarray:
    """Balanced 64-bit words (DC bit set), pairwise far apart and far from each other's mirrors.

    Greedy selection from a fixed-seed shuffle; returns +1/-1 signs, shape (CODEBOOK_SIZE, 64).
    """
    rnd = random.Random(1789)
    words = np.zeros((0, 64), dtype=np.int32)
    mirrors = np.zeros((0, 64), dtype=np.int32)
    while len(words) < CODEBOOK_SIZE:
        bits = [1] * 31 + [-1] * 32
        rnd.shuffle(bits)
        word = np.array([1, *bits], dtype=np.int32)
        mirror = np.where(_ODD_COLUMNS, -word, word)
        # For +/-1 vectors of length 64, distance = (64 - dot) / 2.
        if len(words) and (
            (64 - words @ word).min() // 2 < MIN_CODE_DISTANCE
            or (64 - words @ mirror).min() // 2 < MIN_MIRROR_DISTANCE
            or (64 - mirrors @ word).min() // 2 < MIN_MIRROR_DISTANCE
        ):
            continue
        words = np.vstack([words, word])
        mirrors = np.vstack([mirrors, mirror])
    return words


def slot_of(class_name: str, number: int) -> int:
    """Codebook row of a dataset picture; classes interleave so any class can grow."""
    slot = number * len(CLASSES) + CLASSES.index(class_name)
    if number < 0 or slot >= CODEBOOK_SIZE - len(SPECIAL_SLOTS):
        raise ValueError(f"picture number {number} is outside the generator's range")
    return slot


def _special_slot(role: str) -> int:
    return CODEBOOK_SIZE - 1 - SPECIAL_SLOTS.index(role)


# --- drawing ----------------------------------------------------------------------------------


def _rng(key: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(key.encode()))


def _box_blur(a: np.ndarray, radius: int) -> np.ndarray:
    """Three box passes per axis, close to a Gaussian; edges are clamped."""
    if radius < 1:
        return a
    for axis in (0, 1):
        a = np.moveaxis(a, axis, 0)
        for _ in range(3):
            padded = np.pad(a, [(radius + 1, radius)] + [(0, 0)] * (a.ndim - 1), mode="edge")
            c = np.cumsum(padded, axis=0)
            a = (c[2 * radius + 1:] - c[: -2 * radius - 1]) / (2 * radius + 1)
        a = np.moveaxis(a, 0, axis)
    return a


def _value_noise(rng: np.random.Generator, w: int, h: int, cells: tuple[int, int]) -> np.ndarray:
    grid = rng.random((cells[1] + 1, cells[0] + 1)).astype(np.float32)
    return np.asarray(Image.fromarray(grid, "F").resize((w, h), Image.Resampling.BICUBIC))


def _fractal_noise(rng: np.random.Generator, w: int, h: int, base: int, octaves: int,
                   stretch: float = 1.0) -> np.ndarray:
    """Value noise summed over octaves (persistence 0.5), centred on 0, roughly within +/-0.5."""
    total = np.zeros((h, w), dtype=np.float32)
    amplitude, weight = 1.0, 0.0
    for octave in range(octaves):
        cells_x = max(1, int(base * 2**octave))
        cells_y = max(1, int(base * 2**octave * h / w * stretch))
        total += amplitude * (_value_noise(rng, w, h, (cells_x, cells_y)) - 0.5)
        weight += amplitude
        amplitude *= 0.5
    return total / weight


def _jitter(rng: np.random.Generator, colour: tuple[int, int, int], spread: float) -> np.ndarray:
    return np.clip(np.array(colour, dtype=np.float32) + rng.uniform(-spread, spread, 3), 0, 255)


def _background(rng: np.random.Generator, theme: Theme, w: int, h: int) -> np.ndarray:
    """A wall with a lighting gradient above a textured table top."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * x / w + np.sin(angle) * y / h + 1) / 2
    top, bottom = (_jitter(rng, c, 22) for c in theme.wall)
    wall = top + (bottom - top) * ramp[..., None]
    wall *= 1 + 0.18 * _fractal_noise(rng, w, h, 3, 5)[..., None]
    wall *= 1 + 0.16 * _fractal_noise(rng, w, h, 40, 2)[..., None]
    horizon = rng.uniform(0.42, 0.7) * h + rng.uniform(-0.08, 0.08) * h * (x / w - 0.5)
    surface = np.clip((y - horizon) / 3 + 0.5, 0, 1)[..., None]
    warp = _fractal_noise(rng, w, h, 2, 4, stretch=rng.uniform(3, 6))
    period = rng.uniform(7, 13)
    rings = 0.5 + 0.5 * np.sin(2 * np.pi * (y / period + 6 * warp))
    grain = 0.3 * rings**3 + 0.6 * warp
    table = _jitter(rng, theme.table, 18) * (0.85 + grain[..., None])
    table *= (0.8 + 0.35 * np.clip((y - horizon) / (h - horizon + 1), 0, 1))[..., None]
    return wall * (1 - surface) + table * surface


def _shapes(rng: np.random.Generator, theme: Theme, w: int, h: int) -> list[tuple[str, list]]:
    """Fruit outlines as (kind, params) in supersampled (2x) pixel coordinates."""
    shapes: list[tuple[str, list]] = []
    if theme.shape == "round":
        for _ in range(rng.integers(1, 4)):
            r = rng.uniform(0.12, 0.22) * h * 2
            cx, cy = rng.uniform(0.15, 0.85) * w * 2, rng.uniform(0.4, 0.75) * h * 2
            shapes.append(("ellipse", [cx - r * 1.06, cy - r, cx + r * 1.06, cy + r * 0.96]))
            shapes.append(("stem", [cx, cy - r * 0.8, cx + r * rng.uniform(-0.2, 0.2), cy - r * 1.2]))
    elif theme.shape == "crescent":
        for _ in range(rng.integers(1, 4)):
            radius = rng.uniform(0.2, 0.3) * h * 2
            mx, my = rng.uniform(0.2, 0.8) * w * 2, rng.uniform(0.35, 0.75) * h * 2
            middle = rng.uniform(0, 2 * np.pi)
            cx, cy = mx - radius * np.cos(middle), my - radius * np.sin(middle)
            span = rng.uniform(1.6, 2.2)
            thick = rng.uniform(0.35, 0.5) * radius
            angles = np.linspace(middle - span / 2, middle + span / 2, 48)
            bulge = 0.15 + 0.85 * np.sin(np.linspace(0, np.pi, 48)) ** 0.6
            outer = [(cx + radius * np.cos(a), cy + radius * np.sin(a)) for a in angles]
            inner = [(cx + (radius - thick * b) * np.cos(a), cy + (radius - thick * b) * np.sin(a))
                     for a, b in zip(angles[::-1], bulge[::-1])]
            shapes.append(("polygon", outer + inner))
    else:
        for _ in range(rng.integers(1, 3)):
            hx, hy = rng.uniform(0.2, 0.8) * w * 2, rng.uniform(0.05, 0.3) * h * 2
            for _ in range(rng.integers(2, 5)):
                r = rng.uniform(0.05, 0.085) * h * 2
                cx = hx + rng.uniform(-0.22, 0.22) * w * 2
                cy = hy + rng.uniform(0.3, 0.55) * h * 2
                shapes.append(("stem", [hx, hy, cx, cy - r * 0.8]))
                shapes.append(("ellipse", [cx - r, cy - r, cx + r, cy + r]))
    return shapes


def _mask(kind: str, params: list, w: int, h: int) -> np.ndarray:
    """A soft-edged coverage mask drawn at 2x and box-reduced."""
    canvas = Image.new("L", (w * 2, h * 2), 0)
    draw = ImageDraw.Draw(canvas)
    if kind == "ellipse":
        draw.ellipse(params, fill=255)
    elif kind == "polygon":
        draw.polygon([tuple(p) for p in params], fill=255)
    else:
        draw.line(params, fill=255, width=max(3, int(h / 80)))
    return np.asarray(canvas.reduce(2), dtype=np.float32) / 255


def _shaded(rng: np.random.Generator, mask: np.ndarray, colour: np.ndarray,
            light: np.ndarray, gloss: float) -> np.ndarray:
    """Colour a shape as a lit, slightly textured solid: pseudo-height from the blurred mask."""
    h, w = mask.shape
    size = max(2, int(np.sqrt(mask.sum()) / 3))
    height = _box_blur(mask, size // 2)
    gy, gx = np.gradient(height * size * 1.6)
    normal = np.stack([-gx, -gy, np.ones_like(gx)], axis=-1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    lambert = np.clip((normal * light).sum(axis=-1), 0, 1)
    speckle = 1 + 0.12 * _fractal_noise(rng, w, h, 12, 4)
    body = colour * (0.3 + 0.8 * lambert)[..., None] * speckle[..., None]
    highlight = (gloss * lambert**40)[..., None]
    return body * (1 - highlight) + 250 * highlight


def render(key: str, theme: Theme, size: tuple[int, int] = SIZE) -> np.ndarray:
    """RGB float array of one picture of ``theme``, fully determined by ``key``."""
    w, h = size
    rng = _rng(key)
    image = _background(rng, theme, w, h)
    light = np.array([rng.uniform(-0.7, 0.7), rng.uniform(-0.8, -0.2), 1.0])
    light /= np.linalg.norm(light)
    shapes = _shapes(rng, theme, w, h)
    masks = [_mask(kind, params, w, h) for kind, params in shapes]
    offset = (int(h * 0.03), int(-light[0] * w * 0.03))
    shadow = np.roll(sum(masks, np.zeros((h, w), np.float32)), offset, (0, 1))
    image *= (1 - 0.45 * np.clip(_box_blur(shadow, max(2, h // 50)), 0, 1))[..., None]
    for (kind, _), m in zip(shapes, masks):
        if kind == "stem":
            colour, gloss = _jitter(rng, (92, 78, 40), 15), 0.0
        else:
            colour = _jitter(rng, theme.fruit[rng.integers(len(theme.fruit))], 16)
            gloss = 0.7 if theme.shape == "cluster" else rng.uniform(0.15, 0.45)
        rows, cols = np.nonzero(m)
        if not len(rows):
            continue
        box = np.s_[max(rows.min() - 4, 0):rows.max() + 5, max(cols.min() - 4, 0):cols.max() + 5]
        part = m[box][..., None]
        image[box] = image[box] * (1 - part) + _shaded(rng, m[box], colour, light, gloss) * part
    image = np.clip(image, 0, 255).astype(np.uint8)
    blurred = Image.fromarray(image).filter(ImageFilter.GaussianBlur(0.6))
    grain = rng.random((h, w, 1), dtype=np.float32) + rng.random((h, w, 1), dtype=np.float32) - 1
    return np.asarray(blurred, dtype=np.float32) + 5 * grain


# --- pinning the perceptual hash --------------------------------------------------------------


def _dct_matrix(n: int) -> np.ndarray:
    """Unnormalised DCT-II (as scipy.fftpack.dct) for the first 8 frequencies."""
    k = np.arange(8)[:, None]
    i = np.arange(n)[None, :]
    return 2 * np.cos(np.pi * k * (2 * i + 1) / (2 * n))


_DCT32 = _dct_matrix(32)


def hash_coefficients(data: bytes) -> np.ndarray:
    """The 8x8 low-frequency DCT block behind pHash, on imagelint's reduced decode of ``data``."""
    image = Image.open(io.BytesIO(data))
    if image.format == "JPEG":
        image.draft("L", (64, 64))
    small = image.convert("L").resize((32, 32), Image.Resampling.LANCZOS)
    return _DCT32 @ np.asarray(small, dtype=np.float64) @ _DCT32.T


def _encode(array: np.ndarray, fmt: str, quality: int) -> bytes:
    out = io.BytesIO()
    image = Image.fromarray(np.clip(np.rint(array), 0, 255).astype(np.uint8))
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=quality)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def pinned_bytes(array: np.ndarray, slot: int, fmt: str = "JPEG", quality: int = JPEG_QUALITY) -> bytes:
    """Encode ``array`` after adding the faint lighting that gives it codebook word ``slot``.

    Each coefficient whose sign disagrees with the word (or sits too close to zero) gets a
    cosine of the matching frequency; a balanced word with clear signs fixes every hash bit.
    """
    h, w = array.shape[:2]
    signs = codebook()[slot].reshape(8, 8)
    gain = np.where(np.arange(8) == 0, 64.0, 32.0)
    scale = np.outer(gain, gain)
    ys = np.cos(np.pi * np.arange(8)[:, None] * (np.arange(h)[None, :] + 0.5) / h)
    xs = np.cos(np.pi * np.arange(8)[:, None] * (np.arange(w)[None, :] + 0.5) / w)
    lighting = np.zeros((h, w))
    for _ in range(8):
        data = _encode(array + lighting[..., None], fmt, quality)
        amplitude = hash_coefficients(data) / scale
        short = signs * amplitude < PIN_MARGIN
        short[0, 0] = False
        if not short.any():
            return data
        delta = np.where(short, signs * PIN_MARGIN * 1.6 - amplitude, 0.0)
        lighting += ((ys.T @ delta)[:, :, None] * xs[None, :, :]).sum(axis=1)
    raise RuntimeError(f"could not pin the hash of code word {slot}")


# --- dataset files ----------------------------------------------------------------------------


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
    whole = _encode(render("special/truncated", apple), "JPEG", JPEG_QUALITY)
    tiny = pinned_bytes(render("special/tiny", cherry, (120, 90)), _special_slot("tiny"))
    png = pinned_bytes(render("special/actually-png", banana, (320, 256)),
                       _special_slot("actually-png"), fmt="PNG")
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
    rng = _rng("special/huge-grain")
    large += 40 * (rng.random(large.shape, dtype=np.float32) - 0.5)
    return pinned_bytes(large, _special_slot("huge"), quality=95)


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
