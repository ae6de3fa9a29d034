"""Candidate evidence sentences and the features the learned scorer reads.

Every sentence of every retrieved passage (and of its translation stand-ins) is a
candidate. Its features are deliberately generic: calibrated similarities that are
comparable across Arabic and English (see assistant.core.calibrate), word overlap
weighted by the index's own IDF, answer-type fit, entity and number overlap, the
passage's retrieval rank and the sentence's position. Nothing names a document or
a phrase, so the scorer can be trained on public data (XQuAD dev) and used on
press releases nobody tuned for.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from assistant.core.gazetteer import HOME, gazetteer
from assistant.core.text import detect_language, token_set, tokenize
from assistant.query import spans
from assistant.query.retrieve import Hit

FEATURES = (
    "specificity",  # z above this question's neighbourhood
    "relevance",  # z above unrelated generic text
    "spec_gap",  # specificity minus the best candidate's (how far from the top)
    "overlap",  # share of the question's content words in the sentence
    "idf_overlap",  # the same, weighted by IDF (rare words count more)
    "idf_gap",  # idf_overlap minus the best candidate's
    "hit_rank",  # log(1 + rank of the passage)
    "hit_calibrated",  # the passage's own calibrated score
    "top_passage",  # the sentence is in the first-ranked passage
    "sent_pos",  # log(1 + index of the sentence in its passage)
    "log_len",  # log of the sentence length in characters
    "same_language",  # the sentence is in the question's language
    "typed",  # the question asks for a kind of fact
    "type_fit",  # ... and the sentence holds one
    "num_overlap",  # a number of the question appears in the sentence
    "entity_overlap",  # a named partner of the question appears in the sentence
    "neighbour_fit",  # an adjacent sentence holds the asked kind of fact
)

#: words every passage of this archive shares and question words: no evidence in overlap
_GENERIC = frozenset(
    tokenize(
        "Egypt Egyptian مصر المصري المصرية how many much number what which who when where why whom whose "
        "كم عدد ما ماذا هو هي من متى أين لماذا كيف هل الذي التي"
    )
)
_DIGITS = re.compile(r"\d+")


@dataclass(eq=False)  # identity (field equality would compare vectors); selection compares sentences by .key
class Candidate:
    hit: Hit
    j: int  # sentence index in the chunk
    start: int
    end: int
    text: str
    language: str
    rank: int  # rank of its passage
    vec: np.ndarray
    x: np.ndarray = field(default_factory=lambda: np.zeros(len(FEATURES)))
    prob: float = 0.0  # the scorer's probability that the sentence states the answer

    @property
    def relevance(self) -> float:
        return float(self.x[1])

    @property
    def key(self) -> tuple[str, int]:
        return (self.hit.chunk.id, self.j)


@lru_cache(maxsize=8192)
def partners_in(text: str) -> frozenset[str]:
    return frozenset(m.entity.id for m in gazetteer().find(text) if m.entity.id != HOME)


@dataclass
class QuestionTerms:
    """The question's words in both languages, with their IDF weights."""

    same: dict[str, float]  # question-language content tokens -> idf
    cross: dict[str, float]  # their translations (bilingual glossary) and numbers -> idf
    numbers: frozenset[str]
    partners: frozenset[str]

    @classmethod
    def of(cls, question: str, idf: Callable[[Sequence[str]], np.ndarray]) -> QuestionTerms:
        words = tokenize(question)
        same = [w for w in dict.fromkeys(words) if w not in _GENERIC]
        cross = [
            w
            for w in dict.fromkeys([*gazetteer().translate_tokens(words), *(w for w in words if w.isdigit())])
            if w not in _GENERIC
        ]
        ws = idf(same) if same else np.zeros(0)
        wc = idf(cross) if cross else np.zeros(0)
        return cls(
            dict(zip(same, map(float, ws), strict=True)),
            dict(zip(cross, map(float, wc), strict=True)),
            frozenset(_DIGITS.findall(question)),
            partners_in(question),
        )


def _overlaps(terms: dict[str, float], text: str) -> tuple[float, float]:
    if not terms:
        return 0.0, 0.0
    have = token_set(text)
    hit = [w for w in terms if w in have]
    total = sum(terms.values()) or 1.0
    return len(hit) / len(terms), sum(terms[w] for w in hit) / total


def collect(hits: Sequence[Hit], text_of: Callable[[str], str]) -> list[Candidate]:
    """Every sentence of the retrieved passages and their stand-ins, once each."""
    out: list[Candidate] = []
    seen: set[tuple[str, int, int]] = set()
    for rank, h in enumerate(hits):
        for member in [h, *h.alternates]:
            doc_text = text_of(member.doc.doc_id)
            for j, (a, b) in enumerate(member.chunk.sentences):
                key = (member.doc.doc_id, a, b)
                if key in seen or j >= len(member.specificity):
                    continue
                seen.add(key)
                text = re.sub(r"\s+", " ", doc_text[a:b]).strip()
                lang = detect_language(text) or member.chunk.language
                out.append(Candidate(member, j, a, b, text, lang, rank, member.chunk.sent_vecs[j]))
    return out


def featurize(cands: list[Candidate], terms: QuestionTerms, qlang: str, qtypes: frozenset[str]) -> None:
    """Fill each candidate's feature vector (in place)."""
    if not cands:
        return
    fit = {c.key: _type_fit(qtypes, c.text, c.language) for c in cands}
    rows = []
    for c in cands:
        h = c.hit
        terms_for = terms.same if c.language == qlang else terms.cross
        ov, iov = _overlaps(terms_for, c.text)
        nb = any(fit.get((c.hit.chunk.id, c.j + d), 0.0) > 0 for d in (-1, 1))
        rows.append(
            [
                float(h.specificity[c.j]),
                float(h.relevance[c.j]),
                0.0,
                ov,
                iov,
                0.0,
                math.log1p(c.rank),
                float(h.calibrated),
                1.0 if c.rank == 0 else 0.0,
                math.log1p(c.j),
                math.log(max(len(c.text), 1)),
                1.0 if c.language == qlang else 0.0,
                1.0 if qtypes else 0.0,
                fit[c.key],
                1.0 if terms.numbers and terms.numbers & set(_DIGITS.findall(c.text)) else 0.0,
                1.0 if terms.partners and terms.partners & partners_in(c.text) else 0.0,
                1.0 if nb else 0.0,
            ]
        )
    x = np.asarray(rows, dtype=np.float64)
    x[:, 2] = x[:, 0] - x[:, 0].max()
    x[:, 5] = x[:, 4] - x[:, 4].max()
    for c, row in zip(cands, x, strict=True):
        c.x = row


def _type_fit(qtypes: frozenset[str], text: str, lang: str) -> float:
    """1 when the sentence holds every kind of fact the question asks for, the share otherwise."""
    if not qtypes:
        return 0.0
    return sum(spans.has_instance(t, text, lang) for t in qtypes) / len(qtypes)
