"""Reading inputs exactly as the contract says; bad input becomes error items, never raises."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from pipeline.article import Article, ReadError
from pipeline.io.readers import InputPathError, read_inputs

from .conftest import SEEDS, seed_path

LIMIT = 1_000_000


def read(paths: list[str], stdin: bytes = b"", limit: int = LIMIT) -> list[Article | ReadError]:
    return list(read_inputs(paths, limit, stdin=io.BytesIO(stdin)))


def test_folder_is_recursive_sorted_and_ids_are_relative(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("Second article body.", encoding="utf-8")
    (tmp_path / "a.txt").write_text("First article body.", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not an article", encoding="utf-8")
    items = read([str(tmp_path)])
    assert [i.id for i in items] == ["a.txt", "b/z.txt"]
    assert all(isinstance(i, Article) for i in items)


def test_seed_folder_reads_all_five_seeds_verbatim() -> None:
    items = read([str(SEEDS)])
    assert [i.id for i in items] == sorted(p.name for p in SEEDS.glob("*.txt"))
    first = items[0]
    assert isinstance(first, Article)
    assert first.text == seed_path("000").read_bytes().decode("utf-8")


def test_file_id_is_the_path_as_given_and_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes("\ufeffTitle\r\n\r\nBody line.\r\n".encode())
    (item,) = read([str(path)])
    assert isinstance(item, Article)
    assert item.id == str(path)
    assert item.text == "Title\r\n\r\nBody line.\r\n"  # CRLF stays two characters


def test_jsonl_lines_with_and_without_ids_and_bad_lines_in_between(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"id": "a1", "text": "Alpha text.", "title": "A", "url": "http://x"}),
        json.dumps({"text": "No id here."}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "n1", "text": 42}),
        json.dumps({"id": "m1"}),
        "",
        json.dumps({"id": "z9", "text": "Still read after the bad ones."}),
    ]
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = read([str(feed)])
    assert [i.id for i in items] == [
        "a1",
        f"{feed}:2",
        f"{feed}:3",
        f"{feed}:4",
        "n1",
        "m1",
        "z9",
    ]
    kinds = [i.type if isinstance(i, ReadError) else "ok" for i in items]
    assert kinds == ["ok", "ok", "json", "json", "missing_text", "missing_text", "ok"]
    bad = items[2]
    assert isinstance(bad, ReadError) and "malformed JSON" in bad.message


def test_json_lines_are_read_as_the_standard_library_reads_them(tmp_path: Path) -> None:
    """orjson reads the lines; what it refuses and the standard library reads (a lone
    surrogate escape, NaN, an int past 64 bits) is read as before, and a malformed line
    gets the standard library's message."""
    feed = tmp_path / "feed.jsonl"
    lines = [
        '{"id": "s", "text": "Caf\\ud800 text."}',
        '{"id": "n", "text": "Not a number.", "score": NaN}',
        '{"id": 123456789012345678901234567890, "text": "Huge id."}',
        '{"id": "c", "text": "Ca\u0301f\u00e9 \u2028 line."}',
        '{"id": "t", "text": "Trailing comma.",}',
    ]
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = read([str(feed)])
    expected = [json.loads(line) for line in lines[:4]]
    assert [(i.id, i.text) for i in items[:4] if isinstance(i, Article)] == [
        (str(obj["id"]), obj["text"]) for obj in expected
    ]
    bad = items[4]
    assert isinstance(bad, ReadError) and bad.type == "json"
    with pytest.raises(json.JSONDecodeError) as std:
        json.loads(lines[4])
    assert bad.message == f"{feed}:5: malformed JSON ({std.value.msg})"


def test_stdin_is_jsonl() -> None:
    stdin = (json.dumps({"text": "From stdin."}) + "\n").encode()
    (item,) = read(["-"], stdin=stdin)
    assert isinstance(item, Article) and item.id == "-:1" and item.text == "From stdin."


@pytest.mark.parametrize(
    ("content", "kind"),
    [(b"", "empty"), (b"  \n\n", "empty"), (b"\x00\x01binary", "binary"), (b"caf\xe9", "encoding")],
)
def test_unreadable_files_become_error_items(tmp_path: Path, content: bytes, kind: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    (item,) = read([str(path)])
    assert isinstance(item, ReadError) and item.type == kind
    assert str(path) in item.message


def test_oversized_input_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 100, encoding="utf-8")
    (item,) = read([str(path)], limit=50)
    assert isinstance(item, ReadError) and item.type == "too_large"


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(InputPathError, match="no such file"):
        read([str(tmp_path / "nope.txt")])


def test_blank_lines_and_whitespace_texts_as_str_strip_sees_them() -> None:
    """A line or 'text' of any Unicode whitespace is blank (skipped, or an empty error),
    as ``str.strip`` sees it; a zero-width space or a non-breaking hyphen is not blank."""
    spaces = "\u2003\u00a0\u3000\t\x0b\x0c\x1c\x85"
    lines = [
        json.dumps({"id": "w", "text": spaces}),
        spaces,
        json.dumps({"id": "z", "text": "\u200b"}),
        json.dumps({"id": "h", "text": "\u2011"}),
        json.dumps({"id": "e", "text": ""}),
        json.dumps({"id": "x", "html": " \n "}),
    ]
    items = read(["-"], stdin="\n".join(lines).encode() + b"\n")
    assert [(i.id, isinstance(i, Article)) for i in items] == [
        ("w", False),
        ("z", True),
        ("h", True),
        ("e", False),
        ("x", False),
    ]
    assert all(i.type == "empty" for i in items if isinstance(i, ReadError))
    assert not spaces.strip() and "\u200b".strip() and "\u2011".strip()
