"""Never a silent partial answer: a partial DVC cache, a missing base manifest, a stale stats file."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dvc_hook_test import dataset  # noqa: F401 - the fixture
from images import encode, photo, write
from repo_helpers import dvc, git

IMAGELINT = [sys.executable, "-m", "imagelint"]


def leak_pull_request(repo: Path) -> None:
    """A commit adding a resized copy of data/train/cat/1.jpg into test/, both versions pushed to the remote."""
    dvc(repo, "push", "-q")
    write(repo / "data" / "test" / "cat" / "copy.jpg", encode(photo(0).resize((288, 288)), quality=80))
    dvc(repo, "add", "-q", "data")
    git(repo, "add", "data.dvc")
    git(repo, "commit", "-qm", "leak", "--no-verify")
    dvc(repo, "push", "-q")


def partial_clone(origin: Path, clone: Path) -> Path:
    """A fresh clone that pulled only the new image (DVC brings the new manifest with it)."""
    git(origin.parent, "clone", "-q", str(origin), str(clone))
    dvc(clone, "pull", "-q", "data/test/cat/copy.jpg")
    return clone


def test_a_partial_cache_fails_a_range_check_instead_of_missing_the_leak(dataset: Path, tmp_path: Path) -> None:
    leak_pull_request(dataset)
    clone = partial_clone(dataset, tmp_path / "partial")
    result = subprocess.run([*IMAGELINT, "check", "--rev", "HEAD~1..HEAD", "--format", "json"], cwd=clone,
                            capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert [(f["path"], f["code"], f["severity"]) for f in findings] == [(".", "IMG903", "error")]
    assert "6 dataset image(s) have no facts and no bytes here" in findings[0]["message"]
    assert "imagelint facts pull" in findings[0]["message"]
    # The base manifest came from the remote: only the new image was checked, not all seven.
    assert json.loads(result.stdout)["summary"]["checked"] == 1
    assert "checking all" not in result.stderr


def test_a_partial_cache_is_a_warning_on_an_ordinary_check(dataset: Path, tmp_path: Path) -> None:
    leak_pull_request(dataset)
    clone = partial_clone(dataset, tmp_path / "partial-commit")
    result = subprocess.run([*IMAGELINT, "check", "data/test/cat/copy.jpg"], cwd=clone, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(".: IMG903 not-compared: duplicate search is incomplete: 6 dataset image(s)")
    assert result.stdout.splitlines()[0].endswith("(warning)")


def test_diff_flags_a_committed_stats_file_that_does_not_match_its_dataset(dataset: Path) -> None:
    subprocess.run([*IMAGELINT, "stats", "--stage"], cwd=dataset, check=True, capture_output=True)
    git(dataset, "commit", "-qm", "stats", "--no-verify")
    leak_pull_request(dataset)  # changes the data, not the stats file
    report = subprocess.run([*IMAGELINT, "diff", "HEAD~1", "HEAD", "--format", "md"], cwd=dataset,
                            capture_output=True, text=True)
    assert report.returncode == 0, report.stderr
    assert ("> ⚠️ **Warning:** stats file dataset-stats.json at HEAD does not match the dataset at that "
            "revision (7 images)") in report.stdout
    assert "`HEAD~1` → `HEAD`: 6 → 7 images (+1)." in report.stdout
    fresh = subprocess.run([*IMAGELINT, "diff", "HEAD~2", "HEAD~1"], cwd=dataset, capture_output=True, text=True)
    assert "warning" not in fresh.stdout + fresh.stderr
