"""`unspun report`: the HTML page opened in real headless chromium (selenium), plus the
renderer's escaping and nesting and the command's exit codes."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver import Chrome
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from typer.testing import CliRunner

from pipeline import cli
from pipeline.io.report import highlight

from .conftest import ROOT, SEEDS, seed_path, seed_text

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1400",
)


@pytest.fixture(scope="module")
def report_file(invoke: CliRunner, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    result = invoke.invoke(cli.app, ["report", str(SEEDS), "--output", str(path)])
    assert result.exit_code == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chrome]:
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        pytest.fail(
            "chromium and chromedriver are needed for the report's browser test: "
            "apt-get install -y chromium chromium-driver (.ci/run installs them)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(options=options, service=Service(driver_path))
    except WebDriverException as exc:
        pytest.fail(f"cannot start headless chromium: {exc.msg}")
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(browser: Chrome, report_file: Path) -> Chrome:
    browser.get(report_file.as_uri())
    return browser


def article_div(page: Chrome, prefix: str) -> WebElement:
    (section,) = [
        s
        for s in page.find_elements(By.CSS_SELECTOR, "section.article")
        if s.find_element(By.TAG_NAME, "h2").text.startswith(prefix)
    ]
    return section.find_element(By.CSS_SELECTOR, "div.text")


def summary_scores(page: Chrome) -> list[float]:
    rows = page.find_elements(By.CSS_SELECTOR, "#summary tbody tr")
    return [float(row.find_element(By.CSS_SELECTOR, "td.score").text) for row in rows]


def test_page_loads_offline_without_console_errors(page: Chrome) -> None:
    assert page.title == "unspun report"
    severe = [entry for entry in page.get_log("browser") if entry["level"] == "SEVERE"]
    assert not severe, severe
    # Nothing was fetched: no stylesheet, script, font or image besides the page itself.
    assert page.execute_script("return performance.getEntriesByType('resource').length") == 0


def test_each_kind_is_highlighted_where_the_seeds_have_it(page: Chrome) -> None:
    for prefix, kind in (("004", "spin"), ("002", "offtopic"), ("000", "boilerplate")):
        marks = article_div(page, prefix).find_elements(By.CSS_SELECTOR, f"mark.{kind}")
        assert marks, f"no {kind} marks in seed {prefix}"
    spin_texts = {m.text for m in article_div(page, "004").find_elements(By.CSS_SELECTOR, "mark")}
    assert "in addition to" in spin_texts
    dutch = article_div(page, "002").find_element(By.CSS_SELECTOR, "mark.offtopic")
    assert dutch.text.startswith("Dutch police search for van driver")


def test_article_text_survives_escaping_and_marks_exactly(page: Chrome) -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        shown = page.execute_script("return arguments[0].textContent", article_div(page, path.name))
        assert shown == seed_text(path.name[:3]).replace("\r\n", "\n")


def test_clicking_the_score_header_sorts_rows_by_score(page: Chrome) -> None:
    before = summary_scores(page)
    assert len(set(before)) > 2  # the two orders below differ, so each click is checked
    header = page.find_element(By.ID, "sort-score")
    header.click()
    assert summary_scores(page) == sorted(before)
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert summary_scores(page) == sorted(before, reverse=True)
    assert header.get_attribute("aria-sort") == "descending"


def test_hovering_a_mark_shows_kind_reason_and_suggestion(page: Chrome) -> None:
    text = article_div(page, "004")
    mark = next(
        m for m in text.find_elements(By.CSS_SELECTOR, "mark.spin") if m.text == "is actually"
    )
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", mark)
    ActionChains(page).move_to_element(mark).perform()
    tip = page.find_element(By.ID, "tip")
    assert tip.is_displayed()
    assert "spin" in tip.text
    assert "spinner substitution for 'is'" in tip.text
    assert "suggestion: is" in tip.text
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    assert page.save_screenshot(str(shot))
    print(f"report screenshot: {shot}")


class _Marks(HTMLParser):
    """Collects every mark's title and checks that tags nest properly."""

    def __init__(self) -> None:
        super().__init__()
        self.titles: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "mark":
            self.titles.append(dict(attrs).get("title") or "")
        if tag not in ("meta", "br"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()


def test_file_references_nothing_external_and_titles_give_reasons(report_file: Path) -> None:
    page = report_file.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"<link\b|<img\b|@import|url\(", page, re.I)
    parser = _Marks()
    parser.feed(page)
    assert not parser.stack
    spin = [t for t in parser.titles if t.startswith("spin")]
    assert spin and all("spinner substitution for" in t and "suggestion:" in t for t in spin)
    assert any(t.startswith("off-topic") and "similarity" in t for t in parser.titles)


def test_overlapping_findings_nest_and_keep_the_text() -> None:
    text = "One <b>two</b> & three four five."
    findings = [
        {"kind": "offtopic", "start": 0, "end": 20, "score": 0.9, "reason": "r1"},
        {"kind": "spin", "start": 4, "end": 14, "score": 0.8, "reason": "r2", "suggestion": "x"},
        {"kind": "boilerplate", "start": 17, "end": 29, "score": 0.7, "reason": "r3"},
    ]
    out = highlight(text, findings)
    assert "<b>" not in out and "&lt;b&gt;two&lt;/b&gt;</mark> &amp; " in out
    assert out.startswith('<mark class="offtopic" title="off-topic (0.90): r1">One <mark')
    parser = _Marks()
    parser.feed(f"<div>{out}</div>")
    assert not parser.stack
    assert len(parser.titles) == 4  # boilerplate crosses the off-topic end: cut in two
    assert (
        re.sub(r"<[^>]+>", "", out).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        == text
    )


def test_unreadable_input_is_an_error_row_and_exit_1(invoke: CliRunner, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    lines = [{"id": "ok", "text": seed_text("004")}, {"id": "bad", "text": 7}]
    feed.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    out = tmp_path / "r.html"
    result = invoke.invoke(cli.app, ["report", str(feed), "--output", str(out)])
    assert result.exit_code == 1
    assert "'text' is int, not string" in result.stderr
    page = out.read_text(encoding="utf-8")
    assert 'class="error-row"' in page and "missing_text" in page
    assert page.count('<section class="article"') == 1


def test_usage_errors_exit_2_with_one_line(invoke: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = invoke.invoke(cli.app, ["report", str(tmp_path / "nope.txt"), "--output", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "no such file or folder" in result.stderr
    assert not out.exists()
    assert invoke.invoke(cli.app, ["report", str(seed_path("000"))]).exit_code == 2  # no --output
