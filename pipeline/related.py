"""Copies across a batch: near-duplicates and spun copies, linked both ways.

A batch step after reading, before scoring: links need the whole batch, so ``unspun score``
first reads and fingerprints every input, then builds the links, then scores.

- ``duplicate``: MinHash over word 5-shingles; a pair whose estimated Jaccard similarity is at
  least ``related.duplicate_threshold`` is near-identical.
- ``spun_copy``: one article re-worded from another by a spinner. A spinner swaps common
  words and phrases but leaves names, numbers and rare words alone, in order. Following DSpin
  (Zhang et al., "DSpin: Detecting Automatically Spun Content on the Web", NDSS 2014), each
  article gets a *skeleton* of those immutable tokens (words with a capital that are not
  function words, and words outside wordfreq's most common English words, numbers included).
  MinHash/LSH over skeleton 2-shingles proposes candidates; a candidate below the duplicate
  threshold is a spun copy when its skeleton changed much less than its text (an edited
  revision of a story changes both alike) and the skeletons agree in order (difflib's
  ``SequenceMatcher.ratio`` of the two, computed for all candidates at once by
  :func:`skeleton_ratios`).

Cost stays near-linear in the batch: LSH buckets propose candidates (a bucket larger than
``related.max_bucket`` is linked as a star through its first member), never all pairs. Per
article only two 16-bit MinHash signatures and the head of the skeleton (16-bit token hashes)
are kept: about 400 bytes plus the id.

The signatures are datasketch's MinHash (``MinHash(num_perm, seed, scheme="affine32")``: the
same permutations, the same values its ``update_batch`` computes; the tests check this),
evaluated for all shingles of an article in one numpy expression. datasketch itself is not
imported at run time: it imports scipy, a second of start-up. Keeping the low 16 bits of each
value (a b-bit MinHash) moves a Jaccard estimate by at most 2^-16.
"""

from __future__ import annotations

import gzip
import importlib.util
import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, islice
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from pipeline.article import Related
from pipeline.config import RelatedSettings, load_settings
from pipeline.text import ALNUM, JOIN, STOPWORDS, char_classes, word_re, word_spans

U16 = npt.NDArray[np.uint16]
U32 = npt.NDArray[np.uint32]
Relation = Literal["duplicate", "spun_copy"]

_VERIFY_CHUNK = 65_536  # candidate pairs compared per array expression (bounded memory)
_RATIO_CHUNK = 256  # skeleton pairs aligned together (at most 1M token matches at cap 64)
_MINHASH_BLOCK = 8_192  # shingles per permutation matrix (2 MB at 64 permutations)

_SHINGLE_MUL = np.uint64(0x100000001B3)  # FNV-64 prime: folds token and character hashes
_NEWLINE = 10
# Word classes, looked up by the top bits of a token hash in one 4 MB table: a rare word
# misread as common (and so left out of the skeleton) 0.5% of the time is harmless.
_RARE, _COMMON, _FUNCTION = 0, 1, 2
_CLASS_BITS = 22


_MAX_POWERS = 4096  # characters past this in one token share the last power


def _powers(n: int) -> npt.NDArray[np.uint64]:
    """P^1 .. P^n mod 2^64 (uint64 products wrap)."""
    return np.cumprod(np.full(n, _SHINGLE_MUL, dtype=np.uint64), dtype=np.uint64)


_POWERS = _powers(_MAX_POWERS)


def _code_points(text: str) -> U32:
    # surrogatepass: a JSON "\\ud800" escape reads as a lone surrogate, still a code point.
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _fold(h: npt.NDArray[np.uint64]) -> U32:
    return ((h >> np.uint64(32)) ^ h).astype(np.uint32)


def _token_hashes(lowered: U32) -> tuple[U32, npt.NDArray[np.intp]]:
    """A 32-bit hash per token of ``lowered`` (code points of tokens, each followed by a
    newline), for all tokens at once: a polynomial over each token's characters. Also
    returns where each token's newline is."""
    ends = np.flatnonzero(lowered == _NEWLINE)
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts + 1  # newline included
    offset = np.arange(len(lowered)) - np.repeat(starts, lengths)
    if lengths.max() > _MAX_POWERS:
        np.minimum(offset, _MAX_POWERS - 1, out=offset)
    powers = _POWERS[offset]
    return _fold(np.add.reduceat(lowered * powers, starts)), ends


_MULTI_DIGIT = re.compile(r"\d[\d.,]+")  # wordfreq.numbers.MULTI_DIGIT_RE: not listed words


def top_english_words(n: int) -> list[str]:
    """``wordfreq.top_n_list("en", n, wordlist="best")``, read from wordfreq's data file
    without importing wordfreq: its import (langcodes, ftfy, its tokenizer's patterns)
    costs ten times the reading. The file is gzipped msgpack, a header then lists of words,
    most frequent first (wordfreq's "cBpack"); the tests compare the two. Through wordfreq
    itself when the file is not there or not in that format."""
    # The "small" list holds the top ~28,800 words in the same order, at a seventh the memory.
    small = n <= 28_000
    spec = importlib.util.find_spec("wordfreq")
    folders = spec.submodule_search_locations if spec is not None else None
    if folders:
        path = Path(folders[0], "data", f"{'small' if small else 'large'}_en.msgpack.gz")
        if path.is_file():
            import msgpack

            with gzip.open(path, "rb") as file:
                header, *bands = msgpack.load(file, raw=False)
            if header == {"format": "cB", "version": 1}:
                words = (w for w in chain.from_iterable(bands) if not _MULTI_DIGIT.match(w))
                return list(islice(words, n))
    import wordfreq

    return list(wordfreq.top_n_list("en", n, wordlist="small" if small else "best"))


