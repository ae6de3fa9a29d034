"""A question naming "the fourth session" / «الاجتماع الخامس» is answered by the sentence naming that one."""

import pytest

from assistant.query.ordinals import fit, ordinals


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How much is the first tranche of the loan?", {1}),
        ("Where will the fourth session of the joint committee be held?", {4}),
        ("أين سيعقد الاجتماع الخامس؟", {5}),
        ("عقدت اللجنة دورتها الثالثة في الرباط", {3}),
        ("ويستهدف البرنامج في دورته الأولى عشرين شركة", {1}),
        ("the 2nd cohort and the third cohort", {2, 3}),
        # numbered after the noun
        ("Phase two, launched in 2019, was more ambitious.", {2}),
        ("hired phase-two graduates; Phase III starts in round 4", {2, 3, 4}),
        ("the phase 2.5 pilot and two phases", set()),
        ("At this stage I would like to thank our partners; round 2 million", set()),
        # idioms that qualify nothing counted
        ("For the first time, Egypt hosted the forum.", set()),
        ("وللمرة الأولى تستضيف مصر المنتدى", set()),
        ("لأول مرة تستضيف مصر المنتدى", set()),
        # an adverb «سادساً» (sixthly) is no ordinal adjective
        ("سادساً: اتفق الجانبان على عقد الدورة الرابعة للجنة في القاهرة", {4}),
    ],
)
def test_ordinals(text: str, expected: set[int]) -> None:
    assert ordinals(text) == expected


def test_fit_prefers_the_asked_one_across_languages() -> None:
    asked = ordinals("Where will the fourth session of the committee be held?")
    assert fit(asked, "اتفق الجانبان على عقد الدورة الرابعة للجنة في القاهرة خلال عام 2025") == 1
    assert fit(asked, "عقدت اللجنة دورتها الثالثة في الرباط يومي 23 و24 نوفمبر") == -1
    assert fit(asked, "The committee met in Rabat.") == 0
    assert fit(frozenset(), "the third session") == 0


LOAN = (
    "Bank approves a USD 310 million loan for Egypt, in three tranches\n\n"
    "CAIRO, 18 June 2025 — The Bank approved a loan of USD 310 million for Egypt's digital economy programme.\n\n"
    "A first tranche of USD 140 million will be released in 2025. A second tranche of USD 100 million is "
    "planned for 2026."
)
SESSIONS = (
    "بيان مشترك في ختام الدورة الثالثة للجنة المصرية المغربية\n\n"
    "عقدت اللجنة دورتها الثالثة في الرباط يومي 23 و24 نوفمبر 2023.\n\n"
    "اتفق الجانبان على عقد الدورة الرابعة للجنة في القاهرة خلال عام 2025."
)


def _cand(doc: str, text: str, sentence: str, lang: str, prob: float):
    from types import SimpleNamespace

    import numpy as np

    from assistant.query.features import Candidate

    start = text.index(sentence)
    hit = SimpleNamespace(chunk=SimpleNamespace(id=f"{doc}#0"), doc=SimpleNamespace(doc_id=doc, published=None))
    c = Candidate(hit, start, start, start + len(sentence), sentence, lang, 0, np.zeros(4))  # type: ignore[arg-type]
    c.prob = prob
    return c


def test_the_asked_tranche_beats_a_likelier_total() -> None:
    from assistant.query.evidence import choose_parts
    from assistant.query.question import analyze

    total = _cand(
        "loan.txt",
        LOAN,
        "CAIRO, 18 June 2025 — The Bank approved a loan of USD 310 million for Egypt's digital economy programme.",
        "en",
        0.9,
    )
    first = _cand("loan.txt", LOAN, "A first tranche of USD 140 million will be released in 2025.", "en", 0.1)
    second = _cand("loan.txt", LOAN, "A second tranche of USD 100 million is planned for 2026.", "en", 0.3)
    for q, want in (("How much is the first tranche of the loan?", first), ("ما قيمة الشريحة الثانية؟", second)):
        got = choose_parts(analyze(q), [total, second, first])
        assert got[0].candidate is want, q


