"""Refresh stage: bring the index in line with the sources folder, incrementally and crash-safely.

The sources folder is the source of truth. A run compares content hashes with the
catalog: unchanged documents are skipped without embedding, changed ones have
all their chunks replaced, deleted ones are removed, new ones are added.

Order of writes (see :mod:`assistant.core.catalog`): embed everything first (nothing
written), upsert new vectors, commit the catalog in one transaction, append the changed
chunks to the lexical index atomically, then delete superseded vectors. A run killed at any
point leaves the last committed state queryable; the next run converges.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import stat as stat_mode
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.core.calibrate import TWIN_SIM, Calibration, meta_key
from assistant.core.catalog import Catalog, ChunkRecord, DocRecord, vector_metadata
from assistant.core.dates import extract_dates
from assistant.core.events import merge_records
from assistant.core.gazetteer import HOME, gazetteer
from assistant.core.layout import lexical_path
from assistant.core.lexical import LexicalIndex, append_changes, catch_up, stored_generation
from assistant.core.protocols import Embedder, Index
from assistant.core.settings import Settings
from assistant.core.text import MAX_SENTENCE_CHARS, MIN_CLAUSE_CHARS, detect_language, tokenize
from ingest.agreements import extract_records
from ingest.chunk import SentenceChunker, display_text
from ingest.clean import clean
from ingest.describe import derive_title, publication_date
from ingest.load import Loaded, Skip, load_bytes, read_source
from ingest.twins import Facts, facts, is_related, twin_score

#: bump when loading, cleaning, sentence splitting, chunking or register extraction changes what is indexed
PIPELINE_VERSION = 9
META_DIR = ".meta"  # sidecar metadata for fetched pages (their URL), inside the sources folder
LOCK_FILE = "ingest.lock"
#: passages embedded per step; each step is saved, so a killed run resumes after the last one
EMBED_BATCH = 2048
PENDING_FILE = "embedding.partial.sqlite"  # in the index directory, until the catalog commit
#: documents in the other language, nearest by document vector, that are checked in detail
TRANSLATION_CANDIDATES = 5

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class IngestError(RuntimeError):
    """An ingest run could not start or finish; nothing was committed."""


class IngestLocked(IngestError):
    """Another ingest run holds the index lock."""


@dataclass
class DocOutcome:
    doc_id: str
    action: str  # added | updated | unchanged | removed | skipped
    chunks: int = 0
    reason: str | None = None
    language: str | None = None
    title: str | None = None
    published: str | None = None
    translation_of: str | None = None  # the twin: a translation of the same text
    related: list[str] = field(default_factory=list)  # other-language reports of the same event
    records_added: int = 0  # register records extracted from this document
    records_merged: int | None = None  # register records merged with other documents' (filled by the register)


@dataclass
class IngestReport:
    documents: list[DocOutcome] = field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0
    passages_embedded: int = 0
    passages_resumed: int = 0  # vectors reused from a run that was killed before its commit
    vectors_restored: int = 0  # vectors the store had lost, restored from the catalog's copies
    vectors_removed: int = 0  # stray vectors (of an interrupted run) deleted from the store
    seconds: float = 0.0
    index_dir: str = ""
    kept_elsewhere: int = 0  # shared catalog: indexed documents not in this host's sources folder, kept

    def of(self, action: str) -> list[DocOutcome]:
        return [d for d in self.documents if d.action == action]

    def counts(self) -> dict[str, int]:
        return {a: len(self.of(a)) for a in ("added", "updated", "unchanged", "removed", "skipped")}

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.counts(),
            "chunks_added": self.chunks_added,
            "chunks_removed": self.chunks_removed,
            "passages_embedded": self.passages_embedded,
            "passages_resumed": self.passages_resumed,
            "vectors_restored": self.vectors_restored,
            "vectors_removed": self.vectors_removed,
            "seconds": round(self.seconds, 3),
            "index_dir": self.index_dir,
            "kept_elsewhere": self.kept_elsewhere,
            "documents": [asdict(d) for d in self.documents],
        }

    def _repairs(self) -> list[str]:
        out = []
        if self.passages_resumed:
            out.append(f"  resumed: {self.passages_resumed} passages embedded by an interrupted run were reused")
        if self.vectors_restored:
            out.append(f"  repaired: restored {self.vectors_restored} chunk vectors missing from the vector store")
        if self.vectors_removed:
            out.append(f"  repaired: removed {self.vectors_removed} stray vectors left by an interrupted run")
        if self.kept_elsewhere:
            out.append(
                f"  kept: {self.kept_elsewhere} documents added on other hosts (shared catalog); "
                "they are removed on the host that added them"
            )
        return out

    def summary(self) -> str:
        c = self.counts()
        lines = [
            f"added {c['added']}, updated {c['updated']}, unchanged {c['unchanged']}, removed {c['removed']}, "
            f"skipped {c['skipped']} documents; +{self.chunks_added}/-{self.chunks_removed} chunks; "
            f"{self.passages_embedded} passages embedded in {self.seconds:.1f} s"
        ]
        lines += self._repairs()
        for d in self.documents:
            if d.action == "skipped":
                lines.append(f"  skipped {d.doc_id}: {d.reason}")
            elif d.action in ("added", "updated", "removed"):
                extra = f" ({d.language}, {d.chunks} chunks)" if d.action != "removed" else ""
                lines.append(f"  {d.action} {d.doc_id}{extra}")
                if d.action != "removed":
                    lines.append(f"    title: {d.title}; published: {d.published or 'unknown'}")
                if d.translation_of:
                    lines.append(f"    translation of {d.translation_of}")
                if d.related:
                    lines.append(f"    also reported in {', '.join(d.related)}")
                if d.records_added:
                    merged = f", {d.records_merged} merged with other documents'" if d.records_merged else ""
                    lines.append(f"    register: {d.records_added} records{merged}")
        return "\n".join(lines)


def count_merges(report: IngestReport, records: list[dict[str, Any]]) -> None:
    """Fill ``records_merged`` of each added or updated document: how many of its register records report an
    event another document reports too (the register lists them as one, see assistant.core.events)."""
    shared: dict[str, int] = {}
    for event in merge_records(records):
        if len(event["doc_ids"]) > 1:
            for doc_id in event["doc_ids"]:
                shared[doc_id] = shared.get(doc_id, 0) + 1
    for d in report.documents:
        if d.action in ("added", "updated"):
            d.records_merged = shared.get(d.doc_id, 0)


@contextlib.contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """An exclusive, non-blocking lock: a second concurrent run fails fast with a clear message.

    The lock file sits beside the index directory, so it survives the directory
    being replaced (rebuild) or deleted.
    """
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    path = index_dir.parent / f".{index_dir.name}.{LOCK_FILE}"
    fh = open(path, "a+")  # noqa: SIM115 - held for the whole run
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise IngestLocked(
                f"another ingest run is using {index_dir} (held by {holder}); try again when it ends"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        yield
    finally:
        fh.close()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sidecar(path: Path, sources_dir: Path) -> dict[str, Any]:
    """The metadata written when a page was fetched (its URL, maybe its date); {} for other files."""
    side = sources_dir / META_DIR / (path.name + ".json")
    if side.is_file():
        try:
            meta = json.loads(side.read_text(encoding="utf-8"))
            return meta if isinstance(meta, dict) else {}
        except (OSError, ValueError):
            pass
    return {}


def source_of(path: Path, sources_dir: Path) -> str:
    """A document's source: its URL when it was fetched, else its file name."""
    url = sidecar(path, sources_dir).get("source")
    return url if isinstance(url, str) and url else path.relative_to(sources_dir).as_posix()


