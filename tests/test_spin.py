"""The spin detector on the seeds (004 is real spinner output) and on BBC articles spun by
the training spinners, including a style the detector's lexicon was not written for."""

from __future__ import annotations

import math
import pickle
import random
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pytest

from pipeline.config import load_settings
from pipeline.detectors.spin import (
    FUNCTION_WORDS,
    MISSING_WORDS,
    SpinDetector,
    _by_length,
    _excerpts,
    _first_index,
    _Index,
    _lexicon_matches,
    _lower_start_rates,
    _opens_sentences,
    _quantile_rows,
    _tails,
)
from pipeline.detectors.spin_lexicon import LEXICON, LexiconEntry
from pipeline.model import ReliabilityModel
from pipeline.runtime_model import load_runtime_model
from pipeline.text import Document, scan, scan_batch
from pipeline.training.sources import bbc_articles
from pipeline.training.spinners import (
    CONTENT_WORD_TABLE,
    FUNCTION_WORD_TABLE,
    PHRASE_TABLE,
    SPINNER_STYLES,
)
from pipeline.training.splits import split_of

from .conftest import seed_text


@dataclass(frozen=True)
class _Match:
    """A lexicon match as the article-by-article reference finds it."""

    entry: LexiconEntry
    first: int  # token index
    last: int  # token index, inclusive


def _match_lexicon(
    lows: Sequence[str],
    word: Sequence[int] | npt.NDArray[np.int64],
    adjacent: Sequence[bool] | npt.NDArray[np.bool_],
    index: _Index,
    lo: int,
    hi: int,
    starts: Sequence[int] | None = None,
) -> list[_Match]:
    """The lexicon matching as first written, a token at a time (the batch's
    :func:`_lexicon_matches` must find the same): non-overlapping lexicon matches among
    tokens ``lo:hi``, left to right, longest first;
    token ``i`` is the lower-cased word ``lows[word[i]]``. ``starts``: ascending token indices
    that include every possible match start (default: every opening word)."""
    single, multi = index
    openers = set(single) | {pair[0] for pair in multi}
    out: list[_Match] = []
    next_free = lo
    if starts is None:
        starts = [i for i in range(lo, hi) if lows[word[i]] in openers]
    for i in starts:
        if i < next_free:
            continue
        found = None
        w = lows[word[i]]
        if i + 1 < hi and adjacent[i]:
            for e in multi.get((w, lows[word[i + 1]]), ()):
                k = len(e.spun)
                if k == 2 or (
                    i + k <= hi
                    and tuple(lows[j] for j in word[i : i + k]) == e.spun
                    and all(adjacent[i : i + k - 1])
                ):
                    found = _Match(e, i, i + k - 1)
                    break
        if found is None and w in single:
            found = _Match(single[w], i, i)
        if found is not None:
            out.append(found)
            next_free = found.last + 1
    return out


def _match_case(suggestion: str, matched: str, starts_sentence: bool) -> str:
    """The suggestion's case as first written (the reference of the detector's
    ``_suggestion``): a sentence start is capitalised even where the spinner lower-cased it;
    proper names keep theirs."""
    if suggestion[0].isupper():
        return suggestion
    if matched[0].isupper() or starts_sentence:
        return suggestion[0].upper() + suggestion[1:]
    return suggestion


def _opens_sentence(gap: str) -> bool:
    """The definition the batch's sentence starts follow: the text between two words ends a
    sentence when it holds a line break, or . ! ? with only spaces, quotes or brackets after."""
    if "\n" in gap:
        return True
    rest = gap.rstrip(" \t\"'“‘(")
    return bool(rest) and rest[-1] in ".!?…"


@pytest.fixture(scope="session")
def spin_detector() -> SpinDetector:
    train = [a.text for a in bbc_articles() if split_of(a.id) == "train"][:400]
    return SpinDetector.build(train, load_settings().spin)


@pytest.fixture(scope="session")
def held_out() -> list[str]:
    return [a.text for a in bbc_articles() if split_of(a.id) == "test"][::8][:50]


def _features(det: SpinDetector, texts: list[str]) -> dict[str, np.ndarray]:
    rows = np.array([det.detect(Document(t)).features for t in texts])
    return {name: rows[:, j] for j, name in enumerate(det.feature_names())}


def test_seed_004_spinner_findings(spin_detector: SpinDetector) -> None:
    text = seed_text("004")
    detection = spin_detector.detect(Document(text))
    expected = {"in addition to": "and", "is actually": "is", "that will": "that"}
    hits = [
        f
        for f in detection.findings
        if f.text.lower() in expected
        and f.suggestion is not None
        and f.suggestion.lower() in {expected[f.text.lower()], "this"}
    ]
    assert len(hits) >= 10
    assert {f.text.lower() for f in hits} == set(expected)
    assert sum(f.text.lower() == "in addition to" and f.suggestion == "and" for f in hits) >= 5
    for f in detection.findings:
        assert f.kind == "spin"
        assert f.text == text[f.start : f.end]
        assert f.score >= load_settings().spin.finding_min_score
        assert f.reason.startswith("spinner substitution for")
    # "completely new York" is near-certain.
    assert any(f.text == "completely new" and f.suggestion == "new" for f in detection.findings)


