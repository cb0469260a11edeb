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

Detection analyses a batch of articles at once (:meth:`BoilerplateDetector.detect_batch`),
their non-blank lines taken from the batch's line split (:attr:`pipeline.text.DocumentBatch.lines`):
the line features of all their lines come from one pass over the joined lines (their tokens cut
from the batch's scan, :attr:`pipeline.text.DocumentBatch.scanned`, shared with the other
detectors, and looked up in a table learnt once; character and token counts summed per line by
numpy; the per-line reference is ``_line_raw`` in tests/test_boilerplate.py, which checks
the batch path against it), page context and stage-2 features are
numpy columns over all pages, and only what depends on a page's place in a BLAS product is done
page by page. Every value is bit for bit what one page alone gets (the floats the model was
trained on).

Training data are prepared by :mod:`pipeline.training.boilerplate_data` (shared labelled
line sets + lines injected into clean articles) and handed to :meth:`BoilerplateDetector.build`
as a :class:`LineTable`; this module never imports the training package.
"""

from __future__ import annotations

import math
import re
import string
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, count, pairwise, repeat
from operator import getitem
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from pipeline.article import Finding
from pipeline.config import BoilerplateSettings
from pipeline.detectors.base import Detection, Detector, single_threaded_blas
from pipeline.text import (
    STOPWORDS,
    Document,
    DocumentBatch,
    ScanBatch,
    scan_batch,
    words,
)

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

# Month names (jan, january, ..., sep, sept, september, ...) grouped by their first letters:
# re tries fewer alternatives at each position.
_MONTHS = (
    r"(?:j(?:an(?:uary)?|une?|uly?)|feb(?:ruary)?|ma(?:r(?:ch)?|y)|a(?:pr(?:il)?|ug(?:ust)?)|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# "July 17th", "17 July", "17/07/2012". The lookahead (what any match starts with; "ſ" is an
# "s" ignoring case) lets re pass over other positions at once: the same matches, 2x faster.
DATE_RE = re.compile(
    rf"(?=[\djfmasondſ])\b(?:{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\b|\d{{1,4}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b)",
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

# Per-line features computed by :func:`_lines_raw` (before page context).
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


# -- the line features of many lines at once ------------------------------------------------
# Per-token facts as 8-bit count fields of one uint64 (a head of _SAMPLE characters has at
# most 100 tokens: no field overflows), summed per line by one np.add.reduceat.
_T_TOKEN, _T_STOP, _T_FIRST, _T_SINGULAR, _T_SECOND, _T_MONTH, _T_INFORMAL, _T_AMPM = (
    8 * k for k in range(8)
)
# Per-character facts, the same way: str.isalpha/isupper/isdigit, " ", "/" or "-", ":", and
# (added per position) the first character of a str.split word and whether it is upper case.
_C_ALPHA, _C_UPPER, _C_DIGIT, _C_BLANK, _C_DATE, _C_COLON, _C_WORD, _C_CAP = (
    8 * k for k in range(8)
)
# Per-character class bits: str.isspace, str.islower, and a non-ASCII character that
# str.lower changes (its line's tokens are cut from its own lower-cased text, see _token_rows).
_IS_SPACE, _IS_LOWER, _WIDE_CASED = 1, 2, 4
# INFORMAL_MARK_RE matches only where one of these pairs of characters starts ("d" and "p"
# ignoring case): where a character class bit says the first is.
_MARK_START = 8
# What DATE_RE needs (see _date_shaped): "/", "." or "-" (its third form is digits and two of
# them), a digit (str.isdigit: every \d is one) and the characters that re matches to an
# ASCII letter ignoring case (a month name spelt with them is no month word).
_IS_SEP, _IS_DIGIT, _RE_FOLDS = 16, 32, 64
_MARK_PAIRS = ("!!", "??", "?!", ":-", ":)", ";)", ":(", ":d", ":D", ":p", ":P", "..")
_MARK_KEYS = np.array(sorted(ord(p[0]) << 32 | ord(p[1]) for p in _MARK_PAIRS), dtype=np.int64)
_TOKENS_MAX = 200_000  # distinct tokens remembered per process (then forgotten, relearnt)
# BYLINE_RE can only match at one of these (no other character matches them ignoring case).
_BYLINE_FIRST = frozenset("bpwafBPWAF")
# COMMENT_MARK_RE can only match at one of these, or in a line with "(" ("İ" and "ı" match
# "i" ignoring case).
_MARK_FIRST = frozenset("rRlLiIİı")
_URL_HINTS = ("http", "www.", ".com", ".org", ".net", ".htm", ".co.uk")
# Tokens a line needs for a URL hint to be in it (a hint's letters are in one token: "http"
# or "www" inside it, "com", "org", "net", "htm" starting it, "co" itself) or " i " ("i").
_M_URL, _M_I = 1, 2
# A token with a month word between its "-" / "'" (DATE_RE's month names stand between word
# boundaries: a token, its first or its last part).
_M_MONTH = 4
# The token ends the left word (starts the right word) of a cue phrase pair: its row of
# _TokenTable.ends (.begins) is not zero.
_M_ENDS, _M_BEGINS = 8, 16


def _joined_month(token: str) -> bool:
    """A month word among the parts of a token joined by "-" or "'" ("pre-mar")."""
    return not _MONTH_WORDS.isdisjoint(token.replace("'", "-").split("-"))


def _marks(token: str) -> int:
    url = (
        "http" in token
        or "www" in token
        or token.startswith(("com", "org", "net", "htm"))
        or token == "co"
    )
    month = token in _MONTH_WORDS or (("-" in token or "'" in token) and _joined_month(token))
    return url * _M_URL | (token == "i") * _M_I | month * _M_MONTH


def _cue_pairs() -> tuple[list[tuple[str, str]], frozenset[str], frozenset[str]]:
    """What a line must have for one of its cue phrases to be found in it: for a phrase
    "left right...", a token that ends with ``left`` followed by one that starts with the
    word run ``right...`` starts with (the space between them ends and starts a token); for
    a cue without a space, its first word as a token and (for "...:") a colon."""
    pairs: list[tuple[str, str]] = []
    colon: set[str] = set()
    loose: set[str] = set()
    for first, phrases in _PHRASE_CUES.items():
        for cue, _ in phrases:
            left, _, right = cue.partition(" ")
            run = re.match(r"[^\W_]+", right)
            if right and run and re.fullmatch(r"[^\W_]+", left):
                if (left, run.group()) not in pairs:
                    pairs.append((left, run.group()))
            elif cue.endswith(":") and " " not in cue:
                colon.add(first)
            else:
                loose.add(first)
    return pairs, frozenset(colon), frozenset(loose)


_CUE_PAIRS, _COLON_CUE_WORDS, _LOOSE_CUE_WORDS = _cue_pairs()
assert len(_CUE_PAIRS) <= 128


def _pair_index(right: bool) -> dict[str, int]:
    """Each left (or right) word of :data:`_CUE_PAIRS` -> the bits of its pairs."""
    index: dict[str, int] = {}
    for p, pair in enumerate(_CUE_PAIRS):
        index[pair[right]] = index.get(pair[right], 0) | 1 << p
    return index


_PAIR_LEFT, _PAIR_RIGHT = _pair_index(False), _pair_index(True)
_LEFT_LENGTHS = sorted({len(w) for w in _PAIR_LEFT})
_RIGHT_LENGTHS = sorted({len(w) for w in _PAIR_RIGHT})
_LEFT_TAILS = frozenset(w[-2:] for w in _PAIR_LEFT)
_RIGHT_HEADS = frozenset(w[:2] for w in _PAIR_RIGHT)  # ("a" itself: any token "a...")
_LEFT_WORDS, _RIGHT_WORDS = tuple(_PAIR_LEFT), tuple(_PAIR_RIGHT)
# The left words by their last two characters; the right words by their first two (those
# of one character, "a", also under each two that start with it).
_LEFTS_BY_TAIL = {t: tuple(w for w in _LEFT_WORDS if w.endswith(t)) for t in _LEFT_TAILS}
_RIGHT_ONE = tuple(w for w in _RIGHT_WORDS if len(w) == 1)
_RIGHTS_BY_HEAD = {
    h: tuple(w for w in _RIGHT_WORDS if w.startswith(h) or h.startswith(w))
    for h in _RIGHT_HEADS
    if len(h) == 2
}
assert min(_LEFT_LENGTHS) >= 2


def _pair_bits(token: str, right: bool) -> list[int]:
    """The pairs whose left word ``token`` ends with (or whose right word it starts with),
    as two 64-bit masks. (The token table asks only for tokens that end with a left word or
    start with a right word: the few, found by their code points first.)"""
    if right:
        bits = [_PAIR_RIGHT.get(token[:n], 0) for n in _RIGHT_LENGTHS]
    else:
        bits = [_PAIR_LEFT.get(token[-n:], 0) for n in _LEFT_LENGTHS]
    mask = 0
    for b in bits:
        mask |= b
    return [mask & (2**64 - 1), mask >> 64]


class _LineCues:
    """Each line's :func:`line_cues`, made when asked for (detection needs them only for the
    reasons of flagged lines)."""

    def __init__(
        self,
        heads: list[str],
        cue_words: list[str],
        bounds: list[int],
        known: dict[int, list[tuple[str, str]]],
        single: NDArray[np.bool_],
    ) -> None:
        self.heads = heads
        # The tokens of all lines that are cue words (all line_cues looks at): line k's are
        # cue_words[bounds[k] : bounds[k + 1]].
        self.cue_words = cue_words
        self.bounds = bounds
        # Lines not known yet can have only single-word cues (a cue phrase, a cue ending in
        # ":" or one without a space is known in advance): none where no token is one.
        self.known = known
        self.single = single

    @classmethod
    def of(cls, cues: list[list[tuple[str, str]]]) -> _LineCues:
        return cls([], [], [], dict(enumerate(cues)), np.zeros(0, dtype=np.bool_))

    def __len__(self) -> int:
        return len(self.heads) or len(self.known)

    def tokens(self, k: int) -> list[str]:
        """Line ``k``'s tokens that are cue words, in order."""
        return self.cue_words[self.bounds[k] : self.bounds[k + 1]]

    def __getitem__(self, k: int) -> list[tuple[str, str]]:
        found = self.known.get(k)
        if found is None:
            found = self.known[k] = (
                line_cues(self.heads[k], self.tokens(k)) if self.single[k] else []
            )
        return found

    def all(self) -> list[list[tuple[str, str]]]:
        return [self[k] for k in range(len(self))]


