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
    # Probability floor for byline/dateline lines (see boilerplate.meta_lines); 0 disables.
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
class Settings:
    verdict: VerdictSettings = field(default_factory=VerdictSettings)
    input: InputSettings = field(default_factory=InputSettings)
    spin: SpinSettings = field(default_factory=SpinSettings)
    offtopic: OfftopicSettings = field(default_factory=OfftopicSettings)
    boilerplate: BoilerplateSettings = field(default_factory=BoilerplateSettings)
    readability: ReadabilitySettings = field(default_factory=ReadabilitySettings)

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
    "offtopic": OfftopicSettings,
    "boilerplate": BoilerplateSettings,
    "readability": ReadabilitySettings,
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
