"""``make bench``: scoring speed, start-up time and peak memory, beside jusText.

The feed is what unspun is for: 5,000 *distinct* scraped-style articles of 2-3 KB (every
corpus variant: clean, spun, with pasted paragraphs, with boilerplate; ``make corpus``),
scored once from a fresh process, so the detectors' per-process caches (syllable counts,
token tables) start empty as they do on a real feed; repeating a few hundred articles would
measure warm caches only. Rates are after start-up:

- ``command_articles_per_s_jobs1``: the whole ``unspun score FEED --output FILE`` (reading the
  feed, scoring, related links, writing), wall time minus the start-up time;
- ``unspun_articles_per_cpu_s``: scoring alone, in-process, one pass (process CPU time);
- ``justext_articles_per_cpu_s``: jusText on the same articles (one ``<p>`` per line),
  boilerplate removal only, one pass.

Start-up is the median wall and user CPU time of five ``unspun score`` runs on one article.
The whole command runs three times at ``--jobs 1`` and ``--jobs 2``, alternated, and each
gives its median wall time (this machine's speed drifts from minute to minute); the ``--jobs
2`` speed-up is given for the whole command and after start-up (both medians minus the
start-up time). ``--articles N`` runs it all on another number of articles.
Peak RSS is that of the ``unspun score`` child process over the whole feed.

``--parts`` instead prints where scoring's time goes: each detector's ``detect_batch`` and
the related-link fingerprints, CPU ms per article over the feed in batches of 256, one pass
from this fresh process (it writes nothing to results.json).

``--profile`` runs the whole ``unspun score FEED --output FILE --jobs 1`` in this process
under pyinstrument (a sampling profiler; the ``dev`` extra) and prints its call tree, the
calls under 2% of the time folded away: what dominates, start-up included.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import justext

from pipeline.article import Article
from pipeline.runtime_model import load_runtime_model
from pipeline.scoring import Scorer
from pipeline.training.corpus import read_corpus
from pipeline.training.sources import bbc_articles

OUT = Path(__file__).resolve().parent / "results.json"
CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "generated"
FEED_ARTICLES = 5_000


def feed(n: int = FEED_ARTICLES) -> list[str]:
    """``n`` distinct corpus texts of 2-3 KB, all variants and splits, in a fixed shuffle."""
    texts = {
        r.text
        for split in ("train", "dev", "test")
        for r in read_corpus(CORPUS, split)
        if 2000 <= len(r.text.encode()) <= 3000
    }
    ordered = sorted(texts)
    random.Random(0).shuffle(ordered)
    if len(ordered) < n:
        raise SystemExit(f"bench: only {len(ordered)} corpus articles of 2-3 KB (make corpus)")
    return ordered[:n]


def write_feed(texts: list[str], folder: Path) -> Path:
    """``texts`` as the JSONL feed ``folder/feed.jsonl``, ids ``a0``, ``a1``, ..."""
    path = folder / "feed.jsonl"
    path.write_text(
        "".join(json.dumps({"id": f"a{i}", "text": t}) + "\n" for i, t in enumerate(texts))
    )
    return path


def cpu_rate(fn: object, texts: list[str]) -> float:
    """Articles per second of this process's CPU time, one pass over ``texts``."""
    cpu = time.process_time()
    fn(texts)  # type: ignore[operator]
    return len(texts) / (time.process_time() - cpu)


def peak_rss_mb(n_articles: int) -> float:
    """Peak RSS of ``unspun score FEED --output FILE`` (related links on) over a feed of
    ``n_articles`` distinct-id records cycling through all BBC articles."""
    texts = [a.text for a in bbc_articles()]
    exe = str(Path(sys.executable).with_name("unspun"))
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "feed.jsonl"
        with feed.open("w", encoding="utf-8") as out:
            for i in range(n_articles):
                out.write(json.dumps({"id": f"a{i}", "text": texts[i % len(texts)]}) + "\n")
        command = [exe, "score", str(feed), "--quiet", "--output", str(Path(tmp) / "out.jsonl")]
        usage = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *command],
            check=True,
            capture_output=True,
            text=True,
        )
    return int(usage.stderr.strip().splitlines()[-1]) / 1024


