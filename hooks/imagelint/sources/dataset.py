"""The values that flow from change discovery to inspection: which images, where their bytes are."""
from __future__ import annotations

from dataclasses import dataclass

#: File suffixes imagelint treats as images (matched case-insensitively).
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def is_image_path(path: str) -> bool:
    return path.lower().endswith(IMAGE_SUFFIXES)


@dataclass(frozen=True, order=True)
class ImageRef:
    """One image as the user knows it, and where the bytes being committed may be read.

    ``path`` is the repo-relative POSIX workspace path (never a cache path). ``md5`` is the
    content hash when it is known without reading (DVC manifests record it). ``sources`` are
    files to try in order (DVC cache objects, then the workspace file); a source is accepted
    only when its bytes hash to ``md5`` (any bytes when ``md5`` is None). Listing candidates
    instead of checking them keeps resolution free of file-system calls for images whose facts
    are already indexed; they are plain strings because a 100,000-image dataset needs 200,000
    of them, and building as many Path objects would cost more than the resolution itself.
    ``blob`` is the git blob id of a git-tracked image at the state being
    checked, which lets the index find its facts without reading the file. ``is_symlink``
    marks a path that is reported, never followed.
    """

    path: str
    md5: str | None = None
    sources: tuple[str, ...] = ()
    blob: str | None = None
    is_symlink: bool = False


@dataclass(frozen=True, order=True)
class InvalidInput:
    """A DVC pointer (or the manifest it names) refused as input; ``reason`` says what and where."""

    path: str
    reason: str


@dataclass(frozen=True)
class Resolution:
    """What one run inspects: the new or changed images, and the whole dataset around them.

    ``targets`` get every per-image rule. ``dataset`` is every image at the state being
    checked (the commit being made, or the end of a range): the reference set for duplicates
    and statistics; it includes the targets. ``notes`` are warnings for the user (an old
    manifest that could not be read, say). ``complete`` is False when the dataset could not be
    listed in full, so dataset-wide rules know to stay quiet. ``changed`` holds the paths added
    or modified in the range whatever paths were asked for, so that a finding about two images
    is attributed to the same one of them however pre-commit splits its file list.
    ``unlisted`` names the pointers within the run's scope whose manifest is nowhere on this
    machine: their images cannot even be listed, which the run must report, not skip.
    ``invalid`` holds the pointers and manifests at the state that are malformed or point
    outside the repository: each is an error on that file, and the dataset is incomplete.
    ``unlisted_anywhere`` names every such pointer of the dataset, in scope or not: duplicate
    search without their images is incomplete.
    """

    targets: tuple[ImageRef, ...]
    dataset: tuple[ImageRef, ...]
    notes: tuple[str, ...] = ()
    complete: bool = True
    changed: frozenset[str] = frozenset()
    unlisted: tuple[str, ...] = ()
    invalid: tuple[InvalidInput, ...] = ()
    unlisted_anywhere: tuple[str, ...] = ()
