"""The reliability model as plain numpy arrays: what ``unspun score`` loads.

Why it exists: the trained model (:mod:`pipeline.model`) is made of scikit-learn objects, and a
fresh ``unspun score`` spent seconds importing scikit-learn and scipy and unpickling them; its
calibrated classifier (5 cross-validation folds x 300 boosted trees, one OpenMP call per tree)
also cost 1-2 ms per article. :func:`pipeline.compile_model.compile_model` turns the fitted
objects into the arrays here once; this module needs only numpy and the detectors, and
predicts what scikit-learn predicts (trees summed in scikit-learn's order: bit-identical on the
shipped model; ``tests/test_runtime_model.py``).

The boosted trees are evaluated QuickScorer-style (Lucchese et al., SIGIR 2015), vectorised over
a batch: a split ``x[f] <= t`` that is false removes the leaves of its left subtree from its
tree's 32-bit leaf mask, and the exit leaf is the lowest bit left. For each (fold, feature) a
table holds, per interval between that fold's thresholds of the feature (and for NaN), the AND
of those masks for every tree, so an article needs one table row per feature and fold: a few
row gathers and ANDs instead of ~17,000 node visits. Measured on one core (reliability and
signals): 0.035 ms per article in batches of 256-512, 0.05 ms at 64, ~1 ms for a single row;
scikit-learn took 0.17 ms at 512 and 0.64 ms at 64 with one OpenMP thread.
"""

from __future__ import annotations

import gzip
import hashlib
import pickle
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline.artifacts import (
    DEFAULT_MODEL,
    ModelError,
    card_path,
    check_sha256,
    library_versions,
    read_card,
)
from pipeline.config import Settings
from pipeline.detectors.base import Detection, Detector
from pipeline.text import Document, DocumentBatch

FloatArray = NDArray[np.float64]
# The detector whose signal is one of its own features rather than a trained head.
SELF_SCORED = {"readability": "atypicality"}
# Articles analysed and scored together: the batch detectors' and the compiled classifier's
# per-call overheads are amortised (prediction costs ~1 ms per article one at a time, 0.05 ms
# at 64 a batch, 0.035 ms from 256 on); larger batches only delay the first records.
ANALYZE_BATCH = 256
RUNTIME_FORMAT = "gzip-compressed pickle (protocol 5) of pipeline.runtime_model.RuntimeModel"


def feature_slices(detectors: Sequence[Detector]) -> dict[str, slice]:
    """Columns of each detector in the feature matrix (detectors in feature order)."""
    out: dict[str, slice] = {}
    start = 0
    for detector in detectors:
        n = len(detector.feature_names())
        out[detector.name] = slice(start, start + n)
        start += n
    return out


def detector_signals(
    detectors: Sequence[Detector],
    heads: Mapping[str, Callable[[FloatArray], FloatArray]],
    X: FloatArray,
) -> dict[str, FloatArray]:
    """Per-detector problem scores in [0, 1] (0.5 is each detector's decision threshold):
    its signal head's probability on its columns, or for a detector without a head the
    feature it scores itself with (:data:`SELF_SCORED`)."""
    out: dict[str, FloatArray] = {}
    slices = feature_slices(detectors)
    for detector in detectors:
        cols = np.asarray(X, dtype=np.float64)[:, slices[detector.name]]
        head = heads.get(detector.name)
        if head is not None:
            out[detector.name] = head(cols)
        else:
            index = detector.feature_names().index(SELF_SCORED[detector.name])
            out[detector.name] = np.clip(cols[:, index], 0.0, 1.0)
    return out


def analyze(detectors: Sequence[Detector], text: str) -> list[Detection]:
    """Every detector's features and findings for one article, sharing one Document."""
    return analyze_batch(detectors, [text])[0]


def analyze_batch(detectors: Sequence[Detector], texts: Sequence[str]) -> list[list[Detection]]:
    """Every detector's detections for each text (as :func:`analyze` gives them), run
    detector by detector over the batch (:meth:`Detector.detect_batch`): each detector's
    tables (vocabularies, PMI counts, topic vectors) then stay in the CPU caches across
    articles instead of evicting one another article by article, and a detector can share
    work across the batch."""
    docs = DocumentBatch(Document(text) for text in texts)
    by_detector = [detector.detect_batch(docs) for detector in detectors]
    return [list(row) for row in zip(*by_detector, strict=True)]


