"""Typed answer spans: the date, quantity, person, place or body that answers a typed question.

A typed question ("when", "how many", "who", "which country" ...) should open with
a short direct answer in the asker's language, then the supporting quote. This
module finds candidate spans of each kind in an evidence sentence, picks the one
that answers the question (the asked unit, closest to the question's own words)
and renders it in either language. Rules and bilingual tables only, no model:
units, scales, qualifiers, number words and cities live in data/units.json.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from assistant.core.dates import extract_dates
from assistant.core.gazetteer import HOME, gazetteer
from assistant.core.people import extract_people
from assistant.core.text import AR_STOP, EN_STOP, detect_language, normalize_arabic, normalize_with_offsets, tokenize

UNITS_FILE = Path(__file__).resolve().parent.parent / "data" / "units.json"

KINDS = (
    "date",
    "number",
    "amount",
    "percent",
    "duration",
    "person",
    "place",
    "country",
    "organization",
    "company",
)
QTYPE_KINDS: dict[str, tuple[str, ...]] = {
    "when": ("date",),
    "who": ("person", "organization", "company"),
    "count": ("number",),
    "amount": ("amount",),
    "percent": ("percent",),
    "where": ("place", "country"),
    "country": ("country",),
    "organization": ("organization",),
    "company": ("company",),
    "duration": ("duration",),
}
_NUMERIC = ("number", "amount", "percent", "duration")
#: "who signed": people sign; every signatory a sentence names answers it, not only the nearest
SIGNING = re.compile(r"\bsign(?:s|ed|ing|ature|ator(?:y|ies))?\b|(?<!\w)[وف]?(?:وق[ّ]?ع|توقيع)", re.IGNORECASE)
_ENTITY_KINDS = ("place", "country", "organization", "company")
EN_MONTH_NAMES = "January February March April May June July August September October November December".split()
AR_MONTH_NAMES = "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر".split()


@dataclass(frozen=True)
class Span:
    """A typed span of a sentence.

    ``value`` is normalised: a date is ISO ("2024", "2024-06", "2024-06-12"); a
    quantity is ``(mantissa, unit key | None, scale key | None)`` so "$1.5 billion"
    is ``(1.5, "usd", "billion")``; a country/organisation/company/place found in
    the gazetteer or the city table is its entity id (else the name as written);
    a person is the name as written. ``qualifier`` keeps "more than"/"نحو" so the
    short answer does not overstate the source.
    """

    kind: str
    start: int
    end: int
    text: str
    value: Any
    qualifier: str | None = None


# --- the bilingual tables -------------------------------------------------------------
def _key(s: str) -> str:
    return " ".join(normalize_arabic(s).lower().split())


def _is_ar(s: str) -> bool:
    return detect_language(s) == "ar"


def _form_regex(forms: Iterable[str]) -> str:
    """One alternation over normalised forms, longest first, spaces matching any whitespace."""
    keys = sorted({_key(f) for f in forms if f.strip()}, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(w) for w in k.split()) for k in keys)


class _Tables:
    def __init__(self, data: dict[str, Any]) -> None:
        self.units: dict[str, dict[str, Any]] = data["units"]
        self.scales: dict[str, dict[str, Any]] = data["scales"]
        self.qualifiers: dict[str, dict[str, Any]] = data["qualifiers"]
        self.places: dict[str, dict[str, Any]] = {p["id"]: p for p in data["places"]}
        self.unit_of = {_key(f): k for k, u in self.units.items() for f in u["en_forms"] + u["ar_forms"]}
        self.scale_of = {_key(f): k for k, s in self.scales.items() for f in s["en_forms"] + s["ar_forms"]}
        self.qual_of = {_key(f): k for k, q in self.qualifiers.items() for f in q["en_forms"] + q["ar_forms"]}
        self.dual_of = {_key(f): k for k, u in self.units.items() for f in u.get("ar_duals", [])}
        self.word_value = {_key(w): float(v) for lang in ("en", "ar") for w, v in data["numbers"][lang].items()}
        self.prefix_of = {p.lower(): k for k, u in self.units.items() for p in u.get("prefixes", [])}
        # scales that are words ("million"); single letters only count when glued to digits ("$5m")
        word_scales = [k for k in self.scale_of if len(k) > 2]
        self.scale_re = re.compile(rf"[\s-]*(?P<s>{_form_regex(word_scales)})(?!\w)", re.I)
        self.unit_re = re.compile(rf"[\s-]*(?P<u>{_form_regex(self.unit_of)})(?![\w%])", re.I)
        self.dual_re = re.compile(rf"(?<!\w)(?:لمده\s+)?(?P<u>{_form_regex(self.dual_of)})(?!\w)")
        self.qual_re = re.compile(rf"(?:(?<![\w-])|(?<=[وب]))(?P<q>{_form_regex(self.qual_of)})\s+$", re.I)
        self.word_re = re.compile(
            rf"(?<![\w-])(?:و)?(?P<w>{_form_regex(self.word_value)})(?:-(?P<w2>{_form_regex(self.word_value)}))?(?!\w)",
            re.I,
        )
        prefixes = sorted(self.prefix_of, key=len, reverse=True)
        alt = "|".join(re.escape(p) for p in prefixes)
        self.prefix_re = re.compile(rf"(?:(?<![A-Za-z])|^)(?P<p>{alt})\s?$", re.I)
        place_names = {
            _key(n): pid
            for pid, p in self.places.items()
            for n in [p["en"], p["ar"], *p["aliases_en"], *p["aliases_ar"]]
        }
        self.place_of = place_names
        self.place_re = re.compile(rf"(?<![\w-])(?:[وفبلك]|لل)?(?P<n>{_form_regex(place_names)})(?![\w-])", re.I)
        # a unit named in a question, with or without the article and clitics ("الشركات", "jobs")
        self.q_unit_res = [
            (k, re.compile(rf"(?<!\w)(?:[وفبلك]?ال|لل|[وفبلك])?(?:{_form_regex([f])})(?!\w)", re.I))
            for k, u in self.units.items()
            for f in u["en_forms"] + u["ar_forms"]
            if f[0].isalpha() and len(f) > 2
        ]


@lru_cache(maxsize=1)
def tables() -> _Tables:
    return _Tables(json.loads(UNITS_FILE.read_text(encoding="utf-8")))


# --- quantities ---------------------------------------------------------------------
_NUMERAL = re.compile(
    r"(?<![A-Za-z0-9.,٫٬/:+\-])(?P<n>\d{1,3}(?:[,٬]\d{3})+(?:[.٫]\d+)?|\d+(?:[.٫]\d+)?|\d+,\d{1,2}(?!\d))"
    r"(?P<suf>bn|mn|tn|m|k)?(?![A-Za-z0-9/:]|[.,٫٬]\d|-\d)"
)
# identifiers, not quantities: decree/law/article numbers, phone numbers, hotlines, boxes, pages
_NOT_QUANTITY_BEFORE = re.compile(
    r"(?:\bno\.?|\bnos\.?|\bnumber|#|رقم|\bdecree|\blaw|\barticle|\bclause|\bsection|\bitem|\bhotline|\bphone|"
    r"\btel\.?|\bfax|\bext\.?|\bbox|\broom|\bpage|\bversion|\bcall|الماده|ماده|البند|بند|قرار|القرار|قانون|"
    r"القانون|الساخن|هاتف|تليفون|فاكس|صندوق بريد|صفحه|اتصال)\s*[:.]?\s*$",
    re.I,
)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)\d{1,3}[\s-]?\d[\d\s-]{6,}\d|(?<!\w)0\d{1,3}[\s-]\d{3,4}[\s-]?\d{3,4}(?!\w)|"
    r"(?<!\w)01[0125]\d{8}(?!\w)|(?<!\w)0\d{7,10}(?!\w)"
)
_MONEY_CUE = re.compile(
    r"(?:budget|worth|valued|value|cost|grant|fund|financ|invest|loan|revenue|بقيمه|قيمه|بتكلفه|تكلفه|تمويل|"
    r"منحه|ميزانيه|استثمار|قرض|إيرادات|ايرادات)",
    re.I,
)
_TO_ASCII = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
_MARK = re.compile(r"[\u064B-\u0652\u0640]")
_YEAR_LIKE = re.compile(r"(?:1[89]\d\d|20[0-4]\d)")
# ingest.describe reads 1950-2049 (the archive's range); encyclopaedic text also dates things "in 1865":
# any year 1000-1949 after a cue ("in 1519", «في ربيع العام 1349», «بدايةً من 1519»). After a weak cue
# ("from", "between", «من») it must end its phrase: "between 1200 and 1500 engineers" counts engineers.
_OLD_YEAR = re.compile(
    r"(?:(?P<strong>\b(?:in|since|until|year|circa|as (?:early|late) as)\s+|(?<!\w)(?:[وفب]?ال)?(?:عام|سنة|سنه)\s+)|"
    r"\b(?:from|by|before|after|during|between|and)\s+|(?<!\w)(?:في|منذ|من|حتى)\s+)"
    r"(?P<y>1\d\d\d|19[0-4]\d)(?![\d,.]\d|\d)"
)
_PHRASE_END = re.compile(r"\s*(?:$|[,.;:،؛)\]!?؟—–-]|\s(?:and|to|when|after|before|the|و|ثم|حيث|عندما)\b)")
# Encyclopaedic text dates events long before the releases' 1950-2049 (ingest.describe's range):
# "7 January 1943", "in the 1520s", "the 16th century", «القرن السادس عشر».
_OLD_TIME = re.compile(
    r"(?:(?:" + "|".join(EN_MONTH_NAMES + AR_MONTH_NAMES) + r")\s+(?:عام\s+|سنة\s+)?(?P<y>1\d{3})(?!\d))|"
    r"(?P<dec>\b1\d{2}0s\b)|(?P<cen>\b\d{1,2}(?:st|nd|rd|th)[\s-]+century\b)|"
    r"(?P<arc>(?<!\w)(?:ال|[وفب]ال)قرن\s+(?:ال)?\S+(?:\s+عشر)?)",
    re.IGNORECASE,
)
_ADJ = re.compile(r"[\s-]+(?P<w>[A-Za-z][a-z-]*)")


def _parse_numeral(raw: str, lang: str) -> float:
    s = raw.replace("٫", ".").replace("٬", "")
    if re.fullmatch(r"\d+,\d{1,2}", s):  # the Arabic decimal comma: "1,5 مليار"
        s = s.replace(",", ".")
    return float(s.replace(",", ""))


def _unit_after(norm: str, pos: int, lang: str) -> tuple[str, int] | None:
    """The unit right after ``pos``; English allows two adjectives between ("5,000 new jobs")."""
    t = tables()
    for hop in range(4):
        m = t.unit_re.match(norm, pos)
        if m:
            return t.unit_of[_key(m.group("u"))], m.end()
        a = _ADJ.match(norm, pos)
        if lang == "ar" or not a:
            return None
        word = a.group("w").lower()
        # "direct and indirect jobs" may join adjectives, but no other function word may intervene
        if (word in EN_STOP and (word != "and" or hop == 0)) or _month_word(word):
            return None
        pos = a.end()
    return None


def _month_word(word: str) -> bool:
    return word.capitalize() in EN_MONTH_NAMES


def _scale_after(norm: str, pos: int) -> tuple[str, int] | None:
    m = tables().scale_re.match(norm, pos)
    return (tables().scale_of[_key(m.group("s"))], m.end()) if m else None


def _head(norm: str, a: int) -> tuple[int, str | None, str | None]:
    """Extend a quantity leftwards over a currency prefix and a qualifier: (start, unit, qualifier)."""
    t = tables()
    unit = None
    pm = t.prefix_re.search(norm, max(0, a - 6), a)
    if pm:
        unit, a = t.prefix_of[pm.group("p").lower()], pm.start()
    qm = t.qual_re.search(norm, max(0, a - 25), a)
    qual = None
    if qm:
        qual, a = t.qual_of[_key(qm.group("q"))], qm.start()
    return a, unit, qual


def _quantity(norm: str, a: int, b: int, mantissa: float, scale: str | None, lang: str) -> tuple | None:
    """Read what follows a number (scale, unit) and classify it: (kind, start, end, value, qualifier)."""
    if scale is None:
        sc = _scale_after(norm, b)
        if sc:
            scale, b = sc
    start, unit, qual = _head(norm, a)
    u = _unit_after(norm, b, lang)
    if u and (unit is None or tables().units[u[0]]["kind"] == "amount"):
        unit, b = u
    kind = tables().units[unit]["kind"] if unit else "number"
    if unit is None and scale and _MONEY_CUE.search(norm, max(0, start - 40), start):
        kind = "amount"  # "a grant worth 2 million" names no currency but is money
    return kind, start, b, (mantissa, unit, scale), qual


_MONTHS_RE = "|".join(
    EN_MONTH_NAMES
    + [normalize_arabic(m) for m in AR_MONTH_NAMES]
    + "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec".split()
)
_MONTH_AFTER = re.compile(rf"(?:\s*(?:و|and|-|–|&)\s*\d{{1,2}})*\s+(?:{_MONTHS_RE})(?![a-z])")
_MONTH_BEFORE = re.compile(rf"(?<![A-Za-z])(?:{_MONTHS_RE})\.?\s+(?:\d{{1,2}}\s*(?:و|and|-|–|&)\s*)*$")


def _day_of_month(norm: str, a: int, b: int, raw: str) -> bool:
    """Is the numeral a day next to a month name (the date reader only dates a day with its year)?"""
    if not raw.isdigit() or not 1 <= int(raw) <= 31:
        return False
    return bool(_MONTH_AFTER.match(norm, b) or _MONTH_BEFORE.search(norm, max(0, a - 30), a))


def _numeral_spans(norm: str, lang: str, masked: list[tuple[int, int]]) -> list[tuple]:
    out = []
    for m in _NUMERAL.finditer(norm):
        a, b = m.span()
        raw = m.group("n")
        if any(x < b and a < y for x, y in masked) or _NOT_QUANTITY_BEFORE.search(norm, max(0, a - 30), a):
            continue
        if raw.startswith("0") and len(raw) > 1 and raw[1].isdigit():
            continue  # "0225 ...": a phone or code, not a quantity
        if _day_of_month(norm, a, b, raw):
            continue  # "on 22 October", «يومي 23 و24 نوفمبر», "Sept. 12": a day, not a count
        suf = (m.group("suf") or "").lower()
        scale = tables().scale_of.get(suf) if suf else None
        q = _quantity(norm, a, b, _parse_numeral(raw, lang), scale, lang)
        if q is None:
            continue
        # a bare year is a date ("in 2024"), unless a unit or scale follows ("2000 فرصة عمل")
        if _YEAR_LIKE.fullmatch(raw) and q[3][1] is None and q[3][2] is None:
            continue
        out.append(q)
    return out


# the parts of a number written in several words: «خمسة عشر», «مائة وخمسين», «ألفاً ومائتي», "two hundred
# and fifty", "two and a half (million)"
_AR_TEEN = re.compile(r"\s+عشر[ه]?(?!\w)")
_AR_TEEN_HEAD = {"احد": 1.0, "احدي": 1.0, "اثنا": 2.0, "اثني": 2.0, "اثنتا": 2.0, "اثنتي": 2.0}
_AR_TEEN_HEAD_RE = re.compile(r"(?<![\w-])[و]?(?P<w>احدي|احد|اثنتا|اثنتي|اثنا|اثني)(?=\s+عشر)")
_AR_THOUSAND_AND = re.compile(r"(?<![\w-])(?P<w>الف|الفا)(?=\s+و)")
_EN_HUNDRED = re.compile(r"[\s-]+hundred(?!\w)", re.I)
_EN_HALF = re.compile(r"\s+and\s+a\s+half(?!\w)", re.I)
_SPACE = re.compile(r"\s+")


def _joins(v: float, w: float) -> bool:
    """Does ``w`` continue the number ``v`` read so far (hundreds then tens, Arabic units then tens, English
    tens then units)?"""
    tens = 20 <= w <= 90 and w % 10 == 0
    return (
        (v >= 100 and w < 100 and v % 100 == 0)
        or (v >= 1000 and w < 1000 and v % 1000 == 0)
        or (v < 10 and tens)
        or (20 <= v <= 90 and v % 10 == 0 and w < 10)
    )


def _next_word(norm: str, pos: int, joiner: str) -> re.Match[str] | None:
    """The number word after ``pos`` joined by ``joiner`` (Arabic «و» glued to it, English "and" or a space)."""
    sp = _SPACE.match(norm, pos)
    if sp is None:
        return None
    if joiner == "and":
        sp = re.compile(r"\s+(?:and\s+)?", re.I).match(norm, pos)
        assert sp is not None
    m = tables().word_re.match(norm, sp.end())
    if m is None or (joiner == "و" and not norm.startswith("و", sp.end())):
        return None
    return m


def _word_number(norm: str, m: re.Match[str]) -> tuple[float, int]:
    """The value of the number word matched by ``m`` with the words that continue it, and its end."""
    t = tables()
    g = m.group("w")
    v = _AR_TEEN_HEAD.get(g) or (1000.0 if g in ("الف", "الفا") else t.word_value[_key(g)])
    v += t.word_value[_key(m.group("w2"))] if m.groupdict().get("w2") else 0.0
    b = m.end()
    if v < 10 and (teen := _AR_TEEN.match(norm, b)):
        return v + 10, teen.end()
    if v < 10 and (h := _EN_HUNDRED.match(norm, b)):
        v, b = v * 100, h.end()
    last = v
    while (nxt := _next_word(norm, b, "و" if _is_ar(g) else "and")) is not None:
        w = t.word_value[_key(nxt.group("w"))] + (t.word_value[_key(nxt.group("w2"))] if nxt.group("w2") else 0)
        if not (_joins(v, w) or _joins(last, w)):
            break
        v, last, b = v + w, w, nxt.end()
    if half := _EN_HALF.match(norm, b):
        v, b = v + 0.5, half.end()
    return v, b


def _number_words(norm: str) -> list[tuple[int, int, float]]:
    """(start, end, value) of every number written as words, a compound read as one."""
    found = sorted(
        [*tables().word_re.finditer(norm), *_AR_TEEN_HEAD_RE.finditer(norm), *_AR_THOUSAND_AND.finditer(norm)],
        key=lambda m: m.start(),
    )
    out: list[tuple[int, int, float]] = []
    for m in found:
        if out and m.start() < out[-1][1]:
            continue  # a word of the compound just read («وخمسين» of «مائة وخمسين»)
        v, b = _word_number(norm, m)
        if m.group("w") in ("الف", "الفا") and v == 1000.0:
            continue  # a bare «ألف» is a scale, read by the bare-scale pass
        out.append((m.start("w"), b, v))
    return out


def _word_spans(norm: str, lang: str, taken: list[tuple[int, int]]) -> list[tuple]:
    """Numbers written as words ("three companies", "ثلاث شركات") and Arabic duals ("عامين")."""
    t = tables()
    out = []
    for a, b, v in _number_words(norm):
        if any(x < b and a < y for x, y in taken):
            continue
        q = _quantity(norm, a, b, v, None, lang)
        # a number word alone ("one of the", "ست" = lady) is too ambiguous: demand a scale or unit
        if q and (q[3][1] or q[3][2]):
            out.append(q)
    for m in t.dual_re.finditer(norm):
        a, b = m.span()
        if not any(x < b and a < y for x, y in taken):
            out.append(("duration", m.start("u"), b, (2.0, t.dual_of[_key(m.group("u"))], None), None))
    # a bare Arabic scale names one of it: "مليار دولار", "ألف فرصة عمل"
    taken = taken + [(q[1], q[2]) for q in out]
    for m in re.finditer(r"(?<!\w)(?:الف|مليون|مليار)(?!\w)", norm):
        if any(x <= m.start() < y for x, y in taken):
            continue
        q = _quantity(norm, m.start(), m.end(), 1.0, tables().scale_of[m.group(0)], lang)
        if q and q[3][1]:
            out.append(q)
    return out


@lru_cache(maxsize=256)
def _quantities(text: str, language: str) -> tuple[Span, ...]:
    norm, index = normalize_with_offsets(text)
    lang = "ar" if language == "ar" else "en"
    dates = [(_to_norm(index, d.start), _to_norm(index, d.end)) for d in _dates(text)]
    phones = [m.span() for m in _PHONE.finditer(norm)]
    found = _numeral_spans(norm, lang, dates + phones)
    found += _word_spans(norm, lang, dates + phones + [(q[1], q[2]) for q in found])
    spans = []
    for kind, a, b, value, qual in sorted(found, key=lambda q: q[1]):
        sa, sb = index[a], index[b - 1] + 1
        while sb < len(text) and _MARK.match(text[sb]):
            sb += 1  # keep the tanween of "كابلاً بحرياً" inside the span
        spans.append(Span(kind, sa, sb, text[sa:sb], value, qual))
    return tuple(spans)


def _to_norm(index: list[int], pos: int) -> int:
    """Offset in the original text -> offset in the normalised text (diacritics are dropped)."""
    from bisect import bisect_left

    return bisect_left(index, pos)


# --- dates --------------------------------------------------------------------------------
@lru_cache(maxsize=256)
def _dates(text: str) -> tuple[Span, ...]:
    norm, index = normalize_with_offsets(text)
    out = []
    for d in extract_dates(text):
        if len(d.value) == 4:
            a, b = _to_norm(index, d.start), _to_norm(index, d.end)
            # "2000 فرصة عمل" is a count and "Decree No. 2019" an identifier (adjectives are not
            # skipped here: "in 2024 new companies joined" is still a year)
            if (
                _scale_after(norm, b)
                or _unit_after(norm, b, "ar")
                or _NOT_QUANTITY_BEFORE.search(norm, max(0, a - 30), a)
            ):
                continue
        out.append(Span("date", d.start, d.end, d.text, d.value))
    ascii_text = text.translate(_TO_ASCII)
    for m in _OLD_YEAR.finditer(ascii_text):
        a, b = m.span("y")
        if not m.group("strong") and not _PHRASE_END.match(ascii_text, b):
            continue
        if _free([(s.start, s.end) for s in out], a, b) and not _unit_after(norm, _to_norm(index, b), "ar"):
            out.append(Span("date", a, b, text[a:b], m.group("y")))
    for m in _OLD_TIME.finditer(text.translate(_TO_ASCII)):
        a, b = m.span()
        if _free([(s.start, s.end) for s in out], a, b):
            out.append(Span("date", a, b, text[a:b], m.group("y") or text[a:b]))
    return tuple(sorted(out, key=lambda s: s.start))


# --- places, countries, organisations, companies -------------------------------------------------
def _entity_kind(kind: str) -> str:
    """Gazetteer kinds -> span kinds; any other body (regulator, agency ...) is an organisation."""
    return {"country": "country", "region": "place", "company": "company"}.get(kind, "organization")


def _free(occupied: list[tuple[int, int]], a: int, b: int) -> bool:
    return not any(x < b and a < y for x, y in occupied)


_LOOSE_PLACE_EN = re.compile(r"\b(?:in|at)\s+(?P<p>[A-Z][a-z]+(?:[\s-][A-Z][a-z]+){0,2})")
_LOOSE_PLACE_AR = re.compile(r"(?<!\w)(?:في|ب)\s*(?:مدين[ةه]|محافظ[ةه])\s+(?P<p>[\u0621-\u064A]{2,})")
# a release's dateline names the city it comes from: "TASHKENT, 27 April 2022 —", «أستانا في 16 سبتمبر 2024»
# (English: the city in capitals, as datelines print it; Arabic: one word opening the sentence, no verb)
_DATELINE_EN = re.compile(
    r"(?:^|\n)\s*(?P<p>[A-Z]{3,}(?:[ -][A-Z]{3,})?)\s*,\s+(?:\d{1,2}\s+)?(?:" + "|".join(EN_MONTH_NAMES) + r")\b"
)
_DATELINE_AR = re.compile(
    r"(?:^|\n)\s*(?P<p>(?!و)[\u0621-\u064A]{3,})\s+في\s+\d{1,2}\s+(?:" + "|".join(AR_MONTH_NAMES) + r")\s+\d{4}"
)
_COMPANY_EN = re.compile(
    r"(?P<n>(?:[A-Z][\w&'-]*\s+){0,3}[A-Z][\w&'-]*)\s+(?:Inc\b\.?|Ltd\b\.?|LLC\b|Company\b|Corporation\b|"
    r"Corp\b\.?|Group\b|Holdings?\b)|\b(?:company|firm|giant|operator)\s+(?P<m>[A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)?)"
)
_COMPANY_AR = re.compile(r"(?<!\d\s)(?<!\w)[وبل]?شرك[ةه]\s+(?P<n>«[^»]{2,40}»|\"[^\"]{2,40}\"|[^\s،,.:؛()«»]+)")


@lru_cache(maxsize=256)
def _entities(text: str) -> tuple[Span, ...]:
    out = [
        Span(_entity_kind(m.entity.kind), m.start, m.end, text[m.start : m.end], m.entity.id)
        for m in gazetteer().find(text)
    ]
    occupied = [(s.start, s.end) for s in out]
    norm, index = normalize_with_offsets(text)
    for m in tables().place_re.finditer(norm):
        a, b = index[m.start("n")], index[m.end("n") - 1] + 1
        if _free(occupied, a, b):
            out.append(Span("place", a, b, text[a:b], tables().place_of[_key(m.group("n"))]))
            occupied.append((a, b))
    for rx in (_LOOSE_PLACE_EN, _LOOSE_PLACE_AR, _DATELINE_EN, _DATELINE_AR):
        for m in rx.finditer(text):
            a, b = m.span("p")
            first = m.group("p").split()[0]
            if _free(occupied, a, b) and not _en_vocab_word(first) and normalize_arabic(first) not in _AR_VERBS:
                out.append(Span("place", a, b, text[a:b], text[a:b]))
    out += _loose_companies(text, occupied)
    return tuple(sorted(out, key=lambda s: s.start))


def _loose_companies(text: str, occupied: list[tuple[int, int]]) -> list[Span]:
    """Companies the gazetteer does not know: "Huawei Technologies Company", «شركة هواوي»."""
    out = []
    for m in _COMPANY_EN.finditer(text):
        g = "n" if m.group("n") else "m"
        a, b = m.span(g)
        words = m.group(g).split()
        while words and _en_vocab_word(words[0]):  # "The Egyptian ... Company" keeps only the name
            a += len(words.pop(0)) + 1
        if words and _free(occupied, a, b):
            out.append(Span("company", a, b, text[a:b], text[a:b]))
    for m in _COMPANY_AR.finditer(text):
        a, b = _ar_company_name(text, m.start("n"), m.group("n"))
        if b > a and _free(occupied, a, b):
            out.append(Span("company", a, b, text[a:b], text[a:b].strip('«»"')))
    return out


_AR_NOT_COMPANY = {
    normalize_arabic(w)
    for w in "ناشئة ناشئه عالمية كبرى رائدة محلية أجنبية متخصصة دولية تابعة واحدة مصرية عربية خاصة جديدة".split()
}


def _ar_company_name(text: str, a: int, first: str) -> tuple[int, int]:
    """The name after «شركة»: a quoted name, or one or two words that are not adjectives or function words."""
    if first[0] in '«"':
        return a, a + len(first)
    words = re.match(r"[^\s،,.:؛()«»]+(?:\s+[^\s،,.:؛()«»]+)?", text[a:])
    keep: list[str] = []
    for w in words.group(0).split() if words else []:
        n = normalize_arabic(w)
        if n in AR_STOP or n in _AR_NOT_COMPANY or n in _AR_VERBS or any(c.isdigit() for c in n):
            break
        if n.endswith("يه") and not keep:  # "شركة عالمية": an adjective, not a name
            break
        if gazetteer().find(w):
            break
        keep.append(w)
    return (a, a + len(" ".join(keep))) if keep else (a, a)


# --- people ----------------------------------------------------------------------------------------
_EN_ROLES = set(
    """minister ministers president ambassador deputy assistant secretary secretary-general director chairman
    chairwoman chair ceo head governor undersecretary advisor adviser prime vice dr dr. mr mr. mrs mrs. ms ms.
    eng eng. h.e. sheikh prince king queen professor prof prof. consul envoy commissioner founder manager
    executive chief officer""".split()
)
_EN_TITLES = {"dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "eng", "eng.", "h.e.", "sheikh", "prof", "prof."}
_EN_OTHER = set(
    """ministry communications information technology digital transformation economy development affairs foreign
    international cooperation transport telecommunications post postal national regulatory authority investment
    trade industry planning finance education higher research innovation state general republic union bank
    memorandum understanding mou agreement forum conference summit egyptian egypt's monday tuesday wednesday
    thursday friday saturday sunday arab african american european the his her its this that on in at""".split()
)
_AR_VERBS = {
    normalize_arabic(w)
    for w in """استقبل التقى وقع وقعت شهد أكد قال أوضح أشار بحث ناقش زار افتتح ترأس شارك أعلن اجتمع يلتقي يستقبل
    أجرى عقد تلقى بحضور خلال اليوم أمس منصب يشغل""".split()
}
_AR_ROLE_AFTER = re.compile(
    r"(?<!\w)[وبل]?(?P<n>[\u0621-\u064A]{2,}\s+[\u0621-\u064A]{2,})\s+"
    r"(?=(?:وزير|وزيرة|رئيس|رئيسة|سفير|سفيرة|نائب|مساعد|مستشار|مدير|أمين|الرئيس|محافظ)(?!\w))"
)
_EN_WORD = re.compile(r"[A-Za-z][\w'’-]*\.?")
_EN_AFTER_ROLE = re.compile(
    r"\s*,\s*(?:the\s+|who\s+is\s+)?(?:[A-Z][\w'’-]*\s+|of\s+|and\s+){0,5}?"
    r"(?:Minister|President|Ambassador|CEO|Chairman|Chairwoman|Director|Governor|Secretary|Head|Chief|Deputy|Advisor)"
    r"|\s+(?:said|stressed|noted|added|explained|affirmed|stated)\b",
    re.I,
)


@lru_cache(maxsize=4096)
def _en_vocab_word(word: str) -> bool:
    """A capitalised English word that is a role, a body, a month or a place rather than part of a name."""
    w = re.sub(r"['’]s$", "", word.lower().rstrip("."))
    if w in EN_STOP or w in _EN_ROLES or w in _EN_OTHER or word.lower() in _EN_ROLES or _month_word(w):
        return True
    return bool(gazetteer().find(word)) or _key(w) in tables().place_of


def _en_people(text: str) -> list[str]:
    """English names next to a title or role: "Minister ... Amr Talaat", "Rashad Nabiyev, Minister of ..."."""
    words = list(_EN_WORD.finditer(text))
    names: list[str] = []
    i = 0
    while i < len(words):
        j = i
        while (
            j < len(words)
            and words[j].group(0)[0].isupper()
            and not _en_vocab_word(words[j].group(0))
            and (j == i or text[words[j - 1].end() : words[j].start()] == " ")
        ):
            j += 1
        if j - i >= 2 and j - i <= 4:
            prev = words[i - 1].group(0) if i else ""
            joined = text[words[i].start() : words[j - 1].end()].rstrip(".")
            after_ok = bool(_EN_AFTER_ROLE.match(text, words[j - 1].end()))
            before_ok = (
                bool(prev) and prev[0].isupper() and _en_vocab_word(prev) and _role_before(text, words[i].start())
            )
            if before_ok or after_ok:
                names.append(joined)
        i = max(j, i + 1)
    return names


def _role_before(text: str, pos: int) -> bool:
    window = text[max(0, pos - 90) : pos].lower()
    return any(re.search(rf"(?<![\w.]){re.escape(r)}(?!\w)", window) for r in _EN_ROLES)


def _ar_people(text: str) -> list[str]:
    """Arabic names followed by their role: "ورشاد نابييف وزير التنمية الرقمية"."""
    out = []
    for m in _AR_ROLE_AFTER.finditer(text):
        words = m.group("n").split()
        norm = [normalize_arabic(w) for w in words]
        if any(w in AR_STOP or w in _AR_VERBS or w.startswith("ال") for w in norm) or gazetteer().find(m.group("n")):
            continue
        out.append(m.group("n"))
    return out


def _plausible_name(name: str) -> bool:
    """Drop role phrases the clause rules take for names ("Information Technology")."""
    if _is_ar(name):
        return not any(normalize_arabic(w) in _AR_VERBS for w in name.split())
    return not any(_en_vocab_word(w) for w in name.split())


@lru_cache(maxsize=256)
def _people(text: str) -> tuple[Span, ...]:
    names = [p.name for p in extract_people(text)] + _ar_people(text) + _en_people(text)
    out: list[Span] = []
    for name in dict.fromkeys(n for n in names if _plausible_name(n)):
        m = re.search(r"\s+".join(re.escape(w) for w in name.split()), text)
        if m and _free([(s.start, s.end) for s in out], *m.span()):
            out.append(Span("person", m.start(), m.end(), m.group(0), name))
    return tuple(sorted(out, key=lambda s: s.start))


# --- the public finders ------------------------------------------------------------------------------
def find_spans(kind: str, text: str, language: str) -> list[Span]:
    """All spans of ``kind`` in ``text`` (a sentence in ``language``), in text order."""
    if kind == "date":
        return list(_dates(text))
    if kind in _NUMERIC:
        return [s for s in _quantities(text, language) if s.kind == kind]
    if kind == "person":
        return list(_people(text))
    if kind in _ENTITY_KINDS:
        return [s for s in _entities(text) if s.kind == kind]
    raise ValueError(f"unknown span kind {kind!r}")


def has_instance(qtype: str, text: str, language: str) -> bool:
    """Does ``text`` contain a fact of the kind ``qtype`` asks for? (untyped questions: always)."""
    kinds = QTYPE_KINDS.get(qtype)
    if kinds is None:
        return True
    return any(find_spans(k, text, language) for k in kinds)


_SINCE = re.compile(
    r"(?:\bsince|(?<!\w)[و]?منذ)\s+(?:(?:the\s+)?(?:year|end|start|beginning)\s+(?:of\s+)?|(?:عام|سنة|بداية|مطلع|نهاية)\s+)?$",
    re.I,
)


def _period_start(span: Span, text: str, question: str) -> bool:
    """A date after "since" / «منذ» starts a period ("21 MoUs since 2023"); it dates no event the
    question asks about, unless the question asks since when."""
    return (
        span.kind == "date"
        and bool(_SINCE.search(text[max(0, span.start - 24) : span.start]))
        and not _SINCE_Q.search(normalize_arabic(question))
    )


# ... and unless the question asks when something started: "operating since March 2024" says when it opened
_SINCE_Q = re.compile(
    normalize_arabic(
        r"\bsince\b|(?<!\w)[و]?منذ(?!\w)|\b(?:start(?:s|ed)?|began|begins?|join(?:s|ed)?|founded|established|"
        r"launched|opened|become|became)\b|"
        r"(?<!\w)[وف]?(?:بدأ|بدأت|يبدأ|تبدأ|بدء|انضم|انضمت|ينضم|تنضم|انضمام|تأسس|تأسست|تأسيس|أسس|أسست|افتتح|"
        r"افتتحت|افتتاح|أطلق|أطلقت|إطلاق|أنشئ|أنشئت|إنشاء|تشغيل)(?!\w)"
    ),
    re.I,
)


def has_new_instance(qtype: str, question: str, text: str, language: str, kinds: tuple[str, ...] = ()) -> bool:
    """Like ``has_instance``, but a fact the question itself names does not count.

    "Who signed the EU grant?" is not answered by a headline whose only body is the EU.
    ``kinds`` narrows the span kinds looked for (("person",) for "who signed").
    """
    kinds = kinds or QTYPE_KINDS.get(qtype) or ()
    if not kinds:
        return True
    q_ids = {m.entity.id for m in gazetteer().find(question)}
    return any(
        not (
            _echoed(s, question, q_ids)
            or (s.kind == "date" and (_key(s.text) in _key(question) or _period_start(s, text, question)))
        )
        for k in kinds
        for s in find_spans(k, text, language)
    )


# --- choosing the span that answers ------------------------------------------------------------------
_QWORDS = frozenset(
    tokenize(
        "how many much number when date year month day time where place city which country countries organisation "
        "organization company percentage percent long who whom what "
        "متى كم عدد تاريخ عام سنة شهر يوم أين مكان مدينة أي دولة بلد نسبة مدة منظمة شركة جهة ما هو هي"
    )
)
_COUNT_CUE = re.compile(r"\bhow\s+(?:many|much)\b|\bnumber\s+of\b|(?<!\w)كم(?!\w)|(?<!\w)عدد(?!\w)", re.I)
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=8192)
def _stems(word: str) -> tuple[str, ...]:
    return tuple(tokenize(word))


def wanted_units(question: str) -> list[str]:
    """Unit keys the question asks about: the first one after "how many"/"كم عدد", else all it names."""
    nq = normalize_arabic(question)
    # the longest unit at a place: "square kilometres" before "kilometres"
    found = sorted((m.start(), m.start() - m.end(), k) for k, rx in tables().q_unit_res for m in rx.finditer(nq))
    hits = [(pos, k) for pos, _, k in found]
    cue = _COUNT_CUE.search(nq)
    after = [(pos, k) for pos, k in hits if cue and pos >= cue.end()]
    if after and cue and _names_counted(nq[cue.end() :]) and not _near(nq, cue.end(), after[0][0]):
        return []  # "كم مهندساً ... المركز": the counted noun is no unit; the later unit is not what is counted
    return [after[0][1]] if after else list(dict.fromkeys(k for _, k in hits))


def _names_counted(rest: str) -> bool:
    """Does a word follow the count cue ("كم مهندساً", also a verb: "كم تستطيع ... في يوم") rather than nothing,
    a number or a function word ("how many were trained")?"""
    words = _WORD.findall(rest.lower())
    words = words[1:] if words[:1] == ["عدد"] else words
    return bool(words) and words[0] not in _NOT_COUNTED and not words[0].isdigit()


def _near(text: str, a: int, b: int) -> bool:
    """The unit at b is what is counted after the cue ending at a: English adjectives come before the noun
    ("how many new Egyptian companies"), Arabic ones after it («كم عدد موظفي شركة»: employees, not companies)."""
    between = [w for w in _WORD.findall(text[a:b]) if w != "عدد"]
    return not between or (len(between) <= 2 and not _is_ar(text[a:b]))


#: words after "how many" that are not what is counted ("how many were trained")
_OF = frozenset(["of", "من"])
_NOT_COUNTED = frozenset(
    normalize_arabic(
        "were was are is did do does have has had will would can could of the times more كان كانت تم يتم سيتم "
        "من في هو هي مره مرات"
    ).split()
)


def _after_count_cue(question: str) -> tuple[list[str], bool] | None:
    """The words after "how many"/"كم (عدد)" as the question writes them (diacritics kept), and whether
    "عدد" was skipped; None when the question has no count cue. The cue is found on normalised text so
    that a diacritised «كَمْ» counts too."""
    norm, index = normalize_with_offsets(question)
    cue = _COUNT_CUE.search(norm)
    if cue is None:
        return None
    words = re.findall(r"[\w\u064B-\u0652'-]+", question[index[cue.end()] :])
    after_number_word = bool(words[:1]) and normalize_arabic(_MARK.sub("", words[0])) == "عدد"
    return (words[1:] if after_number_word else words), after_number_word or cue.group(0) == "عدد"


#: English plurals without an "s": the head of "how many ... women"
_EN_IRREGULAR_PLURALS = frozenset("people women men children staff personnel police youth media".split())


def _en_head(phrase: list[str]) -> str:
    """The noun an English "how many" phrase counts: its first plural ("Red Sea ports", "countries take part")."""
    for w in phrase:
        lw = w.lower()
        if lw in _EN_IRREGULAR_PLURALS or (lw.endswith("s") and not lw.endswith(("ss", "us", "is"))):
            return w
    return phrase[-1]


def _en_count_phrase(words: list[str]) -> list[str]:
    """The words naming what is counted, up to the head ("Rwandan engineers", not "countries take part")."""
    phrase: list[str] = []
    for w in words[:3]:
        lw = w.lower()
        # a verb ends the phrase ("how many women graduated"); "Red Sea ports" is no verb
        if lw in _NOT_COUNTED or (len(lw) > 4 and lw.endswith(("ed", "ing"))) or w.isdigit():
            break
        phrase.append(w)
    return phrase[: phrase.index(_en_head(phrase)) + 1] if phrase else phrase


def _ar_counts_a_noun(word: str, after_number_word: bool) -> bool:
    """After "كم" the counted noun is accusative («مهندساً», «دولةً»); a verb is no noun («كم دام», «كم تستطيع»).

    ``word`` is normalised (ta marbuta as «ه»)."""
    return len(word) > 3 and (after_number_word or word.endswith(("ا", "ه")))


def counted_noun(question: str) -> frozenset[str]:
    """Stems (and translations) of the noun the question counts after "how many"/"كم" (empty: none).

    Only the head noun: an Arabic count names it first and its construct or adjectives follow
    («كم عدد موظفي شركة ...» counts employees, not companies); an English one puts adjectives first
    ("Ethiopian merchants" counts merchants). A neighbour word would let "6,000 engineers in 40
    companies" answer a question about a company's employees.
    """
    got = _after_count_cue(question)
    if got is None or not got[0]:
        return frozenset()
    words = [normalize_arabic(_MARK.sub("", w)).lower() for w in got[0]]
    if words[0] in _NOT_COUNTED or words[0].isdigit():
        return frozenset()
    if _is_ar(words[0]):
        if not _ar_counts_a_noun(words[0], got[1]):
            return frozenset()
        head = words[0]
    else:
        phrase = _en_count_phrase(words)
        if not phrase:
            return frozenset()
        head = _en_head(phrase)
    stems = list(_stems(head))
    return frozenset(stems) | frozenset(gazetteer().translate_tokens(stems))


def counted_phrase(question: str, lang: str) -> str | None:
    """What the question counts, as it words it ("Rwandan engineers", «مهندس»), for a bare number's answer."""
    got = _after_count_cue(question)
    if got is None:
        return None
    words, after_number_word = got
    if lang == "ar":
        first = _MARK.sub("", words[0]) if words else ""
        if not _ar_counts_a_noun(normalize_arabic(first), after_number_word):
            return None
        return ar_count_form(re.sub(r"^ال|(?<=[^ا])ا$", "", first))
    return " ".join(_en_count_phrase(words)) or None


