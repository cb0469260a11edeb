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
from itertools import chain, pairwise, repeat
from typing import ClassVar, NamedTuple

import numpy as np
import numpy.typing as npt

from pipeline.article import Finding
from pipeline.config import OfftopicSettings
from pipeline.detectors.base import Detection, Detector, single_threaded_blas
from pipeline.text import (
    ALNUM,
    ASCII_WORD_RE,
    JOIN,
    UNICODE_WORD_RE,
    Document,
    DocumentBatch,
    LineBatch,
    Paragraph,
    ScanBatch,
    char_class,
    word_re,
    words,
)

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
# that the flat arrays (about 15 KB per article each) mostly stay in the CPU caches (64 took
# about 14% less CPU than 32, and less than 128, on the bench feed; 2026-11-22).
_CHUNK = 64
# Documents scanned together when they do not come as one DocumentBatch (as scoring's batches).
_SCAN_BATCH = 256
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
        self.topics64_ = self.topics_.astype(np.float64)  # as the projection reads them
        if self.topics_.ndim != 2 or self.topics_.shape[0] != len(vocab) != len(self.idf_):
            raise ValueError("offtopic: vocab, idf and topic vectors disagree")
        self.coef_ = np.asarray(coef, dtype=float)
        self.intercept_ = float(intercept)

    def __getstate__(self) -> dict[str, object]:
        """Topic vectors travel as float16 (half the model's size), are used as float32."""
        state = dict(self.__dict__)
        state["topics_"] = self.topics_.astype(np.float16)
        state.pop("topics64_", None)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self.topics_ = np.asarray(self.topics_, dtype=np.float32)
        self.topics64_ = self.topics_.astype(np.float64)

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
        """Each document's detection: its paragraphs and words from the batch's shared scan
        (:meth:`_read`; no second tokenisation, no Paragraph objects) and its shared lines
        (:attr:`pipeline.text.DocumentBatch.lines`), then one
        :meth:`_evaluate` per :data:`_CHUNK` documents (:meth:`_chunks`)."""
        return [
            d
            for chunk, found, batch in self._chunks(docs)
            for d in self._detections(chunk, found, batch)
        ]

    def _chunks(
        self, docs: Sequence[Document]
    ) -> Iterator[tuple[Sequence[Document], _Words, _Batch]]:
        """The documents :data:`_CHUNK` at a time, each chunk with its group's words and its
        :meth:`_evaluate` (BLAS on one thread), from the groups of :meth:`_read`."""
        with single_threaded_blas():
            for group, found in self._read(docs):
                for start in range(0, len(group), _CHUNK):
                    chunk = group[start : start + _CHUNK]
                    yield chunk, found, self._evaluate(chunk, found, start)

    def _detections(
        self, docs: Sequence[Document], found: _Words, batch: _Batch
    ) -> list[Detection]:
        """Each document's findings (its flagged paragraphs, in order) and features: maxima,
        minima and counts over its paragraphs and rows, as Python's max, min and sums give
        them (exact: no rounding in any of them)."""
        n_docs = len(docs)
        paragraphs = found.paragraphs
        layout = batch.layout
        par = layout.paragraphs
        doc_of, row = layout.doc, layout.row
        cue = paragraphs.is_cue[par]
        judged = row >= 0
        score = np.zeros(len(row))
        score[judged] = batch.scores.take(row[judged])
        score[cue] = self.settings.cue_score
        flagged = (judged | cue) & (score >= self.settings.paragraph_threshold)
        top = np.zeros(n_docs)  # unscored paragraphs count 0.0, where the maximum starts
        np.maximum.at(top, doc_of, score)
        starts, ends = paragraphs.start[par], paragraphs.end[par]
        size = (ends - starts).astype(float)
        content = np.bincount(doc_of, weights=size, minlength=n_docs)
        flagged_chars = np.bincount(doc_of, weights=size * flagged, minlength=n_docs)
        share = np.divide(flagged_chars, content, out=np.zeros(n_docs), where=content > 0)
        sims = batch.features[:, 0]
        min_sim = np.ones(n_docs)
        min_rel = np.zeros(n_docs)
        max_ent = np.zeros(n_docs)
        has_rows = layout.n_cand > 0
        if has_rows.any():
            first = layout.first_row[has_rows]
            min_sim[has_rows] = np.minimum.reduceat(sims, first)
            min_rel[has_rows] = np.minimum.reduceat(batch.features[:, _SIM_VS_MEDIAN], first)
            max_ent[has_rows] = np.maximum.reduceat(batch.features[:, _ENTITY_MISSING], first)
        features = np.column_stack(
            [
                top,
                np.bincount(doc_of, weights=flagged, minlength=n_docs),
                share,
                np.bincount(doc_of, weights=cue, minlength=n_docs),
                min_sim,
                batch.mean_similarity,
                min_rel,
                max_ent,
            ]
        ).tolist()
        findings: list[list[Finding]] = [[] for _ in range(n_docs)]
        at = np.flatnonzero(flagged)
        if len(at):
            sim_of = sims.tolist()
            cues = paragraphs.cues
            for k, a, start, end, p_score, r in zip(
                (at + par.start).tolist(),
                doc_of.take(at).tolist(),
                starts.take(at).tolist(),
                ends.take(at).tolist(),
                score.take(at).tolist(),
                row.take(at).tolist(),
                strict=True,
            ):
                cue_text = cues[k]
                if cue_text is not None:
                    reason = f"'{cue_text}' cue line links another story"
                else:
                    reason = (
                        "paragraph shares little with the rest of the article "
                        f"(similarity {sim_of[r] or 0.0:.2f})"
                    )
                text = docs[a].text
                findings[a].append(Finding.at(text, "offtopic", start, end, p_score, reason))
        return [self._detection(f, fs) for f, fs in zip(features, findings, strict=True)]

    def judge(self, doc: Document) -> list[ParagraphJudgement]:
        """A judgement for every cue paragraph and every body paragraph long enough to judge."""
        return self.judge_batch([doc])[0]

    def judge_batch(self, docs: Sequence[Document]) -> list[list[ParagraphJudgement]]:
        """:meth:`judge` of each document, read as :meth:`detect_batch` reads them."""
        return [
            j
            for chunk, found, batch in self._chunks(docs)
            for j in self._judgements(chunk, found, batch)
        ]

    def _judgements(
        self, docs: Sequence[Document], found: _Words, batch: _Batch
    ) -> list[list[ParagraphJudgement]]:
        """The judgements of ``docs``, each with its ``Document.paragraphs`` entry."""
        out: list[list[ParagraphJudgement]] = []
        paragraphs = found.paragraphs
        cues = paragraphs.cues
        layout = batch.layout
        rows = layout.row.tolist()
        p0 = layout.paragraphs.start
        for a, doc in enumerate(docs):
            judgements: list[ParagraphJudgement] = []
            first = paragraphs.first[layout.first_doc + a]
            for i in range(paragraphs.first[layout.first_doc + a + 1] - first):
                cue, r = cues[first + i], rows[first + i - p0]
                if cue is not None:
                    judgements.append(
                        ParagraphJudgement(
                            doc.paragraphs[i], i, self.settings.cue_score, None, cue, None
                        )
                    )
                elif r >= 0:
                    judgements.append(
                        ParagraphJudgement(
                            doc.paragraphs[i],
                            i,
                            float(batch.scores[r]),
                            float(batch.features[r, 0]),
                            None,
                            tuple(batch.features[r].tolist()),
                        )
                    )
            out.append(judgements)
        return out

    def _read(self, docs: Sequence[Document]) -> Iterator[tuple[Sequence[Document], _Words]]:
        """The documents in groups, each with its :class:`_Words`: a
        :class:`~pipeline.text.DocumentBatch` as one group on its shared scan and lines, other
        sequences :data:`_SCAN_BATCH` documents at a time."""
        groups = (
            [docs]
            if isinstance(docs, DocumentBatch)
            else [
                DocumentBatch(docs[s : s + _SCAN_BATCH]) for s in range(0, len(docs), _SCAN_BATCH)
            ]
        )
        for group in groups:
            yield group, self._words(group, group.scanned, group.lines)

    def _words(self, docs: Sequence[Document], scan: ScanBatch, lines: LineBatch) -> _Words:
        """Each paragraph (:func:`_paragraphs` of the batch's ``lines``) with its words as
        ids of lower-cased words, and the model's vocabulary index of each id: from the scan's
        tokens (a paragraph's words are the tokens that start in it), one look-up per distinct
        word of the batch.

        :attr:`pipeline.text.Document.paragraph_words` tokenises the lower-cased text; the
        scan tokenises the text as written and lower-cases each word. The two agree unless a
        character lowers to another length, into another class of the tokenizer, or by its
        context (capital sigma): the few documents holding such a character
        (:func:`_lowers_apart`: only Σ and İ in Python's Unicode data) read their paragraph
        words as before, their words given ids past the scan's."""
        paragraphs = _paragraphs(scan, lines)
        base = scan.offsets.take(paragraphs.doc)
        lo = np.searchsorted(scan.at, paragraphs.start + base)
        hi = np.searchsorted(scan.at, paragraphs.end + base)
        ids = scan.low.take(scan.word)
        low_index = scan.low_index
        n_low = len(scan.low_words)
        extra: dict[str, int] = {}  # words of the fallback documents the scan lacks
        fallback = _fallback_docs(scan)
        if fallback:
            more: list[int] = []
            n_scan = len(ids)
            par_first = paragraphs.first
            for a in fallback:
                first, last = par_first[a], par_first[a + 1]
                if last - first <= 2:  # never judged
                    continue
                paragraph_words = docs[a].paragraph_words
                if len(paragraph_words) != last - first:
                    raise AssertionError("offtopic: the scan's and the document's paragraphs")
                for k, pw in enumerate(paragraph_words, start=first):
                    lo[k] = n_scan + len(more)
                    for w in pw:
                        i = low_index.get(w)
                        more.append(extra.setdefault(w, n_low + len(extra)) if i is None else i)
                    hi[k] = n_scan + len(more)
            ids = np.concatenate([ids, np.asarray(more, dtype=np.int64)])
        vocab = np.fromiter(
            map(self.vocab.get, chain(scan.low_words, extra), repeat(-1)),
            np.int64,
            n_low + len(extra),
        )
        return _Words(scan, ids, vocab, paragraphs, lo, hi, frozenset(fallback), extra)

    def _evaluate(self, docs: Sequence[Document], found: _Words, first_doc: int) -> _Batch:
        """The candidates of ``docs`` (documents ``first_doc`` on of ``found``), and the
        :data:`PARAGRAPH_FEATURES` and score of each (:meth:`_rows`; one row per candidate,
        article after article)."""
        min_words = self.settings.min_words
        n_docs = len(docs)
        paragraphs = found.paragraphs
        par_first = np.asarray(paragraphs.first[first_doc : first_doc + n_docs + 1])
        f0, f1 = int(par_first[0]), int(par_first[-1])
        doc_of_par = paragraphs.doc[f0:f1] - first_doc
        # Candidates: body paragraphs (not the first) of documents of more than two
        # paragraphs, no cue, at least min_words words; judged where a document has two.
        n_par = np.diff(par_first)
        index = np.arange(f1 - f0) - (par_first[:-1] - f0).take(doc_of_par)
        lo, hi = found.lo[f0:f1], found.hi[f0:f1]
        cue = paragraphs.is_cue[f0:f1]
        cand = (index >= 1) & ~cue & (hi - lo >= min_words) & (n_par.take(doc_of_par) > 2)
        n_cand = np.bincount(doc_of_par[cand], minlength=n_docs)
        n_cand[n_cand < 2] = 0
        judged_par = n_cand.take(doc_of_par) > 0
        cand &= judged_par
        first_row = np.zeros(n_docs, dtype=np.int64)
        np.cumsum(n_cand[:-1], out=first_row[1:])
        par_row = np.where(cand, np.cumsum(cand) - 1, -1)
        layout = _Layout(
            first_doc,
            slice(f0, f1),
            doc_of_par,
            ~cue & judged_par,
            index,
            par_row,
            first_row,
            n_cand,
        )
        if first_row[-1] + n_cand[-1]:
            features, scores, means = self._rows(docs, found, layout)
        else:
            features = np.zeros((0, len(PARAGRAPH_FEATURES)))
            scores, means = np.zeros(0), np.ones(n_docs)
        return _Batch(layout, features, scores, means)

    def _rows(
        self, docs: Sequence[Document], found: _Words, layout: _Layout
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """The features and scores of the candidates of :meth:`_evaluate` (``layout``), and
        each article's mean similarity.

        What the paragraphs need is laid out for all articles in flat arrays, so that each
        step is one numpy call. An article's words get columns in order of first occurrence
        (in its non-cue paragraphs); each of its ``n`` candidates gets an own row and a rest
        row of ``V + 1`` values (a leading zero, then one per column), and the article two
        title-plus-lead rows (the lead row of its first candidate, and of the others). Each
        elementwise step, and each row sum (``np.add.reduceat``, which the leading zero makes
        numpy's pairwise sum of the row's values), gives the bits the same step gives on the
        article's own ``(n, V)`` rows: an article's features never depend on the batch it is
        in. Work that is 0.0 but at a paragraph's own words (own weights, and products with
        them) is done at those words only, on zeros. The topic projection and the paragraph
        model's dot products stay one BLAS call per article, on that article's matrix,
        because BLAS rounds a row differently within another stack of rows.
        """
        first_doc, chunk, doc_of_par, kept, place_of_par, par_row, first_row, n_cand = layout
        f0 = chunk.start
        paragraphs = found.paragraphs
        n_rows = int(first_row[-1] + n_cand[-1])
        judged = np.flatnonzero(n_cand)
        n_judged = len(judged)
        n_cands = n_cand.take(judged)
        n_cands_of = n_cands.tolist()
        log_n = np.repeat([math.log(n) for n in n_cands_of], n_cands)
        row_first = first_row.take(judged)  # each article's first candidate row
        cand_at = np.flatnonzero(par_row >= 0) + f0  # each row's paragraph
        # The kept paragraphs, each with its candidate row (-1: none), its judged document,
        # and the title-plus-lead vectors it is in (1: the first candidate's, 2: the
        # others'): the first paragraph, and the second candidate for the first one, the
        # first candidate for the others (every judged article has two candidates or more).
        lead = np.where(place_of_par == 0, 3, 0)
        lead[cand_at.take(row_first) - f0] |= 2
        lead[cand_at.take(row_first + 1) - f0] |= 1
        kept_row = par_row[kept]
        kept_lead = lead[kept]
        kept_doc = (np.cumsum(n_cand > 0) - 1).take(doc_of_par[kept])

        # The kept paragraphs' words, and each one's column: the rank of its first occurrence
        # among the first occurrences of its document's words (one sort of document and word).
        start_at = found.lo[chunk][kept]
        lengths = found.hi[chunk][kept] - start_at
        kept_start = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=kept_start[1:])
        n_tok = int(kept_start[-1] + lengths[-1])
        place = np.arange(n_tok, dtype=np.int64)
        tok = place + np.repeat(start_at - kept_start, lengths)
        ids = found.ids.take(tok)
        doc_of = np.repeat(np.asarray(kept_doc, dtype=np.int64), lengths)
        key = doc_of * len(found.vocab) + ids
        shift = n_tok.bit_length()
        if (n_judged * len(found.vocab)).bit_length() + shift < 63:
            packed = (key << shift) | place
            packed.sort()
            order = packed & ((1 << shift) - 1)
            key = packed >> shift
        else:
            order = np.argsort(key, kind="stable")
            key = key.take(order)
        new = np.empty(n_tok, dtype=np.bool_)
        new[0] = True
        np.not_equal(key[1:], key[:-1], out=new[1:])
        first_of = np.empty(n_tok, dtype=np.int64)
        first_of[order] = order[np.flatnonzero(new)].take(np.cumsum(new) - 1)
        is_first = first_of == place
        firsts = np.flatnonzero(is_first)  # each document's words in order of first occurrence
        # Where each word counts in the per-document (V + 1) arrays: 1 + its column.
        slot = (np.cumsum(is_first) - 1).take(first_of) + doc_of + 1
        article_of = doc_of.take(firsts)
        p_article = np.bincount(article_of, minlength=n_judged) + 1
        t_starts = np.zeros(n_judged, dtype=np.int64)
        np.cumsum(p_article[:-1], out=t_starts[1:])
        t_size = int(t_starts[-1] + p_article[-1])
        group = np.repeat(np.arange(n_judged, dtype=np.int64), n_cands)
        in_article = np.arange(n_rows) - row_first.take(group)  # each row's rank

        p_row = p_article.take(group)
        starts = np.zeros(n_rows, dtype=np.int64)
        np.cumsum(p_row[:-1], out=starts[1:])
        s_size = int(starts[-1] + p_row[-1])
        row_t = t_starts.take(group)

        # Counts: own rows by occurrence (``own_at``: each own word's place in the rows), the
        # article's totals, and its two title-plus-lead vectors (a candidate's lead row is
        # one of them); a rest row's counts are the totals less the own counts.
        tok_row = np.repeat(np.asarray(kept_row, dtype=np.int64), lengths)
        own = np.flatnonzero(tok_row >= 0)
        own_slot = slot.take(own)
        own_row_of = tok_row.take(own)
        own_at = (starts - row_t).take(own_row_of) + own_slot
        own_counts = np.bincount(own_at, minlength=s_size)
        totals = np.bincount(slot, minlength=t_size)
        tok_lead = np.repeat(np.asarray(kept_lead, dtype=np.int64), lengths)
        leads = np.stack(
            [
                np.bincount(slot[(tok_lead & 1) != 0], minlength=t_size),
                np.bincount(slot[(tok_lead & 2) != 0], minlength=t_size),
            ]
        )

        # Each column's IDF (and 0 for the leading zeros), then the weights: 1 + ln(tf) by
        # look-up (:data:`_TF`, past 63 as at 63; no count, a heading's too, exceeds its
        # article's total) times the IDF, 0.0 where a row lacks the word. A rest row is its
        # article's total row but at its paragraph's own words: laid down whole (one
        # broadcast copy per article, no gather over all rows), then those set.
        n_words = len(firsts)
        vocab_index = found.vocab.take(ids.take(firsts))
        slot_of = np.arange(n_words, dtype=np.int64) + article_of + 1
        known_at = np.flatnonzero(vocab_index >= 0)
        index_k = vocab_index[known_at]
        idf = np.zeros(t_size)
        idf[slot_of] = self.default_idf
        idf[slot_of[known_at]] = self.idf_[index_k]
        top = int(totals.max())
        tf = _TF if top < len(_TF) else np.concatenate([_TF, np.full(top + 1 - len(_TF), _TF[-1])])
        own_n = own_counts.take(own_at)
        own_total = totals.take(own_slot)
        own_idf = idf.take(own_slot)
        own_w = tf.take(own_n) * own_idf
        weighted = np.empty((2, s_size))
        weighted[0] = 0.0
        total_w = tf.take(totals) * idf
        for n, p_len, w_at, t_at in zip(
            n_cands_of,
            p_article.tolist(),
            starts.take(row_first).tolist(),
            t_starts.tolist(),
            strict=True,
        ):
            weighted[1, w_at : w_at + n * p_len].reshape(n, p_len)[:] = total_w[t_at : t_at + p_len]
        rest_w = tf.take(own_total - own_n) * own_idf
        weighted[1][own_at] = rest_w
        lead_w = tf.take(leads) * idf
        # Unit rows: the norms of both planes' rows (an own row's squares laid down in its
        # plane of zeros first, then its weights), the own and rest rows at their own words
        # only (the rest rows divided whole where a heading needs them).
        own_plane = weighted[0]
        own_plane[own_at] = own_w * own_w
        own_scale = np.maximum(np.sqrt(np.add.reduceat(own_plane, starts)), 1e-12)
        own_plane[own_at] = own_w
        rest_scale = np.maximum(np.sqrt(np.add.reduceat(weighted[1] * weighted[1], starts)), 1e-12)
        own_unit = own_w / own_scale.take(own_row_of)
        rest_own_unit = rest_w / rest_scale.take(own_row_of)
        lead_unit = _unit_segments(lead_w, t_starts, p_article)
        own_mass = np.maximum(np.add.reduceat(own_plane, starts), 1e-9)

        # Topics: per article, one projection (one BLAS call) of its matrix of own rows,
        # rest rows and the two title-plus-lead rows at its K known columns, into its block
        # of ``projected``; then each candidate's own, rest and lead projections. Of ``n``
        # candidates the matrix was once ``3n`` rows, a lead row for each candidate. OpenBLAS
        # computes each row of a product alike, but the last of an odd number of rows: with
        # ``n`` odd, the last candidate's lead row was such a row, and is copied last again
        # (tests/test_offtopic.py: test_projection_rows_are_those_of_the_three_n_row_matrix).
        known_slot = slot_of[known_at]
        column = known_slot - t_starts[article_of[known_at]]  # 1 + the local column
        lead_known = lead_w.take(known_slot, axis=1)
        bounds = np.searchsorted(known_at, t_starts - np.arange(n_judged)).tolist()
        bounds.append(len(known_at))
        topics = self.topics64_
        n_topics = topics.shape[1]
        odd = n_cands & 1
        n_matrix = 2 * n_cands + 2 + odd
        matrix_at = np.zeros(n_judged, dtype=np.int64)
        np.cumsum(n_matrix[:-1], out=matrix_at[1:])
        projected = np.empty((int(matrix_at[-1] + n_matrix[-1]), n_topics))
        for n, m, p_len, at, row, (lo_k, hi_k) in zip(
            n_cands_of,
            n_matrix.tolist(),
            p_article.tolist(),
            starts.take(row_first).tolist(),
            matrix_at.tolist(),
            pairwise(bounds),
            strict=True,
        ):
            k = hi_k - lo_k
            matrix = np.empty((m, k))
            block = weighted[:, at : at + n * p_len].reshape(2, n, p_len)
            block.take(column[lo_k:hi_k], axis=2, out=matrix[: 2 * n].reshape(2, n, k), mode="clip")
            matrix[2 * n : 2 * n + 2] = lead_known[:, lo_k:hi_k]
            if m & 1:
                matrix[-1] = matrix[-2]
            np.matmul(matrix, topics.take(index_k[lo_k:hi_k], axis=0), out=projected[row : row + m])

        # Row sums of products that are 0.0 but at a row's own words, each laid down in the
        # own plane (the projections are done with it: its rows are 0.0 but at those words)
        # in turn: own and rest, own and lead, own weights of words found nowhere else in
        # the article.
        lead_of = np.where(in_article == 0, 0, t_size).take(own_row_of) + own_slot
        own_plane[own_at] = own_unit * rest_own_unit
        sim_rest = np.add.reduceat(own_plane, starts)
        own_plane[own_at] = own_unit * lead_unit.reshape(-1).take(lead_of)
        sim_lead = np.add.reduceat(own_plane, starts)
        own_plane[own_at] = np.where(own_n == own_total, own_w, 0.0)
        novel = np.add.reduceat(own_plane, starts) / own_mass
        n_of_row = n_cands.take(group)
        own_row = matrix_at.take(group) + in_article
        lead_pick = (
            matrix_at.take(group)
            + 2 * n_of_row
            + (in_article > 0)
            + ((in_article == n_of_row - 1) & (odd.take(group) == 1))
        )
        picked = np.concatenate([own_row, own_row + n_of_row, lead_pick])
        topical = projected.take(picked, axis=0).reshape(3, n_rows, n_topics)
        topical_n = topical / np.maximum(
            np.sqrt((topical * topical).sum(axis=2, keepdims=True)), 1e-12
        )
        topic_rest = (topical_n[0] * topical_n[1]).sum(axis=1)
        topic_lead = (topical_n[0] * topical_n[2]).sum(axis=1)
        rel = np.log(
            (sim_rest + _SIM_SMOOTH) / (_loo_median(sim_rest, group, row_first) + _SIM_SMOOTH)
        )
        topic_rel = topic_rest - _loo_median(topic_rest, group, row_first)

        # Headings: a candidate's title-like first line, compared with the rest: the unit
        # vectors of all headings at once (segments with a leading zero, as the rows), then
        # one dot product each, as numpy's dot sums a row.
        row_kept = np.flatnonzero(kept_row >= 0)
        n_par_words = lengths.take(row_kept)
        heading_novelty = np.zeros(n_rows)
        multi_line = np.flatnonzero(paragraphs.n_lines.take(cand_at) > 1)
        heads: list[int] = []
        n_heads: list[int] = []
        if len(multi_line):
            at = cand_at.take(multi_line)
            for r, a, head_start, head_end, n_words_r in zip(
                multi_line.tolist(),
                judged.take(group.take(multi_line)).tolist(),
                paragraphs.start.take(at).tolist(),
                paragraphs.head_end.take(at).tolist(),
                n_par_words.take(multi_line).tolist(),
                strict=True,
            ):
                n_head = _heading_words(docs[a].text[head_start:head_end], n_words_r)
                if n_head:
                    heads.append(r)
                    n_heads.append(n_head)
        if heads:
            head_row = np.asarray(heads, dtype=np.int64)
            head_n = np.asarray(n_heads, dtype=np.int64)
            head_p = p_row.take(head_row)
            head_starts = np.zeros(len(heads), dtype=np.int64)
            np.cumsum(head_p[:-1], out=head_starts[1:])
            head_shift = np.repeat(row_t.take(head_row) - head_starts, head_p)
            head_first = np.zeros(len(heads), dtype=np.int64)
            np.cumsum(head_n[:-1], out=head_first[1:])
            head_tok = np.arange(int(head_first[-1] + head_n[-1]), dtype=np.int64) + np.repeat(
                kept_start.take(row_kept.take(head_row)) - head_first, head_n
            )
            head_at = slot.take(head_tok) - np.repeat(row_t.take(head_row) - head_starts, head_n)
            head_size = len(head_shift)
            head_w = tf.take(np.bincount(head_at, minlength=head_size)) * idf.take(
                np.arange(head_size, dtype=np.int64) + head_shift
            )
            head_unit = _unit_segments(head_w[None, :], head_starts, head_p)[0]
            smooth = math.log(_SIM_SMOOTH)
            for r, h, s, p_len in zip(
                heads,
                head_starts.tolist(),
                starts.take(head_row).tolist(),
                head_p.tolist(),
                strict=True,
            ):
                rest_unit = weighted[1, s + 1 : s + p_len] / rest_scale[r]
                sim = float(np.dot(head_unit[h + 1 : h + p_len], rest_unit))
                heading_novelty[r] = math.log(sim + _SIM_SMOOTH) / smooth

        # Names: the share of each paragraph's capitalised mid-sentence words absent elsewhere.
        names = own.take(_names(found.scan, tok.take(own)))
        ent_row = tok_row.take(names)
        ent_col = slot.take(names) - 1 - t_starts.take(doc_of.take(names))
        if found.fallback:
            more_row, more_col = _fallback_names(
                docs, found, first_doc, judged, cand_at, first_row, n_cand, ids, firsts, article_of
            )
            ent_row = np.concatenate([ent_row, more_row])
            ent_col = np.concatenate([ent_col, more_col])
        n_ent = np.bincount(ent_row, minlength=n_rows).astype(float)
        ent_at = starts.take(ent_row) + 1 + ent_col
        absent = own_counts.take(ent_at) == totals.take(row_t.take(ent_row) + 1 + ent_col)
        missing = np.bincount(ent_row, weights=absent, minlength=n_rows) / np.maximum(n_ent, 1.0)
        features = np.stack(
            (
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
                np.log(n_par_words.astype(float)),
                log_n,
                heading_novelty,
            ),
            axis=1,
        )
        logits = np.empty(n_rows)
        for row, n in zip(row_first.tolist(), n_cands_of, strict=True):
            np.matmul(features[row : row + n], self.coef_, out=logits[row : row + n])
        scores = 1.0 / (1.0 + np.exp(-(logits + self.intercept_)))
        # Mean similarity per article: row sums with a leading zero, as np.mean sums.
        padded = np.zeros(n_rows + n_judged)
        padded[np.arange(n_rows) + group + 1] = sim_rest
        means = np.ones(len(first_row))
        means[judged] = np.add.reduceat(padded, row_first + np.arange(n_judged)) / np.asarray(
            n_cands, dtype=float
        )
        return features, scores, means


