"""What duplicate search keeps of an image beyond its pHash, from the same reduced decode.

pHash keeps the signs of 64 low-frequency coefficients against their median. For an image with
little structure (a gradient, a nearly blank frame) most of those signs are noise, so unrelated
images of that kind land within the threshold of each other. The ``signature`` confirms a
pHash candidate on another basis: the layout of a 4x4 grid of mean luminance over the central
80% (the corners a turned copy fills with black left out), normalised by its own spread (so a
brightness change or a grayscale copy keeps it), coarse tone and tint, and whether the image
is smooth: for two smooth images the layout is also a search key (``layout_key``), since their
pHashes may be far apart even for a plain resized copy.

Two more pHashes find re-framed copies symmetrically, without storing the copies' hashes:
``phash_inner`` hashes the central 90% (a 10% crop of the other image hashes about the same),
and ``phash_probe`` hashes the central 90% of the image turned by ``PROBE_DEGREES``, which is
close to the inner hash of a copy turned by that angle (and, the other way round, a copy turned
back by it is close to this image's inner hash).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from PIL import Image

if TYPE_CHECKING:
    import numpy as np

#: Side of the central part hashed by ``phash_inner`` and ``phash_probe``.
INNER = 0.9
#: Side of the central part the signature describes: without the corners a turned copy fills.
SIGNATURE_PART = 0.8
#: The turn that ``phash_probe`` undoes (either way, see the module docstring).
PROBE_DEGREES = 5.0
#: Longest side (about) of the copy of the reduced grey image everything here is measured on:
#: twice what pHash keeps (32 px), so the extra hashes cost little more than one pHash.
WORK_SIDE = 64
#: Cells per side of the luminance grid.
GRID = 4
#: Below this spread of the cell means (grey levels) an image has no layout to compare.
FLAT_SPREAD = 0.5
#: Signature of an image without layout (a blank frame): it confirms no near match.
NO_LAYOUT = 0

#: Below this 90th percentile of the absolute Laplacian (grey levels) the central part is
#: smooth: a gradient, a nearly uniform frame, soft flat art, whose pHash bits are mostly
#: noise. A percentile, so a watermark or the corners of a turned copy do not change it.
SMOOTH_LAPLACIAN = 7.0

_CELL_BITS = 3
_TONE_BITS = 3
_TINT_BITS = 6
_TINT_STEP = 4.0  # opponent-colour units (of 255) per tint level


@dataclass(frozen=True)
class Fingerprint:
    phash_inner: int
    phash_probe: int
    signature: int


def fingerprint(gray: Image.Image, colour: Image.Image | None, phash: Callable[[Image.Image], int]) -> Fingerprint:
    """The extra keys of a reduced grey image; ``phash`` is the pHash function the facts use."""
    small = gray.reduce(max(1, max(gray.size) // WORK_SIDE))
    turned = small.rotate(PROBE_DEGREES, Image.Resampling.BICUBIC)
    return Fingerprint(
        phash_inner=phash(_central(small, INNER)),
        phash_probe=phash(_central(turned, INNER)),
        signature=signature(small, colour),
    )


def signature(gray: Image.Image, colour: Image.Image | None) -> int:
    """48 bits of normalised layout, 3 of tone, 1 for smooth, 12 of tint, as one unsigned
    64-bit integer."""
    import numpy as np

    part = _central(gray, SIGNATURE_PART)
    cells = np.asarray(part.resize((GRID, GRID), Image.Resampling.BOX), dtype=np.float64).ravel()
    spread = float(cells.std())
    if spread < FLAT_SPREAD:
        return NO_LAYOUT
    z = (cells - cells.mean()) / spread
    codes = np.clip(np.floor((z + 2) * (1 << _CELL_BITS) / 4), 0, (1 << _CELL_BITS) - 1).astype(np.uint64)
    shifts = np.arange(_CELL_BITS * (GRID * GRID - 1), -1, -_CELL_BITS, dtype=np.uint64)
    value = int(np.bitwise_or.reduce(codes << shifts))
    # the mean as numpy takes it (an exact sum, one division), so the tone's floor is the same
    tone = min(int(int(np.asarray(gray).sum(dtype=np.int64)) / (gray.width * gray.height)) >> (8 - _TONE_BITS),
               (1 << _TONE_BITS) - 1)
    value = (value << _TONE_BITS) | tone
    value = (value << 1) | _smooth(np.asarray(part, dtype=np.int16))
    for level in _tint(colour):
        value = (value << _TINT_BITS) | (level & ((1 << _TINT_BITS) - 1))
    return value


def unpack(values: "np.ndarray") -> "tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]":
    """Cell codes (n x 16, 0..7), tone (n, 0..7), signed tint levels (n x 2) and whether smooth
    (n) of signatures."""
    import numpy as np

    values = np.asarray(values, dtype=np.uint64)
    tint_mask, half = np.uint64((1 << _TINT_BITS) - 1), 1 << (_TINT_BITS - 1)
    tint = np.stack([(values >> np.uint64(_TINT_BITS * k)) & tint_mask for k in (1, 0)], axis=1).astype(np.int64)
    tint = np.where(tint >= half, tint - (1 << _TINT_BITS), tint)
    rest = values >> np.uint64(2 * _TINT_BITS)
    smooth = (rest & np.uint64(1)).astype(bool)
    rest = rest >> np.uint64(1)
    tone = (rest & np.uint64((1 << _TONE_BITS) - 1)).astype(np.int64)
    rest = rest >> np.uint64(_TONE_BITS)
    shifts = np.uint64(_CELL_BITS) * np.arange(GRID * GRID - 1, -1, -1, dtype=np.uint64)
    cells = ((rest[:, None] >> shifts) & np.uint64((1 << _CELL_BITS) - 1)).astype(np.int64)
    return cells, tone, tint, smooth


def smooth(values: "np.ndarray") -> "np.ndarray":
    """Whether each signature is of a smooth image with a layout (one bit, without unpacking)."""
    import numpy as np

    # a signature with the bit set is not NO_LAYOUT (0): one mask answers both
    return (np.asarray(values, dtype=np.uint64) & np.uint64(1 << (2 * _TINT_BITS))) != 0


def mirrored(values: "np.ndarray") -> "np.ndarray":
    """The signatures of the mirror images (the layout's columns reversed)."""
    import numpy as np

    values = np.asarray(values, dtype=np.uint64)
    low_bits = 2 * _TINT_BITS + 1 + _TONE_BITS
    cells, *_ = unpack(values)
    flipped = cells.reshape(-1, GRID, GRID)[:, :, ::-1].reshape(cells.shape).astype(np.uint64)
    shifts = np.uint64(_CELL_BITS) * np.arange(GRID * GRID - 1, -1, -1, dtype=np.uint64)
    layout = np.bitwise_or.reduce(flipped << shifts, axis=1) if len(cells) else np.zeros(0, np.uint64)
    kept = values & np.uint64((1 << low_bits) - 1)
    return np.where(values == NO_LAYOUT, values, (layout << np.uint64(low_bits)) | kept)


def layout_key(values: "np.ndarray") -> "np.ndarray":
    """The layout as a 48-bit key whose Hamming distance is the sum of cell differences on four
    levels (each cell's code halved, as a 3-bit thermometer code), for the bit-count search."""
    import numpy as np

    cells, *_ = unpack(values)
    thermometer = np.array([0b000, 0b001, 0b011, 0b111], dtype=np.uint64)[cells // 2]
    shifts = np.uint64(3) * np.arange(GRID * GRID, dtype=np.uint64)
    return np.bitwise_or.reduce(thermometer << shifts, axis=1) if len(cells) else np.zeros(0, np.uint64)


def _tint(colour: Image.Image | None) -> tuple[int, int]:
    """Mean red-green and yellow-blue opponent colour, in signed levels (0, 0 for grey)."""
    import numpy as np

    if colour is None:
        return 0, 0
    pixels = np.asarray(colour if colour.mode == "RGB" else colour.convert("RGB")).reshape(-1, 3)
    # one channel at a time: a reduction along the short axis of (n, 3) takes ten times as long;
    # integer sums are exact, so each mean is the one numpy's float mean gives
    red, green, blue = (int(pixels[:, k].sum(dtype=np.int64)) / len(pixels) for k in range(3))
    rg, yb = red - green, (red + green) / 2 - blue
    limit = (1 << (_TINT_BITS - 1)) - 1
    return max(-limit, min(limit, round(rg / _TINT_STEP))), max(-limit, min(limit, round(yb / _TINT_STEP)))


def _smooth(pixels: "np.ndarray") -> int:
    import numpy as np

    if min(pixels.shape) < 3:
        return 1
    laplacian = 4 * pixels[1:-1, 1:-1] - (pixels[:-2, 1:-1] + pixels[2:, 1:-1] + pixels[1:-1, :-2] + pixels[1:-1, 2:])
    magnitudes = np.abs(laplacian).ravel()
    rank = int(0.9 * (len(magnitudes) - 1))  # the 90th percentile, without sorting everything
    return int(np.partition(magnitudes, rank)[rank] < SMOOTH_LAPLACIAN)


def _central(image: Image.Image, part: float) -> Image.Image:
    margin_x, margin_y = image.width * (1 - part) / 2, image.height * (1 - part) / 2
    return image.crop((round(margin_x), round(margin_y), round(image.width - margin_x), round(image.height - margin_y)))