def ar_count_form(word: str) -> str:
    """An Arabic noun as a number counts it: the singular of a masculine sound plural or its construct
    («موظفي», «موظفين» -> «موظف»), when the stem confirms the suffix; any other word as written."""
    stem = normalize_arabic(_stems(word)[0]) if _stems(word) else ""
    norm = normalize_arabic(word)
    for suffix in ("ين", "ون", "ي"):
        if norm.endswith(suffix) and norm[: -len(suffix)] == stem and len(stem) >= 3:
            return word[: -len(suffix)]
    return word


def _clause_words(span: Span, text: str) -> list[str]:
    """The words of the span's clause: up to 80 characters each side, cut at clause punctuation."""
    before = re.split(r"[,.;:،؛()]", text[max(0, span.start - 80) : span.start])[-1]
    after = re.split(r"[,.;:،؛()]", text[span.end : span.end + 80])[0]
    return _WORD.findall(before) + _WORD.findall(after)


def _counts(span: Span, text: str, counted: frozenset[str]) -> bool:
    """A bare number counts the asked thing unless a different noun follows it.

    Accepted: the counted noun anywhere in the number's clause ("the number of jobs will reach
    5,000"), or a function word or nothing after it ("5,000 by 2026", "800 were trained").
    Rejected: another word right after it ("45 teams" for "how many women").
    """
    clause = _clause_words(span, text)
    after = re.split(r"[,.;:،؛()]", text[span.end : span.end + 80])[0]
    if any(same_noun(w, counted) for w in clause):
        return True
    nxt = [w for w in _WORD.findall(after) if normalize_arabic(w).lower() not in _OF][:1]
    return not nxt or nxt[0].isdigit() or _is_function_word(nxt[0])


