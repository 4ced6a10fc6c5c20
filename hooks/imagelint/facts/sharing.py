"""Pushing and pulling snapshots: the facts of whole DVC folders, shared like DVC's own objects.

A snapshot is keyed by the manifest it describes and the snapshot and facts versions
(``snapshots/s1-f1/ab/cdef….npz``), the same key on the DVC remote (under its ``imagelint/``
folder), in a plain folder a CI system caches between runs, and in the local cache folder.
A key is written once and never rewritten, so pushing twice, or from two machines, is safe.

Pulling stores the snapshot locally, adds its facts to the index and writes the manifest it
carries (checked against its name) where the resolver finds it, so a fresh clone can compare a
pull request with the whole dataset without one image of it. Pushing refuses an incomplete
snapshot: an image with no facts and no bytes is counted and named, never left out.
"""
from __future__ import annotations

import heapq
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Collection, Iterable, Protocol, Sequence

from imagelint.atomic import write_bytes_atomic
from imagelint.config import Config
from imagelint.facts.image_facts import ImageFacts
from imagelint.facts.index import FactsIndex
from imagelint.facts.snapshot import (
    Snapshot, SnapshotError, SnapshotTable, read_snapshot_table, snapshot_bytes, version_tag,
)
from imagelint.sources import dvcfiles
from imagelint.sources.dataset import ImageRef, is_image_path
from imagelint.sources.outs import DirOut, pulled_manifests


class Area(Protocol):
    """Somewhere snapshots are kept: a folder, or imagelint's folder on the DVC remote."""

    def has(self, key: str) -> bool: ...

    def read(self, key: str) -> bytes | None: ...

    def write(self, key: str, data: bytes) -> bool: ...


#: Facts of images that have none here, from elsewhere (the DVC remote's bytes), for those it has.
FetchFacts = Callable[[Sequence[ImageRef]], Sequence[ImageFacts]]


