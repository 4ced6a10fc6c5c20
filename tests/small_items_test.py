"""Image kinds that used to get the wrong finding, through ``imagelint check`` on a folder."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from images import photo, write
from imagelint.cli import main
from imagelint.facts.quiet_stderr import c_stderr_silenced


def findings(folder: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    os.chdir(folder)
    main(["check", *args])
    return [line for line in capsys.readouterr().out.splitlines() if ": IMG" in line]


def encoded(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def test_a_16_bit_grayscale_png_is_measured_at_its_bit_depth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gray = photo(1).convert("L")
    sixteen = gray.convert("I").point(lambda value: value * 257).convert("I;16")
    write(tmp_path / "deep.png", encoded(sixteen, "PNG"))
    write(tmp_path / "plain.png", encoded(gray, "PNG"))
    assert Image.open(tmp_path / "deep.png").mode.startswith("I;16")
    lines = findings(tmp_path, capsys)
    assert not [line for line in lines if "IMG203" in line or "IMG204" in line], lines


def test_an_mpo_with_a_truncated_second_picture_is_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = encoded(photo(2), "MPO", save_all=True, append_images=[photo(3)])
    write(tmp_path / "stereo.jpg", data[:-2000])
    write(tmp_path / "intact.jpg", data)
    assert findings(tmp_path, capsys) == [
        "stereo.jpg: IMG001 unreadable: picture 2 of 2: image file is truncated (28 bytes not processed): "
        "re-export or re-download the original"]


def test_a_lab_tiff_is_an_unsupported_format_not_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "lab.tif", encoded(photo(4).convert("LAB"), "TIFF"))
    lines = findings(tmp_path, capsys)
    assert lines == ["lab.tif: IMG002 format: format TIFF is not allowed (allowed: JPEG, PNG, BMP): convert it or "
                     "add it to 'formats'"]


def test_c_level_writes_to_stderr_are_silenced_only_when_asked(capfd: pytest.CaptureFixture[str]) -> None:
    with c_stderr_silenced(True):
        os.write(2, b"TIFFReadDirectory: Warning, unknown field\n")  # as libtiff writes: to the descriptor
    with c_stderr_silenced(False):
        os.write(2, b"kept with --verbose\n")
    assert capfd.readouterr().err == "kept with --verbose\n"


def test_a_file_that_cannot_be_read_is_a_clear_finding_not_not_in_cache(tmp_path: Path) -> None:
    """Root reads anything, so as root (CI) the check runs without the capabilities that let it."""
    write(tmp_path / "secret.jpg", b"\xff\xd8 not readable").chmod(0)
    unprivileged = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"] if os.getuid() == 0 else []
    result = subprocess.run([*unprivileged, sys.executable, "-m", "imagelint", "check", "secret.jpg"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines()[0] == (
        "secret.jpg: IMG001 unreadable: cannot be read: permission denied; make it readable (chmod a+r) and run again")
