"""Prove a speed change changed nothing: every detector's features and findings, the
related-links fingerprints and the full records on ~740 texts, saved and compared exactly.

The texts: the seeds, 200 BBC articles, 40 corpus test records of every variant (needs
``make corpus``), 60 ABC articles (``make eval-data``), CRLF copies and odd Unicode. Save the
outputs of the code before the change (a checkout of it first on ``PYTHONPATH``), then of the
code after, and compare::

    PYTHONPATH=/path/to/old/checkout python benchmarks/equivalence.py save before.pkl
    python benchmarks/equivalence.py save after.pkl
    python benchmarks/equivalence.py compare before.pkl after.pkl [--detector spin]

Equality is ``==`` on floats: the shipped model was trained on these exact features.
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def texts() -> list[str]:
    from pipeline.training.corpus import read_corpus
    from pipeline.training.sources import DataUnavailable, bbc_articles, other_news

    out = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus/seeds").glob("*.txt"))]
    out += [a.text for a in bbc_articles()[:200]]
    by_variant: dict[str, list[str]] = {}
    for record in read_corpus(ROOT / "corpus/generated", "test"):
        by_variant.setdefault(record.variant, []).append(record.text)
    rng = random.Random(1)
    for _, variant_texts in sorted(by_variant.items()):
        out += rng.sample(variant_texts, min(40, len(variant_texts)))
    try:
        out += [a.text for a in other_news("lee", 60)]
    except DataUnavailable as exc:
        print(f"equivalence: without ABC articles ({exc})", file=sys.stderr)
    out += [t.replace("\n", "\r\n") for t in out[:30]]
    out += [
        "",
        "short text here",
        "É\u00e9 caf\u00e9 na\u00efve \u2014 \u201cquoted\u201d words" * 30,
    ]
    out += ["a\n\n\nb\r\n\r\nc  d\t e\u2019s \u00a0 f" * 20]
    return out


def outputs(items: list[str]) -> dict[str, Any]:
    """What the code on ``sys.path`` makes of ``items``, as comparable plain values."""
    from pipeline.article import Article
    from pipeline.related import Fingerprinter
    from pipeline.runtime_model import analyze_batch, load_runtime_model
    from pipeline.scoring import Scorer
    from pipeline.text import Document

    model = load_runtime_model(ROOT / "models" / "unspun.joblib")  # this checkout's model
    detections = []
    for text in items:
        row = []
        for detector in model.detectors:
            d = detector.detect(Document(text))
            findings = [
                (f.kind, f.start, f.end, f.text, f.score, f.reason, f.suggestion)
                for f in d.findings
            ]
            row.append((detector.name, list(d.features), findings))
        detections.append(row)
    # The batch path, in a shuffled order and batches of 64: an article's detections must not
    # depend on the batch it is in.
    order = list(range(len(items)))
    random.Random(7).shuffle(order)
    batch_detections: list[Any] = [None] * len(items)
    for start in range(0, len(order), 64):
        part = order[start : start + 64]
        for i, row in zip(
            part, analyze_batch(model.detectors, [items[i] for i in part]), strict=True
        ):
            batch_detections[i] = [
                (
                    d.detector,
                    list(d.features),
                    [
                        (f.kind, f.start, f.end, f.text, f.score, f.reason, f.suggestion)
                        for f in d.findings
                    ],
                )
                for d in row
            ]
    scorer = Scorer(model)
    records = [
        json.dumps(r, sort_keys=True)
        for r in scorer.records(Article(str(i), t) for i, t in enumerate(items))
    ]
    fingerprinter = Fingerprinter()
    fingerprints = []
    for text in items:
        fp = fingerprinter(text)
        fingerprints.append(
            repr([None if v is None else v.tolist() for v in (fp.text_sig, fp.skeleton_sig)])
            + repr(fp.skeleton.tolist())
        )
    return {
        "detections": detections,
        "batch_detections": batch_detections,
        "records": records,
        "fingerprints": fingerprints,
    }


def _close(a: list[float], b: list[float], rel_tol: float) -> bool:
    return a == b or (
        rel_tol > 0
        and len(a) == len(b)
        and all(
            math.isclose(x, y, rel_tol=rel_tol, abs_tol=rel_tol) for x, y in zip(a, b, strict=True)
        )
    )


def compare(
    before: dict[str, Any], after: dict[str, Any], detector: str | None, rel_tol: float = 0.0
) -> int:
    """Mismatching texts, printed; with ``detector``, only that detector's outputs count.
    Features match when equal (or, with ``rel_tol``, that close); findings must be equal. The
    batch path of ``after`` is compared with ``before``'s article-by-article outputs."""
    bad = 0
    for key in ("detections", "batch_detections"):
        if key not in after:
            continue
        wrong = 0
        for i, (old, new) in enumerate(zip(before["detections"], after[key], strict=True)):
            for (name, f_old, g_old), (_, f_new, g_new) in zip(old, new, strict=True):
                same = _close(f_old, f_new, rel_tol) and g_old == g_new
                if detector not in (None, name) or same:
                    continue
                wrong += 1
                if wrong <= 5:
                    print(
                        f"{key} text {i}: {name} features equal {f_old == f_new}, "
                        f"close {_close(f_old, f_new, rel_tol)}, findings {g_old == g_new}"
                    )
        print(f"{key}: {wrong} mismatches over {len(before['detections'])} texts")
        bad += wrong
    if detector is None:
        for key in ("records", "fingerprints"):
            n = sum(a != b for a, b in zip(before[key], after[key], strict=True))
            print(f"{key}: {n} mismatches")
            bad += n
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    save = sub.add_parser("save", help="write the outputs of the code on sys.path")
    save.add_argument("path", type=Path)
    check = sub.add_parser("compare", help="compare two saved outputs exactly")
    check.add_argument("before", type=Path)
    check.add_argument("after", type=Path)
    check.add_argument("--detector", help="only this detector's features and findings")
    check.add_argument(
        "--rel-tol", type=float, default=0.0, help="features this close count as equal"
    )
    args = parser.parse_args()
    if args.command == "save":
        items = texts()
        with args.path.open("wb") as f:
            pickle.dump(outputs(items), f)
        print(f"saved the outputs of {len(items)} texts to {args.path}")
        return 0
    with args.before.open("rb") as f:
        before = pickle.load(f)
    with args.after.open("rb") as f:
        after = pickle.load(f)
    return 1 if compare(before, after, args.detector, args.rel_tol) else 0


if __name__ == "__main__":
    sys.exit(main())
