"""Manifest changes: a fresh runner rebuilds a pull request's manifest from the base's and the
few kB its author's push stored, instead of downloading it (real git, real DVC with a
local-directory remote, real pre-commit on ``git push``)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dvc_hook_test import dataset  # noqa: F401 - the fixture
from facts_sharing_test import files_under, fresh_clone, imagelint, pull_request  # noqa: F401 - fixtures
from hook_test import local_hooks_config
from images import encode, photo, write, write_photo
from imagelint.facts.changes import (
    CHAIN_LIMIT, ChangeError, ManifestChange, Rebuilt, apply_change, change_between, change_bytes, change_key,
    read_change, rebuild,
)
from imagelint.facts import changes
from imagelint.sources import dvcfiles
from repo_helpers import dvc, git


def manifest_at(repo: Path, rev: str) -> str:
    return dvcfiles.dvc_file_outs("data.dvc", git(repo, "show", f"{rev}:data.dvc").encode())[0].md5


def only_changes(remote: Path, origin: Path) -> None:
    """Take the pull request's manifest off the pruned remote, and put its author's changes there."""
    head = manifest_at(origin, "pr")
    (remote / "files" / "md5" / head[:2] / head[2:]).unlink()
    shutil.copytree(origin.parent / "remote" / "imagelint" / "changes", remote / "imagelint" / "changes")


def test_the_authors_git_push_stores_the_change_and_the_runner_needs_no_manifest(
        pull_request: tuple[Path, Path], tmp_path: Path) -> None:
    origin, remote = pull_request
    hooks = yaml.safe_load(local_hooks_config())
    hooks["repos"][0]["hooks"] = [hook for hook in hooks["repos"][0]["hooks"] if hook["id"] == "imagelint-changes"]
    (origin / ".pre-commit-config.yaml").write_text(yaml.safe_dump(hooks))
    git(origin, "add", ".pre-commit-config.yaml")  # pre-commit refuses an unstaged configuration
    subprocess.run([sys.executable, "-m", "pre_commit", "install", "-t", "pre-push"], cwd=origin, check=True,
                   capture_output=True)
    git(tmp_path, "init", "-q", "--bare", "server.git")
    git(origin, "remote", "add", "server", str(tmp_path / "server.git"))
    git(origin, "push", "-q", "--no-verify", "server", "main")
    env = {**os.environ, "DVC_SITE_CACHE_DIR": str(origin / ".git" / "dvc-site")}
    pushed = subprocess.run(["git", "push", "server", "pr"], cwd=origin, env=env, capture_output=True, text=True)
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert "imagelint manifest changes" in pushed.stdout + pushed.stderr
    change_file = origin.parent / "remote" / "imagelint" / change_key(manifest_at(origin, "pr"))
    change = read_change(change_file.read_bytes(), manifest_at(origin, "pr"))
    assert change.source == manifest_at(origin, "main")
    assert [relpath for relpath, _ in change.added] == ["test/cat/copy.jpg"] and change.removed == ()

    only_changes(remote, origin)
    clone = fresh_clone(origin, remote, tmp_path / "runner")
    result = imagelint(clone, "check", "--rev", "main..pr", "--remote", "--format", "json", cache=tmp_path / "c")
    assert result.returncode == 1, result.stdout + result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert [(f["path"], f["code"]) for f in findings] == [("data/test/cat/copy.jpg", "IMG303")]
    assert "and 1 manifest change(s) (" in result.stderr
    assert "rebuilt 1 manifest(s) from them" in result.stderr


def test_a_doctored_change_is_refused_and_never_turns_into_a_pass(
        pull_request: tuple[Path, Path], tmp_path: Path) -> None:
    origin, remote = pull_request
    pushed = imagelint(origin, "facts", "push", "--changes", "main..pr", cache=tmp_path / "author")
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout.startswith("pushed 1 manifest change(s) (")
    only_changes(remote, origin)
    (change_file,) = (remote / "imagelint" / "changes").rglob("*.json")
    value = json.loads(change_file.read_bytes())
    value["added"][0]["md5"] = manifest_at(origin, "main")[:32]  # another image, same relpath
    change_file.write_text(json.dumps(value))
    clone = fresh_clone(origin, remote, tmp_path / "runner")
    result = imagelint(clone, "check", "--rev", "main..pr", "--remote", "--format", "json", cache=tmp_path / "c")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "does not hash to " + manifest_at(origin, "pr") in result.stderr
    assert "reading the manifest of data instead" in result.stderr
    findings = [(f["path"], f["code"], f["severity"]) for f in json.loads(result.stdout)["findings"]]
    assert findings == [("data.dvc", "IMG901", "error")]  # the manifest is nowhere: not checked, not passed


def test_changes_of_a_pull_request_of_two_commits_are_followed_back_to_the_base(
        dataset: Path, tmp_path: Path) -> None:
    dvc(dataset, "push", "-q")
    assert imagelint(dataset, "facts", "push", cache=tmp_path / "main").returncode == 0
    git(dataset, "checkout", "-qb", "pr")
    write(dataset / "data" / "test" / "cat" / "copy.jpg", encode(photo(0).resize((288, 288)), quality=80))
    dvc(dataset, "add", "-q", "data")
    git(dataset, "commit", "-qam", "a test image", "--no-verify")
    (dataset / "data" / "train" / "dog" / "2.jpg").unlink()
    write_photo(dataset / "data" / "train" / "dog" / "3.jpg", 40)
    dvc(dataset, "add", "-q", "data")
    git(dataset, "commit", "-qam", "one dog out, one in", "--no-verify")
    dvc(dataset, "push", "-q")
    pushed = imagelint(dataset, "facts", "push", "--changes", "main..pr", cache=tmp_path / "author")
    assert pushed.stdout.startswith("pushed 2 manifest change(s) ("), pushed.stdout + pushed.stderr
    git(dataset, "checkout", "-q", "main")
    head = manifest_at(dataset, "pr")
    (tmp_path / "remote" / "files" / "md5" / head[:2] / head[2:]).unlink()
    clone = fresh_clone(dataset, tmp_path / "remote", tmp_path / "runner")
    result = imagelint(clone, "check", "--rev", "main..pr", "--remote", "--format", "json", cache=tmp_path / "c")
    assert "rebuilt 1 manifest(s) from them" in result.stderr, result.stderr
    assert "and 2 manifest change(s) (" in result.stderr
    paths = [(f["path"], f["code"]) for f in json.loads(result.stdout)["findings"]]
    assert ("data/test/cat/copy.jpg", "IMG303") in paths
    assert not any(code in ("IMG902", "IMG903") for _, code in paths), paths


def test_a_change_push_without_a_reachable_remote_is_a_warning(dataset: Path, tmp_path: Path) -> None:
    git(dataset, "checkout", "-qb", "pr")
    write_photo(dataset / "data" / "train" / "dog" / "3.jpg", 41)
    dvc(dataset, "add", "-q", "data")
    git(dataset, "commit", "-qam", "a dog", "--no-verify")
    dvc(dataset, "remote", "modify", "local", "url", "s3://no-such-bucket-for-imagelint/x")
    dvc(dataset, "remote", "modify", "local", "endpointurl", "http://127.0.0.1:9")
    pushed = imagelint(dataset, "facts", "push", "--changes", "main..pr", cache=tmp_path / "author")
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert "manifest changes not pushed" in pushed.stderr
    assert pushed.stdout.startswith("pushed 0 manifest change(s)")


# The change format and the rebuild, as units.

OLD = {"a/1.jpg": "1" * 32, "a/2.jpg": "2" * 32, "b/3.jpg": "3" * 32}
NEW = {"a/1.jpg": "1" * 32, "a/2.jpg": "4" * 32, "c/5.jpg": "5" * 32}


def reader(store: dict[str, bytes]):
    """``Area.read`` over a dict: at most ``limit`` + 1 bytes, as the areas give."""
    return lambda key, limit: None if key not in store else store[key][:limit + 1]


def chain_store(*steps: dict[str, str]) -> tuple[dict[str, bytes], list[str]]:
    names = [dvcfiles.manifest_digest(step) for step in steps]
    store = {change_key(b): change_bytes(change_between(a, steps[i], b, steps[i + 1]))
             for i, (a, b) in enumerate(zip(names, names[1:]))}
    return store, names


def test_a_change_round_trips_and_rebuilds_the_manifest() -> None:
    change = change_between("a" * 32 + ".dir", OLD, "b" * 32 + ".dir", NEW)
    assert change.removed == ("b/3.jpg",) and change.added == (("a/2.jpg", "4" * 32), ("c/5.jpg", "5" * 32))
    assert read_change(change_bytes(change), "b" * 32 + ".dir") == change
    assert apply_change(OLD, change) == NEW


@pytest.mark.parametrize("steps", [2, 3, CHAIN_LIMIT + 1])
def test_rebuild_follows_a_chain_back_to_a_local_manifest(steps: int) -> None:
    states = [{**OLD, f"n/{i}.jpg": f"{i:032x}"} for i in range(steps)]
    store, names = chain_store(*states)
    local = {names[0]: states[0]}
    rebuilt = rebuild(names[-1], local.get, reader(store))
    assert rebuilt.changes == steps - 1 and rebuilt.bytes == sum(map(len, store.values()))
    assert rebuilt.entries == states[-1] and rebuilt.problem is None


def test_rebuild_gives_up_beyond_the_chain_limit_and_on_a_circle() -> None:
    states = [{**OLD, f"n/{i}.jpg": f"{i:032x}"} for i in range(CHAIN_LIMIT + 2)]
    store, names = chain_store(*states)
    too_far = rebuild(names[-1], {names[0]: states[0]}.get, reader(store))
    assert too_far.entries is None and f"within {CHAIN_LIMIT} changes" in (too_far.problem or "")
    a, b = dvcfiles.manifest_digest(OLD), dvcfiles.manifest_digest(NEW)
    circle = {change_key(b): change_bytes(change_between(a, OLD, b, NEW)),
              change_key(a): change_bytes(change_between(b, NEW, a, OLD))}
    looped = rebuild(b, {}.get, reader(circle))
    assert looped.entries is None and looped.problem and looped.changes <= 2


def test_no_change_at_all_is_no_problem_and_a_foreign_one_is() -> None:
    assert rebuild("f" * 32 + ".dir", {}.get, reader({})) == Rebuilt(None)
    store, names = chain_store(OLD, NEW)
    lying = {change_key(names[1]): change_bytes(ManifestChange(names[0], names[1], (), (("a/2.jpg", "9" * 32),)))}
    refused = rebuild(names[1], {names[0]: OLD}.get, reader(lying))
    assert refused.entries is None and "does not hash to" in (refused.problem or "")


@pytest.mark.parametrize("edit, message", [
    (lambda v: v.update(to="0" * 32 + ".dir"), "does not lead from a manifest"),
    (lambda v: v.update({"from": "../../etc"}), "does not lead from a manifest"),
    (lambda v: v.update(version=99), "not a version 1 change"),
    (lambda v: v["added"].append({"md5": "5" * 32, "relpath": "../../outside.jpg"}), "outside the folder"),
    (lambda v: v["added"].append({"md5": "not hex", "relpath": "x.jpg"}), "32 hex digits"),
    (lambda v: v.update(removed=[{"nested": 1}]), "not a list of relpaths"),
])
def test_a_malformed_change_is_one_clear_error(edit, message: str) -> None:
    store, names = chain_store(OLD, NEW)
    value = json.loads(store[change_key(names[1])])
    edit(value)
    with pytest.raises(ChangeError, match=message):
        read_change(json.dumps(value).encode(), names[1])
    with pytest.raises(ChangeError, match="not valid JSON"):
        read_change(b"[" * 100_000, names[1])


def test_a_chain_is_read_only_up_to_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    states = [{**OLD, f"n/{i}.jpg": f"{i:032x}"} for i in range(4)]
    store, names = chain_store(*states)
    sizes = sorted(map(len, store.values()))
    monkeypatch.setattr(changes, "CHANGE_LIMIT", sum(sizes) - 1)
    read: list[int] = []

    def counted(key: str, limit: int) -> bytes | None:
        read.append(limit)
        return reader(store)(key, limit)

    refused = rebuild(names[-1], {names[0]: states[0]}.get, counted)
    assert refused.entries is None and "larger than" in (refused.problem or "")
    assert read[-1] < sizes[-1]  # the last change was not read in full
    monkeypatch.setattr(changes, "CHANGE_LIMIT", sum(sizes))
    assert rebuild(names[-1], {names[0]: states[0]}.get, reader(store)).entries == states[-1]


def test_removing_what_the_source_does_not_list_is_refused() -> None:
    change = ManifestChange("a" * 32 + ".dir", "b" * 32 + ".dir", ("nowhere.jpg",), ())
    with pytest.raises(ChangeError, match="nowhere.jpg"):
        apply_change(OLD, change)
