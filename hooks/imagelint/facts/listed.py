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
    """The listing of each changed folder's new manifest, from its base listing and the change,
    so that the next commit starts from it."""
    from imagelint.facts.listing import listing_folder, write_listing_after

    for part in resolution.listings:
        if part.delta is None or part.delta.starts is None or listing_folder(config.resolved_cache_dir(),
                                                                             part.manifest).is_dir():
            continue
        facts = {item.facts.md5: item.facts for item in checked if item.facts is not None}
        facts.update(index.lookup(md5 for group in part.delta.added for _, md5 in group if md5 not in facts))
        write_listing_after(config.resolved_cache_dir(), part.listing, part.delta, part.manifest, part.text, facts)