def sidecar_date(path: Path, sources_dir: Path) -> str | None:
    """The publication date recorded at fetch time, when it is an ISO date."""
    value = sidecar(path, sources_dir).get("published")
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None  # a hand-edited sidecar: its date is ignored, not fatal


def scan_sources(sources_dir: Path, scope: Sequence[Path] | None = None) -> list[Path]:
    """Files under the sources folder (hidden files and folders excluded), optionally within ``scope``.

    Symbolic links are listed (and then skipped by the loader), never followed into.
    """
    return [Path(f) for f in _scan_names(sources_dir, scope)]


def _suffix(name: str) -> str:
    """``Path(name).suffix``, without making a Path."""
    base = name[name.rfind("/") + 1 :]
    i = base.rfind(".")
    return base[i:] if 0 < i < len(base) - 1 else ""


def _scan_names(sources_dir: Path, scope: Sequence[Path] | None = None) -> list[str]:
    """:func:`scan_sources` as strings, in the same order (a Path per file costs more than its stat)."""
    roots = [sources_dir] if not scope else list(scope)
    files: set[str] = set()

    def walk(folder: str) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for e in entries:
            if e.name.startswith("."):
                continue
            if e.is_symlink():
                files.add(e.path)
            elif e.is_dir(follow_symlinks=False):
                walk(e.path)
            elif e.is_file(follow_symlinks=False):
                files.add(e.path)

    for root in roots:
        if root.is_file():
            files.add(str(root))
            continue
        if any(part.startswith(".") for part in root.relative_to(sources_dir).parts):
            continue
        if root.is_dir():
            walk(str(root))
    # the order of sorted Paths (part by part): NUL, which no file name holds, sorts before every
    # character, so comparing with "/" as NUL compares part by part, without a list per name
    return sorted(files, key=lambda f: f.replace("/", "\x00"))


