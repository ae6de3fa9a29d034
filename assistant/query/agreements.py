"""The agreements register: querying it, and answering list questions from it with one citation per item."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from assistant.core.catalog import Catalog
from assistant.core.dates import AR_MONTHS, EN_MONTHS
from assistant.core.events import TYPE_LABELS, TYPES, first_evidence, merge_records
from assistant.core.gazetteer import HOME, gazetteer
from assistant.core.protocols import Evidence
from assistant.core.text import normalize_arabic, token_set, tokenize
from assistant.query.question import question_types


def partner_name(p: dict[str, Any], language: str) -> str:
    """The canonical name in ``language``, with the source's own wording when it differs (غينيا (غينيا كوناكري))."""
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
    """Register records, one per event (reports of one event in several documents merged), filtered by partner
    (id, English or Arabic name), type and year range."""
    rows = merge_records(catalog.records())
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
            out.append(f"{'':10s} [{ev.get('doc_id', r['doc_id'])} {ev['start']}-{ev['end']}] {ev['text'][:140]}")
        if len(r.get("doc_ids") or []) > 2 or len(r["evidence"]) > 2:
            out.append(f"{'':10s} ({len(r['evidence'])} evidence sentences in {len(r.get('doc_ids') or [])} documents)")
    return "\n".join(out) + "\n"


# --- list questions -------------------------------------------------------------------------
_LIST = re.compile(
    r"\bwhich\b|\bwhat (?:are|were) the\b|\bwhat\s+\w+\s+(?:has|have|did)\b|\blist\b|\ball (?:the )?\b|\bwith whom\b|"
    r"ما هي|ما هى|ماهي|ما الدول|أي الدول|اي الدول|ما الاتفاقيات|ما مذكرات|قائمة|مع من|مع أي|مع اي|أي |اي |"
    r"ما ال(?!ذي|تي|ذين)",  # "ما الذي" asks what, not which
    re.I,
)
# Plural instrument words: "which MoUs ...", "ما هي مذكرات التفاهم" (a question about *the* MoU is not a list question).
_TYPE_WORDS = {
    "mou": re.compile(r"\bmous\b|\bmemoranda\b|\bmemorandums\b|مذكرات|مذكرتي", re.I),
    "agreement": re.compile(r"\bagreements\b|\btreaties\b|\bdeals\b|اتفاقيات|اتفاقات|اتفاقيتي", re.I),
    "meeting": re.compile(r"\bmeetings\b|\bmet\b|\btalks\b|اجتماعات|لقاءات|مباحثات|التقى|التقت|اجتمع", re.I),
    "initiative": re.compile(r"\binitiatives\b|مبادرات", re.I),
}
_SINGULAR = {
    "mou": re.compile(r"\bmou\b|\bmemorandum\b|مذكرة|مذكره", re.I),
    "agreement": re.compile(r"\bagreement\b|\btreaty\b|\bdeal\b|اتفاقية|اتفاقيه|اتفاق\b", re.I),
    "meeting": re.compile(r"\bmeeting\b|اجتماع|لقاء", re.I),
    "initiative": re.compile(r"\binitiative\b|مبادرة|مبادره", re.I),
}
_SIGN = re.compile(r"\bsign(?:ed|s)?\b|وقع|وقّع|توقيع", re.I)
#: counterpart kinds a question asks for ("which companies", «الجهات التنظيمية»), matched after the names of
#: Egyptian bodies and partners are masked (so NTRA's own "Regulatory Authority" does not count)
KIND_WORDS = {
    "regulator": re.compile(
        r"\bregulat(?:ors?|ory (?:authorit\w+|bod\w+|agenc\w+))\b|الجهات التنظيمية|جهات تنظيمية|الهيئات التنظيمية|"
        r"هيئات تنظيم\w*|أجهزة تنظيم\w*|الأجهزة التنظيمية|المنظمين|هيئات الاتصالات|جهات تنظيم\w*",
        re.I,
    ),
    "company": re.compile(
        r"\bcompan(?:y|ies)\b|\bfirms?\b|\bvendors?\b|\bcorporations?\b|(?<!\w)(?:ال)?شركات?(?!\w)", re.I
    ),
    "organization": re.compile(
        r"\borgani[sz]ations?\b|\binstitutions?\b|\bdevelopment partners\b|(?<!\w)(?:ال)?منظم(?:ات|ة)(?!\w)|"
        r"المؤسسات الدولية|مؤسسات دولية|الهيئات الدولية",
        re.I,
    ),
    "country": re.compile(r"\bcountr(?:y|ies)\b|\bnations?\b|\bstates\b|(?<!\w)(?:ال)?(?:دول|دولة|بلدان)(?!\w)", re.I),
}
#: region adjectives and names, on normalised text (أ/إ/آ -> ا, ة -> ه)
REGION_WORDS = {
    "africa": re.compile(r"\bafrican?\b|(?<!\w)(?:ال)?افريقي\w*|افريقيا", re.I),
    "arab": re.compile(r"\barab\b|(?<!\w)(?:ال)?عربي(?:ه)?(?!\w)|العالم العربي", re.I),
    "europe": re.compile(r"\beurop(?:e|ean)\b|(?<!\w)(?:ال)?اوروب\w*", re.I),
    "asia": re.compile(r"\basian?\b|(?<!\w)(?:ال)?اسيوي\w*|(?<!\w)اسيا(?!\w)", re.I),
}
_EGYPT_REGULATOR = re.compile(r"\b(?:Egypt's|the Egyptian|the national) (?:telecom(?:munications)? )?regulator\b", re.I)
#: periods the register cannot place without today's date
_RELATIVE = re.compile(
    r"\b(?:last|this|past|previous|current) (?:year|month|week|decade|(?:\d+|two|three|four|five|few) years)\b|"
    r"\brecent(?:ly)?\b|\bso far\b|\bto date\b|"
    r"العام الماضي|السنة الماضية|هذا العام|العام الحالي|الشهر الماضي|العامين الماضيين|حتى الآن|مؤخر\w*|"
    r"الأعوام الأخيرة|السنوات الأخيرة|السنوات الماضية",
    re.I,
)


