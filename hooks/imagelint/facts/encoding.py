"""How an image is stored: colour mode, bits per channel, alpha, and the JPEG quality.

Training loaders assume 8-bit RGB; CMYK, 16-bit, alpha and palette files decode differently
in each library. The JPEG quality is estimated from the quantisation tables in the header: a
class saved at another quality carries other compression artefacts, a shortcut a model learns.
Everything here comes from the header, before any decode.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PIL import Image

#: The luminance table of the JPEG standard (Annex K) that libjpeg scales by quality.
STANDARD_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


@dataclass(frozen=True)
class Encoding:
    mode: str
    bit_depth: int
    alpha: bool
    jpeg_quality: int | None


def read_encoding(image: Image.Image, data: bytes) -> Encoding:
    """Mode and depth as stored (before any decode changes them), from an opened image."""
    return Encoding(
        mode=image.mode,
        bit_depth=_bit_depth(image, data),
        alpha=image.mode in _ALPHA_MODES or "transparency" in image.info,
        jpeg_quality=_jpeg_quality(image),
    )


def _bit_depth(image: Image.Image, data: bytes) -> int:
    """Bits per channel; PNG's from its header, since Pillow opens 16-bit RGB as 8-bit RGB."""
    if image.format == "PNG" and len(data) > 24 and data[12:16] == b"IHDR":
        return data[24]
    if image.format == "TIFF":
        bits = getattr(image, "tag_v2", {}).get(258)
        if isinstance(bits, tuple) and bits and all(isinstance(b, int) for b in bits):
            return max(bits)
    if image.mode == "1":
        return 1
    if image.mode.startswith("I;16"):
        return 16
    return 32 if image.mode in ("I", "F") else 8


def _jpeg_quality(image: Image.Image) -> int | None:
    """The libjpeg quality (1-100) whose scaled standard table is closest to the file's first
    table; compared sorted, so the order Pillow returns the table in does not matter."""
    tables = getattr(image, "quantization", None) if image.format in ("JPEG", "MPO") else None
    table = tables.get(0) if isinstance(tables, dict) else None
    if not table or len(table) != 64:
        return None
    return _closest_quality(tuple(table))


@lru_cache(maxsize=256)
def _closest_quality(table: tuple[int, ...]) -> int:
    """Cached: a dataset's images share a few tables (one per camera and quality setting)."""
    import numpy as np

    observed = np.sort(np.asarray(table, dtype=np.int64))
    errors = np.abs(_scaled_tables() - observed).sum(axis=1)
    return int(errors.argmin()) + 1


@lru_cache(maxsize=1)
def _scaled_tables() -> "np.ndarray":  # noqa: F821 - numpy loads lazily
    """Row q-1: the standard table as libjpeg scales it for quality q, sorted."""
    import numpy as np

    rows = []
    base = np.asarray(STANDARD_LUMINANCE, dtype=np.int64)
    for quality in range(1, 101):
        scale = 5000 // quality if quality < 50 else 200 - 2 * quality
        rows.append(np.sort(np.clip((base * scale + 50) // 100, 1, 255)))
    return np.vstack(rows)
