"""The images git itself tracks at a tree, and where their bytes are: the workspace, or the
local Git LFS object when the workspace may hold only the pointer text."""
from __future__ import annotations

from pathlib import Path

from imagelint.sources import gitfiles
from imagelint.sources.dataset import ImageRef, is_image_path

#: Git LFS pointer files are ~130 bytes; anything larger is real content.
_LFS_POINTER_MAX = 1024


def git_image_refs(root: Path, entries: dict[str, gitfiles.TreeEntry],
                   uses_lfs: bool) -> tuple[dict[str, ImageRef], list[str]]:
    """A ref per image path of ``entries``, and notes on what could not be found (LFS objects
    not pulled)."""
    images = [entry for path, entry in entries.items() if is_image_path(path)]
    refs = {}
    for entry in images:
        link = entry.mode == gitfiles.SYMLINK_MODE
        sources = () if link else (f"{root}/{entry.path}",)
        refs[entry.path] = ImageRef(entry.path, None, sources, entry.blob, link)
    notes = _add_lfs_sources(root, refs, images) if uses_lfs else []
    return refs, notes


def _add_lfs_sources(root: Path, refs: dict[str, ImageRef], images: list[gitfiles.TreeEntry]) -> list[str]:
    """Git LFS images: the local LFS object first, since the workspace may hold the pointer text."""
    sizes = gitfiles.blob_sizes(root, [entry.blob for entry in images])
    small = gitfiles.read_blobs(root, [blob for blob, size in sizes.items() if size <= _LFS_POINTER_MAX])
    common = gitfiles.git_common_dir(root)
    missing = []
    for entry in images:
        found = gitfiles.lfs_object(common, small.get(entry.blob, b""))
        if found is None or entry.mode == gitfiles.SYMLINK_MODE:
            continue
        if found.is_file():
            refs[entry.path] = ImageRef(entry.path, None, (str(found), f"{root}/{entry.path}"), entry.blob)
        else:
            missing.append(entry.path)
    if not missing:
        return []
    return [f"{missing[0]}: Git LFS object not present locally ({len(missing)} image(s) in all): run 'git lfs pull'"]
