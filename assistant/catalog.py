"""The catalog: documents, chunks and sentence vectors in SQLite, next to the vector index.

The catalog is the index's source of truth and its commit point. An ingest run
writes new vectors to the vector store first, then commits the catalog in one
transaction, then deletes superseded vectors. Readers only trust vector-store
ids the catalog knows, so a run killed at any point leaves the previous state
queryable, and stray vectors are collected by the next run.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA_VERSION = 1
CHUNK_CACHE = 16384  # records kept in memory (~5 KB each with their float16 sentence vectors)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    language TEXT NOT NULL,
    title TEXT NOT NULL,
    published TEXT,
    text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    dates TEXT NOT NULL DEFAULT '[]',
    date_min TEXT,
    date_max TEXT,
    countries TEXT NOT NULL DEFAULT '[]',
    translation_of TEXT,
    ingested_at TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '[]',
    vec BLOB,
    stat TEXT
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    language TEXT NOT NULL,
    text TEXT NOT NULL,
    tokens TEXT NOT NULL,
    sentences TEXT NOT NULL,
    vec BLOB NOT NULL,
    sent_vecs BLOB NOT NULL,
    twin TEXT
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    year INTEGER,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_doc ON records(doc_id);
"""


class CatalogError(RuntimeError):
    """The catalog is missing, unreadable or from an incompatible version."""


@dataclass
class DocRecord:
    doc_id: str
    source: str
    kind: str
    language: str
    title: str
    text: str
    content_hash: str
    size: int
    ingested_at: str
    published: str | None = None
    dates: list[dict[str, Any]] = field(default_factory=list)
    date_min: str | None = None
    date_max: str | None = None
    countries: list[str] = field(default_factory=list)
    translation_of: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class ChunkRecord:
    id: str
    doc_id: str
    ord: int
    start: int
    end: int
    language: str
    text: str
    tokens: list[str]
    sentences: list[tuple[int, int]]
    vec: np.ndarray  # (dim,) unit length (float16 when read back from the catalog)
    sent_vecs: np.ndarray  # (n_sentences, dim)
    twin: str | None = None  # the aligned chunk of this document's translation


_DOC_COLS = (
    "doc_id",
    "source",
    "kind",
    "language",
    "title",
    "published",
    "text",
    "content_hash",
    "size",
    "dates",
    "date_min",
    "date_max",
    "countries",
    "translation_of",
    "ingested_at",
    "notes",
)
_JSON_DOC = {"dates", "countries", "notes"}


def _f16(a: np.ndarray) -> bytes:
    return np.asarray(a, dtype=np.float16).tobytes()


def _unf16(b: bytes, dim: int) -> np.ndarray:
    return np.frombuffer(b, dtype=np.float16).reshape(-1, dim)


