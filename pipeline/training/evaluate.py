"""``unspun evaluate``: per-detector metrics on held-out data, beside simple baselines.

- reliability: ROC AUC and Brier score of the shipped model on the corpus test split (beside
  the Brier score of always predicting the training base rate);
- spin: leave-one-spinner-out — the spin head is refit on train-split articles without one
  spinner style and scored on the test-split articles of that style against clean ones;
- off-topic: paragraph precision/recall/F1 per insertion style on test-split articles;
- boilerplate: line precision/recall/F1 on page-split dev pages of each shared set, beside
  C4's line rules and jusText on the same lines.

With the ``plots`` extra it also draws, beside the metrics file, the ROC curves of every
detector signal on the test split (``roc_curves.png``) and the reliability diagram.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, f1_score, roc_auc_score

from pipeline.model import DEFAULT_MODEL, ReliabilityModel, card_path, read_card
from pipeline.training.boilerplate_eval import evaluate_boilerplate
from pipeline.training.corpus import CorpusRecord, read_corpus
from pipeline.training.featurize import featurize
from pipeline.training.floors import check_floors
from pipeline.training.insertions import evaluate_offtopic
from pipeline.training.plots import (
    MISSING_NOTE,
    RocCurve,
    RocPanel,
    save_reliability_diagram,
    save_roc_curves,
)
from pipeline.training.sources import OTHER_NEWS, DataUnavailable, bbc_articles, other_news
from pipeline.training.spin_eval import leave_one_style_out
from pipeline.training.splits import split_of
from pipeline.training.train import UNDETECTABLE_VARIANTS, fit_part

# Detectors whose signal has a label of its own in the corpus (readability has none).
DETECTOR_LABELS = ("spin", "offtopic", "boilerplate")


def _features(
    model: ReliabilityModel, records: list[CorpusRecord], n_jobs: int, cache: Path | None
) -> NDArray[np.float64]:
    """The records' feature matrix, cached beside the corpus per model (keyed by sha256)."""
    if cache is not None and cache.is_file():
        cached: NDArray[np.float64] = np.load(cache)
        if cached.shape[0] == len(records):
            return cached
    X = featurize(model.features, [r.text for r in records], n_jobs=n_jobs)
    if cache is not None:
        np.save(cache, X)
    return X


def reliability_metrics(
    model: ReliabilityModel, X: NDArray[np.float64], records: list[CorpusRecord], base_rate: float
) -> dict[str, Any]:
    y = np.array([r.reliable for r in records])
    proba = model.reliability(X)
    by_variant: dict[str, float] = {}
    for variant in sorted({r.variant for r in records}):
        mask = np.array([r.variant == variant for r in records])
        by_variant[variant] = round(float(proba[mask].mean()), 4)
    detectable = np.array([r.variant not in UNDETECTABLE_VARIANTS for r in records])
    return {
        "n": len(records),
        "roc_auc": float(roc_auc_score(y, proba)),
        "roc_auc_without_undetectable": float(roc_auc_score(y[detectable], proba[detectable])),
        "brier_without_undetectable": float(brier_score_loss(y[detectable], proba[detectable])),
        "brier": float(brier_score_loss(y, proba)),
        "baseline_brier_base_rate": float(brier_score_loss(y, np.full(len(y), base_rate))),
        "accuracy_at_0.5": float(((proba >= 0.5) == y).mean()),
        "mean_reliability_by_variant": by_variant,
    }


def calibration_bins(
    y: NDArray[np.int_], proba: NDArray[np.float64], n_bins: int = 10
) -> list[dict[str, float]]:
    """Reliability-diagram points: mean predicted vs observed share reliable, per bin."""
    observed, predicted = calibration_curve(y, proba, n_bins=n_bins, strategy="quantile")
    return [
        {"predicted": round(float(p), 4), "observed": round(float(o), 4)}
        for p, o in zip(predicted, observed, strict=True)
    ]


