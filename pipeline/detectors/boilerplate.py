"""Boilerplate lines: comment forms, share/follow prompts, counters, bylines, related links.

A line-level classifier. Every non-blank line of a page gets a vector of cheap features
(:func:`page_features`: length, stopword density, punctuation, capitalisation, position,
cue words, date/URL/byline patterns, and its neighbours' shape). Two logistic regressions
are stacked: the first scores each line on its own features; the second adds the first's
scores of the neighbouring lines and of the page before/after the line, so that e.g. a
prose-like reader comment deep inside a comment thread is caught by its context. Both are
fitted with scikit-learn at build time and applied at detect time as numpy dot products
(no per-article sklearn overhead).

Training data are prepared by :mod:`pipeline.training.boilerplate_data` (shared labelled
line sets + lines injected into clean articles) and handed to :meth:`BoilerplateDetector.build`
as a :class:`LineTable`; this module never imports the training package.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from pipeline.article import Finding
from pipeline.config import BoilerplateSettings
from pipeline.detectors.base import Detection, Detector
from pipeline.text import STOPWORDS, Document, words

FloatArray = NDArray[np.float64]

# Cue words and phrases, by the kind of junk they announce. Single words are looked up in
# the line's word list; phrases are searched (lower case) only when their first word occurs.
CUES: dict[str, tuple[str, ...]] = {
    "comment": (
        "reply", "replies", "comment", "comments", "commented", "commenting", "says:",
        "said:", "wrote:", "leave a reply", "add comment", "post a comment", "discuss this",
        "required fields", "will not be published", "email address", "your email", "name *",
        "responses to", "reply to", "log in to reply", "in reply to", "reblogged", "permalink",
        "report abuse", "rate this", "score:", "recently posted", "thumbs up",
    ),
    "share": (
        "share", "shares", "shared", "tweet", "retweet", "facebook", "twitter", "linkedin",
        "pinterest", "whatsapp", "reddit", "follow", "subscribe", "newsletter", "rss",
        "email this", "print this", "sign up", "like us", "digg", "stumbleupon", "google+",
        "instagram", "youtube",
    ),
    "navigation": (
        "related", "read more", "more from", "also read", "see also", "you might also like",
        "you may also like", "most popular", "most read", "top stories", "trending",
        "other reports by", "previous", "next", "home", "menu", "tags", "tagged", "categories",
        "category", "archive", "archives", "click", "click here", "recommended", "sponsored",
        "more stories", "latest news", "back to top", "skip to", "filed under", "continue reading",
        "read full", "full story", "view all", "see all", "load more", "about the author",
        "other articles", "related posts", "related articles", "popular posts", "more news",
    ),
    "legal": (
        "copyright", "©", "all rights reserved", "privacy", "cookie", "cookies", "terms of use",
        "terms of service", "terms and conditions", "advertisement", "advertising", "advertise",
        "disclaimer", "reproduction", "powered by", "contact us", "about us",
    ),
    "account": (
        "login", "log in", "logout", "log out", "sign in", "register", "password", "username",
        "account", "my account", "forgot", "signup",
    ),
    "meta": (
        "views", "posted", "published", "updated", "last updated", "first published", "by",
        "posted by", "written by", "posted in", "posted on", "filed", "author", "photo",
        "photos", "image", "images", "credit", "getty", "file photo", "video", "watch",
        "ago", "min read", "minutes ago", "hours ago", "days ago", "source:", "via",
    ),
}
CUE_KINDS: tuple[str, ...] = tuple(CUES)

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
DATE_RE = re.compile(
    rf"\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\b"
    r"|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b",
    re.IGNORECASE,
)
TIME_RE = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{1,2}\s?(?:am|pm)\b|\b(?:a\.m\.|p\.m\.)", re.I)
URL_RE = re.compile(r"https?://|www\.|\b[\w-]+\.(?:com|org|net|co\.uk|html?)\b", re.I)
HANDLE_RE = re.compile(r"(?<!\w)@\w{2,}")
EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+\.\w")
BYLINE_RE = re.compile(r"^(?:by|posted by|written by|author:?|from:?)\s+[A-Z@]", re.I)
COUNTER_RE = re.compile(
    r"^\W*\d[\d,.]*\s*(?:k\s*)?(?:comments?|views?|shares?|likes?|replies|responses|votes?|"
    r"points?|reads?)\b|\b(?:comments?|views?|shares?|likes?|replies|votes?)\s*[:(]\s*\d",
    re.I,
)
CREDIT_RE = re.compile(
    r"\([^()]*\b(?:photo|photograph|image|picture|file|credit|getty|reuters|afp|ap|epa)\b[^()]*\)"
    r"\s*$|\bimage copyright\b",
    re.I,
)
_SAMPLE = 200
_TRAILING = "\"'”’)]»*"
_TERMINAL = ".!?"
_BULLETS = "-•»*·>|–—#+"
_FIRST_PERSON = frozenset({"i", "i'm", "i've", "i'd", "my", "me", "you", "your", "you're", "we"})

# Per-line features computed by :func:`_line_raw` (before page context).
_RAW_NAMES: tuple[str, ...] = (
    "log_chars",
    "log_words",
    "words_le2",
    "words_3_5",
    "words_6_10",
    "words_11_20",
    "words_gt20",
    "stop_density",
    "no_stopwords",
    "ends_terminal",
    "ends_colon",
    "ends_ellipsis",
    "ends_question_or_exclaim",
    "ends_paren",
    "cap_word_ratio",
    "upper_letter_ratio",
    "starts_lower",
    "digit_ratio",
    "symbol_ratio",
    "pipe_ratio",
    "has_url",
    "has_handle",
    "has_email",
    "has_date",
    "has_time",
    "is_byline",
    "is_name_only",
    "is_counter",
    "is_date_only",
    "photo_credit",
    "starts_bullet",
    "in_parens",
    "pronoun_density",
    "has_quote",
    *(f"cue_{k}" for k in CUE_KINDS),
    *(f"cue_{k}_short" for k in CUE_KINDS),
)
_N_RAW = len(_RAW_NAMES)
_I_LOG_WORDS = _RAW_NAMES.index("log_words")
_I_STOP = _RAW_NAMES.index("stop_density")
_I_TERM = _RAW_NAMES.index("ends_terminal")
_I_LOG_CHARS = _RAW_NAMES.index("log_chars")
_I_CUE_COMMENT = _RAW_NAMES.index("cue_comment")

# Page-context features appended by :func:`page_features`.
_CONTEXT_NAMES: tuple[str, ...] = (
    "rel_pos",
    "rel_char_pos",
    "log_from_head",
    "log_from_tail",
    "is_first",
    "is_last",
    "log_page_lines",
    "chars_vs_page_max",
    "log_chars_vs_page_median",
    "prev_log_words",
    "prev_stop_density",
    "prev_ends_terminal",
    "next_log_words",
    "next_stop_density",
    "next_ends_terminal",
    "win_mean_log_words",
    "comment_cues_before",
    "after_comment_cue",
    "log_same_first_word",
    "log_same_last_word",
)
LINE_FEATURE_NAMES: tuple[str, ...] = (*_RAW_NAMES, *_CONTEXT_NAMES)

# Second-stage features: stage-1 probabilities around the line.
STACK_FEATURE_NAMES: tuple[str, ...] = (
    "p1_self",
    "p1_prev",
    "p1_next",
    "p1_window3",
    "p1_mean_before",
    "p1_mean_after",
    "p1_max_before",
)


def _phrase_index() -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    single: dict[str, str] = {}
    phrases: dict[str, list[tuple[str, str]]] = {}
    for kind, cues in CUES.items():
        for cue in cues:
            if " " in cue or not cue.isalnum():
                first = words(cue)[0] if words(cue) else cue
                phrases.setdefault(first, []).append((cue, kind))
            else:
                single[cue] = kind
    return single, phrases


_SINGLE_CUES, _PHRASE_CUES = _phrase_index()
_CUE_WORDS = frozenset(_SINGLE_CUES) | frozenset(_PHRASE_CUES)
_MONTH_WORDS = frozenset(
    "jan january feb february mar march apr april may jun june jul july aug august sep sept "
    "september oct october nov november dec december".split()
)
_URL_MARKS = ("http", "www.", ".com", ".org", ".net", ".htm", ".co.uk")


def line_cues(text: str, tokens: Sequence[str]) -> list[tuple[str, str]]:
    """The ``(cue, kind)`` pairs found in one line (lower-cased ``tokens`` from :func:`words`)."""
    found: list[tuple[str, str]] = []
    hits = _CUE_WORDS.intersection(tokens)
    if hits:
        lower = text.lower()
        for w in hits:
            kind = _SINGLE_CUES.get(w)
            if kind is not None:
                found.append((w, kind))
            for phrase, pkind in _PHRASE_CUES.get(w, ()):
                if phrase in lower:
                    found.append((phrase, pkind))
    if "©" in text:
        found.append(("©", "legal"))
    return found


def _line_raw(text: str) -> tuple[list[float], list[tuple[str, str]]]:
    """Features of one line on its own, and the cues it contains (for reasons)."""
    s = text.strip()
    n_chars = len(s)
    # Ratios and word statistics of a long line come from its first _SAMPLE characters:
    # exact counts add nothing there, and this bounds the cost per line.
    head = s[:_SAMPLE]
    toks = words(head)
    n_words = len(toks) if n_chars <= _SAMPLE else round(len(toks) * n_chars / len(head))
    n_toks = len(toks)
    stop = sum(map(STOPWORDS.__contains__, toks))
    stop_density = stop / n_toks if n_toks else 0.0
    core = s.rstrip(_TRAILING)
    last = core[-1:] if core else ""
    ends_terminal = last in _TERMINAL and not core.endswith("...")
    n_head = len(head)
    letters = sum(map(str.isalpha, head))
    uppers = sum(map(str.isupper, head))
    digits = sum(map(str.isdigit, head))
    symbols = n_head - letters - digits - head.count(" ")
    raw_words = head.split()
    caps = sum(1 for w in raw_words if w[:1].isupper())
    first_alpha = next((c for c in head if c.isalpha()), "")
    has_digit = digits > 0
    tokset = set(toks)
    maybe_date = has_digit and (not _MONTH_WORDS.isdisjoint(tokset) or "/" in head or "-" in head)
    maybe_time = has_digit and (":" in head or "am" in tokset or "pm" in tokset or ".m." in head)
    cues = line_cues(head, toks)
    kinds = {k for _, k in cues}
    short = n_words <= 8
    name_only = (
        2 <= n_words <= 4
        and stop == 0
        and caps == len(raw_words)
        and last.isalpha()
        and not has_digit
    )
    pronouns = sum(map(_FIRST_PERSON.__contains__, toks))
    has_date = bool(DATE_RE.search(head)) if maybe_date else False
    inv_chars = 1.0 / n_head if n_head else 0.0
    feats = [
        math.log1p(n_chars),
        math.log1p(n_words),
        float(n_words <= 2),
        float(3 <= n_words <= 5),
        float(6 <= n_words <= 10),
        float(11 <= n_words <= 20),
        float(n_words > 20),
        stop_density,
        float(n_words > 0 and stop == 0),
        float(ends_terminal),
        float(last == ":"),
        float(s.endswith("...") or s.endswith("…")),
        float(last in "?!"),
        float(s.endswith(")")),
        caps / len(raw_words) if raw_words else 0.0,
        uppers / letters if letters else 0.0,
        float(first_alpha.islower()),
        digits * inv_chars,
        symbols * inv_chars,
        s.count("|") / max(1, len(raw_words)),
        float(bool(URL_RE.search(head))) if any(m in head for m in _URL_MARKS) else 0.0,
        float(bool(HANDLE_RE.search(head))) if "@" in head else 0.0,
        float(bool(EMAIL_RE.search(head))) if "@" in head else 0.0,
        float(has_date),
        float(bool(TIME_RE.search(head))) if maybe_time else 0.0,
        float(bool(BYLINE_RE.match(s))),
        float(name_only),
        float(bool(COUNTER_RE.search(head))) if has_digit and n_words <= 12 else 0.0,
        float(n_words <= 7 and has_date),
        float(bool(CREDIT_RE.search(s))) if s.endswith(")") or "copyright" in s.lower() else 0.0,
        float(s[:1] in _BULLETS) if s else 0.0,
        float(s.startswith("(") and s.endswith(")")),
        pronouns / n_toks if n_toks else 0.0,
        float(any(q in s for q in "\"“”")),
        *(float(k in kinds) for k in CUE_KINDS),
        *(float(short and k in kinds) for k in CUE_KINDS),
    ]
    return feats, cues


def page_features(lines: Sequence[str]) -> tuple[FloatArray, list[list[tuple[str, str]]]]:
    """Feature matrix (one row per line, columns :data:`LINE_FEATURE_NAMES`) of one page's
    non-blank lines, and each line's cues. The one feature path for training and detection."""
    n = len(lines)
    if n == 0:
        return np.zeros((0, len(LINE_FEATURE_NAMES))), []
    rows: list[list[float]] = []
    cues: list[list[tuple[str, str]]] = []
    first_words: list[str] = []
    last_words: list[str] = []
    for line in lines:
        feats, line_cue = _line_raw(line)
        rows.append(feats)
        cues.append(line_cue)
        parts = line.split()
        first_words.append(parts[0].lower() if parts else "")
        last_words.append(parts[-1].lower() if parts else "")
    raw = np.asarray(rows, dtype=np.float64)

    idx = np.arange(n, dtype=np.float64)
    chars = np.expm1(raw[:, _I_LOG_CHARS])
    cum_chars = np.cumsum(chars) - chars
    total = max(1.0, float(chars.sum()))
    max_chars = max(1.0, float(chars.max()))
    median_chars = max(1.0, float(np.median(chars)))
    lw = raw[:, _I_LOG_WORDS]
    sd = raw[:, _I_STOP]
    term = raw[:, _I_TERM]
    pad = np.zeros(1)
    prev_lw = np.concatenate([pad, lw[:-1]])
    next_lw = np.concatenate([lw[1:], pad])
    prev_sd = np.concatenate([pad, sd[:-1]])
    next_sd = np.concatenate([sd[1:], pad])
    prev_t = np.concatenate([pad, term[:-1]])
    next_t = np.concatenate([term[1:], pad])
    csum = np.concatenate([pad, np.cumsum(lw)])
    lo = np.clip(np.arange(n) - 3, 0, n)
    hi = np.clip(np.arange(n) + 4, 0, n)
    win_mean = (csum[hi] - csum[lo]) / (hi - lo)
    comment_line = raw[:, _I_CUE_COMMENT]
    comment_before = np.cumsum(comment_line) - comment_line
    fw_count: dict[str, int] = {}
    lw_count: dict[str, int] = {}
    for f, la in zip(first_words, last_words, strict=True):
        fw_count[f] = fw_count.get(f, 0) + 1
        lw_count[la] = lw_count.get(la, 0) + 1
    same_first = np.array([fw_count[f] - 1 for f in first_words], dtype=np.float64)
    same_last = np.array([lw_count[la] - 1 for la in last_words], dtype=np.float64)
    context = np.column_stack(
        [
            idx / max(1, n - 1),
            cum_chars / total,
            np.log1p(idx),
            np.log1p(n - 1 - idx),
            idx == 0,
            idx == n - 1,
            np.full(n, math.log1p(n)),
            chars / max_chars,
            np.log((chars + 1.0) / median_chars),
            prev_lw,
            prev_sd,
            prev_t,
            next_lw,
            next_sd,
            next_t,
            win_mean,
            np.log1p(comment_before),
            comment_before > 0,
            np.log1p(same_first),
            np.log1p(same_last),
        ]
    ).astype(np.float64)
    return np.hstack([raw, context]), cues


