"""Line and paragraph splitting, and the batch tokenizer's word numbering, against their
plain definitions.

The splitters are built for speed (one ``str.split`` and C-level maps per text; arrays over
a whole batch's code points); the simple loops they replaced stay here as the reference, and
every span must come out the same on real articles and on the corners of line breaks.
"""

from __future__ import annotations

import pickle
import random
from dataclasses import FrozenInstanceError

import numpy as np
import pytest

from pipeline.text import (
    WORD_RE,
    WORD_SYMBOLS,
    Document,
    DocumentBatch,
    Paragraph,
    Span,
    _rank,
    _symbols,
    scan_batch,
    split_lines,
)
from pipeline.training.sources import bbc_articles

EDGES = [
    "",
    "\n",
    "\n\n",
    "\n\n\n",
    "\r",
    "\r\n",
    "\r\n\r\n",
    "a",
    "a\n",
    "a\r\n",
    "a\r",
    "\ra",
    "a\r\rb",
    "a\n\nb",
    "a\r\n\r\nb\r\n",
    " \n \n",
    "a\n \nb\n",
    "\r\r\n\n",
    "a\n\n\n\nb\n\n",
    "x\u2028y\x85z\n\xa0\n\x0b\nw",  # line-like characters that are no \n: inside a line
]


def reference_lines(text: str) -> list[Span]:
    """The line splitter as it was (one Python step per line)."""
    spans: list[Span] = []
    pos = 0
    n = len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        content_end = end - 1 if end > pos and text[end - 1] == "\r" else end
        spans.append(Span(pos, content_end, text[pos:content_end]))
        if nl < 0:
            break
        pos = nl + 1
    if spans and spans[-1].start == n and n > 0:
        spans.pop()  # a final terminator does not open an empty line
    return spans


def reference_paragraphs(text: str, lines: list[Span]) -> list[Paragraph]:
    """The paragraph splitter as it was."""
    paragraphs: list[Paragraph] = []
    run: list[Span] = []
    for line in [*lines, None]:
        if line is not None and line.text.strip():
            run.append(line)
            continue
        if run:
            start, end = run[0].start, run[-1].end
            paragraphs.append(Paragraph(start, end, text[start:end], tuple(run)))
            run = []
    return paragraphs


def fuzz(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pieces = ["\n", "\r", "\r\n", " ", "\t", "a", "b c", "\u2028", "\x85", "\xa0", " " * 12]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(n)]


@pytest.fixture(scope="module")
def texts(seeds: dict[str, str]) -> list[str]:
    real = [*seeds.values(), *(a.text for a in bbc_articles())]
    return [*EDGES, *real, *(t.replace("\n", "\r\n") for t in real[:50]), *fuzz(5000, 3)]


def fields(span: Span) -> tuple[object, ...]:
    lines = tuple(map(fields, span.lines)) if isinstance(span, Paragraph) else ()
    return (type(span), span.start, span.end, span.text, lines)


def test_document_lines_and_paragraphs_are_the_simple_loops(texts: list[str]) -> None:
    """Every line (blank ones included, ``\\r\\n`` and a lone closing ``\\r`` cut off, no
    empty line after a final terminator), every non-blank line and every paragraph, whichever
    of them a document is asked for first."""
    for text in texts:
        lines = reference_lines(text)
        expected = [*map(fields, lines)]
        content = [fields(line) for line in lines if line.text.strip()]
        paragraphs = [*map(fields, reference_paragraphs(text, lines))]
        assert [*map(fields, split_lines(text))] == expected, repr(text)
        doc = Document(text)
        assert [*map(fields, doc.paragraphs)] == paragraphs, repr(text)
        assert [*map(fields, doc.content_lines)] == content, repr(text)
        assert [*map(fields, doc.lines)] == expected, repr(text)
        doc = Document(text)
        assert [*map(fields, doc.lines)] == expected
        assert [*map(fields, doc.content_lines)] == content
        assert [*map(fields, doc.paragraphs)] == paragraphs


def test_edge_cases_by_hand() -> None:
    assert split_lines("") == [Span(0, 0, "")]
    assert split_lines("\n") == [Span(0, 0, "")]
    assert split_lines("a\r\n\r\nb\r") == [Span(0, 1, "a"), Span(3, 3, ""), Span(5, 6, "b")]
    assert split_lines("\r") == [Span(0, 0, "")]
    assert Document("a\n\n b \nc\n\n").paragraphs == [
        Paragraph(0, 1, "a", (Span(0, 1, "a"),)),
        Paragraph(3, 8, " b \nc", (Span(3, 6, " b "), Span(7, 8, "c"))),
    ]
    assert Document(" \n\t\n").paragraphs == []


def test_spans_made_in_bulk_are_ordinary_frozen_spans(seeds: dict[str, str]) -> None:
    """Lines and paragraphs made field by field equal, hash, pickle and refuse assignment
    as ones made by their constructors."""
    doc = Document(seeds["002"])
    for made in [*doc.lines, *doc.paragraphs]:
        if isinstance(made, Paragraph):
            plain: Span = Paragraph(made.start, made.end, made.text, made.lines)
        else:
            plain = Span(made.start, made.end, made.text)
        assert made == plain and hash(made) == hash(plain) and repr(made) == repr(plain)
        assert pickle.loads(pickle.dumps(made)) == made
        with pytest.raises(FrozenInstanceError):
            made.start = 0  # type: ignore[misc]
    assert doc.paragraphs[0] != Span(doc.paragraphs[0].start, doc.paragraphs[0].end, "")


