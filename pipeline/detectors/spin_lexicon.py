"""Wordings that article spinners put in place of ordinary ones, each with what it replaced.

Three families, all matched case-insensitively on whole tokens:

* function-word swaps as seen in real spinner output (seed 004: ``and`` -> ``in addition
  to``, ``is`` -> ``is actually``, ``that``/``this`` -> ``that will``, ``it`` -> ``the idea``);
* phrase rewrites (``a lot of`` -> ``a great deal of``);
* "tortured phrases": content-word swaps that break a fixed expression (``facial recognition``
  -> ``facial acknowledgment``, ``social media`` -> ``web-based media``) or produce a rare word
  (``punitive`` -> ``punitory``).

``prior`` is roughly how often a single occurrence of the wording in ordinary news is spin:
``in addition to`` and ``is actually`` are everyday English (low prior, the detector needs
context or repetition), ``completely new York`` or ``bosom malignant growth`` are not. Several
``originals`` mean the spinner maps more than one word to the same wording; the detector
suggests the one that fits the context best.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LexiconEntry:
    """One spinner wording: its tokens (lower case), the wording(s) it replaced, a prior."""

    spun: tuple[str, ...]
    originals: tuple[str, ...]
    prior: float
    family: str
    before_name: bool = (
        False  # near-certain when a capitalised name follows ("completely new York")
    )


def _e(
    spun: str, originals: str, prior: float, family: str, before_name: bool = False
) -> LexiconEntry:
    originals_ = tuple(o.strip() for o in originals.split("|"))
    return LexiconEntry(tuple(spun.lower().split()), originals_, prior, family, before_name)


# fmt: off
_FUNCTION = [
    ("in addition to", "and", 0.08),
    ("is actually", "is", 0.10),
    ("are actually", "are", 0.10),
    ("was actually", "was", 0.06),
    ("were actually", "were", 0.06),
    ("has actually", "has", 0.10),
    ("have actually", "have", 0.08),
    ("had actually", "had", 0.08),
    ("that will", "that|this", 0.02),
    ("the idea", "it", 0.02),
    ("inside", "in", 0.02),
    ("different", "other", 0.01),
    ("by", "from", 0.001),
    ("definitely", "really", 0.05),
    ("additionally", "also", 0.05),
    ("likewise", "also", 0.08),
    ("however", "but", 0.005),
    ("nevertheless", "but", 0.02),
    ("presently", "now", 0.10),
    ("nowadays", "now", 0.10),
    ("merely", "just", 0.03),
    ("simply", "just", 0.02),
    ("extremely", "very", 0.02),
    ("incredibly", "very", 0.08),
    ("truly", "really", 0.05),
    ("could possibly", "could", 0.15),
    ("will certainly", "will", 0.15),
    ("can easily", "can", 0.10),
    ("numerous", "many", 0.03),
    ("countless", "many", 0.08),
    ("individuals", "people", 0.03),
    ("folks", "people", 0.15),
    ("persons", "people", 0.08),
    ("one more", "another", 0.08),
    ("the very best", "the best", 0.15),
    ("each and every", "every", 0.20),
    ("whilst", "while", 0.01),
    ("amongst", "among", 0.02),
    ("upon", "on", 0.01),
    ("within", "in", 0.005),
]

_PHRASE = [
    ("a great deal of", "a lot of", 0.25),
    ("a large amount of", "a lot of", 0.10),
    ("a good deal of", "a lot of", 0.25),
    ("as a result of", "because of", 0.04),
    ("on account of", "because of", 0.25),
    ("due to the fact that", "because", 0.30),
    ("owing to the fact that", "because", 0.40),
    ("in excess of", "more than", 0.15),
    ("at this point in time", "now", 0.40),
    ("at the present time", "now", 0.20),
    ("in the event that", "if", 0.30),
    ("in order to", "to", 0.01),
    ("so as to", "to", 0.08),
    ("with regard to", "about", 0.05),
    ("with regards to", "about", 0.10),
    ("in regards to", "about", 0.15),
    ("in relation to", "about", 0.03),
    ("prior to", "before", 0.04),
    ("subsequent to", "after", 0.30),
    ("in the course of", "during", 0.08),
    ("for the purpose of", "for", 0.10),
    ("in spite of the fact that", "although", 0.40),
    ("regardless of the fact that", "although", 0.40),
    ("make use of", "use", 0.15),
    ("made use of", "used", 0.15),
    ("is going to", "will", 0.03),
    ("are going to", "will", 0.03),
    ("a variety of", "many", 0.02),
    ("a multitude of", "many", 0.20),
    ("a plethora of", "many", 0.25),
    ("at the same time as", "while", 0.10),
    ("in a position to", "able to", 0.15),
    ("has the ability to", "can", 0.15),
    ("have the ability to", "can", 0.15),
    ("it is possible that", "perhaps", 0.15),
    ("in the near future", "soon", 0.05),
    ("on a daily basis", "daily", 0.10),
    ("for the reason that", "because", 0.40),
    ("in light of the fact that", "because", 0.40),
    ("a small number of", "a few", 0.05),
    ("the vast majority of", "most", 0.03),
    ("by means of", "by", 0.15),
    ("along with", "with", 0.01),
    ("as well as", "and", 0.005),
]

# Tortured phrases: a fixed expression with one word swapped for a dictionary synonym.
_TORTURED = [
    ("completely new", "new", 0.15),
    ("web-based media", "social media", 0.85),
    ("online media", "social media", 0.10),
    ("facial acknowledgment", "facial recognition", 0.95),
    ("facial acknowledgement", "facial recognition", 0.95),
    ("face acknowledgment", "face recognition", 0.95),
    ("discourse acknowledgment", "speech recognition", 0.95),
    ("counterfeit consciousness", "artificial intelligence", 0.98),
    ("fake consciousness", "artificial intelligence", 0.98),
    ("man-made consciousness", "artificial intelligence", 0.95),
    ("profound learning", "deep learning", 0.90),
    ("colossal information", "big data", 0.98),
    ("huge information", "big data", 0.90),
    ("enormous information", "big data", 0.95),
    ("large information", "big data", 0.70),
    ("haze figuring", "cloud computing", 0.98),
    ("cloud figuring", "cloud computing", 0.95),
    ("cloud administration", "cloud service", 0.80),
    ("cloud administrations", "cloud services", 0.85),
    ("bosom malignant growth", "breast cancer", 0.98),
    ("bosom disease", "breast cancer", 0.95),
    ("bosom peril", "breast cancer", 0.98),
    ("malignant growth", "cancer", 0.60),
    ("tech monster", "tech giant", 0.90),
    ("tech goliath", "tech giant", 0.95),
    ("innovation monster", "tech giant", 0.95),
    ("law requirement", "law enforcement", 0.95),
    ("police power", "police force", 0.60),
    ("joined together states", "United States", 0.95),
    ("joined states", "United States", 0.95),
    ("joined realm", "United Kingdom", 0.98),
    ("assembled realm", "United Kingdom", 0.98),
    ("head administrator", "prime minister", 0.90),
    ("executive leader", "prime minister", 0.60),
    ("incomparable court", "Supreme Court", 0.98),
    ("preeminent court", "Supreme Court", 0.95),
    ("securities exchange", "stock market", 0.30),
    ("financial exchange", "stock market", 0.50),
    ("loan fee", "interest rate", 0.70),
    ("loan fees", "interest rates", 0.70),
    ("national bank", "central bank", 0.20),
    ("joblessness rate", "unemployment rate", 0.30),
    ("mean square mistake", "mean square error", 0.98),
    ("irregular woodland", "random forest", 0.98),
    ("choice tree", "decision tree", 0.80),
    ("flag to commotion", "signal to noise", 0.98),
    ("motion picture", "film", 0.10),
    ("cell phone", "mobile phone", 0.02),
    ("PDA", "smartphone", 0.20),
    ("web index", "search engine", 0.80),
    ("web crawler", "search engine", 0.30),
    ("internet based life", "social media", 0.95),
    ("web based life", "social media", 0.95),
    ("online life", "social media", 0.60),
    ("worldwide temperature alteration", "global warming", 0.98),
    ("an Earth-wide temperature boost", "global warming", 0.98),
    ("environmental change", "climate change", 0.30),
    ("ozone harming substance", "greenhouse gas", 0.95),
    ("ozone depleting substance", "greenhouse gas", 0.50),
    ("sustainable power source", "renewable energy", 0.95),
    ("petroleum derivative", "fossil fuel", 0.90),
    ("petroleum derivatives", "fossil fuels", 0.90),
    ("human services", "health care", 0.30),
    ("medicinal services", "health care", 0.95),
    ("emotional well-being", "mental health", 0.60),
    ("psychological wellness", "mental health", 0.80),
    ("general wellbeing", "public health", 0.80),
    ("general well-being", "public health", 0.80),
    ("punitory", "punitive", 0.90),
    ("reasonable consideration", "due care", 0.40),
    ("chief government official", "prime minister", 0.80),
    ("lawful", "legal", 0.03),
    ("administrative", "regulatory", 0.01),
    ("vote based system", "democracy", 0.95),
    ("majority rule government", "democracy", 0.90),
    ("common freedoms", "civil liberties", 0.60),
    ("social equality", "civil rights", 0.40),
    ("basic liberties", "human rights", 0.40),
    ("brilliant telephone", "smartphone", 0.95),
    ("savvy telephone", "smartphone", 0.95),
    ("cell telephone", "mobile phone", 0.90),
    ("PC game", "video game", 0.60),
    ("computer game", "video game", 0.05),
    ("budgetary", "financial", 0.05),
    ("fiscal summary", "financial statement", 0.60),
    ("monetary year", "financial year", 0.60),
    ("monetary record", "balance sheet", 0.90),
    ("stock trade", "stock exchange", 0.50),
    ("trade rate", "exchange rate", 0.50),
    ("swapping scale", "exchange rate", 0.90),
    ("pay rates", "interest rates", 0.30),
    ("vitality", "energy", 0.10),
    ("vitality costs", "energy prices", 0.90),
    ("vitality organization", "energy company", 0.95),
    ("oil organization", "oil company", 0.60),
    ("state head", "head of state", 0.60),
    ("government official", "politician", 0.02),
    ("shopper", "consumer", 0.02),
    ("purchasers", "buyers", 0.02),
    ("organization said", "company said", 0.40),
    ("the organization", "the company", 0.01),
    ("football crew", "football team", 0.80),
    ("group chief", "team captain", 0.70),
    ("best on the planet", "best in the world", 0.50),
    ("on the planet", "in the world", 0.15),
    ("over the world", "around the world", 0.20),
]
# fmt: on

LEXICON: tuple[LexiconEntry, ...] = tuple(
    _e(spun, orig, prior, family, before_name=spun == "completely new")
    for family, rows in (("function", _FUNCTION), ("phrase", _PHRASE), ("tortured", _TORTURED))
    for spun, orig, prior in rows
)
