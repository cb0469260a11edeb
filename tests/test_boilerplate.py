"""The boilerplate detector, its junk injector and the baselines, on real text."""

from __future__ import annotations

import math
import pickle
import random
import re
import string

import numpy as np
import pytest

from pipeline.config import load_settings
from pipeline.detectors import boilerplate
from pipeline.detectors.base import single_threaded_blas
from pipeline.detectors.boilerplate import (
    _BULLETS,
    _COMMENT_HEADER_ENDS,
    _FIRST_PERSON,
    _INFORMAL_WORDS,
    _MONTH_WORDS,
    _SAMPLE,
    _SECOND,
    _SINGULAR,
    _TERMINAL,
    _TRAILING,
    BYLINE_RE,
    COMMENT_HEADER_RE,
    COMMENT_MARK_RE,
    COUNTER_RE,
    CREDIT_RE,
    CUE_KINDS,
    DATE_RE,
    EMAIL_RE,
    EMPTY_CELL_RE,
    HANDLE_RE,
    INFORMAL_MARK_RE,
    LINE_FEATURE_NAMES,
    STACK_FEATURE_NAMES,
    TIME_RE,
    URL_RE,
    BinnedLogit,
    BoilerplateDetector,
    LineTable,
    _lines_raw,
    _np_sum,
    _pages,
    _stacks,
    comment_thread_lines,
    line_cues,
    page_features,
    stack_features,
)
from pipeline.model import ReliabilityModel
from pipeline.text import STOPWORDS, Document, DocumentBatch, words
from pipeline.training.baselines import c4_boilerplate, c4_line_is_boilerplate, justext_boilerplate
from pipeline.training.boilerplate_data import (
    PAGE_WEIGHT_LINES,
    LabelledPage,
    injected_pages,
    page_split,
    page_weights,
    shared_pages,
)
from pipeline.training.boilerplate_injection import (
    POSITIONS,
    inject_boilerplate,
    reshape_content,
)
from pipeline.training.sources import (
    BOILERPLATE_SETS,
    DataUnavailable,
    SourceArticle,
    bbc_articles,
    shared_dir,
)
from pipeline.training.splits import split_of

from .conftest import seed_text

# Junk lines of the seeds (prefixes) that must be flagged.
SEED_JUNK = {
    "000": ["You might also like", "Leave A Reply", "Your email address will not be published."],
    "001": [
        "Microsoft President and Chief Legal Officer Brad Smith. (GeekWire File Photo)",
        "Leave a Reply",
        "Your email address will not be published. Required fields",
    ],
    "002": ["Darnell Taylor", "June 20, 2018", "Other reports by", "Discuss This Article"],
    "003": ["Views: 87", "Comments: 0", "Your email address will not be published."],
    "004": ["sy88pgw (completely new York)", "Related Posts", "About The Author", "Add Comment"],
}


# -- the per-line reference: what _lines_raw computes for all lines of a batch at once -------
_NO_CUES = [0.0] * len(CUE_KINDS)
# A word (as str.split cuts) starting with a capital, and a letter, in ASCII text; each led
# by a character class so that re skips ahead.
_ASCII_CAP_WORD_RE = re.compile(r"[A-Z](?<!\S[A-Z])")
_ASCII_LETTER_RE = re.compile(r"[A-Za-z]")

_ASCII_LETTERS = string.ascii_letters.encode()
_ASCII_UPPER = string.ascii_uppercase.encode()
_ASCII_DIGITS = string.digits.encode()


def _char_counts(text: str) -> tuple[int, int, int]:
    """Letters, upper-case letters and digits in ``text``; ASCII text (most lines) by
    bytes.translate, ~15x faster than a str.isalpha pass and the same counts."""
    if text.isascii():
        b = text.encode()
        n = len(b)
        return (
            n - len(b.translate(None, _ASCII_LETTERS)),
            n - len(b.translate(None, _ASCII_UPPER)),
            n - len(b.translate(None, _ASCII_DIGITS)),
        )
    return (
        sum(map(str.isalpha, text)),
        sum(map(str.isupper, text)),
        sum(map(str.isdigit, text)),
    )


