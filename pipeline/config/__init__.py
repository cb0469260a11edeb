"""Options in one validated object; thresholds in a packaged JSON file (``defaults.json``).

A detector reads only its own section. A key that is unknown or of the wrong type is an
error at load time, not a silent default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar


class SettingsError(ValueError):
    """The configuration file is malformed; the message names the key and the reason."""


@dataclass(frozen=True)
class VerdictSettings:
    reliable_at: float = 0.6
    unreliable_below: float = 0.3

    def __post_init__(self) -> None:
        if not 0.0 <= self.unreliable_below <= self.reliable_at <= 1.0:
            raise SettingsError("verdict: need 0 <= unreliable_below <= reliable_at <= 1")

    def of(self, reliability: float) -> str:
        """The verdict for a reliability score: reliable, suspect or unreliable."""
        if reliability >= self.reliable_at:
            return "reliable"
        return "unreliable" if reliability < self.unreliable_below else "suspect"


@dataclass(frozen=True)
class InputSettings:
    max_chars: int = 1_000_000

    def __post_init__(self) -> None:
        if self.max_chars <= 0:
            raise SettingsError("input.max_chars must be positive")


@dataclass(frozen=True)
class SpinSettings:
    finding_min_score: float = 0.5
    bigram_smoothing: float = 5.0  # weight of the wordfreq unigram backoff in P(w2 | w1)

    def __post_init__(self) -> None:
        if not 0.0 <= self.finding_min_score <= 1.0:
            raise SettingsError("spin.finding_min_score must be in [0, 1]")
        if self.bigram_smoothing <= 0.0:
            raise SettingsError("spin.bigram_smoothing must be positive")


@dataclass(frozen=True)
class SynonymSettings:
    """Thesaurus-spin evidence (pipeline/detectors/spin_synonyms.py): per-token log-odds
    weights and what becomes a finding; the ``min_pair_*``/``smoothing``/``discount`` keys
    apply when the detector is built."""

    max_rank: int = 0  # senses of the written word whose synonyms count (0 = first only)
    # The reach of the wide choice gap: 1 adds the second sense and the synsets WordNet links
    # (hypernyms, "similar to", verb groups). Dev split, thesaurus family alone: AUC 0.974 on
    # the thesaurus spinner with it vs 0.951 with max_rank's gap.
    gap_rank: int = 1
    margin_weight: float = 1.0  # per ln-unit of frequency gap to the synonym
    context_weight: float = 0.5  # per nat of PMI the synonym gains over the word
    prior_logit: float = -5.0  # a token is rarely a swap before the evidence
    dispreferred_gap: float = 1.0  # zipf gap that makes a choice "dispreferred"
    min_pair_gain: float = 3.0  # context pairs kept at build time
    min_pair_count: int = 2  # reference count of (neighbour, synonym) to trust it
    smoothing: float = 5.0  # weight of the unigram backoff in P(b | a)
    discount: float = 0.8  # absolute discount of reference bigram counts
    finding_min_score: float = 0.9
    # One swap-like word is weak evidence (clean news has ~0.5 per article): words become
    # findings only in an article with at least this many (5% of clean US news, 0.3% of ABC
    # news, 1.5% of BBC, 18% of thesaurus-spun BBC articles reach 4).
    min_findings: int = 4

    def __post_init__(self) -> None:
        if not 0.0 <= self.finding_min_score <= 1.0:
            raise SettingsError("synonyms.finding_min_score must be in [0, 1]")
        if self.min_findings < 1:
            raise SettingsError("synonyms.min_findings must be positive")
        if (
            min(self.max_rank, self.gap_rank) < 0
            or self.min_pair_count < 1
            or self.smoothing <= 0.0
        ):
            raise SettingsError(
                "synonyms: max_rank, gap_rank >= 0, min_pair_count >= 1, smoothing > 0"
            )


@dataclass(frozen=True)
class OfftopicSettings:
    paragraph_threshold: float = 0.5
    min_words: int = 10
    cue_score: float = 0.95

    def __post_init__(self) -> None:
        if not 0.0 <= self.paragraph_threshold <= 1.0 or not 0.0 <= self.cue_score <= 1.0:
            raise SettingsError("offtopic: paragraph_threshold and cue_score must be in [0, 1]")
        if self.min_words < 1:
            raise SettingsError("offtopic.min_words must be positive")


@dataclass(frozen=True)
class BoilerplateSettings:
    line_threshold: float = 0.5
    # Inverse L2 strength of both stacked logistic regressions (build time only).
    regularization: float = 1.0
    # Quantile bins per continuous line feature (piecewise-constant logistic effects).
    n_bins: int = 8
    stage1_bins: int = 1  # 1: the first (per-line) stage stays plainly linear
    # The first non-blank line is the title by convention: cap its probability.
    skip_title: bool = True
    title_max_prob: float = 0.0
    # Probability floor for byline/dateline lines (see boilerplate._Pages.meta); 0 disables.
    meta_line_min_prob: float = 0.9

    def __post_init__(self) -> None:
        if not 0.0 < self.line_threshold <= 1.0:
            raise SettingsError("boilerplate.line_threshold must be in (0, 1]")
        if self.regularization <= 0.0:
            raise SettingsError("boilerplate.regularization must be positive")


@dataclass(frozen=True)
class ReadabilitySettings:
    pass


@dataclass(frozen=True)
class CleanSettings:
    # `unspun clean --despin` replaces only spin findings this confident (the detector's own
    # finding threshold is spin.finding_min_score).
    despin_min_score: float = 0.8

    def __post_init__(self) -> None:
        if not 0.0 <= self.despin_min_score <= 1.0:
            raise SettingsError("clean.despin_min_score must be in [0, 1]")


@dataclass(frozen=True)
class RelatedSettings:
    """Copies across a batch (pipeline/related.py): MinHash/LSH over word shingles."""

    num_perm: int = 64  # MinHash permutations per signature (stored as 16-bit values)
    seed: int = 1
    shingle_words: int = 5  # full-text shingles (duplicates)
    skeleton_shingle_words: int = 2  # skeleton shingles (spun-copy candidates)
    text_band_rows: int = 4  # LSH rows per band: 16 bands of 4 for 64 permutations
    skeleton_band_rows: int = 3  # 21 bands of 3: finds skeleton Jaccard >= ~0.5
    common_words: int = 20_000  # wordfreq's top English words are mutable; rarer ones are not
    min_skeleton_words: int = 8  # shorter skeletons give no spun-copy links
    skeleton_cap: int = 64  # skeleton tokens kept per article for the ordered check
    duplicate_threshold: float = 0.85  # estimated full-text Jaccard of a duplicate
    skeleton_min_jaccard: float = 0.3  # estimated skeleton Jaccard before the ordered check
    spun_threshold: float = 0.85  # skeleton LCS ratio of a spun copy
    # A spinner keeps the skeleton while it changes the text: 1 - skeleton Jaccard must be
    # at most this times 1 - text Jaccard (an edited revision changes both alike).
    max_change_ratio: float = 0.7
    max_bucket: int = 64  # larger LSH buckets are linked through their first member
    max_links: int = 20  # per article, most similar first

    def __post_init__(self) -> None:
        if not 1 <= self.text_band_rows <= 4 or not 1 <= self.skeleton_band_rows <= 4:
            raise SettingsError("related: band rows must be 1-4 (16-bit values in one key)")
        if self.num_perm < max(self.text_band_rows, self.skeleton_band_rows):
            raise SettingsError("related.num_perm must be at least the band rows")
        thresholds = ("duplicate_threshold", "skeleton_min_jaccard", "spun_threshold")
        for name in (*thresholds, "max_change_ratio"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise SettingsError(f"related.{name} must be in [0, 1]")
        sizes = (self.shingle_words, self.skeleton_shingle_words, self.common_words)
        if min(*sizes, self.max_bucket, self.max_links, self.skeleton_cap) < 1:
            raise SettingsError("related: sizes and counts must be positive")


@dataclass(frozen=True)
class Settings:
    verdict: VerdictSettings = field(default_factory=VerdictSettings)
    input: InputSettings = field(default_factory=InputSettings)
    spin: SpinSettings = field(default_factory=SpinSettings)
    synonyms: SynonymSettings = field(default_factory=SynonymSettings)
    offtopic: OfftopicSettings = field(default_factory=OfftopicSettings)
    boilerplate: BoilerplateSettings = field(default_factory=BoilerplateSettings)
    readability: ReadabilitySettings = field(default_factory=ReadabilitySettings)
    clean: CleanSettings = field(default_factory=CleanSettings)
    related: RelatedSettings = field(default_factory=RelatedSettings)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        sections = {f.name: f for f in fields(cls)}
        unknown = set(data) - set(sections)
        if unknown:
            raise SettingsError(f"unknown settings section(s): {', '.join(sorted(unknown))}")
        built: dict[str, Any] = {}
        for name, value in data.items():
            section_type = _SECTION_TYPES[name]
            if not isinstance(value, dict):
                raise SettingsError(f"settings section {name!r} must be an object")
            built[name] = _build_section(section_type, name, value)
        return cls(**built)

    @classmethod
    def from_file(cls, path: Path) -> Settings:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise SettingsError(f"{path}: cannot read settings: {exc}") from exc
        return cls.from_dict(data)


_SECTION_TYPES: dict[str, type] = {
    "verdict": VerdictSettings,
    "input": InputSettings,
    "spin": SpinSettings,
    "synonyms": SynonymSettings,
    "offtopic": OfftopicSettings,
    "boilerplate": BoilerplateSettings,
    "readability": ReadabilitySettings,
    "clean": CleanSettings,
    "related": RelatedSettings,
}

_S = TypeVar("_S")


def _build_section(section_type: type[_S], name: str, values: dict[str, Any]) -> _S:
    known = {f.name: f for f in fields(section_type)}  # type: ignore[arg-type]
    for key, value in values.items():
        if key not in known:
            raise SettingsError(f"{name}.{key}: unknown setting")
        default = getattr(section_type(), key)
        if isinstance(default, bool) or not isinstance(value, (int, float)):
            if type(value) is not type(default):
                raise SettingsError(f"{name}.{key}: expected {type(default).__name__}")
        elif isinstance(default, int) and not isinstance(value, int):
            raise SettingsError(f"{name}.{key}: expected an integer")
    return section_type(**values)


def load_settings() -> Settings:
    """The packaged defaults."""
    text = resources.files("pipeline.config").joinpath("defaults.json").read_text("utf-8")
    return Settings.from_dict(json.loads(text))
