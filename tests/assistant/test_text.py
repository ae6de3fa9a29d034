from assistant.core.text import (
    detect_language,
    normalize_arabic,
    normalize_for_search,
    sentence_spans,
    strip_invisible,
    tokenize,
)


def test_detect_language_by_script():
    assert detect_language("وقعت الحكومة الفلسطينية مذكرة تفاهم") == "ar"
    assert detect_language("Bilateral Cooperation") == "en"
    # an Arabic sentence quoting an English acronym stays Arabic
    assert detect_language("أعلنت وزارة MCIT عن المبادرة الجديدة") == "ar"
    assert detect_language("2024 🙂 !!") is None
    assert detect_language("...", default="en") == "en"


def test_normalize_arabic_letter_forms_diacritics_tatweel_digits():
    # words from the corpus: تفاهمٍ (tanween), إحدى (hamza-below alef), يُعد (damma), نابييف
    assert normalize_arabic("تفاهمٍ") == "تفاهم"
    assert normalize_arabic("إحدى") == "احدي"
    assert normalize_arabic("يُعد") == "يعد"
    assert normalize_arabic("الاتصـــالات") == "الاتصالات"  # tatweel
    assert normalize_arabic("مذكرة") == "مذكره"  # ta marbuta
    assert normalize_arabic("٢٠٢٤") == "2024"
    assert normalize_for_search("Egypt–Azerbaijan") == "egypt–azerbaijan"


def test_tokenize_stems_arabic_and_english_and_drops_stop_words():
    ar = tokenize("وقعت الحكومة الفلسطينية مذكرة تفاهم مع نظيرتها في جمهورية مصر العربية")
    assert "مع" not in ar and "في" not in ar  # stop words
    assert "حكوم" in ar and "فلسطين" in ar  # Snowball Arabic stems, then letter forms unified
    # the same word with and without the definite article and a clitic conjunction meet
    assert tokenize("الحكومة")[0] == tokenize("حكومة")[0]
    en = tokenize("Egypt signed memoranda of understanding")
    assert en == ["egypt", "sign", "memoranda", "understand"]


def test_tokenize_matches_hamza_variants():
    assert tokenize("أذربيجان") == tokenize("اذربيجان")


def test_sentence_spans_arabic_punctuation_and_abbreviations():
    t = "وقع الوزيران د. عمرو طلعت و د. اسحق سدر المذكرة. هل تم ذلك؟ نعم؛ تم التوقيع\nسطر جديد"
    parts = [t[a:b] for a, b in sentence_spans(t)]
    assert parts == ["وقع الوزيران د. عمرو طلعت و د. اسحق سدر المذكرة.", "هل تم ذلك؟", "نعم؛", "تم التوقيع", "سطر جديد"]


def test_month_abbreviation_before_a_day_does_not_end_a_sentence():
    text = "CAIRO, Sept. 12, 2005 -- The ministry signed. It was signed in Dec. The next one."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "CAIRO, Sept. 12, 2005 -- The ministry signed.",
        "It was signed in Dec.",
        "The next one.",
    ]


def test_sentence_spans_offsets_point_into_text():
    t = "  First one.  Second one!\n\nThird"
    for a, b in sentence_spans(t):
        assert t[a:b] == t[a:b].strip() and t[a:b]


def test_long_sentence_is_cut_at_clause_commas():
    clause = "وتتضمن المذكرة أوجه التعاون الفني المشترك بين البلدين الشقيقين في مجال الاتصالات"
    t = "، ".join([clause] * 6) + "."
    spans = sentence_spans(t)
    assert len(spans) > 1
    assert all(b - a <= 400 for a, b in spans)


def test_strip_invisible_removes_bidi_overrides():
    assert strip_invisible("abc\u202edef\u200b") == "abcdef"
