"""A team's commit flow through real git, DVC and pre-commit with both hooks installed.

A refused commit must pass on the next ``git commit`` once the image is fixed, with no manual
step for the stats file; warnings must show on commits that pass; dataset-level warnings only
for the splits and classes the commit touches.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hook_test import local_hooks_config
from images import encode, photo, write, write_photo
from repo_helpers import dvc, git, new_repo

STATS = "dataset-stats.json"


def commit(repo: Path, message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "commit", "-m", message], cwd=repo, capture_output=True, text=True)


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def finding_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in output(result).splitlines() if ": IMG" in line]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A DVC repository with both hooks installed, nothing committed yet."""
    repo = new_repo(tmp_path / "repo")
    (repo / ".imagelint.toml").write_text("min-class-images = 3\n")
    (repo / ".pre-commit-config.yaml").write_text(local_hooks_config())
    names = ["train/cat/1.jpg", "train/cat/2.jpg", "train/dog/1.jpg", "train/dog/2.jpg", "train/dog/3.jpg",
             "test/cat/1.jpg", "test/dog/1.jpg"]
    for seed, name in enumerate(names):
        write_photo(repo / "data" / name, seed)
    dvc(repo, "add", "-q", "data")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, check=True, capture_output=True)
    git(repo, "add", "-A")
    return repo


def test_the_first_commit_lands_with_its_stats_file_in_one_attempt(dataset: Path) -> None:
    first = commit(dataset, "dataset")
    assert first.returncode == 0, output(first)
    assert STATS in git(dataset, "ls-tree", "--name-only", "HEAD").split()
    assert git(dataset, "status", "--porcelain") == ""


def test_a_refused_commit_passes_on_the_next_attempt_once_the_image_is_fixed(dataset: Path) -> None:
    assert commit(dataset, "dataset").returncode == 0
    cut = dataset / "data" / "train" / "cat" / "3.jpg"
    data = encode(photo(30))
    write(cut, data[: len(data) // 2])
    dvc(dataset, "add", "-q", "data")
    git(dataset, "add", "data.dvc")
    refused = commit(dataset, "one more cat")
    assert refused.returncode == 1
    assert any(line.startswith("data/train/cat/3.jpg: IMG001 unreadable") for line in finding_lines(refused))
    assert git(dataset, "diff", "--name-only") == ""  # nothing left behind for the next attempt to stash

    write_photo(cut, 30)
    dvc(dataset, "add", "-q", "data")
    git(dataset, "add", "data.dvc")
    fixed = commit(dataset, "one more cat")
    assert fixed.returncode == 0, output(fixed)
    assert "Stashed changes conflicted" not in output(fixed)
    assert git(dataset, "status", "--porcelain") == ""
    committed = json.loads(git(dataset, "show", f"HEAD:{STATS}"))
    assert committed["roots"]["data"]["splits"]["train"]["classes"]["cat"]["count"] == 3
    check = subprocess.run([sys.executable, "-m", "imagelint", "stats", "--check"], cwd=dataset,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_warnings_show_on_a_commit_that_passes(dataset: Path) -> None:
    assert commit(dataset, "dataset").returncode == 0
    write(dataset / "data" / "test" / "dog" / "2.jpg", encode(photo(6).resize((300, 300)), quality=80))
    dvc(dataset, "add", "-q", "data")
    git(dataset, "add", "data.dvc")
    passed = commit(dataset, "a second test dog")
    assert passed.returncode == 0, output(passed)
    assert [line.split(" ", 2)[:2] for line in finding_lines(passed)] == [
        ["data/test:", "IMG401"],
        ["data/test/dog/2.jpg:", "IMG302"],
    ]


def test_dataset_warnings_are_limited_to_what_the_commit_touches(dataset: Path) -> None:
    assert commit(dataset, "dataset").returncode == 0
    write_photo(dataset / "data" / "test" / "dog" / "2.jpg", 40)
    dvc(dataset, "add", "-q", "data")
    git(dataset, "add", "data.dvc")
    passed = commit(dataset, "a second test dog")
    assert passed.returncode == 0, output(passed)
    # train/cat (2 of 3) and test/cat (1 of 3) are short of images, but only test/dog was touched;
    # the test split's ratio (2 dogs, 1 cat) is within 2x.
    assert finding_lines(passed) == [
        "data/test: IMG401 class-count: class 'dog' has 2 images, fewer than the 3 recommended per class: "
        "add images or merge classes (warning)",
    ]
    everything = subprocess.run([sys.executable, "-m", "imagelint", "check", "--all"], cwd=dataset,
                                capture_output=True, text=True)
    assert [line.split(" ", 3)[:3] for line in everything.stdout.splitlines() if ": IMG" in line] == [
        ["data/test:", "IMG401", "class-count:"],
        ["data/test:", "IMG401", "class-count:"],
        ["data/train:", "IMG401", "class-count:"],
    ]
