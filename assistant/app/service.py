"""The assistant service: the one object the CLI and the UI call.

Its parts are injected as factories (:class:`Components`, built by :mod:`assistant.app.compose`)
and called on first use, so that commands which do not need a model never load one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.arguments import Filters, history_turns, invalid_message, question_problem, repair_text
from assistant.core.catalog import Catalog, DocRecord
from assistant.core.errors import CatalogError, EncoderBusy, IndexUnavailable, InvalidArgument
from assistant.core.layout import CHROMA_DIR, lexical_path
from assistant.core.messages import bilingual, message
from assistant.core.protocols import Embedder, Evidence, Generator, Index
from assistant.core.records import Answer
from assistant.core.settings import Settings
from assistant.core.store import MemoryIndex
from assistant.core.text import clean_question, detect_language, has_words
from assistant.query.agreements import query_records
from assistant.query.chain import AnswerChain, AnswerRunnable
from assistant.query.evidence import related_evidence as related_learned
from assistant.query.retrieve import HybridRetriever, SearchEngine
from assistant.query.rules import preparation_chain, related_evidence
from ingest.embed import E5Embeddings
from ingest.library import Library
from ingest.reports import DocOutcome as DocOutcome  # the UI reports refused uploads with it
from ingest.reports import IngestReport

log = logging.getLogger("taawun")


@dataclass
class DocInfo:
    doc_id: str
    source: str
    title: str
    language: str
    kind: str
    date: str | None  # publication date, when known
    dates: list[str]  # dates the text mentions
    chunks: int
    translation_of: str | None
    size: int
    ingested_at: str


@dataclass(frozen=True)
class Components:
    """The service's parts as factories, supplied by the composition root; each is called on first use."""

    embedder: Callable[[], Embedder]
    index: Callable[[], Index]
    catalog: Callable[[bool], Catalog]  # the argument: create an empty catalog when there is none
    generator: Callable[[], Generator]
    model_id: Callable[[], str]  # the configured embedder's id, known without loading the model


