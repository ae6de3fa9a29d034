"""Question analysis: what a question asks for, its parts, and whether there is anything to answer.

``analyze`` returns a :class:`QuestionInfo`: the language, the answer types asked,
the question's parts (a compound question is split), and two abstention flags:
``junk`` (markup, SQL or template injection, code, bare URLs, keyboard mashing,
prompt injection) and ``vague`` (no content words: "What is this?", "اشرح").

Answer types are conservative: downstream, a typed part abstains when no strong
sentence holds a fact of that type, so a wrong type costs an answer while a
missing type only costs precision. A part may carry several types; any of them
satisfies it.

============  =====================================  ==============================================
type          English cues                           Arabic cues
============  =====================================  ==============================================
when          when; what/which year, date, month,    متى؛ في أي عام/سنة/شهر/يوم؛ ما تاريخ؛
              day, decade, century; what is the date  ما العام/السنة؛ في عام كم
who           who, whom (not "the minister who...")  من + verb at the start of a part (not من المقرر،
                                                     من بين، من خلال...)؛ من هو/هي/هم؛ مع من
count         how many; what is the number of;       كم (bare)؛ كم عدد؛ ما (هو) عدد
              how old
amount        how much (money); budget, cost,        بكم؛ كم دولار/جنيه؛ ميزانية، تكلفة، قيمة
              funding, price, worth (only when no    (not القيمة المضافة)، مبلغ، حجم التمويل (only
              other type is asked)                   when no other type is asked)
percent       what percentage/percent/share/         ما (هي) نسبة؛ بنسبة كم؛ كم تبلغ نسبة؛ بأي نسبة
              proportion; how much percent
duration      how long did/does/has/will...; for     كم من الوقت؛ كم استغرق؛ ما (هي) مدة؛ لمدة كم
              how long; how much time
where         where; what/which city, place, venue;  أين؛ في أي مكان/مدينة/دولة؛ ما المدينة/المكان
              in which country (also ``country``)
country       what/which country, nation             أي دولة/بلد؛ ما الدولة/الدول التي...
organization  what/which organisation, agency,       أي جهة/منظمة/هيئة/مؤسسة/وزارة/وكالة؛
              regulator, body, authority, ministry   ما الجهة/المنظمة/الهيئة التي...
company       what/which company, firm, operator,    أي شركة/مشغل؛ ما الشركة/الشركات التي...
              provider, vendor
name          what is the name of (not a person,     ما اسم؛ ما أسماء (a person's name: ``who``)
              company, country or body: those types)
============  =====================================  ==============================================
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.core.gazetteer import HOME, gazetteer
from assistant.core.text import (
    clean_question,
    detect_language,
    has_words,
    normalize_arabic,
    normalize_with_offsets,
    tokenize,
)

#: the answer types (the table above)
TYPES: dict[str, str] = {
    "when": "a date, year or time",
    "who": "a person (or whoever did it)",
    "count": "a number of things",
    "amount": "a sum of money",
    "percent": "a percentage or share",
    "duration": "a length of time",
    "where": "a place",
    "country": "a country",
    "organization": "an organisation, agency, regulator or ministry",
    "company": "a company or operator",
    "name": "a name",
}


@dataclass(frozen=True)
class Part:
    text: str  # the sub-question; a part with no content of its own carries its neighbour's
    types: frozenset[str]  # answer types asked by this part


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    language: str  # "ar" | "en"
    types: frozenset[str]  # union over parts
    parts: tuple[Part, ...]  # one Part for a simple question
    junk: bool  # markup, injection, code, URLs only, random characters: abstain
    vague: bool  # nothing to search for ("What is this?", "اشرح"): abstain unless history resolves it


# --- answer-type cues ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Cue:
    qtype: str
    pattern: re.Pattern[str]
    placed: bool  # English wh-word: counts only where a question word can stand (not "the minister who")
    firm: bool = True  # False: "أي" also means "any", so it does not count in a yes/no question


def _en(qtype: str, src: str, placed: bool = True) -> _Cue:
    return _Cue(qtype, re.compile(src, re.I), placed)


def _ar(qtype: str, src: str, firm: bool = True) -> _Cue:
    # Cues are matched on normalised text (أ/إ/آ -> ا, ى -> ي, ة -> ه, no diacritics): normalise them too.
    return _Cue(qtype, re.compile(normalize_arabic(src)), False, firm)


# an optional modifier between "which" and its noun ("which Egyptian ministry"), never a verb or article
_MOD = (
    r"(?:(?!(?:did|does|do|is|was|were|are|has|have|had|will|would|can|could|should|the|a|an|of|and|or)\b)[\w-]+\s+)?"
)
_ORG_EN = (
    r"(?:organi[sz]ations?|agenc(?:y|ies)|regulators?|bod(?:y|ies)|authorit(?:y|ies)|institutions?|entit(?:y|ies)|"
    r"ministr(?:y|ies)|departments?|associations?|councils?|committees?|universit(?:y|ies)|unions?)"
)
_COMPANY_EN = (
    r"(?:compan(?:y|ies)|firms?|operators?|providers?|vendors?|carriers?|start-?ups?|corporations?|contractors?)"
)
_PERSON_EN = (
    r"(?:ministers?|presidents?|ambassadors?|directors?|ceos?|chairm[ae]n|chairwoman|heads?|persons?|people|"
    r"officials?|representatives?|spokes(?:man|woman|person)|founders?|governors?|secretar(?:y|ies))"
)
_WHICH = r"\b(?P<wh>what|which)\s+"
_NAME_OF = r"\b(?P<wh>what)(?:'s|’s|\s+is|\s+was|\s+are|\s+were)\s+(?:the\s+)?names?\s+of\s+(?:the\s+|an?\s+)?" + _MOD
# "which country's minister" asks for the minister
_NOT_POSSESSIVE = r"(?!['’]s)\b"
# "who are the partner countries" asks for countries
_WHO_NOT_GROUP = (
    r"(?!\s+(?:are|were|is|was)\s+(?:the\s+)?" + _MOD + r"(?:countr(?:y|ies)|nations?|compan(?:y|ies)|firms|"
    r"organi[sz]ations?|agencies|partners|parties|signatories|sponsors|members|participants|winners)\b)"
)
_WHO_ARE_THE = r"\b(?P<wh>who)\s+(?:are|were|is|was)\s+(?:the\s+)?" + _MOD

_ORG_AR = r"(?:جهة|جهات|منظمة|منظمات|هيئة|هيئات|مؤسسة|مؤسسات|وزارة|وزارات|وكالة|وكالات)"
_COMPANY_AR = r"(?:شركة|شركات|مشغل|مشغلي|مشغلين)"
_COUNTRY_AR = r"(?:دولة|دول|بلد|بلدان)"
_PERSON_AR = r"(?:وزير|وزيرة|رئيس|رئيسة|سفير|سفيرة|مدير|مديرة|ممثل|ممثلة|مسؤول|مسؤولة|مؤسس|محافظ|شخص|أشخاص)"
# a "ما ال..." cue asks for an entity only when a relative clause follows ("ما الجهة التي..."):
# "ما الهيئة العامة للاستثمار؟" asks what the authority is
_REL_AR = r"(?=(?:\s+\S+){0,2}?\s+(?:التي|الذي|الذين|اللتين|اللذين|المسؤولة|المسؤول|المختصة|المكلفة)(?!\w))"
_B = r"(?<!\w)[وفبل]?"  # a word start with its clitic conjunction or preposition

CUES: tuple[_Cue, ...] = (
    # when
    _en("when", r"\b(?P<wh>when)\b"),
    _en("when", _WHICH + r"(?:exact\s+|specific\s+)?(?:year|years|date|month|day|decade|century)\b"),
    _en("when", r"\b(?P<wh>what)(?:'s|’s|\s+is|\s+was)\s+the\s+(?:exact\s+)?date\b"),
    _ar("when", _B + r"متى(?!\w)"),
    _ar("when", _B + r"أي\s+(?:عام|سنة|شهر|تاريخ|يوم|وقت|قرن|عقد)(?!\w)", firm=False),
    _ar(
        "when", _B + r"ما\s+(?:هو\s+|هي\s+)?(?:تاريخ|العام|السنة|الشهر|اليوم)(?!\w)(?!\s+(?:العلاقات|العلاقة|التعاون))"
    ),
    _ar("when", r"(?<!\w)(?:عام|سنة)\s+كم(?!\w)"),
    # where
    _en("where", r"\b(?P<wh>where)\b"),
    _en(
        "where",
        _WHICH + _MOD + r"(?:city|cities|town|towns|place|places|venue|venues|location|locations|governorates?)\b",
    ),
    _en("where", r"\b(?:in|at)\s+(?P<wh>what|which)\s+countr(?:y|ies)\b"),
    _ar("where", _B + r"(?:أين|اين)(?!\w)"),
    _ar("where", _B + r"أي\s+(?:مكان|مدينة|محافظة|عاصمة|منطقة|موقع)(?!\w)", firm=False),
    _ar("where", r"(?<!\w)[وف]?في\s+أي\s+(?:دولة|دول|بلد|بلدان|الدول)(?!\w)", firm=False),
    _ar("where", _B + r"ما\s+(?:هي\s+|هو\s+)?(?:المدينة|المكان|الموقع|المحافظة|مكان|موقع)(?!\w)"),
    # country
    _en("country", _WHICH + _MOD + r"(?:countr(?:y|ies)|nations?)" + _NOT_POSSESSIVE),
    _en("country", r"\b(?P<wh>which)\s+(?:one\s+)?of\s+the\s+" + _MOD + r"(?:countries|nations)\b"),
    _en("country", _WHO_ARE_THE + r"(?:countries|nations)\b"),
    _en("country", _NAME_OF + r"(?:countr(?:y|ies)|nations?)\b"),
    _ar("country", _B + r"أي\s+(?:ال)?" + _COUNTRY_AR + r"(?!\w)", firm=False),
    _ar("country", _B + r"ما\s+(?:هي\s+|هو\s+)?ال" + _COUNTRY_AR + _REL_AR),
    _ar("country", _B + r"من\s+(?:هي|هم|هو)\s+(?:ال)?" + _COUNTRY_AR + r"(?!\w)"),
    # organization
    _en("organization", _WHICH + _MOD + _ORG_EN + _NOT_POSSESSIVE),
    _en("organization", _WHO_ARE_THE + r"(?:organi[sz]ations|agencies)\b"),
    _en("organization", _NAME_OF + _ORG_EN + r"\b"),
    _ar("organization", _B + r"أي\s+(?:ال)?" + _ORG_AR + r"(?!\w)", firm=False),
    _ar("organization", _B + r"ما\s+(?:هي\s+|هو\s+)?ال" + _ORG_AR + _REL_AR),
    _ar("organization", _B + r"من\s+(?:هي|هم|هو)\s+(?:ال)?" + _ORG_AR + r"(?!\w)"),
    # company
    _en("company", _WHICH + _MOD + _COMPANY_EN + _NOT_POSSESSIVE),
    _en("company", _WHO_ARE_THE + r"(?:companies|firms|operators)\b"),
    _en("company", _NAME_OF + _COMPANY_EN + r"\b"),
    _ar("company", _B + r"أي\s+(?:ال)?" + _COMPANY_AR + r"(?!\w)", firm=False),
    _ar("company", _B + r"ما\s+(?:هي\s+|هو\s+)?ال" + _COMPANY_AR + _REL_AR),
    _ar("company", _B + r"من\s+(?:هي|هم|هو)\s+(?:ال)?" + _COMPANY_AR + r"(?!\w)"),
    # percent
    _en(
        "percent", r"\b(?P<wh>what)\s+(?:is\s+|was\s+)?(?:the\s+)?(?:percentage|percent|per\s?cent|share|proportion)\b"
    ),
    _en("percent", r"\bhow\s+(?:much|many)\s+(?:of\s+a\s+)?(?:percent|percentage|per\s?cent)\b", placed=False),
    _ar("percent", _B + r"ما\s+(?:هي\s+)?(?:نسبة|النسبة)(?!\w)"),
    _ar("percent", r"(?<!\w)(?:بنسبة|نسبة)\s+كم(?!\w)|(?<!\w)بأي\s+نسبة(?!\w)|(?<!\w)كم\s+في\s+المائة(?!\w)"),
    _ar("percent", _B + r"كم\s+(?:\S+\s+)?(?:نسبة|النسبة)(?!\w)"),
    # duration ("how long is the cable" asks for a length: only "how long" + verb counts)
    _en(
        "duration",
        # "how long would the corridor be?" asks for a length: a thing laid out in space, and no verb but "be"
        r"\bhow\s+long\s+(?:did|does|do|has|have|had|will|would|can|could|should|must|it\s+took|it\s+takes)\b"
        r"(?!(?:\s+[\w'’-]+){0,6}?\s+(?:cables?|corridors?|roads?|lines?|routes?|networks?|fibres?|fibers?|"
        r"bridges?|pipelines?|links?|tunnels?|runways?|tracks?|borders?|strips?)\s+be\s*(?:[?؟,]|$|\s+and\b))|"
        r"\bfor\s+how\s+long\b|\bhow\s+much\s+(?:time|longer)\b",
        placed=False,
    ),
    _en(
        "duration",
        r"\b(?P<wh>what)\s+(?:is|was|will\s+be)\s+the\s+(?:duration|validity|time\s*frame|timeframe|maturity|tenor|"
        r"grace\s+period|repayment\s+period)\b",
    ),
    _ar("duration", r"(?<!\w)[وف]?كم\s+من\s+(?:الوقت|الزمن)(?!\w)|(?<!\w)(?:لمدة|طوال)\s+كم(?!\w)"),
    _ar("duration", _B + r"كم\s+(?:\S+\s+)?(?:استغرق|يستغرق|تستغرق|استغرقت|سيستغرق|ستستغرق)(?!\w)"),
    _ar("duration", _B + r"ما\s+(?:هي\s+)?(?:مدة|المدة|فترة\s+السماح|فترة\s+السداد|أجل)(?!\w)"),
    # count
    _en("count", r"\bhow\s+(?:many|old)\b", placed=False),
    _en("count", r"\b(?P<wh>what)\s+(?:is\s+|was\s+)?the\s+(?:total\s+)?number\s+of\b|\b(?P<wh2>what)\s+number\s+of\b"),
    _ar("count", _B + r"(?:ما|كم)\s+(?:هو\s+|هي\s+)?(?:إجمالي\s+)?عدد(?!\w)"),
    _ar("_count", r"(?<!\w)[وف]?كم(?!\w)"),  # bare كم: a count unless money, a share or a time is asked
    # amount ("how much data" is not money)
    _en(
        "amount",
        r"\bhow\s+much\b(?!\s+(?:time|longer|data|traffic|capacity|bandwidth|electricity|power|energy|land|space|"
        r"water|gas|storage|area|speed|percent|percentage|per\s?cent|of\s+a\s+percent))",
        placed=False,
    ),
    _ar("amount", r"(?<!\w)[وف]?بكم(?!\w)|(?<!\w)[وف]?كم\s+(?:مليون\s+|مليار\s+|ألف\s+)?(?:دولار|جنيه|يورو)"),
    # name (a person's, company's, country's or body's name is asked by those types)
    _en("who", _NAME_OF + r"(?=" + _PERSON_EN + r"\b)"),  # the person noun stays a search word
    _en("name", r"\b(?P<wh>what)(?:'s|’s|\s+is|\s+was|\s+are|\s+were)\s+(?:the\s+)?names?\b|^\s*name\s+the\b"),
    _ar("who", _B + r"ما\s+(?:هو\s+|هي\s+)?(?:اسم|أسماء)(?=\s+(?:ال)?" + _PERSON_AR + r"(?!\w))"),
    _ar("company", _B + r"ما\s+(?:هو\s+|هي\s+)?(?:اسم|أسماء)\s+(?:ال)?" + _COMPANY_AR + r"(?!\w)"),
    _ar("country", _B + r"ما\s+(?:هو\s+|هي\s+)?(?:اسم|أسماء)\s+(?:ال)?" + _COUNTRY_AR + r"(?!\w)"),
    _ar("organization", _B + r"ما\s+(?:هو\s+|هي\s+)?(?:اسم|أسماء)\s+(?:ال)?" + _ORG_AR + r"(?!\w)"),
    _ar("name", _B + r"ما\s+(?:هو\s+|هي\s+)?(?:اسم|أسماء)(?!\w)"),
    # who
    _en("who", r"\b(?P<wh>whom?)\b" + _WHO_NOT_GROUP),
    _ar(
        "who",
        _B
        + r"من\s+(?:هو|هي|هم|هما|الذي|التي|الذين|اللذين)(?!\w)(?!\s+(?:ال)?(?:"
        + _COUNTRY_AR[3:-1]
        + "|"
        + _ORG_AR[3:-1]
        + "|"
        + _COMPANY_AR[3:-1]
        + r"|شركاء|أطراف)(?!\w))",
    ),
    _ar("who", r"(?<!\w)(?:مع|قبل|بواسطة)\s+من(?!\w)"),
)

# Money nouns ask for an amount only when nothing else is asked ("who funded it?" asks for a funder)
# and not in a how/why/yes-no question ("how was it funded?").
_AMOUNT_NOUNS = re.compile(
    normalize_arabic(
        r"\bbudgets?\b|\bcosts?\b|\bcosting\b|\bfunding\b|\bfunded\b|\bprice\b|\bworth\b|\bvalue\s+of\b|\bamount\b|"
        r"\bspend\b|\bspent\b|\bsalar(?:y|ies)\b|\bwages?\b|\bfees?\b|ميزاني|(?<!\w)(?:[وفب]?(?:ال)?|[وف]?س?[يتن])(?:تكلف|تكاليف|كلف)|"
        r"(?<!\w)(?:[وف]?ب?(?:ما|كم)\s+(?:\S+\s+){0,2})[وفب]?قيم(?:ة|ته|تها)(?!\w)|مبلغ|(?<!\w)[وفب]?(?:ال)?(?:راتب|رواتب|أجور|رسوم)(?!\w)|"
        r"حجم\s+(?:ال)?(?:تمويل|استثمار|استثمارات|منحة|منح|إنفاق|انفاق)"
    ),
    re.I,
)
_NO_AMOUNT_START = re.compile(
    normalize_arabic(
        r"^\s*(?:(?:how|why)\b(?!\s+much)|(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|"
        r"should|may|might|shall|must)\b|[وف]?(?:هل|كيف|لماذا)(?!\w))"
    ),
    re.I,
)
# Rates that releases state as a percentage ("the interest rate", «سعر الفائدة», «معدل النمو») ask for a
# share, under the same conditions as the money nouns; a rate in general ("the deforestation rate") does not.
_RATE_NOUNS = re.compile(
    normalize_arabic(
        r"\b(?:interest|growth|inflation|unemployment|penetration|literacy|tax|discount|adoption|enrol?lment|"
        r"poverty|vacancy)\s+rates?\b|\brates?\s+of\s+(?:interest|growth|inflation|unemployment|return)\b|"
        r"(?<!\w)[وفب]?(?:ال)?(?:سعر|أسعار|معدل|معدلات)\s+(?:ال)?(?:فائدة|فوائد|نمو|تضخم|بطالة|انتشار|أمية|ضريبة)(?!\w)"
    ),
    re.I,
)
# a bare «كم» before a verb of paying asks for money: «كم خصص الصندوق للاستثمار»، «كم استثمرت الشركة»
_KAM_PAYS = re.compile(
    normalize_arabic(
        r"(?<!\w)[وف]?كم\s+(?:س?[يت])?(?:خصص|استثمر|ستثمر|انفق|نفق|دفع|رصد|تبرع|كلف)(?:ت|وا|ون|ها|ه)?(?!\w)"
    )
)
# «كم يبلغ إسهام الجانب الفنلندي»، «كم بلغ حجم التمويل»: a bare «كم» before a sum of money asks for it
_KAM_SUM = re.compile(
    normalize_arabic(
        r"(?<!\w)[وف]?كم\s+(?:(?:[يت]?بلغ|بلغت|يصل|تصل|كان|كانت)\s+(?:(?:ال)?حجم\s+)?[وب]?(?:ال)?|(?:ال)?حجم\s+[وب]?(?:ال)?|ال)"
        r"(?:إسهام|اسهام|مساهمة|مساهمات|تمويل|استثمار|استثمارات|قرض|منحة|دعم|إنفاق|انفاق)"
    )
)
_YES_NO_AR = re.compile(normalize_arabic(r"^\s*[وف]?هل(?!\s+(?:تعرف|تعلم|يمكنك|يمكن|ممكن))(?!\w)"))


def _words(src: str) -> frozenset[str]:
    return frozenset(normalize_arabic(w) for w in src.split())


# After a question-initial "من", these make it the preposition "from/among" ("ومن المقرر", "من بين"...).
_FROM_NEXT = _words(
    """بين خلال أجل ضمن جانب جانبه جانبها جهة جهته جهتها ناحية حيث قبل بعد عند دون أين أي هنا هناك ثم أهم أبرز
    أكبر أكثر أفضل أول أوائل أقدم أحدث أقل أعلى أسرع أصغر شأن شأنه شأنها طرف لدن حول إلى الى خلاله خلالها بينها
    بينهم ضمنها أبرزها أهمها عدة عدد مختلف جميع كافة كل بعض شتى أمام وراء تحت فوق داخل خارج منذ المقرر المتوقع
    الممكن المهم المنتظر المفترض المزمع المعروف المؤكد المرجح المستحيل الضروري الواضح الطبيعي الجدير المعلوم
    اللافت الملاحظ الصعب السهل المقترح المخطط المعتاد المستهدف المحتمل الأفضل الآن"""
)
_PRONOUNS = _words("هو هي هم هما الذي التي الذين اللذين")
_PERSON_AL = _words("المسؤول المسؤولة")  # "ومن المسؤول عن..." is "and who is responsible"
# after "وما" these make it a relative or fixed phrase ("وما زال", "وما إلى ذلك", "وما يتعلق بـ")
_MA_NOT = _words(
    "زال يزال تزال زالت دام دامت إلى الى بعد بعدها قبل قبلها يلي يتعلق يخص يتصل لم لا شابه نحو يقرب عدا إذا ان أن"
)

_AR_WHO_START = re.compile(
    normalize_arabic(
        r"^\W*(?:(?:أخبرني|اخبرني|اذكر|حدد|قل لي|هل تعرف|هل تعلم)\s+)?[وف]?(?P<wh>من)(?!\w)\s*(?P<next>\w*)"
    )
)
_LEADS = frozenset(
    """and or but so then also exactly precisely roughly approximately about to with by from for in on at of since
    until till after before during between among under through into against within me us know wonder ask asked say
    explain remember tell see out""".split()
)
_OPENERS = ",;:(\"'“‘—–-.?!؟،"
_WORD = re.compile(r"\w")


def _placed(norm: str, a: int, b: int) -> bool:
    """An English wh-word asks only where a question word can stand: not "the minister who visited"."""
    before = norm[:a].rstrip()
    if not before or before[-1] in _OPENERS:
        return True
    if before.split()[-1].lower() in _LEADS:
        return True
    return not _WORD.search(norm, b)  # it ends the question: "The MoU was signed when?"


def _names_entity(rest: str) -> bool:
    found = gazetteer().find(rest[:80])
    return bool(found) and found[0].start == 0


def _means_from(word: str, rest: str, strict: bool) -> bool:
    """Is "من" before ``word`` the preposition? ``strict``: also before any definite noun ("ومن الدول")."""
    if not word:
        return False  # "ومن؟": and who?
    if word in _PRONOUNS or word in _PERSON_AL:
        return False
    if word.isdigit() or word in _FROM_NEXT:
        return True
    if strict and word.startswith("ال"):
        return True
    return _names_entity(rest)  # "من أذربيجان": from Azerbaijan


def _ar_who_start(norm: str) -> tuple[int, int] | None:
    m = _AR_WHO_START.search(norm)
    if m is None or m.group("next") in _PRONOUNS:  # "من هو/هي": the cue table tells "من هي الدول" apart
        return None
    if _means_from(m.group("next"), norm[m.start("next") :], strict=False):
        return None
    return m.start("wh"), m.end("wh")


def _cue_hits(norm: str) -> list[tuple[str, int, int, bool]]:
    """(type, start, end, firm) of every answer-type cue in normalised text."""
    out = []
    for cue in CUES:
        for m in cue.pattern.finditer(norm):
            if cue.placed:
                g = next((k for k in ("wh", "wh2") if m.groupdict().get(k)), 0)
                if not _placed(norm, m.start(g), m.end()):
                    continue
            out.append((cue.qtype, m.start(), m.end(), cue.firm))
    who = _ar_who_start(norm)
    if who is not None:
        out.append(("who", *who, True))
    return out


def _part_types(text: str) -> set[str]:
    """The answer types one (sub-)question asks for; conservative (see the module table)."""
    norm, _ = normalize_with_offsets(text)
    yes_no = bool(_YES_NO_AR.search(norm))
    types = {t for t, _, _, firm in _cue_hits(norm) if firm or not yes_no}
    bare_kam = "_count" in types  # "كم تبلغ قيمة المنحة" asks for money
    types.discard("_count")
    if not types and not _NO_AMOUNT_START.search(norm) and _RATE_NOUNS.search(norm):
        types = {"percent"}
    if not types and not _NO_AMOUNT_START.search(norm) and _AMOUNT_NOUNS.search(norm):
        types = {"amount"}
    if bare_kam and not types:
        types = {"amount"} if _KAM_PAYS.search(norm) or _KAM_SUM.search(norm) else {"count"}
    if "percent" in types:
        types -= {"amount", "count"}
    if types & {"amount", "duration"}:
        types.discard("count")  # "how much", "كم تبلغ قيمة", "كم من الوقت": not a count of things
    if types & {"who", "company", "country", "organization"}:
        types.discard("name")
    return types


def question_types(q: str) -> set[str]:
    """The answer types asked by any part of ``q`` (today's names; see the module table)."""
    return set().union(*(_part_types(t) for t in _own_texts(q)))


# --- compound questions ---------------------------------------------------------------------------------
_STOP = re.compile(r"[?؟;؛]+")
_EN_JOINT = re.compile(
    r"(?P<sep>\s*[,;]\s*(?:(?:and|or|but)\s+)?|\s+(?:and|or|but)\s+)(?:(?:also|then)\s+)?"
    r"(?=(?:(?:by|with|to|from|in|on|at|for|of|since|until)\s+)?(?P<wh>who|whom|whose|when|where|what|which|how|why)\b"
    r"\s*(?P<after>[^\s?]*))",
    re.I,
)
_AUX = frozenset("is are was were do does did has have had will would can could should".split())
_AR_JOINT = re.compile(
    normalize_arabic(
        r"(?:\s*[،,]\s*[وف]?|\s+[وف])(?P<wh>من|متى|أين|اين|كم|بكم|كيف|لماذا|ماذا|هل|ما|أي|في\s+أي|إلى\s+أي|منذ\s+متى)"
        r"(?!\w)(?=\s*(?P<after>\w*))"
    )
)
_Q_START = re.compile(
    normalize_arabic(
        r"^\W*(?:(?:and|or|but|so|also|then)\s+)?(?:(?:by|with|to|from|in|on|at|for|of|since|until)\s+)?"
        r"(?:who|whom|whose|when|where|what|which|how|why|is|are|was|were|do|does|did|has|have|had|can|could|will|"
        r"would|should|tell|name|list|explain|describe|give|show)\b|"
        r"^\W*[وف]?(?:من|متى|أين|اين|كم|بكم|كيف|لماذا|ماذا|هل|ما|أي|في\s+أي|إلى\s+أي|منذ|اذكر|اشرح|حدد|أخبرني|اخبرني)(?!\w)"
    ),
    re.I,
)


def _en_joint_ok(norm: str, m: re.Match[str]) -> bool:
    """A comma alone splits only between questions: "who, when and where", not "the MoU, which was signed"."""
    if re.search(r"\b(?:and|or|but)\b", m.group("sep"), re.I):
        return True
    before = _STOP.split(norm[: m.start()])[-1]
    if not _Q_START.search(before):
        return False  # "In 2019, what did Egypt sign?" is one question
    wh, after = m.group("wh").lower(), m.group("after").lower()
    if not after or after in {"and", "or"} or after.endswith(","):
        return True
    return wh in {"how", "what", "why"} or (wh in {"when", "where"} and after in _AUX)


def _ar_joint_ok(norm: str, m: re.Match[str]) -> bool:
    wh, after = m.group("wh"), m.group("after")
    if wh == "من":
        return not _means_from(after, norm[m.start("after") :], strict=True)
    return not (wh == "ما" and after in _MA_NOT)


def _cuts(norm: str) -> list[tuple[int, int]]:
    """(end of one segment, start of the next), merged where they overlap."""
    cuts = [m.span() for m in _STOP.finditer(norm)]
    cuts += [(m.start(), m.end("sep")) for m in _EN_JOINT.finditer(norm) if _en_joint_ok(norm, m)]
    cuts += [(m.start(), m.start("wh")) for m in _AR_JOINT.finditer(norm) if _ar_joint_ok(norm, m)]
    merged: list[tuple[int, int]] = []
    for a, b in sorted(cuts):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _asks(seg: str) -> bool:
    """Does a clause ask something? "ومن المقرر أن..." (it is scheduled that...) does not."""
    if _part_types(seg):
        return True
    m = _Q_START.search(seg)
    if m is None:
        return False
    start = _AR_WHO_START.search(seg)
    return start is None or start.group("next") in _PRONOUNS or _ar_who_start(seg) is not None


def _segments(text: str) -> list[tuple[int, int]]:
    """Character spans of the question's clauses; a clause that asks nothing joins the next one."""
    norm, index = normalize_with_offsets(text)
    bounds, pos = [], 0
    for a, b in _cuts(norm):
        bounds.append((pos, a))
        pos = b
    bounds.append((pos, len(norm)))
    spans = [(a, b) for a, b in bounds if _WORD.search(norm, a, b)]
    out: list[tuple[int, int]] = []
    carry: int | None = None
    for i, (a, b) in enumerate(spans):
        seg = norm[a:b]
        asks = _asks(seg)
        if not asks and i + 1 < len(spans):
            carry = a if carry is None else carry  # "In 2019, what ...": the statement belongs to the question
            continue
        if not asks and out:
            out[-1] = (out[-1][0], b)
            continue
        out.append((a if carry is None else carry, b))
        carry = None
    return [(index[a], index[b]) for a, b in out]


_LEAD_CONJ = re.compile(r"^(?:(?:and|or|but|so|also|then)\s+)+", re.I)
_LEAD_CONJ_AR = re.compile(
    r"^[وف]\u064e?(?=(?:مَ?ن|متى|أين|اين|كم|بكم|كيف|لماذا|ماذا|هل|ما|[أإا][يى]|في\s+[أا][يى]|إلى\s+[أا][يى]|منذ)(?!\w))"
)
_EDGE = " ?؟!.,،;؛:"


def _strip_conj(text: str) -> str:
    text = text.strip(_EDGE)
    return _LEAD_CONJ_AR.sub("", _LEAD_CONJ.sub("", text)).strip(_EDGE)


def _own_texts(text: str) -> list[str]:
    """Each part's own words: a simple question is itself."""
    spans = _segments(text)
    if len(spans) <= 1:
        return [text]
    return [_strip_conj(text[a:b]) for a, b in spans]


_LEAD_FUNCTION = re.compile(
    r"^(?:(?:is|are|was|were|do|does|did|has|have|had|the|a|an|in|on|at|by|with|of|for|to|and|هو|هي|هم|الذي|التي)\s+)+",
    re.I,
)


def _without_cues(text: str) -> str:
    """``text`` with its answer-type phrases ("in what year", "كم عدد") taken out."""
    norm, index = normalize_with_offsets(text)
    pieces, pos = [], 0
    for a, b in sorted((index[a], index[b]) for _, a, b, _ in _cue_hits(norm)):
        if a >= pos:
            pieces.append(text[pos:a])
        pos = max(pos, b)
    pieces.append(text[pos:])
    return " ".join(p.strip() for p in pieces if p.strip())


def _remainder(text: str) -> str:
    """What a part says besides its question word, for a part that has nothing of its own ("and when?")."""
    return _LEAD_FUNCTION.sub("", _without_cues(text).strip(_EDGE)).strip(_EDGE)


def _parts(text: str) -> tuple[Part, ...]:
    # a bare "What?" beside a real question asks nothing of its own
    own = [t for t in _own_texts(text) if content_words(t) or _part_types(t)]
    if len(own) <= 1:
        return (Part(text, frozenset(_part_types(text))),)
    has = [bool(content_words(t)) for t in own]
    parts = []
    for i, t in enumerate(own):
        full = t
        if not has[i]:
            # the nearest earlier part with content, else the nearest later one ("when and where was it held?")
            donor = next((j for j in range(i - 1, -1, -1) if has[j]), None)
            donor = donor if donor is not None else next((j for j in range(i + 1, len(own)) if has[j]), None)
            if donor is not None:
                full = f"{t} {_remainder(own[donor])}".strip()
        parts.append(Part(full, frozenset(_part_types(t))))
    return tuple(parts)


# --- content words ----------------------------------------------------------------------------------------
#: conversation filler, question words and the archive's own country: nothing to search for
_GENERIC = frozenset(
    tokenize(
        """many much number total kind type please tell explain describe detail details info information thing things
        something anything stuff hello hi hey thanks thank ok okay yes know want question answer say give show help
        happen happened new mean talk topic subject test lol hmm Egypt Egyptian
        اشرح اشرحي وضح وضحي أخبرني اخبرني قل قولي حدثني المزيد مزيد أكثر معلومات معلومة تفاصيل شيء أشياء مرحبا
        مرحباً أهلا اهلا السلام عليكم سلام شكرا شكراً نعم حسنا سؤال أريد اريد أعرف اعرف معرفة ممكن فضلك سمحت لو
        الموضوع موضوع ايه إيه ايش شو عدد إجمالي حدث يحدث جديد كم لي لنا مصر المصري المصرية اذكر list mention
        وما وماذا ومتى وأين واين وكم وهل وكيف ولماذا تم يتم هناك"""
    )
)


# the question's own verb, not one of a relative clause ("When did Egypt sign the deal that will ...")
_EN_FUTURE = re.compile(
    r"^\W*(?:and\s+|but\s+)?when\s+(?:will|shall|(?:is|are)\s+(?:(?!that|which|who)\S+\s+){0,6}?(?:expected|due|"
    r"scheduled|set|planned|going|to)\b|(?:does|do)\s+(?:(?!that|which|who)\S+\s+){0,6}?(?:start|begin|open|launch|"
    r"take\s+effect|come\s+into))",
    re.I,
)
_AR_FUTURE_VERBS = (
    r"(?:يبدأ|تبدأ|ينطلق|تنطلق|يفتتح|تفتتح|يصرف|تصرف|يدخل|تدخل|ينتهي|تنتهي|يكتمل|تكتمل|يعقد|تعقد|يستكمل|تستكمل|"
    r"يتم|تتم|يجري|تجري|ينفذ|تنفذ|يطلق|تطلق|يبدأون|يصل|تصل|يعمل|تعمل)"
)
_AR_FUTURE = re.compile(
    normalize_arabic(
        rf"(?<!\w)[وف]?متى\s+(?:(?:من\s+)?(?:المقرر|المتوقع|المنتظر)|سوف\s+\w+|س?{_AR_FUTURE_VERBS}(?!\w)|"
        # any «س» future («ستوقع»، «سيزور»), not «سيطرت» (it ruled), «سيناء» or «سنغافورة»
        r"س[يتن](?!طر|ناء|نغافور)\w{2,})"
    )
)


# "when signed the deal": the compound part "Who signed the deal, and when?" keeps its verb
_EN_PAST = re.compile(r"^\W*(?:and\s+|but\s+)?when\s+(?:did|was|were|had|\w+ed)\b", re.I)
# "When was the plant scheduled to open?", «متى كان من المقرر»: a plan, not an event
_PLANNED = re.compile(
    normalize_arabic(
        r"\b(?:expected|scheduled|due|set|planned|supposed|meant)\s+to\b|(?<!\w)(?:من\s+)?(?:المقرر|المتوقع|المنتظر)(?!\w)"
    ),
    re.I,
)
_AR_PAST = re.compile(
    normalize_arabic(
        r"(?<!\w)[وف]?متى\s+(?:تم|تمت|وقع|وقعت|وقعا|عقد|عقدت|أعلن|أعلنت|انطلق|انطلقت|افتتح|افتتحت|بدأ|بدأت|أطلق|أطلقت|"
        r"صدر|صدرت|أقيم|أقيمت|اختتم|اختتمت|انضم|انضمت|تأسس|تأسست|أنشئ|أنشئت|جرى|جرت|كان|كانت|زار|زارت)(?!\w)"
    )
)


#: more verbs a sentence tells what is to come with, after «س» («ستغلق أبوابها في أكتوبر 2016»)
_AR_MORE_FUTURE_VERBS = (
    "يكون|تكون|يقام|تقام|يستضيف|تستضيف|يوقع|توقع|يغلق|تغلق|يصبح|تصبح|يبلغ|تبلغ|ينتقل|تنتقل|يوفر|توفر|يضم|تضم|"
    "يستمر|تستمر|ينظم|تنظم|يشارك|تشارك|يصدر|تصدر|يعلن|تعلن|يزور|تزور|يقدم|تقدم|يخصص|تخصص|يتم|تتم|يحل|تحل|"
    "يستقبل|تستقبل|يطلق|تطلق|يوفد|توفد|يتولى|تتولى|ينشئ|تنشئ|يرتفع|ترتفع|يصل|تصل"
)
# a sentence telling what is to come: "will be held", "is scheduled", «سيعقد», «من المقرر»
_EN_FUTURE_MARK = re.compile(
    r"\b(?:will|shall)\b|\b(?:expected|scheduled|planned|due)\s+to\b|\b(?:next|upcoming)\b", re.I
)
_AR_FUTURE_MARK = re.compile(
    normalize_arabic(
        r"(?<!\w)(?:سوف|(?:من\s+)?(?:المقرر|المتوقع|المنتظر)|المقبل|المقبلة|القادم|القادمة)(?!\w)|"
        rf"(?<!\w)[وف]?س(?:{_AR_FUTURE_VERBS[3:-1]}|{_AR_MORE_FUTURE_VERBS})(?!\w)"
    )
)


def tells_future(sentence: str) -> bool:
    """Does the sentence tell of something to come (its dates then answer "when will ...?")?"""
    return bool(_EN_FUTURE_MARK.search(sentence) or _AR_FUTURE_MARK.search(normalize_arabic(sentence)))


def asks_past(text: str) -> bool:
    """Does the question ask when something happened ("When was it signed?", «متى وقعت»)?

    A release cannot report as done what is dated after it.
    """
    norm = normalize_arabic(text)
    return bool(_EN_PAST.search(text) or _AR_PAST.search(norm)) and not _PLANNED.search(norm)


def asks_future(text: str) -> bool:
    """Does the question ask when something is to happen ("When will the centre open?", «متى يبدأ»)?

    A release's own date dates what it reports, not what it announces for later.
    """
    return bool(_EN_FUTURE.search(text) or _AR_FUTURE.search(normalize_arabic(text)))


def content_words(q: str) -> list[str]:
    """The question's search tokens minus question phrases, filler and generic words."""
    return [w for w in tokenize(_without_cues(q)) if w not in _GENERIC]


# --- junk ---------------------------------------------------------------------------------------------------
_MARKUP = re.compile(r"<\s*/?\s*[a-z][a-z0-9-]*(?:\s[^<>]*)?/?\s*>|<!--|javascript\s*:|\bon[a-z]+\s*=", re.I)
_SQL = re.compile(
    r"'\s*(?:or|and)\s+'?\w+'?\s*=\s*'?\w+|\bor\s+1\s*=\s*1\b|\bunion\s+(?:all\s+)?select\b|"
    r"\b(?:drop|truncate|alter)\s+(?:table|database|schema)\b|\bdelete\s+from\b|\binsert\s+into\b|"
    r"\bselect\s+(?:\*|\w+(?:\s*,\s*\w+)*)\s+from\s+\w+|;\s*--|'\s*--|/\*.*?\*/|\bxp_cmdshell\b|\bsleep\s*\(\s*\d+\s*\)|"
    r"\bupdate\s+\w+\s+set\b",
    re.I,
)
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\$\{[^}]*\}|<%.*?%>|#\{[^}]*\}")
_PATH = re.compile(r"(?:\.\.[/\\])+|/etc/(?:passwd|shadow|hosts)\b|\b[a-z]:\\(?:windows|users)\b|%2e%2e", re.I)
_CODE = re.compile(
    r"\bdef\s+\w+\s*\(|\bfunction\s*\w*\s*\([^)]*\)\s*\{|\bconsole\.\w+\s*\(|\b(?:document|window)\.\w+|#include\s*<|"
    r"\bimport\s+(?:os|sys|subprocess)\b|\b(?:eval|exec|alert|popen|os\.system)\s*\(|\brm\s+-rf\b|\$\([^)]*\)|"
    r"`[^`]+`|\bprint\s*\(|\w+\s*\([^()]*\)\s*;|&&|\|\||=>|=="
)
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\b[^.?!]{0,40}?\b(?:instructions?|prompts?|rules|guidelines|"
    r"directions|context)\b|\bforget\s+(?:everything|all)\b|\byou\s+are\s+now\b|\bpretend\s+(?:to\s+be|you\s+are)\b|"
    r"\b(?:system|developer)\s+prompt\b|\bjailbreak|\bnew\s+instructions\b|\breveal\s+(?:your|the)\s+"
    r"(?:prompt|instructions|system)|\bDAN\s+mode\b|"
    + normalize_arabic(
        r"(?:تجاهل|انس|تخط)\S*\s+(?:\S+\s+){0,2}?(?:التعليمات|الأوامر|التوجيهات|القواعد)|تعليمات\s+جديدة|أنت\s+الآن|"
        r"موجه\s+النظام|تعليمات\s+النظام"
    ),
    re.I,
)
_URL = re.compile(r"https?://\S+|www\.\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|gov|edu|io|eg|int|info)(?:/\S*)?", re.I)
_SYMBOLS = frozenset("{}[]<>;=$`|\\^~*#@%&")
# keyboard rows: four (Arabic five) neighbouring keys in a row are mashing, not a word
_ROWS = ("asdfghjkl", "zxcvbnm", "qwer", normalize_arabic("ضصثقفغعهخحجد"), normalize_arabic("شسيبلاتنمكط"))
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def _implausible(word: str) -> bool:
    """A Latin-letter word no language writes: long consonant runs, "q" + consonant, no vowel, mashed keys."""
    if word.isupper() and len(word) <= 6:
        return False  # an acronym: NTRA, ITU
    w = word.lower()
    if re.search(r"[bcdfghjklmnpqrstvwxz]{5}", w) or re.search(r"q[^uaeioy]", w) or re.search(r"(.)\1{3}", w):
        return True
    if len(w) >= 4 and not re.search(r"[aeiouy]", w):
        return True
    return any(w[i : i + 4] in row for row in _ROWS[:3] for i in range(len(w) - 3))