@pytest.mark.parametrize("prefix", ["000", "001", "003"])
def test_clean_seeds_have_no_spin_findings(spin_detector: SpinDetector, prefix: str) -> None:
    assert len(spin_detector.detect(Document(seed_text(prefix))).findings) <= 1


def test_seed_004_features_above_clean_seeds(spin_detector: SpinDetector) -> None:
    names = spin_detector.feature_names()
    spun = dict(zip(names, spin_detector.detect(Document(seed_text("004"))).features, strict=True))
    for prefix in ("000", "001", "003"):
        clean = dict(
            zip(names, spin_detector.detect(Document(seed_text(prefix))).features, strict=True)
        )
        assert spun["lexicon_rate"] > 10 * max(clean["lexicon_rate"], 0.5)
        assert spun["lexicon_strong_rate"] > clean["lexicon_strong_rate"] + 10
        assert spun["missing_and"] > clean["missing_and"] + 1.5
        assert spun["lower_sentence_start_rate"] > clean["lower_sentence_start_rate"] + 0.1


def test_clean_held_out_articles_get_few_findings(
    spin_detector: SpinDetector, held_out: list[str]
) -> None:
    counts = [len(spin_detector.detect(Document(t)).findings) for t in held_out]
    assert sum(counts) <= 3


# Which features each style must raise on average. Nothing is asserted for content_word: no
# feature kept here separates a thesaurus spinner from clean news of every source (issue 3).
_RAISES = {
    "function_word": ("lexicon_rate", "lexicon_strong_rate", "missing_and", "fw_divergence"),
    "phrase": ("lexicon_rate", "anti_collocation_rate"),
    "light": ("lexicon_rate", "anti_collocation_rate"),
}


@pytest.mark.parametrize("style", list(_RAISES))
def test_each_style_moves_its_features(
    spin_detector: SpinDetector, held_out: list[str], style: str
) -> None:
    rng = random.Random(7)
    clean = _features(spin_detector, held_out)
    spun = _features(spin_detector, [SPINNER_STYLES[style](t, rng).text for t in held_out])
    for name in _RAISES[style]:
        assert spun[name].mean() > clean[name].mean(), name


def test_us_abbreviations_are_not_lower_case_sentence_starts(spin_detector: SpinDetector) -> None:
    """US news writes "U.S." and "p.m." mid-sentence; an ellipsis does not end a sentence."""
    clean = (
        "Storms hit the coast\n\nThe storm reached the U.S. coast at 2 p.m. local time on "
        "Monday. Officials said the U.S. military was ready to help. This so-called plan ... is "
        "ridiculous, one resident said. Schools closed early and roads were shut across the "
        "region. Forecasters expect more rain on Tuesday.\n"
    )
    spun = clean.replace(". Officials", ". officials").replace(". Schools", ". schools")
    names = spin_detector.feature_names()
    rate = names.index("lower_sentence_start_rate")
    assert spin_detector.detect(Document(clean)).features[rate] == 0.0
    assert spin_detector.detect(Document(spun)).features[rate] >= 0.3


@pytest.mark.parametrize("style", list(SPINNER_STYLES))
def test_spinner_spans_are_the_replacements(held_out: list[str], style: str) -> None:
    tables = (FUNCTION_WORD_TABLE, CONTENT_WORD_TABLE, PHRASE_TABLE)
    replacements = {o.lower() for table in tables for opts in table.values() for o in opts}
    rng = random.Random(11)
    for text in held_out[:10]:
        out = SPINNER_STYLES[style](text, rng)
        assert out.kind == "spin" and out.style == style
        assert len(out.spans) >= 3
        title = text.split("\n", 1)[0]
        assert out.text.startswith(title + "\n")  # the title is never spun
        previous_end = 0
        for start, end in out.spans:
            assert previous_end <= start < end <= len(out.text)
            assert out.text[start:end].lower() in replacements
            previous_end = end


def test_function_word_spinner_is_like_seed_004() -> None:
    text = "Title\n\nIt is clear that Microsoft and ICE work in New York.\n"
    out = SPINNER_STYLES["function_word"](text, random.Random(1))
    # Lower-cased where it rewrites, "New York" included, as in seed 004.
    assert out.text == (
        "Title\n\nthe idea is actually clear that will Microsoft in addition to ICE work "
        "inside completely new York.\n"
    )
    assert [out.text[a:b] for a, b in out.spans] == [
        "the idea",
        "is actually",
        "that will",
        "in addition to",
        "inside",
        "completely new",
    ]


def test_detector_pickles(spin_detector: SpinDetector) -> None:
    text = seed_text("004")
    again = pickle.loads(pickle.dumps(spin_detector))
    assert again.detect(Document(text)) == spin_detector.detect(Document(text))
    assert len(pickle.dumps(spin_detector)) < 4_000_000


