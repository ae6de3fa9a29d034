"""Hardening round 2, the service: malformed arguments, broken text, lost vectors, corrupt catalogs."""

import json
import logging

import pytest

from assistant.app.compose import build_assistant
from assistant.core.arguments import Filters
from assistant.core.catalog import Catalog
from assistant.core.errors import CatalogError
from assistant.core.layout import CATALOG_FILE
from assistant.core.store import MemoryIndex

QUESTION = "What did Egypt sign with Azerbaijan?"


@pytest.fixture
def memory_assistant(settings, fake_embedder):
    a = build_assistant(settings, embedder=fake_embedder, index=MemoryIndex(fake_embedder.dim))
    a.refresh()
    return a


def _no_errors_logged(caplog):
    return not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- item 10: lone surrogates -------------------------------------------------------------
@pytest.mark.parametrize("q", [f"{QUESTION}\ud800", "\udcff\udcfeWhat?", "What did Egypt \ufffd sign?"])
def test_broken_text_in_a_question_is_invalid_and_the_answer_is_valid_utf8(memory_assistant, caplog, q):
    ans = memory_assistant.ask(q)
    assert ans.status == "invalid" and ans.abstained
    json.dumps(ans.contract(), ensure_ascii=False).encode("utf-8")  # strict: no lone surrogate survives
    assert "\ufffd" in ans.question or "\ud800" not in ans.question
    assert _no_errors_logged(caplog)


# --- item 11: malformed arguments -------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"history": [[1, None]]}, "history"),
        ({"history": [["only one"]]}, "history"),
        ({"history": "not a list"}, "history"),
        ({"filters": {"date_from": 2024}}, "date_from"),
        ({"filters": {"date_from": "not-a-date"}}, "date_from"),
        ({"filters": {"date_to": "2024-02-30"}}, "date_to"),
        ({"filters": {"language": "xx"}}, "language"),
        ({"filters": {"languages": ["en", 3]}}, "languages"),
        ({"filters": {"doc_ids": [{"a": 1}]}}, "doc_ids"),
        ({"filters": {"country": 7}}, "country"),
        ({"filters": "language=en"}, "filters"),
    ],
)
def test_malformed_arguments_are_invalid_and_say_which(memory_assistant, caplog, kwargs, name):
    ans = memory_assistant.ask(QUESTION, **kwargs)
    assert ans.status == "invalid", ans
    assert name in ans.answer
    assert _no_errors_logged(caplog)


def test_well_formed_arguments_still_work(memory_assistant):
    ok = memory_assistant.ask(
        QUESTION,
        history=[("Hello", None), ["What is the MoU?", "An agreement."]],
        filters={"date_from": "2020", "date_to": "2025-06", "language": "en", "country": ["AZ"]},
    )
    assert ok.status in ("ok", "abstained")
    assert Filters.from_dict({"date_from": "2024-01-31", "language": ["ar", "en"]}).problem is None


# --- item 6: lost vectors ------------------------------------------------------------------------
def test_lost_vectors_make_answers_unavailable_and_ingest_reports_the_repair(settings, fake_embedder):
    a = build_assistant(settings, embedder=fake_embedder, index=MemoryIndex(fake_embedder.dim))
    a.refresh()
    assert a.status().get("problem") is None
    # the same catalog over an empty vector store: what deleting the Chroma folder does
    b = build_assistant(settings, embedder=fake_embedder, index=MemoryIndex(fake_embedder.dim))
    ans = b.ask("Who signed the MoU with Palestine?")
    assert ans.status == "unavailable" and "taawun ingest" in ans.answer
    st = b.status()
    assert "taawun ingest" in st["problem"] and st["vectors"] != st["catalog_chunks"]
    report = b.refresh()
    assert report.vectors_restored == sum(st["catalog_chunks"].values())
    assert "restored" in report.summary() and report.to_dict()["vectors_restored"] == report.vectors_restored
    assert b.status().get("problem") is None
    assert b.ask("Who signed the MoU with Palestine?").status in ("ok", "abstained")


def test_stray_vectors_alone_do_not_make_answers_unavailable(memory_assistant, fake_embedder):
    import numpy as np

    memory_assistant.index.upsert(["stray#1"], np.ones((1, fake_embedder.dim)), [{"language": "en", "doc_id": "x"}])
    assert memory_assistant.ask(QUESTION).status in ("ok", "abstained")


# --- item 7: a 0-byte catalog is corrupt, and reading never writes ---------------------------------
def test_zero_byte_catalog_is_corrupt_and_is_not_written(settings, fake_embedder):
    settings.index_dir.mkdir(parents=True)
    cat = settings.index_dir / CATALOG_FILE
    cat.write_bytes(b"")
    with pytest.raises(CatalogError, match="rebuild"):
        Catalog(cat, create=False)
    with pytest.raises(CatalogError, match="rebuild"):
        Catalog(cat, create=True)
    a = build_assistant(settings, embedder=fake_embedder)
    assert "rebuild" in a.status()["error"]
    assert a.ask(QUESTION).status == "unavailable"
    assert cat.stat().st_size == 0 and sorted(p.name for p in settings.index_dir.iterdir()) == [CATALOG_FILE]


def test_reading_a_valid_catalog_writes_nothing(indexed, settings):
    cat = settings.index_dir / CATALOG_FILE
    indexed.catalog.close()
    before = cat.read_bytes()
    mtime = cat.stat().st_mtime_ns
    c = Catalog(cat, create=False)
    assert c.documents() and c.generation() > 0
    c.close()
    assert cat.read_bytes() == before and cat.stat().st_mtime_ns == mtime
