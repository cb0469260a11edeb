"""Line-level evaluation of the boilerplate detector and its baselines.

For each shared set, scores are on that set's dev pages (20% by page-id hash), ambiguous
lines excluded. Two regimes for the detector: ``in_set`` (trained on both sets' train pages)
and ``cross_set`` (trained on the other set only: transfer to an unseen era and junk mix).
Both also see junk injected into train-split BBC articles. The baselines (C4 line rules,
jusText) label the same lines. ``bbc_injected`` scores junk injected into held-out BBC
articles (dev split), where every original line is content.

Run: ``python -m pipeline.training.boilerplate_eval``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pipeline.config import BoilerplateSettings, load_settings
from pipeline.detectors.boilerplate import BoilerplateDetector
from pipeline.text import Document
from pipeline.training.baselines import c4_boilerplate, justext_boilerplate
from pipeline.training.boilerplate_data import (
    LabelledPage,
    bbc_train_texts,
    injected_pages,
    page_weights,
    shared_pages,
    training_table,
)
from pipeline.training.sources import BOILERPLATE_SETS, bbc_articles
from pipeline.training.splits import split_of

Labeller = Callable[[Sequence[str]], list[bool]]


def prf(pages: Sequence[LabelledPage], predict: Labeller) -> dict[str, float]:
    """Precision, recall and F1 of the boilerplate class over non-ambiguous lines."""
    tp = fp = fn = tn = 0
    for page in pages:
        pred = predict(page.lines)
        for p, y in zip(pred, page.labels, strict=True):
            if y < 0:
                continue
            if p and y:
                tp += 1
            elif p:
                fp += 1
            elif y:
                fn += 1
            else:
                tn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "false_positive_rate": round(fp / (fp + tn), 4) if fp + tn else 0.0,
        "lines": tp + fp + fn + tn,
    }


def detector_labeller(detector: BoilerplateDetector) -> Labeller:
    """The detector's line verdicts on a bare list of lines (exactly what detect() flags)."""
    threshold = detector.settings.line_threshold

    def predict(lines: Sequence[str]) -> list[bool]:
        prob, _ = detector.line_probabilities(lines)
        return [bool(p >= threshold) for p in prob]

    return predict


def evaluate_boilerplate(
    settings: BoilerplateSettings | None = None,
    sets: Sequence[str] = BOILERPLATE_SETS,
    seed: int = 0,
    baselines: bool = True,
    shipped: BoilerplateDetector | None = None,
) -> dict[str, Any]:
    """Line-level P/R/F1 per shared set (in-set and cross-set regimes, baselines), and on
    junk injected into held-out BBC articles; ``shipped`` (the model's own detector, trained
    like the in-set one) is scored on the same dev pages too."""
    settings = settings or load_settings().boilerplate
    texts, titles = bbc_train_texts()
    injected_train = injected_pages(texts, seed, titles)
    result: dict[str, Any] = {"threshold": settings.line_threshold}

    def build(train_sets: Sequence[str], split: str) -> tuple[BoilerplateDetector, float]:
        start = time.perf_counter()
        table = training_table(train_sets, split, injected_articles=[], seed=seed)  # type: ignore[arg-type]
        for page in injected_train:
            table.pages.append(page.lines)
            table.labels.append(page.labels)
            table.groups.append(page.page_id)
        table.weights = page_weights(table.pages)
        det = BoilerplateDetector.build(settings, table, seed)
        return det, round(time.perf_counter() - start, 1)

    in_set, secs = build(sets, "train")
    result["build_seconds_in_set"] = secs
    heldout = [a for a in bbc_articles() if split_of(a.id) == "dev"]
    bbc_pages = injected_pages([a.text for a in heldout], seed + 1, titles, prefix="bbc-dev")
    bbc: dict[str, Any] = {
        "articles": len(bbc_pages),
        "in_set": prf(bbc_pages, detector_labeller(in_set)),
    }
    cross_labellers: dict[str, Labeller] = {}
    for name in sets:
        dev = shared_pages(name, "dev")
        labels = np.array([y for p in dev for y in p.labels])
        entry: dict[str, Any] = {
            "dev_pages": len(dev),
            "boilerplate_share": round(float((labels == 1).sum() / max(1, (labels >= 0).sum())), 4),
            "in_set": prf(dev, detector_labeller(in_set)),
        }
        if shipped is not None:
            entry["shipped"] = prf(dev, detector_labeller(shipped))
        others = [s for s in sets if s != name]
        if others:
            cross, secs = build(others, "all")
            entry["cross_set"] = prf(dev, detector_labeller(cross))
            entry["cross_set"]["trained_on"] = "+".join(others)
            entry["build_seconds_cross_set"] = secs
            bbc[f"cross_{'+'.join(others)}"] = prf(bbc_pages, detector_labeller(cross))
            cross_labellers[f"cross_{'+'.join(others)}"] = detector_labeller(cross)
        if baselines:
            entry["c4"] = prf(dev, c4_boilerplate)
            entry["justext"] = prf(dev, justext_boilerplate)
        result[name] = entry
    if baselines:
        bbc["c4"] = prf(bbc_pages, c4_boilerplate)
        bbc["justext"] = prf(bbc_pages, justext_boilerplate)
    result["bbc_injected"] = bbc
    clean = [
        [ln.text for ln in Document(a.text).content_lines]
        for a in bbc_articles()
        if split_of(a.id) == "test"
    ]
    flagged = {"in_set": detector_labeller(in_set), **cross_labellers}
    if shipped is not None:
        flagged["shipped"] = detector_labeller(shipped)
    result["bbc_clean_test_flagged_share"] = {
        name: round(sum(sum(f(lines)) for lines in clean) / sum(map(len, clean)), 4)
        for name, f in flagged.items()
    }
    return result


def format_report(result: dict[str, Any]) -> str:
    """A plain-text table of :func:`evaluate_boilerplate`'s result."""
    rows = [f"{'set':<14}{'method':<26}{'P':>7}{'R':>7}{'F1':>7}{'FPR':>7}{'lines':>8}"]
    for name, entry in result.items():
        if not isinstance(entry, dict):
            continue
        for method, m in entry.items():
            if isinstance(m, dict) and "f1" in m:
                label = method + (f" ({m['trained_on']})" if "trained_on" in m else "")
                rows.append(
                    f"{name:<14}{label:<26}{m['precision']:>7.3f}{m['recall']:>7.3f}"
                    f"{m['f1']:>7.3f}{m['false_positive_rate']:>7.3f}{m['lines']:>8}"
                )
    for name, share in result.get("bbc_clean_test_flagged_share", {}).items():
        rows.append(f"{'bbc_clean':<14}{name:<26} share of clean test lines flagged {share:.4f}")
    return "\n".join(rows)


if __name__ == "__main__":
    import json

    res = evaluate_boilerplate()
    print(format_report(res))
    print(json.dumps(res, indent=1))
