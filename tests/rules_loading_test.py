"""Loader rules (IMG006-IMG010) on real photographs, one case per rule, and through the CLI."""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from images import encode, write
from photos import real_photo
from imagelint.cli import main
from imagelint.config import build_config
from imagelint.facts.image_facts import read_image_facts
from imagelint.rules.image import image_findings
from imagelint.sources.dataset import ImageRef

LIMITS = build_config({}, "test").limits


def _cases() -> dict[str, tuple[bytes, list[str]]]:
    coffee = real_photo("coffee.png")
    exif = Image.Exif()
    exif[0x0112] = 8
    cmyk = io.BytesIO()
    coffee.convert("CMYK").save(cmyk, "JPEG", quality=90)
    sixteen = Image.fromarray(np.asarray(coffee.convert("L"), dtype=np.uint16) * 257)
    return {
        "upright.jpg": (encode(coffee), []),
        "grey.png": (encode(coffee.convert("L"), "PNG"), []),
        "turned.jpg": (encode(coffee.transpose(Image.Transpose.ROTATE_270), exif=exif.tobytes()), ["IMG006"]),
        "print.jpg": (cmyk.getvalue(), ["IMG007"]),
        "depth.png": (encode(sixteen, "PNG"), ["IMG008"]),
        "cutout.png": (encode(coffee.convert("RGBA"), "PNG"), ["IMG009"]),
        "indexed.png": (encode(coffee.convert("P"), "PNG"), ["IMG010"]),
    }


@pytest.mark.parametrize("name", list(_cases()))
def test_each_loader_rule_fires_on_its_case_only(name: str) -> None:
    data, codes = _cases()[name]
    ref = ImageRef(path=f"data/train/cup/{name}")
    found = image_findings(ref, read_image_facts(data, LIMITS.max_pixels), LIMITS)
    assert sorted(f.code for f in found) == codes


def test_loader_findings_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    for name, (data, _) in _cases().items():
        write(tmp_path / name, data)
    assert main(["check", "--select", "IMG0", "--format", "json", "."]) == 1  # IMG008 is an error
    found = {(f["path"], f["code"], f["severity"]) for f in json.loads(capsys.readouterr().out)["findings"]}
    assert found == {("turned.jpg", "IMG006", "warning"), ("print.jpg", "IMG007", "warning"),
                     ("depth.png", "IMG008", "error"), ("cutout.png", "IMG009", "warning"),
                     ("indexed.png", "IMG010", "warning")}
    assert main(["check", "--select", "IMG0", "--ignore", "high-bit-depth", "."]) == 0
    assert "IMG006 exif-orientation: EXIF orientation 8 tells viewers to rotate it 90 degrees anticlockwise" in \
        capsys.readouterr().out
    assert main(["rule", "IMG006"]) == 0 and "exiftran" in capsys.readouterr().out
