"""The evaluation's figures are written as real PNGs, and skipped cleanly without matplotlib."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.training.corpus import CorpusRecord
from pipeline.training.evaluate import calibration_bins, roc_panels, save_plots
from pipeline.training.plots import (
    MISSING_NOTE,
    RocCurve,
    RocPanel,
    save_reliability_diagram,
    save_roc_curves,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
pytest.importorskip("matplotlib")


def synthetic(n: int = 400, separation: float = 1.5, seed: int = 0) -> RocCurve:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return RocCurve(f"separation {separation}", y, y * separation + rng.normal(size=n))


def assert_png(path: Path, min_bytes: int) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > min_bytes, len(data)


def test_roc_figure_has_a_panel_per_detector(tmp_path: Path) -> None:
    panels = [
        RocPanel(name, [synthetic(separation=s, seed=i) for s in (0.2, 1.0, 3.0)])
        for i, name in enumerate(("reliability", "spin", "offtopic", "boilerplate", "readability"))
    ]
    path = tmp_path / "models" / "roc_curves.png"
    assert save_roc_curves(panels, path)
    assert_png(path, 60_000)
    # More separated scores give the larger AUC the legend reports.
    aucs = [curve.auc for curve in panels[0].curves]
    assert aucs == sorted(aucs) and aucs[-1] > 0.95 and 0.4 < aucs[0] < 0.7


def test_reliability_diagram_is_drawn_from_calibration_bins(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    proba = rng.uniform(size=2000)
    y = (rng.uniform(size=2000) < proba).astype(int)  # calibrated by construction
    bins = calibration_bins(y, proba)
    assert all(abs(b["predicted"] - b["observed"]) < 0.1 for b in bins)
    path = tmp_path / "reliability_diagram.png"
    assert save_reliability_diagram(bins, path)
    assert_png(path, 20_000)


def record(variant: str, junk: str | None = None) -> CorpusRecord:
    kind = variant.split(":")[0]
    return CorpusRecord(
        id=variant,
        source_id="s",
        topic="t",
        split="test",
        variant=variant,
        text="",
        reliable=int(kind not in ("spin", "offtopic")),
        spin=int(kind == "spin"),
        offtopic=int(kind == "offtopic"),
        boilerplate=int(kind == "boilerplate" or junk is not None),
        spans=[],
        junk=junk,
    )


def test_evaluate_panels_use_each_detectors_label_and_styles(tmp_path: Path) -> None:
    variants = [
        "clean",
        "spin:light",
        "spin:content_word",
        "offtopic:also_read",
        "boilerplate:tail",
    ]
    records = [record(v, junk="head" if i % 3 == 0 else None) for i in range(40) for v in variants]
    rng = np.random.default_rng(2)
    signals = {name: rng.uniform(size=len(records)) for name in ("spin", "offtopic", "boilerplate")}
    signals["readability"] = rng.uniform(size=len(records))
    # A perfect spin signal: its panel's overall curve must reach AUC 1.
    signals["spin"] = np.array([float(r.spin) for r in records])
    reliability = rng.uniform(size=len(records))
    panels = roc_panels(records, reliability, signals)
    assert [p.title.split()[0] for p in panels] == [
        "reliability",
        "spin",
        "offtopic",
        "boilerplate",
        "readability",
    ]
    spin = panels[1]
    assert [c.label for c in spin.curves] == ["all", "spin:content_word", "spin:light"]
    assert spin.curves[0].auc == 1.0
    # Without the undetectable style the reliability curve has fewer articles.
    assert len(panels[0].curves[1].y_true) == len(records) - 40
    lines: list[str] = []
    bins = calibration_bins(np.array([r.reliable for r in records]), reliability, n_bins=4)
    save_plots(records, reliability, signals, bins, tmp_path, lines.append)
    assert_png(tmp_path / "roc_curves.png", 60_000)
    assert_png(tmp_path / "reliability_diagram.png", 10_000)
    assert lines and lines[0].startswith("wrote")


def test_without_matplotlib_plots_are_skipped_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    lines: list[str] = []
    save_plots(
        [record("clean"), record("spin:light")],
        np.array([0.9, 0.1]),
        {n: np.array([0.1, 0.9]) for n in ("spin", "offtopic", "boilerplate")},
        [],
        tmp_path,
        lines.append,
    )
    assert lines == [MISSING_NOTE]
    assert not list(tmp_path.iterdir())