#: a file whose stat changed this close to the scan (mtime or ctime) is not trusted by its stat next time:
#: a second write within the file system's timestamp granularity (up to 2 s on FAT) could keep the same stat
RACY_NS = 2_000_000_000


def stat_key(st: os.stat_result, side: os.stat_result | None = None) -> str:
    """What says "this file still holds the content hashed then": size, mtime, ctime and inode (ctime and
    inode catch a rewrite whose mtime was put back, e.g. ``cp -p`` or ``rsync -t``), and the sidecar's."""
    key = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"
    if side is not None:
        key += f"|{side.st_size}:{side.st_mtime_ns}:{side.st_ctime_ns}:{side.st_ino}"
    return key


def _racy(scan_ns: int, st: os.stat_result, side: os.stat_result | None = None) -> bool:
    # spelt out: it runs once per source file, 23k times for a no-op refresh at 100k chunks
    cut = scan_ns - RACY_NS
    if st.st_mtime_ns >= cut or st.st_ctime_ns >= cut:
        return True
    return side is not None and (side.st_mtime_ns >= cut or side.st_ctime_ns >= cut)


@dataclass
class _Prepared:
    doc: DocRecord
    chunks: list[ChunkRecord]
    texts: list[str]  # chunk texts then sentence texts, in embedding order
    layout: list[int]  # sentences per chunk
    records: list[dict[str, Any]] = field(default_factory=list)
    vec: np.ndarray | None = None  # the document's mean chunk vector
    related: list[str] = field(default_factory=list)  # same event, not a translation (reported only)

    @property
    def sent_vecs(self) -> np.ndarray:
        return np.concatenate([c.sent_vecs for c in self.chunks]) if self.chunks else np.zeros((0, 1), np.float32)


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
        c = self.settings.ingest
        sent = f"{MAX_SENTENCE_CHARS}-{MIN_CLAUSE_CHARS}"
        return f"v{PIPELINE_VERSION}/chunk{c.chunk_tokens}/overlap{c.overlap_tokens}/sent{sent}"

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = self._embedder_factory()
        return self._embedder

    # --- preparing one document -----------------------------------------------
    def _chunker(self) -> SentenceChunker:
        count = getattr(self.embedder, "count_tokens", None)
        cfg = self.settings.ingest
        return SentenceChunker(cfg.chunk_tokens, cfg.overlap_tokens, count)

    def prepare(
        self, doc_id: str, source: str, loaded: Loaded, data_hash: str, size: int, sidecar_date: str | None = None
    ) -> _Prepared | Skip:
        text = loaded.text
        if len(text) > self.settings.ingest.max_text_chars:
            return Skip(f"text too long ({len(text)} characters > {self.settings.ingest.max_text_chars})")
        cleaned = clean(text)
        if not cleaned.spans:
            return Skip("only boilerplate, no content")
        content = "\n".join(text[a:b] for a, b in cleaned.spans)
        language = detect_language(content)
        if language is None:
            return Skip("no Arabic or English text found")
        dates = extract_dates(text, cleaned.spans)
        values = sorted(d.value for d in dates)
        # The format's own date (HTML/Word metadata), the release's date line or dateline, then
        # the date recorded when the page was fetched.
        published = loaded.published or publication_date(text) or sidecar_date
        doc = DocRecord(
            doc_id=doc_id,
            source=source,
            kind=loaded.kind,
            language=language,
            title=derive_title(text, cleaned.spans, loaded.title),
            text=text,
            content_hash=data_hash,
            size=size,
            ingested_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            published=published,
            dates=[d.as_dict() for d in dates],
            date_min=values[0] if values else published,
            date_max=values[-1] if values else published,
            notes=loaded.notes + [f"removed {why}: {text[a:b].strip()[:80]}" for a, b, why in cleaned.removed],
        )
        spans = self._chunker().chunk(text, cleaned.spans)
        chunks: list[ChunkRecord] = []
        texts: list[str] = []
        sent_texts: list[str] = []
        layout: list[int] = []
        for i, sp in enumerate(spans):
            cid = f"{doc_id}#{data_hash[:12]}#{i}"
            chunk_lang = detect_language(sp.text, language) or language
            chunks.append(
                ChunkRecord(
                    cid,
                    doc_id,
                    i,
                    sp.start,
                    sp.end,
                    chunk_lang,
                    sp.text,
                    tokenize(sp.text),
                    sp.sentences,
                    np.zeros(0),
                    np.zeros(0),
                )
            )
            texts.append(sp.text)
            sent_texts.extend(display_text(text, a, b) for a, b in sp.sentences)
            layout.append(len(sp.sentences))
        return _Prepared(doc, chunks, texts + sent_texts, layout)

    # --- the run -----------------------------------------------------------------
    def run(self, scope: Sequence[Path] | None = None, *, force: bool = False) -> IngestReport:
        t0 = time.perf_counter()
        cfg = self.settings
        sources = cfg.sources_dir
        report = IngestReport(index_dir=str(cfg.index_dir))
        if not sources.is_dir():
            raise IngestError(f"sources folder {sources} does not exist")
        scope_paths = [self._in_sources(Path(p)) for p in scope] if scope else None
        self.catalog.migrate()  # a catalog opened for reading may predate a column this run writes

        stored_model = self.catalog.get_meta("embedding_model")
        stored_pipeline = self.catalog.get_meta("pipeline")
        # vectors from another model cannot be mixed with new ones, and chunks cut by another pipeline
        # version or other chunk settings are stale: everything is re-embedded
        moved = bool(stored_model and stored_model != self.model_id) or bool(
            stored_pipeline and stored_pipeline != self.pipeline_id
        )
        force = force or moved
        origin = self.catalog.origin = origin_of(cfg)
        owners = self.catalog.origins() if self.catalog.shared else {}
        others = {d: o for d, o in owners.items() if o is not None and o != origin}

        # doc_id -> (content hash, source, stat key when hashed): three columns, not the document records
        known = self.catalog.scan_states()
        allowed = {e.lower() for e in cfg.ingest.extensions}
        scan_ns = time.time_ns()  # before any stat: a file changed after this is "racy" (see RACY_NS)
        files = _scan_names(sources, scope_paths)
        max_bytes = int(cfg.ingest.max_file_mb * 1e6)
        meta_dir = sources / META_DIR
        side_names: set[str] = set()
        with contextlib.suppress(OSError):
            side_names = set(os.listdir(meta_dir)) if meta_dir.is_dir() else set()
        raw: dict[str, bytes | Skip | None] = {}  # None: unchanged by its stat, not read
        names: dict[str, str] = {}  # doc_id -> file path (a Path only for the files read)
        stats: dict[str, str | None] = {}  # the stat key of each file read (None when racy)
        hashes: dict[str, str] = {}
        sources_of: dict[str, str] = {}
        prefix = str(sources) + "/"
        for n, name in enumerate(files):
            if not n % 256:
                self.progress("scan", n, len(files))
            doc_id = name[len(prefix) :] if name.startswith(prefix) else Path(name).relative_to(sources).as_posix()
            names[doc_id] = name
            was = known.get(doc_id)
            key: str | None = None
            if _suffix(name).lower() in allowed:
                # stat before reading: a write after this stat changes the stat the next run sees
                try:
                    st = os.lstat(name)
                    side_name = name[name.rfind("/") + 1 :] + ".json"
                    side = (meta_dir / side_name).stat() if side_name in side_names else None
                except OSError:
                    st = None
                if st is not None and stat_mode.S_ISREG(st.st_mode) and st.st_size <= max_bytes:
                    key = None if _racy(scan_ns, st, side) else stat_key(st, side)
                    if not force and was is not None and key is not None and was[2] == key:
                        raw[doc_id], hashes[doc_id], sources_of[doc_id] = None, was[0], was[1]
                        continue
            got = read_source(Path(name), max_bytes, allowed)
            raw[doc_id] = got
            if isinstance(got, bytes):
                hashes[doc_id] = sha256(got)
                stats[doc_id] = key
        self.progress("scan", len(files), len(files))
        if moved and others:
            self._refuse_missing(others, raw)
            others = {}  # every one of them is here: this run re-embeds them and owns them from now on

        # Identical files under two names are indexed once: the copy already indexed
        # with that content wins, else the first name.
        keeper: dict[str, str] = {}
        for d in sorted(hashes):
            h = hashes[d]
            if h not in keeper or (known.get(d, ("",))[0] == h and known.get(keeper[h], ("",))[0] != h):
                keeper[h] = d

        todo: list[_Prepared] = []
        present: set[str] = set()  # documents that stay (or become) indexed
        restat: dict[str, str | None] = {}  # unchanged documents read again: their new stat key
        for doc_id, data in raw.items():
            prior = "; the previously indexed version is kept" if doc_id in known else ""
            if doc_id in others:  # the same name on two hosts would overwrite each other's document in turn
                reason = f"{doc_id} is indexed from another host ({others[doc_id]}); rename this copy to add it"
                report.documents.append(DocOutcome(doc_id, "skipped", reason=reason))
                present.add(doc_id)
                continue
            if isinstance(data, Skip):
                report.documents.append(DocOutcome(doc_id, "skipped", reason=data.reason + prior))
                present.add(doc_id)
                continue
            h = hashes[doc_id]
            if keeper[h] != doc_id:
                report.documents.append(DocOutcome(doc_id, "skipped", reason=f"duplicate of {keeper[h]}"))
                continue
            present.add(doc_id)
            source = sources_of[doc_id] if data is None else source_of(Path(names[doc_id]), sources)
            if data is None or (not force and known.get(doc_id, ())[:2] == (h, source)):
                report.documents.append(DocOutcome(doc_id, "unchanged"))
                if data is not None and known[doc_id][2] != stats[doc_id]:
                    restat[doc_id] = stats[doc_id]  # touched, or first seen since the stat column
                continue
            path = Path(names[doc_id])
            loaded = load_bytes(data, path.name, max_chars=cfg.ingest.max_text_chars)
            side_date = sidecar_date(path, sources)
            prepared = (
                loaded if isinstance(loaded, Skip) else self.prepare(doc_id, source, loaded, h, len(data), side_date)
            )
            if isinstance(prepared, Skip):
                report.documents.append(DocOutcome(doc_id, "skipped", reason=prepared.reason + prior))
                continue
            todo.append(prepared)

        root = sources.resolve()
        scope_rel = [p.resolve().relative_to(root).as_posix() for p in scope_paths] if scope_paths else None
        removed = sorted(d for d in known if d not in present and self._scoped(d, scope_rel))
        if self.catalog.shared:
            ours = [d for d in removed if self._may_remove(owners.get(d), origin, d, scope_rel)]
            report.kept_elsewhere, removed = len(removed) - len(ours), ours

        self._embed(todo, report)
        self._extract_records(todo)
        links, twins = self._link_translations(todo, removed)
        self._commit(todo, removed, links, twins, known, report, {p.doc.doc_id: stats[p.doc.doc_id] for p in todo})
        self.catalog.record_stats(restat)  # after the commit: a stat key is only ever recorded with its hash
        PendingVectors(cfg.index_dir / PENDING_FILE, self.model_id).discard()  # the catalog holds them now
        if todo:
            count_merges(report, self.catalog.records())
        report.seconds = time.perf_counter() - t0
        order = {"added": 0, "updated": 1, "removed": 2, "skipped": 3, "unchanged": 4}
        report.documents.sort(key=lambda d: (order[d.action], d.doc_id))
        return report

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

    def _embed(self, todo: list[_Prepared], report: IngestReport) -> None:
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
        pending = PendingVectors(self.settings.index_dir / PENDING_FILE, self.model_id)
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

    def _extract_records(self, todo: list[_Prepared]) -> None:
        for p in todo:
            p.records = extract_records(p.doc)
            # Partner metadata for retrieval filters: the register's partners and every country or
            # organisation the content names (the ministry's own country excepted).
            content = " ".join(c.text for c in p.chunks)
            partners = {x["id"] for r in p.records for x in r["partners"]}
            partners |= {m.entity.id for m in gazetteer().find(content) if m.entity.kind != "region"}
            p.doc.countries = sorted(partners - {HOME})

    def _link_translations(
        self, todo: list[_Prepared], removed: list[str]
    ) -> tuple[dict[str, str | None], dict[str, str | None]]:
        """Translation links that change (doc id -> its translation or None) and chunk twins to store.

        Candidates are preselected by document vectors (the few nearest documents in the other
        language), so a refresh costs the same whether the index holds ten documents or ten thousand.
        A candidate becomes the translation only when :func:`ingest.twins.is_twin` holds; one that
        shares the event without being a translation is recorded as related (report only).
        """
        changed = {p.doc.doc_id for p in todo}
        gone = set(removed) | changed
        # Untouched documents whose translation is being replaced or removed lose the link.
        linked = self.catalog.linked_to(gone)  # read by index: nothing of the other documents
        links: dict[str, str | None] = {d: None for d in linked if d not in gone}
        twins: dict[str, str | None] = {}
        if not todo:
            return links, twins
        pool = {d: v for d, v in self.catalog.doc_vectors().items() if d not in gone}
        pool |= {p.doc.doc_id: (p.doc.language, p.vec) for p in todo if p.vec is not None}
        by_lang: dict[str, tuple[list[str], np.ndarray]] = {}
        for lang in {lang for lang, _ in pool.values()}:
            ids = [d for d, (lg, _) in pool.items() if lg == lang]
            by_lang[lang] = (ids, np.stack([np.asarray(pool[d][1], np.float32) for d in ids]))
        taken: dict[str, str | None] = {}  # translation links as they stand, read for the candidates only

        def taken_by(d: str) -> str | None:
            if d not in taken:
                taken[d] = None if d in gone else self.catalog.translation_of(d)
            return taken[d]

        prepared = {p.doc.doc_id: p for p in todo}
        views = _TwinViews(self.catalog, prepared)
        for p in todo:
            a = p.doc.doc_id
            if p.vec is None:
                continue
            best, best_score = None, 0.0
            for lang in (lg for lg in by_lang if lg != p.doc.language):
                ids, mat = by_lang[lang]
                order = np.argsort(-(mat @ np.asarray(p.vec, np.float32)))[:TRANSLATION_CANDIDATES]
                for b in (ids[int(j)] for j in order):
                    score = views.twin_score(a, b)
                    if score is None:
                        if is_related(views.facts(a), views.facts(b)):
                            p.related.append(b)
                    elif score > best_score and taken_by(b) in (None, a):
                        best, best_score = b, score
            if best is None:
                continue
            links[a], links[best] = best, a
            taken[a], taken[best] = best, a
            p.doc.translation_of = best
            twins |= self._align_chunks(p, best, prepared)
        return links, twins

    def _align_chunks(self, p: _Prepared, other: str, prepared: dict[str, _Prepared]) -> dict[str, str | None]:
        """Each chunk's closest chunk in the translation (when close enough to be the same passage)."""
        theirs = prepared[other].chunks if other in prepared else self.catalog.doc_chunks(other)
        if not p.chunks or not theirs:
            return {}
        mine_to_theirs, theirs_to_mine = chunk_twins(p.chunks, theirs)
        for c, twin in zip(p.chunks, mine_to_theirs, strict=True):
            c.twin = twin
        out: dict[str, str | None] = {}
        for c, twin in zip(theirs, theirs_to_mine, strict=True):
            if other in prepared:
                c.twin = twin
            else:
                out[c.id] = twin  # an indexed chunk: updated in the commit
        return out

    def _commit(
        self,
        todo: list[_Prepared],
        removed: list[str],
        links: dict[str, str | None],
        twins: dict[str, str | None],
        known: dict[str, tuple[str, str, str | None]],
        report: IngestReport,
        stats: dict[str, str | None] | None = None,
    ) -> None:
        cat = self.catalog
        touched = [p.doc.doc_id for p in todo] + removed
        old_ids = [cid for d in touched for cid in cat.doc_chunk_ids(d)]
        new_chunks = [c for p in todo for c in p.chunks]
        new_ids = {c.id for c in new_chunks}
        if new_chunks:
            self.progress("write", 0, len(new_chunks))
            self.index.upsert(
                [c.id for c in new_chunks],
                np.stack([c.vec for c in new_chunks]),
                [vector_metadata(c) for c in new_chunks],
            )
            self.progress("write", len(new_chunks), len(new_chunks))
        changed = bool(
            todo
            or removed
            or links
            or cat.get_meta("embedding_model") != self.model_id
            or cat.get_meta("pipeline") != self.pipeline_id
        )
        since = cat.generation()  # the lexical index must reflect it to take just this commit's changes
        if changed:
            with cat.transaction() as w:
                for d in removed:
                    w.delete_document(d)
                for p in todo:
                    w.write_document(p.doc, p.chunks, p.vec)
                    w.write_records(p.doc.doc_id, p.records)
                w.set_stats(stats or {})  # with the hashes they vouch for
                for d, other in links.items():
                    if d not in {p.doc.doc_id for p in todo}:
                        w.set_translation_of(d, other)
                unlinked = [d for d, other in links.items() if other is None]
                w.set_twins(twins, unlinked)
                if new_chunks:
                    w.set_meta("dim", str(int(new_chunks[0].vec.shape[0])))
                w.set_meta("embedding_model", self.model_id)
                w.set_meta("pipeline", self.pipeline_id)
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
        report.chunks_added = len(new_chunks)
        report.chunks_removed = len(stale)

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


