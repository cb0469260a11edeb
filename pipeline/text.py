"""The one tokenizer, line splitter and paragraph splitter every detector uses.

All spans follow the offset convention of :mod:`pipeline.article`: indices into the text
as read, end exclusive. A line's span excludes its terminator (``\\n`` or ``\\r\\n``); a
paragraph is a maximal run of non-blank lines and spans from its first line's start to its
last line's end.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate, compress, count, pairwise, repeat
from operator import add
from typing import Any, NamedTuple, TypeVar

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
_SHORT = 4  # scan_batch: words of up to 4 ASCII characters are numbered in their keys' order
_KEYED = 14  # scan_batch: ASCII words of up to 14 characters are told apart by integer keys
# scan_batch's keys: each character of an ASCII word as a 6-bit symbol, in code point order.
WORD_SYMBOLS = "'-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_KEPT = np.array([(1 << 8 * n) - 1 for n in range(9)], dtype=np.uint64)  # the first n bytes
_GAP_WALK = 8  # scan_batch: gaps up to this long are checked character by character


def word_re(text: str) -> re.Pattern[str]:
    """A pattern with :data:`WORD_RE`'s matches on ``text``, as fast as ``text`` allows:
    :data:`ASCII_WORD_RE` or :data:`UNICODE_WORD_RE`."""
    if text.isascii():
        return ASCII_WORD_RE
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    for point in np.unique(points[points > 127]).tolist():
        bits = _CLASSES.get(point)  # (the batch tokenizer's classes, below)
        if bits is None:
            bits = _CLASSES[point] = char_class(point)
        if bits & ALNUM:  # a word character: [^\W_]
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Paragraph(Span):
    lines: tuple[Span, ...]


_Spanlike = TypeVar("_Spanlike", bound=Span)


def _build(cls: type[_Spanlike], n: int, **columns: Iterable[Any]) -> list[_Spanlike]:
    """``n`` instances of ``cls`` (:class:`Span` or :class:`Paragraph`), field by field
    from ``columns``: each field set through its slot by one C-level map, rather than by
    ``__init__``, which a frozen dataclass makes pay an ``object.__setattr__`` call per field
    (an article's lines and paragraphs are made for every article scored)."""
    made: list[_Spanlike] = list(map(object.__new__, repeat(cls, n)))
    for name, values in columns.items():
        deque(map(getattr(cls, name).__set__, made, values), maxlen=0)
    return made


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


# Per byte value: the class bits of the ASCII code points (above 127: overwritten, see below).
_ASCII_CLASSES = np.array([*map(char_class, range(128)), *[0] * 128], dtype=np.uint16)
_CLASSES: dict[int, int] = {}  # non-ASCII code point -> class bits (few distinct in news)


def char_classes(codes: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint16]:
    """Class bits of each code point."""
    return _classes_and_wide(codes)[0]


def _classes_and_wide(
    codes: npt.NDArray[np.uint32],
) -> tuple[npt.NDArray[np.uint16], npt.NDArray[np.int64]]:
    """:func:`char_classes`, and where the code points above 127 are."""
    # Indexed by each code point's low byte (an unchecked look-up: faster than a clipped one).
    classes: npt.NDArray[np.uint16] = _ASCII_CLASSES.take(codes.astype(np.uint8))
    wide = np.flatnonzero(codes > 127)
    if len(wide):
        points = codes[wide].tolist()
        for point in set(points).difference(_CLASSES):
            _CLASSES[point] = char_class(point)
        classes[wide] = list(map(_CLASSES.__getitem__, points))
    return classes, wide


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


def _symbols(codes: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint8]:
    """Each code point's place in :data:`WORD_SYMBOLS` where it is one of them (anything
    elsewhere), and 8 bytes of padding: a few byte-wide passes rather than a table look-up."""
    symbols = np.zeros(len(codes) + 8, dtype=np.uint8)
    d = codes.astype(np.uint8) - np.uint8(ord("'"))  # ' - 0-9 A-Z a-z: 0 6 9-18 26-51 58-83
    s = symbols[: len(codes)]
    np.subtract(d, (d > 5).view(np.uint8) * np.uint8(5), out=s)
    s -= (d > 8).view(np.uint8) * np.uint8(2)
    s -= (d > 25).view(np.uint8) * np.uint8(7)
    s -= (d > 57).view(np.uint8) * np.uint8(6)
    return symbols


def _symbol_keys(
    symbols: npt.NDArray[np.uint8], at: npt.NDArray[np.int64], length: npt.NDArray[np.int64]
) -> npt.NDArray[np.uint64]:
    """The key of ``length`` (up to 8) word characters at each of ``at`` (``symbols``: see
    :func:`_symbols`): character ``j`` as bits ``6 j`` to ``6 j + 5``, 0 past the end. One
    unaligned 8-byte read each, then three steps that close the gaps between the symbols."""
    windows: npt.NDArray[np.uint64] = np.ndarray(
        (len(symbols) - 7,), dtype="<u8", buffer=symbols, strides=(1,)
    )
    k = windows[at] & _KEPT.take(length)
    k = (k & np.uint64(0x003F003F003F003F)) | ((k >> np.uint64(2)) & np.uint64(0x0FC00FC00FC00FC0))
    k = (k & np.uint64(0x00000FFF00000FFF)) | ((k >> np.uint64(4)) & np.uint64(0x00FFF00000FFF000))
    return (k & np.uint64(0xFFFFFF)) | ((k >> np.uint64(8)) & np.uint64(0xFFFFFF000000))


def _rank(
    keys: npt.NDArray[np.uint64], room: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Equal ``keys`` (below ``2 ** room``) numbered in key order: each key's number and each
    number's first place in ``keys``. One sort of each key packed with its place (numpy sorts
    integers many times faster than it argsorts them), np.unique where they do not fit."""
    bits = max(len(keys) - 1, 0).bit_length()
    if bits + room > 64:
        _, first, number = np.unique(keys, return_index=True, return_inverse=True)
        return number.reshape(-1).astype(np.int64), first.astype(np.int64)
    packed = (keys << np.uint64(bits)) | np.arange(len(keys), dtype=np.uint64)
    packed.sort()
    place = (packed & np.uint64((1 << bits) - 1)).astype(np.int64)
    key = packed >> np.uint64(bits)
    new = np.ones(len(packed), dtype=np.bool_)
    new[1:] = key[1:] != key[:-1]
    number = np.empty(len(packed), dtype=np.int64)
    number[place] = np.cumsum(new) - 1
    return number, place[new]


def word_spans(
    alnum: npt.NDArray[np.bool_], join: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    r"""Where the tokens of a text lie, from whether each of its characters is :data:`ALNUM`
    and :data:`JOIN`: a token is a run of ``[^\W_]`` characters with single ``'’-`` between
    runs, as WORD_RE matches them. The text opens and ends with a character of neither
    class (texts joined by line breaks, with one before and after), so the edges alternate
    start, end, start. Each character's in-token flag, and the tokens' starts and ends
    (contiguous copies, as every reader searches or gathers on them)."""
    inword = alnum.copy()
    inword[1:-1] |= join[1:-1] & alnum[:-2] & alnum[2:]
    edges = np.flatnonzero(inword[1:] != inword[:-1]) + 1
    return inword, np.ascontiguousarray(edges[0::2]), np.ascontiguousarray(edges[1::2])


def scan_batch(texts: Sequence[str]) -> ScanBatch:
    r"""The tokens of :func:`pipeline.text.scan` for many texts: the same words, lower-cased
    words and adjacencies, and offsets in place of gaps, computed over the texts joined by line
    breaks with a few numpy passes over their code points (a token is a run of ``[^\W_]``
    characters, with single ``'’-`` between runs, as WORD_RE matches them; two tokens are
    adjacent when only ``str.isspace`` characters but no line break lie between them). A
    text's tokens do not depend on the others: the line break between two texts keeps any
    word, adjacency or sentence start from crossing it.

    Distinct words are numbered in the order of their first token, except words of up to
    ``_SHORT`` ASCII characters, which come after all others in the order of their keys
    (length, then characters from the last). ASCII words of up to ``_KEYED`` characters (all
    but a few tokens of news) are told apart by integer keys of 7 characters
    (:func:`_symbol_keys`; a word never ends with ``'`` or ``-``, symbols 0 and 1, so the
    0 past its end is not a character); only the others are compared as strings."""
    joined = "\n" + "\n".join(texts) + "\n"
    offsets = np.cumsum([1, *(len(t) + 1 for t in texts)], dtype=np.int64)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    classes, wide = _classes_and_wide(codes)
    _, starts, ends = word_spans((classes & ALNUM) != 0, (classes & JOIN) != 0)
    adjacent = _adjacent(classes, starts, ends)
    n = len(starts)
    lengths = ends - starts
    # Keyed tokens: ASCII (no code point above 127 inside), at most _KEYED characters.
    keyed = lengths <= _KEYED
    if len(wide):
        holder = np.searchsorted(ends, wide, side="right")  # the first token ending after
        inside = holder < n
        holder, wide = holder[inside], wide[inside]
        keyed[holder[starts.take(holder) <= wide]] = False
    symbols = _symbols(codes)
    # Words of up to 7 characters: one key each; the longer ones: a key of their first 7
    # characters and one of the rest, numbered, then each pair of numbers numbered.
    one = np.flatnonzero(keyed & (lengths <= 7))
    length = lengths.take(one)
    number, firsts = _rank(_symbol_keys(symbols, starts.take(one), length), 42)
    is_short = length <= _SHORT
    n_short = int(number[is_short].max()) + 1 if is_short.any() else 0  # they sort first
    two = np.flatnonzero(keyed & (lengths > 7))
    at, seven = starts.take(two), np.full(len(two), 7, dtype=np.int64)
    head, _ = _rank(_symbol_keys(symbols, at, seven), 42)
    tail, _ = _rank(_symbol_keys(symbols, at + 7, lengths.take(two) - 7), 42)
    room = int(tail.max(initial=0)).bit_length()
    pairs = (head.astype(np.uint64) << np.uint64(room)) | tail.astype(np.uint64)
    number_two, firsts_two = _rank(pairs, room + int(head.max(initial=0)).bit_length())
    # The other tokens by their strings.
    is_string = ~keyed
    strings = np.flatnonzero(is_string)
    cut = zip(starts.take(strings).tolist(), ends.take(strings).tolist(), strict=True)
    index: dict[str, int] = {}
    seen = np.fromiter(
        map(index.setdefault, [joined[s:e] for s, e in cut], count()), np.int64, len(strings)
    )
    # The words other than short ones numbered in the order of their first tokens.
    is_first = np.zeros(n + 1, dtype=np.bool_)
    is_first[one.take(firsts[n_short:])] = True
    is_first[two.take(firsts_two)] = True
    is_first[strings.take(np.fromiter(index.values(), np.int64, len(index)))] = True
    rank = np.cumsum(is_first) - 1
    n_long = int(rank[-1]) + 1
    numbered = rank.take(one.take(firsts))  # each number's word
    numbered[:n_short] = np.arange(n_long, n_long + n_short)
    word = np.empty(n, dtype=np.int64)
    word[one] = numbered.take(number)
    word[two] = rank.take(two.take(firsts_two)).take(number_two)
    word[strings] = rank.take(strings.take(seen))
    # The distinct words, cut from one string of them all (each followed by a line break).
    in_order = np.concatenate([np.flatnonzero(is_first), one.take(firsts[:n_short])])
    size = lengths.take(in_order) + 1
    put = np.cumsum(size) - size  # where each word goes
    chars = codes.take(np.arange(int(size.sum())) + np.repeat(starts.take(in_order) - put, size))
    chars[put + size - 1] = ord("\n")
    listed = chars.tobytes().decode("utf-32-le", "surrogatepass")
    distinct = listed.split("\n")[:-1]
    # Each word lowered alone, as scan lowers them (see there).
    lows = listed.lower().replace("’", "'").split("\n")[:-1]
    seen_low: dict[str, int] = {}  # each lower-cased word is hashed once, here
    low_seen = np.fromiter(map(seen_low.setdefault, lows, count()), np.int64, len(lows))
    is_new = np.zeros(len(lows), dtype=np.bool_)
    is_new[low_seen] = True
    low = (np.cumsum(is_new) - 1).take(low_seen)
    low_words = list(seen_low)
    low_index = dict(zip(low_words, count()))
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


class _Lines(NamedTuple):
    """Each line's start, end and text (see :func:`split_lines`), and which are not blank."""

    start: list[int]
    end: list[int]
    text: list[str]
    filled: list[int]  # the lines that are not blank (to ``str.strip``), in order


def _lines(text: str) -> _Lines:
    """:func:`split_lines` as columns: one ``str.split`` and C-level maps, no Python loop."""
    raw = text.split("\n")
    if len(raw) > 1 and not raw[-1]:
        raw.pop()  # a final terminator does not open an empty line
    # Line i starts after the lines before it and their i breaks.
    starts = list(map(add, accumulate(map(len, raw[:-1]), initial=0), count()))
    parts = [p[:-1] if p.endswith("\r") else p for p in raw] if "\r" in text else raw
    ends = list(map(add, starts, map(len, parts)))
    return _Lines(starts, ends, parts, list(compress(count(), map(str.strip, parts))))


def _line_spans(lines: _Lines, rows: list[int] | None = None) -> list[Span]:
    """The lines ``rows`` (all of them by default) of :func:`_lines`' columns, as spans."""
    if rows is None:
        return _build(Span, len(lines.text), start=lines.start, end=lines.end, text=lines.text)
    return _build(
        Span,
        len(rows),
        start=map(lines.start.__getitem__, rows),
        end=map(lines.end.__getitem__, rows),
        text=map(lines.text.__getitem__, rows),
    )


def split_lines(text: str) -> list[Span]:
    """Every line, blank ones included, without its ``\\n`` / ``\\r\\n`` terminator."""
    return _line_spans(_lines(text))


def _paragraphs(text: str, lines: list[Span], filled: list[int]) -> list[Paragraph]:
    """The paragraphs of ``text`` made of ``lines``, its non-blank lines (``filled``: their
    places among all its lines): each a run of consecutive ones."""
    opens = [k for k, (a, b) in enumerate(pairwise([-2, *filled])) if b != a + 1]
    runs = [tuple(lines[a:b]) for a, b in pairwise([*opens, len(lines)])]
    starts = [run[0].start for run in runs]
    ends = [run[-1].end for run in runs]
    texts = [text[a:b] for a, b in zip(starts, ends, strict=True)]
    return _build(Paragraph, len(runs), start=starts, end=ends, text=texts, lines=runs)


class Document:
    """An article's text with its lines, paragraphs and paragraph words, each computed once
    (its tokens come batch-wide: :class:`DocumentBatch`)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._found: _Lines | None = None

    def _line_columns(self) -> _Lines:
        """:func:`_lines` of the text, once (no cached_property: it takes a lock)."""
        if self._found is None:
            self._found = _lines(self.text)
        return self._found

    @cached_property
    def lines(self) -> list[Span]:
        """:func:`split_lines` of the text."""
        return _line_spans(self._line_columns())

    @cached_property
    def content_lines(self) -> list[Span]:
        """Non-blank lines, in order."""
        found = self._line_columns()
        if "lines" in self.__dict__:
            return [self.lines[i] for i in found.filled]
        return _line_spans(found, found.filled)

    @cached_property
    def paragraphs(self) -> list[Paragraph]:
        return _paragraphs(self.text, self.content_lines, self._line_columns().filled)

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


_LINE_WALK = 8  # split_batch_lines: leading spaces up to this many are walked one at a time


@dataclass
class LineBatch:
    """:attr:`Document.lines` and :attr:`Document.paragraphs` of every text of a scan, as
    arrays (see :func:`split_batch_lines`): lines text after text, paragraphs likewise.
    Line ``i`` of the batch is ``texts[doc[i]][start[i]:end[i]]``; the lines of text ``a``
    are ``first[a]:first[a + 1]``, its paragraphs ``paragraph_first[a]:...[a + 1]``."""

    first: npt.NDArray[np.int64]  # (texts + 1,) each text's first line
    doc: npt.NDArray[np.int64]  # per line: its text
    start: npt.NDArray[np.int64]  # ... its start in its text
    end: npt.NDArray[np.int64]  # ... its end (exclusive, without a closing \r)
    text_at: npt.NDArray[np.int64]  # ... its first character that is no space, joined (or its end)
    filled: npt.NDArray[np.bool_]  # ... not blank (some character ``str.strip`` keeps)
    paragraph_first: npt.NDArray[np.int64]  # (texts + 1,) each text's first paragraph
    first_line: npt.NDArray[np.int64]  # per paragraph: its first line
    last_line: npt.NDArray[np.int64]  # ... its last line

    def paragraph_doc(self) -> npt.NDArray[np.int64]:
        """Each paragraph's text."""
        return self.doc.take(self.first_line)

    def paragraph_spans(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Each paragraph's start and end in its text."""
        return self.start.take(self.first_line), self.end.take(self.last_line)


def split_batch_lines(scan: ScanBatch) -> LineBatch:
    r""":func:`split_lines` and :attr:`Document.paragraphs` of every text of ``scan`` at once,
    from its code points and classes rather than Span objects: lines are the runs between
    ``\n`` of the joined text (which opens and ends with one, and puts one between texts),
    less a closing ``\r``, but for the empty run after a text's final ``\n``; a line is blank
    when all its characters are spaces (``str.isspace``, what ``str.strip`` strips)."""
    codes, classes, offsets = scan.codes, scan.classes, scan.offsets
    breaks = np.flatnonzero(codes == 10)
    begin, stop = breaks[:-1] + 1, breaks[1:]
    if not len(scan):  # the joined text of no texts is two line breaks: no line between
        begin, stop = begin[:0], stop[:0]
    doc = np.searchsorted(offsets, begin, side="right") - 1
    # The run after a text's final \n is no line (but the one line of an empty text is).
    keep = (begin != offsets.take(doc + 1) - 1) | (begin == offsets.take(doc))
    begin, stop, doc = begin[keep], stop[keep], doc[keep]
    end = stop - ((codes.take(stop - 1) == 13) & (stop > begin))
    # Each line's first character that is no space, or its end (a blank line).
    text_at = begin.copy()
    walking = np.flatnonzero((begin < stop) & ((classes.take(begin) & SPACE) != 0))
    for _ in range(_LINE_WALK):
        if not len(walking):
            break
        text_at[walking] += 1
        at = text_at.take(walking)
        walking = walking[(at < stop.take(walking)) & ((classes.take(at) & SPACE) != 0)]
    for i in walking.tolist():  # long runs of leading spaces
        rest = np.flatnonzero((classes[text_at[i] : stop[i]] & SPACE) == 0)
        text_at[i] = text_at[i] + rest[0] if len(rest) else stop[i]
    filled = text_at < stop
    first = np.searchsorted(doc, np.arange(len(offsets))).astype(np.int64)
    opens_text = np.zeros(len(begin), dtype=np.bool_)
    opens_text[first[:-1][first[:-1] < len(begin)]] = True
    before = np.ones(len(begin), dtype=np.bool_)  # the line before is blank or in another text
    before[1:] = ~filled[:-1]
    before |= opens_text
    after = np.ones(len(begin), dtype=np.bool_)  # ... the line after
    after[:-1] = ~filled[1:] | opens_text[1:]
    first_line = np.flatnonzero(filled & before)
    base = offsets.take(doc)
    return LineBatch(
        first,
        doc,
        begin - base,
        end - base,
        text_at,
        filled,
        np.searchsorted(doc.take(first_line), np.arange(len(offsets))).astype(np.int64),
        first_line,
        np.flatnonzero(filled & after),
    )


class DocumentBatch(list[Document]):
    """Documents analysed together (:func:`pipeline.runtime_model.analyze_batch`): what is
    computed over the whole batch is computed once for every detector that reads it."""

    @cached_property
    def scanned(self) -> ScanBatch:
        """:func:`scan_batch` of the documents' texts (do not mutate)."""
        return scan_batch([doc.text for doc in self])

    @cached_property
    def lines(self) -> LineBatch:
        """:func:`split_batch_lines` of the documents' scan (do not mutate)."""
        return split_batch_lines(self.scanned)


def scanned(docs: Sequence[Document]) -> ScanBatch:
    """The :func:`scan_batch` of ``docs``: shared when they are a :class:`DocumentBatch`."""
    if isinstance(docs, DocumentBatch):
        return docs.scanned
    return scan_batch([doc.text for doc in docs])