def _line_raw(text: str) -> tuple[list[float], list[tuple[str, str]]]:
    """The reference for :func:`_lines_raw`: the features of one line on its own, and the cues
    it contains (for reasons), one line at a time. The comment-shape ones come last (see
    ``_COMMENT_NAMES``; :func:`page_features` adds the page-level one)."""
    s = text.strip()
    n_chars = len(s)
    # Ratios and word statistics of a long line come from its first _SAMPLE characters:
    # exact counts add nothing there, and this bounds the cost per line.
    head = s[:_SAMPLE]
    toks = words(head)
    n_words = len(toks) if n_chars <= _SAMPLE else round(len(toks) * n_chars / len(head))
    n_toks = len(toks)
    stop = sum(map(STOPWORDS.__contains__, toks))
    stop_density = stop / n_toks if n_toks else 0.0
    core = s.rstrip(_TRAILING)
    last = core[-1:] if core else ""
    ends_terminal = last in _TERMINAL and not core.endswith("...")
    n_head = len(head)
    letters, uppers, digits = _char_counts(head)
    symbols = n_head - letters - digits - head.count(" ")
    raw_words = head.split()
    ascii_head = head.isascii()
    if ascii_head:  # the same counts by regex (str.split and \s agree on whitespace)
        caps = len(_ASCII_CAP_WORD_RE.findall(head))
        letter = _ASCII_LETTER_RE.search(head)
        starts_lower = letter is not None and letter.group().islower()
    else:
        caps = sum([w[:1].isupper() for w in raw_words])
        starts_lower = next((c for c in head if c.isalpha()), "").islower()
    has_digit = digits > 0
    tokset = set(toks)
    maybe_date = has_digit and (not _MONTH_WORDS.isdisjoint(tokset) or "/" in head or "-" in head)
    maybe_time = has_digit and (":" in head or "am" in tokset or "pm" in tokset or ".m." in head)
    cues = line_cues(head, toks)
    kinds = {k for _, k in cues}
    short = n_words <= 8
    name_only = (
        2 <= n_words <= 4
        and stop == 0
        and caps == len(raw_words)
        and last.isalpha()
        and not has_digit
    )
    # Small word sets: count only the words present (most lines have none of them).
    pronouns = sum(map(toks.count, _FIRST_PERSON.intersection(tokset)))
    has_date = maybe_date and DATE_RE.search(head) is not None
    pipes = s.count("|")
    empty_cells = len(EMPTY_CELL_RE.findall(s)) if pipes > 1 else 0
    has_time = bool(TIME_RE.search(head)) if maybe_time else False
    comment_header = n_words <= 12 and (
        s.endswith(_COMMENT_HEADER_ENDS)
        or (has_date and (has_time or " at " in s or bool(COMMENT_HEADER_RE.match(s))))
        or bool(COMMENT_MARK_RE.search(s))
    )
    inv_chars = 1.0 / n_head if n_head else 0.0
    informal = not _INFORMAL_WORDS.isdisjoint(tokset) or bool(INFORMAL_MARK_RE.search(head))
    inv_toks = 1.0 / n_toks if n_toks else 0.0
    if kinds:
        cue_flags = [1.0 if k in kinds else 0.0 for k in CUE_KINDS]
        short_flags = cue_flags if short else _NO_CUES
    else:
        cue_flags = short_flags = _NO_CUES
    has_url = (
        "http" in head
        or "www." in head
        or ".com" in head
        or ".org" in head
        or ".net" in head
        or ".htm" in head
        or ".co.uk" in head
    ) and URL_RE.search(head) is not None
    at = "@" in head
    ends_paren = s.endswith(")")
    # 1.0 if ... else 0.0 rather than float(...): the same values, no call.
    feats = [
        math.log1p(n_chars),
        math.log1p(n_words),
        1.0 if n_words <= 2 else 0.0,
        1.0 if 3 <= n_words <= 5 else 0.0,
        1.0 if 6 <= n_words <= 10 else 0.0,
        1.0 if 11 <= n_words <= 20 else 0.0,
        1.0 if n_words > 20 else 0.0,
        stop_density,
        1.0 if n_words > 0 and stop == 0 else 0.0,
        1.0 if ends_terminal else 0.0,
        1.0 if last == ":" else 0.0,
        1.0 if s.endswith(("...", "…")) else 0.0,
        1.0 if last in "?!" else 0.0,
        1.0 if ends_paren else 0.0,
        caps / len(raw_words) if raw_words else 0.0,
        uppers / letters if letters else 0.0,
        1.0 if starts_lower else 0.0,
        digits * inv_chars,
        symbols * inv_chars,
        pipes / max(1, len(raw_words)),
        math.log1p(pipes),
        empty_cells / pipes if pipes else 0.0,
        1.0 if comment_header else 0.0,
        1.0 if has_url else 0.0,
        1.0 if at and HANDLE_RE.search(head) is not None else 0.0,
        1.0 if at and EMAIL_RE.search(head) is not None else 0.0,
        1.0 if has_date else 0.0,
        1.0 if has_time else 0.0,
        1.0 if BYLINE_RE.match(s) is not None else 0.0,
        1.0 if name_only else 0.0,
        1.0 if has_digit and n_words <= 12 and COUNTER_RE.search(head) is not None else 0.0,
        1.0 if n_words <= 7 and has_date else 0.0,
        1.0
        if (ends_paren or "copyright" in s.lower()) and CREDIT_RE.search(s) is not None
        else 0.0,
        1.0 if s[:1] in _BULLETS and s else 0.0,
        1.0 if s.startswith("(") and ends_paren else 0.0,
        pronouns / n_toks if n_toks else 0.0,
        1.0 if '"' in s or "“" in s or "”" in s else 0.0,
        *cue_flags,
        *short_flags,
        sum(map(toks.count, _SINGULAR.intersection(tokset))) * inv_toks,
        sum(map(toks.count, _SECOND.intersection(tokset))) * inv_toks,
        1.0 if " i " in head or head.startswith("i ") else 0.0,
        1.0 if informal else 0.0,
    ]
    return feats, cues


@pytest.fixture(scope="session")
def bbc() -> list[SourceArticle]:
    try:
        return bbc_articles()
    except DataUnavailable as exc:
        pytest.skip(f"BBC articles unavailable: {exc}")


@pytest.fixture(scope="session")
def detector(bbc: list[SourceArticle]) -> BoilerplateDetector:
    """A smaller build than the shipped one: half the shared train pages, 600 BBC articles."""
    if not (shared_dir() / "data" / "boilerplate").is_dir():
        pytest.skip(f"shared boilerplate data not found under {shared_dir()} (../shared/data)")
    pages: list[LabelledPage] = []
    for name in BOILERPLATE_SETS:
        pages.extend(p for i, p in enumerate(shared_pages(name, "train")) if i % 2 == 0)
    train = [a for a in bbc if split_of(a.id) == "train"][:600]
    titles = [a.text.split("\n", 1)[0] for a in train]
    pages.extend(injected_pages([a.text for a in train], seed=0, headlines=titles))
    table = LineTable(
        [p.lines for p in pages],
        [p.labels for p in pages],
        [p.page_id for p in pages],
        page_weights([p.lines for p in pages]),
    )
    return BoilerplateDetector.build(load_settings().boilerplate, table, seed=0)


def _flagged(detector: BoilerplateDetector, text: str) -> list[str]:
    return [f.text for f in detector.detect(Document(text)).findings]


@pytest.mark.parametrize("seed", sorted(SEED_JUNK))
def test_seed_junk_lines_are_flagged(detector: BoilerplateDetector, seed: str) -> None:
    flagged = _flagged(detector, seed_text(seed))
    for junk in SEED_JUNK[seed]:
        assert any(f.startswith(junk) for f in flagged), f"{seed}: {junk!r} not flagged"