def _mashed(text: str) -> bool:
    latin = [w for w in _LATIN_WORD.findall(text) if len(w) >= 3]
    if latin and sum(map(_implausible, latin)) * 2 > len(latin):
        return True
    norm = normalize_arabic(text)
    return any(norm[i : i + 5] in row for row in _ROWS[3:] for i in range(len(norm) - 4))


def is_junk(text: str) -> bool:
    """Not a question: markup, SQL/template injection, paths, code, prompt injection, URLs only, symbols, mashing."""
    if not has_words(text):
        return True
    if any(p.search(text) for p in (_MARKUP, _SQL, _TEMPLATE, _PATH, _CODE, _INJECTION)):
        return True
    chars = [c for c in text if not c.isspace()]
    symbols = sum(c in _SYMBOLS for c in chars)
    if symbols >= 3 and symbols >= 0.15 * len(chars):
        return True
    if sum(c.isalpha() for c in chars) < 0.3 * len(chars):
        return True
    if _URL.search(text) and not content_words(_URL.sub(" ", text)):
        return True
    return _mashed(text)


# --- the analysis ---------------------------------------------------------------------------------------------
def analyze(question: str, language: str | None = None) -> QuestionInfo:
    """Language, answer types, parts and the abstention flags of ``question``."""
    text = clean_question(question)
    lang = language or detect_language(text) or "en"
    vague = not content_words(text)
    if is_junk(text):
        return QuestionInfo(text, lang, frozenset(), (Part(text, frozenset()),), True, vague)
    parts = _parts(text)
    types = frozenset(t for p in parts for t in p.types)
    return QuestionInfo(text, lang, types, parts, False, vague)


