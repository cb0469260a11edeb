"""The ``unspun`` command line (contract: ../shared/contract/README.md)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from pipeline.config import load_settings
from pipeline.io.readers import InputPathError, check_paths, read_inputs
from pipeline.io.writers import RecordWriter
from pipeline.model import ModelError, ReliabilityModel, load_model
from pipeline.scoring import Scorer

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


def _records(paths: list[str], model: ReliabilityModel) -> Iterator[dict[str, Any]]:
    settings = load_settings()
    items = read_inputs(paths, settings.input.max_chars)
    for record in Scorer(model).records(items):
        if record["error"] is not None:
            typer.echo(f"unspun: {record['error']['message']}", err=True)
        yield record


@contextmanager
def _output(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    with path.open("w", encoding="utf-8") as handle:
        yield handle


@app.command()
def score(
    paths: PathsArg,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="Record format.")
    ] = OutputFormat.jsonl,
    output: Annotated[Path | None, typer.Option("--output", help="Write records here.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="Worker processes.")] = 1,
    model_path: ModelOpt = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an --output file.")] = False,
    engine: Annotated[Engine, typer.Option("--engine", help="Where to run.")] = Engine.local,
) -> None:
    """Score articles: one record per article, in input order."""
    if resume or engine is not Engine.local or jobs != 1:
        raise fail("--resume, --jobs > 1 and --engine ray are not available in this version")
    try:
        check_paths(paths)
    except InputPathError as exc:
        raise fail(str(exc)) from None
    model = _load(model_path)
    n_records = n_errors = 0
    with _output(output) as out:
        writer = RecordWriter(out, fmt.value)
        for record in _records(paths, model):
            writer.write(record)
            n_records += 1
            n_errors += record["error"] is not None
        writer.close()
    if n_records == 0:
        raise fail("no input: no .txt or .jsonl articles under the given paths")
    raise typer.Exit(EXIT_SOME_FAILED if n_errors else EXIT_OK)


@app.command()
def gate(
    paths: PathsArg,
    min_score: Annotated[
        float, typer.Option("--min-score", min=0.0, max=1.0, help="Lowest reliability that passes.")
    ] = 0.5,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write a JUnit XML report.")] = None,
    fmt: Annotated[GateFormat, typer.Option("--format", help="Report format.")] = GateFormat.text,
    model_path: ModelOpt = None,
) -> None:
    """CI gate: exit 0 when every article is at or above --min-score, 1 otherwise."""
    from pipeline.io.gate import GateReport

    try:
        check_paths(paths)
    except InputPathError as exc:
        raise fail(str(exc)) from None
    model = _load(model_path)
    report = GateReport.from_records(list(_records(paths, model)), min_score)
    if not report.results:
        raise fail("no input: no .txt or .jsonl articles under the given paths")
    typer.echo(report.render(fmt.value), nl=False)
    if junit is not None:
        junit.write_text(report.junit_xml(), encoding="utf-8")
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

    model = _load(model_path)
    if not (corpus / "test.jsonl").is_file():
        raise fail(f"{corpus}: no test.jsonl (run `make corpus` first)")
    below = run_evaluation(model, model_path, corpus, output, n_jobs=jobs, echo=typer.echo)
    if below:
        for line in below:
            typer.echo(f"unspun: below floor: {line}", err=True)
        raise typer.Exit(EXIT_SOME_FAILED)


def main() -> None:
    """Console entry point: usage errors exit 2 (click's convention matches the contract)."""
    app()