@pytest.mark.parametrize("seed", sorted(SEED_JUNK))
def test_seed_body_paragraphs_and_title_are_not_flagged(
    detector: BoilerplateDetector, seed: str
) -> None:
    text = seed_text(seed)
    doc = Document(text)
    findings = detector.detect(doc).findings
    flagged = {f.text for f in findings}
    assert doc.content_lines[0].start not in {f.start for f in findings}, "title flagged"
    title = doc.content_lines[0].text
    # A repeat of the title in the footer (004, beside "Related Posts") is template junk.
    body = [
        line.text
        for line in doc.content_lines[1:]
        if len(line.text.split()) >= 12
        and not line.text.startswith(tuple(SEED_JUNK[seed]))
        and line.text != title
    ]
    assert body
    wrongly = [b[:60] for b in body if b in flagged]
    assert not wrongly, f"{seed}: body lines flagged: {wrongly}"


def test_findings_are_whole_lines(detector: BoilerplateDetector) -> None:
    for seed in SEED_JUNK:
        text = seed_text(seed)
        doc = Document(text)
        lines = {(line.start, line.end) for line in doc.lines}
        detection = detector.detect(doc)
        assert detection.findings
        assert len(detection.features) == len(detector.feature_names())
        for f in detection.findings:
            assert f.kind == "boilerplate"
            assert f.text == text[f.start : f.end]
            assert (f.start, f.end) in lines
            assert f.score >= load_settings().boilerplate.line_threshold
            assert f.reason and f.suggestion is None


def test_reasons_name_the_cue(detector: BoilerplateDetector) -> None:
    findings = detector.detect(Document(seed_text("000"))).findings
    reasons = {f.text: f.reason for f in findings}
    assert "leave a reply" in reasons["Leave A Reply"]


def test_injected_lines_in_heldout_bbc_are_found(
    detector: BoilerplateDetector, bbc: list[SourceArticle]
) -> None:
    heldout = [a for a in bbc if split_of(a.id) == "dev"][:120]
    titles = [a.text.split("\n", 1)[0] for a in bbc if split_of(a.id) == "train"]
    rng = random.Random(7)
    found = total = false_pos = clean = 0
    for k, article in enumerate(heldout):
        corruption = inject_boilerplate(article.text, rng, POSITIONS[k % 3], headlines=titles)
        flagged = {(f.start, f.end) for f in detector.detect(Document(corruption.text)).findings}
        found += len(flagged & set(corruption.spans))
        total += len(corruption.spans)
        false_pos += len(flagged - set(corruption.spans))
        clean += len(Document(corruption.text).content_lines) - len(corruption.spans)
    assert found / total >= 0.85, f"recall {found / total:.2f}"
    assert false_pos / clean <= 0.03, f"false positive rate {false_pos / clean:.3f}"


def test_clean_heldout_bbc_articles_are_mostly_unflagged(
    detector: BoilerplateDetector, bbc: list[SourceArticle]
) -> None:
    heldout = [a for a in bbc if split_of(a.id) == "test"][:200]
    flagged = sum(len(detector.detect(Document(a.text)).findings) for a in heldout)
    lines = sum(len(Document(a.text).content_lines) for a in heldout)
    assert flagged / lines <= 0.02


def test_injection_spans_are_document_lines(bbc: list[SourceArticle]) -> None:
    rng = random.Random(0)
    for article in bbc[:150]:
        for position in POSITIONS:
            corruption = inject_boilerplate(article.text, rng, position)
            doc = Document(corruption.text)
            lines = {(line.start, line.end) for line in doc.lines}
            assert corruption.kind == "boilerplate" and corruption.style == position
            assert corruption.spans and set(corruption.spans) <= lines
            kept = [
                ln.text for ln in doc.content_lines if (ln.start, ln.end) not in corruption.spans
            ]
            assert kept == [ln.text for ln in Document(article.text).content_lines]
            if position == "head":  # the title stays first
                assert doc.content_lines[0].text == article.text.split("\n", 1)[0]


def test_injection_line_count_and_validation(bbc: list[SourceArticle]) -> None:
    rng = random.Random(3)
    for n in (1, 3, 6):
        assert len(inject_boilerplate(bbc[0].text, rng, "tail", n).spans) == n
    with pytest.raises(ValueError):
        inject_boilerplate(bbc[0].text, rng, "side")  # type: ignore[arg-type]


def test_detector_pickles(detector: BoilerplateDetector) -> None:
    clone = pickle.loads(pickle.dumps(detector))
    text = seed_text("001")
    assert clone.detect(Document(text)) == detector.detect(Document(text))
    assert len(pickle.dumps(detector)) < 100_000


def test_empty_and_blank_articles(detector: BoilerplateDetector) -> None:
    for text in ("", "\n\n", "Only a title"):
        detection = detector.detect(Document(text))
        assert not detection.findings
        assert len(detection.features) == len(detector.feature_names())


def test_c4_baseline() -> None:
    assert c4_line_is_boilerplate("Leave a Reply")
    assert not c4_line_is_boilerplate("The company released a formal statement on Monday.")
    assert c4_boilerplate(["Views: 87", "This website uses cookies to improve it."]) == [True, True]


def test_justext_baseline_labels_every_line() -> None:
    lines = [line.text for line in Document(seed_text("000")).content_lines]
    verdicts = justext_boilerplate(lines)
    assert len(verdicts) == len(lines)
    assert verdicts[-1]  # "Your email address will not be published."
    assert not all(verdicts)


def test_page_split_is_by_page() -> None:
    ids = [f"dragnet2013/{i}" for i in range(2000)]
    dev = sum(page_split(i) == "dev" for i in ids) / len(ids)
    assert 0.15 < dev < 0.25
    assert page_split("cleaneval/7") == page_split("cleaneval/7")


def test_comment_threads_are_injected_as_lines_and_detected(
    detector: BoilerplateDetector, bbc: list[SourceArticle]
) -> None:
    heldout = [a for a in bbc if split_of(a.id) == "dev"][:60]
    rng = random.Random(11)
    found = total = 0
    for article in heldout:
        corruption = inject_boilerplate(article.text, rng, "tail", 1, comments=6)
        doc = Document(corruption.text)
        assert set(corruption.spans) <= {(ln.start, ln.end) for ln in doc.lines}
        assert len(corruption.spans) >= 7  # one junk line + at least a line per comment
        flagged = {(f.start, f.end) for f in detector.detect(doc).findings}
        found += len(flagged & set(corruption.spans))
        total += len(corruption.spans)
        kept = [ln.text for ln in doc.content_lines if (ln.start, ln.end) not in corruption.spans]
        assert kept == [ln.text for ln in Document(article.text).content_lines]
    assert found / total >= 0.8, f"comment thread recall {found / total:.2f}"


