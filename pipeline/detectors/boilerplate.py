"""Boilerplate lines: comment forms, share/follow prompts, counters, bylines, related links.

A line-level classifier. Every non-blank line of a page gets a vector of cheap features
(:func:`page_features`: length, stopword density, punctuation, capitalisation, position,
cue words, date/URL/byline patterns, its neighbours' shape, and the shape of a reader comment
that lost its name/date header: first/second person, informal marks, past the article's last
long prose line). Two logistic regressions
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
import string
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, chain
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from pipeline.article import Finding
from pipeline.config import BoilerplateSettings
from pipeline.detectors.base import Detection, Detector
from pipeline.text import STOPWORDS, Document, words

FloatArray = NDArray[np.float64]

# Cue words and phrases, by the kind of junk they announce. Single words are looked up in
# the line's word list; phrases are searched (lower case) only when their first word occurs.
CUES: dict[str, tuple[str, ...]] = {
    "comment": (
        "reply",
        "replies",
        "comment",
        "comments",
        "commented",
        "commenting",
        "says:",
        "said:",
        "wrote:",
        "leave a reply",
        "add comment",
        "post a comment",
        "discuss this",
        "required fields",
        "will not be published",
        "email address",
        "your email",
        "name *",
        "responses to",
        "reply to",
        "log in to reply",
        "in reply to",
        "reblogged",
        "permalink",
        "report abuse",
        "rate this",
        "score:",
        "recently posted",
        "thumbs up",
    ),
    "share": (
        "share",
        "shares",
        "shared",
        "tweet",
        "retweet",
        "facebook",
        "twitter",
        "linkedin",
        "pinterest",
        "whatsapp",
        "reddit",
        "follow",
        "subscribe",
        "newsletter",
        "rss",
        "email this",
        "print this",
        "sign up",
        "like us",
        "digg",
        "stumbleupon",
        "google+",
        "instagram",
        "youtube",
    ),
    "navigation": (
        "related",
        "read more",
        "more from",
        "also read",
        "see also",
        "you might also like",
        "you may also like",
        "most popular",
        "most read",
        "top stories",
        "trending",
        "other reports by",
        "previous",
        "next",
        "home",
        "menu",
        "tags",
        "tagged",
        "categories",
        "category",
        "archive",
        "archives",
        "click",
        "click here",
        "recommended",
        "sponsored",
        "more stories",
        "latest news",
        "back to top",
        "skip to",
        "filed under",
        "continue reading",
        "read full",
        "full story",
        "view all",
        "see all",
        "load more",
        "about the author",
        "other articles",
        "related posts",
        "related articles",
        "popular posts",
        "more news",
    ),
    "legal": (
        "copyright",
        "©",
        "all rights reserved",
        "privacy",
        "cookie",
        "cookies",
        "terms of use",
        "terms of service",
        "terms and conditions",
        "advertisement",
        "advertising",
        "advertise",
        "disclaimer",
        "reproduction",
        "powered by",
        "contact us",
        "about us",
    ),
    "account": (
        "login",
        "log in",
        "logout",
        "log out",
        "sign in",
        "register",
        "password",
        "username",
        "account",
        "my account",
        "forgot",
        "signup",
    ),
    "meta": (
        "views",
        "posted",
        "published",
        "updated",
        "last updated",
        "first published",
        "by",
        "posted by",
        "written by",
        "posted in",
        "posted on",
        "filed",
        "author",
        "photo",
        "photos",
        "image",
        "images",
        "credit",
        "getty",
        "file photo",
        "video",
        "watch",
        "ago",
        "min read",
        "minutes ago",
        "hours ago",
        "days ago",
        "source:",
        "via",
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
# A reader comment's header: "Name — July 17th, 2012, 6:18 pm", "Posted by: liz at May 29,
# 2005 10:19 PM", "by Andrew on May 23, 2011 at 12:12 am" (with a date; checked on short lines).
COMMENT_HEADER_RE = re.compile(
    r"^[^.!?]{1,50}\s[—–-]\s.{0,30}\d{4}|^(?:posted by:?|by)\s.{1,60}\b(?:at|on)\b", re.I
)
# Headers that need no date: Slashdot's "Re:Not me! (Score:5, Insightful)", "Link to this comment".
COMMENT_MARK_RE = re.compile(r"^re:|\(score:\s?-?\d|^link to this comment|^in reply to", re.I)
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
_NO_CUES = [0.0] * len(CUE_KINDS)
# A word (as str.split cuts) starting with a capital, and a letter, in ASCII text; each led
# by a character class so that re skips ahead.
_ASCII_CAP_WORD_RE = re.compile(r"[A-Z](?<!\S[A-Z])")
_ASCII_LETTER_RE = re.compile(r"[A-Za-z]")
EMPTY_CELL_RE = re.compile(r"\|\s*(?=\|)")
_COMMENT_HEADER_ENDS = ("said,", "said:", "says:", "wrote:", "says", "said", "writes:", "replied:")
_TRAILING = "\"'”’)]»*"
_TERMINAL = ".!?"
_BULLETS = "-•»*·>|–—#+"
_FIRST_PERSON = frozenset({"i", "i'm", "i've", "i'd", "my", "me", "you", "your", "you're", "we"})
_SINGULAR = frozenset({"i", "i'm", "i've", "i'd", "i'll", "my", "me", "myself", "im", "ive"})
_SECOND = frozenset({"you", "your", "you're", "yours", "you've", "you'd", "you'll", "u", "ur"})
_INFORMAL_WORDS = frozenset(
    "lol haha hahaha lmao omg imo imho btw thanks thank thx awesome cool wow yeah yes yep "
    "nope agree agreed great nice love hey hi dude guys ok okay totally".split()
)
INFORMAL_MARK_RE = re.compile(r"!!|\?\?|\?!|:-?\)|;\)|:\(|:[dp]|\.\.\.", re.I)

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
    "log_pipe_cells",
    "empty_cell_ratio",
    "comment_header",
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
_I_COMMENT_HEADER = _RAW_NAMES.index("comment_header")
_I_STARTS_LOWER = _RAW_NAMES.index("starts_lower")
_I_NAME_ONLY = _RAW_NAMES.index("is_name_only")
_I_BYLINE = _RAW_NAMES.index("is_byline")
_I_DATE_ONLY = _RAW_NAMES.index("is_date_only")
_I_COUNTER = _RAW_NAMES.index("is_counter")
_I_HAS_DATE = _RAW_NAMES.index("has_date")
_I_HAS_TIME = _RAW_NAMES.index("has_time")
_I_CUE_META = _RAW_NAMES.index("cue_meta")

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
    "log_page_comment_headers",
    "in_comment_thread",
    "continues_prev",
    "continued_next",
)
# Reader-comment shape without comment headers (appended last: models built before they
# existed read only the leading columns, see ``BoilerplateDetector.n_line_features``).
_COMMENT_NAMES: tuple[str, ...] = (
    "first_person_density",
    "second_person_density",
    "lower_i",
    "informal",
    "after_last_head_prose",
)
LINE_FEATURE_NAMES: tuple[str, ...] = (*_RAW_NAMES, *_CONTEXT_NAMES, *_COMMENT_NAMES)
_N_OLD_LINE_FEATURES = len(_RAW_NAMES) + len(_CONTEXT_NAMES)

# Second-stage features: stage-1 probabilities around the line.
STACK_FEATURE_NAMES: tuple[str, ...] = (
    "p1_self",
    "p1_prev",
    "p1_next",
    "p1_window3",
    "p1_mean_before",
    "p1_mean_after",
    "p1_max_before",
    "p1_page_mean",
    "in_main_block",
    "log_dist_main_block",
    "main_block_char_share",
    "after_main_block",
    "p1_mean_after_block",
)
_N_OLD_STACK_FEATURES = 11


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


def line_cues(text: str, tokens: Sequence[str]) -> list[tuple[str, str]]:
    """The ``(cue, kind)`` pairs found in one line (lower-cased ``tokens`` from :func:`words`)."""
    found: list[tuple[str, str]] = []
    hits = _CUE_WORDS.intersection(tokens)
    if hits:
        lower = text.lower()
        for w in sorted(hits):  # a fixed order: reasons must not depend on str hashing
            kind = _SINGLE_CUES.get(w)
            if kind is not None:
                found.append((w, kind))
            for phrase, pkind in _PHRASE_CUES.get(w, ()):
                if phrase in lower:
                    found.append((phrase, pkind))
    if "©" in text:
        found.append(("©", "legal"))
    return found


_ASCII_LETTERS = string.ascii_letters.encode()
_ASCII_UPPER = string.ascii_uppercase.encode()
_ASCII_DIGITS = string.digits.encode()


def _char_counts(text: str) -> tuple[int, int, int]:
    """Letters, upper-case letters and digits in ``text``; ASCII text (most lines) by
    bytes.translate, ~15x faster than a str.isalpha pass and the same counts."""
    if text.isascii():
        b = text.encode()
        n = len(b)
        return (
            n - len(b.translate(None, _ASCII_LETTERS)),
            n - len(b.translate(None, _ASCII_UPPER)),
            n - len(b.translate(None, _ASCII_DIGITS)),
        )
    return (
        sum(map(str.isalpha, text)),
        sum(map(str.isupper, text)),
        sum(map(str.isdigit, text)),
    )


def _line_raw(text: str) -> tuple[list[float], list[tuple[str, str]]]:
    """Features of one line on its own, and the cues it contains (for reasons). The
    comment-shape ones come last (see :data:`_COMMENT_NAMES`; :func:`page_features` adds
    the page-level one)."""
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
    letters, uppers, digits = _char_counts(head)
    symbols = n_head - letters - digits - head.count(" ")
    raw_words = head.split()
    ascii_head = head.isascii()
    if ascii_head:  # the same counts by regex (str.split and \s agree on whitespace)
        caps = len(_ASCII_CAP_WORD_RE.findall(head))
        letter = _ASCII_LETTER_RE.search(head)
        starts_lower = letter is not None and letter.group().islower()
    else:
        caps = sum([w[:1].isupper() for w in raw_words])
        starts_lower = next((c for c in head if c.isalpha()), "").islower()
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
    # Small word sets: count only the words present (most lines have none of them).
    pronouns = sum(map(toks.count, _FIRST_PERSON.intersection(tokset)))
    has_date = maybe_date and DATE_RE.search(head) is not None
    pipes = s.count("|")
    empty_cells = len(EMPTY_CELL_RE.findall(s)) if pipes > 1 else 0
    has_time = bool(TIME_RE.search(head)) if maybe_time else False
    comment_header = n_words <= 12 and (
        s.endswith(_COMMENT_HEADER_ENDS)
        or (has_date and (has_time or " at " in s or bool(COMMENT_HEADER_RE.match(s))))
        or bool(COMMENT_MARK_RE.search(s))
    )
    inv_chars = 1.0 / n_head if n_head else 0.0
    informal = not _INFORMAL_WORDS.isdisjoint(tokset) or bool(INFORMAL_MARK_RE.search(head))
    inv_toks = 1.0 / n_toks if n_toks else 0.0
    if kinds:
        cue_flags = [1.0 if k in kinds else 0.0 for k in CUE_KINDS]
        short_flags = cue_flags if short else _NO_CUES
    else:
        cue_flags = short_flags = _NO_CUES
    has_url = (
        "http" in head
        or "www." in head
        or ".com" in head
        or ".org" in head
        or ".net" in head
        or ".htm" in head
        or ".co.uk" in head
    ) and URL_RE.search(head) is not None
    at = "@" in head
    ends_paren = s.endswith(")")
    # 1.0 if ... else 0.0 rather than float(...): the same values, no call.
    feats = [
        math.log1p(n_chars),
        math.log1p(n_words),
        1.0 if n_words <= 2 else 0.0,
        1.0 if 3 <= n_words <= 5 else 0.0,
        1.0 if 6 <= n_words <= 10 else 0.0,
        1.0 if 11 <= n_words <= 20 else 0.0,
        1.0 if n_words > 20 else 0.0,
        stop_density,
        1.0 if n_words > 0 and stop == 0 else 0.0,
        1.0 if ends_terminal else 0.0,
        1.0 if last == ":" else 0.0,
        1.0 if s.endswith(("...", "…")) else 0.0,
        1.0 if last in "?!" else 0.0,
        1.0 if ends_paren else 0.0,
        caps / len(raw_words) if raw_words else 0.0,
        uppers / letters if letters else 0.0,
        1.0 if starts_lower else 0.0,
        digits * inv_chars,
        symbols * inv_chars,
        pipes / max(1, len(raw_words)),
        math.log1p(pipes),
        empty_cells / pipes if pipes else 0.0,
        1.0 if comment_header else 0.0,
        1.0 if has_url else 0.0,
        1.0 if at and HANDLE_RE.search(head) is not None else 0.0,
        1.0 if at and EMAIL_RE.search(head) is not None else 0.0,
        1.0 if has_date else 0.0,
        1.0 if has_time else 0.0,
        1.0 if BYLINE_RE.match(s) is not None else 0.0,
        1.0 if name_only else 0.0,
        1.0 if has_digit and n_words <= 12 and COUNTER_RE.search(head) is not None else 0.0,
        1.0 if n_words <= 7 and has_date else 0.0,
        1.0
        if (ends_paren or "copyright" in s.lower()) and CREDIT_RE.search(s) is not None
        else 0.0,
        1.0 if s[:1] in _BULLETS and s else 0.0,
        1.0 if s.startswith("(") and ends_paren else 0.0,
        pronouns / n_toks if n_toks else 0.0,
        1.0 if '"' in s or "“" in s or "”" in s else 0.0,
        *cue_flags,
        *short_flags,
        sum(map(toks.count, _SINGULAR.intersection(tokset))) * inv_toks,
        sum(map(toks.count, _SECOND.intersection(tokset))) * inv_toks,
        1.0 if " i " in head or head.startswith("i ") else 0.0,
        1.0 if informal else 0.0,
    ]
    return feats, cues


def _np_sum(values: Sequence[float]) -> float:
    """``float(np.sum(values))`` bit for bit, without an array on small pages: numpy adds a
    float64 array pairwise (up to 128 values: eight interleaved running sums, folded as a
    tree, then the rest in order); longer inputs are handed to numpy."""
    n = len(values)
    if n > 128:
        return float(np.sum(np.asarray(values, dtype=np.float64)))
    if n == 0:
        return 0.0
    if n < 8:
        res = -0.0
        for v in values:
            res += v
        return res
    r0, r1, r2, r3, r4, r5, r6, r7 = values[:8]
    i = 8
    full = n - n % 8
    while i < full:
        r0 += values[i]
        r1 += values[i + 1]
        r2 += values[i + 2]
        r3 += values[i + 3]
        r4 += values[i + 4]
        r5 += values[i + 5]
        r6 += values[i + 6]
        r7 += values[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for v in values[i:]:
        res += v
    return res


def _median(values: Sequence[float]) -> float:
    """``float(np.median(values))`` (no NaNs): the middle value, or the mean of the two."""
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2.0


_LOG1P_15 = math.log1p(15)


def page_features(lines: Sequence[str]) -> tuple[FloatArray, list[list[tuple[str, str]]]]:
    """Feature matrix (one row per line, columns :data:`LINE_FEATURE_NAMES`) of one page's
    non-blank lines, and each line's cues. The one feature path for training and detection."""
    page = _page(lines)
    return page.x, page.cues


