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
the clean median, 1 at its 90th percentile, 2 at its 99th, linear beyond; quantiles of the
reference articles at build time), the strongest family's, square-rooted (so the fully
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
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, pairwise, repeat

import numpy as np
import numpy.typing as npt

from pipeline.article import Finding
from pipeline.config import SpinSettings, SynonymSettings
from pipeline.detectors.base import Detection, Detector
from pipeline.detectors.spin_lexicon import LEXICON, LexiconEntry
from pipeline.detectors.spin_synonyms import SynonymEvidence
from pipeline.text import Document, scan

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
    """Per match and original, the (spun junction, original pair row) pairs to compare;
    all spun junctions; the original pairs' word ids."""

    plans: list[list[tuple[str, list[tuple[int, int]]]]]
    spun_j: list[int]
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
        calibration: dict[str, tuple[float, float, float]] | None = None,
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
        # Feature -> its (50th, 90th, 99th) percentile on clean reference news; None in
        # detectors saved before ``evidence_max`` (their feature list stays as it was).
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
    ) -> SpinDetector:
        """Fit the reference statistics on clean news (train split only: the caller's job).
        ``synonym_map`` (WordNet's, from ``pipeline.training.wordnet_synonyms``) enables the
        thesaurus-spin evidence of :mod:`pipeline.detectors.spin_synonyms`."""
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
            for m in _match_lexicon(lows, adjacent, first):
                entry_counts[m.entry.spun] += 1
        entry_rates = {e.spun: entry_counts[e.spun] / max(total, 1) for e in LEXICON}
        det = cls(settings, vocab, word_counts, keys, bigram_counts, zipf10, total, entry_rates)
        calibration = _calibrate(det, reference_texts, "lexicon_rate")
        if synonym_map is not None:
            det.synonyms = SynonymEvidence.build(reference_texts, synonym_map, synonym_settings)
            calibration |= _calibrate_synonyms(reference_texts, synonym_map, synonym_settings)
        det.calibration = calibration
        det._prepare()
        return det

    def _prepare(self) -> None:
        """Derived lookup tables, rebuilt after unpickling rather than stored."""
        self._first = _first_index()
        # Where a lexicon match can start, found in one batch per article: at a word pair
        # that opens a longer entry (their bigram keys, when both words have ids), or at a
        # word that needs its own look-up (a single-word entry, or the first word of a pair
        # with a word outside the vocabulary: ids do not tell those apart).
        single, multi, _ = self._first
        vocab = self.vocab
        in_vocab = {(a, b) for a, b in multi if a in vocab and b in vocab}
        self._prefix_keys = np.array(
            sorted((vocab[a] << 16) | vocab[b] for a, b in in_vocab), dtype=np.uint32
        )
        direct = set(single) | {a for a, b in multi if (a, b) not in in_vocab}
        self._direct = np.zeros(len(vocab) + 1, dtype=bool)
        self._direct[[vocab[w] for w in direct if w in vocab]] = True
        self._direct_oov = frozenset(w for w in direct if w not in vocab)
        zipf = np.full(len(self.vocab) + 1, _OOV_ZIPF, dtype=np.float64)
        for w, i in self.vocab.items():
            zipf[i] = self.zipf10.get(w, _OOV_ZIPF * 10) / 10
        # Last slot stands for a word outside the vocabulary.
        self._logp = (zipf - 9.0) * math.log(10)
        self._left = np.append(self.word_counts.astype(np.float64), 0.0)
        self._fw_ref = np.array([self._ref_rate(w) for w in FUNCTION_WORDS], dtype=np.float64)
        fw_ids = [self.vocab.get(w) for w in FUNCTION_WORDS]
        self._fw_ids = None if None in fw_ids else np.array(fw_ids, dtype=np.intp)
        self._and_index = FUNCTION_WORDS.index("and")
        self._missing_index = np.array([FUNCTION_WORDS.index(w) for w in MISSING_WORDS])
        families: list[tuple[str, ...]] = [("lexicon_rate",)]
        if self.synonyms is not None:
            families.append(_THESAURUS_FAMILY)
        names = self.feature_names()
        calibration = self.calibration or {}
        self._families = [
            [(names.index(f), calibration[f]) for f in family]
            for family in families
            if all(f in calibration for f in family)
        ]
        self._prior_logit = {e.spun: math.log(e.prior / (1.0 - e.prior)) for e in LEXICON}
        self._originals = {
            e.spun: [(o, o.lower().split()[0], o.lower().split()[-1]) for o in e.originals]
            for e in LEXICON
        }
        # Reference rate of an entry's single-word originals (0 for phrase originals).
        self._original_rate = {
            e.spun: sum(self._ref_rate(o.lower()) for o in e.originals)
            if all(" " not in o for o in e.originals)
            else 0.0
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
        text = doc.text
        words, lows, adjacent_list, gaps = doc.scanned
        n = len(lows)
        if n < _MIN_WORDS:
            return self._detection([0.0] * len(self.feature_names()), [])
        oov = len(self.vocab)
        ids = np.fromiter(map(self.vocab.get, lows, repeat(oov)), dtype=np.int64, count=n)
        left, right = ids[:-1], ids[1:]
        keys = ((left << 16) | right).astype(np.uint32)
        # Occurrences per word id (the last slot: all words outside the vocabulary).
        id_counts = np.bincount(ids, minlength=oov + 1)
        matches = _match_lexicon(
            lows, adjacent_list, self._first, self._match_starts(lows, ids, keys)
        )
        plan = self._plan_matches(matches, ids, adjacent_list)
        anti, o_fit, o_anti = self._pair_evidence(left, right, keys, plan)
        junctions = list(set(plan.spun_j))
        spun_anti = dict(zip(junctions, anti[junctions].tolist(), strict=True))
        scores = self._score_matches(
            words,
            lows,
            gaps,
            adjacent_list,
            id_counts,
            matches,
            plan.plans,
            spun_anti,
            o_fit,
            o_anti,
        )
        min_score = self.settings.finding_min_score
        sure = [
            (m, score, suggestion)
            for m, (score, suggestion) in zip(matches, scores, strict=True)
            if score >= min_score
        ]
        findings: list[Finding] = []
        if sure:  # most articles have none: offsets only when needed
            # Offsets of word i: [bounds[2 i], bounds[2 i + 1]).
            pieces = [g for pair in zip(gaps, words, strict=False) for g in pair]
            bounds = list(accumulate(map(len, pieces)))
            findings = [
                Finding.at(
                    text,
                    "spin",
                    bounds[2 * m.first],
                    bounds[2 * m.last + 1],
                    score,
                    f"spinner substitution for '{suggestion}'",
                    suggestion,
                )
                for m, score, suggestion in sure
            ]
        per_k = 1000.0 / n
        score_values = [s for s, _ in scores]
        features = [
            sum(score_values) * per_k,
            len(findings) * per_k,
            max(score_values, default=0.0),
            *self._function_word_features(lows, id_counts),
            _lower_start_rate(text),
            self._anti_collocation_rate(ids, anti, adjacent_list, n),
        ]
        if self.synonyms is not None:
            values, thesaurus = self.synonyms.evaluate(doc)
            features.extend(values[name] for name in self.synonyms.FEATURES)
            # A word the lexicon already explains keeps the lexicon's finding.
            taken = [(f.start, f.end) for f in findings]
            findings.extend(
                f for f in thesaurus if not any(s < f.end and f.start < e for s, e in taken)
            )
            findings.sort(key=lambda f: f.start)
        if self.calibration is not None:
            strongest = max(
                (
                    sum(_tail(features[j], q) for j, q in family) / len(family)
                    for family in self._families
                ),
                default=0.0,
            )
            features.append(math.sqrt(strongest))
        return self._detection(features, findings)

    def _pair_evidence(
        self,
        left: npt.NDArray[np.int64],
        right: npt.NDArray[np.int64],
        keys: npt.NDArray[np.uint32],
        plan: _Plan,
    ) -> tuple[npt.NDArray[np.float64], list[float], list[float]]:
        """:meth:`_anti` of the article's word pairs (``keys``); and the PMI and
        :meth:`_anti` of the lexicon matches' original pairs (``plan``), looked up in the
        same batch. PMI: log P(right | left) / P(right), where P(right | left) interpolates
        reference bigram counts with wordfreq's unigram probability (a left word the
        reference never saw gives PMI 0: no evidence, not "rare")."""
        m = len(keys)
        if plan.o_left:
            left = np.concatenate((left, np.array(plan.o_left, dtype=np.int64)))
            right = np.concatenate((right, np.array(plan.o_right, dtype=np.int64)))
            keys = ((left << 16) | right).astype(np.uint32)
        c12 = self._pair_counts(keys, left, right)
        logp = self._logp[right]
        p = np.exp(logp)
        left_counts = self._left[left]
        anti = self._anti(c12, left_counts * p)
        if not plan.o_left:
            return anti, [], []
        k = self.settings.bigram_smoothing
        o = slice(m, None)
        o_pmi = np.log((c12[o] + k * p[o]) / (left_counts[o] + k)) - logp[o]
        return anti[:m], o_pmi.tolist(), anti[o].tolist()

    def _match_starts(
        self, lows: list[str], ids: npt.NDArray[np.int64], keys: npt.NDArray[np.uint32]
    ) -> list[int]:
        """The token indices where a lexicon match may start, ascending (a superset: the
        matcher checks each; every other word cannot start one)."""
        starts = self._direct[ids]
        prefixes = self._prefix_keys
        if len(prefixes):
            pos = np.minimum(np.searchsorted(prefixes, keys), len(prefixes) - 1)
            starts[:-1] |= prefixes[pos] == keys
        found: list[int] = np.flatnonzero(starts).tolist()
        if self._direct_oov:
            outside = np.flatnonzero(ids == len(self.vocab)).tolist()
            extra = [i for i in outside if lows[i] in self._direct_oov]
            if extra:
                found = sorted({*found, *extra})
        return found

    def _pair_counts(
        self,
        keys: npt.NDArray[np.uint32],
        left: npt.NDArray[np.int64],
        right: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.float64]:
        """Reference count of each word pair (its ``keys``: left id << 16 | right id), 0 where
        either word is outside the vocabulary. (Looking the pairs up in sorted order was
        faster alone but slower inside the detector, and so was a bucketed hash table.)"""
        oov = len(self.vocab)
        table = self.bigram_keys
        pos = np.minimum(np.searchsorted(table, keys), len(table) - 1)
        c12 = np.where(table[pos] == keys, self.bigram_counts[pos], 0).astype(np.float64)
        c12[(left == oov) | (right == oov)] = 0.0
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
        deviance = expected - c12 + c12 * np.log(np.maximum(c12, 1e-12) / expected)
        return np.where(c12 * 10.0 < expected, np.minimum(deviance, 6.0), 0.0)

    def _plan_matches(
        self, matches: list[_Match], ids: npt.NDArray[np.int64], adjacent: list[bool]
    ) -> _Plan:
        """Context: a junction the spun wording breaks ("will is": common words the reference
        never shows together) where the original would not ("that is"). Which word pairs of
        which original to compare, so that all are looked up in one batch."""
        n = len(ids)
        oov = len(self.vocab)
        get = self.vocab.get
        plan = _Plan([], [], [], [])
        o_left, o_right = plan.o_left, plan.o_right
        for m in matches:
            e = m.entry
            left_j = m.first - 1 if m.first > 0 and adjacent[m.first - 1] else -1
            right_j = m.last if m.last + 1 < n and adjacent[m.last] else -1
            entry_plan: list[tuple[str, list[tuple[int, int]]]] = []
            for orig, o_first, o_last in self._originals[e.spun]:
                pairs: list[tuple[int, int]] = []  # (spun junction, original pair row)
                if left_j >= 0 and o_first != e.spun[0]:
                    pairs.append((left_j, len(o_left)))
                    o_left.append(int(ids[left_j]))
                    o_right.append(get(o_first, oov))
                if right_j >= 0 and o_last != e.spun[-1]:
                    pairs.append((right_j, len(o_left)))
                    o_left.append(get(o_last, oov))
                    o_right.append(int(ids[right_j + 1]))
                plan.spun_j.extend(j for j, _ in pairs)
                entry_plan.append((orig, pairs))
            plan.plans.append(entry_plan)
        return plan

    def _score_matches(
        self,
        words: list[str],
        lows: list[str],
        gaps: list[str],
        adjacent: list[bool],
        id_counts: npt.NDArray[np.intp],
        matches: list[_Match],
        plans: list[list[tuple[str, list[tuple[int, int]]]]],
        spun_anti: dict[int, float],
        o_fit: list[float],
        o_anti: list[float],
    ) -> list[tuple[float, str]]:
        """Probability-like score and best suggestion for each lexicon match, given the
        :meth:`_anti` of its spun junctions and the PMI and :meth:`_anti` of the original
        pairs of :meth:`_plan_matches`."""
        if not matches:
            return []
        n = len(lows)
        per_entry = Counter(m.entry.spun for m in matches)
        matched_tokens = Counter(lows[i] for m in matches for i in range(m.first, m.last + 1))
        first_pass: list[tuple[float, str]] = []
        for m, plan in zip(matches, plans, strict=True):
            e = m.entry
            logit = self._prior_logit[e.spun]
            best_fit, best_orig, ctx = -math.inf, e.originals[0], 0.0
            for orig, pairs in plan:
                fit = sum(o_fit[row] for _, row in pairs)
                anti = sum(spun_anti[j] - o_anti[row] for j, row in pairs)
                if fit > best_fit + 1.0:  # a later original must fit clearly better
                    best_fit, best_orig, ctx = fit, orig, anti
            logit += min(max(ctx, -2.0), 6.0)
            first_word = words[m.first]
            starts_sentence = m.first == 0 or _opens_sentence(gaps[m.first])
            if first_word[0].islower() and starts_sentence:
                logit += 3.0
            followed = m.last + 1 < n and adjacent[m.last]
            if e.before_name and followed and words[m.last + 1][0].isupper():
                logit += 5.0
            # Repetition far beyond the reference rate of this wording.
            expected = n * self.entry_rates.get(e.spun, 0.0)
            logit += 0.9 * max(0.0, math.log(per_entry[e.spun] / (expected + 1.0)))
            # The original wording is missing from the article (it was all rewritten).
            exp_o = n * self._original_rate[e.spun]
            if exp_o >= 2.0:
                seen_o = sum(
                    self._count(o, lows, id_counts) - matched_tokens[o] for o in e.originals
                )
                z = (exp_o - seen_o) / math.sqrt(exp_o + 1.0)
                logit += 0.6 * min(max(z, 0.0), 4.0)
            first_pass.append((logit, _match_case(best_orig, first_word, starts_sentence)))
        # An article already shown to be spun makes each weak match more likely spin too.
        strong = sum(1 for logit, _ in first_pass if logit >= 0.0)
        boost = 0.4 * min(strong, 5)
        return [(1.0 / (1.0 + math.exp(-(lg + boost))), s) for lg, s in first_pass]

    def _count(self, word: str, lows: list[str], id_counts: npt.NDArray[np.intp]) -> int:
        """Occurrences of ``word`` in the article."""
        i = self.vocab.get(word)
        return int(id_counts[i]) if i is not None else lows.count(word)

    def _function_word_features(
        self, lows: list[str], id_counts: npt.NDArray[np.intp]
    ) -> list[float]:
        n = len(lows)
        if self._fw_ids is not None:
            obs = id_counts[self._fw_ids].astype(np.float64)
        else:  # a reference too small to know every function word
            obs = np.array([self._count(w, lows, id_counts) for w in FUNCTION_WORDS], np.float64)
        exp = n * self._fw_ref
        chi2 = float(np.sum((obs - exp) ** 2 / np.maximum(exp, 1e-9)))
        divergence = max(0.0, chi2 - (len(FUNCTION_WORDS) - 1)) / n
        zs = (exp - obs) / np.sqrt(exp + 1.0)
        missing_and = max(0.0, float(zs[self._and_index]))
        # np.maximum keeps max(0.0, z)'s values: z is never -0.0 ((exp - obs) is +0.0 when 0).
        missing_fw = float(np.mean(np.maximum(zs[self._missing_index], 0.0)))
        return [divergence, missing_and, missing_fw]

    def _anti_collocation_rate(
        self,
        ids: npt.NDArray[np.int64],
        anti: npt.NDArray[np.float64],
        adjacent: list[bool],
        n: int,
    ) -> float:
        """Word pairs seen at most a tenth as often as independence predicts, weighted by how
        sure the reference is of that (Poisson deviance, capped: :meth:`_anti`), per 100 words."""
        known = np.array(adjacent, dtype=bool) & (ids[:-1] != len(self.vocab))
        return float(np.where(known, anti, 0.0).sum()) * 100.0 / n


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


def _calibrate(
    det: SpinDetector, texts: Sequence[str], name: str
) -> dict[str, tuple[float, float, float]]:
    """Clean-news percentiles of one feature of ``det``, on its own reference articles (the
    lexicon rate barely depends on them: 99th percentile 0.82 vs 0.77 on unseen BBC)."""
    j = det.feature_names().index(name)
    values = [det.detect(Document(t)).features[j] for t in texts]
    return {name: _percentiles(values)}


def _calibrate_synonyms(
    texts: Sequence[str],
    synonym_map: Mapping[str, Sequence[tuple[str, int]]],
    settings: SynonymSettings | None,
) -> dict[str, tuple[float, float, float]]:
    """Clean-news percentiles of the thesaurus family, cross-fitted: evidence built on one
    half of the reference scores the other half. (On its own reference articles a context
    pair never fires: pairs are kept only where the reference never shows them.)"""
    values: dict[str, list[float]] = {name: [] for name in _THESAURUS_FAMILY}
    halves = (list(texts[0::2]), list(texts[1::2]))
    for fit, score in (halves, halves[::-1]):
        evidence = SynonymEvidence.build(fit, synonym_map, settings)
        for text in score:
            row, _ = evidence.evaluate(Document(text))
            for name in _THESAURUS_FAMILY:
                values[name].append(row[name])
    return {name: _percentiles(v) for name, v in values.items()}


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
    lows: list[str], adjacent: list[bool], index: _Index, starts: list[int] | None = None
) -> list[_Match]:
    """Non-overlapping lexicon matches, left to right, longest first. ``starts``: ascending
    token indices that include every possible match start (default: every opening word)."""
    single, multi, openers = index
    n = len(lows)
    out: list[_Match] = []
    next_free = 0
    if starts is None:
        starts = [i for i, w in enumerate(lows) if w in openers]
    for i in starts:
        if i < next_free:
            continue
        found = None
        if i + 1 < n and adjacent[i]:
            for e in multi.get((lows[i], lows[i + 1]), ()):
                k = len(e.spun)
                if k == 2 or (
                    i + k <= n and tuple(lows[i : i + k]) == e.spun and all(adjacent[i : i + k - 1])
                ):
                    found = _Match(e, i, i + k - 1)
                    break
        if found is None and lows[i] in single:
            found = _Match(single[lows[i]], i, i)
        if found is not None:
            out.append(found)
            next_free = found.last + 1
    return out


def _match_case(suggestion: str, matched: str, starts_sentence: bool) -> str:
    """Suggest with the capital the original most likely had: a sentence start is
    capitalised even where the spinner lower-cased it; proper names keep theirs."""
    if suggestion[0].isupper():
        return suggestion
    if matched[0].isupper() or starts_sentence:
        return suggestion[0].upper() + suggestion[1:]
    return suggestion
