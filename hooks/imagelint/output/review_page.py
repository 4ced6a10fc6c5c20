"""The review page: one self-contained HTML file to look at what a check found.

Duplicates are shown as groups of images side by side with their sizes and the distance of
each pair, so a person can pick the copy to keep; every other finding has its thumbnail; the
class balance is an inline SVG chart with the stats file's per-class figures beside it. Every
preview is a data URI and the page's Content-Security-Policy forbids any other source, so it
opens offline and as a CI artifact. File names are untrusted: everything is escaped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape as _html
from typing import Any, Mapping, Sequence

from imagelint.findings import Finding, ImageSummary, Severity
from imagelint.output.escape import printable

PAIR_CODES = ("IMG301", "IMG302", "IMG303", "IMG304")
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{margin-top:2.2rem;border-bottom:1px solid #ddd}
.summary{color:#555} .card{display:inline-block;vertical-align:top;width:250px;margin:.4rem;
padding:.4rem;border:1px solid #ccc;border-radius:6px;background:#fafafa} .card img{max-width:240px;max-height:240px;
display:block;margin:auto} .noimg{height:120px;display:flex;align-items:center;justify-content:center;color:#888;
background:#eee} .path{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
.group{border:1px solid #e3c27a;background:#fffaf0;border-radius:8px;padding:.5rem;margin:1rem 0}
.error{color:#b00020} .warning{color:#8a5a00} table{border-collapse:collapse;margin:.6rem 0}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top} th{background:#f3f3f3}
td.num{text-align:right} td img{max-width:96px;max-height:96px}
.badge{background:#2e7d32;color:#fff;border-radius:4px;padding:0 .3rem;font-size:12px}
"""


@dataclass(frozen=True)
class PageData:
    """What the page shows; ``previews`` maps paths to data URIs, ``stats`` is the stats document."""

    title: str
    scope: str
    findings: Sequence[Finding]
    images: Mapping[str, ImageSummary]
    previews: Mapping[str, str]
    stats: Mapping[str, Any] | None
    checked: int
    accepted: int = 0


def render_page(data: PageData) -> str:
    pairs = [f for f in data.findings if f.code in PAIR_CODES and f.related]
    errors = sum(f.severity is Severity.ERROR for f in data.findings)
    summary = (f"{_plural(data.checked, 'image')} checked: {_plural(errors, 'error')}, "
               f"{_plural(len(data.findings) - errors, 'warning')}"
               + (f", {_plural(data.accepted, 'known finding')} accepted by the baseline" if data.accepted else ""))
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(data.title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(data.title)}</h1>", f'<p class="summary">{escape(data.scope)}. {escape(summary)}.</p>',
        _duplicates(pairs, data), _findings(data), _balance(data.stats),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _duplicates(pairs: Sequence[Finding], data: PageData) -> str:
    if not pairs:
        return '<h2 id="duplicates">Duplicates</h2><p>No duplicate pairs.</p>'
    out = ['<h2 id="duplicates">Duplicates</h2>',
           "<p>Each group holds images that are copies of one another; keep one, remove the others.</p>"]
    for group in _groups(pairs):
        members = sorted({path for f in group for path in (f.path, *f.related)})
        largest = max(members, key=lambda path: _extent(data.images.get(path)))
        out.append(f'<section class="group" data-images="{len(members)}">')
        out.append("".join(_card(path, data, path == largest) for path in members))
        out.append("<ul>" + "".join(
            f'<li class="{f.severity.value}"><b>{f.code} {escape(f.rule)}</b> {_distance(f)}: '
            f'<span class="path">{escape(f.path)}</span> and <span class="path">{escape(f.related[0])}</span></li>'
            for f in group) + "</ul></section>")
    return "\n".join(out)


def escape(text: str) -> str:
    """HTML-escaped, with control characters and bytes that are not UTF-8 shown as ``\\xNN``."""
    return _html(printable(text))


def _groups(pairs: Sequence[Finding]) -> list[list[Finding]]:
    """Pairs joined into groups of connected images (three copies are one group, not three pairs)."""
    parent: dict[str, str] = {}

    def root(path: str) -> str:
        while parent.setdefault(path, path) != path:
            parent[path] = parent[parent[path]]
            path = parent[path]
        return path

    for f in pairs:
        parent[root(f.path)] = root(f.related[0])
    groups: dict[str, list[Finding]] = {}
    for f in pairs:
        groups.setdefault(root(f.path), []).append(f)
    return sorted(groups.values(), key=lambda group: min(f.path for f in group))


