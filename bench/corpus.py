"""Build a benchmark corpus of real photographs from Debian wallpaper and sample-data packages.

Real photos matter because perceptual hashes and pixel statistics behave differently on camera
noise, JPEG artefacts and natural textures than on synthetic test images. Packages are fetched
with ``apt-get download`` and unpacked with ``dpkg-deb -x`` under the corpus folder, so nothing
is installed system-wide. Every step skips work that is already done, so a rerun is cheap.

Layout under the corpus root (default ``bench/.corpus``):

- ``debs/`` the downloaded packages, ``x/<package>/`` their unpacked trees;
- ``photos/`` the kept images, byte for byte as shipped, named
  ``<package>__<family>[_<variant>]__<W>x<H>.<ext>``, plus ``manifest.json`` that maps each to its
  source path, its photo group, its role: ``original`` (largest file of a group), ``resized``
  (a smaller copy with the same aspect ratio, a real-world resize) or ``reframed`` (a copy with
  another aspect ratio, e.g. a portrait cut), and its kind: ``photo``, or ``flat`` for flat and
  vector art and artwork with transparency (logos, illustrations), which only the duplicate
  quality bench uses (``load_photos`` returns photographs unless asked for more);
- ``camera/`` camera-size JPEGs (1 to 12 megapixels) cut from the originals, for speed benchmarks.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Sequence

from PIL import Image, ImageChops

DEFAULT_ROOT = Path(__file__).resolve().parent / ".corpus"

#: Package -> regular expression over paths inside the package that may hold photos.
#: scikit-image ships test patterns too; only its natural photographs are listed (one of
#: its stereo pair).
PACKAGES: dict[str, str] = {
    "plasma-workspace-wallpapers": r"usr/share/wallpapers/[^/]+/contents/(images[^/]*/[^/]+|screenshot)\.(jpe?g|png)$",
    "mate-backgrounds": r"usr/share/backgrounds/mate/.+\.(jpe?g|png)$",
    "ukui-wallpapers": r"usr/share/backgrounds/[^/]+\.(jpe?g|png)$",
    "lomiri-wallpapers": r"usr/share/backgrounds/[^/]+\.(jpe?g|png)$",
    "lomiri-wallpapers-16.04": r"usr/share/backgrounds/[^/]+\.(jpe?g|png)$",
    "lomiri-wallpapers-20.04": r"usr/share/backgrounds/[^/]+\.(jpe?g|png)$",
    "sway-backgrounds": r"usr/share/backgrounds/sway/[^/]+\.(jpe?g|png)$",
    "python3-skimage": (
        r"skimage/data/(astronaut|camera|chelsea|coffee|coins|motorcycle_left|rocket"
        r"|retina|grass|gravel|brick|moon|hubble_deep_field|ihc)\.(jpe?g|png)$"
    ),
}

#: Below this entropy (bits, 64 px grayscale thumbnail) an image is flat art, not a photograph.
#: Flat art is kept, as kind "flat".
MIN_ENTROPY = 5.0
#: A colour photo shows thousands of distinct colours even at 256 px; flat vector art shows few.
MIN_COLOURS = 1000
#: Smallest side kept; smaller files are only kept as resized copies of a larger original.
MIN_SIDE = 256
#: Aspect ratios closer than this count as the same framing (a plain resize).
ASPECT_TOLERANCE = 0.02

#: Recolourings of one artwork shipped under several names: (package, pattern) -> family.
#: Their variant is the captured word, so they count as related, not as distinct photos.
COLOUR_VARIANTS = {("mate-backgrounds", re.compile(r"^(Ubuntu-Mate)-(\w+)(-no-logo)$")): r"\1\3"}

_SIZE_TOKEN = re.compile(r"_?\d{3,5}x\d{3,5}(_portrait)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Photo:
    """One kept image file and its place in a photo group."""

    file: str
    package: str
    source: str
    family: str
    variant: str
    width: int
    height: int
    md5: str
    role: str
    kind: str = "photo"

    @property
    def group(self) -> str:
        """Files of one group show the same picture; groups of one family are related variants."""
        return f"{self.package}/{self.family}" + (f"_{self.variant}" if self.variant else "")

    @property
    def pixels(self) -> int:
        return self.width * self.height


def fetch_packages(root: Path, packages: Iterable[str], download: bool) -> list[Path]:
    """Download (if missing) and unpack each package; returns the unpacked trees."""
    debs = root / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    packages = list(packages)
    missing = [p for p in packages if not _deb_for(debs, p)]
    if missing and download:
        print(f"apt-get update, then download: {' '.join(missing)}")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "download", "-q", *missing], cwd=debs, check=True)
    trees = []
    for package in packages:
        deb = _deb_for(debs, package)
        if deb is None:
            print(f"{package}: not downloaded, skipped")
            continue
        tree = root / "x" / package
        marker = tree / ".unpacked"
        if marker.exists() and marker.read_text() == deb.name:
            print(f"{package}: {deb.name} already unpacked")
        else:
            shutil.rmtree(tree, ignore_errors=True)
            tree.mkdir(parents=True)
            subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True)
            marker.write_text(deb.name)
            print(f"{package}: unpacked {deb.name}")
        trees.append(tree)
    return trees


def _deb_for(debs: Path, package: str) -> Path | None:
    found = sorted(debs.glob(f"{package}_*.deb"))
    return found[-1] if found else None


def collect_photos(root: Path, packages: Iterable[str]) -> tuple[list[Photo], list[dict[str, str]]]:
    """Copy the photographs of the unpacked packages into ``photos/``; returns kept and skipped."""
    out = root / "photos"
    out.mkdir(parents=True, exist_ok=True)
    candidates: list[tuple[str, str, str, str, int, int, str, str]] = []
    skipped: list[dict[str, str]] = []
    seen: dict[str, str] = {}
    for package in packages:
        tree = root / "x" / package
        pattern = re.compile(PACKAGES[package])
        for path in sorted(tree.rglob("*")):
            rel = path.relative_to(tree).as_posix()
            if not pattern.search(rel) or not path.is_file():
                continue
            real = path.resolve()
            if real != path and real.is_relative_to(tree.resolve()):
                rel = real.relative_to(tree.resolve()).as_posix()  # name the file, not the link
            data = real.read_bytes()
            md5 = hashlib.md5(data).hexdigest()
            if md5 in seen:
                skipped.append({"source": f"{package}:{rel}", "reason": f"same bytes as {seen[md5]}"})
                continue
            seen[md5] = f"{package}:{rel}"
            reason, width, height = _photo_problem(data)
            if reason.startswith("does not decode"):
                skipped.append({"source": f"{package}:{rel}", "reason": reason})
                continue
            family, variant = _family_of(package, rel)
            candidates.append((package, rel, family, variant, width, height, md5, "flat" if reason else "photo"))
    photos = _assign_roles(candidates, skipped)
    for photo in photos:
        target = out / photo.file
        if not target.exists():
            shutil.copyfile((root / "x" / photo.package / photo.source).resolve(), target)
    kept = {p.file for p in photos} | {"manifest.json"}
    for stale in sorted(f for f in out.iterdir() if f.name not in kept):
        stale.unlink()
        print(f"removed stale {stale.name}")
    manifest = {"photos": [asdict(p) for p in photos], "skipped": skipped}
    _write_json(out / "manifest.json", manifest)
    return photos, skipped


def _photo_problem(data: bytes) -> tuple[str, int, int]:
    """Why ``data`` is not a usable photograph ('' if it is), with its size."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            image.draft("RGB", (256, 256))
            image.load()
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                alpha = image.convert("RGBA").getchannel("A")
                if alpha.getextrema()[0] < 255:
                    return "has transparent pixels (not a photograph)", width, height
            small = image.convert("RGB")
    except Exception as exc:  # noqa: BLE001 - a broken shipped file is simply not used
        return f"does not decode: {exc}", 0, 0
    small.thumbnail((256, 256))
    gray = small.convert("L")
    thumb = gray.copy()
    thumb.thumbnail((64, 64))
    if thumb.entropy() < MIN_ENTROPY:
        return f"flat art: entropy {thumb.entropy():.2f} < {MIN_ENTROPY}", width, height
    colours = len(small.getcolors(1 << 18) or ())
    red, green, blue = small.split()
    is_gray = ImageChops.difference(red, green).getbbox() is None and ImageChops.difference(green, blue).getbbox() is None
    if not is_gray and colours < MIN_COLOURS:
        return f"vector art: {colours} colours < {MIN_COLOURS}", width, height
    return "", width, height


