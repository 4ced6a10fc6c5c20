"""Images of the kinds a wallpaper corpus lacks, made deterministically from a seed.

- ``document``: a page of text from the installed packages' own documentation
  (``/usr/share/doc/*/copyright``), set in the installed TrueType fonts (DejaVu, Liberation),
  black on white, with a heading and sometimes a rule or a grey box;
- ``screenshot``: a desktop window with a title bar, a side panel and a terminal or editor
  pane of the same text in a monospaced font, light on dark or dark on light;
- ``near-uniform``: a frame of one colour with faint large shapes (3 to 8 grey levels of
  contrast) and sensor-like noise, what a lens cap, a blank wall or a fogged frame gives;
- ``gradient``: smooth linear or radial gradients of random angle, centre and colours;
- ``blank``: solid black, white or grey frames with at most 1 level of noise (IMG204 recall
  only: they have no picture to find copies of).

Every image depends only on (kind, index), so runs compare the same pictures.
"""
from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

KINDS = ("document", "screenshot", "near-uniform", "gradient")
FONT_DIR = Path("/usr/share/fonts/truetype")
DOC_DIR = Path("/usr/share/doc")


@lru_cache(maxsize=1)
def _fonts() -> tuple[list[Path], list[Path]]:
    """(proportional, monospaced) TrueType fonts installed by system packages."""
    fonts = sorted(FONT_DIR.rglob("*.ttf"))
    mono = [f for f in fonts if "Mono" in f.name]
    plain = [f for f in fonts if "Mono" not in f.name and "Oblique" not in f.name and "Italic" not in f.name]
    if not plain or not mono:
        raise SystemExit(f"no TrueType fonts under {FONT_DIR}: install fonts-dejavu-core")
    return plain, mono