def test_short_text_gives_zero_features(spin_detector: SpinDetector) -> None:
    detection = spin_detector.detect(Document("Too short to judge."))
    assert detection.findings == ()
    assert all(x == 0.0 for x in detection.features)


def _auc(clean: np.ndarray, spun: np.ndarray) -> float:
    """P(a spun article scores above a clean one), ties half."""
    diff = spun[:, None] - clean[None, :]
    return float((diff > 0).mean() + 0.5 * (diff == 0).mean())


def test_evidence_max_is_a_tail_score_against_clean_news(
    spin_detector: SpinDetector, held_out: list[str]
) -> None:
    clean = _features(spin_detector, held_out)["evidence_max"]
    assert np.median(clean) < 1.0  # 1 = clean news's 90th percentile of the strongest family
    seed = dict(
        zip(
            spin_detector.feature_names(),
            spin_detector.detect(Document(seed_text("004"))).features,
            strict=True,
        )
    )
    assert seed["evidence_max"] > 2.0**0.5  # beyond clean news's 99th percentile (sqrt 2)


def _tail(x: float, q: tuple[float, float, float]) -> float:
    """The tail score as first written, value by value (the reference of :func:`_tails`)."""
    q50, q90, q99 = q
    if x <= q90:
        return min(max((x - q50) / max(q90 - q50, 1e-9), 0.0), 1.0)
    return 1.0 + (x - q90) / max(q99 - q90, 1e-9)


def _quantiles(
    calibration: tuple[list[int], list[tuple[float, float, float]]], n_tokens: int
) -> tuple[float, float, float]:
    """The percentiles for an article of ``n_tokens`` tokens, article by article."""
    lows, quantiles = calibration
    return quantiles[max(bisect_right(lows, n_tokens) - 1, 0)]


def test_tails_of_a_batch_are_the_value_by_value_tails(
    spin_detector: SpinDetector, held_out: list[str]
) -> None:
    """The batch's tail scores and percentile rows equal the article-by-article ones, bit
    for bit: at, below, between and beyond the percentiles, at each bin's edges, with bins of
    no width; and evidence_max of real articles (spun ones too) is the article-by-article
    strongest family's square root."""
    assert spin_detector.calibration is not None
    bins = _by_length(spin_detector.calibration["lexicon_rate"])
    custom = (
        [0, 100, 200, 300],
        [(0.0, 0.0, 0.0), (0.1, 0.1, 0.5), (0.2, 0.3, 0.3), (0.0, 1.0, 2.0)],
    )
    rng = np.random.default_rng(3)
    sizes = np.array([0, 1, 19, 20, 99, 100, 101, 199, 200, 299, 300, 301, 5000] * 40)
    for calibration in (bins, custom, ([0], [(0.2, 0.5, 0.9)])):
        q = _quantile_rows(calibration, sizes)
        assert q.tolist() == [list(_quantiles(calibration, int(n))) for n in sizes]
        picks = rng.integers(0, 3, len(sizes))
        x = np.where(rng.random(len(sizes)) < 0.3, q[np.arange(len(sizes)), picks], 0.0)
        x = np.where(x == 0.0, rng.random(len(sizes)) * 3.0, x)
        x[:10] = 0.0
        want = [_tail(v, (a, b, c)) for v, (a, b, c) in zip(x.tolist(), q.tolist(), strict=True)]
        assert _tails(x, q).tolist() == want
    rng_spin = random.Random(5)
    texts = [*held_out[:20], seed_text("004")]
    texts += [SPINNER_STYLES[s](t, rng_spin).text for s in SPINNER_STYLES for t in held_out[:5]]
    shipped = next(d for d in load_runtime_model().detectors if isinstance(d, SpinDetector))
    assert len(shipped._families) == 2  # the lexicon's and the thesaurus's
    for det in (spin_detector, shipped):
        found = det.detect_batch([Document(t) for t in texts])
        for text, detection in zip(texts, found, strict=True):
            n = len(scan(text)[0])
            features = detection.features
            strongest = max(
                (
                    sum(_tail(features[j], _quantiles(q, n)) for j, q in family) / len(family)
                    for family in det._families
                ),
                default=0.0,
            )
            assert features[-1] == (math.sqrt(strongest) if n >= 20 else 0.0)


def test_calibration_is_by_article_length(spin_detector: SpinDetector) -> None:
    """Clean news's percentiles differ with length (a rate over few words spreads wider, or
    is more often 0), and an article is measured against its own length's."""
    assert spin_detector.calibration is not None
    bins = spin_detector.calibration["lexicon_rate"]
    lows = [b[0] for b in bins]  # type: ignore[index]
    assert lows == sorted(lows) and lows[0] == 0 and len(lows) >= 3
    q99 = [b[3] for b in bins]  # type: ignore[index]
    assert len(set(q99)) == len(q99)
    table = _by_length(bins)
    rows = _quantile_rows(table, np.array([50, 10_000])).tolist()
    assert rows == [list(bins[0][1:]), list(bins[-1][1:])]  # type: ignore[index]
    assert _by_length((0.1, 0.2, 0.3)) == ([0], [(0.1, 0.2, 0.3)])  # older detectors


