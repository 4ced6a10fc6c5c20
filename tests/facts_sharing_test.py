"""Facts that travel with the dataset: a fresh runner checks a pull request from facts snapshots
and the new images alone (real git, real DVC with a local-directory remote, real pre-commit)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dvc_hook_test import dataset  # noqa: F401 - the fixture
from images import encode, photo, write
from imagelint.facts.index import FactsIndex
from imagelint.facts.snapshot import version_tag
from imagelint.sources import dvcfiles
from repo_helpers import dvc, git

IMAGELINT = [sys.executable, "-m", "imagelint"]


def imagelint(repo: Path, *args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IMAGELINT_CACHE_DIR": str(cache), "DVC_SITE_CACHE_DIR": str(repo / ".git" / "dvc-site")}
    return subprocess.run([*IMAGELINT, *args], cwd=repo, env=env, capture_output=True, text=True)


def files_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


@pytest.fixture
def pull_request(dataset: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Main with its facts pushed, and branch pr adding a resized copy of a train image into test/.

    Returns the origin and a pruned copy of its remote holding only what a checker of the pull
    request needs: the facts snapshot, the pull request's manifest and its one new image.
    """
    dvc(dataset, "push", "-q")
    pushed = imagelint(dataset, "facts", "push", cache=tmp_path / "main-runner")
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout.startswith("pushed 1 facts snapshot(s) (6 images, ")
    old_manifest = dvcfiles.dvc_file_outs("data.dvc", (dataset / "data.dvc").read_bytes())[0].md5
    git(dataset, "checkout", "-qb", "pr")
    write(dataset / "data" / "test" / "cat" / "copy.jpg", encode(photo(0).resize((288, 288)), quality=80))
    dvc(dataset, "add", "-q", "data")
    git(dataset, "add", "data.dvc")
    git(dataset, "commit", "-qm", "add a test image", "--no-verify")
    dvc(dataset, "push", "-q")
    git(dataset, "checkout", "-q", "main")
    remote, pruned = tmp_path / "remote", tmp_path / "pruned-remote"
    shutil.copytree(remote, pruned)
    new_manifest = dvcfiles.dvc_file_outs("data.dvc", git(dataset, "show", "pr:data.dvc").encode())[0].md5
    new_image = dvcfiles.parse_manifest((dataset / ".dvc/cache/files/md5" / new_manifest[:2] / new_manifest[2:])
                                        .read_bytes())["test/cat/copy.jpg"]
    keep = {f"files/md5/{md5[:2]}/{md5[2:]}" for md5 in (new_manifest, new_image)}
    keep.add(f"imagelint/snapshots/{version_tag()}/{old_manifest[:2]}/{old_manifest[2:-4]}.npz")
    for name in files_under(pruned):
        if name not in keep:
            (pruned / name).unlink()
    assert files_under(pruned) == sorted(keep)
    return dataset, pruned


def fresh_clone(origin: Path, remote: Path, where: Path) -> Path:
    git(origin.parent, "clone", "-q", "--no-local", str(origin), str(where))
    git(where, "fetch", "-q", "origin", "pr:pr")
    (where / ".dvc" / "config.local").write_text(f"['remote \"local\"']\n    url = {remote}\n")
    return where


def test_a_fresh_runner_refuses_the_leak_from_the_facts_and_the_new_image_alone(
        pull_request: tuple[Path, Path], tmp_path: Path) -> None:
    origin, remote = pull_request
    clone = fresh_clone(origin, remote, tmp_path / "runner")
    cache = tmp_path / "runner-cache"
    result = imagelint(clone, "check", "--rev", "main..pr", "--remote", "--format", "json", cache=cache)
    assert result.returncode == 1, result.stdout + result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert [(f["path"], f["code"]) for f in findings] == [("data/test/cat/copy.jpg", "IMG303")]
    assert "near-duplicate of data/train/cat/1.jpg" in findings[0]["message"]
    assert "pulled 1 facts snapshot(s) (6 images, " in result.stderr
    assert "read 1 image(s) (" in result.stderr
    # The runner's index holds the 6 facts of the snapshot and the one decode of the new image, nothing more.
    head = dvcfiles.dvc_file_outs("data.dvc", git(origin, "show", "pr:data.dvc").encode())[0].md5
    images = dvcfiles.parse_manifest((remote / "files/md5" / head[:2] / head[2:]).read_bytes()).values()
    index = FactsIndex(cache)
    assert sorted(index.lookup(images)) == sorted(set(images)) and len(set(images)) == 7
    assert index._db.execute("SELECT count(*) FROM facts").fetchone()[0] == 7
    # imagelint never writes into the team's DVC cache.
    assert not (clone / ".dvc" / "cache").exists() or files_under(clone / ".dvc" / "cache") == []


def test_facts_pull_then_a_granular_dvc_pull_lets_the_pre_push_hook_refuse_the_leak(
        pull_request: tuple[Path, Path], tmp_path: Path) -> None:
    origin, remote = pull_request
    clone = fresh_clone(origin, remote, tmp_path / "teammate")
    git(clone, "checkout", "-q", "pr")
    cache = tmp_path / "teammate-cache"
    pulled = imagelint(clone, "facts", "pull", "main", cache=cache)
    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout.startswith("pulled 1 facts snapshot(s) (6 images, ")
    dvc(clone, "pull", "-q", "data/test/cat/copy.jpg")
    env = {**os.environ, "IMAGELINT_CACHE_DIR": str(cache)}
    hook = subprocess.run([sys.executable, "-m", "pre_commit", "run", "imagelint", "--hook-stage", "pre-push",
                           "--from-ref", "main", "--to-ref", "pr"], cwd=clone, env=env, capture_output=True, text=True)
    assert hook.returncode == 1, hook.stdout + hook.stderr
    lines = [line for line in hook.stdout.splitlines() if ": IMG" in line]
    assert [line.split(" ", 2)[:2] for line in lines] == [["data/test/cat/copy.jpg:", "IMG303"]]


