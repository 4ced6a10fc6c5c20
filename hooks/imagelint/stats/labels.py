"""Classes of images from object-detection labels: YOLO ``.txt`` files or COCO JSON.

Folders name the class of a classification dataset; a detection dataset keeps one label file
per image (YOLO: ``images/...`` beside ``labels/...``, same stem) or one annotation file per
split (COCO). An image then belongs to every class it shows, and each object is counted too.
Label files are small and read from the workspace; a file that cannot be parsed counts as no
labels rather than stopping the run.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Sequence

YOLO_NAME_FILES = ("data.yaml", "dataset.yaml")


@dataclass(frozen=True)
class ImageLabels:
    """Classes of one image (distinct, sorted), objects per class, the split its file names, and
    each object's size (square root of its box area over the image's, 0 to 1), sorted."""

    classes: tuple[str, ...]
    objects: tuple[tuple[str, int], ...] = ()
    split: str = ""
    sizes: tuple[tuple[str, float], ...] = ()


def read_labels(root: Path, image_paths: Sequence[str], kind: str, splits: Sequence[str]) -> dict[str, ImageLabels]:
    """Labels by repo-relative image path for ``kind`` "yolo" or "coco"; images without labels are absent."""
    if kind == "yolo":
        return yolo_labels(root, image_paths)
    if kind == "coco":
        return coco_labels(root, image_paths, splits)
    return {}


def _labels(class_ids: list[str], split: str = "", sizes: Sequence[tuple[str, float]] = ()) -> ImageLabels:
    objects = Counter(class_ids)
    return ImageLabels(tuple(sorted(objects)), tuple(sorted(objects.items())), split, tuple(sorted(sizes)))


def _box_size(width: float, height: float) -> float | None:
    """The side of a square with the box's relative area; None for a malformed box."""
    if not (0 < width <= 1.0001 and 0 < height <= 1.0001):
        return None
    return round((width * height) ** 0.5, 4)


def yolo_label_path(image_path: str) -> str:
    """The label file of an image: the last ``images`` folder becomes ``labels``, suffix ``.txt``."""
    stem = "/" + image_path.rsplit(".", 1)[0]
    if "/images/" in stem:
        head, tail = stem.rsplit("/images/", 1)
        stem = f"{head}/labels/{tail}"
    return stem[1:] + ".txt"


def yolo_labels(root: Path, image_paths: Sequence[str]) -> dict[str, ImageLabels]:
    names_by_folder: dict[str, dict[int, str]] = {}
    result = {}
    for path in image_paths:
        try:
            text = (root / yolo_label_path(path)).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        names = _yolo_names(root, str(PurePosixPath(path).parent), names_by_folder)
        rows = [_yolo_row(line) for line in text.splitlines() if line.strip()]
        labelled = [(names.get(i, str(i)), size) for i, size in rows if i is not None]
        result[path] = _labels([name for name, _ in labelled],
                               sizes=[(name, size) for name, size in labelled if size is not None])
    return result


def _yolo_row(line: str) -> tuple[int | None, float | None]:
    """Class id and box size of ``class cx cy w h`` (a segment's points give no box size)."""
    fields = line.split()
    try:
        class_id = int(float(fields[0]))
    except ValueError:
        return None, None
    try:
        return class_id, _box_size(float(fields[3]), float(fields[4])) if len(fields) == 5 else None
    except ValueError:
        return class_id, None


def _yolo_names(root: Path, folder: str, cache: dict[str, dict[int, str]]) -> dict[int, str]:
    """Class names from the nearest ``data.yaml`` / ``dataset.yaml`` up from ``folder``."""
    if folder in cache:
        return cache[folder]
    names: dict[int, str] = {}
    for name in YOLO_NAME_FILES:
        names = _names_from_yaml(root / folder / name)
        if names:
            break
    if not names and folder != ".":
        names = _yolo_names(root, str(PurePosixPath(folder).parent), cache)
    cache[folder] = names
    return names


def _names_from_yaml(path: Path) -> dict[int, str]:
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    names = document.get("names") if isinstance(document, dict) else None
    if isinstance(names, list):
        return {i: str(name) for i, name in enumerate(names)}
    if isinstance(names, dict):
        return {int(k): str(v) for k, v in names.items() if str(k).isdigit()}
    return {}


