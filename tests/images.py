"""Real image files for tests, written with Pillow: textured enough to hash like photos."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def photo(seed: int, size: tuple[int, int] = (320, 320)) -> Image.Image:
    """A deterministic photo-like RGB image: smooth noise, shapes and shading, distinct per seed."""
    rng = np.random.default_rng(seed)
    width, height = size
    base = np.zeros((height, width, 3), dtype=np.float64)
    for octave in (4, 8, 16, 32):
        grid = rng.random((octave, octave, 3))
        layer = Image.fromarray((grid * 255).astype(np.uint8)).resize((width, height), Image.BICUBIC)
        base += np.asarray(layer, dtype=np.float64) / (octave / 4)
    base = base / base.max() * 255
    image = Image.fromarray(base.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x0, y0 = rng.integers(0, width - 40), rng.integers(0, height - 40)
        x1, y1 = x0 + rng.integers(20, width // 2), y0 + rng.integers(20, height // 2)
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
    return image.filter(ImageFilter.GaussianBlur(0.6))


def gradient(degrees: float, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A smooth two-colour gradient along ``degrees``: the image kind whose pHash bits are noise."""
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width] / width
    t = xx * np.cos(np.radians(degrees)) + yy * np.sin(np.radians(degrees))
    t = (t - t.min()) / (t.max() - t.min())
    pixels = np.array([230, 80, 40]) + (np.array([40, 90, 220]) - np.array([230, 80, 40])) * t[..., None]
    return Image.fromarray(pixels.astype(np.uint8), "RGB")


def encode(image: Image.Image, image_format: str = "JPEG", **options: object) -> bytes:
    buffer = io.BytesIO()
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.save(buffer, image_format, **({"quality": 90} if image_format == "JPEG" else {}) | options)
    return buffer.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_photo(path: Path, seed: int, size: tuple[int, int] = (320, 320), image_format: str = "JPEG") -> Path:
    return write(path, encode(photo(seed, size), image_format))
