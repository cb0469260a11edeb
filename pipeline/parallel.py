"""Ordered, lazy fan-out of chunks of a stream over joblib worker processes (``--jobs``).

The workers are joblib's loky processes, started once and reused by every call here (joblib
keeps one executor per process), so what a worker loads or caches serves all later chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` consecutive items (the last one shorter), read lazily."""
    iterator = iter(items)
    return iter(lambda: list(islice(iterator, size)), [])


def map_chunks(
    work: Callable[..., list[R]],
    items: Iterable[T],
    jobs: int,
    chunk_size: int,
    *args: Any,
) -> Iterator[R]:
    """``work(*args, chunk)`` on chunks of ``items`` in ``jobs`` joblib processes (in this
    one for ``jobs`` <= 1), results flattened in input order. Input is consumed lazily
    (joblib dispatches a few chunks ahead, one more as each finishes), so memory stays flat
    however long the stream is. ``work`` must be importable by name (a module-level
    function)."""
    calls = ((*args, chunk) for chunk in chunked(items, chunk_size))
    return (result for results in map_ordered(work, calls, jobs) for result in results)


def map_ordered(
    work: Callable[..., R], calls: Iterable[tuple[Any, ...]], jobs: int, ahead: int = 0
) -> Iterator[R]:
    """``work(*call)`` for each of ``calls`` in ``jobs`` joblib processes (in this one for
    ``jobs`` <= 1), results in order; ``calls`` is read as workers need tasks.

    With ``ahead`` > 0 (and ``jobs`` > 1) the first ``ahead`` calls are read and handed to
    the workers now, the rest from the first request for a result on: the workers work on
    those while the caller does something else in between (links the batch), and at most
    ``ahead`` results wait for it."""
    calls = iter(calls)
    if jobs <= 1:
        return (work(*call) for call in calls)
    head = _ordered(work, islice(calls, ahead), jobs, "all") if ahead > 0 else iter(())
    return _then(head, lambda: _ordered(work, calls, jobs, "2*n_jobs"))


def _then(head: Iterator[R], rest: Callable[[], Iterator[R]]) -> Iterator[R]:
    """The head's results, then the rest's. The rest is dispatched on the first request
    (its tasks queue behind the head's, so the workers go on from one to the other),
    after the head's calls were all read."""
    started = rest()
    yield from head
    yield from started


def _ordered(
    work: Callable[..., R], calls: Iterable[tuple[Any, ...]], jobs: int, pre_dispatch: str
) -> Iterator[R]:
    """Results of ``work(*call)`` in order from ``jobs`` workers; the first
    ``pre_dispatch`` calls go out now (joblib's generator starts dispatching on the call),
    one more as each finishes. No pool (nor joblib's import time) without calls."""
    calls = iter(calls)
    first = next(calls, None)
    if first is None:
        return iter(())
    from joblib import Parallel, delayed  # not needed (nor its import time) for --jobs 1

    task = delayed(work)
    parallel = Parallel(n_jobs=jobs, return_as="generator", pre_dispatch=pre_dispatch, batch_size=1)
    output: Iterator[R] = parallel(task(*call) for call in chain((first,), calls))
    return output


def on_each_worker(jobs: int, work: Callable[..., R], *args: Any) -> list[R]:
    """``work(*args)`` in each of the ``jobs`` workers, started now if they are not running:
    what they load then (a model) is ready before the first chunk, and a worker's error is
    raised here. (joblib hands each idle worker one task; a worker that is up first could
    take two, the other one then loads on its first chunk.)"""
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=jobs, batch_size=1)
    results: list[R] = parallel(delayed(work)(*args) for _ in range(jobs))
    return results
