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
256): one :func:`~pipeline.text.scan_batch` of all their texts, one
look-up per distinct word of the batch, the bigram counts of all word pairs in one sorted
search, lexicon match starts from int64 keys of word pairs and triples, sentence starts and
function-word counts with numpy over the whole batch; per article only its lexicon matches
and the sums whose order fixes their rounding (``tests/test_spin.py`` checks every piece
against the article-by-article code it replaced, and the features are bit-identical).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import count, pairwise, repeat

import numpy as np
import numpy.typing as npt

from pipeline.article import Finding
from pipeline.config import SpinSettings, SynonymSettings
from pipeline.detectors.base import Detection, Detector
from pipeline.detectors.spin_lexicon import LEXICON, LexiconEntry
from pipeline.detectors.spin_synonyms import SynonymEvidence, look_up
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
    scan,
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


# A sentence start: a line start, or . ! ? (closing quotes/brackets, then a space) before
# the letter. Not after an ellipsis ("this so-called judge ... is") nor after a one-letter
# abbreviation ("the U.S. military", "2 p.m. local time"), which US news writes often.
# Every match opens with a line break or the punctuation (the lookbehinds look past it), so
# re skips to those characters in C; the text's first line is matched on its own. The same
# letters as a ``^``-anchored pattern (matches starting inside another's share its letter),
# twice as fast.
_SENTENCE_START_RE = re.compile(
    r"(?:\n|[.!?…](?<!\.[.!?…])(?<!\b[^\W\d_]\.[.!?…])(?<!\b[^\W\d_][.!?…])[\"'”’)\]]*\s)"
    r"[ \t\"'“‘(]*([^\W\d_])"
)
_TEXT_START_RE = re.compile(r"[ \t\"'“‘(]*([^\W\d_])")


def _opens_sentence(gap: str) -> bool:
    """Whether the text between two words ends a sentence: a line break, or . ! ? with
    only spaces, quotes or brackets after it."""
    if "\n" in gap:
        return True
    rest = gap.rstrip(" \t\"'“‘(")
    return bool(rest) and rest[-1] in _SENTENCE_END


@dataclass
class _Plan:
    """Per match and original, the (spun junction, original pair row) pairs to compare; the
    original pairs' word ids."""

    plans: list[list[tuple[str, list[tuple[int, int]]]]]
    o_left: list[int]
    o_right: list[int]


