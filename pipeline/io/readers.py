"""Turn command-line paths into a stream of articles (or read errors), in a stable order.

- a ``.txt`` file is one article; its id is the path as given, or, inside a folder named on
  the command line, the path relative to that folder;
- a ``.jsonl`` file (or ``-``, standard input) holds one JSON object per line with a string
  ``text`` and optional ``id``, ``title``, ``url``; a line without an id gets ``FILE:LINE``;
- a ``.html`` / ``.htm`` file is one article: its main text, extracted by trafilatura (the
  ``html`` extra), is what gets scored, and the record carries it so its offsets can be read;
  a JSONL line with an ``html`` string and no ``text`` is read the same way;
- a folder is read recursively, sorted, taking the ``.txt``, ``.jsonl`` and HTML files in it.

Bad input never raises: it becomes a :class:`~pipeline.article.ReadError` with a reason, and
the items around it are still read.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import orjson

from pipeline.article import Article, ReadError
from pipeline.io.html import HtmlUnsupported, extract_text

HTML_SUFFIXES = (".html", ".htm")
ARTICLE_SUFFIXES = (".txt", ".jsonl", *HTML_SUFFIXES)
STDIN = "-"
BOM = "\ufeff"


class InputPathError(ValueError):
    """A path named on the command line does not exist (a usage error, exit 2)."""


def check_paths(paths: Sequence[str]) -> None:
    for path in paths:
        if path != STDIN and not Path(path).exists():
            raise InputPathError(f"{path}: no such file or folder")


def read_inputs(
    paths: Sequence[str], max_chars: int, stdin: IO[bytes] | None = None
) -> Iterator[Article | ReadError]:
    """Every article of every path, in command-line order and sorted within folders."""
    check_paths(paths)
    for path in paths:
        if path == STDIN:
            yield from _read_jsonl_bytes(stdin or sys.stdin.buffer, STDIN, None, max_chars)
        else:
            for file, ident in input_files([path]):
                yield from read_file(file, ident, max_chars)


def input_files(paths: Sequence[str]) -> Iterator[tuple[Path, str]]:
    """The files behind file and folder paths, in reading order, each with its id: the path
    as given, or inside a folder the path relative to it. (``-`` has no file.)"""
    for path in paths:
        root = Path(path)
        if root.is_dir():
            for file in sorted(p for p in root.rglob("*") if p.is_file()):
                if file.suffix.lower() in ARTICLE_SUFFIXES:
                    yield file, file.relative_to(root).as_posix()
        elif path != STDIN:
            yield root, path


def count_items(paths: Sequence[str]) -> int | None:
    """How many items :func:`read_inputs` will give, for a progress bar's ETA (``None`` with
    standard input, which can be read only once): a JSONL file's non-blank lines, one for
    any other file. Lines are counted undecoded, so a line blank only in Unicode terms
    (a no-break space) counts, though the reader skips it."""
    if STDIN in paths:
        return None
    total = 0
    for file, _ in input_files(paths):
        if file.suffix.lower() != ".jsonl":
            total += 1
            continue
        try:
            with file.open("rb") as raw:
                total += sum(1 for line in raw if not line.isspace())
        except OSError:
            total += 1  # read as one "unreadable" error item
    return total


def read_file(path: Path, ident: str, max_chars: int) -> Iterator[Article | ReadError]:
    """One file: a JSONL feed line by line, an HTML page by its main text, anything else
    as one text article."""
    source = str(path)
    if path.suffix.lower() == ".jsonl":
        try:
            with path.open("rb") as raw:
                yield from _read_jsonl_bytes(raw, ident, source, max_chars)
        except OSError as exc:
            yield ReadError(ident, source, "unreadable", f"{path}: {exc.strerror or exc}")
        return
    try:
        with path.open("rb") as raw:
            data = raw.read(max_chars * 4 + 1)
    except OSError as exc:
        yield ReadError(ident, source, "unreadable", f"{path}: {exc.strerror or exc}")
        return
    if path.suffix.lower() in HTML_SUFFIXES:
        yield _article_from_html_bytes(data, ident, source, max_chars)
    else:
        yield _article_from_bytes(data, ident, source, max_chars)


def _raw_check(data: bytes, ident: str, source: str, max_chars: int) -> ReadError | None:
    """The checks every file passes before decoding: not empty, not huge, not binary."""
    if not data.strip():
        return ReadError(ident, source, "empty", f"{source}: empty file")
    if len(data) > max_chars * 4:
        return ReadError(ident, source, "too_large", f"{source}: over the size limit")
    if b"\x00" in data[:8192]:
        return ReadError(ident, source, "binary", f"{source}: binary data (NUL bytes), not text")
    return None


def _over_limit(
    ident: str, source: str | None, where: str, text: str, max_chars: int
) -> ReadError | None:
    """The one character limit every decoded or extracted article text is held to."""
    if len(text) <= max_chars:
        return None
    return ReadError(ident, source, "too_large", f"{where}: over the {max_chars:,}-character limit")


def _article_from_html_bytes(
    data: bytes, ident: str, source: str, max_chars: int
) -> Article | ReadError:
    """An HTML file: trafilatura decodes it (by its declared or guessed charset)."""
    return _raw_check(data, ident, source, max_chars) or _article_from_html(
        data, ident, source, source, max_chars
    )


def _article_from_html(
    html: str | bytes,
    ident: str,
    where: str,
    source: str | None,
    max_chars: int,
    title: str | None = None,
    url: str | None = None,
) -> Article | ReadError:
    try:
        text = extract_text(html)
    except HtmlUnsupported as exc:
        return ReadError(ident, source, "html_unsupported", f"{where}: {exc}")
    if not text.strip():
        return ReadError(ident, source, "empty", f"{where}: no main text found in the HTML")
    return _over_limit(ident, source, where, text, max_chars) or Article(
        ident, text, source, title, url, extracted=True
    )


def _article_from_bytes(
    data: bytes, ident: str, source: str, max_chars: int
) -> Article | ReadError:
    if error := _raw_check(data, ident, source, max_chars):
        return error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ReadError(ident, source, "encoding", f"{source}: invalid UTF-8 at byte {exc.start}")
    text = text.removeprefix(BOM)
    return _over_limit(ident, source, source, text, max_chars) or Article(ident, text, source)


def _read_jsonl_bytes(
    raw: IO[bytes], ident: str, source: str | None, max_chars: int
) -> Iterator[Article | ReadError]:
    for line_no, line in enumerate(raw, start=1):
        where = f"{ident}:{line_no}"
        if len(line) > max_chars * 4 + 1024:
            yield ReadError(where, source, "too_large", f"{where}: line over the size limit")
            continue
        try:
            decoded = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield ReadError(
                where, source, "encoding", f"{where}: invalid UTF-8 at byte {exc.start}"
            )
            continue
        if line_no == 1:
            decoded = decoded.removeprefix(BOM)
        item = _jsonl_item(decoded, where, source, max_chars)
        if item is not None:
            yield item


def _json_value(line: str) -> object:
    """A JSONL line's value as the standard library reads it, by orjson (four times
    faster): where orjson refuses a line (a lone surrogate escape, NaN; or malformed: the
    standard library's message) or reads an id otherwise (an int past 64 bits, as a float),
    by the standard library."""
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)
    if isinstance(value, dict) and isinstance(value.get("id"), float):
        return json.loads(line)
    return value


def _jsonl_item(
    line: str, where: str, source: str | None, max_chars: int
) -> Article | ReadError | None:
    """One JSONL line as an article, an error, or ``None`` for a blank line."""
    if not line.strip():
        return None
    try:
        obj = _json_value(line)
    except json.JSONDecodeError as exc:
        return ReadError(where, source, "json", f"{where}: malformed JSON ({exc.msg})")
    if not isinstance(obj, dict):
        return ReadError(where, source, "json", f"{where}: not a JSON object")
    raw_id = obj.get("id")
    ident = where if raw_id is None else str(raw_id)
    text, html = obj.get("text"), obj.get("html")
    title, url = obj.get("title"), obj.get("url")
    title = title if isinstance(title, str) else None
    url = url if isinstance(url, str) else None
    if text is None and isinstance(html, str):
        if not html.strip():
            return ReadError(ident, source, "empty", f"{where}: empty 'html'")
        return _article_from_html(html, ident, where, source, max_chars, title, url)
    if not isinstance(text, str):
        reason = (
            "no 'text' field" if text is None else f"'text' is {type(text).__name__}, not string"
        )
        return ReadError(ident, source, "missing_text", f"{where}: {reason}")
    if not text.strip():
        return ReadError(ident, source, "empty", f"{where}: empty 'text'")
    return _over_limit(ident, source, where, text, max_chars) or Article(
        ident, text, source, title, url
    )
