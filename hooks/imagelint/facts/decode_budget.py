"""How much memory an image's decode will take, known from its header before a pixel is allocated.

A 43-byte GIF can declare a 65535 x 65535 canvas and a 1 KB PNG 1 x 100,000,000 pixels; both
are cheap to open and ruinous to decode. The pixel limit alone does not bound memory (Pillow
keeps one pointer per row, so a 1-pixel-wide image of 100 MP needs 800 MB before any pixel),
so every decode is also checked against a fixed budget, estimated from the size and mode.
"""
from __future__ import annotations

import struct

from PIL import Image

#: Memory one image's decode may take, above the interpreter; every worker stays within it.
DECODE_BUDGET = 512 * 2**20
#: Bytes per pixel of the reduced image's pipeline: grayscale, alpha, the flattened result,
#: its mirror and the statistics thumbnail.
_REDUCED_PIPELINE = 5


def reduction_factor(size: tuple[int, int], smallest: int) -> int:
    """2, 4 or 8 as the JPEG draft picks it: the largest that keeps both sides at least ``smallest``."""
    scale = min(size[0] // smallest, size[1] // smallest)
    return next((factor for factor in (8, 4, 2) if scale >= factor), 1)


def decode_bytes(image: Image.Image, smallest: int) -> int:
    """Peak bytes the pixel pipeline allocates for ``image`` at its current (drafted) size.

    The full-size decode, the conversions to 8-bit grayscale and alpha, one pointer per row for
    each, then the pipeline on the images reduced by ``reduction_factor`` (JPEGs come drafted).
    """
    width, height = image.size
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    per_pixel = _bytes_per_pixel(image.mode) + _conversion_bytes(image) + 1 + transparent  # grayscale, alpha
    factor = 1 if image.format in ("JPEG", "MPO") else reduction_factor(image.size, smallest)
    reduced = (width // factor + 1) * (height // factor + 1)
    return width * height * per_pixel + reduced * _REDUCED_PIPELINE + height * 8 * 4 + (height // factor) * 8 * 5


def within_budget(image: Image.Image, smallest: int) -> bool:
    return decode_bytes(image, smallest) <= DECODE_BUDGET


def _bytes_per_pixel(mode: str) -> int:
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4  # Pillow stores every other mode in 32 bits per pixel


def _conversion_bytes(image: Image.Image) -> int:
    if image.mode == "PA":
        return 4
    if image.mode.startswith("I;16") or image.mode == "I":
        return 8  # to 32-bit integers, then scaled
    return 1 if image.mode == "LAB" else 0


def declared_size(data: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) a GIF, PNG or BMP header declares, for images Pillow refuses to open.

    For a GIF the canvas grows to hold every frame, as Pillow's reader does.
    """
    try:
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return ("GIF", *_gif_canvas(data))
        if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return "PNG", width, height
        if data[:2] == b"BM":
            header = struct.unpack("<I", data[14:18])[0]
            if header == 12:
                width, height = struct.unpack("<HH", data[18:22])
            else:
                width, height = struct.unpack("<ii", data[18:26])
            return "BMP", abs(width), abs(height)
    except (struct.error, IndexError):
        return None
    return None


def _gif_canvas(data: bytes) -> tuple[int, int]:
    """The logical screen grown to hold the first frame, parsed as Pillow's reader parses it
    (bytes that start no block are skipped, an extension's sub-blocks run to an empty one)."""
    width, height = struct.unpack("<HH", data[6:10])
    flags = data[10]
    position = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while position < len(data) and data[position] != 0x3B:
        if data[position] == 0x2C:
            left, top, frame_width, frame_height = struct.unpack("<HHHH", data[position + 1:position + 9])
            return max(width, left + frame_width), max(height, top + frame_height)
        if data[position] == 0x21:
            position += 2
            while position < len(data) and data[position]:
                position += data[position] + 1
        position += 1
    return width, height
