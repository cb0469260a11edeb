"""Build the labelled training corpus: clean BBC articles and corrupted copies of them.

Each source article yields one clean record and one record per corruption style (spinners,
off-topic insertions, boilerplate injection), all in the split of the source article, so no
text of a test article is ever seen in training. Written as JSONL, one file per split::

    python -m pipeline.training.corpus --output corpus/generated
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from pipeline.text import Document
from pipeline.training.boilerplate_injection import Position, inject_boilerplate
from pipeline.training.corruption import Corruption
from pipeline.training.insertions import INSERTION_STYLES, pick_donor, resplit_paragraphs
from pipeline.training.sources import SourceArticle, bbc_articles
from pipeline.training.spinners import SPINNER_STYLES
from pipeline.training.splits import Split, split_of

BOILERPLATE_POSITIONS: tuple[Position, ...] = ("head", "tail", "middle")
# Spin and pasted foreign stories make the content unreliable. Boilerplate is what scrapers
# hand on (seeds 000 and 001): it has its own signal, but the article's content stays reliable.
UNRELIABLE_KINDS = frozenset({"spin", "offtopic"})
# Share of non-boilerplate variants (clean ones included) that first get scraper junk at the
# head or tail, so boilerplate is independent of the reliability label, as in real feeds.
JUNK_SHARE = 0.5
# Layouts of the body, so the model sees what feeds hand on besides the BBC's: the original
# blocks, one or two sentences per paragraph, or the whole body as a single paragraph (many
# feeds strip paragraph breaks; then a pasted paragraph cannot be told apart, so off-topic
# variants keep a layout with breaks).
LAYOUTS = (("original", 0.6), ("resplit", 0.25), ("single", 0.15))


@dataclass(frozen=True)
class CorpusRecord:
    id: str
    source_id: str
    topic: str
    split: Split
    variant: str  # "clean" or "<kind>:<style>"
    text: str
    reliable: int
    spin: int
    offtopic: int
    boilerplate: int
    spans: list[tuple[int, int]]  # of the variant's own corruption, in ``text``
    junk: str | None = None  # where scraper junk was added first ("head"/"tail"), if anywhere
    layout: str = "original"

    @classmethod
    def from_json(cls, line: str) -> CorpusRecord:
        data = json.loads(line)
        data["spans"] = [tuple(s) for s in data["spans"]]
        return cls(**data)


def _record(
    source: SourceArticle,
    text: str,
    corruption: Corruption | None,
    junk: str | None,
    layout: str,
) -> CorpusRecord:
    kind = corruption.kind if corruption else None
    variant = f"{corruption.kind}:{corruption.style}" if corruption else "clean"
    reliable = kind not in UNRELIABLE_KINDS
    return CorpusRecord(
        id=f"{source.id}#{variant}",
        source_id=source.id,
        topic=source.topic,
        split=split_of(source.id),
        variant=variant,
        text=corruption.text if corruption else text,
        reliable=int(reliable),
        spin=int(kind == "spin"),
        offtopic=int(kind == "offtopic"),
        boilerplate=int(kind == "boilerplate" or junk is not None),
        spans=list(corruption.spans) if corruption else [],
        junk=junk,
        layout=layout,
    )


# (text to corrupt, its source article, donor pool of the same split, rng) -> corruption
Generator = Callable[[str, SourceArticle, Sequence[SourceArticle], random.Random], Corruption]


def generators() -> dict[str, Generator]:
    """Every corruption style by variant name; ``pool`` is the article's own split."""
    out: dict[str, Generator] = {}
    for style, spin in SPINNER_STYLES.items():
        out[f"spin:{style}"] = partial(_spin, spin)
    for style, insert in INSERTION_STYLES.items():
        out[f"offtopic:{style}"] = partial(_insert, insert)
    for position in BOILERPLATE_POSITIONS:
        out[f"boilerplate:{position}"] = partial(_boilerplate, position)
    return out