@lru_cache(maxsize=4)
def _word_classes(n_common: int) -> npt.NDArray[np.uint8]:
    """Class by token-hash prefix: wordfreq's ``n_common`` most frequent English words are
    a spinner's material, the function words too; any other word is rare, so immutable."""
    table = np.zeros(1 << _CLASS_BITS, dtype=np.uint8)
    common = top_english_words(n_common)
    for words, word_class in ((common, _COMMON), (STOPWORDS, _FUNCTION)):
        hashes, _ = _token_hashes(_code_points("".join(w + "\n" for w in words)))
        table[hashes >> np.uint32(32 - _CLASS_BITS)] = word_class
    return table


def minhash_permutations(num_perm: int, seed: int) -> tuple[U32, U32]:
    """The ``(a, b)`` of datasketch's ``affine32`` MinHash permutations ``h -> a*h + b mod
    2^32`` (``MinHash(num_perm, seed, scheme="affine32").permutations``), drawn the same
    way: importing datasketch itself pulls in scipy, a second of start-up."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(h: U32) -> U32:
    """MurmurHash3's 32-bit finalizer, which datasketch applies before its permutations."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def shingle_hashes(tokens: U32, k: int) -> U32:
    """One 32-bit hash per run of ``k`` consecutive token hashes (the whole sequence when it
    is shorter than ``k``; nothing when it is empty)."""
    n = len(tokens)
    if n == 0:
        return np.empty(0, dtype=np.uint32)
    k = min(k, n)
    wide = tokens.astype(np.uint64)
    acc = wide[: n - k + 1].copy()
    for d in range(1, k):
        acc = acc * _SHINGLE_MUL + wide[d : n - k + 1 + d]
    return _fold(acc)


TokenHashes = tuple[U32, npt.NDArray[np.bool_], npt.NDArray[np.intp]]


def _regex_tokens(texts: Sequence[str]) -> TokenHashes:
    """The definition: the tokenizer of :mod:`pipeline.text` (its regex) on each text as
    written, then each token's hash (lower-cased, curly apostrophes straightened) and
    whether it has a capital; and each text's token count. Tokens are lowered each on its
    own line, so the batch lowered is each text lowered."""
    found = [word_re(text).findall(text) for text in texts]
    counts = np.fromiter(map(len, found), dtype=np.intp, count=len(found))
    if not counts.any():
        return np.empty(0, dtype=np.uint32), np.empty(0, dtype=np.bool_), counts
    joined = "\n".join(chain.from_iterable(found)) + "\n"
    lowered = _code_points(joined.lower().replace("’", "'"))
    cased = _code_points(joined.replace("’", "'"))
    tokens, ends = _token_hashes(lowered)
    capital = np.zeros(len(tokens), dtype=np.bool_)
    if len(cased) == len(lowered):
        capital[np.searchsorted(ends, np.flatnonzero(cased != lowered))] = True
    else:  # a letter whose lower case is two: that text has no capitals, the others do
        at = 0
        for text_tokens, n in zip(found, counts.tolist(), strict=True):
            part = "\n".join(text_tokens) + "\n" if n else ""
            low, up = part.lower().replace("’", "'"), part.replace("’", "'")
            if len(low) == len(up):
                ends_here = np.flatnonzero(_code_points(low) == _NEWLINE)
                changed = np.flatnonzero(_code_points(low) != _code_points(up))
                capital[at + np.searchsorted(ends_here, changed)] = True
            at += n
    return tokens, capital, counts


_CURLY_APOSTROPHE = 0x2019
_CAPITAL_SIGMA = 0x3A3  # lower-cased by its context (final sigma), not on its own
# ASCII bytes -> their class by one bytes.translate: ALNUM and JOIN as
# pipeline.text.char_classes gives them (it classifies the rest), and _UPPER for the letters
# str.lower changes, each to the code 32 above (A-Z, which are ALNUM: the tests check).
_UPPER = 4
_ASCII_CLASS_BYTES = bytes(
    (int(c) & (ALNUM | JOIN)) | (_UPPER if chr(i).lower() != chr(i) else 0) if i < 128 else 0
    for i, c in enumerate(char_classes(np.arange(256, dtype=np.uint32)))
)
_INVERSE = pow(int(_SHINGLE_MUL), -1, 1 << 64)  # P is odd: invertible mod 2^64
_WINDOW = 1 << 17  # code points per running sum (texts are not split; a longer one is alone)


def _position_powers(n: int) -> npt.NDArray[np.uint64]:
    """P^q (row 0) and P^-q (row 1) mod 2^64 for q < n."""
    powers = np.empty((2, n), dtype=np.uint64)
    powers[:, 0] = 1
    powers[0, 1:] = _SHINGLE_MUL
    powers[1, 1:] = np.uint64(_INVERSE)
    np.cumprod(powers, axis=1, out=powers)
    return powers


_WINDOW_POWERS = _position_powers(_WINDOW)


