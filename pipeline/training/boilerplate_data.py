"""Training data for the boilerplate detector: the shared labelled line sets, split by page,
plus clean BBC articles with injected junk lines."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from pipeline.config import BoilerplateSettings, load_settings
from pipeline.detectors.boilerplate import (
    BoilerplateDetector,
    LineTable,
    comment_thread_lines,
    page_features,
)
from pipeline.text import Document
from pipeline.training.boilerplate_injection import (
    POSITIONS,
    inject_boilerplate,
    reshape_content,
)
from pipeline.training.sources import BOILERPLATE_SETS, bbc_articles, boilerplate_lines
from pipeline.training.splits import split_of

PageSplit = Literal["train", "dev"]
DEV_PERCENT = 20
COMMENT_THREAD_SHARE = 0.25
# Training labels of content lines in comment threads (1: boilerplate, our policy).
COMMENT_POLICY: int | None = 1
# A page of more lines than this weighs as much as one of this many (see page_weights).
PAGE_WEIGHT_LINES = 30


def page_split(page_id: str) -> PageSplit:
    """20% of pages are dev, by a hash of the page id (never split a page's lines)."""
    h = int(hashlib.sha256(page_id.encode()).hexdigest()[:8], 16) % 100
    return "dev" if h < DEV_PERCENT else "train"


@dataclass(frozen=True)
class LabelledPage:
    """One page's non-blank lines with labels: 1 boilerplate, 0 content, -1 ambiguous."""

    page_id: str
    lines: list[str]
    labels: list[int]


def shared_pages(
    set_name: str, split: PageSplit | Literal["all"] = "all", comment_policy: int | None = None
) -> list[LabelledPage]:
    """Pages of one shared set (blank lines dropped), restricted to ``split``.

    ``comment_policy`` (1 or -1) relabels content lines inside a reader comment thread
    (:func:`comment_thread_lines`) as boilerplate or ambiguous: for us comments are page
    furniture, while CleanEval's gold keeps them as content. ``None`` keeps the gold."""
    pages: dict[str, LabelledPage] = {}
    for row in boilerplate_lines(set_name):
        if not row.text.strip():
            continue
        if split != "all" and page_split(row.page_id) != split:
            continue
        page = pages.setdefault(row.page_id, LabelledPage(row.page_id, [], []))
        page.lines.append(row.text)
        page.labels.append(-1 if row.ambiguous else int(row.is_boilerplate))
    if comment_policy is not None:
        for page in pages.values():
            thread = comment_thread_lines(page_features(page.lines)[0])
            for i in np.flatnonzero(thread):
                if page.labels[i] == 0:
                    page.labels[i] = comment_policy
    return list(pages.values())


def injected_pages(
    texts: Sequence[str], seed: int = 0, headlines: Sequence[str] = (), prefix: str = "bbc"
) -> list[LabelledPage]:
    """Each text, laid out like a scraped page (:func:`reshape_content`), with junk injected
    at a random position (sometimes two; a quarter of the pages end in a reader comment
    thread), labelled by line."""
    rng = random.Random(seed)
    pages = []
    for k, text in enumerate(texts):
        text = reshape_content(text, rng)
        position = rng.choice(POSITIONS)
        comments = 0
        if rng.random() < COMMENT_THREAD_SHARE:
            position, comments = "tail", rng.randint(2, 15)
        corruption = inject_boilerplate(text, rng, position, headlines=headlines, comments=comments)
        new_text, spans = corruption.text, set(corruption.spans)
        if rng.random() < 0.3:
            second = inject_boilerplate(new_text, rng, rng.choice(POSITIONS), headlines=headlines)
            shift = _shifted(corruption.spans, second.spans)
            new_text, spans = second.text, set(second.spans) | set(shift)
        lines = Document(new_text).content_lines
        labels = [int((line.start, line.end) in spans) for line in lines]
        pages.append(LabelledPage(f"{prefix}/{k}", [line.text for line in lines], labels))
    return pages


def _shifted(
    old: Iterable[tuple[int, int]], new: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Old spans moved past a second insertion (which is one contiguous region)."""
    if not new:
        return list(old)
    start = new[0][0]
    # The inserted region includes its leading "\n\n" separator.
    width = new[-1][1] - start + 2
    return [(s + width, e + width) if s >= start else (s, e) for s, e in old]


def bbc_train_texts() -> tuple[list[str], list[str]]:
    """Train-split BBC article texts and their titles (for "Related Posts" headlines)."""
    arts = [a for a in bbc_articles() if split_of(a.id) == "train"]
    return [a.text for a in arts], [a.text.split("\n", 1)[0] for a in arts]


def page_weights(pages: Sequence[Sequence[str]], lines: int = PAGE_WEIGHT_LINES) -> list[float]:
    """Per-page weights that cap each page's total weight at ``lines`` lines' worth. Left
    unweighted, a few long dragnet comment threads (hundreds of lines each) teach the model
    that deep prose on a long page is junk, and it flags the body of long non-news
    documents (CleanEval train-split error analysis: pages over 150 lines hold half its
    lines)."""
    return [min(1.0, lines / max(1, len(page))) for page in pages]


def training_table(
    sets: Sequence[str] = BOILERPLATE_SETS,
    split: PageSplit | Literal["all"] = "train",
    injected_articles: Sequence[str] | None = None,
    headlines: Sequence[str] = (),
    seed: int = 0,
    comment_policy: int | None = COMMENT_POLICY,
) -> LineTable:
    """Shared-set pages of ``split`` (comment threads relabelled by ``comment_policy``, see
    :func:`shared_pages`) plus injected articles (train-split BBC by default)."""
    pages: list[LabelledPage] = []
    for name in sets:
        pages.extend(shared_pages(name, split, comment_policy))
    if injected_articles is None:
        injected_articles, headlines = bbc_train_texts()
    pages.extend(injected_pages(injected_articles, seed, headlines))
    return LineTable(
        [p.lines for p in pages],
        [p.labels for p in pages],
        [p.page_id for p in pages],
        page_weights([p.lines for p in pages]),
    )


def build_boilerplate_detector(
    settings: BoilerplateSettings | None = None,
    sets: Sequence[str] = BOILERPLATE_SETS,
    injected_articles: Sequence[str] | None = None,
    seed: int = 0,
    split: PageSplit | Literal["all"] = "train",
) -> BoilerplateDetector:
    """The standard build: shared sets' ``split`` pages + junk injected into train-split BBC
    articles (or ``injected_articles``). ``split="all"`` uses every shared page."""
    settings = settings or load_settings().boilerplate
    table = training_table(sets, split, injected_articles, seed=seed)
    return BoilerplateDetector.build(settings, table, seed)
