"""Manifest changes: what a commit changed in a DVC folder, fetched instead of the whole manifest.

A pull request's ``.dir`` manifest lists every entry of its folder: 8 MB at 100,000 images, as
much as the facts snapshot of the whole dataset. A *change* names the manifest it starts from
and the entries that differ in the next one: a few kB for a commit of ten images. ``facts push``
stores one per pushed commit against its first parent (``changes/c1/ab/cdef….json``, keyed by
the manifest it leads to), and ``check --remote`` rebuilds the head's manifest from the base's,
which came with the base's snapshot, by following them back.

A change is untrusted input, like everything a pull request brings: its entries are checked as
a manifest's are, and the rebuilt listing is used only when it hashes to the manifest's name.
So a change written by anyone can save a download but never alter what is checked; one that
does not fit is a note, and the manifest is read from the remote as before.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from imagelint.config import Config
from imagelint.facts.areas import Area, Transfer
from imagelint.facts.local_manifests import has_local_manifest, keep_manifest, local_manifest
from imagelint.sources.dvcfiles import ManifestError, manifest_entries
from imagelint.sources.manifest_text import manifest_bytes
from imagelint.sources.outs import DirOut
from imagelint.sources.pointer_checks import is_md5

#: Bumped when the file's form changes; part of every key.
CHANGE_VERSION = 1
#: Changes followed back from a manifest (one per commit of a pull request) before the route gives up.
CHAIN_LIMIT = 32
#: Changes larger than this, one or a chain together, are not read: by then the manifest itself
#: costs about as much.
CHANGE_LIMIT = 16 * 2**20


class ChangeError(ValueError):
    """A change that cannot be applied; the message says why."""


@dataclass(frozen=True)
class ManifestChange:
    """From manifest ``source`` to ``target``: the relpaths gone, and the entries new or with new bytes."""

    source: str
    target: str
    removed: tuple[str, ...]
    added: tuple[tuple[str, str], ...]


def change_key(target: str) -> str:
    name = target.removesuffix(".dir")
    return f"changes/c{CHANGE_VERSION}/{name[:2]}/{name[2:]}.json"


def change_between(source: str, old: Mapping[str, str], target: str, new: Mapping[str, str]) -> ManifestChange:
    removed = tuple(sorted(old.keys() - new.keys()))
    added = tuple(sorted((relpath, md5) for relpath, md5 in new.items() if old.get(relpath) != md5))
    return ManifestChange(source, target, removed, added)


def change_bytes(change: ManifestChange) -> bytes:
    return json.dumps({"version": CHANGE_VERSION, "from": change.source, "to": change.target,
                       "removed": list(change.removed),
                       "added": [{"md5": md5, "relpath": relpath} for relpath, md5 in change.added]},
                      sort_keys=True).encode()


def read_change(data: bytes, target: str) -> ManifestChange:
    """Parse a change said to lead to ``target``; raises ChangeError for anything else."""
    if len(data) > CHANGE_LIMIT:
        raise ChangeError(f"larger than {CHANGE_LIMIT >> 20} MiB")
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        raise ChangeError("not valid JSON") from None
    if not isinstance(value, dict) or value.get("version") != CHANGE_VERSION:
        raise ChangeError(f"not a version {CHANGE_VERSION} change")
    source, removed = value.get("from"), value.get("removed")
    if value.get("to") != target or not is_md5(source, directory=True):
        raise ChangeError(f"it does not lead from a manifest to {target}")
    if not isinstance(removed, list) or not all(isinstance(relpath, str) for relpath in removed):
        raise ChangeError("its removed entries are not a list of relpaths")
    try:
        added = manifest_entries(value.get("added"))
    except ManifestError as exc:
        raise ChangeError(f"its added entries: {exc}") from None
    return ManifestChange(source, target, tuple(removed), tuple(added.items()))


def apply_change(entries: Mapping[str, str], change: ManifestChange) -> dict[str, str]:
    result = dict(entries)
    for relpath in change.removed:
        if result.pop(relpath, None) is None:
            raise ChangeError(f"it removes {relpath[:80]!r}, which {change.source} does not list")
    result.update(change.added)
    return result


@dataclass(frozen=True)
class Rebuilt:
    """A manifest's entries rebuilt from changes (None when the route did not lead there), the
    changes read and their bytes, and why the route failed when it was there but did not fit."""

    entries: dict[str, str] | None
    data: bytes = b""  # the manifest's bytes, as DVC writes them
    changes: int = 0
    bytes: int = 0
    problem: str | None = None


def rebuild(target: str, local: Callable[[str], Mapping[str, str] | None],
            read: Callable[[str, int], bytes | None]) -> Rebuilt:
    """Follow changes (``read(key, limit)``) back from ``target`` to a manifest ``local`` has,
    apply them forward, and keep the result only if it hashes to ``target``."""
    chain: list[ManifestChange] = []
    size, name, seen = 0, target, {target}
    while True:
        data = read(change_key(name), CHANGE_LIMIT - size)
        if data is None:
            problem = f"no change leads to {name}, {len(chain)} back from {target}" if chain else None
            return Rebuilt(None, changes=len(chain), bytes=size, problem=problem)
        size += len(data)
        try:
            if size > CHANGE_LIMIT:
                raise ChangeError(f"with the {len(chain)} after it, larger than {CHANGE_LIMIT >> 20} MiB")
            chain.append(read_change(data, name))
        except ChangeError as exc:
            return Rebuilt(None, changes=len(chain) + 1, bytes=size, problem=f"change to {name}: {exc}")
        base, name = local(chain[-1].source), chain[-1].source
        if base is not None:
            break
        if name in seen or len(chain) == CHAIN_LIMIT:
            return Rebuilt(None, changes=len(chain), bytes=size,
                           problem=f"no manifest here within {len(chain)} changes of {target}")
        seen.add(name)
    try:
        entries = dict(base)
        for change in reversed(chain):
            entries = apply_change(entries, change)
    except ChangeError as exc:
        return Rebuilt(None, changes=len(chain), bytes=size, problem=f"change to {change.target}: {exc}")
    data = manifest_bytes(entries)
    if hashlib.md5(data).hexdigest() + ".dir" != target:
        problem = f"the listing rebuilt from {len(chain)} change(s) does not hash to {target}"
        return Rebuilt(None, changes=len(chain), bytes=size, problem=problem)
    return Rebuilt(entries, data, len(chain), size)


def push_changes(pairs: Sequence[tuple[DirOut, DirOut]], config: Config, target: Area) -> Transfer:
    """Store the change of each (parent, out) pair whose two manifests are here, unless it is there."""
    changes = size = 0
    notes = []
    for parent, out in pairs:
        key = change_key(out.manifest)
        if target.has(key):
            continue
        old = local_manifest(parent.dvc_root, parent.manifest, config)
        new = local_manifest(out.dvc_root, out.manifest, config)
        if old is None or new is None:
            missing = parent.manifest if old is None else out.manifest
            notes.append(f"{out.pointer}: manifest {missing} of {out.path} is not on this machine: "
                         "its change is not pushed (run 'dvc fetch')")
            continue
        data = change_bytes(change_between(parent.manifest, old, out.manifest, new))
        if target.write(key, data):
            changes, size = changes + 1, size + len(data)
    return Transfer(notes=tuple(notes), changes=changes, change_bytes=size)


def rebuild_manifests(outs: Sequence[DirOut], config: Config, source: Area) -> Transfer:
    """Rebuild, from the changes in ``source``, the manifests of ``outs`` that are not here, and
    keep them where the resolver reads manifests; the others are read from the remote as before."""
    changes = size = manifests = 0
    notes = []
    for out in {out.manifest: out for out in outs}.values():
        if has_local_manifest(out.dvc_root, out.manifest, config):
            continue
        rebuilt = rebuild(out.manifest, lambda name, out=out: local_manifest(out.dvc_root, name, config), source.read)
        changes, size = changes + rebuilt.changes, size + rebuilt.bytes
        if rebuilt.problem:
            notes.append(f"{out.pointer}: {rebuilt.problem}; reading the manifest of {out.path} instead")
        if rebuilt.entries is not None:
            keep_manifest(config, out.manifest, rebuilt.entries, rebuilt.data)
            manifests += 1
    return Transfer(notes=tuple(notes), changes=changes, change_bytes=size, manifests=manifests)
