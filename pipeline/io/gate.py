"""The CI gate's verdict over a batch of records, and its text/JSON/GitHub/JUnit reports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from pipeline.io.writers import SIGNALS


@dataclass(frozen=True)
class GateResult:
    id: str
    source: str | None
    reliability: float | None  # None: the input could not be scored
    verdict: str | None
    passed: bool
    reason: str
    allowed: bool = False  # below the threshold but on the feed's allow-list


def _reason(record: dict[str, Any], min_score: float) -> str:
    if record["error"] is not None:
        return f"unreadable: {record['error']['message']}"
    signals = record["signals"]
    flagged = [f"{name} {signals[name]:.2f}" for name in SIGNALS if signals.get(name, 0) >= 0.5]
    top = sorted(record["findings"], key=lambda f: -f.get("score", 0))[:2]
    examples = "; ".join(f"{f['kind']}: {f['reason']}" for f in top)
    why = ", ".join(flagged) or "no single signal above 0.5"
    relation = "below" if record["reliability"] < min_score else "at or above"
    text = f"reliability {record['reliability']:.2f} {relation} {min_score:.2f} ({why})"
    return f"{text}; {examples}" if examples else text


@dataclass(frozen=True)
class GateReport:
    min_score: float
    results: tuple[GateResult, ...]

    @classmethod
    def from_records(
        cls,
        records: list[dict[str, Any]],
        min_score: float,
        allowed: frozenset[str] = frozenset(),
    ) -> GateReport:
        """Judge each record; ids in ``allowed`` pass whatever their score (a known baseline)."""
        results = []
        for record in records:
            reliability = record.get("reliability") if record["error"] is None else None
            above = reliability is not None and reliability >= min_score
            on_list = not above and record["id"] in allowed
            passed = above or on_list
            results.append(
                GateResult(
                    record["id"],
                    record.get("source"),
                    reliability,
                    record.get("verdict"),
                    passed,
                    _reason(record, min_score),
                    on_list,
                )
            )
        return cls(min_score, tuple(results))

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> list[GateResult]:
        return [r for r in self.results if not r.passed]

    def summary(self) -> str:
        n, bad = len(self.results), len(self.failures)
        allowed = sum(r.allowed for r in self.results)
        state = "passed" if self.passed else "failed"
        note = f" ({allowed} allowed by the allow-list)" if allowed else ""
        return (
            f"unspun gate {state}: {n - bad} of {n} articles at or above {self.min_score:.2f}{note}"
        )

    def render(self, fmt: str) -> str:
        if fmt == "json":
            return (
                json.dumps(
                    {
                        "passed": self.passed,
                        "min_score": self.min_score,
                        "articles": [r.__dict__ for r in self.results],
                    },
                    indent=2,
                )
                + "\n"
            )
        if fmt == "github":
            lines = [
                f"::error file={_escape_property(r.source or r.id)},title=unspun gate::"
                f"{_escape_data(r.id + ': ' + r.reason)}"
                for r in self.failures
            ]
            return "".join(line + "\n" for line in [*lines, self.summary()])
        lines = [f"FAIL {r.id}: {r.reason}" for r in self.failures]
        return "".join(line + "\n" for line in [*lines, self.summary()])

    def junit_xml(self) -> str:
        suite = ET.Element(
            "testsuite",
            name="unspun gate",
            tests=str(len(self.results)),
            failures=str(sum(1 for r in self.failures if r.reliability is not None)),
            errors=str(sum(1 for r in self.failures if r.reliability is None)),
        )
        for r in self.results:
            case = ET.SubElement(suite, "testcase", classname="unspun", name=r.id)
            if r.reliability is None:
                ET.SubElement(case, "error", message=r.reason, type="unreadable")
            elif not r.passed:
                ET.SubElement(case, "failure", message=r.reason, type="below_min_score")
        ET.indent(suite)
        return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def _escape_data(text: str) -> str:
    """GitHub workflow-command escaping for the message part."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def read_allow_list(path: Path) -> frozenset[str]:
    """Article ids, one per line; blank lines and ``#`` comments ignored."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()
    )


def allow_list_text(report: GateReport) -> str:
    """An allow-list accepting today's failures, to adopt the gate on an existing feed."""
    header = f"# unspun gate allow-list: articles below {report.min_score:.2f} accepted as known\n"
    body = "".join(
        f"{r.id}  # {r.reason[:80]}\n" for r in report.results if not r.passed or r.allowed
    )
    return header + body