class _TwinViews:
    """Each document's translation facts and unique sentence vectors, read once per run."""

    def __init__(self, catalog: Catalog, prepared: dict[str, _Prepared]) -> None:
        self.catalog, self.prepared = catalog, prepared
        self._cache: dict[str, tuple[Facts, np.ndarray]] = {}

    def _view(self, doc_id: str) -> tuple[Facts, np.ndarray]:
        if doc_id not in self._cache:
            p = self.prepared.get(doc_id)
            # an indexed candidate is read alone (the run reads no document records)
            doc = p.doc if p else self.catalog.document(doc_id)
            assert doc is not None  # candidates come from the catalog's document vectors
            chunks = p.chunks if p else self.catalog.doc_chunks(doc_id)
            content, vecs = unique_sentences(doc.text, chunks)
            self._cache[doc_id] = (facts(doc.language, content, doc.countries, doc.published), vecs)
        return self._cache[doc_id]

    def facts(self, doc_id: str) -> Facts:
        return self._view(doc_id)[0]

    def twin_score(self, a: str, b: str) -> float | None:
        """How well ``b`` aligns as ``a``'s translation; None when it is not one."""
        (fa, va), (fb, vb) = self._view(a), self._view(b)
        return twin_score(fa, fb, va, vb)


def unique_sentences(text: str, chunks: Sequence[ChunkRecord]) -> tuple[str, np.ndarray]:
    """A document's content and sentence vectors with each sentence once (chunks overlap)."""
    seen: dict[tuple[int, int], np.ndarray] = {}
    for c in chunks:
        for span, vec in zip(c.sentences, c.sent_vecs, strict=False):
            seen.setdefault((int(span[0]), int(span[1])), np.asarray(vec, np.float32))
    spans = sorted(seen)
    content = "\n".join(text[a:b] for a, b in spans)
    vecs = np.stack([seen[s] for s in spans]) if spans else np.zeros((0, 1), np.float32)
    return content, vecs


