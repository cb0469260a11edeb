"""The tokenizer's fast paths give exactly what :data:`pipeline.text.WORD_RE` gives.

The shipped model was trained on features of these tokens, so a faster path must match the
plain regex token for token, on real articles and on the Unicode corners where lower-casing
or the ASCII shortcut could differ.
"""

from __future__ import annotations

import random
from itertools import pairwise

import numpy as np
import pytest

from pipeline.text import (
    ALNUM,
    ASCII_WORD_RE,
    JOIN,
    UNICODE_WORD_RE,
    WORD_RE,
    Document,
    Token,
    char_classes,
    scan,
    scan_batch,
    tokenize,
    word_re,
    word_spans,
    words,
)

# Characters where a shortcut could go wrong: word characters outside ASCII, letters whose
# lower case is longer (İ) or depends on context (Σ), the curly apostrophe, underscores,
# non-ASCII spaces and punctuation, a lone surrogate (JSON can carry one).
ODD = [*"ΣσςİıßéÉǅǄⒶﬁ١\u0307\u00a0\u2028\u0085£€—–“”…’_", "\ud800"]
PLAIN = list("aZ09 -'’\n\r\t.,;:!?\"()%")
CORNERS = [
    "ΣΑΣ ΟΔΟΣ\nΣ\n\nΟΔΟΣ'Σ x",
    "İstanbul\n\nİİ and ß",
    "a_b c__d e-_f",
    "x’y ’s it’s’",
    "naïve café\r\n\r\nZürich GÖTEBORG",
    "AΣ\n\nΣA.Σ\r\nxΣ\r\n\r\nΣ",
    "\ud800abc",
    "",
]


def reference_words(text: str) -> list[str]:
    return WORD_RE.findall(text.lower().replace("’", "'"))


def reference_tokens(text: str) -> list[Token]:
    return [Token(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text)]


def texts(seeds: dict[str, str]) -> list[str]:
    rng = random.Random(0)
    fuzz = [
        "".join(rng.choice(PLAIN if i % 2 else PLAIN + ODD) for _ in range(rng.randint(0, 50)))
        for i in range(3000)
    ]
    real = list(seeds.values())
    return [*real, *(t.replace("\n", "\r\n") for t in real), *CORNERS, *fuzz]


def test_ascii_pattern_is_used_only_where_it_is_exact(seeds: dict[str, str]) -> None:
    assert word_re("The £5m deal — “done”, it’s said") is ASCII_WORD_RE
    assert word_re("Café owners") is UNICODE_WORD_RE
    assert word_re("Ⅻ") is UNICODE_WORD_RE  # a numeral letter: a word character outside ASCII
    for text in texts(seeds):
        assert word_re(text).findall(text) == WORD_RE.findall(text), repr(text)
        assert UNICODE_WORD_RE.findall(text) == WORD_RE.findall(text), repr(text)


def test_words_scan_and_tokenize_match_the_plain_regex(seeds: dict[str, str]) -> None:
    for text in texts(seeds):
        assert words(text) == reference_words(text), repr(text)
        tokens = reference_tokens(text)
        assert tokenize(text) == tokens, repr(text)
        found, lows, adjacent, gaps = scan(text)
        assert found == [t.text for t in tokens]
        assert lows == [w.lower().replace("’", "'") for w in found]
        between = gaps[1:-1] if found else []
        assert adjacent == [g == " " or (g.isspace() and "\n" not in g) for g in between]
        assert "".join(g + w for g, w in zip(gaps, [*found, ""], strict=True)) == text


def test_scan_batch_gives_each_text_the_plain_regex_tokens(seeds: dict[str, str]) -> None:
    """The batch tokenizer (character classes over a batch's code points) gives each text
    WORD_RE's tokens, their lower-cased forms, offsets and adjacencies, whatever the other
    texts of its batch: real articles, fuzz and random texts of the characters the tokenizer
    and the adjacency test look at."""
    rng = random.Random(9)
    pieces = [*"aA. !?…\n\t\"'”’)]“‘(1_b\r é-’'Σ\xa0\x1c", "ΟΔΟΣ ", "don't", "a--b", "\r\n"]
    extra = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    all_texts = [*texts(seeds), *extra]
    for i in range(0, len(all_texts), 50):
        batch = scan_batch(all_texts[i : i + 50])
        for a, text in enumerate(batch.texts):
            tokens = reference_tokens(text)
            lo, hi = int(batch.first[a]), int(batch.first[a + 1])
            ids = batch.word[lo:hi].tolist()
            assert [batch.words[j] for j in ids] == [t.text for t in tokens], repr(text)
            assert [batch.lows[j] for j in ids] == [t.lower for t in tokens], repr(text)
            spans = zip(batch.start[lo:hi].tolist(), batch.end[lo:hi].tolist(), strict=True)
            assert list(spans) == [(t.start, t.end) for t in tokens], repr(text)
            gaps = [text[t.end : u.start] for t, u in pairwise(tokens)]
            adjacent = [g == " " or (g.isspace() and "\n" not in g) for g in gaps]
            assert batch.adjacent[lo:hi].tolist()[:-1] == adjacent, repr(text)
            assert not batch.adjacent[hi - 1 : hi].any()  # never to the next text


def test_word_spans_are_the_plain_regex_tokens(seeds: dict[str, str]) -> None:
    """The token step scan_batch and the related-link tokens share: from each character's
    classes alone, WORD_RE's token spans, and which characters lie in a token."""
    for text in texts(seeds):
        codes = np.frombuffer(f"\n{text}\n".encode("utf-32-le", "surrogatepass"), np.uint32)
        classes = char_classes(codes)
        inword, starts, ends = word_spans((classes & ALNUM) != 0, (classes & JOIN) != 0)
        tokens = reference_tokens(text)
        assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == [
            (t.start + 1, t.end + 1) for t in tokens
        ], repr(text)
        flags = np.zeros(len(codes), dtype=np.bool_)
        for t in tokens:
            flags[t.start + 1 : t.end + 1] = True
        assert np.array_equal(inword, flags), repr(text)
        assert starts.flags.c_contiguous and ends.flags.c_contiguous


def test_paragraph_words_are_each_paragraphs_words(seeds: dict[str, str]) -> None:
    for text in texts(seeds):
        doc = Document(text)
        expected = [reference_words(p.text) for p in doc.paragraphs]
        assert doc.paragraph_words == expected, repr(text)


@pytest.mark.parametrize("text", ["Σ\n\nxΣ\n\nΣΣ x", "İ\n\nİstanbul is big"])
def test_paragraph_words_where_lower_casing_is_not_per_character(text: str) -> None:
    doc = Document(text)
    assert doc.paragraph_words == [reference_words(p.text) for p in doc.paragraphs]
    assert len(doc.paragraphs) >= 2
