"""What a pull request may contain, through the CLI as a subprocess: bombs, special files, odd names, interrupts.

Every input is generated here. Runs that could hang have a timeout far above their normal time,
so a regression fails instead of stalling the suite; no test asserts a duration.
"""
from __future__ import annotations

import io
import json
import os
import signal
import socket
import sqlite3
import stat
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from images import write, write_photo
from imagelint.config import Config
from imagelint.checking import check_images
from imagelint.facts.decode_budget import DECODE_BUDGET
from repo_helpers import commit, new_repo

#: Peak memory of the child running imagelint, in bytes, printed by a small wrapper process.
PEAK = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True); "
        "sys.stdout.buffer.write(r.stdout); sys.stderr.buffer.write(r.stderr); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, file=sys.stderr); sys.exit(r.returncode)")


def imagelint(cwd: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "imagelint", *args], cwd=cwd, capture_output=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def peak_of(cwd: Path, *args: str) -> tuple[subprocess.CompletedProcess[bytes], int]:
    result = subprocess.run([sys.executable, "-c", PEAK, sys.executable, "-m", "imagelint", *args], cwd=cwd,
                            capture_output=True, timeout=120)
    *stderr, peak = result.stderr.decode().rstrip("\n").split("\n")
    return result, int(peak)


def gif_growing_canvas() -> bytes:
    """35 bytes: a 1 x 1 screen whose only frame claims 65535 x 65535 pixels, which Pillow's reader
    grows the canvas to while opening (4.2 GB with its bomb check off)."""
    header = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    frame = b"," + struct.pack("<HHHHB", 0, 0, 0xFFFF, 0xFFFF, 0) + b"\x02\x02\x44\x01\x00"
    return header + frame + b";"


