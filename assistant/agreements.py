"""The agreements register: querying it, and answering list questions from it with one citation per item."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from assistant.catalog import Catalog
from assistant.gazetteer import gazetteer
from assistant.protocols import Evidence

TYPES = ("mou", "agreement", "meeting", "initiative")
TYPE_LABELS = {
    "en": {
        "mou": "Memorandum of understanding",
        "agreement": "Agreement",
        "meeting": "Meeting",
        "initiative": "Initiative",
    },
    "ar": {"mou": "مذكرة تفاهم", "agreement": "اتفاقية", "meeting": "اجتماع", "initiative": "مبادرة"},
}


def partner_name(p: dict[str, Any], language: str) -> str:
    """The canonical name in ``language``, with the source's own wording when it differs (غينيا (غينيا كوناكري))."""
    from assistant.text import normalize_arabic

    name = p["ar"] if language == "ar" else p["en"]
    raw = p.get("as_written") or ""
    if language != "ar" or not raw:
        return name
    n = normalize_arabic(name)
    # a leading clitic (و ف ب ل ك) may or may not be part of the word: فلسطين is not ف + لسطين
    forms = [raw] + ([raw[1:]] if raw[0] in "وفبلك" and len(raw) > 4 else [])
    for form in forms:
        w = normalize_arabic(form)
        # the name itself, or its adjective (الفلسطينية, المصري), says nothing the name does not
        stem = re.sub(r"(يه|ي|يون|يين)$", "", re.sub(r"^ال", "", w))
        if w in (n, "ال" + n) or stem in (n, re.sub(r"^ال", "", n)):
            return name
    shown = forms[-1] if n in normalize_arabic(forms[-1]) else raw
    return f"{name} ({shown})"


def query_records(
    catalog: Catalog,
    country: str | None = None,
    type: str | None = None,
    since: int | None = None,
    until: int | None = None,
) -> list[dict[str, Any]]:
    """Register records filtered by partner (id, English or Arabic name), type and year range."""
    rows = catalog.records()
    if country:
        ent = gazetteer().lookup(country)
        if ent is None:
            needle = country.strip().lower()
            rows = [r for r in rows if any(needle in p["en"].lower() or needle in p["ar"] for p in r["partners"])]
        else:
            rows = [r for r in rows if any(p["id"] == ent.id for p in r["partners"])]
    if type:
        rows = [r for r in rows if r["type"] == type]
    if since is not None:
        rows = [r for r in rows if any(y >= since for y in r.get("years") or [])]
    if until is not None:
        rows = [r for r in rows if any(y <= until for y in r.get("years") or [])]
    return sorted(rows, key=lambda r: (TYPES.index(r["type"]), r["partners"][0]["en"], r["doc_id"]))


def render_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no records\n"
    out = []
    for r in rows:
        partners = ", ".join(f"{p['en']} ({p['ar']})" for p in r["partners"])
        people = "; ".join(f"{p['name']} ({p['role'] or p['part']})" for p in r["people"])
        out.append(f"{r['type']:10s} {partners:40s} {r.get('date') or '-':10s} {', '.join(r['topics'][:4])}")
        if people:
            out.append(f"{'':10s} people: {people}")
        for ev in r["evidence"][:2]:
            out.append(f"{'':10s} [{r['doc_id']} {ev['start']}-{ev['end']}] {ev['text'][:140]}")
    return "\n".join(out) + "\n"


def to_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        [
            "type",
            "partner_en",
            "partner_ar",
            "date",
            "years",
            "people",
            "topics",
            "document",
            "start",
            "end",
            "evidence",
        ]
    )
    for r in rows:
        for p in r["partners"]:
            ev = r["evidence"][0]
            w.writerow(
                [
                    r["type"],
                    p["en"],
                    p["ar"],
                    r.get("date") or "",
                    " ".join(map(str, r.get("years") or [])),
                    "; ".join(f"{x['name']} ({x['role'] or x['part']})" for x in r["people"]),
                    "; ".join(r["topics"]),
                    r["doc_id"],
                    ev["start"],
                    ev["end"],
                    ev["text"],
                ]
            )
    return buf.getvalue()


