"""The article, its findings, and the one offset convention.

Offsets are Python ``str`` indices into the article text exactly as read (no newline
translation: ``\\r\\n`` stays two characters), end exclusive, so that
``finding.text == article.text[finding.start:finding.end]`` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FindingKind = Literal["spin", "offtopic", "boilerplate"]
FINDING_KINDS: tuple[FindingKind, ...] = ("spin", "offtopic", "boilerplate")


@dataclass(frozen=True)
class Article:
    """One article as read: ``id`` and ``source`` name it, ``text`` is untouched.

    ``extracted`` marks text that was pulled out of markup (HTML) rather than read as is: the
    reader cannot see it, so its record carries it for the offsets to index into.
    """

    id: str
    text: str
    source: str | None = None
    title: str | None = None
    url: str | None = None
    extracted: bool = False


@dataclass(frozen=True)
class ReadError:
    """An input that could not be read as an article; it becomes an error record."""

    id: str
    source: str | None
    type: str
    message: str


@dataclass(frozen=True)
class Finding:
    """A span of the article that a detector flags, with why and (for spin) a fix."""

    kind: FindingKind
    start: int
    end: int
    text: str
    score: float
    reason: str
    suggestion: str | None = None

    @classmethod
    def at(
        cls,
        article_text: str,
        kind: FindingKind,
        start: int,
        end: int,
        score: float,
        reason: str,
        suggestion: str | None = None,
    ) -> Finding:
        """Build a finding whose ``text`` is cut from the article, so the two never disagree:
        its span checked and its score clamped to [0, 1], then :meth:`unchecked`."""
        if not 0 <= start < end <= len(article_text):
            raise ValueError(f"finding span [{start}, {end}) outside text of {len(article_text)}")
        score = min(1.0, max(0.0, float(score)))
        return cls.unchecked(article_text, kind, start, end, score, reason, suggestion)

    @classmethod
    def unchecked(
        cls,
        article_text: str,
        kind: FindingKind,
        start: int,
        end: int,
        score: float,
        reason: str,
        suggestion: str | None = None,
    ) -> Finding:
        """:meth:`at` without its checks, for a detector whose spans (non-empty, inside the
        text) and scores (floats in [0, 1]) hold by construction and that makes thousands a
        batch: the fields are set as one dict (the frozen ``__init__`` sets them one call at a
        time: 4x slower). The same finding as the ``__init__`` makes
        (``tests/test_spin_synonyms.py``)."""
        finding: Finding = object.__new__(cls)
        object.__setattr__(
            finding,
            "__dict__",
            {
                "kind": kind,
                "start": start,
                "end": end,
                "text": article_text[start:end],
                "score": score,
                "reason": reason,
                "suggestion": suggestion,
            },
        )
        return finding

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": round(self.score, 4),
            "reason": self.reason,
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True)
class Related:
    """A link to another article of the same batch."""

    id: str
    relation: Literal["duplicate", "spun_copy"]
    similarity: float


@dataclass
class ScoredArticle:
    """What scoring says about one article: the record the writers serialise."""

    id: str
    source: str | None
    reliability: float
    verdict: Literal["reliable", "suspect", "unreliable"]
    signals: dict[str, float]
    findings: list[Finding]
    related: list[Related] = field(default_factory=list)
    text: str | None = None  # set for extracted (HTML) articles: the text the offsets index

    def to_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            **({} if self.text is None else {"text": self.text}),
            "reliability": round(self.reliability, 4),
            "verdict": self.verdict,
            "signals": {k: round(v, 4) for k, v in self.signals.items()},
            "findings": [f.to_dict() for f in self.findings],
            "related": [
                {"id": r.id, "relation": r.relation, "similarity": round(r.similarity, 4)}
                for r in self.related
            ],
            "error": None,
        }


def error_record(error: ReadError) -> dict[str, Any]:
    """The record of an input that could not be scored: scores absent, error set."""
    return {
        "id": error.id,
        "source": error.source,
        "error": {"type": error.type, "message": error.message},
    }
