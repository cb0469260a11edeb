"""Write records as JSONL, CSV or a terminal table; CSV and table flatten the JSONL fields."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO, Any

import orjson

FORMATS = ("jsonl", "csv", "table")
SIGNALS = ("spin", "offtopic", "boilerplate", "readability")
CSV_FIELDS = (
    "id",
    "source",
    "reliability",
    "verdict",
    *(f"signal_{name}" for name in SIGNALS),
    "findings",
    "error_type",
    "error_message",
)


# The standard library's compact encoder, for what orjson refuses to encode (a lone
# surrogate in a string, an int past 64 bits); a record holds no cycles, so the check for
# them is left out.
_JSONL = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",", ":"))


def jsonl_line(record: dict[str, Any]) -> str:
    """A record as one line of compact JSONL, newline included: orjson's (eight times
    faster than the standard library's on a scored article's record; the same text as
    ``json.dumps(record, ensure_ascii=False, separators=(",", ":"))`` for every record
    scoring makes, whose floats are rounded to four places)."""
    try:
        return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE).decode()
    except orjson.JSONEncodeError:
        return _JSONL.encode(record) + "\n"


def flatten(record: dict[str, Any]) -> dict[str, Any]:
    """One CSV/table row: signals as columns, findings counted, error split in two."""
    signals = record.get("signals") or {}
    error = record.get("error") or {}
    return {
        "id": record["id"],
        "source": record.get("source"),
        "reliability": record.get("reliability"),
        "verdict": record.get("verdict"),
        **{f"signal_{name}": signals.get(name) for name in SIGNALS},
        "findings": len(record["findings"]) if "findings" in record else None,
        "error_type": error.get("type"),
        "error_message": error.get("message"),
    }


class RecordWriter:
    """Streams records to ``out`` in one format; the table is drawn when closed."""

    def __init__(self, out: IO[str], fmt: str) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        self.out = out
        self.fmt = fmt
        self._csv: csv.DictWriter[str] | None = None
        self._rows: list[dict[str, Any]] = []

    def write(self, record: dict[str, Any]) -> None:
        if self.fmt == "jsonl":
            self.out.write(jsonl_line(record))
        elif self.fmt == "csv":
            if self._csv is None:
                self._csv = csv.DictWriter(self.out, fieldnames=CSV_FIELDS, lineterminator="\n")
                self._csv.writeheader()
            self._csv.writerow(flatten(record))
        else:
            self._rows.append(flatten(record))

    def write_all(self, records: Iterable[dict[str, Any]]) -> None:
        for record in records:
            self.write(record)

    def close(self) -> None:
        if self.fmt == "table":
            render_table(self._rows, self.out)
        self.out.flush()


def render_table(rows: list[dict[str, Any]], out: IO[str]) -> None:
    from rich.console import Console  # only the table format needs rich (import time)
    from rich.table import Table

    table = Table(show_lines=False)
    for column in ("id", "reliability", "verdict", "spin", "offtopic", "boilerplate", "findings"):
        table.add_column(column, justify="left" if column in ("id", "verdict") else "right")
    for row in rows:
        if row["error_type"]:
            table.add_row(row["id"], "-", f"error: {row['error_type']}", "", "", "", "")
            continue
        table.add_row(
            row["id"],
            f"{row['reliability']:.2f}",
            row["verdict"],
            *(f"{row[f'signal_{name}']:.2f}" for name in ("spin", "offtopic", "boilerplate")),
            str(row["findings"]),
        )
    Console(file=out, width=120, force_terminal=False).print(table)
