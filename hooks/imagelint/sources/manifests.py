"""The DVC side of one resolution: each pointer's DVC root and cache, and the manifests of outs.

A manifest is read from the cache (DVC 3, then legacy layout), else from the manifests that
came with pulled facts snapshots, else rebuilt from the workspace when that hashes to it
(``dvc add --no-commit``), else from the remote with ``use_remote`` (a base manifest of a
range check, always). Each is read once per run. What fails is said in ``notes`` (a base
manifest) or ``invalid`` (a malformed one at the state); a state manifest that is nowhere
clears ``complete``.
"""
from __future__ import annotations

import mmap
import posixpath
from pathlib import Path

from imagelint.sources import dvcfiles
from imagelint.sources.dataset import InvalidInput, is_image_path
from imagelint.sources.outs import keep_fetched_manifest


class Manifests:
    """Manifests and caches for the pointers of one repository at ``root``; ``notes`` and
    ``invalid`` are the resolution's own lists, added to as manifests are read."""

    def __init__(self, root: Path, *, use_remote: bool, range_check: bool, pulled: Path | None,
                 notes: list[str], invalid: list[InvalidInput]) -> None:
        self.root = root
        self.use_remote = use_remote
        #: A range check (CI, pre-push) reads a missing *base* manifest from the remote even unasked:
        #: one small object instead of treating every image it lists as new.
        self.range_check = range_check
        self.pulled = pulled
        self.notes = notes
        self.invalid = invalid
        self.complete = True
        self._dvc_roots: dict[str, Path] = {}
        self._caches: dict[Path, Path] = {}
        self._manifests: dict[tuple[str, bool], dict[str, str] | None] = {}
        self._remote_failed = False

    def cached_bytes(self, out: dvcfiles.Out) -> bytes | mmap.mmap | None:
        """The bytes of ``out``'s manifest in the DVC cache (mapped, not copied), None for anything
        the full parse must judge."""
        from imagelint.safe_open import map_regular_file

        for folder in dvcfiles.object_folders(self.cache(out.pointer)):
            read = map_regular_file(f"{folder}/{out.md5[:2]}/{out.md5[2:]}", dvcfiles.MANIFEST_LIMIT)
            if read.problem or read.size and read.data is None:
                return None
            if read.data is not None:
                return read.data
        return None

    def images(self, out: dvcfiles.Out, *, new: bool) -> dict[str, str] | None:
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
            manifest = dvcfiles.read_cached_manifest(self.cache(out.pointer), out.md5)
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
            data = dvc_remote.read_remote_object(self.dvc_root(out.pointer), out.md5)
        except dvc_remote.RemoteUnavailable as exc:
            self._remote_failed = True
            self.notes.append(str(exc))
            return None
        if data is None:
            return None
        if self.pulled is not None:
            try:  # kept for the next run (stats --check after check --remote on a CI runner)
                keep_fetched_manifest(self.pulled, out.md5, data)
            except OSError:
                pass
        return dvcfiles.parse_manifest(data)

    def dvc_root(self, pointer: str) -> Path:
        """The folder holding the ``.dvc/`` directory nearest above ``pointer`` (``dvc init --subdir``)."""
        folder = posixpath.dirname(pointer)
        if folder not in self._dvc_roots:
            if folder and not (self.root / folder / ".dvc").is_dir():
                self._dvc_roots[folder] = self.dvc_root(folder)
            else:
                self._dvc_roots[folder] = self.root / folder if folder else self.root
        return self._dvc_roots[folder]

    def cache(self, pointer: str) -> Path:
        dvc_root = self.dvc_root(pointer)
        if dvc_root not in self._caches:
            self._caches[dvc_root] = dvcfiles.cache_dir(dvc_root / ".dvc")
        return self._caches[dvc_root]
