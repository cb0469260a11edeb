"""Fixtures shared by the tests: the seed articles, the shipped model, the shared data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import cli
from pipeline.model import DEFAULT_MODEL, ReliabilityModel, load_model
from pipeline.training.sources import shared_dir

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus" / "seeds"


def seed_path(prefix: str) -> Path:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path


def seed_text(prefix: str) -> str:
    """A seed's text exactly as the readers read it (UTF-8, no newline translation)."""
    return seed_path(prefix).read_bytes().decode("utf-8")


@pytest.fixture(scope="session")
def seeds() -> dict[str, str]:
    """Seed texts by their three-digit prefix."""
    return {p.name[:3]: seed_text(p.name[:3]) for p in sorted(SEEDS.glob("*.txt"))}


@pytest.fixture(scope="session")
def shipped_model() -> ReliabilityModel:
    return load_model(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def invoke() -> Iterator[CliRunner]:
    """A runner whose commands share one model, loaded once per test module by the CLI's own
    loader (module scope: the patch must not outlive the module, or `--model` tests elsewhere
    would get this model)."""
    model = cli._load(None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "_load", lambda path: model)
        yield CliRunner()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    folder = shared_dir() / "data" / "boilerplate"
    if not folder.is_dir():
        pytest.skip(f"shared boilerplate data not found at {folder}")
    return folder
