"""Machine formats of ``imagelint check``: SARIF (valid against the official 2.1.0 schema),
GitLab Code Quality and JSON with each image's facts, from a real DVC repository."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from images import write_photo
from imagelint.rules import all_rules
from repo_helpers import dvc, git, new_repo

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def check(repo: Path, output_format: str) -> tuple[int, object]:
    result = subprocess.run([sys.executable, "-m", "imagelint", "check", "--all", "--format", output_format],
                            cwd=repo, capture_output=True, text=True)
    return result.returncode, json.loads(result.stdout)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DVC-tracked data/ with a small image and an exact copy; a git-tracked image with a space."""
    root = new_repo(tmp_path_factory.mktemp("formats") / "repo")
    (root / ".imagelint.toml").write_text("min-class-images = 1\n")
    write_photo(root / "data" / "train" / "cat" / "1.jpg", 1)
    write_photo(root / "data" / "train" / "cat" / "small.jpg", 2, size=(120, 90))
    shutil.copyfile(root / "data" / "train" / "cat" / "1.jpg", root / "data" / "train" / "cat" / "copy.jpg")
    write_photo(root / "extra" / "train" / "dog" / "a b#1.png", 3, size=(100, 100), image_format="PNG")
    dvc(root, "add", "-q", "data")
    git(root, "add", "-A")
    return root


