"""The folders of a change that a kept listing (``facts.listing``) describes, so the change is
resolved from the listing and the manifest bytes that differ, not from an ImageRef per image."""
from __future__ import annotations

from pathlib import Path

from imagelint.sources import dvcfiles
from imagelint.sources.dataset import ListingPart
from imagelint.sources.manifests import Manifests


def listing_parts(listings: Path, manifests: Manifests, old_outs: dict[str, list[dvcfiles.Out]],
                  new_outs: dict[str, list[dvcfiles.Out]], changed_pointers: set[str]) -> dict[str, ListingPart]:
    """By out path, the folders at the state that a kept listing in ``listings`` describes: its
    own manifest's, or the base manifest's plus the bytes that differ."""
    from imagelint.facts.listing import load_kept
    from imagelint.facts.listing_link import delta_of
    from imagelint.sources.manifest_delta import manifest_delta

    parts = {}
    old_by_path = {out.path: out for outs in old_outs.values() for out in outs}
    for pointer, outs in new_outs.items():
        for out in outs:
            old = old_by_path.get(out.path) if pointer in changed_pointers else out
            if old is None or not (old.md5.endswith(".dir") and out.md5.endswith(".dir")):
                continue
            kept = load_kept(listings, old.md5)
            if kept is None:
                continue
            listing, since = kept
            delta, text = None, b""
            if since is not None and old.md5 == out.md5:  # the linked manifest itself
                delta = delta_of(since, listing)
                if delta is None:
                    continue
            elif listing.manifest != out.md5:
                text = manifests.cached_bytes(out) or b""
                delta = manifest_delta(listing.text, listing.starts, listing.relpath, text) if text else None
                if delta is None:
                    continue
            folder = "" if out.path == "." else out.path + "/"
            objects = dvcfiles.object_folders(manifests.cache(out.pointer), out.legacy)
            part = ListingPart(folder, out.md5, listing, delta, objects, text, since)
            if not part.reverts():
                parts[out.path] = part
    return parts
