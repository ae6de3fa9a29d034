"""An amount answers a question about one kind of money (salary, investment, grant, loan, trade, ...)
only when its clause names that kind or none."""

from __future__ import annotations

import pytest

from assistant.core.text import detect_language
from assistant.query.spans import best_span, names_money_kind


def _amount(question: str, sentence: str):
    return best_span("amount", question, detect_language(question) or "en", sentence, detect_language(sentence) or "en")


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        (
            "What monthly salary will the company pay its engineers?",
            "The company will open a centre with an initial investment of USD 12 million.",
        ),
        (
            "ما قيمة الاستثمارات المخصصة لمركز البيانات المشترك في نيروبي؟",
            "وأشار إلى أن حجم التبادل التجاري بين البلدين بلغ نحو ٨٥ مليون دولار خلال العام الماضي.",
        ),
        (
            "How much will the ministry contribute to equipping the hubs?",
            "Egypt and the EU signed a grant agreement worth EUR 9.8 million to establish four hubs.",
        ),
        ("كم تبلغ قيمة القرض؟", "وتقدم الوكالة منحة بقيمة 1.5 مليون دولار للمساعدة الفنية."),
    ],
)
def test_an_amount_of_another_kind_of_money_is_no_answer(question, sentence):
    assert names_money_kind(question)
    assert _amount(question, sentence) is None


@pytest.mark.parametrize(
    ("question", "sentence", "text"),
    [
        # investment and cost are one kind: a journalist asking the cost accepts the investment
        (
            "How much will the data centre cost?",
            "Daehan Cloud will invest $48 million in the first phase.",
            "$48 million",
        ),
        ("What is the value of the grant?", "The EU provides a grant of EUR 9.8 million.", "EUR 9.8 million"),
        # a clause naming no kind of money answers any of them
        ("How much is the loan?", "The bank approved USD 310 million on Tuesday.", "USD 310 million"),
        ("ما قيمة المنحة الأوروبية؟", "وتبلغ قيمة المنحة 9.8 مليون يورو.", "9.8 مليون يورو"),
    ],
)
def test_an_amount_of_the_asked_kind_or_of_none_answers(question, sentence, text):
    span = _amount(question, sentence)
    assert span is not None and span.text == text


def test_a_question_naming_no_kind_of_money_is_not_narrowed():
    assert not names_money_kind("How much money did the agreement bring?")
    assert _amount("How much money did the agreement bring?", "It brought an investment of $5 million.") is not None


def test_money_kinds_read_words_not_letters() -> None:
    from assistant.query.spans import _money_kinds

    # «مصادر» (sources) and «الموارد» (resources) hold «صادر»/«وارد»; "important" stems to "import"
    for word in ("مصادر", "المصادر", "الموارد", "important", "investigation", "مكلفة"):
        assert _money_kinds([word]) == set(), word
    assert _money_kinds(["باستثمارات"]) == _money_kinds(["investment"]) != set()
    assert _money_kinds(["بقرض"]) == _money_kinds(["loans"]) != set()


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        # a clitic «و» before the noun, a plural «قروض»
        ("ما قيمة القرض؟", "وتقدم الوكالة 50 مليون دولار في صورة منحة وقرض."),
        ("ما قيمة القرض؟", "وتقدم الوكالة 50 مليون دولار في صورة قروض ومنح."),
        # «مصادر» (sources) names no kind of money
        ("ما حجم الاستثمارات؟", "وتبلغ الاستثمارات 50 مليون دولار من مصادر تمويل ذاتية."),
        ("How much is the grant?", "The EU will provide EUR 5 million in grants and loans."),
    ],
)
def test_the_asked_kind_next_to_others_still_answers(question, sentence):
    assert _amount(question, sentence) is not None
