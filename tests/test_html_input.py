"""HTML input: the main text of a news page is extracted, scored, and carried by its record."""

from __future__ import annotations

import html
import json
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from pipeline.article import Article, ReadError
from pipeline.cli import app
from pipeline.io.html import extract_text
from pipeline.io.readers import read_inputs
from pipeline.text import Document
from pipeline.training.sources import shared_dir

from .conftest import seed_text

needs_trafilatura = pytest.mark.skipif(
    find_spec("trafilatura") is None, reason="the html extra (trafilatura) is not installed"
)
SCHEMA_PATH = shared_dir() / "contract" / "record.schema.json"
# Seed 002 carries a pasted story: this headline and the paragraph after it.
FOREIGN_HEADLINE = "Dutch police search for van driver who plowed into concertgoers"
PAGE_JUNK = (
    "Subscribe to our newsletter",
    "Technology",
    "Related stories",
    "Apple unveils new laptop lineup",
    "Leave a Reply",
    "Great article, thanks for sharing",
    "All rights reserved",
    "Privacy Policy",
)


def news_page(text: str) -> str:
    """A seed article as a news site serves it: navigation, header, the story (one ``<p>`` per
    line, the pasted headline as ``<h2>``), related links, a comment section and a footer."""
    title, *body = [line.strip() for line in text.splitlines() if line.strip()]
    blocks = "\n".join(
        f"<h2>{html.escape(line)}</h2>"
        if line == FOREIGN_HEADLINE
        else f"<p>{html.escape(line)}</p>"
        for line in body
    )
    nav = "".join(
        f'<li><a href="/{i}">{name}</a></li>'
        for i, name in enumerate(("Home", "World", "Technology", "Subscribe to our newsletter"))
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | Daily Wire</title>
<script>var analytics = {{"page": "article"}};</script></head>
<body>
<header><a class="logo" href="/">Daily Wire</a><nav><ul>{nav}</ul></nav></header>
<main><article>
<h1>{html.escape(title)}</h1>
{blocks}
</article>
<aside class="related"><h3>Related stories</h3><ul>
<li><a href="/a">Apple unveils new laptop lineup at its spring event</a></li>
<li><a href="/b">The ten best gadgets of the summer, reviewed</a></li></ul></aside>
<section id="comments" class="comments"><h3>Leave a Reply</h3>
<div class="comment"><p>Great article, thanks for sharing this with all of us!</p></div>
<form><textarea name="comment"></textarea><input type="submit" value="Post Comment"></form>
</section></main>
<footer><p>Copyright 2018 Daily Wire. All rights reserved.</p>
<a href="/privacy">Privacy Policy</a> <a href="/terms">Terms of Use</a></footer>
</body></html>"""


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"contract schema not found at {SCHEMA_PATH}")
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def score(*paths: Path) -> tuple[int, list[dict[str, Any]], str]:
    result = CliRunner().invoke(app, ["score", *map(str, paths)])
    return (
        result.exit_code,
        [json.loads(line) for line in result.stdout.splitlines()],
        result.stderr,
    )


@needs_trafilatura
def test_extraction_keeps_the_story_paragraphs_and_drops_the_page_around_them() -> None:
    seed = seed_text("002")
    text = extract_text(news_page(seed))
    for line in (line.strip() for line in seed.splitlines()):
        if line:
            assert line in text, line
    for junk in PAGE_JUNK:
        assert junk not in text, junk
    # One paragraph per block, blank-line separated, the pasted headline heading its story.
    paragraphs = [p.text for p in Document(text).paragraphs]
    assert paragraphs[0] == seed.splitlines()[0]
    (foreign,) = [p for p in paragraphs if p.startswith(FOREIGN_HEADLINE)]
    assert foreign.splitlines()[1].startswith("Police in the province of Limburg")
    assert len(paragraphs) >= 15


@needs_trafilatura
def test_score_page_gives_the_text_and_findings_indexing_it(
    tmp_path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    page = tmp_path / "page.html"
    page.write_text(news_page(seed_text("002")), encoding="utf-8")
    code, (record,), _ = score(page)
    assert code == 0
    assert not list(validator.iter_errors(record))
    text = record["text"]
    assert "Microsoft" in text and "Leave a Reply" not in text
    assert record["findings"]
    for finding in record["findings"]:
        assert text[finding["start"] : finding["end"]] == finding["text"]
    # The page is judged like the scraped seed: the pasted story is found, the verdict fails.
    offtopic = [f for f in record["findings"] if f["kind"] == "offtopic"]
    assert [f["text"].splitlines()[0] for f in offtopic] == [FOREIGN_HEADLINE]
    assert record["verdict"] == "unreliable"


@needs_trafilatura
def test_jsonl_html_lines_score_and_broken_ones_are_error_records(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    lines = [
        {"id": "page", "html": news_page(seed_text("000")), "url": "https://example.com/a"},
        {"id": "broken", "html": "<div><<< </p><span"},
        {"id": "chrome-only", "html": "<html><body><nav><a href='/'>Home</a></nav></body></html>"},
        {"id": "blank", "html": "   "},
        {"id": "plain", "text": seed_text("001")},
    ]
    feed.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    code, records, stderr = score(feed)
    assert code == 1
    assert [r["id"] for r in records] == [line["id"] for line in lines]
    page, broken, chrome, blank, plain = records
    assert page["error"] is None and "text" in page
    for finding in page["findings"]:
        assert page["text"][finding["start"] : finding["end"]] == finding["text"]
    assert [r["error"]["type"] for r in (broken, chrome, blank)] == ["empty"] * 3
    assert plain["error"] is None and "text" not in plain  # plain text is not echoed back
    assert len(stderr.splitlines()) == 3 and "Traceback" not in stderr


def test_folders_take_html_pages_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "b.htm").write_text("<html><body><p>x</p></body></html>", encoding="utf-8")
    (tmp_path / "a.html").write_text("<html><body><p>x</p></body></html>", encoding="utf-8")
    (tmp_path / "c.txt").write_text("Plain article.", encoding="utf-8")
    (tmp_path / "d.xml").write_text("<doc/>", encoding="utf-8")
    assert [item.id for item in read_inputs([str(tmp_path)], 1_000_000)] == [
        "a.html",
        "b.htm",
        "c.txt",
    ]


def test_without_trafilatura_html_is_an_error_record_naming_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # makes `import trafilatura` fail
    page = tmp_path / "page.html"
    page.write_text(news_page(seed_text("002")), encoding="utf-8")
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        json.dumps({"html": "<p>hello</p>"}) + "\n" + json.dumps({"text": "Plain."}) + "\n",
        encoding="utf-8",
    )
    items = list(read_inputs([str(page), str(feed)], 1_000_000))
    first, second, third = items
    assert isinstance(first, ReadError) and isinstance(second, ReadError)
    assert {first.type, second.type} == {"html_unsupported"}
    assert "pip install 'unspun[html]'" in first.message
    assert isinstance(third, Article) and third.text == "Plain."