@dataclass(frozen=True)
class _Match:
    entry: LexiconEntry
    first: int  # token index
    last: int  # token index, inclusive


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

        scans = [scan(t) for t in reference_texts]
        counts: Counter[str] = Counter()
        for _, lows, _, _ in scans:
            counts.update(lows)
        vocab_words = [w for w, c in counts.most_common(_VOCAB_MAX) if c >= 2]
        vocab = {w: i for i, w in enumerate(vocab_words)}
        word_counts = np.array([counts[w] for w in vocab_words], dtype=np.uint32)
        pairs: Counter[int] = Counter()
        for _, lows, adjacent, _ in scans:
            for (a, b), adj in zip(pairwise(lows), adjacent, strict=True):
                ia, ib = vocab.get(a), vocab.get(b)
                if adj and ia is not None and ib is not None:
                    pairs[(ia << 16) | ib] += 1
        keys = np.array(sorted(pairs), dtype=np.uint32)
        bigram_counts = np.array([min(pairs[int(k)], 65_535) for k in keys], dtype=np.uint16)
        zipf10 = {
            w: round(10 * wordfreq.zipf_frequency(w, "en"))
            for w in wordfreq.top_n_list("en", _ZIPF_WORDS)
            if w in vocab
        }
        total = sum(counts.values())
        entry_counts: Counter[tuple[str, ...]] = Counter()
        first = _first_index()
        for _, lows, adjacent, _ in scans:
            for m in _match_lexicon(lows, range(len(lows)), adjacent, first, 0, len(lows)):
                entry_counts[m.entry.spun] += 1
        entry_rates = {e.spun: entry_counts[e.spun] / max(total, 1) for e in LEXICON}
        det = cls(settings, vocab, word_counts, keys, bigram_counts, zipf10, total, entry_rates)
        if synonym_map is not None:
            det.synonyms = SynonymEvidence.build(reference_texts, synonym_map, synonym_settings)
        if calibrate:
            det.calibration = _calibrate(
                reference_texts, settings, synonym_map, synonym_settings, det.synonyms is not None
            )
        det._prepare()
        return det

    def _prepare(self) -> None:
        """Derived lookup tables, rebuilt after unpickling rather than stored."""
        self._first = _first_index()
        zipf = np.full(len(self.vocab) + 1, _OOV_ZIPF, dtype=np.float64)
        for w, i in self.vocab.items():
            zipf[i] = self.zipf10.get(w, _OOV_ZIPF * 10) / 10
        # Last slot stands for a word outside the vocabulary.
        self._logp = (zipf - 9.0) * math.log(10)
        self._p = np.exp(self._logp)
        self._left = np.append(self.word_counts.astype(np.float64), 0.0)
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
        # Per entry (by identity: an entry's own hash hashes all its fields): its prior
        # log-odds, the reference rate of its wording and (0 for phrase originals) of its
        # single-word originals, and per original the word ids of the pairs to compare at
        # the left and right junction (-1: the same word, nothing to compare).
        oov = len(self.vocab)
        self._info = {
            id(e): (
                math.log(e.prior / (1.0 - e.prior)),
                self.entry_rates.get(e.spun, 0.0),
                sum(self._ref_rate(o.lower()) for o in e.originals)
                if all(" " not in o for o in e.originals)
                else 0.0,
                [
                    (
                        o,
                        -1 if o_first == e.spun[0] else self.vocab.get(o_first, oov),
                        -1 if o_last == e.spun[-1] else self.vocab.get(o_last, oov),
                    )
                    for o, o_first, o_last in (
                        (o, o.lower().split()[0], o.lower().split()[-1]) for o in e.originals
                    )
                ],
            )
            for e in LEXICON
        }

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
        only for its lexicon matches, the sums whose order matters and the findings. An
        article's detection does not depend on the batch it is in."""
        if not docs:
            return []
        batch = scanned(docs)
        sizes = np.diff(batch.first).tolist()
        oov = len(self.vocab)
        low_words = batch.low_words
        ids = np.fromiter(map(self.vocab.get, low_words, repeat(oov)), np.int64, len(low_words))
        ids = ids.take(batch.low).take(batch.word)
        # Every pair of neighbouring tokens (those across two articles are never used).
        left, right = ids[:-1], ids[1:]
        keys = ((left << 16) | right).astype(np.uint32)
        # Only adjacent pairs are read (the collocation rate, the lexicon matches' junctions).
        c12 = self._pair_counts(keys, left, right, batch.adjacent[:-1])
        anti = self._anti(c12, self._left.take(left) * self._p.take(right))
        known = batch.adjacent[:-1] & (left != oov)
        weighted = np.where(known, anti, 0.0)
        counts = self._tracked_counts(batch)
        function_words = self._function_word_features(counts, sizes)
        lower_rates = _lower_start_rates(batch)
        # Lexicon matches, then the original pairs of all of them in one look-up.
        starts = self._lexicon_starts(batch)
        start_bounds = np.searchsorted(starts, batch.first).tolist()
        plan = _Plan([], [], [])
        matched: dict[int, tuple[list[_Match], int]] = {}  # article -> matches, first plan
        for a, n in enumerate(sizes):
            lo, hi = start_bounds[a], start_bounds[a + 1]
            if n < _MIN_WORDS or lo == hi:
                continue
            found = _match_lexicon(
                batch.lows,
                batch.word,
                batch.adjacent,
                self._first,
                int(batch.first[a]),
                int(batch.first[a + 1]),
                starts[lo:hi].tolist(),
            )
            if found:
                matched[a] = (found, len(plan.plans))
                self._plan_matches(found, ids, batch, a, plan)
        o_fit, o_anti = self._original_evidence(plan)
        synonyms = self.synonyms.evaluate_batch(batch) if self.synonyms is not None else None
        out: list[Detection] = []
        zeros = [0.0] * len(self.feature_names())
        for a, n in enumerate(sizes):
            if n < _MIN_WORDS:
                out.append(self._detection(zeros, []))
                continue
            lo, hi = int(batch.first[a]), int(batch.first[a + 1])
            matches, row = matched.get(a, ([], 0))
            plans = plan.plans[row : row + len(matches)]
            scores = self._score_matches(
                batch, a, matches, plans, anti, o_fit, o_anti, counts[a].tolist()
            )
            min_score = self.settings.finding_min_score
            text = batch.texts[a]
            findings = [
                Finding.at(
                    text,
                    "spin",
                    int(batch.start[m.first]),
                    int(batch.end[m.last]),
                    score,
                    f"spinner substitution for '{suggestion}'",
                    suggestion,
                )
                for m, (score, suggestion) in zip(matches, scores, strict=True)
                if score >= min_score
            ]
            per_k = 1000.0 / n
            score_values = [s for s, _ in scores]
            features = [
                sum(score_values) * per_k,
                len(findings) * per_k,
                max(score_values, default=0.0),
                *function_words[a],
                lower_rates[a],
                # numpy's pairwise sum over the article's own pairs, as alone (reduceat on
                # the batch adds in another order)
                float(np.add.reduce(weighted[lo : hi - 1])) * 100.0 / n,
            ]
            if synonyms is not None:
                values, thesaurus = synonyms[a]
                features.extend(values[name] for name in SynonymEvidence.FEATURES)
                # A word the lexicon already explains keeps the lexicon's finding.
                taken = [(f.start, f.end) for f in findings]
                findings.extend(
                    f for f in thesaurus if not any(s < f.end and f.start < e for s, e in taken)
                )
                findings.sort(key=lambda f: f.start)
            if self.calibration is not None:
                strongest = max(
                    (
                        sum(_tail(features[j], _quantiles(q, n)) for j, q in family) / len(family)
                        for family in self._families
                    ),
                    default=0.0,
                )
                features.append(math.sqrt(strongest))
            # Every value is a Python float already: the tuple is what _detection makes.
            out.append(Detection(self.name, tuple(features), tuple(findings)))
        return out

    def _original_evidence(self, plan: _Plan) -> tuple[list[float], list[float]]:
        """The PMI and :meth:`_anti` of the lexicon matches' original pairs (``plan``). PMI:
        log P(right | left) / P(right), where P(right | left) interpolates reference bigram
        counts with wordfreq's unigram probability (a left word the reference never saw gives
        PMI 0: no evidence, not "rare")."""
        if not plan.o_left:
            return [], []
        left = np.array(plan.o_left, dtype=np.int64)
        right = np.array(plan.o_right, dtype=np.int64)
        keys = ((left << 16) | right).astype(np.uint32)
        c12 = self._pair_counts(keys, left, right)
        logp = self._logp[right]
        p = np.exp(logp)
        left_counts = self._left[left]
        anti = self._anti(c12, left_counts * p)
        k = self.settings.bigram_smoothing
        o_pmi = np.log((c12 + k * p) / (left_counts + k)) - logp
        return o_pmi.tolist(), anti.tolist()

    def _lexicon_starts(self, batch: ScanBatch) -> npt.NDArray[np.intp]:
        """The tokens where a lexicon match may start, ascending (a superset: the matcher
        checks each): a single-word entry's word, the first two words of a two-word entry or
        the first three of a longer one, compared as numbers of the batch's distinct
        lower-cased words (int64 keys, looked up in the few keys of the lexicon)."""
        lid = batch.low_index
        n_low = len(lid)
        low = batch.low.take(batch.word)
        single, multi, _ = self._first
        is_single = np.zeros(n_low, dtype=np.bool_)
        is_single[[lid[w] for w in single if w in lid]] = True
        starts = is_single.take(low)
        triples = n_low < 1 << 21  # three numbers fit an int64
        opener = np.zeros(n_low, dtype=np.bool_)
        pair_keys: list[int] = []
        triple_keys: list[int] = []
        for (a, b), entries in multi.items():
            ia, ib = lid.get(a), lid.get(b)
            if ia is None or ib is None:
                continue
            for e in entries:
                if len(e.spun) == 2 or not triples:
                    pair_keys.append(ia * n_low + ib)
                elif (ic := lid.get(e.spun[2])) is not None:
                    triple_keys.append((ia * n_low + ib) * n_low + ic)
                else:
                    continue
                opener[ia] = True
        at = np.flatnonzero(opener[low[:-1]])
        if pair_keys:
            pair = low.take(at) * n_low + low.take(at + 1)
            starts[at[_member(pair_keys, pair)]] = True
        if triple_keys:
            at = at[at < len(low) - 2]
            triple = (low.take(at) * n_low + low.take(at + 1)) * n_low + low.take(at + 2)
            starts[at[_member(triple_keys, triple)]] = True
        return np.flatnonzero(starts)

    def _pair_counts(
        self,
        keys: npt.NDArray[np.uint32],
        left: npt.NDArray[np.int64],
        right: npt.NDArray[np.int64],
        needed: npt.NDArray[np.bool_] | None = None,
    ) -> npt.NDArray[np.float64]:
        """Reference count of each word pair (its ``keys``: left id << 16 | right id), 0 where
        either word is outside the vocabulary (or the pair is not ``needed``)."""
        oov = len(self.vocab)
        look = (left != oov) & (right != oov)
        if needed is not None:
            look &= needed
        at = np.flatnonzero(look)
        c12 = np.zeros(len(keys))
        c12[at] = look_up(self.bigram_keys, self.bigram_counts, keys.take(at))
        return c12

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
        # the logarithm only where the pair was seen.
        deviance = expected.copy()
        seen = np.flatnonzero(c12 > 0.0)
        e, c = expected.take(seen), c12.take(seen)
        deviance[seen] = e - c + c * np.log(np.maximum(c, 1e-12) / e)
        return np.where(c12 * 10.0 < expected, np.minimum(deviance, 6.0), 0.0)

    def _plan_matches(
        self,
        matches: list[_Match],
        ids: npt.NDArray[np.int64],
        batch: ScanBatch,
        a: int,
        plan: _Plan,
    ) -> None:
        """Context: a junction the spun wording breaks ("will is": common words the reference
        never shows together) where the original would not ("that is"). Which word pairs of
        which original to compare (added to ``plan``), so that all are looked up in one batch."""
        lo, hi = int(batch.first[a]), int(batch.first[a + 1])
        adjacent = batch.adjacent
        info = self._info
        o_left, o_right = plan.o_left, plan.o_right
        for m in matches:
            left_j = m.first - 1 if m.first > lo and adjacent[m.first - 1] else -1
            right_j = m.last if m.last + 1 < hi and adjacent[m.last] else -1
            entry_plan: list[tuple[str, list[tuple[int, int]]]] = []
            for orig, left_id, right_id in info[id(m.entry)][3]:
                pairs: list[tuple[int, int]] = []  # (spun junction, original pair row)
                if left_j >= 0 and left_id >= 0:
                    pairs.append((left_j, len(o_left)))
                    o_left.append(int(ids[left_j]))
                    o_right.append(left_id)
                if right_j >= 0 and right_id >= 0:
                    pairs.append((right_j, len(o_left)))
                    o_left.append(right_id)
                    o_right.append(int(ids[right_j + 1]))
                entry_plan.append((orig, pairs))
            plan.plans.append(entry_plan)

    def _score_matches(
        self,
        batch: ScanBatch,
        a: int,
        matches: list[_Match],
        plans: list[list[tuple[str, list[tuple[int, int]]]]],
        anti: npt.NDArray[np.float64],
        o_fit: list[float],
        o_anti: list[float],
        counts: list[int],
    ) -> list[tuple[float, str]]:
        """Probability-like score and best suggestion for each lexicon match of article
        ``a``, given the :meth:`_anti` of its spun junctions and the PMI and :meth:`_anti` of
        the original pairs of :meth:`_plan_matches`; ``counts``: the article's counts of the
        tracked words."""
        if not matches:
            return []
        lo, hi = int(batch.first[a]), int(batch.first[a + 1])
        n = hi - lo
        text, words, lows, word = batch.texts[a], batch.words, batch.lows, batch.word
        info = self._info
        per_entry = Counter(id(m.entry) for m in matches)
        matched_tokens: Counter[str] | None = None
        anti_at = anti.item
        adjacent = batch.adjacent
        first_pass: list[tuple[float, str]] = []
        for m, plan in zip(matches, plans, strict=True):
            e = m.entry
            logit, rate, original_rate, _ = info[id(e)]
            best_fit, best_orig, ctx = -math.inf, e.originals[0], 0.0
            for orig, pairs in plan:
                fit = sum(o_fit[row] for _, row in pairs)
                spun = sum(anti_at(j) - o_anti[row] for j, row in pairs)
                if fit > best_fit + 1.0:  # a later original must fit clearly better
                    best_fit, best_orig, ctx = fit, orig, spun
            logit += min(max(ctx, -2.0), 6.0)
            first = m.first
            first_word = words[word[first]]
            starts_sentence = first == lo or _opens_sentence(
                text[batch.end[first - 1] : batch.start[first]]
            )
            if first_word[0].islower() and starts_sentence:
                logit += 3.0
            if e.before_name:
                followed = m.last + 1 < hi and adjacent[m.last]
                if followed and words[word[m.last + 1]][0].isupper():
                    logit += 5.0
            # Repetition far beyond the reference rate of this wording.
            expected = n * rate
            logit += 0.9 * max(0.0, math.log(per_entry[id(e)] / (expected + 1.0)))
            # The original wording is missing from the article (it was all rewritten).
            exp_o = n * original_rate
            if exp_o >= 2.0:
                if matched_tokens is None:
                    matched_tokens = Counter(
                        lows[word[i]] for m in matches for i in range(m.first, m.last + 1)
                    )
                seen_o = sum(
                    self._count(o, batch, lo, hi, counts) - matched_tokens[o] for o in e.originals
                )
                z = (exp_o - seen_o) / math.sqrt(exp_o + 1.0)
                logit += 0.6 * min(max(z, 0.0), 4.0)
            first_pass.append((logit, _match_case(best_orig, first_word, starts_sentence)))
        # An article already shown to be spun makes each weak match more likely spin too.
        strong = sum(1 for logit, _ in first_pass if logit >= 0.0)
        boost = 0.4 * min(strong, 5)
        return [(1.0 / (1.0 + math.exp(-(lg + boost))), s) for lg, s in first_pass]

    def _count(self, word: str, batch: ScanBatch, lo: int, hi: int, counts: list[int]) -> int:
        """Occurrences of ``word`` among tokens ``lo:hi`` (``counts``: of the tracked words)."""
        i = self._tracked.get(word)
        if i is not None:
            return counts[i]
        lows = batch.lows
        return sum(1 for j in batch.word[lo:hi].tolist() if lows[j] == word)

    def _tracked_counts(self, batch: ScanBatch) -> npt.NDArray[np.int64]:
        """(articles, tracked words): how often each article has each tracked word."""
        k = len(self._tracked)
        get = self._tracked.get
        low_words = batch.low_words
        row = np.fromiter(map(get, low_words, repeat(-1)), np.int64, len(low_words))
        row = row.take(batch.low).take(batch.word)
        at = np.flatnonzero(row >= 0)
        flat = np.bincount(batch.article.take(at) * k + row.take(at), minlength=len(batch) * k)
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


