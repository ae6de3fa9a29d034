"""The answer's own words: short typed answers, unanswered parts and cross-language summaries."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from assistant.core.protocols import Evidence
from assistant.query.compose import compose
from assistant.query.evidence import PartChoice, Selection, number_evidence
from assistant.query.features import Candidate
from assistant.query.generate import ExtractiveGenerator
from assistant.query.question import Part, analyze

AR_SIGNING = "وقعت مصر وأذربيجان مذكرة تفاهم في مجال التحول الرقمي في يونيو 2024 بحضور وزير الاتصالات."
EN_FORUM = "The forum brought together 17 companies and created more than 5,000 jobs in 2023."


def cand(text: str, lang: str, doc: str = "d1.txt", j: int = 0, start: int = 0) -> Candidate:
    hit = SimpleNamespace(chunk=SimpleNamespace(id=f"{doc}#0"), doc=SimpleNamespace(doc_id=doc, published=None))
    return Candidate(hit, j, start, start + len(text), text, lang, 0, np.zeros(4), prob=0.9)  # type: ignore[arg-type]


def selection(question: str, chosen: list[Candidate | None]) -> tuple[Selection, str]:
    info = analyze(question)
    parts = [PartChoice(p, c, sorted(p.types)[0] if p.types else None) for p, c in zip(info.parts, chosen, strict=True)]
    picked = [c for c in chosen if c is not None]
    evidence, numbers = number_evidence(picked)
    other = all(c.language != info.language for c in picked)
    return Selection(evidence, picked, False, "ok", other, parts, 0.9, numbers), info.language


def test_an_english_when_question_over_arabic_evidence_opens_with_an_english_date():
    sel, lang = selection("When was the Egypt–Azerbaijan MoU signed?", [cand(AR_SIGNING, "ar")])
    out = compose(sel, lang, lambda _: None)
    assert out.lead == "In June 2024 [1]."
    assert out.short == "In June 2024"


def test_an_arabic_count_question_over_english_evidence_answers_in_arabic():
    sel, lang = selection("كم عدد الشركات المشاركة في المنتدى؟", [cand(EN_FORUM, "en")])
    out = compose(sel, lang, lambda _: None)
    assert out.short is not None and "17" in out.short and "شرك" in out.short
    assert out.lead.endswith("[1].")


def test_a_compound_question_says_which_part_the_sources_do_not_answer():
    sel, lang = selection("Who signed the MoU with Azerbaijan, and when?", [None, cand(AR_SIGNING, "ar")])
    out = compose(sel, lang, lambda _: None)
    assert "In June 2024 [1]." in out.lead
    assert out.lead.startswith("The sources do not say")


def test_a_foreign_untyped_answer_is_summarised_from_its_register_record():
    c = cand(AR_SIGNING, "ar")
    record = {
        "type": "mou",
        "partners": [{"id": "AZ", "en": "Azerbaijan", "ar": "أذربيجان"}],
        "date": "2024-06",
        "topics": ["digital transformation"],
        "evidence": [{"start": 0, "end": len(AR_SIGNING)}],
    }
    sel, lang = selection("What did Egypt and Azerbaijan agree on?", [c])
    out = compose(sel, lang, lambda _: None, lambda _doc: [record])
    assert out.lead.startswith("The Arabic source reports a memorandum of understanding between Egypt and Azerbaijan")
    assert "June 2024" in out.lead and out.lead.endswith("[1].")
    assert not any("\u0600" <= ch <= "\u06ff" for ch in out.lead)


def test_a_foreign_untyped_answer_without_a_record_names_what_the_sentence_mentions():
    sel, lang = selection("ما الذي تناوله المنتدى؟", [cand(EN_FORUM, "en")])
    out = compose(sel, lang, lambda _: None)
    assert out.lead.startswith("يذكر المصدر (الإنجليزية)")
    assert "[1]" in out.lead


def test_the_extractive_generator_quotes_foreign_evidence_after_the_lead():
    ev = [Evidence(1, "c", "d", "ar", 0, len(AR_SIGNING), AR_SIGNING, 1.0)]
    text = ExtractiveGenerator().compose("en", ev, "In June 2024 [1].")
    assert text == f"In June 2024 [1].\n\n“{AR_SIGNING} [1]”"
    assert ExtractiveGenerator().compose("ar", ev, "") == f"{AR_SIGNING} [1]"


def test_question_parts_are_kept_in_order():
    info = analyze("How many companies took part and how many jobs were created?")
    assert [p.types for p in info.parts] == [frozenset({"count"}), frozenset({"count"})]
    assert isinstance(info.parts[0], Part)


def test_who_signed_lists_the_signatories_but_not_a_witness():
    text = (
        "حيث وقع كل من وزير الاتصالات د. اسحق سدر، و نظيره المصري د. عمرو طلعت، "
        "بحضور رئيس مجلس الوزراء المصري مصطفى مدبولي."
    )
    sel, lang = selection("من وقع مذكرة التفاهم؟", [cand(text, "ar")])
    out = compose(sel, lang, lambda _: None)
    assert out.short is not None and "اسحق سدر" in out.short and "عمرو طلعت" in out.short
    assert "مدبولي" not in out.short


def test_a_bare_number_is_answered_with_what_the_question_counts():
    sel, lang = selection(
        "How many Rwandan technicians will be trained?", [cand("The MoU trains 40 technicians from Rwanda.", "en")]
    )
    assert compose(sel, lang, lambda _d: None, lambda _d: []).lead.startswith("40 Rwandan technicians [1]")


def test_a_bare_number_in_the_other_language_gets_no_unchecked_noun():
    sel, lang = selection("How many engineers will be hired?", [cand("وسيوظف المركز 800 في المرحلة الأولى.", "ar")])
    assert not compose(sel, lang, lambda _d: None, lambda _d: []).lead.startswith("800 engineers")


def test_several_signatories_in_the_other_script_share_one_lead_in():
    sentence = (
        "The memorandum was signed by Eng. Tarek Mansour, Executive President of NTRA, and Mr. Emmanuel Karangwa."
    )
    sel, lang = selection("من وقع مذكرة التفاهم مع رواندا؟", [cand(sentence, "en")])
    lead = compose(sel, lang, lambda _d: None, lambda _d: []).lead
    assert lead.startswith("وردت الأسماء في المصدر: «Tarek Mansour» و«Emmanuel Karangwa» [1]")


def test_a_place_the_gazetteer_lacks_is_quoted_as_written_in_the_askers_words():
    en = "The third edition of the forum will be held in Almaty, Kazakhstan, in 2026."
    sel, lang = selection("أين ستعقد النسخة الثالثة من المنتدى؟", [cand(en, "en")])
    out = compose(sel, lang, lambda _: None)
    assert out.short == "ورد الاسم في المصدر: «Almaty»"


def test_a_past_question_takes_the_date_not_after_the_release():
    s = "The agreement, which takes effect in January 2026, was signed on 3 May 2025."
    c = cand(s, "en")
    c.hit.doc.published = "2025-05-10"  # type: ignore[attr-defined]
    sel, lang = selection("When was the agreement signed?", [c])
    assert compose(sel, lang, lambda _: None).short == "On 3 May 2025"


def test_an_english_lead_in_for_a_name_left_in_arabic_opens_with_a_capital():
    sel, lang = selection(
        "Which company will build the plant?", [cand("ستقوم شركة النيل للصناعات ببناء المصنع.", "ar")]
    )
    out = compose(sel, lang, lambda _: None)
    assert out.short == "Named in the source as “النيل للصناعات”"
