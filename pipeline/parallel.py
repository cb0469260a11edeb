"""Ordered, lazy fan-out of chunks of a stream over worker processes (``--jobs``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_chunks(
    work: Callable[..., list[R]],
    items: Iterable[T],
    jobs: int,
    chunk_size: int,
    *args: Any,
) -> Iterator[R]:
    """``work(*args, chunk)`` on chunks of ``items`` in ``jobs`` joblib processes (in this
    one for ``jobs`` <= 1), results flattened in input order. Input is consumed lazily
    (joblib dispatches a few chunks ahead), so memory stays flat however long the stream is.
    ``work`` must be importable by name (a module-level function)."""
    iterator = iter(items)
    chunks = iter(lambda: list(islice(iterator, chunk_size)), [])
    if jobs <= 1:
        for chunk in chunks:
            yield from work(*args, chunk)
        return
    from joblib import Parallel, delayed  # not needed (nor its import time) for --jobs 1

    parallel = Parallel(n_jobs=jobs, return_as="generator", pre_dispatch="2*n_jobs")
    for results in parallel(delayed(work)(*args, chunk) for chunk in chunks):
        yield from results
