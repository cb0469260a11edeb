"""The evaluation's figures: ROC curves per detector and the reliability (calibration) diagram.

matplotlib is the optional ``plots`` extra: it is imported lazily with the Agg backend (no
display needed), and without it every ``save_*`` function returns ``False`` and draws nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import roc_auc_score, roc_curve

MISSING_NOTE = "matplotlib is not installed (pip install 'unspun[plots]'): plots skipped"


@dataclass(frozen=True)
class RocCurve:
    """One ROC curve: scores of a signal against 0/1 truth (1 = the problem is present)."""

    label: str
    y_true: NDArray[np.int_]
    score: NDArray[np.float64]

    @property
    def auc(self) -> float:
        return float(roc_auc_score(self.y_true, self.score))


@dataclass(frozen=True)
class RocPanel:
    """One detector's panel: its signal against its truth label, overall and per subset."""

    title: str
    curves: Sequence[RocCurve]


def pyplot() -> ModuleType | None:
    """``matplotlib.pyplot`` on the Agg backend, or ``None`` without the ``plots`` extra."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_roc_curves(
    panels: Sequence[RocPanel],
    path: Path,
    title: str = "ROC curves per detector signal, corpus test split",
    columns: int = 3,
) -> bool:
    """One figure, a panel per detector, each curve labelled with its AUC."""
    plt = pyplot()
    if plt is None:
        return False
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(4.2 * columns, 4.2 * rows), dpi=110, squeeze=False
    )
    for ax, panel in zip(axes.flat, panels, strict=False):
        ax.plot([0, 1], [0, 1], linestyle=":", color="grey", linewidth=1)
        for i, curve in enumerate(panel.curves):
            fpr, tpr, _ = roc_curve(curve.y_true, curve.score)
            ax.plot(
                fpr,
                tpr,
                linewidth=2.2 if i == 0 else 1.2,
                color="black" if i == 0 else None,
                label=f"{curve.label} (AUC {curve.auc:.3f})",
            )
        ax.set_title(panel.title, fontsize=10)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.01)
        ax.set_xlabel("false-positive rate")
        ax.set_ylabel("true-positive rate")
        ax.legend(loc="lower right", fontsize=7)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return True


def save_reliability_diagram(bins: Sequence[dict[str, float]], path: Path) -> bool:
    """The calibration diagram: mean predicted reliability vs observed share, per bin."""
    plt = pyplot()
    if plt is None:
        return False
    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=120)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    ax.plot(
        [b["predicted"] for b in bins],
        [b["observed"] for b in bins],
        marker="o",
        label="unspun reliability",
    )
    ax.set_xlabel("predicted reliability (bin mean)")
    ax.set_ylabel("observed share of reliable articles")
    ax.set_title("Reliability diagram, corpus test split")
    ax.legend(loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return True
