"""List questions filter the register by every constraint they state (period, type, counterpart kind, region,
Egyptian party), in Arabic and English; the answer counts and says what it could not filter."""

import re
from typing import Any

import pytest

from assistant.core.gazetteer import gazetteer
from assistant.query.agreements import list_query, register_answer


def rec(doc: str, type: str, partner: str, date: str | None, party: str | None) -> dict[str, Any]:
    e = gazetteer().by_id[partner]
    text = f"{party} {type} with {e.en} {date}"
    return {
        "id": f"{doc}-{type}-{partner}",
        "doc_id": doc,
        "type": type,
        "partners": [{**e.as_dict(), "as_written": e.ar}],
        "date": date,
        "years": [int(date[:4])] if date else [],
        "egypt_party": [party] if party else [],
        "people": [],
        "topics": [],
        "evidence": [{"start": 0, "end": len(text), "text": text}],
        "language": "en",
    }


RECORDS = [
    rec("a", "mou", "OFCOM", "2023-03-14", "NTRA"),
    rec("b", "mou", "ARCEP", "2022-11", "NTRA"),
    rec("b", "mou", "ICASA", "2022-11", "NTRA"),
    rec("c", "mou", "INT-TN", "2023-01", "NTRA"),
    rec("d", "mou", "NCC", "2021-05", "NTRA"),
    rec("e", "mou", "HUAWEI", "2023-06-01", "ITIDA"),
    rec("f", "agreement", "DELL", "2024-03-20", "ITIDA"),
    rec("f", "agreement", "ORACLE", "2024-03-20", "ITIDA"),
    rec("g", "agreement", "NG", "2019-04", "EGPOST"),
    rec("g", "agreement", "CI", "2021-02", "EGPOST"),
    rec("h", "mou", "AZ", "2024-06", "MCIT"),
    rec("h", "meeting", "AZ", "2026", "MCIT"),
    rec("i", "mou", "FR", "2020-10", "MCIT"),
    rec("j", "agreement", "ORG:WB", "2021-08-30", "MCIT"),
    rec("k", "initiative", "R-AFRICA", "2020-11-05", "MCIT"),
    rec("l", "mou", "KE", None, "MCIT"),
]


class MemoryCatalog:
    """The catalog methods the register answer reads, over in-memory records and document texts."""

    def __init__(self, records: list[dict[str, Any]], texts: dict[str, tuple[str, str]] | None = None) -> None:
        self._records = records
        self._texts = texts or {}

    def document(self, doc_id: str) -> Any:
        from types import SimpleNamespace

        text, lang = self._texts.get(doc_id, ("", "en"))
        return SimpleNamespace(doc_id=doc_id, text=text, language=lang)

    def records(self) -> list[dict[str, Any]]:
        return list(self._records)

    def documents(self) -> list[Any]:
        return []


def names(question: str, lang: str, records: list[dict[str, Any]] = RECORDS) -> tuple[str, set[str]]:
    got = register_answer(MemoryCatalog(records), question, lang)  # type: ignore[arg-type]
    assert got is not None, question
    text, evidence = got
    ids = {r["partners"][0]["id"] for r in records if f"[{_n(text, r)}]" in text}
    assert len(evidence) == len({(e.doc_id, e.start, e.end) for e in evidence})  # one citation per item
    return text, {i for i in ids if i}


def _n(text: str, r: dict[str, Any]) -> str:
    """The marker of the line naming exactly this record's partner, or '-'."""
    p = r["partners"][0]
    for line in text.splitlines():
        m = re.match(r"- [^:]+: (.+?)(?: \(.*\))? \[(\d+)\]$", line)
        if m and m.group(1).split(" (")[0] in (p["en"], p["ar"]):
            return m.group(2)
    return "-"


