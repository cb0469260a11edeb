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
from itertools import accumulate, pairwise

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
# The lookahead first, so the lookbehinds run only at punctuation (3x faster, same matches).
_SENTENCE_START_RE = re.compile(
    r"(?:^|(?=[.!?…])(?<!\.)(?<!\b[^\W\d_]\.)(?<!\b[^\W\d_])[.!?…][\"'”’)\]]*\s)"
    r"[ \t\"'“‘(]*([^\W\d_])",
    re.MULTILINE,
)


def _opens_sentence(gap: str) -> bool:
    """Whether the text between two words ends a sentence: a line break, or . ! ? with
    only spaces, quotes or brackets after it."""
    if "\n" in gap:
        return True
    rest = gap.rstrip(" \t\"'“‘(")
    return bool(rest) and rest[-1] in _SENTENCE_END


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
        zipf = np.full(len(self.vocab) + 1, _OOV_ZIPF, dtype=np.float64)
        for w, i in self.vocab.items():
            zipf[i] = self.zipf10.get(w, _OOV_ZIPF * 10) / 10
        # Last slot stands for a word outside the vocabulary.
        self._logp = (zipf - 9.0) * math.log(10)
        self._left = np.append(self.word_counts.astype(np.float64), 0.0)
        self._fw_ref = np.array([self._ref_rate(w) for w in FUNCTION_WORDS], dtype=np.float64)
        self._fw_index = {w: i for i, w in enumerate(FUNCTION_WORDS)}
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
        words, lows, adjacent_list, gaps = scan(text)
        n = len(lows)
        if n < _MIN_WORDS:
            return self._detection([0.0] * len(self.feature_names()), [])
        oov = len(self.vocab)
        get = self.vocab.get
        ids = np.array([get(w, oov) for w in lows], dtype=np.int64)
        adjacent = np.array(adjacent_list, dtype=bool)
        _, c12 = self._pmi(ids[:-1], ids[1:])
        word_counts = Counter(lows)

        matches = _match_lexicon(lows, adjacent_list, self._first)
        scores = self._score_matches(words, lows, gaps, word_counts, matches, ids, c12, adjacent)
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
            *self._function_word_features(word_counts, n),
            _lower_start_rate(text),
            self._anti_collocation_rate(ids, c12, adjacent, n),
        ]
        if self.synonyms is not None:
            values, thesaurus = self.synonyms.evaluate_scanned(
                text, words, lows, adjacent_list, gaps
            )
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

    def _pmi(
        self, left: npt.NDArray[np.int64], right: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Smoothed PMI of each word pair: log P(right | left) / P(right), where P(right | left)
        interpolates reference bigram counts with wordfreq's unigram probability. A left word
        the reference never saw gives PMI 0 (no evidence), not "rare"."""
        oov = len(self.vocab)
        keys = ((left << 16) | right).astype(np.uint32)
        pos = np.searchsorted(self.bigram_keys, keys)
        pos_c = np.minimum(pos, len(self.bigram_keys) - 1)
        hit = (self.bigram_keys[pos_c] == keys) & (left != oov) & (right != oov)
        c12 = np.where(hit, self.bigram_counts[pos_c], 0).astype(np.float64)
        k = self.settings.bigram_smoothing
        logp = self._logp[right]
        p = np.exp(logp)
        pmi = np.log((c12 + k * p) / (self._left[left] + k)) - logp
        return pmi, c12

    def _anti(
        self,
        c12: npt.NDArray[np.float64],
        left: npt.NDArray[np.int64],
        right: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.float64]:
        """How surely the reference says two words do not go together: the Poisson deviance
        of each pair's count against what independence predicts, where the pair is seen at
        most a tenth as often as predicted (else 0); capped at 6."""
        expected = np.maximum(self._left[left] * np.exp(self._logp[right]), 1e-12)
        deviance = expected - c12 + c12 * np.log(np.maximum(c12, 1e-12) / expected)
        return np.where(c12 * 10.0 < expected, np.minimum(deviance, 6.0), 0.0)

    def _score_matches(
        self,
        words: list[str],
        lows: list[str],
        gaps: list[str],
        word_counts: Counter[str],
        matches: list[_Match],
        ids: npt.NDArray[np.int64],
        c12: npt.NDArray[np.float64],
        adjacent: npt.NDArray[np.bool_],
    ) -> list[tuple[float, str]]:
        """Probability-like score and best suggestion for each lexicon match."""
        if not matches:
            return []
        n = len(lows)
        oov = len(self.vocab)
        get = self.vocab.get
        # Context: a junction the spun wording breaks ("will is": common words the reference
        # never shows together) where the original would not ("that is"). All word pairs of
        # all matches are looked up in one batch.
        spun_j: list[int] = []  # junction index (into the bigram arrays) of spun pairs
        o_left: list[int] = []
        o_right: list[int] = []
        plans: list[list[tuple[str, list[tuple[int, int]]]]] = []
        for m in matches:
            e = m.entry
            left_j = m.first - 1 if m.first > 0 and adjacent[m.first - 1] else -1
            right_j = m.last if m.last + 1 < n and adjacent[m.last] else -1
            plan: list[tuple[str, list[tuple[int, int]]]] = []
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
                spun_j.extend(j for j, _ in pairs)
                plan.append((orig, pairs))
            plans.append(plan)
        junctions = np.array(sorted(set(spun_j)), dtype=np.int64)
        spun_anti = dict(
            zip(
                junctions.tolist(),
                self._anti(c12[junctions], ids[junctions], ids[junctions + 1]).tolist(),
                strict=True,
            )
        )
        if o_left:
            ol, orr = np.array(o_left, dtype=np.int64), np.array(o_right, dtype=np.int64)
            o_pmi, o_c12 = self._pmi(ol, orr)
            o_anti = self._anti(o_c12, ol, orr).tolist()
            o_fit = o_pmi.tolist()
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
                seen_o = sum(word_counts[o] - matched_tokens[o] for o in e.originals)
                z = (exp_o - seen_o) / math.sqrt(exp_o + 1.0)
                logit += 0.6 * min(max(z, 0.0), 4.0)
            first_pass.append((logit, _match_case(best_orig, first_word, starts_sentence)))
        # An article already shown to be spun makes each weak match more likely spin too.
        strong = sum(1 for logit, _ in first_pass if logit >= 0.0)
        boost = 0.4 * min(strong, 5)
        return [(1.0 / (1.0 + math.exp(-(lg + boost))), s) for lg, s in first_pass]

    def _function_word_features(self, word_counts: Counter[str], n: int) -> list[float]:
        obs = np.array([word_counts.get(w, 0) for w in FUNCTION_WORDS], dtype=np.float64)
        idx = self._fw_index
        exp = n * self._fw_ref
        chi2 = float(np.sum((obs - exp) ** 2 / np.maximum(exp, 1e-9)))
        divergence = max(0.0, chi2 - (len(FUNCTION_WORDS) - 1)) / n
        zs = (exp - obs) / np.sqrt(exp + 1.0)
        missing_and = max(0.0, float(zs[idx["and"]]))
        missing_fw = float(np.mean([max(0.0, float(zs[idx[w]])) for w in MISSING_WORDS]))
        return [divergence, missing_and, missing_fw]

    def _anti_collocation_rate(
        self,
        ids: npt.NDArray[np.int64],
        c12: npt.NDArray[np.float64],
        adjacent: npt.NDArray[np.bool_],
        n: int,
    ) -> float:
        """Word pairs seen at most a tenth as often as independence predicts, weighted by how
        sure the reference is of that (Poisson deviance, capped), per 100 words."""
        left, right = ids[:-1], ids[1:]
        known = adjacent & (left != len(self.vocab))
        anti = np.where(known, self._anti(c12, left, right), 0.0)
        return float(anti.sum()) * 100.0 / n


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
    starts = [m.group(1) for m in _SENTENCE_START_RE.finditer(text)]
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


def _match_lexicon(lows: list[str], adjacent: list[bool], index: _Index) -> list[_Match]:
    """Non-overlapping lexicon matches, left to right, longest first."""
    single, multi, openers = index
    n = len(lows)
    out: list[_Match] = []
    next_free = 0
    for i in [i for i, w in enumerate(lows) if w in openers]:
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
