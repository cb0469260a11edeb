"""``--jobs N``: ordered fan-out over forked workers, the same records as ``--jobs 1``
whichever way a record travels (a worker's finished jsonl line, or a dict the main process
finishes), with ``--resume``, standard input, csv, read errors and a bad model."""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import feed as feed_scoring
from pipeline import parallel, related
from pipeline.cli import app
from pipeline.config import load_settings
from pipeline.io.writers import jsonl_line
from pipeline.parallel import map_ordered

from .conftest import SEEDS


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tasks of 3 items: a small feed spans several chunks and both workers."""
    monkeypatch.setattr(feed_scoring, "CHUNK", 3)


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds four times over (so every article has copies to link to), with a
    malformed line early and one late: 22 items."""
    lines = [
        json.dumps({"id": f"{i}/{path.name}", "text": path.read_text(encoding="utf-8")})
        for i in range(4)
        for path in sorted(SEEDS.glob("*.txt"))
    ]
    lines.insert(4, "{broken")
    lines.insert(len(lines) - 2, "{broken too")
    path = tmp_path_factory.mktemp("feed") / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def serial(feed: Path) -> str:
    code, out, _ = run("score", str(feed), "--quiet")
    assert code == 1  # the broken lines are error records
    return out


def test_map_ordered_reads_calls_as_workers_need_them() -> None:
    read: list[int] = []

    def calls() -> Iterator[tuple[int, int]]:
        for i in range(20):
            read.append(i)
            yield i, 3

    for jobs in (1, 2):
        read.clear()
        results = map_ordered(divmod, calls(), jobs)
        assert read == []  # nothing is read before the first request
        assert next(results) == divmod(0, 3)
        assert len(read) <= parallel.TASKS_PER_WORKER * jobs  # at most that many in flight
        assert list(results) == [divmod(i, 3) for i in range(1, 20)]


# Set in this process before the workers fork (the way the model is), read by them.
_LOADED: dict[str, int] = {}


def _loaded(key: str) -> tuple[int, int]:
    return os.getpid(), _LOADED[key]


def _fails(value: int) -> int:
    raise ValueError(f"bad value {value}")


def test_forked_workers_have_what_was_loaded_before_the_first_task() -> None:
    _LOADED["model"] = 42
    found = list(map_ordered(_loaded, [("model",)] * 8, 2))
    assert {value for _, value in found} == {42}
    assert os.getpid() not in {pid for pid, _ in found}  # the work ran in the workers


def test_a_workers_error_is_raised_in_order() -> None:
    results = map_ordered(_fails, [(1,), (2,)], 2)
    with pytest.raises(ValueError, match="bad value 1"):
        next(results)


@pytest.mark.usefixtures("small_chunks")
def test_jobs_2_writes_the_jobs_1_bytes_links_and_errors_included(feed: Path, serial: str) -> None:
    code, parallel, err = run("score", str(feed), "--jobs", "2", "--quiet")
    assert code == 1 and parallel == serial
    records = [json.loads(line) for line in serial.splitlines()]
    assert len(records) == 22 and sum(r["error"] is not None for r in records) == 2
    assert err.count("unspun: ") == 2  # one stderr line per unreadable line
    # Linked records in the first chunks and in the last ones.
    assert any(r["error"] is None and r["related"] for r in records[:6])
    assert any(r["error"] is None and r["related"] for r in records[-6:])


@pytest.mark.usefixtures("small_chunks")
def test_resume_at_jobs_2_continues_a_torn_file(feed: Path, serial: str, tmp_path: Path) -> None:
    complete = serial.splitlines(keepends=True)
    killed = tmp_path / "killed.jsonl"
    # killed after 5 records, in the second chunk
    killed.write_text("".join(complete[:5]) + complete[5][:50], encoding="utf-8")
    code, _, _ = run("score", str(feed), "--output", str(killed), "--resume", "--jobs", "2")
    assert code == 1
    assert killed.read_text(encoding="utf-8") == serial
    bare = run("score", str(feed), "--no-related", "--quiet")[1].splitlines(keepends=True)
    killed.write_text("".join(bare[:7]) + bare[7][:50], encoding="utf-8")
    args = ("score", str(feed), "--no-related", "--output", str(killed), "--resume")
    for jobs in ("1", "2"):
        assert run(*args, "--jobs", jobs)[0] == 1
        assert killed.read_text(encoding="utf-8") == "".join(bare)
        killed.write_text("".join(bare[:7]), encoding="utf-8")


