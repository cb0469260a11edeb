"""Readability works offline and matches textstat's own formulas on real articles."""

from __future__ import annotations

import pytest
import textstat

from pipeline.detectors.readability import readability_profile, use_offline_cmudict
from pipeline.model import ReliabilityModel
from pipeline.text import Document


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_profile_matches_textstat_on_the_seeds(seeds: dict[str, str], key: str) -> None:
    use_offline_cmudict()  # textstat alone would try to download NLTK's cmudict
    text = seeds[key]
    flesch, fog, wps, spw, _ = readability_profile(text)
    assert flesch == pytest.approx(textstat.flesch_reading_ease(text), abs=0.5)
    assert fog == pytest.approx(textstat.gunning_fog(text), abs=0.3)
    assert wps == pytest.approx(textstat.words_per_sentence(text), abs=1e-9)
    assert spw == pytest.approx(
        textstat.syllable_count(text) / textstat.lexicon_count(text), abs=0.01
    )


def test_detector_reports_atypicality(
    shipped_model: ReliabilityModel, seeds: dict[str, str]
) -> None:
    (detector,) = [d for d in shipped_model.features.detectors if d.name == "readability"]
    detection = detector.detect(Document(seeds["001"]))
    names = detector.feature_names()
    assert len(detection.features) == len(names) and names[-1] == "atypicality"
    assert 0.0 <= detection.features[-1] <= 1.0
    empty = detector.detect(Document("...\n"))
    assert all(value == value for value in empty.features)  # no NaN on a text without words
