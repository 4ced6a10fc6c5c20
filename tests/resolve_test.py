"""resolve_images against real git and DVC repositories: what is checked, and where the bytes are."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from imagelint.sources.resolve import resolve_images
from repo_helpers import commit, dvc, git, image_bytes, new_repo, write_image

TRAIN_C2 = ["cat/0.png", "cat/1b.png", "cat/2.png", "cat/3.png", "cat/4.png", "cat/5.png", "dog/0.jpg", "dog/1.jpg"]
DATASET_C2 = sorted([f"data/train/{name}" for name in TRAIN_C2] + ["docs/logo.png", "single/a.png"])
CHANGED_C2 = ["data/train/cat/0.png", "data/train/cat/5.png", "docs/logo.png", "single/a.png"]


@pytest.fixture(scope="module")
def base_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two commits: C1 tracks data/train (dvc add of a folder), single/a.png (a file out) and a git image;
    C2 adds cat/5, modifies cat/0, deletes dog/2, renames cat/1 -> cat/1b, edits single/a and the logo."""
    top = tmp_path_factory.mktemp("resolve")
    repo = new_repo(top / "base")
    dvc(repo, "remote", "add", "-q", "-d", "local", str(top / "remote"))
    for seed, name in enumerate(["cat/0.png", "cat/1.png", "cat/2.png", "cat/3.png", "cat/4.png",
                                 "dog/0.jpg", "dog/1.jpg", "dog/2.jpg"]):
        write_image(repo / "data" / "train" / name, seed)
    (repo / "data" / "train" / "labels.txt").write_text("not an image\n")
    write_image(repo / "docs" / "logo.png", 100)
    write_image(repo / "single" / "a.png", 101)
    dvc(repo, "add", "-q", "data/train", "single/a.png")
    commit(repo, "one")
    train = repo / "data" / "train"
    write_image(train / "cat" / "5.png", 50)
    write_image(train / "cat" / "0.png", 51)
    (train / "dog" / "2.jpg").unlink()
    (train / "cat" / "1.png").rename(train / "cat" / "1b.png")
    write_image(repo / "single" / "a.png", 102)
    write_image(repo / "docs" / "logo.png", 103)
    dvc(repo, "add", "-q", "data/train", "single/a.png")
    commit(repo, "two")
    dvc(repo, "push", "-q", "--all-commits")
    return repo


@pytest.fixture
def repo(base_repo: Path, tmp_path: Path) -> Path:
    """A private copy of the base repository (at C2, clean), for tests that change it."""
    copy = tmp_path / "repo"
    shutil.copytree(base_repo, copy, symlinks=True)
    return copy


def paths(refs) -> list[str]:
    return [ref.path for ref in refs]


