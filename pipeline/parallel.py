"""Ordered, lazy fan-out of a stream of tasks over worker processes (``--jobs``).

The workers are forked from this process where the platform can fork (Linux), so what this
process loaded before the first task (the model) is theirs, shared
copy-on-write: a worker imports and unpickles nothing. joblib's loky workers are fresh
interpreters that each import the package and load the model (~1 s of CPU each, a fifth of
scoring a 5,000-article feed on two cores), and its forking backend cannot stream results,
so the pool is the standard library's. Where there is no fork the workers are spawned, and
a task must load what it needs itself (see ``pipeline.feed``).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Tasks in flight per worker: one being worked on and the rest waiting, so a worker never
# idles between two. With chunks of 256 articles, 8 a worker are ~1 s of its work: what the
# workers still have to do once the feed is all read, while this process links it. At most
# this many results wait to be read in order (a few MB).
TASKS_PER_WORKER = 8


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` consecutive items (the last one shorter), read lazily."""
    iterator = iter(items)
    return iter(lambda: list(islice(iterator, size)), [])


def map_ordered(work: Callable[..., R], calls: Iterable[tuple[Any, ...]], jobs: int) -> Iterator[R]:
    """``work(*call)`` for each of ``calls``, results in order: in this process for ``jobs``
    <= 1, else in ``jobs`` worker processes, forked on the first call.

    ``calls`` is read as workers need tasks (at most ``TASKS_PER_WORKER`` each in flight),
    so memory stays flat however long the stream is. ``work`` must be importable by name
    (a module-level function) for platforms that spawn."""
    if jobs <= 1:
        return (work(*call) for call in calls)
    return _ordered(work, iter(calls), jobs)


def _ordered(work: Callable[..., R], calls: Iterator[tuple[Any, ...]], jobs: int) -> Iterator[R]:
    first = next(calls, None)
    if first is None:
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        pending: deque[Future[R]] = deque([pool.submit(work, *first)])
        try:
            for call in calls:
                pending.append(pool.submit(work, *call))
                if len(pending) >= TASKS_PER_WORKER * jobs:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:  # the reader stopped early (or a task failed): drop what is still queued
            for future in pending:
                future.cancel()
