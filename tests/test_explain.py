"""`unspun explain`: one article in the terminal with its verdict, signals and reasons."""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from pipeline import cli
from pipeline.io.explain import highlighted

from .conftest import SEEDS, seed_path


def explain(invoke: CliRunner, path: Path | str) -> tuple[int, str, str]:
    result = invoke.invoke(cli.app, ["explain", str(path)])
    return result.exit_code, result.stdout, result.stderr


def flat(text: str) -> str:
    """Terminal output with table cells' wrapping undone."""
    return " ".join(text.split())


def test_004_shows_the_spin_and_its_fixes(invoke: CliRunner) -> None:
    code, out, _ = explain(invoke, seed_path("004"))
    assert code == 0
    assert "verdict unreliable" in out
    assert "in addition to→and" in out  # the suggestion in context
    reasons = flat(out[out.index("strongest reasons") :])
    # The most repeated substitution leads, counted, with its reason and fix.
    assert re.match(
        r"strongest reasons spin: \d+ findings \d\.\d\d \d+× 'in addition to' "
        r"spinner substitution for 'and' → and",
        reasons,
    )
    assert "'Related' cue line links another story" in reasons
    signals = out[out.index("signals") : out.index("strongest reasons")]
    assert signals.index("spin") < signals.index("readability")  # strongest first
    assert "over threshold: spin (1.00)" in out


def test_002_shows_the_pasted_paragraph(invoke: CliRunner) -> None:
    code, out, _ = explain(invoke, seed_path("002"))
    assert code == 0
    assert "verdict unreliable" in out
    reasons = flat(out[out.index("strongest reasons") :])
    assert "off-topic: 1 finding" in reasons
    assert "'Dutch police search for van driver" in reasons
    assert "paragraph shares little with the rest of the article" in reasons
    assert "spin: " not in reasons


def test_nonexistent_file_is_a_one_line_usage_error(invoke: CliRunner, tmp_path: Path) -> None:
    code, out, err = explain(invoke, tmp_path / "missing.txt")
    assert code == 2 and out == ""
    assert err == f"unspun: {tmp_path / 'missing.txt'}: no such file or folder\n"
    code, _, err = explain(invoke, SEEDS)
    assert code == 2 and "explain takes one article" in err


def test_suggestions_follow_their_spans_and_styles_cover_the_findings() -> None:
    text = "Sales rose in addition to profits.\r\nShare this"
    findings = [
        {"kind": "spin", "start": 11, "end": 25, "suggestion": "and"},
        {"kind": "boilerplate", "start": 36, "end": 46},
    ]
    shown = highlighted(text, findings)
    assert shown.plain == "Sales rose in addition to→and profits. \nShare this"
    console = Console(record=True, force_terminal=True, width=80)
    console.print(shown)
    assert "\x1b[" in console.export_text(styles=True)
    styled = {shown.plain[s.start : s.end] for s in shown.spans}
    assert {"in addition to", "→and", "Share this"} <= styled