def document_vector(chunk_vecs: np.ndarray) -> np.ndarray:
    """A document's direction: the unit-length mean of its chunk vectors."""
    mean = np.asarray(chunk_vecs, np.float32).mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)


def chunk_twins(
    mine: Sequence[ChunkRecord], theirs: Sequence[ChunkRecord]
) -> tuple[list[str | None], list[str | None]]:
    """Each chunk's closest chunk in the translation, both ways, when close enough to be the same passage."""
    a = np.stack([np.asarray(c.vec, np.float32) for c in mine])
    b = np.stack([np.asarray(c.vec, np.float32) for c in theirs])
    sims = a @ b.T
    best_b, best_a = sims.argmax(axis=1), sims.argmax(axis=0)
    forward = [theirs[int(j)].id if sims[i, j] >= TWIN_SIM else None for i, j in enumerate(best_b)]
    backward = [mine[int(i)].id if sims[i, j] >= TWIN_SIM else None for j, i in enumerate(best_a)]
    return forward, backward


def origin_of(settings: Settings) -> str:
    """Who ingests: this host and its sources folder (a shared catalog's documents belong to one)."""
    return f"{socket.gethostname()}:{settings.sources_dir.resolve()}"


def write_lexical(
    catalog: Catalog,
    path: Path,
    since: int | None = None,
    removed: Sequence[str] = (),
    added: Sequence[tuple[str, str, str, list[str]]] = (),
) -> None:
    """Bring the BM25 index at ``path`` to the catalog's generation.

    When it reflects generation ``since`` and one commit (deleting the chunk ids ``removed``,
    adding the chunks ``added``) led from there to now, only that change is appended. When it lags
    further (commits by another replica, a killed run), it catches up with what changed since, unless
    its tokens were made by another pipeline or embedding model. Otherwise (a first run, a legacy file)
    it is rebuilt from every chunk.
    """
    gen = catalog.generation()
    key = catalog.token_key()
    if since is not None and gen == since + 1 and append_changes(path, since, gen, removed, added, key):
        return
    try:
        lex = LexicalIndex.load(path)
    except (OSError, ValueError, KeyError):
        lex = None
    if lex is not None and lex.generation <= gen:
        catch_up(lex, catalog, gen, key, path)
        return
    LexicalIndex.build(catalog.iter_tokens(), generation=gen, key=key).save(path)


