"""Describe stage: title, publication date and datelines (the date mentions themselves: assistant.core.dates)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from assistant.core.dates import DateMention, extract_dates
from assistant.core.text import sentence_spans, squash_whitespace

_TITLE_MAX = 90
#: a headline is a line of at most this many characters with no sentence-final punctuation
_HEADLINE_MAX = 150
#: how many of a page's first lines may be chrome (site name, dateline, read time, ...) before the story
_HEAD_LINES = 8
BOILERPLATE_FILE = Path(__file__).with_name("data") / "boilerplate.json"
_HIJRI_MONTHS = (
    "محرم",
    "صفر",
    "ربيع الأول",
    "ربيع الاول",
    "ربيع الآخر",
    "ربيع الثاني",
    "جمادى الأولى",
    "جمادى الاولى",
    "جمادى الآخرة",
    "جمادى الثانية",
    "رجب",
    "شعبان",
    "رمضان",
    "شوال",
    "ذو القعدة",
    "ذو الحجة",
)
# A Hijri date ("02 جمادى الأولى 1442 هـ الموافق"): releases give the Gregorian equivalent after it.
_HIJRI = re.compile(
    r"\d{1,2}\s+(?:"
    + "|".join(_HIJRI_MONTHS)
    + r")\s+1[34]\d\d\s*(?:هـ|ه)?\.?\s*(?:الموافق|الموافقة|ويوافق)?\s*(?:لـ|ل)?"
)
# A leading "date" line: "date 2023-06-07 Politics", "Date: 12 May 2023", «التاريخ: 2023-06-07».
_DATE_LABEL = re.compile(
    r"^\s*(?:date|published|posted\s+on|التاريخ|تاريخ\s+النشر|نشر\s+في|نشر\s+بتاريخ)\s*[:：]?\s*", re.I
)
# Words that open a sentence rather than name a place ("On 4 March ...", «في 4 مارس ...»).
_NOT_PLACE = {"on", "in", "since", "by", "from", "until", "في", "منذ", "يوم", "حتى", "خلال", "بتاريخ"}
_SEPARATORS = " \t-–—:,،|/()"


@lru_cache(maxsize=1)
def _boilerplate() -> tuple[frozenset[str], re.Pattern[str]]:
    data = json.loads(BOILERPLATE_FILE.read_text(encoding="utf-8"))
    lines = frozenset(_fold(x) for x in data["lines"])
    pattern = re.compile("|".join(f"(?:{p})" for p in data["patterns"]), re.I)
    return lines, pattern


def _fold(line: str) -> str:
    return squash_whitespace(line).strip(_SEPARATORS + ".•*#_").casefold()


def is_boilerplate_line(line: str) -> bool:
    """Site chrome that is never a headline: site and ministry names, read time, bylines, labels."""
    lines, pattern = _boilerplate()
    folded = _fold(line)
    return not folded or folded in lines or pattern.fullmatch(squash_whitespace(line).strip(" .•*#")) is not None


def _day_dates(line: str) -> list[DateMention]:
    return [d for d in extract_dates(line) if d.value.count("-") == 2]


def dateline_date(line: str) -> str | None:
    """The date of a dateline ("CAIRO – 4 March 2019:", «القاهرة في 12 مايو 2023»), a date line
    ("date 2023-06-07 Politics") or a line that is only a date; None for a sentence that mentions one."""
    label = _DATE_LABEL.match(line)
    head = _HIJRI.sub(" ", line[label.end() :] if label else line)
    found = _day_dates(head[:120])
    if not found:
        return None
    first = found[0]
    prefix = head[: first.start].strip(_SEPARATORS)
    words = prefix.split()
    if label or not words:
        return first.value  # a labelled date, or a line that opens with the date
    if len(words) <= 3 and words[0].casefold() not in _NOT_PLACE and not re.search(r"[.!?؟]", prefix):
        return first.value  # a place, then the date
    return None


def publication_date(text: str) -> str | None:
    """The publication date a release states in its first lines: a date line or a dateline."""
    head = [ln for ln in text.split("\n") if ln.strip()][:_HEAD_LINES]
    for line in head:
        if _DATE_LABEL.match(line) and (value := dateline_date(line)):
            return value
    for line in head:
        if value := dateline_date(line):
            return value
    return None


def strip_site_name(title: str, site: str | None = None) -> str:
    """ "Headline | Site" -> "Headline": the last segment after a separator, when it is short."""
    parts = re.split(r"\s+[|–—\-:·»]\s+", title.strip())
    if len(parts) < 2:
        return title.strip()
    last = parts[-1]
    rest = " - ".join(parts[:-1]).strip()
    if (site and _fold(last) == _fold(site)) or (len(last.split()) <= 5 and len(rest.split()) >= 3):
        return rest
    return title.strip()


def _headline(line: str) -> bool:
    s = squash_whitespace(line)
    return bool(s) and len(s) <= _HEADLINE_MAX and not re.search(r"[.!?؟،,:;]$", s)


def _strip_dateline(sentence: str) -> str:
    """A first sentence without its leading dateline ("CAIRO – 4 March 2019: Egypt ..." -> "Egypt ...")."""
    head = _HIJRI.sub(" ", sentence)
    found = _day_dates(head[:120])
    if found and dateline_date(head[: found[0].end]):
        return head[found[0].end :].lstrip(_SEPARATORS)  # empty for a dateline on its own
    return sentence


def _shorten(s: str) -> str:
    if len(s) <= _TITLE_MAX:
        return s
    return s[:_TITLE_MAX].rsplit(" ", 1)[0].rstrip("،,:;") + "…"


def derive_title(text: str, regions: Sequence[tuple[int, int]], hint: str | None = None) -> str:
    """The format's own title when usable; else the first headline-like line that is not page
    chrome or a dateline; else the first sentence (without its dateline), shortened."""
    if hint and hint.strip() and not is_boilerplate_line(hint):
        return squash_whitespace(hint)[:200]
    seen = 0
    for ra, rb in regions:
        pos = ra
        for line in text[ra:rb].split("\n"):
            start, pos = pos, pos + len(line) + 1
            if not line.strip():
                continue
            seen += 1
            if seen > _HEAD_LINES:
                break
            if is_boilerplate_line(line) or not _strip_dateline(line).strip(_SEPARATORS):
                continue
            if _headline(line) and not dateline_date(line):
                return squash_whitespace(line)
            spans = sentence_spans(text, start, min(rb, start + len(line)))
            if spans:
                return _shorten(squash_whitespace(_strip_dateline(text[slice(*spans[0])])))
    for ra, rb in regions[:1]:  # only chrome in the first lines: the first sentence, as before
        spans = sentence_spans(text, ra, rb)
        if spans:
            return _shorten(squash_whitespace(text[slice(*spans[0])]))
    return "(untitled)"
