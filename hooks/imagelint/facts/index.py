"""The content-addressed index: image facts keyed by content md5, kept per machine.

One SQLite file per fingerprint of what this project decides about the stored values (schema,
``FACTS_VERSION``, decode and hash parameters): a change of any of them starts a fresh file
instead of mixing incompatible hashes. Library versions are deliberately not part of it: a
Pillow or ImageHash upgrade moves a few hashes by a bit or two, far inside the near-duplicate
threshold (bench/LIBRARIES.md), while discarding the facts would decode the whole dataset
again on every machine; a library change that matters is a ``FACTS_VERSION`` bump. WAL mode and a busy timeout make concurrent runs safe; a file that turns out
corrupt is deleted and rebuilt, and if even that fails the run goes on without a cache.
A second table maps git blob ids to md5s so git-tracked images are found without reading them.
"""
from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import fields
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Collection, Iterable, Iterator, Mapping, Sequence, Tuple

from imagelint.facts import image_facts, pixel_signals
from imagelint.facts.image_facts import ImageFacts

SCHEMA_VERSION = 1
_SIGNED = 1 << 63
_COLUMNS = [f.name for f in fields(ImageFacts)]
#: Stored as integers: thousandths, tenths for colourfulness (0 to about 200).
_SCALED = {name: 1000 for name in ("dark_score", "light_score", "edge_strength", "brightness",
                                    "contrast", "saturation")} | {"colourfulness": 10}
_BOOLEAN = {"decoded", "alpha"}
_FIELDS = attrgetter(*_COLUMNS)
_MD5_AT = _COLUMNS.index("md5")
_MD5_OF = attrgetter("md5")

#: Unsigned 64-bit values, stored as SQLite's signed integers with the same bits.
HASHES = ("phash", "phash_mirror", "phash_inner", "phash_probe", "signature", "pixel_digest")
#: What duplicate search needs of an image: the ``HASHES`` (signed, 0 when missing), whether the
#: file is an intact image and whether it has hashes (1 or 0).
HashRow = Tuple[int, int, int, int, int, int, int, int]
_HASHES_AT = [_COLUMNS.index(name) for name in HASHES]
#: The columns ``_value`` changes; the others are stored as ``ImageFacts`` holds them.
_CONVERTED = {"md5", *HASHES, *_SCALED, *_BOOLEAN}
_SCALED_AT = [(_COLUMNS.index(name), scale) for name, scale in _SCALED.items()]


def fingerprint() -> str:
    """What this project decides about stored values (never a library version); part of the file name."""
    parts = [
        f"schema={SCHEMA_VERSION}",
        f"facts={image_facts.FACTS_VERSION}",
        f"draft={image_facts.DRAFT_SIZE}",
        f"stats={pixel_signals.STATS_SIDE}",
    ]
    return hashlib.sha1(";".join(parts).encode()).hexdigest()[:12]