def _fallback_names(
    docs: Sequence[Document],
    found: _Words,
    first_doc: int,
    judged: npt.NDArray[np.int64],
    cand_at: npt.NDArray[np.int64],
    first_row: npt.NDArray[np.int64],
    n_cand: npt.NDArray[np.int64],
    ids: npt.NDArray[np.int64],
    firsts: npt.NDArray[np.int64],
    article_of: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Rows and columns of the names of the judged fallback documents, found on the text by
    pattern and looked up among the document's words (as before the scan)."""
    rows: list[int] = []
    cols: list[int] = []
    bounds = np.searchsorted(article_of, np.arange(len(judged) + 1)).tolist()
    paragraphs = found.paragraphs
    for j, k in enumerate(judged.tolist()):
        if first_doc + k not in found.fallback:
            continue
        text = docs[k].text
        column = {w: c for c, w in enumerate(ids[firsts[bounds[j] : bounds[j + 1]]].tolist())}
        gapped = "  " in text or "\t" in text  # names may follow longer gaps
        entity_re = _ENTITY_RES[word_re(text)]
        for r in range(int(first_row[k]), int(first_row[k] + n_cand[k])):
            p = int(cand_at[r])
            start, end = int(paragraphs.start[p]), int(paragraphs.end[p])
            if gapped:
                found_names = _entities(text, start, end, entity_re)
            else:
                found_names = _NAME_RE.findall(text, start, end)
            if not found_names:
                continue
            lowered = "\n".join(found_names).lower().replace("’", "'").split("\n")
            for name in lowered:
                word = found.scan.low_index.get(name)
                if word is None:
                    word = found.extra.get(name, -1)
                c = column.get(word, -1)
                if c >= 0:
                    rows.append(r)
                    cols.append(c)
    return np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)


