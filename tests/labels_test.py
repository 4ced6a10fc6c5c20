"""Classes from YOLO and COCO label files, read from a real folder tree."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from imagelint.config import DEFAULT_SPLITS
from imagelint.stats.labels import ImageLabels, coco_annotation_files, read_labels, yolo_label_path


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(("image", "label"), [
    ("data/images/train/a.jpg", "data/labels/train/a.txt"),
    ("images/val/b.c.png", "labels/val/b.c.txt"),
    ("train/images/x.jpg", "train/labels/x.txt"),
    ("images/train/images/y.jpg", "images/train/labels/y.txt"),  # only the last images folder
    ("photos/z.jpg", "photos/z.txt"),  # no images folder: the sibling file
])
def test_yolo_label_path(image: str, label: str) -> None:
    assert yolo_label_path(image) == label


def test_yolo_names_from_data_yaml(tmp_path: Path) -> None:
    write(tmp_path / "data/data.yaml", "path: .\ntrain: images/train\nnames: [car, person, dog]\n")
    write(tmp_path / "data/labels/train/a.txt", "0 0.5 0.5 0.1 0.1\n0 0.2 0.2 0.1 0.1\n1 0.3 0.3 0.2 0.4\n")
    write(tmp_path / "data/labels/train/b.txt", "2 0.5 0.5 0.1 0.1 0.6 0.6\n\n")  # segment points are fine
    write(tmp_path / "data/labels/train/empty.txt", "")
    images = ["data/images/train/a.jpg", "data/images/train/b.jpg", "data/images/train/empty.jpg",
              "data/images/train/missing.jpg"]
    assert read_labels(tmp_path, images, "yolo", DEFAULT_SPLITS) == {
        "data/images/train/a.jpg": ImageLabels(("car", "person"), (("car", 2), ("person", 1)),
                                               sizes=(("car", 0.1), ("car", 0.1), ("person", 0.2828))),
        "data/images/train/b.jpg": ImageLabels(("dog",), (("dog", 1),)),  # a segment has no box size
        "data/images/train/empty.jpg": ImageLabels(()),
    }


def test_yolo_names_as_a_dict_or_missing(tmp_path: Path) -> None:
    write(tmp_path / "a/dataset.yaml", "names:\n  0: cat\n  3: fox\n")
    write(tmp_path / "a/labels/train/1.txt", "3 0.5 0.5 0.1 0.1\n7 0.5 0.5 0.1 0.1\n")
    write(tmp_path / "b/labels/train/1.txt", "1 0.5 0.5 0.1 0.1\nnot-a-number 1 2 3 4\n")
    labels = read_labels(tmp_path, ["a/images/train/1.jpg", "b/images/train/1.jpg"], "yolo", DEFAULT_SPLITS)
    assert labels["a/images/train/1.jpg"].classes == ("7", "fox")  # an id without a name keeps the number
    assert labels["b/images/train/1.jpg"].classes == ("1",)


def coco(images: list[tuple[int, str]], annotations: list[tuple[int, int]], categories: dict[int, str]) -> str:
    return json.dumps({
        "images": [{"id": i, "file_name": name, "width": 640, "height": 480} for i, name in images],
        "annotations": [
            {"id": n, "image_id": image, "category_id": category, "bbox": [0, 0, 64, 48]}
            for n, (image, category) in enumerate(annotations)
        ],
        "categories": [{"id": i, "name": name} for i, name in categories.items()],
    })


def test_coco_annotation_folder_per_split(tmp_path: Path) -> None:
    categories = {1: "person", 3: "car"}
    write(tmp_path / "coco/annotations/instances_train2017.json",
          coco([(1, "0001.jpg"), (2, "0002.jpg"), (3, "0003.jpg")], [(1, 1), (1, 3), (1, 3), (2, 1)], categories))
    write(tmp_path / "coco/annotations/instances_val2017.json", coco([(1, "0001.jpg")], [(1, 3)], categories))
    images = ["coco/train2017/0001.jpg", "coco/train2017/0002.jpg", "coco/train2017/0003.jpg",
              "coco/val2017/0001.jpg", "other/0001.jpg"]
    assert coco_annotation_files(tmp_path) == [
        "coco/annotations/instances_train2017.json", "coco/annotations/instances_val2017.json"
    ]
    assert read_labels(tmp_path, images, "coco", DEFAULT_SPLITS) == {
        "coco/train2017/0001.jpg": ImageLabels(("car", "person"), (("car", 2), ("person", 1)), "train",
                                               (("car", 0.1), ("car", 0.1), ("person", 0.1))),
        "coco/train2017/0002.jpg": ImageLabels(("person",), (("person", 1),), "train", (("person", 0.1),)),
        "coco/train2017/0003.jpg": ImageLabels((), (), "train"),
        "coco/val2017/0001.jpg": ImageLabels(("car",), (("car", 1),), "val", (("car", 0.1),)),
    }


def test_coco_file_beside_the_images(tmp_path: Path) -> None:
    write(tmp_path / "ds/valid/_annotations.coco.json", coco([(0, "a.jpg")], [(0, 0)], {0: "helmet"}))
    write(tmp_path / "ds/train/_annotations.coco.json", coco([(0, "a.jpg")], [(0, 0), (0, 0)], {0: "helmet"}))
    write(tmp_path / "ds/notes.json", "{}")
    labels = read_labels(tmp_path, ["ds/train/a.jpg", "ds/valid/a.jpg"], "coco", DEFAULT_SPLITS)
    assert labels == {
        "ds/train/a.jpg": ImageLabels(("helmet",), (("helmet", 2),), "train", (("helmet", 0.1),) * 2),
        "ds/valid/a.jpg": ImageLabels(("helmet",), (("helmet", 1),), "valid", (("helmet", 0.1),)),
    }


def test_unreadable_coco_file_is_ignored(tmp_path: Path) -> None:
    write(tmp_path / "annotations/instances_train.json", "{not json")
    assert read_labels(tmp_path, ["train/a.jpg"], "coco", DEFAULT_SPLITS) == {}