class PendingVectors:
    """Passage vectors of a run that has not committed yet, saved step by step so that a killed
    run resumes instead of embedding everything again. Keyed by model and text (a vector is a
    function of both); deleted once the catalog commit holds the vectors."""

    def __init__(self, path: Path, model_id: str) -> None:
        self.path, self.model_id = path, model_id
        self._db: sqlite3.Connection | None = None

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_id}\x00{text}".encode()).hexdigest()

    def get(self, texts: Sequence[str]) -> dict[int, np.ndarray]:
        """Saved vectors by position in ``texts``."""
        if not self.path.is_file():
            return {}
        db = self._open()
        keys = [self._key(t) for t in texts]
        saved: dict[str, bytes] = {}
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            saved.update(db.execute(f"SELECT key, v FROM vec WHERE key IN ({','.join('?' * len(part))})", part))
        return {i: np.frombuffer(saved[k], np.float32) for i, k in enumerate(keys) if k in saved}

    def put(self, texts: Sequence[str], vecs: np.ndarray) -> None:
        db = self._open()
        with db:  # one commit per step: a kill loses at most the step in progress
            db.executemany(
                "INSERT OR REPLACE INTO vec VALUES (?, ?)",
                [(self._key(t), np.asarray(v, np.float32).tobytes()) for t, v in zip(texts, vecs, strict=True)],
            )

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path))
            self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB NOT NULL)")
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def discard(self) -> None:
        self.close()
        for suffix in ("", "-journal"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)


def clean_rebuild_leftovers(index_dir: Path) -> list[str]:
    """Finish what a killed `taawun ingest --rebuild` left behind; returns what was done.

    A rebuild fills ``<index>.rebuild/`` and then swaps it in, moving the live index to
    ``<index>.old/`` for a moment. Killed while filling, the half-built folder is removed; killed
    between the two renames of the swap, the previous index is put back. A rebuild still running
    holds the locks, and then nothing is touched.
    """
    fresh = index_dir.with_name(index_dir.name + ".rebuild")
    old = index_dir.with_name(index_dir.name + ".old")
    if not (fresh.exists() or old.exists()):
        return []
    done: list[str] = []
    try:
        with index_lock(index_dir), index_lock(fresh):
            if old.is_dir() and not index_dir.exists():
                os.replace(old, index_dir)
                done.append(f"restored {index_dir} from {old.name}/ (a rebuild was killed during its swap)")
            for leftover in (fresh, old):
                if leftover.exists():
                    shutil.rmtree(leftover)
                    done.append(f"removed {leftover.name}/ left by a killed rebuild")
    except IngestLocked:
        return []
    return done