class Assistant:
    def __init__(
        self,
        settings: Settings,
        parts: Components,
        *,
        embedder: Embedder | Callable[[], Embedder] | None = None,
        index: Index | None = None,
        generator: Generator | None = None,
    ) -> None:
        self.settings = settings
        self._parts = parts
        # An embedder instance is used as is; a factory (or nothing: the configured model) is called on first use.
        self._embedder: Embedder | None = None
        self._embedder_factory: Callable[[], Embedder] = parts.embedder
        if isinstance(embedder, Embedder):
            self._embedder = embedder
        elif embedder is not None:
            self._embedder_factory = embedder
        self._index = index
        self._generator = generator
        self._catalog: Catalog | None = None
        self._engine: SearchEngine | None = None
        self._chain: AnswerRunnable | None = None
        self._texts: dict[str, str] = {}
        self._lock = threading.RLock()

    # --- components ---------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = self._embedder_factory()
            return self._embedder

    @property
    def index(self) -> Index:
        with self._lock:
            if self._index is None:
                self._index = self._parts.index()
            return self._index

    @property
    def catalog(self) -> Catalog:
        """The index catalog; reading commands never create an empty index by accident."""
        return self._open_catalog(create=False)

    def _open_catalog(self, create: bool) -> Catalog:
        with self._lock:
            if self._catalog is None:
                self._catalog = self._parts.catalog(create)
            return self._catalog

    @property
    def generator(self) -> Generator:
        with self._lock:
            if self._generator is None:
                self._generator = self._parts.generator()
            return self._generator

    @property
    def engine(self) -> SearchEngine:
        with self._lock:
            if self._engine is None:
                self._engine = SearchEngine(
                    self.catalog,
                    self.index,
                    self.embedder,
                    self.settings.retrieval,
                    lexical_path(self.settings),
                )
            return self._engine

    def retriever(self, k: int | None = None, filters: Filters | None = None) -> HybridRetriever:
        """A LangChain retriever over the index."""
        return HybridRetriever(engine=self.engine, k=k or self.settings.retrieval.top_k, filters=filters or Filters())

    def embeddings(self) -> E5Embeddings:
        """The index's embedding model as LangChain ``Embeddings``."""
        return E5Embeddings(self.embedder)

    def warm_up(self) -> None:
        """Load the model and indexes now rather than on the first question."""
        self.embedder.embed_query("warm up")
        self.engine.search("warm up", 1)

    # --- questions ------------------------------------------------------------------
    def _invalid(self, raw: str, key: str, **kw: object) -> Answer:
        lang = detect_language(raw[:5000])
        text = message(key, lang, **kw) if lang else bilingual(key, **kw)
        return Answer(raw[:500], lang or "en", text, True, status="invalid")

    def stream(
        self, question: str, history: Sequence[tuple[str, str]] = (), filters: Filters | dict[str, Any] | None = None
    ) -> Iterator[str | Answer]:
        """Yield answer text increments, then the final :class:`Answer` (always last, never an exception)."""
        t0 = time.perf_counter()
        # Malformed arguments are answered `invalid`, naming the argument, before anything trips on them.
        raw = repair_text(question) if isinstance(question, str) else ""
        filters = filters if isinstance(filters, Filters) else Filters.from_dict(filters)
        try:
            history = history_turns(history)
            problem = question_problem(question) or filters.problem
        except InvalidArgument as exc:
            problem = str(exc)
        if problem:
            lang = detect_language(raw[:5000])
            yield Answer(raw[:500], lang or "en", invalid_message(problem, lang), True, status="invalid")
            return
        try:  # vectors lost from the store would otherwise answer "the sources do not say"
            lost = self.catalog.missing_vectors(self.index)
        except (CatalogError, IndexUnavailable):
            lost = None  # an unreadable index is reported by the answer path below
        if lost:
            lang = detect_language(raw[:5000]) or "en"
            yield Answer(raw[:500], lang, message("unavailable", lang, why=lost), True, status="unavailable")
            return
        limit = self.settings.answer.max_question_chars
        if len(raw) > limit:
            yield self._invalid(raw, "too_long", n=len(raw), limit=limit)
            return
        q = clean_question(raw)
        if not q:
            yield self._invalid(raw, "empty")
            return
        if not has_words(q):
            yield self._invalid(raw, "no_words")
            return
        f = filters if isinstance(filters, Filters) else Filters.from_dict(filters)
        hist = [(clean_question(u), clean_question(a)) for u, a in history][-self.settings.answer.history_turns :]
        try:
            for item in self.chain.stream({"question": q, "history": hist, "filters": f}):
                if isinstance(item, Answer):  # the service's total also counts the checks above
                    item.timings_ms["total"] = (time.perf_counter() - t0) * 1000
                yield item
        except (IndexUnavailable, CatalogError) as exc:
            log.error("index unavailable: %s", exc)
            lang = detect_language(q) or "en"
            why = str(exc)
            yield Answer(q, lang, message("unavailable", lang, why=why), True, status="unavailable")
            return
        except EncoderBusy as exc:
            log.warning("busy: %s", exc)
            lang = detect_language(q) or "en"
            yield Answer(q, lang, message("busy", lang), True, status="unavailable")
            return
        except Exception:
            log.exception("unexpected error answering %r", q[:200])
            lang = detect_language(q) or "en"
            yield Answer(q, lang, message("error", lang), True, status="error")

    def ask(
        self, question: str, history: Sequence[tuple[str, str]] = (), filters: Filters | dict[str, Any] | None = None
    ) -> Answer:
        final: Answer | None = None
        for item in self.stream(question, history, filters):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    @property
    def chain(self) -> AnswerRunnable:
        """The answer chain, one LangChain runnable: {"question", "history", "filters"} -> Answer.

        ``stream`` yields the answer text in pieces, then the Answer; ``chain.prepare`` is its
        retrieval half (-> Prepared), which evaluation re-selects on.
        """
        with self._lock:
            if self._chain is None:
                cfg = self.settings.answer
                if cfg.selector == "rules":
                    prepare = preparation_chain(self.retriever(), self.catalog, cfg, self._texts)
                    related: Callable[[Sequence[Any]], list[Evidence]] = related_evidence
                else:
                    prepare = AnswerChain(self.retriever(), self.catalog, cfg, self.document_text).preparation()
                    related = related_learned
                self._chain = AnswerRunnable(
                    prepare,
                    lambda: self.generator,
                    engine=self.engine,
                    catalog=self.catalog,
                    text_of=self.document_text,
                    related=related,
                )
            return self._chain

    # --- library --------------------------------------------------------------------
    def library(self) -> list[DocInfo]:
        counts = self.catalog.chunk_counts()
        out = []
        for d in self.catalog.documents():
            values = sorted(x["value"] for x in d.dates)
            out.append(
                DocInfo(
                    d.doc_id,
                    d.source,
                    d.title,
                    d.language,
                    d.kind,
                    d.published,
                    values,
                    counts.get(d.doc_id, 0),
                    d.translation_of,
                    d.size,
                    d.ingested_at,
                )
            )
        return out

    def document(self, doc_id: str) -> DocRecord | None:
        return self.catalog.document(doc_id)

    def document_text(self, doc_id: str) -> str:
        if doc_id not in self._texts:
            d = self.catalog.document(doc_id)
            self._texts[doc_id] = d.text if d else ""
        return self._texts[doc_id]

    def agreements(self, **filters: Any) -> list[dict[str, Any]]:
        return query_records(self.catalog, **filters)

    # --- editing the index ------------------------------------------------------------
    def _library(self) -> Library:
        def model_id() -> str:
            # An injected embedder names its own model; the configured one is known without loading it.
            return self._embedder.model_id if self._embedder is not None else self._parts.model_id()

        return Library(self.settings, lambda: self.index, self._open_catalog, lambda: self.embedder, model_id)

    def refresh(
        self,
        paths: Sequence[Path] | None = None,
        *,
        force: bool = False,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> IngestReport:
        report = self._library().refresh(paths, force=force, progress=progress)
        self._texts.clear()
        return report

    def add_files(
        self, files: Sequence[tuple[str, bytes]], progress: Callable[[str, int, int], None] | None = None
    ) -> IngestReport:
        """Copy uploaded releases into the sources folder and index them; refused files are reported as skipped."""
        report = self._library().add_files(files, progress)
        self._texts.clear()
        return report

    def add_url(self, url: str, progress: Callable[[str, int, int], None] | None = None) -> IngestReport:
        report = self._library().add_url(url, progress)
        self._texts.clear()
        return report

    def remove(self, doc_id: str, progress: Callable[[str, int, int], None] | None = None) -> IngestReport:
        """Delete a document's source file and drop it from the index."""
        report = self._library().remove(doc_id, progress)
        self._texts.clear()
        return report

    def status(self) -> dict[str, Any]:
        """The index's state; with ``error`` or ``problem`` it cannot answer (`taawun status` exits 1)."""
        try:
            cat = self.catalog
            s = self.settings
            # An absent embedded store holds no vectors; opening it would create an empty one.
            embedded = self._index is None and s.index.backend == "chroma" and not s.chroma.url
            absent = embedded and not (s.index_dir / CHROMA_DIR).is_dir()
            index = MemoryIndex(1) if absent else self.index
            out: dict[str, Any] = {
                "documents": len(cat.documents()),
                "chunks": sum(cat.chunk_counts().values()),
                "generation": cat.generation(),
                "embedding_model": cat.get_meta("embedding_model"),
                "index": s.chroma.url or str(s.index_dir),
                "catalog": cat.where,  # the file, or the server's URL with its password masked
                "catalog_chunks": cat.language_counts(),
                "vectors": index.counts() if hasattr(index, "counts") else {"all": index.count()},
            }
            if problem := cat.missing_vectors(index):
                out["problem"] = problem
            return out
        except (CatalogError, IndexUnavailable) as exc:
            return {"error": str(exc)}
