"""Off-topic insertion generators, the training examples built from them, and their evaluation.

Each generator pastes material from a ``donor`` article (pick one of another topic) into a
clean article the way scrapers and content farms do (seeds 002 and 003): a foreign paragraph,
a foreign headline with its paragraph in one block, or "ALSO READ: <title>" link lines. The
returned spans are the inserted paragraphs, exactly as :class:`~pipeline.text.Document` will
split them.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from pipeline.config import OfftopicSettings
from pipeline.detectors.offtopic import OfftopicDetector
from pipeline.text import Document, Paragraph
from pipeline.training.corruption import Corruption
from pipeline.training.sources import SourceArticle
from pipeline.training.splits import split_of

Generator = Callable[[str, str, random.Random], Corruption]

CUE_PREFIXES = ("ALSO READ: ", "Also read: ", "Related: ", "Read more: ", "READ MORE: ")
_MIN_DONOR_WORDS = 12
_SENTENCE_END_RE = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’]))\s+(?=[\"“‘]?[A-Z0-9])")


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _body(text: str) -> list[Paragraph]:
    paragraphs = Document(text).paragraphs
    if len(paragraphs) < 3:
        raise ValueError("insertion needs a title and at least two body paragraphs")
    return paragraphs[1:]


def _donor_title(donor: str) -> str:
    paragraphs = Document(donor).paragraphs
    if not paragraphs:
        raise ValueError("donor is empty")
    return paragraphs[0].lines[0].text.strip()


def _donor_paragraph(donor: str, rng: random.Random) -> str:
    body = Document(donor).paragraphs[1:]
    long = [p for p in body if len(p.text.split()) >= _MIN_DONOR_WORDS] or body
    if not long:
        raise ValueError("donor has no body paragraph")
    return " ".join(line.text.strip() for line in rng.choice(long).lines)


def _insert(
    text: str, blocks: Sequence[tuple[int, str]]
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Insert each ``(offset, block)`` as its own paragraph before the paragraph at offset."""
    nl = _newline(text)
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    length = 0
    for offset, block in sorted(blocks, key=lambda b: b[0]):
        pieces.append(text[pos:offset])
        length += offset - pos
        block = block.replace("\r\n", "\n").replace("\n", nl)
        spans.append((length, length + len(block)))
        pieces.append(block + nl + nl)
        length += len(block) + 2 * len(nl)
        pos = offset
    pieces.append(text[pos:])
    return "".join(pieces), tuple(spans)


def _gap(body: list[Paragraph], rng: random.Random) -> int:
    """Start of a body paragraph that has another body paragraph before it."""
    return rng.choice(body[1:]).start


def insert_paragraph(text: str, donor: str, rng: random.Random) -> Corruption:
    """One donor body paragraph between two body paragraphs."""
    body = _body(text)
    new, spans = _insert(text, [(_gap(body, rng), _donor_paragraph(donor, rng))])
    return Corruption(new, "offtopic", "paragraph", spans)


def insert_headline_paragraph(text: str, donor: str, rng: random.Random) -> Corruption:
    """The donor's title line and one of its paragraphs, in one block (seed 002)."""
    body = _body(text)
    block = _donor_title(donor) + "\n" + _donor_paragraph(donor, rng)
    new, spans = _insert(text, [(_gap(body, rng), block)])
    return Corruption(new, "offtopic", "headline_paragraph", spans)


def insert_also_read(text: str, donor: str, rng: random.Random) -> Corruption:
    """One or two "ALSO READ: <title>"-style link lines as paragraphs mid-article (seed 003).

    The second line's "title" is the donor's lead sentence cut to headline length.
    """
    body = _body(text)
    prefix = rng.choice(CUE_PREFIXES)
    titles = [_donor_title(donor)]
    gaps = [p.start for p in body[1:]]
    if len(gaps) >= 2 and rng.random() < 0.5:
        lead = Document(donor).paragraphs[1].text
        sentence = _SENTENCE_END_RE.split(lead, maxsplit=1)[0].split()
        titles.append(" ".join(sentence[: rng.randint(6, 10)]).rstrip(",.;:"))
    offsets = rng.sample(gaps, len(titles))
    new, spans = _insert(text, [(o, prefix + t) for o, t in zip(offsets, titles, strict=True)])
    return Corruption(new, "offtopic", "also_read", spans)


INSERTION_STYLES: dict[str, Generator] = {
    "paragraph": insert_paragraph,
    "headline_paragraph": insert_headline_paragraph,
    "also_read": insert_also_read,
}


def resplit_paragraphs(text: str, rng: random.Random, max_sentences: int = 2) -> str:
    """The article with its body re-broken into paragraphs of one to ``max_sentences``
    sentences, as scraped news is laid out (BBC blocks run several paragraphs together)."""
    paragraphs = Document(text).paragraphs
    if not paragraphs:
        return text
    out = [paragraphs[0].text]
    for p in paragraphs[1:]:
        sentences = _SENTENCE_END_RE.split(p.text.replace("\n", " "))
        k = 0
        while k < len(sentences):
            n = rng.randint(1, max_sentences)
            out.append(" ".join(s.strip() for s in sentences[k : k + n]))
            k += n
    return "\n\n".join(out) + "\n"