def test_excerpts_end_at_a_sentence_end(held_out: list[str]) -> None:
    for text in held_out[:10]:
        cuts = _excerpts(text)
        assert cuts and len(set(cuts)) == len(cuts)
        for cut in cuts:
            assert text.startswith(cut) and len(cut) < len(text)
            assert cut.rstrip()[-1] in ".!?…"
        assert [len(c) for c in cuts] == sorted(len(c) for c in cuts)


def test_short_clean_news_is_not_flagged_more_than_long(shipped_model: ReliabilityModel) -> None:
    """News briefs (100-250 words) sit beyond clean news's 99th percentile about as rarely as
    whole articles: before length-binned percentiles, BBC openings of that length did 6% of
    the time."""
    (det,) = [d for d in shipped_model.features.detectors if d.name == "spin"]
    assert isinstance(det, SpinDetector)
    j = det.feature_names().index("evidence_max")
    texts = [a.text for a in bbc_articles() if split_of(a.id) == "test"][:300]
    briefs = [_brief(t) for t in texts]
    assert all(100 <= len(b.split()) <= 300 for b in briefs)
    values = np.array([det.detect(Document(b)).features[j] for b in briefs])
    assert (values > 2.0**0.5).mean() <= 0.03


def _brief(text: str) -> str:
    """The opening of an article, 100 words and more up to a sentence end, on one line with
    no title (as ABC's news briefs come)."""
    body = " ".join(line.strip() for line in text.split("\n")[1:] if line.strip())
    sentences = re.split(r"(?<=[.!?])\s+", body)
    out: list[str] = []
    for sentence in sentences:
        out.append(sentence)
        if len(" ".join(out).split()) >= 100:
            break
    return " ".join(out)


def test_head_on_evidence_max_transfers_to_an_unseen_style(
    spin_detector: SpinDetector, held_out: list[str]
) -> None:
    """Leave-one-spinner-out in miniature: a head fitted on function-word spin alone ranks
    phrase-spun articles above clean ones, and its other weights are exactly 0."""
    from pipeline.training.spin_eval import head, head_columns

    rng = random.Random(11)
    fit_texts = held_out[:25]
    test_texts = held_out[25:]

    def rows(texts: list[str]) -> np.ndarray:
        return np.array([spin_detector.detect(Document(t)).features for t in texts])

    spun_fit = [SPINNER_STYLES["function_word"](t, rng).text for t in fit_texts]
    x = np.vstack([rows(fit_texts), rows(spun_fit)])
    y = np.array([0] * len(fit_texts) + [1] * len(spun_fit))
    columns = head_columns(spin_detector)
    assert columns == [spin_detector.feature_names().index("evidence_max")]
    fitted = head(x, y, columns)
    coef = fitted[-1].coef_[0]
    assert coef[columns].min() > 0.0
    assert np.count_nonzero(coef) == len(columns)
    phrase = [SPINNER_STYLES["phrase"](t, rng).text for t in test_texts]
    p_clean = fitted.predict_proba(rows(test_texts))[:, 1]
    p_phrase = fitted.predict_proba(rows(phrase))[:, 1]
    assert _auc(p_clean, p_phrase) >= 0.85
    assert (p_clean >= 0.5).mean() <= 0.1


def test_detector_saved_before_evidence_max_keeps_its_features(
    spin_detector: SpinDetector,
) -> None:
    state = spin_detector.__getstate__()
    del state["calibration"]
    old = SpinDetector.__new__(SpinDetector)
    old.__setstate__(state)
    assert "evidence_max" not in old.feature_names()
    assert old.head_feature_names() == old.feature_names()
    features = old.detect(Document(seed_text("004"))).features
    assert len(features) == len(old.feature_names())


# A sentence start: a line start, or . ! ? (closing quotes/brackets, then a space) before
# the letter. Not after an ellipsis ("this so-called judge ... is") nor after a one-letter
# abbreviation ("the U.S. military", "2 p.m. local time"), which US news writes often.
# Every match opens with a line break or the punctuation (the lookbehinds look past it), so
# re skips to those characters in C; the text's first line is matched on its own. The
# reference of the detector's batch reading of class bits (``_lower_start_rates``).
_SENTENCE_START_RE = re.compile(
    r"(?:\n|[.!?…](?<!\.[.!?…])(?<!\b[^\W\d_]\.[.!?…])(?<!\b[^\W\d_][.!?…])[\"'”’)\]]*\s)"
    r"[ \t\"'“‘(]*([^\W\d_])"
)
_TEXT_START_RE = re.compile(r"[ \t\"'“‘(]*([^\W\d_])")


