"""How each ``ImageFacts`` field is stored as NumPy columns, and read back with checks.

Derived from the dataclass, so a new fact is a new column with no code here. Ints, bools and
unsigned hashes are one column plus a ``.null`` mask, floats one column with NaN for missing,
strings (and JSON for anything else) a ``.len`` column (-1 for None) and one ``.utf8`` byte
blob. Reading checks every column's length and type: the columns may come from an untrusted
snapshot, and a wrong one is a ValueError, never a misread.
"""
from __future__ import annotations

import json
from dataclasses import fields
from typing import Mapping, Sequence

import numpy as np

from imagelint.facts.image_facts import ImageFacts


def storage_kind(annotation: str) -> str:
    """How a field is stored, from its annotation: int, bool, float, str, u64 (hashes) or json."""
    base = annotation.replace(" ", "").replace("|None", "")
    if base == "int" and "None" in annotation:
        return "u64"
    return base if base in ("int", "bool", "float", "str") else "json"


#: (field, kind) for every ImageFacts field but md5, which is the entry's own column.
FACT_COLUMNS = tuple((f.name, storage_kind(str(f.type))) for f in fields(ImageFacts) if f.name != "md5")


def string_columns(name: str, values: Sequence[str | None]) -> dict[str, np.ndarray]:
    """Strings (None allowed) as a ``.len`` and a ``.utf8`` column."""
    encoded = [b"" if v is None else v.encode("utf-8", "surrogatepass") for v in values]
    lengths = np.array([-1 if v is None else len(e) for v, e in zip(values, encoded)], dtype=np.int64)
    return {f"{name}.len": lengths, f"{name}.utf8": np.frombuffer(b"".join(encoded), np.uint8)}


def decode_strings(columns: Mapping[str, np.ndarray], name: str, count: int) -> list[str | None]:
    """``count`` strings back from their two columns."""
    lengths = checked_column(columns, f"{name}.len", count, np.int64)
    blob = bytes(columns[f"{name}.utf8"])
    if int(np.maximum(lengths, 0).sum()) != len(blob):
        raise ValueError(f"{name}: lengths do not add up to its bytes")
    found, start = [], 0
    for length in lengths.tolist():
        if length < 0:
            found.append(None)
            continue
        found.append(blob[start:start + length].decode("utf-8", "surrogatepass"))
        start += length
    return found


def checked_column(columns: Mapping[str, np.ndarray], name: str, count: int, dtype: type) -> np.ndarray:
    """Column ``name``, which must hold ``count`` values of ``dtype``."""
    array = columns[name]
    if array.shape != (count,) or array.dtype != dtype:
        raise ValueError(f"{name}: expected {count} values of {np.dtype(dtype)}")
    return array


def encode_field(name: str, kind: str, values: list) -> dict[str, np.ndarray]:
    """The columns of one field (``kind`` from ``FACT_COLUMNS``); None is a missing value."""
    missing = np.array([v is None for v in values], dtype=bool)
    if kind == "str":
        return string_columns(name, values)
    if kind == "json":
        return string_columns(name, [None if v is None else json.dumps(v) for v in values])
    if kind == "float":
        return {name: np.array([np.nan if v is None else v for v in values], dtype=np.float64)}
    dtype = {"int": np.int64, "bool": np.bool_, "u64": np.uint64}[kind]
    return {name: np.array([0 if v is None else v for v in values], dtype=dtype), f"{name}.null": missing}


def decode_field(columns: Mapping[str, np.ndarray], name: str, kind: str, count: int) -> list:
    """One field's ``count`` values back, None where missing."""
    if kind in ("str", "json"):
        texts = decode_strings(columns, name, count)
        return texts if kind == "str" else [None if t is None else _tuples(json.loads(t)) for t in texts]
    if kind == "float":
        return [None if v != v else v for v in checked_column(columns, name, count, np.float64).tolist()]
    dtype = {"int": np.int64, "bool": np.bool_, "u64": np.uint64}[kind]
    values = checked_column(columns, name, count, dtype).tolist()
    nulls = checked_column(columns, f"{name}.null", count, np.bool_).tolist()
    return [None if null else value for value, null in zip(values, nulls)]


def _tuples(value: object) -> object:
    """JSON lists back to the tuples frozen dataclasses hold."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value
