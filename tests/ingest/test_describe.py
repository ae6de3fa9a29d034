from ingest.clean import clean
from ingest.describe import derive_title, extract_dates
from tests.helpers import CORPUS


def test_dates_in_arabic_and_english():
    text = "وقعت في يونيو 2024 وفي 15 مارس ٢٠٢٥؛ signed on 20 June 2024, and June 5, 2023, in 2019 and on 2024-01-02."
    values = [d.value for d in extract_dates(text)]
    assert values == ["2024-06", "2025-03-15", "2024-06-20", "2023-06-05", "2019", "2024-01-02"]
    for d in extract_dates(text):
        assert text[d.start : d.end] == d.text


def test_numbers_that_are_not_years_are_ignored():
    assert extract_dates("تمتلك مصر نحو 17 كابلاً بحرياً و 2500 موظف") == []
    assert extract_dates("Copyright 1999-2023") == []  # a range inside a copyright line is not a mention


def test_corpus_dates():
    text = (CORPUS / "004_19b3c5eaec262736.txt").read_text(encoding="utf-8")
    values = {d.value for d in extract_dates(text, clean(text).spans)}
    assert values == {"2024-06", "2026"}


def test_title_from_short_first_line_or_first_sentence():
    en = (CORPUS / "001_a13593534bc1957c.txt").read_text(encoding="utf-8")
    assert derive_title(en, clean(en).spans) == "International Relations"
    ar = (CORPUS / "002_74f5ac9498ea9be5.txt").read_text(encoding="utf-8")
    title = derive_title(ar, clean(ar).spans)
    assert title.startswith("وقعت الحكومة الفلسطينية") and title.endswith("…") and len(title) <= 91
    assert derive_title(ar, clean(ar).spans, hint="  Palestine MoU ") == "Palestine MoU"
