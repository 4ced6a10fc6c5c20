"""gitfiles against real repositories: raw diffs, listings, one cat-file batch, LFS pointers."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from imagelint.sources import gitfiles
from repo_helpers import commit, git, new_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = new_repo(tmp_path / "repo", with_dvc=False)
    (repo / "keep.txt").write_text("keep\n")
    (repo / "edit me.txt").write_text("before\n")
    (repo / "move.txt").write_text("a file long enough to be detected as a rename\n" * 4)
    (repo / "gone.txt").write_text("gone\n")
    commit(repo, "one")
    return repo


def test_repo_root_inside_and_outside(repo: Path, tmp_path: Path) -> None:
    (repo / "sub").mkdir()
    assert gitfiles.repo_root(repo / "sub") == repo
    outside = tmp_path / "outside"
    outside.mkdir()
    assert gitfiles.repo_root(outside) is None


def test_head_tree_before_the_first_commit_is_the_empty_tree(tmp_path: Path) -> None:
    assert gitfiles.head_tree(new_repo(tmp_path / "empty", with_dvc=False)) == gitfiles.EMPTY_TREE


def test_bad_revision_is_a_one_line_value_error(repo: Path) -> None:
    with pytest.raises(ValueError, match=r"^not a valid revision: 'HEAD~5'$"):
        gitfiles.tree_of(repo, "HEAD~5")
    assert gitfiles.tree_of(repo, gitfiles.EMPTY_TREE) == gitfiles.EMPTY_TREE


def test_staged_diff_reports_every_kind_of_change(repo: Path) -> None:
    (repo / "edit me.txt").write_text("after\n")
    git(repo, "mv", "move.txt", "moved.txt")
    git(repo, "rm", "-q", "gone.txt")
    (repo / "new\tname ü.txt").write_text("new\n")
    (repo / "unstaged.txt").write_text("not added\n")
    git(repo, "add", "edit me.txt", "new\tname ü.txt")
    changes = {change.status: change for change in gitfiles.diff(repo, gitfiles.head_tree(repo), None)}
    assert sorted(changes) == ["A", "D", "M", "R"]
    assert (changes["A"].old_path, changes["A"].new_path) == (None, "new\tname ü.txt")
    assert (changes["D"].old_path, changes["D"].new_path) == ("gone.txt", None)
    assert (changes["R"].old_path, changes["R"].new_path) == ("move.txt", "moved.txt")
    assert changes["R"].old_blob == changes["R"].new_blob
    assert changes["M"].new_blob == git(repo, "rev-parse", ":edit me.txt").strip()
    git(repo, "commit", "-q", "-m", "two")
    between = gitfiles.diff(repo, gitfiles.tree_of(repo, "HEAD~1"), gitfiles.tree_of(repo, "HEAD"))
    assert sorted(change.status for change in between) == ["A", "D", "M", "R"]


def test_index_listing_honours_git_index_file(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temporary = str(repo / ".git" / "other-index")
    git(repo, "read-tree", "--empty", env={"GIT_INDEX_FILE": temporary})
    git(repo, "add", "keep.txt", env={"GIT_INDEX_FILE": temporary})
    assert [entry.path for entry in gitfiles.list_files(repo, None)] == ["edit me.txt", "gone.txt", "keep.txt", "move.txt"]
    monkeypatch.setenv("GIT_INDEX_FILE", temporary)
    assert [entry.path for entry in gitfiles.list_files(repo, None)] == ["keep.txt"]


def test_tree_listing_and_one_batch_of_blobs(repo: Path) -> None:
    entries = {entry.path: entry for entry in gitfiles.list_files(repo, gitfiles.tree_of(repo, "HEAD"))}
    assert sorted(entries) == ["edit me.txt", "gone.txt", "keep.txt", "move.txt"]
    assert entries["keep.txt"].mode == "100644"
    missing = "0" * 40
    blobs = gitfiles.read_blobs(repo, [entries["keep.txt"].blob, entries["gone.txt"].blob, missing])
    assert blobs == {entries["keep.txt"].blob: b"keep\n", entries["gone.txt"].blob: b"gone\n"}
    assert gitfiles.blob_sizes(repo, [entries["keep.txt"].blob]) == {entries["keep.txt"].blob: 5}
    assert gitfiles.read_blobs(repo, []) == {}


def test_lfs_object_of_a_pointer(tmp_path: Path) -> None:
    oid = hashlib.sha256(b"x").hexdigest()
    pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 1\n".encode()
    assert gitfiles.lfs_object(tmp_path, pointer) == tmp_path / "lfs" / "objects" / oid[:2] / oid[2:4] / oid
    assert gitfiles.lfs_object(tmp_path, b"\x89PNG\r\n") is None