def md5_of(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_range_lists_added_and_modified_images_only(base_repo: Path) -> None:
    root, resolution = resolve_images(base_repo, [], rev_range=("HEAD~1", "HEAD"))
    assert root == base_repo
    assert paths(resolution.targets) == CHANGED_C2
    assert resolution.changed == frozenset(CHANGED_C2)
    assert paths(resolution.dataset) == DATASET_C2
    assert resolution.notes == () and resolution.complete


def test_dvc_refs_read_the_cache_first_and_carry_the_manifest_md5(base_repo: Path) -> None:
    _, resolution = resolve_images(base_repo, [], rev_range=("HEAD~1", "HEAD"))
    for ref in resolution.dataset:
        workspace = base_repo / ref.path
        if ref.path == "docs/logo.png":
            assert ref.sources == (str(workspace),) and ref.md5 is None and ref.blob
            continue
        cache, last = Path(ref.sources[0]), Path(ref.sources[-1])
        assert cache.is_relative_to(base_repo / ".dvc" / "cache" / "files" / "md5") and last == workspace
        assert ref.md5 == md5_of(cache) == md5_of(workspace)
        assert ref.blob is None and not ref.is_symlink


def test_index_equal_to_head_changes_nothing(base_repo: Path) -> None:
    _, resolution = resolve_images(base_repo, [])
    assert resolution.targets == () and resolution.changed == frozenset()
    assert paths(resolution.dataset) == DATASET_C2


def test_unchanged_pointer_argument_means_every_image_it_tracks(base_repo: Path) -> None:
    _, resolution = resolve_images(base_repo, ["data/train.dvc"])
    assert paths(resolution.targets) == [f"data/train/{name}" for name in TRAIN_C2]


def test_changed_pointer_argument_means_its_changed_images(base_repo: Path) -> None:
    _, resolution = resolve_images(base_repo / "data", ["train.dvc"], rev_range=("HEAD~1", "HEAD"))
    assert paths(resolution.targets) == ["data/train/cat/0.png", "data/train/cat/5.png"]
    assert resolution.changed == frozenset(CHANGED_C2)


def test_image_and_directory_arguments(repo: Path) -> None:
    write_image(repo / "data" / "train" / "cat" / "untracked.png", 60)
    os.symlink("0.png", repo / "data" / "train" / "cat" / "link.png")
    _, resolution = resolve_images(repo / "data", ["train/cat", "../docs/logo.png", "missing.png", "../README"])
    assert paths(resolution.targets) == ["data/missing.png"] + [
        f"data/train/cat/{name}" for name in ["0.png", "1b.png", "2.png", "3.png", "4.png", "5.png", "link.png",
                                              "untracked.png"]] + ["docs/logo.png"]
    by_path = {ref.path: ref for ref in resolution.targets}
    assert by_path["data/train/cat/link.png"].is_symlink and by_path["data/train/cat/link.png"].sources == ()
    assert by_path["data/train/cat/untracked.png"].sources == (str(repo / "data/train/cat/untracked.png"),)
    assert by_path["data/train/cat/0.png"].md5


def test_check_all_targets_the_whole_dataset(base_repo: Path) -> None:
    _, resolution = resolve_images(base_repo, ["docs/logo.png"], check_all=True)
    assert resolution.targets == resolution.dataset


def test_bad_revision_is_a_value_error(base_repo: Path) -> None:
    with pytest.raises(ValueError, match="not a valid revision: 'nope'"):
        resolve_images(base_repo, [], rev_range=("nope", "HEAD"))


def test_staged_dvc_add_is_what_counts_not_the_workspace(repo: Path) -> None:
    write_image(repo / "data" / "train" / "cat" / "6.png", 70)
    dvc(repo, "add", "-q", "data/train")
    git(repo, "add", "data/train.dvc")
    write_image(repo / "data" / "train" / "cat" / "2.png", 71)  # edited after dvc add: not part of the commit
    write_image(repo / "data" / "train" / "cat" / "7.png", 72)
    _, resolution = resolve_images(repo, [])
    assert paths(resolution.targets) == ["data/train/cat/6.png"]
    assert "data/train/cat/7.png" not in paths(resolution.dataset)


def test_temporary_index_from_git_commit_a_is_honoured(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_image(repo / "data" / "train" / "dog" / "9.jpg", 80)
    dvc(repo, "add", "-q", "data/train")  # data/train.dvc changed, but not staged in the real index
    temporary = {"GIT_INDEX_FILE": str(repo / ".git" / "next-index.lock")}
    git(repo, "read-tree", "HEAD", env=temporary)
    git(repo, "add", "data/train.dvc", env=temporary)
    assert resolve_images(repo, [])[1].targets == ()
    monkeypatch.setenv("GIT_INDEX_FILE", temporary["GIT_INDEX_FILE"])
    assert paths(resolve_images(repo, [])[1].targets) == ["data/train/dog/9.jpg"]


def test_a_commit_that_only_deletes_a_pointer(repo: Path) -> None:
    git(repo, "rm", "-q", "--cached", "data/train.dvc")
    _, resolution = resolve_images(repo, [])
    assert resolution.targets == () and resolution.notes == () and resolution.complete
    assert paths(resolution.dataset) == ["docs/logo.png", "single/a.png"]


def test_renamed_pointer_tracking_the_same_data_changes_nothing(repo: Path) -> None:
    git(repo, "mv", "single/a.png.dvc", "single/b.dvc")
    _, resolution = resolve_images(repo, [])
    assert resolution.targets == () and paths(resolution.dataset) == DATASET_C2


def test_no_commit_manifest_is_rebuilt_from_the_workspace(repo: Path) -> None:
    write_image(repo / "data" / "train" / "bird" / "0.png", 90)
    dvc(repo, "add", "-q", "--no-commit", "data/train")
    git(repo, "add", "data/train.dvc")
    _, resolution = resolve_images(repo, [])
    assert paths(resolution.targets) == ["data/train/bird/0.png"]
    assert resolution.notes == () and resolution.complete
    assert resolution.targets[0].sources[-1] == str(repo / "data/train/bird/0.png")


def test_manifest_missing_everywhere_makes_the_dataset_incomplete(repo: Path) -> None:
    pointer = repo / "data" / "train.dvc"
    pointer.write_text(pointer.read_text().replace(pointer.read_text().split("md5: ")[1].split("\n")[0],
                                                   "0123456789abcdef0123456789abcdef.dir"))
    git(repo, "add", "data/train.dvc")
    _, resolution = resolve_images(repo, [])
    assert resolution.notes == ("data/train.dvc: manifest 0123456789abcdef0123456789abcdef.dir is not in the DVC cache: "
                                "run 'dvc pull' or 'dvc commit'",)
    assert not resolution.complete and resolution.targets == ()


def test_malformed_pointer_and_manifest_are_invalid_inputs(repo: Path) -> None:
    (repo / "single" / "a.png.dvc").write_text("outs: [md5: {\n")
    git(repo, "add", "single/a.png.dvc")
    manifest = repo / ".dvc" / "cache" / "files" / "md5" / "ab" / "cdef0123456789abcdef0123456789.dir"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text("{not json")
    (repo / "other.dvc").write_text("outs:\n- md5: abcdef0123456789abcdef0123456789.dir\n  hash: md5\n  path: other\n")
    git(repo, "add", "other.dvc")
    _, resolution = resolve_images(repo, [])
    assert resolution.notes == () and not resolution.complete
    assert [item.path for item in resolution.invalid] == ["other.dvc", "single/a.png.dvc"]
    assert resolution.invalid[0].reason.startswith("the manifest abcdef0123456789abcdef0123456789.dir of other: "
                                                   "not valid JSON: ")
    assert resolution.invalid[1].reason == "not valid DVC YAML: did not find expected node content (line 2)"


@pytest.fixture(scope="module")
def fresh_clone(base_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone with only C2's data pulled: C1's manifest is not in its cache."""
    clone = tmp_path_factory.mktemp("clone") / "clone"
    git(base_repo.parent, "clone", "-q", str(base_repo), str(clone))
    dvc(clone, "pull", "-q")
    return clone


def test_a_range_check_reads_the_old_manifest_from_the_remote_unasked(
        fresh_clone: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVC_SITE_CACHE_DIR", str(fresh_clone / ".git" / "dvc-site"))
    _, resolution = resolve_images(fresh_clone, [], rev_range=("HEAD~1", "HEAD"))
    assert paths(resolution.targets) == CHANGED_C2 and resolution.notes == ()


def test_fresh_clone_without_the_remote_checks_every_image_of_the_new_manifest(
        fresh_clone: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVC_SITE_CACHE_DIR", str(fresh_clone / ".git" / "dvc-site"))
    missing = fresh_clone.parent / "no-remote-here"
    (fresh_clone / ".dvc" / "config.local").write_text(f"['remote \"local\"']\n    url = {missing}\n")
    try:
        _, resolution = resolve_images(fresh_clone, [], rev_range=("HEAD~1", "HEAD"))
    finally:
        (fresh_clone / ".dvc" / "config.local").unlink()
    assert paths(resolution.targets) == sorted(DATASET_C2)
    assert len(resolution.notes) == 1 and resolution.complete
    assert resolution.notes[0].startswith("data/train.dvc: previous manifest ")
    assert resolution.notes[0].endswith(" is not in the DVC cache (fresh clone or dvc gc?); checking all 8 images it tracks")


def test_fresh_clone_reads_the_old_manifest_from_the_remote_when_asked(
        fresh_clone: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVC_SITE_CACHE_DIR", str(fresh_clone / ".git" / "dvc-site"))
    _, resolution = resolve_images(fresh_clone, [], rev_range=("HEAD~1", "HEAD"), use_remote=True)
    assert paths(resolution.targets) == CHANGED_C2 and resolution.notes == ()


def test_outside_git_walks_the_given_paths(tmp_path: Path) -> None:
    write_image(tmp_path / "a.png", 1)
    write_image(tmp_path / "sub" / "b.JPG", 2)
    write_image(tmp_path / "sub" / ".dvc" / "cache.png", 3)
    write_image(tmp_path / "sub" / ".git" / "x.png", 4)
    (tmp_path / "sub" / "notes.txt").write_text("x")
    os.symlink("a.png", tmp_path / "sub" / "link.png")
    os.symlink(tmp_path / "sub", tmp_path / "loop")
    root, everything = resolve_images(tmp_path, [])
    assert root == tmp_path
    assert paths(everything.targets) == ["a.png", "sub/b.JPG", "sub/link.png"]
    assert everything.dataset == everything.targets and everything.targets[2].is_symlink
    root, some = resolve_images(tmp_path / "sub", ["b.JPG", "../a.png"])
    assert root == tmp_path / "sub" and paths(some.targets) == ["b.JPG"]
    assert some.targets[0].sources == (str(tmp_path / "sub" / "b.JPG"),)
    assert some.notes == (f"../a.png: outside {tmp_path / 'sub'}, skipped",)


def test_plain_git_repository_with_staged_images(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "plain", with_dvc=False)
    write_image(repo / "img" / "keep.png", 1)
    write_image(repo / "img" / "edit.png", 2)
    write_image(repo / "img" / "move.png", 3)
    assert paths(resolve_images(repo, [])[1].targets) == []  # nothing staged yet
    git(repo, "add", "-A")
    first = resolve_images(repo, [])[1]  # before the first commit: against the empty tree
    assert paths(first.targets) == ["img/edit.png", "img/keep.png", "img/move.png"]
    commit(repo, "one")
    write_image(repo / "img" / "edit.png", 20)
    write_image(repo / "img" / "new.png", 21)
    git(repo, "mv", "img/move.png", "img/moved.png")
    os.symlink("keep.png", repo / "img" / "link.png")
    git(repo, "add", "-A")
    _, resolution = resolve_images(repo, [])
    assert paths(resolution.targets) == ["img/edit.png", "img/link.png", "img/new.png"]
    link = resolution.targets[1]
    assert link.is_symlink and link.sources == () and link.blob
    blob = git(repo, "rev-parse", ":img/edit.png").strip()
    assert resolution.targets[0].blob == blob and resolution.targets[0].sources == (str(repo / "img" / "edit.png"),)


def test_git_lfs_pointer_reads_the_local_lfs_object(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "lfs", with_dvc=False)
    data = image_bytes(5)
    oid = hashlib.sha256(data).hexdigest()
    (repo / ".gitattributes").write_text("*.png filter=lfs diff=lfs merge=lfs -text\n")
    (repo / "a.png").write_text(f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(data)}\n")
    (repo / "b.png").write_text("version https://git-lfs.github.com/spec/v1\noid sha256:" + "0" * 64 + "\nsize 1\n")
    write_image(repo / "c.jpg", 6)
    obj = repo / ".git" / "lfs" / "objects" / oid[:2] / oid[2:4] / oid
    obj.parent.mkdir(parents=True)
    obj.write_bytes(data)
    git(repo, "add", "-A")
    _, resolution = resolve_images(repo, [])
    refs = {ref.path: ref for ref in resolution.targets}
    assert refs["a.png"].sources == (str(obj), str(repo / "a.png"))
    assert refs["b.png"].sources == (str(repo / "b.png"),) and refs["c.jpg"].sources == (str(repo / "c.jpg"),)
    assert resolution.notes == ("b.png: Git LFS object not present locally (1 image(s) in all): run 'git lfs pull'",)


def test_pipeline_outs_are_relative_to_the_stage_wdir(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "pipe")
    (repo / "sub").mkdir()
    (repo / "sub" / "gen.py").write_text(
        "import pathlib, shutil, sys\n"
        "out = pathlib.Path('out/train')\n"
        "out.mkdir(parents=True, exist_ok=True)\n"
        "for source in sorted(pathlib.Path('src').iterdir()):\n"
        "    shutil.copy(source, out / source.name)\n")
    write_image(repo / "sub" / "src" / "0.png", 1)
    write_image(repo / "sub" / "src" / "1.png", 2)
    dvc(repo, "stage", "add", "-q", "-n", "make", "--wdir", "sub", "-d", "src", "-o", "out/train", "python gen.py")
    dvc(repo, "repro", "-q")
    commit(repo, "pipeline")
    write_image(repo / "sub" / "src" / "2.png", 3)
    dvc(repo, "repro", "-q")
    git(repo, "add", "dvc.lock")
    _, resolution = resolve_images(repo, [])
    assert paths(resolution.targets) == ["sub/out/train/2.png"]
    assert [p for p in paths(resolution.dataset) if p.startswith("sub/out/")] == [
        "sub/out/train/0.png", "sub/out/train/1.png", "sub/out/train/2.png"]
    _, whole = resolve_images(repo, ["dvc.lock"], rev_range=("HEAD", "HEAD"))
    assert paths(whole.targets) == ["sub/out/train/0.png", "sub/out/train/1.png"]


def _legacy_repo(tmp_path: Path, config: str = "") -> Path:
    """A hand-built DVC 2 repository: ``.dvc`` files without ``hash:``, objects at ``cache/xx/...``."""
    repo = new_repo(tmp_path / "legacy", with_dvc=False)
    (repo / ".dvc").mkdir()
    (repo / ".dvc" / "config").write_text(config)
    return repo


def _store(cache: Path, data: bytes, legacy: bool) -> str:
    md5 = hashlib.md5(data).hexdigest()
    folder = cache if legacy else cache / "files" / "md5"
    (folder / md5[:2]).mkdir(parents=True, exist_ok=True)
    (folder / md5[:2] / md5[2:]).write_bytes(data)
    return md5


def _store_dir(cache: Path, images: dict[str, bytes], legacy: bool) -> str:
    entries = [{"md5": _store(cache, data, legacy), "relpath": name} for name, data in sorted(images.items())]
    text = json.dumps(entries, sort_keys=True).encode()
    md5 = hashlib.md5(text).hexdigest() + ".dir"
    folder = cache if legacy else cache / "files" / "md5"
    (folder / md5[:2]).mkdir(parents=True, exist_ok=True)
    (folder / md5[:2] / md5[2:]).write_bytes(text)
    return md5


def test_dvc2_legacy_cache_and_migration_to_dvc3(tmp_path: Path) -> None:
    cache = tmp_path / "shared"
    repo = _legacy_repo(tmp_path, "[cache]\n    dir = ../../shared\n")
    v1 = _store_dir(cache, {"a.png": image_bytes(1), "b.png": image_bytes(2)}, legacy=True)
    (repo / "train.dvc").write_text(f"outs:\n- md5: {v1}\n  size: 10\n  nfiles: 2\n  path: train\n")
    commit(repo, "dvc 2")
    v2 = _store_dir(cache, {"a.png": image_bytes(1), "b.png": image_bytes(3), "c.png": image_bytes(4)}, legacy=True)
    (repo / "train.dvc").write_text(f"outs:\n- md5: {v2}\n  path: train\n")
    git(repo, "add", "train.dvc")
    _, resolution = resolve_images(repo, [])
    assert paths(resolution.targets) == ["train/b.png", "train/c.png"] and resolution.notes == ()
    b = resolution.targets[0]
    assert b.sources[1] == str(cache / b.md5[:2] / b.md5[2:]) and Path(b.sources[1]).read_bytes() == image_bytes(3)
    assert b.sources[0] == str(cache / "files" / "md5" / b.md5[:2] / b.md5[2:])
    commit(repo, "dvc 2 again")
    _store_dir(cache, {"a.png": image_bytes(1), "b.png": image_bytes(3), "c.png": image_bytes(4)}, legacy=False)
    (repo / "train.dvc").write_text(f"outs:\n- md5: {v2}\n  size: 10\n  nfiles: 3\n  hash: md5\n  path: train\n")
    git(repo, "add", "train.dvc")
    _, migrated = resolve_images(repo, [])
    assert migrated.targets == () and migrated.notes == ()
    assert len(migrated.dataset[0].sources) == 2  # a DVC 3 out: the new layout, then the workspace


def test_moved_image_with_the_same_content_is_not_rechecked(tmp_path: Path) -> None:
    cache = tmp_path / "legacy" / ".dvc" / "cache"
    repo = _legacy_repo(tmp_path)
    v1 = _store_dir(cache, {"train/a.png": image_bytes(1), "train/b.png": image_bytes(2)}, legacy=False)
    (repo / "data.dvc").write_text(f"outs:\n- md5: {v1}\n  hash: md5\n  path: data\n")
    commit(repo, "one")
    v2 = _store_dir(cache, {"test/a.png": image_bytes(1), "train/b.png": image_bytes(2), "train/c.png": image_bytes(2)},
                    legacy=False)
    (repo / "data.dvc").write_text(f"outs:\n- md5: {v2}\n  hash: md5\n  path: data\n")
    git(repo, "add", "data.dvc")
    _, resolution = resolve_images(repo, [])
    assert paths(resolution.targets) == ["data/train/c.png"]  # a copy is new; a move is not