@dataclass
class ListQuery:
    """What a list question asks the register for; each field left empty is not a constraint."""

    types: list[str]
    partner: str | None = None
    kinds: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    parties: set[str] = field(default_factory=set)
    periods: list[Period] = field(default_factory=list)
    period_label: dict[str, str] = field(default_factory=dict)
    unfiltered: list[dict[str, str]] = field(default_factory=list)  # recognised but not applied: {"en":..,"ar":..}
    # the question's other content words ("at the Tashkent forum", «عبر البريد»): a record counts only when a
    # report of it says most of them
    residual: list[str] = field(default_factory=list)


#: the words a list question is made of, beyond names and periods: what is left names an event or a topic
_LIST_VOCAB_TEXT = """which what list all whom mou mous memorandum memoranda memorandums understanding agreement
agreements treaty treaties deal deals meeting meetings met talks initiative initiatives sign signed signs signing
concluded launched held take took part country countries nation nations state states company companies firm firms
vendor vendors corporation corporations organisation organisations organization organizations institution
institutions development partner partners regulator regulators regulatory authority authorities body bodies agency
agencies foreign international african arab european asian africa europe asia egypt egyptian egypt's ministry
minister government since between before after during year years month months january february march april may june
july august september october november december ict sector field fields area areas cooperation according
affiliates affiliated national provide providing inked reached seal sealed strike struck enter entered
concluded main key major principal recent latest other others tech technology technologies telecom telecoms
telecommunications entities operators
ما هي هى ماهي أي اي الدول دول الدولة دولة بلدان البلدان مذكرات مذكرة مذكرتي التفاهم تفاهم الاتفاقيات اتفاقيات
اتفاقات اتفاقية الاتفاقية اتفاق اتفاقيتي الاجتماعات اجتماعات لقاءات مباحثات اللقاءات المبادرات مبادرات مبادرة
وقع وقعت وقعها وقعتها وقعته وقعه توقيع الموقعة الموقع وقّعت وقّع معها معه معهم مصر المصرية المصري الجهات جهات
التنظيمية تنظيمية الهيئات هيئات تنظيم الأجهزة أجهزة المنظمين الشركات شركات شركة المنظمات منظمات المنظمة منظمة
الدولية دولية المؤسسات مؤسسات الأفريقية الإفريقية أفريقية إفريقية العربية عربية الأوروبية أوروبية الآسيوية آسيوية
أفريقيا إفريقيا أوروبا آسيا العالم منذ بين قبل بعد خلال عام العام عامي سنة شهر يناير فبراير مارس أبريل إبريل مايو
يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر قطاع مجال مجالات التعاون تعاون أطلقت أطلق عقدت عقد شاركت شارك
الأجنبية أجنبية قائمة الوزارة وزارة الحكومة عبر لتقديم تقديم أبرز أبرم أبرمت أبرمتها أبرمها تم توقيعها
أخرى الأخرى وما مجالاتها الاتصالات اتصالات تكنولوجيا التكنولوجيا المعلومات لا سيما"""


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def list_query(question: str) -> ListQuery | None:
    """The constraints of a list question the register can answer, or None when it is not one."""

    if not _LIST.search(question) or question_types(question) & {"when", "amount", "count", "percent"}:
        return None
    if _BEYOND_REGISTER.search(normalize_arabic(question)):
        return None
    g = gazetteer()
    bodies = g.find_egypt_bodies(question)
    mentions = g.find(question)
    masked = _mask(
        question, [(a, b) for _, a, b in bodies] + [(m.start, m.end) for m in mentions if m.entity.kind != "region"]
    )
    kinds = {k for k, p in KIND_WORDS.items() if p.search(masked)}
    regions = {r for r, p in REGION_WORDS.items() if p.search(normalize_arabic(masked))}
    types = [t for t, p in _TYPE_WORDS.items() if p.search(question)]
    if not types and (kinds or regions or _WITH_WHOM.search(question)):
        # a singular instrument is a list question when the question asks with whom ("which companies signed an MoU")
        types = [t for t, p in _SINGULAR.items() if p.search(question)] or (
            ["mou", "agreement"] if _SIGN.search(question) else []
        )
    if not types:
        return None
    partners = [m.entity.id for m in mentions if m.entity.id != HOME and m.entity.kind != "region"]
    parties = {b for b, _, _ in bodies} | ({"NTRA"} if _EGYPT_REGULATOR.search(question) else set())
    affiliates = _AFFILIATES.search(question)
    if affiliates:
        parties = set()  # "MCIT and its affiliates": any Egyptian body of the sector
        masked = _mask(masked, [affiliates.span()])
    q = ListQuery(types, partners[0] if partners else None, kinds, regions, parties)
    q.periods, q.period_label = parse_period(question)
    rel = _RELATIVE.search(question)
    if rel:
        q.unfiltered.append({"en": f"the period “{rel.group(0)}”", "ar": f"الفترة «{rel.group(0)}»"})
        masked = _mask(masked, [rel.span()])
    q.residual = [t for t in tokenize(masked) if not t.isdigit() and t not in token_set(_LIST_VOCAB_TEXT)]
    return q


