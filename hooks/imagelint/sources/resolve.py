"""Turn "what is being committed" into images and the places their bytes may be read.

Outside git, the targets are the image files under ``paths`` (everything under ``cwd`` with no
paths or ``check_all``; ``.git`` and ``.dvc`` folders skipped, symlinks reported, never followed),
and the dataset is the targets.

Inside git, the *state* is the index (``GIT_INDEX_FILE`` honoured) or ``rev_range[1]``; the
*base* is HEAD (the empty tree before the first commit) or ``rev_range[0]``.

- dataset: git-tracked images at the state, plus every image of every ``.dvc`` and ``dvc.lock``
  there (manifests from the DVC cache).
- changed: git-tracked images added, modified or renamed (a rename with identical content is
  not), plus DVC images whose md5 at their path differs between the base and state manifests of
  changed pointers (outs compared by md5 value; an image whose content left another path in the
  same change was only moved, and is not re-checked).
- targets: with ``check_all`` the dataset. With ``paths``, per path: a changed pointer gives its
  changed images, an unchanged one all its images; an image gives itself; a directory gives the
  dataset images under it and the image files on disk under it. Otherwise the changed set.

A manifest is read from the cache (DVC 3, then legacy layout), else from the manifests that
came with pulled facts snapshots, else rebuilt from the workspace
when that hashes to it (``dvc add --no-commit``), else from the remote with ``use_remote`` (a
base manifest of a range check, always). A missing base manifest makes every image of the new
one count as changed; a missing state
manifest leaves the dataset incomplete. Either gives a note; so does a malformed pointer or
manifest. A malformed pointer or manifest at the state is ``Resolution.invalid`` (its content
is checked before any of it names a file); one in the base is a note. A bad revision raises
ValueError.
"""
from __future__ import annotations

import gc
import hashlib
import os
import posixpath
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence

from imagelint.atomic import write_bytes_atomic
from imagelint.sources import dvcfiles, gitfiles
from imagelint.sources.dataset import ImageRef, InvalidInput, ListingPart, Resolution, is_image_path

#: Git LFS pointer files are ~130 bytes; anything larger is real content.
_LFS_POINTER_MAX = 1024



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
        return root, _outside_git(root, paths, check_all)
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


def _outside_git(root: Path, paths: Sequence[str], check_all: bool) -> Resolution:
    notes = []
    refs = {}
    for given in ["."] if check_all or not paths else paths:
        rel = _relative(root, root, given)
        if rel is None:
            notes.append(f"{given}: outside {root}, skipped")
            continue
        for path, link in _disk_images(root, rel):
            refs[path] = _disk_ref(root, path, link)
    targets = tuple(refs[path] for path in sorted(refs))
    return Resolution(targets, targets, tuple(notes))


def _relative(cwd: Path, root: Path, given: str) -> str | None:
    """``given`` (relative to ``cwd``) relative to ``root`` in POSIX form, "" for root, None outside it."""
    absolute = os.path.normpath(os.path.join(cwd, given))
    parent, name = os.path.split(absolute)
    rel = os.path.relpath(os.path.join(os.path.realpath(parent), name), os.path.realpath(root))
    if rel == os.curdir:
        return ""
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return rel.replace(os.sep, "/")


def _disk_images(root: Path, rel: str) -> Iterator[tuple[str, bool]]:
    """Image files at or under ``rel`` on disk, with whether each is a symlink; links are not followed."""
    full = root / rel
    if full.is_symlink() or not full.is_dir():
        if rel and is_image_path(rel):
            yield rel, full.is_symlink()
        return
    folders = [rel]
    while folders:
        folder = folders.pop()
        try:
            entries = list(os.scandir(root / folder))
        except OSError:
            continue
        for entry in entries:
            path = f"{folder}/{entry.name}" if folder else entry.name
            if entry.is_symlink():
                if is_image_path(entry.name):
                    yield path, True
            elif entry.is_dir():
                if is_image_path(entry.name):
                    yield path, False  # reported as not a regular file; its content is still checked
                if entry.name not in (".git", ".dvc"):
                    folders.append(path)
            elif is_image_path(entry.name):
                yield path, False


def _disk_ref(root: Path, path: str, link: bool) -> ImageRef:
    return ImageRef(path, sources=() if link else (f"{root}/{path}",), is_symlink=link)


