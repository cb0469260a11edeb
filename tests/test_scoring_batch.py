"""Scoring a batch detector by detector gives what scoring each article on its own gives."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

from pipeline.article import Article
from pipeline.runtime_model import RuntimeModel, analyze, analyze_batch, load_runtime_model
from pipeline.scoring import Scorer
from pipeline.training.corpus import build_corpus
from pipeline.training.sources import bbc_articles


@pytest.fixture(scope="module")
def runtime() -> RuntimeModel:
    return load_runtime_model()


@pytest.fixture(scope="module")
def texts(seeds: dict[str, str]) -> list[str]:
    real = [*seeds.values(), *(a.text for a in bbc_articles()[:40])]
    return [*real, real[0].replace("\n", "\r\n"), "", "One line only."]


def test_batch_detections_equal_article_by_article(runtime: RuntimeModel, texts: list[str]) -> None:
    batch = analyze_batch(runtime.detectors, texts)
    assert batch == [analyze(runtime.detectors, text) for text in texts]


def test_records_do_not_depend_on_batch_size(runtime: RuntimeModel, texts: list[str]) -> None:
    articles = [Article(str(i), text) for i, text in enumerate(texts)]
    one_by_one = list(Scorer(runtime, batch_size=1).records(articles))
    assert list(Scorer(runtime).records(articles)) == one_by_one
    assert any(record["findings"] for record in one_by_one)


def test_detections_do_not_depend_on_the_callers_blas_threads(runtime: RuntimeModel) -> None:
    """Detectors multiply on one BLAS thread whatever the caller set: on two threads
    OpenBLAS rounds some products differently (two of these corpus articles' off-topic
    features differed in the last bit before the detectors limited it themselves)."""
    wanted = ("bbc/politics/405.txt", "bbc/sports/413.txt")
    texts = [r.text for r in build_corpus(bbc_articles()[::25]) if r.source_id in wanted]
    assert len(texts) > 10
    with threadpool_limits(2, "blas"):
        two = analyze_batch(runtime.detectors, texts)
    with threadpool_limits(1, "blas"):
        one = analyze_batch(runtime.detectors, texts)
    assert two == one
