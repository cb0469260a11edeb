"""Articles in, records out: detectors -> features -> model -> verdict, in batches."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np

from pipeline.article import Article, Finding, ReadError, ScoredArticle, error_record
from pipeline.detectors.base import single_threaded_blas
from pipeline.runtime_model import ANALYZE_BATCH, RuntimeModel, analyze_batch, vector

if TYPE_CHECKING:
    from pipeline.model import ReliabilityModel

Verdict = Literal["reliable", "suspect", "unreliable"]


def resolve(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in text order; where two detectors flag the very same span (a comment-form
    line is both junk and unrelated to the story), the more confident kind wins."""
    best: dict[tuple[int, int], Finding] = {}
    spin: list[Finding] = []
    for finding in findings:
        if finding.kind == "spin":
            spin.append(finding)
            continue
        key = (finding.start, finding.end)
        if key not in best or finding.score > best[key].score:
            best[key] = finding
    return sorted([*spin, *best.values()], key=lambda f: (f.start, f.end, f.kind))


class Scorer:
    """Scores articles with one loaded model (the compiled runtime model; a scikit-learn
    :class:`~pipeline.model.ReliabilityModel` predicts the same, slower); batching amortises
    the classifier calls."""

    def __init__(
        self, model: RuntimeModel | ReliabilityModel, batch_size: int = ANALYZE_BATCH
    ) -> None:
        self.model = model
        self.batch_size = batch_size

    def score_batch(self, articles: list[Article]) -> list[ScoredArticle]:
        if not articles:
            return []
        analyses = analyze_batch(self.model.features.detectors, [a.text for a in articles])
        X = np.vstack([vector(detections) for detections in analyses])
        with single_threaded_blas():
            reliability = self.model.reliability(X)
            signals = self.model.signals(X)
        scored = []
        for i, (article, detections) in enumerate(zip(articles, analyses, strict=True)):
            findings = resolve(f for d in detections for f in d.findings)
            r = float(reliability[i])
            scored.append(
                ScoredArticle(
                    id=article.id,
                    source=article.source,
                    reliability=r,
                    verdict=cast(Verdict, self.model.verdict(r)),
                    signals={name: float(values[i]) for name, values in signals.items()},
                    findings=findings,
                    text=article.text if article.extracted else None,
                )
            )
        return scored

    def score(self, article: Article) -> ScoredArticle:
        return self.score_batch([article])[0]

    def records(self, items: Iterable[Article | ReadError]) -> Iterator[dict[str, Any]]:
        """One record per input item, in input order; read errors pass through as records."""
        iterator = iter(items)
        while chunk := list(islice(iterator, self.batch_size)):
            articles = [item for item in chunk if isinstance(item, Article)]
            scored = iter(self.score_batch(articles))
            for item in chunk:
                if isinstance(item, ReadError):
                    yield error_record(item)
                else:
                    yield next(scored).to_record()
