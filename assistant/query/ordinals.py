"""Ordinals a question asks about ("the fourth session", «الدورة الرابعة», «الاجتماع الخامس»).

A release often lists the first, second and third of something (tranches, sessions, cohorts,
meetings); a question naming one of them is answered by the sentence naming that one, not by a
likelier sentence about another.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from assistant.core.text import normalize_arabic

_FORMS: dict[int, tuple[str, ...]] = {
    1: ("first", "1st", "الأول", "الأولى"),
    2: ("second", "2nd", "الثاني", "الثانية"),
    3: ("third", "3rd", "الثالث", "الثالثة"),
    4: ("fourth", "4th", "الرابع", "الرابعة"),
    5: ("fifth", "5th", "الخامس", "الخامسة"),
    6: ("sixth", "6th", "السادس", "السادسة"),
    7: ("seventh", "7th", "السابع", "السابعة"),
    8: ("eighth", "8th", "الثامن", "الثامنة"),
    9: ("ninth", "9th", "التاسع", "التاسعة"),
    10: ("tenth", "10th", "العاشر", "العاشرة"),
}
_VALUE = {normalize_arabic(f).lower(): n for n, forms in _FORMS.items() for f in forms}


def _either(forms: Iterable[str]) -> str:
    """A regex alternation, longest form first («الثانية» before «الثاني»)."""
    return "|".join(sorted(map(re.escape, forms), key=len, reverse=True))


# an Arabic ordinal may carry a clitic («وللمرة الأولى» has none: «المرة» is dropped below)
_ORDINAL = re.compile(r"(?<![\w-])[وفبل]?(?P<o>" + _either(_VALUE) + r")(?![\w-])", re.IGNORECASE)
# ordinals that qualify no counted thing: "for the first time", «لأول مرة», «للمرة الأولى», "first of all"
_IDIOM = re.compile(
    r"\b(?:first|second)\s+(?:time|of\s+all)\b|\bat\s+first\b|(?:ال|لل)مره\s+(?:الاولي|الثانيه)", re.IGNORECASE
)


# English also numbers a thing after its noun: "phase two", "Phase II", "round 3", "phase-two graduates"
_CARDINALS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
}
_NUMBERED = re.compile(
    r"\b(?:phase|tranche|round|session|cohort|edition|stage|batch|wave)[\s-]+"
    r"(?P<n>" + "|".join(_CARDINALS) + r"|[1-9]|10)\b(?![.,]\d)(?!\s+(?:million|billion|thousand|percent)\b)",
    re.IGNORECASE,
)


# things a release numbers in a series: "the second phase", "the fourth tranche", «المرحلة الثالثة»
_STAGES_EN = (
    r"phases?|tranches?|rounds?|sessions?|cohorts?|editions?|stages?|batch(?:es)?|waves?|"
    r"disbursements?|instal(?:l)?ments?|meetings?|summits?|forums?|conferences?|terms?|years?"
)
_STAGES_AR = "مرحله|شريحه|دفعه|دوره|نسخه|جوله|قسط|اجتماع|مؤتمر|منتدي|قمه|سنه|عام"
_STAGED = re.compile(
    rf"(?<![\w-])(?P<o>{_either(f for f in _VALUE if f.isascii())})[\s-]+(?:[a-z]+[\s-]+)?(?:{_STAGES_EN})\b"
    rf"|(?<![\w-])[وفبل]?ال(?:{_STAGES_AR})\s+[وفبل]?(?P<a>{_either(f for f in _VALUE if not f.isascii())})(?![\w-])",
    re.IGNORECASE,
)


def _numbered(m: re.Match[str]) -> int:
    n = m.group("n").lower()
    return int(n) if n.isdigit() else _CARDINALS[n]


def _read(text: str, before_noun: re.Pattern[str]) -> frozenset[int]:
    """The ordinals ``before_noun`` finds (its one matching group is the ordinal word), and those
    written after their noun ("phase two"), idioms ("for the first time") left out."""
    norm = _IDIOM.sub(" ", normalize_arabic(text))
    named = {_VALUE[next(g for g in m.groups() if g).lower()] for m in before_noun.finditer(norm)}
    return frozenset(named | {_numbered(m) for m in _NUMBERED.finditer(norm)})


@lru_cache(maxsize=4096)
def ordinals(text: str) -> frozenset[int]:
    """The ordinals ``text`` names, in either language."""
    return _read(text, _ORDINAL)


def fit(asked: frozenset[int], text: str) -> int:
    """1: ``text`` names an asked ordinal; -1: it names only others; 0: none, or nothing asked."""
    if not asked:
        return 0
    named = ordinals(text)
    if named & asked:
        return 1
    return -1 if named else 0


@lru_cache(maxsize=4096)
def staged(text: str) -> frozenset[int]:
    """The ordinals ``text`` gives a thing numbered in a series ("the second phase", "phase two",
    «الشريحة الرابعة»), not a rank ("the second-largest exporter") or a first time."""
    return _read(text, _STAGED)
