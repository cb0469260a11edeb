"""What a careful reader sees in the five seed articles, pinned against the shipped model."""

from __future__ import annotations

import pytest

from pipeline.article import Article, ScoredArticle
from pipeline.model import ReliabilityModel
from pipeline.scoring import Scorer


@pytest.fixture(scope="module")
def scored(shipped_model: ReliabilityModel, seeds: dict[str, str]) -> dict[str, ScoredArticle]:
    scorer = Scorer(shipped_model)
    return {key: scorer.score(Article(key, text)) for key, text in seeds.items()}


def flagged_lines(result: ScoredArticle, kinds: tuple[str, ...]) -> set[str]:
    """Every line covered by a finding of one of ``kinds``."""
    return {
        line.strip()
        for f in result.findings
        if f.kind in kinds
        for line in f.text.splitlines()
        if line.strip()
    }


def test_reliability_order_and_verdicts(scored: dict[str, ScoredArticle]) -> None:
    r = {key: s.reliability for key, s in scored.items()}
    assert r["004"] < r["002"] < min(r["000"], r["001"])
    assert scored["004"].verdict == "unreliable"
    assert scored["002"].verdict != "reliable"
    assert scored["000"].verdict == "reliable"
    assert scored["001"].verdict == "reliable"


def test_seed_004_spin_findings_suggest_the_original_words(
    scored: dict[str, ScoredArticle],
) -> None:
    spin = [f for f in scored["004"].findings if f.kind == "spin"]
    assert len(spin) >= 15
    by_text: dict[str, set[str | None]] = {}
    for f in spin:
        by_text.setdefault(f.text.lower(), set()).add(f.suggestion)
    assert "and" in by_text["in addition to"]
    assert "is" in by_text["is actually"]
    assert "that" in by_text["that will"]
    assert scored["004"].signals["spin"] > 0.5


def test_clean_seeds_have_no_spin_findings(scored: dict[str, ScoredArticle]) -> None:
    for key in ("000", "001"):
        assert [f.text for f in scored[key].findings if f.kind == "spin"] == []
        assert scored[key].signals["spin"] < 0.5


def test_limburg_paragraph_of_002_is_offtopic(scored: dict[str, ScoredArticle]) -> None:
    offtopic = [f for f in scored["002"].findings if f.kind == "offtopic"]
    assert any(f.text.startswith("Dutch police search for van driver") for f in offtopic)
    assert any("Limburg" in f.text for f in offtopic)
    assert scored["002"].signals["offtopic"] > 0.5


def test_also_read_lines_of_003_are_flagged(scored: dict[str, ScoredArticle]) -> None:
    lines = flagged_lines(scored["003"], ("offtopic", "boilerplate"))
    assert sum(line.startswith("ALSO READ:") for line in lines) == 2


@pytest.mark.parametrize(
    ("seed", "junk"),
    [
        ("000", ["Leave A Reply", "Your email address will not be published."]),
        (
            "001",
            [
                "Leave a Reply",
                "Your email address will not be published. Required fields are marked *",
            ],
        ),
        ("002", ["Discuss This Article"]),
        ("003", ["Views: 87", "Comments: 0"]),
        ("004", ["Related Posts", "About The Author", "Add Comment"]),
    ],
)
def test_junk_lines_are_flagged(
    scored: dict[str, ScoredArticle], seed: str, junk: list[str]
) -> None:
    lines = flagged_lines(scored[seed], ("boilerplate", "offtopic"))
    for line in junk:
        assert line in lines, f"{seed}: {line!r} not flagged"


# The pasted foreign story of seed 002 is not body text.
OFFTOPIC_BLOCKS = {
    "Dutch police search for van driver who plowed into concertgoers\nPolice in the province of "
    "Limburg say they have found the white van and have arrested a suspect, reports The Sun . "
    "The authorities would not give more details because the investigation was still ongoing."
}

# First words of body paragraphs a careful reader keeps, per seed.
BODY = {
    "000": [
        "The public outcry over",
        "Back in January",
        "Now Microsoft is getting",
        "Still, the contract",
    ],
    "001": ["Following criticism over", "Microsoft was called out", "Tech giants are facing"],
    "002": ["I want to be clear", "Following recent outcry", "Microsoft has been politically"],
    "003": ["Washington, June 19", "In a blog post in January", "According to the US Department"],
    "004": ["Microsoft is actually calling", "The company took a stand", "Amazon, for example"],
}


@pytest.mark.parametrize("seed", sorted(BODY))
def test_no_body_paragraph_is_flagged_as_junk(
    scored: dict[str, ScoredArticle], seeds: dict[str, str], seed: str
) -> None:
    junk = [f for f in scored[seed].findings if f.kind in ("boilerplate", "offtopic")]
    for paragraph in seeds[seed].split("\n\n"):
        body = paragraph.strip()
        if len(body) < 200 or body in OFFTOPIC_BLOCKS:
            continue  # bylines, headings, cue lines and junk are short
        for f in junk:
            overlap = min(f.end, seeds[seed].find(body) + len(body)) - max(
                f.start, seeds[seed].find(body)
            )
            assert overlap <= 0, f"{seed}: body paragraph flagged as {f.kind}: {body[:60]!r}"
    for opening in BODY[seed]:
        assert not any(f.text.startswith(opening) for f in junk)


def test_one_span_gets_one_kind(scored: dict[str, ScoredArticle]) -> None:
    for result in scored.values():
        spans = [(f.start, f.end) for f in result.findings if f.kind != "spin"]
        assert len(spans) == len(set(spans))
    comment = "Your email address will not be published. Required fields are marked with *"
    (kind,) = [f.kind for f in scored["003"].findings if f.text == comment]
    assert kind == "boilerplate"
