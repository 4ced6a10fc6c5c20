"""A listing: one manifest's snapshot columns, kept on this machine for the commit hook.

The shared snapshot is a deflated ``.npz``, small on the wire but about 0.75 s to inflate at
1,000,000 images (bench/SNAPSHOT.md). A commit needs only a few of its columns
(``HOOK_COLUMNS``), so for each manifest the hook may start from, those are also kept here as
plain ``.npy`` files, memory-mapped (a commit reads the pages it touches), beside the
manifest's canonical bytes and where each entry starts, which ``sources.manifest_delta``
compares the next manifest with. Two extra columns save per-path work at every commit:
``is_image`` and ``folder`` (an index into ``folders``).

A listing is written only from a snapshot that passed ``read_snapshot``'s checks or from a
listing plus a delta that passed the full parse's rules, so it is trusted like the index; a
listing that cannot be read is simply absent.
"""
from __future__ import annotations

import json
import mmap
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from imagelint.facts.image_facts import ImageFacts
from imagelint.facts.index import HASHES
from imagelint.facts.listing_link import LINK, Since, read_link, write_link
from imagelint.facts.snapshot import Snapshot, SnapshotTable, version_tag
from imagelint.sources.dataset import is_image_path
from imagelint.sources.manifest_delta import Delta, row_of_relpath, sorted_position
from imagelint.sources.pointer_checks import stays_inside

#: The snapshot columns a commit reads (duplicate search, placement); a new one is one more name.
HOOK_COLUMNS = ("md5", "relpath.len", "relpath.utf8", "has_facts", *HASHES, "phash.null", "format.len", "error.len")
#: The facts ``imagelint stats`` reads besides those (``stats.rows``), so that it needs no
#: ``ImageFacts`` per image either: every snapshot column of these fields.
STATS_FIELDS = ("size", "width", "height", "orientation", "jpeg_quality", "format", "camera_make", "camera_model",
                "brightness", "contrast", "saturation", "colourfulness")
#: Listings kept per cache folder, and links to them; the oldest go first (a missing one only
#: means a slower commit).
LISTINGS_KEPT = 4
LINKS_KEPT = 16
_TEXT, _STARTS, _FOLDERS = "manifest.json", "starts.npy", "folders.json"


@dataclass(frozen=True)
class Listing:
    """``columns`` hold one row per manifest entry, in relpath order (the snapshot's columns,
    ``is_image`` and ``folder``); ``text`` is the manifest as DVC writes it, entry ``i`` at
    ``starts[i]``."""

    manifest: str
    columns: Mapping[str, np.ndarray]
    text: bytes | mmap.mmap
    starts: np.ndarray
    folders: tuple[str, ...]
    relpath_ends: np.ndarray

    def __len__(self) -> int:
        return len(self.starts) - 1

    def relpath(self, row: int) -> str:
        end = int(self.relpath_ends[row])
        start = end - int(self.columns["relpath.len"][row])
        return bytes(self.columns["relpath.utf8"][start:end]).decode("utf-8", "surrogatepass")

    def position(self, relpath: str) -> int:
        """The first row whose relpath is not before ``relpath`` (relpaths are sorted)."""
        return sorted_position(len(self), self.relpath, relpath)

    def row(self, relpath: str) -> int | None:
        """The row listing ``relpath``, or None."""
        return row_of_relpath(len(self), self.relpath, relpath)

    def md5(self, row: int) -> str:
        return bytes(self.columns["md5"][row]).hex()

    def string(self, name: str, rows: np.ndarray) -> list[str | None]:
        """Values of a string column at ``rows`` (None where missing)."""
        lengths = self.columns[f"{name}.len"]
        ends = np.cumsum(np.maximum(lengths, 0))
        blob = self.columns[f"{name}.utf8"]
        return [None if lengths[row] < 0 else bytes(blob[ends[row] - lengths[row]:ends[row]]).decode()
                for row in rows.tolist()]


def listing_folder(cache_dir: Path, manifest: str) -> Path:
    return _in_tag_folder(cache_dir / "listings" / version_tag(), manifest)


def _in_tag_folder(tag_folder: Path, manifest: str) -> Path:
    name = manifest.removesuffix(".dir")
    return tag_folder / name[:2] / name[2:]


