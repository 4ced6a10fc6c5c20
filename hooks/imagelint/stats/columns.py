"""The stats document from columns: kept listings plus a few inspected images, no record per image.

At 1,000,000 images a record per image costs a minute (``stats.document.compute_stats``); the
listing already holds every fact the document reads, so here each fact is one array over all
images and each class a slice of them. Every figure is the one ``compute_stats`` gives, down to
the float: values are sorted with numpy and the same Python arithmetic reads the few elements a
quartile or median needs. The rows come from ``stats.rows``.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from imagelint.config import Config
from imagelint.stats.classes import REDUNDANCY_SAMPLE, hash_distances, quartile_positions, redundancy, sorted_spread
from imagelint.stats.document import NO_SPLIT, ROOT_KEY, assemble
from imagelint.stats.layout import place
from imagelint.stats.properties import NONE, NUMERIC
from imagelint.stats.rows import Rows, join_rows


def columns_stats(parts: Sequence[Rows], config: Config) -> dict[str, Any]:
    """The stats document of the images in ``parts``: ``compute_stats`` of their records."""
    rows = join_rows(parts)
    shown = rows.formats + ("unreadable", "unavailable")  # as ``document._format`` names them
    named = np.array([i if name else len(rows.formats) for i, name in enumerate(rows.formats)] or [0])[rows.format]
    shown_code = np.where(rows.has_size, named, len(rows.formats) + 1)
    placements = [place(f"{folder}/_", config.layout, config.splits) for folder in rows.folders]
    present = set(np.flatnonzero(np.bincount(rows.folder, minlength=len(rows.folders))).tolist())
    placed = [(p.root or ROOT_KEY, p.split or NO_SPLIT, p.label) for p in placements]
    keys = sorted({key for i, key in enumerate(placed) if i in present})
    group = np.array([keys.index(key) if i in present else -1 for i, key in enumerate(placed)] or [0])[rows.folder]
    md5 = rows.md5.view(">u8").astype(np.uint64)  # hex order is byte order: (high, low) halves
    by_md5 = np.argsort(md5[:, 0])
    ties = np.flatnonzero(np.diff(md5[by_md5, 0]) == 0)
    if not rows.has_md5.all() or (md5[by_md5[ties], 1] != md5[by_md5[ties + 1], 1]).any():  # rarely: all of it
        by_md5 = np.lexsort((md5[:, 1], md5[:, 0], ~rows.has_md5))
    order = by_md5[np.argsort(group[by_md5].astype(np.int16 if len(keys) < 2**15 else np.int64), kind="stable")]
    bounds = np.searchsorted(group[order], np.arange(len(keys) + 1))
    known = int(rows.has_md5.sum())
    same = np.flatnonzero((np.diff(md5[by_md5[:known]], axis=0) == 0).all(axis=1))
    copied = np.zeros(len(group), bool)
    copied[by_md5[same]] = copied[by_md5[same + 1]] = True
    splits: dict[str, dict[str, dict[str, Any]]] = {}
    members: dict[tuple[str, str], list[np.ndarray]] = {}
    for i, (root, split, label) in enumerate(keys):
        members.setdefault((root, split), []).append(order[bounds[i]:bounds[i + 1]])
    for (root, split), groups in members.items():
        labels = [label for (r, s, label) in keys if (r, s) == (root, split)]
        splits.setdefault(root, {})[split] = _split(rows, dict(zip(labels, groups)), shown, shown_code, copied, config)
    every = np.concatenate([order[:0], *(g for gs in members.values() for g in gs)])
    root_totals = {root: _totals(rows, np.concatenate([g for (r, _), gs in members.items() if r == root for g in gs]))
                   for root in splits}
    totals = {**_totals(rows, every), "classes": len({label for _, _, label in keys if label})}
    if known:
        totals["duplicates"] = {"exact": len(same)}
    return assemble(splits, root_totals, totals)


def _split(rows: Rows, groups: dict[str, np.ndarray], shown: tuple[str | None, ...], shown_code: np.ndarray,
           copied: np.ndarray, config: Config) -> dict[str, Any]:
    every = np.concatenate(list(groups.values()))
    counts = {label: len(g) for label, g in sorted(groups.items()) if label and len(g)}
    labelled = sum(counts.values())
    classes = {label: {"count": count, "share": count / labelled, **_class(rows, groups[label], config)}
               for label, count in counts.items()}
    found = np.bincount(shown_code[every], minlength=len(shown))
    stats: dict[str, Any] = {**_totals(rows, every), "classes": classes,
                             "formats": {shown[i]: int(n) for i, n in enumerate(found.tolist()) if n},
                             "unlabelled": len(groups.get("", ()))}
    if counts:
        stats["imbalance_ratio"] = max(counts.values()) / min(counts.values())
    if rows.has_md5[every].any():
        stats["duplicates"] = {"exact": int(copied[every].sum())}
    for side, column in (("width", rows.width), ("height", rows.height)):
        values = column[every][column[every] != 0]
        if len(values):
            half = len(values) // 2
            middle = np.partition(values, [half - 1, half] if half else [0])
            stats[side] = {"max": int(values.max()), "median": _median(middle), "min": int(values.min())}
    return stats


def _class(rows: Rows, members: np.ndarray, config: Config) -> dict[str, Any]:
    """``class_summary`` of one class; ``members`` are in md5 order."""
    summary: dict[str, Any] = {}
    properties = {}
    for i, name in enumerate(NUMERIC):
        values = rows.numbers[i, members]
        values = values[~np.isnan(values)]
        if len(values):
            properties[name] = sorted_spread(_quartile_order(values))
    if properties:
        summary["properties"] = properties
    profiled = members[rows.profiled[members]]
    for key, codes, names in (("cameras", rows.camera, rows.cameras), ("formats", rows.format, rows.formats)):
        counts = {names[i]: int(n) for i, n in enumerate(np.bincount(codes[profiled], minlength=len(names)).tolist())
                  if n}
        if counts and (key == "formats" or set(counts) != {NONE}):
            summary[key] = dict(sorted(counts.items()))
    hashed = members[rows.has_phash[members]][:REDUNDANCY_SAMPLE]
    summary.update(redundancy(hash_distances(rows.phash[hashed]) if len(hashed) >= 2 else np.array([], np.int64),
                              config.near_duplicate_threshold))
    return summary


def _totals(rows: Rows, members: np.ndarray) -> dict[str, Any]:
    return {"bytes": int(rows.size[members].sum()), "images": len(members)}


def _quartile_order(values: np.ndarray) -> np.ndarray:
    """``values`` with the elements ``sorted_spread`` reads where a sort would put them: a
    partition, about half a sort's time on 100,000 distinct values, seven times a class."""
    if len(values) < 2:
        return values
    return np.partition(values, sorted({j + k for j, _ in quartile_positions(len(values)) for k in (0, 1)}))


def _median(ordered: np.ndarray) -> int | float:
    """``statistics.median`` of integers, sorted or with the middle two where a sort puts them."""
    half = len(ordered) // 2
    return int(ordered[half]) if len(ordered) % 2 else (int(ordered[half - 1]) + int(ordered[half])) / 2
