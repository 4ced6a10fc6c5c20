"""A dataset snapshot: one DVC manifest's entries and the facts of its images, as one columnar file.

An image's facts depend only on its bytes, and a ``.dir`` manifest names every byte of a
folder, so the facts of a whole tracked folder are valid wherever that manifest is: they can
be derived once and shared like DVC's own objects. The file is a NumPy ``.npz`` (a zip of
``.npy`` columns; see bench/SNAPSHOT.md for the measured choice), readable without imagelint:
``dict(numpy.load(path))`` gives plain arrays for pandas, Polars or DuckDB.

Columns: ``relpath`` (UTF-8, as offsets plus one byte blob) and ``md5`` (16 bytes) for every
entry of the manifest, images or not, so the manifest can be rebuilt and checked against its
name; then one column per ``ImageFacts`` field, derived from the dataclass, so a new fact is a
new column with no code (``fact_columns``). ``has_facts`` marks image entries. A snapshot is
untrusted input: sizes are bounded, nothing is unpickled, and a listing that does not hash to
its manifest name is refused.
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, fields
from typing import Callable, Collection, Mapping, Sequence

import numpy as np

from imagelint.facts import image_facts
from imagelint.facts.fact_columns import (FACT_COLUMNS, checked_column, decode_field, decode_strings, encode_field,
                                          string_columns)
from imagelint.facts.image_facts import ImageFacts
from imagelint.facts.index import HASHES
from imagelint.sources.manifest_delta import canonical_manifest

#: Bumped when the file layout changes; with FACTS_VERSION it names the folder snapshots live in.
SNAPSHOT_VERSION = 1
#: A snapshot unpacks to at most this many times its size (a zip bomb is refused before it allocates).
MAX_EXPANSION = 40
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # identical input, identical bytes


class SnapshotError(ValueError):
    """A snapshot that is not one imagelint wrote for this manifest; the message says what is wrong."""


def version_tag() -> str:
    """The folder name shared by every snapshot that this code can read and write."""
    return f"s{SNAPSHOT_VERSION}-f{image_facts.FACTS_VERSION}"


@dataclass(frozen=True)
class Snapshot:
    """One manifest's listing (``relpath -> md5``) and the facts of its images by md5."""

    manifest: str
    entries: dict[str, str]
    facts: dict[str, ImageFacts]

    def columns(self, only: Collection[str] | None = None) -> dict[str, np.ndarray]:
        return snapshot_columns(self.manifest, self.entries, self.facts, only)

    def manifest_text(self) -> tuple[bytes, np.ndarray]:
        """The manifest's bytes as DVC writes them, and where each entry starts (``canonical_manifest``)."""
        return canonical_manifest(sorted(self.entries.items()))


@dataclass(frozen=True)
class SnapshotTable:
    """A snapshot as read, per entry in the file's order: its md5, whether it has facts, and each
    fact's value (None where missing). A pull stores and keeps it as it is, without an
    ``ImageFacts`` per image; ``snapshot()`` is what ``read_snapshot`` returns."""

    manifest: str
    entries: dict[str, str]
    md5s: list[str]
    has_facts: np.ndarray
    values: dict[str, list]
    #: ``manifest_text()``, formatted once when the listing was checked against the manifest name.
    text: bytes
    starts: np.ndarray

    def manifest_text(self) -> tuple[bytes, np.ndarray]:
        return self.text, self.starts

    def fact_rows(self) -> list[int]:
        return np.flatnonzero(self.has_facts).tolist()

    def snapshot(self) -> Snapshot:
        rows = self.fact_rows()
        md5s = [self.md5s[i] for i in rows]
        values = {name: [column[i] for i in rows] for name, column in self.values.items()}
        built = map(ImageFacts, *(md5s if f.name == "md5" else values[f.name] for f in fields(ImageFacts)))
        return Snapshot(self.manifest, self.entries, dict(zip(md5s, built)))

    def columns(self, only: Collection[str] | None = None) -> dict[str, np.ndarray]:
        """``snapshot().columns(only)``, from the values as they are: each entry takes the facts of
        the last row with its md5, as a dict of facts by md5 keeps them (a snapshot that is not in
        relpath order, which this project never writes, goes through ``snapshot()``)."""
        relpaths = list(self.entries)
        if any(a >= b for a, b in zip(relpaths, relpaths[1:])):
            return self.snapshot().columns(only)
        present = self.has_facts.tolist()
        last = {self.md5s[i]: i for i in self.fact_rows()}
        source = [last.get(md5) for md5 in self.md5s]
        own = source == [i if there else None for i, there in enumerate(present)]

        def value_of(name: str) -> list:
            column = self.values[name]
            if own:
                return column if all(present) else [v if there else None for v, there in zip(column, present)]
            return [None if j is None else column[j] for j in source]

        return _entry_columns(self.manifest, relpaths, self.md5s, [j is not None for j in source], value_of, only)


