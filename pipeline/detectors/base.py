"""The one small contract every detector follows."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

from threadpoolctl import ThreadpoolController

from pipeline.article import Finding
from pipeline.text import Document


@dataclass(frozen=True)
class Detection:
    """What one detector saw in one article.

    ``features`` line up with the detector's :meth:`Detector.feature_names`; ``findings``
    are the spans it flags, each with its own score and reason.
    """

    detector: str
    features: tuple[float, ...]
    findings: tuple[Finding, ...] = ()


class Detector(ABC):
    """A detector of one kind of problem.

    Subclasses are built (and, where they need reference data, fitted) at training time and
    pickled inside the shipped model; :meth:`detect` must be pure and fast.
    """

    name: ClassVar[str]

    @abstractmethod
    def feature_names(self) -> tuple[str, ...]:
        """Names of the numeric features :meth:`detect` returns, in order."""

    def head_feature_names(self) -> tuple[str, ...]:
        """The features the detector's signal head is fitted on (all, unless a detector
        condenses its evidence into fewer that transfer better)."""
        return self.feature_names()

    @abstractmethod
    def detect(self, doc: Document) -> Detection:
        """Features and findings for one article."""

    def detect_batch(self, docs: Sequence[Document]) -> list[Detection]:
        """:meth:`detect` of each document. A detector overrides it where work shared across
        a batch (one vocabulary look-up, one array operation for all articles) is cheaper than
        article by article; an article's detection must not depend on the batch it is in."""
        return [self.detect(doc) for doc in docs]

    def _detection(self, features: list[float], findings: list[Finding]) -> Detection:
        names = self.feature_names()
        if len(features) != len(names):
            raise ValueError(f"{self.name}: {len(features)} features for {len(names)} names")
        return Detection(self.name, tuple(float(x) for x in features), tuple(findings))


@cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def single_threaded_blas() -> AbstractContextManager[object]:
    """BLAS limited to one thread while detectors and heads compute. Their products are
    small (an article's paragraphs x its words x 64 topics): OpenBLAS's threads cost far more than
    they save there (a 60x250 by 250x64 product took 3.9 ms on two threads with the other
    core busy, 0.06 ms on one), and a product's last bits would depend on the machine's core
    count. Every detector that multiplies matrices runs inside it, in training and
    scoring alike."""
    limiter: AbstractContextManager[object] = _blas().limit(limits=1, user_api="blas")
    return limiter
