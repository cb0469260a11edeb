"""Thesaurus-spin evidence from WordNet synonyms, on BBC articles spun by the content-word
spinner (whose table the evidence never sees), on clean seeds, and on single swaps."""

from __future__ import annotations

import pickle
import random

import pytest

from pipeline.detectors.spin_synonyms import SynonymEvidence, spelling_key
from pipeline.text import Document, words
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
    names = evidence.feature_names()
    features, _ = evidence.evaluate(Document(spun[0]))
    assert tuple(features) == names == SynonymEvidence.FEATURES


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
