"""The ingest report says, per document, how many register records it added and how many of them merged with
another document's report of the same event; removing a report unmerges the event at once (issue 16)."""

from assistant.app.compose import build_assistant
from assistant.query.agreements import query_records

EN = (
    "CAIRO, 14 March 2023 — The National Telecom Regulatory Authority (NTRA) signed a memorandum of "
    "understanding with the UK's Office of Communications (Ofcom) on spectrum management.\n"
)
AR = (
    "القاهرة في 15 مارس 2023\nوقع الجهاز القومي لتنظيم الاتصالات مذكرة تفاهم مع مكتب الاتصالات البريطاني "
    "(أوفكوم) لتبادل الخبرات في إدارة الطيف الترددي.\n"
)
LATER = (
    "CAIRO, 19 March 2024 — NTRA signed a new memorandum of understanding with Ofcom on online safety.\n"
    "NTRA also met the African Telecommunications Union.\n"
)


def test_ingest_reports_records_added_and_merged(settings, fake_embedder):
    src = settings.sources_dir
    (src / "ofcom_en.txt").write_text(EN, encoding="utf-8")
    (src / "ofcom_ar.txt").write_text(AR, encoding="utf-8")
    (src / "ofcom_2024.txt").write_text(LATER, encoding="utf-8")
    a = build_assistant(settings, embedder=fake_embedder)
    out = {d["doc_id"]: d for d in a.refresh().to_dict()["documents"]}
    assert (out["ofcom_en.txt"]["records_added"], out["ofcom_en.txt"]["records_merged"]) == (1, 1)
    assert (out["ofcom_ar.txt"]["records_added"], out["ofcom_ar.txt"]["records_merged"]) == (1, 1)
    assert out["ofcom_2024.txt"]["records_merged"] == 0  # a year later: another MoU
    rows = query_records(a.catalog, country="Ofcom", type="mou")
    assert sorted(len(r["doc_ids"]) for r in rows) == [1, 2]
    # the merge is made at read time: removing one report leaves the other's record, unmerged
    (src / "ofcom_ar.txt").unlink()
    a.refresh()
    assert [r["doc_ids"] for r in query_records(a.catalog, country="Ofcom", type="mou")] == [
        ["ofcom_2024.txt"],
        ["ofcom_en.txt"],
    ]
