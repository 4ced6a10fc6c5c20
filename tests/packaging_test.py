"""A plain (non-editable) install carries everything ``imagelint demo`` needs: the sample
generator, its settings and hooks, and the hook manifest."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
SAMPLE = ["__init__.py", "generate.py", "drawing.py", "pinning.py", "pyproject.toml", "dvc.yaml",
          ".pre-commit-config.yaml", "README.md", "pre-commit-hooks.yaml"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "-w", str(out), str(CHECKOUT)], check=True, capture_output=True)
    [built] = out.glob("imagelint-*.whl")
    return built


def test_the_wheel_ships_the_sample_and_the_manifest(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert {f"imagelint/sample/{name}" for name in SAMPLE} <= names
        manifest = archive.read("imagelint/sample/pre-commit-hooks.yaml")
    assert manifest == (CHECKOUT / ".pre-commit-hooks.yaml").read_bytes()


def test_the_installed_demo_finds_its_sample_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    probe = ("import imagelint.sample, imagelint.sample.generate as g; from pathlib import Path; "
             "p = Path(imagelint.sample.__file__).parent; print(p); print(g.SPLIT_COUNTS)")
    result = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {probe}"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder, counts = result.stdout.splitlines()
    assert folder == str(target / "imagelint" / "sample")
    assert counts == "(('train', 12), ('val', 4), ('test', 4))"
