"""The one tokenizer, line splitter and paragraph splitter every detector uses.

All spans follow the offset convention of :mod:`pipeline.article`: indices into the text
as read, end exclusive. A line's span excludes its terminator (``\\n`` or ``\\r\\n``); a
paragraph is a maximal run of non-blank lines and spans from its first line's start to its
last line's end.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple, cast

import numpy as np

# Words: letters/digits with inner apostrophes (straight or curly) and hyphens.
WORD_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
# What :func:`word_re` hands out: the same matches, faster. Possessive repeats (nothing
# follows them, so backtracking into them could never succeed) spare re its backtracking
# bookkeeping. On text whose non-ASCII characters are none of them word characters (nearly
# all English news), [^\W_] is [A-Za-z0-9], which re tests with a bitmap rather than a
# Unicode category lookup per character.
UNICODE_WORD_RE = re.compile(r"[^\W_]++(?:['’\-][^\W_]++)*+")
ASCII_WORD_RE = re.compile(r"[A-Za-z0-9]++(?:['’\-][A-Za-z0-9]++)*+")
_WORD_CHAR_RE = re.compile(r"[^\W_]")
_WORD_CHARS: dict[int, bool] = {}  # non-ASCII code point -> is a word character


def word_re(text: str) -> re.Pattern[str]:
    """A pattern with :data:`WORD_RE`'s matches on ``text``, as fast as ``text`` allows:
    :data:`ASCII_WORD_RE` or :data:`UNICODE_WORD_RE`."""
    if text.isascii():
        return ASCII_WORD_RE
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    for point in np.unique(points[points > 127]).tolist():
        is_word = _WORD_CHARS.get(point)
        if is_word is None:
            is_word = _WORD_CHARS[point] = _WORD_CHAR_RE.match(chr(point)) is not None
        if is_word:
            return UNICODE_WORD_RE
    return ASCII_WORD_RE


# English function words (NLTK's stopword corpus is not available offline). Their density
# separates running prose from menus, bylines, counters and headlines. Lower case, with
# straight apostrophes, as :func:`words` and :attr:`Token.lower` produce them.
STOPWORDS: frozenset[str] = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have
    haven't having he he'd he'll he's her here here's hers herself him himself his how how's i
    i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my
    myself no nor not of off on once only or other ought our ours ourselves out over own same
    shan't she she'd she'll she's should shouldn't so some such than that that's the their
    theirs them themselves then there there's these they they'd they'll they're they've this
    those through to too under until up very was wasn't we we'd we'll we're we've were weren't
    what what's when when's where where's which while who who's whom why why's will with won't
    would wouldn't you you'd you'll you're you've your yours yourself yourselves""".split()
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


class Token(NamedTuple):
    """A word with its offsets (a tuple: an article makes hundreds, so creation is hot)."""

    start: int
    end: int
    text: str

    @property
    def lower(self) -> str:
        return self.text.lower().replace("’", "'")


