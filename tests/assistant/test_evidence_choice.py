"""Which sentence answers each part: the release's own date, the release about the partner, new facts only."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from assistant.query.evidence import about_partner, choose_parts, is_heading
from assistant.query.features import Candidate
from assistant.query.question import analyze
from assistant.query.spans import has_new_instance

UZ_DOC = (
    "Egypt and Uzbekistan Sign Memorandum of Understanding on ICT Cooperation\n\n"
    "TASHKENT, 27 April 2022 — Egypt's ministry and Uzbekistan's ministry signed a memorandum today.\n\n"
    "The memorandum was signed by Dr. Amr Talaat and Mr. Sherzod Rakhimov.\n\n"
    "In 2020, the two countries held their first online meeting on e-government."
)
KZ_DOC = (
    "Egypt and Kazakhstan sign an MoU on digital transformation\n\n"
    "ASTANA, 16 September 2024 — Egypt and Kazakhstan signed a memorandum on data centres.\n\n"
    "The memorandum covers digital transformation, artificial intelligence, data centres and digital "
    "capacity building, and sets up a joint working group that will meet in Cairo in the first quarter "
    "of next year. Representatives of twelve Egyptian IT companies attended the signing ceremony, and "
    "the two ministers toured the Astana International Technology Park.\n\n"
    "It follows a similar memorandum signed with Uzbekistan in April 2022."
)
DOCS = {"uz.txt": UZ_DOC, "kz.txt": KZ_DOC}


def cand(doc: str, sentence: str, prob: float) -> Candidate:
    text = DOCS[doc]
    start = text.index(sentence)
    hit = SimpleNamespace(chunk=SimpleNamespace(id=f"{doc}#0"), doc=SimpleNamespace(doc_id=doc, published=None))
    c = Candidate(hit, start, start, start + len(sentence), sentence, "en", 0, np.zeros(4))  # type: ignore[arg-type]
    c.prob = prob
    return c


SIGNERS = cand("uz.txt", "The memorandum was signed by Dr. Amr Talaat and Mr. Sherzod Rakhimov.", 0.40)
DATELINE = cand(
    "uz.txt", "TASHKENT, 27 April 2022 — Egypt's ministry and Uzbekistan's ministry signed a memorandum today.", 0.15
)
BACKGROUND = cand("uz.txt", "In 2020, the two countries held their first online meeting on e-government.", 0.20)
KZ_MENTION = cand("kz.txt", "It follows a similar memorandum signed with Uzbekistan in April 2022.", 0.45)


def test_a_release_about_the_partner_comes_before_one_that_mentions_it_in_its_background():
    info = analyze("When was the Egypt–Uzbekistan memorandum signed?")
    ordered, focus = about_partner([KZ_MENTION, SIGNERS, DATELINE], info, DOCS.__getitem__)
    assert [c.hit.doc.doc_id for c in ordered] == ["uz.txt", "uz.txt", "kz.txt"]
    assert focus == {"uz.txt"}


def test_when_the_best_sentence_has_no_date_the_release_is_dated_by_its_dateline():
    info = analyze("Who signed the Egypt–Uzbekistan memorandum, and when?")
    parts = choose_parts(info, [SIGNERS, BACKGROUND, DATELINE], about={"uz.txt"})
    assert [p.candidate for p in parts] == [SIGNERS, DATELINE]
    # a release that is not about the partner asked for dates it only in a sentence naming it, not by the
    # likelier background date
    assert choose_parts(info, [SIGNERS, BACKGROUND, DATELINE], about={"kz.txt"})[1].candidate is DATELINE
    assert choose_parts(info, [SIGNERS, BACKGROUND], about={"kz.txt"})[1].candidate is None


def test_a_sentence_that_is_itself_dated_answers_when_it_is_the_likeliest():
    info = analyze("When did the two countries hold their first online meeting?")
    first = cand("uz.txt", "In 2020, the two countries held their first online meeting on e-government.", 0.9)
    parts = choose_parts(info, [first, SIGNERS, DATELINE], about={"uz.txt"})
    assert parts[0].candidate is first


def test_a_fact_the_question_already_names_is_no_answer():
    headline = "EU Grants EUR 18 Million to Train 15,000 Young People in Upper Egypt"
    assert not has_new_instance("who", "Who signed the EU grant?", headline, "en")
    signers = "The agreement was signed by Ambassador Kristina Holm and Dr. Salma El-Naggar."
    assert has_new_instance("who", "Who signed the EU grant?", signers, "en")
    assert not has_new_instance("when", "What was agreed in 2024?", "The MoU was signed in 2024.", "en")


def test_a_section_heading_is_no_evidence_but_a_headline_with_figures_is():
    assert is_heading("Background")
    assert is_heading("School Connectivity Initiative Announced")
    assert not is_heading("EU Grants EUR 18 Million to Train 15,000 Young People")
    assert not is_heading("The MoU was signed.")


def test_short_facts_are_no_headings():
    assert not is_heading("Duration: three years")
    assert not is_heading("Valid for five years")
    assert not is_heading("مدة المذكرة ثلاث سنوات", "ar")


def test_who_signed_is_answered_by_the_signatories_not_by_a_minister_quoted_on_the_signing():
    info = analyze("من وقع مذكرة التفاهم بين مصر وفلسطين؟")
    quoted = "وبيّن الدكتور عمرو طلعت، أنَّ توقيع مذكرة التفاهم يؤكد على حرص مصر على دعم التعاون."
    signers = "حيث وقع كل من معالي وزير الاتصالات د. اسحق سدر، و نظيره المصري د. عمرو طلعت، بحضور رئيس الوزراء."
    DOCS["ps.txt"] = quoted + " " + signers
    first, second = cand("ps.txt", quoted, 0.6), cand("ps.txt", signers, 0.3)
    for c in (first, second):
        c.language = "ar"
    assert choose_parts(info, [first, second])[0].candidate is second


VISIT_DOC = (
    "Vietnamese delegation ends visit to Cairo\n\n"
    "The delegation was led by Mr. Nguyen Hoang Vu, Vice-Chairman of the association.\n\n"
    "Officials said a memorandum could follow next year."
)
DOCS["visit.txt"] = VISIT_DOC


def test_who_signed_is_not_answered_by_a_page_that_tells_of_no_signing():
    led = cand("visit.txt", "The delegation was led by Mr. Nguyen Hoang Vu, Vice-Chairman of the association.", 0.8)
    for q in ("Who signed the memorandum with the association during the visit?", "من وقع مذكرة التفاهم خلال الزيارة؟"):
        got = choose_parts(analyze(q), [led])[0]
        assert got.candidate is None and got.qtype == "who", q
    # who led it is still answered by the same sentence
    assert choose_parts(analyze("Who led the delegation?"), [led])[0].candidate is led


HUB_DOC = (
    "Veranet opens a software centre in Egypt\n\n"
    "CAIRO, 16 November 2025 — Veranet today announced a software centre at the Smart Village.\n\n"
    "The centre will start operating in January 2026 from temporary premises.\n\n"
    "The company was founded in Turin in 2009."
)
DOCS["hub.txt"] = HUB_DOC


def _dated(doc: str, sentence: str, prob: float, published: str | None) -> Candidate:
    c = cand(doc, sentence, prob)
    c.hit.doc.published = published  # type: ignore[attr-defined]
    return c


def test_a_question_about_what_is_to_come_is_not_answered_by_the_release_date():
    from assistant.query.question import asks_future

    info = analyze("When will the Veranet software centre start operating?")
    assert asks_future(info.parts[0].text)
    lead = _dated(
        "hub.txt",
        "CAIRO, 16 November 2025 — Veranet today announced a software centre at the Smart Village.",
        0.5,
        "2025-11-16",
    )
    start = _dated(
        "hub.txt", "The centre will start operating in January 2026 from temporary premises.", 0.3, "2025-11-16"
    )
    past = _dated("hub.txt", "The company was founded in Turin in 2009.", 0.2, "2025-11-16")
    (got,) = choose_parts(info, [lead, past, start], about={"hub.txt"})
    assert got.candidate is start
    # nothing later than the release: the sources do not say
    (got,) = choose_parts(info, [lead, past], about={"hub.txt"})
    assert got.candidate is None and got.qtype == "when"


def test_asks_future_in_both_languages():
    from assistant.query.question import asks_future

    assert asks_future("When is the hub expected to open?")
    assert asks_future("متى يبدأ المركز العمل؟") and asks_future("متى سيتم افتتاح المركز؟")
    assert not asks_future("When did Egypt sign the MoU?") and not asks_future("When was the forum held?")
    assert not asks_future("متى وقعت مذكرة التفاهم؟") and not asks_future("متى تم التوقيع؟")
    assert not asks_future("متى تأسست الشركة؟")


def test_a_question_about_what_happened_is_not_answered_by_a_date_after_the_release():
    from assistant.query.question import asks_past

    info = analyze("When was the Veranet agreement signed?")
    assert asks_past(info.parts[0].text) and asks_past("متى وقعت مذكرة التفاهم؟")
    plan = _dated(
        "hub.txt", "The centre will start operating in January 2026 from temporary premises.", 0.5, "2025-11-16"
    )
    lead = _dated(
        "hub.txt",
        "CAIRO, 16 November 2025 — Veranet today announced a software centre at the Smart Village.",
        0.3,
        "2025-11-16",
    )
    (got,) = choose_parts(info, [plan, lead], about={"hub.txt"})
    assert got.candidate is lead


def test_sign_language_asks_for_no_signer():
    from assistant.query.evidence import asks_signer

    assert asks_signer("Who signed the MoU?") and asks_signer("من وقع مذكرة التفاهم؟")
    assert not asks_signer("Who performed the anthem in American Sign Language?")
    from assistant.query.evidence import tells_signing

    assert tells_signing("وقام بالتوقيع عن الجانب المصري المهندس أحمد سامي") and tells_signing("ستوقع الشركة العقد")
    assert not tells_signing("ويتوقع أن يوفر المركز 300 فرصة عمل")


def test_a_signing_told_in_other_arabic_forms_still_answers_who_signed():
    text = "وقام بالتوقيع عن الجانب المصري المهندس أحمد سامي، وعن الجانب الهندي السيد راجيف كومار."
    DOCS["in.txt"] = text
    c = cand("in.txt", text, 0.8)
    c.language = "ar"
    got = choose_parts(analyze("من وقع مذكرة التفاهم مع الهند؟"), [c])[0]
    assert got.candidate is c
