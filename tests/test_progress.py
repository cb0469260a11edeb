"""The progress bar: on stderr when it is a terminal (count, rate, elapsed time and an ETA
from the items counted up front), silent when it is not, and with ``--quiet``."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import load_settings
from pipeline.io.readers import count_items, read_inputs

from .conftest import SEEDS

UNSPUN = str(Path(sys.executable).with_name("unspun"))
ANSI = re.compile(rb"\x1b\[[0-9;?]*[a-zA-Z]")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seeds as .txt files, two JSONL feeds of them (one long enough for several chunks of
    work) with blank lines and a broken line, and an empty JSONL file."""
    root = tmp_path_factory.mktemp("inputs")
    lines = []
    for path in sorted(SEEDS.glob("*.txt")):
        (root / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        lines.append(json.dumps({"id": path.stem, "text": path.read_text(encoding="utf-8")}))
    lines[2:2] = ["", "  ", "{broken"]
    for name, copies in (("feed_a", 60), ("feed_b", 1)):
        (root / f"{name}.jsonl").write_text("\n".join(lines * copies) + "\n", encoding="utf-8")
    (root / "empty.jsonl").write_text("", encoding="utf-8")
    return root


def test_count_items_is_what_the_reader_gives(folder: Path) -> None:
    max_chars = load_settings().input.max_chars
    for paths in ([str(folder)], [str(folder / "feed_a.jsonl"), str(SEEDS)]):
        assert count_items(paths) == len(list(read_inputs(paths, max_chars)))
    assert count_items([str(folder), "-"]) is None  # standard input: read once, not counted


def _score(folder: Path, tmp_path: Path, *extra: str, tty: bool = True) -> bytes:
    """What ``unspun score`` writes to stderr, a terminal (a pseudo-terminal) or a pipe."""
    args = [UNSPUN, "score", str(folder), "--output", str(tmp_path / "out.jsonl"), *extra]
    if not tty:
        done = subprocess.run(args, stderr=subprocess.PIPE, check=False)
        assert done.returncode == 1  # the broken lines
        return done.stderr
    leader, follower = pty.openpty()
    process = subprocess.Popen(args, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not data:
            break
        seen += data
    os.close(leader)
    assert process.wait() == 1
    return seen


def test_a_terminal_gets_count_rate_elapsed_and_eta(folder: Path, tmp_path: Path) -> None:
    shown = ANSI.sub(b"", _score(folder, tmp_path, "--jobs", "2")).decode()
    total = count_items([str(folder)])
    assert re.search(rf"scoring .* {total} articles [\d,]+ articles/s 0:00:\d\d eta 0:00:00", shown)
    assert shown.count("unspun: ") == 61  # the broken lines' error lines are still there


def test_a_pipe_or_quiet_gets_the_error_lines_only(folder: Path, tmp_path: Path) -> None:
    piped = _score(folder, tmp_path, tty=False).decode()
    quiet = ANSI.sub(b"", _score(folder, tmp_path, "--quiet")).decode()
    for stderr in (piped, quiet):
        lines = stderr.replace("\r\n", "\n").strip().split("\n")
        assert len(lines) == 61 and all(line.startswith("unspun: ") for line in lines), stderr
