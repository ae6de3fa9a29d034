"""The agreements register on the founding corpus: each expected record, with evidence, in both languages."""

import pytest

from assistant.core.catalog import DocRecord
from assistant.core.people import extract_people
from assistant.query.agreements import list_intent, partner_name, query_records, register_answer
from ingest.agreements import extract_records, release_date
from tests.helpers import CORPUS

AFRICAN_PARTNERS = {"Nigeria", "Côte d'Ivoire", "Libya", "Sudan", "Equatorial Guinea", "Guinea"}


def _records(name):
    text = (CORPUS / name).read_text(encoding="utf-8")
    return text, extract_records(DocRecord(name, name, "txt", "ar", "t", text, "h", len(text), "now"))


def _assert_evidence(text, record):
    assert record["evidence"], record
    for ev in record["evidence"]:
        assert text[ev["start"] : ev["end"]] == ev["text"] and ev["text"].strip()


def test_palestine_mou_with_signatories_and_witness():
    text, recs = _records("002_74f5ac9498ea9be5.txt")
    assert [(r["type"], r["partners"][0]["en"]) for r in recs] == [("mou", "Palestine")]
    r = recs[0]
    _assert_evidence(text, r)
    assert {"ICT", "post"} <= set(r["topics"])
    people = {p["name"]: p for p in r["people"]}
    assert people["اسحق سدر"]["part"] == "signatory" and "وزير الاتصالات" in people["اسحق سدر"]["role"]
    assert people["عمرو طلعت"]["part"] == "signatory"
    assert people["مصطفى مدبولي"]["part"] == "presence" and "رئيس مجلس الوزراء" in people["مصطفى مدبولي"]["role"]


def test_azerbaijan_mou_june_2024_and_meeting_2026():
    text, recs = _records("004_19b3c5eaec262736.txt")
    by_type = {r["type"]: r for r in recs if r["partners"][0]["en"] == "Azerbaijan"}
    assert set(by_type) == {"mou", "meeting"}
    assert by_type["mou"]["date"] == "2024-06"
    meeting = by_type["meeting"]
    assert 2026 in meeting["years"]
    assert any("2026" in ev["text"] for ev in meeting["evidence"])
    names = {p["name"] for p in meeting["people"]}
    assert {"عمرو طلعت", "رشاد نابييف"} <= names
    for r in recs:
        _assert_evidence(text, r)


def test_african_postal_e_commerce_agreements():
    text, recs = _records("003_f299f8e0cc481d39.txt")
    agreements = [r for r in recs if r["type"] == "agreement"]
    assert {r["partners"][0]["en"] for r in agreements} == AFRICAN_PARTNERS
    for r in agreements:
        _assert_evidence(text, r)
        assert {"e-commerce", "post"} <= set(r["topics"])
    guinea = next(r for r in agreements if r["partners"][0]["en"] == "Guinea")
    assert guinea["partners"][0]["as_written"] == "غينيا كوناكري"


def test_precision_no_record_without_a_named_partner_near_its_cue():
    # 000/001 talk about "signing bilateral agreements and memoranda of understanding" with nobody in particular
    for name in ("000_0c6985fae4fad1e2.txt", "001_a13593534bc1957c.txt"):
        assert _records(name)[1] == []
    # a venue ("on the sidelines of the Arab ICT ministers' council") is not a partner
    _, recs = _records("002_74f5ac9498ea9be5.txt")
    assert all("Council" not in r["partners"][0]["en"] for r in recs)
    total = sum(len(_records(p.name)[1]) for p in CORPUS.glob("*.txt"))
    assert (
        total == 10
    )  # the Palestine MoU, 6 African agreements, the African initiative, the Azerbaijan MoU and meeting


def test_people_roles_from_english_text():
    people = extract_people(
        "The MoU was signed by Dr. Amr Talaat, Minister of Communications, and Mr. John Smith, "
        "in the presence of Prime Minister Mostafa Madbouly."
    )
    by = {p.name: p for p in people}
    assert by["Amr Talaat"].part == "signatory" and "Minister" in by["Amr Talaat"].role
    assert by["Mostafa Madbouly"].part == "presence"


def test_register_is_stored_with_the_index_and_queried_in_both_languages(indexed):
    cat = indexed.catalog
    assert len(query_records(cat, country="Nigeria")) == 1
    assert query_records(cat, country="نيجيريا") == query_records(cat, country="Nigeria")
    assert query_records(cat, country="غينيا كوناكري")[0]["partners"][0]["en"] == "Guinea"
    assert {r["partners"][0]["en"] for r in query_records(cat, type="mou")} == {"Palestine", "Azerbaijan"}
    assert [r["type"] for r in query_records(cat, country="أذربيجان", since=2026)] == ["meeting"]
    # a removed document removes its records
    (indexed.settings.sources_dir / "003_f299f8e0cc481d39.txt").unlink()
    indexed.refresh()
    assert query_records(cat, country="Nigeria") == []


