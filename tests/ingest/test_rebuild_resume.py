"""Hardening round 2: a killed `ingest --rebuild` is cleaned up, and a killed ingest resumes embedding."""

import json
import os

import numpy as np
import pytest

from assistant.app.compose import build_assistant


# --- item 8: a killed --rebuild, and a killed ingest ---------------------------------------------------
def test_leftovers_of_a_killed_rebuild_are_cleaned_by_the_next_run(indexed, settings, fake_embedder, monkeypatch):
    from assistant.app import cli

    monkeypatch.setattr("assistant.app.compose.make_embedder", lambda s: fake_embedder)
    monkeypatch.setattr("assistant.app.compose.embedder_model_id", lambda s: fake_embedder.model_id)
    leftover = settings.index_dir.with_name(settings.index_dir.name + ".rebuild")
    (leftover / "chroma").mkdir(parents=True)
    (leftover / "catalog.sqlite").write_bytes(b"half a catalog")
    where = ["--index", str(settings.index_dir), "--sources", str(settings.sources_dir)]
    assert cli.main(["ingest", "--quiet", "--json", *where]) == 0
    assert not leftover.exists()


def test_a_rebuild_killed_during_the_swap_restores_the_previous_index(indexed, settings, fake_embedder, monkeypatch):
    from assistant.app import cli

    monkeypatch.setattr("assistant.app.compose.make_embedder", lambda s: fake_embedder)
    monkeypatch.setattr("assistant.app.compose.embedder_model_id", lambda s: fake_embedder.model_id)
    indexed.catalog.close()
    old = settings.index_dir.with_name(settings.index_dir.name + ".old")
    os.replace(settings.index_dir, old)  # killed between the two renames of the swap
    settings.index_dir.with_name(settings.index_dir.name + ".rebuild").mkdir()
    where = ["--index", str(settings.index_dir), "--sources", str(settings.sources_dir)]
    assert cli.main(["ingest", "--quiet", "--json", *where]) == 0
    assert not old.exists() and not settings.index_dir.with_name(settings.index_dir.name + ".rebuild").exists()
    assert len(build_assistant(settings, embedder=fake_embedder).library()) == 5


class _Killed(Exception):
    pass


class _DiesAfter:
    """Wraps an embedder and dies (like a killed process) after ``n`` passages."""

    def __init__(self, inner, n):
        self.inner, self.n, self.model_id, self.dim = inner, n, inner.model_id, inner.dim
        self.count_tokens = inner.count_tokens

    def embed_passages(self, texts, progress=None):
        if len(texts) > self.n:
            raise _Killed(f"killed after {self.n} passages")
        self.n -= len(texts)
        return self.inner.embed_passages(texts, progress)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def test_a_killed_ingest_resumes_embedding_where_it_stopped(settings, fake_embedder, monkeypatch):
    from ingest import refresh

    monkeypatch.setattr(refresh, "EMBED_BATCH", 16)
    a = build_assistant(settings, embedder=_DiesAfter(fake_embedder, 60))
    with pytest.raises(_Killed):
        a.refresh()
    done_before = fake_embedder.passages_encoded
    assert done_before >= 48
    b = build_assistant(settings, embedder=fake_embedder)
    report = b.refresh()
    assert report.counts()["added"] == 5
    texts = sum(1 + len(c.sentences) for d in b.library() for c in b.catalog.doc_chunks(d.doc_id))
    assert report.passages_resumed >= done_before  # nothing embedded before the kill is embedded again
    assert report.passages_embedded + report.passages_resumed == texts
    assert json.loads(json.dumps(report.to_dict()))["passages_resumed"] == report.passages_resumed
    # the resumed vectors are the ones a fresh run computes
    fresh = build_assistant(
        settings.model_copy(
            update={"index": settings.index.model_copy(update={"dir": settings.index_dir.parent / "fresh"})}
        ),
        embedder=fake_embedder,
    )
    fresh.refresh()
    for d in b.library():
        mine, theirs = b.catalog.doc_chunks(d.doc_id), fresh.catalog.doc_chunks(d.doc_id)
        assert [c.id for c in mine] == [c.id for c in theirs]
        assert all(np.array_equal(x.sent_vecs, y.sent_vecs) for x, y in zip(mine, theirs, strict=True))
    assert not list(settings.index_dir.glob("*.partial*"))  # the resume file is gone after the commit


def test_a_second_rebuild_leaves_a_running_rebuilds_folder_alone(settings):
    from ingest.library import rebuild
    from ingest.locking import index_lock
    from ingest.reports import IngestLocked

    fresh = settings.index_dir.with_name(settings.index_dir.name + ".rebuild")
    fresh.mkdir(parents=True)
    (fresh / "catalog.sqlite").write_text("half-built by the first rebuild")

    def never(_settings):
        raise AssertionError("the second rebuild must not start")

    with index_lock(fresh), pytest.raises(IngestLocked):  # the first rebuild holds it, still filling its folder
        rebuild(settings, never, None)
    assert (fresh / "catalog.sqlite").read_text() == "half-built by the first rebuild"
