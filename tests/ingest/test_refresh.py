"""Incremental refresh against real embedded Chroma, with the deterministic fake embedder."""

import threading

import pytest

from assistant.app.compose import build_assistant
from ingest.locking import index_lock
from ingest.reports import IngestLocked


def _assistant(settings, emb):
    return build_assistant(settings, embedder=emb)


def test_first_ingest_adds_corpus_with_languages_and_metadata(settings, fake_embedder):
    a = _assistant(settings, fake_embedder)
    r = a.refresh()
    assert r.counts() == {"added": 5, "updated": 0, "unchanged": 0, "removed": 0, "skipped": 0}
    langs = {d.doc_id[:3]: d.language for d in a.library()}
    assert langs == {"000": "ar", "001": "en", "002": "ar", "003": "ar", "004": "ar"}
    doc = a.document("004_19b3c5eaec262736.txt")
    assert doc.source == "004_19b3c5eaec262736.txt"
    assert {d["value"] for d in doc.dates} == {"2024-06", "2026"}
    assert len(doc.content_hash) == 64 and doc.ingested_at
    # chunk vectors in Chroma are exactly the catalog's chunks
    assert a.index.ids() == a.catalog.chunk_ids()
    # boilerplate never reaches a chunk
    texts = " ".join(c.text for d in a.library() for c in a.catalog.doc_chunks(d.doc_id))
    assert "سجل في قائمتنا البريدية" not in texts and "Copyright" not in texts and "اقرأ أيضا" not in texts


def test_rerun_without_changes_does_no_embedding(settings, fake_embedder):
    _assistant(settings, fake_embedder).refresh()
    before = fake_embedder.passages_encoded
    again = _assistant(settings, fake_embedder).refresh()
    assert again.counts()["unchanged"] == 5
    assert again.passages_embedded == 0
    assert fake_embedder.passages_encoded == before


def test_edit_replaces_only_that_documents_chunks(settings, fake_embedder):
    a = _assistant(settings, fake_embedder)
    a.refresh()
    old_ids = {c.id for c in a.catalog.doc_chunks("002_74f5ac9498ea9be5.txt")}
    other_ids = {c.id for c in a.catalog.doc_chunks("003_f299f8e0cc481d39.txt")}
    p = settings.sources_dir / "002_74f5ac9498ea9be5.txt"
    p.write_text(
        p.read_text(encoding="utf-8") + "\nوأكد الوزيران أهمية متابعة تنفيذ المذكرة خلال عام 2025.\n", encoding="utf-8"
    )
    before = fake_embedder.passages_encoded
    r = a.refresh()
    assert r.counts() == {"added": 0, "updated": 1, "unchanged": 4, "removed": 0, "skipped": 0}
    new_ids = {c.id for c in a.catalog.doc_chunks("002_74f5ac9498ea9be5.txt")}
    assert new_ids and not (new_ids & old_ids)
    assert {c.id for c in a.catalog.doc_chunks("003_f299f8e0cc481d39.txt")} == other_ids
    assert a.index.ids() == a.catalog.chunk_ids()
    embedded = fake_embedder.passages_encoded - before
    n_texts = sum(1 + len(c.sentences) for c in a.catalog.doc_chunks("002_74f5ac9498ea9be5.txt"))
    assert embedded == n_texts  # only the edited document was embedded
    assert "2025" in {d["value"] for d in a.document("002_74f5ac9498ea9be5.txt").dates}


def test_delete_removes_chunks_and_new_file_is_added(settings, fake_embedder):
    a = _assistant(settings, fake_embedder)
    a.refresh()
    (settings.sources_dir / "003_f299f8e0cc481d39.txt").unlink()
    (settings.sources_dir / "new_release.md").write_text(
        "# Egypt and Kenya sign a digital cooperation MoU\n\nThe two ministers signed the memorandum in Nairobi in May 2025.\n",
        encoding="utf-8",
    )
    r = a.refresh()
    assert r.counts() == {"added": 1, "updated": 0, "unchanged": 4, "removed": 1, "skipped": 0}
    assert a.document("003_f299f8e0cc481d39.txt") is None
    assert not a.catalog.doc_chunks("003_f299f8e0cc481d39.txt")
    assert a.index.ids() == a.catalog.chunk_ids()
    new = a.document("new_release.md")
    assert new.title == "Egypt and Kenya sign a digital cooperation MoU" and new.language == "en"


