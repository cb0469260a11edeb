"""A feed scored in one pass: chunks of items scored in order, in this process or in forked
workers (``--jobs``). With related links, this process fingerprints each chunk as it hands
it out, links the whole feed once it is read (while the workers score its last chunks),
and the records wait in a spool file until then; memory holds the fingerprints, not the
records.
"""

from __future__ import annotations

import gc
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any

from pipeline.article import Article, ReadError, Related
from pipeline.io.writers import jsonl_line
from pipeline.parallel import chunked, map_ordered
from pipeline.runtime_model import ANALYZE_BATCH, load_runtime_model
from pipeline.scoring import Scorer

# A record as a dict, or (for jsonl output) a scored article's finished jsonl line: made
# where the article is scored (a string pickles back from a worker cheaper than the dict).
Record = dict[str, Any] | str
Items = list[Article | ReadError]

# Items per task: one analysis batch (~0.2 s of a worker's time; a smaller one costs more
# per article, a larger one leaves the other workers idle longer at the end).
CHUNK = ANALYZE_BATCH


@dataclass(frozen=True)
class ScoredChunk:
    """A chunk's records: those of its items after the feed's ``skip``."""

    size: int  # items in the chunk
    records: list[Record]


# The scorer of each process, by model path: put here by the main process before its
# workers fork, so that they share it; a spawned worker loads it on its first task.
_SCORERS: dict[str, Scorer] = {}


def _scorer(model_key: str) -> Scorer:
    scorer = _SCORERS.get(model_key)
    if scorer is None:
        scorer = _SCORERS[model_key] = Scorer(load_runtime_model(Path(model_key)))
    return scorer


def score_chunk(model_key: str, lines: bool, start: int, skip: int, chunk: Items) -> ScoredChunk:
    """The records of ``chunk`` (items ``start``... of the feed) past the first ``skip``
    items of the feed, scored articles as jsonl lines with ``lines``."""
    records: list[Record] = []
    for record in _scorer(model_key).records(chunk[max(skip - start, 0) :]):
        records.append(jsonl_line(record) if lines and record["error"] is None else record)
    return ScoredChunk(len(chunk), records)


def score_feed(
    items: Iterable[Article | ReadError],
    scorer: Scorer,
    model_path: Path,
    jobs: int = 1,
    *,
    skip: int = 0,
    lines: bool = False,
    related: bool = True,
    advance: Callable[[int], object] | None = None,
) -> Iterator[Record]:
    """One record per item after the first ``skip``, in input order: read errors as error
    records, scored articles as dicts or, with ``lines``, as their jsonl lines.

    ``scorer`` scores in this process and in the workers forked from it (spawned workers
    load ``model_path``). With ``related``, every record gets the links of its article
    within the whole feed (skipped items included), and records come out once the feed is
    linked. ``advance(n)`` is told of each chunk of ``n`` items read and scored (skipped
    items included)."""
    model_key = str(model_path)
    _SCORERS[model_key] = scorer
    if jobs > 1:
        # Frozen, the model's objects are not traversed by the workers' collections, so
        # their pages stay shared with this process.
        gc.freeze()
    chunks = chunked(items, CHUNK)
    head = list(islice(chunks, 2))
    linker = None
    if related and (len(head) > 1 or sum(isinstance(i, Article) for i in chain(*head)) > 1):
        from pipeline.related import BatchLinker

        linker = BatchLinker()  # loads wordfreq's words: only for a feed of two articles
    links: dict[int, list[Related]] = {}

    def calls() -> Iterator[tuple[str, bool, int, int, Items]]:
        start = 0
        for chunk in chain(head, chunks):
            if linker is not None:
                rows = [
                    (start + i, a.id, a.text) for i, a in enumerate(chunk) if isinstance(a, Article)
                ]
                linker.add(rows)
            yield model_key, lines, start, skip, chunk
            start += len(chunk)
        if linker is not None:  # all read: linked while the workers score the last chunks
            links.update(linker.links())

    results = map_ordered(score_chunk, calls(), jobs)
    if advance is not None:
        results = _advancing(results, advance)
    if linker is None:
        return (record for result in results for record in result.records)
    return _linked(results, links, skip, lines)


def _advancing(
    results: Iterable[ScoredChunk], advance: Callable[[int], object]
) -> Iterator[ScoredChunk]:
    for result in results:
        advance(result.size)
        yield result


def _linked(
    results: Iterable[ScoredChunk], links: dict[int, list[Related]], skip: int, lines: bool
) -> Iterator[Record]:
    """The chunks' records with their ``links`` (by item position, filled in once the last
    chunk was handed out): spooled as jsonl lines, then read back with them."""
    from pipeline.related import link_dicts

    errors = bytearray()  # per record: 1 for a read error's record
    with tempfile.TemporaryFile(
        "w+", encoding="utf-8", errors="surrogatepass", newline="\n"
    ) as spool:
        for result in results:
            for record in result.records:
                if isinstance(record, str):
                    errors.append(0)
                    spool.write(record)
                else:
                    errors.append(record["error"] is not None)
                    spool.write(jsonl_line(record))
        spool.seek(0)
        for position, (line, error) in enumerate(zip(spool, errors, strict=True), start=skip):
            found = links.get(position)
            if error:
                yield json.loads(line)
            elif lines:
                yield with_related(line, link_dicts(found)) if found else line
            else:
                scored = json.loads(line)
                scored["related"] = link_dicts(found or ())
                yield scored


# How a scored article's jsonl line ends before its links are known (see with_related).
_EMPTY_TAIL = jsonl_line({"related": [], "error": None})[1:]


def with_related(line: str, links: list[dict[str, Any]]) -> str:
    """A scored article's jsonl line made with ``"related": []``, with ``links`` instead.

    ``related`` and ``error`` are a record's last fields, so the tail of the line is
    re-encoded alone; a line that does not end as expected is decoded and encoded whole
    (the same bytes, slower)."""
    if line.endswith(_EMPTY_TAIL):
        return line[: -len(_EMPTY_TAIL)] + jsonl_line({"related": links, "error": None})[1:]
    record = json.loads(line)
    record["related"] = links
    return jsonl_line(record)