def same_noun(word: str, counted: frozenset[str]) -> bool:
    """Is ``word`` the counted noun: its stem, a compound ending in it ("gigatons" for "tons"), or an
    Arabic plural or singular of it («مراحل» / «مرحلة», «ضيوف» / «ضيف», «تجار» / «تاجر»)?"""
    stems = _stems(word)
    if not stems:
        return False
    if set(stems) & counted:
        return True
    st = stems[0]
    if _is_ar(st):
        sk = _ar_root(st)
        return len(sk) >= 2 and any(_is_ar(c) and _ar_root(c) == sk for c in counted)
    return any(len(c) >= 3 and not _is_ar(c) and st.endswith(c) for c in counted)


@lru_cache(maxsize=8192)
def _ar_root(stem: str) -> str:
    """A stem's consonant frame: broken plurals differ from their singular only in long vowels, a doubled
    letter and the feminine ending (مرحل / مراحل, سكه / سكك, انواع / نوع -> مرحل, سك, نع)."""
    w = normalize_arabic(stem).lstrip("ا")
    w = re.sub(r"[هة]$", "", w)
    w = w[:1] + re.sub(r"[اوي]", "", w[1:])
    return re.sub(r"(.)\1+", r"\1", w)


def _counted_spans(text: str, counted: frozenset[str]) -> list[Span]:
    """Numbers the quantity reader leaves alone that count the asked noun: a number word ("five phases",
    «خمس مراحل») or a year-like numeral ("2000 guests"), when that noun follows it."""
    norm, index = normalize_with_offsets(text)
    found = _number_words(norm)
    found += [(m.start(), m.end(), float(m.group(0))) for m in re.finditer(r"(?<![\d.,])\d{4}(?![\d.,]\d)", norm)]
    out = []
    for a, b, value in found:
        nxt = _WORD.match(norm, b + 1) if norm[b : b + 1] == " " else None
        if nxt and same_noun(nxt.group(0), counted):
            sa, sb = index[a], index[b - 1] + 1
            out.append(Span("number", sa, sb, text[sa:sb], (value, None, None)))
    return out


