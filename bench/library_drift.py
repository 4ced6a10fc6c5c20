"""How much a Pillow or ImageHash upgrade moves imagelint's stored facts, on real photographs.

Facts are keyed by (content md5, FACTS_VERSION), not by library versions, so that an upgrade
does not throw away every fact on every machine. This measures whether that is safe: the same
photos, facts computed under two interpreters with different library versions, compared.

    # once per environment (each needs imagelint importable: PYTHONPATH=hooks)
    PYTHONPATH=hooks .venv/bin/python bench/library_drift.py facts bench/.corpus/photos new.json
    PYTHONPATH=hooks OLD_VENV/bin/python bench/library_drift.py facts bench/.corpus/photos old.json
    python bench/library_drift.py compare old.json new.json      # prints a Markdown section
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Sequence

SUFFIXES = (".jpg", ".jpeg", ".png")
FLOATS = ("dark_score", "light_score", "edge_strength")


def compute(photos: Path, out: Path) -> None:
    import imagehash
    import numpy
    import PIL
    import scipy
    from PIL import features

    from imagelint.facts.image_facts import read_image_facts

    facts = {}
    for path in sorted(p for p in photos.iterdir() if p.suffix.lower() in SUFFIXES):
        item = read_image_facts(path.read_bytes(), 10**9)
        facts[path.name] = {"phash": item.phash, "phash_mirror": item.phash_mirror, "error": item.error,
                            "width": item.width, "height": item.height,
                            **{name: getattr(item, name) for name in FLOATS}}
    versions = {"python": sys.version.split()[0], "Pillow": PIL.__version__, "ImageHash": imagehash.__version__,
                "libjpeg-turbo": features.version("libjpeg_turbo"), "zlib": features.version("zlib"),
                "numpy": numpy.__version__, "scipy": scipy.__version__}
    out.write_text(json.dumps({"versions": versions, "facts": facts}, indent=1, sort_keys=True))
    print(f"{len(facts)} images, {versions}")


def _bits(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else bin(a ^ b).count("1")


def compare(old_file: Path, new_file: Path, threshold: int) -> str:
    old, new = json.loads(old_file.read_text()), json.loads(new_file.read_text())
    names = sorted(set(old["facts"]) & set(new["facts"]))
    a, b = [old["facts"][n] for n in names], [new["facts"][n] for n in names]
    described = [", ".join(f"{k} {v}" for k, v in sorted(side["versions"].items())) for side in (old, new)]
    lines = [f"### {described[0]}", f"### -> {described[1]}", "", f"{len(names)} photos.", "",
             "| fact | identical | median change | p95 | max |", "|---|---:|---:|---:|---:|"]
    for key in ("phash", "phash_mirror"):
        moved = [d for x, y in zip(a, b) if (d := _bits(x[key], y[key])) is not None]
        lines.append(f"| {key} (bits of 64) | {sum(d == 0 for d in moved)}/{len(moved)} | "
                     f"{statistics.median(moved):g} | {_p95(moved):g} | {max(moved)} |")
    for key in (*FLOATS, "width", "height"):
        moved = [abs(x[key] - y[key]) for x, y in zip(a, b) if x[key] is not None and y[key] is not None]
        lines.append(f"| {key} | {sum(d == 0 for d in moved)}/{len(moved)} | {statistics.median(moved):g} | "
                     f"{_p95(moved):.3g} | {max(moved):.3g} |")
    errors = sum((x["error"] is None) != (y["error"] is None) for x, y in zip(a, b))
    flips = pairs = 0
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            before, after = _bits(a[i]["phash"], a[j]["phash"]), _bits(b[i]["phash"], b[j]["phash"])
            if before is None or after is None:
                continue
            pairs += 1
            flips += (before <= threshold) != (after <= threshold)
    lines += ["", f"Decode verdict (error or not) changed for {errors} photos. Near-duplicate decisions "
              f"(pHash distance <= {threshold}) that change between the two versions: {flips} of {pairs} pairs."]
    return "\n".join(lines) + "\n"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    facts = commands.add_parser("facts", help="compute facts of every photo under this interpreter")
    facts.add_argument("photos", type=Path)
    facts.add_argument("out", type=Path)
    diff = commands.add_parser("compare", help="compare two facts files (Markdown)")
    diff.add_argument("old", type=Path)
    diff.add_argument("new", type=Path)
    diff.add_argument("--threshold", type=int, default=10)
    args = parser.parse_args(argv)
    if args.command == "facts":
        compute(args.photos, args.out)
    else:
        sys.stdout.write(compare(args.old, args.new, args.threshold))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
