"""The model artifact: integrity checks on load, and the feature transformer's sklearn contract."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks

from pipeline.features import DetectorFeatures
from pipeline.model import DEFAULT_MODEL, ModelError, card_path, load_model, read_card


def _copy_model(tmp_path: Path) -> Path:
    target = tmp_path / "unspun.joblib"
    target.write_bytes(DEFAULT_MODEL.read_bytes())
    card_path(target).write_text(card_path(DEFAULT_MODEL).read_text())
    return target


def test_shipped_card_describes_the_shipped_model() -> None:
    card = read_card(DEFAULT_MODEL)
    model = load_model(DEFAULT_MODEL)
    assert card["feature_names"] == list(model.features.get_feature_names_out())
    assert "non-commercial" in card["training_data"]["licence"]
    assert card["metrics"]["dev"]["reliability_roc_auc"] > 0.9


def test_a_changed_artifact_is_refused(tmp_path: Path) -> None:
    model = _copy_model(tmp_path)
    model.write_bytes(model.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ModelError, match="sha256"):
        load_model(model)


def test_another_scikit_learn_version_is_refused(tmp_path: Path) -> None:
    model = _copy_model(tmp_path)
    card = json.loads(card_path(model).read_text())
    card["library_versions"]["scikit-learn"] = "0.1.0"
    card_path(model).write_text(json.dumps(card))
    with pytest.raises(ModelError, match=r"scikit-learn 0\.1\.0"):
        load_model(model)


def test_a_model_without_card_is_refused(tmp_path: Path) -> None:
    model = _copy_model(tmp_path)
    card_path(model).unlink()
    with pytest.raises(ModelError, match="no model card"):
        load_model(model)


# scikit-learn's common checks feed numeric arrays, so ``parametrize_with_checks`` skips a
# transformer of texts wholesale; these are the API checks that apply, run explicitly, and the
# fit/transform conventions are checked on real articles below.
API_CHECKS = [
    estimator_checks.check_no_attributes_set_in_init,
    estimator_checks.check_parameters_default_constructible,
    estimator_checks.check_get_params_invariance,
    estimator_checks.check_set_params,
    estimator_checks.check_estimator_repr,
    estimator_checks.check_estimator_cloneable,
    estimator_checks.check_valid_tag_types,
]


@pytest.mark.parametrize("check", API_CHECKS, ids=lambda c: c.__name__)
def test_detector_features_follow_sklearn_api(check: Callable[[str, object], None]) -> None:
    check("DetectorFeatures", DetectorFeatures(load_model(DEFAULT_MODEL).features.detectors))


def test_detector_features_fit_transform_conventions(seeds: dict[str, str]) -> None:
    detectors = load_model(DEFAULT_MODEL).features.detectors
    estimator = DetectorFeatures(detectors)
    texts = list(seeds.values())
    with pytest.raises(NotFittedError):
        estimator.transform(texts)
    params = estimator.get_params()
    fitted = clone(estimator).fit(texts)
    assert estimator.get_params() == params
    assert all(k.endswith("_") for k in vars(fitted) if k not in params)
    X = fitted.transform(texts)
    again = pickle.loads(pickle.dumps(fitted)).transform(texts)
    assert np.array_equal(X, again)
    assert np.isfinite(X).all()
    with pytest.raises(TypeError, match="article texts"):
        fitted.transform([1.0, 2.0])


def test_feature_names_match_the_matrix(seeds: dict[str, str]) -> None:
    features = load_model(DEFAULT_MODEL).features
    X = features.transform(list(seeds.values()))
    assert X.shape == (5, len(features.get_feature_names_out()))
    assert all(
        name.split("__")[0] in {"spin", "offtopic", "boilerplate", "readability"}
        for name in features.get_feature_names_out()
    )
