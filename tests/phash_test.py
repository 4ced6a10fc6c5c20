"""imagelint's pHash pair is imagehash's pHash of the image and of its mirror, bit for bit."""
from __future__ import annotations

import imagehash
import numpy as np
import pytest
from PIL import Image

from images import photo
from imagelint.facts.phash import phash_pair
from photos import COLOUR, GREY, real_photo

FLIP = Image.Transpose.FLIP_LEFT_RIGHT


def _reference(gray: Image.Image) -> tuple[int, int]:
    # imagehash's own hexadecimal form, row-major with the first bit most significant
    return int(str(imagehash.phash(gray)), 16), int(str(imagehash.phash(gray.transpose(FLIP))), 16)


@pytest.mark.parametrize("name", COLOUR + GREY)
def test_photos_at_many_sizes_hash_as_imagehash_does(name: str) -> None:
    gray = real_photo(name).convert("L")
    for width in (7, 31, 32, 33, 64, 95, 96, 127, 160, 333, 500):
        resized = gray.resize((width, max(1, width * gray.height // gray.width)))
        assert phash_pair(resized) == _reference(resized), width


def test_synthetic_photos_hash_as_imagehash_does() -> None:
    for seed in range(20):
        gray = photo(seed, (200 + 13 * seed, 150 + 7 * seed)).convert("L")
        assert phash_pair(gray) == _reference(gray)


@pytest.mark.parametrize("kind", ["black", "white", "grey", "horizontal gradient", "vertical gradient",
                                  "radial gradient", "checkerboard"])
def test_flat_and_symmetric_images_whose_coefficients_tie_hash_as_imagehash_does(kind: str) -> None:
    ramp = np.tile(np.linspace(0, 255, 96).astype(np.uint8), (64, 1))
    images = {
        "black": Image.new("L", (96, 64), 0),
        "white": Image.new("L", (96, 64), 255),
        "grey": Image.new("L", (96, 64), 128),
        "horizontal gradient": Image.fromarray(ramp),
        "vertical gradient": Image.fromarray(ramp).rotate(90, expand=True),
        "radial gradient": Image.radial_gradient("L").resize((96, 64)),
        "checkerboard": Image.fromarray(((np.indices((64, 96)).sum(0) // 8 % 2) * 255).astype(np.uint8)),
    }
    assert phash_pair(images[kind]) == _reference(images[kind])