def _spin(
    spin: Callable[[str, random.Random], Corruption],
    text: str,
    article: SourceArticle,
    pool: Sequence[SourceArticle],
    rng: random.Random,
) -> Corruption:
    return spin(text, rng)


def _insert(
    insert: Callable[[str, str, random.Random], Corruption],
    text: str,
    article: SourceArticle,
    pool: Sequence[SourceArticle],
    rng: random.Random,
) -> Corruption:
    return insert(text, pick_donor(article, pool, rng).text, rng)


def _boilerplate(
    position: Position,
    text: str,
    article: SourceArticle,
    pool: Sequence[SourceArticle],
    rng: random.Random,
) -> Corruption:
    headlines = [pool[rng.randrange(len(pool))].text.split("\n", 1)[0] for _ in range(5)]
    return inject_boilerplate(text, rng, position, headlines=headlines)


def _laid_out(text: str, rng: random.Random, allow_single: bool) -> tuple[str, str]:
    """The article in a layout drawn from ``LAYOUTS``, and the layout's name."""
    layout = rng.choices([n for n, _ in LAYOUTS], weights=[w for _, w in LAYOUTS])[0]
    if layout == "resplit":
        return resplit_paragraphs(text, rng), layout
    if layout == "single" and allow_single:
        paragraphs = Document(text).paragraphs
        if len(paragraphs) > 2:
            body = " ".join(p.text.replace("\n", " ") for p in paragraphs[1:])
            return f"{paragraphs[0].text}\n\n{body}\n", layout
    return text, "original"


def _base_text(
    article: SourceArticle, pool: Sequence[SourceArticle], rng: random.Random, variant: str
) -> tuple[str, str | None, str]:
    """What a variant corrupts: the article in some layout, with scraper junk at its head or
    tail for a ``JUNK_SHARE`` of variants (not for boilerplate variants, which add their own)."""
    text, layout = _laid_out(article.text, rng, allow_single=not variant.startswith("offtopic:"))
    if variant.startswith("boilerplate:") or rng.random() >= JUNK_SHARE:
        return text, None, layout
    position: Position = "head" if rng.random() < 0.5 else "tail"
    return _boilerplate(position, text, article, pool, rng).text, position, layout


def build_corpus(articles: Sequence[SourceArticle], seed: int = 0) -> Iterator[CorpusRecord]:
    """The clean record and one record per corruption style for every article (a style that
    does not fit a short article is skipped for it)."""
    by_split: dict[str, list[SourceArticle]] = {}
    for article in articles:
        by_split.setdefault(split_of(article.id), []).append(article)
    styles = generators()
    for article in articles:
        rng = random.Random(f"{seed}:{article.id}")
        pool = by_split[split_of(article.id)]
        text, junk, layout = _base_text(article, pool, rng, "clean")
        yield _record(article, text, None, junk, layout)
        for name, make in styles.items():
            text, junk, layout = _base_text(article, pool, rng, name)
            try:
                corruption = make(text, article, pool, rng)
            except ValueError:
                continue
            yield _record(article, text, corruption, junk, layout)


def write_corpus(records: Iterator[CorpusRecord], folder: Path) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    handles = {
        s: (folder / f"{s}.jsonl").open("w", encoding="utf-8") for s in ("train", "dev", "test")
    }
    counts = dict.fromkeys(handles, 0)
    try:
        for record in records:
            handles[record.split].write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
            counts[record.split] += 1
    finally:
        for handle in handles.values():
            handle.close()
    return counts


def read_corpus(folder: Path, split: Split) -> list[CorpusRecord]:
    path = folder / f"{split}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no corpus split here (run `make corpus`)")
    with path.open(encoding="utf-8") as handle:
        return [CorpusRecord.from_json(line) for line in handle if line.strip()]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("corpus/generated"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None, help="only the first N sources")
    args = parser.parse_args(argv)
    articles = bbc_articles()[: args.limit]
    counts = write_corpus(build_corpus(articles, args.seed), args.output)
    print(f"corpus: {len(articles)} source articles -> {counts} records in {args.output}")


if __name__ == "__main__":
    main()