def _lower_start_rate(text: str) -> float:
    """Share of sentences that start with a lower-case letter, by the pattern (0.0 with
    fewer than three)."""
    starts = _SENTENCE_START_RE.findall(text)
    first = _TEXT_START_RE.match(text)
    if first is not None:
        starts.append(first.group(1))  # order does not matter for a share
    if len(starts) < 3:
        return 0.0
    return sum(1 for c in starts if c.islower()) / len(starts)


# The sentence-start pattern as first written (``^`` anchored, MULTILINE): the one above
# must find the same sentence starts (it is the same letters, twice as fast).
_ANCHORED_SENTENCE_START_RE = re.compile(
    r"(?:^|(?=[.!?…])(?<!\.)(?<!\b[^\W\d_]\.)(?<!\b[^\W\d_])[.!?…][\"'”’)\]]*\s)"
    r"[ \t\"'“‘(]*([^\W\d_])",
    re.MULTILINE,
)


def _anchored_lower_start_rate(text: str) -> float:
    starts = _ANCHORED_SENTENCE_START_RE.findall(text)
    if len(starts) < 3:
        return 0.0
    return sum(1 for c in starts if c.islower()) / len(starts)


def test_lower_start_rate_equals_the_anchored_pattern(held_out: list[str]) -> None:
    """The pattern, the anchored pattern and the batch's reading of class bits (random
    texts of every character the pattern tests, in batches of 100) agree."""
    rng = random.Random(3)
    pieces = [*"aA. !?…\n\t\"'”’)]“‘(1_b\r é", "U.S. ", "p.m. ", "...", " x. ", "don't", "’s"]
    texts = [*(seed_text(p) for p in ("000", "001", "002", "003", "004")), *held_out]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(20_000)]
    for text in texts:
        assert _lower_start_rate(text) == _anchored_lower_start_rate(text), repr(text)
    for i in range(0, len(texts), 100):
        chunk = texts[i : i + 100]
        assert _lower_start_rates(scan_batch(chunk)) == [_lower_start_rate(t) for t in chunk]


def _lexicon_soup(rng: random.Random, n: int) -> list[str]:
    """Texts of lexicon wordings in any case, glued by common words, punctuation that does
    and does not end a sentence, and line breaks (each path of the scoring is taken)."""
    phrases = [" ".join(e.spun) for e in LEXICON]
    glue = ["the", "in", "a", "and", "it", "zzqx", "Upon", "York", "by.", ".", ",", " —", "\n"]
    glue += ['." The', "’s", "U.S.", "...", "(", "“", "\n\n", "!", "?”"]
    out = []
    for _ in range(n):
        parts = [rng.choice(phrases + glue) for _ in range(rng.randint(15, 80))]
        parts = [p.capitalize() if rng.random() < 0.2 else p for p in parts]
        out.append("".join(p + rng.choice(" " * 9 + "\n") for p in parts))
    return out


def test_batch_lexicon_matches_are_the_article_by_article_matches(
    spin_detector: SpinDetector, held_out: list[str]
) -> None:
    """The batch's lexicon matches (packed word numbers of each possible start looked up at
    once, then the left-to-right choice) are the reference :func:`_match_lexicon`'s on each
    text alone, and
    whether each opens a sentence is :func:`_opens_sentence` of the gap before it."""
    rng = random.Random(5)
    texts = [seed_text("004"), *held_out]
    texts += [SPINNER_STYLES["phrase"](t, rng).text for t in held_out]
    texts += _lexicon_soup(rng, 300)
    det = spin_detector
    index = _first_index()
    assert any(w not in det.vocab for e in LEXICON for w in e.spun)
    found = opening = 0
    for i in range(0, len(texts), 64):
        batch = scan_batch(texts[i : i + 64])
        token_low = batch.low.take(batch.word)
        matches = _lexicon_matches(
            det._lexicon, batch, token_low, np.ones(len(batch), dtype=np.bool_)
        )
        lo = batch.first.take(matches.article)
        opens = _opens_sentences(batch, matches.first, lo, matches.article).tolist()
        got = list(
            zip(
                matches.article.tolist(),
                matches.first.tolist(),
                matches.last.tolist(),
                strict=True,
            )
        )
        entries = matches.entry.tolist()
        expected = []
        for a, text in enumerate(batch.texts):
            _, lows, adjacent, gaps = scan(text)
            every = _match_lexicon(lows, range(len(lows)), adjacent, index, 0, len(lows))
            first = int(batch.first[a])
            expected += [(a, m.first + first, m.last + first, m, gaps) for m in every]
        assert got == [(a, f, last) for a, f, last, _, _ in expected]
        assert [LEXICON[k] for k in entries] == [m.entry for *_, m, _ in expected]
        starts = [m.first == 0 or _opens_sentence(gaps[m.first]) for *_, m, gaps in expected]
        assert opens == starts
        found += len(expected)
        opening += sum(starts)
    assert found > 1000 and 100 < opening < found


