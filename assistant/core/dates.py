"""Dates in text: English and Arabic month names, numeric dates, and the mentions found in a text.

Both stages read dates: ingest records a document's mentions, questions and the register compare them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

EN_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
AR_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("يناير", "كانون الثاني"),
            ("فبراير", "شباط"),
            ("مارس", "آذار", "اذار"),
            ("أبريل", "ابريل", "إبريل", "نيسان"),
            ("مايو", "أيار", "ايار"),
            ("يونيو", "يونيه", "حزيران"),
            ("يوليو", "يوليه", "تموز"),
            ("أغسطس", "اغسطس", "آب"),
            ("سبتمبر", "أيلول", "ايلول"),
            ("أكتوبر", "اكتوبر", "تشرين الأول"),
            ("نوفمبر", "تشرين الثاني"),
            ("ديسمبر", "كانون الأول"),
        ]
    )
    for m in names
}
_MONTH_ALT = "|".join(sorted((re.escape(m) for m in list(EN_MONTHS) + list(AR_MONTHS)), key=len, reverse=True))
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
_YEAR = r"(?:19[5-9]\d|20[0-4]\d)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])"
_DATE_PATTERNS = [
    # 2024-06-20
    ("ymd", re.compile(rf"(?<!\d)(?P<y>{_YEAR})-(?P<m>0?[1-9]|1[0-2])-(?P<d>{_DAY})(?!\d)")),
    # 20/06/2024
    ("dmy_num", re.compile(rf"(?<![\d/])(?P<d>{_DAY})/(?P<m>0?[1-9]|1[0-2])/(?P<y>{_YEAR})(?![\d/])")),
    # 20 June 2024 / 20 يونيو 2024
    (
        "dmy",
        re.compile(
            rf"(?<!\d)(?P<d>{_DAY})\s+(?:من\s+)?(?P<mon>{_MONTH_ALT})\.?,?\s+(?:(?:عام|سنة)\s+)?(?P<y>{_YEAR})(?!\d)",
            re.I,
        ),
    ),
    # June 20, 2024
    ("mdy", re.compile(rf"(?P<mon>{_MONTH_ALT})\.?\s+(?P<d>{_DAY})(?:st|nd|rd|th)?,?\s+(?P<y>{_YEAR})(?!\d)", re.I)),
    # June 2024 / يونيو 2024
    ("my", re.compile(rf"(?P<mon>{_MONTH_ALT})\.?,?\s+(?:(?:عام|سنة)\s+)?(?P<y>{_YEAR})(?!\d)", re.I)),
    # 2019 (a year on its own, not part of a longer number)
    ("y", re.compile(rf"(?<![\d.,/-])(?P<y>{_YEAR})(?![\d/]|[.,]\d|-\d)")),
]


@dataclass(frozen=True)
class DateMention:
    text: str
    start: int
    end: int
    value: str  # YYYY, YYYY-MM or YYYY-MM-DD

    def as_dict(self) -> dict[str, object]:
        return {"text": self.text, "start": self.start, "end": self.end, "value": self.value}


def _month(name: str) -> int:
    key = name.lower()
    return EN_MONTHS.get(key) or AR_MONTHS.get(name, 0)


def extract_dates(text: str, regions: Sequence[tuple[int, int]] | None = None) -> list[DateMention]:
    """Dates mentioned in ``text`` (within ``regions``), most specific match first per span."""
    norm = text.translate(_DIGITS)  # same length, so offsets carry over
    regions = regions or [(0, len(text))]
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pat in _DATE_PATTERNS:
        for ra, rb in regions:
            for m in pat.finditer(norm, ra, rb):
                a, b = m.span()
                if any(a < tb and ta < b for ta, tb in taken):
                    continue
                y = m.group("y")
                mon = (
                    int(m.group("m"))
                    if "m" in pat.groupindex and m.group("m")
                    else (_month(m.group("mon")) if "mon" in pat.groupindex else 0)
                )
                day = int(m.group("d")) if "d" in pat.groupindex and m.group("d") else 0
                if kind != "y" and not mon:
                    continue
                value = y + (f"-{mon:02d}" if mon else "") + (f"-{day:02d}" if day else "")
                taken.append((a, b))
                found.append(DateMention(text[a:b], a, b, value))
    return sorted(found, key=lambda d: d.start)
