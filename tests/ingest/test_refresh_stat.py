"""The stat shortcut: a refresh reads and hashes only files whose stat changed since their hash was taken."""

import os
import sqlite3

import pytest

import ingest.sources as sources_mod
from assistant.app.compose import build_assistant
from assistant.core.catalog import Catalog

EN = "001_a13593534bc1957c.txt"


@pytest.fixture
def reads(monkeypatch):
    """The doc ids whose file a refresh read."""
    seen: list[str] = []
    real = sources_mod.read_source

    def counting(path, *args, **kwargs):
        seen.append(path.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(sources_mod, "read_source", counting)
    return seen


@pytest.fixture
def no_racy(monkeypatch):
    """Trust a stat taken right after a write (the tests run well within the real 2 s window)."""
    monkeypatch.setattr(sources_mod, "RACY_NS", 0)


def _same_size_edit(path):
    data = path.read_bytes()
    i = data.index(b"e")
    path.write_bytes(data[:i] + b"a" + data[i + 1 :])
    assert len(path.read_bytes()) == len(data)


def test_unchanged_files_are_not_read(settings, fake_embedder, reads, no_racy):
    a = build_assistant(settings, embedder=fake_embedder)
    a.refresh()
    reads.clear()
    r = a.refresh()
    assert r.counts()["unchanged"] == 5
    assert reads == []


def _refresh_after_same_size_edit(settings, fake_embedder, reads, mtime_shift_ns):
    """Refresh once, edit EN in place keeping its size (mtime moved by ``mtime_shift_ns``), refresh again."""
    a = build_assistant(settings, embedder=fake_embedder)
    a.refresh()
    p = settings.sources_dir / EN
    st = p.stat()
    _same_size_edit(p)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + mtime_shift_ns))
    reads.clear()
    return a, p, a.refresh()


def test_same_size_edit_with_new_mtime_is_reread(settings, fake_embedder, reads, no_racy):
    a, p, r = _refresh_after_same_size_edit(settings, fake_embedder, reads, 1_000_000_000)
    assert reads == [EN]
    assert r.counts() == {"added": 0, "updated": 1, "unchanged": 4, "removed": 0, "skipped": 0}
    assert a.document(EN).text == p.read_text(encoding="utf-8")


def test_same_size_edit_with_mtime_put_back_is_reread(settings, fake_embedder, reads, no_racy):
    """``cp -p``/``rsync -t`` style: same size, same mtime, new content; the ctime gives it away."""
    _, _, r = _refresh_after_same_size_edit(settings, fake_embedder, reads, 0)
    assert reads == [EN]
    assert r.counts()["updated"] == 1


def test_touched_identical_file_is_read_once_and_not_reembedded(settings, fake_embedder, reads, no_racy):
    a = build_assistant(settings, embedder=fake_embedder)
    a.refresh()
    p = settings.sources_dir / EN
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    gen, before, reads[:] = a.catalog.generation(), fake_embedder.passages_encoded, []
    r = a.refresh()
    assert reads == [EN]  # its stat changed: hashed again, found identical
    assert r.counts()["unchanged"] == 5 and r.passages_embedded == 0
    assert fake_embedder.passages_encoded == before
    assert a.catalog.generation() == gen  # recording the new stat is no index change
    reads.clear()
    a.refresh()
    assert reads == []  # the new stat was recorded


def test_racy_stat_is_not_trusted(settings, fake_embedder, reads):
    """A file changed within the timestamp granularity of the scan is hashed again next time."""
    a = build_assistant(settings, embedder=fake_embedder)
    a.refresh()  # the corpus was just copied: every file is racy
    assert all(stat is None for _, _, stat in a.catalog.scan_states().values())
    reads.clear()
    a.refresh()
    assert len(reads) == 5


def test_force_reads_everything(settings, fake_embedder, reads, no_racy):
    a = build_assistant(settings, embedder=fake_embedder)
    a.refresh()
    reads.clear()
    r = a.refresh(force=True)
    assert len(reads) == 5 and r.counts()["updated"] == 5


def _columns(path):
    db = sqlite3.connect(path)
    try:
        return {r[1] for r in db.execute("PRAGMA table_info(documents)")}
    finally:
        db.close()


def test_catalog_without_stat_column_is_migrated(tmp_path):
    path = tmp_path / "catalog.sqlite"
    Catalog(path).close()
    db = sqlite3.connect(path)
    db.execute("DROP INDEX documents_scan")  # a catalog from before the column
    db.execute("ALTER TABLE documents DROP COLUMN stat")
    db.commit()
    db.close()
    reader = Catalog(path, create=False)  # readers do not need it
    assert reader.documents() == []
    reader.migrate()  # what a refresh through a service's reading catalog does first
    assert "stat" in _columns(path)
    reader.close()
    db = sqlite3.connect(path)
    db.execute("DROP INDEX documents_scan")
    db.execute("ALTER TABLE documents DROP COLUMN stat")
    db.commit()
    db.close()
    cat = Catalog(path)
    assert "stat" in _columns(path)
    assert cat.scan_states() == {}
