"""What one reduced decode tells about an image's pixels: its perceptual hashes, the extra keys
of duplicate search, quality statistics and colour properties.

The quality statistics are measured on a grayscale thumbnail of at most ``STATS_SIDE`` pixels:
``tonal_range`` is the grey levels spanned by the middle 98% of its pixels, ``dark_score`` its
99th percentile and ``light_score`` one minus its 5th (both of 255), ``edge_strength`` the
spread of a Laplacian over it. The colour properties come from the small colour image of the
decode, or from the thumbnail for a grey image.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate

from PIL import Image

from imagelint.facts.colour import colour_signals, std
from imagelint.facts.fingerprint import fingerprint

#: Largest side of the thumbnail the pixel statistics are measured on.
STATS_SIDE = 128


@dataclass(frozen=True)
class PixelSignals:
    phash: int
    phash_mirror: int
    phash_inner: int
    phash_probe: int
    signature: int
    dark_score: float
    light_score: float
    tonal_range: int
    edge_strength: float
    brightness: float
    contrast: float
    saturation: float
    colourfulness: float
    dominant_hue: int | None


def pixel_signals(gray: Image.Image, colour: Image.Image | None = None) -> PixelSignals:
    """The signals of a reduced grayscale image (upright) and of its small colour image (None
    for grey images)."""
    import numpy as np  # numpy loads only when an image is actually decoded

    from imagelint.facts.phash import phash_of, phash_pair

    thumb = gray.copy()
    thumb.thumbnail((STATS_SIDE, STATS_SIDE))
    cumulative = list(accumulate(thumb.histogram()))
    pixels = np.asarray(thumb, dtype=np.int16)  # numpy sums whole numbers exactly: the float64 std, sooner
    laplacian = 4 * pixels[1:-1, 1:-1] - (pixels[:-2, 1:-1] + pixels[2:, 1:-1] + pixels[1:-1, :-2] + pixels[1:-1, 2:])
    phash, phash_mirror = phash_pair(gray)
    dark = _percentile(cumulative, 0.99)
    return PixelSignals(
        phash=phash,
        phash_mirror=phash_mirror,
        **vars(fingerprint(gray, colour, phash_of)),
        dark_score=round(dark / 255, 3),
        light_score=round(1 - _percentile(cumulative, 0.05) / 255, 3),
        tonal_range=dark - _percentile(cumulative, 0.01),
        edge_strength=round(std(laplacian) if laplacian.size else 0.0, 3),
        **vars(colour_signals(colour if colour is not None else thumb)),
    )


def _percentile(cumulative: list[int], fraction: float) -> int:
    """The first grey level whose running count reaches ``fraction`` of all pixels."""
    return min(bisect_left(cumulative, fraction * cumulative[-1]), len(cumulative) - 1)
