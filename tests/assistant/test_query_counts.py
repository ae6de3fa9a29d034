"""How many X: the number must count X, in either language, and the short answer names X correctly."""

from __future__ import annotations

import pytest

from assistant.query.evidence import hard_types
from assistant.query.question import analyze
from assistant.query.spans import ar_count_form, best_span, counted_noun, counted_phrase, same_noun

HIKARI_AR = "في حين يعمل في القطاع حالياً نحو 6 آلاف مهندس في أكثر من 40 شركة محلية وعالمية."
HIKARI_EN = "Today about 6,000 technicians work in the sector in more than 40 companies."


@pytest.mark.parametrize(
    ("question", "sentence", "lang"),
    [
        # the construct's second word (companies) is not what is counted
        ("كم عدد موظفي شركة هيكاري سيميكون في اليابان؟", HIKARI_AR, "ar"),
        ("How many employees does the Japanese company have?", HIKARI_EN, "en"),
    ],
)
def test_a_number_counting_another_noun_does_not_answer(question, sentence, lang):
    assert best_span("count", question, lang, sentence, lang) is None


@pytest.mark.parametrize(
    ("question", "head"),
    [
        ("كم عدد موظفي شركة هيكاري سيميكون؟", "موظف"),
        ("How many Ethiopian merchants have registered?", "merchant"),
    ],
)
def test_the_counted_noun_is_the_head_only(question, head):
    stems = counted_noun(question)
    assert head in stems
    assert not stems & {"شرك", "compani", "ethiopian", "اثيوب"}


def test_a_verb_after_kam_counts_nothing():
    assert counted_noun("كم تستطيع الشبكة أن تخدم؟") == frozenset()
    assert counted_noun("How many were trained?") == frozenset()


@pytest.mark.parametrize(
    ("question", "lang", "phrase"),
    [
        ("كَمْ مهندساً مصرياً يستهدف المركز توظيفهم؟", "ar", "مهندس"),  # a diacritised «كَمْ»
        ("كم عدد موظفي الشركة؟", "ar", "موظف"),  # the construct form is no count form
        ("How many countries take part?", "en", "countries"),  # the phrase ends at its noun
        ("How many Red Sea ports will be upgraded?", "en", "Red Sea ports"),  # "Red" is no past tense
    ],
)
def test_the_counted_phrase_of_a_short_answer(question, lang, phrase):
    assert counted_phrase(question, lang) == phrase


def test_a_sound_plural_is_counted_in_the_singular():
    assert ar_count_form("موظفين") == "موظف"
    assert ar_count_form("مدارس") == "مدارس"  # a broken plural is left as written


@pytest.mark.parametrize(
    ("question", "qlang", "sentence", "tlang", "found"),
    [
        # the bilingual table checks the counted noun across languages
        ("How many women graduated?", "en", "وشارك في الهاكاثون 45 فريقاً من الشباب العرب.", "ar", None),
        ("How many women graduated?", "en", "وتخرجت 120 سيدة من البرنامج.", "ar", "120 سيدة"),
        ("كم عدد التجار المسجلين؟", "ar", "The agreement trains 25 postal staff in Cairo.", "en", None),
        ("كم عدد التجار المسجلين؟", "ar", "So far 300 merchants have registered.", "en", "300 merchants"),
    ],
)
def test_a_count_noun_is_checked_across_languages(question, qlang, sentence, tlang, found):
    span = best_span("count", question, qlang, sentence, tlang)
    assert (span.text if span else None) == found


@pytest.mark.parametrize(
    ("question", "sentence", "lang", "found"),
    [
        (
            "How many phases was the metro opened in?",
            "It was opened in five phases between 1980 and 1984.",
            "en",
            "five",
        ),
        ("How many guests attended the dinner?", "The dinner was attended by 2000 guests.", "en", "2000"),
        ("كم عدد المراحل التي افتتح فيها المترو؟", "تم افتتاحه في خمس مراحل بين عامي 1980 و1984.", "ar", "خمس"),
        ("كم عدد الضيوف الذين حضروا العشاء؟", "حضر حفل العشاء 2000 ضيف.", "ar", "2000"),
    ],
)
def test_a_number_word_or_year_like_number_before_the_counted_noun_counts(question, sentence, lang, found):
    span = best_span("count", question, lang, sentence, lang)
    assert span is not None and span.text == found


@pytest.mark.parametrize(
    ("word", "question_word", "same"),
    [
        ("مراحل", "مرحلة", True),
        ("تجار", "تاجر", True),
        ("أنواع", "نوع", True),
        ("مهندس", "موظف", False),
        ("gigatons", "tons", True),
        ("teams", "women", False),
    ],
)
def test_plural_and_singular_are_the_same_noun(word, question_word, same):
    from assistant.query.spans import _stems

    assert same_noun(word, frozenset(_stems(question_word))) is same


@pytest.mark.parametrize("question", ["How many merchants have registered?", "كم عدد الموظفين في الشركة؟"])
def test_a_count_of_a_table_noun_needs_its_instance(question):
    assert "count" in hard_types(analyze(question).parts[0])


def test_a_bare_number_counts_the_asked_unit_only_in_a_sentence_naming_it() -> None:
    q = "How many jobs will Egypt Post's new e-commerce hub create?"
    lure = "Egypt Post handled 1.8 million cross-border parcels in 2024, up from 1.1 million in 2022."
    assert best_span("count", q, "en", lure, "en") is None
    right = "The hub will employ staff, and the number of jobs will reach 1,200 by 2027."
    got = best_span("count", q, "en", right, "en")
    assert got is not None and got.value[0] == 1200.0
    # people are the noun a count leaves out most often
    got = best_span("count", "How many people died in Algiers?", "en", "The plague killed 30,000 in Algiers.", "en")
    assert got is not None and got.value[0] == 30000.0


def test_square_kilometres_are_their_own_unit() -> None:
    from assistant.query.spans import wanted_units

    assert wanted_units("كم كيلومتراً مربّعاً نقص من الغابة؟") == ["square_kilometre"]
    assert wanted_units("How many kilometres long is the cable?") == ["kilometre"]
    text = "The area lost rose from 415,000 to 587,000 square kilometres (160,000 to 227,000 sq mi)."
    got = best_span("count", "كم كيلومتراً مربّعاً نقص من الغابة؟", "ar", text, "en")
    assert got is not None and got.value[:2] == (587000.0, "square_kilometre")


def test_a_bare_number_of_people_needs_no_noun() -> None:
    got = best_span("count", "How many engineers will be trained?", "en", "The programme will train 5,000 in AI.", "en")
    assert got is not None and got.value[0] == 5000.0
