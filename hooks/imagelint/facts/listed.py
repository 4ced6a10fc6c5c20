"""What a check run takes from kept listings (``facts.listing``) and keeps of them.

A folder a listing describes is no ``ImageRef`` per image in the resolution, so everything the
run needs of its images that is not duplicate search comes from here: the folders the layout
check reads, class counts per folder, refs for the few images a finding names, and after the
run the new manifest's listing, from the base listing and the change.
"""
from __future__ import annotations

from collections import Counter
from typing import Sequence

from imagelint.config import Config
from imagelint.facts.index import FactsIndex
from imagelint.facts.inspect import Inspection
from imagelint.sources.dataset import ImageRef, Resolution


def listable(config: Config) -> bool:
    """Whether dataset images may come from kept listings: rules that look at every path
    (exclusions, per-path overrides, label files) still need a ref per image."""
    return not config.exclude and not config.overrides and config.labels == "folders"


def listed_folders(resolution: Resolution) -> list[str]:
    """One path per folder of listed images: what the layout check reads of them."""
    return [f"{folder}/_" for folder in images_per_folder((), resolution)]


def images_per_folder(paths: Sequence[str], resolution: Resolution) -> Counter[str]:
    """How many images each folder holds: ``paths`` and the listed folders' kept images."""
    import numpy as np

    counts = Counter(path.rpartition("/")[0] for path in paths)
    for part in resolution.listings:
        columns = part.listing.columns
        for start, stop in part.kept_ranges():
            here = np.bincount(columns["folder"][start:stop][columns["is_image"][start:stop]],
                               minlength=len(part.listing.folders))
            for name, count in zip(part.listing.folders, here.tolist()):
                if count:
                    counts[part.folder + name if name else part.folder[:-1]] += count
    return counts


def listed_refs(paths: set[str], resolution: Resolution) -> dict[str, ImageRef]:
    """Refs of listed images, made for the few that findings name."""
    found = {}
    for path in paths:
        for part in resolution.listings:
            row = part.row_of(path)
            if row is not None:
                found[path] = part.ref(row)
    return found


def keep_listings(resolution: Resolution, checked: Sequence[Inspection], index: FactsIndex, config: Config) -> None:
    """What the next commit starts from, for each changed folder's new manifest: a link to the
    listing this one started from while the change since it is small, else the listing in full."""
    from imagelint.facts.listing import keep_link, listing_folder, write_listing_after
    from imagelint.facts.listing_link import since_of, worth_linking

    cache = config.resolved_cache_dir()
    for part in resolution.listings:
        if part.delta is None or part.delta.starts is None or listing_folder(cache, part.manifest).is_dir():
            continue
        since = since_of(part.listing, part.delta)
        if worth_linking(since, len(part.listing)):
            keep_link(cache, part.manifest, since)
            continue
        facts = {item.facts.md5: item.facts for item in checked if item.facts is not None}
        facts.update(index.lookup(md5 for group in part.delta.added for _, md5 in group if md5 not in facts))
        write_listing_after(cache, part.listing, part.delta, part.manifest, part.text, facts)
