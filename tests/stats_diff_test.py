"""Comparing two stats documents, and the exact pull-request comment."""
from __future__ import annotations

import json
from pathlib import Path

from imagelint.config import Config
from imagelint.stats.document import class_counts_stats
from imagelint.stats.diff import compare_stats, render_json, render_markdown, render_text

GOLDEN = Path(__file__).parent / "golden"


def dataset(counts: dict[str, dict[str, int]]) -> list[str]:
    return [f"data/{split}/{label}/{i}.jpg" for split, classes in counts.items()
            for label, n in classes.items() for i in range(n)]


BEFORE = {"train": {"cat": 60, "dog": 70, "fox": 55}, "val": {"cat": 10, "dog": 10, "owl": 4}}
AFTER = {"train": {"cat": 60, "dog": 130, "fox": 55, "bee": 52}, "val": {"cat": 10, "dog": 11}}


def known_diff():
    config = Config()
    before, after = class_counts_stats(dataset(BEFORE), config), class_counts_stats(dataset(AFTER), config)
    return compare_stats(before, after, config, "main", "feature")


def test_markdown_report_is_exact() -> None:
    assert render_markdown(known_diff()) == (GOLDEN / "diff.md").read_text(encoding="utf-8")


def test_flags() -> None:
    assert known_diff().flags() == [
        "data/train: imbalance ratio 1.27 -> 2.50 rose above 2x",
        "data/train: class 'bee' appeared",
        "data/train: class 'cat' share drifted -12.2 points",  # 60 of 185 -> 60 of 297
        "data/train: class 'dog' share drifted +5.9 points",  # 37.84% -> 43.77%
        "data/train: class 'fox' share drifted -11.2 points",
        "data/val: imbalance ratio 2.50 -> 1.10 back within 2x",
        "data/val: class 'cat' share drifted +5.9 points",
        "data/val: class 'dog' share drifted +10.7 points",
        "data/val: class 'owl' vanished",
    ]


def test_unchanged_dataset_has_no_flags_and_no_chart() -> None:
    config = Config()
    stats = class_counts_stats(dataset(BEFORE), config)
    diff = compare_stats(stats, stats, config, "HEAD", "staged")
    assert diff.flags() == [] and not any(split.changed for split in diff.splits)
    assert "mermaid" not in render_markdown(diff) and "**0 flags**." in render_markdown(diff)


def test_everything_is_new_against_an_empty_history() -> None:
    config = Config()
    diff = compare_stats({}, class_counts_stats(dataset({"train": {"cat": 3}}), config), config, "HEAD", "staged")
    assert [c.flags for c in diff.splits[0].classes] == [("appeared",)]
    assert render_text(diff).splitlines()[0] == "HEAD -> staged: 0 -> 3 images (+3)"


def test_text_and_json() -> None:
    diff = known_diff()
    text = render_text(diff)
    assert "  bee       - -> 52        +52  share 0.0% -> 17.5% (+17.5 pt)  [appeared]" in text
    assert text.endswith("data/val: class 'owl' vanished\n")
    document = json.loads(render_json(diff))
    owl = document["splits"][1]["classes"][2]
    assert owl == {"change": -4, "flags": ["vanished"], "label": "owl", "new": None, "new_share": 0, "old": 4,
                   "old_share": 0.1667, "share_points": -16.7}
    assert len(document["flags"]) == 9
