"""The one tokenizer, line splitter and paragraph splitter every detector uses.

All spans follow the offset convention of :mod:`pipeline.article`: indices into the text
as read, end exclusive. A line's span excludes its terminator (``\\n`` or ``\\r\\n``); a
paragraph is a maximal run of non-blank lines and spans from its first line's start to its
last line's end.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import count
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

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
_SHORT = 4  # scan_batch: words of up to 4 ASCII characters are numbered without their strings
_GAP_WALK = 8  # scan_batch: gaps up to this long are checked character by character


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


# -- the batch tokenizer -------------------------------------------------------------------------
# Character classes, one bit each in a uint16 per code point: what the tokenizer
# (pipeline.text.WORD_RE), the adjacency test of pipeline.text.scan and the spin detector's
# sentence-start pattern ask of a character, each defined by the very test they use.
ALNUM = 1  # [^\W_]: a word character of WORD_RE
JOIN = 2  # ' ’ -: joins two runs of word characters into one word
SPACE = 4  # str.isspace()
NEWLINE = 8  # \n
TERM = 16  # . ! ? …
DOT = 32  # .
CLOSE = 64  # " ' ” ’ ) ]
OPEN = 128  # space, tab, " ' “ ‘ (
LETTER = 256  # [^\W\d_]
WORD = 512  # \w
LOWER = 1024  # str.islower()
RE_SPACE = 2048  # \s
_CLASS_TESTS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (ALNUM, re.compile(r"[^\W_]")),
    (JOIN, re.compile(r"['’\-]")),
    (TERM, re.compile(r"[.!?…]")),
    (DOT, re.compile(r"\.")),
    (CLOSE, re.compile(r"[\"'”’)\]]")),
    (OPEN, re.compile(r"[ \t\"'“‘(]")),
    (LETTER, re.compile(r"[^\W\d_]")),
    (WORD, re.compile(r"\w")),
    (RE_SPACE, re.compile(r"\s")),
)


def char_class(point: int) -> int:
    """The class bits of one code point."""
    ch = chr(point)
    bits = sum(bit for bit, pattern in _CLASS_TESTS if pattern.match(ch))
    bits |= (SPACE if ch.isspace() else 0) | (NEWLINE if ch == "\n" else 0)
    return bits | (LOWER if ch.islower() else 0)


_ASCII_CLASSES = np.array([*map(char_class, range(128)), 0], dtype=np.uint16)
_CLASSES: dict[int, int] = {}  # non-ASCII code point -> class bits (few distinct in news)


def char_classes(codes: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint16]:
    """Class bits of each code point."""
    classes: npt.NDArray[np.uint16] = _ASCII_CLASSES.take(codes, mode="clip")  # > 127: 0
    wide = np.flatnonzero(codes > 127)
    if len(wide):
        points = codes[wide].tolist()
        for point in set(points).difference(_CLASSES):
            _CLASSES[point] = char_class(point)
        classes[wide] = list(map(_CLASSES.__getitem__, points))
    return classes


@dataclass
class ScanBatch:
    """:func:`pipeline.text.scan` of a batch of texts at once, as arrays over all their
    tokens (the spin detectors' hot path; see :func:`scan_batch`). Token ``i`` of the batch
    is the distinct word ``words[word[i]]`` (lower-cased: ``lows[word[i]]``); the tokens of
    text ``a`` are ``first[a]:first[a + 1]``."""

    texts: list[str]
    offsets: npt.NDArray[np.int64]  # (texts + 1,) where each text starts in the joined text
    codes: npt.NDArray[np.uint32]  # code points of the joined text
    classes: npt.NDArray[np.uint16]  # their class bits
    first: npt.NDArray[np.int64]  # (texts + 1,) each text's first token
    at: npt.NDArray[np.int64]  # each token's start in the joined text
    start: npt.NDArray[np.int64]  # ... in its own text
    end: npt.NDArray[np.int64]  # ... and its end (exclusive)
    word: npt.NDArray[np.int64]  # each token's distinct word
    words: list[str]  # the batch's distinct words as written
    lows: list[str]  # ... lower-cased with straight apostrophes, as scan gives them
    low: npt.NDArray[np.int64]  # each distinct word's lower-cased word in ``low_words``
    low_words: list[str]  # the distinct lower-cased words
    low_index: dict[str, int]  # lower-cased word -> its place in ``low_words``
    adjacent: npt.NDArray[np.bool_]  # token and the next one are adjacent (only spaces between)
    article: npt.NDArray[np.int64]  # each token's text

    def __len__(self) -> int:
        return len(self.texts)


def _adjacent(
    classes: npt.NDArray[np.uint16], starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """Whether each token and the next are adjacent: only spaces (``str.isspace``), no line
    break, in the gap between them. Gaps are walked a character at a time (nearly all are one
    space); the few longer than ``_GAP_WALK`` are counted on a running sum instead."""
    adjacent = np.zeros(len(starts), dtype=np.bool_)
    if len(starts) < 2:
        return adjacent
    at, stop = ends[:-1].copy(), starts[1:]
    space = (classes.take(at) & (SPACE | NEWLINE)) == SPACE
    adjacent[:-1] = space
    walking = np.flatnonzero(space)
    for _ in range(_GAP_WALK):
        at[walking] += 1
        walking = walking[at.take(walking) < stop.take(walking)]
        if not len(walking):
            return adjacent
        space = (classes.take(at.take(walking)) & (SPACE | NEWLINE)) == SPACE
        adjacent[walking[~space]] = False
        walking = walking[space]
    if len(walking):  # long runs of spaces: how many non-spaces each whole gap holds
        wide = np.int32 if len(classes) < 1 << 31 else np.int64
        bad = np.cumsum((classes & (SPACE | NEWLINE)) != SPACE, dtype=wide)
        adjacent[walking] = bad[stop[walking] - 1] == bad[ends[walking] - 1]
    return adjacent


def scan_batch(texts: Sequence[str]) -> ScanBatch:
    r"""The tokens of :func:`pipeline.text.scan` for many texts: the same words, lower-cased
    words and adjacencies, and offsets in place of gaps, computed over the texts joined by line
    breaks with a few numpy passes over their code points (a token is a run of ``[^\W_]``
    characters, with single ``'’-`` between runs, as WORD_RE matches them; two tokens are
    adjacent when only ``str.isspace`` characters but no line break lie between them) and one
    ``str.split``. A text's tokens do not depend on the others: the line break between two
    texts keeps any word, adjacency or sentence start from crossing it."""
    joined = "\n" + "\n".join(texts) + "\n"
    offsets = np.cumsum([1, *(len(t) + 1 for t in texts)], dtype=np.int64)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    classes = char_classes(codes)
    alnum = (classes & ALNUM) != 0
    inword = alnum.copy()
    inword[1:-1] |= ((classes[1:-1] & JOIN) != 0) & alnum[:-2] & alnum[2:]
    # The joined text opens and ends with a line break: edges alternate (start, end, ...);
    # contiguous copies, as every reader searches or gathers on them.
    edges = np.flatnonzero(inword[1:] != inword[:-1]) + 1
    starts, ends = np.ascontiguousarray(edges[0::2]), np.ascontiguousarray(edges[1::2])
    adjacent = _adjacent(classes, starts, ends)
    # Each token's distinct word. Short ASCII words (half the tokens of news) are numbered
    # by their code points packed into one integer, sorted; the others by one dict operation
    # each on their strings, cut out by one str.split (no string of a short word is made).
    lengths = ends - starts
    short = np.flatnonzero(lengths <= _SHORT)
    if len(short) >= 1 << 27:  # positions would not fit beside the keys: all by strings
        short = short[:0]
    first_char, length = starts.take(short), lengths.take(short)
    keys = length << 28
    wide_char = np.zeros(len(short), dtype=np.bool_)
    for j in range(_SHORT):  # character j (0 past the end) in bits 7 j to 7 j + 6
        char = np.where(length > j, codes.take(first_char + j, mode="clip"), 0).astype(np.int64)
        wide_char |= char > 127
        keys |= char << (7 * j)
    short, keys = short[~wide_char], keys[~wide_char]
    first_char, length = first_char[~wide_char], length[~wide_char]
    packed = (keys << 27) | np.arange(len(keys))  # < 2 ** 58: each key, then its token
    packed.sort()
    new = np.ones(len(packed), dtype=np.bool_)
    new[1:] = (packed[1:] >> 27) != (packed[:-1] >> 27)
    short_word = np.empty(len(packed), dtype=np.int64)
    order = packed & ((1 << 27) - 1)
    short_word[order] = np.cumsum(new) - 1
    firsts = short[order[new]]  # each short word's first token
    spans = zip(starts[firsts].tolist(), ends[firsts].tolist(), strict=True)
    short_words = [joined[s:e] for s, e in spans]
    masked = np.where(inword, codes, np.uint32(32))
    for j in range(_SHORT):
        masked[first_char[length > j] + j] = 32
    written = masked.tobytes().decode("utf-32-le").split()
    is_long = np.ones(len(starts), dtype=np.bool_)
    is_long[short] = False
    long = np.flatnonzero(is_long)
    if len(written) != len(long):
        raise AssertionError("scan_batch: words and word boundaries disagree")
    index: dict[str, int] = {}
    seen = np.fromiter(map(index.setdefault, written, count()), np.int64, len(written))
    dense = np.empty(len(written), dtype=np.int64)
    dense[np.fromiter(index.values(), np.int64, len(index))] = np.arange(len(index))
    word = np.empty(len(starts), dtype=np.int64)
    word[long] = dense.take(seen)
    word[short] = short_word + len(index)
    distinct = [*index, *short_words]
    # Each word lowered alone, as scan lowers them (see there).
    lows = "\n".join(distinct).lower().replace("’", "'").split("\n") if distinct else []
    low_words = list(dict.fromkeys(lows))  # the lower-cased words are hashed once, here
    low_index = dict(zip(low_words, count()))
    low = np.fromiter(map(low_index.__getitem__, lows), np.int64, len(lows))
    first = np.searchsorted(starts, offsets).astype(np.int64)
    base = np.repeat(offsets[:-1], np.diff(first))
    return ScanBatch(
        list(texts),
        offsets,
        codes,
        classes,
        first,
        starts,
        starts - base,
        ends - base,
        word,
        distinct,
        lows,
        low,
        low_words,
        low_index,
        adjacent,
        np.repeat(np.arange(len(texts)), np.diff(first)),
    )


def scan(text: str) -> tuple[list[str], list[str], list[bool], list[str]]:
    """The tokens of :func:`tokenize` as plain strings (a :func:`scan_batch` of one text, for
    callers that go article by article, such as building reference statistics): words as
    written, lower-cased words, whether each pair of neighbours is adjacent (only spaces
    between: no line break, no punctuation), and the gaps, where ``gaps[i]`` precedes word
    ``i`` (so offsets are sums of lengths)."""
    batch = scan_batch([text])
    word = batch.word.tolist()
    found = [batch.words[w] for w in word]
    lows = [batch.lows[w] for w in word]
    starts, ends = batch.start.tolist(), batch.end.tolist()
    gaps = [text[a:b] for a, b in zip([0, *ends], [*starts, len(text)], strict=True)]
    return found, lows, batch.adjacent[: max(len(word) - 1, 0)].tolist(), gaps


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
    """An article's text with its lines, paragraphs and paragraph words, each computed once
    (its tokens come batch-wide: :class:`DocumentBatch`)."""

    def __init__(self, text: str) -> None:
        self.text = text

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


class DocumentBatch(list[Document]):
    """Documents analysed together (:func:`pipeline.runtime_model.analyze_batch`): what is
    computed over the whole batch is computed once for every detector that reads it."""

    @cached_property
    def scanned(self) -> ScanBatch:
        """:func:`scan_batch` of the documents' texts (do not mutate)."""
        return scan_batch([doc.text for doc in self])


def scanned(docs: Sequence[Document]) -> ScanBatch:
    """The :func:`scan_batch` of ``docs``: shared when they are a :class:`DocumentBatch`."""
    if isinstance(docs, DocumentBatch):
        return docs.scanned
    return scan_batch([doc.text for doc in docs])
