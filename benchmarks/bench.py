"""``make bench``: scoring speed, start-up time and peak memory, beside jusText.

Articles are held-out (test-split) BBC articles of 2-3 KB, written as one JSONL feed. The
scoring rate is measured in-process after the model is loaded (start-up is measured on its
own: median wall and user CPU time of five ``unspun score`` runs on one article); jusText runs
on the same articles (one ``<p>`` per line), boilerplate removal only. The whole command's rate
after start-up (``command_articles_per_s_jobs1``: a 2,000-article feed read twice, related links,
scoring and writing, minus the start-up time) is the user's figure; the in-process rate is the
scoring alone. Peak RSS is that of a ``unspun score`` child process over the whole feed.
"""

from __future__ import annotations

import argparse
import json
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
from pipeline.training.sources import bbc_articles
from pipeline.training.splits import split_of

OUT = Path(__file__).resolve().parent / "results.json"


def articles(n: int = 400) -> list[str]:
    texts = [a.text for a in bbc_articles() if split_of(a.id) == "test"]
    sized = [t for t in texts if 2000 <= len(t.encode()) <= 3000]
    return (sized * (n // max(1, len(sized)) + 1))[:n]


def rate(fn: object, texts: list[str], rounds: int = 3) -> tuple[float, float]:
    """Articles per second of wall time and of this process's CPU time, best of ``rounds``
    passes over ``texts`` (the CPU rate is the steadier one when other work shares the
    machine; single passes on this VM drift by 10-15% even when it is quiet)."""
    walls, cpus = [], []
    for _ in range(rounds):
        start, cpu = time.perf_counter(), time.process_time()
        fn(texts)  # type: ignore[operator]
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return len(texts) / min(walls), len(texts) / min(cpus)


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


def main() -> None:
    texts = articles()
    scorer = Scorer(load_runtime_model())  # what `unspun score` loads
    scorer.score_batch([Article("warm", texts[0])])
    unspun_rate, unspun_cpu_rate = rate(
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

    justext_rate, justext_cpu_rate = rate(run_justext, texts)
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
        feed = Path(tmp) / "feed.jsonl"
        feed.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts * 5))
        walls_by_jobs = {}
        for jobs in (1, 2):  # whole command, start-up included: the --jobs speed-up
            out = str(Path(tmp) / "out.jsonl")
            start = time.perf_counter()
            subprocess.run(
                [exe, "score", str(feed), "--quiet", "--jobs", str(jobs), "--output", out],
                check=True,
            )
            walls_by_jobs[jobs] = time.perf_counter() - start
            if jobs == 1:
                peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {
        "articles": len(texts),
        "mean_bytes": round(sum(len(t.encode()) for t in texts) / len(texts)),
        "unspun_articles_per_s_jobs1": round(unspun_rate, 1),
        "unspun_articles_per_cpu_s": round(unspun_cpu_rate, 1),
        "justext_articles_per_s": round(justext_rate, 1),
        "justext_articles_per_cpu_s": round(justext_cpu_rate, 1),
        "ratio_vs_justext": round(unspun_cpu_rate / justext_cpu_rate, 2),
        "startup_s": round(startup, 2),
        "startup_user_cpu_s": round(startup_cpu, 2),
        "peak_rss_mb_feed_of_2000": round(peak_mb, 1),
        "feed_of_2000_wall_s_jobs1": round(walls_by_jobs[1], 1),
        # The whole command (reading twice, related links, scoring, writing) after start-up.
        "command_articles_per_s_jobs1": round(5 * len(texts) / (walls_by_jobs[1] - startup), 1),
        "feed_of_2000_wall_s_jobs2": round(walls_by_jobs[2], 1),
        "speedup_jobs2": round(walls_by_jobs[1] / walls_by_jobs[2], 2),
    }
    write(result)


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
    args = parser.parse_args()
    if args.memory_articles:
        n = args.memory_articles
        write({f"peak_rss_mb_feed_of_{n}": round(peak_rss_mb(n), 1)})
    else:
        main()
