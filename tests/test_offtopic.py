"""Off-topic detector and insertion generators, on the seeds and on held-out BBC articles."""

from __future__ import annotations

import pickle
import random

import pytest

from pipeline.config import load_settings
from pipeline.detectors.offtopic import OfftopicDetector, cue_line
from pipeline.text import Document
from pipeline.training.insertions import (
    INSERTION_STYLES,
    build_offtopic,
    evaluate_offtopic,
    pick_donor,
)
from pipeline.training.sources import SourceArticle, bbc_articles
from pipeline.training.splits import split_of

from .conftest import seed_text


@pytest.fixture(scope="session")
def bbc() -> list[SourceArticle]:
    return bbc_articles()


@pytest.fixture(scope="session")
def test_articles(bbc: list[SourceArticle]) -> list[SourceArticle]:
    return [a for a in bbc if split_of(a.id) == "test"]


@pytest.fixture(scope="session")
def detector(bbc: list[SourceArticle]) -> OfftopicDetector:
    return build_offtopic(bbc, load_settings().offtopic, seed=0)


def flagged(detector: OfftopicDetector, text: str) -> list[str]:
    return [f.text for f in detector.detect(Document(text)).findings]


def test_findings_are_whole_paragraphs_cut_from_the_article(detector: OfftopicDetector) -> None:
    for prefix in ("000", "001", "002", "003", "004"):
        text = seed_text(prefix)
        doc = Document(text)
        spans = {(p.start, p.end) for p in doc.paragraphs}
        detection = detector.detect(doc)
        assert len(detection.features) == len(detector.feature_names())
        for f in detection.findings:
            assert f.kind == "offtopic"
            assert f.text == text[f.start : f.end]
            assert (f.start, f.end) in spans
            assert f.suggestion is None


def test_seed_002_pasted_headline_and_paragraph_is_flagged(detector: OfftopicDetector) -> None:
    texts = flagged(detector, seed_text("002"))
    assert len(texts) == 1
    assert texts[0].startswith("Dutch police search for van driver")
    assert "Limburg" in texts[0]


def test_seed_003_also_read_lines_are_flagged(detector: OfftopicDetector) -> None:
    texts = flagged(detector, seed_text("003"))
    assert [t for t in texts if t.startswith("ALSO READ:")] == [
        "ALSO READ: \u00a0 India, Sudan review bilateral ties",
        "ALSO READ: \u00a0 UNHCR probing case of Saudi woman detained in Bangkok",
    ]


def test_seed_004_related_line_is_flagged(detector: OfftopicDetector) -> None:
    texts = flagged(detector, seed_text("004"))
    assert "Related: Outrage grows as families are separated. Will Trump change his policy?" in (
        texts
    )


@pytest.mark.parametrize("prefix", ["000", "001", "003", "004"])
def test_no_genuine_body_paragraph_is_flagged(detector: OfftopicDetector, prefix: str) -> None:
    text = seed_text(prefix)
    for t in flagged(detector, text):
        is_link = cue_line(t) is not None
        # Comment-form junk may be judged too; it is never article prose about the story.
        is_junk = t.startswith("Your email address will not be published")
        assert is_link or is_junk, t


def test_cue_lines_need_a_linked_title() -> None:
    assert cue_line("ALSO READ: Sci-fi shooter Doom 3 tops charts") == "ALSO READ"
    assert cue_line("Read more: Blair 'up for it' ahead of poll") == "Read more"
    assert cue_line("Related: Outrage grows as families are separated.") == "Related"
    assert cue_line("Related Posts") is None
    assert cue_line("You might also like") is None
    assert cue_line("The related issue was raised in parliament on Monday.") is None


@pytest.mark.parametrize("style", sorted(INSERTION_STYLES))
def test_generator_spans_are_document_paragraphs(
    style: str, test_articles: list[SourceArticle]
) -> None:
    rng = random.Random(3)
    for article in test_articles[:40]:
        donor = pick_donor(article, test_articles, rng)
        try:
            c = INSERTION_STYLES[style](article.text, donor.text, rng)
        except ValueError:
            continue
        assert c.kind == "offtopic" and c.style == style and c.spans
        doc = Document(c.text)
        spans = [(p.start, p.end) for p in doc.paragraphs]
        for start, end in c.spans:
            assert (start, end) in spans
            assert (start, end) != spans[0] and (start, end) != spans[-1]
        # Removing the inserted paragraphs gives back the article.
        kept = [p.text for p in doc.paragraphs if (p.start, p.end) not in c.spans]
        assert kept == [p.text for p in Document(article.text).paragraphs]


def test_held_out_insertions_are_found(
    detector: OfftopicDetector, test_articles: list[SourceArticle]
) -> None:
    sample = random.Random(0).sample(test_articles, 150)
    report = evaluate_offtopic(detector, sample, random.Random(1))
    for style in INSERTION_STYLES:
        assert report[style]["f1"] >= 0.8, (style, report[style])
    assert report["clean"]["flagged_article_rate"] <= 0.05
    assert report["clean"]["flagged_paragraph_rate"] <= 0.01


def test_detector_pickles(detector: OfftopicDetector) -> None:
    data = pickle.dumps(detector)
    assert len(data) < 4_000_000
    copy = pickle.loads(data)
    text = seed_text("002")
    assert copy.detect(Document(text)) == detector.detect(Document(text))