def stack_features(p1: FloatArray) -> FloatArray:
    """Second-stage features of one page from its lines' stage-1 probabilities."""
    n = len(p1)
    pad = np.full(1, 0.5)
    prev = np.concatenate([pad, p1[:-1]])
    nxt = np.concatenate([p1[1:], pad])
    csum = np.concatenate([[0.0], np.cumsum(p1)])
    ar = np.arange(n)
    lo = np.clip(ar - 3, 0, n)
    hi = np.clip(ar + 4, 0, n)
    count = hi - lo - 1
    window = np.where(count > 0, (csum[hi] - csum[lo] - p1) / np.maximum(count, 1), 0.5)
    before = np.where(ar > 0, csum[ar] / np.maximum(ar, 1), 0.5)
    after_n = n - 1 - ar
    after = np.where(after_n > 0, (csum[n] - csum[ar + 1]) / np.maximum(after_n, 1), 0.5)
    max_before = np.concatenate([[0.0], np.maximum.accumulate(p1)[:-1]]) if n else p1
    return np.column_stack([p1, prev, nxt, window, before, after, max_before])


class LineFeatures(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """scikit-learn transformer: a sequence of pages (each a sequence of non-blank line
    strings) to one row per line, via :func:`page_features`."""

    def fit(self, pages: Sequence[Sequence[str]], y: Any = None) -> LineFeatures:
        return self

    def transform(self, pages: Sequence[Sequence[str]]) -> FloatArray:
        mats = [page_features(p)[0] for p in pages]
        if not mats:
            return np.zeros((0, len(LINE_FEATURE_NAMES)))
        return np.vstack(mats)

    def get_feature_names_out(self, input_features: Any = None) -> NDArray[np.object_]:
        return np.asarray(LINE_FEATURE_NAMES, dtype=object)


@dataclass
class LineTable:
    """Labelled training pages: ``pages[i]`` are the non-blank lines of page ``i``,
    ``labels[i][j]`` is 1 (boilerplate), 0 (content) or -1 (ambiguous: kept for context,
    never trained on); ``groups[i]`` names the page; ``weights[i]`` (default 1) weighs all
    of its lines in the fit."""

    pages: list[list[str]]
    labels: list[list[int]]
    groups: list[str]
    weights: list[float] | None = None


def _fit_linear(
    x: FloatArray, y: NDArray[np.int64], w: FloatArray, c: float, seed: int
) -> tuple[FloatArray, float]:
    """A standardised logistic regression, folded into raw-space weights and intercept."""
    model = make_pipeline(
        StandardScaler(), LogisticRegression(C=c, max_iter=500, tol=1e-3, random_state=seed)
    )
    model.fit(x, y, logisticregression__sample_weight=w)
    scaler: StandardScaler = model[0]
    lr: LogisticRegression = model[1]
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    w = lr.coef_[0] / scale
    b = float(lr.intercept_[0] - np.dot(w, scaler.mean_))
    return w.astype(np.float64), b


def _sigmoid(z: FloatArray) -> FloatArray:
    out: FloatArray = 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))
    return out