def load_kept(cache_dir: Path, manifest: str) -> tuple[Listing, Since | None] | None:
    """The listing kept here for ``manifest``: its own (and None), or the one its link starts
    from (and the link); None when neither is here."""
    since = read_link(listing_folder(cache_dir, manifest))
    listing = load_listing(cache_dir, since.base if since else manifest)
    return None if listing is None else (listing, since)


def kept_in_full(cache_dir: Path, manifest: str) -> bool:
    folder = listing_folder(cache_dir, manifest)
    return folder.is_dir() and not (folder / LINK).exists()


def load_listing(cache_dir: Path, manifest: str) -> Listing | None:
    """The listing of ``manifest`` kept here in full, or None."""
    folder = listing_folder(cache_dir, manifest)
    try:
        with open(folder / _TEXT, "rb") as handle:  # compared, not parsed: only what differs is read twice
            text = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        starts = np.load(folder / _STARTS, allow_pickle=False)
        folders = tuple(json.loads((folder / _FOLDERS).read_text(encoding="utf-8")))
        columns = {path.name[:-4]: np.load(path, mmap_mode="r", allow_pickle=False)
                   for path in folder.glob("*.npy") if path.name != _STARTS}
    except (OSError, ValueError):
        return None
    count = len(starts) - 1
    rows = [array for name, array in columns.items() if not name.endswith(".utf8")]
    if count < 0 or "relpath.len" not in columns or any(array.shape[:1] != (count,) for array in rows):
        return None
    return Listing(manifest, columns, text, starts, folders, np.cumsum(columns["relpath.len"]))


def listing_from_snapshot(snapshot: Snapshot | SnapshotTable) -> Listing | None:
    """The listing of a snapshot that ``read_snapshot`` accepted (or one written from the index);
    None when an entry is one the manifest parser refuses, so that the full parse reports it."""
    relpaths = sorted(snapshot.entries)
    if not all(stays_inside(relpath) for relpath in relpaths):
        return None
    fields = {name.split(".")[0] for name in HOOK_COLUMNS} | set(STATS_FIELDS)
    everything = snapshot.columns(fields)
    columns = {name: column for name, column in everything.items()
               if name in HOOK_COLUMNS or name.split(".")[0] in STATS_FIELDS}
    text, starts = snapshot.manifest_text()
    folders: dict[str, int] = {}
    columns["folder"] = np.array([folders.setdefault(r.rpartition("/")[0], len(folders)) for r in relpaths],
                                 dtype=np.int32)
    columns["is_image"] = np.array([is_image_path(r) for r in relpaths], dtype=bool)
    return Listing(snapshot.manifest, columns, text, starts, tuple(folders), np.cumsum(columns["relpath.len"]))


def listing_after(base: Listing, delta: Delta, manifest: str, text: bytes | mmap.mmap,
                  facts: Mapping[str, ImageFacts]) -> Listing:
    """``base`` with ``delta`` applied: the listing of the new manifest ``text`` (canonical:
    ``delta.starts`` is set), ``facts`` by md5 for the added entries that have them."""
    pieces, folders = _pieces_after(base, delta, manifest, facts)
    columns = {name: np.concatenate(parts) for name, parts in pieces.items()}
    return Listing(manifest, columns, text, delta.starts, folders, np.cumsum(columns["relpath.len"]))


def write_listing(cache_dir: Path, listing: Listing) -> None:
    """Keep ``listing`` here (a whole folder renamed into place), then drop the oldest beyond
    ``LISTINGS_KEPT``; a listing that is already here is left as it is."""
    _write(cache_dir, listing.manifest, listing.text, listing.starts, listing.folders,
           {name: [column] for name, column in listing.columns.items()})


def write_listing_after(cache_dir: Path, base: Listing, delta: Delta, manifest: str, text: bytes | mmap.mmap,
                        facts: Mapping[str, ImageFacts]) -> None:
    """``write_listing(listing_after(...))`` with each column written piece by piece: at
    1,000,000 images, joining them first would copy 100 MB more."""
    pieces, folders = _pieces_after(base, delta, manifest, facts)
    _write(cache_dir, manifest, text, delta.starts, folders, pieces)


