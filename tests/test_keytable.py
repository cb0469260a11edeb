"""The detectors' numpy hash table finds what a dict of its keys finds: built at once (spin)
or grown batch by batch (readability), with 32- and 64-bit keys, crowded and sparse."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from pipeline.detectors.keytable import KeyTable
from pipeline.detectors.readability_tokens import split_batch
from pipeline.training.sources import bbc_articles


def _dict_look_up(
    keys: npt.NDArray[np.int64], values: npt.NDArray[np.generic], queries: npt.NDArray[np.int64]
) -> list[float]:
    """The reference: a dict of the keys, ``missing`` 0."""
    table = dict(zip(keys.tolist(), values.tolist(), strict=True))
    return [float(table.get(q, 0)) for q in queries.tolist()]


@pytest.mark.parametrize("high", [1 << 16, 1 << 31, (1 << 32) - 1, 1 << 50, 1 << 63])
def test_built_table_finds_what_a_dict_finds(high: int) -> None:
    """Keys of 32 and 64 bits, with and without a priority, among absent queries, the free
    slot's marks, negative queries and keys past 32 bits in a 32-bit table."""
    rng = np.random.default_rng(high % 1000)
    keys = np.unique(rng.integers(0, high, 5000, dtype=np.int64))
    rng.shuffle(keys)
    values = rng.integers(1, 65_535, len(keys)).astype(np.uint16)
    queries = np.concatenate(
        [keys, keys[::3], rng.integers(0, high, 4000, dtype=np.int64), [0, 0xFFFF_FFFF, -1, -5]]
    )
    if high < 1 << 32:
        queries = np.concatenate([queries, keys[:50] + (1 << 32)])  # 32-bit table, wider queries
    rng.shuffle(queries)
    want = _dict_look_up(keys, values, queries)
    for priority in (None, values, values.astype(np.float64)):
        table = KeyTable(keys, values, priority)
        assert len(table) == len(keys)
        got = table.get(queries)
        assert got.dtype == np.float64 and got.tolist() == want
        assert table.get(queries[queries >= 0].astype(np.uint64)).tolist() == [
            w for q, w in zip(queries.tolist(), want, strict=True) if q >= 0
        ]
    assert KeyTable(keys[:0], values[:0]).get(queries).tolist() == [0.0] * len(queries)
    assert KeyTable(keys, values).get(queries[:0]).tolist() == []


def test_table_gives_values_as_told_and_missing_as_told() -> None:
    keys = np.array([5, 1 << 40, 7], dtype=np.int64)
    values = np.array([10, 20, 30], dtype=np.int64)
    table = KeyTable(keys, values, missing=-1, dtype=np.int64)
    got = table.get(np.array([7, 6, 1 << 40, 5, 0, 0xFFFF_FFFF_FFFF, -1]))
    assert got.dtype == np.int64 and got.tolist() == [30, -1, 20, 10, -1, -1, -1]
    gains = KeyTable(keys, np.array([0.5, 1.5, 2.5]))
    assert gains.get(np.array([7, 8])).tolist() == [2.5, 0.0]


def test_growing_table_finds_what_a_dict_finds() -> None:
    """From empty, batches of new keys of 64 and 32 bits, laid out anew several times,
    probes running into the spare slots at the end; absent keys read ``missing``."""
    rng = np.random.default_rng(0)
    for high in (1 << 62, 1 << 20):
        keys = np.unique(rng.integers(1, high, 30_000))
        rng.shuffle(keys)
        values = rng.integers(0, 1 << 40, len(keys))
        table = KeyTable(np.empty(0, np.int64), np.empty(0, np.int64), missing=-1, dtype=np.int64)
        reference: dict[int, int] = {}
        added = 0
        for size in (1, 7, 100, 3000, 1, 20_000, 0, 9000):
            batch, batch_values = keys[added : added + size], values[added : added + size]
            table.add(batch, batch_values)
            reference.update(zip(batch.tolist(), batch_values.tolist(), strict=True))
            added += len(batch)
            assert len(table) == len(reference) == added
            queries = np.concatenate([keys, [0, -1, 1 << 62]])
            want = [reference.get(q, -1) for q in queries.tolist()]
            assert table.get(queries).tolist() == want
    # Neighbouring keys crowd one stretch of slots; the table's end.
    crowded = KeyTable(np.empty(0, np.int64), np.empty(0, np.int64), missing=-1, dtype=np.int64)
    near = np.arange(1, 6, dtype=np.int64)
    crowded.add(near, near * 10)
    assert crowded.get(np.arange(0, 9, dtype=np.int64)).tolist() == [
        -1,
        10,
        20,
        30,
        40,
        50,
        -1,
        -1,
        -1,
    ]
    probe = KeyTable(np.arange(22), np.zeros(22))  # 128 home slots
    home = probe._home(np.arange(1, 20_000, dtype=np.uint64))
    early = np.flatnonzero(home < 100)[:22] + 1
    last = np.flatnonzero(home == 127)[:6] + 1  # keys at the last home slot
    end = KeyTable(early, np.ones(22))
    end.add(last[:5], np.arange(2.0, 7.0))  # the probes run past the end
    assert end.get(np.concatenate([early, last])).tolist() == [1.0] * 22 + [2, 3, 4, 5, 6, 0]


def test_growing_table_on_news_tokens_is_a_dict_of_them() -> None:
    """Readability's use: the packed short tokens of BBC articles, batch by batch, each
    batch's new ones added (the value: the token's first position)."""
    texts = [a.text for a in bbc_articles()[:600]]
    table = KeyTable(np.empty(0, np.int64), np.empty(0, np.int64), missing=-1, dtype=np.int64)
    reference: dict[int, int] = {}
    seen = 0
    for start in range(0, len(texts), 100):
        keys = split_batch(texts[start : start + 100]).key
        keys = keys[keys != 0]
        got = table.get(keys)
        assert got.tolist() == [reference.get(k, -1) for k in keys.tolist()]
        new = list(dict.fromkeys(k for k in keys.tolist() if k not in reference))
        positions = np.arange(seen, seen + len(new))
        table.add(np.array(new, dtype=np.int64), positions)
        reference.update(zip(new, positions.tolist(), strict=True))
        seen += len(new)
    assert len(table) == len(reference) > 10_000


def test_bad_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="distinct"):
        KeyTable(np.array([3, 3]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="below"):
        KeyTable(np.array([1 << 63], dtype=np.uint64), np.array([1.0]))
    with pytest.raises(ValueError, match="missing"):
        KeyTable(np.array([1]), np.array([1], dtype=np.uint16), missing=-1)
    table = KeyTable(np.array([1, 2]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="already"):
        table.add(np.array([5, 2]), np.array([5.0, 2.0]))
    with pytest.raises(ValueError, match="twice"):
        KeyTable(np.array([1]), np.array([1.0])).add(np.array([9, 9]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="below"):
        table.add(np.array([1 << 63], dtype=np.uint64), np.array([1.0]))