def roc_panels(
    records: list[CorpusRecord],
    reliability: NDArray[np.float64],
    signals: dict[str, NDArray[np.float64]],
) -> list[RocPanel]:
    """The ROC figure's panels: reliability against the reliable label, and each detector
    signal against its own label, overall (the black curve) and per corruption style (that
    style's articles against every article without the problem)."""
    variants = np.array([r.variant for r in records])
    reliable = np.array([r.reliable for r in records])
    detectable = ~np.isin(variants, sorted(UNDETECTABLE_VARIANTS))
    panels = [
        RocPanel(
            "reliability vs the reliable label",
            [
                RocCurve("all variants", reliable, reliability),
                RocCurve(
                    f"without {', '.join(sorted(UNDETECTABLE_VARIANTS))}",
                    reliable[detectable],
                    reliability[detectable],
                ),
            ],
        )
    ]
    labels = {name: np.array([getattr(r, name) for r in records]) for name in DETECTOR_LABELS}
    for name, y in labels.items():
        curves = [RocCurve("all", y, signals[name])]
        for variant in sorted(v for v in set(variants) if v.startswith(f"{name}:")):
            mask = (variants == variant) | (y == 0)
            curves.append(RocCurve(variant, y[mask], signals[name][mask]))
        panels.append(RocPanel(f"{name} signal vs the {name} label", curves))
    if "readability" in signals:
        # Readability has no label of its own: spun and junk-laden text reads differently.
        corrupted = np.max(np.vstack(list(labels.values())), axis=0)
        curves = [RocCurve("any problem", corrupted, signals["readability"])]
        for name, y in labels.items():
            mask = (y == 1) | (corrupted == 0)
            curves.append(RocCurve(f"{name} only", y[mask], signals["readability"][mask]))
        panels.append(RocPanel("readability atypicality vs any problem", curves))
    return panels


def save_plots(
    records: list[CorpusRecord],
    reliability: NDArray[np.float64],
    signals: dict[str, NDArray[np.float64]],
    bins: list[dict[str, float]],
    folder: Path,
    echo: Callable[[str], Any],
) -> None:
    """Draw the figures beside the metrics, or say in one line why not."""
    roc = folder / "roc_curves.png"
    diagram = folder / "reliability_diagram.png"
    if not save_roc_curves(roc_panels(records, reliability, signals), roc):
        echo(MISSING_NOTE)
        return
    save_reliability_diagram(bins, diagram)
    echo(f"wrote {roc} and {diagram}")


def other_sources(model: ReliabilityModel, n_jobs: int, limit: int = 1500) -> dict[str, Any]:
    """Clean news of other sources/eras, never trained on: how often each signal fires and
    how often the verdict is not ``reliable`` (all of these are false positives)."""
    out: dict[str, Any] = {}
    for name in OTHER_NEWS:
        try:
            articles = other_news(name, limit)
        except DataUnavailable as exc:
            out[name] = {"unavailable": str(exc)}
            continue
        X = featurize(model.features, [a.text for a in articles], n_jobs=n_jobs)
        signals = model.signals(X)
        reliability = model.reliability(X)
        verdicts = [model.verdict(float(r)) for r in reliability]
        out[name] = {
            "n": len(articles),
            "spin_fpr": float((signals["spin"] >= 0.5).mean()),
            # 1 - spin_fpr, so the floors (higher is better) can pin the transfer target
            "spin_specificity": float((signals["spin"] < 0.5).mean()),
            "offtopic_fpr": float((signals["offtopic"] >= 0.5).mean()),
            "not_reliable_rate": float(np.mean([v != "reliable" for v in verdicts])),
            "unreliable_rate": float(np.mean([v == "unreliable" for v in verdicts])),
            "mean_reliability": float(reliability.mean()),
        }
    return out


def spin_transfer(
    model: ReliabilityModel,
    X_train: NDArray[np.float64],
    train: list[CorpusRecord],
    X_test: NDArray[np.float64],
    test: list[CorpusRecord],
) -> dict[str, Any]:
    """Leave-one-spinner-out AUC/F1 of a head on the spin detector's features alone."""
    cols = model.feature_slices()["spin"]
    (spin,) = [d for d in model.features.detectors if d.name == "spin"]
    head_cols = [spin.feature_names().index(n) for n in spin.head_feature_names()]
    out = leave_one_style_out(X_train[:, cols], train, X_test[:, cols], test, head_cols)
    # The shipped signal head (trained on every style) on the whole test split.
    y_all = np.array([r.spin for r in test])
    signal = model.signals(X_test)["spin"]
    out["shipped_head_all_styles"] = {
        "roc_auc": float(roc_auc_score(y_all, signal)),
        "f1": float(f1_score(y_all, signal >= 0.5)),
    }
    return out


