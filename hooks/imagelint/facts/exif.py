"""What the EXIF block says about an image: the camera that took it and how to turn it upright.

Camera make and model are a shortcut factor (all of one class from one camera teaches the
camera); the orientation tag is what loaders that ignore EXIF get wrong. Both are read from
the header Pillow parsed at open, so they cost no decode (and never start one). Text from EXIF is untrusted: it is
cut to printable ASCII and ``MAX_TEXT`` characters.
"""
from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

MAKE, MODEL, ORIENTATION = 0x010F, 0x0110, 0x0112
MAX_TEXT = 64

#: EXIF orientation -> the transpose that makes the stored pixels upright (1 needs none).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class ExifFacts:
    camera_make: str | None = None
    camera_model: str | None = None
    orientation: int | None = None


def read_exif(image: Image.Image) -> ExifFacts:
    """Camera and orientation, None where absent or unreadable (a broken EXIF block is not a
    broken image). Only EXIF the header holds: Pillow's PNG reader would decode the whole image
    to look for an eXIf chunk after the pixels, before imagelint's memory budget is checked."""
    if "exif" not in image.info and image.format != "TIFF":
        return ExifFacts()
    try:
        exif = image.getexif()
        make, model, orientation = exif.get(MAKE), exif.get(MODEL), exif.get(ORIENTATION)
    except Exception:  # noqa: BLE001 - malformed EXIF is common and harmless to the pixels
        return ExifFacts()
    return ExifFacts(_text(make), _text(model), orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else None)


def upright(image: Image.Image, orientation: int | None) -> Image.Image:
    """``image`` as a viewer that honours EXIF shows it, so hashes match a rotated copy."""
    method = UPRIGHT.get(orientation or 1)
    return image.transpose(method) if method is not None else image


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    text = "".join(c for c in value if " " <= c <= "~").strip()[:MAX_TEXT].strip()
    return text or None
