"""Colour, EXIF and encoding facts, measured on real photographs."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from images import encode
from photos import COLOUR, GREY, real_photo
from imagelint.facts.image_facts import read_image_facts

LIMIT = 10**8


def _facts(image: Image.Image, image_format: str = "JPEG", **options: object):
    return read_image_facts(encode(image, image_format, **options), LIMIT)


def _exif(**tags: object) -> bytes:
    exif = Image.Exif()
    for tag, value in {"make": 0x010F, "model": 0x0110, "orientation": 0x0112}.items():
        if tag in tags:
            exif[value] = tags[tag]
    return exif.tobytes()


@pytest.mark.parametrize("quality", [40, 75, 90, 97])
def test_jpeg_quality_is_read_back_from_the_quantisation_tables(quality: int) -> None:
    assert _facts(real_photo("chelsea.png"), quality=quality).jpeg_quality == quality


def test_lighting_and_colour_follow_the_pixels() -> None:
    chelsea = real_photo("chelsea.png")
    plain = _facts(chelsea)
    darker = _facts(ImageEnhance.Brightness(chelsea).enhance(0.5))
    grey = _facts(chelsea.convert("L"))
    flat = _facts(ImageEnhance.Contrast(chelsea).enhance(0.3))
    assert darker.brightness == pytest.approx(plain.brightness / 2, abs=0.03)
    assert flat.contrast < plain.contrast * 0.5
    assert grey.saturation == 0 and grey.colourfulness < 1 and grey.dominant_hue is None
    assert plain.saturation > 0.2 and plain.colourfulness > 20 and plain.dominant_hue is not None
    assert 0 < plain.brightness < 1 and 0 < plain.contrast < 0.5


def test_every_sample_photo_gets_every_property() -> None:
    for name in COLOUR + GREY:
        facts = _facts(real_photo(name))
        assert facts.error is None and facts.decoded, name
        assert None not in (facts.brightness, facts.contrast, facts.saturation, facts.colourfulness), name
        assert facts.mode == "RGB" and facts.bit_depth == 8 and facts.alpha is False, name
    assert {_facts(real_photo(name)).dominant_hue for name in COLOUR} - {None}  # colour photos have hues


def test_camera_and_orientation_from_exif_and_hashes_of_the_upright_image() -> None:
    astronaut = real_photo("astronaut.png").resize((320, 240))
    upright = _facts(astronaut)
    turned = _facts(astronaut.transpose(Image.Transpose.ROTATE_90),
                    exif=_exif(make="Canon", model="Canon EOS 5D Mark II\x00", orientation=6))
    assert (turned.camera_make, turned.camera_model, turned.camera) == ("Canon", "Canon EOS 5D Mark II",
                                                                         "Canon EOS 5D Mark II")
    assert turned.orientation == 6 and turned.aspect_ratio == upright.aspect_ratio == round(320 / 240, 3)
    assert bin(turned.phash ^ upright.phash).count("1") <= 2
    assert upright.camera is None and upright.orientation is None
    phone = _facts(astronaut, exif=_exif(make="Apple", model="iPhone 12"))
    assert phone.camera == "Apple iPhone 12"


def test_exif_text_is_cut_to_printable_ascii() -> None:
    facts = _facts(real_photo("coffee.png"), exif=_exif(make="\x07Evil\x1b[31m" + "x" * 200, orientation=99))
    assert facts.camera_make is not None and len(facts.camera_make) <= 64
    assert all(" " <= c <= "~" for c in facts.camera_make) and facts.orientation is None


def test_colour_modes_and_bit_depths() -> None:
    coffee = real_photo("coffee.png")
    grey16 = (np.asarray(coffee.convert("L"), dtype=np.uint16) * 257)
    sixteen = read_image_facts(encode(Image.fromarray(grey16), "PNG"), LIMIT)
    cmyk = io.BytesIO()
    coffee.convert("CMYK").save(cmyk, "JPEG", quality=90)
    cases = {
        "cmyk": (read_image_facts(cmyk.getvalue(), LIMIT), "CMYK", 8, False),
        "16-bit": (sixteen, "I;16", 16, False),
        "alpha": (_facts(coffee.convert("RGBA"), "PNG"), "RGBA", 8, True),
        "palette": (_facts(coffee.convert("P"), "PNG"), "P", 8, False),
        "grey": (_facts(coffee.convert("L"), "PNG"), "L", 8, False),
    }
    for name, (facts, mode, bits, alpha) in cases.items():
        assert (facts.mode, facts.bit_depth, facts.alpha) == (mode, bits, alpha), name
    grey8 = cases["grey"][0]
    assert sixteen.brightness == pytest.approx(grey8.brightness, abs=0.01)  # scaled, not clipped to white
