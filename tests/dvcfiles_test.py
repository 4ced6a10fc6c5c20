"""dvcfiles: pointers, config and manifests as DVC 2 and 3 write them (one test checks against real DVC)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from imagelint.sources import dvcfiles
from imagelint.sources.dvcfiles import Out
from repo_helpers import dvc, new_repo, write_image


@pytest.mark.parametrize("path, expected", [
    ("data/train.dvc", True), ("dvc.lock", True), ("sub/dvc.lock", True), ("a.dvc", True),
    (".dvc/config", False), (".dvc/tmp/x.dvc", False), ("dvc.yaml", False), ("data/train.dvcx", False),
])
def test_is_pointer(path: str, expected: bool) -> None:
    assert dvcfiles.is_pointer(path) is expected


def test_dvc_file_with_several_outs_wdir_and_both_generations() -> None:
    text = b"""wdir: ../shared
outs:
- md5: 96bc5ca60515bd58655df45683042443.dir
  size: 9911
  nfiles: 20
  hash: md5
  path: train
- md5: 8dc830d9f1a6b04b1ce5b5e8d1c1b4a3
  path: extra/img0.jpg
- path: not-hashed-yet
- md5: 1111111111111111111111111111111f
  path: /absolute/external.jpg
"""
    assert dvcfiles.dvc_file_outs("data/sets/all.dvc", text) == [
        Out("data/sets/all.dvc", "data/shared/train", "96bc5ca60515bd58655df45683042443.dir", legacy=False),
        Out("data/sets/all.dvc", "data/shared/extra/img0.jpg", "8dc830d9f1a6b04b1ce5b5e8d1c1b4a3", legacy=True),
    ]


def test_lock_outs_take_wdir_from_dvc_yaml_including_foreach_stages() -> None:
    lock = b"""schema: '2.0'
stages:
  make:
    cmd: python gen.py
    deps: [{path: gen.py, md5: 346d0000000000000000000000000000, hash: md5}]
    outs:
    - path: out/train
      hash: md5
      md5: 96bc5ca60515bd58655df45683042443.dir
  split@test:
    outs:
    - {path: test.png, hash: md5, md5: 2222222222222222222222222222222a}
  plain:
    outs:
    - {path: plain.png, hash: md5, md5: 3333333333333333333333333333333b}
"""
    stages = b"stages:\n  make: {cmd: x, wdir: sub}\n  split: {foreach: [test], do: {cmd: y, wdir: ../up}}\n  plain: {cmd: z}\n"
    assert dvcfiles.lock_outs("p/dvc.lock", lock, stages) == [
        Out("p/dvc.lock", "p/sub/out/train", "96bc5ca60515bd58655df45683042443.dir"),
        Out("p/dvc.lock", "up/test.png", "2222222222222222222222222222222a"),
        Out("p/dvc.lock", "p/plain.png", "3333333333333333333333333333333b"),
    ]
    legacy_lock = b"make:\n  outs:\n  - {path: a.png, md5: 4444444444444444444444444444444c}\n"
    assert dvcfiles.lock_outs("dvc.lock", legacy_lock, None) == [
        Out("dvc.lock", "a.png", "4444444444444444444444444444444c", legacy=True)]


@pytest.mark.parametrize("text, message", [
    (b"outs: [md5: {\n", "data/x.dvc: not valid DVC YAML: did not find expected node content (line 2)"),
    (b"- just a list\n", "data/x.dvc: not valid DVC YAML: the file is not a mapping"),
    (b"outs: {path: x}\n", "data/x.dvc: not valid DVC YAML: 'outs' is not a list"),
    (b"outs:\n- md5: abc\n", "data/x.dvc: not valid DVC YAML: an out has no 'path'"),
])
def test_malformed_pointer_names_the_file(text: bytes, message: str) -> None:
    with pytest.raises(dvcfiles.PointerError) as error:
        dvcfiles.dvc_file_outs("data/x.dvc", text)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_malformed_dvc_yaml_names_dvc_yaml() -> None:
    with pytest.raises(dvcfiles.PointerError, match=r"^sub/dvc.yaml: not valid DVC YAML"):
        dvcfiles.lock_outs("sub/dvc.lock", b"schema: '2.0'\nstages: {}\n", b"stages: [\n")


def test_cache_dir_prefers_config_local_and_is_relative_to_the_dvc_folder(tmp_path: Path) -> None:
    dvc_dir = tmp_path / "repo" / ".dvc"
    dvc_dir.mkdir(parents=True)
    assert dvcfiles.cache_dir(dvc_dir) == dvc_dir / "cache"
    (dvc_dir / "config").write_text("[core]\n    remote = r\n['remote \"r\"']\n    url = /x\n[cache]\n    dir = ../../shared\n")
    assert dvcfiles.cache_dir(dvc_dir) == tmp_path / "shared"
    (dvc_dir / "config.local").write_text("[cache]\n    dir = /elsewhere/cache\n")
    assert dvcfiles.cache_dir(dvc_dir) == Path("/elsewhere/cache")


def test_manifest_parse_errors() -> None:
    md5 = "0123456789abcdef" * 2
    assert dvcfiles.parse_manifest(b'[{"md5": "%s", "relpath": "x.png"}]' % md5.encode()) == {"x.png": md5}
    with pytest.raises(dvcfiles.ManifestError, match="not valid JSON"):
        dvcfiles.parse_manifest(b"{nope")
    with pytest.raises(dvcfiles.ManifestError, match="not a list of"):
        dvcfiles.parse_manifest(b'{"md5": "a"}')


def test_manifest_name_and_layouts_match_real_dvc(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    for seed, name in enumerate(["a/0.png", "a/1.jpg", "b/0.png", "notes.txt"]):
        write_image(repo / "data" / name, seed) if name.endswith(("png", "jpg")) else (repo / "data" / name).write_text("x")
    dvc(repo, "add", "-q", "data")
    [out] = dvcfiles.dvc_file_outs("data.dvc", (repo / "data.dvc").read_bytes())
    cache = dvcfiles.cache_dir(repo / ".dvc")
    manifest = dvcfiles.read_cached_manifest(cache, out.md5)
    assert manifest == dvcfiles.workspace_manifest(repo / "data")
    assert dvcfiles.manifest_digest(manifest) == out.md5 and not out.legacy
    md5 = manifest["a/0.png"]
    modern, legacy = (Path(folder, md5[:2], md5[2:]) for folder in dvcfiles.object_folders(cache))
    assert hashlib.md5(modern.read_bytes()).hexdigest() == md5 and not legacy.exists()
    assert dvcfiles.read_cached_manifest(cache, "0" * 32 + ".dir") is None