def test_without_the_snapshot_a_fresh_runner_fails_instead_of_passing(
        pull_request: tuple[Path, Path], tmp_path: Path) -> None:
    origin, _ = pull_request
    remote = tmp_path / "remote"  # every DVC object, but no facts snapshot
    shutil.rmtree(remote / "imagelint")
    clone = fresh_clone(origin, remote, tmp_path / "no-facts")
    result = imagelint(clone, "check", "--rev", "main..pr", "--remote", "--format", "json", cache=tmp_path / "c")
    assert result.returncode == 1
    codes = [(f["path"], f["code"], f["severity"]) for f in json.loads(result.stdout)["findings"]]
    assert codes == [(".", "IMG903", "error")]


def test_the_same_snapshot_travels_as_a_plain_folder(dataset: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ci-cache"
    pushed = imagelint(dataset, "facts", "push", "--to", str(folder), cache=tmp_path / "a")
    assert pushed.returncode == 0, pushed.stderr
    (snapshot,) = folder.rglob("*.npz")
    again = imagelint(dataset, "facts", "push", "--to", str(folder), cache=tmp_path / "a")
    assert again.stdout.startswith("pushed 0 facts snapshot(s)")  # immutable: never rewritten
    pulled = imagelint(dataset, "facts", "pull", "--from", str(folder), cache=tmp_path / "b")
    assert pulled.stdout.startswith("pulled 1 facts snapshot(s) (6 images, ")
    images = dvcfiles.parse_manifest(next((dataset / ".dvc/cache/files/md5").rglob("*.dir")).read_bytes()).values()
    computed = FactsIndex(tmp_path / "a").lookup(images)
    assert len(computed) == 6 and FactsIndex(tmp_path / "b").lookup(images) == computed
    snapshot.write_bytes(snapshot.read_bytes()[:100])
    broken = imagelint(dataset, "facts", "pull", "--from", str(folder), cache=tmp_path / "c")
    assert broken.returncode == 0 and "facts snapshot of " in broken.stderr and "ignored" in broken.stderr
    assert broken.stdout.startswith("pulled 0 facts snapshot(s)")


def test_push_refuses_an_incomplete_snapshot(dataset: Path, tmp_path: Path) -> None:
    dvc(dataset, "push", "-q")
    clone = tmp_path / "no-data"
    git(tmp_path, "clone", "-q", str(dataset), str(clone))
    dvc(clone, "fetch", "-q", "data/train/cat/1.jpg")  # the manifest and one image: not the rest
    pushed = imagelint(clone, "facts", "push", "--to", str(tmp_path / "out"), cache=tmp_path / "d")
    assert pushed.returncode == 1
    assert "data.dvc: 5 image(s) of data have no facts and no bytes here" in pushed.stderr
    assert not (tmp_path / "out").exists()


def test_stats_check_on_a_fresh_runner_needs_only_the_facts(dataset: Path, tmp_path: Path) -> None:
    subprocess.run([*IMAGELINT, "stats", "--stage"], cwd=dataset, check=True, capture_output=True)
    git(dataset, "commit", "-qm", "stats", "--no-verify")
    dvc(dataset, "push", "-q")
    assert imagelint(dataset, "facts", "push", cache=tmp_path / "main").returncode == 0
    clone = tmp_path / "stats-runner"
    git(tmp_path, "clone", "-q", str(dataset), str(clone))
    cache = tmp_path / "stats-cache"
    assert imagelint(clone, "stats", "--check", cache=cache).returncode == 1  # no manifest, no facts
    assert imagelint(clone, "facts", "pull", cache=cache).returncode == 0
    checked = imagelint(clone, "stats", "--check", cache=cache)
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, "", "")
    assert not (clone / ".dvc" / "cache").exists() or files_under(clone / ".dvc" / "cache") == []


def test_after_the_merge_a_fresh_runner_pushes_the_new_snapshot_from_the_old_one_and_the_new_image(
        pull_request: tuple[Path, Path], tmp_path: Path) -> None:
    origin, remote = pull_request
    runner = fresh_clone(origin, remote, tmp_path / "main-ci")
    cache = tmp_path / "main-ci-cache"
    pushed = imagelint(runner, "facts", "push", "pr", cache=cache)
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout.startswith("pushed 1 facts snapshot(s) (7 images, ")
    assert FactsIndex(cache)._db.execute("SELECT count(*) FROM facts").fetchone()[0] == 7  # 6 pulled, 1 decoded
    assert len(list((remote / "imagelint").rglob("*.npz"))) == 2


def test_stats_check_after_check_remote_on_the_same_runner(pull_request: tuple[Path, Path], tmp_path: Path) -> None:
    origin, remote = pull_request
    runner = fresh_clone(origin, remote, tmp_path / "pr-ci")
    git(runner, "checkout", "-q", "pr")  # as CI checks out the pull request
    cache = tmp_path / "pr-ci-cache"
    assert imagelint(runner, "check", "--rev", "main..pr", "--remote", cache=cache).returncode == 1
    stats = imagelint(runner, "stats", "--stdout", cache=cache)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["totals"]["images"] == 7
