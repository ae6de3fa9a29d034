"""One register record per event: records of several documents reporting one event are merged at read time."""

from typing import Any

from assistant.core.events import merge_records, same_event
from assistant.core.gazetteer import gazetteer
from assistant.query.agreements import query_records, register_answer


def rec(doc: str, type: str, partner: str, date: str | None, **kw: Any) -> dict[str, Any]:
    e = gazetteer().by_id[partner]
    text = kw.pop("text", f"{type} with {e.en} {date}")
    return {
        "id": f"{doc}-{type}-{partner}",
        "doc_id": doc,
        "type": type,
        "partners": [{**e.as_dict(), "as_written": e.en}],
        "date": date,
        "date_source": kw.pop("date_source", "text"),
        "years": [int(date[:4])] if date else [],
        "egypt_party": kw.pop("party", ["MCIT"]),
        "people": [{"name": n, "role": "", "part": "signatory"} for n in kw.pop("people", [])],
        "topics": kw.pop("topics", []),
        "evidence": [{"start": 0, "end": len(text), "text": text}],
        "language": kw.pop("language", "en"),
        **kw,
    }


def test_day_dates_merge_within_the_window_and_months_only_in_the_same_month():
    a = rec("a", "mou", "PS", "2024-06-10")
    assert same_event(a, rec("b", "mou", "PS", "2024-06-18"))
    assert not same_event(a, rec("b", "mou", "PS", "2024-06-25"))
    assert same_event(a, rec("b", "mou", "PS", "2024-06"))
    assert not same_event(rec("a", "mou", "PS", "2024-05-31"), rec("b", "mou", "PS", "2024-06"))
    assert not same_event(a, rec("b", "mou", "PS", "2025-06-10"))  # a year later


def test_another_type_partner_party_or_subject_is_another_event():
    a = rec("a", "mou", "HUAWEI", "2024-05-12", party=["ITIDA"], topics=["training"])
    assert not same_event(a, rec("b", "agreement", "HUAWEI", "2024-05-12", party=["ITIDA"]))
    assert not same_event(a, rec("b", "mou", "SAMSUNG", "2024-05-12", party=["ITIDA"]))
    assert not same_event(a, rec("b", "mou", "HUAWEI", "2024-05-13", party=["NTRA"]))
    assert not same_event(a, rec("b", "mou", "HUAWEI", "2024-05-13", party=["ITIDA"], topics=["cloud computing"]))
    assert same_event(a, rec("b", "mou", "HUAWEI", "2024-05-13", party=[], topics=["ICT", "training"]))
    assert not same_event(a, rec("a", "mou", "HUAWEI", "2024-05-12"))  # one document, one record per event


def test_years_and_undated_records_need_shared_signatories_or_subjects():
    a = rec("a", "mou", "SA", "2019", people=["Adel Hussein"], topics=["digital economy"])
    assert same_event(a, rec("b", "mou", "SA", "2019", people=["Adel Hussein"]))
    assert same_event(a, rec("b", "mou", "SA", "2019", topics=["digital economy", "ICT"]))
    assert not same_event(a, rec("b", "mou", "SA", "2019"))
    assert not same_event(a, rec("b", "mou", "SA", "2019-05-02"))  # a year and a day: only with a signatory
    assert same_event(a, rec("b", "mou", "SA", "2019-05-02", people=["Adel Hussein"]))
    u = rec("a", "mou", "TRC-JO", None, topics=["telecommunications", "5G"])
    assert same_event(u, rec("b", "mou", "TRC-JO", None, topics=["5G", "regulation"]))
    # the topic the regulator's own name gives every release is no evidence
    assert not same_event(u, rec("b", "mou", "TRC-JO", None, topics=["telecommunications", "cybersecurity"]))
    assert not same_event(u, rec("b", "mou", "TRC-JO", "2023-01-02", topics=["5G"]))


def test_complete_linkage_does_not_chain_reports_a_week_apart():
    got = merge_records(
        [rec(d, "mou", "PS", day) for d, day in (("a", "2024-06-01"), ("b", "2024-06-09"), ("c", "2024-06-17"))]
    )
    assert sorted(len(r["doc_ids"]) for r in got) == [1, 2]


def test_a_merged_record_keeps_every_report():
    a = rec(
        "a", "mou", "PS", "2024-06", people=["Amr Talaat"], topics=["e-government"], text="Egypt and Palestine MoU."
    )
    b = rec(
        "b",
        "mou",
        "PS",
        "2024-06-12",
        date_source="published",
        topics=["training"],
        language="ar",
        people=["عمرو طلعت"],
        text="مذكرة تفاهم مع فلسطين.",
        party=[],
    )
    b["topics"] = ["e-government", "training"]
    (m,) = merge_records([b, a])
    assert m["doc_ids"] == ["a", "b"] and m["doc_id"] == "a" and m["record_ids"] == ["a-mou-PS", "b-mou-PS"]
    assert [(e["doc_id"], e["language"]) for e in m["evidence"]] == [("a", "en"), ("b", "ar")]
    assert m["date"] == "2024-06-12" and m["topics"] == ["e-government", "training"] and m["egypt_party"] == ["MCIT"]
    assert {p["name"] for p in m["people"]} == {"Amr Talaat", "عمرو طلعت"}
    assert m["id"] == "a-mou-PS"  # the smallest member id: stable across reads
    (single,) = merge_records([a])
    assert single["id"] == a["id"] and single["doc_ids"] == ["a"] and single["evidence"][0]["doc_id"] == "a"


class MemoryCatalog:
    def __init__(self, records: list[dict[str, Any]]) -> None:
        self._records = records

    def records(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._records]

    def documents(self) -> list[Any]:
        return []


RECORDS = [
    rec("a", "mou", "PS", "2024-06-10", text="Egypt signed an MoU with Palestine."),
    rec("b", "mou", "PS", "2024-06-11", language="ar", text="وقعت مصر مذكرة تفاهم مع فلسطين."),
    rec("c", "mou", "PS", "2024-06-12", text="Egypt and Palestine sign MoU."),
    rec("d", "mou", "SO", "2024-06-10"),
]


def test_list_answers_and_queries_give_one_item_per_event_citing_a_report_in_the_question_language():
    cat: Any = MemoryCatalog(RECORDS)
    text, ev = register_answer(cat, "Which MoUs has Egypt signed?", "en")  # type: ignore[misc]
    assert text.count("Palestine") == 1 and "reported in 3 documents" in text and len(ev) == 2
    assert ev[0].doc_id == "a"
    text_ar, ev_ar = register_answer(cat, "ما هي مذكرات التفاهم التي وقعتها مصر؟", "ar")  # type: ignore[misc]
    assert "ورد في 3 وثائق" in text_ar and {e.doc_id for e in ev_ar} == {"b", "d"}
    # filters select documents before the merge: an event shows only the reports allowed
    text_c, ev_c = register_answer(cat, "Which MoUs has Egypt signed?", "en", {"c"})  # type: ignore[misc]
    assert "reported in" not in text_c and [e.doc_id for e in ev_c] == ["c"]
    rows = query_records(cat, country="Palestine")
    assert len(rows) == 1 and rows[0]["doc_ids"] == ["a", "b", "c"] and len(rows[0]["evidence"]) == 3