@dataclass
class _Page:
    """:func:`page_features` with what detection reuses: each line's character count as the
    model sees it (``expm1`` of its ``log_chars``) and whether it is a byline/dateline
    (:func:`meta_lines`)."""

    x: FloatArray
    cues: list[list[tuple[str, str]]]
    chars: list[float]
    meta: list[bool]


def _page(lines: Sequence[str]) -> _Page:
    # Plain Python on columns as lists: pages have a few to a few hundred lines, where
    # numpy's per-call overhead is most of the cost. Every value is computed as numpy did
    # (same operations in the same order; sums via _np_sum), so the matrix is bit-identical
    # to the numpy formulation the model was trained on. math.log/log1p/expm1 are libm's, as
    # numpy's are where it has no SIMD versions of them (x86 without AVX-512, which
    # test_boilerplate checks).
    n = len(lines)
    if n == 0:
        return _Page(np.zeros((0, len(LINE_FEATURE_NAMES))), [], [], [])
    rows: list[list[float]] = []
    cues: list[list[tuple[str, str]]] = []
    fw_count: dict[str, int] = {}
    lw_count: dict[str, int] = {}
    first_words: list[str] = []
    last_words: list[str] = []
    for line in lines:
        feats, line_cue = _line_raw(line)
        rows.append(feats)
        cues.append(line_cue)
        head = line.split(None, 1)  # the first and last words, without splitting all
        f = head[0].lower() if head else ""
        tail = line.rsplit(None, 1)
        la = tail[-1].lower() if tail else ""
        first_words.append(f)
        last_words.append(la)
        fw_count[f] = fw_count.get(f, 0) + 1
        lw_count[la] = lw_count.get(la, 0) + 1

    chars = [math.expm1(r[_I_LOG_CHARS]) for r in rows]
    cum_chars = [c - ch for c, ch in zip(accumulate(chars), chars, strict=True)]
    total = max(1.0, _np_sum(chars))
    max_chars = max(1.0, max(chars))
    median_chars = max(1.0, _median(chars))
    lw = [r[_I_LOG_WORDS] for r in rows]
    sd = [r[_I_STOP] for r in rows]
    term = [r[_I_TERM] for r in rows]
    csum = [0.0, *accumulate(lw)]
    comment_line = [max(r[_I_CUE_COMMENT], r[_I_COMMENT_HEADER]) for r in rows]
    comment_before = [c - x for c, x in zip(accumulate(comment_line), comment_line, strict=True)]
    # A comment thread: from the first of at least two comment headers to the end. Comments
    # follow an article: a header-like line before the first prose line (a dated byline, a
    # blog post's header) does not count.
    headers = [i for i, r in enumerate(rows) if r[_I_COMMENT_HEADER]]
    first_body = next((i for i in range(n) if lw[i] >= _LOG1P_15 and term[i] > 0), n)
    late = [h for h in headers if h > first_body]
    thread_start = late[0] if len(late) >= 2 else n + 1
    # Hard-wrapped prose: a line that goes on from an unfinished one, or is continued.
    lower = [r[_I_STARTS_LOWER] > 0 for r in rows]
    # Long prose lines in the page's first half: a line after the last of them is past the
    # article's body (where header-less comment threads are).
    half = total / 2.0
    last_prose = next(
        (
            i
            for i in range(n - 1, -1, -1)
            if lw[i] >= _LOG1P_15 and term[i] > 0 and cum_chars[i] < half
        ),
        n,
    )
    log_n = math.log1p(n)
    log_headers = math.log1p(len(headers))
    last = n - 1
    span = max(1, last)
    out: list[list[float]] = []
    for i, r in enumerate(rows):
        lo = i - 3 if i > 3 else 0
        hi = i + 4 if i + 4 < n else n
        before = comment_before[i]
        out.append(
            [
                *r[:_N_RAW],
                i / span,
                cum_chars[i] / total,
                math.log1p(i),
                math.log1p(last - i),
                float(i == 0),
                float(i == last),
                log_n,
                chars[i] / max_chars,
                math.log((chars[i] + 1.0) / median_chars),
                lw[i - 1] if i else 0.0,
                sd[i - 1] if i else 0.0,
                term[i - 1] if i else 0.0,
                lw[i + 1] if i < last else 0.0,
                sd[i + 1] if i < last else 0.0,
                term[i + 1] if i < last else 0.0,
                (csum[hi] - csum[lo]) / (hi - lo),
                math.log1p(before),
                float(before > 0),
                math.log1p(fw_count[first_words[i]] - 1),
                math.log1p(lw_count[last_words[i]] - 1),
                log_headers,
                float(i >= thread_start),
                float(lower[i] and (term[i - 1] if i else 1.0) == 0),
                float(term[i] == 0 and (lower[i + 1] if i < last else False)),
                *r[_N_RAW:],
                float(i > last_prose),
            ]
        )
    x = np.fromiter(chain.from_iterable(out), np.float64, n * len(LINE_FEATURE_NAMES))
    x = x.reshape(n, len(LINE_FEATURE_NAMES))
    meta = _meta_rows(rows, first_body)
    return _Page(x, cues, chars, meta)