def _polynomials(
    lowered: npt.NDArray[np.uint8],
    wide: npt.NDArray[np.intp],
    wide_lowered: npt.NDArray[np.uint64],
    starts: npt.NDArray[np.intp],
    ends: npt.NDArray[np.intp],
    offsets: npt.NDArray[np.intp],
) -> npt.NDArray[np.uint64]:
    """``sum(c[q] * P^(q - start + 1) for q in range(start, end))`` mod 2^64 for each token,
    where ``c`` is ``lowered`` but ``wide_lowered`` at ``wide``: the difference of a running
    sum of ``c[q] * P^q`` at its two ends, times ``P^(1 - start)``. The sum runs over
    windows of whole texts (``offsets``: where each starts, then the end), positions counted
    from the window's start, so the tables of powers stay small."""
    out = np.empty(len(starts), dtype=np.uint64)
    bounds = offsets.tolist()
    first = 0
    while first < len(bounds) - 1:
        lo = bounds[first]
        last = max(int(np.searchsorted(offsets, lo + _WINDOW, side="right")) - 1, first + 1)
        hi = bounds[last]
        up, down = _WINDOW_POWERS if hi - lo < _WINDOW else _position_powers(hi - lo + 1)
        terms = np.multiply(lowered[lo:hi], up[: hi - lo], dtype=np.uint64)
        w0, w1 = np.searchsorted(wide, (lo, hi))
        at = wide[w0:w1] - lo
        terms[at] = wide_lowered[w0:w1] * up[at]
        running = np.zeros(hi - lo + 1, dtype=np.uint64)
        np.cumsum(terms, out=running[1:])
        t0, t1 = np.searchsorted(starts, (lo, hi))
        at, to = starts[t0:t1] - lo, ends[t0:t1] - lo
        out[t0:t1] = (running[to] - running[at]) * down[at] * _SHINGLE_MUL
        first = last
    return out


def _code_point_tokens(texts: Sequence[str]) -> TokenHashes | None:
    """:func:`_regex_tokens` by array arithmetic over the texts joined by line breaks, as
    ASCII bytes (each other character one ``?``, then looked at on its own): a token is a
    run of ``[^\\W_]`` characters with single ``'’-`` between runs (what the regex matches:
    :func:`pipeline.text.word_spans`, as for scan_batch); a character's lower case is looked
    up one for one, a capital is a character it changes; a token's hash, the polynomial of
    :func:`_token_hashes`, comes from :func:`_polynomials`. ``None`` (the caller falls back
    to the regex) when a character lowers to two or by its context (capital sigma), or a
    token is too long for the capped powers of :func:`_token_hashes`."""
    joined = "\n" + "\n".join(texts) + "\n"
    raw = joined.encode("ascii", "replace")
    codes = np.frombuffer(raw, dtype=np.uint8)
    classes = np.frombuffer(raw.translate(_ASCII_CLASS_BYTES), dtype=np.uint8)
    upper = classes & np.uint8(_UPPER)
    lowered: npt.NDArray[np.uint8] = codes | (upper << np.uint8(3))
    alnum, join = (classes & ALNUM) != 0, classes == JOIN
    wide = np.empty(0, dtype=np.intp)
    points = np.empty(0, dtype=np.uint32)
    wide_lowered = np.empty(0, dtype=np.uint64)
    if not joined.isascii():
        if (raw.count(b"?") - joined.count("?")) * 32 > len(raw):  # many: by code points
            every = _code_points(joined)
            wide = np.flatnonzero(every > 127)
            points = every[wide]
        else:  # a few (curly quotes, dashes): the question marks that are not
            marks = np.flatnonzero(codes == ord("?")).tolist()
            wide = np.array([p for p in marks if joined[p] != "?"], dtype=np.intp)
            points = np.array([ord(joined[p]) for p in wide.tolist()], dtype=np.uint32)
        wide_classes, lowered_points = _wide_points(points)
        if (lowered_points < 0).any():
            return None
        alnum[wide] = (wide_classes & ALNUM) != 0
        join[wide] = (wide_classes & JOIN) != 0
        wide_lowered = lowered_points.astype(np.uint64)
    inword, starts, ends = word_spans(alnum, join)
    offsets = np.cumsum([1, *(len(t) + 1 for t in texts)], dtype=np.intp)
    counts = np.diff(np.searchsorted(starts, offsets)).astype(np.intp)
    if not len(starts):
        return np.empty(0, dtype=np.uint32), np.empty(0, dtype=np.bool_), counts
    lengths = ends - starts
    if int(lengths.max()) >= _MAX_POWERS:
        return None
    # A capital: a token character that lower-casing changes (the curly apostrophe is
    # straightened in the cased text too). Every ASCII one is ALNUM, so in a token.
    capital = np.zeros(len(starts), dtype=np.bool_)
    capital[np.searchsorted(ends, np.flatnonzero(upper), side="right")] = True
    changed = (wide_lowered != points) & (points != _CURLY_APOSTROPHE) & inword[wide]
    capital[np.searchsorted(ends, wide[changed], side="right")] = True
    sums = _polynomials(lowered, wide, wide_lowered, starts, ends, offsets)
    sums += np.uint64(_NEWLINE) * _POWERS[lengths]  # the newline after each token
    return _fold(sums), capital, counts


def _lower_point(point: int) -> int:
    """A code point lower-cased, a curly apostrophe straightened; -1 when its lower case is
    not one code point or depends on its neighbours."""
    if point == _CURLY_APOSTROPHE:
        return ord("'")
    low = chr(point).lower()
    return ord(low) if len(low) == 1 and point != _CAPITAL_SIGMA else -1


# Non-ASCII code points of the Basic Multilingual Plane met so far: class bits and lower case.
_BMP = 1 << 16
_BMP_KNOWN = np.zeros(_BMP, dtype=np.bool_)
_BMP_CLASSES = np.zeros(_BMP, dtype=np.uint16)
_BMP_LOWER = np.zeros(_BMP, dtype=np.int64)


