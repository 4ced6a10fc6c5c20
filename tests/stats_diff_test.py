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
    assert owl == {"change": -4, "flags": ["vanished"], "label": "owl", "looks": [], "new": None, "new_share": 0,
                   "old": 4, "old_share": 0.1667, "share_points": -16.7}
    assert len(document["flags"]) == 9


def _looks(brightness: float, camera: str, count: int = 12) -> dict:
    from imagelint.stats.document import compute_stats, folder_record
    from imagelint.stats.properties import Profile

    config = Config()
    records = [
        folder_record(f"data/train/cat/{i}.jpg", config, md5=f"{i:032x}", size=1000, format="JPEG", width=640,
                      height=480, profile=Profile((brightness + 0.01 * i, 0.2, 0.3, 40.0, 1.333, 0.307, 90.0),
                                                  (camera, "JPEG", "RGB", "blue"), (0xABCDEF << 20) * (i + 1)))
        for i in range(count)
    ]
    return compute_stats(records, config)


def test_a_class_whose_look_moved_is_flagged_and_tabled() -> None:
    config = Config()
    diff = compare_stats(_looks(0.5, "(none)"), _looks(0.2, "Canon EOS 5D"), config, "main", "feature")
    assert diff.flags() == [
        "data/train: class 'cat': median brightness 0.555 -> 0.255, outside the former quartiles 0.527-0.583",
        "data/train: class 'cat': camera 'Canon EOS 5D' 0% -> 100% of the class",
    ]
    markdown = render_markdown(diff)
    assert "| cat | 0.255 (0.228-0.282) | 0.2 (0.2-0.2) | 0.3 (0.3-0.3) | 1.33 (1.33-1.33) | 90 (90-90) " \
           "| Canon EOS 5D (100%) |" in markdown
    assert "⚠️ look" in markdown
    same = compare_stats(_looks(0.5, "(none)"), _looks(0.5, "(none)"), config, "main", "feature")
    assert same.flags() == []
