"""Compile the fitted scikit-learn model into the numpy-only :class:`RuntimeModel`.

``unspun score`` loads the compiled twin (:mod:`pipeline.runtime_model`) so that it never
imports scikit-learn; this step reads the fitted estimators' arrays (each boosted tree's node
array, the isotonic calibrators' thresholds, the scalers and logistic heads) once, and refuses
what the runtime cannot reproduce exactly. ``save_model`` runs it on every training run;
``python -m pipeline.compile_model [MODEL]`` (``make runtime-model``) compiles an already saved
model and records the artifact's sha256 in its card, leaving the model file untouched.
"""

from __future__ import annotations

import argparse
import pickle
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from pipeline.artifacts import DEFAULT_MODEL, ModelError, read_card, runtime_path, write_card
from pipeline.model import ReliabilityModel, load_model
from pipeline.runtime_model import (
    BoostedTrees,
    CalibratedTrees,
    FeatureExtractor,
    Isotonic,
    LogisticHead,
    RuntimeModel,
    save_runtime_model,
)

MAX_LEAVES = 32  # a tree's leaves are the bits of a uint32
FORBIDDEN_MODULES = ("sklearn", "scipy")


def compile_trees(estimator: HistGradientBoostingClassifier) -> BoostedTrees:
    """The trees of a fitted binary HistGradientBoostingClassifier as flat arrays."""
    if estimator.n_trees_per_iteration_ != 1:
        raise ValueError("only binary HistGradientBoostingClassifier models compile")
    leaf_values = np.zeros((len(estimator._predictors), MAX_LEAVES))
    splits: list[tuple[int, int, float, bool, int]] = []
    for t, (predictor,) in enumerate(estimator._predictors):
        nodes = predictor.nodes
        if nodes["is_categorical"].any():
            raise ValueError("categorical splits do not compile")
        # Leaves numbered left to right; each split masks out the leaves of its left subtree.
        first: dict[int, int] = {}
        end: dict[int, int] = {}
        n_leaves = 0
        stack: list[tuple[int, bool]] = [(0, False)]
        while stack:
            node, done = stack.pop()
            node = int(node)
            if nodes["is_leaf"][node]:
                if n_leaves == MAX_LEAVES:
                    raise ValueError(f"a tree with more than {MAX_LEAVES} leaves")
                leaf_values[t, n_leaves] = nodes["value"][node]
                first[node], end[node] = n_leaves, n_leaves + 1
                n_leaves += 1
            elif done:
                first[node] = first[int(nodes["left"][node])]
                end[node] = end[int(nodes["right"][node])]
            else:
                stack += [(node, True), (int(nodes["right"][node]), False)]
                stack.append((int(nodes["left"][node]), False))
        for split in np.flatnonzero(nodes["is_leaf"] == 0):
            node = int(split)
            left = int(nodes["left"][node])
            left_leaves = (1 << end[left]) - (1 << first[left])
            splits.append(
                (
                    t,
                    int(nodes["feature_idx"][node]),
                    float(nodes["num_threshold"][node]),
                    bool(nodes["missing_go_to_left"][node]),
                    0xFFFFFFFF ^ left_leaves,
                )
            )
    tree, feature, threshold, nan_left, mask = zip(*splits, strict=True) if splits else ([],) * 5
    return BoostedTrees(
        baseline=float(np.asarray(estimator._baseline_prediction).ravel()[0]),
        leaf_values=leaf_values,
        split_tree=np.array(tree, dtype=np.int32),
        split_feature=np.array(feature, dtype=np.int32),
        split_threshold=np.array(threshold, dtype=np.float64),
        split_nan_left=np.array(nan_left, dtype=np.bool_),
        split_mask=np.array(mask, dtype=np.uint32),
    )


def compile_isotonic(calibrator: IsotonicRegression) -> Isotonic:
    if calibrator.out_of_bounds != "clip":
        raise ValueError("only out_of_bounds='clip' isotonic calibrators compile")
    return Isotonic(
        np.asarray(calibrator.X_thresholds_, dtype=np.float64),
        np.asarray(calibrator.y_thresholds_, dtype=np.float64),
    )


