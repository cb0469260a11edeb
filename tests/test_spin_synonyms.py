"""Thesaurus-spin evidence from WordNet synonyms, on BBC articles spun by the content-word
spinner (whose table the evidence never sees), on clean seeds, and on single swaps."""

from __future__ import annotations

import math
import pickle
import random
import sys

import numpy as np
import pytest

from pipeline.article import Finding
from pipeline.detectors import spin_synonyms
from pipeline.detectors.spin_synonyms import SynonymEvidence, spelling_key
from pipeline.text import Document, scan, scan_batch, words
from pipeline.training.sources import bbc_articles
from pipeline.training.spinners import SPINNER_STYLES
from pipeline.training.splits import split_of, train_part
from pipeline.training.wordnet_synonyms import read_wordnet, synonym_map

from .conftest import seed_text

EXTRA = "The court awarded punitory damages. Shares are probable to fall, analysts believe."


@pytest.fixture(scope="session")
def held_out() -> list[str]:
    return [a.text for a in bbc_articles() if split_of(a.id) == "test"][::10][:30]


@pytest.fixture(scope="session")
def spun(held_out: list[str]) -> list[str]:
    spin = SPINNER_STYLES["content_word"]
    return [spin(t, random.Random(i)).text for i, t in enumerate(held_out)]


@pytest.fixture(scope="session")
def evidence(held_out: list[str], spun: list[str]) -> SynonymEvidence:
    """Built on 400 reference articles, with WordNet synonyms of just the words the tests
    read (the full map takes ~20 s)."""
    articles = bbc_articles()
    reference = [
        a.text for a in articles if split_of(a.id) == "train" and train_part(a.id) == "reference"
    ][:400]
    texts = [*held_out, *spun, seed_text("000"), seed_text("001"), EXTRA]
    forms = sorted({w for t in texts for w in words(t)})
    return SynonymEvidence.build(reference, synonym_map(read_wordnet(), forms))


def _posterior(ev: SynonymEvidence, text: str) -> float:
    return ev.evaluate(Document(text))[0]["syn_posterior_mean"]


def test_spun_copy_scores_higher_than_original(
    evidence: SynonymEvidence, held_out: list[str], spun: list[str]
) -> None:
    higher = sum(
        _posterior(evidence, s) > _posterior(evidence, c)
        for c, s in zip(held_out, spun, strict=True)
    )
    assert higher >= 0.9 * len(held_out)
    features, _ = evidence.evaluate(Document(spun[0]))
    assert tuple(features) == SynonymEvidence.FEATURES


def test_wide_choice_gap_sees_more_swaps_than_first_sense_gap(
    evidence: SynonymEvidence, held_out: list[str], spun: list[str]
) -> None:
    """The wide gap (second sense, hypernyms, "similar to") covers words the first sense
    misses, and it rises on nearly every spun copy."""
    assert len(evidence.wide_gaps) > len(evidence.gaps)
    rises = 0
    for clean, spun_text in zip(held_out, spun, strict=True):
        before, _ = evidence.evaluate(Document(clean))
        after, _ = evidence.evaluate(Document(spun_text))
        rises += after["syn_choice_gap_wide"] > before["syn_choice_gap_wide"]
    assert rises >= 0.9 * len(held_out)


def test_spun_copy_gets_findings_with_suggestions(
    evidence: SynonymEvidence, held_out: list[str], spun: list[str]
) -> None:
    clean_findings = sum(len(evidence.evaluate(Document(t))[1]) for t in held_out)
    spun_findings = 0
    for text in spun:
        _, findings = evidence.evaluate(Document(text))
        spun_findings += len(findings)
        for f in findings:
            assert f.kind == "spin"
            assert f.text == text[f.start : f.end]
            assert f.reason == f"thesaurus substitution? '{f.text}' for '{f.suggestion}'"
            assert f.suggestion and f.suggestion.lower() != f.text.lower()
            assert f.score >= evidence.settings.finding_min_score
    assert spun_findings >= 3 * max(clean_findings, 1)


