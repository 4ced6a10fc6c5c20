"""Everything imagelint learns from one image's bytes, read with a single reduced decode.

Header facts (format, dimensions, colour mode, EXIF camera and orientation, JPEG quality)
come first and decide whether any decode happens at all, so a decompression bomb is rejected
before it can allocate: Pillow's own open-time checks stay on at imagelint's pixel limit, and
the decode must fit the memory budget (``decode_budget``). Then one reduced colour decode
(JPEG DCT scaling, a full decode elsewhere) proves the data is intact and feeds the perceptual
hashes (of the upright image, so a copy turned by EXIF still matches), the quality statistics
and the colour properties (``pixel_signals``). Facts depend only on the bytes, which is what lets the index key
them by content md5.
"""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFile, UnidentifiedImageError

from imagelint.facts.decode_budget import declared_size, reduction_factor, within_budget
from imagelint.facts.encoding import read_encoding
from imagelint.facts.exif import read_exif, upright
from imagelint.facts.pixel_digest import pixel_digest
from imagelint.facts.pixel_signals import pixel_signals

ImageFile.LOAD_TRUNCATED_IMAGES = False

#: Smallest side asked of the JPEG draft decode; libjpeg scales by 1/2, 1/4 or 1/8 at most.
DRAFT_SIZE = 64
#: Side (roughly) of the box-reduced colour image the colour properties are measured on.
COLOUR_SIDE = 64
#: Frames of a multi-picture (MPO) file that are checked for intact data.
MAX_FRAMES = 8
#: Bumped whenever a change here, or a library upgrade measured to matter (bench/LIBRARIES.md),
#: changes stored values, so cached and shared facts are recomputed. Facts are valid for
#: (content md5, FACTS_VERSION): nothing else, so they can travel between machines.
FACTS_VERSION = 4


@dataclass(frozen=True)
class ImageFacts:
    """What the rules need to know about one image; None where it could not be measured.

    ``md5`` is empty when the bytes were not read at all (too large, or not a regular file).
    """

    md5: str
    size: int
    format: str | None = None
    width: int = 0
    height: int = 0
    decoded: bool = False
    error: str | None = None
    phash: int | None = None
    phash_mirror: int | None = None
    phash_inner: int | None = None
    phash_probe: int | None = None
    signature: int | None = None
    pixel_digest: int | None = None
    tonal_range: int | None = None
    dark_score: float | None = None
    light_score: float | None = None
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
        return camera_name(self.camera_make, self.camera_model)

    @property
    def aspect_ratio(self) -> float | None:
        return upright_aspect_ratio(self.width, self.height, self.orientation)

    @property
    def was_read(self) -> bool:
        return bool(self.md5)


def camera_name(make: str | None, model: str | None) -> str | None:
    """Make and model as one name ("Canon EOS 5D", not "Canon Canon EOS 5D")."""
    make, model = make or "", model or ""
    if model.lower().startswith(make.lower().split(" ")[0]):
        return model or None
    return f"{make} {model}".strip() or None


def upright_aspect_ratio(width: int | None, height: int | None, orientation: int | None) -> float | None:
    """Width over height as shown upright (EXIF orientations 5 to 8 swap the sides)."""
    if not width or not height:
        return None
    width, height = (height, width) if (orientation or 1) >= 5 else (width, height)
    return round(width / height, 3)


def read_image_facts(data: bytes, max_pixels: int) -> ImageFacts:
    """Inspect ``data``; never raises for bad input, the problem lands in ``error``."""
    md5 = hashlib.md5(data).hexdigest()
    if not data:
        return ImageFacts(md5=md5, size=0, error="empty file (0 bytes)")
    Image.MAX_IMAGE_PIXELS = max_pixels  # above twice this, Pillow refuses to open at all
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        return ImageFacts(md5=md5, size=len(data), error="not an image Pillow can identify")
    except Image.DecompressionBombError as exc:
        declared = declared_size(data)
        if declared is None:
            return ImageFacts(md5=md5, size=len(data), error=f"decompression bomb: {_describe(exc)}")
        return ImageFacts(md5=md5, size=len(data), format=declared[0], width=declared[1], height=declared[2])
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
    if image.format in ("JPEG", "MPO"):
        # YCbCr skips libjpeg's colour conversion; its Y channel is what a grey draft gives
        image.draft("YCbCr" if image.mode in ("RGB", "YCbCr") else image.mode, (DRAFT_SIZE, DRAFT_SIZE))
        # the bytes are in memory: one decoder call, not one per 64 KB block (each a libjpeg suspension)
        image.decodermaxblock = max(image.decodermaxblock, len(data))
    if not within_budget(image, DRAFT_SIZE):
        return header  # not decoded: the rules report it beside the pixel limit
    try:
        gray, colour = reduced_decode(image, data)
        _check_other_frames(image, data)
    except Exception as exc:  # noqa: BLE001 - truncated, garbled, bad CRC ...
        return _replace(header, decoded=True, error=_describe(exc))
    signals = pixel_signals(upright(gray, header.orientation), colour)
    return _replace(header, decoded=True, pixel_digest=pixel_digest(data, image.format, header.orientation),
                    **vars(signals))


