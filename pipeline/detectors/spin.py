"""Spin: text run through an article spinner (synonym substitution).

Four independent kinds of evidence, so that spinners outside the lexicon are still seen:

1. **Lexicon** (:mod:`pipeline.detectors.spin_lexicon`): wordings spinners put in place of
   ordinary ones. A match is scored in context, because ``in addition to`` is also plain
   English: the bigram association of the original vs. the spun wording with the words around
   it (``that will is`` is broken, ``that will be`` is not), a lower-case sentence start
   (spinners lower-case what they replace), repetition far beyond the reference rate, and the
   original wording missing from the article. Matches become findings with a suggestion.
2. **Function-word profile**: spinners that rewrite ``and``/``it``/``from`` leave an article
   whose function-word rates are far from English news (seed 004 has no ``and`` at all).
3. **Broken collocations**: a reference bigram model (train-split BBC, with wordfreq unigram
   backoff so other sources and eras are not all "unseen") gives the rate of word pairs the
   reference says do not go together.
4. **Thesaurus choices** (:mod:`pipeline.detectors.spin_synonyms`, when built with WordNet's
   synonyms): content words for which WordNet offers a far more common synonym that the
   context prefers ("probable to" for "likely to").

The signal is ``evidence_max``: each family's strength as a tail score against clean news (0 at
the clean median, 1 at its 90th percentile, 2 at its 99th, linear beyond; quantiles of
held-out reference articles of the same length at build time: :func:`_calibrate`), the
strongest family's, square-rooted (so the fully
rewritten articles, at 20 and more, do not drag a head's threshold far beyond clean news's
tail: that made the held-out thesaurus style's F1 0). A logistic head over all the features
weighs the families by the spinner styles it was fitted on and then misses a style that shows
only one family (a head fitted with the thesaurus spinner leans on the thesaurus features and
ranks phrase-spun articles below clean ones that happen to use rarer synonyms); with the
maximum any one family carries the decision, and clean news of other sources rarely sits in the
far tail of any (``python -m pipeline.training.spin_eval``). The function-word profile and
broken collocations are no families of it (as families they added more noise on clean news
than evidence: held-out phrase AUC 0.955 and 0.962 instead of 0.968); they stay features for
the reliability classifier.

What the detector knows: the lexicon (written from real spinner output and published lists of
"tortured phrases", not from the training spinners' tables), bigram and unigram counts of the
reference articles, and wordfreq's English unigram frequencies. Word-rarity features
(mean content-word frequency, share of rare words, mean bigram association) were measured and
dropped: they separated a thesaurus spinner from BBC text a little (AUC ~0.8) but moved as much
on clean news of another source and era (US news 2016-17), which made a head trained on them
flag 20-30% of such clean articles (``python -m pipeline.training.spin_eval``). The thesaurus
evidence is rarity *within a meaning* and moves less, but still some: the reliability model is
fitted without the thesaurus spinner's articles (``pipeline.training.train``).

Speed: :meth:`SpinDetector.detect_batch` works on a batch of articles at once (scoring's
256): one :func:`~pipeline.text.scan_batch` of all their texts, one dict look-up per
distinct word of the batch for every table (vocabulary, thesaurus, tracked words, lexicon
numbers), the bigram counts of all word pairs (and of the pairs the lexicon matches'
originals would make) in one hash-table look-up (:class:`~.keytable.KeyTable`), sentence
starts and function-word counts with numpy over the whole batch; the lexicon matches found
by looking up the packed word numbers of every possible start at once, and scored with numpy
over all the batch's matches, each float added in the order the match-by-match code added
it; the features as columns over the batch, in the arithmetic the article-by-article code
did; per article only the sums whose order fixes their rounding and the findings, built
without re-checking spans the tokens give (``tests/test_spin.py`` checks every piece
against the article-by-article code it replaced, and the features are bit-identical).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import count, pairwise, repeat

import numpy as np
import numpy.typing as npt

from pipeline.article import Finding
from pipeline.config import SpinSettings, SynonymSettings
from pipeline.detectors.base import Detection, Detector
from pipeline.detectors.keytable import KeyTable
from pipeline.detectors.spin_lexicon import LEXICON, LexiconEntry
from pipeline.detectors.spin_synonyms import SynonymEvidence, sums_in_order
from pipeline.text import (
    CLOSE,
    DOT,
    LETTER,
    LOWER,
    NEWLINE,
    OPEN,
    RE_SPACE,
    TERM,
    WORD,
    Document,
    DocumentBatch,
    ScanBatch,
    scan_batch,
    scanned,
)

# The ~50 most frequent function words of English news: their rates are the profile.
FUNCTION_WORDS: tuple[str, ...] = (
    "the", "to", "of", "and", "a", "in", "is", "that", "for", "it", "on", "said", "was",
    "he", "be", "with", "has", "as", "have", "at", "by", "will", "but", "from", "are", "not",
    "this", "which", "had", "its", "they", "an", "would", "his", "been", "were", "also",
    "who", "their", "we", "more", "there", "or", "i", "after", "new", "than", "other", "can",
    "about",
)  # fmt: skip
# Words spinners rewrite away; their absence, given the article's length, is evidence.
MISSING_WORDS: tuple[str, ...] = ("it", "from", "that", "is", "in", "this")

_VOCAB_MAX = 65_535  # word ids fit 16 bits, so a bigram key fits a uint32
_ZIPF_WORDS = 50_000  # wordfreq's top words give the unigram backoff (down to zipf ~2.5)
_OOV_ZIPF = 2.0  # backoff frequency of a word outside wordfreq's top list
_SENTENCE_END = frozenset(".!?…")
_MIN_WORDS = 20  # below this an article's rates are noise: features fall back to 0
_BATCH = 256  # articles per detect_batch when the detector calibrates itself


@dataclass(frozen=True)
class _Entries:
    """What scoring a match needs of its lexicon entry, per entry (LEXICON's order); the
    2-D ones have a row per original (an entry has one or two)."""

    logit: npt.NDArray[np.float64]  # prior log-odds
    rate: npt.NDArray[np.float64]  # reference rate of the wording
    original_rate: npt.NDArray[np.float64]  # ... of its originals (0 with a phrase original)
    before_name: npt.NDArray[np.bool_]
    has: npt.NDArray[np.bool_]  # the entry has this original
    left: npt.NDArray[np.int64]  # word id the original puts at the left junction (-1: none)
    right: npt.NDArray[np.int64]  # ... at the right junction
    tracked: npt.NDArray[np.int64]  # the original's column of the tracked counts (-1: none)


@dataclass(frozen=True)
class _LexiconKeys:
    """The lexicon's wordings as numbers: each of its words numbered from 1 (0: a word of no
    wording), a wording of k words as their numbers packed ``bits`` apart into an int64, so
    that the first k words after a token give one number to look up."""

    numbers: dict[str, int]  # lexicon word -> its number
    bits: int
    longest: int  # words of the longest wording
    single: npt.NDArray[np.int64]  # word number -> its single-word entry (-1: none)
    opens: npt.NDArray[np.bool_]  # word number -> it opens a longer wording
    starts: npt.NDArray[np.bool_]  # ... either
    pairs: npt.NDArray[np.bool_]  # two words' key -> they open a longer wording
    keys: npt.NDArray[np.int64]  # the longer wordings, sorted
    entries: npt.NDArray[np.int64]  # ... and their entries


@dataclass(frozen=True)
class _Matches:
    """A batch's lexicon matches in token order: each one's first and last token (inclusive),
    entry (its place in LEXICON) and article."""

    first: npt.NDArray[np.int64]
    last: npt.NDArray[np.int64]
    entry: npt.NDArray[np.int64]
    article: npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Junctions:
    """Where a batch's lexicon matches meet their neighbours: the token before and after each
    (clipped to the batch), whether an adjacent word of its article follows; per original
    (an entry's first, second) its left and its right junction in turn: the matches that
    compare a pair there (``uses``), and those pairs in that order (word ids)."""

    before: npt.NDArray[np.int64]
    after: npt.NDArray[np.int64]
    has_right: npt.NDArray[np.bool_]
    uses: list[npt.NDArray[np.intp]]
    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]


class SpinDetector(Detector):
    """Spinner-substitution evidence: lexicon matches in context, function-word profile,
    and bigram / word rarity against a reference corpus of clean news."""

    name = "spin"

    _FEATURES: tuple[str, ...] = (
        "lexicon_rate",
        "lexicon_strong_rate",
        "lexicon_max_score",
        "fw_divergence",
        "missing_and",
        "missing_fw",
        "lower_sentence_start_rate",
        "anti_collocation_rate",
    )

    def __init__(
        self,
        settings: SpinSettings,
        vocab: dict[str, int],
        word_counts: npt.NDArray[np.uint32],
        bigram_keys: npt.NDArray[np.uint32],
        bigram_counts: npt.NDArray[np.uint16],
        zipf10: dict[str, int],
        total_tokens: int,
        entry_rates: dict[tuple[str, ...], float],
        synonyms: SynonymEvidence | None = None,
        calibration: dict[str, Calibration] | None = None,
    ) -> None:
        self.settings = settings
        self.vocab = vocab
        self.word_counts = word_counts
        self.bigram_keys = bigram_keys
        self.bigram_counts = bigram_counts
        self.zipf10 = zipf10
        self.total_tokens = total_tokens
        self.entry_rates = entry_rates
        self.synonyms = synonyms
        # Feature -> its (50th, 90th, 99th) percentile on clean reference news, per article
        # length (see :data:`Calibration`); None in detectors saved before ``evidence_max``
        # (their feature list stays as it was).
        self.calibration = calibration
        self._prepare()

    # -- construction -------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        reference_texts: Sequence[str],
        settings: SpinSettings,
        synonym_map: Mapping[str, Sequence[tuple[str, int]]] | None = None,
        synonym_settings: SynonymSettings | None = None,
        calibrate: bool = True,
    ) -> SpinDetector:
        """Fit the reference statistics on clean news (train split only: the caller's job).
        ``synonym_map`` (WordNet's, from ``pipeline.training.wordnet_synonyms``) enables the
        thesaurus-spin evidence of :mod:`pipeline.detectors.spin_synonyms`. ``calibrate``:
        measure the families' clean percentiles (:func:`_calibrate`), which builds the
        detector twice more on halves of the reference."""
        import wordfreq  # build time only: importing it costs start-up

        # One scan of the reference, :data:`_BATCH` texts at a time: the words (each token's
        # lower-cased word, in text order) and the lexicon matches of each batch, whose word
        # pairs are counted once the vocabulary is known.
        lexicon = _lexicon_keys()
        counts: Counter[str] = Counter()
        by_entry = np.zeros(len(LEXICON), dtype=np.int64)
        scanned_words: list[tuple[list[str], npt.NDArray[np.int64], npt.NDArray[np.bool_]]] = []
        for i in range(0, len(reference_texts), _BATCH):
            batch = scan_batch(reference_texts[i : i + _BATCH])
            token_low = batch.low.take(batch.word)
            counts.update(map(batch.low_words.__getitem__, token_low.tolist()))
            every = np.ones(len(batch), dtype=np.bool_)
            found = _lexicon_matches(lexicon, batch, token_low, every)
            by_entry += np.bincount(found.entry, minlength=len(LEXICON))
            scanned_words.append((batch.low_words, token_low, batch.adjacent))
        vocab_words = [w for w, c in counts.most_common(_VOCAB_MAX) if c >= 2]
        vocab = {w: i for i, w in enumerate(vocab_words)}
        word_counts = np.array([counts[w] for w in vocab_words], dtype=np.uint32)
        # The adjacent pairs of vocabulary words (a text's last token is adjacent to nothing).
        pair_keys = [np.zeros(0, dtype=np.int64)]
        for low_words, token_low, adjacent in scanned_words:
            ids = np.fromiter(map(vocab.get, low_words, repeat(-1)), np.int64, len(low_words))
            ids = ids.take(token_low)
            left, right = ids[:-1], ids[1:]
            kept = adjacent[:-1] & (left >= 0) & (right >= 0)
            pair_keys.append((left[kept] << 16) | right[kept])
        unique_keys, pair_counts = np.unique(np.concatenate(pair_keys), return_counts=True)
        keys = unique_keys.astype(np.uint32)
        bigram_counts = np.minimum(pair_counts, 65_535).astype(np.uint16)
        zipf10 = {
            w: round(10 * wordfreq.zipf_frequency(w, "en"))
            for w in wordfreq.top_n_list("en", _ZIPF_WORDS)
            if w in vocab
        }
        total = sum(counts.values())
        entry_counts: Counter[tuple[str, ...]] = Counter()
        for e, n in zip(LEXICON, by_entry.tolist(), strict=True):
            entry_counts[e.spun] += n
        entry_rates = {e.spun: entry_counts[e.spun] / max(total, 1) for e in LEXICON}
        synonyms = None
        if synonym_map is not None:
            synonyms = SynonymEvidence.build(reference_texts, synonym_map, synonym_settings)
        calibration = None
        if calibrate:
            calibration = _calibrate(
                reference_texts, settings, synonym_map, synonym_settings, synonyms is not None
            )
        return cls(
            settings,
            vocab,
            word_counts,
            keys,
            bigram_counts,
            zipf10,
            total,
            entry_rates,
            synonyms,
            calibration,
        )

    def _prepare(self) -> None:
        """Derived lookup tables, rebuilt after unpickling rather than stored."""
        zipf = np.full(len(self.vocab) + 1, _OOV_ZIPF, dtype=np.float64)
        for w, i in self.vocab.items():
            zipf[i] = self.zipf10.get(w, _OOV_ZIPF * 10) / 10
        # Last slot stands for a word outside the vocabulary.
        self._logp = (zipf - 9.0) * math.log(10)
        self._p = np.exp(self._logp)
        self._left = np.append(self.word_counts.astype(np.float64), 0.0)
        # The pairs' counts by key, the most frequent pairs first (most looked up).
        self._bigrams = KeyTable(self.bigram_keys, self.bigram_counts, self.bigram_counts)
        self._fw_ref = np.array([self._ref_rate(w) for w in FUNCTION_WORDS], dtype=np.float64)
        # Words counted per article: the function words (in order), then the single-word
        # originals of the lexicon (whose absence is evidence).
        originals = [o for e in LEXICON for o in e.originals if " " not in o]
        tracked = dict.fromkeys([*FUNCTION_WORDS, *originals])
        self._tracked = dict(zip(tracked, count()))
        self._fw_cols = np.array([self._tracked[w] for w in FUNCTION_WORDS], dtype=np.intp)
        self._and_index = FUNCTION_WORDS.index("and")
        self._missing_index = np.array([FUNCTION_WORDS.index(w) for w in MISSING_WORDS])
        families: list[tuple[str, ...]] = [("lexicon_rate",)]
        if self.synonyms is not None:
            families.append(_THESAURUS_FAMILY)
        names = self.feature_names()
        calibration = self.calibration or {}
        self._families = [
            [(names.index(f), _by_length(calibration[f])) for f in family]
            for family in families
            if all(f in calibration for f in family)
        ]
        # Per lexicon entry (LEXICON's order), as arrays that all of a batch's matches read
        # at once: its prior log-odds, the reference rate of its wording and (0 for phrase
        # originals) of its single-word originals; per original (rows) the word ids of the
        # pairs to compare at the left and right junction (-1: the same word, nothing to
        # compare, or no such original) and its column in the tracked counts (-1: none).
        oov = len(self.vocab)
        self._lexicon = _lexicon_keys()
        width = max(len(e.originals) for e in LEXICON)
        # Per entry and original (entry * width + original): the suggestion and its reason as
        # written and as at a sentence start (see :func:`_suggestion`).
        self._suggest = [
            (
                *_suggestion(e.originals[j], False),
                *_suggestion(e.originals[j], True),
            )
            if j < len(e.originals)
            else ("", "", "", "")
            for e in LEXICON
            for j in range(width)
        ]
        self._width = width
        sides = np.full((3, width, len(LEXICON)), -1, dtype=np.int64)
        for k, e in enumerate(LEXICON):
            for j, o in enumerate(e.originals):
                o_words = o.lower().split()
                if o_words[0] != e.spun[0]:
                    sides[0, j, k] = self.vocab.get(o_words[0], oov)
                if o_words[-1] != e.spun[-1]:
                    sides[1, j, k] = self.vocab.get(o_words[-1], oov)
                sides[2, j, k] = self._tracked.get(o, -1) if " " not in o else -1
        self._entries = _Entries(
            np.array([math.log(e.prior / (1.0 - e.prior)) for e in LEXICON]),
            np.array([self.entry_rates.get(e.spun, 0.0) for e in LEXICON]),
            np.array(
                [
                    sum(self._ref_rate(o.lower()) for o in e.originals)
                    if all(" " not in o for o in e.originals)
                    else 0.0
                    for e in LEXICON
                ]
            ),
            np.array([e.before_name for e in LEXICON], dtype=np.bool_),
            np.array([[j < len(e.originals) for e in LEXICON] for j in range(width)]),
            sides[0],
            sides[1],
            sides[2],
        )

        # One table for all of a batch's word look-ups: each word's row (one dict operation
        # per distinct word of the batch), and per row the word's vocabulary id, its row of
        # the thesaurus's tables, its column of the tracked counts and its lexicon number.
        # A thesaurus word's row is its row of the thesaurus's tables (a copy of its dict, not
        # built again: start-up); the other words' rows follow those; the last row is a word
        # of none of the tables.
        thesaurus = self.synonyms.word_ids() if self.synonyms is not None else {}
        none = self.synonyms.no_word() if self.synonyms is not None else 0
        self._words = dict(thesaurus)
        rows = count(none + 1)
        places = [
            np.fromiter(map(self._words.setdefault, table, rows), np.intp, len(table))
            for table in (self.vocab, self._tracked, self._lexicon.numbers)
        ]
        size = next(rows) + 1
        self._no_row = size - 1
        on_thesaurus = np.full(size, none, dtype=np.int32)  # (int32: half the memory)
        on_thesaurus[: none + 1] = np.arange(none + 1)  # (rows of no word: never read)
        self._word_columns = [on_thesaurus]
        for table, at, default in zip(
            (self.vocab, self._tracked, self._lexicon.numbers), places, (oov, -1, 0), strict=True
        ):
            column = np.full(size, default, dtype=np.int32)
            column[at] = np.fromiter(table.values(), np.int32, len(table))
            self._word_columns.append(column)

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict[str, object]) -> None:
        state.setdefault("synonyms", None)  # models saved before the thesaurus evidence
        state.setdefault("calibration", None)  # ... and before evidence_max
        self.__dict__.update(state)
        self._prepare()

    def _ref_rate(self, word: str) -> float:
        i = self.vocab.get(word)
        return (float(self.word_counts[i]) if i is not None else 0.0) / max(self.total_tokens, 1)

    # -- detection ----------------------------------------------------------------------

    def feature_names(self) -> tuple[str, ...]:
        names = self._FEATURES
        if self.synonyms is not None:
            names = (*names, *self.synonyms.FEATURES)
        if self.calibration is not None:
            names = (*names, "evidence_max")
        return names

    def head_feature_names(self) -> tuple[str, ...]:
        """The features a spin signal head should be fitted on: ``evidence_max`` alone when
        there is one (see the module doc), else all."""
        return ("evidence_max",) if self.calibration is not None else self.feature_names()

    def detect(self, doc: Document) -> Detection:
        return self.detect_batch([doc])[0]

    def detect_batch(self, docs: Sequence[Document]) -> list[Detection]:
        """Each article's detection, computed for the batch at once: one :func:`scan_batch`,
        one vocabulary look-up per distinct word, the reference pair counts of every word pair
        in one sorted look-up, counts and rates with numpy over all tokens; Python per article
        only for the sums whose order matters and the findings (the lexicon matches are
        found and scored with numpy over all the batch's matches). An article's detection
        does not depend on the batch it is in."""
        if not docs:
            return []
        batch = scanned(docs)
        n_texts = len(batch)
        sizes_a = np.diff(batch.first)
        sizes = sizes_a.tolist()
        oov = len(self.vocab)
        near_low, ids, tracked_d, number = self._look_up(batch)
        token_low = batch.low.take(batch.word)
        ids = ids.take(token_low)
        tracked = tracked_d.take(token_low)
        counts = self._tracked_counts(batch, tracked)
        function_words = self._function_word_features(counts, sizes)
        lower_rates = _lower_start_rates(batch)
        # The lexicon matches of all articles of enough words, and the word pairs their
        # originals would make at their junctions.
        long_enough = sizes_a >= _MIN_WORDS
        matches = _lexicon_matches(self._lexicon, batch, token_low, long_enough, number)
        junctions = self._junctions(batch, matches, ids)
        # The reference counts of every pair of neighbouring tokens (those across two
        # articles are never used; only adjacent pairs are read: the collocation rate, the
        # matches' junctions) and of the originals' pairs, in one look-up.
        n_pairs = max(len(ids) - 1, 0)
        left = np.concatenate([ids[:-1], junctions.left])
        right = np.concatenate([ids[1:], junctions.right])
        keys = ((left << 16) | right).astype(np.uint32)
        needed = np.ones(len(keys), dtype=np.bool_)
        needed[:n_pairs] = batch.adjacent[:-1]
        c12 = self._pair_counts(keys, needed)
        all_anti = self._anti(c12, self._left.take(left) * self._p.take(right))
        anti = all_anti[:n_pairs]
        known = batch.adjacent[:-1] & (ids[:-1] != oov)
        weighted = np.where(known, anti, 0.0)
        o_fit = self._pmi(c12[n_pairs:], junctions.left, junctions.right)
        scored, best, opens = self._score_matches(
            batch, matches, junctions, anti, o_fit, all_anti[n_pairs:], counts, tracked
        )
        found, n_found = self._findings(batch, matches, scored, best, opens)
        # The features of all articles as columns, each with the arithmetic the
        # article-by-article code did (elementwise: the same floats).
        n = np.maximum(sizes_a, 1)
        per_k = 1000.0 / n
        score_sums = sums_in_order(matches.article, scored, n_texts)
        top = np.zeros(n_texts)  # scores are >= 0: max(scores, default=0.0)
        np.maximum.at(top, matches.article, scored)
        # numpy's pairwise sum over each article's own pairs, as alone (reduceat on the batch
        # adds in another order)
        reduce = np.add.reduce
        anti_sums = [
            float(reduce(weighted[lo : hi - 1])) if hi - lo >= _MIN_WORDS else 0.0
            for lo, hi in pairwise(batch.first.tolist())
        ]
        columns = [
            score_sums * per_k,
            n_found * per_k,
            top,
            np.array(function_words, dtype=np.float64).reshape(n_texts, 3),
            np.array(lower_rates, dtype=np.float64),
            np.array(anti_sums, dtype=np.float64) * 100.0 / n,
        ]
        thesaurus: dict[int, list[Finding]] = {}
        if self.synonyms is not None:
            values, thesaurus = self.synonyms.evaluate_rows(batch, near_low)
            columns.append(values)
        table = np.column_stack(columns)
        if self.calibration is not None:
            strongest = np.zeros(n_texts)  # max(..., default=0.0)
            for k, family in enumerate(self._families):
                total = np.zeros(n_texts)  # sum(): 0 + each tail in turn
                for j, q in family:
                    total = total + _tails(table[:, j], _quantile_rows(q, sizes_a))
                mean = total / len(family)
                strongest = mean if k == 0 else np.maximum(strongest, mean)
            table = np.column_stack([table, np.sqrt(strongest)])
        table[~long_enough] = 0.0
        out: list[Detection] = []
        name = self.name
        for a, row in enumerate(table.tolist()):
            if not long_enough[a]:
                out.append(Detection(name, tuple(row), ()))
                continue
            findings = found[a]
            if a in thesaurus:
                # A word the lexicon already explains keeps the lexicon's finding.
                taken = [(f.start, f.end) for f in findings]
                findings.extend(
                    f for f in thesaurus[a] if not any(s < f.end and f.start < e for s, e in taken)
                )
                findings.sort(key=lambda f: f.start)
            out.append(Detection(name, tuple(row), tuple(findings)))
        return out

    def _look_up(
        self, batch: ScanBatch
    ) -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]
    ]:
        """Each distinct lower-cased word's row of the thesaurus's tables, vocabulary id,
        column of the tracked counts (-1: none) and lexicon number (0: none): one dict
        look-up per distinct word of the batch, in the one word table."""
        low_words = batch.low_words
        rows = np.fromiter(
            map(self._words.get, low_words, repeat(self._no_row)), np.int64, len(low_words)
        )
        near_low, ids, tracked, number = (c.take(rows).astype(np.int64) for c in self._word_columns)
        return near_low, ids, tracked, number

    def _pair_counts(
        self, keys: npt.NDArray[np.uint32], needed: npt.NDArray[np.bool_]
    ) -> npt.NDArray[np.float64]:
        """Reference count of each word pair (its ``keys``: left id << 16 | right id), 0 where
        either word is outside the vocabulary (the id past the vocabulary's is in no pair of
        the reference) or the pair is not ``needed``."""
        out: npt.NDArray[np.float64] = np.where(needed, self._bigrams.get(keys), 0.0)
        return out

    @staticmethod
    def _anti(
        c12: npt.NDArray[np.float64], independent: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """How surely the reference says two words do not go together: the Poisson deviance
        of each pair's count ``c12`` against what independence predicts (``independent``:
        the left word's count times the right word's probability), where the pair is seen at
        most a tenth as often as predicted (else 0); capped at 6."""
        expected = np.maximum(independent, 1e-12)
        # An unseen pair's deviance, expected - 0 + 0 * log(...), is exactly ``expected``:
        # the logarithm only where the pair was seen, and seen that rarely (few pairs).
        rare = c12 * 10.0 < expected
        out = np.where(rare, np.minimum(expected, 6.0), 0.0)
        seen = np.flatnonzero(rare & (c12 > 0.0))
        e, c = expected.take(seen), c12.take(seen)
        out[seen] = np.minimum(e - c + c * np.log(np.maximum(c, 1e-12) / e), 6.0)
        return out

    def _pmi(
        self,
        c12: npt.NDArray[np.float64],
        left: npt.NDArray[np.int64],
        right: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.float64]:
        """The PMI of word pairs (``left``, ``right``: word ids; ``c12``: their reference
        counts): log P(right | left) / P(right), where P(right | left) interpolates reference
        bigram counts with wordfreq's unigram probability (a left word the reference never
        saw gives PMI 0: no evidence, not "rare")."""
        k = self.settings.bigram_smoothing
        logp = self._logp.take(right)
        pmi: npt.NDArray[np.float64] = (
            np.log((c12 + k * self._p.take(right)) / (self._left.take(left) + k)) - logp
        )
        return pmi

    def _junctions(
        self, batch: ScanBatch, matches: _Matches, ids: npt.NDArray[np.int64]
    ) -> _Junctions:
        """Context: a junction the spun wording breaks ("will is": common words the reference
        never shows together) where the original would not ("that is"). Where each match
        meets an adjacent word of its article, and the pairs each original would make there
        (``ids``: each token's word id)."""
        first, last, entry, article = matches.first, matches.last, matches.entry, matches.article
        e = self._entries
        lo, hi = batch.first.take(article), batch.first.take(article + 1)
        adjacent = batch.adjacent
        before = np.maximum(first - 1, 0)
        after = np.minimum(last + 1, max(len(ids) - 1, 0))
        has_left = (first > lo) & adjacent.take(before)
        has_right = (last + 1 < hi) & adjacent.take(last)
        uses: list[npt.NDArray[np.intp]] = []
        pair_left: list[npt.NDArray[np.int64]] = []
        pair_right: list[npt.NDArray[np.int64]] = []
        for j in range(len(e.has)):
            left_id, right_id = e.left[j].take(entry), e.right[j].take(entry)
            use_left = np.flatnonzero(has_left & (left_id >= 0))
            use_right = np.flatnonzero(has_right & (right_id >= 0))
            uses += [use_left, use_right]
            pair_left += [ids.take(before.take(use_left)), right_id.take(use_right)]
            pair_right += [left_id.take(use_left), ids.take(after.take(use_right))]
        return _Junctions(
            before,
            after,
            has_right,
            uses,
            np.concatenate(pair_left).astype(np.int64),
            np.concatenate(pair_right).astype(np.int64),
        )

    def _score_matches(
        self,
        batch: ScanBatch,
        matches: _Matches,
        junctions: _Junctions,
        anti: npt.NDArray[np.float64],
        o_fit: npt.NDArray[np.float64],
        o_anti: npt.NDArray[np.float64],
        counts: npt.NDArray[np.int64],
        tracked: npt.NDArray[np.int64],
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Probability-like score of each lexicon match of the batch, the original to suggest
        (its place in the entry's originals) and whether the match opens a sentence. Each
        quantity is computed for all matches at once and each float added in the order the
        match-by-match definition adds it (``tests/test_spin.py``). ``anti``: :meth:`_anti`
        of each token and the next; ``o_fit``, ``o_anti``: :meth:`_pmi` and :meth:`_anti` of
        the ``junctions``' pairs; ``counts``: the articles' counts of the tracked words;
        ``tracked``: each token's column of them (-1: none)."""
        first, last, entry, article = matches.first, matches.last, matches.entry, matches.article
        n_matches = len(first)
        if not n_matches:
            return np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.bool_)
        e = self._entries
        lo, hi = batch.first.take(article), batch.first.take(article + 1)
        before, after, uses = junctions.before, junctions.after, junctions.uses
        spun_anti = (anti.take(before), anti.take(np.minimum(last, len(anti) - 1)))
        fits: list[npt.NDArray[np.float64]] = []
        spuns: list[npt.NDArray[np.float64]] = []
        row = 0
        for j in range(len(e.has)):
            # Python's sum of the (left, right) pairs present: 0 + left + right.
            fit, spun = np.zeros(n_matches), np.zeros(n_matches)
            for side in (0, 1):
                use = uses[2 * j + side]
                rows = slice(row, row + len(use))
                row += len(use)
                fit[use] += o_fit[rows]
                spun[use] += spun_anti[side].take(use) - o_anti[rows]
            fits.append(fit)
            spuns.append(spun)
        best_fit, ctx = fits[0], spuns[0]
        best = np.zeros(n_matches, dtype=np.int64)
        for j in range(1, len(fits)):  # a later original must fit clearly better
            better = e.has[j].take(entry) & (fits[j] > best_fit + 1.0)
            best_fit = np.where(better, fits[j], best_fit)
            ctx = np.where(better, spuns[j], ctx)
            best[better] = j
        logit = e.logit.take(entry) + np.minimum(np.maximum(ctx, -2.0), 6.0)
        # Spinners lower-case what they put at a sentence start.
        opens = _opens_sentences(batch, first, lo, article)
        lower = (batch.classes.take(batch.at.take(first)) & LOWER) != 0
        logit[lower & opens] += 3.0
        named = np.flatnonzero(e.before_name.take(entry) & junctions.has_right)
        words, word = batch.words, batch.word
        for i in named.tolist():
            if words[word[after[i]]][0].isupper():
                logit[i] += 5.0
        # Repetition far beyond the reference rate of this wording (log > 0 only above 1).
        n = hi - lo
        cell = article * len(LEXICON) + entry
        repeats = np.bincount(cell, minlength=len(batch) * len(LEXICON)).take(cell)
        ratio = repeats / (n * e.rate.take(entry) + 1.0)
        grows = np.flatnonzero(ratio > 1.0)
        logs = np.fromiter(map(math.log, ratio.take(grows).tolist()), np.float64, len(grows))
        logit[grows] += 0.9 * logs
        # The original wording is missing from the article (it was all rewritten): its
        # count outside the article's matches.
        exp_o = n * e.original_rate.take(entry)
        short = np.flatnonzero(exp_o >= 2.0)
        if len(short):
            k = counts.shape[1]
            spans = last - first + 1
            tokens = np.arange(int(spans.sum())) + np.repeat(
                first - np.cumsum(spans) + spans, spans
            )
            column = tracked.take(tokens)
            at = np.flatnonzero(column >= 0)
            cells = batch.article.take(tokens.take(at)) * k + column.take(at)
            outside = counts.ravel() - np.bincount(cells, minlength=counts.size)
            seen = np.zeros(len(short), dtype=np.int64)
            for j in range(len(e.has)):
                col = e.tracked[j].take(entry.take(short))
                cell = np.where(col >= 0, article.take(short) * k + col, 0)
                seen += np.where(col >= 0, outside.take(cell), 0)
            exp_s = exp_o.take(short)
            z = (exp_s - seen) / np.sqrt(exp_s + 1.0)
            logit[short] += 0.6 * np.minimum(np.maximum(z, 0.0), 4.0)
        # An article already shown to be spun makes each weak match more likely spin too.
        strong = np.bincount(article.compress(logit >= 0.0), minlength=len(batch))
        boost = 0.4 * np.minimum(strong, 5)
        x = (-(logit + boost.take(article))).tolist()
        scores = 1.0 / (1.0 + np.fromiter(map(math.exp, x), np.float64, n_matches))
        return scores, best, opens

    def _findings(
        self,
        batch: ScanBatch,
        matches: _Matches,
        scores: npt.NDArray[np.float64],
        best: npt.NDArray[np.int64],
        opens: npt.NDArray[np.bool_],
    ) -> tuple[list[list[Finding]], npt.NDArray[np.int64]]:
        """Each article's findings of its matches that score at least the settings' minimum,
        in match order, each suggesting its best original in the case the context wants; and
        how many each article has."""
        picked = np.flatnonzero(scores >= self.settings.finding_min_score)
        first = matches.first.take(picked)
        article = matches.article.take(picked)
        suggest, words, texts = self._suggest, batch.words, batch.texts
        found: list[Finding] = []
        for text, start, end, k, opening, score, word in zip(
            map(texts.__getitem__, article.tolist()),
            batch.start.take(first).tolist(),
            batch.end.take(matches.last.take(picked)).tolist(),
            (matches.entry.take(picked) * self._width + best.take(picked)).tolist(),
            opens.take(picked).tolist(),
            scores.take(picked).tolist(),
            batch.word.take(first).tolist(),
            strict=True,
        ):
            suggestion, reason, capital, capital_reason = suggest[k]
            if opening or words[word][0].isupper():
                suggestion, reason = capital, capital_reason
            found.append(Finding.unchecked(text, "spin", start, end, score, reason, suggestion))
        counts = np.bincount(article, minlength=len(batch))
        bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
        return [found[i:j] for i, j in pairwise(bounds)], counts

    def _tracked_counts(
        self, batch: ScanBatch, tracked: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int64]:
        """(articles, tracked words): how often each article has each tracked word
        (``tracked``: each token's column, -1 for none)."""
        k = len(self._tracked)
        at = np.flatnonzero(tracked >= 0)
        flat = np.bincount(batch.article.take(at) * k + tracked.take(at), minlength=len(batch) * k)
        out: npt.NDArray[np.int64] = flat.reshape(len(batch), k)
        return out

    def _function_word_features(
        self, counts: npt.NDArray[np.int64], sizes: list[int]
    ) -> list[list[float]]:
        """Per article: the chi-square divergence of its function-word rates from the
        reference's, and how far ``and`` and the words spinners rewrite fall short. (Per-row
        numpy reductions add as the 1-D ones did: ``tests/test_spin.py``.)"""
        obs = counts[:, self._fw_cols].astype(np.float64)
        exp = np.array(sizes, dtype=np.int64)[:, None] * self._fw_ref
        chi2 = np.sum((obs - exp) ** 2 / np.maximum(exp, 1e-9), axis=1).tolist()
        zs = (exp - obs) / np.sqrt(exp + 1.0)
        missing_and = zs[:, self._and_index].tolist()
        # np.maximum keeps max(0.0, z)'s values: z is never -0.0 ((exp - obs) is +0.0 when 0).
        missing_fw = np.mean(np.maximum(zs[:, self._missing_index], 0.0), axis=1).tolist()
        dof = len(FUNCTION_WORDS) - 1
        return [
            [max(0.0, c - dof) / n if n else 0.0, max(0.0, z), f]
            for c, z, f, n in zip(chi2, missing_and, missing_fw, sizes, strict=True)
        ]


# The thesaurus family: the swap posterior (uses context pairs) and the wide choice gap.
_THESAURUS_FAMILY = ("syn_posterior_mean", "syn_choice_gap_wide")


def _percentiles(values: Sequence[float]) -> tuple[float, float, float]:
    q50, q90, q99 = np.percentile(np.array(values, dtype=np.float64), [50, 90, 99]).tolist()
    return float(q50), float(q90), float(q99)


# A family feature's clean-news percentiles by article length: ``(fewest tokens, 50th, 90th,
# 99th percentile)`` per length bin, shortest first. A rate over 120 words spreads wider than
# over 500: with one set of percentiles (measured on full articles) short clean news sat in
# the far tail twice as often (BBC dev articles cut to 120-250 words: 4.3% flagged as spun,
# 1.4% uncut). Detectors saved before held one ``(50th, 90th, 99th)`` for every length.
Calibration = tuple[tuple[int, float, float, float], ...] | tuple[float, float, float]
_LENGTH_BINS = (0, 100, 200, 300)  # each bin's fewest tokens (news briefs run 100-250 words)
# Reference articles are also measured cut after this many words (at the end of that
# sentence), so that every length bin has thousands of clean values.
_EXCERPT_WORDS = tuple(range(40, 320, 20))
_MIN_CALIBRATION_VALUES = 100  # per length bin, else one set of percentiles for all lengths


def _by_length(
    calibration: Calibration,
) -> tuple[list[int], list[tuple[float, float, float]]]:
    """Bin lower bounds and quantiles of a stored calibration, for :func:`_quantile_rows`."""
    if not isinstance(calibration[0], tuple):  # one set for every length (older detectors)
        q50, q90, q99 = calibration
        return [0], [(float(q50), float(q90), float(q99))]
    bins = [b for b in calibration if isinstance(b, tuple)]
    return [b[0] for b in bins], [(b[1], b[2], b[3]) for b in bins]


def _quantile_rows(
    calibration: tuple[list[int], list[tuple[float, float, float]]],
    n_tokens: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """The percentiles for articles of ``n_tokens`` tokens: a row (50th, 90th, 99th) per
    article, those of the length bin it falls in."""
    lows, quantiles = calibration
    at = np.maximum(np.searchsorted(np.array(lows), n_tokens, side="right") - 1, 0)
    rows: npt.NDArray[np.float64] = np.array(quantiles, dtype=np.float64).take(at, axis=0)
    return rows


def _tails(x: npt.NDArray[np.float64], q: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """How far into clean news's upper tail each value of ``x`` is, against its row of
    percentiles ``q``: 0 at the median, 1 at the 90th percentile, 2 at the 99th, linear
    beyond (``tests/test_spin.py`` checks it against the value-by-value definition)."""
    q50, q90, q99 = q[:, 0], q[:, 1], q[:, 2]
    low = np.minimum(np.maximum((x - q50) / np.maximum(q90 - q50, 1e-9), 0.0), 1.0)
    high = 1.0 + (x - q90) / np.maximum(q99 - q90, 1e-9)
    out: npt.NDArray[np.float64] = np.where(x <= q90, low, high)
    return out


def _excerpts(text: str) -> list[str]:
    """``text`` cut after its first :data:`_EXCERPT_WORDS` words, each at the end of that
    sentence (shorter cuts only; repeated cuts once)."""
    ends = scan_batch([text]).end.tolist()
    cuts: dict[int, None] = {}
    for size in _EXCERPT_WORDS:
        if size >= len(ends):
            break
        at = ends[size - 1]
        while at < len(text) and text[at] not in _SENTENCE_END:
            at += 1
        cuts[min(at + 1, len(text))] = None
    return [text[:cut] for cut in cuts if cut < len(text)]


def _calibrate(
    texts: Sequence[str],
    settings: SpinSettings,
    synonym_map: Mapping[str, Sequence[tuple[str, int]]] | None,
    synonym_settings: SynonymSettings | None,
    thesaurus: bool,
) -> dict[str, Calibration]:
    """Clean-news percentiles of the families' features by article length, cross-fitted: a
    detector built on one half of the reference scores the other half's articles and their
    :func:`_excerpts`. (On its own articles a context pair never fires, pairs being kept only
    where the reference never shows them, and a lexicon match's wording looks more usual: the
    lexicon rate's 90th percentile is 0.22 in-sample, 0.25 cross-fitted.)"""
    names = ("lexicon_rate", *(_THESAURUS_FAMILY if thesaurus else ()))
    values: dict[str, list[list[float]]] = {name: [[] for _ in _LENGTH_BINS] for name in names}
    halves = (list(texts[0::2]), list(texts[1::2]))
    for fit, score in (halves, halves[::-1]):
        det = SpinDetector.build(fit, settings, synonym_map, synonym_settings, calibrate=False)
        columns = [det.feature_names().index(name) for name in names]
        pool = [piece for text in score for piece in (text, *_excerpts(text))]
        for i in range(0, len(pool), _BATCH):
            docs = DocumentBatch(Document(t) for t in pool[i : i + _BATCH])
            sizes = np.diff(docs.scanned.first).tolist()
            for n, detection in zip(sizes, det.detect_batch(docs), strict=True):
                if n < _MIN_WORDS:
                    continue
                b = bisect_right(_LENGTH_BINS, n) - 1
                for name, j in zip(names, columns, strict=True):
                    values[name][b].append(detection.features[j])
    calibration: dict[str, Calibration] = {}
    for name, by_bin in values.items():
        if min(map(len, by_bin)) < _MIN_CALIBRATION_VALUES:  # a tiny reference: one set
            calibration[name] = ((0, *_percentiles([x for v in by_bin for x in v])),)
            continue
        calibration[name] = tuple(
            (low, *_percentiles(v)) for low, v in zip(_LENGTH_BINS, by_bin, strict=True)
        )
    return calibration


_Index = tuple[dict[str, LexiconEntry], dict[tuple[str, str], list[LexiconEntry]]]


def _first_index() -> _Index:
    """Single-word entries by word; longer ones by their first two words, longest first."""
    single: dict[str, LexiconEntry] = {}
    multi: dict[tuple[str, str], list[LexiconEntry]] = {}
    for e in sorted(LEXICON, key=lambda e: -len(e.spun)):
        if len(e.spun) == 1:
            single[e.spun[0]] = e
        else:
            multi.setdefault((e.spun[0], e.spun[1]), []).append(e)
    return single, multi


def _lower_start_rates(batch: ScanBatch) -> list[float]:
    """Each text's share of sentences that start with a lower-case letter (spinners
    lower-case the words they put at a sentence start: "the idea has drawn"), 0.0 with fewer
    than three: the letters the sentence-start pattern of ``tests/test_spin.py`` matches
    (a line start, or . ! ? and closers then a space, before openers and the letter; not
    after an ellipsis, "this so-called judge ... is", nor a one-letter abbreviation, "the
    U.S. military", "2 p.m.", which US news writes often), read from the class bits of the
    joined text (the line break before each text stands for the text start). A letter opens
    a sentence when, past the openers (``[ \\t"'“‘(]``) before it, there is a line break; or a
    space (not an opener: ``\\r``, a no-break space) after a sentence end and closers; or a
    sentence end and closers, then among the openers quotes and a space or tab. Each match of
    the pattern ends at the first letter after its start, so these letters are its matches."""
    cls = batch.classes
    # Only a letter after an opener or a space can end a match: it starts a word (an
    # apostrophe inside a word is an opener, but the letter before it ends no sentence).
    # Most words follow one opener after a character that is none of opener, space, line
    # break, sentence end or closer (a letter, a comma): they open no sentence.
    at = batch.at
    before = cls.take(at - 1)
    maybe = ((cls.take(at) & LETTER) != 0) & ((before & (OPEN | RE_SPACE)) != 0)
    maybe &= ((before & OPEN) == 0) | (
        (cls.take(at - 2) & (OPEN | RE_SPACE | NEWLINE | TERM | CLOSE)) != 0
    )
    token = np.flatnonzero(maybe)
    at = at.take(token)
    q = _skip(cls, at - 1, OPEN, -1)  # the last non-opener before the letter
    at_q = cls.take(q)
    opens = (at_q & NEWLINE) != 0
    space = np.flatnonzero(~opens & ((at_q & RE_SPACE) != 0))
    opens[space] = _sentence_end(cls, _skip(cls, q.take(space) - 1, CLOSE, -1))
    # Past the space, the end must be that non-opener or come before it and closers.
    rest = np.flatnonzero(~opens & ((at_q & (TERM | CLOSE)) != 0))
    rest = rest[_sentence_end(cls, _skip(cls, q.take(rest), CLOSE, -1))]
    opens[rest] = (cls.take(_skip(cls, q.take(rest) + 1, CLOSE | OPEN, 1)) & RE_SPACE) != 0
    letters = at[opens]
    article = batch.article.take(token[opens])
    total = np.bincount(article, minlength=len(batch)).tolist()
    lower = np.bincount(article[(cls.take(letters) & LOWER) != 0], minlength=len(batch))
    lower_counts = lower.tolist()
    return [k / t if t >= 3 else 0.0 for k, t in zip(lower_counts, total, strict=True)]


def _skip(
    cls: npt.NDArray[np.uint16], at: npt.NDArray[np.int64], bits: int, step: int
) -> npt.NDArray[np.int64]:
    """From each position, the first one (stepping by ``step``) whose class lacks one of
    ``bits`` (the joined text's line breaks at both ends stop every walk)."""
    at = at.copy()
    moving = np.flatnonzero((cls.take(at) & bits) == bits)
    while len(moving):
        at[moving] += step
        moving = moving[(cls.take(at.take(moving)) & bits) == bits]
    return at


def _sentence_end(cls: npt.NDArray[np.uint16], at: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Whether each position holds . ! ? … that ends a sentence: not after a dot (an
    ellipsis) nor after a one-letter word (an abbreviation: "U.S.", "p.m.")."""
    before = cls.take(at - 1)
    abbreviation = ((before & LETTER) != 0) & ((cls.take(at - 2) & WORD) == 0)
    ends = (cls.take(at) & TERM) != 0
    out: npt.NDArray[np.bool_] = ends & ((before & DOT) == 0) & ~abbreviation
    return out


def _numbers(numbers: dict[str, int], batch: ScanBatch) -> npt.NDArray[np.int64]:
    """Each distinct lower-cased word of the batch's number in ``numbers`` (0 where it has
    none): those words looked up among the batch's (far fewer than these)."""
    out = np.zeros(len(batch.low_words), dtype=np.int64)
    get = batch.low_index.get
    found = [(j, i) for w, i in numbers.items() if (j := get(w)) is not None]
    if found:
        at, values = zip(*found, strict=True)
        out[list(at)] = values
    return out


def _lexicon_matches(
    lex: _LexiconKeys,
    batch: ScanBatch,
    token_low: npt.NDArray[np.int64],
    long_enough: npt.NDArray[np.bool_],
    number: npt.NDArray[np.int64] | None = None,
) -> _Matches:
    """The lexicon matches in each article of ``long_enough`` (non-overlapping, left to
    right, longest first; ``lex``: :func:`_lexicon_keys`), for the whole batch at once: at
    each token that may open a wording, its next words (while adjacent) as the numbers of
    :class:`_LexiconKeys`, the first two, three, ... looked up among the wordings' in one
    sorted search, the longest found winning (else the token's single-word entry); then,
    left to right, a match that starts inside the one kept before it is dropped.
    ``token_low``: each token's lower-cased word; ``number``: each distinct lower-cased
    word's number (by default looked up here). Scoring and the build's reference counts
    both use it."""
    if number is None:
        number = _numbers(lex.numbers, batch)
    adjacent = batch.adjacent
    at = np.flatnonzero(lex.starts.take(number).take(token_low))
    opener = number.take(token_low.take(at))
    entry = lex.single.take(opener)
    length = (entry >= 0).astype(np.int64)
    longer = np.flatnonzero(lex.opens.take(opener) & adjacent.take(at))
    start = at.take(longer)
    key = opener.take(longer) | (number.take(token_low.take(start + 1)) << lex.bits)
    known = lex.pairs.take(key)
    longer, start, key = longer[known], start[known], key[known]
    if len(longer):
        prefixes = [key]
        linked = np.ones(len(start), dtype=np.bool_)
        for k in range(2, lex.longest):  # word k joins while the words stay adjacent
            # and are lexicon words (the last token of the batch is adjacent to nothing:
            # clipping reads it); past them the key is -1, which no wording has
            word_k = number.take(token_low.take(start + k, mode="clip"))
            linked &= adjacent.take(start + k - 1, mode="clip") & (word_k > 0)
            key = np.where(linked, key | (word_k << (lex.bits * k)), -1)
            prefixes.append(key)
        stacked = np.concatenate(prefixes)
        pos = np.minimum(np.searchsorted(lex.keys, stacked), len(lex.keys) - 1)
        hit = (lex.keys.take(pos) == stacked).reshape(len(prefixes), len(start))
        found = np.flatnonzero(hit.any(axis=0))
        rows = (len(prefixes) - 1 - np.argmax(hit[::-1], axis=0)).take(found)  # longest
        entry[longer[found]] = lex.entries.take(pos.reshape(hit.shape)[rows, found])
        length[longer[found]] = rows + 2
    hits = np.flatnonzero(length)
    first = at.take(hits)
    last = first + length.take(hits) - 1
    article = batch.article.take(first)
    keep = np.flatnonzero(_leftmost(first, last) & long_enough.take(article))
    return _Matches(
        first.take(keep), last.take(keep), entry.take(hits).take(keep), article.take(keep)
    )


@cache
def _lexicon_keys() -> _LexiconKeys:
    """:class:`_LexiconKeys` of the lexicon (made once: the detectors share it, none changes
    it): of several longer entries with one wording the first (as :func:`_first_index` lists
    them), of several single-word ones the last."""
    single, multi = _first_index()
    place = {id(e): k for k, e in enumerate(LEXICON)}
    numbers: dict[str, int] = {}
    for e in LEXICON:
        for w in e.spun:
            numbers.setdefault(w, len(numbers) + 1)
    bits = len(numbers).bit_length()
    longest = max(len(e.spun) for e in LEXICON)
    if bits * longest > 62:
        raise ValueError(f"lexicon: {longest} words of {bits} bits do not fit an int64 key")

    def key(words: Sequence[str]) -> int:
        return sum(numbers[w] << (bits * j) for j, w in enumerate(words))

    single_entry = np.full(len(numbers) + 1, -1, dtype=np.int64)
    for w, e in single.items():
        single_entry[numbers[w]] = place[id(e)]
    opens = np.zeros(len(numbers) + 1, dtype=np.bool_)
    table: dict[int, int] = {}
    for (w, _), entries in multi.items():
        opens[numbers[w]] = True
        for e in entries:
            table.setdefault(key(e.spun), place[id(e)])
    keys = np.array(sorted(table), dtype=np.int64)
    pairs = np.zeros(1 << (2 * bits), dtype=np.bool_)
    pairs[[key(pair) for pair in multi]] = True
    return _LexiconKeys(
        numbers,
        bits,
        longest,
        single_entry,
        opens,
        opens | (single_entry >= 0),
        pairs,
        keys,
        np.array([table[k] for k in keys.tolist()], dtype=np.int64),
    )


def _leftmost(first: npt.NDArray[np.int64], last: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Which candidate matches (ascending ``first``; ``last`` inclusive) a left-to-right scan
    keeps: each that starts after the last kept one ends. One that starts after every earlier
    candidate ends is kept whatever the others; the few others are walked in Python."""
    keep = np.ones(len(first), dtype=np.bool_)
    if len(first) < 2:
        return keep
    keep[1:] = first[1:] > np.maximum.accumulate(last[:-1])
    overlapping = np.flatnonzero(~keep).tolist()
    if overlapping:
        # The latest clear candidate at or before each (candidate 0 is always clear).
        clear = np.maximum.accumulate(np.where(keep, np.arange(len(keep)), 0)).tolist()
        taken_at, taken_last = -1, -1  # the latest kept overlapping one
        for i in overlapping:
            c = clear[i]
            end = int(last[c]) if c > taken_at else taken_last
            if first[i] > end:
                keep[i] = True
                taken_at, taken_last = i, int(last[i])
    return keep


def _opens_sentences(
    batch: ScanBatch,
    first: npt.NDArray[np.int64],
    lo: npt.NDArray[np.int64],
    article: npt.NDArray[np.int64],
) -> npt.NDArray[np.bool_]:
    """Whether each token ``first`` (of ``article``, whose first token is ``lo``) opens a
    sentence, from the class bits of the joined text: the gap before it holds a line break,
    or . ! ? with only spaces, quotes or brackets after. Past the openers at the gap's end, a
    line break or . ! ? ends a sentence; a line break further back (before a dash, a comma
    ...) is rare and read from the text."""
    opens: npt.NDArray[np.bool_] = first == lo
    inner = np.flatnonzero(~opens)
    token = first.take(inner)
    prev = token - 1
    cls = batch.classes
    gap_end = batch.at.take(token)
    gap_start = batch.at.take(prev) + (batch.end.take(prev) - batch.start.take(prev))
    q = _skip(cls, gap_end - 1, OPEN, -1)  # the gap's last non-opener, or the word before
    ends = (cls.take(q) & (NEWLINE | TERM)) != 0
    opens[inner] = ends & (q >= gap_start)
    texts, start, end = batch.texts, batch.start, batch.end
    for i in np.flatnonzero(~ends & (q > gap_start)).tolist():
        t = int(token[i])
        if "\n" in texts[article[inner[i]]][end[t - 1] : start[t]]:
            opens[inner[i]] = True
    return opens


def _suggestion(original: str, capital: bool) -> tuple[str, str]:
    """A lexicon original as suggested, and the finding's reason: with the capital the
    original most likely had, where ``capital`` (the matched word is capitalised or opens a
    sentence: a sentence start is capitalised even where the spinner lower-cased it); proper
    names keep theirs."""
    suggestion = original
    if capital and not original[0].isupper():
        suggestion = original[0].upper() + original[1:]
    return suggestion, f"spinner substitution for '{suggestion}'"
