"""One contract, both catalog engines: the SQLite file (the default) and a real PostgreSQL server."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from assistant.core.catalog import Catalog, ChunkRecord, DocRecord
from assistant.core.errors import CatalogError


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def target(request, tmp_path):
    if request.param == "sqlite":
        return tmp_path / "catalog.sqlite"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def catalog(target):
    cat = Catalog(target)
    yield cat
    cat.close()


def _doc(doc_id: str, lang: str = "en", translation_of: str | None = None) -> DocRecord:
    return DocRecord(
        doc_id, f"src/{doc_id}", "page", lang, f"Title «{doc_id}»", "body text", f"h-{doc_id}", 9, "2026-12-02",
        published="2024-06-01", dates=[{"iso": "2024-06-01"}], countries=["AZ"], translation_of=translation_of,
        notes=["ملاحظة"],
    )  # fmt: skip


def _chunks(doc_id: str, n: int = 3, lang: str = "en", dim: int = 8) -> list[ChunkRecord]:
    rng = np.random.default_rng(abs(hash(doc_id)) % 2**32)
    return [
        ChunkRecord(
            f"{doc_id}#h#{i}",
            doc_id,
            i,
            i * 10,
            i * 10 + 9,
            lang,
            f"chunk {i} of {doc_id}",
            ["tok", f"w{i}", "مصر"],
            [(0, 4), (5, 9)],
            rng.normal(size=dim).astype(np.float32),
            rng.normal(size=(2, dim)).astype(np.float32),
        )
        for i in range(n)
    ]


def _fill(cat: Catalog) -> None:
    with cat.transaction() as w:
        w.write_document(_doc("b.txt"), _chunks("b.txt"), np.ones(8, np.float32))
        w.write_document(_doc("a.txt", "ar", translation_of="b.txt"), _chunks("a.txt", 2, "ar"))
        w.write_records("b.txt", [{"id": "r1", "type": "mou", "year": 2024, "partner": "أذربيجان"}])
        w.set_meta("dim", "8")


def test_round_trip_in_code_point_order(catalog):
    assert catalog.generation() == 0 and catalog.documents() == []
    _fill(catalog)
    assert catalog.generation() == 1
    docs = catalog.documents(with_text=True)
    assert [d.doc_id for d in docs] == ["a.txt", "b.txt"]
    assert docs[1] == _doc("b.txt") and docs[0].notes == ["ملاحظة"]
    assert catalog.documents()[0].text == ""  # without the text, unless asked
    assert catalog.document("a.txt").translation_of == "b.txt" and catalog.document("zz") is None
    assert catalog.linked_to(["b.txt"]) == {"a.txt": "b.txt"}
    assert catalog.language_counts() == {"en": 3, "ar": 2}
    assert catalog.chunk_counts() == {"b.txt": 3, "a.txt": 2} and catalog.chunk_count() == 5
    got = catalog.doc_chunks("b.txt")
    want = _chunks("b.txt")
    assert [c.id for c in got] == [c.id for c in want] and got[1].sentences == [(0, 4), (5, 9)]
    assert np.allclose(got[2].sent_vecs, want[2].sent_vecs, atol=1e-2) and got[0].tokens == ["tok", "w0", "مصر"]
    assert [t[0] for t in catalog.iter_tokens()] == sorted(c.id for c in _chunks("a.txt", 2) + want)
    assert [t[0] for t in catalog.iter_tokens(["b.txt#h#1", "nope"])] == ["b.txt#h#1"]
    assert catalog.records() == [{"id": "r1", "type": "mou", "year": 2024, "partner": "أذربيجان", "doc_id": "b.txt"}]
    assert set(catalog.doc_vectors()) == {"b.txt"}


def test_replace_and_delete_cascade(catalog):
    _fill(catalog)
    with catalog.transaction() as w:
        w.write_document(_doc("b.txt"), _chunks("b.txt", 1))  # replacing drops the old chunks
        w.delete_document("a.txt")
        w.set_twins({"b.txt#h#0": "x#h#0"})
        w.set_stats({"b.txt": "stat-key"})
    assert catalog.chunk_ids() == {"b.txt#h#0"} and catalog.doc_chunks("b.txt")[0].twin == "x#h#0"
    assert catalog.scan_states() == {"b.txt": ("h-b.txt", "src/b.txt", "stat-key")}
    with catalog.transaction() as w:
        w.delete_document("b.txt")
    assert catalog.chunk_count() == 0 and catalog.records() == [] and catalog.generation() == 3


def test_a_failed_transaction_changes_nothing(catalog):
    _fill(catalog)
    with pytest.raises(RuntimeError), catalog.transaction() as w:
        w.delete_document("b.txt")
        raise RuntimeError("killed mid-commit")
    assert catalog.chunk_count() == 5 and catalog.generation() == 1


def test_cached_chunks_follow_the_generation(catalog):
    _fill(catalog)
    assert "a.txt#h#0" in catalog.chunks(["a.txt#h#0"])
    with catalog.transaction() as w:
        w.delete_document("a.txt")
    assert catalog.chunks(["a.txt#h#0", "b.txt#h#0"]).keys() == {"b.txt#h#0"}


def test_a_second_connection_sees_commits(catalog, target):
    other = Catalog(target, create=False)
    assert other.generation() == 0
    _fill(catalog)
    assert other.generation() == 1 and [d.doc_id for d in other.documents()] == ["a.txt", "b.txt"]
    other.close()


def _together(n: int, work) -> list[BaseException]:  # type: ignore[no-untyped-def]
    """``work(i)`` in ``n`` threads started at once; the exceptions they raised."""
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_concurrent_writers_are_serialised(catalog, target):
    """Every commit bumps the generation exactly once, however the writers interleave."""

    def write(i: int) -> None:
        cat = Catalog(target)
        try:
            for j in range(5):
                with cat.transaction() as w:
                    w.write_document(_doc(f"d{i}-{j}.txt"), _chunks(f"d{i}-{j}.txt", 1))
        finally:
            cat.close()

    errors = _together(3, write)
    assert not errors and catalog.generation() == 15 and catalog.chunk_count() == 15


def test_migrate_is_idempotent_and_readers_never_create(target):
    with pytest.raises(CatalogError, match="taawun ingest"):
        Catalog(target, create=False)
    cat = Catalog(target)
    cat.migrate()
    cat.migrate()
    assert Catalog(target).get_meta("schema_version") == "1"
    cat.close()


def test_writer_lock_is_exclusive_across_connections(catalog, target):
    other = Catalog(target)
    with catalog.writer_lock() as first, other.writer_lock() as second:
        assert first and (second is (not catalog.shared))  # a file's lock is the folder's lock file
    with other.writer_lock() as again:
        assert again
    other.close()


@pytest.mark.integration
def test_replicas_opening_an_empty_database_together(postgres_url):
    """Replicas on several hosts may start at once on a new database (an SQLite file has one host)."""
    cats: list[Catalog] = []
    errors = _together(4, lambda i: cats.append(Catalog(postgres_url)))
    assert not errors and len(cats) == 4 and {c.generation() for c in cats} == {0}
    for c in cats:
        c.close()


def test_replicas_setting_a_new_key_together(catalog, target):
    """Two replicas store a calibration at once (no writer lock is held for that)."""

    def put(i: int) -> None:
        cat = Catalog(target)
        try:
            for j in range(10):
                cat.set_meta(f"calibration:{j}", f"from {i}")
        finally:
            cat.close()

    errors = _together(4, put)
    assert not errors and catalog.get_meta("calibration:9") in {f"from {i}" for i in range(4)}


@pytest.mark.integration
def test_a_run_that_lost_its_writer_lock_cannot_commit(postgres_url):
    import sqlalchemy as sa

    cat, other = Catalog(postgres_url), Catalog(postgres_url)
    admin = sa.create_engine(sa.make_url(postgres_url).set(drivername="postgresql+psycopg"))
    with cat.writer_lock() as mine:
        assert mine
        with admin.connect() as conn:  # the server drops the lock's session (a restart, an operator)
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": cat._lock_pid})
        with other.writer_lock() as theirs:
            assert theirs  # another host's run got the lock meanwhile
        with pytest.raises(CatalogError, match="lost the writer lock"), cat.transaction() as w:
            w.write_document(_doc("late.txt"), _chunks("late.txt"))
    assert cat.document("late.txt") is None and cat.generation() == 0  # and leaving the lock did not raise
    admin.dispose()
    cat.close()
    other.close()


def test_a_reader_serves_a_catalog_an_ingest_has_not_migrated_yet(tmp_path):
    """`taawun serve --no-ingest` over the previous release's catalog (no revision or origin columns)."""
    import sqlite3

    path = tmp_path / "catalog.sqlite"
    cat = Catalog(path)
    _fill(cat)
    cat.close()
    db = sqlite3.connect(path)
    for col in ("revision", "origin"):
        db.execute(f"ALTER TABLE documents DROP COLUMN {col}")
    db.commit()
    db.close()
    reader = Catalog(path, create=False)
    assert set(reader.document_keys()) == {"a.txt", "b.txt"} and len(reader.documents()) == 2
    reader.migrate()  # what the next ingest through the same object does first
    assert all(k[3] is None for k in reader.document_keys().values())
    reader.close()
