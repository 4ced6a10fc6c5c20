"""Shortcut (IMG501) and diversity (IMG502) rules on real photographs arranged into classes.

Three classes of camera-like cuts (random position, size and aspect; JPEG quality 85-95) from
scikit-image's sample photographs, each class from its own photos: classes that differ only
in content. Then one class is changed the way real collections go wrong.
"""
from __future__ import annotations

import io
import json
import random
from functools import lru_cache
from pathlib import Path

import pytest
from PIL import Image, ImageEnhance

from photos import real_photo
from imagelint.cli import main

#: Each class gets colour and grey, bright and dark, flat and contrasty photos alike: with five
#: photos a class, a careless deal makes one class truly darker or greyer by content alone.
CLASSES = {
    "aa": ("astronaut.png", "motorcycle_left.png", "rocket.jpg", "grass.png", "moon.png"),
    "bb": ("camera.png", "motorcycle_right.png", "chelsea.png", "retina.jpg", "brick.png"),
    "cc": ("coffee.png", "ihc.png", "coins.png", "gravel.png"),
}
PER_CLASS = 16


def _cut(image: Image.Image, rng: random.Random, shift: float | None = None) -> Image.Image:
    aspect = rng.choice((4 / 3, 3 / 2, 1.0))
    scale = 0.9 if shift is not None else rng.uniform(0.5, 0.95)
    width = min(image.width, image.height * aspect) * scale
    height = width / aspect
    if shift is None:
        left, top = rng.uniform(0, image.width - width), rng.uniform(0, image.height - height)
    else:  # frames of one scene: the same view, moved a little
        left = max(0.0, min(image.width - width, (image.width - width) / 2 + rng.uniform(-shift, shift) * image.width))
        top = max(0.0, min(image.height - height, (image.height - height) / 2 + rng.uniform(-shift, shift) * image.height))
    return image.resize((round(300 * aspect), 300), Image.Resampling.BILINEAR,
                        box=(left, top, left + width, top + height))


def _jpeg(image: Image.Image, quality: int, exif: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif)
    return buffer.getvalue()


@lru_cache(maxsize=None)
def arrangement(plant: str = "") -> dict[str, bytes]:
    """Image bytes by path; ``plant`` changes class 'bb' only."""
    rng = random.Random(12)
    files = {}
    for label, names in CLASSES.items():
        for n in range(PER_CLASS):
            quality = rng.choice((85, 90, 95))
            planted = label == "bb" and plant
            if planted == "few-frames":
                image = _cut(real_photo(names[n % 2]), rng, shift=0.02)
            else:
                image = _cut(real_photo(names[n % len(names)]), rng)
            exif = b""
            if planted == "darkened":
                image = ImageEnhance.Brightness(image).enhance(0.35)
            if planted == "jpeg-quality":
                quality = 50
            if planted == "camera":
                tags = Image.Exif()
                tags[0x010F], tags[0x0110] = "Canon", "Canon EOS 5D"
                exif = tags.tobytes()
            files[f"data/train/{label}/{n:02d}.jpg"] = _jpeg(image, quality, exif)
    return files


def _check(folder: Path, files: dict[str, bytes], capsys: pytest.CaptureFixture[str]) -> list[dict]:
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    assert main(["check", "--select", "IMG5", "--format", "json", str(folder / "data")]) == 0  # warnings only
    return json.loads(capsys.readouterr().out)["findings"]


def test_classes_that_differ_only_in_content_raise_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _check(tmp_path, arrangement(), capsys) == []