#: what the register cannot answer: negation ("did not sign"), ranking ("the three most"), thresholds; matched
#: on normalised text (أكثر and اكثر alike), «لا سيما» (especially) is no negation
_BEYOND_REGISTER = re.compile(
    r"\b(?:not|never|no longer|without|most(?!\s+recent)|least|largest|biggest|more than|fewer than|less than)\b|"
    r"(?<!\w)[وف]?(?:لم|لا(?!\s?سيما)|لن|ليس|دون|بدون|الاكثر|الاقل|اكبر|اكثر|اقل)(?!\w)",
    re.I,
)


_AFFILIATES = re.compile(
    r"\b(?:and|or) its (?:affiliates|affiliated (?:bodies|entities|agencies)|agencies|bodies)\b|"
    r"\b(?:MCIT|ministry)['’]s affiliates\b|"
    r"و?(?:ال)?(?:جهات|هيئات) التابعة(?: لها| له)?",
    re.I,
)
_WITH_WHOM = re.compile(
    r"\bwhich countries\b|\bwith whom\b|\bwhat countries\b|أي الدول|ما الدول|ما هي الدول|مع من|مع أي", re.I
)


def list_intent(question: str) -> tuple[list[str], str | None] | None:
    """(record types, partner id or None) when the question asks for a list the register can answer."""
    q = list_query(question)
    return (q.types, q.partner) if q else None


