"""The ``unspun`` command line (contract: ../shared/contract/README.md)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import Enum
from itertools import islice
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from pipeline.article import Article, ReadError
from pipeline.config import load_settings
from pipeline.io.output import open_for_resume
from pipeline.io.readers import STDIN, InputPathError, check_paths, input_files, read_inputs
from pipeline.io.writers import RecordWriter
from pipeline.model import DEFAULT_MODEL, ModelError, ReliabilityModel, load_model
from pipeline.scoring import Scorer, records_parallel

app = typer.Typer(
    name="unspun",
    help="Spin, off-topic and boilerplate detection for scraped news, with a reliability score.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


class OutputFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    table = "table"


class GateFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


class Engine(str, Enum):
    local = "local"
    ray = "ray"


PathsArg = Annotated[
    list[str], typer.Argument(help="Files, folders (recursive) or - (JSONL on stdin).")
]
ModelOpt = Annotated[
    Path | None,
    typer.Option("--model", help="Model file (default: the shipped models/unspun.joblib)."),
]


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print a one-line error to stderr and return the exit to raise."""
    typer.echo(f"unspun: {message}", err=True)
    return typer.Exit(code)


def _load(model_path: Path | None) -> ReliabilityModel:
    try:
        return load_model(model_path)
    except ModelError as exc:
        raise fail(str(exc)) from None