@pytest.mark.usefixtures("small_chunks")
def test_stdin_csv_and_no_related_at_jobs_2(feed: Path, serial: str) -> None:
    text = feed.read_text(encoding="utf-8")
    stdin1 = run("score", "-", "--quiet", stdin=text)[1]
    assert run("score", "-", "--jobs", "2", "--quiet", stdin=text)[1] == stdin1
    assert stdin1.count("\n") == 22 and '"related":[{' in stdin1
    csv1 = run("score", str(feed), "--format", "csv", "--quiet")[1]
    assert run("score", str(feed), "--format", "csv", "--jobs", "2", "--quiet")[1] == csv1
    bare1 = run("score", str(feed), "--no-related", "--quiet")[1]
    bare2 = run("score", str(feed), "--no-related", "--jobs", "2", "--quiet")[1]
    assert bare2 == bare1 and '"related":[{' not in bare2


def test_a_bad_model_at_jobs_2_is_one_line_before_any_output(tmp_path: Path) -> None:
    """The model is loaded (and checked) before the workers start; its error is the
    command's, and the output file is not touched."""
    model = tmp_path / "broken.joblib"
    model.write_bytes(b"not a model")
    out = tmp_path / "out.jsonl"
    args = ("score", str(SEEDS), "--jobs", "2", "--model", str(model), "--output", str(out))
    code, _, err = run(*args)
    assert code == 2 and err.startswith("unspun: ") and len(err.strip().splitlines()) == 1
    assert str(model) in err and not out.exists()


def test_packed_fingerprints_index_as_the_fingerprints_do(seeds: dict[str, str]) -> None:
    """A chunk's fingerprints are indexed packed (and survive pickling so); the index holds
    what it holds when given each fingerprint, and an article too short for one signature or
    both still has none."""
    settings = load_settings().related
    texts = [*seeds.values(), "", "Too short to sign.", seeds[next(iter(seeds))][:300]]
    chunk = [(3 * i, f"id{i}", text) for i, text in enumerate(texts)]
    plain = related._fingerprint_chunk(settings, chunk)
    packed = pickle.loads(pickle.dumps(related.fingerprint_rows(settings, chunk)))
    assert packed.positions == [p for p, _, _ in plain]
    assert any(fp.text_sig is None for _, _, fp in plain)
    assert any(fp.text_sig is not None and fp.skeleton_sig is None for _, _, fp in plain)
    one_by_one, at_once = related.RelatedIndex(settings), related.RelatedIndex(settings)
    for rows in (plain[:4], plain[4:]):  # two chunks: the second's skeletons start later
        for _, id, fp in rows:
            one_by_one.add_fingerprint(id, fp)
        at_once.add_packed(related.PackedFingerprints.pack(rows, settings.num_perm))
    at_once_first = related.RelatedIndex(settings)
    at_once_first.add_packed(packed)
    for index in (at_once, at_once_first):
        assert index.ids == one_by_one.ids
        for name in ("_flags", "_text_sigs", "_skeleton_sigs", "_skeletons", "_skeleton_ends"):
            assert getattr(index, name) == getattr(one_by_one, name), name


def test_with_related_is_the_line_encoded_with_the_links(serial: str) -> None:
    """The main process puts links into a worker's line made with ``"related": []``:
    the bytes are those of the record encoded with them, on the fast path (re-encode the
    tail) and on the fallback (a line that ends otherwise is decoded and encoded whole)."""
    linked = [r for r in map(json.loads, serial.splitlines()) if r.get("related")]
    assert linked
    for record in linked:
        links = record["related"]
        empty = jsonl_line({**record, "related": []})
        assert feed_scoring.with_related(empty, links) == jsonl_line(record)
        reordered = {"error": None, **{k: v for k, v in record.items() if k != "error"}}
        line = jsonl_line({**reordered, "related": []})
        assert feed_scoring.with_related(line, links) == jsonl_line(reordered)


def test_spooled_records_keep_line_separators_in_ids(tmp_path: Path) -> None:
    """Records wait in a spool file for their links, one jsonl line each: an id holding the
    characters ``str.splitlines`` breaks at (U+2028, U+0085; a raw CR is escaped by JSON)
    stays in its line, at ``--jobs`` 1 and 2."""
    text = next(SEEDS.glob("*.txt")).read_text(encoding="utf-8")
    ids = ["a\u2028b", "c\x85d", "e\rf"]
    path = tmp_path / "feed.jsonl"
    path.write_text(
        "".join(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n" for i in ids),
        encoding="utf-8",
    )
    outputs = [run("score", str(path), "--quiet", "--jobs", jobs)[1] for jobs in ("1", "2")]
    assert outputs[0] == outputs[1]
    records = [json.loads(line) for line in outputs[0].split("\n")[:-1]]
    assert [r["id"] for r in records] == ids
    for record in records:
        assert {link["id"] for link in record["related"]} == set(ids) - {record["id"]}