class _Paragraphs(NamedTuple):
    """:attr:`pipeline.text.Document.paragraphs` of a scan's texts as arrays (see
    :func:`_paragraphs`), paragraph after paragraph, text after text."""

    first: list[int]  # per text (and one past the last): its first paragraph
    doc: npt.NDArray[np.int64]  # per paragraph: its text
    start: npt.NDArray[np.int64]  # ... its start in the text
    end: npt.NDArray[np.int64]  # ... its end (its last line's, without a closing \r)
    head_end: npt.NDArray[np.int64]  # ... the end of its first line
    n_lines: npt.NDArray[np.int64]  # ... how many lines it has
    cues: list[str | None]  # ... the cue of its first cue line (:func:`cue_line`), if any
    is_cue: npt.NDArray[np.bool_]  # ... whether it has one


class _Words(NamedTuple):
    """What off-topic reads in a group of documents (see :meth:`OfftopicDetector._words`):
    their paragraphs, and the scan's tokens, then the words of the fallback documents, as
    ids of lower-cased words (the scan's ``low_words``, then ``extra``)."""

    scan: ScanBatch
    ids: npt.NDArray[np.int64]  # per word occurrence: its lower-cased word
    vocab: npt.NDArray[np.int64]  # per lower-cased word: its index in the model's vocabulary, -1
    paragraphs: _Paragraphs
    lo: npt.NDArray[np.int64]  # per paragraph: its first word occurrence in ``ids``
    hi: npt.NDArray[np.int64]  # ... and one past its last
    fallback: frozenset[int]  # documents read from Document.paragraph_words
    extra: dict[str, int]  # the fallback documents' words the scan lacks -> their ids


