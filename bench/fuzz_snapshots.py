"""Fuzz what a pull does with a facts snapshot: read it, store its rows, keep its listing.

A snapshot comes from the team's DVC remote or a cached folder, so it is input imagelint did
not write on this machine. Contract under test: ``read_snapshot_table`` raises nothing but
``SnapshotError``, and for a snapshot it accepts, the table's columns, ``FactsIndex.store_columns``,
``listing_from_snapshot`` and ``snapshot()`` raise nothing. The mutations are on columns, not
bytes (a byte-level edit of a deflated zip only tests zlib): one to four of setting a value
to an edge (0, -1, 2**31, 2**63, 2**64 - 1, NaN, +-inf, 1e308, -0.0), cutting, retyping,
dropping or lengthening a column. Seeds: the facts of ``fuzz_seeds.image_seeds`` (every format
and mode the reader treats differently), a broken file, a label file and one image at two
paths. Findings are written to ``--out`` as the ``.npz`` that failed, with the traceback.

    .venv/bin/python bench/fuzz_snapshots.py --minutes 5 --out /tmp/snapshot-fuzz
"""
from __future__ import annotations

import argparse
import io
import random
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "hooks"))

from fuzz_seeds import image_seeds  # noqa: E402
from imagelint.facts.image_facts import ImageFacts, read_image_facts  # noqa: E402
from imagelint.facts.index import FactsIndex  # noqa: E402
from imagelint.facts.listing import listing_from_snapshot  # noqa: E402
from imagelint.facts.snapshot import SnapshotError, read_snapshot_table, snapshot_bytes  # noqa: E402
from imagelint.sources.dvcfiles import manifest_digest  # noqa: E402

EDGES = [0, 1, -1, 2**31, 2**63 - 1, 2**63, 2**64 - 1, np.nan, np.inf, -np.inf, 1e308, -0.0]
TYPES = [np.int64, np.uint64, np.float64, np.bool_, np.uint8, np.int32]


def seed_snapshot() -> tuple[str, dict[str, np.ndarray]]:
    """The seed's manifest name and columns."""
    facts = [read_image_facts(data, 100_000_000) for data in image_seeds()]
    broken = ImageFacts(md5="ab" * 16, size=10, error="not an image Pillow can identify")
    entries = {f"train/c{i % 3}/{i:03d}.img": f.md5 for i, f in enumerate(facts)}
    entries.update({"train/c0/bad.png": broken.md5, "labels.txt": "0" * 32, "test/c0/copy.img": facts[0].md5})
    manifest = manifest_digest(entries)
    data = snapshot_bytes(manifest, entries, {f.md5: f for f in [*facts, broken]})
    return manifest, dict(np.load(io.BytesIO(data), allow_pickle=False))


def mutated(columns: dict[str, np.ndarray], rng: random.Random) -> dict[str, np.ndarray]:
    found = {name: array.copy() for name, array in columns.items()}
    for _ in range(rng.randint(1, 4)):
        name = rng.choice(sorted(found))
        array, roll = found[name], rng.random()
        if roll < 0.5 and array.size:
            flat = array.reshape(-1)
            try:
                flat[rng.randrange(array.size)] = rng.choice(EDGES)
            except (OverflowError, ValueError, TypeError):
                flat[rng.randrange(array.size)] = rng.randint(0, 255)
        elif roll < 0.65 and array.ndim:
            found[name] = array[: rng.randrange(len(array) + 1)]
        elif roll < 0.8:
            with np.errstate(invalid="ignore", over="ignore"):
                found[name] = array.astype(rng.choice(TYPES))
        elif roll < 0.9:
            del found[name]
        elif array.ndim and array.size:
            found[name] = np.concatenate([array, array[:1]])
    return found


def pull(data: bytes, manifest: str, folder: Path) -> None:
    """What ``facts pull`` does with one snapshot, in a fresh index folder."""
    try:
        table = read_snapshot_table(data, manifest)
    except SnapshotError:
        return
    table.columns()
    FactsIndex(folder).store_columns(table.md5s, table.values, table.fact_rows())
    listing_from_snapshot(table)
    table.snapshot()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("/tmp/imagelint-snapshot-fuzz"))
    args = parser.parse_args(argv)
    manifest, columns = seed_snapshot()
    rng, end, inputs, findings = random.Random(args.seed), time.monotonic() + 60 * args.minutes, 0, {}
    work = Path(tempfile.mkdtemp(prefix="snapshot-fuzz-"))
    try:
        while time.monotonic() < end:
            inputs += 1
            buffer = io.BytesIO()
            np.savez(buffer, **mutated(columns, rng))
            folder = work / str(inputs)
            try:
                pull(buffer.getvalue(), manifest, folder)
            except Exception as exc:  # noqa: BLE001 - every other exception is a finding
                where = traceback.extract_tb(exc.__traceback__)[-1]
                key = f"{type(exc).__name__}-{Path(where.filename).stem}-{where.lineno}"
                if key not in findings:
                    findings[key] = "".join(traceback.format_exception(exc))
                    args.out.mkdir(parents=True, exist_ok=True)
                    (args.out / f"{key}.npz").write_bytes(buffer.getvalue())
                    (args.out / f"{key}.txt").write_text(findings[key])
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"| {args.minutes:g} min | {inputs:,} | {len(findings)} |")
    for key, text in findings.items():
        print(f"\n{key}\n{text}", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
