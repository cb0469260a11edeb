"""``make bench``: scoring speed, start-up time and peak memory, beside jusText.

Articles are held-out (test-split) BBC articles of 2-3 KB, written as one JSONL feed. The
scoring rate is measured in-process after the model is loaded (start-up is measured on its
own, as the wall time of ``unspun score`` on one article); jusText runs on the same
articles (one ``<p>`` per line), boilerplate removal only. Peak RSS is that of a
``unspun score`` child process over the whole feed.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import justext

from pipeline.article import Article
from pipeline.model import load_model
from pipeline.scoring import Scorer
from pipeline.training.sources import bbc_articles
from pipeline.training.splits import split_of

OUT = Path(__file__).resolve().parent / "results.json"


def articles(n: int = 400) -> list[str]:
    texts = [a.text for a in bbc_articles() if split_of(a.id) == "test"]
    sized = [t for t in texts if 2000 <= len(t.encode()) <= 3000]
    return (sized * (n // max(1, len(sized)) + 1))[:n]


def rate(fn: object, texts: list[str], repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn(texts)  # type: ignore[operator]
    return len(texts) * repeat / (time.perf_counter() - start)


def main() -> None:
    texts = articles()
    scorer = Scorer(load_model())
    scorer.score_batch([Article("warm", texts[0])])
    unspun_rate = rate(
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

    justext_rate = rate(run_justext, texts)
    exe = str(Path(sys.executable).with_name("unspun"))
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.txt"
        one.write_text(texts[0], encoding="utf-8")
        start = time.perf_counter()
        subprocess.run([exe, "score", str(one), "--quiet"], check=True, capture_output=True)
        startup = time.perf_counter() - start
        feed = Path(tmp) / "feed.jsonl"
        feed.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts * 5))
        subprocess.run(
            [exe, "score", str(feed), "--quiet", "--output", str(Path(tmp) / "out.jsonl")],
            check=True,
        )
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {
        "articles": len(texts),
        "mean_bytes": round(sum(len(t.encode()) for t in texts) / len(texts)),
        "unspun_articles_per_s_jobs1": round(unspun_rate, 1),
        "justext_articles_per_s": round(justext_rate, 1),
        "ratio_vs_justext": round(unspun_rate / justext_rate, 2),
        "startup_s": round(startup, 2),
        "peak_rss_mb_feed_of_2000": round(peak_mb, 1),
    }
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    for key, value in result.items():
        print(f"{key:<32} {value}")


if __name__ == "__main__":
    main()