def run_evaluation(
    model: ReliabilityModel,
    model_path: Path | None,
    corpus: Path,
    output: Path,
    n_jobs: int = -1,
    echo: Callable[[str], Any] = print,
) -> list[str]:
    """Measure everything, print a summary, write ``output``; return metrics below floors."""
    train, test = fit_part(read_corpus(corpus, "train")), read_corpus(corpus, "test")
    echo(f"featurizing {len(train)} train and {len(test)} test corpus articles ...")
    sha = str(read_card(model_path or DEFAULT_MODEL).get("sha256", ""))[:16]
    X_train = _features(model, train, n_jobs, corpus / f".features-{sha}-train-fit.npy")
    X_test = _features(model, test, n_jobs, corpus / f".features-{sha}-test.npy")
    base_rate = float(np.mean([r.reliable for r in train]))
    held_out = [a for a in bbc_articles() if split_of(a.id) == "test"]
    offtopic_detector = next(d for d in model.features.detectors if d.name == "offtopic")
    boilerplate_detector = next(d for d in model.features.detectors if d.name == "boilerplate")
    reliability = reliability_metrics(model, X_test, test, base_rate)
    test_proba = model.reliability(X_test)
    bins = calibration_bins(np.array([r.reliable for r in test]), test_proba)
    reliability["calibration_bins"] = bins
    save_plots(test, test_proba, model.signals(X_test), bins, output.parent, echo)
    metrics: dict[str, Any] = {
        "reliability": reliability,
        "other_sources_clean": other_sources(model, n_jobs),
        "spin_leave_one_style_out": spin_transfer(model, X_train, train, X_test, test),
        "offtopic_paragraphs": evaluate_offtopic(offtopic_detector, held_out, random.Random(7)),  # type: ignore[arg-type]
        "boilerplate_lines": evaluate_boilerplate(
            boilerplate_detector.settings,  # type: ignore[attr-defined]
            shipped=boilerplate_detector,  # type: ignore[arg-type]
        ),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    _update_card(model_path or DEFAULT_MODEL, metrics)
    echo(render(metrics))
    echo(f"wrote {output}")
    return check_floors(metrics)


def _update_card(model_path: Path, metrics: dict[str, Any]) -> None:
    """Copy the test metrics into the model card (the artifact's sha256 is unaffected)."""
    card = read_card(model_path)
    card.setdefault("metrics", {})["test"] = metrics
    card_path(model_path).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


def render(metrics: dict[str, Any]) -> str:
    r = metrics["reliability"]
    lines = [
        "== reliability (corpus test split) ==",
        f"  ROC AUC {r['roc_auc']:.4f}   Brier {r['brier']:.4f}   "
        f"(base-rate baseline Brier {r['baseline_brier_base_rate']:.4f})   n={r['n']}",
        f"  without {', '.join(sorted(UNDETECTABLE_VARIANTS))} (no detector evidence): "
        f"ROC AUC {r['roc_auc_without_undetectable']:.4f}   "
        f"Brier {r['brier_without_undetectable']:.4f}",
        "== spin, leave-one-spinner-out (held-out style vs clean, test split) ==",
    ]
    for style, m in metrics["spin_leave_one_style_out"].items():
        extra = f"   clean FPR {m['clean_fpr']:.3f}" if "clean_fpr" in m else ""
        lines.append(f"  {style:<24} AUC {m['roc_auc']:.4f}   F1 {m['f1']:.4f}{extra}")
    lines.append("== clean news of other sources (never trained on): false-positive rates ==")
    for source, m in metrics["other_sources_clean"].items():
        if "unavailable" in m:
            lines.append(f"  {source:<12} unavailable: {m['unavailable']}")
            continue
        lines.append(
            f"  {source:<12} n={m['n']:<5} spin FPR {m['spin_fpr']:.3f}   offtopic FPR "
            f"{m['offtopic_fpr']:.3f}   not 'reliable' {m['not_reliable_rate']:.3f}   "
            f"'unreliable' {m['unreliable_rate']:.3f}"
        )
    lines.append("== off-topic paragraphs (test split) ==")
    for style, m in metrics["offtopic_paragraphs"].items():
        if isinstance(m, dict) and "f1" in m:
            lines.append(
                f"  {style:<24} P {m['precision']:.4f}   R {m['recall']:.4f}   F1 {m['f1']:.4f}"
            )
    lines.append("== boilerplate lines (page-split dev pages) ==")
    lines.extend(_render_boilerplate(metrics["boilerplate_lines"]))
    return "\n".join(lines)


def _render_boilerplate(m: dict[str, Any], indent: str = "  ") -> list[str]:
    out: list[str] = []
    for key, value in m.items():
        if isinstance(value, dict) and "f1" in value:
            out.append(
                f"{indent}{key:<30} P {value['precision']:.4f}   R {value['recall']:.4f}   "
                f"F1 {value['f1']:.4f}"
            )
        elif isinstance(value, dict):
            out.append(f"{indent}{key}")
            out.extend(_render_boilerplate(value, indent + "  "))
    return out
