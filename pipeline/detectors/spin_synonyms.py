"""Thesaurus-spin evidence: content words swapped for a dictionary synonym.

A thesaurus spinner writes "stated" for "said", "file" for "record", "ascended" for "rose".
Two things betray a swap, and both are looked up here without knowing the spinner's table,
from WordNet synonyms (``pipeline.training.wordnet_synonyms``, built at training time only):

1. **Choice**: the word has a WordNet synonym (among its first senses) that English uses far
   more often. Writers mostly pick the common word; a spinner picks the rarer one most of the
   time, so an article's mean frequency gap (zipf, from wordfreq) to its best synonym rises.
   It is a rarity measure conditioned on meaning, so unlike plain word rarity (dropped from
   :mod:`pipeline.detectors.spin`) it moves little with an article's topic or source. The
   *wide* gap (``syn_choice_gap_wide``) also looks at the words WordNet links to the second
   sense, hypernyms and "similar to" clusters (``gap_rank``), as a thesaurus offers them: on
   the dev split it separates a thesaurus spinner better (AUC 0.974 vs 0.951 with the
   posterior) and moves no more on clean news of other sources. Context pairs stay at
   ``max_rank``: widened, they fire twice as often on other sources' clean news.
2. **Context**: a neighbour collocates with the synonym in the reference news ("all-time
   high", "previous record") but never with the word written ("all-time tall", "previous
   file"). The pairs are precomputed at build time (neighbour, word) -> (gain, synonym), so
   an article costs one dictionary look-up per candidate token and side.

Per candidate token both combine into a log-odds that the word replaced its synonym; the
article gets rates of those, and findings for the surest tokens.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from itertools import accumulate, compress, count, pairwise, repeat
from operator import is_not
from typing import cast

from pipeline.article import Finding
from pipeline.config import SynonymSettings
from pipeline.text import STOPWORDS, Document, scan

# A candidate word's gap, suggestion, log-odds and probability without context, whether the
# gap is dispreferred, whether it has context pairs with a left / right neighbour, wide gap.
_Candidate = tuple[float, str, float, float, bool, bool, bool, float | None]
_MIN_WORDS = 20  # below this an article's rates are noise: features fall back to 0
_OOV_ZIPF = 1.5  # zipf of a word wordfreq does not list
# British / American spellings are not synonyms: "organization" is no swap for "organisation".
_SPELLING = ((re.compile(r"our"), "or"), (re.compile(r"is(e|ing|ation)"), r"iz\1"),
             (re.compile(r"([^aeiou])re\b"), r"\1er"), (re.compile(r"ll"), "l"),
             (re.compile(r"ogue\b"), "og"), (re.compile(r"ae"), "e"))  # fmt: skip


def spelling_key(word: str) -> str:
    """``word`` with British spellings mapped to American ones."""
    for pattern, repl in _SPELLING:
        word = pattern.sub(repl, word)
    return word


class SynonymEvidence:
    """Thesaurus-substitution features and findings for one article (see module doc).

    Build once with :meth:`build` (train-split reference news + a WordNet synonym map), pickle
    with the detector, call :meth:`evaluate` per document.
    """

    FEATURES: tuple[str, ...] = (
        "syn_choice_gap",  # mean zipf gap to the best synonym over candidate tokens, 0..3
        "syn_dispreferred_rate",  # share of candidate tokens with a gap >= dispreferred_gap
        "syn_context_rate",  # tokens whose neighbour prefers a synonym, per 100 words
        "syn_posterior_mean",  # mean per-token swap probability over candidate tokens
        "syn_choice_gap_wide",  # mean zipf gap over the wider thesaurus's candidate tokens
    )

    def __init__(
        self,
        settings: SynonymSettings,
        gaps: dict[str, tuple[float, str]],
        left_pairs: dict[str, tuple[float, str]],
        right_pairs: dict[str, tuple[float, str]],
        wide_gaps: dict[str, float],
    ) -> None:
        self.settings = settings
        self.gaps = gaps  # word -> (zipf gap to its best synonym, clipped 0..3; that synonym)
        self.wide_gaps = wide_gaps  # word -> zipf gap to its best synonym within gap_rank
        self.left_pairs = left_pairs  # "left word" -> (PMI gain, synonym)
        self.right_pairs = right_pairs  # "word right" -> (PMI gain, synonym)
        self._prepare()

    def _prepare(self) -> None:
        """Per word, everything the per-token loop needs in one look-up (one table, not two:
        ~8% of the detector's time, mostly memory traffic, for ~14 ms of start-up): its wide
        gap; or for a candidate its gap, suggestion, log-odds without context and its
        probability, whether the gap is dispreferred, whether context pairs exist on either
        side, and its wide gap (or None). (Context pairs keyed by word tuples or regrouped by
        word cost 40-80 ms more start-up, and the tuple keys were slower in the detector.)"""
        cfg = self.settings
        with_left = {k.split(" ")[1] for k in self.left_pairs}
        with_right = {k.split(" ")[0] for k in self.right_pairs}
        wide = self.wide_gaps
        self._words: dict[str, float | _Candidate] = dict(wide)
        for word, (gap, suggestion) in self.gaps.items():
            base = cfg.prior_logit + cfg.margin_weight * math.log(10.0) * gap
            p0 = 1.0 / (1.0 + math.exp(-base))
            self._words[word] = (
                gap,
                suggestion,
                base,
                p0,
                gap >= cfg.dispreferred_gap,
                word in with_left,
                word in with_right,
                wide.get(word),
            )

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._prepare()

    @classmethod
    def build(
        cls,
        reference_texts: Sequence[str],
        synonyms: Mapping[str, Sequence[tuple[str, int]]],
        settings: SynonymSettings | None = None,
    ) -> SynonymEvidence:
        """Fit on clean reference news (train split only: the caller's job). ``synonyms``
        maps a surface form to ``(synonym in the same inflection, sense rank)`` pairs, as
        :func:`pipeline.training.wordnet_synonyms.build_synonym_map` makes it."""
        import wordfreq  # build time only: importing it costs start-up

        cfg = settings or SynonymSettings()
        zipf_cache: dict[str, float] = {}

        def zipf(word: str) -> float:
            z = zipf_cache.get(word)
            if z is None:
                z = zipf_cache[word] = max(wordfreq.zipf_frequency(word, "en"), _OOV_ZIPF)
            return z

        unigrams: Counter[str] = Counter()
        bigrams: Counter[tuple[str, str]] = Counter()
        for text in reference_texts:
            _, lows, adjacent, _ = scan(text)
            unigrams.update(lows)
            bigrams.update(p for p, adj in zip(pairwise(lows), adjacent, strict=True) if adj)
        by_right: dict[str, list[tuple[str, int]]] = {}
        by_left: dict[str, list[tuple[str, int]]] = {}
        for (a, b), c in bigrams.items():
            if c >= cfg.min_pair_count:
                by_right.setdefault(b, []).append((a, c))
                by_left.setdefault(a, []).append((b, c))

        def pmi(a: str, b: str, count: float) -> float:
            """Smoothed log P(b | a) / P(b), P(b) from wordfreq."""
            p = 10.0 ** (zipf(b) - 9.0)
            return math.log((count + cfg.smoothing * p) / (unigrams[a] + cfg.smoothing) / p)

        gaps: dict[str, tuple[float, str]] = {}
        wide_gaps: dict[str, float] = {}
        left: dict[str, tuple[float, str]] = {}
        right: dict[str, tuple[float, str]] = {}
        for word, options in synonyms.items():
            if " " in word or word in STOPWORDS:
                continue
            key = spelling_key(word)
            usable = [
                (s, rank)
                for s, rank in options
                if " " not in s and s not in STOPWORDS and spelling_key(s) != key
            ]
            wide = [s for s, rank in usable if rank <= cfg.gap_rank]
            if wide:
                wide_gaps[word] = min(max(max(map(zipf, wide)) - zipf(word), 0.0), 3.0)
            candidates = [s for s, rank in usable if rank <= cfg.max_rank]
            if not candidates:
                continue
            zw = zipf(word)
            best = max(candidates, key=zipf)
            gaps[word] = (min(max(zipf(best) - zw, 0.0), 3.0), best)
            for s in candidates:
                for x, c in by_right.get(s, ()):
                    if bigrams[(x, word)] == 0:
                        gain = pmi(x, s, c - cfg.discount) - pmi(x, word, 0.0)
                        key = f"{x} {word}"
                        if gain >= cfg.min_pair_gain and gain > left.get(key, (0.0, ""))[0]:
                            left[key] = (round(gain, 2), s)
                for y, c in by_left.get(s, ()):
                    if bigrams[(word, y)] == 0:
                        p_y = 10.0 ** (zipf(y) - 9.0)
                        fit_s = math.log(
                            (c - cfg.discount + cfg.smoothing * p_y) / (unigrams[s] + cfg.smoothing)
                        )
                        fit_w = math.log(cfg.smoothing * p_y / (unigrams[word] + cfg.smoothing))
                        gain = fit_s - fit_w
                        key = f"{word} {y}"
                        if gain >= cfg.min_pair_gain and gain > right.get(key, (0.0, ""))[0]:
                            right[key] = (round(gain, 2), s)
        return cls(cfg, gaps, left, right, wide_gaps)

    def feature_names(self) -> tuple[str, ...]:
        return self.FEATURES

    def evaluate(self, doc: Document) -> tuple[dict[str, float], list[Finding]]:
        """Features (named as :attr:`FEATURES`) and findings for one article. The split is
        ``doc.scanned``: the spin detector's own, made once per document."""
        text = doc.text
        words, lows, adjacent, gaps_text = doc.scanned
        n = len(words)
        if n < _MIN_WORDS:
            return dict.fromkeys(self.FEATURES, 0.0), []
        cfg = self.settings
        left_pairs, right_pairs = self.left_pairs, self.right_pairs
        weight, min_score = cfg.context_weight, cfg.finding_min_score
        # Looked up as written: capitalised words (names, sentence starts) never match.
        # One look-up per token, in C; the loop sees only the words found.
        entries = list(map(self._words.get, words))
        found = list(map(is_not, entries, repeat(None)))
        wide_values: list[float] = []
        index: list[int] = []
        total_gap = posterior = 0.0
        dispreferred = context = 0
        hits: list[tuple[int, float, str]] = []
        known = cast("Iterator[float | _Candidate]", compress(entries, found))  # no None
        for i, entry in zip(compress(count(), found), known, strict=True):
            if not isinstance(entry, tuple):  # a word with a wide gap only
                wide_values.append(entry)
                continue
            gap, suggestion, base, p0, disp, has_left, has_right, wide_gap = entry
            if wide_gap is not None:
                wide_values.append(wide_gap)
            index.append(i)
            total_gap += gap
            dispreferred += disp
            ctx = 0.0
            if has_left and i > 0 and adjacent[i - 1]:
                hit = left_pairs.get(f"{lows[i - 1]} {words[i]}")
                if hit is not None:
                    ctx, suggestion = hit
            if has_right and i + 1 < n and adjacent[i]:
                hit = right_pairs.get(f"{words[i]} {lows[i + 1]}")
                if hit is not None:
                    if hit[0] > ctx:
                        suggestion = hit[1]
                    ctx += hit[0]
            if ctx > 0.0:
                context += 1
                p = 1.0 / (1.0 + math.exp(-(base + weight * ctx)))
            else:
                p = p0
            posterior += p
            if p >= min_score:
                hits.append((i, p, suggestion))
        per = 1.0 / max(len(index), 1)
        features = {
            "syn_choice_gap": total_gap * per,
            "syn_dispreferred_rate": dispreferred * per,
            "syn_context_rate": context * 100.0 / n,
            "syn_posterior_mean": posterior * per,
            "syn_choice_gap_wide": sum(wide_values) / max(len(wide_values), 1),
        }
        if len(hits) < cfg.min_findings:
            hits = []
        return features, self._findings(text, words, gaps_text, hits)

    @staticmethod
    def _findings(
        text: str, words: list[str], gaps_text: list[str], hits: list[tuple[int, float, str]]
    ) -> list[Finding]:
        if not hits:
            return []
        pieces = [g for pair in zip(gaps_text, words, strict=False) for g in pair]
        bounds = list(accumulate(map(len, pieces)))
        out = []
        for i, p, suggestion in hits:
            start, end = bounds[2 * i], bounds[2 * i + 1]
            written = words[i]
            if written[0].isupper():
                suggestion = suggestion[0].upper() + suggestion[1:]
            out.append(
                Finding.at(
                    text,
                    "spin",
                    start,
                    end,
                    p,
                    f"thesaurus substitution? '{written}' for '{suggestion}'",
                    suggestion,
                )
            )
        return out