def _wide_points(points: U32) -> tuple[npt.NDArray[np.uint16], npt.NDArray[np.int64]]:
    """The :func:`pipeline.text.char_classes` bits and :func:`_lower_point` of each
    non-ASCII code point: table look-ups, each new one worked out once (text in another
    script is all non-ASCII)."""
    classes = np.empty(len(points), dtype=np.uint16)
    lowered = np.empty(len(points), dtype=np.int64)
    bmp = np.flatnonzero(points < _BMP)
    common = points[bmp]
    new = np.unique(common[~_BMP_KNOWN[common]])
    if len(new):
        _BMP_CLASSES[new] = char_classes(new)
        _BMP_LOWER[new] = [_lower_point(p) for p in new.tolist()]
        _BMP_KNOWN[new] = True
    classes[bmp] = _BMP_CLASSES[common]
    lowered[bmp] = _BMP_LOWER[common]
    astral = np.flatnonzero(points >= _BMP)
    if len(astral):
        classes[astral] = char_classes(points[astral])
        lowered[astral] = [_lower_point(p) for p in points[astral].tolist()]
    return classes, lowered


@dataclass(frozen=True)
class Fingerprint:
    """What the batch step keeps of one article (``None`` signatures: too little text)."""

    text_sig: U16 | None
    skeleton_sig: U16 | None
    skeleton: U16  # the first ``skeleton_cap`` skeleton tokens, as 16-bit hashes


class Fingerprinter:
    """Text -> :class:`Fingerprint`: tokens, skeleton, two MinHash signatures.

    After the tokenizer everything is array arithmetic over the article's characters and
    tokens (no per-token Python), so fingerprinting costs about twice what tokenizing does.
    """

    def __init__(self, settings: RelatedSettings | None = None) -> None:
        self.settings = settings or load_settings().related
        self._classes = _word_classes(self.settings.common_words)
        self._a, self._b = minhash_permutations(self.settings.num_perm, self.settings.seed)

    def minhash(self, shingles: U32, sets: Sequence[int] | npt.NDArray[np.intp] = (0,)) -> U32:
        """The datasketch MinHash signatures of sets of 32-bit shingle hashes, vectorised:
        every permutation applied to every shingle in one array expression, block by block
        (bounded memory). ``sets`` are the offsets where each (non-empty) set starts in
        ``shingles``; one signature row per set."""
        starts = np.asarray(sets, dtype=np.intp)
        # One row per permutation: reducing along rows is five times faster than down
        # columns (each set's run of shingles is contiguous in memory).
        out = np.full((len(self._a), len(starts)), 0xFFFFFFFF, dtype=np.uint32)
        for lo in range(0, len(shingles), _MINHASH_BLOCK):
            hi = min(lo + _MINHASH_BLOCK, len(shingles))
            values = np.multiply(self._a[:, None], _fmix32(shingles[lo:hi]))
            values += self._b[:, None]
            # The sets that overlap [lo, hi), each cut to the block.
            first = int(np.searchsorted(starts, lo, side="right")) - 1
            last = int(np.searchsorted(starts, hi, side="left"))
            local = np.maximum(starts[first:last], lo) - lo
            columns = out[:, first:last]
            np.minimum(columns, np.minimum.reduceat(values, local, axis=1), out=columns)
        return np.ascontiguousarray(out.T)

    def tokens(self, text: str) -> tuple[U32, npt.NDArray[np.bool_]]:
        """Token hashes of ``text`` (lower-cased, as :func:`pipeline.text.words` gives them)
        and which tokens are skeleton: rare words (numbers included), and words written
        with a capital that are not function words (names; a capitalised sentence opener
        like "The" or "But" is a function word and stays out)."""
        tokens, skeleton, _ = self._batch_tokens([text])
        return tokens, skeleton

    def _batch_tokens(
        self, texts: Sequence[str]
    ) -> tuple[U32, npt.NDArray[np.bool_], npt.NDArray[np.intp]]:
        """:meth:`tokens` of every text, concatenated, and each text's token count, from one
        array of the batch's code points: :func:`_code_point_tokens`, or
        :func:`_regex_tokens` for a batch where lower-casing is not one character for one."""
        found = _code_point_tokens(texts)
        tokens, capital, counts = _regex_tokens(texts) if found is None else found
        if not len(tokens):
            return tokens, capital, counts
        word_class = self._classes[tokens >> np.uint32(32 - _CLASS_BITS)]
        skeleton: npt.NDArray[np.bool_] = (word_class == _RARE) | (
            capital & (word_class == _COMMON)
        )
        return tokens, skeleton, counts

    def __call__(self, text: str) -> Fingerprint:
        return self.batch([text])[0]

    def batch(self, texts: Sequence[str]) -> list[Fingerprint]:
        """The fingerprint of each text, all texts' tokens, shingles and signatures computed
        together (per-article numpy calls cost more than the arithmetic on 2-3 KB articles).
        A text's fingerprint does not depend on the others."""
        s = self.settings
        tokens, is_skeleton, counts = self._batch_tokens(texts)
        skeleton = tokens[is_skeleton]
        run = np.repeat(np.arange(len(counts)), counts)
        skeleton_counts = np.bincount(run[is_skeleton], minlength=len(counts))
        shingles, shingle_counts = _batch_shingles(tokens, counts, s.shingle_words)
        long_enough = (skeleton_counts >= s.min_skeleton_words) & (counts > 0)
        skel_tokens = np.repeat(long_enough, skeleton_counts)
        skel_shingles, skel_shingle_counts = _batch_shingles(
            skeleton[skel_tokens], skeleton_counts[long_enough], s.skeleton_shingle_words
        )
        # One set per text with tokens, then one per long-enough skeleton.
        both = np.concatenate((shingles, skel_shingles))
        sets = np.concatenate(
            (
                _starts(shingle_counts[counts > 0]),
                len(shingles) + _starts(skel_shingle_counts),
            )
        )
        signatures = self.minhash(both, sets).astype(np.uint16)
        text_rows = iter(signatures[: int((counts > 0).sum())])
        skeleton_rows = iter(signatures[int((counts > 0).sum()) :])
        out = []
        skeleton_at = 0
        for n, n_skeleton, long in zip(
            counts.tolist(), skeleton_counts.tolist(), long_enough.tolist(), strict=True
        ):
            if n == 0:
                out.append(Fingerprint(None, None, np.empty(0, dtype=np.uint16)))
                continue
            head = skeleton[skeleton_at : skeleton_at + min(n_skeleton, s.skeleton_cap)]
            skeleton_at += n_skeleton
            out.append(
                Fingerprint(
                    next(text_rows),
                    next(skeleton_rows) if long else None,
                    head.astype(np.uint16),
                )
            )
        return out