def test_list_questions_are_answered_from_the_register_with_a_citation_per_item(indexed):
    cat = indexed.catalog
    text, ev = register_answer(cat, "Which countries has Egypt signed ICT MoUs with?", "en")
    assert "Palestine" in text and "Azerbaijan" in text and len(ev) == 2
    text_ar, ev_ar = register_answer(cat, "ما هي مذكرات التفاهم التي وقعتها مصر؟", "ar")
    assert "فلسطين" in text_ar and "أذربيجان" in text_ar and len(ev_ar) == 2
    text_agr, _ = register_answer(cat, "Which agreements did Egypt sign with African countries?", "en")
    assert all(p in text_agr for p in AFRICAN_PARTNERS)
    ans = indexed.ask("ما هي الاتفاقيات التي وقعتها مصر؟")
    assert ans.generator == "register" and len(ans.citations) >= 1
    # questions about one attribute of one instrument are not list questions
    assert list_intent("ما هي ميزانية مذكرة التفاهم بين مصر وأذربيجان؟") is None
    assert list_intent("When was the MoU with Azerbaijan signed?") is None


def test_list_answers_respect_the_filters(indexed):
    ans = indexed.ask("Which agreements has Egypt signed?", filters={"country": "Libya"})
    assert ans.generator == "register" and "Libya" in ans.answer and "Nigeria" in ans.answer
    # the partner filter selects documents; the 003 page names all six partners, so all six are listed
    none = indexed.ask("Which agreements has Egypt signed?", filters={"country": "Japan"})
    assert none.generator != "register"


@pytest.mark.parametrize(
    ("written", "canonical", "shown"),
    [
        ("الفلسطينية", "فلسطين", "فلسطين"),  # the adjective adds nothing
        ("فلسطين", "فلسطين", "فلسطين"),  # ف is part of the name here, not a clitic
        ("وليبيا", "ليبيا", "ليبيا"),  # و is a clitic
        ("وغينيا كوناكري", "غينيا", "غينيا (غينيا كوناكري)"),  # the source's own, more specific wording
        ("ساحل العاج", "كوت ديفوار", "كوت ديفوار (ساحل العاج)"),
    ],
)
def test_partner_names_show_the_sources_wording_only_when_it_adds_something(written, canonical, shown):
    assert partner_name({"ar": canonical, "en": "x", "as_written": written}, "ar") == shown
    assert partner_name({"ar": canonical, "en": "Name", "as_written": written}, "en") == "Name"


def test_english_people_need_capitalised_names_and_take_the_nearest_role():
    kenya = (
        "The Egyptian Minister of Communications and the Kenyan Cabinet Secretary for ICT signed a memorandum "
        "of understanding in Nairobi in March 2025 to train 5,000 young Kenyan programmers in cloud computing."
    )
    assert extract_people(kenya) == []  # "train 5" is not a person
    people = extract_people(
        "Minister of Communications Amr Talaat signed the MoU with Ambassador Elkhan Polukhov, "
        "in the presence of Prime Minister Mostafa Madbouly."
    )
    got = {p.name: (p.role, p.part) for p in people}
    assert got["Elkhan Polukhov"] == ("Ambassador", "signatory")
    assert got["Mostafa Madbouly"] == ("Prime Minister", "presence")


def test_a_ministers_portfolio_is_no_person():
    sentence = (
        "The grant was signed by Ambassador Kristina Holm, Head of the EU Delegation, and Dr. Salma El-Naggar, "
        "MCIT Deputy Minister for Digital Skills and Capacity Building."
    )
    assert [p.name for p in extract_people(sentence)] == ["Kristina Holm", "Salma El-Naggar"]


def test_a_name_after_a_ministers_portfolio_is_still_a_person():
    sentence = "The MoU was signed by Egypt's Minister of Communications and Information Technology Amr Talaat."
    assert [p.name for p in extract_people(sentence)] == ["Amr Talaat"]


def test_an_entry_label_dates_the_record_that_follows_it():
    text = (
        "Partnerships review\n\n"
        "This chapter summarises the memoranda signed by the ministry and its bodies, and their results.\n\n"
        "Memoranda signed in 2024\n\n"
        "The ministry followed each of them.\n\n"
        "Botswana (May 2024, Gaborone). MoU between MCIT and Botswana's communications ministry on digital skills.\n\n"
        "Mexico (October 2024, Mexico City). MoU between NTRA and the Mexican telecommunications regulator on "
        "spectrum.\n\n"
        "The memorandum with Jordan covers e-government."
    )
    doc = DocRecord("r.txt", "r.txt", "txt", "en", "t", text, "h", len(text), "now")
    assert release_date(doc) is None  # no dateline: only the labels date the entries
    dates = {r["partners"][0]["id"]: r["date"] for r in extract_records(doc)}
    assert dates.get("BW") == "2024-05" and dates.get("MX") == "2024-10"
    assert dates.get("JO") is None  # a paragraph of its own takes no other entry's label


def test_a_short_sentence_naming_no_partner_or_another_dates_nothing():
    text = (
        "Partnerships\n\n"
        "This chapter summarises the memoranda signed by the ministry and its bodies, and their results.\n\n"
        "This supports Egypt Vision 2030. The ministry and Kenya's ICT Authority signed an MoU on skills.\n\n"
        "Ghana signed an MoU in 2023. Another MoU was signed with Rwanda on data centres."
    )
    doc = DocRecord("v.txt", "v.txt", "txt", "en", "t", text, "h", len(text), "now")
    dates = {r["partners"][0]["id"]: r["date"] for r in extract_records(doc)}
    assert dates.get("KE") is None and dates.get("RW") is None
