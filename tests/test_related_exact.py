"""The related-links shortcuts give difflib's and wordfreq's values exactly: records depend on
them bit for bit (a spun copy's ``similarity`` is difflib's ratio of the two skeletons)."""

from __future__ import annotations

import random
from difflib import SequenceMatcher
from itertools import combinations

import numpy as np
import numpy.typing as npt
import pytest
import wordfreq

from pipeline import related
from pipeline.related import Fingerprinter, RelatedIndex, skeleton_ratios, top_english_words
from pipeline.training.sources import bbc_articles
from pipeline.training.spinners import SPINNER_STYLES


def _difflib_ratios(
    flat: npt.NDArray[np.uint16],
    a_starts: npt.NDArray[np.intp],
    a_ends: npt.NDArray[np.intp],
    b_starts: npt.NDArray[np.intp],
    b_ends: npt.NDArray[np.intp],
) -> list[float]:
    """The reference: one SequenceMatcher per pair, as links were checked before."""
    return [
        SequenceMatcher(None, flat[a:b].tolist(), flat[c:d].tolist(), False).ratio()
        for a, b, c, d in zip(a_starts, a_ends, b_starts, b_ends, strict=True)
    ]


def _pairs_of(sequences: list[list[int]], pairs: list[tuple[int, int]]) -> tuple[list[float], ...]:
    """skeleton_ratios and difflib on ``pairs`` of ``sequences``, both ways round."""
    flat = np.array([t for s in sequences for t in s], dtype=np.uint16)
    ends = np.cumsum([len(s) for s in sequences]).astype(np.intp)
    starts = np.concatenate(([0], ends[:-1])).astype(np.intp)
    i = np.array([p for p, _ in pairs], dtype=np.intp)
    j = np.array([q for _, q in pairs], dtype=np.intp)
    forward = (starts[i], ends[i], starts[j], ends[j])
    backward = (starts[j], ends[j], starts[i], ends[i])
    return (
        skeleton_ratios(flat, *forward),
        _difflib_ratios(flat, *forward),
        skeleton_ratios(flat, *backward),
        _difflib_ratios(flat, *backward),
    )


@pytest.fixture(scope="module")
def skeletons() -> list[list[int]]:
    """Skeletons of 60 BBC articles and three spun copies of each (every spinner style in
    turn): the sequences links compare."""
    rng = random.Random(3)
    styles = list(SPINNER_STYLES)
    texts = []
    for n, article in enumerate(bbc_articles()[:60]):
        texts.append(article.text)
        for k in range(3):
            style = styles[(n + k) % len(styles)]
            texts.append(SPINNER_STYLES[style](article.text, rng).text)
    return [fp.skeleton.tolist() for fp in Fingerprinter().batch(texts)]


def test_ratios_equal_difflib_on_article_skeletons(skeletons: list[list[int]]) -> None:
    # Every pair within a family (original and copies: the spun-copy candidates), and
    # neighbouring families (unrelated skeletons, which share only a few tokens).
    pairs = [
        (f + a, f + b) for f in range(0, len(skeletons), 4) for a, b in combinations(range(4), 2)
    ]
    pairs += [(p, p + 4) for p in range(len(skeletons) - 4)]
    fast, reference, fast_back, reference_back = _pairs_of(skeletons, pairs)
    assert fast == reference
    assert fast_back == reference_back
    assert fast != fast_back  # difflib's ratio is not symmetric: the order is kept
    assert sum(r >= 0.85 for r in reference) > len(pairs) / 4  # copies were compared


def test_ratios_equal_difflib_on_repetitive_sequences() -> None:
    # Small alphabets make many equal-length candidate blocks (difflib's tie-break: the
    # earliest in a, then in b) and deep recursion; empty and one-sided sequences too.
    rng = random.Random(11)
    sequences = []
    for _ in range(2000):
        alphabet = rng.choice([1, 2, 3, 5, 20, 65536])
        sequences.append([rng.randrange(alphabet) for _ in range(rng.randint(0, 70))])
    pairs = [(p, p + 1) for p in range(0, len(sequences), 2)]
    fast, reference, fast_back, reference_back = _pairs_of(sequences, pairs)
    assert fast == reference
    assert fast_back == reference_back
    assert _pairs_of([[], []], [(0, 1)])[0] == [1.0]  # difflib: two empty sequences agree


def test_links_use_the_exact_ratios(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    originals = [a.text for a in bbc_articles()[100:140]]
    index = RelatedIndex()
    for n, text in enumerate(originals):
        index.add(f"{n}", text)
        for style in SPINNER_STYLES:
            index.add(f"{n}#{style}", SPINNER_STYLES[style](text, rng).text)
    fast = index.links_by_position()
    monkeypatch.setattr(related, "skeleton_ratios", _difflib_ratios)
    assert index.links_by_position() == fast
    assert sum(r.relation == "spun_copy" for found in fast.values() for r in found) > 100


@pytest.mark.parametrize(
    ("n", "wordlist"), [(20_000, "small"), (28_000, "small"), (30_000, "best")]
)
def test_top_english_words_are_wordfreqs(n: int, wordlist: str) -> None:
    assert top_english_words(n) == wordfreq.top_n_list("en", n, wordlist=wordlist)
