"""The committed baseline: legacy findings accepted by content, new ones still fail.

Real git, DVC and pre-commit on a dataset with old problems, as a team adopting imagelint has.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hook_test import local_hooks_config
from images import encode, photo, write, write_photo
from imagelint.findings import Finding, Severity
from imagelint.rules.baseline import BaselineEntry, baseline_text, entry_for, judge
from repo_helpers import dvc, git, new_repo

BASELINE = ".imagelint-baseline.json"


def imagelint(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "imagelint", *args], cwd=repo, capture_output=True, text=True)


def pre_commit_all(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=repo,
                          capture_output=True, text=True)


def codes(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    return [tuple(line.split(" ", 2)[:2]) for line in (result.stdout + result.stderr).splitlines() if ": IMG" in line]


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    """A committed DVC dataset with old problems: a small image, a near copy, an exact copy, a leak."""
    repo = new_repo(tmp_path / "repo")
    (repo / ".imagelint.toml").write_text("min-class-images = 1\n")
    (repo / ".pre-commit-config.yaml").write_text(local_hooks_config())
    data = repo / "data"
    for seed, name in enumerate(["train/cat/1.jpg", "train/cat/2.jpg", "train/dog/1.jpg", "train/dog/2.jpg",
                                 "test/cat/1.jpg", "test/dog/1.jpg"]):
        write_photo(data / name, seed)
    write_photo(data / "train" / "dog" / "small.jpg", 10, size=(100, 100))
    write(data / "train" / "cat" / "near.jpg", encode(photo(0).resize((300, 300)), quality=80))
    shutil.copyfile(data / "train" / "dog" / "1.jpg", data / "train" / "dog" / "copy.jpg")
    write(data / "test" / "dog" / "leak.jpg", encode(photo(3).resize((290, 290)), quality=85))
    dvc(repo, "add", "-q", "data")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "legacy dataset", "--no-verify")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, check=True, capture_output=True)
    return repo


def test_a_legacy_dataset_passes_after_baseline_and_a_new_bad_image_fails(legacy: Path) -> None:
    before = pre_commit_all(legacy)
    assert before.returncode == 1
    assert sorted(codes(before)) == [
        ("data/train/cat/near.jpg:", "IMG302"),
        ("data/train/dog/2.jpg:", "IMG303"),
        ("data/train/dog/copy.jpg:", "IMG301"),
        ("data/train/dog/small.jpg:", "IMG102"),
    ]
    written = imagelint(legacy, "baseline")
    assert written.returncode == 0, written.stderr
    assert written.stdout == f"wrote {BASELINE}: 4 findings accepted\n"
    entries = json.loads((legacy / BASELINE).read_text())["findings"]
    assert [entry["code"] for entry in entries] == ["IMG102", "IMG301", "IMG302", "IMG303"]
    assert all(len(entry["md5"]) == 32 for entry in entries)
    assert imagelint(legacy, "baseline").stdout == f"unchanged {BASELINE}: 4 findings accepted\n"

    after = pre_commit_all(legacy)
    assert after.returncode == 0, after.stdout + after.stderr
    assert codes(after) == []
    assert "4 known findings accepted by .imagelint-baseline.json" in after.stdout + after.stderr
    accepted = json.loads(imagelint(legacy, "check", "--all", "--format", "json").stdout)
    assert (accepted["findings"], accepted["images"]) == ([], {})

    git(legacy, "add", BASELINE)
    git(legacy, "commit", "-qm", "accept the legacy findings", "--no-verify")
    write_photo(legacy / "data" / "train" / "cat" / "tiny.jpg", 20, size=(64, 64))
    dvc(legacy, "add", "-q", "data")
    git(legacy, "add", "data.dvc")
    refused = subprocess.run(["git", "commit", "-m", "a new bad image"], cwd=legacy, capture_output=True, text=True)
    assert refused.returncode == 1
    assert codes(refused) == [("data/train/cat/tiny.jpg:", "IMG102")]


def test_moved_images_keep_their_entries_and_gone_ones_are_reported_and_dropped(legacy: Path) -> None:
    assert imagelint(legacy, "baseline").returncode == 0
    data = legacy / "data"
    (data / "train" / "dog" / "small.jpg").rename(data / "train" / "dog" / "renamed-small.jpg")
    (data / "train" / "cat" / "near.jpg").unlink()
    dvc(legacy, "add", "-q", "data")
    git(legacy, "add", "data.dvc")
    check = imagelint(legacy, "check", "--all")
    assert check.returncode == 0, check.stdout + check.stderr
    assert codes(check) == []
    assert "3 known findings accepted" in check.stderr
    assert (f"imagelint: warning: {BASELINE}: 1 entry names images no longer in the dataset "
            "(IMG302 on data/train/cat/1.jpg and data/train/cat/near.jpg)") in check.stderr

    stale = imagelint(legacy, "baseline", "--check")
    assert stale.returncode == 1
    assert stale.stdout == f"{BASELINE}: IMG302 on data/train/cat/1.jpg and data/train/cat/near.jpg: no longer found\n"
    updated = imagelint(legacy, "baseline", "--update")
    assert updated.returncode == 0
    assert updated.stdout.splitlines()[-1] == f"updated {BASELINE}: 3 findings accepted, 1 dropped"
    assert [entry["code"] for entry in json.loads((legacy / BASELINE).read_text())["findings"]] == [
        "IMG102", "IMG301", "IMG303"]
    assert imagelint(legacy, "baseline", "--check").returncode == 0
    assert imagelint(legacy, "check", "--all", "--no-baseline").returncode == 1


def test_a_damaged_baseline_is_one_line_and_exit_2(legacy: Path) -> None:
    (legacy / BASELINE).write_text('{"version": 7, "findings": []}\n')
    result = imagelint(legacy, "check", "--all")
    assert result.returncode == 2
    assert result.stderr == (f"imagelint: {BASELINE}: not an imagelint baseline (version 7, expected 1); "
                             "recreate it with 'imagelint baseline'\n")


def near(path: str, other: str) -> Finding:
    return Finding(path, "IMG302", "near-duplicate", Severity.WARNING, "near", (other,))


def test_a_pair_matches_whichever_side_it_is_reported_on() -> None:
    md5_of = {"a.jpg": "a" * 32, "b.jpg": "b" * 32, "c.jpg": "c" * 32}
    entries = [entry_for(near("b.jpg", "a.jpg"), md5_of)]
    assert entries == [BaselineEntry("IMG302", "a" * 32, "a.jpg", "b" * 32, "b.jpg")]
    judged = judge([near("a.jpg", "b.jpg"), near("c.jpg", "a.jpg")], md5_of, entries)
    assert judged.accepted == [near("a.jpg", "b.jpg")]
    assert judged.new == [near("c.jpg", "a.jpg")]


def test_a_new_exact_copy_of_accepted_content_is_new() -> None:
    md5_of = {"a.jpg": "a" * 32, "b.jpg": "a" * 32, "c.jpg": "a" * 32}
    exact = [Finding(p, "IMG301", "exact-duplicate", Severity.ERROR, "same", (o,)) for p, o in
             [("b.jpg", "a.jpg"), ("c.jpg", "a.jpg")]]
    judged = judge(exact, md5_of, [entry_for(exact[0], md5_of)])
    assert (judged.accepted, judged.new) == ([exact[0]], [exact[1]])


def test_the_file_is_sorted_one_entry_a_line_without_timestamps() -> None:
    entries = [BaselineEntry("IMG401", None, "data/train"), BaselineEntry("IMG102", "f" * 32, "x.jpg")]
    assert baseline_text(entries) == (
        '{\n  "findings": [\n'
        f'    {{"code": "IMG102", "md5": "{"f" * 32}", "path": "x.jpg"}},\n'
        '    {"code": "IMG401", "path": "data/train"}\n'
        '  ],\n  "version": 1\n}\n'
    )
    assert baseline_text(list(reversed(entries))) == baseline_text(entries)
    assert baseline_text([]) == '{\n  "findings": [],\n  "version": 1\n}\n'
