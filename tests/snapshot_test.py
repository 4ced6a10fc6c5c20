"""The snapshot file: exact round trip, identical bytes, and untrusted input refused."""
from __future__ import annotations

import io
import zipfile
from dataclasses import fields

import numpy as np
import pytest

from images import encode, photo
from imagelint.facts.image_facts import ImageFacts, read_image_facts
from imagelint.facts.snapshot import FACT_COLUMNS, SnapshotError, read_snapshot, snapshot_bytes
from imagelint.sources.dvcfiles import manifest_digest

FACTS = [read_image_facts(encode(photo(seed)), 10**8) for seed in range(3)]
BROKEN = ImageFacts(md5="ab" * 16, size=10, error="not an image Pillow can identify")
ENTRIES = {"cat/1.jpg": FACTS[0].md5, "cat/2.jpg": FACTS[1].md5, "dog/é 1.jpg": FACTS[2].md5,
           "dog/bad.png": BROKEN.md5, "labels.txt": "0" * 32}
MANIFEST = manifest_digest(ENTRIES)
BY_MD5 = {f.md5: f for f in [*FACTS, BROKEN]}


def test_round_trip_is_exact_and_bytes_are_identical() -> None:
    data = snapshot_bytes(MANIFEST, ENTRIES, BY_MD5)
    snapshot = read_snapshot(data, MANIFEST)
    assert snapshot.entries == ENTRIES
    assert snapshot.facts == BY_MD5
    assert snapshot_bytes(MANIFEST, dict(reversed(ENTRIES.items())), BY_MD5) == data


def test_every_fact_field_is_a_column() -> None:
    assert [name for name, _ in FACT_COLUMNS] == [f.name for f in fields(ImageFacts) if f.name != "md5"]


def test_plain_numpy_reads_it() -> None:
    columns = np.load(io.BytesIO(snapshot_bytes(MANIFEST, ENTRIES, BY_MD5)), allow_pickle=False)
    assert columns["phash"].dtype == np.uint64 and len(columns["phash"]) == len(ENTRIES)
    assert columns["has_facts"].tolist() == [True, True, True, True, False]


def test_a_snapshot_of_another_manifest_or_a_doctored_listing_is_refused() -> None:
    data = snapshot_bytes(MANIFEST, ENTRIES, BY_MD5)
    with pytest.raises(SnapshotError, match="describes manifest"):
        read_snapshot(data, "0" * 32 + ".dir")
    doctored = {**ENTRIES, "cat/1.jpg": FACTS[1].md5}
    with pytest.raises(SnapshotError, match="does not hash to the manifest name"):
        read_snapshot(snapshot_bytes(MANIFEST, doctored, BY_MD5), MANIFEST)


def test_garbage_and_zip_bombs_are_refused() -> None:
    with pytest.raises(SnapshotError, match="not a snapshot file"):
        read_snapshot(b"PK\x03\x04 not really", MANIFEST)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("md5.npy", b"\0" * 50_000_000)
    with pytest.raises(SnapshotError, match="implausibly"):
        read_snapshot(buffer.getvalue(), MANIFEST)