def coco_annotation_files(root: Path) -> list[str]:
    """Repo-relative COCO files: ``instances_*.json``, ``*.coco.json`` or JSON under ``annotations/``."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        relative = Path(folder).relative_to(root).as_posix()
        for name in sorted(files):
            if name.endswith(".json") and (
                name.startswith("instances_") or name.endswith(".coco.json") or Path(folder).name == "annotations"
            ):
                found.append(name if relative == "." else f"{relative}/{name}")
    return found


def coco_labels(root: Path, image_paths: Sequence[str], splits: Sequence[str]) -> dict[str, ImageLabels]:
    by_name: dict[str, list[str]] = {}
    for path in image_paths:
        by_name.setdefault(PurePosixPath(path).name, []).append(path)
    class_ids: dict[str, list[str]] = {}
    sizes: dict[str, list[tuple[str, float]]] = {}
    split_of: dict[str, str] = {}
    for annotation_file in coco_annotation_files(root):
        document = _coco_document(root / annotation_file)
        if document is None:
            continue
        raw_split = _split_token(annotation_file)
        split = _split_name(raw_split, splits)
        base = _dataset_base(annotation_file)
        categories = {
            c.get("id"): str(c.get("name", c.get("id"))) for c in document["categories"] if isinstance(c, dict)
        }
        image_path, image_area = {}, {}
        for image in document["images"]:
            if isinstance(image, dict) and isinstance(image.get("file_name"), str):
                match = _match(image["file_name"], base, raw_split, by_name)
                if match:
                    image_path[image.get("id")] = match
                    image_area[image.get("id")] = _area(image.get("width"), image.get("height"))
                    class_ids.setdefault(match, [])
                    split_of[match] = split
        for annotation in document["annotations"]:
            image_id = annotation.get("image_id") if isinstance(annotation, dict) else None
            path = image_path.get(image_id)
            if path:
                category = annotation.get("category_id")
                name = categories.get(category, str(category))
                class_ids[path].append(name)
                size = _coco_box_size(annotation.get("bbox"), image_area[image_id])
                if size is not None:
                    sizes.setdefault(path, []).append((name, size))
    return {path: _labels(ids, split_of[path], sizes.get(path, ())) for path, ids in class_ids.items()}


def _area(width: Any, height: Any) -> float | None:
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (width, height))
    return float(width * height) if numbers and width > 0 and height > 0 else None


def _coco_box_size(bbox: Any, image_area: float | None) -> float | None:
    if image_area is None or not isinstance(bbox, list) or len(bbox) != 4:
        return None
    box = _area(bbox[2], bbox[3])
    return None if box is None else _box_size(box / image_area, 1.0)


def _coco_document(path: Path) -> dict[str, Any] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(document, dict) or not isinstance(document.get("images"), list):
        return None
    document.setdefault("annotations", [])
    document.setdefault("categories", [])
    return document


def _split_token(annotation_file: str) -> str:
    """``train2017`` from ``instances_train2017.json``; ``train`` from ``train/_annotations.coco.json``."""
    path = PurePosixPath(annotation_file)
    if path.name.startswith("instances_"):
        return path.name[len("instances_"):-len(".json")]
    return path.parent.name if path.parent.name != "annotations" else path.stem


def _split_name(raw_split: str, splits: Sequence[str]) -> str:
    """The configured split a token names: ``valid`` is valid, ``val2017`` is val (longest prefix)."""
    known = sorted((s for s in splits if raw_split.lower().startswith(s.lower())), key=len, reverse=True)
    return known[0] if raw_split and known else ""


def _dataset_base(annotation_file: str) -> str:
    folder = PurePosixPath(annotation_file).parent
    if folder.name == "annotations":
        folder = folder.parent
    return "" if str(folder) == "." else str(folder)


def _match(file_name: str, base: str, raw_split: str, by_name: dict[str, list[str]]) -> str | None:
    """The dataset image a COCO ``file_name`` refers to, preferring one in the split's folder."""
    suffix = PurePosixPath(file_name).as_posix()
    candidates = [
        path
        for path in by_name.get(PurePosixPath(suffix).name, [])
        if (path == suffix or path.endswith("/" + suffix)) and (not base or path.startswith(base + "/"))
    ]
    in_split = [path for path in candidates if raw_split and raw_split in path.split("/")[:-1]]
    return min(in_split or candidates, default=None)
