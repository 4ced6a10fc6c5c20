"""A commit into a DVC folder whose base manifest has a kept listing: only the new images are
decoded, the findings are those of the route without one, and the new manifest's listing is
kept for the next commit (real git, real DVC, real pre-commit)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from dvc_hook_test import dataset  # noqa: F401 - the fixture
from images import encode, photo, write, write_photo
from imagelint.checking import check_images
from imagelint.config import load_config
from imagelint.facts.index import FactsIndex
from imagelint.facts.listing import listing_folder, listing_from_snapshot, load_listing
from imagelint.facts.snapshot import Snapshot
from imagelint.sources import dvcfiles
from repo_helpers import dvc, git
from facts_sharing_test import imagelint


def manifest_of(repo: Path) -> str:
    return dvcfiles.dvc_file_outs("data.dvc", (repo / "data.dvc").read_bytes())[0].md5


def entries_of(repo: Path, manifest: str) -> dict[str, str]:
    return dvcfiles.read_cached_manifest(repo / ".dvc" / "cache", manifest) or {}


def pushed_caches(repo: Path, tmp_path: Path) -> tuple[Path, Path]:
    """``facts push`` to a folder, which keeps the listing of ``repo``'s manifest in a cache;
    returns that cache and a copy of it without listings (the route with an entry per image)."""
    cache = tmp_path / "cache"
    pushed = imagelint(repo, "facts", "push", "--to", str(tmp_path / "facts"), cache=cache)
    assert pushed.returncode == 0, pushed.stderr
    assert load_listing(cache, manifest_of(repo)) is not None
    plain = tmp_path / "plain-cache"
    shutil.copytree(cache, plain, ignore=shutil.ignore_patterns("listings"))
    return cache, plain


def check(repo: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[tuple[str, str, str]], int]:
    """The hook's findings (path, code, message) and how many images it decoded."""
    monkeypatch.chdir(repo)
    monkeypatch.setenv("PRE_COMMIT", "1")
    monkeypatch.setenv("IMAGELINT_CACHE_DIR", str(cache))
    config = load_config(repo)
    result = check_images(repo, ["data.dvc"], config, index=FactsIndex(cache), jobs=1)
    return sorted((f.path, f.code, f.message) for f in result.findings), result.decoded


@pytest.fixture
def staged(dataset: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    """The dataset with its facts pushed to a folder (which keeps a listing in the cache), then
    a staged change: a resized copy of a train image in test/, three more train cats (cats now
    2.5x the dogs), a train dog removed. Returns the repo, the cache with the listing and a copy
    of that cache without listings."""
    cache, plain = pushed_caches(dataset, tmp_path)
    data = dataset / "data"
    write(data / "test" / "cat" / "copy.jpg", encode(photo(0).resize((288, 288)), quality=80))
    for seed in (30, 31, 32):
        write_photo(data / "train" / "cat" / f"new{seed}.jpg", seed)
    (data / "train" / "dog" / "2.jpg").unlink()
    write_photo(data / "train" / "dog" / "3.jpg", 33)
    dvc(dataset, "add", "-q", "data")
    git(dataset, "add", "data.dvc")
    return dataset, cache, plain


def test_a_commit_from_a_listing_decodes_only_the_new_images_and_finds_what_the_full_route_finds(
        staged: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    repo, cache, plain = staged
    (repo / ".imagelint.toml").write_text("min-class-images = 1\nmax-class-ratio = 2.0\n")
    fast, decoded = check(repo, cache, monkeypatch)
    full, decoded_full = check(repo, plain, monkeypatch)
    assert decoded == decoded_full == 5
    assert fast == full
    codes = {(path, code) for path, code, _ in fast}
    assert ("data/test/cat/copy.jpg", "IMG303") in codes
    assert ("data/train", "IMG402") in codes
    assert listing_folder(cache, manifest_of(repo)).is_dir()
    assert not listing_folder(plain, manifest_of(repo)).exists()


def test_the_listing_kept_after_a_commit_is_the_one_built_from_scratch(
        staged: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    repo, cache, _ = staged
    check(repo, cache, monkeypatch)
    manifest = manifest_of(repo)
    kept = load_listing(cache, manifest)
    entries = entries_of(repo, manifest)
    scratch = listing_from_snapshot(Snapshot(manifest, entries, FactsIndex(cache).lookup(entries.values())))
    assert kept is not None and scratch is not None
    assert bytes(kept.text) == scratch.text == (repo / ".dvc/cache/files/md5" / manifest[:2] / manifest[2:]).read_bytes()
    assert kept.starts.tolist() == scratch.starts.tolist()
    assert sorted(kept.columns) == sorted(scratch.columns)
    for name, column in scratch.columns.items():
        if name != "folder":
            assert np.array_equal(kept.columns[name], column, equal_nan=column.dtype.kind == "f"), name
    folder_names = [[listing.folders[i] for i in listing.columns["folder"].tolist()] for listing in (kept, scratch)]
    assert folder_names[0] == folder_names[1]


def test_a_commit_through_pre_commit_is_refused_from_the_listing_and_the_next_starts_from_the_new_one(
        staged: tuple[Path, Path, Path]) -> None:
    repo, cache, _ = staged
    env = {**os.environ, "IMAGELINT_CACHE_DIR": str(cache)}
    index = FactsIndex(cache)
    before = index.is_empty(), len(index.lookup(entries_of(repo, manifest_of(repo)).values()))
    refused = subprocess.run(["git", "commit", "-m", "leak"], cwd=repo, env=env, capture_output=True, text=True)
    assert refused.returncode == 1
    assert "data/test/cat/copy.jpg: IMG303 split-leak" in refused.stdout + refused.stderr
    assert before == (False, 5)  # the base's facts were there, the five new images' were not
    (repo / "data" / "test" / "cat" / "copy.jpg").unlink()
    dvc(repo, "add", "-q", "data")
    git(repo, "add", "data.dvc")
    accepted = subprocess.run(["git", "commit", "-m", "more cats"], cwd=repo, env=env, capture_output=True, text=True)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    write_photo(repo / "data" / "train" / "dog" / "4.jpg", 34)
    dvc(repo, "add", "-q", "data")
    git(repo, "add", "data.dvc")
    base = manifest_of(repo)
    assert listing_folder(cache, git_head_manifest(repo)).is_dir()
    assert subprocess.run(["git", "commit", "-m", "a dog"], cwd=repo, env=env, capture_output=True).returncode == 0
    assert listing_folder(cache, base).is_dir()


def git_head_manifest(repo: Path) -> str:
    return dvcfiles.dvc_file_outs("data.dvc", git(repo, "show", "HEAD:data.dvc").encode())[0].md5