def _is_function_word(word: str) -> bool:
    w = normalize_arabic(word).lower()
    return w in EN_STOP or w in AR_STOP or w in _NOT_COUNTED or not _stems(word)


def _cue_stems(question: str, wanted: list[str]) -> set[str]:
    """The question's content stems, their translations and the wanted units' forms in both languages."""
    own = [s for s in tokenize(question) if s not in _QWORDS and not s.isdigit()]
    stems = set(own) | set(gazetteer().translate_tokens(own))
    for u in wanted:
        for f in tables().units[u]["en_forms"] + tables().units[u]["ar_forms"]:
            stems.update(tokenize(f))
    return stems


def _echoed(span: Span, question: str, q_ids: set[str]) -> bool:
    """A span the question itself names ("Which country did Egypt sign with?" is not answered by Egypt)."""
    if span.kind in _ENTITY_KINDS and span.value in q_ids:
        return True
    return span.kind in ("person", "place", "company") and _key(span.text) in _key(question)


#: rates that releases give as a percentage, in both languages: a question about one is answered only by
#: a percentage in a clause that names it ("40% of transactions" is no interest rate)
RATE_WORDS = (
    ("interest", "فائده", "فوائد"),
    ("growth", "grow", "grew", "نمو", "نما", "ينمو"),  # "the sector grew by 16.3%" states its growth rate
    ("inflation", "تضخم"),
    ("unemployment", "بطاله"),
    ("penetration", "انتشار"),
    ("literacy", "اميه"),
    ("tax", "taxes", "ضريبه", "ضرائب"),
)