class _Layout(NamedTuple):
    """The candidates of a chunk of documents (see :meth:`OfftopicDetector._evaluate`), per
    paragraph and per document of the chunk."""

    first_doc: int  # the chunk's first document in its group
    paragraphs: slice  # the chunk's paragraphs in the group's
    doc: npt.NDArray[np.int64]  # per paragraph: its document in the chunk
    kept: npt.NDArray[np.bool_]  # ... a non-cue paragraph of a judged document
    place: npt.NDArray[np.int64]  # ... its place in its document
    row: npt.NDArray[np.int64]  # ... its candidate row (-1: no candidate)
    first_row: npt.NDArray[np.int64]  # per document: its first candidate's row
    n_cand: npt.NDArray[np.int64]  # ... its number of candidates (0: fewer than two)


@dataclass(frozen=True)
class _Batch:
    """What :meth:`OfftopicDetector._evaluate` makes of a chunk of documents: its
    candidates, and their features and scores."""

    layout: _Layout
    features: FloatArray  # one row per candidate, article after article
    scores: FloatArray
    mean_similarity: FloatArray  # per article


_LOWERS_APART: dict[int, bool] = {}  # code point -> see _lowers_apart
# Per code point (past the end: the last entry, False): a capital that may open a name, and a
# character after which a capitalised word is a name (:data:`_ENTITY_AFTER`).
_CAPITALS = np.zeros(257, dtype=np.bool_)
_CAPITALS[[*range(65, 91), *range(0xC0, 0xD7), *range(0xD8, 0xDF)]] = True
_NAME_AFTER = np.zeros(max(map(ord, _ENTITY_AFTER)) + 2, dtype=np.bool_)
_NAME_AFTER[[ord(c) for c in _ENTITY_AFTER]] = True
_SPACE, _TAB = 32, 9


