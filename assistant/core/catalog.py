"""The catalog: documents, chunks and sentence vectors in SQL, next to the vector index.

The catalog is the index's source of truth and its commit point. An ingest run
writes new vectors to the vector store first, then commits the catalog in one
transaction, then deletes superseded vectors. Readers only trust vector-store
ids the catalog knows, so a run killed at any point leaves the previous state
queryable, and stray vectors are collected by the next run.

The catalog is an SQLite file in the index folder by default, or a PostgreSQL database
(``catalog.url``) that replicas on several hosts share. Both are reached through SQLAlchemy
Core, so every query below is written once for both engines.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from assistant.core.errors import CatalogError

SCHEMA_VERSION = 1
CHUNK_CACHE = 16384  # records kept in memory (~5 KB each with their float16 sentence vectors)
_BATCH = 500  # ids per IN (...) list

_md = sa.MetaData()
_meta = sa.Table("meta", _md, sa.Column("key", sa.Text, primary_key=True), sa.Column("value", sa.Text, nullable=False))
_documents = sa.Table(
    "documents",
    _md,
    sa.Column("doc_id", sa.Text, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("language", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("published", sa.Text),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("content_hash", sa.Text, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("dates", sa.Text, nullable=False, server_default="[]"),
    sa.Column("date_min", sa.Text),
    sa.Column("date_max", sa.Text),
    sa.Column("countries", sa.Text, nullable=False, server_default="[]"),
    sa.Column("translation_of", sa.Text),
    sa.Column("ingested_at", sa.Text, nullable=False),
    sa.Column("notes", sa.Text, nullable=False, server_default="[]"),
    sa.Column("vec", sa.LargeBinary),
    sa.Column("stat", sa.Text),
    # the generation of the last commit that changed this row (what readers compare to re-read it)
    sa.Column("revision", sa.Integer),
    # the host and sources folder the document was ingested from (a shared catalog's per-host ownership)
    sa.Column("origin", sa.Text),
)
_chunks = sa.Table(
    "chunks",
    _md,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("doc_id", sa.Text, sa.ForeignKey("documents.doc_id", ondelete="CASCADE"), nullable=False),
    sa.Column("ord", sa.Integer, nullable=False),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("language", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("tokens", sa.Text, nullable=False),
    sa.Column("sentences", sa.Text, nullable=False),
    sa.Column("vec", sa.LargeBinary, nullable=False),
    sa.Column("sent_vecs", sa.LargeBinary, nullable=False),
    sa.Column("twin", sa.Text),
)
_records = sa.Table(
    "records",
    _md,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("doc_id", sa.Text, sa.ForeignKey("documents.doc_id", ondelete="CASCADE"), nullable=False),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("year", sa.Integer),
    sa.Column("data", sa.Text, nullable=False),
)
_INDEXES = (
    sa.Index("chunks_doc", _chunks.c.doc_id),
    sa.Index("records_doc", _records.c.doc_id),
    # what a refresh compares with the sources folder, readable without the rows' text (a covering index)
    sa.Index("documents_scan", _documents.c.doc_id, _documents.c.content_hash, _documents.c.source, _documents.c.stat),
    sa.Index("documents_translation", _documents.c.translation_of),
)
# columns added after the first release (their values are filled by the next ingest)
_ADDED_COLUMNS = (_chunks.c.twin, _documents.c.vec, _documents.c.stat, _documents.c.revision, _documents.c.origin)
_WRITE = "taawun_write"  # execution option: this transaction writes (SQLite takes its write lock first)
_LOCK_KEY = 0x7461617775  # PostgreSQL advisory lock id of the index's single writer ("taawu")


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
_CHUNK_COLS = (
    "id",
    "doc_id",
    "ord",
    "start",
    "end",
    "language",
    "text",
    "tokens",
    "sentences",
    "vec",
    "sent_vecs",
    "twin",
)


def _f16(a: np.ndarray) -> bytes:
    return np.asarray(a, dtype=np.float16).tobytes()


def _unf16(b: bytes, dim: int) -> np.ndarray:
    return np.frombuffer(b, dtype=np.float16).reshape(-1, dim)


def _batches(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(ids), _BATCH):
        yield ids[i : i + _BATCH]


def is_url(target: Path | str) -> bool:
    return isinstance(target, str) and "://" in target


def _engine(target: Path | str) -> sa.Engine:
    if not is_url(target):
        engine = sa.create_engine(f"sqlite:///{target}", connect_args={"check_same_thread": False})
        _sqlite_transactions(engine)
        return engine
    try:
        url = sa.make_url(str(target))
        url.port  # noqa: B018 - parsed lazily: a malformed port must fail here, not at the first query
    except (sa_exc.ArgumentError, ValueError) as exc:
        scheme = str(target).split("://", 1)[0]
        raise CatalogError(f"catalog.url is not a valid {scheme} URL ({type(exc).__name__})") from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3, the driver the `postgres` extra installs
    shown = url.render_as_string(hide_password=True)
    try:
        return sa.create_engine(url, pool_pre_ping=True)
    except ImportError as exc:
        raise CatalogError(f"catalog.url {shown} needs the 'postgres' extra: pip install -e '.[postgres]'") from exc
    except sa_exc.ArgumentError as exc:
        raise CatalogError(f"catalog.url {shown}: {exc}") from exc


def _sqlite_transactions(engine: sa.Engine) -> None:
    """SQLite transactions begun by us, not by the driver: a writer takes the write lock when it starts
    (BEGIN IMMEDIATE, so two writers queue instead of failing at their first write). A reader begins
    none: each of its statements reads a snapshot of its own, which is enough because the rows a
    reader combines across statements are immutable per id (chunks) or one row (meta), and it saves
    two statements per read on the answer path."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None
        dbapi.execute("PRAGMA foreign_keys=ON")
        dbapi.execute("PRAGMA synchronous=FULL")

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get(_WRITE):
            conn.exec_driver_sql("BEGIN IMMEDIATE")


