"""Copies across a batch: spun copies and near-duplicates linked, unrelated articles not."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
from datasketch import MinHash
from typer.testing import CliRunner

from pipeline import cli, feed
from pipeline.article import Article, ReadError, Related
from pipeline.artifacts import DEFAULT_MODEL
from pipeline.cli import app
from pipeline.config import RelatedSettings
from pipeline.related import (
    BatchLinker,
    Fingerprint,
    Fingerprinter,
    RelatedIndex,
    link_dicts,
    minhash_permutations,
    shingle_hashes,
)
from pipeline.runtime_model import load_runtime_model
from pipeline.scoring import Scorer
from pipeline.text import words
from pipeline.training.sources import SourceArticle, bbc_articles, shared_dir
from pipeline.training.spinners import SPINNER_STYLES
from pipeline.training.splits import split_of

N_ORIGINALS = 200
N_DUPLICATES = 20
SCHEMA_PATH = shared_dir() / "contract" / "record.schema.json"


def _shingles(text: str) -> set[tuple[str, ...]]:
    w = words(text)
    return set(zip(w, w[1:], w[2:], strict=False))


def _distinct(articles: list[SourceArticle]) -> list[SourceArticle]:
    """Test-split articles none of which shares much wording with another: the BBC set holds
    duplicates and rewritten versions of some stories, which are copies, not negatives."""
    kept: list[tuple[SourceArticle, set[tuple[str, ...]]]] = []
    for article in articles:
        mine = _shingles(article.text)
        if all(len(mine & other) < 0.2 * min(len(mine), len(other)) for _, other in kept):
            kept.append((article, mine))
    return [a for a, _ in kept]


@dataclass(frozen=True)
class Batch:
    texts: dict[str, str]  # id -> text, in batch order
    family: dict[str, str]  # id -> the original it was made from
    kind: dict[str, str]  # id -> "original", a spinner style, or "duplicate"


@pytest.fixture(scope="module")
def batch() -> Batch:
    """BBC test-split originals, a spun copy of each (the four spinner styles in turn) and
    near-duplicates of some (a byline line added, spacing changed), shuffled."""
    test = [a for a in bbc_articles() if split_of(a.id) == "test"]
    originals = _distinct(test)[:N_ORIGINALS]
    assert len(originals) == N_ORIGINALS
    rng = random.Random(7)
    styles = list(SPINNER_STYLES)
    items: list[tuple[str, str, str, str]] = []  # id, text, family, kind
    for i, article in enumerate(originals):
        items.append((article.id, article.text, article.id, "original"))
        style = styles[i % len(styles)]
        spun = SPINNER_STYLES[style](article.text, rng).text
        items.append((f"{article.id}#{style}", spun, article.id, style))
    for article in originals[:N_DUPLICATES]:
        near = "By our technology reporter\n\n" + article.text.replace(". ", ".  ")
        items.append((f"{article.id}#duplicate", near, article.id, "duplicate"))
    rng.shuffle(items)
    return Batch(
        {i: t for i, t, _, _ in items},
        {i: f for i, _, f, _ in items},
        {i: k for i, _, _, k in items},
    )


@pytest.fixture(scope="module")
def links(batch: Batch) -> dict[str, dict[str, str]]:
    """``links[a][b]`` is the relation of the link from ``a`` to ``b``."""
    index = RelatedIndex()
    for ident, text in batch.texts.items():
        index.add(ident, text)
    return {a: {r.id: r.relation for r in found} for a, found in index.links().items()}


def batch_links(items: list[Article | ReadError]) -> dict[int, list[Related]]:
    """The reference for one-pass scoring's links: every article of the batch fingerprinted
    and linked at once, keyed by item position (read errors count as positions)."""
    rows = [(p, a.id, a.text) for p, a in enumerate(items) if isinstance(a, Article)]
    if len(rows) < 2:
        return {}
    linker = BatchLinker()
    linker.add(rows)
    return linker.links()


def test_one_pass_scoring_links_as_batch_links_does(
    batch: Batch, links: dict[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``unspun score`` fingerprints each chunk as it hands it out and links the feed once
    it is read, while the last chunks are scored (in worker processes under ``--jobs 2``;
    small chunks here, so there are several), with a read error among the items: every
    record gets the links ``batch_links`` gives its position."""
    monkeypatch.setattr(feed, "CHUNK", 97)
    items: list[Article | ReadError] = [Article(i, t) for i, t in batch.texts.items()]
    items.insert(5, ReadError("broken.jsonl:3", "broken.jsonl", "invalid_json", "bad line"))
    serial = batch_links(items)
    assert 5 not in serial
    ids = [item.id if isinstance(item, Article) else "" for item in items]
    found = {ids[p]: {r.id: r.relation for r in rs} for p, rs in serial.items() if rs}
    assert found == {a: b for a, b in links.items() if b}
    scorer = Scorer(cli._load(None))
    for jobs in (1, 2):
        records = list(feed.score_feed(items, scorer, DEFAULT_MODEL, jobs))
        assert len(records) == len(items)
        for position, record in enumerate(records):
            assert not isinstance(record, str)
            if position == 5:
                assert record["error"]["type"] == "invalid_json"
                continue
            assert record["related"] == link_dicts(serial.get(position, [])), position


