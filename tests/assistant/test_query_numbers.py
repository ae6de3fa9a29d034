"""Numbers written in several words are read as one value, and a day next to a month is no count."""

import pytest

from assistant.query.spans import best_span, find_spans


def _quantities(text: str, lang: str) -> list[tuple[str, tuple]]:
    return [(s.kind, s.value) for k in ("number", "amount") for s in find_spans(k, text, lang)]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        # Arabic compounds: hundreds then tens, units then tens, a thousand and hundreds, teens
        ("بتكلفة تقديرية تبلغ مائة وخمسين مليون يورو", "ar", [("amount", (150.0, "eur", "million"))]),
        ("إيفاد خمسة وعشرين مهندساً إلى كوالالمبور", "ar", [("number", (25.0, "engineer", None))]),
        ("بطول يقارب ألفاً ومائتي كيلومتر", "ar", [("number", (1200.0, "kilometre", None))]),
        ("تدريب خمسة عشر مهندسا", "ar", [("number", (15.0, "engineer", None))]),
        ("بمشاركة إحدى عشرة شركة", "ar", [("number", (11.0, "company", None))]),
        ("تدريب ستمائة خبير من الدول الثلاث", "ar", [("number", (600.0, "expert", None))]),
        # English: "two hundred and fifty", "two and a half million"
        ("two hundred and fifty engineers will be hired", "en", [("number", (250.0, "engineer", None))]),
        ("about two and a half million citizens in rural areas", "en", [("number", (2.5, "citizen", "million"))]),
        ("twenty five companies took part", "en", [("number", (25.0, "company", None))]),
        # numbers that do not join stay apart
        ("three and four jobs", "en", [("number", (4.0, "job", None))]),
    ],
)
def test_compound_number_words(text: str, lang: str, expected: list) -> None:
    assert _quantities(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("A virtual session between Egyptian and Brazilian companies will go ahead on 22 October.", "en"),
        ("The forum will be held on October 22 and 23 in São Paulo.", "en"),
        ("عقدت اللجنة دورتها الثالثة في الرباط يومي 23 و24 نوفمبر بحضور الشركات", "ar"),
    ],
)
def test_a_day_of_the_month_is_no_count(text: str, lang: str) -> None:
    assert find_spans("number", text, lang) == []


def test_a_day_of_the_month_does_not_answer_how_many_companies() -> None:
    q = "كم شركة مصرية سجلت للمشاركة في المنتدى؟"
    lure = "A virtual matchmaking session between Egyptian and Brazilian companies will go ahead on 22 October."
    assert best_span("count", q, "ar", lure, "en") is None
    right = "ITIDA said that 45 Egyptian companies had registered to take part in the forum."
    got = best_span("count", q, "ar", right, "en")
    assert got is not None and got.value[0] == 45.0


def test_an_amount_in_words_answers_a_money_question() -> None:
    q = "ما قيمة الاستثمار المشترك الذي خصصه الصندوق؟"  # (a grant question is not answered by an investment)
    s = "وتعهد الصندوق بتخصيص خمسة ملايين دولار للاستثمار المشترك في الشركات المصرية"
    got = best_span("amount", q, "ar", s, "ar")
    assert got is not None and got.value == (5.0, "usd", "million")
