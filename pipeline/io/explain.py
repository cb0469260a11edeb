"""One article in the terminal: its findings highlighted in context, the signals as bars,
and the strongest reasons behind its score.

Reads a record and the article text beside it (records carry no text), like the HTML report,
and prints with rich, which drops the styles when the output is not a terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

KIND_STYLES = {
    "spin": "bold black on yellow",
    "offtopic": "black on plum2",
    "boilerplate": "grey50 strike",
}
KIND_LABELS = {"spin": "spin", "offtopic": "off-topic", "boilerplate": "boilerplate"}
VERDICT_STYLES = {"reliable": "bold green", "suspect": "bold dark_orange", "unreliable": "bold red"}
TOP_PER_KIND = 3
BAR_WIDTH = 20


def explain(text: str, record: dict[str, Any], console: Console) -> None:
    """Print the explanation of one scored record whose offsets index ``text``."""
    findings: list[dict[str, Any]] = list(record.get("findings", []))
    console.print(_header(record))
    console.print(_legend(findings))
    console.print(Panel(highlighted(text, findings), title="article", title_align="left"))
    console.print(_signals(record["signals"]))
    console.print(_over_threshold(record["signals"]))
    console.print(_reasons(findings))


def _header(record: dict[str, Any]) -> Text:
    verdict = str(record["verdict"])
    header = Text.assemble(
        (str(record["id"]), "bold"),
        "\nreliability ",
        (f"{float(record['reliability']):.2f}", "bold"),
        "  verdict ",
        (verdict, VERDICT_STYLES.get(verdict, "bold")),
    )
    return header


def _legend(findings: Sequence[dict[str, Any]]) -> Text:
    legend = Text("legend: ")
    for kind, label in KIND_LABELS.items():
        count = sum(f["kind"] == kind for f in findings)
        legend.append(f" {label} ", style=KIND_STYLES[kind])
        legend.append(f" {count}   ")
    legend.append("→suggestion", style="italic cyan")
    return legend


def highlighted(text: str, findings: Sequence[dict[str, Any]]) -> Text:
    """The article with each finding styled by kind and, after each spin finding, the
    wording the spinner most likely replaced."""
    body = Text(text.replace("\r", " "))  # same length: offsets still index the text
    for finding in findings:
        body.stylize(KIND_STYLES.get(finding["kind"], "bold"), finding["start"], finding["end"])
    fixes = sorted(
        (int(f["end"]), str(f["suggestion"]))
        for f in findings
        if f["kind"] == "spin" and f.get("suggestion")
    )
    if not fixes:
        return body
    parts = body.divide(end for end, _ in fixes)
    out = Text()
    for i, part in enumerate(parts):
        out.append_text(part)
        if i < len(fixes):
            out.append(f"→{fixes[i][1]}", style="italic cyan")
    return out


def _signals(signals: dict[str, float]) -> Table:
    """Signals strongest first, each with a bar; 0.5 is each detector's own threshold."""
    table = Table(title="signals (0.5 = detector threshold)", title_justify="left", box=None)
    table.add_column("signal")
    table.add_column("score", justify="right")
    table.add_column("")
    for name, value in _ranked(signals):
        filled = round(BAR_WIDTH * min(1.0, max(0.0, value)))
        style = "red" if value >= 0.5 else "green"
        bar = Text("█" * filled, style=style) + Text("·" * (BAR_WIDTH - filled), style="dim")
        table.add_row(name, f"{value:.2f}", bar)
    return table


def _over_threshold(signals: dict[str, float]) -> Text:
    over = [f"{name} ({value:.2f})" for name, value in _ranked(signals) if value >= 0.5]
    if not over:
        return Text("no signal is over its detector's threshold", style="green")
    return Text.assemble("over threshold: ", (", ".join(over), "bold red"))


def _ranked(signals: dict[str, float]) -> list[tuple[str, float]]:
    return sorted(signals.items(), key=lambda kv: -kv[1])


def _reasons(findings: Sequence[dict[str, Any]]) -> Group | Text:
    """The strongest findings of each kind: what, why, and the fix. Spin repeats the same
    substitution many times, so its findings are grouped by wording and counted."""
    if not findings:
        return Text("no findings: nothing in the text was flagged", style="green")
    blocks: list[Text | Table] = [Text("strongest reasons", style="bold")]
    for kind, label in KIND_LABELS.items():
        of_kind = [f for f in findings if f["kind"] == kind]
        if not of_kind:
            continue
        table = Table(
            title=f"{label}: {len(of_kind)} finding{'s' if len(of_kind) > 1 else ''}",
            title_justify="left",
            title_style=KIND_STYLES[kind],
            box=None,
            show_header=False,
        )
        table.add_column("score", justify="right")
        table.add_column("times", justify="right")
        table.add_column("text", max_width=40, overflow="ellipsis", no_wrap=True)
        table.add_column("reason")
        for count, finding in _strongest(of_kind, group=kind == "spin")[:TOP_PER_KIND]:
            fix = f" → {finding['suggestion']}" if finding.get("suggestion") else ""
            table.add_row(
                f"{float(finding['score']):.2f}",
                f"{count}×",
                repr(" ".join(str(finding["text"]).split())),
                f"{finding['reason']}{fix}",
            )
        blocks.append(table)
    return Group(*blocks)


def _strongest(findings: Sequence[dict[str, Any]], group: bool) -> list[tuple[int, dict[str, Any]]]:
    """(count, most confident finding) per wording when grouping, most frequent and
    confident first; otherwise each finding once, most confident first."""
    groups: dict[object, list[dict[str, Any]]] = {}
    for i, finding in enumerate(findings):
        key = (str(finding["text"]).lower(), str(finding.get("suggestion")).lower()) if group else i
        groups.setdefault(key, []).append(finding)
    best = [
        (len(members), max(members, key=lambda f: float(f["score"]))) for members in groups.values()
    ]
    return sorted(best, key=lambda cf: (-cf[0], -float(cf[1]["score"])))