def _tail(x: float, q: tuple[float, float, float]) -> float:
    """How far into clean news's upper tail ``x`` is: 0 at the median, 1 at the 90th
    percentile, 2 at the 99th, linear beyond."""
    q50, q90, q99 = q
    if x <= q90:
        return min(max((x - q50) / max(q90 - q50, 1e-9), 0.0), 1.0)
    return 1.0 + (x - q90) / max(q99 - q90, 1e-9)


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
    """Bin lower bounds and quantiles of a stored calibration, for :func:`_quantiles`."""
    if not isinstance(calibration[0], tuple):  # one set for every length (older detectors)
        q50, q90, q99 = calibration
        return [0], [(float(q50), float(q90), float(q99))]
    bins = [b for b in calibration if isinstance(b, tuple)]
    return [b[0] for b in bins], [(b[1], b[2], b[3]) for b in bins]


def _quantiles(
    calibration: tuple[list[int], list[tuple[float, float, float]]], n_tokens: int
) -> tuple[float, float, float]:
    """The percentiles for an article of ``n_tokens`` tokens."""
    lows, quantiles = calibration
    return quantiles[max(bisect_right(lows, n_tokens) - 1, 0)]


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


def _lower_start_rate(text: str) -> float:
    """Share of sentences that start with a lower-case letter (spinners lower-case the
    words they put at a sentence start: "the idea has drawn")."""
    starts = _SENTENCE_START_RE.findall(text)
    first = _TEXT_START_RE.match(text)
    if first is not None:
        starts.append(first.group(1))  # order does not matter for a share
    if len(starts) < 3:
        return 0.0
    return sum(1 for c in starts if c.islower()) / len(starts)


