"""The editor tab's ingest report shows what ingest understood of each document."""

from ui.render import render_report

REPORT = {
    "added": 1,
    "updated": 0,
    "unchanged": 0,
    "removed": 0,
    "skipped": 1,
    "seconds": 1.5,
    "documents": [
        {
            "doc_id": "en_ghana.html",
            "action": "added",
            "chunks": 2,
            "language": "en",
            "title": "Egypt and Ghana sign an ICT MoU <b>",
            "published": "2024-03-20",
            "translation_of": "ar_ghana.txt",
            "related": ["ar_ghana_2.txt"],
            "records_added": 2,
            "records_merged": 1,
        },
        {"doc_id": "bad.exe", "action": "skipped", "reason": "refused extension .exe"},
    ],
}


def test_the_report_lists_title_date_twin_related_and_records():
    html = render_report(REPORT, "en")
    assert "Egypt and Ghana sign an ICT MoU &lt;b&gt;" in html  # escaped
    assert "published: 2024-03-20" in html and "translation of <bdi>ar_ghana.txt</bdi>" in html
    assert "also reported in <bdi>ar_ghana_2.txt</bdi>" in html
    assert "register records: 2 (1 merged with other documents&#x27;)" in html
    assert "refused extension .exe" in html


def test_the_report_speaks_arabic_and_says_when_the_date_is_unknown():
    doc = {**REPORT["documents"][0], "published": None}
    html = render_report({**REPORT, "documents": [doc]}, "ar")
    assert "تاريخ النشر: غير معروف" in html and "ترجمة لـ" in html
