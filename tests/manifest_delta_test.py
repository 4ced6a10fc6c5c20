"""The manifest delta answers what the full parse answers, or leaves it to the full parse."""
from __future__ import annotations

import hashlib
import json
from typing import Callable

import pytest

from imagelint.sources.dvcfiles import ManifestError, parse_manifest
from imagelint.sources.manifest_delta import canonical_manifest, manifest_delta

Entries = list[tuple[str, str]]


def md5(seed: object) -> str:
    return hashlib.md5(str(seed).encode()).hexdigest()


OLD: Entries = sorted((f"{split}/class{i % 4}/img{i:04d}.jpg", md5(i))
                      for i, split in ((i, "train" if i % 5 else "test") for i in range(200)))


def dvc_bytes(entries: Entries) -> bytes:
    """As DVC writes a ``.dir`` object."""
    listing = [{"md5": m, "relpath": r} for r, m in sorted(entries)]
    return json.dumps(listing, sort_keys=True).encode()


def edited(change: Callable[[Entries], Entries]) -> bytes:
    return dvc_bytes(change(list(OLD)))


def rename(entries: Entries, old: str, new: str) -> Entries:
    return [(new if r == old else r, m) for r, m in entries]


CASES: dict[str, bytes] = {
    "unchanged": dvc_bytes(OLD),
    "ten added in one folder": edited(lambda e: e + [(f"train/class1/new{i}.jpg", md5(f"n{i}")) for i in range(10)]),
    "ten added in ten folders": edited(lambda e: e + [(f"{s}/class{i % 4}/new{i}.jpg", md5(f"n{i}"))
                                                      for i, s in zip(range(10), ["train", "test"] * 5)]),
    "added before the first": edited(lambda e: e + [("aaa/first.jpg", md5("a"))]),
    "added after the last": edited(lambda e: e + [("zzz/last.jpg", md5("z"))]),
    "scattered changes": edited(lambda e: [(r, md5(r) if i % 37 == 0 else m) for i, (r, m) in enumerate(e)]),
    "deletions": edited(lambda e: [entry for i, entry in enumerate(e) if i % 50 != 3]),
    "first and last deleted": edited(lambda e: e[1:-1]),
    "everything deleted": b"[]",
    "a rename": edited(lambda e: rename(e, OLD[10][0], "train/class9/renamed.jpg")),
    "a label file added": edited(lambda e: e + [("train/class1/labels.txt", md5("t"))]),
    "unicode and escapes": edited(lambda e: e + [("train/cl\u00e4ss/\"quoted\" \\ \u65e5.jpg", md5("u"))]),
    "other whitespace": dvc_bytes(OLD).replace(b'}, {"md5": "' + OLD[7][1].encode(),
                                               b'},\n  {"md5" : "' + OLD[7][1].encode()),
    "extra keys": dvc_bytes(OLD).replace(b'{"md5": "' + OLD[7][1].encode(),
                                         b'{"isexec": true, "md5": "' + OLD[7][1].encode()),
    "a duplicate relpath later": dvc_bytes(OLD)[:-1] + b', {"md5": "' + md5("d").encode() + b'", "relpath": "'
    + OLD[0][0].encode() + b'"}]',
    "out of order": dvc_bytes(OLD)[:-1] + b', {"md5": "' + md5("o").encode() + b'", "relpath": "a.jpg"}]',
    "relpath outside its folder": edited(lambda e: e + [("train/../../etc/x.jpg", md5("x"))]),
    "md5 not hex": dvc_bytes(OLD).replace(OLD[50][1].encode(), b"Z" * 32),
    "entry not an object": dvc_bytes(OLD).replace(b'{"md5": "' + OLD[60][1].encode() + b'", "relpath": "'
                                                  + OLD[60][0].encode() + b'"}', b"42"),
    "truncated": dvc_bytes(OLD)[:-300],
    "trailing comma": dvc_bytes(OLD)[:-1] + b", ]",
    "not json": b"\x00" + dvc_bytes(OLD)[1:],
    "a second list": dvc_bytes(OLD) + b"[]",
    "string swallowing the rest": dvc_bytes(OLD)[:3000] + b'"' + dvc_bytes(OLD)[3000:],
}


def full(data: bytes) -> dict[str, str] | str:
    try:
        return parse_manifest(data)
    except ManifestError as exc:
        return f"error: {exc}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_delta_equals_the_full_parse(name: str) -> None:
    old, starts = canonical_manifest(OLD)
    assert old == dvc_bytes(OLD)
    new = CASES[name]
    delta = manifest_delta(old, starts, lambda i: OLD[i][0], new)
    expected = full(new)
    if delta is None:
        assert name not in ("unchanged", "ten added in one folder", "scattered changes", "deletions", "a rename")
        return
    applied = dict(entry for group, run in zip(delta.added, [*delta.kept, (0, 0)])
                   for entry in [*group, *OLD[run[0]:run[1]]])
    assert applied == expected
    assert list(applied) == sorted(applied)
    if delta.starts is not None:
        assert new == dvc_bytes(list(applied.items()))
        assert delta.starts.tolist() == canonical_manifest(sorted(applied.items()))[1].tolist()


def test_a_change_parses_only_the_span_that_differs() -> None:
    old, starts = canonical_manifest(OLD)
    delta = manifest_delta(old, starts, lambda i: OLD[i][0], CASES["ten added in one folder"])
    assert delta is not None and sum(map(len, delta.added)) == 10
    assert len(delta.removed(len(OLD))) == 0
