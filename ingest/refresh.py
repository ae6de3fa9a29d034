"""Refresh stage: bring the index in line with the sources folder, incrementally and crash-safely.

The sources folder is the source of truth. A run compares content hashes with the
catalog: unchanged documents are skipped without embedding, changed ones have
all their chunks replaced, deleted ones are removed, new ones are added.

Order of writes (see :mod:`assistant.core.catalog`): embed everything first (nothing
written), upsert new vectors, commit the catalog in one transaction, append the changed
chunks to the lexical index atomically, then delete superseded vectors. A run killed at any
point leaves the last committed state queryable; the next run converges.

The steps live in modules of their own: reading the folder (:mod:`ingest.sources`), preparing a
document (:mod:`ingest.prepare`), translation links (:mod:`ingest.translations`), the BM25 write
(:mod:`ingest.bm25`) and the resume file (:mod:`ingest.vectors`); :class:`Refresher` runs them in order.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.core.calibrate import Calibration, meta_key
from assistant.core.catalog import Catalog, ChunkRecord, vector_metadata
from assistant.core.layout import lexical_path
from assistant.core.lexical import stored_generation
from assistant.core.protocols import Embedder, Index
from assistant.core.settings import Settings
from assistant.core.text import MAX_SENTENCE_CHARS, MIN_CLAUSE_CHARS
from ingest.bm25 import write_lexical
from ingest.chunk import SentenceChunker
from ingest.load import Loaded, Skip, load_bytes
from ingest.prepare import Prepared, extract_register, prepare
from ingest.reports import DocOutcome, IngestError, IngestReport, Progress, count_merges
from ingest.sources import Scan, read_sources, sidecar_date, source_of
from ingest.translations import Links, document_vector, link_translations
from ingest.vectors import VectorCache

#: bump when loading, cleaning, sentence splitting, chunking or register extraction changes what is indexed
PIPELINE_VERSION = 9
#: passages embedded per step; each step is saved, so a killed run resumes after the last one
EMBED_BATCH = 2048
PENDING_FILE = "embedding.partial.sqlite"  # in the index directory, until the catalog commit


def origin_of(settings: Settings) -> str:
    """Who ingests: this host and its sources folder (a shared catalog's documents belong to one)."""
    return f"{socket.gethostname()}:{settings.sources_dir.resolve()}"


def pipeline_id(settings: Settings) -> str:
    """What made an index's chunks: chunks from another id are stale and re-embedded."""
    c = settings.ingest
    sent = f"{MAX_SENTENCE_CHARS}-{MIN_CLAUSE_CHARS}"
    return f"v{PIPELINE_VERSION}/chunk{c.chunk_tokens}/overlap{c.overlap_tokens}/sent{sent}"


@dataclass
class _Plan:
    """What a run does, decided from the scan before anything is embedded."""

    todo: list[Prepared] = field(default_factory=list)  # documents to add or update
    present: set[str] = field(default_factory=set)  # documents that stay (or become) indexed
    restat: dict[str, str | None] = field(default_factory=dict)  # unchanged documents read again: new stat key


class Refresher:
    """One ingest run over a sources folder into an index directory."""

    def __init__(
        self,
        settings: Settings,
        index: Index,
        catalog: Catalog,
        embedder: Callable[[], Embedder],
        model_id: str,
        progress: Progress | None = None,
    ) -> None:
        self.settings = settings
        self.index = index
        self.catalog = catalog
        self._embedder_factory = embedder
        self._embedder: Embedder | None = None
        self.model_id = model_id
        self.progress = progress or (lambda stage, done, total: None)

    @property
    def pipeline_id(self) -> str:
        return pipeline_id(self.settings)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = self._embedder_factory()
        return self._embedder

    def _chunker(self) -> SentenceChunker:
        count = getattr(self.embedder, "count_tokens", None)
        cfg = self.settings.ingest
        return SentenceChunker(cfg.chunk_tokens, cfg.overlap_tokens, count)

    def prepare(
        self, doc_id: str, source: str, loaded: Loaded, data_hash: str, size: int, sidecar_date: str | None = None
    ) -> Prepared | Skip:
        """One document with this run's chunker (see :func:`ingest.prepare.prepare`)."""
        return prepare(self.settings.ingest, self._chunker, doc_id, source, loaded, data_hash, size, sidecar_date)

    def _pending(self) -> VectorCache:
        """The resume file: this run's passage vectors until the catalog commit holds them."""
        return VectorCache(self.settings.index_dir / PENDING_FILE, self.model_id)

    # --- the run -----------------------------------------------------------------
    def run(self, scope: Sequence[Path] | None = None, *, force: bool = False) -> IngestReport:
        t0 = time.perf_counter()
        cfg = self.settings
        report = IngestReport(index_dir=str(cfg.index_dir))
        if not cfg.sources_dir.is_dir():
            raise IngestError(f"sources folder {cfg.sources_dir} does not exist")
        scope_paths = [self._in_sources(Path(p)) for p in scope] if scope else None
        self.catalog.migrate()  # a catalog opened for reading may predate a column this run writes
        # vectors from another model cannot be mixed with new ones, and chunks cut by another pipeline
        # version or other chunk settings are stale: everything is re-embedded
        moved = self._settings_moved()
        force = force or moved
        origin = self.catalog.origin = origin_of(cfg)
        owners = self.catalog.origins() if self.catalog.shared else {}
        others = {d: o for d, o in owners.items() if o is not None and o != origin}

        # doc_id -> (content hash, source, stat key when hashed): three columns, not the document records
        known = self.catalog.scan_states()
        allowed = {e.lower() for e in cfg.ingest.extensions}
        max_bytes = int(cfg.ingest.max_file_mb * 1e6)
        scan = read_sources(
            cfg.sources_dir, scope_paths, known, allowed, max_bytes, force=force, progress=self.progress
        )
        if moved and others:
            self._refuse_missing(others, scan.raw)
            others = {}  # every one of them is here: this run re-embeds them and owns them from now on
        plan = self._plan(scan, known, others, force, report)
        removed = self._removed(known, plan.present, scope_paths, owners, origin, report)

        todo = plan.todo
        self._embed(todo, report)
        extract_register(todo)
        links, twins = link_translations(self.catalog, todo, removed)
        self._commit(todo, removed, links, twins, known, report, {p.doc.doc_id: scan.stats[p.doc.doc_id] for p in todo})
        self.catalog.record_stats(plan.restat)  # after the commit: a stat key is only ever recorded with its hash
        self._pending().discard()  # the catalog holds them now
        if todo:
            count_merges(report, self.catalog.records())
        report.seconds = time.perf_counter() - t0
        order = {"added": 0, "updated": 1, "removed": 2, "skipped": 3, "unchanged": 4}
        report.documents.sort(key=lambda d: (order[d.action], d.doc_id))
        return report

    def _settings_moved(self) -> bool:
        """Whether the index was made by another embedding model, pipeline version or chunk settings."""
        stored_model = self.catalog.get_meta("embedding_model")
        stored_pipeline = self.catalog.get_meta("pipeline")
        return bool(stored_model and stored_model != self.model_id) or bool(
            stored_pipeline and stored_pipeline != self.pipeline_id
        )

    def _plan(
        self,
        scan: Scan,
        known: dict[str, tuple[str, str, str | None]],
        others: dict[str, str],
        force: bool,
        report: IngestReport,
    ) -> _Plan:
        """Each file scanned: skipped (with why), unchanged, or prepared to be (re-)indexed."""
        cfg = self.settings
        keeper = _keepers(scan.hashes, known)
        plan = _Plan()
        for doc_id, data in scan.raw.items():
            prior = "; the previously indexed version is kept" if doc_id in known else ""
            if doc_id in others:  # the same name on two hosts would overwrite each other's document in turn
                reason = f"{doc_id} is indexed from another host ({others[doc_id]}); rename this copy to add it"
                report.documents.append(DocOutcome(doc_id, "skipped", reason=reason))
                plan.present.add(doc_id)
                continue
            if isinstance(data, Skip):
                report.documents.append(DocOutcome(doc_id, "skipped", reason=data.reason + prior))
                plan.present.add(doc_id)
                continue
            h = scan.hashes[doc_id]
            if keeper[h] != doc_id:
                report.documents.append(DocOutcome(doc_id, "skipped", reason=f"duplicate of {keeper[h]}"))
                continue
            plan.present.add(doc_id)
            path = Path(scan.names[doc_id]) if data is not None else None
            source = scan.sources[doc_id] if path is None else source_of(path, cfg.sources_dir)
            if data is None or path is None or (not force and known.get(doc_id, ())[:2] == (h, source)):
                report.documents.append(DocOutcome(doc_id, "unchanged"))
                if data is not None and known[doc_id][2] != scan.stats[doc_id]:
                    plan.restat[doc_id] = scan.stats[doc_id]  # touched, or first seen since the stat column
                continue
            loaded = load_bytes(data, path.name, max_chars=cfg.ingest.max_text_chars)
            side_date = sidecar_date(path, cfg.sources_dir)
            prepared = (
                loaded if isinstance(loaded, Skip) else self.prepare(doc_id, source, loaded, h, len(data), side_date)
            )
            if isinstance(prepared, Skip):
                report.documents.append(DocOutcome(doc_id, "skipped", reason=prepared.reason + prior))
                continue
            plan.todo.append(prepared)
        return plan

    def _removed(
        self,
        known: dict[str, Any],
        present: set[str],
        scope_paths: Sequence[Path] | None,
        owners: dict[str, str | None],
        origin: str,
        report: IngestReport,
    ) -> list[str]:
        """Indexed documents (within the scope) whose file is gone; in a shared catalog, only this host's."""
        root = self.settings.sources_dir.resolve()
        scope_rel = [p.resolve().relative_to(root).as_posix() for p in scope_paths] if scope_paths else None
        removed = sorted(d for d in known if d not in present and self._scoped(d, scope_rel))
        if self.catalog.shared:
            ours = [d for d in removed if self._may_remove(owners.get(d), origin, d, scope_rel)]
            report.kept_elsewhere, removed = len(removed) - len(ours), ours
        return removed

    def _in_sources(self, p: Path) -> Path:
        sources = self.settings.sources_dir
        rp = p.expanduser().resolve() if p.is_absolute() or p.exists() else (sources / p).resolve()
        if not rp.exists():
            rp2 = (sources / p).resolve()
            rp = rp2 if rp2.exists() else rp
        if not self._covers(sources, rp):
            raise IngestError(f"{p} is outside the sources folder {sources}; use `taawun add {p}` to copy it in")
        if not rp.exists() and self.catalog.document(rp.relative_to(sources.resolve()).as_posix()) is None:
            raise IngestError(f"{p} does not exist")
        return rp  # a deleted file the catalog still holds: refreshing it removes it

    @staticmethod
    def _refuse_missing(others: dict[str, str], raw: dict[str, Any]) -> None:
        """A change of model or chunking must re-embed every document of a shared catalog: refused when
        some of the other hosts' documents have no file here (their vectors would stay in the old
        model's space)."""
        missing = sorted(d for d in others if d not in raw)
        if missing:
            hosts = ", ".join(sorted({others[d] for d in missing})[:3])
            raise IngestError(
                f"the embedding model or chunking changed, and {len(missing)} documents of the shared catalog "
                f"were added on other hosts ({hosts}) and are not in this sources folder, so they cannot be "
                "re-embedded here: run the change from one sources folder that holds every document"
            )

    @staticmethod
    def _may_remove(owner: str | None, origin: str, doc_id: str, scope: Sequence[str] | None) -> bool:
        """A shared catalog also holds documents added on other hosts, from their own sources folders: a
        file missing here removes only a document this host added, or one named exactly whose host is
        unknown, whatever the scope."""
        return owner == origin or (owner is None and doc_id in (scope or ()))

    @staticmethod
    def _scoped(doc_id: str, scope: Sequence[str] | None) -> bool:
        """Whether a run limited to ``scope`` (folders or files, relative to the sources folder) covers
        ``doc_id``. Compared as relative paths: resolving every indexed document's path instead costs
        seconds at 100k chunks."""
        return not scope or any(r == "." or doc_id == r or doc_id.startswith(r + "/") for r in scope)

    @staticmethod
    def _covers(root: Path, p: Path) -> bool:
        try:
            p.resolve().relative_to(root.resolve())
            return True
        except ValueError:
            return False

    def _embed(self, todo: list[Prepared], report: IngestReport) -> None:
        texts = [t for p in todo for t in p.texts]
        if not texts:
            return
        vecs = self._embed_resumably(texts, report)
        pos = 0
        for p in todo:
            n_chunks = len(p.chunks)
            chunk_vecs = vecs[pos : pos + n_chunks]
            pos += n_chunks
            for c, v in zip(p.chunks, chunk_vecs, strict=True):
                c.vec = v
            for c, n_sent in zip(p.chunks, p.layout, strict=True):
                c.sent_vecs = vecs[pos : pos + n_sent]
                pos += n_sent
            if len(chunk_vecs):
                p.vec = document_vector(chunk_vecs)

    def _embed_resumably(self, texts: list[str], report: IngestReport) -> np.ndarray:
        """Embed ``texts`` in steps saved as they finish; vectors a killed run saved are reused."""
        total = len(texts)
        pending = self._pending()
        found = pending.get(texts)
        report.passages_resumed = len(found)
        done = len(found)

        def tick(n: int) -> None:
            nonlocal done
            done += n
            self.progress("embed", done, total)

        self.progress("embed", done, total)
        missing = [i for i in range(total) if i not in found]
        try:
            for start in range(0, len(missing), EMBED_BATCH):
                rows = missing[start : start + EMBED_BATCH]
                got = self.embedder.embed_passages([texts[i] for i in rows], tick)
                pending.put([texts[i] for i in rows], got)
                found.update(zip(rows, got, strict=True))
        finally:
            pending.close()
        report.passages_embedded = len(missing)
        return np.stack([np.asarray(found[i], np.float32) for i in range(total)])

    # --- the commit ----------------------------------------------------------------
    def _commit(
        self,
        todo: list[Prepared],
        removed: list[str],
        links: Links,
        twins: Links,
        known: dict[str, tuple[str, str, str | None]],
        report: IngestReport,
        stats: dict[str, str | None] | None = None,
    ) -> None:
        cat = self.catalog
        touched = [p.doc.doc_id for p in todo] + removed
        old_ids = [cid for d in touched for cid in cat.doc_chunk_ids(d)]
        new_chunks = [c for p in todo for c in p.chunks]
        new_ids = {c.id for c in new_chunks}
        self._write_vectors(new_chunks)
        changed = bool(
            todo
            or removed
            or links
            or cat.get_meta("embedding_model") != self.model_id
            or cat.get_meta("pipeline") != self.pipeline_id
        )
        since = cat.generation()  # the lexical index must reflect it to take just this commit's changes
        if changed:
            self._write_catalog(todo, removed, links, twins, new_chunks, stats or {})
        self._ensure_calibration()
        lex = lexical_path(self.settings)
        if changed:  # only the touched documents' chunks: O(change), not O(index)
            added = [(c.id, c.doc_id, c.language, " ".join(c.tokens).split()) for c in new_chunks]  # as stored
            write_lexical(cat, lex, since, old_ids, added)
        elif stored_generation(lex) != cat.generation():  # missing, legacy, or left behind by a killed run
            write_lexical(cat, lex)
        stale = [i for i in old_ids if i not in new_ids]
        if stale:
            self.index.delete(stale)
        self.collect_garbage(report)
        _report_outcomes(report, todo, removed, known)
        report.chunks_added = len(new_chunks)
        report.chunks_removed = len(stale)

    def _write_vectors(self, new_chunks: list[ChunkRecord]) -> None:
        if not new_chunks:
            return
        self.progress("write", 0, len(new_chunks))
        self.index.upsert(
            [c.id for c in new_chunks],
            np.stack([c.vec for c in new_chunks]),
            [vector_metadata(c) for c in new_chunks],
        )
        self.progress("write", len(new_chunks), len(new_chunks))

    def _write_catalog(
        self,
        todo: list[Prepared],
        removed: list[str],
        links: Links,
        twins: Links,
        new_chunks: list[ChunkRecord],
        stats: dict[str, str | None],
    ) -> None:
        """The run's one catalog transaction: readers see all of it or none of it."""
        with self.catalog.transaction() as w:
            for d in removed:
                w.delete_document(d)
            for p in todo:
                w.write_document(p.doc, p.chunks, p.vec)
                w.write_records(p.doc.doc_id, p.records)
            w.set_stats(stats)  # with the hashes they vouch for
            for d, other in links.items():
                if d not in {p.doc.doc_id for p in todo}:
                    w.set_translation_of(d, other)
            unlinked = [d for d, other in links.items() if other is None]
            w.set_twins(twins, unlinked)
            if new_chunks:
                w.set_meta("dim", str(int(new_chunks[0].vec.shape[0])))
            w.set_meta("embedding_model", self.model_id)
            w.set_meta("pipeline", self.pipeline_id)

    def _ensure_calibration(self) -> None:
        """Store the cross-language calibration for this model once, so servers never compute it at start-up."""
        key = meta_key(self.model_id)
        if self.catalog.get_meta(key) is None and self.catalog.chunk_ids():
            self.catalog.set_meta(key, Calibration.compute(self.embedder).dumps())

    def collect_garbage(self, report: IngestReport | None = None) -> int:
        """Make the vector store match the catalog: delete stray vectors (left by an interrupted run)
        and restore missing ones from the catalog's copies (a lost or migrated store), without embedding.
        What was repaired goes into ``report``."""
        if self.index.count() == self.catalog.chunk_count():
            return 0
        live = self.catalog.chunk_ids()
        present = self.index.ids()
        stray = sorted(present - live)
        if stray:
            self.index.delete(stray)
        missing = sorted(live - present)
        if report is not None:
            report.vectors_restored, report.vectors_removed = len(missing), len(stray)
        for i in range(0, len(missing), 2000):
            records = list(self.catalog.chunks(missing[i : i + 2000]).values())
            self.progress("restore", i, len(missing))
            self.index.upsert(
                [c.id for c in records],
                np.stack([np.asarray(c.vec, np.float32) for c in records]),
                [vector_metadata(c) for c in records],
            )
        return len(stray) + len(missing)


def _keepers(hashes: dict[str, str], known: dict[str, tuple[str, str, str | None]]) -> dict[str, str]:
    """Identical files under two names are indexed once: the copy already indexed with that content
    wins, else the first name. Content hash -> the doc id that keeps it."""
    keeper: dict[str, str] = {}
    for d in sorted(hashes):
        h = hashes[d]
        if h not in keeper or (known.get(d, ("",))[0] == h and known.get(keeper[h], ("",))[0] != h):
            keeper[h] = d
    return keeper


def _report_outcomes(
    report: IngestReport, todo: list[Prepared], removed: list[str], known: dict[str, tuple[str, str, str | None]]
) -> None:
    for p in todo:
        action = "updated" if p.doc.doc_id in known else "added"
        doc = p.doc
        report.documents.append(
            DocOutcome(
                doc.doc_id,
                action,
                len(p.chunks),
                None,
                doc.language,
                doc.title,
                doc.published,
                doc.translation_of,
                sorted(set(p.related) - {doc.translation_of}),
                len(p.records),
            )
        )
    for d in removed:
        report.documents.append(DocOutcome(d, "removed"))
