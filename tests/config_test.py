from __future__ import annotations

from pathlib import Path

import pytest

from imagelint.config import ConfigError, build_config, glob_match, load_config, parse_size


@pytest.mark.parametrize(
    ("text", "size"),
    [("6MB", 6_000_000), ("6 MB", 6_000_000), ("6MiB", 6 * 2**20), ("500KB", 500_000), ("500kib", 512_000),
     ("1.5GB", 1_500_000_000), ("123", 123), (123, 123), ("0B", 0)],
)
def test_sizes_accept_decimal_and_binary_units(text: object, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["6 megabytes", "-1", "MB", "", True, 1.5, "6TB"])
def test_bad_sizes_are_refused(text: object) -> None:
    with pytest.raises(ValueError):
        parse_size(text)


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [("data/thumbnails/**", "data/thumbnails/a/b.jpg", True), ("data/thumbnails/**", "data/thumb.jpg", False),
     ("*.png", "a.png", True), ("*.png", "dir/a.png", False), ("**/*.png", "dir/a.png", True),
     ("**/*.png", "a.png", True), ("data/?.jpg", "data/a.jpg", True)],
)
def test_globs_follow_gitignore_conventions(pattern: str, path: str, expected: bool) -> None:
    assert glob_match(pattern, path) is expected


def test_defaults_follow_the_collection_guidance() -> None:
    limits = build_config({}, "x").limits
    assert limits.formats == ("JPEG", "PNG", "BMP")
    assert limits.max_file_size == 6_000_000
    assert limits.min_resolution == (256, 256)
    assert limits.max_pixels == 100_000_000


def test_generative_preset_raises_the_minimum_and_explicit_keys_win() -> None:
    generative = build_config({"preset": "generative"}, "x").limits
    assert generative.min_resolution == (1280, 720) and generative.select == ("IMG", "IMG201")  # blur check on
    config = build_config({"preset": "generative", "min-resolution": [512, 512]}, "x")
    assert config.limits.min_resolution == (512, 512)


def test_overrides_apply_to_matching_paths_only() -> None:
    config = build_config(
        {"overrides": [{"paths": ["data/thumbnails/**"], "min-resolution": [32, 32], "ignore": ["IMG101"]}]}, "x"
    )
    assert config.limits_for("data/thumbnails/a.jpg").min_resolution == (32, 32)
    assert config.limits_for("data/thumbnails/a.jpg").ignore == ("IMG101",)
    assert config.limits_for("data/train/a.jpg").min_resolution == (256, 256)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"max-filesize": "1MB"}, "pyproject.toml: unknown key 'max-filesize'; did you mean 'max-file-size'?"),
        ({"max-file-size": "big"}, "pyproject.toml: key 'max-file-size': expected a size"),
        ({"min-resolution": [256]}, "pyproject.toml: key 'min-resolution': expected [width, height]"),
        ({"preset": "video"}, "pyproject.toml: key 'preset': unknown preset 'video'"),
        ({"severity": {"IMG302": "fatal"}}, "pyproject.toml: key 'severity'"),
        ({"overrides": [{"paths": ["a/**"], "min-resolutoin": [1, 1]}]},
         "unknown key 'overrides[0].min-resolutoin'; did you mean 'min-resolution'?"),
    ],
)
def test_config_errors_name_the_file_and_key(table: dict, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        build_config(table, "pyproject.toml")
    assert message in str(error.value)


def test_imagelint_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.imagelint]\nmax-file-size = "1MB"\n')
    assert load_config(tmp_path).limits.max_file_size == 1_000_000
    (tmp_path / ".imagelint.toml").write_text('max-file-size = "2MB"\n')
    config = load_config(tmp_path)
    assert config.limits.max_file_size == 2_000_000
    assert config.source == ".imagelint.toml"


def test_pyproject_without_our_table_means_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_config(tmp_path).source == "defaults"


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / ".imagelint.toml").write_text("max-file-size = \n")
    with pytest.raises(ConfigError, match=r"\.imagelint\.toml: not valid TOML"):
        load_config(tmp_path)