def _scores_match_by_match(det: SpinDetector, text: str) -> list[tuple[int, int, float, str]]:
    """The scoring of one article's lexicon matches as first written, a match at a time in
    Python (session 4's code, on :func:`scan` of the article alone): (start, end, score,
    suggestion) of each match."""
    words, lows, adjacent, gaps = scan(text)
    n = len(lows)
    if n < 20:
        return []
    starts, ends, pos = [], [], 0
    for word, gap in zip(words, gaps, strict=False):
        starts.append(pos + len(gap))
        pos = starts[-1] + len(word)
        ends.append(pos)
    oov = len(det.vocab)
    ids = np.array([det.vocab.get(w, oov) for w in lows], dtype=np.int64)
    left, right = ids[:-1], ids[1:]
    keys = ((left << 16) | right).astype(np.uint32)
    c12 = det._pair_counts(keys, np.array(adjacent, dtype=np.bool_))
    anti = det._anti(c12, det._left[left] * det._p[right]).tolist()
    matches = _match_lexicon(lows, range(n), adjacent, _first_index(), 0, n)
    plans: list[list[tuple[str, list[tuple[int, int]]]]] = []
    o_left: list[int] = []
    o_right: list[int] = []
    for m in matches:
        left_j = m.first - 1 if m.first > 0 and adjacent[m.first - 1] else -1
        right_j = m.last if m.last + 1 < n and adjacent[m.last] else -1
        entry_plan = []
        for orig in m.entry.originals:
            o_words = orig.lower().split()
            left_id = -1 if o_words[0] == m.entry.spun[0] else det.vocab.get(o_words[0], oov)
            right_id = -1 if o_words[-1] == m.entry.spun[-1] else det.vocab.get(o_words[-1], oov)
            pairs = []
            if left_j >= 0 and left_id >= 0:
                pairs.append((left_j, len(o_left)))
                o_left.append(int(ids[left_j]))
                o_right.append(left_id)
            if right_j >= 0 and right_id >= 0:
                pairs.append((right_j, len(o_left)))
                o_left.append(right_id)
                o_right.append(int(ids[right_j + 1]))
            entry_plan.append((orig, pairs))
        plans.append(entry_plan)
    ol, orr = np.array(o_left, dtype=np.int64), np.array(o_right, dtype=np.int64)
    oc12 = det._pair_counts(((ol << 16) | orr).astype(np.uint32), np.ones(len(ol), np.bool_))
    logp = det._logp[orr]
    p = np.exp(logp)
    o_anti = det._anti(oc12, det._left[ol] * p).tolist()
    k = det.settings.bigram_smoothing
    o_fit = (np.log((oc12 + k * p) / (det._left[ol] + k)) - logp).tolist()
    per_entry = Counter(m.entry.spun for m in matches)
    counts = Counter(lows)
    matched = Counter(lows[i] for m in matches for i in range(m.first, m.last + 1))
    first_pass = []
    for m, plan in zip(matches, plans, strict=True):
        e = m.entry
        logit = math.log(e.prior / (1.0 - e.prior))
        best_fit, best_orig, ctx = -math.inf, e.originals[0], 0.0
        for orig, pairs in plan:
            fit = sum(o_fit[row] for _, row in pairs)
            spun = sum(anti[j] - o_anti[row] for j, row in pairs)
            if fit > best_fit + 1.0:
                best_fit, best_orig, ctx = fit, orig, spun
        logit += min(max(ctx, -2.0), 6.0)
        first_word = words[m.first]
        starts_sentence = m.first == 0 or _opens_sentence(gaps[m.first])
        if first_word[0].islower() and starts_sentence:
            logit += 3.0
        followed = e.before_name and m.last + 1 < n and adjacent[m.last]
        if followed and words[m.last + 1][0].isupper():
            logit += 5.0
        expected = n * det.entry_rates.get(e.spun, 0.0)
        logit += 0.9 * max(0.0, math.log(per_entry[e.spun] / (expected + 1.0)))
        single = all(" " not in o for o in e.originals)
        exp_o = n * sum(det._ref_rate(o.lower()) for o in e.originals) if single else 0.0
        if exp_o >= 2.0:
            seen_o = sum(counts[o] - matched[o] for o in e.originals)
            z = (exp_o - seen_o) / math.sqrt(exp_o + 1.0)
            logit += 0.6 * min(max(z, 0.0), 4.0)
        first_pass.append((logit, _match_case(best_orig, first_word, starts_sentence)))
    boost = 0.4 * min(sum(1 for logit, _ in first_pass if logit >= 0.0), 5)
    return [
        (starts[m.first], ends[m.last], 1.0 / (1.0 + math.exp(-(logit + boost))), suggestion)
        for m, (logit, suggestion) in zip(matches, first_pass, strict=True)
    ]


