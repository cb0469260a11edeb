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
