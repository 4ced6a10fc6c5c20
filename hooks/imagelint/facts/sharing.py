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
from dataclasses import replace
from pathlib import Path
from typing import Callable, Collection, Iterable, Sequence

from imagelint.config import Config
from imagelint.facts.areas import Area, FolderArea, Transfer
from imagelint.facts.image_facts import ImageFacts
from imagelint.facts.index import FactsIndex
from imagelint.facts.local_manifests import keep_manifest, keep_manifest_bytes, local_manifest
from imagelint.facts.snapshot import (
    Snapshot, SnapshotError, SnapshotTable, read_snapshot_table, snapshot_bytes, version_tag,
)
from imagelint.sources import dvcfiles
from imagelint.sources.dataset import ImageRef, is_image_path
from imagelint.sources.outs import DirOut, outs_of


#: Facts of images that have none here, from elsewhere (the DVC remote's bytes), for those it has.
FetchFacts = Callable[[Sequence[ImageRef]], Sequence[ImageFacts]]


def snapshot_key(manifest: str) -> str:
    name = manifest.removesuffix(".dir")
    return f"snapshots/{version_tag()}/{name[:2]}/{name[2:]}.npz"


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
        keep_manifest(config, manifest, table.entries, table.text)
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
        entries = local_manifest(out.dvc_root, out.manifest, config)
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
        keep_manifest(config, out.manifest, entries)
        if target.write(key, data):
            moved, images, size = moved + 1, images + len(facts), size + len(data)
    return Transfer(moved, images, size, tuple(unavailable), tuple(notes))


def fetch_manifests(outs: Sequence[DirOut], config: Config) -> None:
    """Copy the manifests of ``outs`` that are nowhere here from the DVC remote (checked against their names)."""
    from imagelint.sources import dvc_remote

    for out in _unique(outs):
        if local_manifest(out.dvc_root, out.manifest, config) is not None:
            continue
        data = dvc_remote.read_remote_object(out.dvc_root, out.manifest)
        if data is not None:
            keep_manifest_bytes(config, out.manifest, data)


def _unique(outs: Iterable[DirOut]) -> list[DirOut]:
    seen: dict[str, DirOut] = {}
    for out in outs:
        seen.setdefault(out.manifest, out)
    return [seen[manifest] for manifest in sorted(seen)]


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


def pull_from_remote(root: Path, revs: Sequence[str | None], config: Config, index: FactsIndex,
                     heads: Sequence[str] = ()) -> Transfer:
    """``imagelint facts pull`` from the DVC remote of each out's repository; a remote that cannot
    be opened is a note, and the snapshots already here are still indexed. The manifests of
    ``heads`` that are not here are rebuilt from the changes on the remote where they lead to one
    that is (facts/changes.py): never their snapshots, which a pull request could have written."""
    from imagelint.facts.changes import rebuild_manifests
    from imagelint.sources import dvc_remote

    outs, notes = outs_of(root, revs)
    head_outs = outs_of(root, heads)[0] if heads else []
    done = Transfer(notes=notes)
    for dvc_root in sorted({out.dvc_root for out in [*outs, *head_outs]}):
        group = [out for out in outs if out.dvc_root == dvc_root]
        try:
            with dvc_remote.remote_area(dvc_root) as area:
                done += pull_snapshots(group, config, index, area)
                done += rebuild_manifests([out for out in head_outs if out.dvc_root == dvc_root], config, area)
        except dvc_remote.RemoteUnavailable as exc:
            done += Transfer(notes=(str(exc),)) + pull_snapshots(group, config, index, None)
    return done
