"""Compute the feature matrix of many articles on all cores (detectors are the slow part)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from joblib import Parallel, delayed
from numpy.typing import NDArray

from pipeline.features import DetectorFeatures


def featurize(
    features: DetectorFeatures, texts: Sequence[str], n_jobs: int = -1, chunk: int = 400
) -> NDArray[np.float64]:
    """``features.transform(texts)``, chunked over worker processes, rows in input order."""
    chunks = [texts[i : i + chunk] for i in range(0, len(texts), chunk)]
    if len(chunks) <= 1 or n_jobs == 1:
        return features.transform(texts)
    parts = Parallel(n_jobs=n_jobs)(delayed(features.transform)(c) for c in chunks)
    return np.vstack(parts)