class FolderArea:
    """Snapshots under a plain folder (the local cache, or a folder CI caches); writes are atomic."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def has(self, key: str) -> bool:
        return (self.folder / key).is_file()

    def read(self, key: str) -> bytes | None:
        try:
            return (self.folder / key).read_bytes()
        except OSError:
            return None

    def write(self, key: str, data: bytes) -> bool:
        path = self.folder / key
        if path.exists():
            return False
        write_bytes_atomic(path, data)
        return True


@dataclass(frozen=True)
class Transfer:
    """What a push or pull moved: snapshots, the image facts in them, their bytes, and what it could not."""

    snapshots: int = 0
    images: int = 0
    bytes: int = 0
    unavailable: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def snapshot_key(manifest: str) -> str:
    name = manifest.removesuffix(".dir")
    return f"snapshots/{version_tag()}/{name[:2]}/{name[2:]}.npz"


def manifest_folder(config: Config) -> Path:
    return pulled_manifests(config.resolved_cache_dir())


def pull_snapshots(outs: Sequence[DirOut], config: Config, index: FactsIndex, source: Area | None) -> Transfer:
    """Bring the snapshots of ``outs`` here (from ``source`` unless already local) and index their facts."""
    local = FolderArea(config.resolved_cache_dir())
    moved = images = size = 0
    unavailable, notes = [], []
    for manifest in sorted({out.manifest for out in outs}):
        key = snapshot_key(manifest)
        data = local.read(key)
        fetched = data is None and source is not None
        if fetched:
            data = source.read(key)  # type: ignore[union-attr]
        if data is None:
            unavailable.append(manifest)
            continue
        try:
            table = read_snapshot_table(data, manifest)
        except SnapshotError as exc:
            notes.append(f"facts snapshot of {manifest} ignored: {exc}")
            continue
        rows = table.fact_rows()
        described = {table.md5s[i] for i in rows}
        if fetched or _not_indexed(index, described):
            index.store_columns(table.md5s, table.values, rows)
            local.write(key, data)
            moved, images, size = moved + 1, images + len(described), size + len(data)
        _write_manifest(manifest_folder(config), manifest, table.entries)
        keep_listing(config, table)
    return Transfer(moved, images, size, tuple(unavailable), tuple(notes))


def keep_listing(config: Config, snapshot: Snapshot | SnapshotTable) -> None:
    """The commit hook's own copy of a snapshot's columns (``facts.listing``), unless it is here."""
    from imagelint.facts.listing import kept_in_full, listing_from_snapshot, write_listing

    if not kept_in_full(config.resolved_cache_dir(), snapshot.manifest):
        listing = listing_from_snapshot(snapshot)
        if listing is not None:
            write_listing(config.resolved_cache_dir(), listing)


def _not_indexed(index: FactsIndex, md5s: Collection[str]) -> bool:
    probe = heapq.nsmallest(3, md5s)
    return bool(probe) and len(index.lookup(probe)) < len(probe)


def _write_manifest(folder: Path, manifest: str, entries: dict[str, str]) -> None:
    """The ``.dir`` object exactly as DVC writes it, so it hashes to its name."""
    listing = [{"md5": entries[relpath], "relpath": relpath} for relpath in sorted(entries)]
    FolderArea(folder).write(f"files/md5/{manifest[:2]}/{manifest[2:]}", json.dumps(listing, sort_keys=True).encode())


def push_snapshots(outs: Sequence[DirOut], config: Config, index: FactsIndex, target: Area,
                   jobs: int | None, fetch_missing: FetchFacts | None = None) -> Transfer:
    """Write a snapshot of every out's manifest to ``target`` (and the local cache) unless it is there.

    Facts come from the index, else from a decode of the local bytes, else from
    ``fetch_missing`` (the remote's bytes); a manifest with any image still unknown is not pushed.
    """
    local = FolderArea(config.resolved_cache_dir())
    moved = images = size = 0
    unavailable, notes = [], []
    for out in _unique(outs):
        key = snapshot_key(out.manifest)
        if target.has(key):  # immutable: there is nothing to add, and nothing to decode
            continue
        entries = _manifest_entries(out, config)
        if entries is None:
            unavailable.append(out.manifest)
            notes.append(f"{out.pointer}: manifest {out.manifest} of {out.path} is not on this machine: "
                         "run 'dvc fetch' or 'imagelint facts pull' first; not pushed")
            continue
        facts, missing = _facts_of(out, entries, config, index, jobs, fetch_missing)
        if missing:
            unavailable.append(out.manifest)
            notes.append(f"{out.pointer}: {len(missing)} image(s) of {out.path} have no facts and no bytes here "
                         f"(first: {min(missing)}): run 'dvc pull' or push with --remote; not pushed")
            continue
        data = snapshot_bytes(out.manifest, entries, facts)
        local.write(key, data)
        keep_listing(config, Snapshot(out.manifest, entries, facts))
        _write_manifest(manifest_folder(config), out.manifest, entries)
        if target.write(key, data):
            moved, images, size = moved + 1, images + len(facts), size + len(data)
    return Transfer(moved, images, size, tuple(unavailable), tuple(notes))


def fetch_manifests(outs: Sequence[DirOut], config: Config) -> None:
    """Copy the manifests of ``outs`` that are nowhere here from the DVC remote (checked against their names)."""
    import hashlib

    from imagelint.sources import dvc_remote

    for out in _unique(outs):
        if _manifest_entries(out, config) is not None:
            continue
        data = dvc_remote.read_remote_object(out.dvc_root, out.manifest)
        if data is not None and hashlib.md5(data).hexdigest() + ".dir" == out.manifest:
            FolderArea(manifest_folder(config)).write(f"files/md5/{out.manifest[:2]}/{out.manifest[2:]}", data)


def _unique(outs: Iterable[DirOut]) -> list[DirOut]:
    seen: dict[str, DirOut] = {}
    for out in outs:
        seen.setdefault(out.manifest, out)
    return [seen[manifest] for manifest in sorted(seen)]


def _manifest_entries(out: DirOut, config: Config) -> dict[str, str] | None:
    for cache in (dvcfiles.cache_dir(out.dvc_root / ".dvc"), manifest_folder(config)):
        try:
            entries = dvcfiles.read_cached_manifest(cache, out.manifest)
        except dvcfiles.ManifestError:
            entries = None
        if entries is not None:
            return entries
    return None


def _facts_of(out: DirOut, entries: dict[str, str], config: Config, index: FactsIndex, jobs: int | None,
              fetch_missing: FetchFacts | None) -> tuple[dict[str, ImageFacts], list[str]]:
    from imagelint.facts.inspect import inspect_images

    images = {relpath: md5 for relpath, md5 in entries.items() if is_image_path(relpath)}
    facts = index.lookup(images.values())
    folders = dvcfiles.object_folders(dvcfiles.cache_dir(out.dvc_root / ".dvc"))
    refs = [ImageRef(f"{out.path}/{relpath}", md5, tuple(f"{folder}/{md5[:2]}/{md5[2:]}" for folder in folders))
            for relpath, md5 in sorted(images.items()) if md5 not in facts]
    for item in inspect_images(refs, config, jobs=jobs, index=index).values():
        if item.facts is not None:
            facts[item.facts.md5] = item.facts
    unknown = [replace(ref, sources=()) for ref in refs if ref.md5 not in facts]
    if unknown and fetch_missing is not None:
        for found in fetch_missing(unknown):
            facts[found.md5] = found
    return facts, [ref.path for ref in refs if ref.md5 not in facts]


def outs_of(root: Path, revs: Sequence[str | None]) -> tuple[list[DirOut], tuple[str, ...]]:
    """The directory outs of every revision (None: the git index), and notes about unreadable pointers."""
    from imagelint.sources.outs import dir_outs

    found, notes = [], []
    for rev in revs:
        outs, problems = dir_outs(root, rev)
        found += outs
        notes += problems
    return found, tuple(dict.fromkeys(notes))


def pull_from_remote(root: Path, revs: Sequence[str | None], config: Config, index: FactsIndex) -> Transfer:
    """``imagelint facts pull`` from the DVC remote of each out's repository; a remote that cannot
    be opened is a note, and the snapshots already here are still indexed."""
    from imagelint.sources import dvc_remote

    outs, notes = outs_of(root, revs)
    moved = images = size = 0
    unavailable: list[str] = []
    for dvc_root in sorted({out.dvc_root for out in outs}):
        group = [out for out in outs if out.dvc_root == dvc_root]
        try:
            with dvc_remote.remote_area(dvc_root) as area:
                done = pull_snapshots(group, config, index, area)
        except dvc_remote.RemoteUnavailable as exc:
            notes += (str(exc),)
            done = pull_snapshots(group, config, index, None)
        moved, images, size = moved + done.snapshots, images + done.images, size + done.bytes
        unavailable += done.unavailable
        notes += done.notes
    return Transfer(moved, images, size, tuple(unavailable), notes)


def describe(transfer: Transfer, verb: str, where: str) -> str:
    """One line for the user: what moved, what could not."""
    text = (f"{verb} {transfer.snapshots} facts snapshot(s) ({transfer.images} images, "
            f"{transfer.bytes / 1000:.1f} kB) {where}")
    if transfer.unavailable:
        text += f"; {len(transfer.unavailable)} manifest(s) have no snapshot there yet"
    return text