@lru_cache(maxsize=1)
def _texts() -> list[list[str]]:
    """Non-empty lines of the packages' copyright files, one list per distinct text long enough
    (many packages ship the same licence: one copy of it is kept)."""
    found, seen = [], set()
    for path in sorted(DOC_DIR.glob("*/copyright")):
        try:
            lines = [line.rstrip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
        except OSError:
            continue
        body = tuple(line for line in lines if not line.lower().startswith(("upstream", "source", "files", "copyright")))
        if len(lines) >= 40 and body[:40] not in seen:
            seen.add(body[:40])
            found.append(lines)
    if not found:
        raise SystemExit(f"no package documentation under {DOC_DIR}")
    return found


def make(kind: str, index: int) -> Image.Image:
    rng = random.Random(f"{kind}:{index}")
    if kind in ("document", "screenshot"):  # a text of its own for each page
        texts = _texts()
        return (_document if kind == "document" else _screenshot)(rng, texts[(index * 7919 + (kind == "screenshot") * 31) % len(texts)])
    return {"near-uniform": _near_uniform, "gradient": _gradient, "blank": _blank}[kind](rng)


def _document(rng: random.Random, lines: list[str]) -> Image.Image:
    plain, _ = _fonts()
    width, height = rng.choice(((850, 1100), (1240, 1754), (1100, 850)))
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    size = rng.randint(height // 70, height // 45)
    font = ImageFont.truetype(str(rng.choice(plain)), size)
    heading = ImageFont.truetype(str(rng.choice(plain)), size * 2)
    margin = width // 10
    y = height // 12
    start = rng.randrange(0, max(1, len(lines) - 60))
    draw.text((margin, y), lines[start][:40], fill="black", font=heading)
    y += size * 3
    if rng.random() < 0.5:
        draw.rectangle((margin, y, width - margin, y + height // 8), fill=(rng.randint(200, 240),) * 3)
        y += height // 8 + size
    for line in lines[start + 1:]:
        if y > height - height // 10:
            break
        draw.text((margin, y), line[: int((width - 2 * margin) / (size * 0.55))], fill="black", font=font)
        y += int(size * rng.uniform(1.3, 1.8))
    return page


def _screenshot(rng: random.Random, lines: list[str]) -> Image.Image:
    plain, mono = _fonts()
    width, height = rng.choice(((1280, 800), (1366, 768), (1920, 1080)))
    dark = rng.random() < 0.5
    background = (rng.randint(20, 45),) * 3 if dark else (rng.randint(240, 252),) * 3
    ink = (rng.randint(190, 230), rng.randint(190, 230), rng.randint(190, 230)) if dark else (30, 30, 30)
    shot = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(shot)
    accent = tuple(rng.randint(40, 200) for _ in range(3))
    bar = height // 20
    draw.rectangle((0, 0, width, bar), fill=accent)
    draw.text((bar, bar // 4), "Terminal" if dark else "Editor", fill="white", font=ImageFont.truetype(str(plain[0]), bar // 2))
    side = rng.randint(width // 8, width // 4)
    draw.rectangle((0, bar, side, height), fill=tuple(max(0, min(255, c + (25 if dark else -25))) for c in background))
    size = rng.randint(13, 20)
    font = ImageFont.truetype(str(rng.choice(mono)), size)
    y, start = bar + size, rng.randrange(0, max(1, len(lines) - 80))
    for line in lines[start:]:
        if y > height - size * 2:
            break
        draw.text((side + size, y), line[: (width - side) // (size * 6 // 10)], fill=ink, font=font)
        y += int(size * 1.35)
    return shot


def _near_uniform(rng: random.Random) -> Image.Image:
    width, height = rng.choice(((1024, 768), (800, 800), (1280, 720)))
    base = np.array([rng.randint(20, 235) for _ in range(3)], dtype=np.float64)
    field = np.zeros((height, width))
    yy, xx = np.mgrid[0:height, 0:width]
    for _ in range(rng.randint(2, 4)):  # faint blobs: soft-edged discs of a few levels
        cx, cy, radius = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(0.15, 0.4) * width
        disc = np.clip((radius - np.hypot(xx - cx, yy - cy)) / (0.1 * radius), 0, 1)
        field += rng.choice((-1, 1)) * rng.uniform(3, 8) * disc
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 1.0, (height, width, 1))
    pixels = base + field[..., None] + noise
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _gradient(rng: random.Random) -> Image.Image:
    width, height = rng.choice(((1024, 768), (800, 800), (1280, 720)))
    yy, xx = np.mgrid[0:height, 0:width] / max(width, height)
    if rng.random() < 0.6:
        angle = rng.uniform(0, 2 * np.pi)
        t = xx * np.cos(angle) + yy * np.sin(angle)
    else:
        cx, cy = rng.uniform(0, width / max(width, height)), rng.uniform(0, height / max(width, height))
        t = np.hypot(xx - cx, yy - cy)
    t = (t - t.min()) / max(t.max() - t.min(), 1e-9)
    stops = [np.array([rng.randint(0, 255) for _ in range(3)], dtype=np.float64) for _ in range(rng.choice((2, 2, 3)))]
    if len(stops) == 2:
        pixels = stops[0] + (stops[1] - stops[0]) * t[..., None]
    else:
        low, high = np.clip(t * 2, 0, 1)[..., None], np.clip(t * 2 - 1, 0, 1)[..., None]
        pixels = stops[0] + (stops[1] - stops[0]) * low + (stops[2] - stops[1]) * high
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _blank(rng: random.Random) -> Image.Image:
    width, height = rng.choice(((1024, 768), (640, 480), (1920, 1080)))
    level = rng.choice((0, 255, rng.randint(1, 254)))
    noise = np.random.default_rng(rng.randrange(1 << 30)).integers(-1, 2, (height, width, 1)) * (rng.random() < 0.5)
    return Image.fromarray(np.clip(level + noise + np.zeros((1, 1, 3)), 0, 255).astype(np.uint8), "RGB")