def test_batch_scores_are_the_match_by_match_scores(
    spin_detector: SpinDetector, held_out: list[str]
) -> None:
    """Every lexicon match scored for the whole batch at once gives the lexicon features and
    findings of the match-by-match Python it replaced, bit for bit (seeds, clean and spun BBC,
    lexicon soups with sentence ends, line breaks and capitals; batches of 64)."""
    rng = random.Random(17)
    texts = [*(seed_text(p) for p in ("000", "001", "002", "003", "004")), *held_out[:20]]
    texts += [SPINNER_STYLES[s](t, rng).text for s in SPINNER_STYLES for t in held_out[:8]]
    texts += _lexicon_soup(rng, 150)
    shipped = next(d for d in load_runtime_model().detectors if isinstance(d, SpinDetector))
    min_score = load_settings().spin.finding_min_score
    for det in (spin_detector, shipped):
        assert det.settings.finding_min_score == min_score
        detections = [
            d
            for i in range(0, len(texts), 64)
            for d in det.detect_batch([Document(t) for t in texts[i : i + 64]])
        ]
        scored = strong = 0
        for text, detection in zip(texts, detections, strict=True):
            scores = _scores_match_by_match(det, text)
            values = [s for _, _, s, _ in scores]
            n = len(scan(text)[1])
            per_k = 1000.0 / n if n >= 20 else 0.0
            findings = [
                (a, b, s, f"spinner substitution for '{x}'", x)
                for a, b, s, x in scores
                if s >= min_score
            ]
            got = detection.features
            assert got[0] == sum(values) * per_k
            assert got[1] == len(findings) * per_k
            assert got[2] == max(values, default=0.0)
            lexicon = [
                (f.start, f.end, f.score, f.reason, f.suggestion)
                for f in detection.findings
                if f.reason.startswith("spinner substitution for")
            ]
            if det.synonyms is None:
                assert lexicon == findings
            scored += len(scores)
            strong += len(findings)
        assert scored > 3000 and 500 < strong < scored


def test_batch_detection_equals_one_by_one(
    spin_detector: SpinDetector, held_out: list[str]
) -> None:
    """An article's detection does not depend on its batch: the seeds, clean and spun BBC
    articles, short and odd texts, shuffled into batches of several sizes, get exactly the
    features and findings they get alone (with and without the thesaurus evidence)."""
    rng = random.Random(13)
    texts = [*(seed_text(p) for p in ("000", "001", "002", "003", "004")), *held_out[:30]]
    texts += [SPINNER_STYLES[s](t, rng).text for s in SPINNER_STYLES for t in held_out[:6]]
    texts += ["", "Too short.", "a\r\n\r\nb  c\t d’s \xa0 e. f" * 20]
    shipped = next(d for d in load_runtime_model().detectors if isinstance(d, SpinDetector))
    for det in (spin_detector, shipped):
        alone = [det.detect(Document(t)) for t in texts]
        order = list(range(len(texts)))
        for size in (1, 7, 64):
            rng.shuffle(order)
            got: dict[int, object] = {}
            for i in range(0, len(order), size):
                chunk = order[i : i + size]
                found = det.detect_batch([Document(texts[j]) for j in chunk])
                got.update(zip(chunk, found, strict=True))
            assert [got[j] for j in range(len(texts))] == alone
    assert any(d.findings for d in alone)
    assert all(type(x) is float for d in alone for x in d.features)


def test_anti_is_the_capped_deviance_of_every_rare_pair(
    spin_detector: SpinDetector, held_out: list[str]
) -> None:
    """:meth:`SpinDetector._anti` takes the logarithm only where it keeps the value (pairs seen
    at most a tenth as often as independence predicts); its values are the Poisson deviance
    computed for every pair, capped at 6, bit for bit."""
    det = spin_detector
    rng = random.Random(19)
    texts = [*held_out, *(SPINNER_STYLES[s](t, rng).text for s in SPINNER_STYLES for t in held_out)]
    batch = scan_batch(texts)
    oov = len(det.vocab)
    ids = np.array([det.vocab.get(w, oov) for w in batch.low_words]).take(batch.low)
    ids = ids.take(batch.word)
    left, right = ids[:-1], ids[1:]
    keys = ((left << 16) | right).astype(np.uint32)
    c12 = det._pair_counts(keys, batch.adjacent[:-1])
    expected = np.maximum(det._left[left] * det._p[right], 1e-12)
    deviance = expected - c12 + c12 * np.log(np.maximum(c12, 1e-12) / expected)
    want = np.where(c12 * 10.0 < expected, np.minimum(deviance, 6.0), 0.0)
    got = det._anti(c12, det._left[left] * det._p[right])
    assert got.tobytes() == want.tobytes()
    # Seen rarely (the logarithm), unseen, capped, and seen often enough to give 0: each some.
    assert ((got > 0.0) & (c12 > 0.0)).sum() > 50 and ((got > 0.0) & (c12 == 0.0)).sum() > 1000
    assert (got == 6.0).sum() > 100 and ((c12 > 0.0) & (got == 0.0)).sum() > 1000


