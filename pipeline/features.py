"""The detectors as one scikit-learn transformer: article texts in, a feature matrix out.

Training and evaluation use it; scoring uses its scikit-learn-free twin
:class:`pipeline.runtime_model.FeatureExtractor` (same :func:`analyze`, same :func:`vector`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from pipeline.detectors.base import Detection, Detector
from pipeline.runtime_model import analyze, feature_matrix
from pipeline.runtime_model import vector as vector


class DetectorFeatures(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Runs every detector on each article and concatenates their features.

    ``detectors`` are already built (they carry reference statistics fitted at training time),
    so :meth:`fit` only records the output layout. :meth:`analyze` also returns the findings,
    which scoring needs and a plain ``transform`` drops.
    """

    def __init__(self, detectors: Sequence[Detector] = ()) -> None:
        self.detectors = detectors

    def fit(self, X: Iterable[str], y: Any = None) -> DetectorFeatures:
        texts = _as_texts(X)
        if not self.detectors:
            raise ValueError("DetectorFeatures needs at least one detector")
        self.feature_names_out_ = np.array(
            [f"{d.name}__{f}" for d in self.detectors for f in d.feature_names()], dtype=object
        )
        self.n_features_out_ = len(self.feature_names_out_)
        self.n_samples_seen_ = len(texts)
        return self

    def analyze(self, text: str) -> list[Detection]:
        """Every detector's features and findings for one article, sharing one Document."""
        return analyze(self.detectors, text)

    def transform(self, X: Iterable[str]) -> NDArray[np.float64]:
        check_is_fitted(self, "feature_names_out_")
        return feature_matrix(self.detectors, _as_texts(X))

    def get_feature_names_out(self, input_features: Any = None) -> NDArray[np.object_]:
        check_is_fitted(self, "feature_names_out_")
        return np.asarray(self.feature_names_out_, dtype=object)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags


def _as_texts(X: Iterable[str]) -> list[str]:
    texts = list(X)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"DetectorFeatures expects article texts; item {i} is {type(text)}")
    return texts