def test_comment_thread_lines_follow_repeated_headers() -> None:
    lines = [
        "A title",
        "The article body is a long paragraph of prose that ends with a full stop.",
        "Chef Mark Garcia — July 17th, 2012, 6:18 pm",
        "Love what you are doing here.",
        "Raechel Lambert — July 18th, 2012, 8:12 am",
        "Loaned $35, happy birthday.",
    ]
    thread = comment_thread_lines(page_features(lines)[0])
    assert thread.tolist() == [False, False, True, True, True, True]
    assert not comment_thread_lines(page_features(lines[:4])[0]).any()  # one header only


def test_header_lines_before_the_body_do_not_open_a_comment_thread() -> None:
    """Comments follow an article: a dated byline or post header above the first prose line
    is not a comment header, so the thread opens at the first header after the body."""
    post = "The council met on Tuesday and agreed a new budget for the year after a long debate."
    header = "(January 17, 2004 -- 11:57 PM EDT // link)"
    assert not comment_thread_lines(page_features([header, post, header, post])[0]).any()
    thread = comment_thread_lines(page_features([header, post, header, post, header, post])[0])
    assert thread.tolist() == [False, False, True, True, True, True]


def test_reshaped_content_keeps_the_text(bbc: list[SourceArticle]) -> None:
    rng = random.Random(5)
    shapes = set()
    for article in bbc[:80]:
        new = reshape_content(article.text, rng)
        assert new.split("\n", 1)[0] == article.text.split("\n", 1)[0]
        assert set(article.text.split()) <= set(new.split())  # no word lost
        shapes.add(max(len(ln.text) for ln in Document(new).content_lines[1:]) <= 90)
    assert shapes == {True, False}  # some articles hard-wrapped, some not


# Reader comments as scrapers often leave them: no name/date headers, just the prose.
HEADERLESS_COMMENTS = [
    "lol this is exactly what i said would happen",
    "Great article, thanks for posting. I had no idea this was going on.",
    "Honestly I think you are all overreacting, it's not that big a deal.",
    "Does anyone know where I can find the full report??",
    "My dad worked there for 30 years and he always said the same thing :)",
    "Totally agree with the previous comment!!",
]


def test_headerless_comment_threads_after_the_article_are_flagged(
    detector: BoilerplateDetector, bbc: list[SourceArticle]
) -> None:
    heldout = [a for a in bbc if split_of(a.id) == "dev"][:40]
    found = total = body_flagged = body = 0
    for article in heldout:
        text = article.text.rstrip("\n") + "\n\n" + "\n\n".join(HEADERLESS_COMMENTS) + "\n"
        flagged = {f.text for f in detector.detect(Document(text)).findings}
        found += len(flagged & set(HEADERLESS_COMMENTS))
        total += len(HEADERLESS_COMMENTS)
        original = [ln.text for ln in Document(article.text).content_lines]
        body_flagged += len(flagged & set(original))
        body += len(original)
    assert found / total >= 0.6, f"header-less comment recall {found / total:.2f}"
    assert body_flagged / body <= 0.03, f"article lines flagged {body_flagged / body:.3f}"


def test_comment_shape_features() -> None:
    lines = [
        "Council approves new budget for city libraries",
        "The city council approved a new budget for libraries on Monday, with funding for "
        "longer opening hours across the city.",
        "Libraries will open on Sundays from next month, the council said.",
        "lol i cant believe this!! my cat could run it better :)",
    ]
    x, _ = page_features(lines)
    col = {name: i for i, name in enumerate(LINE_FEATURE_NAMES)}
    assert x[3, col["lower_i"]] == 1.0 and x[3, col["informal"]] == 1.0
    assert x[2, col["lower_i"]] == 0.0 and x[2, col["informal"]] == 0.0
    assert x[3, col["first_person_density"]] > 0.0 and x[3, col["after_last_head_prose"]] == 1.0


def test_page_weights_cap_long_pages() -> None:
    """Long pages (dragnet comment threads run to hundreds of lines) weigh as much as a
    PAGE_WEIGHT_LINES-line page in the fit; shorter pages keep weight 1."""
    short, long = ["a line"] * 10, ["a line"] * (4 * PAGE_WEIGHT_LINES)
    weights = page_weights([short, long, []])
    assert weights[0] == 1.0 and weights[2] == 1.0
    assert weights[1] * len(long) == pytest.approx(PAGE_WEIGHT_LINES)


# -- the fast paths compute exactly what their plain definitions do ---------------------------
def _fast_path_lines(seeds: dict[str, str], bbc: list[SourceArticle]) -> list[str]:
    tricky = [
        "Posted on mid-May 5 by admin",
        "Updated 5 may-june 2019",
        "Sept. 12, 2011 at 10:30 am",
        "JAN 3rd 2020 | 12/03/2020 | 2020-01-02",
        "may 123 people attend",
        "o'may 5 and foo_may 5 and 5may 3",
        "Match report: 4-3 win on 12th of March",
        "Word Count: A Title Case Line Of Words",
        "\u00c9douard Philippe \u2014 5 f\u00e9v. \u2014 said \u017fep 5",
        "  (Photo: Reuters) \x1cAnd\x1fthen",
    ]
    lines = [ln.text for t in seeds.values() for ln in Document(t).content_lines]
    lines += [ln.text for a in bbc[:100] for ln in Document(a.text).content_lines]
    return lines + tricky