def _main_block(values: list[float]) -> tuple[int, int]:
    """``[start, end)`` of the contiguous run with the largest sum (Kadane)."""
    best, best_span = -math.inf, (0, 0)
    run, run_start = 0.0, 0
    for i, v in enumerate(values):
        if run <= 0.0:
            run, run_start = v, i
        else:
            run += v
        if run > best:
            best, best_span = run, (run_start, i + 1)
    return best_span


def stack_features(p1: FloatArray, x: FloatArray) -> FloatArray:
    """Second-stage features of one page from its lines' stage-1 probabilities ``p1`` and
    line features ``x``: neighbours' scores, the page before/after, and the main block (the
    run of lines with the most likely-content characters, as in body-text extractors)."""
    return _stack(p1.tolist(), [math.expm1(v) for v in x[:, _I_LOG_CHARS].tolist()])


def _stack(p1: list[float], chars: list[float]) -> FloatArray:
    # Plain Python, bit-identical to the numpy formulation (see _page).
    n = len(p1)
    if n == 0:
        return np.zeros((0, len(STACK_FEATURE_NAMES)))
    csum = [0.0, *accumulate(p1)]
    start, end = _main_block([(0.5 - p) * c for p, c in zip(p1, chars, strict=True)])
    block_share = _np_sum(chars[start:end]) / max(1.0, _np_sum(chars))
    page_mean = _np_sum(p1) / n
    after_block = _np_sum(p1[end:]) / (n - end) if end < n else 0.0
    last = n - 1
    max_before = 0.0
    rows: list[list[float]] = []
    for i, p in enumerate(p1):
        lo = i - 3 if i > 3 else 0
        hi = i + 4 if i + 4 < n else n
        count = hi - lo - 1
        after_n = last - i
        distance = start - i if i < start else (i - end + 1 if i >= end else 0)
        rows.append(
            [
                p,
                p1[i - 1] if i else 0.5,
                p1[i + 1] if i < last else 0.5,
                (csum[hi] - csum[lo] - p) / count if count > 0 else 0.5,
                csum[i] / i if i else 0.5,
                (csum[n] - csum[i + 1]) / after_n if after_n > 0 else 0.5,
                max_before if i else 0.0,
                page_mean,
                float(start <= i < end),
                math.log1p(distance),
                block_share,
                float(i >= end),
                after_block,
            ]
        )
        if i == 0 or p > max_before:
            max_before = p
    return np.array(rows, dtype=np.float64)