def _lowers_apart(point: int) -> bool:
    """Whether lower-casing ``point`` inside a text may split or join words differently from
    lower-casing each word alone: it lowers to another length or into another class of the
    tokenizer, or it is the capital sigma (lowered by its context)."""
    apart = _LOWERS_APART.get(point)
    if apart is None:
        lowered = chr(point).lower()
        apart = (
            point == 0x3A3
            or len(lowered) != 1
            or (char_class(point) ^ char_class(ord(lowered))) & (ALNUM | JOIN) != 0
        )
        _LOWERS_APART[point] = apart
    return apart


def _fallback_docs(scan: ScanBatch) -> list[int]:
    """The documents of ``scan`` holding a character that :func:`_lowers_apart`."""
    wide = np.flatnonzero(scan.codes > 127)
    if not len(wide):
        return []
    points = scan.codes.take(wide)
    odd = [p for p in np.unique(points).tolist() if _lowers_apart(p)]
    if not odd:
        return []
    where = wide[np.isin(points, odd)]
    found: list[int] = np.unique(np.searchsorted(scan.offsets, where, side="right") - 1).tolist()
    return found


def _names(scan: ScanBatch, tokens: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Which of the scan's ``tokens`` (positions in it) are names as :func:`_entities`
    finds them (and :data:`_NAME_RE`, on texts without tabs or double spaces): a capital
    ``[A-ZÀ-ÖØ-Þ]`` opening the word, after spaces or tabs that follow a word character or
    one of :data:`_ENTITY_AFTER` on the same line. Tokens past the scan's are none."""
    codes = scan.codes
    token_at = scan.at
    at = token_at.take(tokens, mode="clip")
    picked = np.flatnonzero(_CAPITALS.take(codes.take(at), mode="clip"))
    picked = picked[tokens.take(picked) < len(token_at)]
    at = at.take(picked)
    before = codes.take(at - 1)  # the joined text opens with a line break: at >= 1
    spaced = (before == _SPACE) | (before == _TAB)
    picked = picked[spaced]
    gap = at[spaced] - 2  # >= 0: a space follows the opening line break at the earliest
    walking = np.flatnonzero((codes.take(gap) == _SPACE) | (codes.take(gap) == _TAB))
    while len(walking):  # longer runs of spaces and tabs
        gap[walking] -= 1
        stop = codes.take(gap.take(walking))
        walking = walking[(stop == _SPACE) | (stop == _TAB)]
    after = ((scan.classes.take(gap) & ALNUM) != 0) | _NAME_AFTER.take(codes.take(gap), mode="clip")
    found: npt.NDArray[np.int64] = picked[after]
    return found


# Cue lines: a stripped line that _CUE_RE or _CAPS_CUE_RE matches opens, within its first
# four characters (after at most three \W), with the first two letters of a cue, matched as
# re.IGNORECASE matches them. Lines without such a pair are no cue lines (:func:`_paragraphs`
# tests only the others with :func:`cue_line`).
_CUE_OPENINGS = ("al", "re", "mo", "se", "yo", "do", "mu", "su")
_OPENING_RES = [tuple(re.compile(c, re.IGNORECASE) for c in pair) for pair in _CUE_OPENINGS]
_OPENING_MASKS: dict[int, tuple[int, int]] = {}  # code point -> see _opening_masks


def _opening_masks(point: int) -> tuple[int, int]:
    """Bit ``b`` of the first (second) mask: ``point`` matches the first (second) letter of
    ``_CUE_OPENINGS[b]`` in a case-insensitive pattern."""
    masks = _OPENING_MASKS.get(point)
    if masks is None:
        char = chr(point)
        first = second = 0
        for bit, (first_re, second_re) in enumerate(_OPENING_RES):
            first |= (first_re.fullmatch(char) is not None) << bit
            second |= (second_re.fullmatch(char) is not None) << bit
        masks = _OPENING_MASKS[point] = (first, second)
    return masks


# Per ASCII code point (and 128: any other), its two masks.
_ASCII_OPENINGS = np.array([*map(_opening_masks, range(128)), (0, 0)], dtype=np.uint8).T.copy()


def _paragraphs(scan: ScanBatch, lines: LineBatch) -> _Paragraphs:
    """The paragraphs of ``lines`` (:func:`pipeline.text.split_batch_lines` of ``scan``)
    with each one's cue (:func:`cue_line` of its first cue line), tested only on the lines
    whose opening :data:`_CUE_OPENINGS` allows."""
    first_line, last_line = lines.first_line, lines.last_line
    doc = lines.paragraph_doc()
    start, end = lines.paragraph_spans()
    # Cue lines: each line's first four characters that are no space, as opening pairs.
    probe = np.flatnonzero(lines.filled)
    at = lines.text_at.take(probe)[:, None] + np.arange(5)
    points = scan.codes.take(at, mode="clip")
    masks = _ASCII_OPENINGS.take(np.minimum(points, 128), axis=1)
    wide = np.flatnonzero(points > 127)
    if len(wide):
        masks.reshape(2, -1)[:, wide] = np.array(
            [_opening_masks(p) for p in points.reshape(-1).take(wide).tolist()], dtype=np.uint8
        ).T
    opening = ((masks[0, :, :4] & masks[1, :, 1:]) != 0).any(axis=1)
    cues: list[str | None] = [None] * len(first_line)
    is_cue = np.zeros(len(first_line), dtype=np.bool_)
    cue_lines = probe[opening]
    if len(cue_lines):
        paragraph = np.searchsorted(first_line, cue_lines, side="right") - 1
        texts = scan.texts
        for k, a, b, e in zip(
            paragraph.tolist(),
            lines.doc.take(cue_lines).tolist(),
            lines.start.take(cue_lines).tolist(),
            lines.end.take(cue_lines).tolist(),
            strict=True,
        ):
            if cues[k] is None:
                cues[k] = cue = cue_line(texts[a][b:e])
                is_cue[k] = cue is not None
    return _Paragraphs(
        lines.paragraph_first.tolist(),
        doc,
        start,
        end,
        lines.end.take(first_line),
        last_line - first_line + 1,
        cues,
        is_cue,
    )


def _heading_words(first_line: str, n_words: int) -> int:
    """How many of a multi-line paragraph's ``n_words`` words form its title-like
    ``first_line`` (a pasted story's headline, seed 002), or 0: short, no closing
    punctuation, and followed by longer text."""
    n_head = len(words(first_line))
    lo, hi = _HEADING_WORDS
    if not lo <= n_head <= hi or _HEADING_END_RE.search(first_line):
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


# 1 + ln(tf) for counted words, 0 elsewhere, by look-up (tf capped at 63).
_TF = np.concatenate([[0.0], 1.0 + np.log(np.arange(1, 64))])


def _unit_segments(
    a: FloatArray, starts: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]
) -> FloatArray:
    """Unit vectors of the segments of each row of ``a`` (2-d) that start at ``starts`` and
    are ``lengths`` long, each starting with a zero: each segment divided by its Euclidean
    norm (at least 1e-12), with the bits of ``r / np.sqrt((r * r).sum())`` on the segment
    ``r`` without its zero (the zero makes ``np.add.reduceat`` numpy's pairwise sum of the
    rest)."""
    width = a.shape[1]
    flat = a.reshape(-1)
    at = np.concatenate([starts + width * r for r in range(a.shape[0])])
    norms = np.sqrt(np.add.reduceat(flat * flat, at))
    out: FloatArray = np.repeat(np.maximum(norms, 1e-12), np.tile(lengths, a.shape[0]))
    np.divide(flat, out, out=out)
    return out.reshape(a.shape)
