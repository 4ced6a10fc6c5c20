"""The sample's pictures: photo-like fruit on a table, drawn from a seed, no downloads.

Every picture is drawn from a seed derived from its key (class and number), so two runs draw
identical pixels. Pictures are meant to pass imagelint's quality checks: textured, shaded,
neither dark nor washed out.
"""
from __future__ import annotations

import zlib
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

#: Width and height of the dataset pictures; a 0.8 copy still meets a 256 px minimum.
SIZE = (448, 336)


class Theme(NamedTuple):
    """How one class looks: wall, table surface, fruit colours and shape."""

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


def rng_for(key: str) -> np.random.Generator:
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
    rng = rng_for(key)
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
