"""The DVC directory outs of a revision: which ``.dir`` manifests make up the dataset there.

Facts snapshots are keyed by manifest, so sharing them starts from this list. Pointers are
read from git (the index for ``rev=None``), never from the workspace, as the resolver does.
"""
from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from imagelint.atomic import write_bytes_atomic
from imagelint.sources import dvcfiles, gitfiles


@dataclass(frozen=True)
class DirOut:
    """A tracked folder: its pointer, its repo-relative path, its manifest name and the DVC root it belongs to."""

    pointer: str
    path: str
    manifest: str
    dvc_root: Path


def dir_outs(root: Path, rev: str | None) -> tuple[list[DirOut], list[str]]:
    """The directory outs at ``rev`` (None: the index), and notes for pointers that cannot be read."""
    tree = gitfiles.tree_of(root, rev) if rev else None
    entries = {entry.path: entry.blob for entry in gitfiles.list_files(root, tree)}
    pointers = [path for path in entries if dvcfiles.is_pointer(path)]
    yamls = {path: posixpath.join(posixpath.dirname(path), "dvc.yaml") for path in pointers
             if posixpath.basename(path) == "dvc.lock"}
    blobs = gitfiles.read_blobs(root, [entries[p] for p in pointers] + [entries[y] for y in yamls.values()
                                                                        if y in entries])
    found, notes = [], []
    for pointer in sorted(pointers):
        text = blobs.get(entries[pointer], b"")
        try:
            if pointer in yamls:
                stages = blobs.get(entries.get(yamls[pointer], ""))
                outs = dvcfiles.lock_outs(pointer, text, stages)
            else:
                outs = dvcfiles.dvc_file_outs(pointer, text)
        except dvcfiles.PointerError as exc:
            notes.append(str(exc))
            continue
        found += [DirOut(pointer, out.path, out.md5, dvc_root(root, pointer)) for out in outs
                  if out.md5.endswith(".dir")]
    return found, notes


def pulled_manifests(cache_dir: Path) -> Path:
    """Where manifests carried by pulled facts snapshots are kept, laid out like a DVC cache
    (``files/md5/ab/cdef….dir``); imagelint never writes into the team's own DVC cache."""
    return cache_dir / "manifests"


def kept_manifest_path(folder: Path, manifest: str) -> Path:
    """Where ``pulled_manifests`` folder ``folder`` keeps the manifest ``manifest``."""
    return folder / "files" / "md5" / manifest[:2] / manifest[2:]


def keep_fetched_manifest(folder: Path, manifest: str, data: bytes) -> None:
    """Keep ``data`` read from elsewhere (a remote, a snapshot) in ``folder`` for later runs,
    when it hashes to ``manifest`` and is not kept there yet."""
    path = kept_manifest_path(folder, manifest)
    if not path.exists() and hashlib.md5(data).hexdigest() + ".dir" == manifest:
        write_bytes_atomic(path, data)


def dvc_root(root: Path, pointer: str) -> Path:
    """The folder holding the ``.dvc/`` directory nearest above ``pointer`` (``dvc init --subdir``)."""
    folder = posixpath.dirname(pointer)
    while folder and not (root / folder / ".dvc").is_dir():
        folder = posixpath.dirname(folder)
    return root / folder if folder else root


def outs_of(root: Path, revs: Sequence[str | None]) -> tuple[list[DirOut], tuple[str, ...]]:
    """The directory outs of every revision (None: the git index), and notes about unreadable pointers."""
    found, notes = [], []
    for rev in revs:
        outs, problems = dir_outs(root, rev)
        found += outs
        notes += problems
    return found, tuple(dict.fromkeys(notes))


def parent_pairs(root: Path, revs: Sequence[str]) -> list[tuple[DirOut, DirOut]]:
    """(out at the first parent, out at the revision) for every folder whose manifest a revision
    changed, matched by path; a root commit and a folder that is new have no pair."""
    pairs = []
    for rev in revs:
        try:
            before = {(out.dvc_root, out.path): out for out in dir_outs(root, f"{rev}^")[0]}
        except gitfiles.GitError:
            continue
        for out in dir_outs(root, rev)[0]:
            parent = before.get((out.dvc_root, out.path))
            if parent is not None and parent.manifest != out.manifest:
                pairs.append((parent, out))
    return pairs
