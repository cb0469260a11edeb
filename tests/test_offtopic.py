"""Off-topic detector and insertion generators, on the seeds and on held-out BBC articles."""

from __future__ import annotations

import pickle
import random
from collections.abc import Callable

import numpy as np
import pytest

from pipeline.config import load_settings
from pipeline.detectors import offtopic
from pipeline.detectors.base import single_threaded_blas
from pipeline.detectors.offtopic import (
    _ENTITY_RES,
    _NAME_RE,
    PARAGRAPH_FEATURES,
    OfftopicDetector,
    _entities,
    _loo_median,
    _lowers_apart,
    _names,
    _paragraphs,
    cue_line,
)
from pipeline.text import (
    Document,
    DocumentBatch,
    scan_batch,
    scanned,
    split_batch_lines,
    word_re,
)
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


# -- the batch path (detect_batch) --------------------------------------------------------


def _batch_texts(test_articles: list[SourceArticle]) -> list[str]:
    """Seeds, held-out BBC articles, CRLF copies, and texts that take the rarer paths: names
    after double spaces and tabs, non-ASCII word characters, too few paragraphs."""
    texts = [seed_text(p) for p in ("000", "001", "002", "003", "004")]
    texts += [a.text for a in test_articles[:80]]
    texts += [t.replace("\n", "\r\n") for t in texts[:10]]
    texts += [t.replace(". ", ".  ").replace(", ", ",\t") for t in texts[5:15]]
    texts += [t.replace("e", "é").replace("a", "ä") for t in texts[15:20]]
    # Read from Document.paragraph_words: lowering changes the length, or depends on context.
    texts += [t.replace(" the ", " the İstanbul ΟΔΟΣ ") for t in texts[20:25]]
    texts += ["", "One line only.", "Title\n\nOne paragraph of text here.\n\nAnother one."]
    return texts


def test_detect_batch_is_detect_of_each_whatever_the_batch(
    detector: OfftopicDetector, test_articles: list[SourceArticle]
) -> None:
    texts = _batch_texts(test_articles)
    one_by_one = [detector.detect(Document(t)) for t in texts]
    assert any(d.findings for d in one_by_one) and not all(d.findings for d in one_by_one)
    order = list(range(len(texts)))
    random.Random(5).shuffle(order)
    for size in (1, 7, 64, len(texts)):
        batched: dict[int, object] = {}
        for start in range(0, len(order), size):
            part = order[start : start + size]
            found = detector.detect_batch([Document(texts[i]) for i in part])
            batched.update(zip(part, found, strict=True))
        assert [batched[i] for i in range(len(texts))] == one_by_one, size
    # As scoring calls it: one DocumentBatch, whose scan is shared with the other detectors.
    shared = DocumentBatch(Document(texts[i]) for i in order)
    assert dict(zip(order, detector.detect_batch(shared), strict=True)) == dict(
        enumerate(one_by_one)
    )


def test_judge_batch_is_judge_of_each(
    detector: OfftopicDetector, test_articles: list[SourceArticle]
) -> None:
    texts = _batch_texts(test_articles)[:40]
    batch = detector.judge_batch([Document(t) for t in reversed(texts)])
    assert list(reversed(batch)) == [detector.judge(Document(t)) for t in texts]
    judged = [j for js in batch for j in js if j.features is not None]
    assert judged and all(len(j.features or ()) == len(PARAGRAPH_FEATURES) for j in judged)
    for text, judgements in zip(texts, reversed(batch), strict=True):
        paragraphs = Document(text).paragraphs
        assert [j.paragraph for j in judgements] == [paragraphs[j.index] for j in judgements]


