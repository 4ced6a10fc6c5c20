"""Coverage (9xx): the part of the dataset a run could not compare the new images with.

Duplicate search compares every new image with every image of the dataset. An image with no
facts in the index and no bytes on this machine cannot take part, and a search without it can
miss a leak: the run says so instead of passing quietly. It is an error when the run was asked
to be complete (``--rev`` in CI, pre-push, ``--all``, ``--remote``), a warning on a commit.
"""
from __future__ import annotations

from typing import Sequence

from imagelint.findings import Finding, Severity
from imagelint.rules import Rule

NOT_COMPARED = Rule("IMG903", "not-compared", Severity.ERROR,
                    "Some dataset images could not be compared with the new ones (no facts, no bytes).", """
What: counts the images of the dataset that duplicate search had to leave out, because this
machine has neither their facts (the index, a facts snapshot) nor their bytes (the DVC cache,
the workspace), and the pointers whose manifest could not be read at all.
Why: a duplicate search over part of the dataset can pass a test image that copies a train
image. A wrong "no problems found" is worse than no answer.
Severity: an error in a run asked to be complete (check --rev, pre-push, --all, --remote), a
warning on an ordinary commit, which is still checked against everything that is here.
Options: none.
Fix: 'imagelint facts pull' (facts of the dataset from the DVC remote, no image bytes), or
'imagelint check --remote', or 'dvc pull' of the missing data.
""")

RULES = [NOT_COMPARED]

FIX = "run 'imagelint facts pull' (or check with --remote) to fetch the dataset's facts, or 'dvc pull'"


def not_compared_finding(missing: Sequence[str], unlisted_pointers: int, *, must_be_complete: bool) -> Finding | None:
    """One dataset-level finding for everything left out of duplicate search, or None when nothing was."""
    if not missing and not unlisted_pointers:
        return None
    parts = []
    if missing:
        parts.append(f"{len(missing)} dataset image(s) have no facts and no bytes here (first: {min(missing)})")
    if unlisted_pointers:
        parts.append(f"the images of {unlisted_pointers} DVC pointer(s) could not be listed (manifest missing or invalid)")
    severity = Severity.ERROR if must_be_complete else Severity.WARNING
    message = f"duplicate search is incomplete: {'; '.join(parts)}: {FIX}"
    return Finding(".", NOT_COMPARED.code, NOT_COMPARED.name, severity, message)
