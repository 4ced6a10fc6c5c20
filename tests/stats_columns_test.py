"""``imagelint stats`` from kept listings: the same document, byte for byte, as the route with a
record per image, without one (real git, real DVC, real images)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dvc_hook_test import dataset  # noqa: F401 - the fixture
from facts_sharing_test import imagelint
from flat_commit_test import manifest_of, pushed_caches
from images import encode, gradient, photo, write, write_photo
from imagelint import cli
from imagelint.config import load_config
from imagelint.facts.listing import listing_folder, load_listing
from imagelint.stats import rows, source
from imagelint.stats.document import stats_text
from repo_helpers import dvc, git


def camera_jpeg(seed: int, make: str, model: str, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = make, model, orientation
    return encode(photo(seed, (400, 300)), quality=70, exif=exif.tobytes())


def stats(repo: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, *, listed: bool) -> str:
    """The stats text ``dataset_stats`` computes; ``listed`` asserts the listing route (no
    record per image), otherwise that route is refused."""
    monkeypatch.chdir(repo)
    monkeypatch.setenv("IMAGELINT_CACHE_DIR", str(cache))
    with monkeypatch.context() as patched:
        if listed:
            patched.setattr(source, "compute_stats", lambda *_: pytest.fail("a record per image"))
        else:
            patched.setattr(source, "columns_stats", lambda *_: pytest.fail("columns"), raising=False)
        computed = source.dataset_stats(repo, load_config(repo), jobs=1)
    assert computed.stats is not None, computed.problem
    return stats_text(computed.stats)


@pytest.fixture
def varied(dataset: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    """The dataset plus an exact duplicate, grey, PNG, EXIF-rotated camera, unreadable and
    non-image files, and an image in git, committed and its facts pushed (which keeps a listing). Returns the repo,
    the cache with the listing and a copy of it without listings."""
    data = dataset / "data"
    shutil.copy(data / "train" / "cat" / "1.jpg", data / "train" / "cat" / "copy.jpg")
    write(data / "train" / "cat" / "grey.jpg", encode(photo(7).convert("L")))
    write(data / "train" / "dog" / "flat.png", encode(gradient(30), "PNG"))
    write(data / "train" / "dog" / "canon.jpg", camera_jpeg(8, "Canon", "Canon EOS 5D", 6))
    write(data / "test" / "dog" / "nikon.jpg", camera_jpeg(9, "NIKON", "D750", 1))
    broken = encode(photo(10))
    write(data / "test" / "cat" / "broken.jpg", broken[: len(broken) // 3])
    write(data / "train" / "notes.txt", b"not an image\n")
    write_photo(data / "valid" / "bird" / "1.jpg", 11, size=(256, 192))
    write_photo(data / "loose.jpg", 12)
    write_photo(dataset / "samples" / "train" / "cat" / "in-git.jpg", 15)  # tracked by git, not DVC
    dvc(dataset, "add", "-q", "data")
    git(dataset, "add", "-A")
    git(dataset, "commit", "-qm", "more kinds of image", "--no-verify")
    cache, plain = pushed_caches(dataset, tmp_path)
    return dataset, cache, plain


def test_stats_from_a_listing_are_the_stats_from_records(varied: tuple[Path, Path, Path],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    repo, cache, plain = varied
    fast = stats(repo, cache, monkeypatch, listed=True)
    assert fast == stats(repo, plain, monkeypatch, listed=False)
    assert '"exact": 2' in fast and '"Canon EOS 5D": 1' in fast and '"NIKON D750": 1' in fast and '"PNG": 1' in fast


def test_staged_changes_on_a_listing_give_the_stats_from_records(varied: tuple[Path, Path, Path],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    repo, cache, plain = varied
    data = repo / "data"
    (data / "train" / "dog" / "1.jpg").unlink()
    shutil.copy(data / "test" / "dog" / "nikon.jpg", data / "valid" / "bird" / "nikon.jpg")
    write_photo(data / "train" / "cat" / "new.jpg", 13, size=(300, 200))
    dvc(repo, "add", "-q", "data")
    git(repo, "add", "data.dvc")
    assert stats(repo, cache, monkeypatch, listed=True) == stats(repo, plain, monkeypatch, listed=False)


def test_the_stats_hook_after_a_commit_takes_the_listing_route(varied: tuple[Path, Path, Path],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    repo, cache, plain = varied
    env = {**os.environ, "IMAGELINT_CACHE_DIR": str(cache)}
    write_photo(repo / "data" / "train" / "dog" / "new.jpg", 14)
    dvc(repo, "add", "-q", "data")
    git(repo, "add", "data.dvc")
    assert subprocess.run(["git", "commit", "-qm", "a dog"], cwd=repo, env=env, capture_output=True).returncode == 0
    assert load_listing(cache, manifest_of(repo)) is not None  # the check hook kept the new manifest's listing
    (repo / "dataset-stats.json").write_text(stats(repo, plain, monkeypatch, listed=False))
    git(repo, "add", "dataset-stats.json")
    monkeypatch.setenv("IMAGELINT_CACHE_DIR", str(cache))
    monkeypatch.setattr(source, "compute_stats", lambda *_: pytest.fail("a record per image"))
    assert cli.main(["stats", "--check"]) == 0


def test_a_listing_of_images_only_gives_the_stats_from_records(dataset: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"  # every row an image with facts: the listing's columns are read whole
    assert imagelint(dataset, "facts", "push", "--to", str(tmp_path / "facts"), cache=cache).returncode == 0
    plain = tmp_path / "plain-cache"
    shutil.copytree(cache, plain, ignore=shutil.ignore_patterns("listings"))
    assert stats(dataset, cache, monkeypatch, listed=True) == stats(dataset, plain, monkeypatch, listed=False)


def test_a_listing_without_the_stats_columns_falls_back_to_records(varied: tuple[Path, Path, Path],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo, cache, plain = varied
    (listing_folder(cache, manifest_of(repo)) / "brightness.npy").unlink()  # as an older version kept it
    assert load_listing(cache, manifest_of(repo)) is not None
    assert stats(repo, cache, monkeypatch, listed=False) == stats(repo, plain, monkeypatch, listed=False)


@pytest.mark.parametrize("distinct", [1, 3, 40, 5000])
def test_string_codes_factorize_like_numpy_unique(distinct: int) -> None:
    rng = np.random.default_rng(distinct)
    values = rng.integers(1, 2**63, distinct, dtype=np.int64).view(np.uint64)
    keys = values[rng.integers(0, distinct, 20_000)]
    keys[12_345] = 7  # one value the sample may miss
    expected = np.unique(keys, return_index=True, return_inverse=True)[1:]
    assert all(np.array_equal(got, want) for got, want in zip(rows._factorize(keys), expected))


@pytest.mark.parametrize("values", [["JPEG"] * 50, ["JPEG", "PNG", None, "", "JPEG", "WEBP"] * 9,
                                    [None] * 7, ["Canon", "NIKON CORPORATION", "é", None, "Canon"]])
def test_string_codes_give_back_every_value(values: list[str | None]) -> None:
    encoded = [b"" if value is None else value.encode() for value in values]
    string_columns = {"name.len": np.array([-1 if v is None else len(e) for v, e in zip(values, encoded)]),
                      "name.utf8": np.frombuffer(b"".join(encoded), np.uint8)}
    codes, distinct = rows._codes(string_columns, ("name",), slice(None))
    assert [distinct[code][0] for code in codes] == values
    assert len(distinct) == len(set(values))
