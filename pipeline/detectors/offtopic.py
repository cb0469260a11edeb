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
from itertools import chain, repeat
from typing import ClassVar

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
    "topic_vs_median",
    "novel_mass",
    "entity_missing_share",
    "log_entities",
    "log_words",
    "log_candidates",
    "heading_novelty",
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
            j.features[PARAGRAPH_FEATURES.index("entity_missing_share")]
            for j in judged
            if j.features
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
            for i, (p, cue) in enumerate(zip(paragraphs, cues, strict=True))
            if cue is not None
        ]
        paragraph_words = doc.paragraph_words
        candidates = [
            i
            for i in range(1, len(paragraphs))
            if cues[i] is None and len(paragraph_words[i]) >= self.settings.min_words
        ]
        if len(candidates) >= 2:
            features = self._paragraph_features(doc, paragraph_words, candidates, cues)
            scores = 1.0 / (1.0 + np.exp(-(features @ self.coef_ + self.intercept_)))
            for row, i in enumerate(candidates):
                out.append(
                    ParagraphJudgement(
                        paragraphs[i],
                        i,
                        float(scores[row]),
                        float(features[row, 0]),
                        None,
                        tuple(features[row].tolist()),
                    )
                )
        out.sort(key=lambda j: j.index)
        return out

    def _paragraph_features(
        self,
        doc: Document,
        paragraph_words: list[list[str]],
        candidates: list[int],
        cues: list[str | None],
    ) -> FloatArray:
        """The :data:`PARAGRAPH_FEATURES` of each candidate paragraph (one row each)."""
        paragraphs = doc.paragraphs
        n_par = len(paragraphs)
        # A link line is foreign matter: not part of "the rest".
        rows = [i for i in range(n_par) if cues[i] is None]
        flat_words = list(chain.from_iterable(paragraph_words[i] for i in rows))
        flat_rows = np.repeat(
            np.asarray(rows, dtype=np.int64),
            np.fromiter(map(len, (paragraph_words[i] for i in rows)), np.int64, len(rows)),
        )
        # Columns in order of first occurrence.
        column = {w: c for c, w in enumerate(dict.fromkeys(flat_words))}
        n_vocab = len(column)
        flat_cols = np.fromiter(map(column.__getitem__, flat_words), np.int64, len(flat_words))
        background = np.fromiter(
            map(self.vocab.get, column, repeat(-1, n_vocab)), dtype=np.int64, count=n_vocab
        )
        counts = np.bincount(flat_rows * n_vocab + flat_cols, minlength=n_par * n_vocab).reshape(
            n_par, n_vocab
        )
        known = background >= 0
        index = background[known]
        idf = np.full(n_vocab, self.default_idf)
        idf[known] = self.idf_[index]
        cand = np.asarray(candidates)
        n = len(candidates)
        own = counts[cand]
        rest = counts.sum(axis=0)[None, :] - own
        # Title plus lead: the first judged paragraph, or the second one for the lead itself.
        lead = counts[0][None, :] + counts[np.where(cand == cand[0], cand[1], cand[0])]
        # One weighting and one projection for all three kinds of rows: own, rest, lead.
        weighted = _sublinear(np.vstack([own, rest, lead])) * idf
        topical = weighted[:, known] @ self.topics_[index]
        lexical_n = _unit_rows(weighted)
        topical_n = _unit_rows(topical)
        own_n, rest_n, lead_n = lexical_n[:n], lexical_n[n : 2 * n], lexical_n[2 * n :]
        sim_rest = (own_n * rest_n).sum(axis=1)
        sim_lead = (own_n * lead_n).sum(axis=1)
        topic_rest = (topical_n[:n] * topical_n[n : 2 * n]).sum(axis=1)
        topic_lead = (topical_n[:n] * topical_n[2 * n :]).sum(axis=1)
        rel = np.log((sim_rest + _SIM_SMOOTH) / (_loo_median(sim_rest) + _SIM_SMOOTH))
        topic_rel = topic_rest - _loo_median(topic_rest)
        own_w = weighted[:n]
        novel = (own_w * (rest == 0)).sum(axis=1) / np.maximum(own_w.sum(axis=1), 1e-9)

        # Names: the share of each paragraph's capitalised mid-sentence words absent elsewhere.
        ent_rows: list[int] = []
        ent_cols: list[int] = []
        heading_novelty = np.zeros(n)
        entity_re = _ENTITY_RES[word_re(doc.text)]
        for k, i in enumerate(candidates):
            paragraph = paragraphs[i]
            entities = _entities(doc.text, paragraph.start, paragraph.end, entity_re)
            cols = [column[w] for w in entities if w in column]
            ent_rows.extend([k] * len(cols))
            ent_cols.extend(cols)
            n_head = _heading_words(paragraph, len(paragraph_words[i]))
            if n_head:
                head_cols = np.asarray([column[w] for w in paragraph_words[i][:n_head]])
                head = np.bincount(head_cols, minlength=n_vocab)[None, :]
                sim = float(np.dot(_unit_rows(_sublinear(head) * idf)[0], rest_n[k]))
                heading_novelty[k] = math.log(sim + _SIM_SMOOTH) / math.log(_SIM_SMOOTH)
        n_ent = np.bincount(np.asarray(ent_rows, dtype=np.int64), minlength=n).astype(float)
        absent = (
            rest[np.asarray(ent_rows, dtype=np.int64), np.asarray(ent_cols, dtype=np.int64)] == 0
        )
        missing = np.bincount(
            np.asarray(ent_rows, dtype=np.int64), weights=absent, minlength=n
        ) / np.maximum(n_ent, 1.0)
        n_words = np.asarray([len(paragraph_words[i]) for i in candidates], dtype=float)
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
            np.log(n_words),
            math.log(n),
            heading_novelty,
        )
        out = np.empty((n, len(columns)))
        for j, values in enumerate(columns):
            out[:, j] = values
        return out


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
    """Lower-cased capitalised words of ``text[begin:end]`` that cannot start a sentence or
    quote: names, mostly (no tagger is available; a capital after a word or comma is the
    cheap evidence). ``entity_re`` is the entry of :data:`_ENTITY_RES` for ``text``."""
    out = []
    for m in entity_re.finditer(text, begin, end):
        start = m.start()
        if start > begin and (text[start - 1].isalnum() or text[start - 1] in _ENTITY_AFTER):
            out.append(m.group(1).lower().replace("’", "'"))
    return out


def _loo_median(x: FloatArray) -> FloatArray:
    """For each element, the median of all the others (``len(x) >= 2``); plain Python, as
    the arrays are a handful of paragraphs long."""
    values = x.tolist()
    ranked = sorted(values)
    n = len(values)
    out = []
    for v in values:
        others = ranked.copy()
        others.remove(v)
        mid = (n - 1) // 2
        out.append(others[mid] if (n - 1) % 2 else (others[mid - 1] + others[mid]) / 2)
    return np.asarray(out)


_TF = np.concatenate([[0.0], 1.0 + np.log(np.arange(1, 64))])


def _sublinear(counts: npt.NDArray[np.int64]) -> FloatArray:
    """1 + ln(tf) for counted words, 0 elsewhere (looked up; tf is capped at 63)."""
    out: FloatArray = _TF[np.minimum(counts, 63)]
    return out


def _unit_rows(a: FloatArray) -> FloatArray:
    norms = np.sqrt((a * a).sum(axis=1, keepdims=True))
    out: FloatArray = a / np.maximum(norms, 1e-12)
    return out