def feature_matrix(detectors: Sequence[Detector], texts: Iterable[str]) -> FloatArray:
    """The concatenated features of every text, one row each, analysed in batches of
    :data:`ANALYZE_BATCH` (the way scoring runs them)."""
    rows: list[FloatArray] = []
    iterator = iter(texts)
    while chunk := list(islice(iterator, ANALYZE_BATCH)):
        rows.extend(vector(detections) for detections in analyze_batch(detectors, chunk))
    n_features = sum(len(d.feature_names()) for d in detectors)
    return np.vstack(rows) if rows else np.zeros((0, n_features))


def vector(detections: Sequence[Detection]) -> FloatArray:
    """The concatenated features of one article's detections."""
    return np.fromiter((x for d in detections for x in d.features), dtype=float)


@dataclass
class FeatureExtractor:
    """The detectors in feature order: what :class:`~pipeline.features.DetectorFeatures`
    computes, without being a scikit-learn estimator."""

    detectors: list[Detector]

    def analyze(self, text: str) -> list[Detection]:
        return analyze(self.detectors, text)

    def transform(self, texts: Iterable[str]) -> FloatArray:
        return feature_matrix(self.detectors, texts)

    def get_feature_names_out(self) -> list[str]:
        return [f"{d.name}__{f}" for d in self.detectors for f in d.feature_names()]


@dataclass
class BoostedTrees:
    """One binary ``HistGradientBoostingClassifier``: raw score = baseline + the value of the
    leaf each tree sends the row to. Split nodes of all trees are listed together."""

    baseline: float
    leaf_values: FloatArray  # (n_trees, 32): each tree's leaf values, leaves left to right
    split_tree: NDArray[np.int32]  # per split node: its tree,
    split_feature: NDArray[np.int32]  # the feature it tests (goes left when x <= threshold),
    split_threshold: FloatArray
    split_nan_left: NDArray[np.bool_]  # where a missing value (NaN) goes,
    split_mask: NDArray[np.uint32]  # its tree's leaves outside its left subtree (bit = leaf)

    @property
    def n_trees(self) -> int:
        return len(self.leaf_values)


@dataclass
class Isotonic:
    """An ``IsotonicRegression(out_of_bounds="clip")``: linear between its thresholds,
    constant beyond them."""

    x: FloatArray
    y: FloatArray

    def __call__(self, raw: FloatArray) -> FloatArray:
        out: FloatArray = np.interp(raw, self.x, self.y)
        return out


@dataclass
class _FoldTable:
    table: NDArray[np.uint32]  # (rows, n_trees): AND of the false splits' masks per interval
    features: list[int]  # features some tree of the fold splits on
    offsets: NDArray[np.intp]  # (n_trees,) start of each tree's 32 leaves in leaf_values


@dataclass
class _Tables:
    thresholds: list[FloatArray]  # per feature: every fold's thresholds, sorted, unique
    rows: list[NDArray[np.intp]]  # per feature: (n_folds, len(thresholds) + 2) table row
    folds: list[_FoldTable]


# Index of the lowest set bit of a uint32, from the bit alone: de Bruijn multiplication maps
# each power of two to a distinct top-5-bit pattern.
_DEBRUIJN_MUL = np.uint32(0x077CB531)
_DEBRUIJN = np.zeros(32, dtype=np.intp)
_DEBRUIJN[(np.left_shift(np.uint32(1), np.arange(32, dtype=np.uint32)) * _DEBRUIJN_MUL) >> 27] = (
    np.arange(32)
)


