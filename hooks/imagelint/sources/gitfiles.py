"""Small git helpers: every read goes through a git subprocess that inherits the environment.

Inheriting the environment matters: ``git commit -a`` and ``git commit -- <path>`` point
``GIT_INDEX_FILE`` at a temporary index, and that index is what is being committed.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

#: The tree every repository has: the base of a first commit.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

SYMLINK_MODE = "120000"
SUBMODULE_MODE = "160000"


class GitError(ValueError):
    """A git command failed; the message is one line for the user."""


@dataclass(frozen=True)
class TreeEntry:
    path: str
    mode: str
    blob: str


@dataclass(frozen=True)
class Change:
    """One line of ``git diff --raw``: ``status`` is its letter (A, M, D, R, C, T)."""

    status: str
    old_path: str | None
    new_path: str | None
    old_mode: str
    new_mode: str
    old_blob: str
    new_blob: str


def run_git(root: Path, args: Sequence[str], stdin: bytes | None = None) -> bytes:
    result = subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, check=False)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {message[-1] if message else f'exit {result.returncode}'}")
    return result.stdout


def repo_root(cwd: Path) -> Path | None:
    """The work tree's top level, or None outside a git work tree (or without git)."""
    try:
        result = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, check=False)
    except OSError:
        return None
    top = result.stdout.decode("utf-8", "surrogateescape").strip()
    return Path(top) if result.returncode == 0 and top else None


def tree_of(root: Path, rev: str) -> str:
    """The tree id of ``rev``; raises ValueError with a one-line message for a bad revision."""
    result = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{tree}}"],
                            cwd=root, capture_output=True, check=False)
    if result.returncode != 0 or not rev:
        raise GitError(f"not a valid revision: {rev!r}")
    return result.stdout.decode().strip()


def pointer_commits(root: Path, rev_range: str) -> list[str]:
    """The commits of ``A..B``, oldest first, that change a ``.dvc`` file or a ``dvc.lock``."""
    base, _, head = rev_range.partition("..")
    for rev in (base, head or "HEAD"):
        tree_of(root, rev)  # a one-line error for a bad revision, and never an option
    listed = run_git(root, ["rev-list", "--reverse", "--full-history", f"{base}..{head or 'HEAD'}", "--",
                            "*.dvc", "*dvc.lock"])
    return listed.decode().split()


def head_tree(root: Path) -> str:
    """HEAD's tree, or the empty tree before the first commit."""
    try:
        return tree_of(root, "HEAD")
    except GitError:
        return EMPTY_TREE


def diff(root: Path, base: str, state: str | None) -> list[Change]:
    """Changes from ``base`` to ``state`` (a tree-ish), or to the index when ``state`` is None."""
    args = ["diff", "--raw", "--no-abbrev", "-z", "-M", "--no-color", "--no-ext-diff", "--ignore-submodules"]
    args += ["--cached", base] if state is None else [base, state]
    fields = run_git(root, [*args, "--"]).decode("utf-8", "surrogateescape").split("\0")
    changes = []
    position = 0
    while position < len(fields) - 1:
        old_mode, new_mode, old_blob, new_blob, status = fields[position].lstrip(":").split(" ")
        letter = status[0]
        if letter in "RC":
            old_path, new_path = fields[position + 1], fields[position + 2]
            position += 3
        else:
            old_path = new_path = fields[position + 1]
            position += 2
        changes.append(Change(letter, None if letter == "A" else old_path, None if letter == "D" else new_path,
                              old_mode, new_mode, old_blob, new_blob))
    return changes


def list_files(root: Path, state: str | None) -> list[TreeEntry]:
    """Every file at ``state`` (a tree-ish), or in the index when ``state`` is None; no submodules."""
    entries = []
    if state is None:
        seen = set()
        for line in run_git(root, ["ls-files", "--stage", "-z"]).decode("utf-8", "surrogateescape").split("\0"):
            if line:
                info, path = line.split("\t", 1)
                mode, blob, _stage = info.split(" ")
                if mode != SUBMODULE_MODE and path not in seen:  # a conflict lists a path once per stage
                    seen.add(path)
                    entries.append(TreeEntry(path, mode, blob))
        return entries
    for line in run_git(root, ["ls-tree", "-r", "-z", "--full-tree", state]).decode("utf-8", "surrogateescape").split("\0"):
        if line:
            info, path = line.split("\t", 1)
            mode, kind, blob = info.split(" ")
            if kind == "blob":
                entries.append(TreeEntry(path, mode, blob))
    return entries


def read_blobs(root: Path, blobs: Iterable[str]) -> dict[str, bytes]:
    """The contents of the given blob ids, read with one ``git cat-file --batch``; missing ids are left out."""
    wanted = sorted(set(blobs))
    if not wanted:
        return {}
    output = run_git(root, ["cat-file", "--batch"], stdin="".join(f"{blob}\n" for blob in wanted).encode())
    contents = {}
    position = 0
    for blob in wanted:
        end = output.index(b"\n", position)
        header = output[position:end].split(b" ")
        position = end + 1
        if len(header) == 3:
            size = int(header[2])
            contents[blob] = output[position:position + size]
            position += size + 1
    return contents


def git_common_dir(root: Path) -> Path:
    path = Path(run_git(root, ["rev-parse", "--git-common-dir"]).decode("utf-8", "surrogateescape").strip())
    return path if path.is_absolute() else root / path


def blob_sizes(root: Path, blobs: Iterable[str]) -> dict[str, int]:
    """The sizes of the given blob ids (one ``git cat-file --batch-check``), to spot small pointer files."""
    wanted = sorted(set(blobs))
    if not wanted:
        return {}
    output = run_git(root, ["cat-file", "--batch-check"], stdin="".join(f"{blob}\n" for blob in wanted).encode())
    sizes = {}
    for line in output.decode().splitlines():
        fields = line.split(" ")
        if len(fields) == 3:
            sizes[fields[0]] = int(fields[2])
    return sizes


def lfs_object(common_dir: Path, pointer: bytes) -> Path | None:
    """The local Git LFS object a pointer file names, when the pointer is one."""
    if not pointer.startswith(b"version https://git-lfs.github.com/spec/"):
        return None
    for line in pointer.decode("ascii", "replace").splitlines():
        if line.startswith("oid sha256:"):
            oid = line[len("oid sha256:"):].strip()
            if len(oid) == 64:
                return common_dir / "lfs" / "objects" / oid[:2] / oid[2:4] / oid
    return None
