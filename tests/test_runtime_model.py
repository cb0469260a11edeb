"""The compiled runtime model: same predictions as the scikit-learn model it comes from, loads
without scikit-learn or scipy, and refuses a changed or stale artifact."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from pipeline.article import Article
from pipeline.artifacts import DEFAULT_MODEL, ModelError, card_path, read_card
from pipeline.compile_model import compile_model, modules_pickled
from pipeline.model import ReliabilityModel
from pipeline.runtime_model import RuntimeModel, load_runtime_model
from pipeline.scoring import Scorer
from pipeline.training.corpus import build_corpus
from pipeline.training.sources import bbc_articles

from .conftest import seed_path

Rows = NDArray[np.float64]


@pytest.fixture(scope="module")
def compiled(shipped_model: ReliabilityModel) -> RuntimeModel:
    return compile_model(shipped_model)


@pytest.fixture(scope="module")
def real_rows(shipped_model: ReliabilityModel, seeds: dict[str, str]) -> Rows:
    """Feature rows of generator output (clean, spun, off-topic, boilerplate variants of BBC
    articles) and of the seeds."""
    texts = [r.text for r in build_corpus(bbc_articles()[::50])] + list(seeds.values())
    return shipped_model.features.transform(texts)


@pytest.fixture(scope="module")
def rows(real_rows: Rows, compiled: RuntimeModel) -> tuple[Rows, Rows]:
    """(finite rows, rows with NaN and infinities): the real rows, rows mixing columns of
    different articles, and rows with values set exactly on (and next to) split thresholds,
    far outside the training range, NaN or infinite."""
    rng = np.random.default_rng(0)
    n, d = real_rows.shape
    mixed = real_rows[rng.integers(0, n, size=(1200, d)), np.arange(d)]
    splits = [trees for trees, _ in compiled.classifier.folds]
    on_threshold = real_rows[rng.integers(0, n, size=1500)]
    for row in on_threshold:
        for j in rng.choice(d, size=6, replace=False):
            trees = splits[rng.integers(len(splits))]
            thresholds = trees.split_threshold[trees.split_feature == j]
            if len(thresholds):
                value = rng.choice(thresholds)
                row[j] = rng.choice([value, np.nextafter(value, np.inf), value * (1 + 1e-12)])
    extreme = real_rows[rng.integers(0, n, size=500)] * rng.choice([1e6, -1e6, 1e-9], (500, d))
    finite = np.vstack([real_rows, mixed, on_threshold, extreme])
    odd = finite[rng.integers(0, len(finite), size=800)].copy()
    mask = rng.random(odd.shape) < 0.15
    odd[mask] = rng.choice([np.nan, np.inf, -np.inf], size=int(mask.sum()))
    return finite, odd


def test_compiled_predictions_equal_sklearn(
    shipped_model: ReliabilityModel, compiled: RuntimeModel, rows: tuple[Rows, Rows]
) -> None:
    finite, odd = rows
    assert len(finite) + len(odd) > 3000
    for X in (finite, odd):
        expected = shipped_model.reliability(X)
        assert np.abs(compiled.reliability(X) - expected).max() < 1e-9
    reliability = shipped_model.reliability(finite)
    assert reliability.min() < 0.05 and reliability.max() > 0.95  # both regimes covered
    expected_signals = shipped_model.signals(finite)  # scikit-learn refuses NaN here
    signals = compiled.signals(finite)
    assert signals.keys() == expected_signals.keys()
    for name, values in signals.items():
        assert np.abs(values - expected_signals[name]).max() < 1e-9, name


def test_every_fold_raw_score_is_bit_identical(
    shipped_model: ReliabilityModel, compiled: RuntimeModel, rows: tuple[Rows, Rows]
) -> None:
    """Tree by tree in scikit-learn's order: even the uncalibrated sums match exactly."""
    X = np.vstack(rows)
    classifier = shipped_model.pipeline.named_steps["classify"]
    expected = np.column_stack(
        [fold.estimator.decision_function(X) for fold in classifier.calibrated_classifiers_]
    )
    assert np.array_equal(compiled.classifier.raw(X), expected)


