"""Register extraction on invented, hand-labelled releases (tests/data/register): floors on precision and recall."""

import pytest

from assistant.core.catalog import DocRecord
from bench.register import event_of, load_labels, score
from ingest.agreements import extract_records, release_date

FLOORS = {  # measured 2025 on this set: see bench/results/register.md
    "records": (0.95, 0.93),
    "counterparts": (0.95, 0.95),
    "dates": (0.95, 0.95),
    "egypt_party": (0.93, 0.93),
    "people": (0.90, 0.80),
    "people+roles": (0.65, 0.60),
    # a false merge hides an event, a missed one shows a duplicate: precision first
    "merge (record pairs)": (0.95, 0.80),
}


def test_the_labelled_set_is_large_enough_and_bilingual():
    labels = load_labels()
    assert sum(len(x["records"]) for x in labels) >= 40
    assert {x["language"] for x in labels} == {"ar", "en"}
    # events reported by more than one document, and in both languages, for the merge
    events: dict[str, set[str]] = {}
    for x in labels:
        for r in x["records"]:
            events.setdefault(event_of(x["doc"], r), set()).add(x["language"])
    shared = [langs for langs in events.values() if len(langs) > 1]
    assert sum(len(x["records"]) for x in labels) - len(events) >= 12 and len(shared) >= 8


@pytest.fixture(scope="module")
def tallies():
    return score()


@pytest.mark.parametrize("measure", sorted(FLOORS))
def test_extraction_meets_its_floor(tallies, measure):
    p, r = FLOORS[measure]
    t = tallies[measure]
    assert t.precision >= p and t.recall >= r, (measure, t.precision, t.recall, t.misses[:10])


def _doc(text: str, lang: str = "en", published: str | None = None) -> DocRecord:
    return DocRecord("d", "d", "txt", lang, "t", text, "h", len(text), "now", published)


def test_a_record_without_a_date_of_its_own_takes_the_dateline_or_the_publication_date():
    text = "CAIRO, 14 March 2023\nNTRA signed a memorandum of understanding with Ofcom on spectrum."
    (rec,) = extract_records(_doc(text))
    assert (rec["date"], rec["date_source"], rec["egypt_party"]) == ("2023-03-14", "published", ["NTRA"])
    assert extract_records(_doc(text.split("\n")[1], published="2024-01-02"))[0]["date"] == "2024-01-02"
    assert release_date(_doc("Egypt signed in 2019 an MoU with Jordan.")) is None  # a year alone is no dateline


def test_companies_and_regulators_are_counterparts_and_their_country_only_qualifies_them():
    recs = extract_records(
        _doc("وقع الجهاز القومي لتنظيم الاتصالات مذكرة تفاهم مع شركة فور اي جي المجرية لتطوير الأقمار الصناعية.", "ar")
    )
    assert [(r["type"], r["partners"][0]["id"], r["partners"][0]["kind"]) for r in recs] == [("mou", "4IG", "company")]
    recs = extract_records(_doc("NTRA signed an MoU with the UK's Ofcom and France's ARCEP in May 2022."))
    assert sorted(r["partners"][0]["id"] for r in recs) == ["ARCEP", "OFCOM"]


def test_the_egyptian_party_is_the_body_nearest_the_instrument_not_a_witness_or_a_foreign_ministry():
    text = (
        "Minister of Communications Dr. Hany Selim met Huawei's regional president, and witnessed the signing "
        "of a memorandum of understanding between ITIDA and Huawei."
    )
    by_type = {r["type"]: r["egypt_party"] for r in extract_records(_doc(text))}
    assert by_type == {"meeting": ["MCIT"], "mou": ["ITIDA"]}
    ghana = extract_records(_doc("Ghana's Minister of Communications met NTRA officials in Accra."))
    assert ghana[0]["egypt_party"] == ["NTRA"]


def test_signatories_named_in_the_sentence_after_the_signing_belong_to_it():
    text = (
        "وقعت هيئة تنمية صناعة تكنولوجيا المعلومات اتفاقية مع شركة أوراكل لتدريب الشباب. "
        "ووقع الاتفاقية الدكتورة نادية فاروق الرئيس التنفيذي للهيئة."
    )
    (rec,) = extract_records(_doc(text, "ar"))
    assert rec["people"] == [{"name": "نادية فاروق", "role": "الرئيس التنفيذي للهيئة", "part": "signatory"}]