def test_pair_counts_are_the_sorted_reference_counts(
    spin_detector: SpinDetector, held_out: list[str]
) -> None:
    """Each needed pair of words of the vocabulary gets its count in the sorted reference
    arrays (found by binary search, as before the hash table); a pair with a word outside
    the vocabulary, or not needed, gets 0; in the shipped detector too, and with every pair
    needed (as the originals' pairs are)."""
    shipped = next(d for d in load_runtime_model().detectors if isinstance(d, SpinDetector))
    batch = scan_batch(held_out)
    for det in (spin_detector, shipped):
        oov = len(det.vocab)
        ids = np.array([det.vocab.get(w, oov) for w in batch.low_words]).take(batch.low)
        ids = ids.take(batch.word)
        left, right = ids[:-1], ids[1:]
        keys = ((left << 16) | right).astype(np.uint32)
        needed = batch.adjacent[:-1]
        pos = np.minimum(np.searchsorted(det.bigram_keys, keys), len(det.bigram_keys) - 1)
        known = (det.bigram_keys[pos] == keys) & (left != oov) & (right != oov)
        counts = det.bigram_counts[pos].astype(np.float64)
        got = det._pair_counts(keys, needed)
        assert got.tolist() == np.where(known & needed, counts, 0.0).tolist()
        assert (got > 0).sum() > 1000 and ((left == oov) | (right == oov)).sum() > 100
        whole = det._pair_counts(keys, np.ones(len(keys), dtype=np.bool_))
        assert whole.tolist() == np.where(known, counts, 0.0).tolist()
        assert ((whole > 0) & ~needed).sum() > 10


def test_one_word_table_gives_each_tables_own_look_up(
    spin_detector: SpinDetector, held_out: list[str]
) -> None:
    """A word's row of the detector's one word table gives what each table it merges gives
    the word: vocabulary id, thesaurus row, tracked column, lexicon number (defaults for a
    word of none), with and without the thesaurus."""
    shipped = next(d for d in load_runtime_model().detectors if isinstance(d, SpinDetector))
    batch = scan_batch([*held_out[:20], seed_text("004"), "Zyxwv qwertz plugh xyzzy."])
    for det in (spin_detector, shipped):
        ev = det.synonyms
        words = [*batch.low_words, *FUNCTION_WORDS, *det._lexicon.numbers]
        rows = [det._words.get(w, det._no_row) for w in words]
        thesaurus, vocab, tracked, number = (c.take(rows).tolist() for c in det._word_columns)
        assert vocab == [det.vocab.get(w, len(det.vocab)) for w in words]
        assert tracked == [det._tracked.get(w, -1) for w in words]
        assert number == [det._lexicon.numbers.get(w, 0) for w in words]
        if ev is not None:
            assert thesaurus == [ev.word_ids().get(w, ev.no_word()) for w in words]
        assert len(set(vocab)) > 1000 and -1 in tracked and 0 in number


def _function_word_features_by_counter(det: SpinDetector, lows: list[str]) -> list[float]:
    """The function-word features as first written, from a Counter of the words."""
    counts = Counter(lows)
    n = len(lows)
    obs = np.array([counts.get(w, 0) for w in FUNCTION_WORDS], dtype=np.float64)
    exp = n * det._fw_ref
    chi2 = float(np.sum((obs - exp) ** 2 / np.maximum(exp, 1e-9)))
    divergence = max(0.0, chi2 - (len(FUNCTION_WORDS) - 1)) / n
    zs = (exp - obs) / np.sqrt(exp + 1.0)
    index = {w: i for i, w in enumerate(FUNCTION_WORDS)}
    missing_and = max(0.0, float(zs[index["and"]]))
    missing_fw = float(np.mean([max(0.0, float(zs[index[w]])) for w in MISSING_WORDS]))
    return [divergence, missing_and, missing_fw]


def test_function_word_features_equal_counting_the_words(held_out: list[str]) -> None:
    """The batch's per-article counts of the tracked words (whatever the reference knows)
    give the features of a Counter of the words, and its per-row numpy reductions add as the
    1-D ones."""
    train = [a.text for a in bbc_articles() if split_of(a.id) == "train"]
    small = SpinDetector.build(train[:2], load_settings().spin)
    full = SpinDetector.build(train[:60], load_settings().spin)
    assert any(w not in small.vocab for w in FUNCTION_WORDS)
    rng = random.Random(11)
    texts = [seed_text("004"), *held_out[:10]]
    texts += [SPINNER_STYLES["function_word"](t, rng).text for t in held_out[:10]]
    batch = scan_batch(texts)
    sizes = np.diff(batch.first).tolist()
    for det in (small, full):
        tracked = det._look_up(batch)[2].take(batch.low.take(batch.word))
        got = det._function_word_features(det._tracked_counts(batch, tracked), sizes)
        for text, row in zip(texts, got, strict=True):
            _, lows, _, _ = scan(text)
            assert row == _function_word_features_by_counter(det, lows)