def test_date_and_shape_features_match_their_definitions(
    seeds: dict[str, str], bbc: list[SourceArticle]
) -> None:
    """has_date (DATE_RE where the line has a digit and a month word, '/' or '-'),
    cap_word_ratio and starts_lower (regexes instead of Python loops) on real lines."""
    col = {name: i for i, name in enumerate(LINE_FEATURE_NAMES)}
    dates = 0
    for line in _fast_path_lines(seeds, bbc):
        head = line.strip()[:200]
        x, _ = page_features([line])
        toks = set(words(head))
        maybe = any(c.isdigit() for c in head) and (
            bool(toks & _MONTH_WORDS) or "/" in head or "-" in head
        )
        has_date = maybe and DATE_RE.search(head) is not None
        dates += has_date
        assert x[0, col["has_date"]] == float(has_date), line
        split = head.split()
        caps = sum(w[:1].isupper() for w in split) / len(split) if split else 0.0
        assert x[0, col["cap_word_ratio"]] == caps, line
        first = next((c for c in head if c.isalpha()), "")
        assert x[0, col["starts_lower"]] == float(first.islower()), line
    assert dates >= 10  # the check saw dates


def test_date_pattern_matches_as_written_plainly(
    seeds: dict[str, str], bbc: list[SourceArticle]
) -> None:
    """DATE_RE (month names grouped by first letter, a lookahead for what a match starts
    with) finds the same matches as the plain pattern the model was trained with."""
    months = (
        r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
        r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
    )
    plain = re.compile(
        rf"\b{months}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{months}\b"
        r"|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b",
        re.IGNORECASE,
    )
    lines = [*_fast_path_lines(seeds, bbc), *EDGE_LINES, "\u017fEPT 5", "5 \u017fept", "JUN. 5"]
    lines += [
        f"{m} 5, 2{d}th {m.upper()}."
        for m in ("jun", "june", "july", "mar", "may", "aug")
        for d in "12"
    ]
    found = 0
    for line in lines:
        for start in range(0, len(line), 7):
            expected = plain.search(line, start)
            got = DATE_RE.search(line, start)
            assert (got and got.span()) == (expected and expected.span()), line
            found += expected is not None
    assert found > 50


def test_np_sum_is_numpy_sum_bit_for_bit(seeds: dict[str, str]) -> None:
    """Page sums in plain Python (features must not move by a bit: the model was trained on
    numpy's pairwise sums), on line lengths of the seeds and on random probabilities."""
    rng = np.random.default_rng(0)
    lengths = [math.expm1(math.log1p(len(ln.text))) for ln in Document(seeds["004"]).content_lines]
    for n in range(300):
        for values in (*(rng.random(n).tolist() for _ in range(5)), (lengths * 10)[:n]):
            assert _np_sum(values).hex() == float(np.sum(np.asarray(values))).hex()


def _numpy_uses_avx512() -> bool:
    """numpy dispatches its own AVX-512 log/exp where the CPU has it (not on these VMs)."""
    import importlib

    umath = importlib.import_module("numpy._core._multiarray_umath")
    features: dict[str, bool] = getattr(umath, "__cpu_features__", {})
    return bool(features.get("AVX512F"))


@pytest.mark.skipif(
    _numpy_uses_avx512(), reason="numpy's AVX-512 log/exp may differ from libm in the last bit"
)
def test_math_functions_are_numpys() -> None:
    """The per-line reference (:func:`_line_raw`) uses math.log/log1p/expm1 where the trained
    features and the batch path use numpy's: the same libm results unless numpy has SIMD
    versions (AVX-512)."""
    ints = np.arange(20000, dtype=np.float64)
    logs = np.log1p(ints)
    ratios = np.random.default_rng(0).random(20000) * 50.0
    assert np.log1p(ints).tolist() == [math.log1p(v) for v in ints.tolist()]
    assert np.expm1(logs).tolist() == [math.expm1(v) for v in logs.tolist()]
    assert np.log(ratios).tolist() == [math.log(v) for v in ratios.tolist()]


def meta_lines(x: np.ndarray) -> np.ndarray:
    """Byline/dateline lines: a name, "By ...", a bare date or a counter between the title
    and the first prose line; or anywhere, a short line with a date, a time and a
    publishing cue ("First published June 18, 2018: 7:25 PM ET"): the per-page definition of
    detection's ``meta`` flags, from a page's :func:`page_features` matrix."""
    c = {name: i for i, name in enumerate(LINE_FEATURE_NAMES)}
    prose = (x[:, c["log_words"]] >= math.log1p(15)) & (x[:, c["ends_terminal"]] > 0)
    first_prose = int(np.argmax(prose)) if prose.any() else len(x)
    before_body = (np.arange(len(x)) < first_prose) & (np.arange(len(x)) > 0)
    kind = (
        (x[:, c["is_name_only"]] > 0)
        | (x[:, c["is_byline"]] > 0)
        | (x[:, c["is_date_only"]] > 0)
        | (x[:, c["is_counter"]] > 0)
    )
    dateline = (
        (x[:, c["log_words"]] <= math.log1p(15))
        & (x[:, c["has_date"]] > 0)
        & (x[:, c["has_time"]] > 0)
        & (x[:, c["cue_meta"]] > 0)
    )
    out: np.ndarray = (before_body & kind) | dateline
    return out


def test_meta_rows_are_meta_lines(seeds: dict[str, str], bbc: list[SourceArticle]) -> None:
    """Detection's byline/dateline flags (numpy, pages stacked) equal :func:`meta_lines`."""
    texts = [*seeds.values(), *(a.text for a in bbc[:50])]
    texts += [
        "Title\nBy Jane Doe\nJune 20, 2018\nFirst published June 18, 2018: 7:25 PM ET",
        "By John Smith\nViews: 87\n" + seeds["000"],  # not the first line: the title's place
    ]
    flagged = 0
    for text in texts:
        page = _pages([[ln.text for ln in Document(text).content_lines]])
        assert page.meta.tolist() == meta_lines(page.x).tolist()
        flagged += int(page.meta.sum())
    assert flagged >= 3