def _rate_stems(question: str) -> frozenset[str]:
    """Stems, in both languages, of the rate the question asks about ("interest rate", «سعر الفائدة»)."""
    if not re.search(
        r"\brates?\b|(?<!\w)[وفب]?(?:ال)?(?:سعر|اسعار|معدل|معدلات|نسبه)(?!\w)", normalize_arabic(question)
    ):
        return frozenset()
    asked = set(tokenize(question))
    return frozenset(
        st for forms in RATE_WORDS if asked & {t for f in forms for t in _stems(f)} for f in forms for st in _stems(f)
    )


def _about(span: Span, text: str, stems: frozenset[str]) -> bool:
    """Does the span's clause name one of ``stems``?"""
    return any(set(_stems(w)) & stems for w in _clause_words(span, text))


#: kinds of money that releases keep apart: an amount answers a question about one only when its clause
#: names that kind or none ("What salary will it pay?" is not answered by "an investment of USD 12 million",
#: nor an investment by «حجم التبادل التجاري ... 85 مليون دولار»). English stems (exact: "important" stems
#: to "import"); Arabic word beginnings once a clitic and the article are taken off («باستثمارات»)
MONEY_KINDS = (
    (
        ("invest", "investor", "cost", "budget", "spend", "spent"),
        ("استثمار", "تكلف", "تكاليف", "كلف", "ميزاني", "موازن"),
    ),
    (("salari", "wage"), ("راتب", "رواتب", "اجور")),
    (("grant",), ("منح",)),
    (("loan",), ("قرض", "قروض")),
    (("trade", "export"), ("تبادل", "صادرات", "واردات")),
    (("revenu", "turnov"), ("ايراد", "مبيعات")),
    (("contribut",), ("اسهام", "مساهم", "يسهم", "تسهم", "يساهم", "تساهم")),
)
_AR_CLITICS = re.compile(r"^[وف]?(?:لل|[بلك]?ال|[بلك])?")


