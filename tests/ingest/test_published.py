"""Publication dates at ingest, in date filters and in the ingest report (issue 16)."""

import json

from assistant.app.compose import build_assistant
from assistant.core.arguments import Filters
from assistant.core.catalog import DocRecord
from assistant.query.retrieve import _date_overlap


def _doc(published, values):
    return DocRecord("d", "d", "txt", "en", "t", "", "h", 1, "now", published, [{"value": v} for v in values])


def test_a_published_document_is_filtered_by_its_publication_date():
    plan = _doc("2025-03-01", ["2022", "2029"])  # a 2025 release about a 2022-2029 plan
    assert _date_overlap(plan, "2025", "2025")
    assert not _date_overlap(plan, "2022", "2023")
    assert _date_overlap(plan, "2024", None) and not _date_overlap(plan, None, "2024-12")
    assert _date_overlap(_doc(None, ["2022", "2029"]), "2022", "2023")  # undated: its mentions, as before


def test_ingest_stores_publication_dates_and_reports_them(settings, fake_embedder):
    src = settings.sources_dir
    (src / "plan.txt").write_text(
        "Ministry of Communications and Information Technology\nRead time: 3 minutes\n"
        "Egypt and Ghana adopt a digital plan for 2022-2029\n"
        "CAIRO – 4 March 2025: Egypt and Ghana adopted a digital plan for 2022-2029.\n",
        encoding="utf-8",
    )
    (src / "fetched.txt").write_text(
        "Egypt and Kenya agree on training\nThe ministers met in Nairobi.\n", encoding="utf-8"
    )
    (src / ".meta").mkdir()
    (src / ".meta" / "fetched.txt.json").write_text(
        json.dumps({"source": "https://example.org/x", "published": "2021-04-15T08:00:00Z"}), encoding="utf-8"
    )
    a = build_assistant(settings, embedder=fake_embedder)
    report = a.refresh()
    doc = a.catalog.document("plan.txt")
    assert (doc.title, doc.published) == ("Egypt and Ghana adopt a digital plan for 2022-2029", "2025-03-04")
    assert a.catalog.document("fetched.txt").published == "2021-04-15"
    r = a.retriever(k=10)
    assert "plan.txt" in {h.doc.doc_id for h in r.search("digital plan Ghana", filters=Filters(date_from="2025"))}
    assert "plan.txt" not in {h.doc.doc_id for h in r.search("digital plan Ghana", filters=Filters(date_to="2023"))}
    out = {d["doc_id"]: d for d in report.to_dict()["documents"]}
    assert out["plan.txt"]["published"] == "2025-03-04" and out["plan.txt"]["title"].startswith("Egypt and Ghana")
    assert {"translation_of", "related", "records_added", "records_merged", "language"} <= set(out["plan.txt"])
    assert "published: 2025-03-04" in report.summary()
