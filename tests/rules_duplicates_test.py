from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageEnhance

from images import encode, gradient, photo
from imagelint.config import build_config
from imagelint.sources.dataset import ImageRef
from imagelint.facts.image_facts import read_image_facts
from imagelint.facts.index import FactsIndex
from imagelint.facts.inspect import Inspection
from imagelint.facts.reference import Reference, build_reference
from imagelint.rules.duplicates import duplicate_findings

CONFIG = build_config({}, "test")
ORIGINAL = photo(21, (640, 480))
VARIANTS = {
    "copy": encode(ORIGINAL),
    "resized": encode(ORIGINAL.resize((320, 240))),
    "recompressed": encode(ORIGINAL, quality=40),
    "brighter": encode(ImageEnhance.Brightness(ORIGINAL).enhance(1.2)),
    "mirrored": encode(ORIGINAL.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
    "cropped": encode(ORIGINAL.crop((32, 24, 608, 456))),
    "turned": encode(ORIGINAL.rotate(5, resample=Image.Resampling.BICUBIC)),
}


def _item(path: str, data: bytes) -> Inspection:
    return Inspection(ImageRef(path), read_image_facts(data, 10**8))


def _reference(new: list[Inspection], old: list[Inspection]) -> Reference:
    """The dataset as the hook sees it: the old images' facts come from the index."""
    index = FactsIndex(Path(os.environ["IMAGELINT_CACHE_DIR"]))
    index.store([item.facts for item in old if item.facts is not None], {})
    dataset = [ImageRef(item.ref.path, md5=item.facts.md5) for item in new + old if item.facts is not None]
    return build_reference(new, dataset, CONFIG, index, jobs=1)


def _check(new: list[Inspection], old: list[Inspection], changed: set[str] | None = None) -> list[tuple[str, str, tuple[str, ...]]]:
    changed = changed if changed is not None else {i.ref.path for i in new}
    found = duplicate_findings(new, _reference(new, old), frozenset(changed), CONFIG)
    return sorted((f.path, f.code, f.related) for f in found)


EXISTING = [_item("data/train/cat/original.jpg", encode(ORIGINAL))] + [
    _item(f"data/train/cat/other{seed}.jpg", encode(photo(seed, (640, 480)))) for seed in range(30, 40)
]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variants_in_the_same_class_are_duplicates(variant: str) -> None:
    new = _item(f"data/train/cat/{variant}.jpg", VARIANTS[variant])
    expected = "IMG301" if variant == "copy" else "IMG302"
    assert _check([new], EXISTING) == [(new.ref.path, expected, ("data/train/cat/original.jpg",))]


def test_distinct_photos_are_not_duplicates() -> None:
    new = [_item(f"data/train/cat/new{seed}.jpg", encode(photo(seed, (640, 480)))) for seed in range(50, 60)]
    assert _check(new, EXISTING) == []


def test_a_copy_in_another_split_is_a_leak_and_in_another_class_a_conflict() -> None:
    leak = _item("data/test/cat/resized.jpg", VARIANTS["resized"])
    conflict = _item("data/train/dog/copy.jpg", VARIANTS["copy"])
    assert _check([leak, conflict], EXISTING) == [
        ("data/test/cat/resized.jpg", "IMG303", ("data/train/cat/original.jpg",)),
        ("data/train/dog/copy.jpg", "IMG303", ("data/test/cat/resized.jpg",)),
        ("data/train/dog/copy.jpg", "IMG304", ("data/train/cat/original.jpg",)),
    ]


def test_a_pair_of_new_images_is_reported_once_on_the_later_path() -> None:
    first = _item("data/train/cat/a.jpg", encode(photo(70)))
    second = _item("data/train/cat/b.jpg", encode(photo(70)))
    assert _check([first, second], []) == [("data/train/cat/b.jpg", "IMG301", ("data/train/cat/a.jpg",))]


def test_split_invocations_report_a_pair_exactly_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """pre-commit may pass the two new files to two processes: only one of them reports."""
    monkeypatch.setenv("PRE_COMMIT", "1")
    first = _item("data/train/cat/a.jpg", encode(photo(70)))
    second = _item("data/train/cat/b.jpg", encode(photo(70)))
    changed = {"data/train/cat/a.jpg", "data/train/cat/b.jpg"}
    reports = [
        duplicate_findings([one], _reference([one], [first, second]), frozenset(changed), CONFIG)
        for one in (first, second)
    ]
    assert [len(found) for found in reports] == [0, 1]


def test_nearly_blank_images_do_not_match_each_other() -> None:
    blank = [_item(f"data/train/cat/blank{i}.jpg", encode(Image.new("RGB", (320, 320), (i, i, i)))) for i in (40, 90)]
    assert _check(blank, []) == []


def test_a_blank_frame_matches_only_its_exact_copies() -> None:
    """No layout, so no near match; equal coded pixels are still an exact duplicate."""
    frame = Image.new("RGB", (320, 320), (90, 90, 90))
    items = [_item("data/train/cat/a.jpg", encode(frame)), _item("data/train/cat/b.png", encode(frame, "PNG")),
             _item("data/train/cat/c.jpg", encode(frame, comment=b"re-saved"))]
    assert _check(items, []) == [("data/train/cat/c.jpg", "IMG301", ("data/train/cat/a.jpg",))]


def test_a_whole_dataset_check_finds_the_same_pairs_as_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from imagelint.rules import duplicates

    ramp = gradient(30, (320, 240))
    smooth = [_item("data/train/sky/ramp.png", encode(ramp, "PNG")), _item("data/test/sky/ramp.jpg", encode(ramp, quality=40)),
              _item("data/test/sky/mirrored.jpg", encode(ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))]
    items = [*EXISTING, *smooth] + [_item(f"data/test/cat/{name}.jpg", data) for name, data in sorted(VARIANTS.items())]
    one_by_one = _check(items, [], changed=set())
    monkeypatch.setattr(duplicates, "ALL_PAIRS_FROM", 1)
    assert _check(items, [], changed=set()) == one_by_one
    assert ("data/train/cat/original.jpg", "IMG303", ("data/test/cat/mirrored.jpg",)) in one_by_one
    assert {("data/train/sky/ramp.png", "IMG303", ("data/test/sky/ramp.jpg",)),
            ("data/train/sky/ramp.png", "IMG303", ("data/test/sky/mirrored.jpg",))} <= set(one_by_one)