_COL = {name: i for i, name in enumerate(LINE_FEATURE_NAMES)}


def meta_lines(x: FloatArray) -> NDArray[np.bool_]:
    """Byline/dateline lines: a name, "By ...", a bare date or a counter between the title
    and the first prose line; or anywhere, a short line with a date, a time and a
    publishing cue ("First published June 18, 2018: 7:25 PM ET")."""
    c = _COL
    prose = (x[:, c["log_words"]] >= math.log1p(15)) & (x[:, c["ends_terminal"]] > 0)
    first_prose = int(np.argmax(prose)) if prose.any() else len(x)
    before_body = (np.arange(len(x)) < first_prose) & (np.arange(len(x)) > 0)
    kind = (
        (x[:, c["is_name_only"]] > 0)
        | (x[:, c["is_byline"]] > 0)
        | (x[:, c["is_date_only"]] > 0)
        | (x[:, c["is_counter"]] > 0)
    )
    dateline = (
        (x[:, c["log_words"]] <= math.log1p(15))
        & (x[:, c["has_date"]] > 0)
        & (x[:, c["has_time"]] > 0)
        & (x[:, c["cue_meta"]] > 0)
    )
    out: NDArray[np.bool_] = (before_body & kind) | dateline
    return out


def _meta_rows(rows: list[list[float]], first_prose: int) -> list[bool]:
    """:func:`meta_lines` of a page's :func:`_line_raw` rows in plain Python, given the
    first prose line."""
    meta = [
        r[_I_HAS_DATE] > 0
        and r[_I_HAS_TIME] > 0
        and r[_I_CUE_META] > 0
        and r[_I_LOG_WORDS] <= _LOG1P_15
        for r in rows
    ]
    for i in range(1, min(first_prose, len(rows))):
        r = rows[i]
        if r[_I_NAME_ONLY] > 0 or r[_I_BYLINE] > 0 or r[_I_DATE_ONLY] > 0 or r[_I_COUNTER] > 0:
            meta[i] = True
    return meta