# Lines that exercise what the batch line features find by other means than the per-line
# code: case-insensitive matches (U+0130, U+0131, U+017F and U+212A match ASCII letters
# ignoring case), rare marks searched in the joined text, cue phrases found via token pairs.
EDGE_LINES = [
    "By Jane Doe",
    "by  \u00a0 JOHN",
    "POSTED BY: liz at May 29, 2005 10:19 PM",
    "written by @handle on 12/03/2020",
    "COPYRİGHT 2020 (Photo: AP)",
    "Copyright © 2019 All Rights Reserved",
    "Syria's lyric copyRIGHT notice",
    "ſeptember 5th, 10:30 a.m. | Comments (12) | Share",
    "| | cell || other |",
    "Read moreover the news, see all: said: google+ name *",
    "blog in to reply, log in to replying",
    "i think so... lol :) you're right!! :D",
    "Hello i am here ?! e-mail a@b.co or visit www.example.co.uk/x.htm",
    "\u0130stanbul \u0131\u015f \u212aelvin 12 MAR \u0131",
    "\u2014 \u201cQuoted,\u201d he said. \u2026",
    "(GeekWire File Photo)",
    "- bullet \u2022 two \u00bb three",
    "ΣΑΣ ΟΔΟΣ 12 ΜΑΪΟΥ",
    "x" * 450 + " copyright",
    "word " * 60 + "(Reuters)",
    "\x1c\x1dodd\x1fspaces\x85here",
    "12 comments 3.4k views",
    "June 20, 2018",
    "\u00e9l\u00e8ve \u00c9COLE d\u00e9j\u00e0 vu caf\u00e9",
    # Dates the token pre-check must let through: months inside hyphenated tokens, spelt
    # with characters re matches to ASCII ignoring case, digits with two separators.
    "the pre-mar 5 meeting - 2",
    "on 5 mar-x, 12 - 3",
    "apr\u0131l 5 - x",
    "APR\u0130L 5 - x",
    "\u017fept 5 / 9",
    "ver 1.2.33 and 12-3-45 or 9/11 and 3.5",
    # Line ends: only closing characters, ellipses, a NUL, quotes of every kind.
    '")\u00bb*',
    "wait for it\u2026",
    "and so...\u201d",
    "null\x00",
    "(\x00)",
    "He said \u201cyes\u201d",
]


def test_batch_line_features_equal_line_by_line(
    seeds: dict[str, str], bbc: list[SourceArticle]
) -> None:
    """:func:`_lines_raw` (all lines of a batch at once) gives :func:`_line_raw`'s floats and
    cues for every line, whatever lines share its batch."""
    lines = list(EDGE_LINES)
    for text in [*seeds.values(), *(a.text for a in bbc[:120])]:
        lines.extend(ln.text for ln in Document(text).content_lines)
    try:
        for name in BOILERPLATE_SETS:
            for page in shared_pages(name)[:40]:
                lines.extend(page.lines)
    except DataUnavailable:
        pass
    assert len(lines) > 1500
    expected = [_line_raw(line) for line in lines]
    order = list(range(len(lines)))
    random.Random(4).shuffle(order)
    for start in range(0, len(order), 700):
        part = order[start : start + 700]
        x, cues = _lines_raw([lines[i] for i in part])
        for row, i in enumerate(part):
            feats, line_cues = expected[i]
            assert x[row].tolist() == feats, lines[i]
            assert cues[row] == line_cues, lines[i]


def test_line_with_a_line_break_inside_is_featured_alone(seeds: dict[str, str]) -> None:
    """page_features of lines not cut by a Document (training data) may hold a line break:
    the batch path gives them the per-line floats too."""
    lines = ["Leave a Reply\nCancel reply", "Your email address will not be published."]
    seed_lines = [ln.text for text in seeds.values() for ln in Document(text).content_lines]
    rng = random.Random(7)
    for _ in range(300):
        a, b = rng.choice(seed_lines), rng.choice(seed_lines)
        cut = rng.randrange(len(a) + 1)
        lines.append(a[:cut] + rng.choice(["\n", "\r\n", " \n\n", "\n\u00a0"]) + b)
    x, cues = _lines_raw(lines)
    assert x.tolist() == [_line_raw(line)[0] for line in lines]
    assert cues.all() == [_line_raw(line)[1] for line in lines]


def _cut_word_lines() -> list[str]:
    """Lines whose 200-character head ends inside a word (on a letter, after a hyphen or an
    apostrophe, curly or straight), in upper and lower case, after leading spaces."""
    lines = []
    for pad in range(180, 200):
        for word in ("WELL-KNOWN’S X-RAY'S", "well-known’s x-ray's", "Ab-'cd--ef’’gh"):
            lines.append(" \t" * (pad % 3) + "b" * pad + " " + word + " and the rest." * 3)
    return lines


def test_line_features_cut_from_the_texts_scan_equal_line_by_line(
    seeds: dict[str, str], bbc: list[SourceArticle]
) -> None:
    """Detection cuts each line's tokens from the batch's scan of whole texts (shared with
    other detectors): the same floats and cues as :func:`_line_raw`, for words cut by the
    head, lines with non-ASCII capitals (cut by :func:`words` alone), CRLF and odd spaces."""
    texts = [*seeds.values(), *(a.text for a in bbc[:80]), "\n".join(EDGE_LINES)]
    texts += ["\r\n".join(_cut_word_lines()), "\n\n".join(EDGE_LINES[::-1]) + "\n", ""]
    docs = DocumentBatch(Document(t) for t in texts)
    scan = docs.scanned
    lines = [s.text for doc in docs for s in doc.content_lines]
    line_at = [  # where each stripped line starts in the scan's joined text
        int(base) + s.start + len(s.text) - len(s.text.lstrip())
        for base, doc in zip(scan.offsets[:-1], docs, strict=True)
        for s in doc.content_lines
    ]
    x, cues = _lines_raw(lines, (scan, np.array(line_at, dtype=np.intp)))
    assert len(lines) > 500
    for row, line in enumerate(lines):
        feats, line_cues = _line_raw(line)
        assert x[row].tolist() == feats, line
        assert cues[row] == line_cues, line


