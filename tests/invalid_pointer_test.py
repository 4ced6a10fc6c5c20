"""IMG902: malformed or steering DVC pointers and manifests, through ``imagelint check`` and ``git commit``.

Each bad pointer is one finding on that file, with the reason and the line; the images of the
same run are still checked.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hook_test import local_hooks_config
from images import write_photo
from imagelint.cli import main
from repo_helpers import dvc, git, new_repo

MD5 = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DVC repository with one tracked folder committed, and a git-tracked image that is too small."""
    repo = new_repo(tmp_path / "repo")
    (repo / ".imagelint.toml").write_text("min-class-images = 1\n")
    write_photo(repo / "data" / "cat" / "1.jpg", 1)
    dvc(repo, "add", "-q", "data")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "dataset")
    write_photo(repo / "photos" / "small.jpg", 2, size=(100, 80))
    monkeypatch.chdir(repo)
    return repo


def cached_manifest(repo: Path, entries: bytes) -> str:
    """Put a ``.dir`` object holding ``entries`` into the DVC cache; its md5 name."""
    md5 = hashlib.md5(entries).hexdigest()
    path = repo / ".dvc" / "cache" / "files" / "md5" / md5[:2] / f"{md5[2:]}.dir"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(entries)
    return f"{md5}.dir"


def pointer_to(md5: str, path: str) -> str:
    return f"outs:\n- md5: {md5}\n  hash: md5\n  path: {path}\n"


def check(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["check"])
    return code, capsys.readouterr().out.splitlines()


def test_traversal_md5_and_relpath_are_invalid_pointers(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "evil.dvc").write_text(pointer_to("../../../../evil.dir", "evil"))
    traversal = cached_manifest(repo, json.dumps([{"md5": MD5, "relpath": "../../../../dev/zero.jpg"}]).encode())
    (repo / "escape.dvc").write_text(pointer_to(traversal, "escape"))
    (repo / "outside.dvc").write_text(pointer_to(MD5, "../../elsewhere.jpg"))
    git(repo, "add", "-A")
    code, lines = check(capsys)
    lines = [line for line in lines if not line.startswith(".: IMG903")]  # the dataset-wide warning, tested elsewhere
    assert code == 1
    assert lines[:3] == [
        f"escape.dvc: IMG902 invalid-pointer: the manifest {traversal} of escape: entry 1 has relpath "
        "'../../../../dev/zero.jpg', outside the folder it describes",
        "evil.dvc: IMG902 invalid-pointer: md5 '../../../../evil.dir' of 'evil' is not 32 hex digits (plus '.dir') "
        "(line 2)",
        "outside.dvc: IMG902 invalid-pointer: out path '../../elsewhere.jpg' is outside the repository (line 4)",
    ]
    assert lines[3].startswith("photos/small.jpg: IMG102 min-resolution: 100x80 is below the minimum 256x256")


MALFORMED = {
    "date.dvc": (f"outs:\n- md5: {MD5}\n  path: a.jpg\n  mtime: 2024-02-30\n",
                 "not valid DVC YAML: day is out of range for month"),
    "int-tag.dvc": ("outs:\n- md5: !!int abc\n  path: a.jpg\n",
                    "not valid DVC YAML: invalid literal for int() with base 10: 'abc'"),
    "float-tag.dvc": (f"outs:\n- md5: {MD5}\n  size: !!float abc\n  path: a.jpg\n",
                      "not valid DVC YAML: could not convert string to float: 'abc'"),
    "digits.dvc": (f"outs:\n- md5: {MD5}\n  size: {'9' * 5000}\n  path: a.jpg\n",
                   "not valid DVC YAML: Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits"),
    "short.dvc": (pointer_to(MD5[:31], "a.jpg"),
                  f"md5 '{MD5[:31]}' of 'a.jpg' is not 32 hex digits (plus '.dir') (line 2)"),
    "conflict.dvc": (f"outs:\n<<<<<<< HEAD\n- md5: {MD5}\n=======\n- md5: {MD5[::-1]}\n>>>>>>> other\n  path: a.jpg\n",
                     "contains merge-conflict markers: resolve the conflict, then run 'dvc checkout' and "
                     "'dvc commit' for the side you keep (line 2)"),
    "stages/dvc.lock": ("schema: '2.0'\nstages: [1, 2]\n", "not valid DVC YAML: 'stages' is not a mapping"),
}
BAD_MANIFESTS = {
    "md5-number.dvc": (b'[{"md5": 5, "relpath": "x.jpg"}]', "entry 1 ('x.jpg') has an md5 that is not 32 hex digits"),
    "null-relpath.dvc": (b'[{"md5": "%s", "relpath": null}]' % MD5.encode(), "entry 1 is not a {relpath, md5} pair"),
    "nested.dvc": (b"[" * 100_000, "not valid JSON: nested too deeply"),
}


def test_each_malformed_pointer_is_one_finding_and_the_run_goes_on(repo: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    for name, (text, _) in MALFORMED.items():
        (repo / name).parent.mkdir(exist_ok=True)
        (repo / name).write_text(text)
    md5s = {}
    for name, (entries, _) in BAD_MANIFESTS.items():
        md5s[name] = cached_manifest(repo, entries)
        (repo / name).write_text(pointer_to(md5s[name], name[:-4]))
    git(repo, "add", "-A")
    code, lines = check(capsys)
    expected = {name: reason for name, (_, reason) in MALFORMED.items()}
    expected |= {name: f"the manifest {md5s[name]} of {name[:-4]}: {reason}" for name, (_, reason) in BAD_MANIFESTS.items()}
    assert code == 1
    assert [line for line in lines if "IMG902" in line] == [
        f"{name}: IMG902 invalid-pointer: {reason}" for name, reason in sorted(expected.items())]
    assert any(line.startswith("photos/small.jpg: IMG102") for line in lines)


def test_a_merge_conflicted_pointer_is_refused_by_git_commit(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    (repo / ".pre-commit-config.yaml").write_text(local_hooks_config())
    (repo / ".imagelint.toml").write_text("min-class-images = 1\n")
    write_photo(repo / "data" / "cat" / "1.jpg", 1)
    dvc(repo, "add", "-q", "data")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "dataset", "--no-verify")
    for branch, seed in (("other", 2), ("main", 3)):
        git(repo, "checkout", "-q", "-B", branch) if branch == "other" else git(repo, "checkout", "-q", "main")
        write_photo(repo / "data" / "cat" / f"{branch}.jpg", seed)
        dvc(repo, "add", "-q", "data")
        git(repo, "commit", "-qam", branch, "--no-verify")
    merge = subprocess.run(["git", "merge", "other"], cwd=repo, capture_output=True, text=True)
    assert merge.returncode != 0 and "<<<<<<<" in (repo / "data.dvc").read_text()
    git(repo, "add", "data.dvc")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, check=True, capture_output=True)
    result = subprocess.run(["git", "commit", "--no-edit"], cwd=repo, capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    refusal = ("data.dvc: IMG902 invalid-pointer: contains merge-conflict markers: resolve the conflict, then run "
               "'dvc checkout' and 'dvc commit' for the side you keep (line ")
    assert output.count(refusal) == 2  # the check hook and the stats hook
    assert "no problems found" not in output