def _family_of(package: str, rel: str) -> tuple[str, str]:
    """Photo family and variant from a shipped path (``images_dark`` is the dark variant)."""
    parts = rel.split("/")
    if package == "plasma-workspace-wallpapers":
        folder = parts[-3] if parts[-1].startswith("screenshot") else parts[-4]
        variant = parts[-2].partition("_")[2] if parts[-2].startswith("images_") else ""
        return folder, variant
    stem = _SIZE_TOKEN.sub("", Path(rel).stem)
    for (owner, pattern), family in COLOUR_VARIANTS.items():
        match = pattern.match(stem) if owner == package else None
        if match:
            return match.expand(family), match.group(2).lower()
    return stem, ""


def _assign_roles(candidates: list[tuple[str, str, str, str, int, int, str, str]], skipped: list[dict[str, str]]) -> list[Photo]:
    """Group files showing one picture; the largest is the original, the rest its copies."""
    groups: dict[tuple[str, str, str], list[tuple[str, str, str, str, int, int, str, str]]] = {}
    for item in candidates:
        groups.setdefault((item[0], item[2], item[3]), []).append(item)
    photos = []
    for (package, family, variant), items in sorted(groups.items()):
        items.sort(key=lambda i: (-i[4] * i[5], i[1]))
        _, top_rel, _, _, top_w, top_h, _, kind = items[0]
        if min(top_w, top_h) < MIN_SIDE:
            skipped.append({"source": f"{package}:{top_rel}", "reason": f"too small ({top_w}x{top_h})"})
            continue
        top_aspect = top_w / top_h
        for index, (_, rel, _, _, width, height, md5, _) in enumerate(items):
            if index == 0:
                role = "original"
            elif abs(width / height - top_aspect) / top_aspect <= ASPECT_TOLERANCE:
                role = "resized"
            else:
                role = "reframed"
            name = f"{package}__{family}" + (f"_{variant}" if variant else "")
            name += f"__{width}x{height}{Path(rel).suffix.lower()}"
            photos.append(Photo(name, package, rel, family, variant, width, height, md5, role, kind))
    return photos


