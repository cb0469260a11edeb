"""Reference line-level boilerplate labellers to compare the detector against.

* :func:`c4_boilerplate` — the line rules of C4 (Raffel et al. 2020, TF datasets
  ``c4_utils.clean_page``): a line is dropped when it does not end in terminal punctuation
  (``. ? ! "``), ends in an ellipsis, has fewer than 3 words, mentions "javascript" or a
  cookie/policy phrase. C4's page-level rules (drop the whole page on "lorem ipsum", a curly
  bracket, fewer than 5 sentences or a bad word) are applied per line here ("{" / "lorem
  ipsum" drop only their line), since we score lines, not pages.
* :func:`justext_boilerplate` — jusText (Pomikálek 2011) with its English stoplist and
  default parameters, on the page rebuilt as HTML with one ``<p>`` per line.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import lru_cache

C4_END_MARKS = (".", "?", "!", '"')
C4_ELLIPSIS = "..."
C4_MIN_WORDS_PER_LINE = 3
C4_POLICY_SUBSTRINGS = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)


def c4_line_is_boilerplate(line: str) -> bool:
    """True when C4's line rules would drop ``line``."""
    s = line.strip()
    lower = s.lower()
    if not s.endswith(C4_END_MARKS) or s.endswith(C4_ELLIPSIS):
        return True
    if len(s.split()) < C4_MIN_WORDS_PER_LINE:
        return True
    if "javascript" in lower or "lorem ipsum" in lower or "{" in s:
        return True
    return any(p in lower for p in C4_POLICY_SUBSTRINGS)


def c4_boilerplate(lines: Sequence[str]) -> list[bool]:
    """C4's verdict on each line of a page."""
    return [c4_line_is_boilerplate(line) for line in lines]


@lru_cache(maxsize=1)
def _english_stoplist() -> frozenset[str]:
    import justext

    return frozenset(justext.get_stoplist("English"))


def justext_boilerplate(lines: Sequence[str]) -> list[bool]:
    """jusText's verdict on each line of a page (one ``<p>`` per line)."""
    import justext

    if not lines:
        return []
    body = "".join(f"<p>{html.escape(line)}</p>\n" for line in lines)
    page = f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>"
    paragraphs = justext.justext(page.encode("utf-8"), _english_stoplist(), encoding="utf-8")
    # jusText drops paragraphs that are empty after whitespace normalisation; align by text.
    verdicts: list[bool] = []
    j = 0
    for line in lines:
        norm = " ".join(line.split())
        if j < len(paragraphs) and " ".join(paragraphs[j].text.split()) == norm:
            verdicts.append(bool(paragraphs[j].is_boilerplate))
            j += 1
        else:
            verdicts.append(True)
    return verdicts
