"""The shipped metrics stay at or above their pinned floors (trafilatura's eval-gate idea)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.training.floors import FLOORS, FloorError, change_floors, check_floors, flatten

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


def test_floors_only_go_down_with_the_flag() -> None:
    floors = {"a.f1": 0.80, "b.auc": 0.90}
    measured = {"a.f1": 0.86, "b.auc": 0.85}
    raised = change_floors(floors, measured, raise_all=True)
    assert raised == {"a.f1": 0.85, "b.auc": 0.90}  # raised to measured - margin, never lowered
    with pytest.raises(FloorError, match="--allow-lower"):
        change_floors(floors, measured, settings=["b.auc=0.8"])
    assert change_floors(floors, measured, settings=["b.auc=0.8"], allow_lower=True)["b.auc"] == 0.8
    with pytest.raises(FloorError, match="no such metric"):
        change_floors(floors, measured, settings=["c.auc=0.5"])
