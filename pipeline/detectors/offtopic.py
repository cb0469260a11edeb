"""Off-topic insertions: paragraphs that do not belong to the article they sit in.

Scrapers and content farms paste foreign material into articles: a paragraph of another story
(sometimes under its own headline), or "ALSO READ: <other title>" link lines. A genuine body
paragraph shares vocabulary and names with the rest of its article; a pasted one does not.

Each body paragraph long enough to judge is compared with the rest of the article
(leave-one-out TF-IDF cosine, background IDF from reference news), with the title and lead,
and by how many of its names occur elsewhere. A small logistic model, fitted in :meth:`build`
on generated insertions, turns these into a calibrated paragraph score; inference is a numpy
dot product. Cue lines ("ALSO READ:", "Related:", ...) followed by a title are flagged by
rule whatever their length. Titles and short lines (bylines, dates) are not judged by
similarity: they carry too little text, and boilerplate is another detector's job.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, count, pairwise, repeat
from typing import ClassVar, NamedTuple

import numpy as np
import numpy.typing as npt

from pipeline.article import Finding
from pipeline.config import OfftopicSettings
from pipeline.detectors.base import Detection, Detector
from pipeline.text import ASCII_WORD_RE, UNICODE_WORD_RE, Document, Paragraph, word_re, words

FloatArray = npt.NDArray[np.float64]

# A link to another story: the cue, a separator (or, for all-caps cues, just a space), then a
# title of at least two words. Bare headers ("Related Posts", "You might also like") are
# boilerplate, not insertions, and are left alone.
_CUES = (
    r"also\s+read|read\s+also|read\s+more|more\s+from|related(?:\s+(?:story|article|news|"
    r"coverage|reading|content))?|recommended(?:\s+reading)?|see\s+also|read\s+next|"
    r"you\s+(?:may|might)\s+also\s+like|don['’]t\s+miss|must\s+read|suggested\s+reading"
)
_CUE_RE = re.compile(rf"^\W{{0,3}}(?P<cue>{_CUES})\s*[:|»>\-–—]+\s*\S+\s+\S", re.IGNORECASE)
_CAPS_CUE_RE = re.compile(r"^\W{0,3}(?P<cue>ALSO READ|READ ALSO|READ MORE|RELATED)\s+\S+\s+\S")
_CUE_MAX_CHARS = 250

# A capitalised word right after a word character (or comma, percent, bracket) and spaces on
# the same line: not the start of a sentence or quote, so the capital suggests a name.
# One per word pattern of :func:`pipeline.text.word_re` (the ASCII one is faster, same matches).
_ENTITY_RES = {
    pattern: re.compile(rf"[ \t]+(?=[A-ZÀ-Þ])({pattern.pattern})")
    for pattern in (UNICODE_WORD_RE, ASCII_WORD_RE)
}
_ENTITY_AFTER = frozenset(",%)’'")
# The same names in a text without tabs or double spaces (one space or tab before each), found
# from their capital (rarer than a space: re skips to it faster). [^\W_] is what str.isalnum
# accepts, and on a text whose word characters are all ASCII it is [A-Za-z0-9] and the
# capitals are [A-Z]: this one pattern serves both patterns of word_re.
_NAME_RE = re.compile(
    r"[A-ZÀ-ÖØ-Þ](?:(?<=[^\W_][ \t].)|(?<=[,%)’'][ \t].))[^\W_]*+(?:['’\-][^\W_]++)*+"
)

_SIM_SMOOTH = 0.02
# Articles evaluated together: enough that numpy's per-call cost is spread thin, few enough
# that the flat arrays (about 60 KB per article each) stay in the CPU caches.
_CHUNK = 32
_HEADING_WORDS = (3, 20)
_HEADING_END_RE = re.compile(r"[.!?:;,\"”’)]\s*$")

PARAGRAPH_FEATURES = (
    "sim_rest",
    "topic_sim_rest",
    "topic_sim_lead",
    "log_sim_rest",
    "sim_lead",
    "log_sim_lead",
    "sim_vs_median",
    "topic_vs_median",
    "novel_mass",
    "entity_missing_share",
    "log_entities",
    "log_words",
    "log_candidates",
    "heading_novelty",
)
"""Inputs of the paragraph model, in order (see :meth:`OfftopicDetector._evaluate`)."""
_SIM_VS_MEDIAN = PARAGRAPH_FEATURES.index("sim_vs_median")
_ENTITY_MISSING = PARAGRAPH_FEATURES.index("entity_missing_share")

_ARTICLE_FEATURES = (
    "max_paragraph_score",
    "n_flagged",
    "flagged_char_share",
    "cue_lines",
    "min_similarity",
    "mean_similarity",
    "min_similarity_vs_median",
    "max_entity_missing_share",
)


def cue_line(line: str) -> str | None:
    """The cue ("ALSO READ", "Related", ...) if ``line`` links another story, else None."""
    text = line.strip()
    if not text or len(text) > _CUE_MAX_CHARS:
        return None
    match = _CUE_RE.match(text) or _CAPS_CUE_RE.match(text)
    return None if match is None else " ".join(match.group("cue").split())


@dataclass(frozen=True)
class ParagraphJudgement:
    """What the detector thinks of one paragraph (for inspection and training)."""

    paragraph: Paragraph
    index: int
    score: float
    similarity: float | None
    cue: str | None
    features: tuple[float, ...] | None


class OfftopicDetector(Detector):
    """Body paragraphs (and cue lines) that do not belong to their article."""

    name: ClassVar[str] = "offtopic"

    def __init__(
        self,
        settings: OfftopicSettings,
        vocab: dict[str, int],
        idf: npt.ArrayLike,
        default_idf: float,
        topics: npt.ArrayLike,
        coef: Sequence[float],
        intercept: float,
    ) -> None:
        if len(coef) != len(PARAGRAPH_FEATURES):
            raise ValueError(f"offtopic: {len(coef)} coefficients for {len(PARAGRAPH_FEATURES)}")
        self.settings = settings
        self.vocab = vocab
        self.idf_ = np.asarray(idf, dtype=np.float32)
        self.default_idf = float(default_idf)
        # Rounded to float16 (how they are pickled) so a loaded model scores identically.
        self.topics_ = np.asarray(topics, dtype=np.float16).astype(np.float32)
        if self.topics_.ndim != 2 or self.topics_.shape[0] != len(vocab) != len(self.idf_):
            raise ValueError("offtopic: vocab, idf and topic vectors disagree")
        self.coef_ = np.asarray(coef, dtype=float)
        self.intercept_ = float(intercept)

    def __getstate__(self) -> dict[str, object]:
        """Topic vectors travel as float16 (half the model's size), are used as float32."""
        state = dict(self.__dict__)
        state["topics_"] = self.topics_.astype(np.float16)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self.topics_ = np.asarray(self.topics_, dtype=np.float32)

    # -- building -------------------------------------------------------------------------

    @staticmethod
    def background(
        reference_texts: Sequence[str], n_topics: int = 64, seed: int = 0
    ) -> tuple[dict[str, int], FloatArray, float, FloatArray]:
        """Vocabulary, IDF and latent-topic word vectors from reference news.

        IDF is ln((N+1)/(df+1)) for words seen in at least two texts: without the usual "+1"
        very common words weigh almost nothing, as a stopword list would make them. Words
        seen once or never share the default (the df=1 value). Topic vectors come from a
        truncated SVD of the reference paragraphs' TF-IDF (LSA), so that "Amazon" and
        "Google" count as close to "Microsoft" where the words themselves do not match.
        """
        from scipy.sparse import csr_matrix  # training-time only
        from sklearn.decomposition import TruncatedSVD

        df: Counter[str] = Counter()
        tokenised = [words(text) for text in reference_texts]
        for toks in tokenised:
            df.update(set(toks))
        n = len(reference_texts)
        kept = sorted(w for w, c in df.items() if c >= 2)
        vocab = {w: i for i, w in enumerate(kept)}
        idf = np.asarray([math.log((n + 1) / (df[w] + 1)) for w in kept])
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        n_docs = 0
        for text in reference_texts:
            for paragraph in Document(text).paragraphs[1:]:
                counts = Counter(vocab[w] for w in words(paragraph.text) if w in vocab)
                for col, c in counts.items():
                    rows.append(n_docs)
                    cols.append(col)
                    vals.append((1.0 + math.log(c)) * float(idf[col]))
                n_docs += 1
        matrix = csr_matrix((vals, (rows, cols)), shape=(n_docs, len(kept)))
        svd = TruncatedSVD(n_components=n_topics, random_state=seed).fit(matrix)
        topics: FloatArray = svd.components_.T.astype(float)
        return vocab, idf, math.log((n + 1) / 2), topics

    @classmethod
    def build(
        cls,
        reference_texts: Sequence[str],
        settings: OfftopicSettings,
        *,
        examples: Sequence[tuple[str, Sequence[tuple[int, int]]]],
        seed: int = 0,
    ) -> OfftopicDetector:
        """Fit on reference news (for IDF) and on ``examples``: texts with inserted paragraph
        spans (from :mod:`pipeline.training.insertions`), whose judged paragraphs are positive
        when their span is an inserted span and negative otherwise.
        """
        from sklearn.linear_model import LogisticRegression  # training-time only

        vocab, idf, default_idf, topics = cls.background(reference_texts, seed=seed)
        n_features = len(PARAGRAPH_FEATURES)
        probe = cls(settings, vocab, idf, default_idf, topics, [0.0] * n_features, 0.0)
        rows: list[tuple[float, ...]] = []
        labels: list[int] = []
        for text, spans in examples:
            inserted = {(int(s), int(e)) for s, e in spans}
            for judgement in probe.judge(Document(text)):
                if judgement.features is None:
                    continue
                rows.append(judgement.features)
                labels.append(int((judgement.paragraph.start, judgement.paragraph.end) in inserted))
        if len(set(labels)) < 2:
            raise ValueError("offtopic: examples need both inserted and genuine paragraphs")
        x = np.asarray(rows, dtype=float)
        mean, std = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-9)
        model = LogisticRegression(C=1.0, max_iter=2000, random_state=seed)
        model.fit((x - mean) / std, np.asarray(labels))
        coef = model.coef_[0] / std
        intercept = float(model.intercept_[0] - np.dot(coef, mean))
        return cls(settings, vocab, idf, default_idf, topics, [float(c) for c in coef], intercept)

    # -- detection ------------------------------------------------------------------------

    def feature_names(self) -> tuple[str, ...]:
        return _ARTICLE_FEATURES

    def detect(self, doc: Document) -> Detection:
        return self.detect_batch([doc])[0]

    def detect_batch(self, docs: Sequence[Document]) -> list[Detection]:
        """Each document's detection, from one :meth:`_evaluate` per :data:`_CHUNK`
        documents."""
        out: list[Detection] = []
        for start in range(0, len(docs), _CHUNK):
            out.extend(self._detect_chunk(docs[start : start + _CHUNK]))
        return out

    def _detect_chunk(self, docs: Sequence[Document]) -> list[Detection]:
        batch = self._evaluate(docs)
        threshold = self.settings.paragraph_threshold
        cue_score = self.settings.cue_score
        scores = batch.scores.tolist()
        sims = batch.features[:, 0].tolist()
        rel = batch.features[:, _SIM_VS_MEDIAN].tolist()
        ent = batch.features[:, _ENTITY_MISSING].tolist()
        means = batch.mean_similarity.tolist()
        out: list[Detection] = []
        for a, doc in enumerate(docs):
            cues = batch.cues[a]
            row = batch.first_row[a]
            judged = {i: row + k for k, i in enumerate(batch.candidates[a])}
            findings: list[Finding] = []
            flagged_chars = content_chars = n_cues = 0
            top = 0.0
            for i, p in enumerate(doc.paragraphs):
                content_chars += p.end - p.start
                cue = cues[i]
                if cue is not None:
                    n_cues += 1
                    score = cue_score
                    reason = f"'{cue}' cue line links another story"
                elif i in judged:
                    score = scores[judged[i]]
                    reason = (
                        "paragraph shares little with the rest of the article "
                        f"(similarity {sims[judged[i]] or 0.0:.2f})"
                    )
                else:
                    continue
                top = max(top, score)
                if score >= threshold:
                    findings.append(Finding.at(doc.text, "offtopic", p.start, p.end, score, reason))
                    flagged_chars += p.end - p.start
            rows = slice(row, row + len(judged))
            features = [
                top,
                float(len(findings)),
                flagged_chars / content_chars if content_chars else 0.0,
                float(n_cues),
                min(sims[rows], default=1.0),
                means[a] if judged else 1.0,
                min(rel[rows], default=0.0),
                max(ent[rows], default=0.0),
            ]
            out.append(self._detection(features, findings))
        return out

    def judge(self, doc: Document) -> list[ParagraphJudgement]:
        """A judgement for every cue paragraph and every body paragraph long enough to judge."""
        return self.judge_batch([doc])[0]

    def judge_batch(self, docs: Sequence[Document]) -> list[list[ParagraphJudgement]]:
        """:meth:`judge` of each document, from one :meth:`_evaluate` per :data:`_CHUNK`
        documents."""
        out: list[list[ParagraphJudgement]] = []
        for start in range(0, len(docs), _CHUNK):
            out.extend(self._judge_chunk(docs[start : start + _CHUNK]))
        return out

    def _judge_chunk(self, docs: Sequence[Document]) -> list[list[ParagraphJudgement]]:
        batch = self._evaluate(docs)
        out: list[list[ParagraphJudgement]] = []
        for a, doc in enumerate(docs):
            judgements: list[ParagraphJudgement] = []
            row = batch.first_row[a]
            judged = {i: row + k for k, i in enumerate(batch.candidates[a])}
            for i, (p, cue) in enumerate(zip(doc.paragraphs, batch.cues[a], strict=True)):
                if cue is not None:
                    judgements.append(
                        ParagraphJudgement(p, i, self.settings.cue_score, None, cue, None)
                    )
                elif i in judged:
                    r = judged[i]
                    judgements.append(
                        ParagraphJudgement(
                            p,
                            i,
                            float(batch.scores[r]),
                            float(batch.features[r, 0]),
                            None,
                            tuple(batch.features[r].tolist()),
                        )
                    )
            out.append(judgements)
        return out

    def _evaluate(self, docs: Sequence[Document]) -> _Batch:
        """Cue lines, candidates, and the :data:`PARAGRAPH_FEATURES` and score of every
        candidate paragraph of ``docs`` (one row each, article after article).

        What the paragraphs need is laid out for all articles in flat arrays, so that each
        step is one numpy call. An article's words get columns in order of first occurrence
        (in its non-cue paragraphs); each of its ``n`` candidates gets an own row and a rest
        row of ``V + 1`` values (a leading zero, then one per column), and the article two
        title-plus-lead rows (the lead row of its first candidate, and of the others). Each
        elementwise step, and each row sum (``np.add.reduceat``, which the leading zero makes
        numpy's pairwise sum of the row's values), gives the bits the same step gives on the
        article's own ``(3n, V)`` matrix of own, rest and lead rows: an article's features
        never depend on the batch it is in. The topic projection and the paragraph model's
        dot products stay one BLAS call per article, on that article's matrix, because BLAS
        rounds a row differently within another stack of rows.
        """
        min_words = self.settings.min_words
        cues_all: list[list[str | None]] = []
        cands_all: list[list[int]] = []
        first_row: list[int] = []
        judged: list[_Judged] = []
        col_iters: list[Iterator[int]] = []  # per judged article: its occurrences' columns
        par_len: list[int] = []  # per non-cue paragraph of a judged article, in order:
        par_own: list[int] = []  # where its words count: its own row (-1: not a candidate),
        par_first: list[int] = []  # the two title-plus-lead vectors (-1: not part of it),
        par_other: list[int] = []
        par_total: list[int] = []  # and the article's totals
        row_p: list[int] = []  # per candidate row: V + 1 of its article,
        row_t: list[int] = []  # its article's start in the per-article (V + 1) buffers,
        row_other: list[int] = []  # whether its lead vector is the second one
        log_n: list[float] = []
        n_rows = s_size = t_size = 0
        for doc in docs:
            paragraphs = doc.paragraphs
            cues = [_paragraph_cue(p) for p in paragraphs]
            cues_all.append(cues)
            first_row.append(n_rows)
            candidates: list[int] = []
            if len(paragraphs) > 2:
                pw = doc.paragraph_words
                candidates = [
                    i
                    for i in range(1, len(paragraphs))
                    if cues[i] is None and len(pw[i]) >= min_words
                ]
            if len(candidates) < 2:
                cands_all.append([])
                continue
            cands_all.append(candidates)
            rows = [i for i in range(len(paragraphs)) if cues[i] is None]
            kept = [pw[i] for i in rows]
            local = dict(zip(dict.fromkeys(chain.from_iterable(kept)), count()))
            col_iters.append(map(local.__getitem__, chain.from_iterable(kept)))
            n = len(candidates)
            p_len = len(local) + 1
            judged.append(_Judged(doc, candidates, pw, local, n_rows, s_size, t_size))
            own = {i: s_size + k * p_len + 1 for k, i in enumerate(candidates)}
            first, second = candidates[0], candidates[1]
            par_len.extend(map(len, kept))
            par_own.extend([own.get(i, -1) for i in rows])
            par_total.extend([t_size + 1] * len(rows))
            # Title plus lead: the first candidate, or the second one for the first itself.
            at_first = [-1] * len(rows)
            at_other = [-1] * len(rows)
            if rows[0] == 0:
                at_first[0] = at_other[0] = t_size + 1
            at_first[rows.index(second)] = at_other[rows.index(first)] = t_size + 1
            par_first.extend(at_first)
            par_other.extend(at_other)
            row_p.extend([p_len] * n)
            row_t.extend([t_size] * n)
            row_other.extend([0] + [1] * (n - 1))
            log_n.extend([math.log(n)] * n)
            n_rows += n
            s_size += n * p_len
            t_size += p_len
        features = np.zeros((n_rows, len(PARAGRAPH_FEATURES)))
        if not n_rows:
            empty = np.zeros(0)
            return _Batch(cues_all, cands_all, first_row, features, empty, np.ones(len(docs)))

        # Counts: own rows by occurrence, rest rows as totals minus own; and per article the
        # two title-plus-lead vectors (a candidate's lead row is one of them).
        lengths = np.asarray(par_len, dtype=np.int64)
        occ_col = np.fromiter(chain.from_iterable(col_iters), np.int64, int(lengths.sum()))

        def at(bases: list[int]) -> npt.NDArray[np.int64]:
            where = np.repeat(np.asarray(bases, dtype=np.int64), lengths)
            return (where + occ_col)[where >= 0]

        own_counts = np.bincount(at(par_own), minlength=s_size)
        totals = np.bincount(at(par_total), minlength=t_size)
        leads = np.stack(
            [
                np.bincount(at(par_first), minlength=t_size),
                np.bincount(at(par_other), minlength=t_size),
            ]
        )
        p_row = np.asarray(row_p, dtype=np.int64)
        starts = np.zeros(n_rows, dtype=np.int64)
        np.cumsum(p_row[:-1], out=starts[1:])
        position = np.arange(s_size, dtype=np.int64) - np.repeat(starts, p_row)
        at_total = np.repeat(np.asarray(row_t, dtype=np.int64), p_row) + position
        counts = np.empty((2, s_size), dtype=np.int64)
        counts[0] = own_counts
        np.subtract(totals.take(at_total), own_counts, out=counts[1])

        # Each column's IDF (and 0 for the leading zeros), then the weights and row sums.
        n_words = t_size - len(judged)
        vocab_index = np.fromiter(
            map(self.vocab.get, chain.from_iterable(j.local for j in judged), repeat(-1)),
            np.int64,
            n_words,
        )
        article_of = np.repeat(
            np.arange(len(judged), dtype=np.int64),
            np.fromiter((len(j.local) for j in judged), np.int64, len(judged)),
        )
        slot = np.arange(n_words, dtype=np.int64) + article_of + 1
        known_at = np.flatnonzero(vocab_index >= 0)
        index = vocab_index[known_at]
        idf = np.zeros(t_size)
        idf[slot] = self.default_idf
        idf[slot[known_at]] = self.idf_[index]
        # 1 + ln(tf) by look-up (tf capped at 63, as _sublinear does).
        top = max(int(counts.max()), int(leads.max()))
        tf = _TF if top < len(_TF) else np.concatenate([_TF, np.full(top + 1 - len(_TF), _TF[-1])])
        weighted = tf.take(counts)
        weighted *= idf.take(at_total)
        lead_w = tf.take(leads) * idf
        unit = _unit_segments(weighted, starts, p_row)
        t_starts = np.asarray([j.t_start for j in judged], dtype=np.int64)
        p_article = np.fromiter((len(j.local) + 1 for j in judged), np.int64, len(judged))
        lead_unit = _unit_segments(lead_w, t_starts, p_article)
        lead_at = np.repeat(np.asarray(row_other, dtype=np.int64) * t_size, p_row) + at_total
        sim_rest = np.add.reduceat(unit[0] * unit[1], starts)
        sim_lead = np.add.reduceat(unit[0] * lead_unit.reshape(-1).take(lead_at), starts)
        own_w = weighted[0]
        novel = np.add.reduceat(np.where(counts[1] == 0, own_w, 0.0), starts) / np.maximum(
            np.add.reduceat(own_w, starts), 1e-9
        )

        # Topics: per article, one projection of all its rows' known columns.
        column = slot[known_at] - t_starts[article_of[known_at]]  # 1 + the local column
        bounds = np.searchsorted(known_at, t_starts - np.arange(len(judged))).tolist()
        bounds.append(len(known_at))
        topical = np.empty((3, n_rows, self.topics_.shape[1]))
        for j, (lo, hi) in zip(judged, pairwise(bounds), strict=True):
            n = len(j.candidates)
            p_len = len(j.local) + 1
            # Own rows, rest rows, then each candidate's lead row, as one (3n, K) matrix.
            columns_j = column[lo:hi]
            matrix = np.empty((3 * n, hi - lo))
            block = weighted[:, j.s_start : j.s_start + n * p_len].reshape(2, n, p_len)
            block.take(columns_j, axis=2, out=matrix[: 2 * n].reshape(2, n, hi - lo))
            lead_rows = lead_w[:, j.t_start : j.t_start + p_len].take(columns_j, axis=1)
            matrix[2 * n] = lead_rows[0]
            matrix[2 * n + 1 :] = lead_rows[1]
            product = matrix @ self.topics_.take(index[lo:hi], axis=0)
            topical[:, j.first_row : j.first_row + n] = product.reshape(3, n, -1)
        topical_n = topical / np.maximum(
            np.sqrt((topical * topical).sum(axis=2, keepdims=True)), 1e-12
        )
        topic_rest = (topical_n[0] * topical_n[1]).sum(axis=1)
        topic_lead = (topical_n[0] * topical_n[2]).sum(axis=1)
        group = np.repeat(
            np.arange(len(judged), dtype=np.int64),
            np.fromiter((len(j.candidates) for j in judged), np.int64, len(judged)),
        )
        row_first = np.asarray([j.first_row for j in judged], dtype=np.int64)
        rel = np.log(
            (sim_rest + _SIM_SMOOTH) / (_loo_median(sim_rest, group, row_first) + _SIM_SMOOTH)
        )
        topic_rel = topic_rest - _loo_median(topic_rest, group, row_first)

        # Names: the share of each paragraph's capitalised mid-sentence words absent elsewhere.
        found: list[list[str]] = []  # per candidate row
        heading_novelty = np.zeros(n_rows)
        for j in judged:
            text = j.doc.text
            paragraphs = j.doc.paragraphs
            if "  " in text or "\t" in text:  # names may follow longer gaps
                entity_re = _ENTITY_RES[word_re(text)]
                found.extend(
                    _entities(text, paragraphs[i].start, paragraphs[i].end, entity_re)
                    for i in j.candidates
                )
            else:
                found.extend(
                    _NAME_RE.findall(text, paragraphs[i].start, paragraphs[i].end)
                    for i in j.candidates
                )
            for k, i in enumerate(j.candidates):
                n_head = _heading_words(paragraphs[i], len(j.words[i]))
                if n_head:
                    r = j.first_row + k
                    p_len = len(j.local) + 1
                    head_cols = np.asarray([j.local[w] for w in j.words[i][:n_head]])
                    head = np.bincount(head_cols, minlength=p_len - 1)[None, :]
                    column_idf = idf[j.t_start + 1 : j.t_start + p_len]
                    rest_n = unit[1, starts[r] + 1 : starts[r] + p_len]
                    sim = float(np.dot(_unit_rows(_sublinear(head) * column_idf)[0], rest_n))
                    heading_novelty[r] = math.log(sim + _SIM_SMOOTH) / math.log(_SIM_SMOOTH)
        names = list(chain.from_iterable(found))
        if names:
            names = "\n".join(names).lower().replace("’", "'").split("\n")
        per_row = np.fromiter(map(len, found), np.int64, n_rows)
        ends = np.cumsum(np.add.reduceat(per_row, row_first)).tolist()
        ent_col = np.fromiter(
            chain.from_iterable(
                map(j.local.get, names[lo:hi], repeat(-1))
                for j, lo, hi in zip(judged, [0, *ends], ends, strict=False)
            ),
            np.int64,
            len(names),
        )
        ent_row = np.repeat(np.arange(n_rows, dtype=np.int64), per_row)
        seen = ent_col >= 0
        ent_row, ent_col = ent_row[seen], ent_col[seen]
        n_ent = np.bincount(ent_row, minlength=n_rows).astype(float)
        absent = counts[1][starts[ent_row] + 1 + ent_col] == 0
        missing = np.bincount(ent_row, weights=absent, minlength=n_rows) / np.maximum(n_ent, 1.0)
        n_par_words = np.fromiter(
            (len(j.words[i]) for j in judged for i in j.candidates), float, n_rows
        )
        columns = (
            sim_rest,
            topic_rest,
            topic_lead,
            np.log(sim_rest + _SIM_SMOOTH),
            sim_lead,
            np.log(sim_lead + _SIM_SMOOTH),
            rel,
            topic_rel,
            novel,
            missing,
            np.log1p(n_ent),
            np.log(n_par_words),
            np.asarray(log_n),
            heading_novelty,
        )
        for c, values in enumerate(columns):
            features[:, c] = values
        logits = np.empty(n_rows)
        for j in judged:
            rows_j = slice(j.first_row, j.first_row + len(j.candidates))
            logits[rows_j] = features[rows_j] @ self.coef_
        scores = 1.0 / (1.0 + np.exp(-(logits + self.intercept_)))
        # Mean similarity per article: row sums with a leading zero, as np.mean sums.
        padded = np.zeros(n_rows + len(judged))
        padded[np.arange(n_rows) + group + 1] = sim_rest
        means = np.ones(len(docs))
        judged_at = [a for a, c in enumerate(cands_all) if c]
        means[judged_at] = np.add.reduceat(
            padded, row_first + np.arange(len(judged))
        ) / np.fromiter((len(j.candidates) for j in judged), float, len(judged))
        return _Batch(cues_all, cands_all, first_row, features, scores, means)


