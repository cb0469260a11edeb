"""The command line as scripts use it: records, formats, exit codes, one-line errors."""

from __future__ import annotations

import csv
import gc
import io
import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from typer.testing import CliRunner

from pipeline.cli import GC_THRESHOLD, app
from pipeline.training.sources import shared_dir

from .conftest import SEEDS, seed_path

SCHEMA_PATH = shared_dir() / "contract" / "record.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"contract schema not found at {SCHEMA_PATH}")
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def seed_records() -> list[dict[str, object]]:
    code, out, _ = run("score", str(SEEDS), "--format", "jsonl")
    assert code == 0
    return [json.loads(line) for line in out.splitlines()]


def test_seed_records_validate_against_the_contract_schema(
    seed_records: list[dict[str, object]], validator: jsonschema.Draft202012Validator
) -> None:
    assert [r["id"] for r in seed_records] == sorted(p.name for p in SEEDS.glob("*.txt"))
    for record in seed_records:
        errors = list(validator.iter_errors(record))
        assert not errors, errors[0].message


def test_finding_text_is_the_article_slice(seed_records: list[dict[str, object]]) -> None:
    for record in seed_records:
        text = (SEEDS / str(record["id"])).read_text(encoding="utf-8")
        for finding in record["findings"]:  # type: ignore[attr-defined]
            assert text[finding["start"] : finding["end"]] == finding["text"]


def test_crlf_offsets_index_the_text_as_read(tmp_path: Path) -> None:
    crlf = seed_path("004").read_text(encoding="utf-8").replace("\n", "\r\n")
    path = tmp_path / "crlf.txt"
    path.write_bytes(crlf.encode())
    code, out, _ = run("score", str(path))
    assert code == 0
    (record,) = [json.loads(line) for line in out.splitlines()]
    assert record["findings"], "the CRLF copy of seed 004 still has findings"
    for finding in record["findings"]:
        assert crlf[finding["start"] : finding["end"]] == finding["text"]


def test_csv_and_table_formats_flatten_the_same_records() -> None:
    code, out, _ = run("score", str(SEEDS), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 5 and {"reliability", "verdict", "signal_spin"} <= set(rows[0])
    code, out, _ = run("score", str(SEEDS), "--format", "table")
    assert code == 0 and "004_f93dff5666537c5f.txt" in out and "unreliable" in out


def test_one_bad_input_is_an_error_record_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "a_good.txt").write_text(seed_path("000").read_text(), encoding="utf-8")
    (tmp_path / "b_bad.txt").write_bytes(b"\xff\xfe\x00\x00garbage")
    feed = tmp_path / "c_feed.jsonl"
    feed.write_text('{"id": "ok", "text": "A short clean sentence about markets."}\n{oops\n')
    code, out, err = run("score", str(tmp_path))
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [r["id"] for r in records] == ["a_good.txt", "b_bad.txt", "ok", "c_feed.jsonl:2"]
    assert [r["error"] is None for r in records] == [True, False, True, False]
    assert records[1]["error"]["type"] == "binary" and "reliability" not in records[1]
    assert len(err.strip().splitlines()) == 2 and "Traceback" not in err


def test_usage_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    code, _, err = run("score", str(tmp_path / "missing.txt"))
    assert code == 2 and "no such file" in err and "Traceback" not in err
    code, _, err = run("score", str(tmp_path))  # an empty folder: no input at all
    assert code == 2 and "no input" in err
    code, _, err = run("score", str(SEEDS), "--format", "xml")
    assert code == 2
    code, _, err = run("score", str(SEEDS), "--output", str(tmp_path / "no" / "dir.jsonl"))
    assert code == 2 and "cannot write" in err and "Traceback" not in err
    code, _, err = run("gate", str(SEEDS), "--junit", str(tmp_path / "no" / "dir.xml"))
    assert code == 2 and "cannot write" in err


def test_stdin_feed() -> None:
    text = seed_path("001").read_text(encoding="utf-8")
    code, out, _ = run("score", "-", stdin=json.dumps({"text": text}) + "\n")
    assert code == 0 and json.loads(out)["id"] == "-:1"


def test_tampered_model_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    from pipeline.model import DEFAULT_MODEL, card_path

    model = tmp_path / "unspun.joblib"
    model.write_bytes(DEFAULT_MODEL.read_bytes() + b"tampered")
    card_path(model).write_text(card_path(DEFAULT_MODEL).read_text())
    code, _, err = run("score", str(SEEDS), "--model", str(model))
    assert code == 2 and "sha256" in err and "Traceback" not in err


def test_gate_exit_codes_junit_and_github_annotations(tmp_path: Path) -> None:
    junit = tmp_path / "gate.xml"
    code, out, _ = run("gate", str(SEEDS), "--min-score", "0.5", "--junit", str(junit))
    assert code == 1 and "FAIL 004_f93dff5666537c5f.txt" in out
    suite = ET.parse(junit).getroot()
    assert suite.get("tests") == "5"
    failed = {c.get("name") for c in suite if c.find("failure") is not None}
    assert "004_f93dff5666537c5f.txt" in failed and "000_3f89f8c97b188f3b.txt" not in failed

    code, out, _ = run("gate", str(seed_path("000")), str(seed_path("001")), "--min-score", "0.5")
    assert code == 0 and "passed" in out

    code, out, _ = run("gate", str(seed_path("004")), "--format", "github")
    assert code == 1 and out.startswith("::error file=")

    code, out, _ = run("gate", str(SEEDS), "--format", "json", "--min-score", "0")
    assert code == 0 and json.loads(out)["passed"] is True

    code, _, err = run("gate", str(tmp_path / "nope"))
    assert code == 2 and "no such file" in err


def test_console_script_runs_as_installed() -> None:
    exe = Path(sys.executable).with_name("unspun")
    result = subprocess.run(
        [str(exe), "score", str(seed_path("003")), "--format", "jsonl"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == str(seed_path("003"))


def test_a_loaded_model_is_kept_out_of_the_collectors_walks() -> None:
    """Once the model is loaded, what lives as long as the command is frozen and young
    objects are collected every ``GC_THRESHOLD`` allocations (what scoring makes has hardly
    a cycle); the records do not change."""
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    try:
        code, out, _ = run("score", str(seed_path("004")), "--format", "jsonl")
        assert code == 0 and json.loads(out)["verdict"] == "unreliable"
        assert gc.get_threshold() == (GC_THRESHOLD, 10, 10)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(700, 10, 10)
