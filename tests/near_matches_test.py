"""Near duplicates of every kind of image, through the command line on real files."""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFont

from images import encode, gradient, photo, write
from imagelint.cli import main
from imagelint.facts import fingerprint
from imagelint.facts.image_facts import read_image_facts
from imagelint.facts.pixel_digest import pixel_digest


def flat_graphic() -> Image.Image:
    """A logo on white: few colours, large flat areas, low entropy."""
    image = Image.new("RGB", (640, 480), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 120, 300, 360), fill=(200, 30, 40))
    draw.ellipse((340, 100, 560, 320), fill=(20, 60, 180))
    draw.rectangle((80, 400, 560, 420), fill=(40, 40, 40))
    return image


def screenshot(seed: int) -> Image.Image:
    """A light editor window: title bar, grey side panel, lines of dark text."""
    rng = np.random.default_rng(seed)
    shot = Image.new("RGB", (1280, 800), (245, 245, 245))
    draw = ImageDraw.Draw(shot)
    draw.rectangle((0, 0, 1280, 40), fill=tuple(int(c) for c in rng.integers(40, 200, 3)))
    side = int(rng.integers(160, 320))
    draw.rectangle((0, 40, side, 800), fill=(220, 220, 220))
    font = ImageFont.load_default(size=16)
    for y in range(56, 768, 22):
        words = " ".join("w" * int(rng.integers(2, 10)) for _ in range(int(rng.integers(1, 12))))
        draw.text((side + 16, y), words, fill=(30, 30, 30), font=font)
    return shot


def tinted_gradient(dark: tuple[int, int, int], light: tuple[int, int, int]) -> Image.Image:
    """A gradient at 30 degrees between two colours (the same luminance ramp for any colours of
    the same luminance)."""
    yy, xx = np.mgrid[0:480, 0:640] / 640
    t = xx * np.cos(np.radians(30)) + yy * np.sin(np.radians(30))
    t = (t - t.min()) / (t.max() - t.min())
    pixels = np.array(dark) + (np.array(light) - np.array(dark)) * t[..., None]
    return Image.fromarray(pixels.astype(np.uint8), "RGB")


def _crop(image: Image.Image, fraction: float) -> Image.Image:
    dx, dy = round(image.width * fraction / 2), round(image.height * fraction / 2)
    return image.crop((dx, dy, image.width - dx, image.height - dy))


def _exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    exif[0x0131] = "Some editor 1.0"  # Software
    return exif.tobytes()


