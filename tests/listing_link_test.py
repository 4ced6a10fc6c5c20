"""Commits that keep a link instead of a whole listing: each starts from the last listing kept in
full plus what changed since, and finds what the route without listings finds (real git, real
DVC, real pre-commit, real images)."""
from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from flat_commit_test import check, manifest_of, pushed_caches
from hook_test import local_hooks_config
from images import encode, photo, write, write_photo
from imagelint.facts.listing import kept_in_full, keep_link, listing_folder, listing_from_snapshot
from imagelint.facts.listing_link import LINK_MOST, Since, delta_of, read_link, since_of, worth_linking
from imagelint.facts.snapshot import Snapshot
from imagelint.sources.manifest_delta import canonical_manifest, manifest_delta
from repo_helpers import dvc, git, new_repo
from stats_columns_test import stats

TRAIN = 30  # images per train class: three changed images are under a twentieth of the dataset


@pytest.fixture
def large(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A committed DVC dataset of 67 images (a train image, ``train/cat/leak.jpg``, is a resized
    copy of ``test/cat/0.jpg``) with its facts pushed. Returns the repo, the cache with its
    listing and a copy of the cache without listings."""
    repo = new_repo(tmp_path / "repo")
    (repo / ".imagelint.toml").write_text("min-class-images = 1\nmax-class-ratio = 3.0\n")
    for label, offset in (("cat", 0), ("dog", 100)):
        for i in range(TRAIN):
            write_photo(repo / "data" / "train" / label / f"{i}.jpg", offset + i)
        for i in range(3):
            write_photo(repo / "data" / "test" / label / f"{i}.jpg", offset + 50 + i)
    write(repo / "data" / "train" / "cat" / "leak.jpg", encode(photo(50).resize((288, 288)), quality=80))
    dvc(repo, "add", "-q", "data")
    config = yaml.safe_load(local_hooks_config())
    config["repos"][0]["hooks"] = [hook for hook in config["repos"][0]["hooks"] if hook["id"] == "imagelint"]
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "dataset", "--no-verify")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, check=True, capture_output=True)
    cache, plain = pushed_caches(repo, tmp_path)
    return repo, cache, plain


def stage(repo: Path) -> str:
    dvc(repo, "add", "-q", "data")
    git(repo, "add", "data.dvc")
    return manifest_of(repo)


def commit(repo: Path, cache: Path, message: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IMAGELINT_CACHE_DIR": str(cache)}
    return subprocess.run(["git", "commit", "-m", message], cwd=repo, env=env, capture_output=True, text=True)


def assert_refused_as_leak(repo: Path, cache: Path, message: str, path: str) -> None:
    refused = commit(repo, cache, message)
    assert refused.returncode == 1
    assert f"{path}: IMG303" in refused.stdout + refused.stderr


def test_commits_keep_links_to_the_pushed_listing_and_find_a_leak_of_an_image_committed_through_one(
        large: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    repo, cache, plain = large
    base = manifest_of(repo)
    write_photo(repo / "data" / "train" / "cat" / "new.jpg", 200)
    first = stage(repo)
    assert commit(repo, cache, "a cat").returncode == 0
    link = read_link(listing_folder(cache, first))
    assert link == Since(base, {"train/cat/new.jpg": link.added["train/cat/new.jpg"]}, frozenset())
    assert not kept_in_full(cache, first)

    write(repo / "data" / "test" / "cat" / "copy.jpg", encode(photo(200).resize((256, 256)), quality=75))
    (repo / "data" / "train" / "dog" / "0.jpg").unlink()
    second = stage(repo)
    fast, decoded = check(repo, cache, monkeypatch)
    full, _ = check(repo, plain, monkeypatch)
    assert fast == full
    assert decoded == 1  # the copy; the image committed through the link comes from the index
    assert ("data/test/cat/copy.jpg", "IMG303") in {(path, code) for path, code, _ in fast}
    link = read_link(listing_folder(cache, second))
    assert link is not None and link.base == base  # still the pushed listing, two commits on
    assert set(link.added) == {"train/cat/new.jpg", "test/cat/copy.jpg"}
    assert link.removed == {"train/dog/0.jpg"}
    assert_refused_as_leak(repo, cache, "a copy", "data/test/cat/copy.jpg")


def test_an_image_restored_to_its_listed_bytes_is_checked_as_changed(
        large: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    repo, cache, plain = large
    leak = repo / "data" / "train" / "cat" / "leak.jpg"
    listed = leak.read_bytes()
    leak.unlink()
    write_photo(leak, 300)  # the leak replaced by an unrelated image
    stage(repo)
    assert commit(repo, cache, "replace the leak").returncode == 0
    leak.unlink()
    write(leak, listed)  # and back: the listing's own row, which the link had changed
    stage(repo)
    fast, _ = check(repo, cache, monkeypatch)
    assert fast == check(repo, plain, monkeypatch)[0]
    assert ("data/train/cat/leak.jpg", "IMG303") in {(path, code) for path, code, _ in fast}
    assert_refused_as_leak(repo, cache, "the leak again", "data/train/cat/leak.jpg")


def test_stats_after_a_linked_commit_come_from_the_listing_and_match_the_records(
        large: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    repo, cache, plain = large
    write_photo(repo / "data" / "train" / "dog" / "new.jpg", 201)
    linked = stage(repo)
    assert commit(repo, cache, "a dog").returncode == 0
    assert read_link(listing_folder(cache, linked)) is not None
    assert stats(repo, cache, monkeypatch, listed=True) == stats(repo, plain, monkeypatch, listed=False)


def test_a_large_change_is_kept_as_a_whole_listing(large: tuple[Path, Path, Path]) -> None:
    repo, cache, _ = large
    for i in range(4):  # four of 67: more than a twentieth
        write_photo(repo / "data" / "train" / "dog" / f"more{i}.jpg", 210 + i)
    many = stage(repo)
    assert commit(repo, cache, "four dogs").returncode == 0
    assert kept_in_full(cache, many)


@pytest.mark.parametrize(("held", "rows", "linked"), [
    (1, 20, True), (1, 19, False), (50, 1000, True), (51, 1000, False),
    (LINK_MOST, 10**7, True), (LINK_MOST + 1, 10**7, False)])
def test_a_link_holds_at_most_a_twentieth_of_the_dataset_and_link_most_entries(held: int, rows: int,
                                                                               linked: bool) -> None:
    since = Since("a" * 32 + ".dir", {f"{i}.jpg": "b" * 32 for i in range(held)}, frozenset())
    assert worth_linking(since, rows) is linked


def test_links_stay_while_their_listing_does(tmp_path: Path) -> None:
    def full(name: str, mtime: int) -> None:
        folder = listing_folder(tmp_path, name)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "md5.npy").write_bytes(b"")
        os.utime(folder, (mtime, mtime))

    names = [f"{i:02d}" * 16 + ".dir" for i in range(6)]
    for age, name in enumerate(names[:5]):  # five listings kept in full, the first the oldest
        full(name, 1000 + age)
    first, second = "ee" * 16 + ".dir", "ff" * 16 + ".dir"
    keep_link(tmp_path, first, Since(names[0], {"a.jpg": "c" * 32}, frozenset()))
    assert read_link(listing_folder(tmp_path, first)) is not None
    assert kept_in_full(tmp_path, names[0])  # linked to, so used just now
    assert not listing_folder(tmp_path, names[1]).exists()  # the oldest of the other four went
    full(names[0], 900)
    full(names[5], 2000)
    keep_link(tmp_path, second, Since(names[2], {}, frozenset({"b.jpg"})))
    assert not listing_folder(tmp_path, names[0]).exists()  # now the oldest of five
    assert not listing_folder(tmp_path, first).exists()  # so its link went too
    assert read_link(listing_folder(tmp_path, second)) is not None


@pytest.mark.parametrize("seed", range(12))
def test_a_link_gives_back_the_delta_its_manifest_walk_gave(seed: int) -> None:
    rng = random.Random(seed)
    base = sorted((f"{rng.choice('abc')}/{i:04d}.jpg", f"{rng.getrandbits(128):032x}") for i in range(300))
    entries = dict(base)
    for relpath in rng.sample(sorted(entries), rng.randint(0, 12)):
        if rng.random() < 0.5:
            del entries[relpath]
        else:
            entries[relpath] = f"{rng.getrandbits(128):032x}"
    for i in range(rng.randint(0, 12)):
        entries[f"{rng.choice('abcd')}/{rng.randint(0, 400):04d}x.jpg"] = f"{rng.getrandbits(128):032x}"
    listing = listing_from_snapshot(Snapshot("a" * 32 + ".dir", dict(base), {}))
    assert listing is not None
    new, _ = canonical_manifest(sorted(entries.items()))
    walked = manifest_delta(listing.text, listing.starts, listing.relpath, new)
    assert walked is not None
    since = since_of(listing, walked)
    derived = delta_of(since, listing)
    assert derived is not None
    assert (derived.kept, derived.added) == (walked.kept, walked.added)


def test_a_link_that_does_not_fit_its_listing_gives_no_delta() -> None:
    listing = listing_from_snapshot(Snapshot("a" * 32 + ".dir", {"a.jpg": "0" * 32, "b.jpg": "1" * 32}, {}))
    assert listing is not None
    assert delta_of(Since(listing.manifest, {}, frozenset({"c.jpg"})), listing) is None
