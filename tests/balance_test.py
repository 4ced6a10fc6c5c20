"""Balance rules (4xx): table-driven over class counts."""
from __future__ import annotations

import pytest

from imagelint.config import Config
from imagelint.rules import all_rules
from imagelint.rules.balance import RULES, balance_findings, outdated_finding, split_folder
from imagelint.stats.document import class_counts_stats


def paths(counts: dict[str, int], prefix: str = "data/train") -> list[str]:
    return [f"{prefix}/{label}/{i}.jpg" for label, n in counts.items() for i in range(n)]


CASES = [
    pytest.param({"cat": 50, "dog": 100}, Config(), [], id="at the limits"),
    pytest.param({"cat": 60}, Config(), [], id="one class has no ratio"),
    pytest.param(
        {"cat": 12, "dog": 60},
        Config(max_class_ratio=10),
        ["data/train: IMG401 class 'cat' has 12 images, fewer than the 50 recommended per class: "
         "add images or merge classes"],
        id="small class",
    ),
    pytest.param(
        {"cat": 1, "dog": 2},
        Config(min_class_images=2),
        ["data/train: IMG401 class 'cat' has 1 image, fewer than the 2 recommended per class: "
         "add images or merge classes"],
        id="singular",
    ),
    pytest.param(
        {"bird": 60, "cat": 150, "dog": 70},
        Config(),
        ["data/train: IMG402 class 'cat' has 150 images, 2.5x the 60 of class 'bird' (at most 2x recommended): "
         "add images to 'bird' or sample 'cat' down"],
        id="ratio",
    ),
    pytest.param(
        {"cat": 10, "dog": 30},
        Config(max_class_ratio=2.5),
        ["data/train: IMG401 class 'cat' has 10 images, fewer than the 50 recommended per class: "
         "add images or merge classes",
         "data/train: IMG401 class 'dog' has 30 images, fewer than the 50 recommended per class: "
         "add images or merge classes",
         "data/train: IMG402 class 'dog' has 30 images, 3.0x the 10 of class 'cat' (at most 2.5x recommended): "
         "add images to 'cat' or sample 'dog' down"],
        id="both",
    ),
]


@pytest.mark.parametrize(("counts", "config", "expected"), CASES)
def test_balance_findings(counts: dict[str, int], config: Config, expected: list[str]) -> None:
    findings = balance_findings(class_counts_stats(paths(counts), config), config)
    assert [f"{f.path}: {f.code} {f.message}" for f in findings] == expected
    assert all(f.severity.value == "warning" for f in findings)


def test_each_split_is_judged_on_its_own() -> None:
    config = Config(min_class_images=5)
    stats = class_counts_stats(paths({"cat": 5, "dog": 5}) + paths({"cat": 1, "dog": 5}, "data/test"), config)
    findings = balance_findings(stats, config)
    assert [(f.path, f.code) for f in findings] == [("data/test", "IMG401"), ("data/test", "IMG402")]


@pytest.mark.parametrize(("root", "split", "expected"), [
    ("data", "train", "data/train"), ("(root)", "train", "train"), ("data", "(no split)", "data"), ("(root)", "(no split)", "."),
])
def test_split_folder(root: str, split: str, expected: str) -> None:
    assert split_folder(root, split) == expected


def test_outdated_finding() -> None:
    finding = outdated_finding("dataset-stats.json", "dataset-stats.json does not match the dataset")
    assert (finding.code, finding.rule, finding.severity.value) == ("IMG403", "stats-outdated", "error")


def test_rules_are_registered_and_documented() -> None:
    registered = all_rules()
    for rule in RULES:
        assert registered[rule.code] is rule
        for section in ("What:", "Why:", "Options:", "Fix:"):
            assert section in rule.doc