_CUE_REASON = {
    "comment": "comment/reply line",
    "share": "share/follow prompt",
    "navigation": "navigation/related-links line",
    "legal": "legal/cookie/advertising line",
    "account": "login/account line",
    "meta": "byline/date/counter line",
}


class BoilerplateDetector(Detector):
    """Flags whole lines that are page furniture rather than article text."""

    name: ClassVar[str] = "boilerplate"
    _FEATURES: ClassVar[tuple[str, ...]] = (
        "share_lines",
        "share_chars",
        "n_flagged",
        "flagged_head",
        "flagged_middle",
        "flagged_tail",
        "max_prob",
        "mean_prob",
        "tail_run",
    )

    def __init__(
        self,
        settings: BoilerplateSettings,
        w1: FloatArray,
        b1: float,
        w2: FloatArray,
        b2: float,
    ) -> None:
        self.settings = settings
        self.w1 = w1
        self.b1 = b1
        self.w2 = w2
        self.b2 = b2

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def build(
        cls, settings: BoilerplateSettings, table: LineTable, seed: int = 0
    ) -> BoilerplateDetector:
        """Fit both stages on a prepared :class:`LineTable` (see
        ``pipeline.training.boilerplate_data.build_boilerplate_detector`` for the standard
        data). Stage-2 inputs use out-of-fold stage-1 scores (folds grouped by page)."""
        mats = [page_features(p)[0] for p in table.pages]
        x = np.vstack(mats)
        y = np.concatenate([np.asarray(lab, dtype=np.int64) for lab in table.labels])
        page_of = np.concatenate([np.full(len(lab), i) for i, lab in enumerate(table.labels)])
        page_w = table.weights or [1.0] * len(table.labels)
        sw = np.concatenate([np.full(len(lab), wt) for lab, wt in zip(table.labels, page_w)])
        keep = y >= 0
        c = settings.regularization
        w1, b1 = _fit_linear(x[keep], y[keep], sw[keep], c, seed)

        # Out-of-fold stage-1 probabilities for every line (ambiguous ones too: context).
        p1 = np.zeros(len(y))
        folds = GroupKFold(n_splits=3)
        for tr, te in folds.split(x, y, groups=page_of):
            tr = tr[keep[tr]]
            wf, bf = _fit_linear(x[tr], y[tr], sw[tr], c, seed)
            p1[te] = _sigmoid(x[te] @ wf + bf)
        offsets = np.cumsum([0, *(len(lab) for lab in table.labels)])
        stacks = [stack_features(p1[offsets[i] : offsets[i + 1]]) for i in range(len(mats))]
        x2 = np.hstack([x, np.vstack(stacks)])
        w2, b2 = _fit_linear(x2[keep], y[keep], sw[keep], c, seed)
        return cls(settings, w1, b1, w2, b2)

    # -- detecting --------------------------------------------------------------------------
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f"boilerplate_{n}" for n in self._FEATURES)

    def line_probabilities(self, lines: Sequence[str]) -> tuple[FloatArray, FloatArray]:
        """Stage-2 probabilities of a page's non-blank lines, and their feature matrix."""
        x, _ = page_features(lines)
        return self._probabilities(x), x

    def _probabilities(self, x: FloatArray) -> FloatArray:
        if len(x) == 0:
            return np.zeros(0)
        p1 = _sigmoid(x @ self.w1 + self.b1)
        x2 = np.hstack([x, stack_features(p1)])
        return _sigmoid(x2 @ self.w2 + self.b2)

    def detect(self, doc: Document) -> Detection:
        spans = [line for line in doc.content_lines]
        n = len(spans)
        if n == 0:
            return self._detection([0.0] * len(self._FEATURES), [])
        x, cues = page_features([s.text for s in spans])
        prob = self._probabilities(x)
        if self.settings.skip_title:
            prob[0] = min(float(prob[0]), self.settings.title_max_prob)
        flagged = prob >= self.settings.line_threshold
        findings: list[Finding] = []
        for i in np.flatnonzero(flagged):
            span = spans[i]
            findings.append(
                Finding.at(
                    doc.text,
                    "boilerplate",
                    span.start,
                    span.end,
                    float(prob[i]),
                    _reason(x[i], cues[i], i, n),
                )
            )
        chars = np.array([len(s.text) for s in spans], dtype=np.float64)
        third = np.arange(n) * 3 // n
        tail_run = 0
        for f in flagged[::-1]:
            if not f:
                break
            tail_run += 1
        features = [
            float(flagged.mean()),
            float(chars[flagged].sum() / max(1.0, chars.sum())),
            float(flagged.sum()),
            float((flagged & (third == 0)).sum()),
            float((flagged & (third == 1)).sum()),
            float((flagged & (third == 2)).sum()),
            float(prob.max()),
            float(prob.mean()),
            float(tail_run),
        ]
        return self._detection(features, findings)