def _starts(counts: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """Where each of consecutive runs of ``counts`` elements starts."""
    out = np.zeros(len(counts), dtype=np.intp)
    np.cumsum(counts[:-1], out=out[1:])
    return out


def _batch_shingles(
    tokens: U32, counts: npt.NDArray[np.intp], k: int
) -> tuple[U32, npt.NDArray[np.intp]]:
    """:func:`shingle_hashes` of each run of ``counts`` tokens, concatenated, and how many
    each run has. Windows of ``k`` over the whole array, keeping those inside one run; a
    run shorter than ``k`` is hashed whole, as :func:`shingle_hashes` does."""
    if len(tokens) == 0:
        return np.empty(0, dtype=np.uint32), np.zeros(len(counts), dtype=np.intp)
    starts = _starts(counts)
    run = np.repeat(np.arange(len(counts)), counts)
    windows = shingle_hashes(tokens, k) if len(tokens) >= k else np.empty(0, np.uint32)
    inside = run[: len(windows)] == run[k - 1 : k - 1 + len(windows)]
    out = windows[inside]
    out_counts = np.maximum(counts - k + 1, 0)
    short = np.flatnonzero((counts > 0) & (counts < k))
    if len(short):  # rare: one hash of the whole run, put in its place
        pieces = []
        at = 0
        for i, (start, n) in enumerate(zip(starts.tolist(), counts.tolist(), strict=True)):
            if 0 < n < k:
                pieces.append(shingle_hashes(tokens[start : start + n], n))
                out_counts[i] = 1
            else:
                pieces.append(out[at : at + out_counts[i]])
                at += int(out_counts[i])
        out = np.concatenate(pieces) if pieces else out
    return out, out_counts


class RelatedIndex:
    """Fingerprints of a batch, then the links among them.

    ``add`` every article (cheap, streaming), then call ``links`` once. Articles are
    identified by the order they were added (``links_by_position``), so repeated ids in one
    batch stay apart; ``links`` keys by id.
    """

    def __init__(self, settings: RelatedSettings | None = None) -> None:
        self.settings = settings or load_settings().related
        self.fingerprinter = _fingerprinter(self.settings)
        self.ids: list[str] = []
        self._text_sigs = array("H")
        self._skeleton_sigs = array("H")
        self._flags = array("B")  # bit 0: text signature valid; bit 1: skeleton valid
        self._skeletons = array("H")
        self._skeleton_ends = array("Q")

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, id: str, text: str) -> int:
        """Fingerprint one article; returns its position."""
        return self.add_fingerprint(id, self.fingerprinter(text))

    def add_fingerprint(self, id: str, fp: Fingerprint) -> int:
        zeros = bytes(2 * self.settings.num_perm)
        self.ids.append(id)
        self._flags.append((fp.text_sig is not None) | (fp.skeleton_sig is not None) << 1)
        self._text_sigs.frombytes(zeros if fp.text_sig is None else fp.text_sig.tobytes())
        sig = fp.skeleton_sig
        self._skeleton_sigs.frombytes(zeros if sig is None else sig.tobytes())
        self._skeletons.frombytes(fp.skeleton.tobytes())
        self._skeleton_ends.append(len(self._skeletons))
        return len(self.ids) - 1

    def add_packed(self, chunk: PackedFingerprints) -> None:
        """Add a chunk's fingerprints as they come, packed (the same as
        :meth:`add_fingerprint` of each, in order)."""
        self.ids.extend(chunk.ids)
        self._flags.frombytes(chunk.flags.tobytes())
        self._text_sigs.frombytes(chunk.text_sigs.tobytes())
        self._skeleton_sigs.frombytes(chunk.skeleton_sigs.tobytes())
        self._skeleton_ends.extend((chunk.ends + len(self._skeletons)).tolist())
        self._skeletons.frombytes(chunk.skeletons.tobytes())

    def links_by_position(self) -> dict[int, list[Related]]:
        """Every article with at least one link, by position; links both ways, most similar
        first, at most ``related.max_links`` each."""
        s = self.settings
        n = len(self.ids)
        if n < 2:
            return {}
        flags = np.frombuffer(self._flags, dtype=np.uint8)
        text = np.frombuffer(self._text_sigs, dtype=np.uint16).reshape(n, s.num_perm)
        skel = np.frombuffer(self._skeleton_sigs, dtype=np.uint16).reshape(n, s.num_perm)
        keys = _union(
            _candidates(text, flags & 1 > 0, s.text_band_rows, s.max_bucket),
            _candidates(skel, flags & 2 > 0, s.skeleton_band_rows, s.max_bucket),
        )
        pairs = np.stack((keys >> np.int64(32), keys & np.int64(0xFFFFFFFF)))
        links: dict[int, list[Related]] = {}
        for chunk in range(0, pairs.shape[1], _VERIFY_CHUNK):
            left, right = pairs[:, chunk : chunk + _VERIFY_CHUNK]
            for i, j, relation, similarity in self._verify(left, right, text, skel, flags):
                links.setdefault(i, []).append(Related(self.ids[j], relation, similarity))
                links.setdefault(j, []).append(Related(self.ids[i], relation, similarity))
        for found in links.values():
            found.sort(key=lambda r: (-r.similarity, r.id))
            del found[s.max_links :]
        return links

    def _verify(
        self,
        left: npt.NDArray[np.int64],
        right: npt.NDArray[np.int64],
        text: U16,
        skel: U16,
        flags: npt.NDArray[np.uint8],
    ) -> Iterator[tuple[int, int, Relation, float]]:
        """The candidate pairs that are copies, with their relation and similarity."""
        s = self.settings
        text_sim = (text[left] == text[right]).mean(axis=1)
        skel_sim = (skel[left] == skel[right]).mean(axis=1)
        duplicate = text_sim >= s.duplicate_threshold
        for i, j, sim in zip(*_where(duplicate, left, right, text_sim), strict=True):
            yield i, j, "duplicate", sim
        spun = (
            ~duplicate
            & ((flags[left] & flags[right] & 2) > 0)
            & (skel_sim >= s.skeleton_min_jaccard)
            & (1.0 - skel_sim <= s.max_change_ratio * (1.0 - text_sim))
        )
        spun_left, spun_right = left[spun], right[spun]
        flat = np.frombuffer(self._skeletons, dtype=np.uint16)
        ends = np.frombuffer(self._skeleton_ends, dtype=np.uint64).astype(np.intp)
        starts = np.concatenate(([0], ends[:-1]))
        for lo in range(0, len(spun_left), _RATIO_CHUNK):
            i, j = spun_left[lo : lo + _RATIO_CHUNK], spun_right[lo : lo + _RATIO_CHUNK]
            ratios = skeleton_ratios(flat, starts[i], ends[i], starts[j], ends[j])
            for a, b, ratio in zip(i.tolist(), j.tolist(), ratios, strict=True):
                if ratio >= s.spun_threshold:
                    yield a, b, "spun_copy", ratio

    def links(self) -> dict[str, list[Related]]:
        """Links keyed by article id (articles sharing an id share one list)."""
        by_id: dict[str, list[Related]] = {}
        for position, found in sorted(self.links_by_position().items()):
            by_id.setdefault(self.ids[position], []).extend(found)
        return by_id