def _money_kinds(words: Iterable[str]) -> set[int]:
    found = set()
    for w in words:
        norm = normalize_arabic(w)
        if _is_ar(norm):
            bare = [norm, _AR_CLITICS.sub("", norm)]
            found |= {i for i, (_, ar) in enumerate(MONEY_KINDS) if any(b.startswith(ar) for b in bare)}
        else:
            st = set(_stems(w))
            found |= {i for i, (en, _) in enumerate(MONEY_KINDS) if st & set(en)}
    return found


def names_money_kind(question: str) -> bool:
    """Does the question ask about a kind of money that releases keep apart (MONEY_KINDS)?"""
    return bool(_money_kinds(_WORD.findall(question)))


def _money_fits(span: Span, text: str, asked: set[int]) -> bool:
    """The amount's clause names one of the asked kinds of money, or no kind at all."""
    named = _money_kinds(_clause_words(span, text))
    # (a contribution stays its own kind: "How much will the ministry contribute?" is not answered by
    # the EU's grant in the same release; news dev 3)
    return not named or bool(named & asked)


#: units that count people (see _candidates)
PEOPLE_UNITS = frozenset(
    "person trainee student youth graduate participant expert engineer employee woman citizen merchant".split()
)


def _candidates(qtype: str, question: str, text: str, tlang: str) -> tuple[list[Span], list[str]]:
    kinds = QTYPE_KINDS[qtype]
    units = tables().units
    # a unit the question names only steers quantities of the asked kind ("How long is the programme?"
    # names no duration unit); "for how many years" counts a duration, so a count may ask for any unit
    wanted = [u for u in wanted_units(question) if units[u]["kind"] in kinds or qtype == "count"]
    wanted = wanted if any(k in _NUMERIC for k in kinds) else []
    extra = tuple(units[u]["kind"] for u in wanted)
    spans = [s for k in dict.fromkeys(kinds + extra) for s in find_spans(k, text, tlang)]
    # a bare number counts what the question counts when that follows it ("800 engineers" is no answer
    # to "how many employees"); compared in the question's language only (no glossary for every noun)
    counted = counted_noun(question) if detect_language(question) == tlang else frozenset()
    counted |= frozenset(st for u in wanted for f in units[u]["en_forms"] + units[u]["ar_forms"] for st in _stems(f))
    if wanted:
        exact = [s for s in spans if s.value[1] in wanted]
        # "how many jobs" is not answered by "17 companies", but may be by a bare "5,000" in a sentence
        # about jobs ("up from 1.1 million in 2022" counts the parcels named before it); people are the
        # nouns a count most often leaves out ("the plague killed 30 to 50 thousand in Algiers", "the
        # programme will train 5,000 in AI")
        names_it = bool(PEOPLE_UNITS & set(wanted)) or any(same_noun(w, counted) for w in _WORD.findall(text))
        bare = [s for s in spans if s.kind in kinds and s.value[1] is None and _counts(s, text, counted)]
        spans = exact or (bare if names_it else [])
    elif qtype == "count" and counted_noun(question):
        # "how many merchants" (no unit of the table) is not answered by "two countries" or "45 teams"
        spans = [s for s in spans if s.value[1] is None and (not counted or _counts(s, text, counted))]
        taken = [(s.start, s.end) for s in spans]
        spans += [s for s in _counted_spans(text, counted) if counted and _free(taken, s.start, s.end)]
    if qtype == "percent" and (rate := _rate_stems(question)):
        spans = [s for s in spans if _about(s, text, rate)]
    if qtype == "amount" and (money := _money_kinds(_WORD.findall(question))):
        spans = [s for s in spans if s.kind != "amount" or _money_fits(s, text, money)]
    q_ids = {m.entity.id for m in gazetteer().find(question)}
    q_ids |= {tables().place_of[_key(m.group("n"))] for m in tables().place_re.finditer(normalize_arabic(question))}
    spans = [s for s in spans if not (_echoed(s, question, q_ids) or _period_start(s, text, question))]
    if any(s.value != HOME for s in spans if s.kind in _ENTITY_KINDS):
        spans = [s for s in spans if not (s.kind in _ENTITY_KINDS and s.value == HOME)]  # Egypt is the home side
    if qtype == "where" and any(_is_city(s) for s in spans):
        # "in Baku, Azerbaijan": the city is the exact answer; a region is often part of a name ("Africa ICT Forum")
        spans = [s for s in spans if _is_city(s)]
    return spans, wanted


