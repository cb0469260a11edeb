"""JSONL records are exactly ``json.dumps(record, ensure_ascii=False)``, one per line."""

from __future__ import annotations

import io
import json
from typing import Any

from pipeline.article import Article, ReadError, error_record
from pipeline.io.writers import RecordWriter, jsonl_line
from pipeline.runtime_model import load_runtime_model
from pipeline.scoring import Scorer

from .conftest import SEEDS


def _records() -> list[dict[str, Any]]:
    """The seeds' records (findings, suggestions, non-ASCII text), an error record, and
    odd values: a lone surrogate, control characters, tiny and whole floats, links."""
    items: list[Article | ReadError] = [
        Article(path.name, path.read_text(encoding="utf-8")) for path in sorted(SEEDS.glob("*.txt"))
    ]
    items.insert(2, ReadError("bad.jsonl:3", "bad.jsonl", "json", "bad.jsonl:3: malformed JSON"))
    records = list(Scorer(load_runtime_model()).records(items))
    records[0]["related"] = [{"id": "x\u2028y", "relation": "spun_copy", "similarity": 0.9}]
    odd = json.loads('"Caf\\ud800 \\u0000\\u001f\\t\\"quoted\\" \\\\ \u00e9 \u201cok\u201d"')
    records.append({"id": odd, "source": None, "reliability": 1e-05, "signals": {"a": 1.0}})
    records.append(error_record(ReadError("e", None, "empty", "e: empty 'text'")))
    return records


def test_lines_are_json_dumps() -> None:
    records = _records()
    assert any(r.get("findings") for r in records)
    for record in records:
        line = jsonl_line(record)
        assert line == json.dumps(record, ensure_ascii=False) + "\n"
        assert json.loads(line) == json.loads(json.dumps(record))


def test_writer_streams_one_line_per_record() -> None:
    records = _records()
    out = io.StringIO()
    writer = RecordWriter(out, "jsonl")
    for record in records:
        writer.write(record)
        assert out.getvalue().endswith(jsonl_line(record))  # written at once, not held back
    writer.close()
    assert out.getvalue() == "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