def _reason(x: FloatArray, cues: list[tuple[str, str]], i: int, n: int) -> str:
    """A short human-readable why, from the line's strongest cue or its shape."""
    f = dict(zip(LINE_FEATURE_NAMES, x.tolist(), strict=True))
    where = "head" if i < n / 3 else ("tail" if i >= 2 * n / 3 else "middle")
    if cues:
        # Prefer the most specific cue: phrases before single words, non-meta before meta.
        cue, kind = max(cues, key=lambda ck: (ck[1] != "meta", len(ck[0])))
        return f"{_CUE_REASON[kind]} (cue '{cue}')"
    if f["is_counter"]:
        return "view/comment counter"
    if f["is_byline"]:
        return "byline"
    if f["has_date"] and f["log_words"] < math.log1p(12):
        return "date line"
    if f["is_name_only"]:
        return "name-only line (byline or commenter)"
    if f["has_url"]:
        return "line with a URL"
    if f["in_parens"] or f["ends_paren"]:
        return "caption/credit in parentheses"
    if f["after_comment_cue"]:
        return f"line inside the comment section near the page {where}"
    size = "short" if f["log_words"] <= math.log1p(8) else "long"
    punct = "with no sentence punctuation" if not f["ends_terminal"] else "ending a sentence"
    return f"{size} line {punct} near the page {where}"