@dataclass(frozen=True)
class Paragraph(Span):
    lines: tuple[Span, ...]


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Word tokens with offsets (``offset`` is added, for tokenizing a slice)."""
    return [
        Token(m.start() + offset, m.end() + offset, m.group()) for m in word_re(text).finditer(text)
    ]


def words(text: str) -> list[str]:
    """Lower-cased word strings: the tokenizer for callers that need no offsets."""
    # Lower-case once, then one findall: twice as fast as per-match lowering, same strings.
    lowered = text.lower().replace("’", "'")
    return word_re(lowered).findall(lowered)


_SPLIT_RE = re.compile(f"({UNICODE_WORD_RE.pattern})")
_ASCII_SPLIT_RE = re.compile(f"({ASCII_WORD_RE.pattern})")


_ADJACENT: dict[str, bool] = {}  # gap -> only spaces, no line break (gaps repeat a lot)
_ADJACENT_MAX = 10_000
_ADJACENT_KEY_MAX = 32  # longer gaps are rare: judged each time, not kept


def _adjacent(gap: str) -> bool:
    return gap == " " or (gap.isspace() and "\n" not in gap)


def scan(text: str) -> tuple[list[str], list[str], list[bool], list[str]]:
    """The tokens of :func:`tokenize` as plain strings, in one regex pass and no objects (the
    spin detectors' hot path): words as written, lower-cased words, whether each pair of
    neighbours is adjacent (only spaces between: no line break, no punctuation), and the
    gaps, where ``gaps[i]`` precedes word ``i`` (so offsets are sums of lengths)."""
    parts = (_ASCII_SPLIT_RE if word_re(text) is ASCII_WORD_RE else _SPLIT_RE).split(text)
    found = parts[1::2]
    # One lower() of the words joined by line breaks is each word lowered: case mapping is
    # per character but for the final sigma, whose context stops at a line break.
    lows = "\n".join(found).lower().replace("’", "'").split("\n") if found else []
    if len(_ADJACENT) > _ADJACENT_MAX:
        _ADJACENT.clear()
    inner = parts[2:-1:2]
    known = list(map(_ADJACENT.get, inner))
    if None not in known:
        return found, lows, cast(list[bool], known), parts[0::2]  # every gap was cached
    for gap in set(inner).difference(_ADJACENT):
        if len(gap) <= _ADJACENT_KEY_MAX:
            _ADJACENT[gap] = _adjacent(gap)
    adjacent = [_adjacent(g) if a is None else a for g, a in zip(inner, known, strict=True)]
    return found, lows, adjacent, parts[0::2]


def split_lines(text: str) -> list[Span]:
    """Every line, blank ones included, without its ``\\n`` / ``\\r\\n`` terminator."""
    spans: list[Span] = []
    pos = 0
    n = len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        content_end = end - 1 if end > pos and text[end - 1] == "\r" else end
        spans.append(Span(pos, content_end, text[pos:content_end]))
        if nl < 0:
            break
        pos = nl + 1
    if spans and spans[-1].start == n and n > 0:
        spans.pop()  # a final terminator does not open an empty line
    return spans


def split_paragraphs(text: str, lines: list[Span]) -> list[Paragraph]:
    """Group the non-blank ``lines`` of ``text`` into paragraphs separated by blank lines."""
    paragraphs: list[Paragraph] = []
    run: list[Span] = []
    for line in [*lines, None]:
        if line is not None and line.text.strip():
            run.append(line)
            continue
        if run:
            start, end = run[0].start, run[-1].end
            paragraphs.append(Paragraph(start, end, text[start:end], tuple(run)))
            run = []
    return paragraphs


class Document:
    """An article's text with its tokens, lines and paragraphs, each computed once."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def tokens(self) -> list[Token]:
        return tokenize(self.text)

    @cached_property
    def lines(self) -> list[Span]:
        return split_lines(self.text)

    @cached_property
    def content_lines(self) -> list[Span]:
        """Non-blank lines, in order."""
        return [line for line in self.lines if line.text.strip()]

    @cached_property
    def paragraphs(self) -> list[Paragraph]:
        return split_paragraphs(self.text, self.lines)

    @cached_property
    def scanned(self) -> tuple[list[str], list[str], list[bool], list[str]]:
        """:func:`scan` of the text, once for all detectors that read it (do not mutate)."""
        return scan(self.text)

    @cached_property
    def paragraph_words(self) -> list[list[str]]:
        """``words(p.text)`` of each paragraph, from one lower-casing of the whole text.

        Lower-casing is per character (when no character grows, which the length shows)
        except for the final sigma, whose context stops at a line break as at the end of a
        string: so the whole text lowered, cut at a paragraph, is that paragraph lowered."""
        lowered = self.text.lower().replace("’", "'")
        if len(lowered) != len(self.text):
            return [words(p.text) for p in self.paragraphs]
        findall = word_re(lowered).findall
        return [findall(lowered, p.start, p.end) for p in self.paragraphs]

    @cached_property
    def _token_starts(self) -> list[int]:
        return [t.start for t in self.tokens]

    def tokens_in(self, start: int, end: int) -> list[Token]:
        """Tokens inside ``[start, end)``."""
        lo = bisect_left(self._token_starts, start)
        hi = bisect_left(self._token_starts, end)
        return [t for t in self.tokens[lo:hi] if t.end <= end]