_Index = tuple[dict[str, LexiconEntry], dict[tuple[str, str], list[LexiconEntry]], frozenset[str]]


def _first_index() -> _Index:
    """Single-word entries by word; longer ones by their first two words, longest first;
    and the set of words that can open any entry."""
    single: dict[str, LexiconEntry] = {}
    multi: dict[tuple[str, str], list[LexiconEntry]] = {}
    for e in sorted(LEXICON, key=lambda e: -len(e.spun)):
        if len(e.spun) == 1:
            single[e.spun[0]] = e
        else:
            multi.setdefault((e.spun[0], e.spun[1]), []).append(e)
    return single, multi, frozenset(single) | frozenset(k[0] for k in multi)


def _match_lexicon(
    lows: Sequence[str],
    word: Sequence[int] | npt.NDArray[np.int64],
    adjacent: Sequence[bool] | npt.NDArray[np.bool_],
    index: _Index,
    lo: int,
    hi: int,
    starts: Sequence[int] | None = None,
) -> list[_Match]:
    """Non-overlapping lexicon matches among tokens ``lo:hi``, left to right, longest first;
    token ``i`` is the lower-cased word ``lows[word[i]]``. ``starts``: ascending token indices
    that include every possible match start (default: every opening word)."""
    single, multi, openers = index
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