def add_subheadings(text: str, rng: random.Random, share: float = 0.15) -> str:
    """The article with about ``share`` of its later body paragraphs under a genuine
    sub-heading line (the start of the paragraph's first sentence), so that the paragraph
    model does not learn that any heading line means a pasted story."""
    paragraphs = Document(text).paragraphs
    pieces: list[str] = []
    pos = 0
    for p in paragraphs[2:]:
        if rng.random() >= share:
            continue
        first = _SENTENCE_END_RE.split(p.text, maxsplit=1)[0].split()
        if len(first) < 8:
            continue
        heading = " ".join(first[: rng.randint(3, min(9, len(first) - 4))]).strip(',.;:"“”')
        pieces.extend([text[pos : p.start], heading[:1].upper() + heading[1:], _newline(text)])
        pos = p.start
    pieces.append(text[pos:])
    return "".join(pieces)


def pick_donor(
    article: SourceArticle,
    pool: Sequence[SourceArticle],
    rng: random.Random,
    other_topic: bool = True,
) -> SourceArticle:
    """A random other article of ``pool``, of another topic than ``article`` if asked."""
    while True:
        donor = rng.choice(pool)
        if donor.id != article.id and (donor.topic != article.topic or not other_topic):
            return donor


def corrupt(
    article: SourceArticle,
    pool: Sequence[SourceArticle],
    style: str,
    rng: random.Random,
    resplit: bool = False,
    subheadings: float = 0.0,
    other_topic: bool = True,
) -> Corruption | None:
    """One insertion of ``style`` into ``article`` (optionally re-paragraphed and given
    genuine sub-headings first), with a donor from ``pool`` (of another topic unless
    ``other_topic`` is false); None when the article is too short for it."""
    text = resplit_paragraphs(article.text, rng) if resplit else article.text
    if subheadings:
        text = add_subheadings(text, rng, subheadings)
    donor = pick_donor(article, pool, rng, other_topic)
    try:
        return INSERTION_STYLES[style](text, donor.text, rng)
    except ValueError:
        return None


def training_examples(
    articles: Sequence[SourceArticle],
    rng: random.Random,
    resplit_share: float = 0.5,
    same_topic_share: float = 0.3,
    subheadings: float = 0.03,
    headline_same_topic_share: float = 0.8,
) -> list[tuple[str, tuple[tuple[int, int], ...]]]:
    """Paragraph-model examples: each article once with a pasted paragraph and once with a
    pasted headline + paragraph (link lines are flagged by rule and need no model).

    About ``resplit_share`` are re-paragraphed like scraped news (and then given genuine
    sub-headings); about ``same_topic_share`` take a donor of the same BBC topic, since real
    pasted stories are often news of a neighbouring kind and topic alone must not decide.
    """
    out: list[tuple[str, tuple[tuple[int, int], ...]]] = []
    for article in articles:
        for style in ("paragraph", "headline_paragraph"):
            resplit = rng.random() < resplit_share
            same_topic = (
                headline_same_topic_share if style == "headline_paragraph" else same_topic_share
            )
            c = corrupt(
                article,
                articles,
                style,
                rng,
                resplit=resplit,
                subheadings=subheadings if resplit else 0.0,
                other_topic=rng.random() >= same_topic,
            )
            if c is not None:
                out.append((c.text, c.spans))
    return out


def build_offtopic(
    articles: Sequence[SourceArticle],
    settings: OfftopicSettings,
    seed: int = 0,
    max_examples: int = 1200,
) -> OfftopicDetector:
    """The detector fitted on the train split of ``articles`` only: IDF from all train
    articles, the paragraph model on insertions into up to ``max_examples`` of them."""
    train = [a for a in articles if split_of(a.id) == "train"]
    rng = random.Random(seed)
    sample = rng.sample(train, min(max_examples, len(train)))
    return OfftopicDetector.build(
        [a.text for a in train],
        settings,
        examples=training_examples(sample, rng),
        seed=seed,
    )


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


def evaluate_offtopic(
    detector: OfftopicDetector,
    articles: Sequence[SourceArticle],
    rng: random.Random,
    resplit: bool = False,
) -> dict[str, Any]:
    """Paragraph-level precision/recall/F1 per insertion style on ``articles`` (held out), and
    how often clean copies of them get a paragraph flagged.

    A flagged paragraph is a true positive when its span is exactly an inserted span; any
    other flagged paragraph is a false positive. Donors come from ``articles`` themselves.
    """
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for article in articles:
        for style in INSERTION_STYLES:
            c = corrupt(article, articles, style, rng, resplit=resplit)
            if c is None:
                continue
            inserted = set(c.spans)
            flagged = {(f.start, f.end) for f in detector.detect(Document(c.text)).findings}
            for key in (style, "all"):
                counts[key][0] += len(flagged & inserted)
                counts[key][1] += len(flagged - inserted)
                counts[key][2] += len(inserted - flagged)
    report: dict[str, Any] = {style: _prf(*counts[style]) for style in [*INSERTION_STYLES, "all"]}
    n_articles = n_flagged_articles = n_paragraphs = n_flagged = 0
    for article in articles:
        text = resplit_paragraphs(article.text, rng) if resplit else article.text
        doc = Document(text)
        findings = detector.detect(doc).findings
        n_articles += 1
        n_flagged_articles += bool(findings)
        n_paragraphs += max(0, len(doc.paragraphs) - 1)
        n_flagged += len(findings)
    report["clean"] = {
        "articles": n_articles,
        "flagged_article_rate": n_flagged_articles / n_articles if n_articles else 0.0,
        "flagged_paragraph_rate": n_flagged / n_paragraphs if n_paragraphs else 0.0,
    }
    return report
