"""The chat is also an API: stable endpoint names, exercised with gradio_client."""

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CONTRACT = {"question", "language", "answer", "abstained", "short_answer", "citations", "timings_ms", "status"}


def test_ask_endpoint_in_both_languages(served_app):
    from gradio_client import Client

    c = Client(served_app["url"], verbose=False)
    en = c.predict(question="What does Egypt Post offer participating countries on its platform?", api_name="/ask")
    assert set(en) == CONTRACT and en["language"] == "en" and not en["abstained"]
    assert en["citations"] and en["citations"][0]["source"] == "003_f299f8e0cc481d39.txt"
    ar = c.predict(question="متى تم توقيع مذكرة التفاهم بين مصر وأذربيجان؟", api_name="/ask")
    assert ar["language"] == "ar" and "2024" in ar["answer"]
    follow = c.predict(
        question="and when was it signed?",
        history=[["What did Egypt sign with Azerbaijan?", en["answer"]]],
        api_name="/ask",
    )
    assert set(follow) == CONTRACT
    filtered = c.predict(question="What does Egypt Post offer participating countries?", language="en", api_name="/ask")
    assert all(x["language"] == "en" for x in filtered["citations"])


def test_register_library_and_document_endpoints(served_app):
    from gradio_client import Client

    c = Client(served_app["url"], verbose=False)
    rows = c.predict(country="Nigeria", api_name="/agreements")
    assert len(rows) == 1 and rows[0]["type"] == "agreement" and rows[0]["evidence"]
    mous = c.predict(type="mou", api_name="/agreements")
    assert {r["partners"][0]["en"] for r in mous} >= {"Palestine", "Azerbaijan"}
    for bad in ({"since": "abc"}, {"since": "20xx"}, {"type": "treaty"}):
        got = c.predict(api_name="/agreements", **bad)
        assert got["status"] == "invalid" and next(iter(bad)) in got["message"]
    assert c.predict(since="2024", api_name="/agreements")  # a year as text is fine
    lib = c.predict(api_name="/library")
    assert len(lib) >= 5 and {"doc_id", "title", "language", "chunks"} <= set(lib[0])
    doc = c.predict(doc_id="002_74f5ac9498ea9be5.txt", api_name="/document")
    assert doc["language"] == "ar" and "مذكرة" in doc["text"]


def test_bad_input_gets_a_polite_answer(served_app):
    from gradio_client import Client

    c = Client(served_app["url"], verbose=False)
    empty = c.predict(question="   ", api_name="/ask")
    assert empty["status"] == "invalid" and empty["abstained"]
    long = c.predict(question="x" * 5000, api_name="/ask")
    assert long["status"] == "invalid" and "too long" in long["answer"]
