"""Answer types for money asked with a verb («كم خصص»), salaries and fees, a loan's maturity; more cities."""

import pytest

from assistant.query.evidence import hard_types
from assistant.query.question import analyze
from assistant.query.spans import find_spans


@pytest.mark.parametrize(
    ("question", "types"),
    [
        ("كم خصص الصندوق للاستثمار المشترك في الشركات الناشئة؟", {"amount"}),
        ("كم استثمرت الشركة في مركزها الجديد؟", {"amount"}),
        ("وكم سينفق البنك على المشروع؟", {"amount"}),
        # a counted noun after «كم» is still a count, whatever verb follows
        ("كم شركة استثمرت في مصر؟", {"count"}),
        ("كم مهندساً سيتم تدريبهم؟", {"count"}),
        # a bare «كم» before a sum of money asks for it, a count of things stays a count
        ("كم يبلغ إسهام الجانب الفنلندي في المرحلة الثالثة؟", {"amount"}),
        ("كم بلغ حجم التمويل؟", {"amount"}),
        ("كم يبلغ عدد الشركات؟", {"count"}),
        # «قيمة» asks for money only as what is asked («ما قيمة المنحة»), «مكلفة» (costly) is no cost
        ("ما قيمة المنحة؟", {"amount"}),
        ("وما قيمته؟", {"amount"}),
        ("ما هو الافتراض غير المثبت الذي يُعزى عموماً إلى قيمة أصناف التعقيد؟", set()),
        ("هناك انتقادات بأن سياسات الطاقة حلول سريعة مكلفة تتجاهل أية حقائق؟", set()),
        ("ما تكلفة المشروع؟", {"amount"}),
        ("What monthly salary will the company pay its engineers?", {"amount"}),
        ("ما رواتب المهندسين في المركز الجديد؟", {"amount"}),
        ("What is the maturity of the AfDB loan?", {"duration"}),
        ("What is the grace period of the loan?", {"duration"}),
        ("ما فترة السماح لقرض البنك؟", {"duration"}),
        # unchanged
        ("How much will India contribute to the centre?", {"amount"}),
        ("What is the term used for the new platform?", set()),
    ],
)
def test_types(question: str, types: set[str]) -> None:
    assert set(analyze(question).types) == types


@pytest.mark.parametrize(
    "question",
    [
        "What is the financial value of the memorandum?",
        "What is the value of the World Bank financing?",
        "كم خصص الصندوق للشركات الناشئة؟",
    ],
)
def test_money_named_makes_amount_hard(question: str) -> None:
    assert "amount" in hard_types(analyze(question).parts[0])


def test_value_alone_is_not_money_named() -> None:
    # XQuAD dev: "the value of complexity classes" is no sum; an abstention there cost an answer
    part = analyze("What is the unproven assumption generally ascribed to the value of complexity classes?").parts[0]
    assert "amount" not in hard_types(part)


@pytest.mark.parametrize(
    ("text", "lang", "city"),
    [
        ("عقد الوزراء اجتماعهم الثلاثي الرابع في العاصمة القبرصية نيقوسيا", "ar", "CITY:nicosia"),
        ("واتفق الوزراء على عقد الاجتماع الخامس في أثينا خلال عام 2025.", "ar", "CITY:athens"),
        ("The agreement was signed with ITIDA in Tallinn in November 2024.", "en", "CITY:tallinn"),
        ("أطلقت الهيئة البرنامج خلال حفل أقيم في مدينة لاجوس", "ar", "CITY:lagos"),
        ("The minister toured a technology park in Jakarta.", "en", "CITY:jakarta"),
    ],
)
def test_more_cities(text: str, lang: str, city: str) -> None:
    assert [s.value for s in find_spans("place", text, lang)] == [city]


def test_a_date_after_since_starts_a_period_and_dates_no_event() -> None:
    from assistant.query.spans import best_span, has_new_instance

    text = "وأشار الوزير إلى أن الوزارة وقعت منذ عام ٢٠٢٣ نحو ٢١ مذكرة تفاهم مع دول أفريقية."
    assert not has_new_instance("when", "متى وقعت مصر مذكرة تفاهم مع أوغندا؟", text, "ar")
    assert has_new_instance("when", "منذ متى توقع الوزارة مذكرات مع دول أفريقية؟", text, "ar")
    en = "The ministry has signed 21 memoranda with African countries since 2023."
    assert best_span("when", "When did Egypt sign an MoU with Uganda?", "en", en, "en") is None
    got = best_span("when", "When was it signed?", "en", "It was signed in 2022, two years after the summit.", "en")
    assert got is not None and got.value == "2022"