def _report_errors(records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Pass records through, printing one stderr line per unreadable input."""
    for record in records:
        if record["error"] is not None:
            typer.echo(f"unspun: {record['error']['message']}", err=True)
        yield record


def _records(
    paths: list[str],
    model: ReliabilityModel,
    model_path: Path | None = None,
    jobs: int = 1,
    skip: int = 0,
    progress: Progress | None = None,
) -> Iterator[dict[str, Any]]:
    """Records for every input item after the first ``skip``, in input order."""
    items: Iterable[Article | ReadError] = read_inputs(paths, load_settings().input.max_chars)
    if skip:
        items = islice(items, skip, None)
    if jobs > 1:
        records = records_parallel(items, model_path or DEFAULT_MODEL, jobs)
    else:
        records = Scorer(model).records(items)
    task = progress.add_task("scoring", total=None) if progress is not None else None
    for record in _report_errors(records):
        if progress is not None and task is not None:
            progress.advance(task)
        yield record


class _RateColumn(ProgressColumn):
    """Articles per second (rich's speed column counts bytes)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} articles/s")


@contextmanager
def _progress(quiet: bool) -> Iterator[Progress | None]:
    """A progress bar with rate on stderr when it is a terminal; nothing otherwise."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} articles"),
        _RateColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield progress


@contextmanager
def _output(path: Path | None, resume: bool) -> Iterator[tuple[IO[str], int]]:
    """Where records go, and how many complete records a resumed file already holds."""
    if path is None:
        yield sys.stdout, 0
        return
    try:
        if resume:
            handle, done = open_for_resume(path)
        else:
            handle, done = path.open("w", encoding="utf-8", buffering=1), 0
    except OSError as exc:
        raise fail(f"{path}: cannot write: {exc.strerror or exc}") from None
    with handle:
        yield handle, done


@app.command()
def score(
    paths: PathsArg,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="Record format.")
    ] = OutputFormat.jsonl,
    output: Annotated[Path | None, typer.Option("--output", help="Write records here.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="Worker processes.")] = 1,
    model_path: ModelOpt = None,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Continue --output after its last complete record."),
    ] = False,
    engine: Annotated[Engine, typer.Option("--engine", help="Where to run.")] = Engine.local,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    ray_address: Annotated[
        str | None,
        typer.Option("--ray-address", envvar="RAY_ADDRESS", help="Ray cluster (default: local)."),
    ] = None,
) -> None:
    """Score articles: one record per article, in input order."""
    if engine is Engine.ray:
        _score_on_ray(paths, output, jobs, model_path, resume, fmt, ray_address)
    if resume and (output is None or fmt is not OutputFormat.jsonl):
        raise fail("--resume needs --output FILE and --format jsonl")
    try:
        check_paths(paths)
    except InputPathError as exc:
        raise fail(str(exc)) from None
    model = _load(model_path)
    n_records = n_errors = 0
    with _output(output, resume) as (out, done), _progress(quiet) as progress:
        writer = RecordWriter(out, fmt.value)
        for record in _records(paths, model, model_path, jobs, done, progress):
            writer.write(record)
            n_records += 1
            n_errors += record["error"] is not None
        writer.close()
    if n_records + done == 0:
        raise fail("no input: no .txt or .jsonl articles under the given paths")
    raise typer.Exit(EXIT_SOME_FAILED if n_errors else EXIT_OK)


def _score_on_ray(
    paths: list[str],
    output: Path | None,
    jobs: int,
    model_path: Path | None,
    resume: bool,
    fmt: OutputFormat,
    address: str | None,
) -> None:
    """``score --engine ray``: result shards ``part-NNNNN.jsonl`` in ``--output`` DIR."""
    from pipeline.ray_engine import RayUnavailable, score_on_ray

    if output is None or STDIN in paths or resume or fmt is not OutputFormat.jsonl:
        raise fail("--engine ray needs --output DIR, file or folder inputs, jsonl, no --resume")
    try:
        check_paths(paths)
    except InputPathError as exc:
        raise fail(str(exc)) from None
    _load(model_path)  # refuse a bad model here, with its message, before starting Ray
    files = list(input_files(paths))
    if not files:
        raise fail("no input: no .txt or .jsonl articles under the given paths")
    try:
        run = score_on_ray(
            files,
            output,
            model_path or DEFAULT_MODEL,
            load_settings().input.max_chars,
            jobs,
            address,
        )
    except RayUnavailable as exc:
        raise fail(str(exc)) from None
    for message in run.errors:
        typer.echo(f"unspun: {message}", err=True)
    raise typer.Exit(EXIT_SOME_FAILED if run.errors else EXIT_OK)


@app.command()
def gate(
    paths: PathsArg,
    min_score: Annotated[
        float, typer.Option("--min-score", min=0.0, max=1.0, help="Lowest reliability that passes.")
    ] = 0.5,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write a JUnit XML report.")] = None,
    fmt: Annotated[GateFormat, typer.Option("--format", help="Report format.")] = GateFormat.text,
    model_path: ModelOpt = None,
    allow: Annotated[
        Path | None,
        typer.Option("--allow", help="Allow-list: article ids (one per line) that always pass."),
    ] = None,
    write_allow: Annotated[
        Path | None,
        typer.Option("--write-allow", help="Write today's failures as an allow-list (baseline)."),
    ] = None,
) -> None:
    """CI gate: exit 0 when every article is at or above --min-score, 1 otherwise."""
    from pipeline.io.gate import GateReport, allow_list_text, read_allow_list

    allowed: frozenset[str] = frozenset()
    if allow is not None:
        try:
            allowed = read_allow_list(allow)
        except (OSError, UnicodeDecodeError) as exc:
            raise fail(f"{allow}: cannot read allow-list: {exc}") from None

    try:
        check_paths(paths)
    except InputPathError as exc:
        raise fail(str(exc)) from None
    model = _load(model_path)
    report = GateReport.from_records(list(_records(paths, model)), min_score, allowed)
    if not report.results:
        raise fail("no input: no .txt or .jsonl articles under the given paths")
    typer.echo(report.render(fmt.value), nl=False)
    for path, content in (
        (junit, report.junit_xml),
        (write_allow, lambda: allow_list_text(report)),
    ):
        if path is None:
            continue
        try:
            path.write_text(content(), encoding="utf-8")
        except OSError as exc:
            raise fail(f"{path}: cannot write: {exc.strerror or exc}") from None
    raise typer.Exit(EXIT_OK if report.passed else EXIT_SOME_FAILED)


@app.command()
def train(
    corpus: Annotated[
        Path, typer.Option("--corpus", help="Corpus folder from `make corpus`.")
    ] = Path("corpus/generated"),
    output: Annotated[Path, typer.Option("--output", help="Model file to write.")] = Path(
        "models/unspun.joblib"
    ),
    jobs: Annotated[int, typer.Option("--jobs", help="Processes for feature extraction.")] = -1,
) -> None:
    """Train the detectors and the calibrated reliability model; write model and card."""
    from pipeline.training.sources import DataUnavailable
    from pipeline.training.train import train_model

    if not (corpus / "train.jsonl").is_file():
        raise fail(f"{corpus}: no train.jsonl (run `make corpus` first)")
    try:
        card = train_model(corpus, output, n_jobs=jobs, log=lambda m: typer.echo(m, err=True))
    except DataUnavailable as exc:
        raise fail(str(exc)) from None
    typer.echo(f"wrote {output} (sha256 {card['sha256'][:12]}…)")


@app.command()
def evaluate(
    model_path: ModelOpt = None,
    corpus: Annotated[Path, typer.Option("--corpus", help="Corpus folder.")] = Path(
        "corpus/generated"
    ),
    output: Annotated[Path, typer.Option("--output", help="Metrics JSON to write.")] = Path(
        "models/metrics.json"
    ),
    jobs: Annotated[int, typer.Option("--jobs", help="Processes for feature extraction.")] = -1,
) -> None:
    """Print per-detector metrics beside baselines, write them as JSON, check the floors."""
    from pipeline.training.evaluate import run_evaluation
    from pipeline.training.sources import DataUnavailable

    model = _load(model_path)
    if not (corpus / "test.jsonl").is_file():
        raise fail(f"{corpus}: no test.jsonl (run `make corpus` first)")
    try:
        below = run_evaluation(model, model_path, corpus, output, n_jobs=jobs, echo=typer.echo)
    except DataUnavailable as exc:
        raise fail(str(exc)) from None
    if below:
        for line in below:
            typer.echo(f"unspun: below floor: {line}", err=True)
        raise typer.Exit(EXIT_SOME_FAILED)


def main() -> None:
    """Console entry point: usage errors exit 2 (click's convention matches the contract)."""
    app()