def test_bad_files_are_skipped_with_reasons(settings, fake_embedder):
    src = settings.sources_dir
    (src / "binary.txt").write_bytes(b"\x00\x01\x02" * 300)
    (src / "empty.txt").write_text("   \n", encoding="utf-8")
    (src / "image.png").write_bytes(b"\x89PNG\r\n")
    (src / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    (src / "copy.txt").write_bytes((src / "002_74f5ac9498ea9be5.txt").read_bytes())
    (src / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    (src / "broken.docx").write_bytes(b"PK\x03\x04garbage")
    r = _assistant(settings, fake_embedder).refresh()
    reasons = {d.doc_id: d.reason for d in r.of("skipped")}
    assert "binary" in reasons["binary.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "unsupported file type" in reasons["image.png"]
    assert "undecodable" in reasons["latin1.txt"] or "no Arabic or English" in reasons["latin1.txt"]
    assert reasons["copy.txt"] == "duplicate of 002_74f5ac9498ea9be5.txt"
    assert "PDF" in reasons["broken.pdf"]
    assert ".docx" in reasons["broken.docx"]
    assert r.counts()["added"] == 5


def test_a_file_broken_after_indexing_keeps_its_previous_version(settings, fake_embedder):
    a = _assistant(settings, fake_embedder)
    a.refresh()
    (settings.sources_dir / "001_a13593534bc1957c.txt").write_bytes(b"\x00\xff" * 100)
    r = a.refresh()
    assert "previously indexed version is kept" in r.of("skipped")[0].reason
    assert a.document("001_a13593534bc1957c.txt") is not None


def test_scope_limits_refresh_to_given_paths(settings, fake_embedder):
    a = _assistant(settings, fake_embedder)
    a.refresh()
    (settings.sources_dir / "000_0c6985fae4fad1e2.txt").unlink()  # outside the scope: not removed yet
    (settings.sources_dir / "x.txt").write_text(
        "Egypt signs a new agreement with Ghana on e-government.", encoding="utf-8"
    )
    r = a.refresh([settings.sources_dir / "x.txt"])
    assert r.counts()["added"] == 1 and r.counts()["removed"] == 0
    with pytest.raises(Exception, match="outside the sources folder"):
        a.refresh([settings.sources_dir.parent])


def test_concurrent_runs_are_refused(settings):
    hold = threading.Event()
    release = threading.Event()

    def holder():
        with index_lock(settings.index_dir):
            hold.set()
            release.wait(5)

    t = threading.Thread(target=holder)
    t.start()
    hold.wait(5)
    try:
        with pytest.raises(IngestLocked, match="another ingest run"), index_lock(settings.index_dir):
            pass
    finally:
        release.set()
        t.join()


def test_model_change_forces_reembedding(settings, fake_embedder):
    a = _assistant(settings, fake_embedder)
    a.refresh()
    a.catalog.set_meta("embedding_model", "some/other-model")
    r = _assistant(settings, fake_embedder).refresh()
    assert r.counts()["updated"] == 5


def test_chunk_setting_change_makes_the_index_stale(settings, fake_embedder):
    _assistant(settings, fake_embedder).refresh()
    smaller = settings.model_copy(update={"ingest": settings.ingest.model_copy(update={"chunk_tokens": 100})})
    r = _assistant(smaller, fake_embedder).refresh()
    assert r.counts()["updated"] == 5
    assert _assistant(smaller, fake_embedder).refresh().counts()["unchanged"] == 5


def test_lost_vectors_are_restored_from_the_catalog_without_embedding(settings, fake_embedder):
    a = _assistant(settings, fake_embedder)
    a.refresh()
    ids = sorted(a.catalog.chunk_ids())
    a.index.delete(ids[:5])  # e.g. a vector store lost or migrated to a new layout
    before = fake_embedder.passages_encoded
    r = a.refresh()
    assert r.counts()["unchanged"] == 5 and fake_embedder.passages_encoded == before
    assert a.index.ids() == a.catalog.chunk_ids()


def test_an_index_from_the_first_register_schema_is_migrated_and_reextracted(settings, fake_embedder):
    import sqlite3

    a = _assistant(settings, fake_embedder)
    a.refresh()
    a.catalog.close()
    db = sqlite3.connect(settings.index_dir / "catalog.sqlite")
    # the first register layout: one column per field, no `data`
    db.executescript(
        "DROP TABLE records; CREATE TABLE records (id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, type TEXT NOT NULL, "
        "partners TEXT NOT NULL, date TEXT, year INTEGER, people TEXT NOT NULL, topics TEXT NOT NULL, "
        "evidence TEXT NOT NULL, language TEXT NOT NULL, summary TEXT NOT NULL);"
    )
    db.close()
    from assistant.core.errors import CatalogError

    before = (settings.index_dir / "catalog.sqlite").read_bytes()
    b = _assistant(settings, fake_embedder)
    with pytest.raises(CatalogError, match="taawun ingest"):
        b.agreements()  # a reading command does not migrate (it never writes): it says what to run
    assert (settings.index_dir / "catalog.sqlite").read_bytes() == before
    assert b.refresh().counts()["updated"] == 5  # ingest migrates, and every document is re-processed
    assert b.agreements(country="Azerbaijan")
