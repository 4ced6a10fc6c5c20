"""The value checks run on pointer and manifest content, and the escaping of printed names."""
from __future__ import annotations

import pytest

from imagelint.output.escape import printable
from imagelint.sources.pointer_checks import conflict_line, is_external, is_md5, line_of, stays_inside

MD5 = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("value, directory, expected", [
    (MD5, False, True), (MD5 + ".dir", True, True), (MD5 + ".dir", False, False), (MD5[:31], False, False),
    (MD5.upper(), False, False), ("../../../../evil.dir", True, False), (5, False, False), (None, True, False),
    (MD5 + "\n", False, False),
])
def test_md5_values(value: object, directory: bool, expected: bool) -> None:
    assert is_md5(value, directory) is expected


@pytest.mark.parametrize("path, expected", [
    ("data/train", True), ("a/../b.jpg", True), (".", True), ("../x.jpg", False), ("a/../../x", False),
    ("/etc/passwd", False), ("", False), ("a\0b.jpg", False), ("..", False),
])
def test_paths_stay_inside(path: str, expected: bool) -> None:
    assert stays_inside(path) is expected


def test_external_outs_and_lines() -> None:
    assert is_external("s3://bucket/x") and is_external("remote://store/a") and is_external("/mnt/data")
    assert not is_external("data/s3:/x")
    assert conflict_line(b"outs:\n<<<<<<< HEAD\n- a\n=======\n- b\n>>>>>>> other\n") == 2
    assert conflict_line(b"outs:\n- md5: x  # ======= not a marker\n") is None
    assert line_of(b"outs:\n- md5: abc\n  path: x\n", "abc") == 2 and line_of(b"x", "zzz") is None


@pytest.mark.parametrize("name, shown", [
    ("caf\udce9.jpg", "caf\\xe9.jpg"), ("red\x1b[31m.jpg", "red\\x1b[31m.jpg"), ("two\nlines.png", "two\\x0alines.png"),
    ("ünïcode.jpg", "ünïcode.jpg"), ("\x9b.png", "\\x9b.png"),
])
def test_printable_names(name: str, shown: str) -> None:
    assert printable(name) == shown
