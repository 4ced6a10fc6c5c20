"""Progress of long runs: a bar with count, rate and ETA on a terminal, nothing in logs."""
from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from repo_helpers import write_image

COUNT = 60


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for seed in range(COUNT):
        write_image(tmp_path / "images" / f"{seed:03}.png", seed)
    return tmp_path / "images"


def test_a_terminal_gets_a_bar_with_rate_and_eta(folder: Path) -> None:
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a terminal has a width
    process = subprocess.Popen([sys.executable, "-m", "imagelint", "check", str(folder), "-j", "1"],
                               cwd=folder.parent, stdout=subprocess.PIPE, stderr=terminal, text=True)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    process.wait(timeout=120)
    os.close(controller)
    text = shown.decode("utf-8", "replace")
    assert process.returncode == 1  # tiny images: IMG102 for each
    assert "imagelint: decoding" in text
    # the bar's last state stays on the terminal: count, elapsed<remaining, rate
    assert re.search(rf"\d+/{COUNT} \[\d\d:\d\d<\d\d:\d\d, +[\d.]+(image/s|s/image)\]", text), text


def test_a_log_gets_no_progress(folder: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "imagelint", "check", str(folder), "-j", "1"],
                            cwd=folder.parent, capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr == ""
    assert result.stdout.count("IMG102") == COUNT