class CatalogWriter:
    """The writes of one catalog transaction (see :meth:`Catalog.transaction`)."""

    def __init__(self, conn: sa.Connection, generation: int = 0, origin: str | None = None) -> None:
        self._c = conn
        self._gen = generation  # the generation this transaction commits
        self._origin = origin

    def write_document(self, doc: DocRecord, chunks: Sequence[ChunkRecord], vec: np.ndarray | None = None) -> None:
        """Replace a document and all its chunks; ``vec`` is its mean chunk vector."""
        self.delete_document(doc.doc_id)
        row = {
            c: json.dumps(getattr(doc, c), ensure_ascii=False) if c in _JSON_DOC else getattr(doc, c) for c in _DOC_COLS
        }
        extra = {"vec": None if vec is None else _f16(vec), "revision": self._gen, "origin": self._origin}
        self._c.execute(sa.insert(_documents), [{**row, **extra}])
        if chunks:
            self._c.execute(sa.insert(_chunks), [_chunk_row(c) for c in chunks])

    def delete_document(self, doc_id: str) -> None:
        # chunks and records go with it (ON DELETE CASCADE on both engines)
        self._c.execute(sa.delete(_documents).where(_documents.c.doc_id == doc_id))

    def write_records(self, doc_id: str, records: Sequence[dict[str, Any]]) -> None:
        self._c.execute(sa.delete(_records).where(_records.c.doc_id == doc_id))
        if records:
            rows = [
                {"id": r["id"], "doc_id": doc_id, "type": r["type"], "year": r.get("year"),
                 "data": json.dumps(r, ensure_ascii=False)}
                for r in records
            ]  # fmt: skip
            self._c.execute(sa.insert(_records), rows)

    def set_twins(self, twins: dict[str, str | None], unlinked_docs: Iterable[str] = ()) -> None:
        """Point chunks at their translation's aligned chunk; documents that lost their translation lose them all."""
        unlinked = [{"d": d} for d in unlinked_docs]
        if unlinked:
            self._c.execute(sa.update(_chunks).where(_chunks.c.doc_id == sa.bindparam("d")).values(twin=None), unlinked)
        if twins:
            stmt = sa.update(_chunks).where(_chunks.c.id == sa.bindparam("c")).values(twin=sa.bindparam("t"))
            self._c.execute(stmt, [{"c": c, "t": t} for c, t in twins.items()])

    def set_stats(self, stats: dict[str, str | None]) -> None:
        """Record the stat key each document's file had when its content hash was taken."""
        if stats:
            stmt = sa.update(_documents).where(_documents.c.doc_id == sa.bindparam("d")).values(stat=sa.bindparam("s"))
            self._c.execute(stmt, [{"d": d, "s": s} for d, s in stats.items()])

    def set_translation_of(self, doc_id: str, other: str | None) -> None:
        stmt = sa.update(_documents).where(_documents.c.doc_id == doc_id)
        self._c.execute(stmt.values(translation_of=other, revision=self._gen))

    def set_doc_vectors(self, vectors: dict[str, np.ndarray]) -> None:
        if vectors:
            stmt = sa.update(_documents).where(_documents.c.doc_id == sa.bindparam("d")).values(vec=sa.bindparam("v"))
            self._c.execute(stmt, [{"d": d, "v": _f16(v)} for d, v in vectors.items()])

    def set_meta(self, key: str, value: str) -> None:
        _put_meta(self._c, key, value)