def comment_thread_lines(x: FloatArray) -> NDArray[np.bool_]:
    """Lines of a page's reader comment thread (from its first of at least two comment
    headers after the first prose line on), from its :func:`page_features` matrix."""
    out: NDArray[np.bool_] = x[:, _COL["in_comment_thread"]] > 0
    return out


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


@dataclass
class BinnedLogit:
    """A logistic regression over quantile-binned (one-hot) continuous features plus the
    binary ones as they are: piecewise-constant effects (a linear model that can say "very
    short *or* very long"), applied as a table lookup and a dot product."""

    cont: NDArray[np.intp]  # indices of binned columns
    edges: FloatArray  # (len(cont), n_bins - 1) inner edges, padded with +inf
    table: FloatArray  # (len(cont), n_bins) weight of each bin
    lin: NDArray[np.intp]  # indices of columns used linearly
    w_lin: FloatArray
    bias: float

    def bins(self, x: FloatArray) -> NDArray[np.intp]:
        """Bin index of each binned column, shape (rows, len(cont))."""
        out: NDArray[np.intp] = (x[:, self.cont, None] > self.edges[None, :, :]).sum(axis=2)
        return out

    def decision(self, x: FloatArray) -> FloatArray:
        z: FloatArray = x[:, self.lin] @ self.w_lin
        if len(self.cont):
            # (With no binned columns their sum is 0.0, and adding it before the bias changes
            # no value: skipped.)
            cols = np.arange(len(self.cont))
            z = self.table[cols, self.bins(x)].sum(axis=1) + z
        return z + self.bias

    def proba(self, x: FloatArray) -> FloatArray:
        return _sigmoid(self.decision(x))

    @classmethod
    def fit(
        cls,
        x: FloatArray,
        y: NDArray[np.int64],
        weights: FloatArray,
        c: float,
        n_bins: int,
        seed: int,
    ) -> BinnedLogit:
        # Build time only: scoring never imports scipy or scikit-learn (start-up).
        from scipy import sparse
        from sklearn.linear_model import LogisticRegression

        distinct = [len(np.unique(x[: min(len(x), 20000), j])) for j in range(x.shape[1])]
        binned = [n_bins > 1 and d > 4 for d in distinct]
        cont = np.array([j for j, b in enumerate(binned) if b], dtype=np.intp)
        lin = np.array([j for j, b in enumerate(binned) if not b], dtype=np.intp)
        qs = np.linspace(0, 1, n_bins + 1)[1:-1]
        edges = np.full((len(cont), max(0, n_bins - 1)), np.inf)
        for k, j in enumerate(cont):
            e = np.unique(np.quantile(x[:, j], qs))
            edges[k, : len(e)] = e
        model = cls(cont, edges, np.zeros((len(cont), n_bins)), lin, np.zeros(len(lin)), 0.0)
        bins = model.bins(x)
        rows = np.repeat(np.arange(len(x)), len(cont))
        onehot = sparse.csr_matrix(
            (np.ones(bins.size), (rows, (bins + np.arange(len(cont)) * n_bins).ravel())),
            shape=(len(x), len(cont) * n_bins),
        )
        xl = x[:, lin]
        mean, scale = xl.mean(axis=0), xl.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        design = sparse.hstack([onehot, sparse.csr_matrix((xl - mean) / scale)]).tocsr()
        lr = LogisticRegression(C=c, max_iter=1000, tol=1e-4, random_state=seed)
        lr.fit(design, y, sample_weight=weights)
        coef = lr.coef_[0]
        model.table = coef[: len(cont) * n_bins].reshape(len(cont), n_bins).astype(np.float64)
        model.w_lin = (coef[len(cont) * n_bins :] / scale).astype(np.float64)
        model.bias = float(lr.intercept_[0] - np.dot(model.w_lin, mean))
        return model


