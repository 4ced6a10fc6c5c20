"""The review page in a real headless Chromium: it loads with no console errors and no
request beyond itself, every thumbnail decodes, and duplicate groups are shown side by side."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from images import encode, photo, write, write_photo
from repo_helpers import dvc, git, new_repo

CHROMIUM = "/usr/bin/chromium"  # Debian's package; .ci/run installs it
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The page for a DVC dataset with three copies of one picture, a near copy, a broken file
    and a file name that is HTML."""
    root = new_repo(tmp_path_factory.mktemp("review") / "repo")
    (root / ".imagelint.toml").write_text("min-class-images = 1\n")
    data = root / "data" / "train"
    for seed, name in enumerate(["cat/1.jpg", "cat/2.jpg", "dog/1.jpg", "dog/2.jpg"]):
        write_photo(data / name, seed)
    for name in ("copy-a.jpg", "copy-b.jpg"):
        shutil.copyfile(data / "dog" / "1.jpg", data / "dog" / name)
    write(data / "cat" / "near.jpg", encode(photo(0).resize((300, 300)), quality=80))
    broken = encode(photo(9))
    write(data / "cat" / "broken.jpg", broken[: len(broken) // 2])
    write_photo(data / "cat" / "<img src=x onerror=alert(1)>.jpg", 11, size=(100, 100))
    dvc(root, "add", "-q", "data")
    git(root, "add", "-A")
    out = root.parent / "review.html"
    result = subprocess.run([sys.executable, "-m", "imagelint", "report", "--all", "-o", str(out)], cwd=root,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}: 6 findings, ")
    return out


def test_the_page_loads_offline_with_no_errors_and_shows_the_groups(page_file: Path, tmp_path: Path) -> None:
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
        page.on("request", lambda request: requests.append(request.url))
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        groups = page.eval_on_selector_all(
            "section.group", "els => els.map(e => [...e.querySelectorAll('.card .path')].map(p => p.textContent))")
        distances = page.eval_on_selector_all("section.group li", "els => els.map(e => e.textContent)")
        broken_images = page.eval_on_selector_all("img", "els => els.filter(i => !i.complete || i.naturalWidth === 0)"
                                                         ".length")
        image_count = page.eval_on_selector_all("img", "els => els.length")
        bars = page.eval_on_selector_all("svg.chart rect.bar", "els => els.length")
        findings_text = page.inner_text("#findings + table")
        page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
        browser.close()
    assert errors == []
    assert requests == [page_file.as_uri()]
    assert groups == [
        ["data/train/cat/1.jpg", "data/train/cat/near.jpg"],
        ["data/train/dog/1.jpg", "data/train/dog/copy-a.jpg", "data/train/dog/copy-b.jpg"],
    ]
    assert any("distance" in text and "of 64 bits" in text for text in distances)
    assert sum("identical content" in text for text in distances) == 3  # every pair of the three copies
    assert broken_images == 0 and image_count >= 5 + 5
    assert bars == 2
    assert "data/train/cat/<img src=x onerror=alert(1)>.jpg" in findings_text
    assert "data/train/cat/broken.jpg" in findings_text
    assert (tmp_path / "page.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_page_is_one_file_with_embedded_previews(page_file: Path) -> None:
    html = page_file.read_text(encoding="utf-8")
    assert "http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:;" in html
    assert 'src="data:image/jpeg;base64,' in html
    assert "<img src=x" not in html  # the hostile file name is escaped
    assert "src=\"http" not in html and "url(" not in html
