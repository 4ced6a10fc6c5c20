"""The ``imagelint`` hook in a real DVC dataset repository: ``dvc add`` then ``git commit``."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hook_test import local_hooks_config
from images import encode, photo, write, write_photo
from repo_helpers import dvc, git, new_repo


def commit(repo: Path, message: str) -> subprocess.CompletedProcess[str]:
    """``git commit`` through the installed hooks; output as the user sees it (hooks print on stderr)."""
    return subprocess.run(["git", "commit", "-m", message], cwd=repo, capture_output=True, text=True)


def errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines()
            if ": IMG" in line and not line.endswith("(warning)")]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A DVC repository whose data/ folder (train and test splits, two classes) is committed."""
    repo = new_repo(tmp_path / "repo")
    dvc(repo, "remote", "add", "-q", "-d", "local", str(tmp_path / "remote"))
    (repo / ".imagelint.toml").write_text("min-class-images = 1\n")
    config = json.loads(json.dumps(__import__("yaml").safe_load(local_hooks_config())))
    config["repos"][0]["hooks"] = [hook for hook in config["repos"][0]["hooks"] if hook["id"] == "imagelint"]
    (repo / ".pre-commit-config.yaml").write_text(__import__("yaml").safe_dump(config))
    for seed, name in enumerate(["train/cat/1.jpg", "train/cat/2.jpg", "train/dog/1.jpg", "train/dog/2.jpg",
                                 "test/cat/1.jpg", "test/dog/1.jpg"]):
        write_photo(repo / "data" / name, seed)
    dvc(repo, "add", "-q", "data")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "dataset", "--no-verify")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, check=True, capture_output=True)
    return repo


def test_a_pointer_change_is_checked_image_by_image_by_workspace_path(dataset: Path) -> None:
    data = dataset / "data"
    broken = encode(photo(20))
    write(data / "train" / "cat" / "corrupt.jpg", broken[: len(broken) // 3])
    write_photo(data / "train" / "dog" / "small.jpg", 21, size=(200, 150))
    write_photo(data / "train" / "dog" / "good.jpg", 22)
    dvc(dataset, "add", "-q", "data")
    git(dataset, "add", "data.dvc")
    rejected = commit(dataset, "three new images")
    assert rejected.returncode == 1
    assert [line.split(" ", 2)[:2] for line in errors(rejected)] == [
        ["data/train/cat/corrupt.jpg:", "IMG001"],
        ["data/train/dog/small.jpg:", "IMG102"],
    ]
    write_photo(data / "train" / "cat" / "corrupt.jpg", 23)
    write_photo(data / "train" / "dog" / "small.jpg", 24)
    dvc(dataset, "add", "-q", "data")
    git(dataset, "add", "data.dvc")
    fixed = commit(dataset, "three new images, fixed")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr


def test_a_resized_train_image_copied_into_test_is_a_split_leak(dataset: Path) -> None:
    original = photo(0)
    write(dataset / "data" / "test" / "cat" / "copy.jpg", encode(original.resize((288, 288)), quality=80))
    dvc(dataset, "add", "-q", "data")
    git(dataset, "add", "data.dvc")
    rejected = commit(dataset, "leak")
    assert rejected.returncode == 1
    (line,) = errors(rejected)
    assert line.startswith("data/test/cat/copy.jpg: IMG303 split-leak: near-duplicate of data/train/cat/1.jpg")


def test_a_clone_without_the_cache_reports_not_in_cache_and_the_remote_fills_it(dataset: Path, tmp_path: Path) -> None:
    dvc(dataset, "push", "-q")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(dataset), str(clone))
    command = [sys.executable, "-m", "imagelint", "check", "--all", "--format", "json"]
    local = subprocess.run(command, cwd=clone, capture_output=True, text=True)
    assert local.returncode == 1, local.stderr
    assert "Traceback" not in local.stderr
    findings = json.loads(local.stdout)["findings"]
    assert [(f["path"], f["code"]) for f in findings] == [("data.dvc", "IMG901")]
    assert "dvc pull" in findings[0]["message"]
    remote = subprocess.run([*command, "--remote"], cwd=clone, capture_output=True, text=True)
    assert remote.returncode == 0, remote.stdout + remote.stderr
    assert json.loads(remote.stdout)["summary"] == {"checked": 6, "errors": 0, "warnings": 0}


def test_the_stats_hook_never_writes_partial_stats_and_only_check_fails(dataset: Path, tmp_path: Path) -> None:
    dvc(dataset, "push", "-q")
    clone = tmp_path / "stats-clone"
    git(tmp_path, "clone", "-q", str(dataset), str(clone))
    for options, code in (([], 0), (["--check"], 1)):
        result = subprocess.run([sys.executable, "-m", "imagelint", "stats", *options], cwd=clone,
                                capture_output=True, text=True)
        assert result.returncode == code, result.stderr
        assert "dataset-stats.json: the dataset could not be listed in full" in result.stderr
        assert not (clone / "dataset-stats.json").exists()


def test_the_stats_hook_skips_the_recount_when_a_commit_touches_no_data(dataset: Path, tmp_path: Path) -> None:
    """A clone without the DVC data cannot recount; a docs-only commit must not even try."""
    subprocess.run([sys.executable, "-m", "imagelint", "stats", "--stage"], cwd=dataset, check=True,
                   capture_output=True)
    git(dataset, "commit", "-qm", "stats", "--no-verify")
    clone = tmp_path / "docs-clone"
    git(tmp_path, "clone", "-q", str(dataset), str(clone))
    (clone / "README.md").write_text("notes\n")
    git(clone, "add", "README.md")
    env = {**os.environ, "PRE_COMMIT": "1"}
    docs_only = subprocess.run([sys.executable, "-m", "imagelint", "stats"], cwd=clone, env=env,
                               capture_output=True, text=True)
    assert (docs_only.returncode, docs_only.stderr) == (0, "")
    (clone / "data.dvc").write_text((clone / "data.dvc").read_text().replace("nfiles", "nfiles "))
    git(clone, "add", "data.dvc")
    pointer = subprocess.run([sys.executable, "-m", "imagelint", "stats"], cwd=clone, env=env,
                             capture_output=True, text=True)
    assert "not updating dataset-stats.json" in pointer.stderr


def test_a_clone_without_the_cache_reports_only_the_pointers_in_scope(dataset: Path, tmp_path: Path) -> None:
    clone = tmp_path / "scope-clone"
    git(tmp_path, "clone", "-q", str(dataset), str(clone))
    command = [sys.executable, "-m", "imagelint", "check"]
    nothing_staged = subprocess.run(command, cwd=clone, capture_output=True, text=True)
    assert nothing_staged.returncode == 0, nothing_staged.stdout
    asked = subprocess.run([*command, "data.dvc"], cwd=clone, capture_output=True, text=True)
    assert asked.returncode == 1
    assert asked.stdout.startswith("data.dvc: IMG901 not-in-cache:")