def names_signatories(text: str, question: str) -> bool:
    """Does ``text`` name someone signing (after a signing verb, not a speaker) whom the question does not?"""
    return any(p.part == "signatory" and _key(p.name) not in _key(question) for p in extract_people(text))


def has_new_city(question: str, text: str, language: str) -> bool:
    """Does ``text`` name a city the question does not ("Where was it signed?" wants the city)?"""
    return any(_is_city(s) and _key(s.text) not in _key(question) for s in find_spans("place", text, language))


def _is_city(span: Span) -> bool:
    return span.kind == "place" and not (isinstance(span.value, str) and span.value in gazetteer().by_id)


def _cues(question: str, wanted: list[str], text: str) -> list[tuple[int, int, str]]:
    """Where the question's words (or their translations) and its named entities occur in ``text``."""
    stems = _cue_stems(question, wanted)
    cues = [(m.start(), m.end(), st) for m in _WORD.finditer(text) for st in _stems(m.group(0)) if st in stems]
    q_ids = {m.entity.id for m in gazetteer().find(question)}
    # "Azerbaijan" in the question finds "الأذربيجاني" in the text, which stems never would
    cues += [(m.start, m.end, f"entity:{m.entity.id}") for m in gazetteer().find(text) if m.entity.id in q_ids]
    return cues


def _weight(cue: str) -> float:
    # a partner named in the question ("on behalf of Azerbaijan") is its most specific word
    return 3.0 if cue.startswith("entity:") else 1.0


def best_span(
    qtype: str, question: str, qlang: str, text: str, tlang: str, after: str | None = None, before: str | None = None
) -> Span | None:
    """The span of the asked kind that best answers ``question`` in ``text``, or None when none fits.

    Ranking: closeness to the question's content words (in either language) summed
    over those words, then the kind's order in QTYPE_KINDS, then text order.
    ``after``: an ISO date; only dates later than it answer (a year or month holding it counts);
    ``before``: only dates not later than it.
    """
    if qtype not in QTYPE_KINDS:
        return None
    spans, wanted = _candidates(qtype, question, text, tlang)
    if after:
        spans = [s for s in spans if s.kind != "date" or later_than(s.value, after)]
    if before:
        spans = [s for s in spans if s.kind != "date" or not after_all(s.value, before)]
    if not spans:
        return None
    cues = _cues(question, wanted, text)
    order = {k: i for i, k in enumerate(QTYPE_KINDS[qtype])}

    def closeness(s: Span) -> float:
        nearest: dict[str, int] = {}
        for a, b, st in cues:
            d = max(a - s.end, s.start - b, 0)
            nearest[st] = min(d, nearest.get(st, d))
        return sum(_weight(st) / (1.0 + d / 12.0) for st, d in nearest.items())

    return max(spans, key=lambda s: (round(closeness(s), 6), -order.get(s.kind, 9), -s.start))