# --- follow-ups (moved unchanged from assistant.answer) ------------------------------------------------------
_CONTINUES = re.compile(
    r"^\s*(?:and|but|also|what about|how about|so|then)\b|^\s*(?:و|ف)(?:ماذا|متى|من|أين|كيف|هل|ما|لماذا|كم)|"
    r"^\s*(?:وماذا عن|ماذا عن)",
    re.I,
)
_REFERS_BACK = re.compile(
    r"\b(?:it|its|they|them|their|he|she|him|her)\b|\b(?:this|that|these|those|the) (?:agreement|mou|memorandum|"
    r"meeting|deal|initiative|country|minister)\b|\b(?:هذه|هذا|ذلك|تلك|هذان|هاتان)\b|(?:توقيعها|توقيعه|عنها|عنه|فيها)",
    re.I,
)


def contextualize(question: str, history: Sequence[tuple[str, str]], turns: int) -> str:
    """Resolve a follow-up against the conversation: prepend earlier user questions to the search query.

    A follow-up ("and when was it signed?") names neither the agreement nor the
    partner; the previous questions do. Self-contained questions are left alone.
    """
    if not history or not turns:
        return question

    names_partner = any(m.entity.id != HOME for m in gazetteer().find(question))
    follow = bool(_CONTINUES.search(question)) or (
        not names_partner and (bool(_REFERS_BACK.search(question)) or len(question.split()) <= 4)
    )
    if not follow:
        return question
    previous = [u for u, _ in history[-turns:] if u and u.strip()]
    return " ".join([*previous[-2:], question]) if previous else question
