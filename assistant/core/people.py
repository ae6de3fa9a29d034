"""People named in a sentence: their names, the role phrase next to them and their part in the event.

The register reads them at ingest; questions about signatories read them at answer time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.core.gazetteer import gazetteer
from assistant.core.text import normalize_arabic

_W = r"(?<![\w])"  # word start (Arabic clitics are allowed explicitly where they occur)
SIGN_VERB = re.compile(rf"{_W}و?(?:وقع|وقعت|وقّع|وقّعت|وقعا|وقعها|وقعه)(?![\w])|\bsigned\b", re.I)
SPEECH = re.compile(r"أكد|أشار|قال|أوضح|لفت|بين|بيّن|أعرب|شدد|\bsaid\b|\bstressed\b|\bnoted\b|\bstated\b", re.I)
PRESENCE = re.compile(r"بحضور|\bin the presence of\b|\bwitnessed by\b", re.I)

_TITLES = (
    r"(?:د\.|الدكتور[ةه]?|السيد[ةه]?|المهندس[ةه]?|الأستاذ[ةه]?|الاستاذ[ةه]?|السفير|معالي|فخامة|"
    r"\bDr\.|\bMr\.|\bMrs\.|\bMs\.|\bEng\.|\bH\.E\.)"
)
_ROLE_WORDS = (
    r"(?:وزير[ةه]?|رئيس|سفير|مساعد|مستشار|نائب|أمين|مدير|نظير[هة]|محافظ|العضو المنتدب|\bMinister\b|\bAmbassador\b|"
    r"\bPresident\b|\bPrime Minister\b|\bDeputy\b|\bAdvisor\b|\bAssistant\b|\bDirector\b|\bSecretary\b|"
    r"\bExecutive\b|\bCEO\b|\b[Cc]hairman\b|\b[Cc]hairwoman\b|\bChair\b|\bHead\b|\bManaging Director\b|"
    r"\bGeneral Manager\b|"
    r"\bVice President\b|\bGovernor\b|\bCommissioner\b)"
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


def _is_role_word(w: str) -> bool:
    """«الرئيس», «ونائب», "Director": a word that starts a role, so it ends a name."""
    bare = re.sub(r"^و?(?:ال)?", "", w) if not w[:1].isascii() else w
    return bool(re.match(_ROLE_WORDS, bare))


def _clean_name(words: str) -> str | None:
    keep = []
    for w in words.split():
        if normalize_arabic(w) in _NOT_NAME or w.lower() in _NOT_NAME or _is_role_word(w):
            break
        # names carry no digits, and in Latin script they are capitalised ("to train 5,000 ..." is not one)
        if any(ch.isdigit() for ch in w) or (w[0].isascii() and w[0].isalpha() and not w[0].isupper()):
            break
        keep.append(w)
    name = " ".join(keep)
    if len(keep) < 2 or gazetteer().find(name):  # "أذربيجان بالقاهرة" is a place, not a person
        return None
    return name


#: where a role phrase stops: the next person, the event's verb, its object or its circumstances
_ROLE_END = re.compile(
    rf"\s(?:{_TITLES}|وفدا?|مع|لبحث|حيث|برئاسة|خلال|على هامش|في إطار|\bmet\b|\bsigned\b|\breceived\b|\bwith\b|"
    r"\bin the presence\b|\bon\b|\band (?=[A-Z]))",
)
#: where a role phrase before a name starts: after the last dash, verb or preposition that introduces the person
_ROLE_START = re.compile(
    r"[—–:]|\b(?:met|signed|received|with|by|and)\b|(?<!\w)(?:و?وقع\w*|التقى|التقت|استقبل\w*|بحضور|عن|مع)(?!\w)"
)


def _role(text: str) -> str:
    """The role phrase in ``text``, from its first role word ("وزير الاتصالات ...", "Minister of ...")."""
    text = re.sub(rf"\s*{_TITLES}\s*$", "", text.strip())
    first = re.search(_ROLE_WORDS, text)
    if not first:
        return ""
    start = text.rfind(" ", 0, first.start()) + 1  # the whole word: «الرئيس», not «رئيس»
    return re.sub(r"^و(?=ال)", "", text[start:]).strip(" ،,.")[:120]


def _role_of(clauses: list[tuple[int, str]], ci: int, before: str, after: str) -> str:
    """A person's role: right after the name («هاني سليم وزير الاتصالات»), else ending the text before it
    ("Minister of Communications Amr Talaat"), else opening the next clause ("X, Minister of ..."), else ending
    the clause before ("NTRA's Executive President, Eng. X")."""
    if re.match(rf"\s*(?:و?ال)?{_ROLE_WORDS}", after):
        return _role(_ROLE_END.split(after, maxsplit=1)[0])
    role = _role(_ROLE_START.split(before)[-1])
    if role:
        return role
    if ci + 1 < len(clauses) and re.match(rf"\s*(?:و\s*)?{_ROLE_WORDS}", clauses[ci + 1][1]):
        return _role(_ROLE_END.split(clauses[ci + 1][1], maxsplit=1)[0])
    if ci > 0 and not before.strip():
        tail = _ROLE_START.split(clauses[ci - 1][1])[-1]
        return _role(tail) if len(tail.split()) <= 6 else ""
    return ""


#: "Deputy Minister for Digital Skills and Capacity Building": the last "X and Y" of a portfolio is no
#: name ("Minister of Communications and Information Technology Amr Talaat" still names one)
_PORTFOLIO = re.compile(
    r"\b(?:Minister|Secretary|Director|Head|Advis[eo]r|President|Chair(?:man|woman)?|Officer|Commissioner)\s+"
    r"(?:for|of)\s+(?:[A-Z][\w-]*\s+)+(?:and|&)\s+$"
)


def _named_in(clause: str) -> list[tuple[str, int, int]]:
    """(name, start, end) of people named in one clause: after a title, or a two-word name after a role."""
    found = []
    for m in PERSON_AFTER_TITLE.finditer(clause):
        name = _clean_name(m.group("name"))
        if name:
            found.append((name, m.start(), m.start("name") + len(name)))
    if found:
        return found
    rm = ROLE_THEN_NAME.search(clause)
    if rm:
        name = _clean_name(rm.group("name"))
        prev = clause[: rm.start("name")].split()[-1:] or [""]
        # "Assistant Minister for Technology Development", «التعاون في الشمول المالي»: no person
        if (
            name
            and not name.startswith("ال")
            and prev[0].lower() not in {"for", "of", "at", "in", "في", "مجال", "لشؤون"}
            and not _PORTFOLIO.search(clause[: rm.start("name")])
        ):
            found.append((name, rm.start("name"), rm.start("name") + len(name)))
    return found


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
        for name, start, end in _named_in(clause):
            key = normalize_arabic(name)
            if key in seen:
                continue
            seen.add(key)
            before = re.sub(rf"\s*{_TITLES}\s*$", "", clause[:start])
            role = _role_of(clauses, ci, before, clause[end:])
            at = offset + start
            if presence_at is not None and at > presence_at:
                part = "presence"
            elif any(s < at and not SPEECH.search(sentence[s:at]) for s in sign_at):
                part = "signatory"
            else:
                part = "participant"
            people.append(Person(name, role, part))
    return people
