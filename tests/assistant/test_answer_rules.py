from assistant.query.rules import clean_question, contextualize, has_words, question_types, satisfies


def test_question_types_in_both_languages():
    assert question_types("When was the MoU with Azerbaijan signed?") == {"when"}
    assert question_types("متى تم توقيع مذكرة التفاهم؟") == {"when"}
    assert question_types("What is the budget of the Egypt–Azerbaijan MoU?") == {"amount"}
    assert question_types("ما هي ميزانية مذكرة التفاهم؟") == {"amount"}
    assert question_types("How many submarine cables does Egypt own?") == {"count"}
    assert question_types("كم عدد الكابلات البحرية؟") == {"count"}
    assert question_types("Who signed the memorandum?") == {"who"}
    assert question_types("من وقع مذكرة التفاهم؟") == {"who"}
    assert question_types("ما الفرص التي توفرها العلاقات الثنائية؟") == set()
    # "من" meaning "from" is not a who-question
    assert "who" not in question_types("ما الذي استفادته مصر من التعاون؟")


def test_satisfies_checks_the_kind_of_fact():
    assert satisfies("when", "مذكرة التفاهم التي تم توقيعها في يونيو 2024")
    assert not satisfies("when", "وقعت مصر على اتفاقيات مع نيجيريا")
    assert satisfies("amount", "a budget of $5 million") and satisfies("amount", "بتكلفة 3 مليار جنيه")
    assert not satisfies("amount", "في يونيو 2024 وعام 2026")
    assert satisfies("count", "امتلاكها لنحو 17 كابلاً بحرياً")
    assert satisfies("who", "وقع د. عمرو طلعت") and satisfies("who", "Minister Rashad Nabiyev met")


def test_follow_up_is_resolved_against_history():
    hist = [("What did Egypt sign with Azerbaijan?", "A memorandum of understanding [1]")]
    q = contextualize("and when was it signed?", hist, 3)
    assert q.startswith("What did Egypt sign with Azerbaijan?") and q.endswith("and when was it signed?")
    ar = contextualize("ومتى تم توقيعها؟", [("ما الذي وقعته مصر مع أذربيجان؟", "مذكرة تفاهم [1]")], 3)
    assert "أذربيجان" in ar
    # a self-contained question is left alone
    standalone = "Who signed the memorandum of understanding between Egypt and Palestine?"
    assert contextualize(standalone, hist, 3) == standalone
    assert contextualize("and when?", [], 3) == "and when?"


def test_clean_question_strips_controls_and_bidi_overrides():
    assert clean_question("  what\u202e is\x00 this?\u200f  ") == "what is this?"
    assert not has_words("🙂 !!! ؟؟ 123")
    assert has_words("مصر")
