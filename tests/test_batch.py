"""Feed-scale use: parallel scoring, resumable output, the gate's allow-list."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.io.output import open_for_resume

from .conftest import SEEDS


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _feed(tmp_path: Path, copies: int = 4) -> Path:
    """A JSONL feed of the seeds repeated, with one malformed line in the middle."""
    lines = []
    for i in range(copies):
        for path in sorted(SEEDS.glob("*.txt")):
            lines.append(json.dumps({"id": f"{i}/{path.name}", "text": path.read_text()}))
    lines.insert(7, "{broken")
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return feed


def test_jobs_2_gives_the_same_records_in_the_same_order(tmp_path: Path) -> None:
    feed = _feed(tmp_path)
    code1, serial, _ = run("score", str(feed), "--quiet")
    code2, parallel, _ = run("score", str(feed), "--jobs", "2", "--quiet")
    assert code1 == code2 == 1  # the broken line is an error record
    assert serial == parallel
    assert len(serial.splitlines()) == 21


def test_resume_repairs_a_torn_line_and_continues(tmp_path: Path) -> None:
    feed = _feed(tmp_path)
    full = tmp_path / "full.jsonl"
    run("score", str(feed), "--output", str(full))
    complete = full.read_text(encoding="utf-8").splitlines(keepends=True)
    # A run killed after 6 records, in the middle of writing the 7th.
    killed = tmp_path / "killed.jsonl"
    killed.write_text("".join(complete[:6]) + complete[6][:40], encoding="utf-8")
    code, _, _ = run("score", str(feed), "--output", str(killed), "--resume")
    assert code == 1
    assert killed.read_text(encoding="utf-8") == "".join(complete)


def test_open_for_resume_counts_complete_lines_only(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text('{"id": "a"}\n{"id": "b"}\n{"id": "c', encoding="utf-8")
    handle, done = open_for_resume(path)
    handle.close()
    assert done == 2 and path.read_text() == '{"id": "a"}\n{"id": "b"}\n'
    handle, done = open_for_resume(tmp_path / "new.jsonl")
    handle.close()
    assert done == 0


def test_resume_needs_an_output_file() -> None:
    code, _, err = run("score", str(SEEDS), "--resume")
    assert code == 2 and "--resume needs --output" in err


def test_gate_allow_list_accepts_known_articles(tmp_path: Path) -> None:
    baseline = tmp_path / "allow.txt"
    code, _, _ = run("gate", str(SEEDS), "--write-allow", str(baseline))
    assert code == 1
    allowed = [line.split("#")[0].strip() for line in baseline.read_text().splitlines()]
    assert "004_f93dff5666537c5f.txt" in allowed
    code, out, _ = run("gate", str(SEEDS), "--allow", str(baseline))
    assert code == 0 and "allowed by the allow-list" in out
