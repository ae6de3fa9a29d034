"""Issue 14, item 16: the register's timeline data (the chart itself is tested in test_browser.py)."""

from __future__ import annotations

from typing import Any

from ui import timeline


def rec(typ: str, year: int | None, *partners: str, date: str | None = None) -> dict[str, Any]:
    return {
        "type": typ,
        "year": year,
        "years": [year] if year else [],
        "date": date,
        "partners": [{"id": p, "en": p, "ar": p} for p in partners],
        "doc_id": f"{typ}-{year}-{'-'.join(partners)}.txt",
    }


ROWS = [
    rec("mou", 2024, "AZ", date="2024-06"),
    rec("mou", 2024, "PS"),
    rec("meeting", 2024, "NG"),
    rec("agreement", 2019, "LY"),
    rec("initiative", None, "R-AFRICA"),
]


def test_records_per_year_stacked_by_type() -> None:
    df = timeline.frame(ROWS, "en")
    assert list(df.columns) == ["year", "type", "records"]
    assert df.values.tolist() == [
        ["2019", "Agreement", 1],
        ["2024", "Memorandum of understanding", 2],
        ["2024", "Meeting", 1],
        ["undated", "Initiative", 1],
    ]
    ar = timeline.frame(ROWS, "ar")
    assert ar.values.tolist()[-1] == ["غير مؤرخ", "مبادرة", 1]


def test_filters_by_region_and_partner() -> None:
    asia = timeline.filter_records(ROWS, "asia", None)
    assert {r["partners"][0]["id"] for r in asia} == {"AZ", "PS"}
    africa = timeline.filter_records(ROWS, "africa", None)
    assert {r["partners"][0]["id"] for r in africa} == {"NG", "LY", "R-AFRICA"}
    assert [r["partners"][0]["id"] for r in timeline.filter_records(ROWS, "arab", "LY")] == ["LY"]
    assert timeline.filter_records(ROWS, "europe", None) == []


def test_a_selection_names_one_year_and_lists_its_records() -> None:
    assert timeline.selected_year(["2024"], "en") == "2024"
    assert timeline.selected_year([2023.7, 2024.2], "en") == "2024"
    assert timeline.selected_year(["غير مؤرخ"], "ar") == timeline.UNDATED
    assert timeline.selected_year([], "en") == "" and timeline.selected_year(None, "en") == ""
    html = timeline.records_html(ROWS, "2024", "en")
    assert "2024 · records: 3" in html and html.count("<li") == 3
    assert "<script>" not in timeline.records_html([rec("mou", 2024, "<script>")], "2024", "en")
    assert [c[1] for c in timeline.year_choices(ROWS, "en")] == ["", "2019", "2024", timeline.UNDATED]
