"""The one train/dev/test split: by source article, never by line or by variant."""

from __future__ import annotations

import hashlib
from typing import Literal

Split = Literal["train", "dev", "test"]


def split_of(article_id: str) -> Split:
    """70/10/20 split on a hash of the source article's id, so every variant of one article
    (clean, spun, with insertions) lands in the same split."""
    h = int(hashlib.sha256(article_id.encode()).hexdigest()[:8], 16) % 100
    return "train" if h < 70 else ("dev" if h < 80 else "test")


TrainPart = Literal["reference", "fit"]


def train_part(article_id: str) -> TrainPart:
    """Which half of the train split an article serves.

    Detectors carry statistics of the text they were built on (bigram counts, IDF); a
    classifier fitted on features of those same articles would learn that clean text has no
    unseen bigrams. So reference statistics come from the ``reference`` part (60%) and the
    heads and reliability classifier are fitted on the ``fit`` part (40%).
    """
    h = int(hashlib.sha256(f"part:{article_id}".encode()).hexdigest()[:8], 16) % 100
    return "reference" if h < 60 else "fit"