def _chunk_row(c: ChunkRecord) -> dict[str, Any]:
    return {
        "id": c.id, "doc_id": c.doc_id, "ord": c.ord, "start": c.start, "end": c.end, "language": c.language,
        "text": c.text, "tokens": " ".join(c.tokens), "sentences": json.dumps(c.sentences),
        "vec": _f16(c.vec), "sent_vecs": _f16(c.sent_vecs), "twin": c.twin,
    }  # fmt: skip


def _put_meta(conn: sa.Connection, key: str, value: str) -> None:
    # ON CONFLICT: two replicas may set a new key at once (a calibration stored by each), outside any
    # writer lock; both engines' SQLAlchemy dialects spell it the same way
    dialect = sqlite_dialect if conn.dialect.name == "sqlite" else postgresql_dialect
    stmt = dialect.insert(_meta).values(key=key, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=[_meta.c.key], set_={"value": value}))


class Catalog:
    def __init__(self, target: Path | str, *, create: bool = True) -> None:
        """Open the catalog at ``target``, an SQLite file path or a database URL (``postgresql://…``).

        With ``create=False`` (reading commands) nothing is ever written.
        """
        self.url = target if is_url(target) else None
        self.path = None if self.url else Path(target)
        if self.path is not None:
            self._check_file(create)
        self._engine = _engine(target)
        self.where = self._engine.url.render_as_string(hide_password=True) if self.url else str(self.path)
        self._lock = threading.RLock()  # guards the chunk cache
        # Chunk records are immutable per id (ids carry the content hash); cache the hot ones.
        # The cache is dropped whenever the generation changes, so a removed chunk is never served.
        self._cache: OrderedDict[str, ChunkRecord] = OrderedDict()
        self._cache_gen = -1
        self._vectors_checked_gen = -1  # the generation whose vector counts matched (see missing_vectors)
        self._lock_pid: int | None = None  # the server session holding this run's writer lock
        # a reader of a catalog from before documents.revision (no ingest has migrated it yet) goes on
        # without it; writers always migrate first
        self._has_revision = True
        self.origin: str | None = None  # set by an ingest run: its host and sources folder
        with self._errors():
            if create:
                self._create()
            else:
                self._check_schema()
            version = self.get_meta("schema_version")
        if version is None and create:
            self.set_meta("schema_version", str(SCHEMA_VERSION))
        elif version is None or int(version) != SCHEMA_VERSION:
            raise CatalogError(f"index schema {version} != {SCHEMA_VERSION}; run `taawun ingest --rebuild`")

    def _check_file(self, create: bool) -> None:
        path = self.path
        assert path is not None
        if not create and not path.is_file():
            raise CatalogError(f"no index at {path.parent} (run `taawun ingest`)")
        if path.is_file() and path.stat().st_size == 0:
            # SQLite would read an empty file as an empty database: the index would look empty, not broken
            raise CatalogError(
                f"the index catalog {path} is empty (0 bytes) and so corrupt; run `taawun ingest --rebuild`"
            )
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def shared(self) -> bool:
        """True for a database server that other hosts' replicas write too (not a file in the index folder)."""
        return self.url is not None

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Database errors as CatalogError, with the way out."""
        try:
            yield
        except sa_exc.SQLAlchemyError as exc:
            detail = getattr(exc, "orig", None) or exc
            if self.shared:
                raise CatalogError(f"the index catalog at {self.where} is unavailable ({detail})") from exc
            raise CatalogError(
                f"the index catalog {self.where} is unreadable ({detail}); run `taawun ingest --rebuild`"
            ) from exc

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with self._errors(), self._engine.connect() as conn:
            yield conn  # closing ends any read transaction: the next read sees newer commits

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with self._errors(), self._engine.connect().execution_options(**{_WRITE: True}) as conn, conn.begin():
            yield conn

    def _create(self) -> None:
        if self.path is not None:  # WAL is a property of the file, set once, outside any transaction
            raw = self._engine.raw_connection()
            try:
                raw.cursor().execute("PRAGMA journal_mode=WAL")
            finally:
                raw.close()
        with self._write() as conn:
            if self.shared:  # replicas starting together on an empty database create it once
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOCK_KEY + 1)))
            _md.create_all(conn, tables=[_meta, _documents, _chunks, _records], checkfirst=True)
            self._migrate(conn)
            # the row every writer locks first (see transaction), so it must exist before the first one
            if conn.execute(sa.select(_meta.c.value).where(_meta.c.key == "generation")).first() is None:
                conn.execute(sa.insert(_meta).values(key="generation", value="0"))

    def _check_schema(self) -> None:
        """A reader's check that this is a current catalog (a writer creates or migrates it instead)."""
        with self._read() as conn:
            insp = sa.inspect(conn)
            tables = set(insp.get_table_names())
            if not {"meta", "documents", "chunks", "records"} <= tables:
                if self.shared and not tables & {"meta", "documents"}:
                    raise CatalogError(f"no index in the catalog database {self.where} (run `taawun ingest`)")
                found = ", ".join(sorted(tables)) or "none"
                raise CatalogError(
                    f"the index catalog {self.where} is incomplete (tables: {found}); run `taawun ingest --rebuild`"
                )
            chunk_cols = {c["name"] for c in insp.get_columns("chunks")}
            record_cols = {c["name"] for c in insp.get_columns("records")}
            self._has_revision = "revision" in {c["name"] for c in insp.get_columns("documents")}
        if "twin" not in chunk_cols or "data" not in record_cols:
            raise CatalogError(f"the index at {self.where} is from an older version; run `taawun ingest`")

    def migrate(self) -> None:
        """Bring a catalog opened for reading up to date before it is written (a service opens it to read,
        then refreshes through the same object)."""
        with self._write() as conn:
            self._migrate(conn)
        self._has_revision = True

    @staticmethod
    def _migrate(conn: sa.Connection) -> None:
        """Apply the schema changes made since the first release, on either engine."""
        insp = sa.inspect(conn)
        for col in _ADDED_COLUMNS:
            if col.name not in {c["name"] for c in insp.get_columns(col.table.name)}:
                kind = col.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f"ALTER TABLE {col.table.name} ADD COLUMN {col.name} {kind}")
        for index in _INDEXES:
            index.create(conn, checkfirst=True)
        # The first register stored records in columns; records are derived data, so the old
        # table is replaced and the pipeline id marked stale, which makes the next ingest re-extract them.
        if "data" not in {c["name"] for c in insp.get_columns("records")}:
            _records.drop(conn)
            _records.create(conn)
            conn.execute(sa.update(_meta).where(_meta.c.key == "pipeline").values(value="migrated"))

    def close(self) -> None:
        self._engine.dispose()

    # --- meta --------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self._read() as conn:
            value = conn.execute(sa.select(_meta.c.value).where(_meta.c.key == key)).scalar()
        return None if value is None else str(value)

    def meta_items(self) -> dict[str, str]:
        """Every meta key (the schema version, generation, model, pipeline, calibration)."""
        with self._read() as conn:
            return {str(k): str(v) for k, v in conn.execute(sa.select(_meta.c.key, _meta.c.value)).all()}

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as conn:
            _put_meta(conn, key, value)

    def generation(self) -> int:
        return int(self.get_meta("generation") or 0)

    def token_key(self) -> str:
        """What made the chunks' tokens: the ingest pipeline and the embedding model (whose tokenizer
        cuts the chunks). Chunk ids name content only, so derived indexes compare this too."""
        return f"{self.get_meta('pipeline')}|{self.get_meta('embedding_model')}"

    @property
    def dim(self) -> int:
        return int(self.get_meta("dim") or 0)

    @contextmanager
    def transaction(self) -> Iterator[CatalogWriter]:
        """One atomic write; bumps the generation so readers (on every replica) reload derived indexes.

        Writers are serialised: SQLite's BEGIN IMMEDIATE, and on a server the generation row, which
        every writer locks first (FOR UPDATE) and readers never wait for.
        """
        with self._write() as conn:
            gen = conn.execute(sa.select(_meta.c.value).where(_meta.c.key == "generation").with_for_update()).scalar()
            self._check_writer_lock(conn)
            new = int(gen or 0) + 1
            yield CatalogWriter(conn, new, self.origin)
            _put_meta(conn, "generation", str(new))

    def _check_writer_lock(self, conn: sa.Connection) -> None:
        """A run's commit must still hold the run's lock: a dropped session (a restarted server, a killed
        backend) releases it silently, and another host's run may hold it by now."""
        if self._lock_pid is None:
            return
        held = conn.execute(
            sa.text(
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = :pid "
                "AND classid = :hi AND objid = :lo AND objsubid = 1"
            ),
            {"pid": self._lock_pid, "hi": _LOCK_KEY >> 32, "lo": _LOCK_KEY & 0xFFFFFFFF},
        ).first()
        if held is None:
            raise CatalogError(
                f"this ingest run lost the writer lock of {self.where}; nothing was committed, run it again"
            )

    @contextmanager
    def writer_lock(self) -> Iterator[bool]:
        """The index's one-writer lock across hosts (a PostgreSQL advisory lock held for a whole ingest
        run); yields False when another host's run holds it. An SQLite catalog lives in one folder,
        whose lock file does this job, so it always yields True."""
        if not self.shared:
            yield True
            return
        with self._errors(), self._engine.connect() as conn:
            got = bool(conn.execute(sa.select(sa.func.pg_try_advisory_lock(_LOCK_KEY))).scalar())
            pid = conn.execute(sa.select(sa.func.pg_backend_pid())).scalar()
            conn.commit()
            self._lock_pid = int(pid) if got and pid is not None else None
            try:
                yield got
            finally:
                self._lock_pid = None
                if got:  # a lost session has released it already: that must not replace the run's outcome
                    with contextlib.suppress(sa_exc.SQLAlchemyError):
                        conn.execute(sa.select(sa.func.pg_advisory_unlock(_LOCK_KEY)))
                        conn.commit()

    # --- documents ---------------------------------------------------------
    @staticmethod
    def _doc(row: Sequence[Any]) -> DocRecord:
        d = dict(zip(_DOC_COLS, row, strict=True))
        for k in _JSON_DOC:
            d[k] = json.loads(d[k])
        return DocRecord(**d)

    def documents(self, with_text: bool = False) -> list[DocRecord]:
        cols = [_documents.c[c] if (c != "text" or with_text) else sa.literal("").label("text") for c in _DOC_COLS]
        with self._read() as conn:
            rows = conn.execute(sa.select(*cols)).all()
        # ordered here, not in SQL: code-point order on both engines (a server's collation may differ)
        return sorted((self._doc(r) for r in rows), key=lambda d: d.doc_id)

    def document_keys(self) -> dict[str, tuple[Any, ...]]:
        """doc_id -> (content hash, ingested at, translation_of, revision): what changes whenever a
        document's record does (every write stamps the commit's generation as its revision), read
        through the narrow columns only."""
        d = _documents.c
        with self._read() as conn:
            revision = d.revision if self._has_revision else sa.null().label("revision")
            rows = conn.execute(sa.select(d.doc_id, d.content_hash, d.ingested_at, d.translation_of, revision)).all()
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}

    def origins(self, doc_ids: Iterable[str] | None = None) -> dict[str, str | None]:
        """doc_id -> the host and sources folder it was ingested from (None: before origins were kept),
        for every document or those in ``doc_ids``."""
        d = _documents.c
        stmt = sa.select(d.doc_id, d.origin)
        with self._read() as conn:
            if doc_ids is None:
                rows = conn.execute(stmt).all()
            else:
                rows = [r for part in _batches(list(doc_ids)) for r in conn.execute(stmt.where(d.doc_id.in_(part)))]
        return {r[0]: r[1] for r in rows}

    def documents_by_id(self, doc_ids: Iterable[str]) -> list[DocRecord]:
        """The records of ``doc_ids`` (without their text); unknown ids are left out."""
        cols = [_documents.c[c] if c != "text" else sa.literal("").label("text") for c in _DOC_COLS]
        with self._read() as conn:
            rows = [
                r
                for part in _batches(list(doc_ids))
                for r in conn.execute(sa.select(*cols).where(_documents.c.doc_id.in_(part)))
            ]
        return [self._doc(r) for r in rows]

    def document(self, doc_id: str) -> DocRecord | None:
        cols = [_documents.c[c] for c in _DOC_COLS]
        with self._read() as conn:
            row = conn.execute(sa.select(*cols).where(_documents.c.doc_id == doc_id)).first()
        return self._doc(row) if row else None

    def doc_states(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (content_hash, source)."""
        return {d: (h, s) for d, (h, s, _) in self.scan_states().items()}

    def scan_states(self) -> dict[str, tuple[str, str, str | None]]:
        """doc_id -> (content_hash, source, stat): what a refresh compares its sources folder with.

        ``stat`` is the file's stat key when the content was last hashed (see ingest.sources.stat_key),
        or None when unknown (a catalog from before the column, or a file changed too recently to trust).
        """
        d = _documents.c
        with self._read() as conn:
            rows = conn.execute(sa.select(d.doc_id, d.content_hash, d.source, d.stat)).all()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def record_stats(self, stats: dict[str, str | None]) -> None:
        """``set_stats`` in a transaction of its own that leaves the generation alone: the stat keys are a
        cache of "this file still has the hashed content", so readers have nothing to reload."""
        if stats:
            with self._write() as conn:
                CatalogWriter(conn).set_stats(stats)

    def linked_to(self, doc_ids: Iterable[str]) -> dict[str, str]:
        """doc_id -> translation_of for the documents whose translation is one of ``doc_ids``."""
        d = _documents.c
        out: dict[str, str] = {}
        with self._read() as conn:
            for part in _batches(list(doc_ids)):
                out.update(conn.execute(sa.select(d.doc_id, d.translation_of).where(d.translation_of.in_(part))).all())
        return out

    def translation_of(self, doc_id: str) -> str | None:
        with self._read() as conn:
            found = conn.execute(sa.select(_documents.c.translation_of).where(_documents.c.doc_id == doc_id)).first()
        return found[0] if found else None

    def language_counts(self) -> dict[str, int]:
        """Chunks per language: what each of the vector store's collections must hold."""
        c = _chunks.c
        with self._read() as conn:
            return dict(conn.execute(sa.select(c.language, sa.func.count()).group_by(c.language)).all())

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
        c = _chunks.c
        with self._read() as conn:
            return dict(conn.execute(sa.select(c.doc_id, sa.func.count()).group_by(c.doc_id)).all())

    def doc_vectors(self) -> dict[str, tuple[str, np.ndarray]]:
        """doc_id -> (language, mean chunk vector) for every document that has one."""
        dim, d = self.dim, _documents.c
        with self._read() as conn:
            rows = conn.execute(sa.select(d.doc_id, d.language, d.vec).where(d.vec.is_not(None))).all()
        return {doc: (lang, _unf16(v, dim)[0]) for doc, lang, v in rows}

    # --- chunks ------------------------------------------------------------
    def chunk_ids(self) -> set[str]:
        with self._read() as conn:
            return set(conn.execute(sa.select(_chunks.c.id)).scalars())

    def chunk_count(self) -> int:
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(_chunks)).scalar() or 0)

    def _chunks(self, ids: Sequence[str]) -> list[ChunkRecord]:
        dim = self.dim
        cols = [_chunks.c[c] for c in _CHUNK_COLS]
        with self._read() as conn:
            rows = [r for part in _batches(ids) for r in conn.execute(sa.select(*cols).where(_chunks.c.id.in_(part)))]
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
            for c in self._chunks(missing):
                out[c.id] = c
                self._cache[c.id] = c
            while len(self._cache) > CHUNK_CACHE:
                self._cache.popitem(last=False)
        return {cid: out[cid] for cid in ids if cid in out}

    def doc_chunk_ids(self, doc_id: str) -> list[str]:
        """A document's chunk ids in order (one indexed look-up: nothing is read for the other documents)."""
        c = _chunks.c
        with self._read() as conn:
            return list(conn.execute(sa.select(c.id).where(c.doc_id == doc_id).order_by(c.ord)).scalars())

    def doc_chunks(self, doc_id: str) -> list[ChunkRecord]:
        got = self.chunks(self.doc_chunk_ids(doc_id))
        return list(got.values())

    def iter_tokens(self, ids: Iterable[str] | None = None) -> Iterator[tuple[str, str, str, list[str]]]:
        """(chunk id, doc id, language, tokens) for every chunk (or those in ``ids``), for the lexical
        index, in chunk-id order."""
        c = _chunks.c
        stmt = sa.select(c.id, c.doc_id, c.language, c.tokens)
        with self._read() as conn:
            if ids is None:
                rows = conn.execute(stmt).all()
            else:
                rows = [r for part in _batches(list(ids)) for r in conn.execute(stmt.where(c.id.in_(part)))]
        for cid, doc_id, lang, toks in sorted(rows, key=lambda r: r[0]):
            yield cid, doc_id, lang, toks.split()

    # --- register ----------------------------------------------------------
    def records(self) -> list[dict[str, Any]]:
        """Every register record, with its document id."""
        r = _records.c
        with self._read() as conn:
            rows = conn.execute(sa.select(r.doc_id, r.id, r.data)).all()
        return [{**json.loads(data), "doc_id": doc_id} for doc_id, _, data in sorted(rows, key=lambda x: (x[0], x[1]))]


def vector_metadata(c: ChunkRecord) -> dict[str, Any]:
    return {"doc_id": c.doc_id, "language": c.language, "ord": c.ord, "start": c.start, "end": c.end}