def reduced_decode(image: Image.Image, data: bytes) -> tuple[Image.Image, Image.Image | None]:
    """Decode ``image`` once, as small as its format allows: 8-bit grayscale, and a colour
    image of about ``COLOUR_SIDE`` pixels for the colour properties (None for grey images).

    The JPEG draft still walks the whole entropy-coded stream, so truncation raises here as it
    would on a full decode. PNG chunks after the pixel data are only CRC-checked by verify().
    Other formats decode in full and are then reduced by the factor the JPEG draft would use,
    so the rest of the pipeline costs the same for every format (and a 100-megapixel PNG
    needs memory for one decode, not five).
    """
    drafted = image.format in ("JPEG", "MPO")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        image.load()
        if image.format == "PNG":
            Image.open(io.BytesIO(data)).verify()
    image = _eight_bit(image)
    colour = _small_colour(image)
    if image.mode == "YCbCr":
        return image.getchannel(0), colour  # drafted: already reduced
    gray, alpha = _gray_and_alpha(image)
    factor = 1 if drafted else reduction_factor(image.size, DRAFT_SIZE)
    if factor > 1:
        gray = gray.reduce(factor)
        alpha = alpha.reduce(factor) if alpha is not None else None
    if alpha is not None:  # transparent pixels count as white, as a viewer shows them
        gray = Image.composite(gray, Image.new("L", gray.size, 255), alpha)
    return gray, colour


def _small_colour(image: Image.Image) -> Image.Image | None:
    """About ``COLOUR_SIDE`` pixels a side, RGB: a box reduction where Pillow reduces the mode
    in place, else a nearest-pixel sample (palette and alpha modes, without a full-size copy)."""
    if image.mode not in ("RGB", "YCbCr", "CMYK", "RGBA", "RGBa", "P"):
        return None  # grey modes, and the rare PA and LAB, whose hue is not worth a full-size copy
    factor = max(1, max(image.size) // COLOUR_SIDE)
    if image.mode in ("RGB", "YCbCr", "CMYK"):
        return image.reduce(factor).convert("RGB")
    size = (max(1, image.width // factor), max(1, image.height // factor))
    return image.resize(size, Image.Resampling.NEAREST).convert("RGB")


def _gray_and_alpha(image: Image.Image) -> tuple[Image.Image, Image.Image | None]:
    """8-bit luminance and, for an image with transparency, its alpha, one byte per pixel each
    (reducing RGBA itself would make a premultiplied copy four times the size)."""
    if image.mode == "PA":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA"):
        return image.convert("L"), image.getchannel("A")
    transparency = image.info.get("transparency")
    if image.mode == "P" and transparency is not None:
        table = [255] * 256
        if isinstance(transparency, int) and 0 <= transparency < 256:
            table[transparency] = 0
        elif isinstance(transparency, bytes):
            table[:len(transparency)] = list(transparency[:256])
        return image.convert("L"), image.point(table, "L")
    return image.convert("L"), None


def _eight_bit(image: Image.Image) -> Image.Image:
    """16-bit grayscale scaled to 8 bits (a plain conversion clips it to white); LAB by its lightness."""
    if image.mode.startswith("I;16") or (image.mode == "I" and image.format == "PNG"):
        return image.convert("I").point(lambda value: value / 256)
    if image.mode == "LAB":
        return image.getchannel("L")
    return image


def _check_other_frames(image: Image.Image, data: bytes) -> None:
    """Every picture of an MPO file must be intact, not only the first one that is shown."""
    if image.format != "MPO":
        return
    frames = getattr(image, "n_frames", 1)
    if frames > MAX_FRAMES:
        raise ValueError(f"{frames} pictures in one MPO file (more than {MAX_FRAMES})")
    for frame in range(1, frames):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            other = Image.open(io.BytesIO(data))
            other.seek(frame)
            other.draft("L", (DRAFT_SIZE, DRAFT_SIZE))
            if not within_budget(other, DRAFT_SIZE):
                raise ValueError(f"picture {frame + 1} is too large to decode")
            try:
                other.load()
            except OSError as exc:
                raise ValueError(f"picture {frame + 1} of {frames}: {_describe(exc)}") from None


def _replace(facts: ImageFacts, **changes: object) -> ImageFacts:
    from dataclasses import replace

    return replace(facts, **changes)  # type: ignore[arg-type]


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
