"""Configuration mistakes that would switch rules off stop the run: one line, exit 2.

Table-driven through the command line, in a real git repository with a train/test layout.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from images import write_photo
from repo_helpers import git

CASES = [
    ('layout = "{split}/{klass}/"', [],
     "key 'layout': unknown placeholder '{klass}' in '{split}/{klass}/'; did you mean '{class}'?"),
    ('layout = "{split}/{class}/{class}/"', [], "key 'layout': {class} appears more than once"),
    ('layout = "{split}/"', [], "key 'layout': '{split}/' has no {class}, so no image gets a class"),
    ('layout = "{class}/{split}/"', [], "key 'layout': '{class}/{split}/' gives every image the one class 'data'; "
     "did you mean layout = '{split}/{class}/'?"),
    ('splits = ["train", "tset"]', [], "key 'splits': no folder is named 'tset', but 'test' is; did you mean 'test'?"),
    ('splits = []', [], "key 'splits': expected at least one split folder name"),
    ('splits = ["train", "Train"]', [], "key 'splits': a split is listed twice"),
    ("near-duplicate-threshold = 70", [],
     "key 'near-duplicate-threshold': expected a whole number from 0 to 64, got 70"),
    ("near-duplicate-threshold = -1", [], "key 'near-duplicate-threshold': expected a whole number from 0 to 64"),
    ("max-class-ratio = 0.5", [], "key 'max-class-ratio': expected a number of at least 1, got 0.5"),
    ('max-file-size = "0MB"', [], "key 'max-file-size': expected a size above 0, got '0MB'"),
    ("max-pixels = 0", [], "key 'max-pixels': expected a whole number above 0, got 0"),
    ("dark-threshold = 2", [], "key 'dark-threshold': expected a number from 0 to 1, got 2"),
    ('select = ["IMG9999"]', [], "key 'select': unknown rule 'IMG9999'; did you mean 'IMG009'?"),
    ('ignore = ["near-duplicat"]', [], "key 'ignore': unknown rule 'near-duplicat'; did you mean 'near-duplicate'?"),
    ('severity = { IMG3O2 = "error" }', [], "key 'severity': unknown rule 'IMG3O2'; did you mean 'IMG302'?"),
    ('[[overrides]]\npaths = ["data/**"]\nignore = ["IMG7"]', [], "key 'overrides[0].ignore': unknown rule 'IMG7'"),
    ("", ["--select", "IMG9999"], "--select: unknown rule 'IMG9999'; did you mean 'IMG009'?"),
    ("", ["--ignore", "IMG3,splitleak"], "--ignore: unknown rule 'splitleak'; did you mean 'split-leak'?"),
]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("layout")
    git(root, "init", "-q", "-b", "main")
    for seed, name in enumerate(["data/train/cat/1.jpg", "data/train/dog/1.jpg", "data/test/dog/1.jpg"]):
        write_photo(root / name, seed)
    git(root, "add", "-A")
    return root


@pytest.mark.parametrize(("settings", "args", "message"), CASES)
def test_a_config_mistake_is_one_line_and_exit_2(repo: Path, settings: str, args: list[str], message: str) -> None:
    (repo / ".imagelint.toml").write_text(settings + "\n")
    for command in (["check", "--all", *args], ["stats", "--stdout"]):
        if args and command[0] == "stats":
            continue
        result = subprocess.run([sys.executable, "-m", "imagelint", *command], cwd=repo, capture_output=True, text=True)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("imagelint: ") and message in lines[0], (command, lines)


@pytest.mark.parametrize("settings", ['layout = "data/{split}/{class}/"', "near-duplicate-threshold = 0",
                                      "max-class-ratio = 1", 'select = ["IMG", "img3", "blurry"]',
                                      'splits = ["train", "test"]', 'layout = "{class}/"'])
def test_valid_settings_still_pass(repo: Path, settings: str) -> None:
    (repo / ".imagelint.toml").write_text(settings + "\nmin-class-images = 1\n")
    result = subprocess.run([sys.executable, "-m", "imagelint", "check", "--all"], cwd=repo, capture_output=True,
                            text=True)
    assert result.returncode in (0, 1), result.stderr
    assert result.stderr == ""
