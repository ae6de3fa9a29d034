"""A refresh appends only the changed documents' chunks to the BM25 index, and the result is a full rebuild's."""

import random

import numpy as np
import pytest

from assistant.app.compose import build_assistant
from assistant.core.layout import lexical_path
from assistant.core.lexical import LexicalIndex, stored_generation
from tests.assistant.test_lexical_incremental import assert_same


@pytest.fixture
def rebuilds(monkeypatch):
    """Full rebuilds of the lexical index made by the refresh (not by readers or the checks)."""
    import ingest.bm25 as bm25

    calls = []

    class Counting(LexicalIndex):
        @classmethod
        def build(cls, *args, **kw):
            calls.append(1)
            return super().build(*args, **kw)

    monkeypatch.setattr(bm25, "LexicalIndex", Counting)
    return calls


def _check(a):
    path = lexical_path(a.settings)
    inc = LexicalIndex.load(path)
    assert inc.generation == a.catalog.generation()
    full = LexicalIndex.build(a.catalog.iter_tokens(), generation=inc.generation)
    assert_same(inc, full, random.Random(3))
    return inc


def test_edits_append_to_the_lexical_index_and_match_a_rebuild(settings, fake_embedder, rebuilds):
    a = build_assistant(settings, embedder=fake_embedder)
    a.refresh()
    assert len(rebuilds) == 1  # the first run builds it
    src = settings.sources_dir
    (src / "new.txt").write_text("Egypt and Kenya signed an agreement on digital skills in 2025.", encoding="utf-8")
    a.refresh()
    assert len(_check(a).segments) == 2  # the base, and the new document's segment
    p = src / "002_74f5ac9498ea9be5.txt"
    p.write_text(p.read_text(encoding="utf-8") + "\nوأكد الوزيران أهمية متابعة تنفيذ المذكرة.\n", encoding="utf-8")
    a.refresh()
    _check(a)
    (src / "003_f299f8e0cc481d39.txt").unlink()
    a.refresh()
    _check(a)
    assert len(rebuilds) == 1  # an add, an edit and a removal were appended
    hits = a.retriever(k=3).search("Kenya digital skills agreement")
    assert hits[0].doc.doc_id == "new.txt"


def test_a_noop_refresh_replaces_a_legacy_or_stale_index(settings, fake_embedder):
    a = build_assistant(settings, embedder=fake_embedder)
    a.refresh()
    path = lexical_path(settings)
    np.savez(path, data=np.zeros(1), meta=np.asarray([a.catalog.generation()]))  # the pre-segment format
    assert stored_generation(path) is None
    a.refresh()
    assert stored_generation(path) == a.catalog.generation()
    _check(a)
