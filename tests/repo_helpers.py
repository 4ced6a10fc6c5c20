"""Real git and DVC repositories for tests: thin wrappers over the command-line tools."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "imagelint tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "imagelint tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "DVC_NO_ANALYTICS": "1",
}


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run a command; fail the test with its output when it fails."""
    environment = {**os.environ, **GIT_IDENTITY, "DVC_SITE_CACHE_DIR": str(cwd / ".git" / "dvc-site"), **(env or {})}
    result = subprocess.run(args, cwd=cwd, env=environment, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return run(repo, "git", *args, env=env)


def dvc(repo: Path, *args: str) -> str:
    return run(repo, sys.executable, "-m", "dvc", *args)


def new_repo(path: Path, *, with_dvc: bool = True) -> Path:
    """An empty git repository (with ``dvc init`` and analytics off), nothing committed."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    if with_dvc:
        dvc(path, "init", "-q")
        with (path / ".dvc" / "config").open("a") as config:  # what `dvc config core.analytics false` writes
            config.write("[core]\n    analytics = false\n")
    return path


def commit(repo: Path, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)


def image_bytes(seed: int, image_format: str = "PNG") -> bytes:
    """A small image, distinct per seed."""
    buffer = io.BytesIO()
    Image.new("RGB", (16 + seed % 7, 12), (seed * 37 % 256, seed * 11 % 256, seed % 256)).save(buffer, image_format)
    return buffer.getvalue()


def write_image(path: Path, seed: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(image_bytes(seed, "JPEG" if path.suffix.lower() in (".jpg", ".jpeg") else "PNG"))
    return path