def test_names_found_from_capitals_are_the_names_found_after_spaces(
    test_articles: list[SourceArticle],
) -> None:
    """The fast name pattern is used on texts without tabs or double spaces; on them it must
    find exactly what the reference scan (:func:`_entities`) finds, paragraph by paragraph."""
    texts = [seed_text(p) for p in ("000", "001", "002", "003", "004")]
    texts += [a.text for a in test_articles[:150]]
    texts += ["Él dijo, Ñandú y Øster (Émile) visitó Ärzte’ Über 50% Zürich, ×Times."]
    checked = 0
    for text in texts:
        if "  " in text or "\t" in text:
            continue
        entity_re = _ENTITY_RES[word_re(text)]
        for p in Document(text).paragraphs:
            expected = _entities(text, p.start, p.end, entity_re)
            assert _NAME_RE.findall(text, p.start, p.end) == expected, p.text
            checked += len(expected)
    assert checked > 1000


# -- words and names from the batch's scan -------------------------------------------------

_ODD = [*"σςıßéÉǅǄⒶﬁ١\u0307\u0301\u00a0\u2028£€—“”…’‘_×ÀÞ", "\ud800"]
_APART = [*"Σİ"]  # lowered to another length (İ) or by context (Σ)
_PLAIN = [*"aZeQ09", " ", " ", "  ", "\t", "-", "'", "’", ",", ".", "%", ")", "\n", "\n\n", "\r\n"]
_WORDS = ["Amazon", "the", "police", "Zürich", "Émile", "Ωμέγα", "O’Neil", "Jean-Luc"]


def _odd_texts(n: int) -> list[str]:
    """Texts of words, odd characters (as in tests/test_text_fastpath.py) and separators: a
    third without odd characters, a third with, a third with Σ and İ besides."""
    rng = random.Random(2)
    out = []
    for i in range(n):
        odd = [[], _ODD, _ODD + _APART][i % 3]
        parts = []
        for _ in range(rng.randint(5, 300)):
            r = rng.random()
            pool = _WORDS if r < 0.3 else _PLAIN if r < 0.8 or not odd else odd
            parts.append(rng.choice(pool))
        out.append("".join(parts))
    return out


def _scan_texts(test_articles: list[SourceArticle]) -> list[str]:
    texts = [seed_text(p) for p in ("000", "001", "002", "003", "004")]
    texts += [a.text for a in test_articles[:40]]
    texts += [t.replace("\n", "\r\n") for t in texts[:10]]
    texts += [t.replace(". ", ".  ").replace(", ", ",\t") for t in texts[5:15]]
    return texts + _odd_texts(400)


def test_words_from_the_scan_are_each_paragraphs_words(
    detector: OfftopicDetector, test_articles: list[SourceArticle]
) -> None:
    """The scan's lower-cased tokens stand for Document.paragraph_words (which tokenises the
    lower-cased text) except in the documents with a character lowered apart, which read
    paragraph_words themselves: either way each paragraph gets exactly its words."""
    texts = _scan_texts(test_articles)
    docs = DocumentBatch(Document(t) for t in texts)
    found = detector._words(docs, scanned(docs), docs.lines)
    spelled = [*found.scan.low_words, *found.extra]
    checked = 0
    for a, doc in enumerate(docs):
        if len(doc.paragraphs) <= 2:
            continue
        for k, expected in enumerate(doc.paragraph_words, start=found.paragraphs.first[a]):
            got = [spelled[i] for i in found.ids[found.lo[k] : found.hi[k]].tolist()]
            assert got == expected, (a, k)
            checked += len(expected)
    assert found.fallback == {a for a, t in enumerate(texts) if "Σ" in t or "İ" in t}
    assert 50 < len(found.fallback) < len(texts) // 2 and checked > 20_000
    assert [c for c in "ΣσςİıßéÉǅǄⒶﬁ١\u0307’_×" if _lowers_apart(ord(c))] == ["Σ", "İ"]


def test_names_from_the_scan_are_the_names_by_pattern(test_articles: list[SourceArticle]) -> None:
    texts = _scan_texts(test_articles)
    scan = scan_batch(texts)
    checked = 0
    for a, text in enumerate(texts):
        entity_re = _ENTITY_RES[word_re(text)]
        for p in Document(text).paragraphs:
            lo, hi = np.searchsorted(scan.at, [scan.offsets[a] + p.start, scan.offsets[a] + p.end])
            tokens = np.arange(lo, hi)
            named = tokens[_names(scan, tokens)]
            got = [scan.words[w] for w in scan.word[named].tolist()]
            expected = _entities(text, p.start, p.end, entity_re)
            assert got == expected, p.text
            checked += len(expected)
    assert checked > 2000


