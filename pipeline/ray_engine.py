"""``--engine ray``: the same scoring on Ray Data, one input file (shard) per task.

Each input file (a JSONL shard, or a ``.txt`` article) is read with the same readers and
scored by the same :class:`~pipeline.scoring.Scorer` as the local engine; an actor loads the
model once and writes one result shard per input shard, ``part-00000.jsonl`` ... in input
order, so concatenating the parts gives exactly the local run's records. Ray is an optional
extra (``pip install 'unspun[ray]'``); ``--ray-address`` (or ``RAY_ADDRESS``) points at an
existing cluster, otherwise a local one is started on this machine.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class RayUnavailable(RuntimeError):
    """Ray is not installed."""


@dataclass(frozen=True)
class RayRun:
    parts: list[Path]
    records: int
    errors: list[str]  # one message per unreadable input, in input order


class _ShardScorer:
    """A Ray Data actor: loads the model once, then scores whole shards."""

    def __init__(self, model_path: str, max_chars: int) -> None:
        from pipeline.runtime_model import load_runtime_model
        from pipeline.scoring import Scorer

        self.scorer = Scorer(load_runtime_model(Path(model_path)))
        self.max_chars = max_chars

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        from pipeline.io.readers import read_file
        from pipeline.io.writers import jsonl_line

        counts, errors = [], []
        for path, ident, out in zip(batch["path"], batch["ident"], batch["out"], strict=True):
            n, messages = 0, []
            with Path(out).open("w", encoding="utf-8") as handle:
                for record in self.scorer.records(read_file(Path(path), ident, self.max_chars)):
                    handle.write(jsonl_line(record))
                    n += 1
                    if record["error"] is not None:
                        messages.append(record["error"]["message"])
            counts.append(n)
            errors.append(json.dumps(messages))
        return {"out": list(batch["out"]), "records": counts, "errors": errors}


def score_on_ray(
    files: Sequence[tuple[Path, str]],
    output_dir: Path,
    model_path: Path,
    max_chars: int,
    jobs: int,
    address: str | None = None,
) -> RayRun:
    """Score every file on Ray, writing ``output_dir/part-NNNNN.jsonl`` in input order."""
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailable("--engine ray needs Ray: pip install 'unspun[ray]'") from exc
    output_dir.mkdir(parents=True, exist_ok=True)
    rows = [
        {"path": str(path), "ident": ident, "out": str(output_dir / f"part-{i:05d}.jsonl")}
        for i, (path, ident) in enumerate(files)
    ]
    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
        else:
            ray.init(
                num_cpus=jobs,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.execution_options.preserve_order = True
    dataset = ray.data.from_items(rows).map_batches(
        _ShardScorer,
        fn_constructor_kwargs={"model_path": str(model_path), "max_chars": max_chars},
        batch_size=1,
        concurrency=jobs,
        num_cpus=1,
    )
    results = {row["out"]: row for row in dataset.take_all()}
    parts = [Path(row["out"]) for row in rows]
    errors = [m for part in parts for m in json.loads(results[str(part)]["errors"])]
    return RayRun(parts, sum(int(results[str(p)]["records"]) for p in parts), errors)
