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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from pipeline.article import Finding
from pipeline.config import OfftopicSettings
from pipeline.detectors.base import Detection, Detector
from pipeline.text import Document, Paragraph, Token, words

FloatArray = npt.NDArray[np.float64]

# A link to another story: the cue, a separator (or, for all-caps cues, just a space), then a
# title of at least two words. Bare headers ("Related Posts", "You might also like") are
# boilerplate, not insertions, and are left alone.
_CUES = (
    r"also\s+read|read\s+also|read\s+more|more\s+from|related(?:\s+(?:story|article|news|"
    r"coverage|reading|content))?|recommended(?:\s+reading)?|see\s+also|read\s+next|"
    r"you\s+(?:may|might)\s+also\s+like|don['’]t\s+miss|must\s+read|suggested\s+reading"
)
_CUE_RE = re.compile(
    rf"^\W{{0,3}}(?P<cue>{_CUES})\s*[:|»>\-–—]+\s*\W{{0,3}}\w+[\w'’,.]*\s+\w", re.IGNORECASE
)
_CAPS_CUE_RE = re.compile(r"^\W{0,3}(?P<cue>ALSO READ|READ ALSO|READ MORE|RELATED)\s+\w+\W*\s+\w")
_CUE_MAX_CHARS = 250

# Text between two tokens that means the second one may start a sentence or a quote, so a
# capital there says nothing about a name.
_SENTENCE_GAP_RE = re.compile(r"[.!?:;\"“”‘(\[—–\n]")

_SIM_SMOOTH = 0.02
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
    "novel_mass",
    "entity_missing_share",
    "log_entities",
    "log_words",
    "log_candidates",
    "has_heading",
    "heading_sim_rest",
)
"""Inputs of the paragraph model, in order (see :meth:`OfftopicDetector.paragraph_features`)."""

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
        idf: Sequence[float],
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
        self.topics_ = np.asarray(topics, dtype=np.float16)
        if self.topics_.ndim != 2 or self.topics_.shape[0] != len(vocab) != len(self.idf_):
            raise ValueError("offtopic: vocab, idf and topic vectors disagree")
        self.coef_ = np.asarray(coef, dtype=float)
        self.intercept_ = float(intercept)

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
        judgements = self.judge(doc)
        threshold = self.settings.paragraph_threshold
        findings: list[Finding] = []
        flagged_chars = 0
        for j in judgements:
            if j.score < threshold:
                continue
            p = j.paragraph
            if j.cue is not None:
                reason = f"'{j.cue}' cue line links another story"
            else:
                reason = (
                    "paragraph shares little with the rest of the article "
                    f"(similarity {j.similarity or 0.0:.2f})"
                )
            findings.append(Finding.at(doc.text, "offtopic", p.start, p.end, j.score, reason))
            flagged_chars += p.end - p.start
        judged = [j for j in judgements if j.features is not None]
        sims = [j.similarity for j in judged if j.similarity is not None]
        rel = [j.features[PARAGRAPH_FEATURES.index("sim_vs_median")] for j in judged if j.features]
        ent = [
            j.features[PARAGRAPH_FEATURES.index("entity_missing_share")] for j in judged if j.features
        ]
        content_chars = sum(p.end - p.start for p in doc.paragraphs)
        features = [
            max((j.score for j in judgements), default=0.0),
            float(len(findings)),
            flagged_chars / content_chars if content_chars else 0.0,
            float(sum(j.cue is not None for j in judgements)),
            min(sims, default=1.0),
            float(np.mean(sims)) if sims else 1.0,
            min(rel, default=0.0),
            max(ent, default=0.0),
        ]
        return self._detection(features, findings)

    def judge(self, doc: Document) -> list[ParagraphJudgement]:
        """A judgement for every cue paragraph and every body paragraph long enough to judge."""
        paragraphs = doc.paragraphs
        if not paragraphs:
            return []
        cues = [_paragraph_cue(p) for p in paragraphs]
        out: list[ParagraphJudgement] = [
            ParagraphJudgement(p, i, self.settings.cue_score, None, cue, None)
            for i, (p, cue) in enumerate(zip(paragraphs, cues))
            if cue is not None
        ]
        token_rows = _tokens_by_paragraph(doc, paragraphs)
        candidates = [
            i
            for i in range(1, len(paragraphs))
            if cues[i] is None and len(token_rows[i]) >= self.settings.min_words
        ]
        if len(candidates) >= 2:
            features = self._paragraph_features(doc, token_rows, candidates, cues)
            scores = 1.0 / (1.0 + np.exp(-(features @ self.coef_ + self.intercept_)))
            for row, i in enumerate(candidates):
                out.append(
                    ParagraphJudgement(
                        paragraphs[i],
                        i,
                        float(scores[row]),
                        float(features[row, 0]),
                        None,
                        tuple(float(v) for v in features[row]),
                    )
                )
        out.sort(key=lambda j: j.index)
        return out

    def _paragraph_features(
        self,
        doc: Document,
        token_rows: list[list[Token]],
        candidates: list[int],
        cues: list[str | None],
    ) -> FloatArray:
        """The :data:`PARAGRAPH_FEATURES` of each candidate paragraph (one row each)."""
        n_par = len(token_rows)
        vocab: dict[str, int] = {}
        flat_rows: list[int] = []
        flat_cols: list[int] = []
        entities: list[list[int]] = [[] for _ in range(n_par)]
        text = doc.text
        for i, toks in enumerate(token_rows):
            if cues[i] is not None:
                continue  # a link line is foreign matter: not part of "the rest"
            prev_end = -1
            for tok in toks:
                col = vocab.setdefault(tok.lower, len(vocab))
                flat_rows.append(i)
                flat_cols.append(col)
                if (
                    prev_end >= 0
                    and tok.text[0].isupper()
                    and not _SENTENCE_GAP_RE.search(text, prev_end, tok.start)
                ):
                    entities[i].append(col)
                prev_end = tok.end
        n_vocab = len(vocab)
        counts = np.bincount(
            np.asarray(flat_rows) * n_vocab + np.asarray(flat_cols), minlength=n_par * n_vocab
        ).reshape(n_par, n_vocab)
        index = np.fromiter((self.vocab.get(w, -1) for w in vocab), dtype=np.int64, count=n_vocab)
        known = index >= 0
        idf = np.where(known, self.idf_[index].astype(float), self.default_idf)
        topic_words = self.topics_[index].astype(float) * known[:, None]
        cand = np.asarray(candidates)
        own = counts[cand].astype(float)
        rest = counts.sum(axis=0)[None, :] - own
        own_w = _sublinear(own) * idf
        rest_w = _sublinear(rest) * idf
        sim_rest = _row_cosine(own_w, rest_w)

        # Title plus lead: the first judged paragraph, or the second one for the lead itself.
        lead_of = np.where(cand == cand[0], cand[1], cand[0])
        lead = counts[0][None, :] + counts[lead_of]
        lead_w = _sublinear(lead.astype(float)) * idf
        sim_lead = _row_cosine(own_w, lead_w)
        own_t = own_w @ topic_words
        topic_rest = _row_cosine(own_t, rest_w @ topic_words)
        topic_lead = _row_cosine(own_t, lead_w @ topic_words)

        n = len(candidates)
        rel = np.empty(n)
        for k in range(n):
            others = np.delete(sim_rest, k)
            rel[k] = math.log((sim_rest[k] + _SIM_SMOOTH) / (float(np.median(others)) + _SIM_SMOOTH))

        mass = own_w.sum(axis=1)
        novel = (own_w * (rest == 0)).sum(axis=1) / np.maximum(mass, 1e-9)
        missing = np.zeros(n)
        n_ent = np.zeros(n)
        for k, i in enumerate(candidates):
            ents = entities[i]
            if ents:
                n_ent[k] = len(ents)
                missing[k] = float(np.mean(rest[k, ents] == 0))
        n_words = np.asarray([len(token_rows[i]) for i in candidates], dtype=float)
        has_heading = np.zeros(n)
        heading_sim = np.zeros(n)
        for k, i in enumerate(candidates):
            n_head = _heading_tokens(doc.paragraphs[i], token_rows[i])
            if n_head:
                has_heading[k] = 1.0
                cols = [vocab[t.lower] for t in token_rows[i][:n_head]]
                head = np.bincount(np.asarray(cols), minlength=n_vocab)[None, :].astype(float)
                block_rest = rest[k : k + 1].astype(float)
                heading_sim[k] = _row_cosine(_sublinear(head) * idf, _sublinear(block_rest) * idf)[0]
        return np.column_stack(
            [
                sim_rest,
                topic_rest,
                topic_lead,
                np.log(sim_rest + _SIM_SMOOTH),
                sim_lead,
                np.log(sim_lead + _SIM_SMOOTH),
                rel,
                novel,
                missing,
                np.log1p(n_ent),
                np.log(n_words),
                np.full(n, math.log(n)),
                has_heading,
                heading_sim,
            ]
        )


