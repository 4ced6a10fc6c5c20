"""The hooks as users meet them: real git repositories, real pre-commit, ``git commit``."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from images import encode, photo, write, write_photo

CHECKOUT = Path(__file__).resolve().parents[1]


def run(cwd: Path, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{command} failed:\n{result.stdout}\n{result.stderr}")
    return result


def local_hooks_config() -> str:
    """The manifest's hooks as ``repo: local`` hooks running this interpreter: no install step."""
    hooks = yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text())
    for hook in hooks:
        hook["language"] = "system"
        hook.pop("additional_dependencies", None)  # the test environment has them
        hook["entry"] = f"{sys.executable} -m imagelint {hook['entry'].split(' ', 1)[1]}"
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    run(tmp_path, "git", "init", "-q", "-b", "main")
    (tmp_path / ".pre-commit-config.yaml").write_text(local_hooks_config())
    (tmp_path / ".imagelint.toml").write_text("min-class-images = 1\n")
    run(tmp_path, "git", "add", ".")
    run(tmp_path, "git", "commit", "-qm", "config", "--no-verify")
    run(tmp_path, sys.executable, "-m", "pre_commit", "install", "-t", "pre-commit")
    return tmp_path


def test_a_commit_with_a_good_image_passes_and_a_truncated_one_is_rejected(repo: Path) -> None:
    write_photo(repo / "train" / "cat" / "good.jpg", 1)
    run(repo, "git", "add", "train")
    first = run(repo, "git", "commit", "-m", "good image", check=False)
    assert first.returncode == 0, first.stdout + first.stderr  # with the stats file the hook staged
    data = encode(photo(2))
    write(repo / "train" / "cat" / "cut.jpg", data[: len(data) // 2])
    run(repo, "git", "add", "train")
    rejected = run(repo, "git", "commit", "-m", "truncated", check=False)
    output = rejected.stdout + rejected.stderr  # git shows hook output on stderr
    assert rejected.returncode == 1
    assert "train/cat/cut.jpg: IMG001 unreadable: image file is truncated" in output
    assert "train/cat/good.jpg" not in output.split("imagelint dataset stats")[0]


def test_run_all_files_checks_every_image_and_lists_only_bad_ones(repo: Path) -> None:
    write_photo(repo / "train" / "cat" / "a.jpg", 3)
    write_photo(repo / "train" / "dog" / "b.png", 4, image_format="PNG")
    write_photo(repo / "train" / "dog" / "small.jpg", 5, size=(64, 64))
    write(repo / "train" / "dog" / "fake.jpg", encode(photo(6), "PNG"))
    run(repo, "git", "add", "train")
    result = run(repo, sys.executable, "-m", "pre_commit", "run", "imagelint", "--all-files", check=False)
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if ": IMG" in line]
    assert lines == [
        "train: IMG402 class-ratio: class 'dog' has 3 images, 3.0x the 1 of class 'cat' (at most 2x "
        "recommended): add images to 'cat' or sample 'dog' down (warning)",
        "train/dog/fake.jpg: IMG003 extension-mismatch: content is PNG but the extension is '.jpg': "
        "rename it to '.png' or re-encode it",
        "train/dog/small.jpg: IMG102 min-resolution: 64x64 is below the minimum 256x256: "
        "use a larger original or lower 'min-resolution'",
    ]


def test_try_repo_installs_the_hook_from_this_checkout_and_lists_exactly_the_bad_images(tmp_path: Path) -> None:
    """The manifest as published: pre-commit builds its own environment from pyproject.toml."""
    repo = tmp_path / "dataset"
    repo.mkdir()
    run(repo, "git", "init", "-q", "-b", "main")
    write_photo(repo / "images" / "ok.jpg", 1)
    write_photo(repo / "images" / "ok.png", 2, image_format="PNG")
    write(repo / "images" / "empty.jpg", b"")
    data = encode(photo(3))
    write(repo / "images" / "cut.jpeg", data[: len(data) // 2])
    write_photo(repo / "images" / "Small.JPG", 4, size=(300, 100))
    run(repo, "git", "add", ".")
    result = run(repo, sys.executable, "-m", "pre_commit", "try-repo", str(CHECKOUT), "imagelint", "--all-files",
                 check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if ": IMG" in line]
    assert [line.split(" ", 2)[:2] for line in lines] == [
        ["images/Small.JPG:", "IMG102"], ["images/cut.jpeg:", "IMG001"], ["images/empty.jpg:", "IMG001"],
    ]


def test_findings_are_printed_once_however_pre_commit_splits_the_file_list(repo: Path) -> None:
    """pre-commit runs long file lists in several processes: together they print what one would."""
    (repo / ".imagelint.toml").write_text("min-class-images = 5\n")
    names = []
    for seed in range(6):
        names.append(str(write_photo(repo / "train" / "cat" / f"{seed}.jpg", 10 + seed).relative_to(repo)))
    names.append(str(write(repo / "train" / "dog" / "copy.jpg", encode(photo(10))).relative_to(repo)))
    names.append(str(write(repo / "test" / "cat" / "copy.jpg", encode(photo(11).resize((300, 300)))).relative_to(repo)))
    run(repo, "git", "add", "-A")
    env = {**__import__("os").environ, "PRE_COMMIT": "1"}

    def findings(files: list[str]) -> list[str]:
        result = subprocess.run([sys.executable, "-m", "imagelint", "check", *files], cwd=repo, env=env,
                                capture_output=True, text=True)
        return [line for line in result.stdout.splitlines() if ": IMG" in line]

    whole = findings(names)
    assert [line.split(" ", 2)[:2] for line in whole] == [
        ["test:", "IMG401"], ["train:", "IMG401"], ["train:", "IMG402"], ["train/cat/1.jpg:", "IMG303"],
        ["train/dog/copy.jpg:", "IMG304"],
    ]
    for split in (2, 5, 7):
        parts = findings(names[split:]) + findings(names[:split])
        assert sorted(parts) == sorted(whole), split
