"""A rate releases give as a percentage (interest, growth, «سعر الفائدة») needs a percentage about it."""

from __future__ import annotations

import pytest

from assistant.query.evidence import hard_types
from assistant.query.question import analyze
from assistant.query.spans import best_span

SHARE_AR = "وأن ترتفع نسبة المعاملات الحكومية التي تتم إلكترونياً إلى 40% من إجمالي المعاملات."
SHARE_EN = "The project will raise the share of transactions completed online to 40%."


@pytest.mark.parametrize(
    "question",
    [
        "ما سعر الفائدة على قرض البنك الدولي لمشروع خدمات مصر الرقمية؟",
        "What is the interest rate on the World Bank loan?",
        "ما معدل النمو السنوي لقطاع الاتصالات؟",
        "What was the growth rate of ICT exports?",
    ],
)
def test_a_rate_question_asks_for_a_share_that_must_be_found(question):
    part = analyze(question).parts[0]
    assert part.types == {"percent"}
    assert "percent" in hard_types(part)


@pytest.mark.parametrize(
    "question",
    ["What was the mean annual deforestation rate?", "How did the interest rate change?", "هل ارتفع معدل التضخم؟"],
)
def test_other_rates_and_how_or_yes_no_questions_ask_for_no_share(question):
    assert "percent" not in analyze(question).types


@pytest.mark.parametrize(
    ("question", "qlang"),
    [("ما سعر الفائدة على القرض؟", "ar"), ("What is the interest rate on the loan?", "en")],
)
def test_a_share_of_something_else_is_no_interest_rate(question, qlang):
    assert best_span("percent", question, qlang, SHARE_AR, "ar") is None
    assert best_span("percent", question, qlang, SHARE_EN, "en") is None


@pytest.mark.parametrize(
    ("question", "qlang", "sentence", "tlang", "found"),
    [
        ("ما سعر الفائدة على القرض؟", "ar", "The loan carries an interest rate of 1.5 percent.", "en", "1.5 percent"),
        (
            "What is the interest rate on the loan?",
            "en",
            "ويبلغ سعر الفائدة على القرض 2 في المائة.",
            "ar",
            "2 في المائة",
        ),
        ("What percentage of transactions are completed online?", "en", SHARE_EN, "en", "40%"),
    ],
)
def test_a_percentage_about_the_rate_answers_in_either_language(question, qlang, sentence, tlang, found):
    span = best_span("percent", question, qlang, sentence, tlang)
    assert span is not None and span.text == found