def test_punitory_suggests_punitive(evidence: SynonymEvidence) -> None:
    gap, suggestion = evidence.gaps["punitory"]
    assert suggestion in {"punitive", "penal"}
    assert gap >= 1.0
    # The reference writes "likely to", never "probable to".
    _, findings = evidence.evaluate(Document((EXTRA + " ") * 4))
    suggested = {(f.text.lower(), (f.suggestion or "").lower()) for f in findings}
    assert ("probable", "likely") in suggested
    # One swap-like word alone is weak evidence: no finding below `min_findings` of them.
    _, lone = evidence.evaluate(Document(EXTRA + " " + seed_text("001")))
    assert lone == []


def test_clean_seeds_get_few_findings(evidence: SynonymEvidence) -> None:
    # Known false positives on 000: "remove" (withdraw), "noticed" (found), "forcible".
    for prefix in ("000", "001"):
        text = seed_text(prefix)
        _, findings = evidence.evaluate(Document(text))
        assert len(findings) <= 3, [(f.text, f.suggestion) for f in findings]


def test_spelling_variants_are_not_synonyms() -> None:
    assert spelling_key("organisation") == spelling_key("organization")
    assert spelling_key("centre") == spelling_key("center")
    assert spelling_key("favour") == spelling_key("favor")
    assert spelling_key("record") != spelling_key("file")


def test_pickle_round_trip_and_short_text(evidence: SynonymEvidence, spun: list[str]) -> None:
    clone = pickle.loads(pickle.dumps(evidence))
    assert clone.evaluate(Document(spun[1])) == evidence.evaluate(Document(spun[1]))
    features, findings = evidence.evaluate(Document("Too short to say."))
    assert set(features.values()) == {0.0} and findings == []


def _evaluate_token_by_token(
    ev: SynonymEvidence, text: str
) -> tuple[dict[str, float], list[tuple[int, float, str]]]:
    """The evidence as first written: a loop over the tokens of :func:`scan`, adding as it
    goes (the reference the batch evaluation must reproduce exactly)."""
    words_, lows, adjacent, _ = scan(text)
    n = len(words_)
    if n < 20:
        return dict.fromkeys(ev.FEATURES, 0.0), []
    cfg = ev.settings
    wide: list[float] = []
    total_gap = posterior = 0.0
    n_cand = dispreferred = context = 0
    hits: list[tuple[int, float, str]] = []
    for i, word in enumerate(words_):
        if word in ev.wide_gaps:
            wide.append(ev.wide_gaps[word])
        if word not in ev.gaps:
            continue
        gap, suggestion = ev.gaps[word]
        base = cfg.prior_logit + cfg.margin_weight * math.log(10.0) * gap
        n_cand += 1
        total_gap += gap
        dispreferred += gap >= cfg.dispreferred_gap
        ctx = 0.0
        if i > 0 and adjacent[i - 1] and f"{lows[i - 1]} {word}" in ev.left_pairs:
            ctx, suggestion = ev.left_pairs[f"{lows[i - 1]} {word}"]
        if i + 1 < n and adjacent[i] and f"{word} {lows[i + 1]}" in ev.right_pairs:
            gain, other = ev.right_pairs[f"{word} {lows[i + 1]}"]
            suggestion = other if gain > ctx else suggestion
            ctx += gain
        context += ctx > 0.0
        p = 1.0 / (1.0 + math.exp(-(base + (cfg.context_weight * ctx if ctx > 0.0 else 0.0))))
        posterior += p
        if p >= cfg.finding_min_score:
            hits.append((i, p, suggestion))
    per = 1.0 / max(n_cand, 1)
    features = {
        "syn_choice_gap": total_gap * per,
        "syn_dispreferred_rate": dispreferred * per,
        "syn_context_rate": context * 100.0 / n,
        "syn_posterior_mean": posterior * per,
        "syn_choice_gap_wide": sum(wide) / max(len(wide), 1),
    }
    found = [(i, p, s) for i, p, s in hits] if len(hits) >= cfg.min_findings else []
    return features, found


