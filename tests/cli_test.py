"""The ``imagelint`` command through ``main([...])``, on plain folders of real images."""
from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image

from images import encode, photo, write, write_photo
from imagelint.cli import main


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A plain folder (no git) holding good and bad images, as the current directory."""
    monkeypatch.chdir(tmp_path)
    write_photo(tmp_path / "good.jpg", 1)
    write_photo(tmp_path / "nested" / "good.png", 2, image_format="PNG")
    good = encode(photo(3))
    write(tmp_path / "bad" / "truncated.jpg", good[: len(good) // 2])
    write(tmp_path / "bad" / "empty.jpg", b"")
    write(tmp_path / "bad" / "page.jpg", b"<!doctype html><title>404</title>")
    write(tmp_path / "bad" / "png named.jpg", encode(photo(4), "PNG"))
    write_photo(tmp_path / "bad" / "tiny.jpg", 5, size=(100, 80))
    write(tmp_path / "bad" / "-dash.jpg", b"")
    write(tmp_path / "bad" / "ünïcode.jpg", b"")
    bomb = io.BytesIO()
    Image.new("1", (40000, 40000)).save(bomb, "PNG")
    write(tmp_path / "bad" / "bomb.png", bomb.getvalue())
    os.symlink("/etc/passwd", tmp_path / "bad" / "link.jpg")
    (tmp_path / "notes.txt").write_text("not an image, not checked")
    return tmp_path


EXPECTED = [
    ("bad/-dash.jpg", "IMG001"),
    ("bad/bomb.png", "IMG004"),
    ("bad/empty.jpg", "IMG001"),
    ("bad/link.jpg", "IMG005"),
    ("bad/page.jpg", "IMG001"),
    ("bad/png named.jpg", "IMG003"),
    ("bad/tiny.jpg", "IMG102"),
    ("bad/truncated.jpg", "IMG001"),
    ("bad/ünïcode.jpg", "IMG001"),
]


def test_text_output_names_each_bad_file_once_and_exits_1(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "."]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [tuple(line.split(": ", 1)[0:1]) + (line.split(": ", 1)[1].split()[0],) for line in out[:-1]] == EXPECTED
    assert out[-1] == "imagelint: 11 images checked: 9 errors, 0 warnings."


def test_json_output_has_the_same_findings(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", ".", "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert [(f["path"], f["code"]) for f in document["findings"]] == EXPECTED
    assert set(document["findings"][0]) == {"path", "code", "rule", "severity", "message", "related"}
    assert document["summary"] == {"checked": 11, "errors": 9, "warnings": 0}


def test_github_output_is_workflow_annotations(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "bad/tiny.jpg", "--format", "github"]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("::error file=bad/tiny.jpg,title=IMG102 min-resolution::100x80 is below")


def test_a_leading_dash_file_name_is_a_path_after_double_dash(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--", "bad/-dash.jpg"]) == 1
    assert capsys.readouterr().out.startswith("bad/-dash.jpg: IMG001 unreadable: empty file")


def test_good_images_pass(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "good.jpg", "nested"]) == 0
    assert capsys.readouterr().out == "imagelint: 2 images checked, no problems found.\n"


@pytest.mark.parametrize(
    ("options", "codes"),
    [
        (["--select", "IMG0"], {"IMG001", "IMG003", "IMG004", "IMG005"}),
        (["--select", "min-resolution"], {"IMG102"}),
        (["--ignore", "IMG001,IMG005,symlink"], {"IMG003", "IMG004", "IMG102"}),
    ],
)
def test_select_and_ignore_take_codes_prefixes_and_names(
    folder: Path, capsys: pytest.CaptureFixture[str], options: list[str], codes: set[str]
) -> None:
    main(["check", ".", "--format", "json", *options])
    assert {f["code"] for f in json.loads(capsys.readouterr().out)["findings"]} == codes


def test_exit_zero_and_severity_from_config(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "bad/tiny.jpg", "--exit-zero"]) == 0
    (folder / ".imagelint.toml").write_text('severity = { min-resolution = "warning" }\n')
    assert main(["check", "bad/tiny.jpg"]) == 0
    assert capsys.readouterr().out.splitlines()[-2].endswith("(warning)")


def test_per_path_overrides_relax_limits(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / ".imagelint.toml").write_text('[[overrides]]\npaths = ["bad/tiny.jpg"]\nmin-resolution = [64, 64]\n')
    assert main(["check", "bad/tiny.jpg"]) == 0


def test_config_errors_exit_2_with_one_line(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / ".imagelint.toml").write_text('max-filesize = "1MB"\n')
    assert main(["check", "."]) == 2
    err = capsys.readouterr().err
    assert err == "imagelint: .imagelint.toml: unknown key 'max-filesize'; did you mean 'max-file-size'?\n"


@pytest.mark.parametrize(("argv", "message"), [
    (["check", "--jobs", "0"], "argument -j/--jobs: must be at least 1, got 0"),
    (["report", "-j", "two"], "argument -j/--jobs: expected a whole number, got 'two'"),
    (["facts", "build", "--partition-size", "0"], "argument --partition-size: must be at least 1, got 0"),
    (["check", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
])
def test_usage_errors_exit_2(folder: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_a_second_run_decodes_nothing(folder: Path) -> None:
    from imagelint.checking import check_images
    from imagelint.config import load_config

    config = load_config(folder)
    first = check_images(folder, ["."], config)
    second = check_images(folder, ["."], config)
    assert first.decoded == 10  # every readable file (a cold index is not worth hashing first); links never
    assert second.decoded == 0
    assert second.findings == first.findings


def test_parallel_and_serial_runs_give_identical_output(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for seed in range(20):
        write_photo(folder / "many" / f"{seed:02d}.jpg", 100 + seed)
    main(["check", ".", "--jobs", "1"])
    serial = capsys.readouterr().out
    os.environ["IMAGELINT_CACHE_DIR"] = str(folder / "fresh-cache")
    main(["check", ".", "--jobs", "2"])
    assert capsys.readouterr().out == serial


def test_config_and_rule_commands(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert 'max-file-size = 6000000' in out and "min-resolution = [256, 256]" in out
    assert main(["rule", "IMG102"]) == 0
    assert capsys.readouterr().out.startswith("IMG102 min-resolution (default: error)")
    assert main(["rule", "near-duplicate"]) == 0
    assert main(["rule", "IMG999"]) == 2


def test_the_blur_rule_is_opt_in(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blurred = photo(8).resize((16, 16)).resize((320, 320), Image.BICUBIC)
    write(folder / "blurred.jpg", encode(blurred))
    assert main(["check", "blurred.jpg"]) == 0
    assert "IMG201" not in capsys.readouterr().out
    main(["check", "blurred.jpg", "--select", "IMG2"])
    assert "blurred.jpg: IMG201 blurry: edge strength" in capsys.readouterr().out
    (folder / ".imagelint.toml").write_text('select = ["IMG", "blurry"]\n')
    main(["check", "blurred.jpg"])
    assert "IMG201" in capsys.readouterr().out


def test_an_internal_error_is_one_line_and_the_traceback_only_with_verbose(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import imagelint.checking

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(imagelint.checking, "check_images", broken)
    assert main(["check", "."]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "imagelint: internal error: RuntimeError: boom",
        "imagelint: run again with --verbose for the traceback",
    ]
    assert main(["check", ".", "--verbose"]) == 2
    assert "Traceback (most recent call last)" in capsys.readouterr().err