def test_token_table_facts_are_each_tokens_own(bbc: list[SourceArticle]) -> None:
    """The token table learns a batch of tokens at once (set intersections, searches in the
    joined tokens, code points): each row holds what the per-token definitions give."""
    table = boilerplate._TokenTable()
    tokens = sorted({w for a in bbc[:300] for w in words(a.text)})
    tokens += ["co", "i", "http", "xwww", "comx", "htm", "pre-mar", "o'jun", "mar-x", "may"]
    tokens += ["said:", "name", "leave", "reply", "in", "a", "re", "log", "e", "\u017fep"]
    tokens += ["leaves", "comment", "a", "ab", "reply-to", "xin", "min"]
    rows = table.lookup(tokens).tolist()
    assert len(tokens) > 5000
    n_pairs = 0
    for token, row in zip(tokens, rows, strict=True):
        facts = 1 << boilerplate._T_TOKEN
        for members, shift in boilerplate._FACT_SETS:
            facts |= (token in members) << shift
        ends, begins = _pair_reference(token, right=False), _pair_reference(token, right=True)
        n_pairs += ends != [0, 0] and begins != [0, 0]
        marks = boilerplate._marks(token)
        marks |= (ends != [0, 0]) * boilerplate._M_ENDS | (begins != [0, 0]) * boilerplate._M_BEGINS
        assert int(table.facts[row]) == facts, token
        assert int(table.kinds[row]) == boilerplate._WORD_KINDS.get(token, 0), token
        assert bool(table.cue[row]) == (token in boilerplate._CUE_WORDS), token
        assert int(table.marks[row]) == marks, token
        assert table.ends[row].tolist() == ends, token
        assert table.begins[row].tolist() == begins, token
    assert boilerplate._marks("pre-mar") & boilerplate._M_MONTH
    assert table.marks[table.rows["co"]] & boilerplate._M_URL
    assert n_pairs >= 3  # ("more", "in", "read", "all": both a left word and a right one)


def test_strings_holding_a_needle_and_lines_at_positions(seeds: dict[str, str]) -> None:
    """:func:`_holding` (one search in strings joined by line breaks) names each string that
    holds the needle, one per match; a needle led by the separator, the strings that start
    with the rest. :func:`_lines_at` names the lines (apart in a longer text) positions are in."""
    strings = [ln.text for text in seeds.values() for ln in Document(text).content_lines]
    strings += ["", "@@a@", "x.m.y.m.", "©", "com", "acom", "www.ww"]
    blob = "\n" + "\n".join(strings)
    starts = np.cumsum([0, *(len(t) + 1 for t in strings[:-1])])
    for needle in ("@", ".m.", "©", "the", "e", "ww", "\ncom", "\nthe "):
        at = 1 if needle.startswith("\n") else 0
        rest = needle[at:]
        got = boilerplate._holding(blob, needle, starts, at).tolist()
        assert got == sorted(got)
        held = [k for k, t in enumerate(strings) if (t.startswith(rest) if at else rest in t)]
        assert sorted(set(got)) == held, needle
        if not at:  # (every match counts: overlapping ones too)
            assert len(got) == sum(len(re.findall(f"(?={re.escape(rest)})", t)) for t in strings)
    assert boilerplate._holding(blob, "\u2603", starts).tolist() == []
    # Lines of the text at 3, 10 (empty), 20 and 30: positions before, between and in them.
    line_at = np.array([3, 10, 20, 30])
    n_chars = np.array([4, 0, 5, 1])
    positions = np.array([0, 2, 3, 6, 7, 10, 19, 20, 24, 25, 30, 31, 99])
    assert boilerplate._lines_at(positions, line_at, n_chars).tolist() == [0, 0, 2, 2, 3]


def _pair_reference(token: str, right: bool) -> list[int]:
    """The cue pairs (bit ``p``: ``_CUE_PAIRS[p]``) whose left word ``token`` ends with (whose
    right word run it starts with), as two 64-bit masks."""
    mask = sum(
        1 << p
        for p, (left, run) in enumerate(boilerplate._CUE_PAIRS)
        if (token.startswith(run) if right else token.endswith(left))
    )
    return [mask & (2**64 - 1), mask >> 64]


def test_pair_bits_of_the_tokens_the_table_asks_for(bbc: list[SourceArticle]) -> None:
    """:func:`_pair_bits` is asked only for tokens that end with a pair's left word (start
    with its right word run): for those it gives every pair's bit, the others none."""
    tokens = sorted({w for a in bbc[:300] for w in words(a.text)})
    tokens += [left for left, _ in boilerplate._CUE_PAIRS]
    tokens += [run + "s" for _, run in boilerplate._CUE_PAIRS]
    lefts, rights = tuple(boilerplate._PAIR_LEFT), tuple(boilerplate._PAIR_RIGHT)
    asked = 0
    for token in tokens:
        for right, asks in ((False, token.endswith(lefts)), (True, token.startswith(rights))):
            if asks:
                asked += 1
                got = boilerplate._pair_bits(token, right)
                assert got == _pair_reference(token, right) != [0, 0], token
    assert asked > 200