_ISO = re.compile(r"\d{4}(?:-\d\d){0,2}")


def later_than(value: object, iso: str) -> bool:
    """Is the ISO date ``value`` ("2026", "2026-01", "2026-01-15") after ``iso``? A coarser date that
    holds ``iso`` counts ("later in 2025" in a release of 16 November 2025); other values do not."""
    if not isinstance(value, str) or not _ISO.fullmatch(value):
        return False
    head = iso[: len(value)]
    return value > head or (value == head and len(value) < len(iso))


def after_all(value: object, iso: str) -> bool:
    """Is the ISO date ``value`` wholly after ``iso`` (a year holding it is not)? Other values: no."""
    if not isinstance(value, str) or not _ISO.fullmatch(value):
        return False
    return value > iso[: len(value)]


# --- rendering in the asker's language -------------------------------------------------------------
def _echo(text: str) -> str:
    return " ".join(text.translate(_TO_ASCII).split())


def _render_date(value: str, lang: str) -> str:
    parts = value.split("-")
    if len(parts) == 1:
        return parts[0]
    month = (AR_MONTH_NAMES if lang == "ar" else EN_MONTH_NAMES)[int(parts[1]) - 1]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{int(parts[2])} {month} {parts[0]}"


def _fmt(x: float, lang: str) -> str:
    if x == int(x):
        return f"{int(x):,}" if lang == "en" else str(int(x))
    return (f"{x:,.3f}" if lang == "en" else f"{x:.3f}").rstrip("0").rstrip(".")


def _render_quantity_en(n: float, unit: str | None, scale: str | None) -> str:
    if scale == "thousand":  # English writes "5,000 jobs", not "5 thousand jobs"
        n, scale = n * 1000, None
    body = _fmt(n, "en") + (f" {tables().scales[scale]['en']}" if scale else "")
    u = tables().units.get(unit or "")
    if not u:
        return body
    if u["kind"] == "percent":
        return body + "%"
    if u["kind"] == "amount" and u.get("symbol"):
        return u["symbol"] + body
    if u["kind"] == "amount" and u.get("code"):
        return f"{u['code']} {body}"
    return f"{body} {u['en'] if n == 1 and not scale else u['en_pl']}"


def _render_quantity_ar(n: float, unit: str | None, scale: str | None) -> str:
    # Arabic counting: 3-10 take the plural, other numbers the singular; a scale word carries the plural
    plural = n == int(n) and 3 <= n <= 10
    u = tables().units.get(unit or "")
    if u and not scale and n == 2 and u.get("ar_dual"):
        return str(u["ar_dual"])
    words = [_fmt(n, "ar")]
    if scale:
        words.append(tables().scales[scale]["ar_pl" if plural else "ar"])
    if u and u["kind"] == "percent":
        return " ".join(words) + "%"
    if u:
        words.append(u["ar_pl"] if plural and not scale else u["ar"])
    return " ".join(words)


def _render_person(name: str, lang: str, twin_text: str | None) -> str:
    if detect_language(name) == lang or not twin_text:
        return name
    return twin_name(name, twin_text) or name  # never a guessed transliteration


def render(span: Span, lang: str, twin_text: str | None = None) -> str:
    """The span said in ``lang`` ("ar" or "en"); same-language quantities echo the source wording."""
    lang = "ar" if lang == "ar" else "en"
    if span.kind == "date":
        return _render_date(span.value, lang)
    if span.kind in _NUMERIC:
        if detect_language(span.text) == lang:
            return _echo(span.text)
        n, unit, scale = span.value
        body = (_render_quantity_ar if lang == "ar" else _render_quantity_en)(n, unit, scale)
        return f"{tables().qualifiers[span.qualifier][lang]} {body}" if span.qualifier else body
    if span.kind == "person":
        return _render_person(span.text, lang, twin_text)
    entity = gazetteer().by_id.get(span.value) if isinstance(span.value, str) else None
    if entity is not None:
        return entity.name(lang)
    place = tables().places.get(span.value) if isinstance(span.value, str) else None
    return str(place[lang]) if place else _echo(span.text)


def short_answer(qtype: str, rendered: str, lang: str) -> str:
    """The opening phrase of a typed answer, without a citation marker."""
    if qtype == "when":
        if re.fullmatch(r"\d{4}", rendered):
            return f"في عام {rendered}" if lang == "ar" else f"In {rendered}"
        if re.match(r"\d{1,2}\s", rendered):
            return f"في {rendered}" if lang == "ar" else f"On {rendered}"
        return f"في {rendered}" if lang == "ar" else f"In {rendered}"
    if lang != "ar" and rendered[:1].islower():
        return rendered[0].upper() + rendered[1:]  # "more than 5,000 jobs" opens a sentence
    return rendered


# --- the same person in the document's translation -----------------------------------------------
_AR_SKELETON = str.maketrans(
    {
        **dict.fromkeys("اأإآءئؤعويىة", ""),
        **{"ب": "b", "ت": "t", "ث": "t", "ج": "j", "ح": "h", "خ": "k", "د": "d", "ذ": "z", "ر": "r", "ز": "z"},
        **{"س": "s", "ش": "s", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "غ": "j", "ف": "f", "ق": "k", "ك": "k"},
        **{"ل": "l", "م": "m", "ن": "n", "ه": "h", "پ": "b", "چ": "s", "ڤ": "f", "گ": "j"},
    }
)
_LATIN_DIGRAPHS = (("sh", "s"), ("kh", "k"), ("th", "t"), ("dh", "z"), ("gh", "j"), ("ch", "s"), ("ph", "f"))


def _skeleton(word: str) -> str:
    """Consonants in a script-neutral alphabet: "Nabiyev" and "نابييف" both give "nbf"."""
    if _is_ar(word):
        s = normalize_arabic(word).translate(_AR_SKELETON)
    else:
        s = word.lower()
        for a, b in _LATIN_DIGRAPHS:
            s = s.replace(a, b)
        s = s.translate(str.maketrans("vqcgpx", "fkkjbk"))
        s = re.sub(r"[aeiouyw'’\-\s.]", "", s)
    return re.sub(r"(.)\1+", r"\1", re.sub(r"[^a-z]", "", s))


def _names_match(a: list[str], b: list[str]) -> float:
    sa, sb = [_skeleton(w) for w in a], [_skeleton(w) for w in b]
    if not all(sa) or not all(sb):
        return 0.0
    scores = [SequenceMatcher(None, x, y).ratio() for x, y in zip(sa, sb, strict=True)]
    return min(scores)


def twin_name(name: str, twin_text: str, threshold: float = 0.75) -> str | None:
    """The spelling of ``name`` in its translation ``twin_text``: same word count, matching consonants."""
    words = name.split()
    to_ar = not _is_ar(name)
    pattern = r"[\u0621-\u064A]+" if to_ar else r"[A-Z][\w'’-]*"
    tokens = list(re.finditer(pattern, twin_text))
    best: tuple[float, str | None] = (threshold, None)
    for i in range(len(tokens) - len(words) + 1):
        window = tokens[i : i + len(words)]
        if any(twin_text[x.end() : y.start()].strip() for x, y in pairwise(window)):
            continue  # the words of a name are adjacent
        cand = [w.group(0) for w in window]
        if to_ar and len(cand[0]) > 3 and cand[0][0] in "وبل":
            cand[0] = cand[0][1:]  # "ورشاد" is "و" + "رشاد"
        score = _names_match(words, cand)
        if score >= best[0]:
            start = window[0].start() + (len(window[0].group(0)) - len(cand[0]))
            best = (score, twin_text[start : window[-1].end()])
    return best[1]


def render_iso(value: str, lang: str) -> str:
    """An ISO date ("2024", "2024-06", "2024-06-12") in ``lang``'s words, as record summaries show it."""
    return _render_date(value, lang)
