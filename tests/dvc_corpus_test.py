"""The DVC readers on what people really commit, and on inputs that once broke them.

``../shared/corpora/`` beside the checkout holds 358 DVC files from public repositories and the
fuzz reproducers; the test reads them in place (they are not part of the project) and fails,
rather than skips, when they are missing.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from imagelint.facts.image_facts import read_image_facts
from imagelint.sources import dvcfiles
from imagelint.sources.pointer_checks import is_md5, stays_inside

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


def corpus(name: str) -> list[Path]:
    folder = CORPORA / name
    assert folder.is_dir(), f"{folder} is missing: the corpora are expected beside the checkout"
    return sorted(path for path in folder.rglob("*") if path.is_file() and path.suffix not in (".md", ".tsv"))


def repo_path(path: Path) -> str:
    """Where the file was committed: corpus names are ``owner__repo[@commit]__dir__file``."""
    return "/".join(path.name.split("__")[2:]) or path.name


def read_all_ways(name: str, data: bytes) -> list[str]:
    """Every reader on ``data``; the errors they documented, as text. Anything else propagates."""
    errors = []
    for reader in (lambda: dvcfiles.dvc_file_outs(name, data), lambda: dvcfiles.lock_outs(name, data, None),
                   lambda: dvcfiles.lock_outs(name, data, data)):
        try:
            for out in reader():
                assert is_md5(out.md5, directory=True) and stays_inside(out.path), out
        except dvcfiles.PointerError as exc:
            errors.append(str(exc))
    try:
        for relpath, md5 in dvcfiles.parse_manifest(data).items():
            assert stays_inside(relpath) and is_md5(md5)
    except dvcfiles.ManifestError as exc:
        errors.append(str(exc))
    return errors


def test_every_real_dvc_file_is_read_or_refused_with_a_documented_error() -> None:
    files = corpus("real-dvc")
    assert len(files) >= 350
    for path in files:
        read_all_ways(repo_path(path), path.read_bytes())
    refused = {}
    for folder, read in (("dvc", lambda path: dvcfiles.dvc_file_outs(repo_path(path), path.read_bytes())),
                         ("lock", lambda path: dvcfiles.lock_outs(repo_path(path), path.read_bytes(), None))):
        for path in (path for path in files if path.parent.name == folder):
            try:
                read(path)
            except dvcfiles.PointerError as exc:
                refused[path.name] = str(exc)
    assert not refused, refused  # every real pointer and lock file is read


def test_the_merge_conflicted_real_pointer_is_refused_with_its_line() -> None:
    conflicted = [path for path in corpus("real-dvc") if b"\n<<<<<<< " in b"\n" + path.read_bytes()]
    assert conflicted
    for path in conflicted:
        with pytest.raises(dvcfiles.PointerError, match="merge-conflict markers") as error:
            dvcfiles.dvc_file_outs(path.name, path.read_bytes())
        assert error.value.line is not None


def test_the_real_dvc_configs_give_a_cache_folder(tmp_path: Path) -> None:
    for number, path in enumerate(p for p in corpus("real-dvc") if p.parent.name == "config"):
        folder = tmp_path / str(number) / ".dvc"
        folder.mkdir(parents=True)
        (folder / "config").write_bytes(path.read_bytes())
        assert dvcfiles.cache_dir(folder).is_absolute()


def test_the_fuzz_reproducers_give_documented_results() -> None:
    """The DVC inputs raise only documented errors; the image inputs are measured, and decoded only
    within the pixel limit (their memory is asserted through the CLI in untrusted_input_test)."""
    reproducers = corpus("fuzz-reproducers")
    dvc_inputs = [path for path in reproducers if "-dvc-" in path.name]
    image_inputs = [path for path in reproducers if "-facts-" in path.name]
    assert len(dvc_inputs) >= 10 and len(image_inputs) >= 10
    for path in dvc_inputs:
        data = path.read_bytes()
        read_all_ways(path.name, data[1:])
    for path in image_inputs:
        facts = read_image_facts(path.read_bytes(), 100_000_000)
        assert facts.size == path.stat().st_size and facts.pixels > 0, path.name
        assert not facts.decoded or facts.pixels <= 100_000_000, path.name