def test_token_table_relearns_after_forgetting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past its size limit the token table forgets every token and relearns: the same
    features and cues, also for cues asked for after the next batch was looked up."""
    monkeypatch.setattr(boilerplate, "_TOKEN_TABLE", boilerplate._TokenTable())
    monkeypatch.setattr(boilerplate, "_TOKENS_MAX", 60)
    first, second = EDGE_LINES[:12], [*EDGE_LINES[12:], *_cut_word_lines()[:5]]
    x1, cues1 = _lines_raw(first)
    x2, cues2 = _lines_raw(second)
    for x, cues, lines in ((x1, cues1, first), (x2, cues2, second)):
        for row, line in enumerate(lines):
            assert x[row].tolist() == _line_raw(line)[0], line
            assert cues[row] == _line_raw(line)[1], line


def test_stacked_pages_equal_each_page_alone(
    seeds: dict[str, str], bbc: list[SourceArticle]
) -> None:
    """Pages analysed together give each page's own feature matrix, cues, byline flags,
    character counts and second-stage features (the build stacks its training pages)."""
    pages = [[ln.text for ln in Document(t).content_lines] for t in [*seeds.values()]]
    pages += [[ln.text for ln in Document(a.text).content_lines] for a in bbc[:60]]
    pages += [[], ["One line only"], EDGE_LINES]
    stacked = _pages(pages)
    p1 = np.random.default_rng(3).random(len(stacked.x))
    stacks = _stacks(p1, stacked.chars, stacked.bounds)
    for k, page in enumerate(pages):
        a, b = stacked.bounds[k], stacked.bounds[k + 1]
        alone = _pages([page])
        assert stacked.x[a:b].tobytes() == alone.x.tobytes()
        assert [stacked.cues[i] for i in range(a, b)] == alone.cues.all()
        assert stacked.meta[a:b].tolist() == alone.meta.tolist()
        assert stacked.chars[a:b].tobytes() == alone.chars.tobytes()
        assert stacks[a:b].tobytes() == stack_features(p1[a:b], alone.x).tobytes()


@pytest.fixture(scope="module")
def shipped(shipped_model: ReliabilityModel) -> BoilerplateDetector:
    (found,) = [d for d in shipped_model.features.detectors if d.name == "boilerplate"]
    assert isinstance(found, BoilerplateDetector)
    return found


def _reference_decision(stage: BinnedLogit, x: np.ndarray, numpy_sum: bool) -> np.ndarray:
    """:meth:`BinnedLogit.decision` of a page alone: its bin weights summed (by numpy, as the
    model was applied before: over column-major weights, left to right from 0.0 where there
    is more than one row, pairwise for a lone row; or left to right from 0.0 row by row),
    plus one matrix-vector product, plus the bias."""
    with single_threaded_blas():
        z = x[:, stage.lin] @ stage.w_lin
    if len(stage.cont):
        weights = stage.table[np.arange(len(stage.cont)), stage.bins(x)]
        if numpy_sum:
            binned = weights.sum(axis=1)
        else:
            binned = np.zeros(len(x))
            for r, row in enumerate(weights.tolist()):
                total = 0.0
                for w in row:
                    total += w
                binned[r] = total
        z = binned + z
    out: np.ndarray = z + stage.bias
    return out


def test_page_decisions_are_each_page_alone(
    shipped: BoilerplateDetector, bbc: list[SourceArticle]
) -> None:
    """OpenBLAS sums a row of a matrix-vector product differently by its place in the product
    (the last rows % 4 rows apart), and numpy sums a lone row's bin weights in another order
    than many rows': stacked pages are scored one product per page, their bin weights added
    left to right, so that each page's scores (pages of one row too) are bit for bit what it
    gets alone, and what pages of several rows always got."""
    pages = [[ln.text for ln in Document(a.text).content_lines] for a in bbc[:80]]
    lines = [line for page in pages for line in page]
    rng = random.Random(2)
    pages += [rng.sample(lines, k) for k in (*range(1, 10), 1, 2, 3, 3, 2, 1, *[1] * 20)]
    rng.shuffle(pages)
    stacked = _pages(pages)
    x = stacked.x
    x2 = np.hstack([x, np.random.default_rng(0).random((len(x), len(STACK_FEATURE_NAMES)))])
    assert len(shipped.stage2.cont) and not len(shipped.stage1.cont)
    numpy_differs = 0
    for stage, xs in ((shipped.stage1, x), (shipped.stage2, x2)):
        together = stage.page_decisions(xs, stacked.bounds)
        gathered = xs[:, stage.lin]  # (column-major, as each page's own gathered copy)
        for k in range(len(pages)):
            a, b = stacked.bounds[k], stacked.bounds[k + 1]
            alone = stage.decision(xs[a:b])
            assert together[a:b].tobytes() == alone.tobytes()
            assert alone.tobytes() == _reference_decision(stage, xs[a:b], False).tobytes()
            before = _reference_decision(stage, xs[a:b], True).tobytes()
            if b - a > 1:  # (what pages of several rows got before: the same)
                assert alone.tobytes() == before
            else:  # (a lone row's numpy sum: often other bits)
                numpy_differs += alone.tobytes() != before
            # A page's rows of the gathered columns give the products of its own copy.
            own = xs[a:b][:, stage.lin] @ stage.w_lin
            assert (gathered[a:b] @ stage.w_lin).tobytes() == own.tobytes() or b - a < 4
    assert sum(len(page) == 1 for page in pages) >= 20 and numpy_differs > 0


def test_findings_are_the_documents_content_lines(
    shipped: BoilerplateDetector, seeds: dict[str, str], bbc: list[SourceArticle]
) -> None:
    """Detection reads the batch's line split (DocumentBatch.lines): each finding is one of
    its document's content lines (Document.content_lines), with LF and CRLF line breaks,
    blank lines of spaces and a final line break, and the features count those lines."""
    texts = [*seeds.values(), *(a.text for a in bbc[:100]), "\r\n".join(EDGE_LINES)]
    texts += ["\n \t\n".join(EDGE_LINES[::-1]) + "\n", "", " \n\n"]
    texts += [t.replace("\n", "\r\n") for t in texts[:5]]
    docs = DocumentBatch(Document(t) for t in texts)
    detections = shipped.detect_batch(docs)
    n_found = 0
    for doc, detection in zip(docs, detections, strict=True):
        lines = {(s.start, s.end, s.text) for s in doc.content_lines}
        found = [(f.start, f.end, f.text) for f in detection.findings]
        assert set(found) <= lines and len(set(found)) == len(found), doc.text[:80]
        assert detection.features[2] == len(found)  # n_flagged
        assert detection.features[0] == (len(found) / len(lines) if lines else 0.0)
        n_found += len(found)
    assert n_found > 50


def test_detect_batch_equals_one_by_one(
    shipped: BoilerplateDetector, seeds: dict[str, str], bbc: list[SourceArticle]
) -> None:
    """An article's detection does not depend on the batch it is in: shuffled batches of
    seeds, BBC articles, real shared pages and junk-laden text give each one's own."""
    texts = [*seeds.values(), *(a.text for a in bbc[:150]), "\n".join(EDGE_LINES), "", " \n\n"]
    try:
        for name in BOILERPLATE_SETS:
            texts.extend("\n".join(p.lines) for p in shared_pages(name)[:25])
    except DataUnavailable:
        pass
    alone = [shipped.detect(Document(t)) for t in texts]
    assert sum(len(d.findings) for d in alone) > 50
    order = list(range(len(texts)))
    random.Random(9).shuffle(order)
    for start in range(0, len(order), 64):
        part = order[start : start + 64]
        for i, got in zip(
            part, shipped.detect_batch([Document(texts[i]) for i in part]), strict=True
        ):
            assert got == alone[i]
