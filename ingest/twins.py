"""Translation twins: is one document a translation of the other, or only about the same event?

A twin replaces passages in answers ("the passage in the question's language"), so a false
twin corrupts answers while a missed one costs little. Two documents are twins only when
every check passes:

- the facts agree: the same named partners, the same numbers and the same dates;
- the lengths are plausible for a translation;
- their sentences align *in order*, covering almost all of the shorter document and much of
  the longer one (a page may carry an untranslated introduction).

Different articles about the same event share partners, numbers and dates but not the
sentence-by-sentence alignment: they are at most *related*.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from assistant.core.dates import extract_dates

#: characters of Arabic per character of English in a translation (measured on parallel releases)
AR_PER_EN_CHARS = 0.9
#: the shorter text (after the language factor) must be at least this share of the longer one
MIN_LENGTH_RATIO = 0.4
#: a sentence pair aligns when its similarity, less the two sentences' mean similarities, exceeds this
ALIGN_MARGIN = 0.03
#: share of the shorter / the longer document's sentences that must align in order
MIN_COVER_SHORT = 0.85
MIN_COVER_LONG = 0.5
#: below this many sentences coverage is too coarse: the raw similarities must be high as well
FEW_SENTENCES = 4
MIN_MEAN_SIM_FEW = 0.85
#: numbers or dates found in only one of the two texts that are tolerated (a figure spelled out)
FACT_SLACK = 1
FACT_SLACK_SHARE = 0.2
#: related documents: publication dates at most this many days apart
RELATED_DAYS = 7

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩٫٬", "0123456789.,")
_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Facts:
    """What a translation must keep: partners, numbers, dates, and a comparable length."""

    language: str
    partners: frozenset[str]
    numbers: frozenset[str]
    dates: frozenset[str]
    length: float  # content characters, in English-equivalent characters
    published: str | None = None


def facts(language: str, content: str, partners: Iterable[str], published: str | None = None) -> Facts:
    """The facts of a document's content (its chunk texts) and its partners (gazetteer ids)."""
    norm = content.translate(_DIGITS)
    numbers = set()
    for m in _NUMBER.finditer(norm):
        value = m.group(0).replace(",", "")
        # Small numbers are often written as words in one language ("three years", «ثلاث سنوات»).
        if float(value) >= 10:
            numbers.add(value.rstrip("0").rstrip(".") if "." in value else value)
    dates = {d.value for d in extract_dates(content) if "-" in d.value}  # years are numbers already
    length = len(content) / (AR_PER_EN_CHARS if language == "ar" else 1.0)
    return Facts(language, frozenset(partners), frozenset(numbers), frozenset(dates), length, published)


def _same(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two fact sets agree up to a small slack (one figure spelled out, one partner only named once)."""
    diff = len(a ^ b)
    return diff <= max(FACT_SLACK, FACT_SLACK_SHARE * len(a | b))


def disagreement(a: Facts, b: Facts) -> str | None:
    """Why two documents cannot be translations of each other by their facts alone; None if they can."""
    if (a.partners or b.partners) and not (a.partners & b.partners and _same(a.partners, b.partners)):
        return "different partners"
    if not _same(a.numbers, b.numbers):
        return "different numbers"
    if not _same(a.dates, b.dates):
        return "different dates"
    short, long_ = sorted((a.length, b.length))
    if long_ <= 0 or short / long_ < MIN_LENGTH_RATIO:
        return "implausible length ratio"
    return None


def _longest_chain(links: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest chain of links increasing in both documents (many-to-one allowed)."""
    links = sorted(links, key=lambda x: (x[0], x[1]))
    tails: list[int] = []  # smallest end position j of a chain of each length
    ends: list[int] = []  # the link index ending that chain
    prev = [-1] * len(links)
    for k, (_, j) in enumerate(links):
        n = bisect_right(tails, j)
        if n == len(tails):
            tails.append(j)
            ends.append(k)
        else:
            tails[n], ends[n] = j, k
        prev[k] = ends[n - 1] if n else -1
    out, k = [], ends[-1] if ends else -1
    while k >= 0:
        out.append(links[k])
        k = prev[k]
    return out[::-1]


def alignment_coverage(va: np.ndarray, vb: np.ndarray) -> tuple[float, float]:
    """Shares of each document's sentences that align, in order, with the other's.

    Similarities are centred on each sentence's mean similarity to the other document, so a
    sentence that resembles everything (a topic both articles share) does not count as aligned.
    """
    if len(va) == 0 or len(vb) == 0:
        return 0.0, 0.0
    sims = np.asarray(va, np.float32) @ np.asarray(vb, np.float32).T
    centred = sims - sims.mean(axis=1, keepdims=True) - sims.mean(axis=0, keepdims=True) + sims.mean()
    rows, cols = centred.argmax(axis=1), centred.argmax(axis=0)
    links = {(i, int(j)) for i, j in enumerate(rows) if centred[i, j] >= ALIGN_MARGIN}
    links |= {(int(i), j) for j, i in enumerate(cols) if centred[i, j] >= ALIGN_MARGIN}
    chain = _longest_chain(sorted(links))
    return len({i for i, _ in chain}) / len(va), len({j for _, j in chain}) / len(vb)


def twin_score(a: Facts, b: Facts, va: np.ndarray, vb: np.ndarray) -> float | None:
    """The mean alignment coverage when ``b`` is a translation of ``a`` (facts agree, length
    plausible, sentences aligned in order in both directions); None when it is not."""
    if a.language == b.language or disagreement(a, b) is not None:
        return None  # the cheap checks first
    ca, cb = alignment_coverage(va, vb)
    short, long_ = (ca, cb) if len(va) <= len(vb) else (cb, ca)
    if short < MIN_COVER_SHORT or long_ < MIN_COVER_LONG:
        return None
    if min(len(va), len(vb)) < FEW_SENTENCES:
        sims = np.asarray(va, np.float32) @ np.asarray(vb, np.float32).T
        if float(sims.max(axis=1).mean()) < MIN_MEAN_SIM_FEW:
            return None
    return (ca + cb) / 2


def is_twin(a: Facts, b: Facts, va: np.ndarray, vb: np.ndarray) -> bool:
    return twin_score(a, b, va, vb) is not None


def is_related(a: Facts, b: Facts) -> bool:
    """About the same event: shared partners and publication dates close together (or both undated
    with a shared figure). Shown as "also reported in"; never used to replace a passage."""
    if not a.partners & b.partners:
        return False
    if a.published and b.published:
        from datetime import date

        try:
            gap = abs((date.fromisoformat(a.published) - date.fromisoformat(b.published)).days)
        except ValueError:
            return False
        return gap <= RELATED_DAYS
    return not a.published and not b.published and bool(a.numbers & b.numbers or a.dates & b.dates)
