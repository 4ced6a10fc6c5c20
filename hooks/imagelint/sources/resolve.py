"""Turn "what is being committed" into images and the places their bytes may be read.

Outside git, the images on disk under the given paths (``sources.disk``). Inside git, the
*state* is the index (``GIT_INDEX_FILE`` honoured) or ``rev_range[1]``; the *base* is HEAD (the
empty tree before the first commit) or ``rev_range[0]``.

- dataset: git-tracked images at the state, plus every image of every ``.dvc`` and ``dvc.lock``
  there (manifests as ``sources.manifests`` reads them).
- changed: git-tracked images added, modified or renamed (a rename with identical content is
  not), plus DVC images whose md5 at their path differs between the base and state manifests of
  changed pointers (outs compared by md5 value; an image whose content left another path in the
  same change was only moved, and is not re-checked).
- targets: with ``check_all`` the dataset. With ``paths``, per path: a changed pointer gives its
  changed images, an unchanged one all its images; an image gives itself; a directory gives the
  dataset images under it and the image files on disk under it. Otherwise the changed set.

A missing base manifest makes every image of the new one count as changed; a missing state
manifest leaves the dataset incomplete. Either gives a note; so does a malformed pointer or
manifest. A malformed pointer or manifest at the state is ``Resolution.invalid`` (its content
is checked before any of it names a file); one in the base is a note. A bad revision raises
ValueError. A folder whose base manifest has a kept listing (``facts.listing``) is resolved
from it and the bytes that differ, as a ``ListingPart``.
"""
from __future__ import annotations

import gc
import os
import posixpath
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence

from imagelint.sources import dvcfiles, gitfiles
from imagelint.sources.dataset import ImageRef, InvalidInput, ListingPart, Resolution, is_image_path
from imagelint.sources.disk import disk_images, disk_ref, outside_git, relative
from imagelint.sources.git_images import git_image_refs
from imagelint.sources.listing_parts import listing_parts
from imagelint.sources.manifests import Manifests