class FactsIndex:
    """Read and write facts by md5; every failure degrades to 'not cached', never to an error."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / f"facts-{fingerprint()}.sqlite"
        self.decoded = 0  # facts computed by this run, for tests and progress reports
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return self._connect(self.path)
        except (sqlite3.DatabaseError, OSError):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        try:
            return self._connect(self.path)
        except (sqlite3.DatabaseError, OSError):
            return self._connect(Path(":memory:"))

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        # a new file's switch to WAL need not wait for the disk (20 ms on a busy one): it is a cache
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        columns = ", ".join(f"{name} {'BLOB' if name == 'md5' else ''}" for name in _COLUMNS)
        db.execute(f"CREATE TABLE IF NOT EXISTS facts ({columns}, PRIMARY KEY (md5)) WITHOUT ROWID")
        db.execute("CREATE TABLE IF NOT EXISTS blobs (blob BLOB PRIMARY KEY, md5 BLOB) WITHOUT ROWID")
        db.execute("SELECT count(*) FROM facts WHERE md5 = x'00'").fetchone()  # fails on a corrupt file
        return db

    def close(self) -> None:
        self._db.close()

    def is_empty(self) -> bool:
        try:
            return self._db.execute("SELECT 1 FROM facts LIMIT 1").fetchone() is None
        except sqlite3.DatabaseError:
            return True

    def lookup(self, md5s: Iterable[str]) -> dict[str, ImageFacts]:
        keys = [bytes.fromhex(m) for m in set(md5s)]
        found: dict[str, ImageFacts] = {}
        for rows in self._query_in("SELECT * FROM facts WHERE md5 IN ({})", keys):
            for row in rows:
                facts = _from_row(row)
                found[facts.md5] = facts
        return found

    def hash_rows(self, md5s: Collection[str]) -> dict[str, HashRow]:
        """Bare rows for duplicate search; a whole-table scan when the request covers most of it."""
        wanted = set(md5s)
        columns = ", ".join(["lower(hex(md5))", *(f"ifnull({name}, 0)" for name in HASHES),
                             "format IS NOT NULL AND error IS NULL", "phash IS NOT NULL"])
        found: dict[str, HashRow] = {}
        try:
            total = self._db.execute("SELECT count(*) FROM facts").fetchone()[0] if len(wanted) > 900 else 0
            if len(wanted) > 900 and len(wanted) * 4 >= total:
                rows = self._db.execute(f"SELECT {columns} FROM facts")
                found = {row[0]: row[1:] for row in rows if row[0] in wanted}
            else:
                keys = [bytes.fromhex(m) for m in wanted]
                for batch in self._query_in(f"SELECT {columns} FROM facts WHERE md5 IN ({{}})", keys):
                    found.update((row[0], row[1:]) for row in batch)
        except sqlite3.DatabaseError:
            self._db = self._connect(Path(":memory:"))
        return found

    def columns(self, md5s: Collection[str], names: Sequence[str]) -> dict[str, tuple]:
        """Some columns of many images, converted as ``lookup`` does, without building facts
        objects: what the dataset side of the shortcut and diversity rules reads."""
        if not set(names) <= set(_COLUMNS):
            raise ValueError(f"unknown columns: {sorted(set(names) - set(_COLUMNS))}")
        keys = [bytes.fromhex(m) for m in set(md5s)]
        found: dict[str, tuple] = {}
        sql = f"SELECT md5, {', '.join(names)} FROM facts WHERE md5 IN ({{}})"
        converted = [at for at, name in enumerate(names, 1) if name in _CONVERTED]
        for rows in self._query_in(sql, keys):
            for row in rows:
                values = list(row)
                for at in converted:
                    values[at] = _value(names[at - 1], values[at])
                found[row[0].hex()] = tuple(values[1:])
        return found

    def md5s_of_blobs(self, blobs: Iterable[str]) -> dict[str, str]:
        keys = [bytes.fromhex(b) for b in set(blobs)]
        found: dict[str, str] = {}
        for rows in self._query_in("SELECT blob, md5 FROM blobs WHERE blob IN ({})", keys):
            found.update((blob.hex(), md5.hex()) for blob, md5 in rows)
        return found

    def store(self, facts: Sequence[ImageFacts], blobs: dict[str, str]) -> None:
        if facts or blobs:
            self._insert(map(_to_row, map(_FIELDS, sorted(facts, key=_MD5_OF))), blobs)

    def store_columns(self, md5s: Sequence[str], values: Mapping[str, Sequence], rows: Sequence[int]) -> None:
        """``store`` of the facts of ``rows``, given as columns (row ``i``: md5 ``md5s[i]``, field
        ``f`` ``values[f][i]``), without an ``ImageFacts`` each: what a pull of a snapshot stores.
        The sort is stable, so of two rows with one md5 the later is stored, as a dict keeps it."""
        columns = [md5s if name == "md5" else values[name] for name in _COLUMNS]
        if len(rows) < len(md5s):  # rows are distinct: otherwise each column is taken as it is
            columns = [[column[i] for i in rows] for column in columns]
        if rows:
            self._insert(map(_to_row, sorted(zip(*columns), key=itemgetter(_MD5_AT))), {})

    def _insert(self, rows: Iterable[tuple], blobs: dict[str, str]) -> None:
        """Rows in md5 order, so the B-tree grows at its end: a third faster at 200,000 rows."""
        marks = ", ".join("?" * len(_COLUMNS))
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(f"INSERT OR REPLACE INTO facts VALUES ({marks})", rows)
                self._db.executemany(
                    "INSERT OR REPLACE INTO blobs VALUES (?, ?)",
                    ((bytes.fromhex(b), bytes.fromhex(m)) for b, m in blobs.items()),
                )
        except sqlite3.DatabaseError:
            self._db = self._connect(Path(":memory:"))

    def _query_in(self, sql: str, keys: list[bytes]) -> Iterator[list[tuple]]:
        for start in range(0, len(keys), 900):
            chunk = keys[start:start + 900]
            try:
                yield self._db.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()
            except sqlite3.DatabaseError:
                self._db = self._connect(Path(":memory:"))
                return


def signed_hash(value: int) -> int:
    """A 64-bit hash as SQLite stores integers: the same bits, read as a signed number."""
    return value - (1 << 64) if value >= _SIGNED else value


def _to_row(values: Sequence) -> tuple:
    """The stored row of one image's field values (in ``ImageFacts`` order, read at once, not by
    ``dataclasses.astuple``, which deep-copies every value): md5 as bytes, hashes signed
    (``signed_hash``), scaled measures as integers."""
    row = list(values)
    row[_MD5_AT] = bytes.fromhex(row[_MD5_AT])
    for at in _HASHES_AT:
        if row[at] is not None:
            row[at] = signed_hash(row[at])
    for at, scale in _SCALED_AT:
        if row[at] is not None:
            row[at] = round(row[at] * scale)
    return tuple(row)


def _from_row(row: tuple) -> ImageFacts:
    return ImageFacts(**{name: _value(name, value) for name, value in zip(_COLUMNS, row)})


def _value(name: str, value: object) -> object:
    """A stored value as ``ImageFacts`` holds it."""
    if value is None:
        return None
    if name == "md5":
        return value.hex()  # type: ignore[attr-defined]
    if name in HASHES:
        return value + (1 << 64) if value < 0 else value  # type: ignore[operator]
    if name in _SCALED:
        return value / _SCALED[name]  # type: ignore[operator]
    return bool(value) if name in _BOOLEAN else value
