"""Extract the agreements register at ingest time: MoUs, agreements, meetings and initiatives.

Rules, not a model: a record needs a cue for its type *and* a named partner
(country, organisation or region from the gazetteer) in the same sentence, so
every record has evidence. Dates, people (with roles) and topics are read from
the evidence sentences; topics come from the bilingual vocabulary.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from assistant.catalog import DocRecord
from assistant.gazetteer import HOME, Entity, gazetteer
from assistant.text import normalize_arabic, sentence_spans
from ingest.clean import clean
from ingest.describe import extract_dates

_W = r"(?<![\w])"  # word start (Arabic clitics are allowed explicitly where they occur)
TYPE_CUES: dict[str, re.Pattern[str]] = {
    "mou": re.compile(
        r"مذكر[ةه]\s*(?:ال)?تفاهم|مذكرات\s*(?:ال)?تفاهم|\bmemorand(?:um|a) of understanding\b|\bMoUs?\b", re.I
    ),
    "agreement": re.compile(
        rf"{_W}(?:[وب]?ال)?اتفاقي(?:[ةه]|ات)(?![\w])|{_W}(?:[وب]?ال)?اتفاق(?![\w])|"
        r"\bagreements?\b|\btreat(?:y|ies)\b|\baccords?\b",
        re.I,
    ),
    "meeting": re.compile(
        rf"{_W}[وب]?(?:ال)?(?:اجتماع(?:ا|اً|ات)?|لقاء(?:ات)?|مباحثات|محادثات)(?![\w])|{_W}(?:التقى|يلتقي)|"
        r"\bmeetings?\b|\bmet\b|\btalks\b",
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
SIGN_VERB = re.compile(rf"{_W}(?:وقع|وقعت|وقّع|وقّعت|وقعا)(?![\w])|\bsigned\b", re.I)
SPEECH = re.compile(r"أكد|أشار|قال|أوضح|لفت|بين|بيّن|أعرب|شدد|\bsaid\b|\bstressed\b|\bnoted\b|\bstated\b", re.I)
PRESENCE = re.compile(r"بحضور|\bin the presence of\b|\bwitnessed by\b", re.I)
OUTCOME = re.compile(r"اتفق|الجانبان|الوزيران|\bagreed\b|\bthe two (?:sides|ministers)\b", re.I)
BACKREF = re.compile(r"في هذا الصدد|في هذا الإطار|\bin this regard\b|\bin this context\b", re.I)

_TITLES = (
    r"(?:د\.|الدكتور[ةه]?|السيد[ةه]?|المهندس[ةه]?|الأستاذ[ةه]?|الاستاذ[ةه]?|السفير|معالي|فخامة|"
    r"\bDr\.|\bMr\.|\bMrs\.|\bMs\.|\bEng\.|\bH\.E\.)"
)
_ROLE_WORDS = (
    r"(?:وزير[ةه]?|رئيس|سفير|مساعد|مستشار|نائب|أمين|مدير|نظير[هة]|\bMinister\b|\bAmbassador\b|\bPresident\b|"
    r"\bPrime Minister\b|\bDeputy\b|\bAdvisor\b|\bAssistant\b|\bDirector\b|\bSecretary\b)"
)
_NAME_WORD = r"[^\s،,.;:()«»“”\"]+"
PERSON_AFTER_TITLE = re.compile(rf"{_TITLES}\s+(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}})")
# a role phrase followed by a two-word name at the end of a clause: "رئيس مجلس الوزراء المصري مصطفى مدبولي"
ROLE_THEN_NAME = re.compile(rf"(?P<role>{_ROLE_WORDS}[^،,.]*?)\s+(?P<name>{_NAME_WORD}\s+{_NAME_WORD})\s*(?=[،,.]|$)")
_NOT_NAME_WORDS = (
    "و في من على إلى الى عن مع أن إن التي الذي وزير رئيس سفير مساعد مستشار الوزير بجمهورية جمهورية نظيره المصري "
    "تكنولوجيا وتكنولوجيا المعلومات الاتصالات والاتصالات الرقمية والنقل التنمية الوزراء مجلس الدولية العلاقات "
    "التحول لشؤون بالقاهرة بالوزارة المركزية الإدارة للعلاقات "
    "the of and minister ambassador president ministry"
)
_NOT_NAME = {normalize_arabic(w) for w in _NOT_NAME_WORDS.split()}


@dataclass
class Person:
    name: str
    role: str
    part: str  # signatory | presence | participant

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role, "part": self.part}


@dataclass
class _Draft:
    type: str
    partner: Entity
    written: str = ""  # how the source names the partner
    evidence: list[tuple[int, int]] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


def _clean_name(words: str) -> str | None:
    from assistant.gazetteer import gazetteer

    keep = []
    for w in words.split():
        if normalize_arabic(w) in _NOT_NAME or w.lower() in _NOT_NAME:
            break
        # names carry no digits, and in Latin script they are capitalised ("to train 5,000 ..." is not one)
        if any(ch.isdigit() for ch in w) or (w[0].isascii() and w[0].isalpha() and not w[0].isupper()):
            break
        keep.append(w)
    name = " ".join(keep)
    if len(keep) < 2 or gazetteer().find(name):  # "أذربيجان بالقاهرة" is a place, not a person
        return None
    return name


def _role(text: str) -> str:
    """The role phrase next to a name, when there is one ("وزير الاتصالات ...", "Minister of ...")."""
    text = re.sub(rf"^(?:حيث\s+)?(?:وقع\s+)?(?:كل من\s+)?(?:و\s+)?(?:بحضور\s+)?|\s*{_TITLES}\s*$", "", text.strip())
    text = text.strip(" ،,")
    return text[:120] if re.search(_ROLE_WORDS, text) else ""


def extract_people(sentence: str) -> list[Person]:
    """People named in one sentence, with the role phrase next to them and their part in the event.

    signatory: named after a signing verb (and not as a speaker); presence: named after
    "in the presence of"; participant: anyone else named.
    """
    people: list[Person] = []
    seen: set[str] = set()
    clauses: list[tuple[int, str]] = []
    pos = 0
    for part in re.split(r"([،,]\s*)", sentence):
        if part and not re.fullmatch(r"[،,]\s*", part):
            clauses.append((pos, part))
        pos += len(part)
    presence_at = next((m.start() for m in PRESENCE.finditer(sentence)), None)
    sign_at = [m.start() for m in SIGN_VERB.finditer(sentence)]
    for ci, (offset, clause) in enumerate(clauses):
        found: list[tuple[str, str, int]] = []
        for m in PERSON_AFTER_TITLE.finditer(clause):
            name = _clean_name(m.group("name"))
            if name:
                found.append((name, clause[: m.start()], offset + m.start()))
        if not found:
            rm = ROLE_THEN_NAME.search(clause)
            if rm:
                name = _clean_name(rm.group("name"))
                if name:
                    role_text = rm.group("role")
                    # "Minister X signed the MoU with Ambassador Y": Y's role starts after the verb
                    verbs = list(SIGN_VERB.finditer(role_text))
                    if verbs:
                        rest = role_text[verbs[-1].end() :]
                        first = re.search(_ROLE_WORDS, rest)
                        role_text = rest[first.start() :] if first else ""
                    found.append((name, role_text, offset + rm.start("name")))
        for name, role_text, at in found:
            key = normalize_arabic(name)
            if key in seen:
                continue
            seen.add(key)
            role = _role(role_text)
            if not role and ci + 1 < len(clauses):
                role = _role(clauses[ci + 1][1])  # "X, Minister of ..." puts the role in the next clause
            if presence_at is not None and at > presence_at:
                part = "presence"
            elif any(s < at and not SPEECH.search(sentence[s:at]) for s in sign_at):
                part = "signatory"
            else:
                part = "participant"
            people.append(Person(name, role, part))
    return people


def _topics(text: str) -> list[str]:
    from assistant.text import tokenize

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


def extract_records(doc: DocRecord) -> list[dict[str, Any]]:
    text = doc.text
    regions = clean(text).spans
    sentences = [s for a, b in regions for s in sentence_spans(text, a, b, split_long=False)]
    g = gazetteer()
    drafts: dict[tuple[str, str], _Draft] = {}
    outcome_sents: list[int] = []
    for si, (a, b) in enumerate(sentences):
        sent = text[a:b]
        if OUTCOME.search(sent):
            outcome_sents.append(si)
        mentions = [m for m in g.find(sent) if m.entity.id != HOME]
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
    records = []
    for (t, pid), d in drafts.items():
        ev_text = " ".join(text[a:b] for a, b in d.evidence)
        context = ev_text
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
        for a, b in d.evidence:
            sent = text[a:b]
            # a meeting's dates are not those of an agreement the sentence also mentions
            if not (t == "meeting" and (TYPE_CUES["mou"].search(sent) or TYPE_CUES["agreement"].search(sent))):
                d.dates.extend(x.value for x in extract_dates(sent))
            for p in extract_people(text[a:b]):
                if t in ("mou", "agreement") and p.part == "participant":
                    continue  # a person merely quoted about an agreement did not sign it
                if normalize_arabic(p.name) not in {normalize_arabic(q.name) for q in d.people}:
                    d.people.append(p)
        found = set(_topics(context))
        d.topics = [x for x in SUBJECTS if x in found]
        dates = sorted(set(d.dates), key=lambda v: (-len(v), v))
        date = dates[0] if dates else None
        years = sorted({int(v[:4]) for v in d.dates})
        rid = hashlib.sha256(f"{doc.doc_id}|{t}|{pid}".encode()).hexdigest()[:16]
        records.append(
            {
                "id": rid,
                "type": t,
                "partners": [{**d.partner.as_dict(), "as_written": d.written}],
                "date": date,
                "year": years[0] if years else None,
                "years": years,
                "people": [p.as_dict() for p in d.people],
                "topics": d.topics,
                "evidence": [{"start": a, "end": b, "text": text[a:b]} for a, b in d.evidence],
                "language": doc.language,
                "summary": _summary(t, d.partner, date, d.topics),
            }
        )
    return sorted(records, key=lambda r: (r["type"], r["partners"][0]["en"]))


_TYPE_NAMES = {"mou": "MoU", "agreement": "Agreement", "meeting": "Meeting", "initiative": "Initiative"}


def _summary(t: str, partner: Entity, date: str | None, topics: list[str]) -> str:
    s = f"{_TYPE_NAMES[t]}: Egypt – {partner.en}"
    if topics:
        s += f" ({', '.join(topics[:4])})"
    if date:
        s += f", {date}"
    return s