def _where(
    mask: npt.NDArray[np.bool_],
    left: npt.NDArray[np.int64],
    right: npt.NDArray[np.int64],
    sim: npt.NDArray[np.float64],
) -> tuple[list[int], list[int], list[float]]:
    return left[mask].tolist(), right[mask].tolist(), sim[mask].tolist()


def skeleton_ratios(
    flat: U16,
    a_starts: npt.NDArray[np.intp],
    a_ends: npt.NDArray[np.intp],
    b_starts: npt.NDArray[np.intp],
    b_ends: npt.NDArray[np.intp],
) -> list[float]:
    """``difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()`` of each pair of token
    sequences ``a = flat[a_starts[p]:a_ends[p]]``, ``b = flat[b_starts[p]:b_ends[p]]``, for
    all pairs at once: the same value, bit for bit (the tests compare them), without
    difflib's per-token Python.

    difflib's matching blocks: the longest common run of the pair (ties: the earliest in
    ``a``, then in ``b``), then the same on what lies before it and after it, recursively;
    the ratio is twice their total length over the two lengths. Here every token match
    ``a[i] == b[j]`` of every pair comes from one sorted join; matches on one diagonal in a
    row make a run; then each step of the recursion takes, for all open ranges of all pairs
    at once, the longest run clipped to its range. A run is only checked against the ranges
    that share rows with it (ranges of one pair never share rows), so a step costs at most
    the number of matches.
    """
    n = len(a_starts)
    a_len, b_len = a_ends - a_starts, b_ends - b_starts
    size = int(max(a_len.max(initial=0), b_len.max(initial=0))) + 1  # bounds every index
    # Every match (pair, i, j) as one key ordered by pair, diagonal j - i, then i: a run is
    # a stretch of keys that go up by one (i never reaches size - 1, so a run never
    # continues onto the next diagonal).
    cell = _match_cells(flat, a_starts, a_len, b_starts, b_len, size)
    run_starts = np.flatnonzero(np.diff(cell, prepend=-2) != 1)
    run_len = np.diff(np.append(run_starts, len(cell)))
    head = cell[run_starts]
    run_i = head % size
    run_j = run_i + (head // size) % (2 * size) - size
    run_pair = head // size // (2 * size)
    run_row = run_pair * size + run_i  # row key: pair, then row
    sq = size * size
    # The first step, on whole pairs, needs no clipping: each pair's longest run.
    first_run = np.flatnonzero(np.diff(run_pair, prepend=-1))
    pair = run_pair[first_run]
    a_lo, b_lo = np.zeros(len(pair), dtype=np.int64), np.zeros(len(pair), dtype=np.int64)
    a_hi, b_hi = a_len[pair].astype(np.int64), b_len[pair].astype(np.int64)
    best = np.maximum.reduceat(_block_key(run_len, run_i, run_j, size), first_run)
    matches = np.zeros(n, dtype=np.int64)
    while len(pair):
        found = best >= 0
        best, pair = best[found], pair[found]
        a_lo, a_hi, b_lo, b_hi = a_lo[found], a_hi[found], b_lo[found], b_hi[found]
        k = best // sq
        bi = size - 1 - (best % sq) // size
        bj = size - 1 - best % size
        np.add.at(matches, pair, k)
        # Each range splits into the part before its block and the part after, in order,
        # so ranges stay ordered by pair, then rows.
        parts = np.stack(
            (
                np.stack((pair, a_lo, bi, b_lo, bj), axis=1),
                np.stack((pair, bi + k, a_hi, bj + k, b_hi), axis=1),
            ),
            axis=1,
        ).reshape(-1, 5)
        parts = parts[(parts[:, 1] < parts[:, 2]) & (parts[:, 3] < parts[:, 4])]
        pair, a_lo, a_hi, b_lo, b_hi = parts.T
        # The ranges sharing rows with each run: those ending after its first row and
        # starting before its last (ranges of one pair never share rows).
        lo = np.searchsorted(pair * size + a_hi, run_row, side="right")
        count = np.searchsorted(pair * size + a_lo, run_row + run_len, side="left") - lo
        keep = count > 0  # a run outside every range stays outside their parts
        run_row, run_i, run_j, run_len = run_row[keep], run_i[keep], run_j[keep], run_len[keep]
        run, at = _ranges(count[keep])
        box = lo[keep][run] + at
        i0, j0, length = run_i[run], run_j[run], run_len[run]
        cut = np.maximum(np.maximum(a_lo[box] - i0, b_lo[box] - j0), 0)
        k = np.minimum(np.minimum(length, a_hi[box] - i0), b_hi[box] - j0) - cut
        best = np.full(len(pair), -1, dtype=np.int64)
        np.maximum.at(best, box, np.where(k > 0, _block_key(k, i0 + cut, j0 + cut, size), -1))
        if len(k):  # a run with nothing left in its ranges has nothing in their parts
            useful = np.maximum.reduceat(k, _starts(count[keep])) > 0
            run_row, run_i, run_j = run_row[useful], run_i[useful], run_j[useful]
            run_len = run_len[useful]
    total = (a_len + b_len).tolist()
    return [2.0 * m / t if t else 1.0 for m, t in zip(matches.tolist(), total, strict=True)]


def _match_cells(
    flat: U16,
    a_starts: npt.NDArray[np.intp],
    a_len: npt.NDArray[np.intp],
    b_starts: npt.NDArray[np.intp],
    b_len: npt.NDArray[np.intp],
    size: int,
) -> npt.NDArray[np.int64]:
    """Every token match ``a[i] == b[j]`` of every pair ``p`` (sequences as in
    :func:`skeleton_ratios`, all shorter than ``size``), as the sorted keys
    ``(p * 2 size + j - i + size) * size + i``, from one sorted join: each side's tokens
    sorted by (pair, token, place), the a side's looked up in the b side's (in order, so
    each search starts near the last)."""
    a_key, a_at = _sorted_keys(flat, a_starts, a_len, size)
    b_key, b_at = _sorted_keys(flat, b_starts, b_len, size)
    first = np.searchsorted(b_key, a_key, side="left")
    match_a, offset = _ranges(np.searchsorted(b_key, a_key, side="right") - first)
    i = a_at[match_a]
    j = b_at[first[match_a] + offset]
    cell: npt.NDArray[np.int64] = ((a_key[match_a] >> 16) * (2 * size) + (j - i + size)) * size + i
    cell.sort()
    return cell


def _sorted_keys(
    flat: U16, starts: npt.NDArray[np.intp], lengths: npt.NDArray[np.intp], size: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The tokens of sequences ``flat[starts[p]:starts[p] + lengths[p]]`` as keys
    ``p << 16 | token`` in order, and each one's place in its sequence (equal keys: in
    order of place). One sort of the keys packed with their places when that fits in 63
    bits (numpy sorts integers several times faster than it argsorts them)."""
    pair, at = _ranges(lengths)
    key = pair.astype(np.int64) << 16 | flat[starts[pair] + at]
    bits = max(size - 1, 1).bit_length()
    if max(len(starts) - 1, 0).bit_length() + 16 + bits > 63:
        order = np.argsort(key, kind="stable")
        return key[order], at[order].astype(np.int64)
    packed = key << bits | at
    packed.sort()
    return packed >> bits, packed & ((1 << bits) - 1)


def _block_key(
    k: npt.NDArray[np.int64], i: npt.NDArray[np.int64], j: npt.NDArray[np.int64], size: int
) -> npt.NDArray[np.int64]:
    """Blocks of ``k`` matches from ``a[i]``, ``b[j]`` as one number, largest for difflib's
    choice: the longest, then the earliest in ``a``, then in ``b``."""
    return (k * size + (size - 1 - i)) * size + (size - 1 - j)


def _ranges(counts: npt.NDArray[np.intp]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """For runs of ``counts`` elements laid end to end: each element's run and its place in
    the run."""
    run = np.repeat(np.arange(len(counts)), counts)
    return run, np.arange(len(run)) - _starts(counts)[run]


def _candidates(
    sigs: U16, valid: npt.NDArray[np.bool_], rows: int, max_bucket: int
) -> npt.NDArray[np.int64]:
    """LSH: the pairs (i < j) that share a band of ``rows`` values, as sorted unique keys
    ``i << 32 | j``.

    A band's 16-bit values are packed into one integer key; sorting each band's keys puts
    every bucket in one run. A bucket gives all its pairs, or, over ``max_bucket`` members, a
    star around its first member (linear however many copies one text has). Pairs are merged
    band by band, so memory holds the distinct pairs, not one copy per band that finds them
    (200,000 articles of a feed full of exact copies peaked at 690 MB before).
    """
    members = np.flatnonzero(valid)
    merged = np.empty(0, dtype=np.int64)
    if len(members) < 2:
        return merged
    for band in range(sigs.shape[1] // rows):
        found: list[npt.NDArray[np.int64]] = [np.empty((2, 0), dtype=np.int64)]
        key = np.zeros(len(members), dtype=np.uint64)
        for r in range(rows):
            key |= sigs[members, band * rows + r].astype(np.uint64) << np.uint64(16 * r)
        order = np.argsort(key, kind="stable")
        key, ranked = key[order], members[order]
        starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
        sizes = np.diff(np.append(starts, len(key)))
        # Every position in a multi-member bucket, with where its bucket starts and ends.
        in_bucket = np.repeat(sizes > 1, sizes)
        pos = np.flatnonzero(in_bucket)
        first = np.repeat(starts, sizes)[in_bucket]
        end = np.repeat(starts + sizes, sizes)[in_bucket]
        large = end - first > max_bucket
        star = large & (pos > first)
        found.append(_ordered(ranked[first[star]], ranked[pos[star]]))
        pos, end = pos[~large], end[~large]
        for d in range(1, int(sizes.max())):
            keep = pos + d < end
            pos, end = pos[keep], end[keep]
            if not len(pos):
                break
            found.append(_ordered(ranked[pos], ranked[pos + d]))
        band_pairs = np.concatenate(found, axis=1)
        merged = _union(merged, (band_pairs[0] << np.int64(32)) | band_pairs[1])
    return merged


def _union(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``np.union1d(a, b)`` by one sort: numpy 2's union1d (hashing, then sorting) takes
    fifteen times as long on these arrays of pair keys."""
    both = np.concatenate((a, b))
    both.sort()
    distinct = np.ones(len(both), dtype=np.bool_)
    distinct[1:] = both[1:] != both[:-1]
    return both[distinct]


def _ordered(a: npt.NDArray[np.intp], b: npt.NDArray[np.intp]) -> npt.NDArray[np.int64]:
    return np.stack((np.minimum(a, b), np.maximum(a, b))).astype(np.int64)


FINGERPRINT_BATCH = 256  # articles fingerprinted together (bounded memory, ~20 MB of shingles)


class BatchLinker:
    """A batch's articles fingerprinted a chunk at a time as they are read, by their item
    positions (read errors count as positions), then its links by item position."""

    def __init__(self, settings: RelatedSettings | None = None) -> None:
        self.index = RelatedIndex(settings)  # loads wordfreq's words
        self.positions = array("Q")  # the item position of each indexed article

    def add(self, rows: list[tuple[int, str, str]]) -> None:
        """Fingerprint ``(position, id, text)`` rows of articles, in input order."""
        chunk = fingerprint_rows(self.index.settings, rows)
        self.index.add_packed(chunk)
        self.positions.extend(chunk.positions)

    def links(self) -> dict[int, list[Related]]:
        """The links of everything added, by item position."""
        found = self.index.links_by_position()
        return {self.positions[i]: links for i, links in found.items()}


@lru_cache(maxsize=2)
def _fingerprinter(settings: RelatedSettings) -> Fingerprinter:
    """One fingerprinter per process and settings (it loads wordfreq's top words)."""
    return Fingerprinter(settings)


def _fingerprint_chunk(
    settings: RelatedSettings, chunk: list[tuple[int, str, str]]
) -> list[tuple[int, str, Fingerprint]]:
    fingerprinter = _fingerprinter(settings)
    fingerprints: list[Fingerprint] = []
    for start in range(0, len(chunk), FINGERPRINT_BATCH):
        fingerprints += fingerprinter.batch(
            [text for _, _, text in chunk[start : start + FINGERPRINT_BATCH]]
        )
    return [(position, id, fp) for (position, id, _), fp in zip(chunk, fingerprints, strict=True)]


@dataclass(frozen=True)
class PackedFingerprints:
    """A chunk's ``(position, id, fingerprint)`` rows in a few arrays (a missing
    signature's row is zeros, its flag bit unset)."""

    positions: list[int]
    ids: list[str]
    flags: npt.NDArray[np.uint8]  # bit 0: text signature; bit 1: skeleton signature
    text_sigs: U16
    skeleton_sigs: U16
    skeletons: U16  # every row's skeleton, concatenated
    ends: npt.NDArray[np.intp]  # where each row's skeleton ends

    @classmethod
    def pack(cls, rows: list[tuple[int, str, Fingerprint]], num_perm: int) -> PackedFingerprints:
        text_sigs = np.zeros((len(rows), num_perm), dtype=np.uint16)
        skeleton_sigs = np.zeros((len(rows), num_perm), dtype=np.uint16)
        flags = np.zeros(len(rows), dtype=np.uint8)
        for i, (_, _, fp) in enumerate(rows):
            if fp.text_sig is not None:
                text_sigs[i] = fp.text_sig
                flags[i] |= 1
            if fp.skeleton_sig is not None:
                skeleton_sigs[i] = fp.skeleton_sig
                flags[i] |= 2
        skeletons = [fp.skeleton for _, _, fp in rows]
        return cls(
            positions=[position for position, _, _ in rows],
            ids=[id for _, id, _ in rows],
            flags=flags,
            text_sigs=text_sigs,
            skeleton_sigs=skeleton_sigs,
            skeletons=np.concatenate(skeletons) if skeletons else np.empty(0, np.uint16),
            ends=np.cumsum([len(skeleton) for skeleton in skeletons], dtype=np.intp),
        )


def fingerprint_rows(
    settings: RelatedSettings, rows: list[tuple[int, str, str]]
) -> PackedFingerprints:
    """The packed fingerprints of ``(position, id, text)`` rows: the layout the index
    stores them in, so a chunk is appended with a few array copies."""
    return PackedFingerprints.pack(_fingerprint_chunk(settings, rows), settings.num_perm)


def link_dicts(links: Iterable[Related]) -> list[dict[str, Any]]:
    """Links as record fields (the ``related`` array of the record schema)."""
    return [
        {"id": r.id, "relation": r.relation, "similarity": round(r.similarity, 4)} for r in links
    ]