def compile_classifier(classifier: CalibratedClassifierCV, n_features: int) -> CalibratedTrees:
    """Each cross-validation fold's trees and isotonic calibrator (binary, isotonic only)."""
    if len(classifier.classes_) != 2:
        raise ValueError("only binary CalibratedClassifierCV models compile")
    folds = []
    for fold in classifier.calibrated_classifiers_:
        if fold.method != "isotonic" or not isinstance(
            fold.estimator, HistGradientBoostingClassifier
        ):
            raise ValueError("only isotonic calibration of HistGradientBoosting compiles")
        if list(fold.estimator.classes_) != list(classifier.classes_):
            raise ValueError("a fold saw other classes than the calibrated classifier")
        (calibrator,) = fold.calibrators
        folds.append((compile_trees(fold.estimator), compile_isotonic(calibrator)))
    return CalibratedTrees(n_features, folds)


def compile_head(head: Pipeline) -> LogisticHead:
    scaler, logistic = head[0], head[-1]
    if not isinstance(scaler, StandardScaler) or not isinstance(logistic, LogisticRegression):
        raise ValueError("a signal head must be StandardScaler -> LogisticRegression")
    if len(logistic.classes_) != 2:
        raise ValueError("only binary signal heads compile")
    n = logistic.coef_.shape[1]
    mean = scaler.mean_ if scaler.with_mean else np.zeros(n)
    scale = scaler.scale_ if scaler.with_std else np.ones(n)
    return LogisticHead(
        np.asarray(mean, dtype=np.float64),
        np.asarray(scale, dtype=np.float64),
        np.asarray(logistic.coef_, dtype=np.float64).T.copy(),
        float(logistic.intercept_[0]),
    )


def modules_pickled(obj: object) -> set[str]:
    """Top-level packages of every class and function a pickle of ``obj`` refers to."""
    seen: set[str] = set()

    class Recorder(pickle.Pickler):
        def reducer_override(self, value: Any) -> Any:
            module = getattr(value if isinstance(value, type) else type(value), "__module__", "")
            seen.add(str(module).split(".")[0])
            return NotImplemented

    Recorder(BytesIO(), protocol=5).dump(obj)
    return seen


def compile_model(model: ReliabilityModel) -> RuntimeModel:
    """The numpy-only twin of a fitted model; predicts what it predicts (bit-identical
    tree sums; within float rounding of the sigmoid and interpolation)."""
    names = [str(n) for n in model.features.get_feature_names_out()]
    runtime = RuntimeModel(
        features=FeatureExtractor(list(model.features.detectors)),
        classifier=compile_classifier(model.pipeline.named_steps["classify"], len(names)),
        signal_heads={name: compile_head(h) for name, h in model.signal_heads.items()},
        settings=model.settings,
        metadata=dict(model.metadata),
    )
    if runtime.features.get_feature_names_out() != names:
        raise ValueError("the detectors' feature names do not match the fitted features")
    leaked = modules_pickled(runtime) & set(FORBIDDEN_MODULES)
    if leaked:
        raise ValueError(f"the runtime model would pickle objects of {sorted(leaked)}")
    return runtime


def write_runtime(model: ReliabilityModel, model_path: Path) -> dict[str, Any]:
    """Compile ``model`` (saved at ``model_path``), write its runtime artifact beside it and
    return the card entry; the caller records it in the card."""
    card = read_card(model_path)
    entry = save_runtime_model(compile_model(model), runtime_path(model_path))
    return {**entry, "compiled_from": card.get("sha256")}


def main(argv: list[str] | None = None) -> None:
    """Compile a saved model's runtime artifact and record it in the model's card."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.compile_model", description=__doc__)
    parser.add_argument("model", nargs="?", type=Path, default=None, help="model .joblib file")
    args = parser.parse_args(argv)
    try:
        model = load_model(args.model)
    except ModelError as exc:
        parser.exit(2, f"unspun: {exc}\n")
    path = args.model if args.model is not None else DEFAULT_MODEL
    card = read_card(path)
    card["runtime"] = write_runtime(model, path)
    write_card(path, card)
    print(f"wrote {runtime_path(path)} (sha256 {card['runtime']['sha256'][:12]}…)")


if __name__ == "__main__":
    main()