# --- list questions -------------------------------------------------------------------------
_LIST = re.compile(
    r"\bwhich\b|\bwhat (?:are|were) the\b|\blist\b|\ball (?:the )?\b|\bwith whom\b|\bwhich countries\b|"
    r"ما هي|ما هى|ماهي|ما الدول|أي الدول|اي الدول|ما الاتفاقيات|ما مذكرات|قائمة|مع من|مع أي",
    re.I,
)
# Plural instrument words: "which MoUs ...", "ما هي مذكرات التفاهم" (a question about *the* MoU is not a list question).
_TYPE_WORDS = {
    "mou": re.compile(r"\bmous\b|\bmemoranda\b|مذكرات", re.I),
    "agreement": re.compile(r"\bagreements\b|\btreaties\b|اتفاقيات", re.I),
    "meeting": re.compile(r"\bmeetings\b|اجتماعات|لقاءات", re.I),
    "initiative": re.compile(r"\binitiatives\b|مبادرات", re.I),
}
_WITH_WHOM = re.compile(
    r"\bwhich countries\b|\bwith whom\b|\bwhat countries\b|أي الدول|ما الدول|ما هي الدول|مع من|مع أي", re.I
)
_SINGULAR = {
    "mou": re.compile(r"\bmou\b|\bmemorandum\b|مذكرة", re.I),
    "agreement": re.compile(r"\bagreement\b|اتفاقية|اتفاق\b", re.I),
}


def list_intent(question: str) -> tuple[list[str], str | None] | None:
    """(record types, partner id or None) when the question asks for a list the register can answer."""
    from assistant.answer import question_types

    if not _LIST.search(question) or question_types(question) & {"when", "amount", "count"}:
        return None
    types = [t for t, p in _TYPE_WORDS.items() if p.search(question)]
    if not types and _WITH_WHOM.search(question):
        types = [t for t, p in _SINGULAR.items() if p.search(question)]
    if not types:
        return None
    # Regions qualify ("African countries") rather than name a partner.
    partners = [m.entity.id for m in gazetteer().find(question) if m.entity.id != "EG" and m.entity.kind != "region"]
    return types, (partners[0] if partners else None)


def register_answer(
    catalog: Catalog, question: str, language: str, allowed_docs: set[str] | None = None
) -> tuple[str, list[Evidence]] | None:
    """Answer a list question from the register: every matching record, each with its own citation."""
    intent = list_intent(question)
    if intent is None:
        return None
    types, partner = intent
    rows = [
        r for r in catalog.records() if r["type"] in types and (allowed_docs is None or r["doc_id"] in allowed_docs)
    ]
    if partner:
        rows = [r for r in rows if any(p["id"] == partner for p in r["partners"])]
    if not rows:
        return None
    evidence: list[Evidence] = []
    lines: list[str] = []
    by_evidence: dict[tuple[str, int, int], int] = {}
    docs = {d.doc_id: d for d in catalog.documents()}
    for r in sorted(rows, key=lambda r: (TYPES.index(r["type"]), r["partners"][0]["en"])):
        ev = r["evidence"][0]
        key = (r["doc_id"], ev["start"], ev["end"])
        if key not in by_evidence:
            by_evidence[key] = len(by_evidence) + 1
            doc = docs.get(r["doc_id"])
            evidence.append(
                Evidence(
                    by_evidence[key],
                    "",
                    r["doc_id"],
                    doc.language if doc else r["language"],
                    ev["start"],
                    ev["end"],
                    ev["text"],
                    1.0,
                )
            )
        n = by_evidence[key]
        partner_names = ", ".join(partner_name(p, language) for p in r["partners"])
        label = TYPE_LABELS[language if language in TYPE_LABELS else "en"][r["type"]]
        details = []
        if r.get("date"):
            details.append(r["date"])
        if r["topics"] and language == "en":
            details.append(", ".join(r["topics"][:3]))
        extra = f" ({'; '.join(details)})" if details else ""
        lines.append(f"- {label}: {partner_names}{extra} [{n}]")
    head = {
        "en": f"The register lists {len(rows)} matching records:",
        "ar": f"يضم السجل {len(rows)} من السجلات المطابقة:",
    }
    return head["ar" if language == "ar" else "en"] + "\n" + "\n".join(lines), evidence
