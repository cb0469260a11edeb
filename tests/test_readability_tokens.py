"""Readability's batch tokens are ``str.split``'s, packed exactly; its word tables find them
(the packed tokens' table: ``tests/test_keytable.py``)."""

from __future__ import annotations

import pickle
import random
import sys

import numpy as np
import pytest

from pipeline.detectors.readability_tokens import PACKED_CHARS, WordCounts, split_batch
from pipeline.text import scan_batch
from pipeline.training.sources import bbc_articles


def _reference_key(token: str) -> int:
    if len(token) > PACKED_CHARS or not all(0 < ord(ch) < 128 for ch in token):
        return 0
    key = 0
    for j, ch in enumerate(token[:8]):
        key |= ord(ch) << (8 * j)
    if len(token) == 9:
        key |= sum((ord(token[8]) >> k & 1) << (8 * k + 7) for k in range(7))
    return key


def word_count_items(counts: WordCounts) -> list[tuple[str, int]]:
    """A table's (word, count) pairs, in its (byte) order, read from its two arrays."""
    words = [key.decode("utf-8", "surrogatepass") for key in counts.words.tolist()]
    return list(zip(words, counts.counts.tolist(), strict=True))


def _odd_texts() -> list[str]:
    """Every kind of space (ASCII, Unicode, separators), NUL, surrogates, wide characters,
    tokens around the packing limit, empty and all-space texts."""
    rng = random.Random(3)
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    pieces = [*spaces, "a", "ab", "Z9", "é", "\x00", "\ud800", "😀", "x" * PACKED_CHARS, "-", "."]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    edges = ["abcdefgh\x00", "abcdefghé", "a\x00b", "abcdefg€", "abcdefgh\x7f", "\x7f" * 9]
    edges += ["\x80", "\x00", "é", "\x01" * 8, "\xff" * 3, "\u0100ab", "abcdefgh\u0101"]
    return [*texts, "", " ", "\n\n", "word", "x" * (PACKED_CHARS + 1), " ".join(edges)]


def test_batch_tokens_are_str_split_and_keys_pack_them_exactly() -> None:
    """From the texts alone or from their shared scan (:func:`scan_batch`), the same."""
    texts = [*_odd_texts(), *(a.text for a in bbc_articles()[:100])]
    rng = random.Random(4)
    rng.shuffle(texts)
    for start in range(0, len(texts), 500):
        part = texts[start : start + 500]
        tokens = split_batch(part)
        shared = split_batch(part, scan_batch(part))
        for field in ("start", "end", "first", "key"):
            assert np.array_equal(getattr(tokens, field), getattr(shared, field)), field
        assert shared.joined == tokens.joined == "\n".join(part)
        everything = tokens.strings(np.arange(len(tokens.key)))
        assert tokens.key.tolist() == [_reference_key(t) for t in everything]
        packed = {t: k for t, k in zip(everything, tokens.key.tolist(), strict=True) if k}
        assert len(set(packed.values())) == len(packed)  # one key, one token
        for i, text in enumerate(part):
            assert everything[tokens.first[i] : tokens.first[i + 1]] == text.split(), text
    assert split_batch([]).first.tolist() == [0]


def test_word_counts_look_words_up_as_a_dict_does() -> None:
    """Sorted fixed-width bytes find exactly the stored words: not their prefixes or
    extensions, not words wider than the table (the array would cut them) nor with a NUL
    (the array drops trailing NULs); non-ASCII and surrogates too; the same after pickling."""
    rng = random.Random(6)
    words = {t.strip(".,\"'").lower() for a in bbc_articles()[:60] for t in a.text.split()}
    words.discard("")
    table = {word: rng.randint(0, 255) for word in sorted(words)}
    table |= {"é": 1, "naïve": 2, "\ud800x": 3, "x" * 16: 4, "😀": 5, "a": 6}
    counts = WordCounts(table)
    queries = [*table, "", "x" * 15, "x" * 17, "a\x00", "\x00", "\ud800", "é" * 9, "naïv"]
    queries += [word[:-1] for word in table] + [word + "s" for word in table]
    rng.shuffle(queries)
    expected = [table.get(word, -1) for word in queries]
    assert counts.get(queries).tolist() == expected
    restored = pickle.loads(pickle.dumps(counts))
    assert restored.get(queries).tolist() == expected
    assert sorted(word_count_items(restored)) == sorted(table.items())
    assert WordCounts({}).get(["a", ""]).tolist() == [-1, -1]
    assert counts.get([]).tolist() == []
    with pytest.raises(ValueError):
        WordCounts({"a\x00": 1})
    with pytest.raises(ValueError):
        WordCounts({"a": 256})
