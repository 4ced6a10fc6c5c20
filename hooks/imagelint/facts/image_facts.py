"""Everything imagelint learns from one image's bytes, read with a single reduced decode.

Header facts (format, dimensions) come first and decide whether any decode happens at all,
so a decompression bomb is rejected before it can allocate. Then one reduced decode (JPEG DCT
scaling, a full decode elsewhere) proves the data is intact and feeds the perceptual hashes
and the pixel statistics. Facts depend only on the bytes, which is what lets the index key
them by content md5.
"""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFile, UnidentifiedImageError

# imagelint enforces its own pixel limit from the header; Pillow's would raise first.
Image.MAX_IMAGE_PIXELS = None
ImageFile.LOAD_TRUNCATED_IMAGES = False

#: Smallest side asked of the JPEG draft decode; libjpeg scales by 1/2, 1/4 or 1/8 at most.
DRAFT_SIZE = 64
#: Largest side of the thumbnail the pixel statistics are measured on.
STATS_SIDE = 128
#: Bumped whenever a change here, or a library upgrade measured to matter (bench/LIBRARIES.md),
#: changes stored values, so cached and shared facts are recomputed. Facts are valid for
#: (content md5, FACTS_VERSION): nothing else, so they can travel between machines.
FACTS_VERSION = 1


@dataclass(frozen=True)
class ImageFacts:
    """What the rules need to know about one image; None where it could not be measured."""

    md5: str
    size: int
    format: str | None = None
    width: int = 0
    height: int = 0
    decoded: bool = False
    error: str | None = None
    phash: int | None = None
    phash_mirror: int | None = None
    dark_score: float | None = None
    light_score: float | None = None
    entropy: float | None = None
    edge_strength: float | None = None

    @property
    def pixels(self) -> int:
        return self.width * self.height


def read_image_facts(data: bytes, max_pixels: int) -> ImageFacts:
    """Inspect ``data``; never raises for bad input, the problem lands in ``error``."""
    md5 = hashlib.md5(data).hexdigest()
    if not data:
        return ImageFacts(md5=md5, size=0, error="empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        return ImageFacts(md5=md5, size=len(data), error="not an image Pillow can identify")
    except Exception as exc:  # noqa: BLE001 - any parser failure is a property of the file
        return ImageFacts(md5=md5, size=len(data), error=f"unreadable header: {_describe(exc)}")
    header = ImageFacts(
        md5=md5,
        size=len(data),
        format=image.format,
        width=image.width,
        height=image.height,
    )
    if header.pixels > max_pixels or header.pixels == 0:
        return header
    try:
        gray = reduced_gray(image, data)
    except Exception as exc:  # noqa: BLE001 - truncated, garbled, bad CRC ...
        return _replace(header, decoded=True, error=_describe(exc))
    return _replace(header, decoded=True, **pixel_signals(gray))


def reduced_gray(image: Image.Image, data: bytes) -> Image.Image:
    """Decode ``image`` once, as small as its format allows, as 8-bit grayscale.

    The JPEG draft still walks the whole entropy-coded stream, so truncation raises here as it
    would on a full decode. PNG chunks after the pixel data are only CRC-checked by verify().
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if image.format in ("JPEG", "MPO"):
            image.draft("L", (DRAFT_SIZE, DRAFT_SIZE))
        image.load()
        if image.format == "PNG":
            Image.open(io.BytesIO(data)).verify()
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        background.alpha_composite(image.convert("RGBA"))
        image = background
    return image.convert("L")


def pixel_signals(gray: Image.Image) -> dict[str, object]:
    """Perceptual hashes and quality statistics of a reduced grayscale image."""
    import imagehash  # numpy and scipy load only when an image is actually decoded
    import numpy as np

    thumb = gray.copy()
    thumb.thumbnail((STATS_SIDE, STATS_SIDE))
    histogram = thumb.histogram()
    total = sum(histogram)
    pixels = np.asarray(thumb, dtype=np.float64)
    laplacian = 4 * pixels[1:-1, 1:-1] - pixels[:-2, 1:-1] - pixels[2:, 1:-1] - pixels[1:-1, :-2] - pixels[1:-1, 2:]
    return {
        "phash": hash_to_int(imagehash.phash(gray)),
        "phash_mirror": hash_to_int(imagehash.phash(gray.transpose(Image.Transpose.FLIP_LEFT_RIGHT))),
        "dark_score": round(_percentile(histogram, total, 0.99) / 255, 3),
        "light_score": round(1 - _percentile(histogram, total, 0.05) / 255, 3),
        "entropy": round(thumb.entropy(), 3),
        "edge_strength": round(float(laplacian.std()) if laplacian.size else 0.0, 3),
    }


def hash_to_int(image_hash: object) -> int:
    """An ImageHash as an unsigned 64-bit integer (row-major bits, first bit most significant)."""
    value = 0
    for bit in image_hash.hash.flatten():  # type: ignore[attr-defined]
        value = (value << 1) | int(bit)
    return value


def _percentile(histogram: list[int], total: int, fraction: float) -> int:
    threshold = fraction * total
    running = 0
    for level, count in enumerate(histogram):
        running += count
        if running >= threshold:
            return level
    return len(histogram) - 1


def _replace(facts: ImageFacts, **changes: object) -> ImageFacts:
    from dataclasses import replace

    return replace(facts, **changes)  # type: ignore[arg-type]


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