#: The unsigned columns that are not hashes: the index stores them as they are, so no larger than int64.
_COUNTS = tuple(name for name, kind in FACT_COLUMNS if kind == "u64" and name not in HASHES)
_MEASURES = tuple(name for name, kind in FACT_COLUMNS if kind == "float")
#: Far above any measure imagelint takes (they are 0 to a few hundred), far below 2**63 thousandths.
LARGEST_MEASURE = 1e12


def snapshot_columns(manifest: str, entries: Mapping[str, str], facts: Mapping[str, ImageFacts],
                     only: Collection[str] | None = None) -> dict[str, np.ndarray]:
    """The columns of the file for ``manifest``, rows in relpath order; ``only`` limits the facts
    columns to those fields (what a listing keeps)."""
    relpaths = sorted(entries)
    md5s = [entries[path] for path in relpaths]
    rows = [facts.get(md5) for md5 in md5s]
    return _entry_columns(manifest, relpaths, md5s, [row is not None for row in rows],
                          lambda name: [None if row is None else getattr(row, name) for row in rows], only)


def _entry_columns(manifest: str, relpaths: Sequence[str], md5s: Sequence[str], present: Sequence[bool],
                   value_of: Callable[[str], list], only: Collection[str] | None) -> dict[str, np.ndarray]:
    """The file's columns, entries in relpath order; ``value_of(field)`` gives a field's value per
    entry (None for those without facts)."""
    columns: dict[str, np.ndarray] = {"md5": np.frombuffer(b"".join(bytes.fromhex(m) for m in md5s),
                                                           np.uint8).reshape(-1, 16)}
    columns.update(string_columns("relpath", relpaths))
    columns["has_facts"] = np.array(present, dtype=bool)
    for name, kind in FACT_COLUMNS:
        if only is None or name in only:
            columns.update(encode_field(name, kind, value_of(name)))
    columns["manifest"] = np.frombuffer(manifest.encode(), np.uint8)
    return columns


def snapshot_bytes(manifest: str, entries: Mapping[str, str], facts: Mapping[str, ImageFacts]) -> bytes:
    """The file for ``manifest``; ``facts`` holds every image entry's md5 (others are left empty)."""
    columns = snapshot_columns(manifest, entries, facts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(columns):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.ascontiguousarray(columns[name]), allow_pickle=False)
    return buffer.getvalue()


def read_snapshot(data: bytes, manifest: str) -> Snapshot:
    """Parse and check a snapshot of ``manifest``; raises SnapshotError for anything else."""
    return read_snapshot_table(data, manifest).snapshot()


def read_snapshot_table(data: bytes, manifest: str) -> SnapshotTable:
    """``read_snapshot``'s checks, the facts left as columns."""
    columns = _columns(data)
    try:
        if bytes(columns["manifest"]).decode() != manifest:
            raise SnapshotError(f"it describes manifest {bytes(columns['manifest']).decode()!r}")
        md5_bytes = columns["md5"]
        if md5_bytes.dtype != np.uint8 or md5_bytes.ndim != 2 or md5_bytes.shape[1] != 16:
            raise SnapshotError("its md5 column is not 16 bytes per entry")
        count = len(md5_bytes)
        md5s = [row.tobytes().hex() for row in md5_bytes]
        relpaths = decode_strings(columns, "relpath", count)
        if None in relpaths:
            raise SnapshotError("an entry has no relpath")
        has_facts = checked_column(columns, "has_facts", count, np.bool_)
        values = {name: decode_field(columns, name, kind, count) for name, kind in FACT_COLUMNS}
        for name in _COUNTS:  # an index row holds them as SQLite's signed 64-bit integers
            if max((v for v in values[name] if v is not None), default=0) >= 1 << 63:
                raise SnapshotError(f"{name}: a value beyond what the index stores")
        for name in _MEASURES:  # NaN is a missing value; the index stores thousandths as integers
            measured = columns[name][~np.isnan(columns[name])]
            if (np.abs(measured) > LARGEST_MEASURE).any():
                raise SnapshotError(f"{name}: a value beyond what the index stores")
    except (KeyError, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise SnapshotError(f"malformed column: {exc}") from None
    entries = dict(zip(relpaths, md5s))
    text, starts = canonical_manifest(sorted(entries.items()))  # in one pass: the file is in relpath order
    if len(entries) != count or hashlib.md5(text).hexdigest() + ".dir" != manifest:
        raise SnapshotError("its listing does not hash to the manifest name")
    return SnapshotTable(manifest, entries, md5s, has_facts, values, text, starts)


def _columns(data: bytes) -> dict[str, np.ndarray]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if sum(info.file_size for info in archive.infolist()) > MAX_EXPANSION * len(data) + (1 << 20):
            raise SnapshotError("it unpacks to implausibly much data")
        loaded = np.load(io.BytesIO(data), allow_pickle=False)
        return {name: loaded[name] for name in loaded.files}
    except SnapshotError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise SnapshotError(f"not a snapshot file: {exc}") from None