def main(n_articles: int = FEED_ARTICLES) -> None:
    texts = feed(n_articles)
    scorer = Scorer(load_runtime_model())  # what `unspun score` loads, caches empty
    scorer.score_batch([Article("warm", "A first article starts the tables. " * 20)])
    unspun_cpu_rate = cpu_rate(
        lambda ts: list(scorer.records(Article(str(i), t) for i, t in enumerate(ts))), texts
    )
    stoplist = justext.get_stoplist("English")

    def run_justext(ts: list[str]) -> None:
        for t in ts:
            html = (
                "<html><body>"
                + "".join(f"<p>{line}</p>" for line in t.splitlines())
                + "</body></html>"
            )
            justext.justext(html.encode(), stoplist)

    justext_cpu_rate = cpu_rate(run_justext, texts)
    exe = str(Path(sys.executable).with_name("unspun"))
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.txt"
        one.write_text(texts[0], encoding="utf-8")
        walls, cpus = [], []
        for _ in range(5):  # median of 5: the wall time is noisy on a shared machine
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
            start = time.perf_counter()
            subprocess.run([exe, "score", str(one), "--quiet"], check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
            cpus.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before)
        startup, startup_cpu = sorted(walls)[2], sorted(cpus)[2]
        path = write_feed(texts, Path(tmp))
        runs: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(3):  # whole command, start-up included; alternated, median of 3
            for jobs in (1, 2):
                out = str(Path(tmp) / "out.jsonl")
                start = time.perf_counter()
                subprocess.run(
                    [exe, "score", str(path), "--quiet", "--jobs", str(jobs), "--output", out],
                    check=True,
                )
                runs[jobs].append(time.perf_counter() - start)
                if jobs == 1:
                    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        walls_by_jobs = {jobs: sorted(walls)[1] for jobs, walls in runs.items()}
    n = len(texts)
    result = {
        "articles": n,
        "mean_bytes": round(sum(len(t.encode()) for t in texts) / n),
        "command_articles_per_s_jobs1": round(n / (walls_by_jobs[1] - startup), 1),
        "command_articles_per_s_jobs2": round(n / (walls_by_jobs[2] - startup), 1),
        "unspun_articles_per_cpu_s": round(unspun_cpu_rate, 1),
        "justext_articles_per_cpu_s": round(justext_cpu_rate, 1),
        "ratio_vs_justext": round(unspun_cpu_rate / justext_cpu_rate, 2),
        "command_ratio_vs_justext": round(n / (walls_by_jobs[1] - startup) / justext_cpu_rate, 2),
        "startup_s": round(startup, 2),
        "startup_user_cpu_s": round(startup_cpu, 2),
        f"peak_rss_mb_feed_of_{n}": round(peak_mb, 1),
        f"feed_of_{n}_wall_s_jobs1": round(walls_by_jobs[1], 1),
        f"feed_of_{n}_wall_s_jobs2": round(walls_by_jobs[2], 1),
        "speedup_jobs2": round(walls_by_jobs[1] / walls_by_jobs[2], 2),
        "speedup_jobs2_after_startup": round(
            (walls_by_jobs[1] - startup) / (walls_by_jobs[2] - startup), 2
        ),
    }
    write(result)


def parts(texts: list[str]) -> dict[str, float]:
    """CPU ms per article of each detector's ``detect_batch`` (the shared batch scan counted
    with the first detector that reads it, spin) and of the related-link fingerprints."""
    from pipeline.related import Fingerprinter
    from pipeline.runtime_model import ANALYZE_BATCH
    from pipeline.text import Document, DocumentBatch

    model = load_runtime_model()
    fingerprinter = Fingerprinter()
    totals = {d.name: 0.0 for d in model.features.detectors} | {"related fingerprints": 0.0}
    for i in range(0, len(texts), ANALYZE_BATCH):
        chunk = texts[i : i + ANALYZE_BATCH]
        docs = DocumentBatch(Document(t) for t in chunk)
        for detector in model.features.detectors:
            t0 = time.process_time()
            detector.detect_batch(docs)
            totals[detector.name] += time.process_time() - t0
        t0 = time.process_time()
        fingerprinter.batch(chunk)
        totals["related fingerprints"] += time.process_time() - t0
    return {name: round(1000 * t / len(texts), 3) for name, t in totals.items()}


def profile(texts: list[str]) -> str:
    """pyinstrument's call tree of ``unspun score`` at ``--jobs 1`` over ``texts``, run in
    this process as the console script runs it."""
    from pyinstrument import Profiler

    from pipeline import cli

    with tempfile.TemporaryDirectory() as tmp:
        path = write_feed(texts, Path(tmp))
        argv = ["unspun", "score", str(path), "--quiet", "--output", str(Path(tmp) / "out")]
        profiler = Profiler(interval=0.0005)
        saved, sys.argv = sys.argv, argv
        try:
            with profiler:
                cli.app(standalone_mode=False)
        finally:
            sys.argv = saved
    return profiler.output_text(
        color=False, unicode=True, show_all=False, processor_options={"filter_threshold": 0.02}
    )


def write(result: dict[str, float]) -> None:
    """Merge into results.json (a long memory run adds its key beside the others)."""
    merged = json.loads(OUT.read_text()) if OUT.exists() else {}
    merged.update(result)
    OUT.write_text(json.dumps(merged, indent=2) + "\n")
    for key, value in result.items():
        print(f"{key:<32} {value}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--memory-articles",
        type=int,
        help="only measure peak RSS of `unspun score` over a feed of this many articles",
    )
    parser.add_argument("--parts", action="store_true", help="CPU ms per article of each part")
    parser.add_argument(
        "--profile", action="store_true", help="pyinstrument's call tree of the whole command"
    )
    parser.add_argument(
        "--articles",
        type=int,
        default=FEED_ARTICLES,
        help=f"articles in the feed (default {FEED_ARTICLES}; the corpus has ~7,800 of 2-3 KB)",
    )
    args = parser.parse_args()
    if args.parts:
        for name, ms in parts(feed(args.articles)).items():
            print(f"{name:<32} {ms} ms")
    elif args.profile:
        print(profile(feed(args.articles)))
    elif args.memory_articles:
        n = args.memory_articles
        write({f"peak_rss_mb_feed_of_{n}": round(peak_rss_mb(n), 1)})
    else:
        main(args.articles)