def test_sarif_is_valid_and_points_at_the_image_and_its_pointer(repo: Path) -> None:
    code, document = check(repo, "sarif")
    assert code == 1
    jsonschema.Draft4Validator(SCHEMA).validate(document)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == list(all_rules())
    assert all(rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
               for rule in rules)
    by_path = {result["message"]["text"].split(":")[0]: result for result in run["results"]}
    assert sorted((path, result["ruleId"]) for path, result in by_path.items()) == [
        ("data/train/cat/copy.jpg", "IMG301"), ("data/train/cat/small.jpg", "IMG102"),
        ("extra/train/dog/a b#1.png", "IMG102")]
    small = by_path["data/train/cat/small.jpg"]
    assert [loc["physicalLocation"]["artifactLocation"]["uri"] for loc in small["locations"]] == [
        "data.dvc", "data/train/cat/small.jpg"]
    assert rules[small["ruleIndex"]]["id"] == "IMG102"
    exact = by_path["data/train/cat/copy.jpg"]
    assert exact["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("data/train/cat/")
    assert exact["partialFingerprints"]["imagelintContent/v1"].startswith("IMG301:")


def test_sarif_fingerprints_follow_content_not_paths(repo: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy)
    _, before = check(copy, "sarif")
    (copy / "data" / "train" / "cat" / "small.jpg").rename(copy / "data" / "train" / "cat" / "renamed.jpg")
    dvc(copy, "add", "-q", "data")
    git(copy, "add", "-A")
    _, after = check(copy, "sarif")

    def fingerprints(document: dict) -> list[str]:
        return sorted(r["partialFingerprints"]["imagelintContent/v1"] for r in document["runs"][0]["results"])

    assert fingerprints(after) == fingerprints(before)


def test_a_git_tracked_image_with_reserved_characters_is_a_valid_uri(repo: Path) -> None:
    (repo / ".imagelint.toml").write_text("min-class-images = 1\n")
    result = subprocess.run([sys.executable, "-m", "imagelint", "check", "extra", "--format", "sarif"], cwd=repo,
                            capture_output=True, text=True)
    document = json.loads(result.stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(document)
    [finding] = document["runs"][0]["results"]
    assert [loc["physicalLocation"]["artifactLocation"]["uri"] for loc in finding["locations"]] == [
        "extra/train/dog/a%20b%231.png"]


def test_an_image_a_pipeline_stage_outputs_points_at_its_line_in_dvc_lock(tmp_path: Path) -> None:
    """No ``.dvc`` file tracks a stage's outputs: the alert goes on the stage's out in ``dvc.lock``."""
    root = new_repo(tmp_path / "repo")
    (root / ".imagelint.toml").write_text("min-class-images = 1\n")
    write_photo(root / "raw" / "train" / "cat" / "small.jpg", 2, size=(120, 90))
    write_photo(root / "raw" / "train" / "dog" / "1.jpg", 3)
    dvc(root, "add", "-q", "raw")
    dvc(root, "stage", "add", "-q", "-n", "prepare", "-d", "raw", "-o", "prepared", "cp -r raw prepared")
    dvc(root, "repro", "-q")
    git(root, "add", "-A")
    code, document = check(root, "sarif")
    assert code == 1
    lock_text = (root / "dvc.lock").read_text()
    results = {result["message"]["text"].split(":")[0]: result for result in document["runs"][0]["results"]}
    [pointer, image] = results["prepared/train/cat/small.jpg"]["locations"]
    assert pointer["physicalLocation"]["artifactLocation"]["uri"] == "dvc.lock"
    line = lock_text.splitlines()[pointer["physicalLocation"]["region"]["startLine"] - 1]
    out_md5 = next(out["md5"] for out in yaml.safe_load(lock_text)["stages"]["prepare"]["outs"])
    assert line.strip() == f"md5: {out_md5}"
    assert image["physicalLocation"]["artifactLocation"]["uri"] == "prepared/train/cat/small.jpg"
    [raw] = results["raw/train/cat/small.jpg"]["locations"][:1]
    assert raw["physicalLocation"]["artifactLocation"]["uri"] == "raw.dvc"
    _, issues = check(root, "gitlab")
    prepared = [issue for issue in issues if issue["description"].startswith("prepared/")]
    assert [(issue["location"]["path"], issue["location"]["lines"]["begin"]) for issue in prepared] == [
        ("dvc.lock", pointer["physicalLocation"]["region"]["startLine"])]


def test_gitlab_code_quality_issues(repo: Path) -> None:
    code, issues = check(repo, "gitlab")
    assert code == 1
    assert isinstance(issues, list) and len(issues) == 3
    for issue in issues:
        assert set(issue) == {"type", "check_name", "description", "categories", "severity", "fingerprint", "location"}
        assert len(issue["fingerprint"]) == 32
        assert issue["severity"] == "major"
    paths = sorted(issue["location"]["path"] for issue in issues)
    assert paths == ["data.dvc", "data.dvc", "extra/train/dog/a b#1.png"]
    assert any(issue["description"].startswith("data/train/cat/small.jpg: IMG102 min-resolution:") for issue in issues)
    assert len({issue["fingerprint"] for issue in issues}) == 3


def test_json_describes_each_image_a_finding_names(repo: Path) -> None:
    _, document = check(repo, "json")
    images = document["images"]
    assert images["data/train/cat/small.jpg"]["width"] == 120
    assert images["data/train/cat/small.jpg"]["height"] == 90
    assert images["data/train/cat/small.jpg"]["format"] == "JPEG"
    assert images["data/train/cat/small.jpg"]["size"] == (repo / "data" / "train" / "cat" / "small.jpg").stat().st_size
    assert set(images) == {path for f in document["findings"] for path in (f["path"], *f["related"])}


def test_names_that_are_not_utf8_or_hold_control_characters_stay_valid_and_escaped(tmp_path: Path) -> None:
    with open(os.fsencode(tmp_path) + b"/caf\xe9.jpg", "wb"):
        pass
    (tmp_path / "red\x1b[31m.jpg").write_bytes(b"")
    env = {**os.environ, "LC_ALL": "C"}

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "imagelint", *args], cwd=tmp_path, capture_output=True, env=env)

    sarif = json.loads(run("check", "--format", "sarif").stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    assert sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                  for r in sarif["runs"][0]["results"]) == ["caf%E9.jpg", "red%1B%5B31m.jpg"]
    gitlab = json.loads(run("check", "--format", "gitlab").stdout)
    assert sorted(issue["location"]["path"] for issue in gitlab) == ["caf\\xe9.jpg", "red\\x1b[31m.jpg"]
    assert run("report", "-o", str(tmp_path / "page.html")).returncode == 0
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert "caf\\xe9.jpg" in page and "red\\x1b[31m.jpg" in page and "\x1b" not in page