class _Judged(NamedTuple):
    """An article with at least two candidates, and where its rows sit in the batch (a
    tuple: made per article, so creation is hot)."""

    doc: Document
    candidates: list[int]
    words: list[list[str]]  # of each paragraph
    local: dict[str, int]  # word -> column, in order of first occurrence
    first_row: int  # of its candidates' rows
    s_start: int  # of its first own row in the flat row arrays
    t_start: int  # in the per-article (V + 1) arrays


@dataclass(frozen=True)
class _Batch:
    """What :meth:`OfftopicDetector._evaluate` makes of a batch."""

    cues: list[list[str | None]]  # per article, per paragraph
    candidates: list[list[int]]  # per article: judged paragraphs (none when fewer than two)
    first_row: list[int]  # per article: its first candidate's row
    features: FloatArray  # one row per candidate, article after article
    scores: FloatArray
    mean_similarity: FloatArray  # per article


def _paragraph_cue(paragraph: Paragraph) -> str | None:
    for line in paragraph.lines:
        cue = cue_line(line.text)
        if cue is not None:
            return cue
    return None


def _heading_words(paragraph: Paragraph, n_words: int) -> int:
    """How many of the paragraph's ``n_words`` words form a title-like first line of a
    multi-line paragraph (a pasted story's headline, seed 002), or 0: short, no closing
    punctuation, and followed by longer text."""
    if len(paragraph.lines) < 2:
        return 0
    first = paragraph.lines[0].text
    n_head = len(words(first))
    lo, hi = _HEADING_WORDS
    if not lo <= n_head <= hi or _HEADING_END_RE.search(first):
        return 0
    return n_head if n_words - n_head > n_head else 0


