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
   file"). The pairs are precomputed at build time (neighbour, word) -> (gain, synonym).

Per candidate token both combine into a log-odds that the word replaced its synonym; the
article gets rates of those, and findings for the surest tokens.

Speed: articles are evaluated a batch at a time over :func:`scan_batch` (also the spin
detector's tokenizer): each distinct word of the batch is looked up once in per-word arrays,
context pairs are int64 keys of word ids looked up in hash tables (:class:`KeyTable`, only
where both words are of some pair), and numpy gathers and counts run over all the batch's
tokens; sums are added token by token in text order, exactly as a loop adds them.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import compress, count, pairwise, repeat
from operator import eq, itemgetter, ne

import numpy as np
import numpy.typing as npt

from pipeline.article import Finding
from pipeline.config import SynonymSettings
from pipeline.detectors.keytable import KeyTable
from pipeline.text import STOPWORDS, Document, ScanBatch, scan, scan_batch

_MIN_WORDS = 20  # below this an article's rates are noise: features fall back to 0
# sum() of floats adds in order before Python 3.12 (as np.bincount's weights do); from 3.12 it
# compensates rounding, and the wide gap's mean (a sum() since it was written) follows it.
_SUM_IN_ORDER = sys.version_info < (3, 12)
_OOV_ZIPF = 1.5  # zipf of a word wordfreq does not list
# British / American spellings are not synonyms: "organization" is no swap for "organisation".
_SPELLING = ((re.compile(r"our"), "or"), (re.compile(r"is(e|ing|ation)"), r"iz\1"),
             (re.compile(r"([^aeiou])re\b"), r"\1er"), (re.compile(r"ll"), "l"),
             (re.compile(r"ogue\b"), "og"), (re.compile(r"ae"), "e"))  # fmt: skip


def sums_in_order(
    group: npt.NDArray[np.intp], values: npt.NDArray[np.float64], n_groups: int
) -> npt.NDArray[np.float64]:
    """``sum()`` of each group's ``values`` (``group`` sorted, one per value), as the
    per-article code added them: by bincount where ``sum()`` adds in order, else by ``sum()``
    itself (see :data:`_SUM_IN_ORDER`)."""
    if _SUM_IN_ORDER:
        return np.bincount(group, weights=values, minlength=n_groups).astype(np.float64, copy=False)
    bounds = np.searchsorted(group, np.arange(n_groups + 1)).tolist()
    listed = values.tolist()
    return np.array([sum(listed[i:j]) for i, j in pairwise(bounds)], np.float64)


def spelling_key(word: str) -> str:
    """``word`` with British spellings mapped to American ones."""
    for pattern, repl in _SPELLING:
        word = pattern.sub(repl, word)
    return word


class SynonymEvidence:
    """Thesaurus-substitution features and findings for one article (see module doc).

    Build once with :meth:`build` (train-split reference news + a WordNet synonym map), pickle
    with the detector, call :meth:`evaluate_batch` on a :func:`scan_batch` of articles (or
    :meth:`evaluate` on one).
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
        """Per word, as arrays over one word table (every word of the maps, numbered): whether
        it is a candidate, its gap, log-odds without context and probability, whether the gap
        is dispreferred, whether context pairs exist on either side, its wide gap (NaN: none);
        and the context pairs' gains by key ``left id * size + right id`` (:class:`KeyTable`).
        A batch then looks each distinct word up once and gathers with numpy. (Derived at
        load, not stored: 25-45 ms, most of it cutting and numbering the pairs' words.)"""
        cfg = self.settings
        # "x w" keys -> x, w, x, w, ... (words hold no spaces)
        left = " ".join(self.left_pairs).split(" ") if self.left_pairs else []
        right = " ".join(self.right_pairs).split(" ") if self.right_pairs else []
        # Word ids, not dense but one dict operation per word: a candidate's place in
        # ``gaps``; else its place in ``wide_gaps`` after those; else, for the pairs' words
        # (hashed once, here), a place after all of them.
        ids = self._ids = dict(zip(self.gaps, count()))
        wide = self.wide_gaps
        wide_ids = np.fromiter(map(ids.setdefault, wide, count(len(ids))), np.int64, len(wide))
        places = count(len(self.gaps) + len(wide))
        left_ids = np.fromiter(map(ids.setdefault, left, places), np.int64, len(left))
        right_ids = np.fromiter(map(ids.setdefault, right, places), np.int64, len(right))
        size = self._size = next(places) + 1  # the last row: a word outside the table
        cand = slice(0, len(self.gaps))  # the candidates' ids
        gaps = np.fromiter(map(itemgetter(0), self.gaps.values()), np.float64, len(self.gaps))
        base = cfg.prior_logit + cfg.margin_weight * math.log(10.0) * gaps
        self._cand = np.zeros(size, dtype=np.bool_)
        self._cand[cand] = True
        self._gap = np.zeros(size)
        self._gap[cand] = gaps
        self._base = np.zeros(size)
        self._base[cand] = base
        self._p0 = np.zeros(size)
        self._p0[cand] = 1.0 / (1.0 + np.array(list(map(math.exp, (-base).tolist()))))
        self._disp = np.zeros(size, dtype=np.bool_)
        self._disp[cand] = gaps >= cfg.dispreferred_gap
        self._wide = np.full(size, np.nan)
        self._wide[wide_ids] = np.fromiter(wide.values(), np.float64, len(wide))
        self._has_left = np.zeros(size, dtype=np.bool_)
        self._has_right = np.zeros(size, dtype=np.bool_)
        self._left_table = _pair_table(left_ids, self.left_pairs, size)
        self._right_table = _pair_table(right_ids, self.right_pairs, size)
        self._has_left[left_ids[1::2]] = True
        self._has_right[right_ids[0::2]] = True
        self._left_word = np.zeros(size, dtype=np.bool_)  # the left word of some left pair
        self._left_word[left_ids[0::2]] = True
        self._right_word = np.zeros(size, dtype=np.bool_)  # ... the right word of a right pair
        self._right_word[right_ids[1::2]] = True
        # The words of the tables that differ from their lower-case form (as scan lowers
        # words): only those can be a word written otherwise (none of WordNet's are).
        words = list(ids)
        lowered = "\n".join(words).lower().replace("’", "'").split("\n")
        self._unlowered = {w: ids[w] for w in compress(words, map(ne, words, lowered))}

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

    def evaluate(self, doc: Document) -> tuple[dict[str, float], list[Finding]]:
        """Features (named as :attr:`FEATURES`) and findings for one article."""
        return self.evaluate_batch(scan_batch([doc.text]))[0]

    def evaluate_batch(self, batch: ScanBatch) -> list[tuple[dict[str, float], list[Finding]]]:
        """:meth:`evaluate` of each text of a scanned batch (see :meth:`evaluate_rows`)."""
        table, found = self.evaluate_rows(batch)
        return [
            (dict(zip(self.FEATURES, values, strict=True)), found.get(a, []))
            for a, values in enumerate(table.tolist())
        ]

    def word_ids(self) -> dict[str, int]:
        """Word -> its row of the per-word tables, for a caller that looks the batch's
        lower-cased words up in one table of its own (:meth:`evaluate_rows`' ``near_low``);
        a word outside it gets :meth:`no_word`."""
        return self._ids

    def no_word(self) -> int:
        return self._size - 1

    def evaluate_rows(
        self, batch: ScanBatch, near_low: npt.NDArray[np.int64] | None = None
    ) -> tuple[npt.NDArray[np.float64], dict[int, list[Finding]]]:
        """Each text's feature values (a row, in :attr:`FEATURES`' order) and the findings of
        the texts that have some (by their place in the batch): one table look-up per
        distinct word, numpy gathers over all tokens, and per-text sums that add token by
        token in text order, as a loop would (``np.bincount`` adds its weights in order).
        ``near_low``: each of the batch's distinct lower-cased words' row (its place in
        :meth:`word_ids`), when the caller looked them up already."""
        cfg = self.settings
        n_texts = len(batch)
        size = self._size
        # A neighbour is looked up lower-cased, a candidate as written (capitalised words,
        # names and sentence starts, are never candidates): one look-up per distinct word.
        if near_low is None:
            low_words = batch.low_words
            get = self._ids.get
            near_low = np.fromiter(map(get, low_words, repeat(size - 1)), np.int64, len(low_words))
        near_d = near_low.take(batch.low)
        row_d = near_d.copy()
        # A word written otherwise than lower-cased is only found as written if a word of the
        # tables is (none is, in WordNet's lower-case synonyms): else it is no word of them.
        other = np.flatnonzero(~np.fromiter(map(eq, batch.words, batch.lows), np.bool_))
        if self._unlowered:
            unlowered = self._unlowered.get
            row_d[other] = [unlowered(batch.words[i], size - 1) for i in other.tolist()]
        else:
            row_d[other] = size - 1
        # Gathered per distinct word, then per token from those (small: in cache).
        token_word = batch.word
        article = batch.article
        ci = np.flatnonzero(self._cand.take(row_d).take(token_word))  # the candidate tokens
        cw, ca = row_d.take(token_word.take(ci)), article.take(ci)
        # Context: a neighbour (lower-cased) collocates with a synonym but never with the word.
        adjacent = batch.adjacent
        after = np.zeros(len(adjacent), dtype=np.bool_)  # adjacent to the token before
        after[1:] = adjacent[:-1]
        left = np.flatnonzero(self._has_left.take(cw) & after.take(ci))
        right = np.flatnonzero(self._has_right.take(cw) & adjacent.take(ci))
        # (only where the neighbour is a word of some pair on that side: the others are none)
        before = near_d.take(token_word.take(ci.take(left) - 1))
        paired = np.flatnonzero(self._left_word.take(before))
        left, before = left.take(paired), before.take(paired)
        ctx_left = np.zeros(len(ci))
        ctx_left[left] = self._left_table.get(before * size + cw.take(left))
        next_ = near_d.take(token_word.take(ci.take(right) + 1))
        paired = np.flatnonzero(self._right_word.take(next_))
        right, next_ = right.take(paired), next_.take(paired)
        ctx_right = np.zeros(len(ci))
        ctx_right[right] = self._right_table.get(cw.take(right) * size + next_)
        ctx = ctx_left + ctx_right  # gains are > 0: 0 is no pair
        p = self._p0.take(cw)
        hot = np.flatnonzero(ctx > 0.0)
        if len(hot):
            weight = cfg.context_weight
            p[hot] = [
                1.0 / (1.0 + math.exp(-(b + weight * c)))
                for b, c in zip(self._base[cw[hot]].tolist(), ctx[hot].tolist(), strict=True)
            ]
        n_cand = np.bincount(ca, minlength=n_texts)
        total_gap = np.bincount(ca, weights=self._gap.take(cw), minlength=n_texts)
        dispreferred = np.bincount(ca[self._disp.take(cw)], minlength=n_texts)
        context = np.bincount(ca[hot], minlength=n_texts)
        posterior = np.bincount(ca, weights=p, minlength=n_texts)
        wide = self._wide.take(row_d).take(token_word)
        wide_at = np.flatnonzero(~np.isnan(wide))
        wide_article = article.take(wide_at)
        n_wide = np.bincount(wide_article, minlength=n_texts)
        wide_sum = sums_in_order(wide_article, wide.take(wide_at), n_texts)
        # Each operation as the per-text arithmetic did it (elementwise: the same floats).
        sizes = np.diff(batch.first)
        per = 1.0 / np.maximum(n_cand, 1)
        table = np.stack(
            [
                total_gap * per,
                dispreferred * per,
                context * 100.0 / np.maximum(sizes, 1),
                posterior * per,
                wide_sum / np.maximum(n_wide, 1),
            ],
            axis=1,
        )
        short = sizes < _MIN_WORDS
        table[short] = 0.0
        found: dict[int, list[Finding]] = {}
        hit = np.flatnonzero(p >= cfg.finding_min_score)
        hit_article = ca.take(hit)
        n_hits = np.bincount(hit_article, minlength=n_texts)
        many = np.flatnonzero((n_hits >= cfg.min_findings) & ~short).tolist()
        if many:
            hit_bounds = np.searchsorted(hit_article, np.arange(n_texts + 1)).tolist()
            for a in many:
                found[a] = [
                    self._finding(batch, a, int(ci[j]), float(p[j]), ctx_left[j], ctx_right[j])
                    for j in hit[hit_bounds[a] : hit_bounds[a + 1]].tolist()
                ]
        return table, found

    def _finding(
        self, batch: ScanBatch, a: int, i: int, p: float, left: float, right: float
    ) -> Finding:
        """The finding of candidate token ``i`` of text ``a``: its best synonym, or the one
        its context pairs prefer."""
        written = batch.words[batch.word[i]]
        suggestion = self.gaps[written][1]
        if left > 0.0:
            suggestion = self.left_pairs[f"{batch.lows[batch.word[i - 1]]} {written}"][1]
        if right > left:
            suggestion = self.right_pairs[f"{written} {batch.lows[batch.word[i + 1]]}"][1]
        if written[0].isupper():
            suggestion = suggestion[0].upper() + suggestion[1:]
        return Finding.unchecked(
            batch.texts[a],
            "spin",
            int(batch.start[i]),
            int(batch.end[i]),
            p,
            f"thesaurus substitution? '{written}' for '{suggestion}'",
            suggestion,
        )


def _pair_table(
    ids: npt.NDArray[np.int64], pairs: dict[str, tuple[float, str]], size: int
) -> KeyTable:
    """The gains of word pairs (their ids alternate in ``ids``) by key ``first id * size +
    second id``."""
    keys = ids[0::2] * size + ids[1::2]
    gains = np.fromiter(map(itemgetter(0), pairs.values()), np.float64, len(pairs))
    return KeyTable(keys, gains)