def _word_kinds() -> dict[str, int]:
    """Token -> its :attr:`_TokenTable.kinds` bits (tokens not here have none)."""
    bits: dict[str, int] = {}
    for word, kind in _SINGLE_CUES.items():
        bits[word] = bits.get(word, 0) | 1 << CUE_KINDS.index(kind)
    for word in _COLON_CUE_WORDS:
        bits[word] = bits.get(word, 0) | 1 << 6
    for word in _LOOSE_CUE_WORDS:
        bits[word] = bits.get(word, 0) | 1 << 7
    return bits


_WORD_KINDS = _word_kinds()
# The token facts that are set memberships, with their field.
_FACT_SETS: tuple[tuple[frozenset[str], int], ...] = (
    (STOPWORDS, _T_STOP),
    (_FIRST_PERSON, _T_FIRST),
    (_SINGULAR, _T_SINGULAR),
    (_SECOND, _T_SECOND),
    (_MONTH_WORDS, _T_MONTH),
    (_INFORMAL_WORDS, _T_INFORMAL),
    (frozenset(("am", "pm")), _T_AMPM),
)


def _holding(blob: str, needle: str, starts: NDArray[np.intp], at: int = 0) -> NDArray[np.intp]:
    """Which of the strings joined in ``blob`` (string ``k`` from ``starts[k]`` on, ascending)
    hold ``needle``: for each match, in order, the string it lies in (a string may come more
    than once). ``at``: where the string's part of ``needle`` begins (1 for a needle led by
    the separator before a string: it matches where the string starts with the rest)."""
    found: list[int] = []
    pos = blob.find(needle)
    while pos >= 0:
        found.append(pos + at)
        pos = blob.find(needle, pos + 1)
    return _owners(starts, np.array(found, dtype=np.intp))


def _owners(starts: NDArray[np.intp], at: NDArray[np.intp]) -> NDArray[np.intp]:
    """The string each position ``at`` lies in, of strings joined one after another (string
    ``k`` from ``starts[k]`` on, ascending)."""
    out: NDArray[np.intp] = np.searchsorted(starts, at, "right") - 1
    return out


def _marked(n: int, rows: list[int] | NDArray[np.intp]) -> NDArray[np.bool_]:
    """``n`` flags, set at ``rows``."""
    out = np.zeros(n, dtype=np.bool_)
    out[rows] = True
    return out


def _lines_at(
    at: NDArray[np.intp], line_at: NDArray[np.intp], n_chars: NDArray[np.intp]
) -> NDArray[np.intp]:
    """The lines (line ``k``: ``n_chars[k]`` characters from ``line_at[k]``, ascending and
    apart) the positions ``at`` lie in, for each that lies in one, in order."""
    line = _owners(line_at, at)
    inside = (line >= 0) & (at < line_at[np.maximum(line, 0)] + n_chars[np.maximum(line, 0)])
    out: NDArray[np.intp] = line[inside]
    return out