def _entities(text: str, begin: int, end: int, entity_re: re.Pattern[str]) -> list[str]:
    """Capitalised words of ``text[begin:end]`` that cannot start a sentence or quote: names,
    mostly (no tagger is available; a capital after a word or comma is the cheap evidence).
    ``entity_re`` is the entry of :data:`_ENTITY_RES` for ``text``."""
    out = []
    for m in entity_re.finditer(text, begin, end):
        start = m.start()
        if start > begin and (text[start - 1].isalnum() or text[start - 1] in _ENTITY_AFTER):
            out.append(m.group(1))
    return out


def _loo_median(
    x: FloatArray, group: npt.NDArray[np.int64], first: npt.NDArray[np.int64]
) -> FloatArray:
    """For each element, the median of the others in its group (groups of at least two
    consecutive elements; ``group`` numbers them, ``first`` is where each starts): the
    ``sorted(others)`` middle (or mean of the two middle values) of plain Python."""
    order = np.lexsort((x, group))
    ranked = x[order]
    rank = np.empty(len(x), dtype=np.int64)
    rank[order] = np.arange(len(x)) - first[group[order]]
    size = np.bincount(group)[group]
    mid = (size - 1) // 2
    base = first[group]

    def other(i: npt.NDArray[np.int64]) -> FloatArray:
        """The ``i``-th smallest of the others (skipping the element itself)."""
        picked: FloatArray = ranked[base + i + (i >= rank)]
        return picked

    upper = other(mid)
    lower = other(mid - 1)
    out: FloatArray = np.where((size - 1) % 2 == 1, upper, (lower + upper) / 2)
    return out


