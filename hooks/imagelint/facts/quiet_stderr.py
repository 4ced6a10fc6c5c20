"""Keep C libraries' own warnings (libtiff prints hundreds for odd TIFF tags) off stderr.

They bypass Python's ``sys.stderr`` and write to file descriptor 2 directly, so the descriptor
itself is pointed at ``/dev/null`` while a decoder runs; ``--verbose`` leaves it alone.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def c_stderr_silenced(enabled: bool = True) -> Iterator[None]:
    if not enabled:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)