def load_photos(root: Path = DEFAULT_ROOT, kinds: Sequence[str] = ("photo",)) -> list[Photo]:
    """The kept images of ``kinds`` recorded by the last build (run this script first)."""
    manifest = root / "photos" / "manifest.json"
    if not manifest.exists():
        raise SystemExit(f"no corpus at {manifest}: run bench/corpus.py first")
    photos = [Photo(**entry) for entry in json.loads(manifest.read_text())["photos"]]
    return [photo for photo in photos if photo.kind in kinds]


def camera_size(dst: Path, n: int, photos: Sequence[Photo], photos_dir: Path, seed: int = 0) -> list[Path]:
    """Cut ``n`` camera-size JPEGs (1 to 12 megapixels, 4:3 or 3:2) from the originals.

    Output is deterministic for a given seed and corpus; files already present are kept, so a
    larger ``n`` only adds the missing ones. Sources smaller than the target are upscaled, which
    keeps the pixel count (what decode speed depends on) exact.
    """
    dst.mkdir(parents=True, exist_ok=True)
    sources = sorted((p for p in photos if p.role == "original" and p.kind == "photo"), key=lambda p: p.file)
    if not sources:
        raise SystemExit("no originals in the corpus")
    made = []
    for index in range(n):
        existing = sorted(dst.glob(f"cam_{index:05d}_*.jpg"))
        if existing:
            made.append(existing[0])
            continue
        rng = random.Random(seed * 1_000_003 + index)
        source = sources[(index * 7 + seed) % len(sources)]
        megapixels = 1 + index % 12
        aspect = rng.choice((4 / 3, 3 / 2))
        with Image.open(photos_dir / source.file) as image:
            image = image.convert("RGB")
            if image.height > image.width:
                aspect = 1 / aspect
            width = round((megapixels * 1_000_000 * aspect) ** 0.5)
            height = round(megapixels * 1_000_000 / width)
            scale = rng.uniform(0.6, 1.0)
            box_w = min(image.width, round(image.height * aspect)) * scale
            box_h = box_w / aspect
            left = rng.uniform(0, image.width - box_w)
            top = rng.uniform(0, image.height - box_h)
            cut = image.resize((width, height), Image.Resampling.LANCZOS, box=(left, top, left + box_w, top + box_h))
        path = dst / f"cam_{index:05d}_{width}x{height}.jpg"
        tmp = path.with_suffix(".tmp")
        cut.save(tmp, "JPEG", quality=rng.choice((85, 90, 95)))
        os.replace(tmp, path)
        made.append(path)
    return made


def _write_json(path: Path, value: object) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="corpus folder (default: %(default)s)")
    parser.add_argument("--packages", nargs="+", default=list(PACKAGES), choices=list(PACKAGES), metavar="PKG",
                        help="packages to use (default: all known)")
    parser.add_argument("--camera", type=int, default=0, metavar="N", help="also cut N camera-size JPEGs into camera/")
    parser.add_argument("--seed", type=int, default=0, help="seed for the camera-size cuts")
    parser.add_argument("--no-download", action="store_true", help="use only packages already in debs/")
    args = parser.parse_args(argv)

    fetch_packages(args.root, args.packages, download=not args.no_download)
    photos, skipped = collect_photos(args.root, [p for p in args.packages if (args.root / "x" / p).exists()])
    roles: dict[str, int] = {}
    for photo in photos:
        roles[photo.role] = roles.get(photo.role, 0) + 1
    groups = {p.group for p in photos}
    print(f"photos: {len(photos)} files in {len(groups)} groups {dict(sorted(roles.items()))}, "
          f"{len(skipped)} skipped -> {args.root / 'photos'}")
    duplicates = [e for e in skipped if e["reason"].startswith("same bytes")]
    print(f"  {len(duplicates)} files skipped as byte-identical to another (symlinked resolutions)")
    for entry in skipped:
        if entry not in duplicates:
            print(f"  skipped {entry['source']}: {entry['reason']}")
    if args.camera:
        before = len(list((args.root / "camera").glob("cam_*.jpg")))
        made = camera_size(args.root / "camera", args.camera, photos, args.root / "photos", args.seed)
        print(f"camera: {len(made)} files ({max(0, len(made) - before)} new) -> {args.root / 'camera'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