@pytest.mark.parametrize("in_order", [True, False])
def test_batch_evaluation_equals_the_token_loop(
    evidence: SynonymEvidence,
    held_out: list[str],
    spun: list[str],
    in_order: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Batch evaluation (one look-up per distinct word, numpy over all tokens, sums in token
    order) gives each text exactly what the token-by-token loop gives, in any batch; with
    the wide gaps summed by bincount (sum() adds in order before Python 3.12) or by sum()."""
    if in_order and sys.version_info >= (3, 12):
        pytest.skip("sum() of floats compensates rounding from Python 3.12")
    monkeypatch.setattr(spin_synonyms, "_SUM_IN_ORDER", in_order)
    texts = [*held_out, *spun, seed_text("000"), (EXTRA + " ") * 4, "Too short to say."]
    order = list(range(len(texts)))
    random.Random(2).shuffle(order)
    batch = scan_batch([texts[i] for i in order])
    for i, (features, findings) in zip(order, evidence.evaluate_batch(batch), strict=True):
        want, hits = _evaluate_token_by_token(evidence, texts[i])
        assert features == want
        words_ = scan(texts[i])[0]
        assert [(f.text, f.score) for f in findings] == [(words_[j], p) for j, p, _ in hits]
        assert [f.suggestion for f in findings] == [
            s[0].upper() + s[1:] if words_[j][0].isupper() else s for j, _, s in hits
        ]
    assert any(findings for _, findings in evidence.evaluate_batch(batch))


def test_token_findings_are_the_checked_findings(
    evidence: SynonymEvidence, spun: list[str]
) -> None:
    """A finding made without the checks equals (and serialises as) Finding.at's, and the
    dataclass's own ``__init__``'s."""
    made = 0
    for text in spun:
        for f in evidence.evaluate(Document(text))[1]:
            checked = Finding.at(text, "spin", f.start, f.end, f.score, f.reason, f.suggestion)
            assert f == checked and f.to_dict() == checked.to_dict() and hash(f) == hash(checked)
            assert pickle.loads(pickle.dumps(f)) == checked
            made += 1
    assert made >= 10
    quick = Finding.unchecked("a few words", "spin", 2, 5, 1.0, "r", "s")
    assert quick == Finding.at("a few words", "spin", 2, 5, 1.0, "r", "s")
    assert repr(quick) == repr(Finding.at("a few words", "spin", 2, 5, 1.0, "r", "s"))
    initialised = Finding("spin", 2, 5, "few", 1.0, "r", "s")
    assert quick == initialised and repr(quick) == repr(initialised)
    assert hash(quick) == hash(initialised) and quick.__dict__ == initialised.__dict__


def test_words_written_in_capitals_are_looked_up_as_written(
    evidence: SynonymEvidence, held_out: list[str]
) -> None:
    """A table word that is not lower-case (none of WordNet's) is found where it is written
    so, and only there: the batch evaluation still equals the token loop."""
    gaps = {**evidence.gaps, "Shares": (2.5, "Stocks"), "Court": (1.5, "Tribunal")}
    wide = {**evidence.wide_gaps, "Shares": 2.0}
    capitals = SynonymEvidence(
        evidence.settings, gaps, evidence.left_pairs, evidence.right_pairs, wide
    )
    texts = [(EXTRA + " The Court said shares fell. ") * 4, *held_out[:5]]
    batch = scan_batch(texts)
    for text, (features, findings) in zip(texts, capitals.evaluate_batch(batch), strict=True):
        want, hits = _evaluate_token_by_token(capitals, text)
        assert features == want
        assert [(f.start, f.score) for f in findings] == [
            (scan_batch([text]).start.tolist()[j], p) for j, p, _ in hits
        ]
    assert capitals.evaluate_batch(batch)[0][0] != evidence.evaluate_batch(batch)[0][0]


def test_rows_looked_up_by_the_caller_give_the_same_evaluation(
    evidence: SynonymEvidence, spun: list[str]
) -> None:
    """``near_low`` from a table of the caller's own (as the spin detector's one look-up
    per word) gives what the evidence's own look-up gives."""
    batch = scan_batch(spun)
    ids = evidence.word_ids()
    mine = {w: i for w, i in ids.items()}
    near = np.array([mine.get(w, evidence.no_word()) for w in batch.low_words], dtype=np.int64)
    (table, found), (own_table, own_found) = (
        evidence.evaluate_rows(batch, near),
        evidence.evaluate_rows(batch),
    )
    assert table.tobytes() == own_table.tobytes() and found == own_found and found