CASES = [
    ("Which foreign regulators did NTRA sign MoUs with in 2022 and 2023?", "en", {"OFCOM", "ARCEP", "ICASA", "INT-TN"}),
    (
        "ما هي مذكرات التفاهم التي وقعها الجهاز القومي لتنظيم الاتصالات مع الجهات التنظيمية بين ديسمبر 2022 ويناير 2023؟",
        "ar",
        {"INT-TN"},
    ),
    ("Which MoUs did NTRA sign between December 2022 and January 2023?", "en", {"INT-TN"}),
    ("Which companies has ITIDA signed agreements with?", "en", {"DELL", "ORACLE"}),
    ("أي شركات وقعت معها إيتيدا مذكرات تفاهم أو اتفاقيات؟", "ar", {"DELL", "ORACLE", "HUAWEI"}),
    ("Which agreements has Egypt Post signed with African countries since 2020?", "en", {"CI"}),
    ("ما الاتفاقيات التي وقعها البريد المصري مع الدول الأفريقية منذ 2020؟", "ar", {"CI"}),
    ("Which MoUs has Egypt signed with European countries?", "en", {"FR"}),  # countries: not their regulators
    ("ما مذكرات التفاهم التي وقعتها مصر مع الدول الأوروبية؟", "ar", {"FR"}),
    ("Which European partners has Egypt signed MoUs with?", "en", {"FR", "OFCOM", "ARCEP"}),
    ("Which African regulators has NTRA signed MoUs with?", "en", {"ICASA", "INT-TN", "NCC"}),
    ("Which Arab regulators has NTRA signed MoUs with?", "en", {"INT-TN"}),
    ("Which international organisations has the ministry signed agreements with?", "en", {"ORG:WB"}),
    ("ما هي الاتفاقيات التي وقعتها وزارة الاتصالات مع المنظمات الدولية خلال عام 2021؟", "ar", {"ORG:WB"}),
    ("Which MoUs did Egypt sign in 2023?", "en", {"OFCOM", "INT-TN", "HUAWEI"}),
    ("ما مذكرات التفاهم التي وقعتها مصر خلال عام 2023؟", "ar", {"OFCOM", "INT-TN", "HUAWEI"}),
    ("Which initiatives has Egypt launched with African countries?", "en", {"R-AFRICA"}),
    ("Which countries signed an MoU with Egypt before 2021?", "en", {"FR"}),
    ("Which MoUs has Egypt signed with Asian countries?", "en", {"AZ"}),
    # "and its affiliates": the ministry or any of its bodies
    ("Which MoUs did MCIT and its affiliates sign in 2023?", "en", {"OFCOM", "INT-TN", "HUAWEI"}),
    ("ما مذكرات التفاهم التي وقعتها الوزارة والجهات التابعة لها خلال عام 2024؟", "ar", {"AZ"}),
]


@pytest.mark.parametrize(("question", "lang", "expected"), CASES)
def test_every_stated_constraint_filters_the_list(question, lang, expected):
    text, got = names(question, lang)
    assert got == expected, text
    count = str(len(expected))
    assert (f"lists {count} " if lang == "en" else f"يضم السجل {count} ") in text.splitlines()[0]


def test_the_heading_counts_and_says_the_constraints():
    text, _ = names("Which foreign regulators did NTRA sign MoUs with in 2022 and 2023?", "en")
    assert text.splitlines()[0] == "The register lists 4 MoUs NTRA signed with foreign regulators in 2022–2023:"
    ar, _ = names("ما مذكرات التفاهم التي وقعتها إيتيدا مع الشركات؟", "ar")
    assert (
        ar.splitlines()[0] == "يضم السجل 1 من مذكرات التفاهم التي وقعتها هيئة تنمية صناعة تكنولوجيا المعلومات مع شركات:"
    )


def test_what_it_cannot_filter_is_said_and_nothing_else():
    text, got = names("Which MoUs did NTRA sign last year?", "en")
    assert "Not filtered by the period “last year”" in text and got == {"OFCOM", "ARCEP", "ICASA", "INT-TN", "NCC"}
    assert "Not filtered" not in names("Which MoUs did NTRA sign in 2023?", "en")[0]
    old = [{k: v for k, v in r.items() if k != "egypt_party"} for r in RECORDS]  # a register from before the field
    text, got = names("Which MoUs did ITIDA sign?", "en", old)
    assert "Not filtered by the Egyptian party" in text and "HUAWEI" in got and "OFCOM" in got
    ar, _ = names("ما مذكرات التفاهم التي وقعتها مصر العام الماضي؟", "ar")
    assert "لم يُطبَّق قيد الفترة «العام الماضي»" in ar