def _lower_start_rates(batch: ScanBatch) -> list[float]:
    """:func:`_lower_start_rate` of each text of a batch, from the class bits of the joined
    text (the line break before each text stands for the text start). A letter opens a
    sentence when, past the openers (``[ \\t"'“‘(]``) before it, there is a line break; or a
    space (not an opener: ``\\r``, a no-break space) after a sentence end and closers; or a
    sentence end and closers, then among the openers quotes and a space or tab. Each match of
    the pattern ends at the first letter after its start, so these letters are its matches."""
    cls = batch.classes
    # Only a letter after an opener or a space can end a match: it starts a word (an
    # apostrophe inside a word is an opener, but the letter before it ends no sentence).
    at = batch.at
    at = at[((cls.take(at) & LETTER) != 0) & ((cls.take(at - 1) & (OPEN | RE_SPACE)) != 0)]
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
    article = np.searchsorted(batch.offsets, letters, side="right") - 1
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


def _member(keys: list[int], queries: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Whether each query is one of ``keys``."""
    table = np.sort(np.array(keys, dtype=np.int64))
    pos = np.minimum(np.searchsorted(table, queries), len(table) - 1)
    out: npt.NDArray[np.bool_] = table[pos] == queries
    return out


def _match_case(suggestion: str, matched: str, starts_sentence: bool) -> str:
    """Suggest with the capital the original most likely had: a sentence start is
    capitalised even where the spinner lower-cased it; proper names keep theirs."""
    if suggestion[0].isupper():
        return suggestion
    if matched[0].isupper() or starts_sentence:
        return suggestion[0].upper() + suggestion[1:]
    return suggestion