_TF = np.concatenate([[0.0], 1.0 + np.log(np.arange(1, 64))])


def _sublinear(counts: npt.NDArray[np.int64]) -> FloatArray:
    """1 + ln(tf) for counted words, 0 elsewhere (looked up; tf is capped at 63)."""
    out: FloatArray = _TF[np.minimum(counts, 63)]
    return out


def _unit_segments(
    a: FloatArray, starts: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]
) -> FloatArray:
    """:func:`_unit_rows` of the segments of each row of ``a`` (2-d) that start at ``starts``
    and are ``lengths`` long, each starting with a zero: the bits of :func:`_unit_rows` of
    the segments as rows without their zero (the zero makes ``np.add.reduceat`` numpy's
    pairwise sum of the rest)."""
    width = a.shape[1]
    flat = a.reshape(-1)
    at = np.concatenate([starts + width * r for r in range(a.shape[0])])
    norms = np.sqrt(np.add.reduceat(flat * flat, at))
    out: FloatArray = flat / np.repeat(np.maximum(norms, 1e-12), np.tile(lengths, a.shape[0]))
    return out.reshape(a.shape)


def _unit_rows(a: FloatArray) -> FloatArray:
    norms = np.sqrt((a * a).sum(axis=1, keepdims=True))
    out: FloatArray = a / np.maximum(norms, 1e-12)
    return out
