from __future__ import annotations

import io
import tracemalloc

import pytest
from PIL import Image

from images import encode, photo
from imagelint.facts.image_facts import read_image_facts

LIMIT = 100 * 10**6
JPEG = encode(photo(1, (640, 480)))
PNG = encode(photo(2), "PNG")


def _corrupt(data: bytes, offset: int, length: int = 64) -> bytes:
    garbled = bytearray(data)
    garbled[offset:offset + length] = bytes((b * 37 + 11) % 256 for b in range(length))
    return bytes(garbled)


@pytest.mark.parametrize(
    ("name", "data", "error_part"),
    [
        ("empty", b"", "empty file"),
        ("html", b"<!doctype html><html><body>not a photo</body></html>", "not an image"),
        ("truncated jpeg", JPEG[: len(JPEG) // 2], "truncated"),
        ("jpeg missing its last bytes", JPEG[:-200], "truncated"),
        ("jpeg with garbled tables", _corrupt(JPEG, 200), ""),
        ("truncated png", PNG[: len(PNG) // 2], ""),
        ("png with a bad crc", PNG[:-16] + bytes(4) + PNG[-12:], ""),
    ],
)
def test_broken_data_is_an_error_not_an_exception(name: str, data: bytes, error_part: str) -> None:
    facts = read_image_facts(data, LIMIT)
    assert facts.error, name
    assert error_part in facts.error
    assert facts.phash is None


def test_good_images_are_decoded_with_hashes_and_signals() -> None:
    for data, image_format in ((JPEG, "JPEG"), (PNG, "PNG")):
        facts = read_image_facts(data, LIMIT)
        assert facts.error is None
        assert facts.decoded and facts.format == image_format
        assert facts.phash is not None and 0 <= facts.phash < 2**64
        assert facts.phash_mirror is not None and facts.phash_mirror != facts.phash
        assert facts.tonal_range is not None and facts.tonal_range > 100
        assert facts.signature and facts.phash_inner is not None and facts.phash_probe is not None
        assert facts.pixel_digest is not None


def test_the_same_bytes_give_the_same_facts() -> None:
    assert read_image_facts(JPEG, LIMIT) == read_image_facts(bytes(JPEG), LIMIT)


def test_a_resized_copy_hashes_close_and_another_photo_far() -> None:
    original = read_image_facts(JPEG, LIMIT)
    resized = read_image_facts(encode(photo(1, (640, 480)).resize((320, 240))), LIMIT)
    other = read_image_facts(encode(photo(3, (640, 480))), LIMIT)
    assert bin(original.phash ^ resized.phash).count("1") <= 6
    assert bin(original.phash ^ other.phash).count("1") > 16


def test_a_decompression_bomb_is_measured_from_its_header_only() -> None:
    buffer = io.BytesIO()
    Image.new("1", (40000, 40000)).save(buffer, "PNG")
    tracemalloc.start()
    facts = read_image_facts(buffer.getvalue(), LIMIT)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (facts.width, facts.height, facts.decoded, facts.error) == (40000, 40000, False, None)
    assert peak < 20 * 2**20