def test_the_asked_session_beats_the_one_held_now_across_languages() -> None:
    from assistant.query.evidence import choose_parts
    from assistant.query.question import analyze

    third = _cand("ma.txt", SESSIONS, "عقدت اللجنة دورتها الثالثة في الرباط يومي 23 و24 نوفمبر 2023.", "ar", 0.6)
    fourth = _cand(
        "ma.txt", SESSIONS, "اتفق الجانبان على عقد الدورة الرابعة للجنة في القاهرة خلال عام 2025.", "ar", 0.1
    )
    got = choose_parts(analyze("Where will the fourth session of the joint committee be held?"), [third, fourth])
    assert got[0].candidate is fourth


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How much did Finland contribute to the second phase of the programme?", {2}),
        ("ما قيمة الشريحة الرابعة من قرض بنك التنمية؟", {4}),
        ("في الدورة الخامسة للمنتدى", {5}),
        ("the 3rd funding round", {3}),
        ("phase two graduates", {2}),
        # a rank or a first time numbers no series
        ("Which country was the second largest exporter?", set()),
        ("the second-largest market", set()),
        ("ثاني أكبر مصدر للنفط", set()),
        ("Who was the second president?", set()),
        ("for the second time", set()),
    ],
)
def test_staged_reads_only_a_numbered_series(text: str, expected: set[int]) -> None:
    from assistant.query.ordinals import staged

    assert staged(text) == expected


FEATURE = (
    "Egypt and Finland enter a third phase of their digital skills cooperation.\n\n"
    "Fifteen years after a modest pilot in a handful of Alexandria schools, the cooperation between the two "
    "countries on digital learning has bigger targets, a new focus on artificial intelligence and some lessons "
    "learned the hard way, officials and trainers say, looking back at a decade of courses, laboratories and "
    "exchanges between teachers in Cairo, Alexandria and Helsinki.\n\n"
    "Phase two, launched in 2019, was more ambitious. It promised to train 10,000 young people in coding. "
    "Critics say it leaned on Greater Cairo. The pandemic moved courses online. "
    "The Finnish side will contribute EUR 7.2 million over four years."
)


def _at(doc: str, text: str, sentence: str, j: int, prob: float):
    c = _cand(doc, text, sentence, "en", prob)
    c.j = j
    return c


def test_a_phase_the_release_never_reports_is_not_answered_by_another() -> None:
    from assistant.query.evidence import choose_parts
    from assistant.query.question import analyze

    total = _cand(
        "loan.txt",
        LOAN,
        "CAIRO, 18 June 2025 — The Bank approved a loan of USD 310 million for Egypt's digital economy programme.",
        "en",
        0.9,
    )
    second = _cand("loan.txt", LOAN, "A second tranche of USD 100 million is planned for 2026.", "en", 0.3)
    for q in ("How much is the third tranche of the loan?", "ما قيمة الشريحة الرابعة من القرض؟"):
        got = choose_parts(analyze(q), [total, second])
        assert got[0].candidate is None, q


def test_a_recalled_phase_is_answered_only_near_its_name() -> None:
    from assistant.query.evidence import choose_parts
    from assistant.query.question import analyze

    lead = _at("fi.txt", FEATURE, FEATURE.split("\n")[0], 0, 0.2)
    two = _at("fi.txt", FEATURE, "Phase two, launched in 2019, was more ambitious.", 1, 0.1)
    promised = _at("fi.txt", FEATURE, "It promised to train 10,000 young people in coding.", 2, 0.3)
    money = _at("fi.txt", FEATURE, "The Finnish side will contribute EUR 7.2 million over four years.", 5, 0.6)
    cands = [money, promised, lead, two]
    assert choose_parts(analyze("How much did Finland contribute to the second phase?"), cands)[0].candidate is None
    got = choose_parts(analyze("How many young people did phase two promise to train?"), cands)
    assert got[0].candidate is promised
    # the release is about the third phase (its lead says so): its figures are that phase's
    got = choose_parts(analyze("How much will Finland contribute to the third phase?"), cands)
    assert got[0].candidate is money
