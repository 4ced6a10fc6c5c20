"""The values that flow from change discovery to inspection: which images, where their bytes are."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import mmap

    from imagelint.facts.listing import Listing
    from imagelint.facts.listing_link import Since
    from imagelint.sources.manifest_delta import Delta

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
class ListingPart:
    """A DVC-tracked folder listed by columns instead of an ``ImageRef`` per image: the listing
    kept for its manifest, or for an older manifest with ``delta`` the change (whose added
    images the resolution lists as refs, like any target). ``since``, when the listing is one a
    link of the base manifest starts from, is how the base differs from it. ``objects`` are the
    cache folders its images' bytes may be read from."""

    folder: str  # repo-relative, "" for the repository root
    manifest: str
    listing: Listing
    delta: Delta | None
    objects: tuple[str, ...]
    #: The state manifest's bytes, when ``delta`` was read from them.
    text: bytes | mmap.mmap = b""
    since: Since | None = None

    def kept_ranges(self) -> tuple[tuple[int, int], ...]:
        """The listing rows still in the folder, as [start, stop) ranges."""
        return ((0, len(self.listing)),) if self.delta is None else self.delta.kept

    def path_of(self, row: int) -> str:
        return self.folder + self.listing.relpath(row)

    def ref(self, row: int) -> ImageRef:
        md5 = self.listing.md5(row)
        path = self.path_of(row)
        return ImageRef(path, md5, tuple(f"{folder}/{md5[:2]}/{md5[2:]}" for folder in self.objects))

    def row_of(self, path: str) -> int | None:
        """The kept row listing ``path`` (relpaths are sorted), or None."""
        if not path.startswith(self.folder):
            return None
        row = self.listing.row(path[len(self.folder):])
        return row if row is not None and any(start <= row < stop for start, stop in self.kept_ranges()) else None

    def refs_without_facts(self) -> list[ImageRef]:
        """Kept images the listing has no facts for (they are looked up like any other ref)."""
        import numpy as np

        columns = self.listing.columns
        return [self.ref(row) for start, stop in self.kept_ranges()
                for row in (np.flatnonzero(columns["is_image"][start:stop] & ~columns["has_facts"][start:stop])
                            + start).tolist()]

    def added_images(self) -> dict[str, str]:
        added = [entry for group in self.delta.added for entry in group] if self.delta else ()
        return {self.folder + relpath: md5 for relpath, md5 in added if is_image_path(relpath)}

    def removed_images(self) -> dict[str, str]:
        """The base manifest's images where the state differs from the listing: the listing's
        own rows that are gone, or what a link says the base has in their place."""
        rows = self.delta.removed(len(self.listing)) if self.delta else ()
        touched = self.since.touched() if self.since else frozenset()
        found = {self.path_of(row): self.listing.md5(row) for row in rows
                 if self.listing.columns["is_image"][row] and self.listing.relpath(row) not in touched}
        added = self.since.added.items() if self.since else ()
        found.update((self.folder + relpath, md5) for relpath, md5 in added if is_image_path(relpath))
        return found

    def reverts(self) -> bool:
        """Whether the state has a listing row back that the linked base had changed or removed:
        a change this part cannot tell (the full route can)."""
        touched = self.since.touched() if self.since else ()
        return any(self.row_of(self.folder + relpath) is not None for relpath in touched)


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
    search without their images is incomplete. With ``listings``, the dataset is ``dataset``
    plus the images those list.
    """

    targets: tuple[ImageRef, ...]
    dataset: tuple[ImageRef, ...]
    notes: tuple[str, ...] = ()
    complete: bool = True
    changed: frozenset[str] = frozenset()
    unlisted: tuple[str, ...] = ()
    invalid: tuple[InvalidInput, ...] = ()
    unlisted_anywhere: tuple[str, ...] = ()
    #: Folders whose images are listed by columns, not in ``dataset`` (a commit from a kept listing).
    listings: tuple[ListingPart, ...] = ()