def png_declaring(width: int, height: int) -> bytes:
    """A PNG header declaring ``width`` x ``height`` pixels, followed by a little image data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0\0" * 500)) + chunk(b"IEND", b"")


def transparent_gif_screen(side: int) -> bytes:
    """A 1 x 1 transparent frame on a ``side`` x ``side`` screen: tiny, yet a full-size canvas."""
    buffer = io.BytesIO()
    Image.new("P", (1, 1)).save(buffer, "GIF", transparency=0)
    data = bytearray(buffer.getvalue())
    data[6:10] = struct.pack("<HH", side, side)
    return bytes(data)


def test_bombs_are_refused_from_the_header_within_the_memory_budget(tmp_path: Path) -> None:
    write_photo(tmp_path / "ok.jpg", 1)
    _, baseline = peak_of(tmp_path, "check", "ok.jpg")
    write(tmp_path / "canvas.gif", gif_growing_canvas())
    write(tmp_path / "tall.png", png_declaring(1, 100_000_000))
    write(tmp_path / "screen.gif", transparent_gif_screen(10_000))
    result, peak = peak_of(tmp_path, "check", "canvas.gif", "tall.png", "screen.gif")
    lines = result.stdout.decode().splitlines()
    assert "canvas.gif: IMG004 max-pixels: 65535x65535 is 4294.8 megapixels, above the 100 megapixel limit " \
           "(not decoded): downscale it or raise 'max-pixels'" in lines
    assert "tall.png: IMG004 max-pixels: 1x100000000 cannot be decoded within imagelint's 512 MiB memory " \
           "budget (not decoded): downscale it" in lines
    assert "screen.gif: IMG002 format: format GIF is not allowed (allowed: JPEG, PNG, BMP): convert it or add it " \
           "to 'formats'" in lines  # decoded, 100 megapixels within the budget
    assert peak - baseline < DECODE_BUDGET, f"peak {peak >> 20} MiB against {baseline >> 20} MiB for one photo"


def test_special_files_named_like_images_are_findings_not_hangs(tmp_path: Path) -> None:
    write_photo(tmp_path / "ok.jpg", 1)
    os.mkfifo(tmp_path / "pipe.jpg")
    os.mknod(tmp_path / "zero.jpg", stat.S_IFCHR | 0o666, os.makedev(1, 5))  # /dev/zero; needs root, as CI is
    (tmp_path / "folder.png").mkdir()
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock.png"))
    try:
        result = imagelint(tmp_path, "check", timeout=30)
    finally:
        server.close()
    lines = result.stdout.decode().splitlines()
    assert result.returncode == 1
    assert lines[:4] == [
        "folder.png: IMG001 unreadable: is a directory, not a regular file: only regular files are read",
        "pipe.jpg: IMG001 unreadable: is a FIFO (named pipe), not a regular file: only regular files are read",
        "sock.png: IMG001 unreadable: is a socket or device, not a regular file: only regular files are read",
        "zero.jpg: IMG001 unreadable: is a character device, not a regular file: only regular files are read",
    ]
    assert lines[4] == "imagelint: 5 images checked: 4 errors, 0 warnings."


def test_a_file_far_above_the_size_limit_is_measured_not_read(tmp_path: Path) -> None:
    (tmp_path / ".imagelint.toml").write_text('max-file-size = "1KB"\n')
    with open(tmp_path / "huge.png", "wb") as handle:
        handle.truncate(3 * 10**9)  # sparse: 3 GB that would take seconds and all memory to read
    result = imagelint(tmp_path, "check")
    assert result.stdout.decode().splitlines()[0] == (
        "huge.png: IMG101 file-size: 3 GB is above the 1 KB limit: re-encode or downscale it, or raise "
        "'max-file-size' (too large to read, so nothing else was checked)")


def test_names_that_are_not_utf8_or_hold_control_characters_are_printed_escaped(tmp_path: Path) -> None:
    latin1 = os.fsencode(tmp_path) + b"/caf\xe9.jpg"
    with open(latin1, "wb"):
        pass
    write(tmp_path / "red\x1b[31m.jpg", b"")
    for env in ({"LC_ALL": "C.UTF-8"}, {"LC_ALL": "C"}, {"PYTHONIOENCODING": "ascii"}):
        text = imagelint(tmp_path, "check", env=env).stdout
        assert b"caf\\xe9.jpg: IMG001 unreadable: empty file (0 bytes)" in text, env
        assert b"red\\x1b[31m.jpg: IMG001" in text and b"\x1b" not in text, env
    document = json.loads(imagelint(tmp_path, "check", "--format", "json", env={"LC_ALL": "C"}).stdout)
    assert sorted(f["path"] for f in document["findings"]) == ["caf\\xe9.jpg", "red\\x1b[31m.jpg"]
    github = imagelint(tmp_path, "check", "--format", "github", env={"PYTHONIOENCODING": "ascii"}).stdout
    assert b"::error file=caf\\xe9.jpg,title=IMG001 unreadable::" in github and b"\x1b" not in github


def _worker_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _stored(cache: Path) -> int:
    total = 0
    for path in cache.glob("facts-*.sqlite"):
        try:
            with sqlite3.connect(path) as db:
                total += db.execute("SELECT count(*) FROM facts").fetchone()[0]
        except sqlite3.OperationalError:  # created, no table yet
            pass
    return total


def _dataset(repo: Path, count: int) -> None:
    new_repo(repo, with_dvc=False)
    for number in range(count):
        write(repo / "train" / "cat" / f"{number:03d}.png", _noise_png(number))
    commit(repo, "images")


def _noise_png(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((256, 256), 40 + seed % 50).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def _interrupt_after_some_facts(repo: Path, cache: Path, signum: int) -> tuple[subprocess.Popen[bytes], list[int]]:
    process = subprocess.Popen([sys.executable, "-m", "imagelint", "check", "--all", "-j", "2"], cwd=repo,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "IMAGELINT_CACHE_DIR": str(cache)})
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        workers = workers or _worker_pids(process.pid)
        if cache.exists() and _stored(cache) > 0:
            break
        time.sleep(0.01)
    process.send_signal(signum)
    process.communicate(timeout=30)
    return process, workers


def test_an_interrupted_check_keeps_its_facts_and_the_rerun_decodes_only_the_rest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, cache = tmp_path / "repo", tmp_path / "cache"
    _dataset(repo, 300)
    process, workers = _interrupt_after_some_facts(repo, cache, signal.SIGINT)
    assert process.returncode == 2 and workers
    stored = _stored(cache)
    assert 0 < stored < 300
    monkeypatch.setenv("IMAGELINT_CACHE_DIR", str(cache))
    result = check_images(repo, [], Config(), check_all=True, jobs=2)
    assert result.checked == 300 and result.decoded == 300 - stored


def test_sigterm_ends_the_workers_with_the_main_process(tmp_path: Path) -> None:
    repo, cache = tmp_path / "repo", tmp_path / "cache"
    _dataset(repo, 300)
    process, workers = _interrupt_after_some_facts(repo, cache, signal.SIGTERM)
    assert workers and process.returncode == 2
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)
    assert 0 < _stored(cache) < 300
