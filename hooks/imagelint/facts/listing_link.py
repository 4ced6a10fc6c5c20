"""A link: a manifest's listing kept as an older listing plus the entries that differ.

At 1,000,000 images a listing is about 290 MB, and a commit that adds ten images would write
all of it again for the next commit to start from. A link instead names the listing it starts
from (its ``base``) and holds only what the linked manifest changed against it; the next commit
walks its new manifest against the base's bytes (``sources.manifest_delta``) and uses the link
to tell its own change from the ones already committed. Once the entries a link holds pass
``LINK_MOST`` (or a twentieth of the dataset), the next listing is written in full instead.

Links are written only from deltas that passed the full parse's rules, into this machine's
cache, so they are trusted like listings; one that cannot be read is simply absent.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from imagelint.sources.manifest_delta import Delta

if TYPE_CHECKING:
    from imagelint.facts.listing import Listing

#: Most entries a link holds; beyond them a commit writes the full listing.
LINK_MOST = 250
LINK = "link.json"


@dataclass(frozen=True)
class Since:
    """How a manifest differs from the listing of ``base``: ``added`` its entries (relpath ->
    md5) that the base does not have as they are, ``removed`` the base's relpaths it lacks or
    has changed."""

    base: str
    added: Mapping[str, str]
    removed: frozenset[str]

    def touched(self) -> frozenset[str]:
        return frozenset(self.added) | self.removed


def since_of(listing: Listing, delta: Delta) -> Since:
    """The link of the manifest that ``delta`` describes over ``listing``."""
    added = {relpath: md5 for group in delta.added for relpath, md5 in group}
    return Since(listing.manifest, added, frozenset(listing.relpath(row) for row in delta.removed(len(listing))))


def delta_of(since: Since, listing: Listing) -> Delta | None:
    """The change ``since`` holds over ``listing``, as walking the linked manifest's bytes would
    give it, without reading them; None when it does not fit the listing. A link is written from
    such a walk, so for the linked manifest itself (stats, an unchanged pointer) this is the same
    answer without the 2 x 80 MB a walk compares."""
    rows = len(listing)
    removed = set()
    for relpath in since.removed:
        row = listing.row(relpath)
        if row is None:
            return None
        removed.add(row)
    inserted: dict[int, list[tuple[str, str]]] = {}
    for relpath, md5 in sorted(since.added.items()):
        inserted.setdefault(listing.position(relpath), []).append((relpath, md5))
    kept: list[tuple[int, int]] = []
    added: list[list[tuple[str, str]]] = [[]]
    cursor = 0
    for row in sorted(removed | set(inserted) | {rows}):
        if cursor < row:
            kept.append((cursor, row))
            added.append([])
        added[-1].extend(inserted.get(row, ()))
        cursor = row + 1 if row in removed else row
    return Delta(tuple(kept), tuple(tuple(group) for group in added), None)


def worth_linking(since: Since, rows: int) -> bool:
    """Whether a link is the cheaper form: small against the dataset and against ``LINK_MOST``."""
    held = len(since.added) + len(since.removed)
    return held <= LINK_MOST and held * 20 <= rows


def read_link(folder: Path) -> Since | None:
    """The link kept in ``folder``, or None (not a link, or unreadable)."""
    try:
        data = json.loads((folder / LINK).read_text(encoding="utf-8"))
        base, added, removed = data["base"], data["added"], data["removed"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(base, str) and isinstance(added, dict) and isinstance(removed, list)
            and all(isinstance(v, str) for v in (*added, *added.values(), *removed))):
        return None
    return Since(base, added, frozenset(removed))


def write_link(folder: Path, since: Since) -> bool:
    """Keep ``since`` as the link in ``folder`` (written beside it, renamed into place)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=".listing-", dir=folder.parent))
    try:
        text = json.dumps({"base": since.base, "added": dict(sorted(since.added.items())),
                           "removed": sorted(since.removed)}, separators=(",", ":"))
        (temp / LINK).write_text(text, encoding="utf-8")
        os.replace(temp, folder)
    except OSError:
        shutil.rmtree(temp, ignore_errors=True)
        return False
    return True
