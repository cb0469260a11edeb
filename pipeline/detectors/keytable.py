"""Values of integer keys looked up a batch at a time: an open-addressing hash table held
in numpy arrays (:class:`KeyTable`), the one both detectors that look up numbers use.

Spin looks up a batch's ~85,000 word pairs by ``left id * size + right id`` in tables built
once from the model (bigram counts, thesaurus gains); readability looks up a batch's short
tokens, each packed into one integer, in a table that grows with the tokens a feed brings.
As a dict that is a Python call per key, as a binary search in sorted keys ~17 random reads
per key; here a key reads about one random slot, in a few numpy passes for all keys at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

_EMPTY = np.uint64(0xFFFF_FFFF_FFFF_FFFF)  # a free slot (keys are below 2 ** 63)
_EMPTY32 = 0xFFFF_FFFF  # ... of a table whose keys all fit 32 bits
_FIBONACCI = np.uint64(0x9E37_79B9_7F4A_7C15)  # 2 ** 64 / golden ratio: spreads close keys
_SPARE = 16  # free slots added at the end when an added key's probe reaches it


class KeyTable:
    """Values of non-negative integer keys (below ``2 ** 63``), looked up many at once:
    open addressing (Fibonacci hashing, linear probing, at most a third full) probed with
    numpy, a round per probe over the queries still unresolved. Probes run past the end into
    spare slots rather than wrap; the last slot is always free, so every probe ends.

    Built from ``keys`` at once, the table is laid out with one sort: keys in order of their
    home slot, each in the first free slot from there; of keys with one home slot those of a
    higher ``priority`` (spin: a pair's count, the pairs most often looked up) come first.
    :meth:`add` then puts new keys in the first free slot from their home, a round per probe
    again, and lays the whole table out anew, for twice its keys, before it would be more
    than a third full.

    Keys are kept in 32 bits while they all fit and values in their own type (the smaller
    the table, the fewer of its reads miss the cache); :meth:`get` gives values as ``dtype``
    and ``missing`` for a key not in the table (a free slot holds ``missing``, so a probe
    ending there reads it)."""

    def __init__(
        self,
        keys: npt.NDArray[Any],
        values: npt.NDArray[Any],
        priority: npt.NDArray[Any] | None = None,
        *,
        missing: float = 0,
        dtype: npt.DTypeLike = np.float64,
    ) -> None:
        values = np.asarray(values)
        self._missing = np.array(missing).astype(values.dtype)[()]
        if self._missing != missing:
            raise ValueError(f"KeyTable: missing value {missing} is not a {values.dtype}")
        self._dtype = np.dtype(dtype)
        self._lay_out(np.asarray(keys).astype(np.uint64), values, priority, len(keys))

    def _lay_out(
        self,
        keys: npt.NDArray[np.uint64],
        values: npt.NDArray[Any],
        priority: npt.NDArray[Any] | None,
        room: int,
    ) -> None:
        """The table of ``keys`` (with their ``values``), sized for ``room`` keys."""
        ordered = keys if (keys[1:] > keys[:-1]).all() else np.sort(keys)  # (np.unique: slower)
        if (ordered[1:] == ordered[:-1]).any() or (len(keys) and int(ordered[-1]) >= 1 << 63):
            raise ValueError("KeyTable: keys must be distinct and below 2 ** 63")
        small = not len(keys) or int(ordered[-1]) < _EMPTY32
        self._empty = _EMPTY32 if small else _EMPTY
        self._bits = max((3 * room).bit_length(), 4)
        self._shift = np.uint64(64 - self._bits)
        home = self._home(keys)
        # By home, then priority: one sort of one number (lexsort is slow)
        tie = np.zeros(len(keys), dtype=np.int64)
        if priority is not None and len(keys):
            p = np.asarray(priority)
            if p.dtype == np.uint16:
                tie = (~p).astype(np.int64)
            else:
                tie[np.argsort(-p.astype(np.float64), kind="stable")] = np.arange(len(keys))
        order = np.argsort(home * (int(tie.max(initial=0)) + 1) + tie)
        # Slot of the i-th key in that order: its home, or one past the (i-1)-th key's slot.
        step = np.arange(len(keys))
        slot = np.maximum.accumulate(home.take(order) - step) + step if len(keys) else step
        size = max(1 << self._bits, int(slot[-1]) + 1 if len(keys) else 0) + 1  # last one free
        self._keys = np.full(size, self._empty, dtype=np.uint32 if small else np.uint64)
        self._keys[slot] = keys.take(order).astype(self._keys.dtype)
        self._values = np.full(size, self._missing, dtype=values.dtype)
        self._values[slot] = values.take(order)
        self._count = len(keys)

    def __len__(self) -> int:
        return self._count

    def _home(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
        home: npt.NDArray[np.intp] = ((keys * _FIBONACCI) >> self._shift).astype(np.intp)
        return home

    def get(self, queries: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """The value of each query key (as ``dtype``), ``missing`` where it is absent."""
        q = np.asarray(queries)
        wide = q.astype(np.uint64)
        slot = self._home(wide)
        # Compared in the table's type where every query fits it (one that equals the free
        # slot's mark stops at a free slot: it reads ``missing``).
        if self._keys.dtype == np.uint32 and (not len(q) or int(wide.max()) <= _EMPTY32):
            q = wide.astype(np.uint32)
        else:
            q = wide
        keys, empty = self._keys, self._empty
        found = keys.take(slot)
        pending = np.flatnonzero((found != q) & (found != empty))
        while len(pending):  # a key further along the probe sequence, or the free slot ending it
            at = slot.take(pending) + 1
            slot[pending] = at
            key = keys.take(at)
            pending = pending[(key != q.take(pending)) & (key != empty)]
        out = self._values.take(slot)
        return out if out.dtype == self._dtype else out.astype(self._dtype)

    def add(self, keys: npt.NDArray[Any], values: npt.NDArray[Any]) -> None:
        """Add ``keys`` (distinct, none of them in the table, below ``2 ** 63``) with their
        ``values``."""
        new = np.asarray(keys).astype(np.uint64)
        if not len(new):
            return
        values = np.asarray(values)
        count = self._count + len(new)
        highest = int(new.max())
        if highest >= 1 << 63:
            raise ValueError("KeyTable: keys must be below 2 ** 63")
        if 3 * count < 1 << self._bits and (self._keys.dtype == np.uint64 or highest < _EMPTY32):
            self._insert(new, values.astype(self._values.dtype))
            return
        held = self._keys != self._empty
        old_keys = self._keys[held].astype(np.uint64)
        both = np.concatenate([self._values[held], values.astype(self._values.dtype)])
        self._lay_out(np.concatenate([old_keys, new]), both, None, 2 * count)

    def _insert(self, keys: npt.NDArray[np.uint64], values: npt.NDArray[Any]) -> None:
        """Each key in the first free slot from its home: a round per probe; of the keys
        at one free slot, the first takes it."""
        slot = self._home(keys)
        while len(keys):
            past = int(slot.max()) + 2 - len(self._keys)
            if past > 0:  # keep the last slot free
                spare = past + _SPARE
                self._keys = np.append(self._keys, np.full(spare, self._empty, self._keys.dtype))
                self._values = np.append(self._values, np.full(spare, self._missing))
            order = np.argsort(slot, kind="stable")
            ordered = slot.take(order)
            first = np.ones(len(keys), dtype=np.bool_)
            first[1:] = ordered[1:] != ordered[:-1]
            taken = np.zeros(len(keys), dtype=np.bool_)
            taken[order[first]] = True
            taken &= self._keys.take(slot) == self._empty
            at = slot[taken]
            self._keys[at] = keys[taken]
            self._values[at] = values[taken]
            self._count += len(at)
            rest = ~taken
            keys, values, slot = keys[rest], values[rest], slot[rest]
            if (self._keys.take(slot) == keys).any():  # a key met itself
                raise ValueError("KeyTable: an added key twice, or one already in the table")
            slot += 1
