"""Cleaned article text: junk lines and off-topic paragraphs cut, the body kept byte for byte.

A pure function of the text and its findings (no model here), so it can be reused on stored
records. Rules:

- a boilerplate or off-topic finding removes every line it touches, each with its line
  terminator, so every kept line is an exact line of the original, in order;
- blank lines around a cut collapse to the separator the text had before the cut (or after it,
  where there was none before), and a cut at the very start or end takes its blank lines with
  it, so no cut leaves a run of blank lines behind;
- ``despin_min_score`` (``--despin``) also replaces the spin findings at least that confident
  in the kept text with their suggestions.

Without despinning, the original text minus the ``removed`` spans is exactly the cleaned text.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipeline.article import Finding, FindingKind
from pipeline.text import Span, split_lines

CUT_KINDS: frozenset[FindingKind] = frozenset({"boilerplate", "offtopic"})


@dataclass(frozen=True)
class Removed:
    """A cut span of the original text (whole lines with terminators), and why it went."""

    kind: FindingKind
    start: int
    end: int

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Cleaned:
    text: str
    removed: tuple[Removed, ...]
    replaced: int  # spin findings replaced by their suggestions


def findings_from_record(record: dict[str, Any]) -> list[Finding]:
    """A scored record's findings as :class:`Finding` objects (to clean stored records)."""
    return [
        Finding(
            f["kind"], f["start"], f["end"], f["text"], f["score"], f["reason"], f.get("suggestion")
        )
        for f in record.get("findings", [])
    ]


def clean_text(
    text: str, findings: Iterable[Finding], despin_min_score: float | None = None
) -> Cleaned:
    """``text`` without its boilerplate lines and off-topic paragraphs; optionally despun."""
    findings = list(findings)
    lines = split_lines(text)
    # A line's full span runs to the next line's start: its terminator goes with it.
    ends = [nxt.start for nxt in lines[1:]] + [len(text)]
    cut_by = _cut_kinds(lines, findings)
    blank = [not line.text.strip() for line in lines]

    # Walk the runs of non-kept lines (cut or blank) that contain a cut line.
    dropped: list[FindingKind | None] = [None] * len(lines)
    i = 0
    while i < len(lines):
        if cut_by[i] is None:
            i += 1
            continue
        lo = i
        while lo > 0 and blank[lo - 1]:
            lo -= 1
        hi = i
        while hi + 1 < len(lines) and (blank[hi + 1] or cut_by[hi + 1] is not None):
            hi += 1
        last_cut = max(j for j in range(i, hi + 1) if cut_by[j] is not None)
        keep_blanks = _blanks_to_keep(lo, i, last_cut, hi, n_lines=len(lines))
        kind: FindingKind | None = None  # blank lines go with the cut before them
        for j in range(lo, hi + 1):
            kind = cut_by[j] or kind
            if j not in keep_blanks:
                dropped[j] = kind or cut_by[i]
        i = hi + 1

    removed: list[Removed] = []
    kept: list[tuple[int, int]] = []
    for j, line in enumerate(lines):
        kind = dropped[j]
        span = (line.start, ends[j])
        if kind is None:
            if kept and kept[-1][1] == span[0]:
                kept[-1] = (kept[-1][0], span[1])
            else:
                kept.append(span)
        elif removed and removed[-1].kind == kind and removed[-1].end == span[0]:
            removed[-1] = Removed(kind, removed[-1].start, span[1])
        else:
            removed.append(Removed(kind, *span))

    replacements = _replacements(text, kept, findings, despin_min_score)
    pieces: list[str] = []
    r = 0
    for start, end in kept:  # replacements are in order, each inside one kept span
        pos = start
        while r < len(replacements) and replacements[r][0].start < end:
            finding, new = replacements[r]
            pieces += [text[pos : finding.start], new]
            pos = finding.end
            r += 1
        pieces.append(text[pos:end])
    return Cleaned("".join(pieces), tuple(removed), len(replacements))


def _cut_kinds(lines: list[Span], findings: list[Finding]) -> list[FindingKind | None]:
    """Per line, the kind of the widest cut finding touching it (a paragraph over its line)."""
    kinds: list[FindingKind | None] = [None] * len(lines)
    widths = [0] * len(lines)
    starts = [line.start for line in lines]
    for finding in findings:
        if finding.kind not in CUT_KINDS:
            continue
        width = finding.end - finding.start
        j = max(0, bisect_right(starts, finding.start) - 1)
        while j < len(lines) and lines[j].start < finding.end:
            line = lines[j]
            if finding.start < line.end and line.text.strip() and width > widths[j]:
                kinds[j], widths[j] = finding.kind, width
            j += 1
    return kinds


def _blanks_to_keep(lo: int, first_cut: int, last_cut: int, hi: int, n_lines: int) -> set[int]:
    """Blank lines of the run ``lo..hi`` that stay: the separator before the cut, else the one
    after it; none at the start or end of the text, none between cut lines."""
    if lo == 0 or hi == n_lines - 1:
        return set()
    before = set(range(lo, first_cut))
    return before or set(range(last_cut + 1, hi + 1))


def _replacements(
    text: str,
    kept: list[tuple[int, int]],
    findings: list[Finding],
    min_score: float | None,
) -> list[tuple[Finding, str]]:
    """Confident spin findings inside kept text, in order, without overlaps, each with the
    suggestion cased like the original's first letter."""
    if min_score is None:
        return []
    chosen: list[tuple[Finding, str]] = []
    kept_starts = [start for start, _ in kept]
    last_end = -1
    for finding in sorted(findings, key=lambda f: (f.start, -f.score)):
        if finding.kind != "spin" or not finding.suggestion or finding.score < min_score:
            continue
        if finding.start < last_end:
            continue
        k = bisect_right(kept_starts, finding.start) - 1
        if k < 0 or finding.end > kept[k][1]:
            continue  # in or across removed text
        chosen.append((finding, _match_case(finding.suggestion, text[finding.start])))
        last_end = finding.end
    return chosen


def _match_case(suggestion: str, original_first: str) -> str:
    """A capital stays a capital; the detector already capitalises sentence starts."""
    if original_first.isupper() and suggestion[:1].islower():
        return suggestion[:1].upper() + suggestion[1:]
    return suggestion
