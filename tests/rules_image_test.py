from __future__ import annotations

import io

import pytest
from PIL import Image

from images import encode, photo
from imagelint.config import build_config
from imagelint.sources.dataset import ImageRef
from imagelint.facts.image_facts import read_image_facts
from imagelint.rules.image import image_findings

LIMITS = build_config({}, "test").limits
GOOD = encode(photo(7))


def _bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (40000, 40000)).save(buffer, "PNG")
    return buffer.getvalue()


def _flat(value: int) -> bytes:
    return encode(Image.new("RGB", (320, 320), (value, value, value)))


CASES = [
    ("good.jpg", GOOD, []),
    ("good.png", encode(photo(7), "PNG"), []),
    ("good.bmp", encode(photo(7), "BMP"), []),
    ("empty.jpg", b"", ["IMG001"]),
    ("page.jpg", b"<html>nope</html>", ["IMG001"]),
    ("cut.jpg", GOOD[: len(GOOD) // 2], ["IMG001"]),
    ("photo.gif", encode(photo(7), "GIF"), ["IMG002", "IMG010"]),
    ("photo.webp", encode(photo(7), "WEBP"), ["IMG002"]),
    ("png-named.jpg", encode(photo(7), "PNG"), ["IMG003"]),
    ("gif-named.png", encode(photo(7), "GIF"), ["IMG002", "IMG003", "IMG010"]),
    ("bomb.png", _bomb(), ["IMG004"]),
    ("tiny.jpg", encode(photo(7, (120, 90))), ["IMG102"]),
    ("narrow.jpg", encode(photo(7, (1024, 200))), ["IMG102"]),
    ("black.jpg", _flat(3), ["IMG202", "IMG204"]),
    ("white.jpg", _flat(252), ["IMG203", "IMG204"]),
    ("blurred.jpg", encode(photo(7).resize((16, 16)).resize((320, 320), Image.BICUBIC)), ["IMG201"]),
]


@pytest.mark.parametrize(("name", "data", "codes"), CASES, ids=[case[0] for case in CASES])
def test_each_rule_fires_on_its_case_only(name: str, data: bytes, codes: list[str]) -> None:
    ref = ImageRef(path=f"data/train/cat/{name}")
    found = image_findings(ref, read_image_facts(data, LIMITS.max_pixels), LIMITS)
    assert sorted(f.code for f in found) == codes
    assert all(f.path == ref.path and f.message for f in found)


def test_file_size_limit_uses_the_configured_units() -> None:
    limits = build_config({"max-file-size": "10KB"}, "test").limits
    found = image_findings(ImageRef("a.jpg"), read_image_facts(GOOD, limits.max_pixels), limits)
    assert [f.code for f in found] == ["IMG101"]
    assert "above the 10 KB limit" in found[0].message


def test_symlinks_and_missing_bytes_are_findings() -> None:
    assert [f.code for f in image_findings(ImageRef("a.jpg", is_symlink=True), None, LIMITS)] == ["IMG005"]
    missing = image_findings(ImageRef("a.jpg", md5="0" * 32), None, LIMITS)
    assert [f.code for f in missing] == ["IMG901"]
    assert "dvc pull" in missing[0].message


def test_messages_name_the_measured_value_and_the_limit() -> None:
    (finding,) = image_findings(ImageRef("t.jpg"), read_image_facts(CASES[11][1], LIMITS.max_pixels), LIMITS)
    assert finding.message.startswith("120x90 is below the minimum 256x256")