class _GitResolver:
    """One resolution inside a git work tree; collects notes as it goes."""

    def __init__(self, root: Path, use_remote: bool, range_check: bool = False, pulled: Path | None = None,
                 listings: Path | None = None) -> None:
        self.root = root
        self.listings = listings
        self.parts: dict[str, ListingPart] = {}
        self.pulled = pulled
        self.use_remote = use_remote
        #: A range check (CI, pre-push) reads a missing *base* manifest from the remote even unasked:
        #: one small object instead of treating every image it lists as new.
        self.range_check = range_check
        self.notes: list[str] = []
        self.invalid: list[InvalidInput] = []
        self.complete = True
        self._dvc_roots: dict[str, Path] = {}
        self._caches: dict[Path, Path] = {}
        self._manifests: dict[tuple[str, bool], dict[str, str] | None] = {}
        self._remote_failed = False

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

        refs = self._git_refs(entries, any(b"filter=lfs" in blobs.get(blob, b"") for blob in attributes))
        tracked: dict[str, list[str]] = {}
        new_outs = {path: outs for path, spec in new_specs.items()
                    if (outs := self._outs(path, spec, blobs, True)) is not None}
        old_outs = {path: outs for path, spec in old_specs.items()
                    if spec[0] and (outs := self._outs(path, spec, blobs, False)) is not None}
        if self.listings is not None and not check_all and all(
                _relative(cwd, self.root, given) in changed_pointers for given in paths):
            self._find_listings(old_outs, new_outs, changed_pointers)
        new_images: dict[str, dict[str, str]] = {}
        unlisted: set[str] = set()
        for pointer, outs in new_outs.items():
            cache = self._cache(pointer)
            for out in outs:
                part = self.parts.get(out.path)
                images = part.added_images() if part else self._images(out, new=True)
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
        targets = tuple(refs.get(path) or _disk_ref(self.root, path, os.path.islink(self.root / path))
                        for path in sorted(selected))
        dataset = tuple(refs[path] for path in sorted(refs))
        asked = {_relative(cwd, self.root, given) for given in paths}
        def in_scope(pointer: str) -> bool:
            lock = posixpath.join(posixpath.dirname(pointer), "dvc.lock")
            return check_all or bool({pointer, lock} & (changed_pointers | asked))

        unlisted_anywhere = tuple(sorted(unlisted))
        unlisted = {p for p in unlisted if in_scope(p)} - {item.path for item in self.invalid}
        invalid = sorted(item for item in set(self.invalid) if in_scope(item.path))
        self.notes += [f"{item.path}: {item.reason} (not part of this change)"
                       for item in sorted(set(self.invalid)) if not in_scope(item.path)]
        return Resolution(targets, dataset, tuple(self.notes), self.complete, frozenset(changed),
                          tuple(sorted(unlisted)), tuple(invalid), unlisted_anywhere,
                          tuple(self.parts[path] for path in sorted(self.parts)))

    def _find_listings(self, old_outs: dict[str, list[dvcfiles.Out]], new_outs: dict[str, list[dvcfiles.Out]],
                       changed_pointers: set[str]) -> None:
        """The folders at the state that a kept listing describes: its own manifest's, or the base
        manifest's plus the bytes that differ."""
        from imagelint.facts.listing import load_kept
        from imagelint.sources.manifest_delta import manifest_delta

        assert self.listings is not None
        old_by_path = {out.path: out for outs in old_outs.values() for out in outs}
        for pointer, outs in new_outs.items():
            for out in outs:
                old = old_by_path.get(out.path) if pointer in changed_pointers else out
                if old is None or not (old.md5.endswith(".dir") and out.md5.endswith(".dir")):
                    continue
                kept = load_kept(self.listings, old.md5)
                if kept is None:
                    continue
                listing, since = kept
                delta, text = None, b""
                if listing.manifest != out.md5:
                    text = self._cached_bytes(out) or b""
                    delta = manifest_delta(listing.text, listing.starts, listing.relpath, text) if text else None
                    if delta is None:
                        continue
                folder = "" if out.path == "." else out.path + "/"
                objects = dvcfiles.object_folders(self._cache(out.pointer), out.legacy)
                part = ListingPart(folder, out.md5, listing, delta, objects, text, since)
                if not part.reverts():
                    self.parts[out.path] = part

    def _cached_bytes(self, out: dvcfiles.Out) -> bytes | None:
        """The bytes of ``out``'s manifest in the DVC cache, None for anything the full parse must judge."""
        from imagelint.safe_open import read_regular_file

        for folder in dvcfiles.object_folders(self._cache(out.pointer)):
            read = read_regular_file(f"{folder}/{out.md5[:2]}/{out.md5[2:]}", dvcfiles.MANIFEST_LIMIT)
            if read.problem or read.size and read.data is None:
                return None
            if read.data is not None:
                return read.data
        return None

    def _add_dvc_refs(self, refs: dict[str, ImageRef], images: dict[str, str], folders: tuple[str, ...]) -> None:
        """Refs for one out's images: the loop that runs 100,000 times, so it only joins strings."""
        root = str(self.root)
        for path, md5 in images.items():
            objects = tuple(f"{folder}/{md5[:2]}/{md5[2:]}" for folder in folders)
            refs[path] = ImageRef(path, md5, (*objects, f"{root}/{path}"))

    def _git_refs(self, entries: dict[str, gitfiles.TreeEntry], uses_lfs: bool) -> dict[str, ImageRef]:
        images = [entry for path, entry in entries.items() if is_image_path(path)]
        refs = {}
        for entry in images:
            link = entry.mode == gitfiles.SYMLINK_MODE
            sources = () if link else (f"{self.root}/{entry.path}",)
            refs[entry.path] = ImageRef(entry.path, None, sources, entry.blob, link)
        if uses_lfs:
            self._add_lfs_sources(refs, images)
        return refs

    def _add_lfs_sources(self, refs: dict[str, ImageRef], images: list[gitfiles.TreeEntry]) -> None:
        """Git LFS images: the local LFS object first, since the workspace may hold the pointer text."""
        sizes = gitfiles.blob_sizes(self.root, [entry.blob for entry in images])
        small = gitfiles.read_blobs(self.root, [blob for blob, size in sizes.items() if size <= _LFS_POINTER_MAX])
        common = gitfiles.git_common_dir(self.root)
        missing = []
        for entry in images:
            found = gitfiles.lfs_object(common, small.get(entry.blob, b""))
            if found is None or entry.mode == gitfiles.SYMLINK_MODE:
                continue
            if found.is_file():
                refs[entry.path] = ImageRef(entry.path, None, (str(found), f"{self.root}/{entry.path}"), entry.blob)
            else:
                missing.append(entry.path)
        if missing:
            self.notes.append(f"{missing[0]}: Git LFS object not present locally ({len(missing)} image(s) "
                              f"in all): run 'git lfs pull'")

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
            previous = self._images(old, new=False)
            if previous is None and images:
                self.notes.append(f"{new.pointer if new else old.pointer}: previous manifest {old.md5} is not in the "
                                  f"DVC cache (fresh clone or dvc gc?); checking all {len(images)} images it tracks")
            before.update(previous or {})
        moved = {md5 for path, md5 in before.items() if after.get(path) != md5}
        return {path: md5 for path, md5 in after.items() if before.get(path) != md5 and md5 not in moved}

    def _images(self, out: dvcfiles.Out, *, new: bool) -> dict[str, str] | None:
        """``path -> md5`` of the images an out tracks, or None when its manifest cannot be read."""
        if not out.md5.endswith(".dir"):
            return {out.path: out.md5} if is_image_path(out.path) else {}
        manifest = self._manifest(out, new)
        if manifest is None:
            return None
        prefix = "" if out.path == "." else out.path + "/"
        return {prefix + rel: md5 for rel, md5 in manifest.items() if is_image_path(rel)}

    def _manifest(self, out: dvcfiles.Out, new: bool) -> dict[str, str] | None:
        key = (out.md5, new)
        if key not in self._manifests:
            self._manifests[key] = self._load_manifest(out, new)
        return self._manifests[key]

    def _load_manifest(self, out: dvcfiles.Out, new: bool) -> dict[str, str] | None:
        """Cache, then (state side) the workspace, then (opt-in) the remote; notes say what failed."""
        try:
            manifest = dvcfiles.read_cached_manifest(self._cache(out.pointer), out.md5)
            if manifest is None and self.pulled is not None:
                manifest = dvcfiles.read_cached_manifest(self.pulled, out.md5)
            if manifest is None and new:
                manifest = self._workspace_manifest(out)
            if manifest is None and (self.use_remote or (self.range_check and not new)):
                manifest = self._remote_manifest(out)
        except dvcfiles.ManifestError as exc:
            if new:
                self.invalid.append(InvalidInput(out.pointer, f"the manifest {out.md5} of {out.path}: {exc}"))
                self.complete = False
            else:
                self.notes.append(f"{out.pointer}: previous manifest {out.md5} of {out.path}: {exc}")
            return None
        if manifest is None and new:
            self.notes.append(f"{out.pointer}: manifest {out.md5} is not in the DVC cache: "
                              "run 'dvc pull' or 'dvc commit'")
            self.complete = False
        return manifest

    def _workspace_manifest(self, out: dvcfiles.Out) -> dict[str, str] | None:
        """The ``dvc add --no-commit`` case: nothing is cached, but the workspace still hashes to the manifest."""
        directory = self.root / out.path
        if not directory.is_dir():
            return None
        try:
            manifest = dvcfiles.workspace_manifest(directory)
        except OSError:
            return None
        return manifest if dvcfiles.manifest_digest(manifest) == out.md5 else None

    def _remote_manifest(self, out: dvcfiles.Out) -> dict[str, str] | None:
        from imagelint.sources import dvc_remote

        if self._remote_failed:
            return None
        try:
            data = dvc_remote.read_remote_object(self._dvc_root(out.pointer), out.md5)
        except dvc_remote.RemoteUnavailable as exc:
            self._remote_failed = True
            self.notes.append(str(exc))
            return None
        if data is None:
            return None
        if self.pulled is not None and hashlib.md5(data).hexdigest() + ".dir" == out.md5:
            try:  # kept for the next run (stats --check after check --remote on a CI runner)
                write_bytes_atomic(self.pulled / "files" / "md5" / out.md5[:2] / out.md5[2:], data)
            except OSError:
                pass
        return dvcfiles.parse_manifest(data)

    def _dvc_root(self, pointer: str) -> Path:
        """The folder holding the ``.dvc/`` directory nearest above ``pointer`` (``dvc init --subdir``)."""
        folder = posixpath.dirname(pointer)
        if folder not in self._dvc_roots:
            if folder and not (self.root / folder / ".dvc").is_dir():
                self._dvc_roots[folder] = self._dvc_root(folder)
            else:
                self._dvc_roots[folder] = self.root / folder if folder else self.root
        return self._dvc_roots[folder]

    def _cache(self, pointer: str) -> Path:
        dvc_root = self._dvc_root(pointer)
        if dvc_root not in self._caches:
            self._caches[dvc_root] = dvcfiles.cache_dir(dvc_root / ".dvc")
        return self._caches[dvc_root]

    def _selected(self, cwd: Path, given: str, refs: dict[str, ImageRef], tracked: dict[str, list[str]],
                  changed_pointers: set[str], dvc_changed: dict[str, str]) -> set[str]:
        rel = _relative(cwd, self.root, given)
        if rel is None:
            self.notes.append(f"{given}: outside the repository {self.root}, skipped")
            return set()
        if dvcfiles.is_pointer(rel):
            images = tracked.get(rel, [])
            return set(images) & dvc_changed.keys() if rel in changed_pointers else set(images)
        full = self.root / rel
        if full.is_dir() and not full.is_symlink():
            prefix = f"{rel}/" if rel else ""
            on_disk = {path for path, _ in _disk_images(self.root, rel)}
            return {path for path in refs if path.startswith(prefix)} | on_disk
        return {rel} if is_image_path(rel) else set()


def _yaml_blob(pointer: str, blob_of: Callable[[str], str | None]) -> str | None:
    """The ``dvc.yaml`` blob beside a ``dvc.lock`` (it holds the stages' ``wdir``); None for ``.dvc`` files."""
    if posixpath.basename(pointer) != "dvc.lock":
        return None
    return blob_of(posixpath.join(posixpath.dirname(pointer), "dvc.yaml"))