def test_shipped_runtime_artifact_is_the_compiled_shipped_model(
    compiled: RuntimeModel, rows: tuple[Rows, Rows]
) -> None:
    card = read_card(DEFAULT_MODEL)
    assert card["runtime"]["compiled_from"] == card["sha256"]
    assert "scikit-learn" not in card["runtime"]["library_versions"]
    runtime = load_runtime_model()
    assert runtime.features.get_feature_names_out() == card["feature_names"]
    assert not modules_pickled(runtime) & {"sklearn", "scipy"}
    X = np.vstack(rows)
    assert np.array_equal(runtime.reliability(X), compiled.reliability(X))


def test_scores_match_the_sklearn_model(
    shipped_model: ReliabilityModel, compiled: RuntimeModel, seeds: dict[str, str]
) -> None:
    articles = [Article(name, text) for name, text in seeds.items()]
    fast = Scorer(compiled).score_batch(articles)
    slow = Scorer(shipped_model).score_batch(articles)
    for a, b in zip(fast, slow, strict=True):
        assert abs(a.reliability - b.reliability) < 1e-9 and a.verdict == b.verdict
        assert a.findings == b.findings
        assert all(abs(a.signals[k] - b.signals[k]) < 1e-9 for k in b.signals)
    assert [s.verdict for s in fast][4] == "unreliable"  # seed 004: real spinner output


def test_scoring_imports_neither_scikit_learn_nor_scipy() -> None:
    code = (
        "import sys\n"
        "from pipeline.cli import app\n"
        "try:\n"
        f"    app(['score', {str(seed_path('000'))!r}, '--quiet'])\n"
        "except SystemExit as exit:\n"
        "    status = exit.code\n"
        "names = {m.split('.')[0] for m in sys.modules}\n"
        "print(status, sorted(names & {'sklearn', 'scipy'}), file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["verdict"] in {"reliable", "suspect", "unreliable"}
    assert out.stderr.strip().splitlines()[-1] == "0 []"


def _runtime_copy(tmp_path: Path) -> Path:
    """Card and runtime artifact of the shipped model in ``tmp_path`` (no .joblib needed)."""
    model = tmp_path / "unspun.joblib"
    card = read_card(DEFAULT_MODEL)
    card_path(model).write_text(json.dumps(card))
    shutil.copy(DEFAULT_MODEL.with_name(card["runtime"]["artifact"]), tmp_path)
    return model


def test_a_changed_runtime_artifact_is_refused(tmp_path: Path) -> None:
    model = _runtime_copy(tmp_path)
    assert isinstance(load_runtime_model(model), RuntimeModel)
    artifact = tmp_path / read_card(model)["runtime"]["artifact"]
    artifact.write_bytes(artifact.read_bytes()[:-8] + b"tampered")
    with pytest.raises(ModelError, match="sha256"):
        load_runtime_model(model)


def test_a_runtime_artifact_of_another_model_is_refused(tmp_path: Path) -> None:
    model = _runtime_copy(tmp_path)
    card = read_card(model)
    card["sha256"] = "0" * 64  # the model was retrained, the runtime artifact was not
    card_path(model).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="compiled from another model"):
        load_runtime_model(model)


def test_save_model_writes_the_runtime_twin(
    shipped_model: ReliabilityModel, tmp_path: Path, rows: tuple[Rows, Rows]
) -> None:
    from pipeline.model import save_model

    path = tmp_path / "retrained.joblib"
    card = save_model(shipped_model, path, {"note": "test"})
    assert read_card(path) == card and card["runtime"]["compiled_from"] == card["sha256"]
    runtime = load_runtime_model(path)
    X = np.vstack(rows)
    assert np.abs(runtime.reliability(X) - shipped_model.reliability(X)).max() < 1e-9