PHOTO = photo(41, (640, 480))
#: (files written, expected findings as (code, the images it names, sorted)).
CASES = {
    "resized flat graphic": ({"train/logo/a.png": encode(flat_graphic(), "PNG"),
                              "test/logo/a.jpg": encode(flat_graphic().resize((448, 336)))},
                             [("IMG303", ("test/logo/a.jpg", "train/logo/a.png"))]),
    # each angle at least 60 degrees from the others and their mirror images (45 and 135 are mirrors)
    "four gradients": ({f"train/sky/{d}.png": encode(gradient(d), "PNG") for d in (30, 90, 210, 270)}, []),
    "mirrored gradient": ({"train/sky/45.png": encode(gradient(45), "PNG"), "test/sky/135.jpg": encode(gradient(135))},
                          [("IMG303", ("test/sky/135.jpg", "train/sky/45.png"))]),
    "10% crop of a photo": ({"train/cat/a.jpg": encode(PHOTO), "test/cat/a.jpg": encode(_crop(PHOTO, 0.1))},
                            [("IMG303", ("test/cat/a.jpg", "train/cat/a.jpg"))]),
    "5 degree turn of a photo": ({"train/cat/a.jpg": encode(PHOTO),
                                  "test/cat/a.jpg": encode(PHOTO.rotate(5, resample=Image.Resampling.BICUBIC))},
                                 [("IMG303", ("test/cat/a.jpg", "train/cat/a.jpg"))]),
    "-5 degree turn of a photo": ({"train/cat/a.jpg": encode(PHOTO),
                                   "test/cat/a.jpg": encode(PHOTO.rotate(-5, resample=Image.Resampling.BICUBIC))},
                                  [("IMG303", ("test/cat/a.jpg", "train/cat/a.jpg"))]),
    # the side panel clips to white: the layout moves, and the keys stay close
    "brightened screenshot": ({"train/ui/a.png": encode(screenshot(1), "PNG"),
                               "test/ui/a.jpg": encode(ImageEnhance.Brightness(screenshot(1)).enhance(1.2))},
                              [("IMG303", ("test/ui/a.jpg", "train/ui/a.png"))]),
    # the same luminance ramp: only the tint tells them apart, faint as one of them is
    "faintly tinted and blue gradients": ({"train/sky/brown.png": encode(tinted_gradient((60, 56, 54), (206, 200, 198)), "PNG"),
                                           "train/sky/blue.png": encode(tinted_gradient((40, 55, 110), (180, 200, 255)), "PNG")},
                                          []),
    "metadata stripped": ({"train/cat/a.jpg": encode(PHOTO, exif=_exif()), "train/cat/b.jpg": encode(PHOTO)},
                          [("IMG301", ("train/cat/a.jpg", "train/cat/b.jpg"))]),
    "blank frame": ({"train/cat/blank.jpg": encode(Image.new("RGB", (640, 480), (128, 128, 128)))},
                    [("IMG204", ("train/cat/blank.jpg",))]),
    "ordinary photo": ({"train/cat/a.jpg": encode(PHOTO)}, []),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_findings_per_case(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    files, expected = CASES[case]
    for name, data in files.items():
        write(tmp_path / name, data)
    monkeypatch.chdir(tmp_path)
    main(["check", ".", "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    found = sorted((f["code"], tuple(sorted([f["path"], *f["related"]]))) for f in findings
                   if f["code"].startswith(("IMG3", "IMG204")))
    assert found == expected


def test_the_pixel_digest_ignores_metadata_and_sees_orientation() -> None:
    plain, tagged = encode(PHOTO), encode(PHOTO, exif=_exif())
    assert plain != tagged and pixel_digest(plain, "JPEG", None) == pixel_digest(tagged, "JPEG", None)
    assert pixel_digest(plain, "JPEG", 6) != pixel_digest(plain, "JPEG", None)
    assert pixel_digest(encode(PHOTO, quality=80), "JPEG", None) != pixel_digest(plain, "JPEG", None)
    png = encode(PHOTO, "PNG")
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "exported")
    assert pixel_digest(encode(PHOTO, "PNG", pnginfo=info), "PNG", None) == pixel_digest(png, "PNG", None)
    assert pixel_digest(encode(PHOTO, "BMP"), "BMP", None) is None


def test_a_mirror_signature_is_the_signature_of_the_mirror_image() -> None:
    plain = read_image_facts(encode(PHOTO), 10**8).signature
    flipped = read_image_facts(encode(PHOTO.transpose(Image.Transpose.FLIP_LEFT_RIGHT)), 10**8).signature
    cells, tone, tint, smooth = fingerprint.unpack(fingerprint.mirrored(np.array([plain], dtype=np.uint64)))
    other = fingerprint.unpack(np.array([flipped], dtype=np.uint64))
    assert np.abs(cells - other[0]).sum() <= 4 and tone == other[1] and (tint == other[2]).all()


def test_the_layout_key_counts_cell_differences() -> None:
    signatures = np.array([read_image_facts(encode(photo(seed)), 10**8).signature for seed in (1, 2)], dtype=np.uint64)
    cells = fingerprint.unpack(signatures)[0] // 2
    keys = fingerprint.layout_key(signatures)
    assert bin(int(keys[0] ^ keys[1])).count("1") == int(np.abs(cells[0] - cells[1]).sum())


def test_a_blank_frame_has_no_layout() -> None:
    blank = io.BytesIO()
    Image.new("L", (300, 200), 250).save(blank, "PNG")
    assert read_image_facts(blank.getvalue(), 10**8).signature == fingerprint.NO_LAYOUT
