"""Bilingual hybrid retrieval: dense e5 + BM25, sentence-level re-scoring, translation-aware results.

Fusion is score-based, not rank-based: BM25 scores are normalised by the query's
own upper bound and only count for chunks in the question's language, so the
lexical side can lift same-language evidence but cannot push cross-language
hits down with noise (the failure of plain reciprocal-rank fusion, see
bench/README.md). Each candidate is re-scored with its best sentence (sentence
vectors are computed at ingest), which sharpens cross-language matches.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from assistant.core.arguments import Filters
from assistant.core.calibrate import LANGS, Calibration, meta_key
from assistant.core.catalog import Catalog, ChunkRecord, DocRecord
from assistant.core.gazetteer import gazetteer
from assistant.core.lexical import LexicalIndex, catch_up
from assistant.core.protocols import Embedder, Index
from assistant.core.settings import RetrievalSettings
from assistant.core.text import detect_language, tokenize

#: hits considered for translation merging (the rest only feed the cross-language quota)
TRANSLATION_WINDOW = 40
#: the question's neighbourhood per language: its most similar candidate sentences
NEIGHBOURS = 50
MIN_NEIGHBOURS = 8


@dataclass
class Hit:
    chunk: ChunkRecord
    doc: DocRecord
    score: float  # ranking score (raw scale; cross-language hits ordered by centered similarity)
    dense: float  # cosine(query, chunk)
    sentence: float  # best cosine(query, sentence)
    lexical: float  # BM25 / query upper bound, same-language chunks only
    sentence_scores: np.ndarray  # cosine(query, each sentence)
    cross: bool = False  # in the other language than the question
    # Calibrated per-sentence scores, comparable across languages (see assistant.core.calibrate):
    relevance: np.ndarray = field(default_factory=lambda: np.zeros(0))  # z above unrelated generic text
    specificity: np.ndarray = field(default_factory=lambda: np.zeros(0))  # z above this question's neighbourhood
    calibrated: float = 0.0  # chunk-level specificity
    alternates: list[Hit] = field(default_factory=list)  # the same passage in the other language
    # similarities in the comparison space (raw for same-language, centered for cross-language)
    _dsim: float = 0.0
    _sims: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def best_sentence(self) -> tuple[int, int]:
        return (
            self.chunk.sentences[int(np.argmax(self.sentence_scores))]
            if len(self.sentence_scores)
            else (self.chunk.start, self.chunk.end)
        )

    def to_document(self) -> HitDocument:
        """The hit as a LangChain ``Document``: plain metadata, and the hit itself for the answer chain."""
        doc = HitDocument(
            page_content=self.chunk.text,
            id=self.chunk.id,
            metadata={
                "chunk_id": self.chunk.id,
                "doc_id": self.doc.doc_id,
                "source": self.doc.source,
                "title": self.doc.title,
                "language": self.chunk.language,
                "start": self.chunk.start,
                "end": self.chunk.end,
                "score": round(self.score, 4),
                "calibrated": round(self.calibrated, 3),
                "dense": round(self.dense, 4),
                "sentence": round(self.sentence, 4),
                "lexical": round(self.lexical, 4),
                "cross": self.cross,
                "translation_of": self.doc.translation_of,
                "alternates": [a.chunk.id for a in self.alternates],
            },
        )
        doc._hit = self
        return doc


class HitDocument(Document):
    """A ``Document`` that carries its :class:`Hit` (vectors, per-sentence scores, translations).

    The hit is a private attribute, not metadata: metadata stays plain data that serialises, while
    the answer chain gets the scored hit back without searching again or rebuilding it.
    """

    _hit: Hit | None = PrivateAttr(default=None)

    @property
    def hit(self) -> Hit:
        if self._hit is None:
            raise ValueError(f"document {self.id!r} was not produced by the taawun retriever")
        return self._hit


def _date_overlap(doc: DocRecord, lo: str | None, hi: str | None) -> bool:
    # A release is dated by its publication, not by every year it mentions ("2022-2029" plans).
    values = [doc.published] if doc.published else [d["value"] for d in doc.dates]
    if not values:
        return False

    # Compare on the shared prefix so "2024" matches "2024-06".
    def ge(v: str, bound: str) -> bool:
        n = min(len(v), len(bound))
        return v[:n] >= bound[:n]

    def le(v: str, bound: str) -> bool:
        n = min(len(v), len(bound))
        return v[:n] <= bound[:n]

    return any((lo is None or ge(v, lo)) and (hi is None or le(v, hi)) for v in values)


class SearchEngine:
    """The retrieval core used by the retriever, the chain and the benchmarks."""

    def __init__(
        self,
        catalog: Catalog,
        index: Index,
        embedder: Embedder,
        cfg: RetrievalSettings,
        lexical_path: Path | None = None,
    ) -> None:
        self.catalog = catalog
        self.index = index
        self.embedder = embedder
        self.cfg = cfg
        self.lexical_path = lexical_path
        self._lex: LexicalIndex | None = None
        self._docs: dict[str, DocRecord] = {}
        self._gen = -1
        self._cal: Calibration | None = None
        self._doc_keys: dict[str, tuple[Any, ...]] = {}  # what _docs was read at
        self._pipeline: str | None = None  # the catalog's pipeline and model when derived state was last read
        self._lock = threading.Lock()

    # --- derived state, reloaded when the catalog generation changes -------------
    def _refresh(self) -> None:
        gen = self.catalog.generation()
        if gen == self._gen:
            return
        with self._lock:
            if gen == self._gen:
                return
            # chunk ids and the document keys below name content, not how it was processed: after a
            # change of the ingest pipeline or the embedding model (its tokenizer cuts the chunks),
            # everything derived is read again
            key = self.catalog.token_key()
            moved, self._pipeline = key != self._pipeline, key
            self._lex = self._lexical(gen, key)
            self._docs = self._documents(moved)
            self._gen = gen

    def _documents(self, full: bool) -> dict[str, DocRecord]:
        """Document records after a commit: only the changed ones are read again (a refresh of one
        release must not re-read a large index's every record on the next question)."""
        keys = self.catalog.document_keys()
        old, seen = ({}, {}) if full else (self._docs, self._doc_keys)
        changed = {d for d, k in keys.items() if seen.get(d) != k or d not in old}
        docs = {d: old[d] for d in keys if d not in changed}
        docs.update((r.doc_id, r) for r in self.catalog.documents_by_id(changed))
        self._doc_keys = keys
        return {d: docs[d] for d in sorted(docs)}

    def _lexical(self, gen: int, key: str) -> LexicalIndex:
        """The BM25 index at generation ``gen``: the local copy when current, else caught up with the catalog.

        The local copy lags when another replica's ingest committed (a shared catalog) or this folder's
        ingest was killed. Catching up reads only the chunks that changed since, and happens in memory:
        the copy on disk has one writer, the ingest. A replica on an empty folder builds the index from
        the catalog when it starts.
        """
        lex = None
        if self.lexical_path and self.lexical_path.is_file():
            try:
                lex = LexicalIndex.load(self.lexical_path, reuse=self._lex)  # reads only new segments
            except (OSError, ValueError, KeyError):
                lex = None
        # the newer of the copy on disk and the one in memory (a copy this host's ingest does not
        # update lags further behind at every commit made elsewhere)
        mem = self._lex
        base = lex if lex is not None and (mem is None or lex.generation >= mem.generation) else mem
        if base is not None and base.generation == gen:
            return base
        if base is None:
            return LexicalIndex.build(self.catalog.iter_tokens(), generation=gen, key=key)
        return catch_up(base, self.catalog, gen, key)

    @property
    def documents(self) -> dict[str, DocRecord]:
        self._refresh()
        return self._docs

    def allowed_docs(self, f: Filters) -> set[str] | None:
        if f.is_empty():
            return None
        docs = self.documents.values()
        wanted = set()
        if f.countries:
            for c in f.countries:
                ent = gazetteer().lookup(c)  # an id, or an English or Arabic name
                wanted.add(ent.id if ent else c)
        out = set()
        for d in docs:
            if f.languages and d.language not in f.languages:
                continue
            if f.doc_ids and d.doc_id not in f.doc_ids and (d.translation_of not in f.doc_ids):
                continue
            if (f.date_from or f.date_to) and not _date_overlap(d, f.date_from, f.date_to):
                continue
            if wanted and not wanted & set(d.countries):
                continue
            out.add(d.doc_id)
        return out

    def idf(self, tokens: Sequence[str]) -> np.ndarray:
        """The lexical index's IDF of each token (what makes a question word rare here)."""
        self._refresh()
        assert self._lex is not None
        return self._lex.idf_of(tokens)

    # --- search ---------------------------------------------------------------------
    @property
    def calibration(self) -> Calibration:
        if self._cal is None:
            key = meta_key(self.embedder.model_id)
            stored = self.catalog.get_meta(key)
            if stored:
                self._cal = Calibration.loads(stored)
            else:
                self._cal = Calibration.compute(self.embedder)
                self.catalog.set_meta(key, self._cal.dumps())
        return self._cal

    def search(
        self, query: str, k: int | None = None, filters: Filters | None = None, language: str | None = None
    ) -> list[Hit]:
        self._refresh()
        assert self._lex is not None
        k = k or self.cfg.top_k
        f = filters or Filters()
        qlang = language or detect_language(query) or "en"
        allowed = self.allowed_docs(f)
        if allowed is not None and not allowed:
            return []
        n_cand = max(self.cfg.candidates, k)
        qv = self.embedder.embed_query(query)
        cal = self.calibration
        qc = cal.center_query(qv, qlang)
        doc_filter = sorted(allowed) if allowed is not None else None
        # One dense query per language: the other language's best passages always
        # reach re-scoring, however strongly the model prefers the question's language.
        dense_ids: list[str] = []
        for lang in (qlang, *[x for x in LANGS if x != qlang]):
            dense_ids += [h.id for h in self.index.query(qv, n_cand, doc_filter, language=lang)]
        lex_scores: dict[str, float] = {}
        tokens = tokenize(query)
        top_lex = self._lex.max_score(tokens)
        if top_lex > 0 and self.cfg.w_lexical:
            mask = self._lex.lang_mask(qlang)
            if allowed is not None:
                mask = mask & np.isin(self._lex.docs, list(allowed))  # not in place: the mask is cached
            for cid, sc in self._lex.search(tokens, n_cand, mask):
                lex_scores[cid] = sc / top_lex
        cand_ids = list(dict.fromkeys(dense_ids + list(lex_scores)))
        chunks = self.catalog.chunks(cand_ids)  # unknown ids (stray vectors) drop out here
        hits = [
            h
            for c in cand_ids
            if c in chunks
            for h in [self._score(chunks[c], qv, qc, qlang, lex_scores.get(c, 0.0))]
            if h is not None
        ]
        base = self._baselines(hits, qv, qc, qlang)
        for h in hits:
            self._calibrate(h, base)
        self._order_cross(hits)
        hits.sort(key=lambda h: -h.score)
        if self.cfg.prefer_question_language:
            hits = self._translation_aware(hits, qv, qc, qlang, allowed, base)
        return self._stratify(hits, k)

    def _score(self, c: ChunkRecord, qv: np.ndarray, qc: np.ndarray, qlang: str, lex: float) -> Hit | None:
        doc = self._docs.get(c.doc_id)
        if doc is None:
            return None
        cfg, cal = self.cfg, self.calibration
        sv = c.sent_vecs if len(c.sent_vecs) else c.vec[None, :]
        dense = float(c.vec @ qv)
        sent = sv @ qv
        cross = c.language != qlang
        if cross:
            dsim = float(cal.center(c.vec[None, :], c.language)[0] @ qc)
            sims = cal.center(sv, c.language) @ qc
            lex = 0.0
        else:
            dsim, sims = dense, sent
        score = cfg.w_dense * dense + cfg.w_sentence * float(sent.max()) + cfg.w_lexical * lex
        return Hit(c, doc, score, dense, float(sent.max()), lex, sent, cross, _dsim=dsim, _sims=sims)

    def _baselines(self, hits: Sequence[Hit], qv: np.ndarray, qc: np.ndarray, qlang: str) -> dict[str, Any]:
        """Per language: the generic-reference baseline and this question's neighbourhood baseline."""
        out: dict[str, Any] = {}
        for lang in LANGS:
            same = lang == qlang
            ref = self.calibration.baseline(qv, qc, lang, same)
            sims = np.concatenate([h._sims for h in hits if h.chunk.language == lang] or [np.zeros(0)])
            if len(sims) >= MIN_NEIGHBOURS:
                top = np.sort(sims)[::-1][:NEIGHBOURS]
                local = (float(top.mean()), float(max(top.std(), 1e-3)))
            else:
                local = ref
            out[lang] = (ref, local)
        return out

    @staticmethod
    def _calibrate(h: Hit, base: dict[str, Any]) -> None:
        (rm, rsd), (lm, lsd) = base[h.chunk.language]
        h.relevance = (h._sims - rm) / rsd
        h.specificity = (h._sims - lm) / lsd
        h.calibrated = ((h._dsim - lm) / lsd + float(h.specificity.max())) / 2

    def _order_cross(self, hits: list[Hit]) -> None:
        """Order cross-language hits by their centered similarity, keeping the raw scale for merging.

        Raw cosines rank cross-language passages worse than centered ones do; giving
        the k-th best centered hit the k-th best raw score changes their order, not
        how they interleave with same-language hits.
        """
        cross = [h for h in hits if h.cross]
        raw = sorted((h.score for h in cross), reverse=True)
        w_d, w_s = self.cfg.w_dense, self.cfg.w_sentence
        for h, s in zip(sorted(cross, key=lambda h: -(w_d * h._dsim + w_s * float(h._sims.max()))), raw, strict=True):
            h.score = s

    @staticmethod
    def _stratify(hits: list[Hit], k: int) -> list[Hit]:
        """Keep the best cross-language hits in the top k (a third of it), by calibrated score."""
        top = hits[:k]
        want = min(-(-k // 3), sum(1 for h in hits if h.cross))
        have = sum(1 for h in top if h.cross)
        if have >= want:
            return top
        extra = sorted((h for h in hits[k:] if h.cross), key=lambda h: -h.calibrated)[: want - have]
        same = [h for h in top if not h.cross]
        drop = {id(h) for h in same[len(same) - len(extra) :]}  # the lowest-ranked same-language hits
        return [h for h in top if id(h) not in drop] + extra

    def _translation_aware(
        self,
        hits: list[Hit],
        qv: np.ndarray,
        qc: np.ndarray,
        qlang: str,
        allowed: set[str] | None,
        base: dict[str, Any],
    ) -> list[Hit]:
        """Show each passage once, in the question's language when a translation has it.

        Twins (a chunk's aligned chunk in its document's translation) are stored at ingest;
        the best ``TRANSLATION_WINDOW`` hits are resolved with one catalog read.
        """
        window, rest = hits[:TRANSLATION_WINDOW], hits[TRANSLATION_WINDOW:]

        def usable(h: Hit) -> bool:
            other = h.doc.translation_of
            return bool(h.chunk.twin and other and (allowed is None or other in allowed))

        twins = self.catalog.chunks([h.chunk.twin for h in window if usable(h) and h.chunk.twin])
        out: list[Hit] = []
        placed: dict[str, Hit] = {}  # chunk id -> the hit that represents it
        for h in window:
            if h.chunk.id in placed:
                continue
            rep = h
            twin_chunk = twins.get(h.chunk.twin or "") if usable(h) else None
            if twin_chunk is not None:
                if twin_chunk.id in placed:
                    placed[twin_chunk.id].alternates.append(h)
                    placed[h.chunk.id] = placed[twin_chunk.id]
                    continue
                if h.chunk.language != qlang and twin_chunk.language == qlang:
                    twin_hit = self._score(twin_chunk, qv, qc, qlang, 0.0)
                    if twin_hit is not None:
                        self._calibrate(twin_hit, base)
                        twin_hit.score = max(twin_hit.score, h.score)
                        twin_hit.alternates.append(h)
                        rep = twin_hit
                        placed[h.chunk.id] = rep
            out.append(rep)
            placed[rep.chunk.id] = rep
        # A translated stand-in may now outrank what precedes it; keep the original order of scores.
        out.sort(key=lambda h: -h.score)
        return out + [h for h in rest if h.chunk.id not in placed]


class HybridRetriever(BaseRetriever):
    """LangChain retriever over :class:`SearchEngine` (plugs into any LangChain chain).

    ``k``, ``filters`` and the question's ``language`` are fields, and can be given per call as
    keyword arguments of ``invoke`` (``retriever.invoke(q, config, filters=..., language="ar")``):
    the answer chain passes each question's own, so one retriever serves concurrent questions.
    Each document is a :class:`HitDocument`; ``doc.hit`` is the scored hit.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    engine: SearchEngine
    k: int = 6
    filters: Filters = Filters()
    language: str | None = None  # None: detected from the query

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None,
        filters: Filters | None = None,
        language: str | None = None,
    ) -> list[Document]:
        return [h.to_document() for h in self.search(query, k, filters, language)]

    def search(
        self, query: str, k: int | None = None, filters: Filters | None = None, language: str | None = None
    ) -> list[Hit]:
        return self.engine.search(query, k or self.k, filters or self.filters, language or self.language)


def hits_of(docs: Sequence[Document]) -> list[Hit]:
    """The hits behind the retriever's documents (the chain selects evidence from them, not from text)."""
    out = []
    for d in docs:
        if not isinstance(d, HitDocument):
            raise TypeError(f"{type(d).__name__} is not a document of the taawun retriever (HitDocument)")
        out.append(d.hit)
    return out


def hits_by_doc(hits: Sequence[Hit]) -> dict[str, list[Hit]]:
    out: dict[str, list[Hit]] = {}
    for h in hits:
        out.setdefault(h.doc.doc_id, []).append(h)
    return out


def doc_map(hits: Sequence[Hit]) -> dict[str, DocRecord]:
    out: dict[str, DocRecord] = {}
    for h in hits:
        for m in [h, *h.alternates]:
            out[m.doc.doc_id] = m.doc
    return out
