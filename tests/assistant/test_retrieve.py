"""Retrieval behaviour with deterministic fakes: filters, language-fair fusion, translation de-duplication."""

from typing import ClassVar

from assistant.app.compose import build_assistant
from assistant.core.arguments import Filters
from tests.helpers import HashEmbedder

AZ, AFRICA, PAL = "004_19b3c5eaec262736.txt", "003_f299f8e0cc481d39.txt", "002_74f5ac9498ea9be5.txt"


def _docs(hits):
    return {h.doc.doc_id for h in hits}


def test_language_document_date_and_partner_filters(indexed):
    r = indexed.retriever(k=10)
    q = "مذكرة التفاهم والتعاون في مجال الاتصالات"
    assert all(h.chunk.language == "ar" for h in r.search(q, filters=Filters(languages=("ar",))))
    assert _docs(r.search(q, filters=Filters(doc_ids=(PAL,)))) == {PAL}
    assert _docs(r.search(q, filters=Filters(date_from="2024", date_to="2024-12"))) == {AZ}
    assert _docs(r.search(q, filters=Filters(date_from="2019", date_to="2019"))) == {AFRICA}
    assert _docs(r.search(q, filters=Filters(countries=("Azerbaijan",)))) == {AZ}
    assert _docs(r.search(q, filters=Filters(countries=("نيجيريا",)))) == {AFRICA}
    assert _docs(r.search(q, filters=Filters(countries=("PS",)))) == {PAL}
    assert r.search(q, filters=Filters(countries=("Japan",))) == []
    # the LangChain interface carries the same metadata
    docs = indexed.retriever(k=3, filters=Filters(languages=("en",))).invoke("bilateral relations")
    assert docs and all(d.metadata["language"] == "en" and d.metadata["chunk_id"] for d in docs)


def test_lexical_evidence_cannot_push_out_the_other_language(indexed):
    hits = indexed.retriever(k=6).search("Bilateral relations provide opportunities for exchanging experiences")
    cross = [h for h in hits if h.cross]
    # a third of the results stay reserved for the best passages in the other language ...
    assert len(cross) >= 2
    # ... and BM25 never scores a passage in another language than the question's
    assert all(h.lexical == 0.0 for h in cross)
    assert any(h.lexical > 0 for h in hits if not h.cross)


def test_hits_carry_scores_offsets_and_calibration(indexed):
    for h in indexed.retriever(k=4).search("وقعت مصر اتفاقيات مع نيجيريا وكوت ديفوار"):
        text = indexed.document_text(h.doc.doc_id)
        assert text[h.chunk.start : h.chunk.end].strip()
        assert len(h.relevance) == len(h.specificity) == len(h.chunk.sentences)
        a, b = h.best_sentence
        assert h.chunk.start <= a < b <= h.chunk.end


class DictionaryEmbedder(HashEmbedder):
    """Maps Arabic words to English ones first, so parallel texts embed alike (a fake "translation" model)."""

    model_id = "test/dictionary-embedder"
    WORDS: ClassVar[dict[str, str]] = {
        "مصر": "egypt",
        "وغانا": "ghana",
        "غانا": "ghana",
        "وقعتا": "signed",
        "وقعت": "signed",
        "اتفاقية": "agreement",
        "للبريد": "postal",
        "البريد": "postal",
        "الرقمي": "digital",
        "في": "in",
        "عام": "year",
        "الوزيران": "ministers",
        "اتفق": "agreed",
        "على": "on",
        "تدريب": "training",
        "الشباب": "youth",
        "المبرمجين": "programmers",
        "سيستضيف": "host",
        "مركز": "centre",
        "إقليمي": "regional",
        "أكرا": "accra",
        "للتجارة": "trade",
        "الإلكترونية": "electronic",
    }

    def _vec(self, text):
        mapped = " ".join(self.WORDS.get(w.strip(".،"), w) for w in text.split())
        return super()._vec(mapped)


def test_translations_are_linked_and_shown_once_in_the_question_language(tmp_path):
    from tests.helpers import make_settings

    src = tmp_path / "src"
    src.mkdir()
    (src / "ghana_en.txt").write_text(
        "Egypt and Ghana signed a postal digital agreement in 2025.\nThe ministers agreed on training youth programmers.\n"
        "Accra will host a regional centre for electronic trade.\n",
        encoding="utf-8",
    )
    (src / "ghana_ar.txt").write_text(
        "مصر وغانا وقعتا اتفاقية للبريد الرقمي في عام 2025.\nاتفق الوزيران على تدريب الشباب المبرمجين.\n"
        "أكرا سيستضيف مركز إقليمي للتجارة الإلكترونية.\n",
        encoding="utf-8",
    )
    (src / "other.txt").write_text(
        "The weather in Cairo was sunny and warm during the spring festival.", encoding="utf-8"
    )
    emb = DictionaryEmbedder()
    a = build_assistant(make_settings(tmp_path, src), embedder=emb)
    a.refresh()
    docs = {d.doc_id: d for d in a.library()}
    assert (
        docs["ghana_en.txt"].translation_of == "ghana_ar.txt" and docs["ghana_ar.txt"].translation_of == "ghana_en.txt"
    )
    assert docs["other.txt"].translation_of is None
    for question, lang, own, twin in [
        ("ما الاتفاقية التي وقعتها مصر وغانا للبريد الرقمي؟", "ar", "ghana_ar.txt", "ghana_en.txt"),
        ("Which postal digital agreement did Egypt and Ghana sign?", "en", "ghana_en.txt", "ghana_ar.txt"),
    ]:
        hits = a.retriever(k=6).search(question, language=lang)
        listed = [h.doc.doc_id for h in hits]
        assert listed[0] == own
        assert twin not in listed  # never the same passage twice, in two languages
        assert any(x.doc.doc_id == twin for x in hits[0].alternates)  # but kept, attached to its twin


def test_a_filtered_search_does_not_leak_into_the_next_one(indexed):
    r = indexed.retriever(k=10)
    q = "مذكرة التفاهم والتعاون في مجال الاتصالات"
    unfiltered = _docs(r.search(q))
    assert _docs(r.search(q, filters=Filters(doc_ids=(PAL,)))) == {PAL}
    again = r.search(q)
    assert _docs(again) == unfiltered
    assert any(h.lexical > 0 for h in again if h.doc.doc_id != PAL)  # BM25 still sees every document
