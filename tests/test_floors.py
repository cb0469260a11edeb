"""The shipped metrics stay at or above their pinned floors (trafilatura's eval-gate idea)."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.training.evaluate import FLOORS, check_floors, flatten

METRICS = Path(__file__).resolve().parent.parent / "models" / "metrics.json"


def test_shipped_metrics_meet_every_floor() -> None:
    metrics = json.loads(METRICS.read_text(encoding="utf-8"))
    assert check_floors(metrics) == []


def test_a_drop_below_a_floor_is_reported() -> None:
    metrics = json.loads(METRICS.read_text(encoding="utf-8"))
    metrics["reliability"]["roc_auc"] = 0.5
    del metrics["offtopic_paragraphs"]
    below = check_floors(metrics)
    assert any(line.startswith("reliability.roc_auc = 0.5000 <") for line in below)
    assert any("offtopic_paragraphs" in line and "missing" in line for line in below)


def test_floors_name_real_metrics() -> None:
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))["floors"]
    flat = flatten(json.loads(METRICS.read_text(encoding="utf-8")))
    assert set(floors) <= set(flat)
    assert all(0.0 < value <= 1.0 for value in floors.values())
