"""Articles in, records out: detectors -> features -> model -> verdict, in batches."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np

from pipeline.article import Article, Finding, ReadError, ScoredArticle, error_record
from pipeline.detectors.base import single_threaded_blas
from pipeline.io.writers import jsonl_line
from pipeline.parallel import chunked, map_ordered, on_each_worker
from pipeline.runtime_model import (
    ANALYZE_BATCH,
    RuntimeModel,
    analyze_batch,
    load_runtime_model,
    vector,
)

if TYPE_CHECKING:
    from pipeline.model import ReliabilityModel

Verdict = Literal["reliable", "suspect", "unreliable"]
# A record as a dict, or (from a worker, for jsonl output) already its jsonl line.
Record = dict[str, Any] | str
Items = list[Article | ReadError]


def resolve(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in text order; where two detectors flag the very same span (a comment-form
    line is both junk and unrelated to the story), the more confident kind wins."""
    best: dict[tuple[int, int], Finding] = {}
    spin: list[Finding] = []
    for finding in findings:
        if finding.kind == "spin":
            spin.append(finding)
            continue
        key = (finding.start, finding.end)
        if key not in best or finding.score > best[key].score:
            best[key] = finding
    return sorted([*spin, *best.values()], key=lambda f: (f.start, f.end, f.kind))


class Scorer:
    """Scores articles with one loaded model (the compiled runtime model; a scikit-learn
    :class:`~pipeline.model.ReliabilityModel` predicts the same, slower); batching amortises
    the classifier calls."""

    def __init__(
        self, model: RuntimeModel | ReliabilityModel, batch_size: int = ANALYZE_BATCH
    ) -> None:
        self.model = model
        self.batch_size = batch_size

    def score_batch(self, articles: list[Article]) -> list[ScoredArticle]:
        if not articles:
            return []
        analyses = analyze_batch(self.model.features.detectors, [a.text for a in articles])
        X = np.vstack([vector(detections) for detections in analyses])
        with single_threaded_blas():
            reliability = self.model.reliability(X)
            signals = self.model.signals(X)
        scored = []
        for i, (article, detections) in enumerate(zip(articles, analyses, strict=True)):
            findings = resolve(f for d in detections for f in d.findings)
            r = float(reliability[i])
            scored.append(
                ScoredArticle(
                    id=article.id,
                    source=article.source,
                    reliability=r,
                    verdict=cast(Verdict, self.model.verdict(r)),
                    signals={name: float(values[i]) for name, values in signals.items()},
                    findings=findings,
                    text=article.text if article.extracted else None,
                )
            )
        return scored

    def score(self, article: Article) -> ScoredArticle:
        return self.score_batch([article])[0]

    def records(self, items: Iterable[Article | ReadError]) -> Iterator[dict[str, Any]]:
        """One record per input item, in input order; read errors pass through as records."""
        iterator = iter(items)
        while chunk := list(islice(iterator, self.batch_size)):
            articles = [item for item in chunk if isinstance(item, Article)]
            scored = iter(self.score_batch(articles))
            for item in chunk:
                if isinstance(item, ReadError):
                    yield error_record(item)
                else:
                    yield next(scored).to_record()


# One scorer per worker process, loaded on its first task and kept for the next ones
# (joblib's loky workers are reused), so a model is unpickled once per worker, not per chunk.
_WORKER_SCORERS: dict[str, Scorer] = {}


def _worker_scorer(model_path: str) -> Scorer:
    scorer = _WORKER_SCORERS.get(model_path)
    if scorer is None:
        scorer = _WORKER_SCORERS[model_path] = Scorer(load_runtime_model(Path(model_path)))
        # loky runs gc.collect() after a task (when a second has passed since the last);
        # frozen, the model's objects are not traversed each time (~15 ms a task).
        gc.freeze()
    return scorer


def _load_in_worker(model_path: str) -> None:
    _worker_scorer(model_path)


def _score_chunk(
    model_path: str, lines: bool, related: list[list[dict[str, Any]]] | None, chunk: Items
) -> list[Record]:
    """A chunk's records; with ``lines``, a scored article's as its finished jsonl line
    (made here, in the worker: a string pickles back cheaper than the dict), with
    ``related`` (each item's links) in, or ``[]`` for the main process to fill in."""
    records = _worker_scorer(model_path).records(chunk)
    if not lines:
        return list(records)
    out: list[Record] = []
    for i, record in enumerate(records):
        if record["error"] is not None:
            out.append(record)
            continue
        if related is not None:
            record["related"] = related[i]
        out.append(jsonl_line(record))
    return out


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


def start_workers(model_path: Path, jobs: int) -> None:
    """Start the ``jobs`` worker processes and load the model in each now, while the main
    process has other things to do; raises :class:`~pipeline.artifacts.ModelError` (from a
    worker) when the model cannot be loaded."""
    on_each_worker(jobs, _load_in_worker, str(model_path))


# Articles per worker task: one analysis batch (~0.3 s of work; a smaller batch costs more
# per article, a larger one leaves the other worker idle longer at the end).
PARALLEL_CHUNK = ANALYZE_BATCH
# Chunks per worker handed out before the batch is linked (the main process links while
# they are scored): ~1 s of a worker's time; their lines wait for the links in memory.
EARLY_CHUNKS_PER_JOB = 8


def records_parallel(
    items: Iterable[Article | ReadError],
    model_path: Path,
    jobs: int,
    chunk_size: int | None = None,
    *,
    related: Callable[[int], list[dict[str, Any]]] | None = None,
    ahead: int = 0,
) -> Iterator[Record]:
    """Like :meth:`Scorer.records` on ``jobs`` processes, records still in input order.

    With ``related`` (the ``related`` field of the item at an index of ``items``), a
    scored article's record comes as its finished jsonl line (a ``str``), so the main
    process only writes it; read errors stay dicts. The first ``ahead`` chunks are handed
    to the workers at once, before ``related`` is asked anything (the caller links the
    batch meanwhile); their lines get their links when they are read from here.

    Input is consumed lazily (:func:`pipeline.parallel.map_ordered`), so memory stays flat
    however long the feed is.
    """
    path, size, lines = str(model_path), chunk_size or PARALLEL_CHUNK, related is not None

    def calls() -> Iterator[tuple[str, bool, list[list[dict[str, Any]]] | None, Items]]:
        start = 0
        for n, chunk in enumerate(chunked(items, size)):
            links = None
            if related is not None and n >= ahead:
                links = [related(start + i) for i in range(len(chunk))]
            yield path, lines, links, chunk
            start += len(chunk)

    chunks = map_ordered(_score_chunk, calls(), jobs, ahead)  # the first ones go out now
    return _linked(chunks, related, ahead, size)


def _linked(
    chunks: Iterable[list[Record]],
    related: Callable[[int], list[dict[str, Any]]] | None,
    ahead: int,
    size: int,
) -> Iterator[Record]:
    """The records of ``chunks``, the first ``ahead`` chunks' lines with their links."""
    for n, records in enumerate(chunks):
        if related is None or n >= ahead:
            yield from records
            continue
        for i, record in enumerate(records, start=n * size):
            if isinstance(record, str) and (links := related(i)):
                record = with_related(record, links)
            yield record
