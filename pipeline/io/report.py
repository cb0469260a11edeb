"""One self-contained HTML page for people: a sortable summary and every article with its
findings highlighted.

Self-contained means no external resource of any kind (CSS and JS inline, no fonts, no CDN;
a Content-Security-Policy forbids loading anything), so the page works offline and can be
mailed or attached to a CI run. Records carry no article text, so the writer takes
``(text, record)`` pairs; the whole page is built in memory, which suits the human-sized
batches a report is read for, not feeds of millions.

Findings may nest or cross (a spin finding inside an off-topic paragraph): the text is cut at
every finding boundary and each piece is wrapped in the ``<mark>`` elements of the findings
that cover it, outermost first, reusing open marks where possible so the HTML stays well
nested.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import IO, Any

KIND_LABELS = {"spin": "spin", "offtopic": "off-topic", "boilerplate": "boilerplate"}

_CSS = """
:root { --spin: #ffd54f; --offtopic: #f3b3f0; --boilerplate: #cfd8dc; --ink: #1d2329; }
body { font: 15px/1.5 system-ui, sans-serif; color: var(--ink); margin: 0 auto; max-width: 72rem;
  padding: 1rem 1.5rem 4rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #dde; padding: 0.3rem 0.5rem; text-align: left;
  vertical-align: middle; }
th button { font: inherit; font-weight: bold; border: 0; background: none; cursor: pointer;
  padding: 0; }
th[aria-sort=ascending] button::after { content: " \\25B2"; }
th[aria-sort=descending] button::after { content: " \\25BC"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.id { overflow-wrap: anywhere; }
.verdict { font-weight: bold; border-radius: 3px; padding: 0 0.35rem; white-space: nowrap; }
.v-reliable { background: #c8e6c9; } .v-suspect { background: #ffe0b2; }
.v-unreliable { background: #ffcdd2; } .v-error { background: #e0e0e0; }
.sig { display: inline-flex; align-items: center; gap: 0.2rem; margin-right: 0.6rem;
  font-size: 0.75rem; white-space: nowrap; }
.bar { display: inline-block; width: 3rem; height: 0.55rem; background: #eceff1;
  border-radius: 2px; overflow: hidden; }
.fill { display: block; height: 100%; background: #90a4ae; }
.fill.hi { background: #e53935; }
.article { border-top: 2px solid #dde; margin-top: 2rem; padding-top: 0.8rem; }
.meta { margin: 0.3rem 0 0.8rem; font-size: 0.9rem; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; font: 0.95rem/1.6 Georgia, serif;
  background: #fcfcfd; border: 1px solid #eef; padding: 0.8rem 1rem; }
mark { color: inherit; border-radius: 2px; cursor: help; }
mark.spin { background: var(--spin); box-shadow: inset 0 -2px #f57f17; }
mark.offtopic { background: var(--offtopic); }
mark.boilerplate { background: var(--boilerplate); text-decoration: line-through #78909c; }
.legend mark { padding: 0 0.3rem; margin-right: 0.5rem; }
.error { color: #b71c1c; }
#tip { position: fixed; z-index: 10; max-width: 28rem; background: #263238; color: #fff;
  font: 0.8rem/1.4 system-ui, sans-serif; padding: 0.4rem 0.6rem; border-radius: 4px;
  white-space: pre-line; pointer-events: none; }
"""

# Sort the summary by score (errors last either way) and show a mark's title, with those of
# the marks around it, as a tooltip (the title attribute is the no-script fallback).
_JS = """
(function () {
  var th = document.getElementById("sort-score");
  var body = document.querySelector("#summary tbody");
  th.addEventListener("click", function () {
    var asc = th.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = parseFloat(a.dataset.score), y = parseFloat(b.dataset.score);
      if (isNaN(x) || isNaN(y)) { return isNaN(x) - isNaN(y); }
      return asc ? x - y : y - x;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
  });
  var tip = document.getElementById("tip");
  document.querySelectorAll("mark[title]").forEach(function (m) {
    m.dataset.tip = m.title;
    m.removeAttribute("title");
  });
  document.addEventListener("mouseover", function (event) {
    var mark = event.target.closest ? event.target.closest("mark[data-tip]") : null;
    if (!mark) { tip.hidden = true; return; }
    var lines = [];
    for (var m = mark; m; m = m.parentElement.closest("mark[data-tip]")) {
      lines.push(m.dataset.tip);
    }
    tip.textContent = lines.join("\\n");
    var box = mark.getBoundingClientRect();
    tip.style.left = Math.max(4, Math.min(box.left, window.innerWidth - 460)) + "px";
    tip.style.top = (box.bottom + 6) + "px";
    tip.hidden = false;
  });
})();
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


def write_report(
    articles: Iterable[tuple[str | None, dict[str, Any]]],
    out: IO[str],
    title: str = "unspun report",
) -> None:
    """Write the page for ``(article text, record)`` pairs; text is ``None`` for error records."""
    out.write(render_report(list(articles), title))


def render_report(articles: Sequence[tuple[str | None, dict[str, Any]]], title: str) -> str:
    """The whole page as a string."""
    scored = [r for _, r in articles if r.get("error") is None]
    counts = {kind: sum(_count(r, kind) for r in scored) for kind in KIND_LABELS}
    legend = "".join(
        f'<mark class="{kind}">{label}</mark>{counts[kind]} findings '
        for kind, label in KIND_LABELS.items()
    )
    rows = "\n".join(_summary_row(i, record) for i, (_, record) in enumerate(articles))
    sections = "\n".join(
        _article_section(i, text, record)
        for i, (text, record) in enumerate(articles)
        if text is not None and record.get("error") is None
    )
    n_errors = len(articles) - len(scored)
    errors = f', <span class="error">{n_errors} unreadable</span>' if n_errors else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p>{len(articles)} articles{errors}. Reliability is the calibrated probability that an article
is reliable content; signals are per-detector scores (0.5 is each detector's threshold).
Hover a highlight for its reason.</p>
<p class="legend">{legend}</p>
<table id="summary">
<thead><tr><th>#</th><th>id</th><th id="sort-score" aria-sort="none"><button type="button"
title="sort by score">score</button></th><th>verdict</th><th>signals</th><th>findings</th></tr>
</thead>
<tbody>
{rows}
</tbody>
</table>
{sections}
<div id="tip" role="tooltip" hidden></div>
<script>{_JS}</script>
</body>
</html>
"""


def _count(record: dict[str, Any], kind: str) -> int:
    return sum(f["kind"] == kind for f in record.get("findings", ()))


def _summary_row(index: int, record: dict[str, Any]) -> str:
    ident = html.escape(str(record["id"]))
    error = record.get("error")
    if error is not None:
        message = html.escape(f"{error['type']}: {error['message']}")
        return (
            f'<tr data-score="" class="error-row"><td class="num">{index + 1}</td>'
            f'<td class="id">{ident}</td><td class="num">–</td>'
            f'<td><span class="verdict v-error">error</span></td>'
            f'<td colspan="2" class="error">{message}</td></tr>'
        )
    score = float(record["reliability"])
    verdict = html.escape(str(record["verdict"]))
    signals = "".join(_signal_bar(name, float(v)) for name, v in record["signals"].items())
    findings = ", ".join(
        f"{n} {label}" for kind, label in KIND_LABELS.items() if (n := _count(record, kind))
    )
    return (
        f'<tr data-score="{score:.4f}"><td class="num">{index + 1}</td>'
        f'<td class="id"><a href="#a{index}">{ident}</a></td>'
        f'<td class="num score">{score:.2f}</td>'
        f'<td><span class="verdict v-{verdict}">{verdict}</span></td>'
        f"<td>{signals}</td><td>{findings or 'none'}</td></tr>"
    )


def _signal_bar(name: str, value: float) -> str:
    width = round(100 * min(1.0, max(0.0, value)), 1)
    hi = " hi" if value >= 0.5 else ""
    label = html.escape(name)
    return (
        f'<span class="sig" title="{label} {value:.2f}">{label}<span class="bar">'
        f'<span class="fill{hi}" style="width:{width}%"></span></span>{value:.2f}</span>'
    )


def _article_section(index: int, text: str, record: dict[str, Any]) -> str:
    verdict = html.escape(str(record["verdict"]))
    source = record.get("source")
    where = f" · {html.escape(str(source))}" if source and source != record["id"] else ""
    return f"""<section class="article" id="a{index}">
<h2>{html.escape(str(record["id"]))}</h2>
<p class="meta">score {float(record["reliability"]):.2f}
<span class="verdict v-{verdict}">{verdict}</span>{where} · <a href="#summary">summary</a></p>
<div class="text">{highlight(text, record.get("findings", []))}</div>
</section>"""


def highlight(text: str, findings: Sequence[dict[str, Any]]) -> str:
    """``text`` escaped, every finding wrapped in ``<mark class=KIND title=WHY>``; pieces
    covered by several findings sit in nested marks, outermost (widest) first."""
    spans = sorted(
        ((int(f["start"]), int(f["end"]), f) for f in findings if f["start"] < f["end"]),
        key=lambda s: (s[0], -s[1]),
    )
    cuts = sorted({0, len(text), *(s[0] for s in spans), *(s[1] for s in spans)})
    out: list[str] = []
    open_marks: list[int] = []  # indices into spans, outermost first
    covering: list[int] = []  # spans over the current piece, in index (= nesting) order
    starting = 0
    for a, b in pairwise(cuts):
        covering = [i for i in covering if spans[i][1] > a]
        while starting < len(spans) and spans[starting][0] <= a:
            covering.append(starting)
            starting += 1
        keep = 0
        while keep < min(len(open_marks), len(covering)) and open_marks[keep] == covering[keep]:
            keep += 1
        out.append("</mark>" * (len(open_marks) - keep))
        out.extend(_open_mark(spans[i][2]) for i in covering[keep:])
        open_marks = covering
        out.append(html.escape(text[a:b]))
    out.append("</mark>" * len(open_marks))
    return "".join(out)


def _open_mark(finding: dict[str, Any]) -> str:
    kind = str(finding["kind"])
    why = f"{KIND_LABELS.get(kind, kind)} ({float(finding['score']):.2f}): {finding['reason']}"
    if finding.get("suggestion"):
        why += f"\nsuggestion: {finding['suggestion']}"
    return f'<mark class="{html.escape(kind)}" title="{html.escape(why)}">'