def _sigmoid(z: FloatArray) -> FloatArray:
    out: FloatArray = 1.0 / (1.0 + np.exp(-np.minimum(np.maximum(z, -30.0), 30.0)))
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
        stage1: BinnedLogit,
        stage2: BinnedLogit,
    ) -> None:
        self.settings = settings
        self.stage1 = stage1
        self.stage2 = stage2
        self.n_line_features = len(LINE_FEATURE_NAMES)
        self.n_stack_features = len(STACK_FEATURE_NAMES)

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def build(
        cls, settings: BoilerplateSettings, table: LineTable, seed: int = 0
    ) -> BoilerplateDetector:
        """Fit both stages on a prepared :class:`LineTable` (see
        ``pipeline.training.boilerplate_data.build_boilerplate_detector`` for the standard
        data). Stage-2 inputs use out-of-fold stage-1 scores (folds grouped by page)."""
        from sklearn.model_selection import GroupKFold  # build time only

        mats = [page_features(p)[0] for p in table.pages]
        x = np.vstack(mats)
        y = np.concatenate([np.asarray(lab, dtype=np.int64) for lab in table.labels])
        page_of = np.concatenate([np.full(len(lab), i) for i, lab in enumerate(table.labels)])
        page_w = table.weights or [1.0] * len(table.labels)
        sw = np.concatenate(
            [np.full(len(lab), wt) for lab, wt in zip(table.labels, page_w, strict=True)]
        )
        keep = y >= 0
        c = settings.regularization
        nb, nb1 = settings.n_bins, settings.stage1_bins
        stage1 = BinnedLogit.fit(x[keep], y[keep], sw[keep], c, nb1, seed)

        # Out-of-fold stage-1 probabilities for every line (ambiguous ones too: context).
        p1 = np.zeros(len(y))
        folds = GroupKFold(n_splits=3)
        for tr, te in folds.split(x, y, groups=page_of):
            tr = tr[keep[tr]]
            p1[te] = BinnedLogit.fit(x[tr], y[tr], sw[tr], c, nb1, seed).proba(x[te])
        offsets = np.cumsum([0, *(len(lab) for lab in table.labels)])
        stacks = [
            stack_features(p1[offsets[i] : offsets[i + 1]], mats[i]) for i in range(len(mats))
        ]
        x2 = np.hstack([x, np.vstack(stacks)])
        stage2 = BinnedLogit.fit(x2[keep], y[keep], sw[keep], c, nb, seed)
        return cls(settings, stage1, stage2)

    # -- detecting --------------------------------------------------------------------------
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f"boilerplate_{n}" for n in self._FEATURES)

    def line_probabilities(self, lines: Sequence[str]) -> tuple[FloatArray, FloatArray]:
        """Final probabilities of a page's non-blank lines (model + policy, exactly what
        :meth:`detect` thresholds), and their feature matrix."""
        page = _page(lines)
        return self._probabilities(page), page.x

    def _probabilities(self, page: _Page) -> FloatArray:
        x = page.x
        if len(x) == 0:
            return np.zeros(0)
        # Models pickled before the comment-shape features read only the leading columns.
        nx = getattr(self, "n_line_features", _N_OLD_LINE_FEATURES)
        ns = getattr(self, "n_stack_features", _N_OLD_STACK_FEATURES)
        p1 = self.stage1.proba(x)
        x2 = np.hstack([x[:, :nx], _stack(p1.tolist(), page.chars)[:, :ns]])
        prob = self.stage2.proba(x2)
        # Policy where the shared labels differ from ours: their gold texts keep bylines and
        # datelines, we count them as page furniture.
        floor = self.settings.meta_line_min_prob
        if floor > 0.0:
            for i, is_meta in enumerate(page.meta):
                if is_meta and not prob[i] >= floor:
                    prob[i] = floor
        if self.settings.skip_title:
            prob[0] = min(float(prob[0]), self.settings.title_max_prob)
        return prob

    def detect(self, doc: Document) -> Detection:
        spans = doc.content_lines
        n = len(spans)
        if n == 0:
            return self._detection([0.0] * len(self._FEATURES), [])
        page = _page([s.text for s in spans])
        prob = self._probabilities(page).tolist()
        threshold = self.settings.line_threshold
        flagged = [p >= threshold for p in prob]
        findings: list[Finding] = []
        chars = 0
        flagged_chars = 0
        thirds = [0, 0, 0]
        for i, span in enumerate(spans):
            size = len(span.text)
            chars += size
            if flagged[i]:
                flagged_chars += size
                thirds[i * 3 // n] += 1
                findings.append(
                    Finding.at(
                        doc.text,
                        "boilerplate",
                        span.start,
                        span.end,
                        prob[i],
                        _reason(page.x[i], page.cues[i], i, n),
                    )
                )
        tail_run = 0
        for f in reversed(flagged):
            if not f:
                break
            tail_run += 1
        n_flagged = len(findings)
        features = [
            n_flagged / n,
            flagged_chars / max(1.0, chars),
            float(n_flagged),
            float(thirds[0]),
            float(thirds[1]),
            float(thirds[2]),
            max(prob),
            _np_sum(prob) / n,
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
