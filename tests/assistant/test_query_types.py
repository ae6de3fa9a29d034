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


@pytest.mark.parametrize(
    ("question", "types", "hard"),
    [
        ("كم يتكلف المشروع؟", {"amount"}, {"amount"}),
        ("كم ستتكلف المحطة؟", {"amount"}, {"amount"}),
        ("بكم تقدر قيمة الصفقة؟", {"amount"}, {"amount"}),
        ("ما هي إجمالي قيمة العقد؟", {"amount"}, {"amount"}),
        # a count of loans or grants is a count
        ("كم قرضاً حصلت عليه مصر؟", {"count"}, set()),
        ("كم منحة دراسية قدمتها الجامعة؟", {"count"}, set()),
    ],
)
def test_money_typing_reviewed_cases(question: str, types: set[str], hard: set[str]) -> None:
    part = analyze(question).parts[-1]
    assert set(part.types) == types
    assert set(hard_types(part)) == hard


def test_a_since_date_answers_when_something_started() -> None:
    from assistant.query.spans import best_span

    got = best_span(
        "when", "When did the centre start operating?", "en", "The centre has been operating since March 2024.", "en"
    )
    assert got is not None and got.value == "2024-03"
    got = best_span("when", "متى انضمت مصر إلى التحالف؟", "ar", "ومصر عضو في التحالف منذ عام 2019.", "ar")
    assert got is not None and got.value == "2019"


@pytest.mark.parametrize(
    ("question", "future"),
    [
        ("When did Egypt sign the Veranet deal that will create 5,000 jobs?", False),
        ("When was the MoU, which will run until 2030, signed?", False),
        ("When is the centre to open?", True),
        ("متى يتم افتتاح المركز؟", True),
        ("متى سوف يفتتح المركز؟", True),
        ("متى سيطرت الدولة العثمانية على الجزائر؟", False),
    ],
)
def test_asks_future_reviewed_cases(question: str, future: bool) -> None:
    from assistant.query.question import asks_future

    assert asks_future(question) is future


def test_a_future_date_is_read_after_the_release_date() -> None:
    from assistant.query.spans import best_span, later_than

    s = "Veranet, which announced the centre on 10 November 2025, said it will start operating in January 2026."
    got = best_span("when", "When will the centre start operating?", "en", s, "en", after="2025-11-16")
    assert got is not None and got.value == "2026-01"
    assert later_than("2025", "2025-11-16") and not later_than("2025-11-16", "2025-11-16")
    assert not later_than("القرن التاسع عشر", "2025-11-16")


@pytest.mark.parametrize(
    ("question", "sentence", "value"),
    [
        # "joint", "operations" do not make a start question: the since-date is a period, not the answer
        (
            "When was the joint statement issued?",
            "Egypt and Kenya, partners since 2019, issued a joint statement on 3 May 2025.",
            "2025-05-03",
        ),
        (
            "When was the joint committee's report published?",
            "The joint committee, active since 2021, published its report on 3 March 2025.",
            "2025-03-03",
        ),
    ],
)
def test_a_since_date_is_no_answer_to_an_ordinary_when(question: str, sentence: str, value: str) -> None:
    from assistant.query.spans import best_span

    got = best_span("when", question, "en", sentence, "en")
    assert got is not None and got.value == value


def test_tense_of_compound_parts_and_plans() -> None:
    from assistant.query.question import asks_future, asks_past

    parts = analyze("Who signed the deal, and when?").parts
    assert asks_past(parts[-1].text)
    parts = analyze("من سيوقع الاتفاقية ومتى؟").parts
    assert asks_future(parts[-1].text)
    assert asks_future("متى ستوقع مصر الاتفاقية؟") and asks_future("متى سيزور الوزير القاهرة؟")
    # a plan asked about in the past tense is neither
    assert not asks_past("When was the plant scheduled to open?")
    assert not asks_past("متى كان من المقرر افتتاح المصنع؟")


@pytest.mark.parametrize("question", ["ما قيمه المنحه؟", "كم اجور العمال؟"])
def test_money_words_are_read_in_normalised_spelling(question: str) -> None:
    assert set(hard_types(analyze(question).parts[-1])) == {"amount"}


def test_an_undated_sentence_answers_a_future_question_only_when_it_tells_of_what_is_to_come() -> None:
    from assistant.query.question import tells_future

    assert tells_future("Ford's plants will close in October 2016.")
    assert tells_future("ومصانع فورد التي ستغلق أبوابها في أكتوبر 2016.")
    assert tells_future("ومن المقرر أن يعقد الاجتماع المقبل في القاهرة.")
    assert not tells_future("The MoU was signed in June 2024.")
    assert not tells_future("وقعت مصر وأذربيجان مذكرة تفاهم في يونيو 2024 بعد سنة من المباحثات.")