def test_batch_lines_are_each_documents_lines(texts: list[str]) -> None:
    """DocumentBatch.lines (arrays over the batch's code points) gives each document its
    lines, blank ones and paragraphs, whatever the other documents of its batch."""
    for size in (1, 7, 256):
        for i in range(0, len(texts), size):
            docs = DocumentBatch(map(Document, texts[i : i + size]))
            found = docs.lines
            starts, ends = found.paragraph_spans()
            paragraph_doc = found.paragraph_doc()
            for a, doc in enumerate(docs):
                lines = reference_lines(doc.text)
                lo, hi = found.first[a], found.first[a + 1]
                got = zip(found.start[lo:hi].tolist(), found.end[lo:hi].tolist(), strict=True)
                assert list(got) == [(s.start, s.end) for s in lines], repr(doc.text)
                assert found.filled[lo:hi].tolist() == [bool(s.text.strip()) for s in lines]
                assert (found.doc[lo:hi] == a).all()
                text_at = (found.text_at[lo:hi] - docs.scanned.offsets[a]).tolist()
                assert [t for t, s in zip(text_at, lines, strict=True) if s.text.strip()] == [
                    s.end - len(s.text.lstrip()) for s in lines if s.text.strip()
                ], repr(doc.text)
                lo, hi = found.paragraph_first[a], found.paragraph_first[a + 1]
                paragraphs = reference_paragraphs(doc.text, lines)
                got = zip(starts[lo:hi].tolist(), ends[lo:hi].tolist(), strict=True)
                assert list(got) == [(p.start, p.end) for p in paragraphs], repr(doc.text)
                sizes = found.last_line[lo:hi] - found.first_line[lo:hi] + 1
                assert sizes.tolist() == [len(p.lines) for p in paragraphs]
                assert (paragraph_doc[lo:hi] == a).all()
    empty = DocumentBatch().lines
    assert empty.first.tolist() == [0] and empty.paragraph_first.tolist() == [0]
    assert len(empty.doc) == len(empty.first_line) == 0


# -- scan_batch's word numbering -----------------------------------------------------------


def reference_numbering(texts: list[str]) -> list[str]:
    """The batch's distinct words in scan_batch's order: words in the order of their first
    token, then words of up to four ASCII characters by length, then by their characters
    from the last."""
    tokens = [w for text in texts for w in WORD_RE.findall(text)]

    def short(w: str) -> bool:
        return len(w) <= 4 and w.isascii()

    longer = dict.fromkeys(w for w in tokens if not short(w))
    shorter = sorted({w for w in tokens if short(w)}, key=lambda w: (len(w), w[::-1]))
    return [*longer, *shorter]


def collisions(n: int, seed: int) -> list[str]:
    """Texts of words from a three-letter alphabet (and joins), 1 to 20 characters: many
    words that share their first 7 characters or differ only where the keys split."""
    rng = random.Random(seed)

    def word() -> str:
        size = rng.randint(1, 20)
        chars = [rng.choice("aA1") for _ in range(size)]
        for i in range(1, size - 1):
            if rng.random() < 0.2:
                chars[i] = rng.choice("'-’")
        return "".join(chars)

    return [" ".join(word() for _ in range(rng.randint(0, 60))) for _ in range(n)]


def test_scan_batch_numbers_words_as_defined(seeds: dict[str, str]) -> None:
    """Each token's number is its word's place in :func:`reference_numbering`, on real
    articles, on words built to collide in the integer keys, and on non-ASCII words."""
    real = [*seeds.values(), *(a.text for a in bbc_articles()[:600])]
    odd = ["naïve café Zürich KELVIN \u212aelvin \u212a1 ΣΑΣ x’y don't", "a-b-c-d-e-f-g-h-i-j"]
    for batch in [real[i : i + 256] for i in range(0, len(real), 256)] + [
        collisions(300, 1),
        collisions(40, 2),
        odd,
        [],
        [""],
    ]:
        scan = scan_batch(batch)
        expected = reference_numbering(batch)
        assert scan.words == expected
        tokens = [w for text in batch for w in WORD_RE.findall(text)]
        assert [scan.words[i] for i in scan.word.tolist()] == tokens
        assert scan.lows == [w.lower().replace("’", "'") for w in expected]
        assert scan.low_words == list(dict.fromkeys(scan.lows))


def test_word_symbols_keep_code_point_order() -> None:
    codes = np.frombuffer(WORD_SYMBOLS.encode("utf-32-le"), dtype=np.uint32)
    assert sorted(WORD_SYMBOLS) == list(WORD_SYMBOLS) and len(set(WORD_SYMBOLS)) == 64
    assert _symbols(codes)[:64].tolist() == list(range(64))


def test_rank_without_room_gives_the_same_numbers() -> None:
    """Keys too wide to pack with their places are numbered by np.unique, identically."""
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 50, 1000).astype(np.uint64)
    packed_number, packed_first = _rank(keys, 6)
    plain_number, plain_first = _rank(keys, 60)
    assert (packed_number == plain_number).all() and (packed_first == plain_first).all()
    assert (keys[packed_first][packed_number] == keys).all()
    assert (np.diff(keys[packed_first].astype(np.int64)) > 0).all()