def test_detections_from_the_scan_are_those_from_paragraph_words(
    detector: OfftopicDetector, test_articles: list[SourceArticle], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every document read the way the few fallback documents are (paragraph_words, names by
    pattern) gives the same detections and judgements, bit for bit."""
    texts = _scan_texts(test_articles)
    fast = detector.detect_batch(DocumentBatch(Document(t) for t in texts))
    fast_judged = detector.judge_batch([Document(t) for t in texts])
    assert sum(len(d.findings) for d in fast) > 10
    monkeypatch.setattr(offtopic, "_fallback_docs", lambda scan: list(range(len(scan))))
    assert detector.detect_batch(DocumentBatch(Document(t) for t in texts)) == fast
    assert detector.judge_batch([Document(t) for t in texts]) == fast_judged


# -- paragraphs and cue lines from the batch's scan -----------------------------------------

_CUE_PHRASES = [
    "Also read",
    "Read also",
    "Read more",
    "More from",
    "Related",
    "Related story",
    "Related coverage",
    "Recommended reading",
    "Recommended",
    "See also",
    "Read next",
    "You may also like",
    "You might also like",
    "Don't miss",
    "Don’t miss",
    "Must read",
    "Suggested reading",
]


def _cue_texts() -> list[str]:
    """Texts of cue lines (every cue, cased and prefixed in odd ways, the long s that
    re.IGNORECASE takes for an s) between ordinary lines, blank lines of spaces, and \r."""
    rng = random.Random(4)
    cases: list[Callable[[str], str]] = [
        str.upper,
        str.lower,
        str.title,
        lambda c: c.replace("s", "ſ"),
        lambda c: c,
    ]
    leads = ["", "  ", "\t", "** ", " -> ", "\u00a0\u3000", "“", "<<<", " " * 12, "!!!!"]
    seps = [": ", " | ", " » ", " - ", " ", ":", " — "]
    lines = ["Police said on Monday.", "", " ", "\u2028", "Revenue rose by 5%.", "Sea views"]
    out = []
    for _ in range(120):
        parts = []
        for _ in range(rng.randint(3, 30)):
            if rng.random() < 0.4:
                cue = rng.choice(cases)(rng.choice(_CUE_PHRASES))
                title = rng.choice(["Big news today", "x", "Storm hits the coast", ""])
                parts.append(rng.choice(leads) + cue + rng.choice(seps) + title)
            else:
                parts.append(rng.choice(lines))
        out.append(rng.choice(["\n", "\r\n", "\n\n"]).join(parts))
    return out


def test_every_cue_opens_with_a_cue_opening() -> None:
    """The cue-line pre-test (offtopic._CUE_OPENINGS) must know every cue of the patterns,
    and _CUE_PHRASES (used below) must hold one phrase per cue."""
    alternatives, depth, part = [], 0, ""
    for char in offtopic._CUES:
        depth += (char == "(") - (char == ")")
        if char == "|" and depth == 0:
            alternatives.append(part)
            part = ""
        else:
            part += char
    alternatives.append(part)
    openings = {a[:2] for a in alternatives}
    assert len(alternatives) == 12 and openings <= set(offtopic._CUE_OPENINGS)
    assert openings == {p[:2].lower() for p in _CUE_PHRASES}
    caps = offtopic._CAPS_CUE_RE.pattern.split("<cue>")[1].split(")")[0].split("|")
    assert {c[:2].lower() for c in caps} <= openings
    for phrase in _CUE_PHRASES:
        assert cue_line(f"{phrase}: Storm hits the coast") is not None, phrase


def test_paragraphs_from_the_scan_are_the_documents_paragraphs(
    test_articles: list[SourceArticle],
) -> None:
    """Paragraph spans, first lines, line counts and cues found from the batch's lines are
    those of Document.paragraphs and cue_line, on articles, odd texts and cue lines; so are
    the Paragraph objects made from them."""
    texts = _scan_texts(test_articles) + _cue_texts()
    texts += ["", "\n", "\r\n\r\n", " \n\t\n", "a", "a\r", "\n\na\n\n", "x\n" + " " * 40 + "\ny"]
    scan = scan_batch(texts)
    found = _paragraphs(scan, split_batch_lines(scan))
    n_cues = 0
    for a, text in enumerate(texts):
        expected = Document(text).paragraphs
        k = found.first[a]
        assert found.first[a + 1] - k == len(expected), a
        for i, p in enumerate(expected, start=k):
            got = (found.start[i], found.end[i], found.head_end[i], found.n_lines[i])
            assert got == (p.start, p.end, p.lines[0].end, len(p.lines)), (a, p.text)
            cue = next((c for line in p.lines if (c := cue_line(line.text)) is not None), None)
            assert found.cues[i] == cue and found.is_cue[i] == (cue is not None), p.text
            n_cues += cue is not None
    assert n_cues > 200


def test_loo_median_is_the_median_of_the_others() -> None:
    rng = np.random.default_rng(0)
    sizes = [2, 3, 4, 5, 8, 2, 13]
    x = np.round(rng.random(sum(sizes)), 1)  # rounded: ties
    group = np.repeat(np.arange(len(sizes)), sizes)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    expected = []
    for g, n in enumerate(sizes):
        values = x[first[g] : first[g] + n].tolist()
        for k in range(n):
            others = sorted(values[:k] + values[k + 1 :])
            mid = (n - 1) // 2
            expected.append(others[mid] if (n - 1) % 2 else (others[mid - 1] + others[mid]) / 2)
    assert _loo_median(x, group, first).tolist() == expected


def test_row_sums_with_a_leading_zero_are_numpys_row_sums() -> None:
    """What the batch layout relies on: np.add.reduceat over rows that start with a zero gives
    the bits of ``sum(axis=1)`` on the unpadded matrix (numpy's pairwise summation)."""
    rng = np.random.default_rng(1)
    for width in (1, 7, 8, 9, 127, 128, 129, 300, 1000):
        a = rng.random((5, width)) * (rng.random((5, width)) < 0.5)
        padded = np.hstack([np.zeros((5, 1)), a]).reshape(-1)
        sums = np.add.reduceat(padded, np.arange(5) * (width + 1))
        assert sums.tolist() == a.sum(axis=1).tolist()


def test_projection_rows_are_those_of_the_three_n_row_matrix(
    detector: OfftopicDetector,
) -> None:
    """What the topic projection relies on: an article's ``2n + 2`` rows (own, rest, the two
    lead rows; with ``n`` odd the others' lead row once more, last) projected in one product
    (on one BLAS thread, as the detector multiplies) give the bits of the ``3n``-row matrix
    the detector once multiplied (own, rest, then each candidate's lead row), row for row,
    at the numbers of words and candidates of articles."""
    rng = np.random.default_rng(3)
    topics = detector.topics64_
    with single_threaded_blas():
        for n in range(2, 14):
            for k in (0, 1, 7, 60, 150, 255, 256, 257, 300, 511, 600, 1100):
                own_rest = rng.random((2 * n, k)) * (rng.random((2 * n, k)) < 0.3)
                lead = rng.random((2, k))
                b = topics.take(rng.choice(len(topics), size=k, replace=False), axis=0)
                before = np.vstack([own_rest, lead[:1], np.repeat(lead[1:], n - 1, axis=0)]) @ b
                after = np.vstack([own_rest, lead, lead[1:]] if n % 2 else [own_rest, lead]) @ b
                assert after[: 2 * n + 2].tolist() == before[: 2 * n + 2].tolist(), (n, k)
                # the other candidates' lead rows: as the first of them, but the last one
                last = 3 * n - 1 if n % 2 else 2 * n + 1
                assert after[-1].tolist() == before[last].tolist(), (n, k)
                assert (before[2 * n + 1 : 3 * n - n % 2] == before[2 * n + 1]).all(), (n, k)