def _distance(finding: Finding) -> str:
    match = re.search(r"pHash distance (\d+)", finding.message)
    return f"(distance {match.group(1)} of 64 bits)" if match else "(identical content)"


def _extent(image: ImageSummary | None) -> tuple[int, int]:
    return ((image.width or 0) * (image.height or 0), image.size or 0) if image else (0, 0)


def _card(path: str, data: PageData, largest: bool = False) -> str:
    badge = ' <span class="badge">largest</span>' if largest else ""
    return (f'<div class="card">{_preview(path, data)}<div class="path">{escape(path)}</div>'
            f"<div>{escape(_describe(data.images.get(path)))}{badge}</div></div>")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _preview(path: str, data: PageData) -> str:
    uri = data.previews.get(path)
    if uri is None:
        return '<div class="noimg">no preview</div>'
    return f'<img src="{escape(uri)}" alt="{escape(path)}">'


def _describe(image: ImageSummary | None) -> str:
    if image is None:
        return ""
    dims = f"{image.width} x {image.height}" if image.width and image.height else "size unknown"
    size = f"{image.size / 1000:,.1f} kB" if image.size is not None else ""
    return ", ".join(part for part in (dims, size, image.format or "") if part)


def _findings(data: PageData) -> str:
    if not data.findings:
        return '<h2 id="findings">Findings</h2><p>No problems found.</p>'
    rows = [
        f'<tr class="{f.severity.value}"><td>{_preview(f.path, data) if f.path in data.images else ""}</td>'
        f'<td class="path">{escape(f.path)}</td><td>{f.code} {escape(f.rule)}</td><td>{f.severity.value}</td>'
        f"<td>{escape(f.message)}<br>{escape(_describe(data.images.get(f.path)))}</td></tr>"
        for f in data.findings
    ]
    return ('<h2 id="findings">Findings</h2><table><tr><th></th><th>path</th><th>rule</th><th>severity</th>'
            "<th>message</th></tr>" + "".join(rows) + "</table>")


def _balance(stats: Mapping[str, Any] | None) -> str:
    if not stats:
        return '<h2 id="balance">Class balance</h2><p>No stats for this state.</p>'
    out = ['<h2 id="balance">Class balance</h2>']
    for root, root_stats in sorted(stats.get("roots", {}).items()):
        for split, split_stats in sorted(root_stats.get("splits", {}).items()):
            classes = split_stats.get("classes", {})
            if not classes:
                continue
            out.append(f"<h3>{escape(root)} / {escape(split)}</h3>")
            out.append(_chart({label: entry.get("count", 0) for label, entry in classes.items()}))
            out.append(_class_table(classes))
    return "\n".join(out)


def _chart(counts: Mapping[str, int]) -> str:
    """A horizontal bar chart as inline SVG, one bar per class."""
    bar, gap, label_width, width = 18, 6, 160, 420
    most = max(counts.values(), default=0) or 1
    height = len(counts) * (bar + gap) + gap
    rows = []
    for i, (label, count) in enumerate(sorted(counts.items())):
        y = gap + i * (bar + gap)
        length = max(1, round(count / most * (width - label_width - 60)))
        rows.append(
            f'<text x="{label_width - 6}" y="{y + bar - 5}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar" x="{label_width}" y="{y}" width="{length}" height="{bar}" fill="#4a7fc1"/>'
            f'<text x="{label_width + length + 4}" y="{y + bar - 5}">{count}</text>'
        )
    return (f'<svg class="chart" role="img" aria-label="images per class" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-size="12" xmlns="http://www.w3.org/2000/svg">'
            + "".join(rows) + "</svg>")


def _class_table(classes: Mapping[str, Mapping[str, Any]]) -> str:
    """Every figure the stats file holds per class, nested figures as ``width.median``."""
    flat = {label: dict(_flatten(entry)) for label, entry in classes.items()}
    columns = sorted({key for figures in flat.values() for key in figures}, key=lambda k: (k != "count", k))
    head = "".join(f"<th>{escape(column)}</th>" for column in columns)
    rows = "".join(
        f"<tr><td>{escape(label)}</td>" + "".join(
            f'<td class="num">{escape(_number(figures.get(column)))}</td>' for column in columns) + "</tr>"
        for label, figures in sorted(flat.items())
    )
    return f'<table class="classes"><tr><th>class</th>{head}</tr>{rows}</table>'


def _flatten(entry: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items = []
    for key, value in entry.items():
        if isinstance(value, Mapping):
            items += _flatten(value, f"{prefix}{key}.")
        elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
            items.append((f"{prefix}{key}", value))
    return items


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
