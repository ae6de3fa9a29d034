"""A release naming the partner only in its body answers counts and signatories, never dates, from beyond the pool."""

from types import SimpleNamespace

import numpy as np

from assistant.query.evidence import choose_parts
from assistant.query.features import Candidate
from assistant.query.question import analyze

HUB = (
    "Minister inaugurates an innovation hub in Aswan\n\n"
    "ASWAN, 9 March 2025 — The minister inaugurated the hub on Sunday.\n\n"
    "The hub's laboratory was equipped under a grant from the Government of Estonia signed in November 2024. "
    "Under the same agreement, 15 Egyptian trainers will attend a course in Tallinn."
)
AR_HUB = (
    "افتتاح مركز للإبداع في أسوان\n\n"
    "أسوان في 9 مارس 2025 — افتتح الوزير المركز اليوم.\n\n"
    "وجهز معمل المركز بمنحة من حكومة إستونيا. وبموجب الاتفاق نفسه يشارك 15 مدرباً مصرياً في دورة في تالين."
)


def _cand(text: str, sentence: str, lang: str, prob: float) -> Candidate:
    start = text.index(sentence)
    hit = SimpleNamespace(chunk=SimpleNamespace(id="hub#0"), doc=SimpleNamespace(doc_id="hub.txt", published=None))
    c = Candidate(hit, start, start, start + len(sentence), sentence, lang, 0, np.zeros(4))  # type: ignore[arg-type]
    c.prob = prob
    return c


def test_a_count_is_found_in_a_release_that_names_the_partner_further_down() -> None:
    lab = _cand(
        HUB,
        "The hub's laboratory was equipped under a grant from the Government of Estonia signed in November 2024.",
        "en",
        0.8,
    )
    trainers = _cand(HUB, "Under the same agreement, 15 Egyptian trainers will attend a course in Tallinn.", "en", 0.05)
    info = analyze("How many Egyptian trainers will the Estonian grant send?")
    got = choose_parts(info, [lab, trainers], about=None, mentions={"hub.txt"})
    assert got[0].candidate is trainers
    # without the release in ``mentions`` it is not searched beyond the pool
    assert choose_parts(info, [lab, trainers], about=None, mentions=None)[0].candidate is lab


def test_the_same_in_arabic() -> None:
    lab = _cand(AR_HUB, "وجهز معمل المركز بمنحة من حكومة إستونيا.", "ar", 0.8)
    trainers = _cand(AR_HUB, "وبموجب الاتفاق نفسه يشارك 15 مدرباً مصرياً في دورة في تالين.", "ar", 0.05)
    info = analyze("كم مدرباً مصرياً سيشارك بموجب منحة إستونيا؟")
    assert choose_parts(info, [lab, trainers], about=None, mentions={"hub.txt"})[0].candidate is trainers


def test_a_release_naming_the_partner_further_down_dates_nothing_beyond_the_pool() -> None:
    lead = _cand(HUB, "ASWAN, 9 March 2025 — The minister inaugurated the hub on Sunday.", "en", 0.05)
    lab = _cand(HUB, "Under the same agreement, 15 Egyptian trainers will attend a course in Tallinn.", "en", 0.8)
    info = analyze("When did Estonia sign the grant?")
    got = choose_parts(info, [lab, lead], about=None, mentions={"hub.txt"})
    assert got[0].candidate is None  # a date is asked and none in the pool: not the dateline of another event


INTERVIEW = (
    "Interview with the minister\n\n"
    "We have trained 11,500 young Africans since the programme started in 2022.\n\n"
    "Q: And Ethiopia? A: We have good discussions with our Ethiopian colleagues. There is no signed agreement yet."
)
AR_INTERVIEW = (
    "حوار مع الوزير\n\n"
    "دربنا 11500 شاب أفريقي منذ انطلاق البرنامج في عام 2022.\n\n"
    "وعن إثيوبيا قال إن المباحثات مستمرة ولم يوقع أي اتفاق بعد."
)


def _interview(text: str, dated: str, lang: str) -> Candidate:
    c = _cand(text, dated, lang, 0.9)
    c.hit = SimpleNamespace(chunk=SimpleNamespace(id="int#0"), doc=SimpleNamespace(doc_id="int.txt", published=None))
    return c


def test_a_page_only_mentioning_the_partner_dates_it_only_in_a_sentence_naming_it() -> None:
    dated = _interview(INTERVIEW, "We have trained 11,500 young Africans since the programme started in 2022.", "en")
    info = analyze("When did Egypt sign its data centre agreement with Ethiopia?")
    assert choose_parts(info, [dated], about=None, mentions={"int.txt"})[0].candidate is None
    # a page about the partner dates its own event from any sentence
    assert choose_parts(info, [dated], about={"int.txt"}, mentions=None)[0].candidate is dated
    ar = _interview(AR_INTERVIEW, "دربنا 11500 شاب أفريقي منذ انطلاق البرنامج في عام 2022.", "ar")
    ar_info = analyze("متى وقعت مصر اتفاق مراكز البيانات مع إثيوبيا؟")
    assert choose_parts(ar_info, [ar], about=None, mentions={"int.txt"})[0].candidate is None