# --- periods --------------------------------------------------------------------------------
Period = tuple[str, str]  # inclusive ISO bounds, "2022-12-01" .. "2023-01-31"
_DIG = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
_EN_MONTH_NAMES = "January February March April May June July August September October November December".split()
_AR_MONTH_NAMES = "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر".split()


def _month_alt() -> str:
    return "|".join(sorted((re.escape(m) for m in [*EN_MONTHS, *AR_MONTHS]), key=len, reverse=True))


_Y = r"(?:19[5-9]\d|20[0-4]\d)"
_MY = rf"(?:(?P<{{g}}m>{_month_alt()})\s+)?(?:عام\s+|سنة\s+)?(?P<{{g}}y>{_Y})"
_BETWEEN = re.compile(
    rf"(?:\bbetween|\bfrom|بين|من)\s+(?:عامي\s+|عام\s+|the years\s+)?{_MY.format(g='a')}\s*"
    rf"(?:\band|\bto|\buntil|\bthrough|و|إلى|الى|حتى|-|–)\s*(?:عام\s+)?{_MY.format(g='b')}",
    re.I,
)
_SINCE = re.compile(rf"(?:\bsince|\bafter|منذ|بعد)\s+(?:the\s+)?(?:start of\s+|بداية\s+)?{_MY.format(g='a')}", re.I)
_BEFORE = re.compile(rf"(?:\bbefore|\buntil|\bup to|قبل|حتى)\s+{_MY.format(g='a')}", re.I)
_ANY_YEAR = re.compile(rf"(?:(?P<m>{_month_alt()})\s+)?(?P<y>{_Y})(?!\d)", re.I)


def _month_no(name: str | None) -> int:
    return (EN_MONTHS.get(name.lower()) or AR_MONTHS.get(name, 0)) if name else 0


def _bounds(y: str, month: str | None) -> Period:
    import calendar

    m = _month_no(month)
    if not m:
        return f"{y}-01-01", f"{y}-12-31"
    return f"{y}-{m:02d}-01", f"{y}-{m:02d}-{calendar.monthrange(int(y), m)[1]:02d}"


def _label(y: str, month: str | None, lang: str) -> str:
    m = _month_no(month)
    return f"{(_AR_MONTH_NAMES if lang == 'ar' else _EN_MONTH_NAMES)[m - 1]} {y}" if m else y


