"""Which file format for the dataset snapshot: load time, import cost and size at 1,000,000 images.

The hook loads the base snapshot on every commit that touches a DVC dataset, so what counts is
the import of the reader plus the load of the columns duplicate search and the stats need
(md5, two 64-bit hashes, entropy, flags, bytes, width, height, format, path). Each candidate
is timed in a fresh interpreter (import included), 5 runs, median; the same synthetic rows for
all. Run with an interpreter that has pyarrow if Parquet should be measured:

    python bench/snapshot_format.py [--rows 1000000] [--workdir DIR]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

WRITE = r'''
import numpy as np, sys, sqlite3
rows, folder = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
cols = {
    "md5": rng.integers(0, 255, (rows, 16), dtype=np.uint8),
    "phash": rng.integers(0, 2**63, rows, dtype=np.uint64), "phash_mirror": rng.integers(0, 2**63, rows, dtype=np.uint64),
    "entropy": rng.integers(0, 8000, rows, dtype=np.int32), "flags": np.full(rows, 3, np.uint8),
    "size": rng.integers(10**4, 6 * 10**6, rows, dtype=np.uint32), "width": np.full(rows, 4000, np.uint16),
    "height": np.full(rows, 3000, np.uint16), "format": np.zeros(rows, np.uint8),
}
paths = [f"train/class{i % 1000:03d}/img{i:07d}.jpg" for i in range(rows)]
blob = "\0".join(paths).encode()
np.savez(f"{folder}/snap.npz", paths=np.frombuffer(blob, np.uint8), **cols)
np.savez_compressed(f"{folder}/snapz.npz", paths=np.frombuffer(blob, np.uint8), **cols)
import os; os.path.exists(f"{folder}/snap.sqlite") and os.remove(f"{folder}/snap.sqlite")
db = sqlite3.connect(f"{folder}/snap.sqlite")
db.execute("CREATE TABLE s (path TEXT, md5 BLOB, phash INT, phash_mirror INT, entropy INT, flags INT, size INT, width INT, height INT, format INT)")
db.executemany("INSERT INTO s VALUES (?,?,?,?,?,?,?,?,?,?)", zip(paths, (m.tobytes() for m in cols["md5"]),
    (int(v) for v in cols["phash"]), (int(v) for v in cols["phash_mirror"]), map(int, cols["entropy"]),
    map(int, cols["flags"]), map(int, cols["size"]), map(int, cols["width"]), map(int, cols["height"]), map(int, cols["format"])))
db.commit()
try:
    import pyarrow as pa, pyarrow.parquet as pq
    table = pa.table({"path": paths, **{k: (pa.array([r.tobytes() for r in v], pa.binary(16)) if k == "md5" else v) for k, v in cols.items()}})
    pq.write_table(table, f"{folder}/snap.parquet", compression="zstd")
    import pyarrow.feather as feather
    feather.write_feather(table, f"{folder}/snap.arrow", compression="uncompressed")
except ImportError:
    pass
'''

READERS = {
    "npz (numpy, uncompressed)": ("import numpy as np\nz = np.load('{f}/snap.npz')\n"
                                  "cols = {{k: z[k] for k in z.files}}", "snap.npz"),
    "npz (numpy, deflate)": ("import numpy as np\nz = np.load('{f}/snapz.npz')\n"
                             "cols = {{k: z[k] for k in z.files}}", "snapz.npz"),
    "SQLite (columns into numpy)": ("import sqlite3, numpy as np\ndb = sqlite3.connect('{f}/snap.sqlite')\n"
                                    "rows = db.execute('SELECT phash, phash_mirror, entropy, flags, size FROM s').fetchall()\n"
                                    "a = np.array(rows, dtype=np.int64)\n"
                                    "md5 = b''.join(r[0] for r in db.execute('SELECT md5 FROM s'))", "snap.sqlite"),
    "Parquet (pyarrow, zstd)": ("import pyarrow.parquet as pq\nt = pq.read_table('{f}/snap.parquet')\n"
                                "cols = {{n: t.column(n).to_numpy() for n in t.column_names if n not in ('path', 'md5')}}",
                                "snap.parquet"),
    "Arrow IPC / Feather (pyarrow, memory-mapped)": (
        "import pyarrow.feather as feather\nt = feather.read_table('{f}/snap.arrow', memory_map=True)\n"
        "cols = {{n: t.column(n).to_numpy() for n in t.column_names if n not in ('path', 'md5')}}", "snap.arrow"),
}
IMPORTS = {"numpy": "import numpy", "sqlite3 + numpy": "import sqlite3, numpy", "pyarrow.parquet": "import pyarrow.parquet",
           "pyarrow.feather": "import pyarrow.feather"}


def timed(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if result.returncode:
            return float("nan")
    return statistics.median(times)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    folder = Path(args.workdir or tempfile.mkdtemp(prefix="snapshot-format-"))
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", WRITE, str(args.rows), str(folder)], check=True)
    baseline = timed("pass", args.runs)
    print(f"{args.rows:,} rows; `python -c pass` {baseline:.3f} s (subtracted below)\n")
    print("| import | median s |\n|---|---:|")
    for name, code in IMPORTS.items():
        print(f"| {name} | {timed(code, args.runs) - baseline:.3f} |")
    print("\n| format | import + load, median s | file MB | bytes/image |\n|---|---:|---:|---:|")
    for name, (code, file_name) in READERS.items():
        path = folder / file_name
        if not path.exists():
            print(f"| {name} | not available (no pyarrow) | | |")
            continue
        size = os.path.getsize(path)
        print(f"| {name} | {timed(code.format(f=folder), args.runs) - baseline:.3f} | {size / 1e6:.1f} | "
              f"{size / args.rows:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
