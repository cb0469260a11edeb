"""A records file that survives being killed: appended record by record, repaired on resume.

Records are written whole and flushed per batch, so a SIGKILL can leave at most one torn
last line; ``--resume`` cuts that line off and reports how many complete records are there,
which (records being in input order) is how many input items to skip.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO


def open_for_resume(path: Path) -> tuple[IO[str], int]:
    """Open ``path`` to append after its last complete line; return it and that line count."""
    done = 0
    if path.exists():
        with path.open("rb+") as raw:
            data = raw.read()
            keep = data.rfind(b"\n") + 1  # 0 when there is no complete line at all
            if keep < len(data):
                raw.truncate(keep)  # the torn last line of a killed run
                raw.flush()
                os.fsync(raw.fileno())
            done = data.count(b"\n", 0, keep)
    return path.open("a", encoding="utf-8"), done