def test_undated_records_are_left_out_of_a_period_and_nothing_matching_falls_back():
    assert "KE" not in names("Which MoUs did Egypt sign since 2015?", "en")[1]
    assert register_answer(MemoryCatalog(RECORDS), "Which MoUs did Egypt sign in 2010?", "en") is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "question",
    [
        "When was the MoU with Azerbaijan signed?",
        "ما هي ميزانية مذكرة التفاهم بين مصر وأذربيجان؟",
        "How many MoUs did NTRA sign in 2023?",
        "What is the role of NTRA?",
        # what the register cannot say: negation, ranking, thresholds, shares
        "Which countries joined the roundtable by video link and did not sign the declaration?",
        "ما الدول الثلاث الأكثر مشاركة في المبادرة من حيث عدد المتدربين؟",
        "ما مذكرات التفاهم التي يتوقع أن توفر كل منها أكثر من 300 فرصة عمل؟",
        "ما النسبة التي حققتها المبادرة من مستهدف المتدربين؟",
        "ما هي اكثر الدول التي وقعت مصر معها اتفاقيات؟",  # without hamza
    ],
)
def test_questions_about_one_instrument_or_a_number_are_not_list_questions(question):
    assert list_query(question) is None


def test_egypt_is_no_party_constraint_and_names_inside_other_names_are_no_region():
    q = list_query("Which MoUs has the Arab Republic of Egypt signed with the United Arab Emirates?")
    assert q is not None and q.parties == set() and q.regions == set() and q.partner == "AE"
    q = list_query("Which agreements did NTRA sign with regulators?")
    assert q is not None and q.kinds == {"regulator"} and q.parties == {"NTRA"}


FORUM = {
    "f": ("ITIDA signed agreements with Dell and Oracle at the Cairo outsourcing forum on 20 March 2024.", "en"),
    "e": ("وقعت إيتيدا مذكرة تفاهم مع هواوي خلال ملتقى القاهرة للتعهيد.", "ar"),
    "a": ("NTRA and Ofcom signed an MoU in London.", "en"),
}


def test_the_other_words_of_a_list_question_keep_the_records_whose_report_says_them():
    cat = MemoryCatalog(RECORDS, FORUM)
    got = register_answer(cat, "Which companies did ITIDA sign agreements with at the Cairo outsourcing forum?", "en")  # type: ignore[arg-type]
    assert got is not None and "Dell" in got[0] and "Oracle" in got[0]
    # no report of a matching record says "Riyadh summit": the register does not answer, passages do
    assert register_answer(cat, "Which MoUs did NTRA sign at the Riyadh summit?", "en") is None  # type: ignore[arg-type]
    ar = register_answer(cat, "ما مذكرات التفاهم التي وقعتها إيتيدا خلال ملتقى القاهرة للتعهيد؟", "ar")  # type: ignore[arg-type]
    assert ar is not None and "هواوي" in ar[0] and ar[0].startswith("يضم السجل 1 ")
    # a report in the other language cannot be read for the words: it is not held against its record
    en = register_answer(cat, "Which MoUs did ITIDA sign at the Cairo outsourcing forum?", "en")  # type: ignore[arg-type]
    assert en is not None and "Huawei" in en[0]


@pytest.mark.parametrize(
    "question",
    [
        "Which agreements has Egypt inked with African countries so far?",
        "ما مذكرات التفاهم التي أبرمتها مصر مع الدول الأفريقية؟",
        "ما مذكرات التفاهم التي وقعتها مصر خلال العامين الماضيين؟",
        "ما الاتفاقيات التي وقعتها مصر لا سيما مع الدول الأفريقية؟",
        "What are the most recent agreements Egypt signed with African countries?",
        "ما مذكرات التفاهم التي وقعتها وزارة الاتصالات والجهات التابعة لها مع الدول الأفريقية؟",
    ],
)
def test_common_wording_of_a_list_question_leaves_no_other_words(question):
    q = list_query(question)
    assert q is not None and q.residual == [], (question, q and q.residual)