@dataclass
class CalibratedTrees:
    """``CalibratedClassifierCV(HistGradientBoostingClassifier(), method="isotonic")`` for two
    classes: the mean over its folds of each fold's isotonic map of the fold's raw score."""

    n_features: int
    folds: list[tuple[BoostedTrees, Isotonic]]
    _tables: _Tables | None = field(default=None, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_tables"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._tables = None

    def predict(self, X: FloatArray) -> FloatArray:
        """Calibrated probability of the positive class, per row of ``X``."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"expected {self.n_features} feature columns, got {X.shape}")
        tables = self.tables()
        rows = self._rows(X, tables)
        total = np.zeros(len(X))
        for k, ((trees, isotonic), fold) in enumerate(zip(self.folds, tables.folds, strict=True)):
            proba = isotonic(self._raw(trees, fold, rows[k]))
            proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0  # as scikit-learn does
            total += proba
        out: FloatArray = total / len(self.folds)
        return out

    def raw(self, X: FloatArray) -> FloatArray:
        """Each fold's raw (uncalibrated) score, shape (rows, folds)."""
        X = np.asarray(X, dtype=np.float64)
        tables = self.tables()
        rows = self._rows(X, tables)
        out = np.zeros((len(X), len(self.folds)))
        for k, ((trees, _), fold) in enumerate(zip(self.folds, tables.folds, strict=True)):
            out[:, k] = self._raw(trees, fold, rows[k])
        return out

    def _rows(self, X: FloatArray, tables: _Tables) -> NDArray[np.intp]:
        """(folds, features, rows): the table row of each value in each fold."""
        rows = np.zeros((len(self.folds), self.n_features, len(X)), dtype=np.intp)
        nan = np.isnan(X)
        any_nan = bool(nan.any())
        for f, thresholds in enumerate(tables.thresholds):
            if not len(thresholds):
                continue
            interval = np.searchsorted(thresholds, X[:, f])  # how many thresholds < x
            if any_nan:
                interval[nan[:, f]] = len(thresholds) + 1
            rows[:, f, :] = np.take(tables.rows[f], interval, axis=1)
        return rows

    @staticmethod
    def _raw(trees: BoostedTrees, fold: _FoldTable, rows: NDArray[np.intp]) -> FloatArray:
        n = rows.shape[1]
        leaves = np.full((n, trees.n_trees), 0xFFFFFFFF, dtype=np.uint32)
        for f in fold.features:
            np.bitwise_and(leaves, fold.table.take(rows[f], axis=0), out=leaves)
        lowest = leaves & (np.uint32(0) - leaves)
        leaf = _DEBRUIJN.take((lowest * _DEBRUIJN_MUL) >> np.uint32(27))
        values = trees.leaf_values.ravel().take(leaf + fold.offsets)
        # Summed tree by tree from the baseline, in scikit-learn's order (bit-identical sums):
        # reducing over the outer axis of a C-ordered array adds row after row.
        stacked = np.empty((trees.n_trees + 1, n))
        stacked[0] = trees.baseline
        stacked[1:] = values.T
        out: FloatArray = np.add.reduce(stacked, axis=0)
        return out

    def tables(self) -> _Tables:
        if self._tables is None:
            self._tables = self._build_tables()
        return self._tables

    def _build_tables(self) -> _Tables:
        """The per-(fold, feature) interval tables, derived at load time (~16 MB for the
        shipped model: cheaper to build than to store)."""
        nf = self.n_features
        per_fold: list[list[FloatArray]] = []
        fold_tables: list[_FoldTable] = []
        bases: list[NDArray[np.intp]] = []
        for trees, _ in self.folds:
            # Splits by (feature, threshold); rank = the threshold's place among the fold's
            # distinct thresholds of that feature.
            order = np.lexsort((trees.split_threshold, trees.split_feature))
            feature, threshold = trees.split_feature[order], trees.split_threshold[order]
            tree, mask = trees.split_tree[order], trees.split_mask[order]
            new = np.ones(len(order), dtype=np.bool_)
            new[1:] = (feature[1:] != feature[:-1]) | (threshold[1:] != threshold[:-1])
            counts = np.bincount(feature[new], minlength=nf).astype(np.intp)
            first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
            rank = np.cumsum(new) - 1 - first[feature]
            # Rows of feature f: one per interval (below all its thresholds ... above all),
            # then one for NaN; an unused feature has none. The last row is all ones.
            sizes = np.where(counts > 0, counts + 2, 0)
            base = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
            table = np.full((int(sizes.sum()) + 1, trees.n_trees), 0xFFFFFFFF, dtype=np.uint32)
            # A split is false in every interval above its threshold: mark the first such
            # interval, then AND down each feature's intervals.
            np.bitwise_and.at(table, (base[feature] + 1 + rank, tree), mask)
            used = [int(f) for f in np.flatnonzero(counts)]
            for f in used:
                segment = table[base[f] : base[f] + counts[f] + 1]
                np.bitwise_and.accumulate(segment, axis=0, out=segment)
            right = ~trees.split_nan_left[order]
            nan_rows = base[feature[right]] + counts[feature[right]] + 1
            np.bitwise_and.at(table, (nan_rows, tree[right]), mask[right])
            offsets = np.arange(trees.n_trees, dtype=np.intp) * trees.leaf_values.shape[1]
            fold_tables.append(_FoldTable(table, used, offsets))
            bases.append(base)
            per_fold.append(np.split(threshold[new], np.cumsum(counts)[:-1]))
        thresholds = [_distinct(np.concatenate([u[f] for u in per_fold])) for f in range(nf)]
        rows: list[NDArray[np.intp]] = []
        for f, merged in enumerate(thresholds):
            per = []
            for uniques, base, fold in zip(per_fold, bases, fold_tables, strict=True):
                u = uniques[f]
                if not len(u):  # the fold never splits on f: its all-ones last row
                    per.append(np.full(len(merged) + 2, len(fold.table) - 1, dtype=np.intp))
                    continue
                # x in merged interval i (merged[i-1] < x <= merged[i]) is above exactly the
                # fold's thresholds below merged[i]; above all of them in the last interval.
                inner = np.searchsorted(u, merged, side="left")
                per.append(base[f] + np.concatenate([inner, [len(u), len(u) + 1]]))
            rows.append(np.array(per, dtype=np.intp).reshape(len(self.folds), -1))
        return _Tables(thresholds, rows, fold_tables)


def _distinct(values: FloatArray) -> FloatArray:
    """Sorted distinct values (``np.unique`` imports numpy.ma: 20 ms of start-up)."""
    values = np.sort(values)
    keep = np.ones(len(values), dtype=np.bool_)
    keep[1:] = values[1:] != values[:-1]
    out: FloatArray = values[keep]
    return out


@dataclass
class LogisticHead:
    """``StandardScaler`` then binary ``LogisticRegression``: probability of class 1."""

    mean: FloatArray
    scale: FloatArray
    coef: FloatArray  # (n_features, 1)
    intercept: float

    def __call__(self, X: FloatArray) -> FloatArray:
        z = ((X - self.mean) / self.scale) @ self.coef + self.intercept
        with np.errstate(over="ignore"):  # exp overflow -> probability 0, as expit gives
            out: FloatArray = 1.0 / (1.0 + np.exp(-z.ravel()))
        return out


@dataclass
class RuntimeModel:
    """Everything scoring needs, as numpy arrays and the fitted detectors."""

    features: FeatureExtractor
    classifier: CalibratedTrees
    signal_heads: dict[str, LogisticHead]
    settings: Settings
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def detectors(self) -> list[Detector]:
        return self.features.detectors

    def analyze(self, text: str) -> list[Detection]:
        return self.features.analyze(text)

    def feature_slices(self) -> dict[str, slice]:
        """Columns of each detector in the feature matrix."""
        return feature_slices(self.detectors)

    def reliability(self, X: FloatArray) -> FloatArray:
        """Calibrated probability that each article is reliable, from its feature rows."""
        return self.classifier.predict(X)

    def signals(self, X: FloatArray) -> dict[str, FloatArray]:
        """Per-detector problem scores in [0, 1]; 0.5 is each detector's decision threshold."""
        return detector_signals(self.detectors, self.signal_heads, X)

    def verdict(self, reliability: float) -> str:
        return self.settings.verdict.of(reliability)


def save_runtime_model(model: RuntimeModel, path: Path) -> dict[str, Any]:
    """Write the runtime artifact; returns its card entry (file name, sha256, versions)."""
    data = gzip.compress(pickle.dumps(model, protocol=5), compresslevel=6, mtime=0)
    path.write_bytes(data)
    return {
        "artifact": path.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "format": RUNTIME_FORMAT,
        "contents": "numpy arrays, python objects and the fitted detectors; no scikit-learn "
        "or scipy objects, so it loads with any (or no) scikit-learn installed",
        "library_versions": library_versions(("numpy",)),
    }


def load_runtime_model(path: Path | None = None) -> RuntimeModel:
    """The compiled runtime twin of model file ``path`` (default: the shipped model), after
    checking its sha256 against the model's card. A model whose card names no runtime
    artifact, or whose runtime file is missing, is loaded with scikit-learn and compiled in
    memory (slow: ``python -m pipeline.compile_model MODEL`` writes the artifact)."""
    path = Path(path) if path is not None else DEFAULT_MODEL
    if not path.is_file() and not card_path(path).is_file():
        raise ModelError(f"{path}: model file not found (run `make train`)")
    card = read_card(path)
    entry = card.get("runtime")
    runtime = path.with_name(str(entry.get("artifact"))) if isinstance(entry, dict) else None
    if runtime is None or not isinstance(entry, dict) or not runtime.is_file():
        from pipeline.compile_model import compile_model
        from pipeline.model import load_model

        return compile_model(load_model(path))
    if entry.get("compiled_from") != card.get("sha256"):
        raise ModelError(
            f"{runtime}: compiled from another model than {path.name} (its card says so); "
            f"recompile it: python -m pipeline.compile_model {path}"
        )
    data = runtime.read_bytes()
    check_sha256(runtime, entry.get("sha256"), data)
    try:
        model = pickle.loads(gzip.decompress(data))
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError) as exc:
        raise ModelError(f"{runtime}: cannot load the runtime model: {exc}") from exc
    if not isinstance(model, RuntimeModel):
        raise ModelError(f"{runtime}: not an unspun runtime model ({type(model).__name__})")
    return model