def parse_period(question: str) -> tuple[list[Period], dict[str, str]]:
    """The periods a question names, with how to say them in each language.

    "between December 2022 and January 2023" and «من 2020 إلى 2023» are ranges; "since 2020" / «منذ 2020»
    runs on; "before 2020" ends; any other years or months named ("in 2022 and 2023", «خلال عام 2023»)
    are each a period of their own.
    """
    text = question.translate(_DIG)
    m = _BETWEEN.search(text)
    if m:
        a, b = _bounds(m["ay"], m["am"]), _bounds(m["by"], m["bm"])
        la = {x: _label(m["ay"], m["am"], x) for x in ("en", "ar")}
        lb = {x: _label(m["by"], m["bm"], x) for x in ("en", "ar")}
        return [(a[0], b[1])], {"en": f"between {la['en']} and {lb['en']}", "ar": f"بين {la['ar']} و{lb['ar']}"}
    m = _SINCE.search(text)
    if m:
        start = _bounds(m["ay"], m["am"])
        if re.match(r"\bafter|بعد", m.group(0), re.I):
            nxt = (date.fromisoformat(start[1]) + timedelta(days=1)).isoformat()
            return [(nxt, "9999-12-31")], {
                "en": f"after {_label(m['ay'], m['am'], 'en')}",
                "ar": f"بعد {_label(m['ay'], m['am'], 'ar')}",
            }
        return [(start[0], "9999-12-31")], {
            "en": f"since {_label(m['ay'], m['am'], 'en')}",
            "ar": f"منذ {_label(m['ay'], m['am'], 'ar')}",
        }
    m = _BEFORE.search(text)
    if m:
        end = (date.fromisoformat(_bounds(m["ay"], m["am"])[0]) - timedelta(days=1)).isoformat()
        return [("0001-01-01", end)], {
            "en": f"before {_label(m['ay'], m['am'], 'en')}",
            "ar": f"قبل {_label(m['ay'], m['am'], 'ar')}",
        }
    found = [(x["y"], x["m"]) for x in _ANY_YEAR.finditer(text)]
    if not found:
        return [], {}
    periods = [_bounds(y, mo) for y, mo in found]
    return periods, {lang: _join([_label(y, mo, lang) for y, mo in found], lang) for lang in ("en", "ar")}


def _join(items: list[str], lang: str) -> str:
    years = [int(x) for x in items if x.isdigit()]
    if len(items) >= 2 and len(years) == len(items) and years == list(range(years[0], years[-1] + 1)):
        span = f"{years[0]}–{years[-1]}"
        return f"in {span}" if lang == "en" else f"خلال {span}"
    if lang == "ar":
        return "في " + " و".join(items)
    return "in " + (" and ".join(items) if len(items) < 3 else ", ".join(items[:-1]) + " and " + items[-1])


def _record_span(value: str) -> Period:
    """A record's date as a period: "2023" is all of 2023, "2023-06" all of June."""
    parts = value.split("-")
    if len(parts) == 1:
        return f"{value}-01-01", f"{value}-12-31"
    if len(parts) == 2:
        return _bounds(parts[0], _EN_MONTH_NAMES[int(parts[1]) - 1])
    return value[:10], value[:10]


def in_periods(record: dict[str, Any], periods: list[Period]) -> bool:
    value = record.get("date")
    if not value:
        return False
    a, b = _record_span(str(value))
    return any(a <= pb and pa <= b for pa, pb in periods)


# --- answering ------------------------------------------------------------------------------
def _kind_of(p: dict[str, Any]) -> str:
    e = gazetteer().by_id.get(p["id"])
    return e.kind if e else str(p.get("kind", ""))


def _matches_kind(r: dict[str, Any], kinds: set[str]) -> bool:
    # a region ("the African countries") is a group of countries
    return any(_kind_of(p) in kinds or (_kind_of(p) == "region" and "country" in kinds) for p in r["partners"])


