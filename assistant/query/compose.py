"""The answer's own words: a short typed answer per question part, then the supporting quote.

Everything outside quotation marks is written in the asker's language: typed
values (dates, amounts, counts, partners) are rendered through bilingual tables
(assistant.query.spans), and when the evidence is only in the other language and
no typed value applies, a summary in the asker's language is built from what was
extracted from the cited sentence (its register record, or the partners, dates
and amounts it names). Only markers that this module writes become citations.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.core.gazetteer import HOME, gazetteer
from assistant.query import spans
from assistant.query.evidence import PartChoice, Selection
from assistant.query.features import Candidate
from assistant.query.question import asks_future, asks_past
from assistant.query.spans import Span

LANGUAGE_NAMES = {"en": {"ar": "Arabic", "en": "English"}, "ar": {"ar": "العربية", "en": "الإنجليزية"}}
TYPE_WORDS = {
    "en": {
        "mou": "a memorandum of understanding",
        "agreement": "an agreement",
        "meeting": "a meeting",
        "initiative": "an initiative",
        "mous": "memoranda of understanding",
        "agreements": "agreements",
        "meetings": "meetings",
        "initiatives": "initiatives",
    },
    "ar": {
        "mou": "مذكرة تفاهم",
        "agreement": "اتفاقية",
        "meeting": "اجتماعًا",
        "initiative": "مبادرة",
        "mous": "مذكرات تفاهم",
        "agreements": "اتفاقيات",
        "meetings": "اجتماعات",
        "initiatives": "مبادرات",
    },
}
#: kinds of value worth naming when summarising a foreign sentence, in reading order
SUMMARY_KINDS = ("date", "amount", "number", "percent")

RecordsOf = Callable[[str], Sequence[dict[str, Any]]]


@dataclass
class Composed:
    lead: str  # the answer's own words (short answers, part notes, summary), with markers
    short: str | None  # the short answer alone, without markers (None when no typed value was found)


def _marker(sel: Selection, c: Candidate) -> str:
    return f"[{sel.numbers[c.key]}]"


def short_for(pc: PartChoice, lang: str, twin_text: str | None, text: str | None = None) -> str | None:
    """The part's typed value in the asker's language ("In June 2024", "5,000 jobs"), or None.

    ``text`` is the whole cited sentence when the chosen clause was completed with the rest of it.
    """
    c = pc.candidate
    if c is None or pc.qtype is None:
        return None
    text = text or c.text
    # "When will it open?": the date after the release's own, as the evidence was chosen
    # ... and "when was it signed?" a date not after it
    when = pc.qtype == "when" and bool(c.hit.doc.published)
    after = c.hit.doc.published if when and asks_future(pc.part.text) else None
    before = c.hit.doc.published if when and asks_past(pc.part.text) else None
    span = spans.best_span(pc.qtype, pc.part.text, lang, text, c.language, after=after, before=before)
    if span is None:
        return None
    if span.kind == "person":
        return _people(pc, span, lang, twin_text, text)
    rendered = spans.render(span, lang, twin_text)
    if not rendered or (pc.qtype in _VALUE_TYPES and _foreign_script(rendered, lang)):
        return None  # a value the tables could not carry into the asker's language is left to the quote
    if _foreign_script(rendered, lang):  # a place or body the gazetteer lacks ("Almaty") is quoted as written
        return spans.short_answer(pc.qtype, _name(rendered, lang), lang)
    if pc.qtype == "count" and span.value[1] is None and (noun := spans.counted_phrase(pc.part.text, lang)):
        if c.language != lang:
            return None  # what a bare number counts cannot be checked across languages: the summary says it
        rendered = f"{rendered} {noun}"  # "800 engineers": best_span checked the noun after the number
    return spans.short_answer(pc.qtype, rendered, lang)


#: types whose short answer is a value (not a name, which keeps its original script)
_VALUE_TYPES = frozenset({"when", "count", "amount", "percent", "duration"})


def _foreign_script(text: str, lang: str) -> bool:
    arabic = any("\u0600" <= ch <= "\u06ff" for ch in text)
    latin = any("a" <= ch.lower() <= "z" for ch in text)
    return arabic if lang == "en" else latin


def _people(pc: PartChoice, first: Span, lang: str, twin_text: str | None, text: str) -> str:
    """The person asked about; for "who signed", every signatory the sentence names, in its order."""
    assert pc.candidate is not None
    chosen = [first]
    if spans.SIGNING.search(pc.part.text):
        people = spans.find_spans("person", text, pc.candidate.language)
        # people "in the presence of" a signing witnessed it; they did not sign (the cue sits between
        # the previous name and this one, before the person's title)
        ends = [0, *(p.end for p in people)]
        signers = [
            p for p, e in zip(people, ends, strict=False) if not _PRESENCE.search(text, max(e, p.start - 60), p.start)
        ]
        chosen = signers[:3] or chosen
    names = list(dict.fromkeys(n for n in (spans.render(s, lang, twin_text) for s in chosen) if n))
    foreign = [n for n in names if _foreign_script(n, lang)]
    if len(foreign) > 1 and len(foreign) == len(names):  # one lead-in for several names left in their script
        quoted = _join([f"“{n}”" if lang == "en" else f"«{n}»" for n in names], lang)
        return f"Named in the source as {quoted}" if lang == "en" else f"وردت الأسماء في المصدر: {quoted}"
    joined = _join([_name(n, lang) for n in names], lang)
    return joined[0].upper() + joined[1:] if joined and lang == "en" else joined


_PRESENCE = re.compile(r"بحضور|في حضور|وبحضور|presence of|witnessed by|attended by", re.IGNORECASE)


def _name(name: str, lang: str) -> str:
    """A name left in the other script is quoted as written (it is the source's, not a transliteration)."""
    if not _foreign_script(name, lang):
        return name
    return f"named in the source as “{name}”" if lang == "en" else f"ورد الاسم في المصدر: «{name}»"


#: what an unanswered part asked, in each language ("The sources do not say when.")
ASKED = {
    "en": {
        "when": "when",
        "count": "how many",
        "amount": "how much",
        "percent": "what share",
        "who": "who",
        "where": "where",
        "duration": "for how long",
    },
    "ar": {
        "when": "متى",
        "count": "العدد",
        "amount": "المبلغ",
        "percent": "النسبة",
        "who": "من",
        "where": "المكان",
        "duration": "المدة",
    },
}


def _unanswered(pc: PartChoice, lang: str) -> str:
    asked = ASKED["ar" if lang == "ar" else "en"].get(pc.qtype or "")
    if asked:
        return f"لا تذكر المصادر {asked}." if lang == "ar" else f"The sources do not say {asked}."
    part = pc.part.text.strip().rstrip("?؟").strip()
    return f"لا تذكر المصادر: «{part}»." if lang == "ar" else f"The sources do not say: “{part}”."


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    sep, last = ("، ", " و") if lang == "ar" else (", ", " and ")
    return sep.join(items[:-1]) + last + items[-1]


def _record_summary(rec: dict[str, Any], lang: str) -> str:
    partners = [p["ar"] if lang == "ar" else p["en"] for p in rec["partners"] if p.get("id") != HOME]
    kind = TYPE_WORDS["ar" if lang == "ar" else "en"].get(rec["type"], "")
    topics = [_topic(t, lang) for t in rec.get("topics", [])[:3]]
    date = spans.render_iso(rec["date"], lang) if rec.get("date") else None
    if lang == "ar":
        text = f"{kind} بين مصر و{_join(partners, lang)}" if partners else kind
        text += f" في {date}" if date else ""
        return text + (f" في مجالات {_join(topics, lang)}" if topics else "")
    text = f"{kind} between Egypt and {_join(partners, lang)}" if partners else kind
    text += f" {'on' if date and date[:1].isdigit() else 'in'} {date}" if date else ""  # on 10 July 2023, in July 2023
    return text + (f" on {_join(topics, lang)}" if topics else "")


def _topic(term: str, lang: str) -> str:
    if lang != "ar":
        return term
    for en, ar in gazetteer().terms:
        if term in en and ar:
            return ar[0]
    return term


def _mentions(c: Candidate, lang: str) -> list[str]:
    """Partners, dates and amounts the sentence names, rendered in the asker's language."""
    names = [m.entity.name(lang) for m in gazetteer().find(c.text) if m.entity.id != HOME]
    values = [spans.render(s, lang) for kind in SUMMARY_KINDS for s in spans.find_spans(kind, c.text, c.language)]
    return list(dict.fromkeys(x for x in [*names, *values] if x))[:6]


def summary_for(c: Candidate, mark: str, lang: str, records_of: RecordsOf | None) -> str:
    """What a foreign-language sentence reports, in the asker's words."""
    source = LANGUAGE_NAMES["ar" if lang == "ar" else "en"][c.language]
    recs = [r for r in (records_of(c.hit.doc.doc_id) if records_of else []) if _overlaps(r, c)]
    ar = lang == "ar"
    if recs:
        what = _record_summary(_together(recs), lang)
        return f"يذكر المصدر ({source}) {what} {mark}." if ar else f"The {source} source reports {what} {mark}."
    named = _mentions(c, lang)
    if named:
        listed = _join(named, lang)
        return f"يذكر المصدر ({source}) {listed} {mark}:" if ar else f"The {source} source names {listed} {mark}:"
    return f"أقرب مقطع في المصادر ({source}) {mark}:" if ar else f"The closest passage is in {source} {mark}:"


def _together(recs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One sentence often reports one kind of instrument with several partners: say it once, with all."""
    first = recs[0]
    same = [r for r in recs if r["type"] == first["type"]]
    partners = list({p["id"]: p for r in same for p in r["partners"]}.values())
    kind = first["type"] if len(same) == 1 else f"{first['type']}s"
    return {**first, "type": kind, "partners": partners}


def _overlaps(rec: dict[str, Any], c: Candidate) -> bool:
    return any(ev["start"] < c.end and c.start < ev["end"] for ev in rec.get("evidence", []))


def compose(
    sel: Selection, lang: str, twin_of: Callable[[str], str | None], records_of: RecordsOf | None = None
) -> Composed:
    """The lead of the answer: one short answer per answered part, a note per unanswered part."""
    lines: list[str] = []
    shorts: list[str] = []
    for pc in sel.parts:
        c = pc.candidate
        if c is None:
            lines.append(_unanswered(pc, lang))
            continue
        cited = " ".join(e.text for e in sel.evidence if e.n == sel.numbers[c.key])
        if pc.qtype is None and pc.part.types:
            # the clause chosen did not hold the asked fact, but the rest of its sentence may
            pc = dataclasses.replace(pc, qtype=sorted(pc.part.types)[0])
        short = short_for(pc, lang, twin_of(c.hit.doc.doc_id), cited)
        if short:
            shorts.append(short)
            lines.append(f"{short} {_marker(sel, c)}.")
    if not shorts and sel.other_language and sel.parts and sel.parts[0].candidate is not None:
        c = sel.parts[0].candidate
        lines.append(summary_for(c, _marker(sel, c), lang, records_of))
    return Composed(" ".join(lines), "; ".join(shorts) or None)
