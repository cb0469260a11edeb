"""The ``unspun`` command line (contract: ../shared/contract/README.md)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import Enum
from functools import partial
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer

from pipeline.article import Article, ReadError
from pipeline.artifacts import DEFAULT_MODEL, ModelError
from pipeline.config import load_settings
from pipeline.feed import Record, score_feed
from pipeline.io.output import open_for_resume
from pipeline.io.readers import (
    STDIN,
    InputPathError,
    check_paths,
    count_items,
    input_files,
    read_inputs,
)
from pipeline.io.writers import RecordWriter, jsonl_line
from pipeline.runtime_model import RuntimeModel, load_runtime_model
from pipeline.scoring import Scorer

# Allocations between the cyclic collector's young-generation runs while a command scores.
GC_THRESHOLD = 50_000

if TYPE_CHECKING:  # rich loads only when a progress bar or the terminal view is shown
    from rich.progress import Progress

app = typer.Typer(
    name="unspun",
    help="Spin, off-topic and boilerplate detection for scraped news, with a reliability score.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2
RecordT = TypeVar("RecordT", bound=Record)


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


def _load(model_path: Path | None) -> RuntimeModel:
    """The compiled runtime model (no scikit-learn import; start-up stays well under 1 s).

    The model and the modules live as long as the command: frozen, the cyclic collector
    stops walking them; and scoring allocates millions of short-lived containers with
    hardly a cycle among them, so the collector runs every 50,000 allocations, not 700
    (the README's speed section has what it saves)."""
    try:
        model = load_runtime_model(model_path)
    except ModelError as exc:
        raise fail(str(exc)) from None
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    return model


def _report_errors(records: Iterable[RecordT]) -> Iterator[RecordT]:
    """Pass records through, printing one stderr line per unreadable input."""
    for record in records:
        if not isinstance(record, str) and record["error"] is not None:
            typer.echo(f"unspun: {record['error']['message']}", err=True)
        yield record


def _records(
    paths: list[str],
    model: RuntimeModel,
    model_path: Path | None = None,
    jobs: int = 1,
    skip: int = 0,
    progress: Progress | None = None,
    related: bool = False,
    lines: bool = False,
) -> Iterator[Record]:
    """Records for every input item after the first ``skip``, in input order, one stderr
    line per unreadable input (:func:`pipeline.feed.score_feed`: with ``lines``, a scored
    article's record is its finished jsonl line)."""
    items = read_inputs(paths, load_settings().input.max_chars)
    advance = None
    if progress is not None:
        task = progress.add_task("scoring", total=count_items(paths))
        advance = partial(progress.advance, task)
    path = model_path or DEFAULT_MODEL
    records = score_feed(
        items, Scorer(model), path, jobs, skip=skip, lines=lines, related=related, advance=advance
    )
    return _report_errors(records)


@contextmanager
def _progress(quiet: bool) -> Iterator[Progress | None]:
    """A progress bar with rate and ETA on stderr when it is a terminal; nothing otherwise."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class _RateColumn(ProgressColumn):
        """Articles per second since the start (rich's speed column counts bytes, and its
        estimate from the last few updates swings when chunks of work land together)."""

        def render(self, task: Task) -> Text:
            elapsed = task.finished_time or task.elapsed
            if not elapsed or not task.completed:
                return Text("")
            return Text(f"{task.completed / elapsed:,.0f} articles/s")

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} articles"),
        _RateColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),  # from the items counted up front (not for standard input)
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
    related: Annotated[
        bool,
        typer.Option(
            "--related/--no-related",
            help="Link duplicates and spun copies within the batch (records then come out once "
            "the whole input is read).",
        ),
    ] = True,
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
    lines = fmt is OutputFormat.jsonl
    n_records = n_errors = 0
    with _output(output, resume) as (out, done), _progress(quiet) as progress:
        writer = RecordWriter(out, fmt.value)
        for record in _records(paths, model, model_path, jobs, done, progress, related, lines):
            n_records += 1
            if isinstance(record, str):  # a worker's finished jsonl line
                out.write(record)
                continue
            writer.write(record)
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
    records = cast(list[dict[str, Any]], list(_records(paths, model)))  # dicts at --jobs 1
    report = GateReport.from_records(records, min_score, allowed)
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
    from pipeline.model import load_model
    from pipeline.training.evaluate import run_evaluation
    from pipeline.training.sources import DataUnavailable

    try:  # the scikit-learn model: the runtime model predicts the same (tests pin it)
        model = load_model(model_path)
    except ModelError as exc:
        raise fail(str(exc)) from None
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


class CleanFormat(str, Enum):
    text = "text"
    jsonl = "jsonl"


def _with_items(
    items: Iterable[Article | ReadError], model: RuntimeModel
) -> Iterator[tuple[Article | ReadError, dict[str, Any]]]:
    """Each input item beside its record, for the commands that need the text the record's
    offsets index (records carry none). Streams: Scorer.records yields one record per item,
    in input order, so only the current batch of items is held."""
    from collections import deque

    pending: deque[Article | ReadError] = deque()

    def tap() -> Iterator[Article | ReadError]:
        for item in items:
            pending.append(item)
            yield item

    for record in _report_errors(Scorer(model).records(tap())):
        yield pending.popleft(), record


def _one_article(paths: list[str], command: str) -> Article | ReadError:
    """The single input item of a one-article command (usage error for none or several)."""
    try:
        check_paths(paths)
    except InputPathError as exc:
        raise fail(str(exc)) from None
    items = list(islice(read_inputs(paths, load_settings().input.max_chars), 2))
    if not items:
        raise fail("no input: no .txt or .jsonl articles under the given paths")
    if len(items) > 1:
        raise fail(f"{command} takes one article; {' '.join(paths)} holds several")
    return items[0]


@app.command()
def report(
    paths: PathsArg,
    output: Annotated[Path, typer.Option("--output", help="HTML file to write.")],
    model_path: ModelOpt = None,
) -> None:
    """One self-contained HTML page: sortable summary, every article with findings highlighted.

    For batches people read: the articles' texts are held in memory to build the page.
    """
    from pipeline.io.report import write_report

    try:
        check_paths(paths)
    except InputPathError as exc:
        raise fail(str(exc)) from None
    model = _load(model_path)
    items = read_inputs(paths, load_settings().input.max_chars)
    pairs = [
        (item.text if isinstance(item, Article) else None, record)
        for item, record in _with_items(items, model)
    ]
    if not pairs:
        raise fail("no input: no .txt or .jsonl articles under the given paths")
    try:
        with output.open("w", encoding="utf-8") as out:
            write_report(pairs, out)
    except OSError as exc:
        raise fail(f"{output}: cannot write: {exc.strerror or exc}") from None
    n_errors = sum(record["error"] is not None for _, record in pairs)
    typer.echo(f"wrote {output} ({len(pairs)} articles)")
    raise typer.Exit(EXIT_SOME_FAILED if n_errors else EXIT_OK)


@app.command()
def clean(
    paths: PathsArg,
    despin: Annotated[
        bool,
        typer.Option("--despin", help="Also replace confident spin with the likely original."),
    ] = False,
    fmt: Annotated[
        CleanFormat,
        typer.Option("--format", help="text: the one article's text; jsonl: one object each."),
    ] = CleanFormat.text,
    output: Annotated[Path | None, typer.Option("--output", help="Write here.")] = None,
    model_path: ModelOpt = None,
) -> None:
    """The article text without junk lines and off-topic paragraphs, the rest byte for byte.

    --format text prints the one article's text (a path holding several is a usage error);
    --format jsonl writes one object per article (id, source, text, removed, replaced, error).
    """
    from pipeline.clean import clean_text, findings_from_record

    settings = load_settings()
    items: Iterable[Article | ReadError]
    if fmt is CleanFormat.text:
        items = [_one_article(paths, "clean --format text")]
    else:
        try:
            check_paths(paths)
        except InputPathError as exc:
            raise fail(str(exc)) from None
        items = read_inputs(paths, settings.input.max_chars)
    model = _load(model_path)
    min_score = settings.clean.despin_min_score if despin else None
    n_records = n_errors = 0
    with _output(output, False) as (out, _):
        for item, record in _with_items(items, model):
            n_records += 1
            n_errors += record["error"] is not None
            cleaned = None
            if isinstance(item, Article) and record["error"] is None:
                cleaned = clean_text(item.text, findings_from_record(record), min_score)
            if fmt is CleanFormat.text:
                out.write("" if cleaned is None else cleaned.text)
                continue
            obj = {
                "id": record["id"],
                "source": record.get("source"),
                "text": None if cleaned is None else cleaned.text,
                "removed": [] if cleaned is None else [r.to_dict() for r in cleaned.removed],
                "replaced": 0 if cleaned is None else cleaned.replaced,
                "error": record["error"],
            }
            out.write(jsonl_line(obj))
    if n_records == 0:
        raise fail("no input: no .txt or .jsonl articles under the given paths")
    raise typer.Exit(EXIT_SOME_FAILED if n_errors else EXIT_OK)


@app.command()
def explain(
    path: Annotated[str, typer.Argument(help="One article: a .txt file (or a one-line feed).")],
    model_path: ModelOpt = None,
) -> None:
    """One article in the terminal: findings highlighted, signals, the reasons for its score."""
    from rich.console import Console

    from pipeline.io.explain import explain as explain_article

    item = _one_article([path], "explain")
    model = _load(model_path)
    ((_, record),) = _with_items([item], model)
    if not isinstance(item, Article) or record["error"] is not None:
        raise typer.Exit(EXIT_SOME_FAILED)  # the error line is already on stderr
    explain_article(item.text, record, Console(highlight=False))


def main() -> None:
    """Console entry point: usage errors exit 2 (click's convention matches the contract)."""
    app()