@pytest.mark.parametrize(("plant", "code", "words"), [
    ("darkened", "IMG501", "brightness alone tells class 'bb' from the others"),
    ("jpeg-quality", "IMG501", "jpeg quality alone tells class 'bb' from the others"),
    ("camera", "IMG501", "camera 'Canon EOS 5D': 100% of class 'bb' and no other image of the split"),
    ("few-frames", "IMG502", "class 'bb' is far less varied than the other classes: near-identical images"),
])
def test_a_planted_shortcut_is_found_with_its_property(plant: str, code: str, words: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    found = _check(tmp_path, arrangement(plant), capsys)
    matching = [f for f in found if f["code"] == code and words in f["message"]]
    assert matching, found
    assert matching[0]["path"] == "data/train" and matching[0]["severity"] == "warning"
    assert all("'aa'" not in f["message"].split(":")[0] for f in found)  # the unchanged classes are not blamed


def test_a_class_from_one_fixed_size_among_varied_sizes_is_low_diversity(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The other classes come from phones and exports of every size; class 'bb' from one fixed
    camera at one resolution. With sizes of a few values only, as in the clean arrangement,
    nothing is reported (test above)."""
    monkeypatch.chdir(tmp_path)
    rng = random.Random(5)
    files = {}
    for path, data in arrangement().items():
        with Image.open(io.BytesIO(data)) as image:
            scale = 1.0 if "/bb/" in path else rng.choice((0.7, 1.0, 1.5, 2.2, 3.0))
            resized = image.resize((round(image.width * scale), round(image.height * scale)))
        files[path] = _jpeg(resized.resize((600, 450)) if "/bb/" in path else resized, 90)  # their middle size
    found = _check(tmp_path, files, capsys)
    assert [f["message"].split(":")[0] for f in found] == ["class 'bb' is far less varied than the other classes"]
    assert "size (log2 megapixels standard deviation) 0.00 vs" in found[0]["message"]


def test_a_class_whose_sizes_have_a_middle_quartile_of_one_value_is_not_low_diversity() -> None:
    """Sizes take a few values; a class that holds the middle one in most images has an
    interquartile range of 0 by chance, though it is as varied as the others."""
    from imagelint.config import Config
    from imagelint.rules.diversity import diversity_findings
    from imagelint.stats.properties import Profile
    from imagelint.stats.split_profiles import ClassImages, SplitProfiles

    def images(*megapixels: float) -> tuple[Profile, ...]:
        return tuple(Profile((None,) * 5 + (size, None), ("(none)", "JPEG", "RGB", "(none)"), None)
                     for size in megapixels)

    middle = images(*[0.11] * 10, *[0.05] * 3, *[0.4] * 3)
    spread = images(*[0.05] * 4, *[0.11] * 4, *[0.15] * 4, *[0.4] * 4)
    split = SplitProfiles("data/train", (ClassImages("aa", middle), ClassImages("bb", spread),
                                         ClassImages("cc", spread)))
    assert diversity_findings([split], Config()) == []
    one_size = SplitProfiles("data/train", (ClassImages("aa", images(*[0.11] * 16)), *split.classes[1:]))
    assert [f.message.split(":")[0] for f in diversity_findings([one_size], Config())] == [
        "class 'aa' is far less varied than the other classes"]


def test_the_hook_reports_a_camera_shortcut_when_a_dvc_commit_brings_it(tmp_path: Path) -> None:
    """A real DVC repository: the clean dataset is committed, then class 'bb' is replaced by
    images from one camera and committed through the installed hook."""
    import subprocess
    import sys

    import yaml

    from hook_test import local_hooks_config
    from repo_helpers import dvc, git, new_repo

    repo = new_repo(tmp_path / "repo")
    (repo / ".imagelint.toml").write_text("min-class-images = 1\n")
    config = yaml.safe_load(local_hooks_config())
    # pre-commit shows a passing hook's output only with verbose: what a team that wants to see
    # warnings at every commit sets
    config["repos"][0]["hooks"] = [{**hook, "verbose": True} for hook in config["repos"][0]["hooks"]
                                   if hook["id"] == "imagelint"]
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    for path, data in arrangement().items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(data)
    dvc(repo, "add", "-q", "data")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "dataset", "--no-verify")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, check=True, capture_output=True)
    for path, data in arrangement("camera").items():
        if "/bb/" in path:
            (repo / path).write_bytes(data)
    dvc(repo, "add", "-q", "data")
    git(repo, "add", "data.dvc")
    result = subprocess.run(["git", "commit", "-m", "bb from the lab camera"], cwd=repo, capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output  # a warning does not block the commit
    shortcut = [line for line in output.splitlines() if "IMG501" in line]
    assert shortcut == ["data/train: IMG501 shortcut-property: camera 'Canon EOS 5D': 100% of class 'bb' and no other "
                        "image of the split: a model can learn the camera instead of the content; collect 'bb' with "
                        "several cameras, or give images of a fixed camera their own label (warning)"]
