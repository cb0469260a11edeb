"""JSONL records are compact JSON, one per line: orjson's, the same text as
``json.dumps(record, ensure_ascii=False, separators=(",", ":"))`` for the records scoring
makes, and the standard library's for what orjson refuses (a lone surrogate)."""

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


def _compact(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def test_lines_are_json_dumps() -> None:
    records = _records()
    assert any(r.get("findings") for r in records)
    for record in records:
        line = jsonl_line(record)
        assert line == _compact(record)
        assert json.loads(line) == json.loads(json.dumps(record))


def test_a_float_past_four_places_reads_back_the_same() -> None:
    """Scoring rounds its floats to four places; another float may be spelled otherwise
    than the standard library spells it (1e-5 for 1e-05), and reads back the same."""
    record = {"id": "tiny", "values": [1e-05, 1.5e300, -0.0, 0.1 + 0.2, 1.0]}
    assert json.loads(jsonl_line(record)) == record


def test_writer_streams_one_line_per_record() -> None:
    records = _records()
    out = io.StringIO()
    writer = RecordWriter(out, "jsonl")
    for record in records:
        writer.write(record)
        assert out.getvalue().endswith(jsonl_line(record))  # written at once, not held back
    writer.close()
    assert out.getvalue() == "".join(map(_compact, records))