def filter_records(rows: list[dict[str, Any]], q: ListQuery) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The records meeting every constraint of ``q``; and the constraints that could not be applied."""
    g = gazetteer()
    unfiltered = list(q.unfiltered)
    rows = [r for r in rows if r["type"] in q.types]
    if q.partner:
        rows = [r for r in rows if any(p["id"] == q.partner for p in r["partners"])]
    if q.kinds:
        rows = [r for r in rows if _matches_kind(r, q.kinds)]
    if q.regions:
        rows = [r for r in rows if any(q.regions & g.regions_of(p["id"]) for p in r["partners"])]
    if q.parties:
        if rows and all("egypt_party" not in r for r in rows):
            # records extracted before the register knew the Egyptian party
            unfiltered.append(
                {"en": "the Egyptian party (re-ingest to record it)", "ar": "الجهة المصرية (أعد الفهرسة لتسجيلها)"}
            )
        else:
            rows = [r for r in rows if q.parties & set(r.get("egypt_party") or [])]
    if q.periods:
        rows = [r for r in rows if in_periods(r, q.periods)]
    return rows, unfiltered


_NOUN_EN: dict[str, tuple[str, str]] = {
    "mou": ("MoU", "MoUs"),
    "agreement": ("agreement", "agreements"),
    "meeting": ("meeting", "meetings"),
    "initiative": ("initiative", "initiatives"),
}
_NOUN_AR = {"mou": "مذكرات التفاهم", "agreement": "الاتفاقيات", "meeting": "الاجتماعات", "initiative": "المبادرات"}
_VERB = {
    "en": {"mou": "signed", "agreement": "signed", "meeting": "held", "initiative": "took part in"},
    "ar": {"mou": "التي وقع", "agreement": "التي وقع", "meeting": "التي عقد", "initiative": "التي شارك"},
}
_KIND = {
    "en": {
        "regulator": "foreign regulators",
        "company": "companies",
        "organization": "international organisations",
        "country": "countries",
    },
    "ar": {"regulator": "جهات تنظيمية أجنبية", "company": "شركات", "organization": "منظمات دولية", "country": "دول"},
}
_REGION = {
    "en": {"africa": "African", "arab": "Arab", "europe": "European", "asia": "Asian"},
    "ar": {"africa": "أفريقية", "arab": "عربية", "europe": "أوروبية", "asia": "آسيوية"},
}


def _with_phrase(q: ListQuery, lang: str) -> str:
    """ "with African regulators", «مع شركات أوروبية», "with Ofcom"."""
    if q.partner:
        e = gazetteer().by_id.get(q.partner)
        return (" with " if lang == "en" else " مع ") + (e.name(lang) if e else q.partner)
    if not (q.kinds or q.regions):
        return ""
    kinds = (
        " and ".join(_KIND[lang][k] for k in sorted(q.kinds))
        if lang == "en"
        else " و".join(_KIND[lang][k] for k in sorted(q.kinds))
    )
    regions = [_REGION[lang][r] for r in sorted(q.regions)]
    if lang == "en":
        noun = (kinds.replace("foreign ", "") if regions else kinds) or "partners"
        return " with " + " ".join([" or ".join(regions), noun]).strip()
    noun = (kinds.replace(" أجنبية", "") if regions else kinds) or "جهات"
    return " مع " + noun + ("" if not regions else " " + " أو ".join(regions))


def _ar_verb(one: str | None, party_names: list[str]) -> str:
    """«التي وقعتها هيئة ...», «التي وقعها الجهاز ...»: the verb agrees with the first party (ة: feminine)."""
    if not one:
        return "الخاصة بـ"
    fem = party_names[0].split()[0].endswith("ة")
    verb = _VERB["ar"][one]
    if one == "initiative":
        return verb + ("ت فيها" if fem else " فيها")
    return verb + ("تها" if fem else "ها")


def heading(q: ListQuery, n: int, lang: str) -> str:
    """ "The register lists 3 MoUs NTRA signed with foreign regulators in 2022–2023:" — and in Arabic."""
    party_names = [gazetteer().egypt_bodies[p]["short_en" if lang == "en" else "ar"] for p in sorted(q.parties)]
    one = q.types[0] if len(q.types) == 1 else None
    if lang == "ar":
        noun = _NOUN_AR[one] if one else "السجلات"
        verb = _ar_verb(one, party_names) if party_names else ""
        party = f" {verb}{'' if verb.endswith('بـ') else ' '}{' و'.join(party_names)}" if party_names else ""
        period = f" {q.period_label['ar']}" if q.period_label else ""
        return f"يضم السجل {n} من {noun}{party}{_with_phrase(q, 'ar')}{period}:"
    noun = _NOUN_EN[one][n != 1] if one else ("record" if n == 1 else "records")
    party = f" {' and '.join(party_names)} {_VERB['en'][one] if one else 'was party to'}" if party_names else ""
    period = f" {q.period_label['en']}" if q.period_label else ""
    return f"The register lists {n} {noun}{party}{_with_phrase(q, 'en')}{period}:"


def _item(r: dict[str, Any], n: int, language: str) -> str:
    partner_names = ", ".join(partner_name(p, language) for p in r["partners"])
    label = TYPE_LABELS[language if language in TYPE_LABELS else "en"][r["type"]]
    details = []
    if r.get("date"):
        details.append(r["date"])
    if r["topics"] and language == "en":
        details.append(", ".join(r["topics"][:3]))
    k = len(r.get("doc_ids") or [])
    if k > 1:  # one event, several reports: the journalist can open them all from the Agreements tab
        details.append(f"reported in {k} documents" if language != "ar" else _ar_reported(k))
    extra = f" ({'; '.join(details)})" if details else ""
    return f"- {label}: {partner_names}{extra} [{n}]"


def _ar_reported(k: int) -> str:
    """«ورد في وثيقتين», «ورد في 3 وثائق», «ورد في 12 وثيقة»: the counted noun agrees with the number."""
    if k == 2:
        return "ورد في وثيقتين"
    return f"ورد في {k} وثائق" if k <= 10 else f"ورد في {k} وثيقة"


#: share of the question's other content words a report must hold ("at the Tashkent forum")
RESIDUAL_SHARE = 0.75


def _reported_with(
    rows: list[dict[str, Any]], residual: list[str], catalog: Catalog, language: str
) -> list[dict[str, Any]]:
    """The records one of whose reports holds most of the question's other content words.

    A report in the other language cannot be read for them, so it is not held against its record.
    """
    if not residual:
        return rows
    words: dict[str, frozenset[str] | None] = {}

    def says(doc_id: str) -> bool:
        if doc_id not in words:
            doc = catalog.document(doc_id)
            words[doc_id] = None if doc is None or doc.language != language else token_set(doc.text)
        seen = words[doc_id]
        return seen is None or sum(t in seen for t in residual) >= RESIDUAL_SHARE * len(residual)

    return [r for r in rows if any(says(d) for d in r.get("doc_ids") or [r["doc_id"]])]


def register_answer(
    catalog: Catalog, question: str, language: str, allowed_docs: set[str] | None = None
) -> tuple[str, list[Evidence]] | None:
    """Answer a list question from the register: every record meeting all its constraints, counted, each with
    its own citation; the constraints it recognised but could not apply are said."""
    q = list_query(question)
    if q is None:
        return None
    # Filter documents before merging, so a merged record only shows reports the filters allow.
    rows = merge_records([r for r in catalog.records() if allowed_docs is None or r["doc_id"] in allowed_docs])
    rows, unfiltered = filter_records(rows, q)
    lang = "ar" if language == "ar" else "en"
    rows = _reported_with(rows, q.residual, catalog, lang)
    if not rows:
        return None
    evidence: list[Evidence] = []
    lines: list[str] = []
    by_evidence: dict[tuple[str, int, int], int] = {}
    docs = {d.doc_id: d for d in catalog.documents()}
    for r in sorted(rows, key=lambda r: (TYPES.index(r["type"]), r.get("date") or "", r["partners"][0]["en"])):
        ev = first_evidence(r, lang)  # a report in the question's language when the event has one
        doc_id = str(ev.get("doc_id", r["doc_id"]))
        key = (doc_id, ev["start"], ev["end"])
        if key not in by_evidence:
            by_evidence[key] = len(by_evidence) + 1
            doc = docs.get(doc_id)
            lg = doc.language if doc else str(ev.get("language") or r["language"])
            evidence.append(Evidence(by_evidence[key], "", doc_id, lg, ev["start"], ev["end"], ev["text"], 1.0))
        lines.append(_item(r, by_evidence[key], language))
    text = heading(q, len(rows), lang) + "\n" + "\n".join(lines)
    if unfiltered:
        what = (", " if lang == "en" else "، ").join(u[lang] for u in unfiltered)
        text += f"\n(Not filtered by {what}.)" if lang == "en" else f"\n(لم يُطبَّق قيد {what}.)"
    return text, evidence
