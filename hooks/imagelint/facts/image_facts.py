"""Everything imagelint learns from one image's bytes, read with a single reduced decode.

Header facts (format, dimensions, colour mode, EXIF camera and orientation, JPEG quality)
come first and decide whether any decode happens at all, so a decompression bomb is rejected
before it can allocate. Then one reduced colour decode (JPEG DCT scaling, a full decode
elsewhere) proves the data is intact and feeds the perceptual hashes (of the upright image,
so a copy rotated by EXIF still matches), the quality statistics and the colour properties. Facts depend only on the bytes, which is what lets the index key
them by content md5.
"""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFile, UnidentifiedImageError

from imagelint.facts.colour import colour_signals
from imagelint.facts.encoding import read_encoding
from imagelint.facts.exif import read_exif, upright

# imagelint enforces its own pixel limit from the header; Pillow's would raise first.
Image.MAX_IMAGE_PIXELS = None
ImageFile.LOAD_TRUNCATED_IMAGES = False

#: Smallest side asked of the JPEG draft decode; libjpeg scales by 1/2, 1/4 or 1/8 at most.
DRAFT_SIZE = 64
#: Largest side of the thumbnail the pixel statistics are measured on.
STATS_SIDE = 128
#: Side (roughly) of the box-reduced colour image the colour properties are measured on.
COLOUR_SIDE = 64
#: Bumped whenever a change here changes any stored value, so cached facts are recomputed.
FACTS_VERSION = 2


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
    mode: str | None = None
    bit_depth: int | None = None
    alpha: bool | None = None
    jpeg_quality: int | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    orientation: int | None = None
    brightness: float | None = None
    contrast: float | None = None
    saturation: float | None = None
    colourfulness: float | None = None
    dominant_hue: int | None = None

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def camera(self) -> str | None:
        """Make and model as one name ("Canon EOS 5D", not "Canon Canon EOS 5D")."""
        make, model = self.camera_make or "", self.camera_model or ""
        if model.lower().startswith(make.lower().split(" ")[0]):
            return model or None
        return f"{make} {model}".strip() or None

    @property
    def aspect_ratio(self) -> float | None:
        """Width over height as shown upright (EXIF orientations 5 to 8 swap the sides)."""
        if not self.width or not self.height:
            return None
        width, height = (self.height, self.width) if (self.orientation or 1) >= 5 else (self.width, self.height)
        return round(width / height, 3)


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
        **vars(read_encoding(image, data)),
        **vars(read_exif(image)),
    )
    if header.pixels > max_pixels or header.pixels == 0:
        return header
    try:
        decoded = reduced_decode(image, data)
    except Exception as exc:  # noqa: BLE001 - truncated, garbled, bad CRC ...
        return _replace(header, decoded=True, error=_describe(exc))
    decoded = upright(decoded, header.orientation)
    return _replace(header, decoded=True, **pixel_signals(decoded))


def reduced_decode(image: Image.Image, data: bytes) -> Image.Image:
    """Decode ``image`` once, as small as its format allows, as 8-bit RGB, YCbCr or L.

    The JPEG draft still walks the whole entropy-coded stream, so truncation raises here as it
    would on a full decode. PNG chunks after the pixel data are only CRC-checked by verify().
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if image.format in ("JPEG", "MPO"):
            # YCbCr skips libjpeg's colour conversion; its Y channel is what a grey draft gives
            image.draft("YCbCr" if image.mode in ("RGB", "YCbCr") else image.mode, (DRAFT_SIZE, DRAFT_SIZE))
        image.load()
        if image.format == "PNG":
            Image.open(io.BytesIO(data)).verify()
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        background.alpha_composite(image.convert("RGBA"))
        image = background
    if image.mode.startswith("I") or image.mode == "F":
        image = _eight_bit(image)
    return image if image.mode in ("RGB", "L", "YCbCr") else image.convert("RGB")


def _eight_bit(image: Image.Image) -> Image.Image:
    """A 16- or 32-bit grey image scaled to 8 bits (Pillow's convert would clip at 255)."""
    import numpy as np

    values = np.asarray(image, dtype=np.float64)
    top = float(values.max()) if values.size else 0.0
    scale = 1 / 256 if 255 < top <= 65535 else (255 / top if top > 65535 else 1.0)
    return Image.fromarray(np.clip(values * scale, 0, 255).astype(np.uint8))


def pixel_signals(decoded: Image.Image) -> dict[str, object]:
    """Perceptual hashes, quality statistics and colour properties of a reduced decode."""
    import imagehash  # numpy and scipy load only when an image is actually decoded
    import numpy as np

    gray = decoded.getchannel(0) if decoded.mode == "YCbCr" else decoded.convert("L")
    thumb = gray.copy()
    thumb.thumbnail((STATS_SIDE, STATS_SIDE))
    colour_thumb = thumb
    if decoded.mode != "L":  # averages need no detail: a box reduction to about COLOUR_SIDE pixels
        colour_thumb = decoded.reduce(max(1, max(decoded.size) // COLOUR_SIDE)).convert("RGB")
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
        **vars(colour_signals(colour_thumb)),
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
