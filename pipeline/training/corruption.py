"""What every corruption generator returns: the corrupted text and where the damage is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CorruptionKind = Literal["spin", "offtopic", "boilerplate"]


@dataclass(frozen=True)
class Corruption:
    """A corrupted copy of a clean article.

    ``spans`` are the ``[start, end)`` offsets in ``text`` of what the generator changed or
    inserted: replaced words for spin, whole inserted paragraphs for off-topic, whole inserted
    lines for boilerplate. ``style`` names the generator variant (e.g. ``function_word``).
    """

    text: str
    kind: CorruptionKind
    style: str
    spans: tuple[tuple[int, int], ...]
