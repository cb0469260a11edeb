"""`unspun clean`: junk lines and off-topic paragraphs cut from the seeds, the body kept byte
for byte, --despin, the JSONL feed format and the exit codes."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import cli
from pipeline.article import Finding
from pipeline.clean import clean_text
from pipeline.config import load_settings
from pipeline.text import Document

from .conftest import SEEDS, seed_path, seed_text

DUTCH = "Dutch police search for van driver who plowed into concertgoers"


@pytest.fixture(scope="module")
def cleaned(invoke: CliRunner) -> dict[str, dict[str, object]]:
    """Every seed cleaned through `clean --format jsonl`, by prefix."""
    result = invoke.invoke(cli.app, ["clean", str(SEEDS), "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    objs = [json.loads(line) for line in result.stdout.splitlines()]
    return {str(obj["id"])[:3]: obj for obj in objs}


def kept_lines(original: str, cleaned: str) -> None:
    """Every line of ``cleaned`` is a line of ``original``, in the original order."""
    lines = original.splitlines(keepends=True)
    pos = 0
    for line in cleaned.splitlines(keepends=True):
        assert line in lines[pos:], f"not an original line (in order): {line!r}"
        pos = lines.index(line, pos) + 1


def longest_blank_run(text: str) -> int:
    return max((len(m) for m in re.findall(r"(?:\r?\n)+", text.replace("\r\n", "\n"))), default=0)


def test_002_loses_the_dutch_paragraph_and_keeps_the_story_exactly(
    cleaned: dict[str, dict[str, object]],
) -> None:
    original, text = seed_text("002"), str(cleaned["002"]["text"])
    assert DUTCH in original and DUTCH not in text
    story = original.split(DUTCH)[0]
    body = story[story.index("I want to be clear") :]  # after the byline/date lines
    assert body in text
    after = original[original.index("Microsoft has been politically active") :]
    assert after.split("Other reports by")[0].rstrip("\n") in text
    kept_lines(original, text)


def test_000_loses_the_comment_form_junk(cleaned: dict[str, dict[str, object]]) -> None:
    original, text = seed_text("000"), str(cleaned["000"]["text"])
    for junk in ("You might also like", "Leave A Reply", "Your email address"):
        assert junk in original and junk not in text
    assert text.endswith("he wrote back in Jan. 2017.\n")
    assert text == original[: original.index("You might also like")].rstrip("\n") + "\n"


def test_removed_spans_are_exactly_what_is_gone(cleaned: dict[str, dict[str, object]]) -> None:
    for prefix, obj in cleaned.items():
        original = seed_text(prefix)
        removed = obj["removed"]
        assert isinstance(removed, list) and removed, prefix
        rebuilt, pos = [], 0
        for span in removed:
            assert span["kind"] in ("boilerplate", "offtopic")
            assert pos <= span["start"] < span["end"] <= len(original)
            rebuilt.append(original[pos : span["start"]])
            pos = span["end"]
        rebuilt.append(original[pos:])
        assert "".join(rebuilt) == obj["text"], prefix
        assert obj["replaced"] == 0 and obj["error"] is None


def test_every_kept_line_is_an_original_line_and_no_blank_runs_appear(
    cleaned: dict[str, dict[str, object]],
) -> None:
    for prefix, obj in cleaned.items():
        original, text = seed_text(prefix), str(obj["text"])
        kept_lines(original, text)
        assert longest_blank_run(text) <= longest_blank_run(original), prefix
        assert not text.startswith(("\n", "\r")) and not text.endswith("\n\n")


def test_despin_restores_the_original_wording_of_004(invoke: CliRunner) -> None:
    result = invoke.invoke(cli.app, ["clean", str(seed_path("004")), "--despin"])
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "in addition to" not in text and "is actually" not in text
    assert "policy that is separating families" in text
    assert "US Immigration and Customs Enforcement" in text
    assert "human rights. This means standing" in text  # sentence start capitalised
    assert "In the blog post, Microsoft says" in text  # "inside" -> "In"
    assert "Related: Outrage grows" not in text  # the off-topic line is cut too


def test_despin_replaces_only_confident_findings_and_keeps_case() -> None:
    text = "Inside the house. It is actually fine inside the idea.\n"
    findings = [
        Finding.at(text, "spin", 0, 6, 0.95, "r", "in"),
        Finding.at(text, "spin", 21, 32, 0.9, "r", "is"),
        Finding.at(text, "spin", 38, 44, 0.5, "r", "in"),  # below the threshold
        Finding.at(text, "spin", 45, 53, 0.99, "r", "it"),
    ]
    out = clean_text(text, findings, load_settings().clean.despin_min_score)
    assert out.text == "In the house. It is fine inside it.\n"
    assert out.replaced == 3 and out.removed == ()
    assert clean_text(text, findings).text == text  # no --despin: untouched


def test_cuts_collapse_blank_lines_and_keep_crlf() -> None:
    text = "Title\r\n\r\nBody one.\r\nJunk line\r\n\r\nBody two.\r\n\r\nShare this\r\n\r\nFooter"
    junk = text.index("Junk line")
    share = text.index("Share this")
    findings = [
        Finding.at(text, "boilerplate", junk, junk + 9, 0.9, "r"),
        Finding.at(text, "boilerplate", share, share + 10, 0.9, "r"),
        Finding.at(text, "offtopic", text.index("Footer"), len(text), 0.9, "r"),
    ]
    out = clean_text(text, findings)
    assert out.text == "Title\r\n\r\nBody one.\r\n\r\nBody two.\r\n"
    assert [(r.kind, text[r.start : r.end]) for r in out.removed] == [
        ("boilerplate", "Junk line\r\n"),
        ("boilerplate", "\r\nShare this\r\n\r\n"),
        ("offtopic", "Footer"),
    ]


def test_text_format_takes_one_article(invoke: CliRunner) -> None:
    result = invoke.invoke(cli.app, ["clean", str(SEEDS)])
    assert result.exit_code == 2
    assert "takes one article" in result.stderr and result.stdout == ""


def test_exit_codes(invoke: CliRunner, tmp_path: Path) -> None:
    missing = invoke.invoke(cli.app, ["clean", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1
    assert "no such file or folder" in missing.stderr

    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = invoke.invoke(cli.app, ["clean", str(empty)])
    assert result.exit_code == 1 and "empty file" in result.stderr and result.stdout == ""

    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "a", "text": seed_text("003")}) + "\nnot json\n")
    out = tmp_path / "clean.jsonl"
    result = invoke.invoke(cli.app, ["clean", str(feed), "--format", "jsonl", "--output", str(out)])
    assert result.exit_code == 1
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert "ALSO READ" not in first["text"] and first["error"] is None
    assert second["text"] is None and second["error"]["type"] == "json"


def test_any_cut_of_a_seed_keeps_exact_lines_and_the_removed_spans_add_up(
    seeds: dict[str, str],
) -> None:
    """Random line and paragraph cuts of every seed (fixed seed, LF and CRLF)."""
    rng = random.Random(5)
    for original in seeds.values():
        for text in (original, original.replace("\n", "\r\n")):
            doc = Document(text)
            for _ in range(40):
                findings = [
                    Finding.at(text, "boilerplate", line.start, line.end, 0.9, "r")
                    for line in rng.sample(doc.content_lines, rng.randint(0, 4))
                ] + [
                    Finding.at(text, "offtopic", p.start, p.end, 0.9, "r")
                    for p in rng.sample(doc.paragraphs, rng.randint(0, 2))
                ]
                out = clean_text(text, findings)
                kept_lines(text, out.text)
                pieces, pos = [], 0
                for span in out.removed:
                    pieces.append(text[pos : span.start])
                    pos = span.end
                assert "".join([*pieces, text[pos:]]) == out.text
                assert longest_blank_run(out.text) <= longest_blank_run(text)
