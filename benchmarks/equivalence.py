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
    from pipeline.runtime_model import load_runtime_model
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
    return {"detections": detections, "records": records, "fingerprints": fingerprints}


def compare(before: dict[str, Any], after: dict[str, Any], detector: str | None) -> int:
    """Mismatching texts, printed; with ``detector``, only that detector's outputs count."""
    bad = 0
    for i, (old, new) in enumerate(zip(before["detections"], after["detections"], strict=True)):
        for (name, f_old, g_old), (_, f_new, g_new) in zip(old, new, strict=True):
            if detector not in (None, name) or (f_old == f_new and g_old == g_new):
                continue
            bad += 1
            if bad <= 5:
                print(
                    f"text {i}: {name} features equal {f_old == f_new}, findings {g_old == g_new}"
                )
    print(f"detector outputs: {bad} mismatches over {len(before['detections'])} texts")
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
    return 1 if compare(before, after, args.detector) else 0


if __name__ == "__main__":
    sys.exit(main())
