"""How well the spin features transfer to a spinner style they were not fitted on.

For each style: a logistic regression on the spin detector's features, fitted on clean vs.
the *other* styles' spun copies of train-split articles, scores clean vs. the held-out style on
test-split articles; the number is that ROC AUC. The detector's reference statistics are built
from three quarters of the train split, and the regression is fitted on the remaining quarter,
so no article's bigrams are both in the reference and in the fitted or scored rows.

Run: ``python -m pipeline.training.spin_eval``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from pipeline.config import load_settings
from pipeline.detectors.spin import SpinDetector
from pipeline.text import Document
from pipeline.training.sources import bbc_articles
from pipeline.training.spinners import SPINNER_STYLES
from pipeline.training.splits import split_of


def _features(det: SpinDetector, texts: Sequence[str]) -> npt.NDArray[np.float64]:
    return np.array([det.detect(Document(t)).features for t in texts], dtype=np.float64)


def evaluate_spin_transfer(
    n_fit: int = 300, n_test: int = 300, seed: int = 0
) -> dict[str, dict[str, float]]:
    """Per held-out style: transfer AUC, in-style AUC (fitted on all styles), and the mean
    number of findings per spun test article."""
    articles = bbc_articles()
    train = [a for a in articles if split_of(a.id) == "train"]
    test = [a for a in articles if split_of(a.id) == "test"]
    reference = [a.text for i, a in enumerate(train) if i % 4 != 0]
    fit_texts = [a.text for i, a in enumerate(train) if i % 4 == 0][:n_fit]
    test_texts = [a.text for a in test][:n_test]
    det = SpinDetector.build(reference, load_settings().spin)
    rng = random.Random(seed)
    fit_clean = _features(det, fit_texts)
    test_clean = _features(det, test_texts)
    fit_spun: dict[str, npt.NDArray[np.float64]] = {}
    test_spun: dict[str, npt.NDArray[np.float64]] = {}
    findings: dict[str, float] = {}
    for style, spin in SPINNER_STYLES.items():
        fit_spun[style] = _features(det, [spin(t, rng).text for t in fit_texts])
        spun_test = [spin(t, rng).text for t in test_texts]
        test_spun[style] = _features(det, spun_test)
        findings[style] = float(np.mean([len(det.detect(Document(t)).findings) for t in spun_test]))
    clean_findings = float(np.mean([len(det.detect(Document(t)).findings) for t in test_texts]))
    results: dict[str, dict[str, float]] = {}
    for held_out in SPINNER_STYLES:
        others = [s for s in SPINNER_STYLES if s != held_out]
        transfer = _auc(fit_clean, [fit_spun[s] for s in others], test_clean, test_spun[held_out])
        in_style = _auc(fit_clean, list(fit_spun.values()), test_clean, test_spun[held_out])
        results[held_out] = {
            "transfer_auc": transfer,
            "all_styles_auc": in_style,
            "findings_per_spun_article": findings[held_out],
        }
    results["clean"] = {"findings_per_article": clean_findings}
    return results


def _auc(
    fit_clean: npt.NDArray[np.float64],
    fit_spun: list[npt.NDArray[np.float64]],
    test_clean: npt.NDArray[np.float64],
    test_spun: npt.NDArray[np.float64],
) -> float:
    spun = np.vstack(fit_spun)
    x = np.vstack([fit_clean, spun])
    y = np.r_[np.zeros(len(fit_clean)), np.ones(len(spun))]
    weights = np.r_[np.full(len(fit_clean), len(spun) / len(fit_clean)), np.ones(len(spun))]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(x, y, logisticregression__sample_weight=weights)
    xt = np.vstack([test_clean, test_spun])
    yt = np.r_[np.zeros(len(test_clean)), np.ones(len(test_spun))]
    return float(roc_auc_score(yt, model.predict_proba(xt)[:, 1]))


if __name__ == "__main__":
    print(json.dumps(evaluate_spin_transfer(), indent=2))