def keep_link(cache_dir: Path, manifest: str, since: Since) -> None:
    """Keep ``manifest``'s listing as a link to the one of ``since.base``, which counts as used."""
    base = listing_folder(cache_dir, since.base)
    target = listing_folder(cache_dir, manifest)
    if target.is_dir() or not kept_in_full(cache_dir, since.base):
        return
    if write_link(target, since):
        try:
            os.utime(base)
        except OSError:
            return
        _prune(target.parent.parent)


def _pieces_after(base: Listing, delta: Delta, manifest: str,
                  facts: Mapping[str, ImageFacts]) -> tuple[dict[str, list[np.ndarray]], tuple[str, ...]]:
    """Each column of ``base`` with ``delta`` applied, as the pieces that make it up in order."""
    assert delta.starts is not None
    entries = dict(entry for group in delta.added for entry in group)
    added = listing_from_snapshot(Snapshot(manifest, entries, {m: facts[m] for m in entries.values() if m in facts}))
    assert added is not None  # the delta checked every entry
    folders = {name: i for i, name in enumerate(base.folders)}
    remap = np.array([folders.setdefault(name, len(folders)) for name in added.folders] or [0], dtype=np.int32)
    rows: list[tuple[Listing, int, int]] = []  # (listing, start row, stop row) in the new order
    done = 0
    for group, run in zip(delta.added, [*delta.kept, None]):
        rows.append((added, done, done + len(group)))
        done += len(group)
        if run is not None:
            rows.append((base, *run))
    pieces: dict[str, list[np.ndarray]] = {}
    for name in base.columns:
        if name.endswith(".utf8"):
            continue
        pieces[name] = [(remap[source.columns[name][a:b]] if name == "folder" and source is added
                         else source.columns[name][a:b]) for source, a, b in rows]
        blob = name[:-4] + ".utf8"
        if name.endswith(".len") and blob in base.columns:
            ends = {id(source): np.concatenate([[0], np.cumsum(np.maximum(source.columns[name], 0))])
                    for source in (base, added)}
            pieces[blob] = [source.columns[blob][ends[id(source)][a]:ends[id(source)][b]] for source, a, b in rows]
    return pieces, tuple(folders)


def _write(cache_dir: Path, manifest: str, text: bytes | mmap.mmap, starts: np.ndarray, folders: Sequence[str],
           columns: Mapping[str, Sequence[np.ndarray]]) -> None:
    target = listing_folder(cache_dir, manifest)
    if kept_in_full(cache_dir, manifest):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=".listing-", dir=target.parent))
    try:
        (temp / _TEXT).write_bytes(text)
        (temp / _FOLDERS).write_text(json.dumps(list(folders)), encoding="utf-8")
        np.save(temp / _STARTS, starts, allow_pickle=False)
        for name, parts in columns.items():
            shape = (sum(len(part) for part in parts), *parts[0].shape[1:])
            with open(temp / f"{name}.npy", "wb") as handle:
                np.lib.format.write_array_header_1_0(handle, {"descr": np.lib.format.dtype_to_descr(parts[0].dtype),
                                                              "fortran_order": False, "shape": shape})
                for part in parts:
                    if part.size:
                        handle.write(memoryview(np.ascontiguousarray(part)).cast("B"))
        if target.is_dir():  # a link the full listing replaces
            os.replace(target, temp.with_name(temp.name + "-link"))
        os.replace(temp, target)
    except OSError:
        shutil.rmtree(temp, ignore_errors=True)
        return
    finally:
        shutil.rmtree(temp.with_name(temp.name + "-link"), ignore_errors=True)
    _prune(target.parent.parent)


def _prune(tag_folder: Path) -> None:
    """The newest ``LISTINGS_KEPT`` listings and ``LINKS_KEPT`` links to them stay."""
    try:
        kept = sorted(((p.stat().st_mtime, p) for p in tag_folder.glob("*/*") if not p.name.startswith(".")),
                      reverse=True)
    except OSError:
        return
    links = [p for _, p in kept if (p / LINK).exists()]
    full = [p for _, p in kept if p not in links]
    stale = [p for p in links[:LINKS_KEPT]
             if (since := read_link(p)) is None or _in_tag_folder(tag_folder, since.base) not in full[:LISTINGS_KEPT]]
    for folder in links[LINKS_KEPT:] + stale + full[LISTINGS_KEPT:]:
        shutil.rmtree(folder, ignore_errors=True)