def test_links_are_symmetric_and_stay_within_a_family(
    batch: Batch, links: dict[str, dict[str, str]]
) -> None:
    pairs = [(a, b, rel) for a, found in links.items() for b, rel in found.items()]
    assert pairs
    for a, b, relation in pairs:
        assert links[b][a] == relation, f"{a} -> {b} is not linked back"
    within = sum(batch.family[a] == batch.family[b] for a, b, _ in pairs)
    spun = [(a, b) for a, b, rel in pairs if rel == "spun_copy"]
    spun_within = sum(batch.family[a] == batch.family[b] for a, b in spun)
    assert within / len(pairs) >= 0.95
    assert spun and spun_within / len(spun) >= 0.95
    # Unrelated articles (same topics, same years) are never linked to each other.
    originals = [i for i, k in batch.kind.items() if k == "original"]
    assert not [(a, b) for a in originals for b in links.get(a, {}) if b in originals]


def test_spun_copies_are_found_for_every_spinner_style(
    batch: Batch, links: dict[str, dict[str, str]]
) -> None:
    found: dict[str, Counter[str]] = {style: Counter() for style in SPINNER_STYLES}
    for ident, kind in batch.kind.items():
        if kind in found:
            found[kind][links.get(ident, {}).get(batch.family[ident], "none")] += 1
    recall = {style: c["spun_copy"] / sum(c.values()) for style, c in found.items()}
    print("spun_copy recall per style:", recall, found)
    total = sum(c["spun_copy"] for c in found.values()) / sum(
        sum(c.values()) for c in found.values()
    )
    assert total >= 0.90
    assert min(recall.values()) >= 0.85, recall


def test_near_duplicates_are_duplicates(batch: Batch, links: dict[str, dict[str, str]]) -> None:
    dups = [i for i, k in batch.kind.items() if k == "duplicate"]
    assert len(dups) == N_DUPLICATES
    assert all(links.get(i, {}).get(batch.family[i]) == "duplicate" for i in dups)


