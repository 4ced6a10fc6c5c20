"""How the dataset moved between two stats documents, rendered as text, Markdown or JSON.

The Markdown is a pull-request comment: per split, a table of classes (counts before and
after, change, share change in points), flags a reviewer should look at (a class whose share
drifted by more than ``share-drift-points``, a class that appeared or vanished, an imbalance
ratio that crossed ``max-class-ratio``, a class whose look moved: lighting, colour, framing,
cameras, formats or near copies) and a Mermaid bar chart GitHub draws inline.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Mapping

from imagelint.config import Config
from imagelint.rules.balance import split_folder
from imagelint.stats.class_drift import LOOK_COLUMNS, class_drift, look_row


@dataclass(frozen=True)
class ClassChange:
    """One class of a split; a count of None means the class is absent on that side."""

    label: str
    old: int | None
    new: int | None
    old_share: float  # fraction of the split's labelled images, 0 when absent
    new_share: float
    flags: tuple[str, ...]  # "appeared", "vanished", "drift", "look" (see ``looks``)
    looks: tuple[str, ...] = ()  # how its properties moved (``imagelint.stats.class_drift``)

    @property
    def change(self) -> int:
        return (self.new or 0) - (self.old or 0)

    @property
    def points(self) -> float:
        return round((self.new_share - self.old_share) * 100, 1)

    def describe_flags(self) -> list[str]:
        words = {"appeared": "appeared", "vanished": "vanished", "drift": f"share drifted {self.points:+.1f} points"}
        described = [f"class '{self.label}' {words[flag]}" for flag in self.flags if flag in words]
        return described + [f"class '{self.label}': {look}" for look in self.looks]


@dataclass(frozen=True)
class SplitChange:
    path: str
    old_images: int
    new_images: int
    old_ratio: float | None
    new_ratio: float | None
    classes: tuple[ClassChange, ...]
    flags: tuple[str, ...]
    looks: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (class, cells) on the new side

    @property
    def changed(self) -> bool:
        return self.old_images != self.new_images or any(c.change or c.flags for c in self.classes)


@dataclass(frozen=True)
class StatsDiff:
    old_label: str
    new_label: str
    old_images: int
    new_images: int
    splits: tuple[SplitChange, ...]
    max_class_ratio: float
    #: Doubts about the inputs themselves (a committed stats file that does not match its dataset).
    warnings: tuple[str, ...] = ()

    def flags(self) -> list[str]:
        return [
            f"{s.path}: {flag}"
            for s in self.splits
            for flag in [*s.flags, *(text for c in s.classes for text in c.describe_flags())]
        ]


def _split_table(stats: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        split_folder(root, split): values
        for root, root_stats in stats.get("roots", {}).items()
        for split, values in root_stats.get("splits", {}).items()
    }


def compare_stats(
    old: Mapping[str, Any], new: Mapping[str, Any], config: Config, old_label: str, new_label: str,
    warnings: tuple[str, ...] = (),
) -> StatsDiff:
    """The per-split, per-class comparison of two stats documents (``{}`` for none)."""
    before, after = _split_table(old), _split_table(new)
    splits = []
    for path in sorted(set(before) | set(after)):
        a, b = before.get(path, {}), after.get(path, {})
        classes_a, classes_b = a.get("classes", {}), b.get("classes", {})
        if not classes_a and not classes_b:
            continue
        classes = tuple(
            _class_change(label, classes_a.get(label), classes_b.get(label), config)
            for label in sorted(set(classes_a) | set(classes_b))
        )
        old_ratio, new_ratio = a.get("imbalance_ratio"), b.get("imbalance_ratio")
        flags = ()
        limit = config.max_class_ratio
        if (new_ratio or 0) > limit >= (old_ratio or 0):
            flags = (f"imbalance ratio {_ratio(old_ratio)} -> {_ratio(new_ratio)} rose above {limit:g}x",)
        elif (old_ratio or 0) > limit >= (new_ratio or 0):
            flags = (f"imbalance ratio {_ratio(old_ratio)} -> {_ratio(new_ratio)} back within {limit:g}x",)
        looks = tuple((label, row) for label, entry in sorted(classes_b.items()) if (row := look_row(entry)))
        splits.append(SplitChange(path, a.get("images", 0), b.get("images", 0), old_ratio, new_ratio, classes, flags,
                                  looks))
    return StatsDiff(
        old_label, new_label,
        old.get("totals", {}).get("images", 0), new.get("totals", {}).get("images", 0), tuple(splits),
        config.max_class_ratio, warnings,
    )


def _class_change(label: str, a: Mapping[str, Any] | None, b: Mapping[str, Any] | None, config: Config) -> ClassChange:
    change = ClassChange(
        label, a and a.get("count", 0), b and b.get("count", 0),
        (a or {}).get("share", 0), (b or {}).get("share", 0), (),
    )
    if a is None:
        flags: tuple[str, ...] = ("appeared",)
    elif b is None:
        flags = ("vanished",)
    else:
        flags = ("drift",) if abs(change.points) > config.share_drift_points else ()
    looks = class_drift(a, b, config.share_drift_points) if a is not None and b is not None else ()
    flags += ("look",) if looks else ()
    return ClassChange(change.label, change.old, change.new, change.old_share, change.new_share, flags, looks)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _count(value: int | None) -> str:
    return "-" if value is None else str(value)


def _signed(value: int) -> str:
    return f"{value:+d}" if value else "0"


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def render_text(diff: StatsDiff) -> str:
    lines = [f"warning: {warning}" for warning in diff.warnings]
    lines.append(f"{diff.old_label} -> {diff.new_label}: {diff.old_images} -> {diff.new_images} images "
                 f"({_signed(diff.new_images - diff.old_images)})")
    for split in diff.splits:
        lines.append(f"{split.path}: {split.old_images} -> {split.new_images} images "
                     f"({_signed(split.new_images - split.old_images)}), imbalance ratio "
                     f"{_ratio(split.old_ratio)} -> {_ratio(split.new_ratio)}")
        width = max(len(c.label) for c in split.classes)
        for c in split.classes:
            flag = f"  [{', '.join(c.flags)}]" if c.flags else ""
            counts = f"{_count(c.old):>6} -> {_count(c.new):<6} {_signed(c.change):>6}"
            lines.append(f"  {c.label:<{width}}  {counts}  share "
                         f"{_percent(c.old_share)} -> {_percent(c.new_share)} ({c.points:+.1f} pt){flag}")
        lines += [f"  ! {flag}" for flag in split.flags]
    flags = diff.flags()
    lines.append(f"{len(flags)} flag{'' if len(flags) == 1 else 's'}" + (": " + "; ".join(flags) if flags else ""))
    return "\n".join(lines) + "\n"


def render_json(diff: StatsDiff) -> str:
    document = asdict(diff)
    for split, data in zip(diff.splits, document["splits"]):
        for change, entry in zip(split.classes, data["classes"]):
            entry["change"] = change.change
            entry["share_points"] = change.points
    document["flags"] = diff.flags()
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def render_markdown(diff: StatsDiff) -> str:
    old, new = diff.old_label, diff.new_label
    flags = diff.flags()
    lines = [
        "## imagelint: dataset changes",
        "",
        f"`{old}` → `{new}`: {diff.old_images} → {diff.new_images} images "
        f"({_signed(diff.new_images - diff.old_images)}).",
        "",
        *(line for warning in diff.warnings for line in (f"> ⚠️ **Warning:** {_md_escape(warning)}", "")),
        f"**{len(flags)} flag{'' if len(flags) == 1 else 's'}**" + (":" if flags else "."),
    ]
    lines += [f"- ⚠️ {_md_escape(flag)}" for flag in flags]
    for split in diff.splits:
        lines += ["", f"### `{split.path}`: {split.old_images} → {split.new_images} images "
                  f"({_signed(split.new_images - split.old_images)})", ""]
        lines.append(f"| class | {old} | {new} | change | share {old} | share {new} | share change | flag |")
        lines.append("|:--|--:|--:|--:|--:|--:|--:|:--|")
        for c in split.classes:
            lines.append(
                f"| {_md_escape(c.label)} | {_count(c.old)} | {_count(c.new)} | {_signed(c.change)} "
                f"| {_percent(c.old_share)} | {_percent(c.new_share)} | {c.points:+.1f} pt | {_md_flags(c.flags)} |"
            )
        lines += ["", f"Imbalance ratio (largest / smallest class): {_ratio(split.old_ratio)} → "
                  f"{_ratio(split.new_ratio)} (limit {diff.max_class_ratio:g}x)" + (" ⚠️" if split.flags else "")]
        if split.looks:
            lines += ["", f"How each class looks in `{new}` (median, quartiles in brackets):", "",
                      "| class | " + " | ".join(h for h, _ in LOOK_COLUMNS) + " | top camera | near copies |",
                      "|:--|" + "--:|" * len(LOOK_COLUMNS) + ":--|--:|"]
            lines += [f"| {_md_escape(label)} | " + " | ".join(_md_escape(c) for c in cells) + " |"
                      for label, cells in split.looks]
        if split.changed:
            lines += ["", *_mermaid(split, old, new)]
    return "\n".join(lines) + "\n"


def _md_flags(flags: tuple[str, ...]) -> str:
    marks = {"appeared": "🆕 appeared", "vanished": "❌ vanished", "drift": "⚠️ drift", "look": "⚠️ look"}
    return " ".join(marks[flag] for flag in flags)


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _mermaid(split: SplitChange, old: str, new: str) -> list[str]:
    """A Mermaid xychart: bars for the new counts, a line for the old ones."""
    labels = ", ".join(json.dumps(c.label.replace('"', "'"), ensure_ascii=False) for c in split.classes)
    top = max([c.old or 0 for c in split.classes] + [c.new or 0 for c in split.classes] + [1])
    title = f"{split.path}: images per class (bars: {new}, line: {old})".replace('"', "'")
    return [
        "```mermaid",
        "xychart-beta",
        f'    title "{title}"',
        f"    x-axis [{labels}]",
        f'    y-axis "images" 0 --> {top}',
        f"    bar [{', '.join(str(c.new or 0) for c in split.classes)}]",
        f"    line [{', '.join(str(c.old or 0) for c in split.classes)}]",
        "```",
    ]


RENDERERS = {"text": render_text, "md": render_markdown, "json": render_json}