class Catalog:
    def __init__(self, path: Path, *, create: bool = True) -> None:
        """Open the catalog; with ``create=False`` (reading commands) nothing is ever written."""
        self.path = path
        if not create and not path.is_file():
            raise CatalogError(f"no index at {path.parent} (run `taawun ingest`)")
        if path.is_file() and path.stat().st_size == 0:
            # SQLite would read an empty file as an empty database: the index would look empty, not broken
            raise CatalogError(
                f"the index catalog {path} is empty (0 bytes) and so corrupt; run `taawun ingest --rebuild`"
            )
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        # Chunk records are immutable per id (ids carry the content hash); cache the hot ones.
        # The cache is dropped whenever the generation changes, so a removed chunk is never served.
        self._cache: OrderedDict[str, ChunkRecord] = OrderedDict()
        self._cache_gen = -1
        self._vectors_checked_gen = -1  # the generation whose vector counts matched (see missing_vectors)
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA synchronous=FULL")
            if create:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.executescript(_SCHEMA)
                self._migrate()
            else:
                self._check_schema()
            version = self.get_meta("schema_version")
        except sqlite3.DatabaseError as exc:
            raise CatalogError(
                f"the index catalog {path} is unreadable ({exc}); run `taawun ingest --rebuild`"
            ) from exc
        if version is None and create:
            self.set_meta("schema_version", str(SCHEMA_VERSION))
        elif version is None or int(version) != SCHEMA_VERSION:
            raise CatalogError(f"index schema {version} != {SCHEMA_VERSION}; run `taawun ingest --rebuild`")

    def _check_schema(self) -> None:
        """A reader's check that this is a current catalog (a writer creates or migrates it instead)."""
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"meta", "documents", "chunks", "records"} <= tables:
            found = ", ".join(sorted(tables)) or "none"
            raise CatalogError(
                f"the index catalog {self.path} is incomplete (tables: {found}); run `taawun ingest --rebuild`"
            )
        chunk_cols = {r[1] for r in self._db.execute("PRAGMA table_info(chunks)")}
        record_cols = {r[1] for r in self._db.execute("PRAGMA table_info(records)")}
        if "twin" not in chunk_cols or "data" not in record_cols:
            raise CatalogError(f"the index at {self.path.parent} is from an older version; run `taawun ingest`")

    def migrate(self) -> None:
        """Bring a catalog opened for reading up to date before it is written (a service opens it to read,
        then refreshes through the same connection)."""
        with self._lock:
            try:
                self._migrate()
            except sqlite3.DatabaseError as exc:
                raise CatalogError(
                    f"the index catalog {self.path} is unreadable ({exc}); run `taawun ingest --rebuild`"
                ) from exc

    def _migrate(self) -> None:
        """Columns added after the first release (their values are filled by the next ingest)."""
        for table, column, kind in (
            ("chunks", "twin", "TEXT"),
            ("documents", "vec", "BLOB"),
            ("documents", "stat", "TEXT"),
        ):
            cols = {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}
            if column not in cols:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        # What a refresh compares with the sources folder, readable without the rows' text (a covering index)
        self._db.execute("CREATE INDEX IF NOT EXISTS documents_scan ON documents(doc_id, content_hash, source, stat)")
        self._db.execute("CREATE INDEX IF NOT EXISTS documents_translation ON documents(translation_of)")
        # The first register stored records in columns; records are derived data, so the old
        # table is replaced and the pipeline id marked stale, which makes the next ingest re-extract them.
        if "data" not in {r[1] for r in self._db.execute("PRAGMA table_info(records)")}:
            records_ddl = _SCHEMA[_SCHEMA.index("CREATE TABLE IF NOT EXISTS records") :]
            self._db.executescript(  # one transaction: a crash leaves the old table or the migrated one
                f"BEGIN IMMEDIATE; DROP TABLE records; {records_ddl}"
                "UPDATE meta SET value='migrated' WHERE key='pipeline'; COMMIT;"
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- meta --------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        try:
            return int(self.get_meta("generation") or 0)
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"the index catalog is unreadable ({exc}); run `taawun ingest --rebuild`") from exc

    @property
    def dim(self) -> int:
        return int(self.get_meta("dim") or 0)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write; bumps the generation so readers reload derived indexes."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                gen = int((self._db.execute("SELECT value FROM meta WHERE key='generation'").fetchone() or ["0"])[0])
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(gen + 1),))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    # --- documents ---------------------------------------------------------
    @staticmethod
    def _doc(row: sqlite3.Row | tuple[Any, ...]) -> DocRecord:
        d = dict(zip(_DOC_COLS, row, strict=True))
        for k in _JSON_DOC:
            d[k] = json.loads(d[k])
        return DocRecord(**d)

    def documents(self, with_text: bool = False) -> list[DocRecord]:
        cols = ", ".join(c if (c != "text" or with_text) else "'' AS text" for c in _DOC_COLS)
        with self._lock:
            rows = self._db.execute(f"SELECT {cols} FROM documents ORDER BY doc_id").fetchall()
        return [self._doc(r) for r in rows]

    def document(self, doc_id: str) -> DocRecord | None:
        with self._lock:
            row = self._db.execute(f"SELECT {', '.join(_DOC_COLS)} FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return self._doc(row) if row else None

    def doc_states(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (content_hash, source)."""
        with self._lock:
            return {r[0]: (r[1], r[2]) for r in self._db.execute("SELECT doc_id, content_hash, source FROM documents")}

    def scan_states(self) -> dict[str, tuple[str, str, str | None]]:
        """doc_id -> (content_hash, source, stat): what a refresh compares its sources folder with.

        ``stat`` is the file's stat key when the content was last hashed (see ingest.refresh.stat_key),
        or None when unknown (a catalog from before the column, or a file changed too recently to trust).
        """
        with self._lock:
            return {
                r[0]: (r[1], r[2], r[3])
                for r in self._db.execute("SELECT doc_id, content_hash, source, stat FROM documents")
            }

    @staticmethod
    def set_stats(db: sqlite3.Connection, stats: dict[str, str | None]) -> None:
        """Record the stat key each document's file had when its content hash was taken."""
        db.executemany("UPDATE documents SET stat=? WHERE doc_id=?", [(v, d) for d, v in stats.items()])

    def record_stats(self, stats: dict[str, str | None]) -> None:
        """``set_stats`` in a transaction of its own that leaves the generation alone: the stat keys are a
        cache of "this file still has the hashed content", so readers have nothing to reload."""
        if not stats:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self.set_stats(self._db, stats)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def linked_to(self, doc_ids: Iterable[str]) -> dict[str, str]:
        """doc_id -> translation_of for the documents whose translation is one of ``doc_ids``."""
        ids = list(doc_ids)
        out: dict[str, str] = {}
        with self._lock:
            for i in range(0, len(ids), 500):
                part = ids[i : i + 500]
                marks = ",".join("?" * len(part))
                q = f"SELECT doc_id, translation_of FROM documents WHERE translation_of IN ({marks})"
                out.update(self._db.execute(q, part))
        return out

    def translation_of(self, doc_id: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT translation_of FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return row[0] if row else None

    def language_counts(self) -> dict[str, int]:
        """Chunks per language: what each of the vector store's collections must hold."""
        with self._lock:
            return dict(self._db.execute("SELECT language, COUNT(*) FROM chunks GROUP BY language").fetchall())

    def missing_vectors(self, index: Any) -> str | None:
        """Why ``index`` cannot serve this catalog (a collection holds fewer vectors than there are
        chunks: a deleted or reset store), else None. A match is remembered until the next commit."""
        gen = self.generation()
        if gen == self._vectors_checked_gen:
            return None
        want = self.language_counts()
        counts = getattr(index, "counts", None)
        have = counts() if callable(counts) else None
        if have is None:  # a backend without per-collection counts: compare the totals
            want, have = {"all": sum(want.values())}, {"all": index.count()}
        short = {lang: (have.get(lang, 0), n) for lang, n in sorted(want.items()) if have.get(lang, 0) < n}
        if not short:
            self._vectors_checked_gen = gen
            return None
        detail = ", ".join(f"{lang}: {h} of {n}" for lang, (h, n) in short.items())
        return (
            f"the vector store is missing chunk vectors ({detail}); "
            "run `taawun ingest` to restore them from the catalog"
        )

    def chunk_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._db.execute("SELECT doc_id, COUNT(*) FROM chunks GROUP BY doc_id").fetchall())

    @staticmethod
    def write_document(
        db: sqlite3.Connection, doc: DocRecord, chunks: Sequence[ChunkRecord], vec: np.ndarray | None = None
    ) -> None:
        """Replace a document and all its chunks (inside a transaction); ``vec`` is its mean chunk vector."""
        db.execute("DELETE FROM documents WHERE doc_id=?", (doc.doc_id,))
        vals = [
            json.dumps(getattr(doc, c), ensure_ascii=False) if c in _JSON_DOC else getattr(doc, c) for c in _DOC_COLS
        ]
        cols = ", ".join(_DOC_COLS)
        db.execute(
            f"INSERT INTO documents ({cols}, vec) VALUES ({', '.join('?' * (len(_DOC_COLS) + 1))})",
            [*vals, None if vec is None else _f16(vec)],
        )
        db.executemany(
            'INSERT INTO chunks (id, doc_id, ord, start, "end", language, text, tokens, sentences, vec, sent_vecs, '
            "twin) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    c.id,
                    c.doc_id,
                    c.ord,
                    c.start,
                    c.end,
                    c.language,
                    c.text,
                    " ".join(c.tokens),
                    json.dumps(c.sentences),
                    _f16(c.vec),
                    _f16(c.sent_vecs),
                    c.twin,
                )
                for c in chunks
            ],
        )

    @staticmethod
    def set_twins(db: sqlite3.Connection, twins: dict[str, str | None], unlinked_docs: Iterable[str] = ()) -> None:
        """Point chunks at their translation's aligned chunk; documents that lost their translation lose them all."""
        db.executemany("UPDATE chunks SET twin=NULL WHERE doc_id=?", [(d,) for d in unlinked_docs])
        db.executemany("UPDATE chunks SET twin=? WHERE id=?", [(t, c) for c, t in twins.items()])

    def doc_vectors(self) -> dict[str, tuple[str, np.ndarray]]:
        """doc_id -> (language, mean chunk vector) for every document that has one."""
        dim = self.dim
        with self._lock:
            rows = self._db.execute("SELECT doc_id, language, vec FROM documents WHERE vec IS NOT NULL").fetchall()
        return {d: (lang, _unf16(v, dim)[0]) for d, lang, v in rows}

    @staticmethod
    def delete_document(db: sqlite3.Connection, doc_id: str) -> None:
        db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))

    # --- chunks ------------------------------------------------------------
    def chunk_ids(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT id FROM chunks")}

    def chunk_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def _chunks(self, where: str, args: Sequence[Any]) -> list[ChunkRecord]:
        dim = self.dim
        with self._lock:
            rows = self._db.execute(
                'SELECT id, doc_id, ord, start, "end", language, text, tokens, sentences, vec, sent_vecs, twin '
                f"FROM chunks {where}",
                args,
            ).fetchall()
        return [
            ChunkRecord(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[7].split(),
                [tuple(s) for s in json.loads(r[8])],
                _unf16(r[9], dim)[0],
                _unf16(r[10], dim),
                r[11],
            )
            for r in rows
        ]

    def _check_cache(self) -> None:
        gen = self.generation()
        if gen != self._cache_gen:
            self._cache.clear()
            self._cache_gen = gen

    def chunks(self, ids: Iterable[str]) -> dict[str, ChunkRecord]:
        """Chunk records by id; ids the catalog does not know are left out."""
        ids = list(dict.fromkeys(ids))
        out: dict[str, ChunkRecord] = {}
        with self._lock:
            self._check_cache()
            missing = []
            for cid in ids:
                rec = self._cache.get(cid)
                if rec is None:
                    missing.append(cid)
                else:
                    self._cache.move_to_end(cid)
                    out[cid] = rec
            for i in range(0, len(missing), 500):
                part = missing[i : i + 500]
                for c in self._chunks(f"WHERE id IN ({','.join('?' * len(part))})", part):
                    out[c.id] = c
                    self._cache[c.id] = c
            while len(self._cache) > CHUNK_CACHE:
                self._cache.popitem(last=False)
        return {cid: out[cid] for cid in ids if cid in out}

    def doc_chunk_ids(self, doc_id: str) -> list[str]:
        """A document's chunk ids in order (one indexed look-up: nothing is read for the other documents)."""
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT id FROM chunks WHERE doc_id=? ORDER BY ord", (doc_id,))]

    def doc_chunks(self, doc_id: str) -> list[ChunkRecord]:
        got = self.chunks(self.doc_chunk_ids(doc_id))
        return list(got.values())

    def iter_tokens(self) -> Iterator[tuple[str, str, str, list[str]]]:
        """(chunk id, doc id, language, tokens) for every chunk, for the lexical index."""
        with self._lock:
            rows = self._db.execute("SELECT id, doc_id, language, tokens FROM chunks ORDER BY id").fetchall()
        for cid, doc_id, lang, toks in rows:
            yield cid, doc_id, lang, toks.split()

    # --- register ----------------------------------------------------------
    def records(self) -> list[dict[str, Any]]:
        """Every register record, with its document id."""
        with self._lock:
            rows = self._db.execute("SELECT doc_id, data FROM records ORDER BY doc_id, id").fetchall()
        return [{**json.loads(data), "doc_id": doc_id} for doc_id, data in rows]

    @staticmethod
    def write_records(db: sqlite3.Connection, doc_id: str, records: Sequence[dict[str, Any]]) -> None:
        db.execute("DELETE FROM records WHERE doc_id=?", (doc_id,))
        db.executemany(
            "INSERT INTO records (id, doc_id, type, year, data) VALUES (?,?,?,?,?)",
            [(r["id"], doc_id, r["type"], r.get("year"), json.dumps(r, ensure_ascii=False)) for r in records],
        )


def vector_metadata(c: ChunkRecord) -> dict[str, Any]:
    return {"doc_id": c.doc_id, "language": c.language, "ord": c.ord, "start": c.start, "end": c.end}