class _TokenTable:
    """Lower-cased tokens seen so far and their facts (a table row each)."""

    def __init__(self) -> None:
        self.rows: dict[str, int] = {"\n": 0}  # row 0: the line break before each line
        self.words: list[str] = ["\n"]  # each row's token
        self.facts = np.zeros(4096, dtype=np.uint64)
        # Bits 0-5: the token is a single-word cue of that kind (CUE_KINDS order); bit 6: the
        # first word of a cue ending in ":"; bit 7: of another cue without a space.
        self.kinds = np.zeros(4096, dtype=np.uint8)
        self.cue = np.zeros(4096, dtype=np.bool_)  # the token is a word of _CUE_WORDS
        self.marks = np.zeros(4096, dtype=np.uint8)  # _marks of the token
        # Per cue phrase "left right..." (bit p of two words): the token ends with its left
        # word, or starts with the word run its right part starts with.
        self.ends = np.zeros((4096, 2), dtype=np.uint64)
        self.begins = np.zeros((4096, 2), dtype=np.uint64)

    def lookup(self, tokens: list[str]) -> NDArray[np.intp]:
        rows = self.rows
        found = np.fromiter(map(rows.get, tokens, repeat(-1)), np.intp, len(tokens))
        unknown = np.flatnonzero(found < 0)
        if len(unknown):
            missing = list(map(tokens.__getitem__, unknown.tolist()))
            new = list(dict.fromkeys(missing))
            if len(rows) + len(new) > _TOKENS_MAX:
                rows.clear()
                rows["\n"] = 0
                self.words = ["\n"]
                unknown, missing = np.arange(len(tokens)), tokens
                new = [t for t in dict.fromkeys(tokens) if t != "\n"]
            self._learn(new)
            found[unknown] = np.fromiter(map(rows.__getitem__, missing), np.intp, len(missing))
        return found

    def _learn(self, new: list[str]) -> None:
        """Rows for ``new`` tokens (none of them known), at the end of the table."""
        first = len(self.rows)
        size = first + len(new)
        if size > len(self.facts):
            capacity = max(size, 2 * len(self.facts))
            self.facts = np.resize(self.facts, capacity)
            self.kinds = np.resize(self.kinds, capacity)
            self.cue = np.resize(self.cue, capacity)
            self.marks = np.resize(self.marks, capacity)
            self.ends = np.resize(self.ends, (capacity, 2))
            self.begins = np.resize(self.begins, (capacity, 2))
        self.rows.update(zip(new, range(first, size), strict=True))
        self.words.extend(new)
        n = len(new)
        # Most tokens are in none of the small word sets: their facts, cue kinds, cue-word
        # flags and marks are set for the few that are (_WORD_FACTS), found by one set
        # intersection; the substring tests of _marks and the pair tests are searches in
        # the tokens joined (each token between line breaks), not calls per token.
        facts = np.full(n, 1 << _T_TOKEN, dtype=np.uint64)
        kinds = np.zeros(n, dtype=np.uint8)
        marks = np.zeros(n, dtype=np.uint8)
        hits = list(_WORD_FACT_KEYS.intersection(new))
        where = np.fromiter(map(self.rows.__getitem__, hits), np.intp, len(hits)) - first
        info = np.fromiter(map(_WORD_FACTS.__getitem__, hits), np.int64, len(hits))
        for j, (_, shift) in enumerate(_FACT_SETS):
            facts[where] |= ((info >> j) & 1).astype(np.uint64) << np.uint64(shift)
        kinds[where] = (info >> _K_SHIFT).astype(np.uint8)
        marks[where] = (info >> _MARK_SHIFT).astype(np.uint8)
        self.cue[first:size] = False
        self.cue[first + where] = (info >> (_K_SHIFT + 8)) & 1 > 0
        self.facts[first:size] = facts
        self.kinds[first:size] = kinds
        blob = "\n" + "\n".join(new) + "\n"
        starts = np.zeros(n, dtype=np.intp)  # where each token starts in blob
        lengths = np.fromiter(map(len, new), np.intp, n)
        np.cumsum(lengths[:-1] + 1, out=starts[1:])
        starts += 1

        url = [_holding(blob, hint, starts) for hint in ("http", "www")]
        url += [_holding(blob, "\n" + hint, starts, 1) for hint in _URL_STARTS]
        marks[np.concatenate(url)] |= _M_URL
        # A month word between a token's "-" / "'" (_marks: no token with them is one).
        month = [
            j
            for j in np.union1d(_holding(blob, "-", starts), _holding(blob, "'", starts)).tolist()
            if _joined_month(new[j])
        ]
        marks[month] |= _M_MONTH
        # The pairs: tokens ending with two characters that end a left word (starting with
        # one or two that start a right word), by their code points, then with the words
        # that end (start) so.
        codes = np.frombuffer(blob.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        codes = codes.astype(np.int64)
        ends = starts + lengths
        two = lengths >= 2
        tail = codes[ends - 2] << 32 | codes[ends - 1]
        head = codes[starts] << 32 | codes[starts + 1]
        lefts = [
            j
            for j in np.flatnonzero(two & np.isin(tail, _LEFT_TAIL_KEYS)).tolist()
            if new[j].endswith(_LEFTS_BY_TAIL[new[j][-2:]])
        ]
        maybe = (two & np.isin(head, _RIGHT_HEAD_KEYS)) | np.isin(codes[starts], _RIGHT_HEAD_KEYS)
        rights = [
            j
            for j in np.flatnonzero(maybe).tolist()
            if new[j].startswith(_RIGHTS_BY_HEAD.get(new[j][:2], _RIGHT_ONE))
        ]
        pair_rows = np.zeros((n, 2), dtype=np.uint64)
        pair_rows[lefts] = np.array(
            [_pair_bits(new[j], right=False) for j in lefts], dtype=np.uint64
        ).reshape(-1, 2)
        self.ends[first:size] = pair_rows
        pair_rows[:] = 0
        pair_rows[rights] = np.array(
            [_pair_bits(new[j], right=True) for j in rights], dtype=np.uint64
        ).reshape(-1, 2)
        self.begins[first:size] = pair_rows
        marks[lefts] |= _M_ENDS
        marks[rights] |= _M_BEGINS
        self.marks[first:size] = marks


def _keys(strings: frozenset[str]) -> NDArray[np.int64]:
    """Each string of one or two characters as an integer key (the code points of two, the
    code point of one), sorted."""
    keys = [ord(t[0]) << 32 | ord(t[1]) if len(t) == 2 else ord(t) for t in strings]
    return np.array(sorted(keys), dtype=np.int64)


def _word_facts() -> dict[str, int]:
    """Token -> whether it is in each word set of :data:`_FACT_SETS` (bit ``j``: set ``j``),
    its cue kind bits (from bit ``_K_SHIFT``), whether it is a cue word (bit
    ``_K_SHIFT + 8``) and, for the tokens whose :func:`_marks` no substring test finds
    ("co", "i", the month words), their marks (from bit ``_MARK_SHIFT``): for the tokens
    that have any of them."""
    found: dict[str, int] = {}
    for j, (members, _) in enumerate(_FACT_SETS):
        for word in members:
            found[word] = found.get(word, 0) | 1 << j
    for word, bits in _WORD_KINDS.items():
        found[word] = found.get(word, 0) | bits << _K_SHIFT
    for word in _CUE_WORDS:
        found[word] = found.get(word, 0) | 1 << (_K_SHIFT + 8)
    for word in ("co", "i", *_MONTH_WORDS):
        found[word] = found.get(word, 0) | _marks(word) << _MARK_SHIFT
    return found


_K_SHIFT = 8
_MARK_SHIFT = _K_SHIFT + 9
_URL_STARTS = ("com", "org", "net", "htm")
_WORD_FACTS = _word_facts()
_WORD_FACT_KEYS = frozenset(_WORD_FACTS)
_LEFT_TAIL_KEYS = _keys(_LEFT_TAILS)
_RIGHT_HEAD_KEYS = _keys(_RIGHT_HEADS)
_TOKEN_TABLE = _TokenTable()


def _char_facts(char: str) -> tuple[int, int]:
    counted = (
        char.isalpha() << _C_ALPHA
        | char.isupper() << _C_UPPER
        | char.isdigit() << _C_DIGIT
        | (char == " ") << _C_BLANK
        | (char in "/-") << _C_DATE
        | (char == ":") << _C_COLON
    )
    cased = not char.isascii() and char.lower() != char
    starts_mark = any(pair[0] == char for pair in _MARK_PAIRS)
    folds = not char.isascii() and any(re.fullmatch(a, char, re.I) for a in string.ascii_lowercase)
    return counted, (
        char.isspace() * _IS_SPACE
        | char.islower() * _IS_LOWER
        | cased * _WIDE_CASED
        | starts_mark * _MARK_START
        | (char in "/.-") * _IS_SEP
        | char.isdigit() * _IS_DIGIT
        | folds * _RE_FOLDS
    )


_ASCII_COUNTED = np.array([_char_facts(chr(c))[0] for c in range(128)], dtype=np.uint64)
_ASCII_CLASS = np.array([_char_facts(chr(c))[1] for c in range(128)], dtype=np.uint8)
_CHARS: dict[int, tuple[int, int]] = {}  # non-ASCII code point -> _char_facts


def _char_tables(points: NDArray[np.uint32]) -> tuple[NDArray[np.uint64], NDArray[np.uint8]]:
    """Counted facts and class bits of each code point."""
    ascii_ = points < 128
    if ascii_.all():
        return _ASCII_COUNTED.take(points), _ASCII_CLASS.take(points)
    where = np.flatnonzero(~ascii_)
    clipped = points.copy()
    clipped[where] = 0
    counted, klass = _ASCII_COUNTED.take(clipped), _ASCII_CLASS.take(clipped)
    distinct, inverse = np.unique(points[where], return_inverse=True)
    facts = []
    for point in distinct.tolist():
        fact = _CHARS.get(point)
        if fact is None:
            fact = _CHARS[point] = _char_facts(chr(point))
        facts.append(fact)
    counted[where] = np.array([c for c, _ in facts], dtype=np.uint64)[inverse]
    klass[where] = np.array([k for _, k in facts], dtype=np.uint8)[inverse]
    return counted, klass


def _byte(shift: int) -> int:
    """Where the 8-bit field at ``shift`` of a uint64 lies among its bytes."""
    return shift // 8 if sys.byteorder == "little" else 7 - shift // 8


def _field(packed: NDArray[np.uint64], shift: int) -> NDArray[np.intp]:
    out: NDArray[np.intp] = ((packed >> np.uint64(shift)) & np.uint64(255)).astype(np.intp)
    return out


def _codes(chars: Iterable[str]) -> NDArray[np.uint32]:
    return np.array(sorted(map(ord, chars)), dtype=np.uint32)


_TRAILING_CODES = _codes(_TRAILING)
# An empty core ends with "", which _TERMINAL and "?!" contain: a code past every character.
_NO_CHAR = 0x110000
_TERMINAL_CODES = np.array([*_codes(_TERMINAL), _NO_CHAR], dtype=np.uint32)
_QE_CODES = np.array([*_codes("?!"), _NO_CHAR], dtype=np.uint32)
_BULLET_CODES = _codes(_BULLETS)
_QUOTE_CODES = _codes('"“”')
_PIPE_CODES = _codes("|")
_MARK_FIRST_CODES = _codes(_MARK_FIRST)
_BYLINE_FIRST_CODES = _codes(_BYLINE_FIRST)


def _lines_with_codes(
    codes: NDArray[np.uint32],
    chars: NDArray[np.uint32],
    line_at: NDArray[np.intp],
    n_chars: NDArray[np.intp],
) -> NDArray[np.bool_]:
    """Whether each line (``n_chars[k]`` code points from ``line_at[k]`` in ``codes``)
    has one of ``chars`` in it."""
    found = codes == chars[0]
    for char in chars[1:]:
        found |= codes == char
    return _marked(len(line_at), _lines_at(np.flatnonzero(found), line_at, n_chars))


def _date_shaped(
    klass: NDArray[np.uint8],
    sep_at: NDArray[np.intp],
    folds: NDArray[np.intp],
    starts: NDArray[np.intp],
    n: int,
) -> NDArray[np.bool_]:
    """The lines of the joined heads (line ``k`` from ``starts[k]``; ``klass``: their class
    bits, ``sep_at``: where "/", "." or "-" are) where DATE_RE may match without a month word
    among the tokens: with a digit, one such character, one or two digits, another and a digit
    (its third form), or with a character that re matches to an ASCII letter (``folds``)."""
    dsd = sep_at[(klass[sep_at - 1] & klass[sep_at + 1] & _IS_DIGIT) > 0]
    two = dsd[np.isin(dsd + 2, dsd) | np.isin(dsd + 3, dsd)]
    return _marked(n, _owners(starts, np.concatenate([two, folds])))


def _lines_with_word_part(
    scan: ScanBatch, part: str, line_at: NDArray[np.intp], n_chars: NDArray[np.intp]
) -> set[int]:
    """The lines (line ``k``: ``n_chars[k]`` characters from ``line_at[k]`` in ``scan``'s
    joined text) where ``part`` (lower-case ASCII letters) is in the line lower-cased: those
    with a scanned word whose lower-cased form has it. (A run of letters lies in one word;
    str.lower maps no character but an ASCII letter to a single ASCII letter, U+0130 lowers
    to "i" and a combining dot, U+212A to "k".) The batch's distinct words are searched at
    once; most batches have none."""
    words = scan.low_words
    blob = "\n".join(words)
    if part not in blob:
        return set()
    word_starts = np.zeros(len(words), dtype=np.intp)
    np.cumsum(np.fromiter(map(len, words[:-1]), np.intp, len(words) - 1) + 1, out=word_starts[1:])
    has = np.zeros(len(words), dtype=np.bool_)
    has[_holding(blob, part, word_starts)] = True
    at = scan.at[np.flatnonzero(has[scan.low][scan.word])]  # (per distinct word, then token)
    return set(_lines_at(at, line_at, n_chars).tolist())


def _token_rows(
    heads: list[str],
    n_head: NDArray[np.intp],
    scan: ScanBatch,
    head_at: NDArray[np.intp],
    slow: list[int],
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The token table rows of each head's tokens (:func:`words` of it), every line's led by
    row 0 (its break), and where each line's break is.

    The tokens are the scanned words that lie in the head (``head_at``: where each head
    starts in ``scan``'s joined text): the
    same words, lower-cased alone rather than with the head, which changes nothing where
    str.lower changes no character but ASCII letters (:data:`_WIDE_CASED`; ``slow`` lines
    are cut by :func:`words` alone). A word that the head's end cuts is the head's last
    token, its cut part lower-cased."""
    n = len(heads)
    at = scan.at  # (ascending; the heads are too, and do not overlap)
    words_at = head_at
    head_end = words_at + n_head
    lo = np.searchsorted(at, words_at)  # each head's tokens are lo:hi
    hi = np.searchsorted(at, head_end)
    per_line = hi - lo
    per_line[slow] = 0
    first = np.zeros(n, dtype=np.intp)  # where each line's tokens start in sel
    np.cumsum(per_line[:-1], out=first[1:])
    sel_line = np.repeat(np.arange(n), per_line)
    sel = np.arange(len(sel_line)) + (lo - first)[sel_line]
    low_ids = scan.low[scan.word[sel]]
    used = np.zeros(len(scan.low_words), dtype=np.bool_)
    used[low_ids] = True
    ids = np.flatnonzero(used)
    strings = list(map(scan.low_words.__getitem__, ids.tolist()))
    cut: list[int] = []
    if len(at):
        last = np.maximum(hi - 1, 0)
        ends = at[last] + (scan.end[last] - scan.start[last])
        cut_lines = np.flatnonzero((per_line > 0) & (ends > head_end))
        cut = (first[cut_lines] + per_line[cut_lines] - 1).tolist()
        # The cut part of a word is one word (words() of it) once a "'" or "-" that ends it is
        # dropped: its characters lower-case alone (the line is not slow), runs of word
        # characters joined by single "'", "’" or "-".
        offsets = (at[sel[cut]] - words_at[cut_lines]).tolist()
        for k, off in zip(cut_lines.tolist(), offsets, strict=True):
            part = heads[k][off:].lower().replace("’", "'")
            strings.append(part[:-1] if part[-1] in "'-" else part)
    slow_words = [words(heads[k]) for k in slow]
    for found in slow_words:
        strings.extend(found)
    looked_up = _TOKEN_TABLE.lookup(strings)
    row_of = np.zeros(len(scan.low_words), dtype=np.intp)
    row_of[ids] = looked_up[: len(ids)]
    token_rows = row_of[low_ids]
    token_rows[cut] = looked_up[len(ids) : len(ids) + len(cut)]
    counts = per_line.copy()
    counts[slow] = [len(found) for found in slow_words]
    breaks = np.arange(n, dtype=np.intp)
    breaks[1:] += np.cumsum(counts[:-1])
    rows = np.zeros(n + int(counts.sum()), dtype=np.intp)
    rows[breaks[sel_line] + 1 + np.arange(len(sel)) - first[sel_line]] = token_rows
    done = len(ids) + len(cut)
    for k, found in zip(slow, slow_words, strict=True):
        rows[breaks[k] + 1 : breaks[k] + 1 + len(found)] = looked_up[done : done + len(found)]
        done += len(found)
    return rows, breaks


def _lines_raw(
    lines: Sequence[str], source: tuple[ScanBatch, NDArray[np.intp]] | None = None
) -> tuple[FloatArray, _LineCues]:
    """The features of each line on its own (:data:`_RAW_NAMES`, then the comment-shape ones
    but the page-level one: :func:`page_features` adds that), one row each, and their cues;
    any lines, line breaks inside them too. The per-line definition they are checked against
    is ``_line_raw`` in tests/test_boilerplate.py.

    ``source``: the scanned texts the lines are cut from and where each stripped line starts
    in the scan's joined text (the scan is shared with other detectors); without it, the stripped
    lines are scanned here. Token and character counts of all lines come from one pass
    over their tokens and their joined heads (tokens looked up in a table learnt once,
    counts summed per line by np.add.reduceat); first and last characters and quotes from
    the scan's code points; what is rare is searched in the joined text, and only the lines
    that have it (or that the per-line code would test) are looked at one by one."""
    n = len(lines)
    if n == 0:
        return np.zeros((0, _N_RAW + len(_COMMENT_NAMES) - 1)), _LineCues.of([])
    stripped = [line.strip() for line in lines]
    heads = [s[:_SAMPLE] for s in stripped]
    n_chars = np.fromiter(map(len, stripped), np.intp, n)
    n_head = np.minimum(n_chars, _SAMPLE)
    # Line k of `joined` is "\n" + heads[k], from starts[k] (its line break) on.
    joined = "\n" + "\n".join(heads)
    starts = np.zeros(n, dtype=np.intp)
    np.cumsum(n_head[:-1] + 1, out=starts[1:])

    # Characters of the heads, in their own case.
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    counted, klass = _char_tables(points)
    fields = counted.view(np.uint8).reshape(-1, 8)  # each 8-bit field a byte column
    space = (klass & _IS_SPACE) > 0
    word_start = ~space
    word_start[1:] &= space[:-1]  # (position 0 is the first line break)
    fields[:, _byte(_C_WORD)] = word_start
    np.bitwise_and(word_start, fields[:, _byte(_C_UPPER)], out=fields[:, _byte(_C_CAP)])
    per_char = np.add.reduceat(counted, starts)
    letters = _field(per_char, _C_ALPHA)
    uppers = _field(per_char, _C_UPPER)
    digits = _field(per_char, _C_DIGIT)
    n_raw_words = _field(per_char, _C_WORD)
    caps = _field(per_char, _C_CAP)
    symbols = n_head - letters - digits - _field(per_char, _C_BLANK)
    alpha_at = np.flatnonzero(fields[:, _byte(_C_ALPHA)].view(np.bool_))  # (0 or 1)
    alpha_at = np.append(alpha_at, len(points))  # (a sentinel: no letter)
    first_alpha = alpha_at[np.searchsorted(alpha_at, starts)]
    klass = np.append(klass, 0)
    starts_lower = (first_alpha <= starts + n_head) & ((klass[first_alpha] & _IS_LOWER) > 0)

    # Tokens: words() of each head, cut from the scanned words of the texts the lines are in
    # (or of the heads themselves), looked up in the token table.
    if source is None:
        scan = scan_batch(stripped)
        head_at = scan.offsets[:-1].astype(np.intp)
    else:
        scan, head_at = source
    # (np.flatnonzero of bools: many times faster than of other integers)
    odd = np.flatnonzero((klass & (_WIDE_CASED | _RE_FOLDS)) != 0)
    wide = odd[(klass[odd] & _WIDE_CASED) > 0]
    slow = sorted(set(_owners(starts, wide).tolist()))
    folds = odd[(klass[odd] & _RE_FOLDS) > 0]
    table = _TOKEN_TABLE
    rows, breaks = _token_rows(heads, n_head, scan, head_at, slow)
    per_line = np.add.reduceat(table.facts.take(rows), breaks)
    n_toks = _field(per_line, _T_TOKEN)
    stop = _field(per_line, _T_STOP)
    has_month = _field(per_line, _T_MONTH) > 0
    has_ampm = _field(per_line, _T_AMPM) > 0
    informal = _field(per_line, _T_INFORMAL) > 0
    kind_bits = np.bitwise_or.reduceat(table.kinds.take(rows), breaks)
    # Lines where a cue phrase may be: their cues are found one line at a time. (Tokens that
    # end no left word or start no right word of a pair are told by their marks.)
    row_marks = table.marks.take(rows)
    maybe = np.flatnonzero((row_marks[:-1] & (row_marks[1:] >> 1) & _M_ENDS) != 0)
    pair = (table.ends[rows[maybe]] & table.begins[rows[maybe + 1]]).any(axis=1)
    phrase_lines = set(_owners(breaks, maybe[pair]).tolist())

    n_words = np.where(
        n_chars <= _SAMPLE, n_toks, np.rint(n_toks * n_chars / np.maximum(n_head, 1))
    ).astype(np.intp)
    has_digit = digits > 0
    maybe_date = has_digit & (has_month | (_field(per_char, _C_DATE) > 0))
    maybe_time = has_digit & ((_field(per_char, _C_COLON) > 0) | has_ampm)
    dotted = _holding(joined, ".m.", starts)
    maybe_time[dotted] = has_digit[dotted]

    # The full lines, for what is looked for beyond the head (the stripped line ``k`` is
    # scan.codes[head_at[k] : head_at[k] + n_chars[k]]).
    pipes = np.zeros(n, dtype=np.intp)
    empty_cells = np.zeros(n, dtype=np.intp)
    for k in np.flatnonzero(_lines_with_codes(scan.codes, _PIPE_CODES, head_at, n_chars)).tolist():
        s = stripped[k]
        pipes[k] = s.count("|")
        if pipes[k] > 1:
            empty_cells[k] = len(EMPTY_CELL_RE.findall(s))
    copyright_ = _lines_with_word_part(scan, "copyright", head_at, n_chars)
    at_lines = np.unique(_holding(joined, "@", starts)).tolist()
    marks = np.bitwise_or.reduceat(row_marks, breaks)
    url_lines = [
        k
        for k in np.flatnonzero((marks & _M_URL) != 0).tolist()
        if any(map(heads[k].__contains__, _URL_HINTS))
    ]
    lower_i = [
        k
        for k in np.flatnonzero((marks & _M_I) != 0).tolist()
        if " i " in heads[k] or heads[k].startswith("i ")
    ]
    marked_at = np.flatnonzero((klass[: len(points) - 1] & (_MARK_START | _IS_SEP)) != 0)
    mark_at = marked_at[(klass[marked_at] & _MARK_START) > 0]
    sep_at = marked_at[(klass[marked_at] & _IS_SEP) > 0]
    pair_keys = points[mark_at].astype(np.int64) << 32 | points[mark_at + 1]
    mark_at = mark_at[np.isin(pair_keys, _MARK_KEYS)]
    informal_mark = [
        k
        for k in dict.fromkeys(_owners(starts, mark_at).tolist())
        if INFORMAL_MARK_RE.search(heads[k])
    ]
    phrase_lines.update(_holding(joined, "©", starts).tolist())
    phrase_lines.update(np.flatnonzero((kind_bits & 128) != 0).tolist())
    colon_cue = ((kind_bits & 64) > 0) & (_field(per_char, _C_COLON) > 0)
    phrase_lines.update(np.flatnonzero(colon_cue).tolist())

    single = (kind_bits & ((1 << len(CUE_KINDS)) - 1)) > 0
    cue_at = np.flatnonzero(table.cue.take(rows))
    cue_words = list(map(table.words.__getitem__, rows[cue_at].tolist()))
    cue_bounds = [*np.searchsorted(cue_at, breaks).tolist(), len(cue_at)]
    cues = _LineCues(heads, cue_words, cue_bounds, {}, single)
    raw = np.zeros((n, _N_RAW + len(_COMMENT_NAMES) - 1))
    kinds_rows = sorted(phrase_lines)
    kinds: list[float] = []
    for k in kinds_rows:
        line_cue = cues.known[k] = line_cues(heads[k], cues.tokens(k))
        found = {kind for _, kind in line_cue}
        kinds.extend(1.0 if kind in found else 0.0 for kind in CUE_KINDS)

    # The first and last characters of the lines, and the last one before the trailing
    # _TRAILING ones ("the core's"), from the scan's code points (the stripped line ``k`` is
    # codes[head_at[k] : head_at[k] + n_chars[k]]).
    codes = scan.codes
    first_code = codes[head_at]
    end = head_at + n_chars
    last_code = codes[end - 1]
    pos = end - 1  # where each core ends (inclusive); before head_at: an empty core
    active = np.flatnonzero(np.isin(last_code, _TRAILING_CODES))
    while len(active):
        pos[active] -= 1
        active = active[
            (pos[active] >= head_at[active]) & np.isin(codes[pos[active]], _TRAILING_CODES)
        ]
    core_len = pos - head_at + 1
    core_last = np.where(core_len > 0, codes[pos], _NO_CHAR)
    dot = np.uint32(ord("."))
    core_dots = (core_len >= 3) & (codes[pos] == dot) & (codes[pos - 1] == dot)
    core_dots &= codes[pos - 2] == dot
    ends_paren = last_code == ord(")")
    ends_terminal = np.isin(core_last, _TERMINAL_CODES) & ~core_dots
    ends_colon = core_last == ord(":")
    ends_qe = np.isin(core_last, _QE_CODES)
    name_alpha = (_char_tables(codes[pos])[0] >> np.uint64(_C_ALPHA)) & np.uint64(1) > 0
    name_alpha &= core_len > 0
    starts_bullet = np.isin(first_code, _BULLET_CODES)
    in_parens = (first_code == ord("(")) & ends_paren
    ends_ellipsis = (last_code == ord("…")) | (
        (n_chars >= 3) & (last_code == dot) & (codes[end - 2] == dot) & (codes[end - 3] == dot)
    )
    has_quote = _lines_with_codes(codes, _QUOTE_CODES, head_at, n_chars)
    maybe_date &= (marks & _M_MONTH > 0) | _date_shaped(klass, sep_at, folds, starts, n)
    # The patterns, searched only in the lines that can match (those the per-line code would
    # search, or fewer where a necessary condition is checked first: _date_shaped).
    dated = [k for k in np.flatnonzero(maybe_date).tolist() if DATE_RE.search(heads[k])]
    timed = [k for k in np.flatnonzero(maybe_time).tolist() if TIME_RE.search(heads[k])]
    has_date, has_time = _marked(n, dated), _marked(n, timed)
    short = np.flatnonzero(n_words <= 12).tolist()
    date_set, time_set = set(dated), set(timed)
    mark_first = np.isin(first_code, _MARK_FIRST_CODES).tolist()
    headers = [
        k
        for k in short
        if (s := stripped[k]).endswith(_COMMENT_HEADER_ENDS)
        or (k in date_set and (k in time_set or " at " in s or COMMENT_HEADER_RE.match(s)))
        or ((mark_first[k] or "(" in s) and COMMENT_MARK_RE.search(s))
    ]
    digit_list = has_digit.tolist()
    counters = [k for k in short if digit_list[k] and COUNTER_RE.search(heads[k])]
    credit_lines = sorted(copyright_.union(np.flatnonzero(ends_paren).tolist()))
    columns_flags = (
        ends_terminal,
        ends_colon,
        ends_ellipsis,
        ends_qe,
        ends_paren,
        _marked(n, headers),
        _marked(n, [k for k in url_lines if URL_RE.search(heads[k])]),
        _marked(n, [k for k in at_lines if HANDLE_RE.search(heads[k])]),
        _marked(n, [k for k in at_lines if EMAIL_RE.search(heads[k])]),
        has_date,
        has_time,
        _marked(
            n,
            [
                k
                for k in np.flatnonzero(np.isin(first_code, _BYLINE_FIRST_CODES)).tolist()
                if BYLINE_RE.match(stripped[k])
            ],
        ),
        (n_words >= 2) & (n_words <= 4) & name_alpha,  # (and the counts below)
        _marked(n, counters),
        (n_words <= 7) & has_date,
        _marked(n, [k for k in credit_lines if CREDIT_RE.search(stripped[k])]),
        starts_bullet,
        in_parens,
        has_quote,
    )
    (
        ends_terminal, ends_colon, ends_ellipsis, ends_qe, ends_paren_, comment_header_,
        has_url, has_handle, has_email, has_date_, has_time_, is_byline, name_only_,
        is_counter, is_date_only, photo_credit, starts_bullet, in_parens, has_quote,
    ) = columns_flags  # fmt: skip
    name_only = name_only_ & (stop == 0) & (caps == n_raw_words) & ~has_digit
    inv_chars = np.where(n_head > 0, 1.0 / np.maximum(n_head, 1), 0.0)
    inv_toks = np.where(n_toks > 0, 1.0 / np.maximum(n_toks, 1), 0.0)
    any_toks = np.maximum(n_toks, 1)
    # Elsewhere the kinds of the line's single-word cues.
    cue_flags = ((kind_bits[:, None] >> np.arange(len(CUE_KINDS), dtype=np.uint8)) & 1).astype(
        np.float64
    )
    if kinds_rows:
        cue_flags[kinds_rows] = np.array(kinds).reshape(len(kinds_rows), len(CUE_KINDS))
    short_flags = np.where((n_words <= 8)[:, None], cue_flags, 0.0)
    columns = (
        np.log1p(n_chars),
        np.log1p(n_words),
        n_words <= 2,
        (n_words >= 3) & (n_words <= 5),
        (n_words >= 6) & (n_words <= 10),
        (n_words >= 11) & (n_words <= 20),
        n_words > 20,
        np.where(n_toks > 0, stop / any_toks, 0.0),
        (n_words > 0) & (stop == 0),
        ends_terminal,
        ends_colon,
        ends_ellipsis,
        ends_qe,
        ends_paren_,
        np.where(n_raw_words > 0, caps / np.maximum(n_raw_words, 1), 0.0),
        np.where(letters > 0, uppers / np.maximum(letters, 1), 0.0),
        starts_lower,
        digits * inv_chars,
        symbols * inv_chars,
        pipes / np.maximum(1, n_raw_words),
        np.log1p(pipes),
        np.where(pipes > 0, empty_cells / np.maximum(pipes, 1), 0.0),
        comment_header_,
        has_url,
        has_handle,
        has_email,
        has_date_,
        has_time_,
        is_byline,
        name_only,
        is_counter,
        is_date_only,
        photo_credit,
        starts_bullet,
        in_parens,
        np.where(n_toks > 0, _field(per_line, _T_FIRST) / any_toks, 0.0),
        has_quote,
    )
    for col, values in enumerate(columns):
        raw[:, col] = values
    col = len(columns)
    raw[:, col : col + len(CUE_KINDS)] = cue_flags
    raw[:, col + len(CUE_KINDS) : _N_RAW] = short_flags
    raw[:, _N_RAW] = _field(per_line, _T_SINGULAR) * inv_toks
    raw[:, _N_RAW + 1] = _field(per_line, _T_SECOND) * inv_toks
    raw[:, _N_RAW + 2] = _marked(n, lower_i)
    informal_any = informal.copy()
    informal_any[informal_mark] = True
    raw[:, _N_RAW + 3] = informal_any
    return raw, cues


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
    pages = _pages([lines])
    return pages.x, pages.cues.all()


@dataclass
class _Pages:
    """:func:`page_features` of several pages at once, their lines stacked page after page
    (page ``k`` is rows ``bounds[k]:bounds[k + 1]``), with what detection reuses: each
    line's character count as the model sees it (``expm1`` of its ``log_chars``) and whether
    it is a byline/dateline (``meta``: a name, "By ...", a bare date or a counter between the
    title and the first prose line; or anywhere, a short line with a date, a time and a
    publishing cue, "First published June 18, 2018: 7:25 PM ET")."""

    x: FloatArray
    cues: _LineCues
    chars: FloatArray
    meta: NDArray[np.bool_]
    bounds: list[int]


@dataclass
class _Layout:
    """Where each stacked line sits in its page (pages without lines have no rows)."""

    starts: NDArray[np.intp]  # first row of each page with lines
    page_of: NDArray[np.intp]  # per row: its page (among pages with lines)
    i: NDArray[np.intp]  # per row: its index in its page
    n: NDArray[np.intp]  # per row: its page's length
    base: NDArray[np.intp]  # per row: where its page's prefix sums start (see _prefix_sums)
    spans: list[tuple[int, int]]  # rows of each page with lines

    @classmethod
    def of(cls, bounds: Sequence[int]) -> _Layout:
        spans = [(a, b) for a, b in pairwise(bounds) if b > a]
        starts = np.array([a for a, _ in spans], dtype=np.intp)
        sizes = np.array([b - a for a, b in spans], dtype=np.intp)
        page_of = np.repeat(np.arange(len(spans)), sizes)
        first = starts[page_of]
        i = np.arange(int(sizes.sum())) - first
        return cls(starts, page_of, i, sizes[page_of], first + page_of, spans)

    def window(self) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Each row's window of its page's rows, ``lo:hi``: up to three before, itself and up
        to three after."""
        return np.maximum(self.i - 3, 0), np.minimum(self.i + 4, self.n)

    def prefix_sums(self, values: list[float]) -> FloatArray:
        """``[0.0, *accumulate(page)]`` of each page's ``values``, concatenated: page sums in
        Python's order (left to right), read at ``base + j``."""
        out: list[float] = []
        for a, b in self.spans:
            out.append(0.0)
            out.extend(accumulate(values[a:b]))
        return np.array(out, dtype=np.float64)


def _previous(values: NDArray[Any]) -> NDArray[Any]:
    """``values`` one row down (row ``j`` holds row ``j - 1``; row 0 itself): np.roll
    without its cost, for rows whose first is masked anyway."""
    out = values.copy()
    out[1:] = values[:-1]
    return out


def _next(values: NDArray[Any]) -> NDArray[Any]:
    """``values`` one row up (row ``j`` holds row ``j + 1``; the last row itself)."""
    out = values.copy()
    out[:-1] = values[1:]
    return out


def _same_in_page(values: list[str], page_of: NDArray[np.intp]) -> NDArray[np.intp]:
    """How many lines of its page have each line's value (itself included)."""
    index: dict[str, int] = {}
    ids = np.fromiter(map(index.setdefault, values, count()), np.intp, len(values))
    _, inverse, counts = np.unique(
        page_of * len(values) + ids, return_inverse=True, return_counts=True
    )
    out: NDArray[np.intp] = counts[inverse]
    return out


_NONE, _ONE = repeat(None), repeat(1)


def _pages(
    pages: Sequence[Sequence[str]], source: tuple[ScanBatch, NDArray[np.intp]] | None = None
) -> _Pages:
    # Line features of all lines at once (_lines_raw); page context for all pages' lines as
    # numpy columns. Every value is computed as the per-page numpy formulation the model was
    # trained on did: the same operations in the same order, sums in numpy's pairwise order
    # (_np_sum), cumulative sums left to right per page; numpy's log1p/expm1/log are libm's
    # where it has no SIMD versions of them (x86 without AVX-512; test_boilerplate checks).
    bounds = [0, *accumulate(len(p) for p in pages)]
    n_lines = bounds[-1]
    if n_lines == 0:
        empty = np.zeros((0, len(LINE_FEATURE_NAMES)))
        return _Pages(empty, _LineCues.of([]), np.zeros(0), np.zeros(0, dtype=bool), bounds)
    all_lines = list(chain.from_iterable(pages))
    raw, cues = _lines_raw(all_lines, source)
    # The first and last words, without splitting all.
    first_words = [p[0].lower() if p else "" for p in map(str.split, all_lines, _NONE, _ONE)]
    last_words = [p[-1].lower() if p else "" for p in map(str.rsplit, all_lines, _NONE, _ONE)]
    lay = _Layout.of(bounds)
    i, n, page_of, starts = lay.i, lay.n, lay.page_of, lay.starts
    last = n - 1
    has_prev = i > 0
    has_next = i < last

    chars = np.expm1(raw[:, _I_LOG_CHARS])
    chars_list = chars.tolist()
    cum: list[float] = []
    totals: list[float] = []
    maxima: list[float] = []
    medians: list[float] = []
    for a, b in lay.spans:
        page_chars = chars_list[a:b]
        cum.extend(accumulate(page_chars))
        totals.append(max(1.0, _np_sum(page_chars)))
        maxima.append(max(1.0, max(page_chars)))
        medians.append(max(1.0, _median(page_chars)))
    cum_chars = np.array(cum) - chars
    total = np.array(totals)[page_of]
    lw = raw[:, _I_LOG_WORDS]
    sd = raw[:, _I_STOP]
    term = raw[:, _I_TERM]
    csum = lay.prefix_sums(lw.tolist())
    lo, hi = lay.window()
    comment_line = np.maximum(raw[:, _I_CUE_COMMENT], raw[:, _I_COMMENT_HEADER])
    before_all = np.cumsum(comment_line) - comment_line  # exact: sums of 0.0 and 1.0
    before = before_all - before_all[starts][page_of]
    # A comment thread: from the first of at least two comment headers to the end. Comments
    # follow an article: a header-like line before the first prose line (a dated byline, a
    # blog post's header) does not count.
    headers = raw[:, _I_COMMENT_HEADER] != 0
    prose = (lw >= _LOG1P_15) & (term > 0)
    first_body = np.minimum.reduceat(np.where(prose, i, n), starts)[page_of]
    late = headers & (i > first_body)
    n_late = np.add.reduceat(late.astype(np.intp), starts)[page_of]
    first_late = np.minimum.reduceat(np.where(late, i, n + 1), starts)[page_of]
    thread_start = np.where(n_late >= 2, first_late, n + 1)
    n_headers = np.add.reduceat(headers.astype(np.intp), starts)[page_of]
    # Hard-wrapped prose: a line that goes on from an unfinished one, or is continued.
    lower = raw[:, _I_STARTS_LOWER] > 0
    # Long prose lines in the page's first half: a line after the last of them is past the
    # article's body (where header-less comment threads are).
    in_head = prose & (cum_chars < total / 2.0)
    last_prose = np.maximum.reduceat(np.where(in_head, i, -1), starts)[page_of]
    last_prose = np.where(last_prose < 0, n, last_prose)

    x = np.empty((n_lines, len(LINE_FEATURE_NAMES)))
    x[:, :_N_RAW] = raw[:, :_N_RAW]
    context = (
        i / np.maximum(1, last),
        cum_chars / total,
        np.log1p(i),
        np.log1p(last - i),
        i == 0,
        i == last,
        np.log1p(n),
        chars / np.array(maxima)[page_of],
        np.log((chars + 1.0) / np.array(medians)[page_of]),
        np.where(has_prev, _previous(lw), 0.0),
        np.where(has_prev, _previous(sd), 0.0),
        np.where(has_prev, _previous(term), 0.0),
        np.where(has_next, _next(lw), 0.0),
        np.where(has_next, _next(sd), 0.0),
        np.where(has_next, _next(term), 0.0),
        (csum[lay.base + hi] - csum[lay.base + lo]) / (hi - lo),
        np.log1p(before),
        before > 0,
        np.log1p(_same_in_page(first_words, page_of) - 1),
        np.log1p(_same_in_page(last_words, page_of) - 1),
        np.log1p(n_headers),
        i >= thread_start,
        lower & (np.where(has_prev, _previous(term), 1.0) == 0),
        (term == 0) & np.where(has_next, _next(lower), False),
    )
    for col, values in enumerate(context, start=_N_RAW):
        x[:, col] = values
    x[:, _N_OLD_LINE_FEATURES:-1] = raw[:, _N_RAW:]
    x[:, -1] = i > last_prose

    dateline = (
        (raw[:, _I_HAS_DATE] > 0)
        & (raw[:, _I_HAS_TIME] > 0)
        & (raw[:, _I_CUE_META] > 0)
        & (lw <= _LOG1P_15)
    )
    kind = (
        (raw[:, _I_NAME_ONLY] > 0)
        | (raw[:, _I_BYLINE] > 0)
        | (raw[:, _I_DATE_ONLY] > 0)
        | (raw[:, _I_COUNTER] > 0)
    )
    meta = dateline | (has_prev & (i < first_body) & kind)
    return _Pages(x, cues, chars, meta, bounds)


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
    return _stacks(np.asarray(p1, dtype=np.float64), np.expm1(x[:, _I_LOG_CHARS]), [0, len(x)])


def _stacks(p1: FloatArray, chars: FloatArray, bounds: Sequence[int]) -> FloatArray:
    """:func:`stack_features` of stacked pages (page ``k`` is rows ``bounds[k]:bounds[k+1]``)."""
    if len(p1) == 0:
        return np.zeros((0, len(STACK_FEATURE_NAMES)))
    lay = _Layout.of(bounds)
    i, n, page_of = lay.i, lay.n, lay.page_of
    last = n - 1
    p_list = p1.tolist()
    c_list = chars.tolist()
    content = ((0.5 - p1) * chars).tolist()
    block: list[tuple[int, int]] = []
    page_stats: list[tuple[float, float, float]] = []
    running_max: list[float] = []
    for a, b in lay.spans:
        start, end = _main_block(content[a:b])
        page_p = p_list[a:b]
        page_n = b - a
        block.append((start, end))
        page_stats.append(
            (
                _np_sum(c_list[a + start : a + end]) / max(1.0, _np_sum(c_list[a:b])),
                _np_sum(page_p) / page_n,
                _np_sum(page_p[end:]) / (page_n - end) if end < page_n else 0.0,
            )
        )
        running_max.extend(accumulate(page_p, max))
    csum = lay.prefix_sums(p_list)
    base = lay.base
    spans = np.array(block, dtype=np.intp)[page_of]
    block_start, block_end = spans[:, 0], spans[:, 1]
    block_share, page_mean, after_block = np.array(page_stats).T[:, page_of]
    lo, hi = lay.window()
    count = hi - lo - 1
    after_n = last - i
    distance = np.where(
        i < block_start, block_start - i, np.where(i >= block_end, i - block_end + 1, 0)
    )
    has_prev = i > 0
    columns = (
        p1,
        np.where(has_prev, _previous(p1), 0.5),
        np.where(i < last, _next(p1), 0.5),
        np.where(count > 0, (csum[base + hi] - csum[base + lo] - p1) / np.maximum(count, 1), 0.5),
        np.where(has_prev, csum[base + i] / np.maximum(i, 1), 0.5),
        np.where(
            after_n > 0,
            (csum[base + n] - csum[base + i + 1]) / np.maximum(after_n, 1),
            0.5,
        ),
        np.where(has_prev, _previous(np.array(running_max)), 0.0),
        page_mean,
        (block_start <= i) & (i < block_end),
        np.log1p(distance),
        block_share,
        i >= block_end,
        after_block,
    )
    out = np.empty((len(p1), len(STACK_FEATURE_NAMES)))
    for col, values in enumerate(columns):
        out[:, col] = values
    return out


_COL = {name: i for i, name in enumerate(LINE_FEATURE_NAMES)}


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
        # Column-major: filled and read a column at a time.
        out = np.empty((len(self.cont), len(x)), dtype=np.intp).T
        for k, j in enumerate(self.cont.tolist()):  # how many edges are below the value
            out[:, k] = np.searchsorted(self.edges[k], x[:, j])
        return out

    def decision(self, x: FloatArray) -> FloatArray:
        return self.page_decisions(x, [0, len(x)])

    def page_decisions(self, x: FloatArray, bounds: Sequence[int]) -> FloatArray:
        """:meth:`decision` of each page of stacked pages (page ``k`` is rows
        ``bounds[k]:bounds[k + 1]``), bit for bit: the linear part is one matrix-vector
        product per page, as for that page alone (OpenBLAS's arithmetic for a row depends on
        its place in the product: the last ``rows % 4`` rows are summed apart); the binned
        part and the bias are row by row."""
        # The linear columns of all rows are gathered once, column-major (as x[:, lin] is):
        # a page's rows of them are the page's own gathered copy but for the column stride.
        # OpenBLAS's column-major gemv reads the stride only where it sums the last
        # rows % 4 rows of a matrix of 1, 2 or 3 rows (unrolled when the stride is the row
        # count): such pages are gathered alone (test_boilerplate checks the bits).
        xl = x[:, self.lin]
        w = self.w_lin
        with single_threaded_blas():
            parts = [
                xl[a:b] @ w if b - a >= 4 else x[a:b][:, self.lin] @ w
                for a, b in pairwise(bounds)
                if b > a
            ]
        z: FloatArray = np.concatenate(parts) if parts else np.zeros(0)
        if len(self.cont):
            # A row's bin weights added to 0.0 left to right, whatever rows are around it (as
            # numpy sums the column-major weights of many rows; a lone row's it sums pairwise,
            # and a page of one row would get other bits alone than in a batch). (With no
            # binned columns their sum is 0.0, and adding it before the bias changes no value:
            # skipped.)
            bins = self.bins(x)
            binned = np.zeros(len(x))
            for k, weights in enumerate(self.table):
                binned += weights.take(bins[:, k])
            z = binned + z
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

        # The pages' features a batch of pages at a time (each page's own, see _pages).
        batches = [
            _pages(table.pages[i : i + _BUILD_BATCH])
            for i in range(0, len(table.pages), _BUILD_BATCH)
        ]
        x = np.vstack([b.x for b in batches])
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
        bounds = [0, *accumulate(len(p) for p in table.pages)]
        chars = np.concatenate([b.chars for b in batches])
        x2 = np.hstack([x, _stacks(p1, chars, bounds)])
        stage2 = BinnedLogit.fit(x2[keep], y[keep], sw[keep], c, nb, seed)
        return cls(settings, stage1, stage2)

    # -- detecting --------------------------------------------------------------------------
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f"boilerplate_{n}" for n in self._FEATURES)

    def line_probabilities(self, lines: Sequence[str]) -> tuple[FloatArray, FloatArray]:
        """Final probabilities of a page's non-blank lines (model + policy, exactly what
        :meth:`detect` thresholds), and their feature matrix."""
        pages = _pages([lines])
        return self._probabilities(pages), pages.x

    def _probabilities(self, pages: _Pages) -> FloatArray:
        x = pages.x
        if len(x) == 0:
            return np.zeros(0)
        bounds = pages.bounds
        # Models pickled before the comment-shape features read only the leading columns.
        nx = getattr(self, "n_line_features", _N_OLD_LINE_FEATURES)
        ns = getattr(self, "n_stack_features", _N_OLD_STACK_FEATURES)
        p1 = _sigmoid(self.stage1.page_decisions(x, bounds))
        x2 = np.hstack([x[:, :nx], _stacks(p1, pages.chars, bounds)[:, :ns]])
        prob = _sigmoid(self.stage2.page_decisions(x2, bounds))
        # Policy where the shared labels differ from ours: their gold texts keep bylines and
        # datelines, we count them as page furniture.
        floor = self.settings.meta_line_min_prob
        if floor > 0.0:
            prob = np.where(pages.meta & ~(prob >= floor), floor, prob)
        if self.settings.skip_title:
            firsts = [a for a, b in pairwise(bounds) if b > a]
            prob[firsts] = np.minimum(prob[firsts], self.settings.title_max_prob)
        return prob

    def detect(self, doc: Document) -> Detection:
        return self.detect_batch([doc])[0]

    def detect_batch(self, docs: Sequence[Document]) -> list[Detection]:
        """Every document's lines analysed together (:func:`_pages`); each document's
        features from its own rows (sums per page by np.add.reduceat: exact, they count).
        The lines are the batch's (:attr:`pipeline.text.DocumentBatch.lines`), blank ones
        left out: :attr:`pipeline.text.Document.content_lines` of each document."""
        batch = docs if isinstance(docs, DocumentBatch) else DocumentBatch(docs)
        scan, lines = batch.scanned, batch.lines
        rows = np.flatnonzero(lines.filled)  # the content lines, document after document
        bounds = np.searchsorted(rows, lines.first).tolist()
        line_doc = lines.doc.take(rows)
        line_start, line_end = lines.start.take(rows), lines.end.take(rows)
        texts: list[str] = list(
            map(
                getitem,
                map(scan.texts.__getitem__, line_doc.tolist()),
                map(slice, line_start.tolist(), line_end.tolist()),
            )
        )
        pages = _pages([texts[a:b] for a, b in pairwise(bounds)], (scan, lines.text_at.take(rows)))
        prob = self._probabilities(pages)
        features = np.zeros((len(docs), len(self._FEATURES)))
        findings: list[list[Finding]] = [[] for _ in docs]
        if len(prob):
            lay = _Layout.of(pages.bounds)
            i, starts = lay.i, lay.starts
            n = lay.n[starts]
            flagged = prob >= self.settings.line_threshold
            sizes = line_end - line_start
            n_flagged = np.add.reduceat(flagged.astype(np.intp), starts)
            chars = np.add.reduceat(sizes, starts)
            flagged_chars = np.add.reduceat(np.where(flagged, sizes, 0), starts)
            third = i * 3 // lay.n
            last_kept = np.maximum.reduceat(np.where(flagged, -1, i), starts)
            prob_list = prob.tolist()
            with_lines = [k for k, (a, b) in enumerate(pairwise(bounds)) if b > a]
            features[with_lines] = np.column_stack(
                [
                    n_flagged / n,
                    flagged_chars / np.maximum(1.0, chars),
                    n_flagged,
                    *(np.add.reduceat(flagged & (third == t), starts) for t in range(3)),
                    np.maximum.reduceat(prob, starts),
                    [_np_sum(prob_list[a:b]) / (b - a) for a, b in lay.spans],
                    n - 1 - last_kept,
                ]
            )
            at = np.flatnonzero(flagged)
            doc_texts = scan.texts
            shapes = pages.x[np.ix_(at, _REASON_COLUMNS)].tolist()
            for row, k, start, end, line, n_lines, x_row in zip(
                at.tolist(),
                line_doc.take(at).tolist(),
                line_start.take(at).tolist(),
                line_end.take(at).tolist(),
                i.take(at).tolist(),
                lay.n.take(at).tolist(),
                shapes,
                strict=True,
            ):
                # (Finding.at's checks hold: a line of the text, a probability in [0, 1].)
                findings[k].append(
                    Finding.unchecked(
                        doc_texts[k],
                        "boilerplate",
                        start,
                        end,
                        prob_list[row],
                        _reason(x_row, pages.cues[row], line, n_lines),
                    )
                )
        return [
            Detection(self.name, tuple(row), tuple(found))
            for row, found in zip(features.tolist(), findings, strict=True)
        ]


def _reason(x: Sequence[float], cues: list[tuple[str, str]], i: int, n: int) -> str:
    """A short human-readable why, from the line's strongest cue or its shape (``x``: its
    :data:`_REASON_COLUMNS` of :data:`LINE_FEATURE_NAMES`)."""
    if cues:
        # Prefer the most specific cue: phrases before single words, non-meta before meta.
        cue, kind = max(cues, key=_cue_rank)
        return f"{_CUE_REASON[kind]} (cue '{cue}')"
    counter, byline, has_date, log_words, name_only, url, in_parens, paren, after, term = x
    if counter:
        return "view/comment counter"
    if byline:
        return "byline"
    if has_date and log_words < _LOG1P_12:
        return "date line"
    if name_only:
        return "name-only line (byline or commenter)"
    if url:
        return "line with a URL"
    if in_parens or paren:
        return "caption/credit in parentheses"
    where = "head" if i < n / 3 else ("tail" if i >= 2 * n / 3 else "middle")
    if after:
        return f"line inside the comment section near the page {where}"
    size = "short" if log_words <= _LOG1P_8 else "long"
    punct = "with no sentence punctuation" if not term else "ending a sentence"
    return f"{size} line {punct} near the page {where}"


def _cue_rank(cue: tuple[str, str]) -> tuple[bool, int]:
    return cue[1] != "meta", len(cue[0])


_BUILD_BATCH = 256  # training pages analysed together
_LOG1P_12, _LOG1P_8 = math.log1p(12), math.log1p(8)
# The features _reason reads, in its order.
_REASON_COLUMNS = np.array(
    [
        _COL[name]
        for name in (
            "is_counter",
            "is_byline",
            "has_date",
            "log_words",
            "is_name_only",
            "has_url",
            "in_parens",
            "ends_paren",
            "after_comment_cue",
            "ends_terminal",
        )
    ],
    dtype=np.intp,
)