def resolve_images(cwd: Path, paths: Sequence[str], *, check_all: bool = False,
                   rev_range: tuple[str, str] | None = None, use_remote: bool = False,
                   pulled: Path | None = None, listings: Path | None = None) -> tuple[Path, Resolution]:
    """Returns (root, resolution). root = git top-level, or cwd outside git. All ImageRef.path are relative to root, POSIX.

    ``pulled`` is a folder of manifests that came with facts snapshots (``sources.outs.pulled_manifests``).
    ``listings`` is the cache folder of kept listings (``facts.listing``): a change (no ``check_all``,
    no path but changed pointers) of a folder whose base manifest has one is resolved from it and
    the bytes that differ, and its images are in ``Resolution.listings``, not ``dataset``.
    """
    root = gitfiles.repo_root(Path(cwd))
    if root is None:
        root = Path(os.path.realpath(cwd))
        return root, outside_git(root, paths, check_all)
    with _gc_paused():
        resolver = _GitResolver(root, use_remote, range_check=rev_range is not None, pulled=pulled, listings=listings)
        return root, resolver.resolve(Path(cwd), paths, check_all, rev_range)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """A 100,000-image dataset allocates millions of objects and no cycles; collecting meanwhile costs ~30%.

    Afterwards they are frozen: they live until the run ends, so later collections (and forked
    decode workers, which would otherwise touch every page) need not walk them again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


class _GitResolver:
    """One resolution inside a git work tree; collects notes as it goes."""

    def __init__(self, root: Path, use_remote: bool, range_check: bool = False, pulled: Path | None = None,
                 listings: Path | None = None) -> None:
        self.root = root
        self.listings = listings
        self.parts: dict[str, ListingPart] = {}
        self.notes: list[str] = []
        self.invalid: list[InvalidInput] = []
        self.complete = True
        self.manifests = Manifests(root, use_remote=use_remote, range_check=range_check, pulled=pulled,
                                   notes=self.notes, invalid=self.invalid)

    def resolve(self, cwd: Path, paths: Sequence[str], check_all: bool,
                rev_range: tuple[str, str] | None) -> Resolution:
        if rev_range:
            base, state = gitfiles.tree_of(self.root, rev_range[0]), gitfiles.tree_of(self.root, rev_range[1])
        else:
            base, state = gitfiles.head_tree(self.root), None
        entries = {entry.path: entry for entry in gitfiles.list_files(self.root, state)}
        changes = gitfiles.diff(self.root, base, state)
        old_blobs = {change.old_path: change.old_blob for change in changes if change.old_path}
        new_paths = {change.new_path for change in changes if change.status in "ARC"}

        def base_blob(path: str) -> str | None:
            if path in old_blobs:
                return old_blobs[path]
            entry = entries.get(path)
            return entry.blob if entry and path not in new_paths else None

        pointers = [path for path in entries if dvcfiles.is_pointer(path)]
        touched = {path for change in changes for path in (change.old_path, change.new_path) if path}
        changed_pointers = {path for path in touched if dvcfiles.is_pointer(path)}
        changed_pointers |= {posixpath.join(posixpath.dirname(path), "dvc.lock") for path in touched
                             if posixpath.basename(path) == "dvc.yaml"}
        def state_blob(path: str) -> str | None:
            entry = entries.get(path)
            return entry.blob if entry else None

        new_specs = {path: (entries[path].blob, _yaml_blob(path, state_blob)) for path in pointers}
        old_specs = {path: (base_blob(path), _yaml_blob(path, base_blob)) for path in changed_pointers}
        attributes = [entry.blob for path, entry in entries.items() if posixpath.basename(path) == ".gitattributes"]
        blobs = gitfiles.read_blobs(self.root, [blob for specs in (new_specs, old_specs) for pair in specs.values()
                                                for blob in pair if blob] + attributes)

        uses_lfs = any(b"filter=lfs" in blobs.get(blob, b"") for blob in attributes)
        refs, lfs_notes = git_image_refs(self.root, entries, uses_lfs)
        self.notes += lfs_notes
        tracked: dict[str, list[str]] = {}
        new_outs = {path: outs for path, spec in new_specs.items()
                    if (outs := self._outs(path, spec, blobs, True)) is not None}
        old_outs = {path: outs for path, spec in old_specs.items()
                    if spec[0] and (outs := self._outs(path, spec, blobs, False)) is not None}
        if self.listings is not None and not check_all and all(
                relative(cwd, self.root, given) in changed_pointers for given in paths):
            self.parts = listing_parts(self.listings, self.manifests, old_outs, new_outs, changed_pointers)
        new_images: dict[str, dict[str, str]] = {}
        unlisted: set[str] = set()
        for pointer, outs in new_outs.items():
            cache = self.manifests.cache(pointer)
            for out in outs:
                part = self.parts.get(out.path)
                images = part.added_images() if part else self.manifests.images(out, new=True)
                if images is None:
                    unlisted.add(pointer)
                    continue
                new_images[out.path] = images
                tracked.setdefault(pointer, []).extend(images)
                self._add_dvc_refs(refs, images, dvcfiles.object_folders(cache, out.legacy))

        dvc_changed = self._dvc_changes(old_outs, {path: new_outs.get(path, []) for path in changed_pointers}, new_images)
        git_changed = {change.new_path for change in changes if change.new_path and is_image_path(change.new_path)
                       and not (change.status == "R" and change.old_blob == change.new_blob)}
        changed = {path for path in git_changed if path in refs} | set(dvc_changed)

        if check_all:
            selected = set(refs)
        elif paths:
            selected = set()
            for given in paths:
                selected |= self._selected(cwd, given, refs, tracked, changed_pointers, dvc_changed)
        else:
            selected = changed
        targets = tuple(refs.get(path) or disk_ref(self.root, path, os.path.islink(self.root / path))
                        for path in sorted(selected))
        dataset = tuple(refs[path] for path in sorted(refs))
        asked = {relative(cwd, self.root, given) for given in paths}
        def in_scope(pointer: str) -> bool:
            lock = posixpath.join(posixpath.dirname(pointer), "dvc.lock")
            return check_all or bool({pointer, lock} & (changed_pointers | asked))

        unlisted_anywhere = tuple(sorted(unlisted))
        unlisted = {p for p in unlisted if in_scope(p)} - {item.path for item in self.invalid}
        invalid = sorted(item for item in set(self.invalid) if in_scope(item.path))
        self.notes += [f"{item.path}: {item.reason} (not part of this change)"
                       for item in sorted(set(self.invalid)) if not in_scope(item.path)]
        complete = self.complete and self.manifests.complete
        return Resolution(targets, dataset, tuple(self.notes), complete, frozenset(changed),
                          tuple(sorted(unlisted)), tuple(invalid), unlisted_anywhere,
                          tuple(self.parts[path] for path in sorted(self.parts)))

    def _add_dvc_refs(self, refs: dict[str, ImageRef], images: dict[str, str], folders: tuple[str, ...]) -> None:
        """Refs for one out's images: the loop that runs 100,000 times, so it only joins strings."""
        root = str(self.root)
        for path, md5 in images.items():
            objects = tuple(f"{folder}/{md5[:2]}/{md5[2:]}" for folder in folders)
            refs[path] = ImageRef(path, md5, (*objects, f"{root}/{path}"))

    def _outs(self, pointer: str, spec: tuple[str | None, str | None], blobs: dict[str, bytes],
              new: bool) -> list[dvcfiles.Out] | None:
        blob, yaml_blob = spec
        try:
            if posixpath.basename(pointer) == "dvc.lock":
                stages = blobs.get(yaml_blob) if yaml_blob else None
                return dvcfiles.lock_outs(pointer, blobs.get(blob or "", b""), stages)
            return dvcfiles.dvc_file_outs(pointer, blobs.get(blob or "", b""))
        except dvcfiles.PointerError as exc:
            if new:
                where = f" (line {exc.line})" if exc.line else ""
                self.invalid.append(InvalidInput(exc.path, f"{exc.reason}{where}"))
                self.complete = False
            else:
                self.notes.append(f"{exc} (previous version)")
            return None

    def _dvc_changes(self, old_outs: dict[str, list[dvcfiles.Out]], new_outs: dict[str, list[dvcfiles.Out]],
                     new_images: dict[str, dict[str, str]]) -> dict[str, str]:
        """``path -> md5`` of the DVC images added or modified between the two sides of changed pointers."""
        old_by_path = {out.path: out for outs in old_outs.values() for out in outs}
        new_by_path = {out.path: out for outs in new_outs.values() for out in outs}
        before: dict[str, str] = {}
        after: dict[str, str] = {}
        for path in sorted(old_by_path.keys() | new_by_path.keys()):
            old, new = old_by_path.get(path), new_by_path.get(path)
            if old and new and old.md5 == new.md5:
                continue
            images = new_images.get(path, {}) if new else {}
            if path in self.parts:  # the bytes that differ tell what changed
                after.update(images)
                before.update(self.parts[path].removed_images())
                continue
            after.update(images)
            if old is None:
                continue
            previous = self.manifests.images(old, new=False)
            if previous is None and images:
                self.notes.append(f"{new.pointer if new else old.pointer}: previous manifest {old.md5} is not in the "
                                  f"DVC cache (fresh clone or dvc gc?); checking all {len(images)} images it tracks")
            before.update(previous or {})
        moved = {md5 for path, md5 in before.items() if after.get(path) != md5}
        return {path: md5 for path, md5 in after.items() if before.get(path) != md5 and md5 not in moved}

    def _selected(self, cwd: Path, given: str, refs: dict[str, ImageRef], tracked: dict[str, list[str]],
                  changed_pointers: set[str], dvc_changed: dict[str, str]) -> set[str]:
        rel = relative(cwd, self.root, given)
        if rel is None:
            self.notes.append(f"{given}: outside the repository {self.root}, skipped")
            return set()
        if dvcfiles.is_pointer(rel):
            images = tracked.get(rel, [])
            return set(images) & dvc_changed.keys() if rel in changed_pointers else set(images)
        full = self.root / rel
        if full.is_dir() and not full.is_symlink():
            prefix = f"{rel}/" if rel else ""
            on_disk = {path for path, _ in disk_images(self.root, rel)}
            return {path for path in refs if path.startswith(prefix)} | on_disk
        return {rel} if is_image_path(rel) else set()


def _yaml_blob(pointer: str, blob_of: Callable[[str], str | None]) -> str | None:
    """The ``dvc.yaml`` blob beside a ``dvc.lock`` (it holds the stages' ``wdir``); None for ``.dvc`` files."""
    if posixpath.basename(pointer) != "dvc.lock":
        return None
    return blob_of(posixpath.join(posixpath.dirname(pointer), "dvc.yaml"))
