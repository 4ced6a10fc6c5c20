"""The snapshot file: exact round trip, identical bytes, and untrusted input refused."""
from __future__ import annotations

import io
import zipfile
from dataclasses import fields

import numpy as np
import pytest

from images import encode, photo
from imagelint.facts.fact_columns import FACT_COLUMNS
from imagelint.facts.image_facts import ImageFacts, read_image_facts
from imagelint.facts.snapshot import SnapshotError, read_snapshot, snapshot_bytes
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


def _doctored(columns: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **columns)
    return buffer.getvalue()


def test_values_beyond_what_the_index_stores_are_refused() -> None:
    columns = dict(np.load(io.BytesIO(snapshot_bytes(MANIFEST, ENTRIES, BY_MD5)), allow_pickle=False))
    columns["tonal_range"][0] = np.uint64(1 << 63)
    with pytest.raises(SnapshotError, match="tonal_range: a value beyond what the index stores"):
        read_snapshot(_doctored(columns), MANIFEST)
    columns["tonal_range"][0], columns["phash"][0] = 7, np.uint64((1 << 64) - 1)  # a hash may use every bit
    assert read_snapshot(_doctored(columns), MANIFEST).facts[FACTS[0].md5].phash == (1 << 64) - 1
    for value in (np.inf, -np.inf, 1e300):
        columns["brightness"][0] = value
        with pytest.raises(SnapshotError, match="brightness: a value beyond what the index stores"):
            read_snapshot(_doctored(columns), MANIFEST)


def test_an_entry_without_a_relpath_is_refused() -> None:
    columns = dict(np.load(io.BytesIO(snapshot_bytes(MANIFEST, ENTRIES, BY_MD5)), allow_pickle=False))
    length = int(columns["relpath.len"][0])
    columns["relpath.len"][0], columns["relpath.utf8"] = -1, columns["relpath.utf8"][length:]
    with pytest.raises(SnapshotError, match="an entry has no relpath"):
        read_snapshot(_doctored(columns), MANIFEST)


@pytest.mark.parametrize("case", ["as written", "a copy at two paths", "rows of one md5 that disagree",
                                  "facts on a row without them", "values on a row without facts"])
def test_a_pull_stores_and_keeps_from_the_columns_what_it_would_from_facts(tmp_path, case: str) -> None:
    """The table route (no ``ImageFacts`` per image) against the facts route, on the index rows
    and on the listing's columns; the doctored cases are files this project never writes."""
    import sqlite3

    from imagelint.facts.index import FactsIndex
    from imagelint.facts.listing import HOOK_COLUMNS, STATS_FIELDS
    from imagelint.facts.snapshot import read_snapshot_table

    copies = case in ("a copy at two paths", "rows of one md5 that disagree")
    entries = {**ENTRIES, "zebra/copy.jpg": FACTS[0].md5} if copies else ENTRIES
    manifest = manifest_digest(entries)
    data = snapshot_bytes(manifest, entries, BY_MD5)
    if case != "as written" and case != "a copy at two paths":
        columns = dict(np.load(io.BytesIO(data), allow_pickle=False))
        if case == "rows of one md5 that disagree":
            columns["width"][0] += 1  # cat/1.jpg, whose md5 zebra/copy.jpg has too
        elif case == "facts on a row without them":
            columns["has_facts"][4], columns["width"][4] = True, 99  # labels.txt
        else:
            columns["width"][4], columns["width.null"][4] = 99, False
        data = _doctored(columns)
    table = read_snapshot_table(data, manifest)
    snapshot = table.snapshot()
    fields_kept = {name.split(".")[0] for name in HOOK_COLUMNS} | set(STATS_FIELDS)
    from_table, from_facts = table.columns(fields_kept), snapshot.columns(fields_kept)
    assert from_table.keys() == from_facts.keys()
    assert all(np.array_equal(from_table[k], from_facts[k], equal_nan=from_table[k].dtype.kind == "f")
               for k in from_table)
    FactsIndex(tmp_path / "columns").store_columns(table.md5s, table.values, table.fact_rows())
    FactsIndex(tmp_path / "facts").store(list(snapshot.facts.values()), {})

    def rows(folder: str) -> list[tuple]:
        (path,) = (tmp_path / folder).glob("facts-*.sqlite")
        with sqlite3.connect(path) as db:
            return db.execute("SELECT * FROM facts ORDER BY md5").fetchall()

    assert rows("columns") == rows("facts") and len(rows("facts")) == len(snapshot.facts)
