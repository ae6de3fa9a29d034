"""Extract the agreements register at ingest time: MoUs, agreements, meetings and initiatives.

Rules, not a model: a record needs a cue for its type *and* a named partner
(country, organisation, company, regulator or region from the gazetteer) in the
same sentence, so every record has evidence. Dates, people (with roles) and topics
are read from the evidence sentences; topics come from the bilingual vocabulary.
A record without a date of its own takes the release's publication date (or its
dateline), and names the Egyptian body that is party to it (MCIT, NTRA, ITIDA,
Egypt Post) when the release says.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from assistant.core.catalog import DocRecord
from assistant.core.dates import extract_dates
from assistant.core.gazetteer import HOME, Entity, Mention, gazetteer
from assistant.core.people import Person, extract_people
from assistant.core.text import normalize_arabic, sentence_spans, tokenize
from ingest.clean import clean

_W = r"(?<![\w])"  # word start (Arabic clitics are allowed explicitly where they occur)
TYPE_CUES: dict[str, re.Pattern[str]] = {
    "mou": re.compile(
        r"مذكر[ةه]\s*(?:ال)?تفاهم|مذكرات\s*(?:ال)?تفاهم|\bmemorand(?:um|a) of understanding\b|\bMoUs?\b", re.I
    ),
    "agreement": re.compile(
        rf"{_W}(?:[وب]?ال)?اتفاقي(?:[ةه]|ات|تين|تي)(?![\w])|{_W}(?:[وب]?ال)?اتفاق(?:اً|ا)?(?![\w])|"
        r"\bagreements?\b|\btreat(?:y|ies)\b|\baccords?\b",
        re.I,
    ),
    "meeting": re.compile(
        rf"{_W}[وب]?(?:ال)?(?:اجتماع(?:ا|اً|ات)?|لقاء(?:ات)?|مباحثات|محادثات)(?![\w])|"
        rf"{_W}(?:التقى|التقت|يلتقي|تلتقي|اجتمع|اجتمعت|استقبل|استقبلت)(?![\w])|"
        # "بحث/لبحث ... مع" (discussed with) is how Arabic releases report talks
        rf"{_W}[ول]?(?:بحث|يبحث|تبحث)(?=\s)|"
        r"\bmeetings?\b|\bmet\b|\btalks\b|\breceived\b",
        re.I,
    ),
    "initiative": re.compile(rf"{_W}[وب]?(?:ال)?مبادر(?:[ةه]|ات)(?![\w])|\binitiatives?\b", re.I),
}
#: a partner must be named this close to the cue ("signed an MoU with X") to be its counterpart
PARTNER_WINDOW = 160
#: what happens "on the sidelines of X" happens at X, not with it
VENUE = re.compile(
    r"على هامش|في إطار فعاليات|رئاسة|\bon the sidelines of\b|\bat the\b|\b(?:presidency|chairmanship) of\b", re.I
)
OUTCOME = re.compile(r"اتفق|الجانبان|الوزيران|\bagreed\b|\bthe two (?:sides|ministers)\b", re.I)
BACKREF = re.compile(r"في هذا الصدد|في هذا الإطار|\bin this regard\b|\bin this context\b", re.I)


@dataclass
class _Draft:
    type: str
    partner: Entity
    written: str = ""  # how the source names the partner
    evidence: list[tuple[int, int]] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


def _topics(text: str) -> list[str]:
    toks = tokenize(text)
    found: list[str] = []
    for en, ar in gazetteer().terms:
        for phrase in [*en, *ar]:
            stems = tokenize(phrase)
            if stems and any(toks[i : i + len(stems)] == stems for i in range(len(toks) - len(stems) + 1)):
                found.append(en[0])
                break
    return found


#: vocabulary groups that name what an instrument is *about* (the rest is diplomatic wording)
SUBJECTS = [  # most specific first
    "ICT",
    "post",
    "postal services",
    "Egypt Post",
    "e-commerce",
    "telecommunications",
    "information technology",
    "digital transformation",
    "digital economy",
    "digital divide",
    "digital inclusion",
    "financial inclusion",
    "infrastructure",
    "e-government",
    "paperless",
    "digital services",
    "one-stop shop",
    "smart card",
    "digital identity",
    "census",
    "regulation",
    "internet governance",
    "e-learning",
    "e-health",
    "e-waste",
    "artificial intelligence",
    "cybersecurity",
    "information security",
    "cybercrime",
    "data protection",
    "data centre",
    "cloud computing",
    "Internet of Things",
    "software",
    "electronics industry",
    "outsourcing",
    "internet",
    "broadband",
    "fibre optic",
    "submarine cable",
    "mobile",
    "5G",
    "satellite",
    "smart city",
    "technology park",
    "capacity building",
    "training",
    "digital skills",
    "technology transfer",
    "knowledge transfer",
    "exchange of expertise",
    "innovation",
    "entrepreneurship",
    "startup",
    "investment",
    "trade",
    "free trade",
    "logistics",
    "logistics hub",
    "platform",
    "money transfer",
    "digital payments",
    "fintech",
    "research",
    "education",
    "job opportunities",
    "youth",
]


def _qualifies(m: Mention, others: list[Mention]) -> bool:
    """A country named right next to one of its own companies or regulators («فور اي جي المجرية», "the UK's
    Ofcom") says where that counterpart is from; it is not a counterpart of its own."""
    return m.entity.kind == "country" and any(
        o.entity.country == m.entity.id and (abs(o.start - m.end) < 30 or abs(m.start - o.end) < 30) for o in others
    )


def _drafts(text: str, sentences: list[tuple[int, int]]) -> tuple[dict[tuple[str, str], _Draft], list[int]]:
    """(type, partner) -> draft with its evidence sentences; and the sentences that report outcomes."""
    g = gazetteer()
    drafts: dict[tuple[str, str], _Draft] = {}
    outcome_sents: list[int] = []
    for si, (a, b) in enumerate(sentences):
        sent = text[a:b]
        if OUTCOME.search(sent):
            outcome_sents.append(si)
        mentions = [m for m in g.find(sent) if m.entity.id != HOME]
        mentions = [m for m in mentions if not _qualifies(m, mentions)]
        if not mentions:
            continue
        venue_at = [m.end() for m in VENUE.finditer(sent)]
        for t, cue_re in TYPE_CUES.items():
            cues = [m.start() for m in cue_re.finditer(sent)]
            if not cues:
                continue
            for m in mentions:
                if m.entity.kind == "region" and t != "initiative":
                    continue  # agreements and meetings are with countries or organisations
                if any(v <= m.start and m.start - v < 40 for v in venue_at):
                    continue
                if min(abs(m.start - c) for c in cues) > PARTNER_WINDOW:
                    continue
                written = re.sub(r"^[وفبلك](?=\S{3})", "", sent[m.start : m.end].strip())  # without a clitic و/ب/ل
                d = drafts.setdefault((t, m.entity.id), _Draft(t, m.entity, written))
                if (a, b) not in d.evidence:
                    d.evidence.append((a, b))
    return _merge_into_counterparts(text, drafts), outcome_sents


def is_headline(text: str, a: int, b: int) -> bool:
    """A line of its own without closing punctuation: a title."""
    line = text[a:b].strip()
    return "\n" not in line and not re.search(r"[.!?؟]$", line) and (a == 0 or text[a - 1] == "\n")


def _merge_into_counterparts(text: str, drafts: dict[tuple[str, str], _Draft]) -> dict[tuple[str, str], _Draft]:
    """ "The UAE regulators sign an MoU" (a headline) is the MoU the release names TDRA in: a country record
    goes into the same-type record of that country's company or regulator."""
    for (t, pid), d in list(drafts.items()):
        if d.partner.kind != "country":
            continue
        own = [x for (tt, _), x in drafts.items() if tt == t and x.partner.country == pid]
        if own and all(is_headline(text, a, b) for a, b in d.evidence):
            own[0].evidence = sorted(set(own[0].evidence) | set(d.evidence))
            del drafts[(t, pid)]
    return drafts


#: a follow-up sentence about the signing itself ("The MoU was signed by ...", «ووقع المذكرة ...»)
FOLLOW_UP = re.compile(
    r"(?<!\w)و?(?:وقع|وقّع|وقعت|وقعها|وقعه)\s+(?:على\s+)?(?:ال)?(?:مذكر[ةه]|مذكرتي|مذكرات|اتفاقي|اتفاق|وثيق)|"
    r"\b(?:the|both|these)\s+(?:MoUs?|memorand\w+|agreements?|documents|accords?)\s+(?:was|were)?\s*signed\b|"
    r"\bsigned (?:both|the) (?:documents|agreements|MoUs|memoranda)\b",
    re.I,
)
_FOLLOW_TYPES = {"mou": re.compile(r"مذكر|\bMoU|\bmemorand", re.I), "agreement": re.compile(r"اتفاق|\bagreement", re.I)}


def _follow_up_people(text: str, sentences: list[tuple[int, int]], drafts: dict[tuple[str, str], _Draft]) -> None:
    """Signatories named in the sentence after a signing, which names no partner, belong to the instruments
    signed in the two sentences before it (of the type it names, or of both when it names none)."""
    g = gazetteer()
    for si, (a, b) in enumerate(sentences):
        sent = text[a:b]
        if si == 0 or not FOLLOW_UP.search(sent) or any(m.entity.id != HOME for m in g.find(sent)):
            continue
        named = [t for t, p in _FOLLOW_TYPES.items() if p.search(sent)] or list(_FOLLOW_TYPES)
        before = set(sentences[max(0, si - 2) : si])
        people = [p for p in extract_people(sent) if p.part != "presence"]
        for (t, _), d in drafts.items():
            if t in named and before & set(d.evidence):
                for person in people:
                    if normalize_arabic(person.name) not in {normalize_arabic(q.name) for q in d.people}:
                        d.people.append(Person(person.name, person.role, "signatory"))


#: a date a plan runs to ("by 2026", «بحلول 2030») is not the date of the event
_TARGET_DATE = re.compile(r"(?:\bby|\buntil|\bthrough|بحلول|حتى|خلال)\s+(?:(?:the )?end of\s+|نهاية\s+|عام\s+)?$", re.I)


def _event_dates(sent: str) -> list[str]:
    return [x.value for x in extract_dates(sent) if not _TARGET_DATE.search(sent[max(0, x.start - 25) : x.start])]


def release_date(doc: DocRecord) -> str | None:
    """The publication date: the loader's, else a dateline ("CAIRO, 14 March 2023 —", «القاهرة في 8 يناير 2023»)
    opening one of the first lines. A year alone is no dateline."""
    if doc.published:
        return doc.published[:10]
    lines = [ln for ln in doc.text.splitlines() if ln.strip()][:3]
    for line in lines:
        for d in extract_dates(line[:80]):
            if d.start < 40 and len(d.value) >= 7:
                return d.value
    return None


def extract_records(doc: DocRecord) -> list[dict[str, Any]]:
    text = doc.text
    regions = clean(text).spans
    sentences = [s for a, b in regions for s in sentence_spans(text, a, b, split_long=False)]
    drafts, outcome_sents = _drafts(text, sentences)
    _follow_up_people(text, sentences, drafts)
    published = release_date(doc)
    records = []
    for (t, _pid), d in drafts.items():
        context = " ".join(text[a:b] for a, b in d.evidence)
        for a, b in d.evidence:
            si = sentences.index((a, b))
            back = BACKREF.search(text[a:b])
            if back and back.start() < 25 and si > 0:  # the sentence opens by pointing back
                context += " " + text[slice(*sentences[si - 1])]
        if t == "meeting":
            # Outcomes ("the two ministers agreed that 2026 ...") belong to the meeting of this page.
            for si in outcome_sents:
                span = sentences[si]
                if span not in d.evidence:
                    d.evidence.append(span)
            d.evidence.sort()
        _read_evidence(text, d)
        if not d.dates:
            d.dates.extend(_label_dates(text, sentences, d))
        found = set(_topics(context))
        d.topics = [x for x in SUBJECTS if x in found]
        records.append(_record(doc, d, published, egypt_party(text, d.evidence, TYPE_CUES[t])))
    return sorted(records, key=lambda r: (r["type"], r["partners"][0]["en"]))


#: words of a short label opening an entry ("Botswana (May 2024, Gaborone).")
LABEL_WORDS = 8


def _label_dates(text: str, sentences: list[tuple[int, int]], d: _Draft) -> list[str]:
    """The dates of a short label that opens the entry of an undated record, in the same paragraph.

    An annual report's entries read "Botswana (May 2024, Gaborone). MoU between MCIT and ...": the
    record's own sentence holds no date, the label before it does. A label names the record's
    partner and no other ("This supports Egypt Vision 2030." dates nothing).
    """
    out: list[str] = []
    for a, b in d.evidence:
        si = sentences.index((a, b))
        if si == 0:
            continue
        pa, pb = sentences[si - 1]
        label = text[pa:pb]
        if "\n" in text[pb:a] or len(label.split()) > LABEL_WORDS:
            continue
        named = {m.entity.id for m in gazetteer().find(label) if m.entity.id != HOME}
        if named == {d.partner.id}:
            out.extend(_event_dates(label))
    return out


def _read_evidence(text: str, d: _Draft) -> None:
    """Dates and people from the evidence sentences."""
    for a, b in d.evidence:
        sent = text[a:b]
        # a meeting's dates are not those of an agreement the sentence also mentions
        if not (d.type == "meeting" and (TYPE_CUES["mou"].search(sent) or TYPE_CUES["agreement"].search(sent))):
            d.dates.extend(_event_dates(sent))
        for p in extract_people(sent):
            if d.type in ("mou", "agreement") and p.part == "participant":
                continue  # a person merely quoted about an agreement did not sign it
            if normalize_arabic(p.name) not in {normalize_arabic(q.name) for q in d.people}:
                d.people.append(p)


def _record(doc: DocRecord, d: _Draft, published: str | None, party: list[str]) -> dict[str, Any]:
    text = doc.text
    dates = sorted(set(d.dates), key=lambda v: (-len(v), v))
    # Releases report today's signing without a date: the release's own date is the record's then.
    date = dates[0] if dates else published
    years = sorted({int(v[:4]) for v in d.dates} or ({int(published[:4])} if published else set()))
    rid = hashlib.sha256(f"{doc.doc_id}|{d.type}|{d.partner.id}".encode()).hexdigest()[:16]
    return {
        "id": rid,
        "type": d.type,
        "partners": [{**d.partner.as_dict(), "as_written": d.written}],
        "date": date,
        "date_source": "text" if dates else ("published" if published else None),
        "year": years[0] if years else None,
        "years": years,
        "egypt_party": party,
        "people": [p.as_dict() for p in d.people],
        "topics": d.topics,
        "evidence": [{"start": a, "end": b, "text": text[a:b]} for a, b in d.evidence],
        "language": doc.language,
        "summary": _summary(d.type, d.partner, date, d.topics),
    }


# --- the Egyptian party --------------------------------------------------------------------
#: a body named after these is a witness or host, not a party ("in the presence of the Minister", «وشهد الوزير»)
_WITNESS = re.compile(
    r"(?:بحضور|شهد|وشهد|\bin the presence of|\bwitnessed(?: by)?|\battended by)\s*(?:\S+\s+){0,2}$", re.I
)
_NOT_OURS_BEFORE = re.compile(r"(?:\bPrime\s+|رئيس مجلس\s+)$")


def _foreign(text: str, a: int, b: int) -> bool:
    """A ministry mention that belongs to another country: "Ghana's Minister of ...", "Minister of
    Communications of Oman", «وزير الاتصالات وتقنية المعلومات الفلسطيني»."""
    g = gazetteer()
    before = " ".join(text[max(0, a - 40) : a].split()[-2:])
    after = re.split(r"[،,.;:]", text[b : b + 80])[0]
    # the qualifier is the title's own continuation: it stops at a preposition that starts another phrase
    after_words = " ".join(re.split(r"\s(?:مع|في|من|إلى|الى|على|عن|لدى|لبحث|خلال)\s", after + " ")[0].split()[:5])
    if re.match(r"[A-Za-z]", after_words) and not re.match(r"(?:of|for|in|from)\b", after_words, re.I):
        after_words = ""  # in English a qualifier after the title starts with a preposition
    return any(m.entity.id != HOME and m.entity.kind == "country" for m in g.find(f"{before} | {after_words}"))


def _bodies(text: str, a: int, b: int) -> list[tuple[str, int, int]]:
    """Egyptian bodies named in text[a:b] that can be a party (not witnesses, not another country's ministry)."""
    out = []
    for body, s, e in gazetteer().find_egypt_bodies(text[a:b]):
        s, e = s + a, e + a
        ctx = text[max(a, s - 60) : s]
        if _WITNESS.search(ctx) or _NOT_OURS_BEFORE.search(ctx):
            continue
        if body == "MCIT" and _foreign(text, s, e):
            continue
        out.append((body, s, e))
    return out


def _gap(start: int, end: int, cues: list[tuple[int, int]]) -> int:
    """Characters between a mention and the nearest cue (0 when they touch or overlap)."""
    return min(max(cs - end, start - ce, 0) for cs, ce in cues)


def egypt_party(text: str, evidence: list[tuple[int, int]], cue_re: re.Pattern[str]) -> list[str]:
    """The Egyptian body party to a record: the one named nearest the record's cue in its evidence, else the
    first one the release names, else none."""
    for a, b in evidence:
        bodies = _bodies(text, a, b)
        cues = [(m.start() + a, m.end() + a) for m in cue_re.finditer(text[a:b])]
        if bodies and cues:
            return [min(bodies, key=lambda x: _gap(x[1], x[2], cues))[0]]
    first = _bodies(text, 0, len(text))
    return [first[0][0]] if first else []


_TYPE_NAMES = {"mou": "MoU", "agreement": "Agreement", "meeting": "Meeting", "initiative": "Initiative"}


def _summary(t: str, partner: Entity, date: str | None, topics: list[str]) -> str:
    s = f"{_TYPE_NAMES[t]}: Egypt – {partner.en}"
    if topics:
        s += f" ({', '.join(topics[:4])})"
    if date:
        s += f", {date}"
    return s
