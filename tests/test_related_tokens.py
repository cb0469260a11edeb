"""The fingerprint tokenizer's array arithmetic gives the regex definition's tokens, hashes and
capitals exactly (fingerprints, and so links, depend on them bit for bit)."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from pipeline import related
from pipeline.related import _code_point_tokens, _regex_tokens, _sorted_keys
from pipeline.text import ALNUM, JOIN, char_classes
from pipeline.training.sources import bbc_articles
from pipeline.training.spinners import SPINNER_STYLES

from .conftest import seed_text

# Texts that stress the definition: joins at word edges and doubled, underscores, digits,
# non-ASCII letters (upper case and not), non-word symbols next to literal question marks,
# curly apostrophes inside words and as quotes, astral characters, a lone surrogate.
ODD = [
    "",
    "—",
    "???",
    "Yes.",
    "it's the don’t-stop ‘quoted’ -leading trailing- a--b a-'b x'-y 'o'",
    "snake_case __init__ 3.14 1,000,000 4x4 A1-B2 CO₂ ½ ²",
    "Café RÉSUMÉ naïve ÆON Straße ẞ ﬁne Ǆemal ǅ ǆ Привет МИР Ωmega",
    "中文 テスト 한국어 ١٢٣ ٣٤ देवनागरी",
    "What?é ?É? ¿Qué? «Oui» “quoted” — dash – en…",
    "Emoji 😀 and 𝐁𝐨𝐥𝐝 math 𝟏𝟐 letters, then WORDS",
    json.loads('"Caf\\ud800 said Gordon Brown on Tuesday"'),
    "\n\n  \t \r\n",
    "Line one\r\nLine Two\rThree\u2028Four\u00a0Five",
]


def _assert_equal(texts: list[str]) -> None:
    found = _code_point_tokens(texts)
    assert found is not None
    reference = _regex_tokens(texts)
    for fast, slow in zip(found, reference, strict=True):
        assert fast.dtype == slow.dtype
        assert np.array_equal(fast, slow)


@pytest.fixture(scope="module")
def news() -> list[str]:
    """BBC articles, spun copies of some (every spinner style) and the seeds."""
    rng = random.Random(5)
    texts = [a.text for a in bbc_articles()[:300]]
    styles = list(SPINNER_STYLES)
    spun = [SPINNER_STYLES[styles[i % 4]](t, rng).text for i, t in enumerate(texts[:40])]
    seeds = [seed_text(p) for p in ("000", "001", "002", "003", "004")]
    return texts + spun + seeds


def test_code_point_tokens_equal_the_regex_on_news(news: list[str]) -> None:
    for start in range(0, len(news), 64):
        _assert_equal(news[start : start + 64])
    _assert_equal(news)  # one batch over several running-sum windows


def test_code_point_tokens_equal_the_regex_on_odd_text(news: list[str]) -> None:
    _assert_equal(ODD)
    _assert_equal([*news[:5], *ODD, *news[5:10]])
    for text in ODD:
        _assert_equal([text])
    _assert_equal([])


def test_text_in_other_scripts_tokenizes_the_same(news: list[str]) -> None:
    """News written in Cyrillic and Greek letters (all non-ASCII: looked up by code point)
    alone and beside English, and the same with a few Cyrillic words among English."""
    latin = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    cyrillic = str.maketrans(latin, "абвгдежзийклмнопрстуфхцчшщАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩ")
    greek = str.maketrans(latin[:24] + latin[26:50], "αβγδεζηθικλμνξοπρστυφχψω" * 2)
    other = [t.translate(cyrillic) for t in news[:30]] + [t.translate(greek) for t in news[30:40]]
    _assert_equal(other)
    _assert_equal([*other[:10], *news[:10]])
    _assert_equal([t.replace(" the ", " Москва ", 3) for t in news[:40]])


def test_texts_longer_than_a_window_hash_the_same(news: list[str]) -> None:
    long = " ".join(news[:80])
    assert len(long) > related._WINDOW
    _assert_equal([long])
    _assert_equal([news[0], long, news[1], long[: related._WINDOW - 3], news[2]])


def test_the_regex_takes_over_where_lower_casing_is_not_one_for_one() -> None:
    """Capital sigma lowers by its context, dotted capital I to two code points, and a
    token of 4,096 characters or more meets the capped powers: those batches go the regex
    way, with the same results for every text."""
    for odd in ("ΟΔΥΣΣΕΥΣ said", "İstanbul and İzmir", "x" * 5_000):
        assert _code_point_tokens(["Gordon Brown", odd]) is None
    fingerprinter = related.Fingerprinter()
    texts = ["Gordon Brown said", "ΟΔΥΣΣΕΥΣ ΣΑΣ", "İstanbul"]
    tokens, skeleton, counts = fingerprinter._batch_tokens(texts)
    alone = [fingerprinter._batch_tokens([t]) for t in texts]
    assert counts.tolist() == [int(c[0]) for _, _, c in alone]
    assert np.array_equal(tokens, np.concatenate([t for t, _, _ in alone]))
    assert np.array_equal(skeleton, np.concatenate([s for _, s, _ in alone]))


def test_ascii_classes_are_the_tokenizers() -> None:
    """The translate table agrees with pipeline.text.char_classes; its capitals are the
    ASCII letters str.lower changes, each a word character lowered 32 code points up."""
    table = np.frombuffer(related._ASCII_CLASS_BYTES, dtype=np.uint8)
    reference = char_classes(np.arange(128, dtype=np.uint32)) & (ALNUM | JOIN)
    assert np.array_equal(table[:128] & (ALNUM | JOIN), reference)
    upper = [i for i in range(128) if table[i] & related._UPPER]
    assert upper == [i for i in range(128) if chr(i).lower() != chr(i)]
    assert all(table[i] & ALNUM and ord(chr(i).lower()) == i + 32 for i in upper)
    assert not table[128:].any()


def test_sorted_keys_pack_or_argsort_alike() -> None:
    """Keys packed with their places and sorted, or (too wide to pack) argsorted: the same
    order, equal tokens by place."""
    rng = np.random.default_rng(3)
    flat = rng.integers(0, 6, 400).astype(np.uint16)  # few distinct tokens: many ties
    lengths = rng.integers(0, 30, 20).astype(np.intp)
    starts = rng.integers(0, 370, 20).astype(np.intp)
    packed = _sorted_keys(flat, starts, lengths, 31)
    wide = _sorted_keys(flat, starts, lengths, 1 << 46)
    for a, b in zip(packed, wide, strict=True):
        assert np.array_equal(a, b)