def test_signatures_are_datasketch_minhashes() -> None:
    """The vectorised signature equals datasketch's own ``update_batch`` on the same shingle
    hashes (same permutations, same values), so Jaccard estimates carry MinHash's
    guarantees."""
    fingerprinter = Fingerprinter()
    tokens, _ = fingerprinter.tokens(bbc_articles()[0].text)
    shingles = shingle_hashes(tokens, 5)
    reference = MinHash(num_perm=64, seed=1, scheme="affine32", hashfunc=int)
    a, b = minhash_permutations(64, 1)
    assert np.array_equal(reference.permutations, np.stack((a, b)))
    reference.update_batch(shingles.tolist())
    assert np.array_equal(fingerprinter.minhash(shingles)[0], reference.hashvalues)
    other = MinHash(num_perm=64, seed=1, scheme="affine32", hashfunc=int)
    other.update_batch(shingles[: len(shingles) // 2].tolist())
    both = fingerprinter.minhash(
        np.concatenate((shingles, shingles[: len(shingles) // 2])), (0, len(shingles))
    )
    assert np.array_equal(both[1], other.hashvalues)


def test_skeleton_keeps_names_numbers_and_rare_words() -> None:
    text = "The minister said on Tuesday that Gordon Brown spent £25bn on frigates."
    tokens, skeleton = Fingerprinter().tokens(text)
    kept = [w for w, k in zip(words(text), skeleton, strict=True) if k]
    assert {"gordon", "brown", "tuesday", "25bn", "frigates"} <= set(kept)
    assert not {"the", "said", "that", "on", "spent", "minister"} & set(kept)
    assert len(tokens) == len(words(text))


def test_many_copies_of_one_text_cost_linear_pairs() -> None:
    """A bucket over ``max_bucket`` links through its first member, not all pairs."""
    index = RelatedIndex(RelatedSettings(max_bucket=8, max_links=3))
    text = bbc_articles()[1].text
    for _ in range(50):
        index.add("same", text)  # repeated ids stay apart by position
    by_position = index.links_by_position()
    assert sorted(by_position) == list(range(50))
    assert all(0 < len(found) <= 3 for found in by_position.values())
    assert all(r.relation == "duplicate" and r.similarity == 1.0 for r in by_position[7])


def test_unrelated_articles_have_no_candidates_and_no_links(seeds: dict[str, str]) -> None:
    index = RelatedIndex()
    for ident, text in seeds.items():
        index.add(ident, text)
    assert index.links_by_position() == {}


def test_a_batch_of_one_article_has_no_links(seeds: dict[str, str]) -> None:
    text = next(iter(seeds.values()))
    error = ReadError("broken.jsonl:1", "broken.jsonl", "json", "bad line")
    scorer = Scorer(load_runtime_model())
    alone = list(feed.score_feed([error, Article("a", text), error], scorer, DEFAULT_MODEL))
    assert [record.get("related") for record in alone] == [None, [], None]
    copies = [Article("a", text), Article("b", text)]
    pair = list(feed.score_feed(copies, scorer, DEFAULT_MODEL))
    assert [record["related"] for record in pair] == [
        [{"id": "b", "relation": "duplicate", "similarity": 1.0}],
        [{"id": "a", "relation": "duplicate", "similarity": 1.0}],
    ]


def test_short_or_empty_texts_are_not_linked() -> None:
    index = RelatedIndex()
    for ident, text in [("a", "—"), ("b", "—"), ("c", "Yes."), ("d", "Yes.")]:
        index.add(ident, text)
    found = index.links()
    assert "a" not in found and found["c"][0].id == "d"  # no words: nothing to compare


def test_odd_texts_fingerprint_without_error() -> None:
    """A lone surrogate (a JSON escape), a 30,000-word article and one 10,000-letter token."""
    fingerprinter = Fingerprinter()
    assert (
        fingerprinter(json.loads('"Caf\\ud800 said Gordon Brown on Tuesday"')).text_sig is not None
    )
    huge = " ".join(f"Word{i} says" for i in range(30_000))
    tokens, _ = fingerprinter.tokens(huge)
    shingles = shingle_hashes(tokens, 5)  # over the block size: MinHash block by block
    reference = MinHash(num_perm=64, seed=1, scheme="affine32", hashfunc=int)
    reference.update_batch(shingles.tolist())
    assert np.array_equal(fingerprinter.minhash(shingles)[0], reference.hashvalues)
    long_token = "x" * 10_000
    assert fingerprinter(long_token).text_sig is not None
    assert not np.array_equal(
        fingerprinter.tokens(long_token)[0], fingerprinter.tokens(long_token + "y")[0]
    )


# --- the command line ---------------------------------------------------------------------


def _run(*args: str, stdin: str | None = None) -> tuple[int, list[dict[str, Any]]]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def pair() -> tuple[str, str, str]:
    """An original, its spun copy (seed 004's spinner style) and an unrelated article."""
    test = _distinct([a for a in bbc_articles() if split_of(a.id) == "test"])
    original, other = test[3].text, test[4].text
    spun = SPINNER_STYLES["function_word"](original, random.Random(1)).text
    return original, spun, other


def test_score_links_an_original_and_its_spun_copy(
    tmp_path: Path, pair: tuple[str, str, str]
) -> None:
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"contract schema not found at {SCHEMA_PATH}")
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))
    for name, text in zip(("a_original.txt", "b_spun.txt", "c_other.txt"), pair, strict=True):
        (tmp_path / name).write_text(text, encoding="utf-8")
    code, records = _run("score", str(tmp_path))
    assert code == 0
    by_id = {r["id"]: r for r in records}
    for record in records:
        assert not list(validator.iter_errors(record))
    (a_link,) = by_id["a_original.txt"]["related"]
    (b_link,) = by_id["b_spun.txt"]["related"]
    assert a_link["id"] == "b_spun.txt" and b_link["id"] == "a_original.txt"
    assert a_link["relation"] == b_link["relation"] == "spun_copy"
    assert 0.85 <= a_link["similarity"] == b_link["similarity"] <= 1.0
    assert by_id["c_other.txt"]["related"] == []


def test_stdin_and_resume_keep_links(tmp_path: Path, pair: tuple[str, str, str]) -> None:
    original, spun, _ = pair
    feed = "\n".join(
        [json.dumps({"id": "orig", "text": original}), "{oops", json.dumps({"text": spun})]
    )
    code, records = _run("score", "-", stdin=feed + "\n")
    assert code == 1  # the malformed line
    assert [r["id"] for r in records] == ["orig", "-:2", "-:3"]
    assert [x["id"] for x in records[0]["related"]] == ["-:3"]
    assert [x["id"] for x in records[2]["related"]] == ["orig"]

    # Written without links, killed after the first record, resumed with links: the rest of
    # the records still get them (links are built over the whole batch, written or not).
    path, out = tmp_path / "feed.jsonl", tmp_path / "out.jsonl"
    path.write_text(feed + "\n", encoding="utf-8")
    first = json.dumps(records[0] | {"related": []})
    out.write_text(first + "\n" + '{"id": "torn', encoding="utf-8")
    code, _ = _run("score", str(path), "--output", str(out), "--resume")
    resumed = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in resumed] == ["orig", f"{path}:2", f"{path}:3"]
    assert resumed[0]["related"] == [] and [x["id"] for x in resumed[2]["related"]] == ["orig"]
    code, records = _run("score", str(path), "--no-related")
    assert records[0]["related"] == [] and records[2]["related"] == []


def _key(fp: Fingerprint) -> tuple[Any, ...]:
    sigs = (None if sig is None else sig.tolist() for sig in (fp.text_sig, fp.skeleton_sig))
    return (*sigs, fp.skeleton.tolist())


def test_batch_fingerprints_equal_one_by_one() -> None:
    """A text's fingerprint does not depend on the batch it is computed in: empty and
    one-word texts, a letter whose lower case is two letters (no capitals for that text
    only), a lone surrogate and a text over the MinHash block size among real articles."""
    fingerprinter = Fingerprinter()
    real = [a.text for a in bbc_articles()[:40]]
    odd = [
        "",
        "—",
        "Yes.",
        "one two",
        "İstanbul and İzmir, said Gordon Brown " * 3,
        json.loads('"Caf\\ud800 said Gordon Brown on Tuesday"'),
        " ".join(f"Word{i} says" for i in range(5_000)),
        "ΟΔΥΣΣΕΥΣ said Σ " * 5,
    ]
    texts = [*real[:20], *odd, *real[20:]]
    one_by_one = [_key(fingerprinter(text)) for text in texts]
    assert [_key(fp) for fp in fingerprinter.batch(texts)] == one_by_one
    assert [_key(fp) for fp in fingerprinter.batch(texts[::-1])] == one_by_one[::-1]
    assert one_by_one[len(real[:20])][0] is None  # the empty text has no signature