def _paragraph_cue(paragraph: Paragraph) -> str | None:
    for line in paragraph.lines:
        cue = cue_line(line.text)
        if cue is not None:
            return cue
    return None


def _heading_tokens(paragraph: Paragraph, tokens: list[Token]) -> int:
    """How many of ``tokens`` form a title-like first line of a multi-line paragraph (a
    pasted story's headline, seed 002), or 0: short, no closing punctuation, and followed by
    longer text."""
    if len(paragraph.lines) < 2:
        return 0
    first = paragraph.lines[0]
    n_head = sum(1 for t in tokens if t.end <= first.end)
    lo, hi = _HEADING_WORDS
    if not lo <= n_head <= hi or _HEADING_END_RE.search(first.text):
        return 0
    return n_head if len(tokens) - n_head > n_head else 0


def _tokens_by_paragraph(doc: Document, paragraphs: list[Paragraph]) -> list[list[Token]]:
    """The document's tokens grouped by paragraph, in one pass."""
    rows: list[list[Token]] = [[] for _ in paragraphs]
    k = 0
    n = len(paragraphs)
    for tok in doc.tokens:
        while k < n and tok.start >= paragraphs[k].end:
            k += 1
        if k == n:
            break
        if tok.start >= paragraphs[k].start:
            rows[k].append(tok)
    return rows


def _sublinear(counts: FloatArray) -> FloatArray:
    out: FloatArray = np.where(counts > 0, 1.0 + np.log(np.maximum(counts, 1.0)), 0.0)
    return out


def _row_cosine(a: FloatArray, b: FloatArray) -> FloatArray:
    num = (a * b).sum(axis=1)
    den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    out: FloatArray = np.where(den > 0, num / np.maximum(den, 1e-12), 0.0)
    return out
