"""Translation links: which document is another's translation, and which chunks are each other's twins.

Candidates are preselected by document vectors (the few nearest documents in the other language),
so a refresh costs the same whether the index holds ten documents or ten thousand. A candidate
becomes the translation only when :func:`ingest.twins.twin_score` aligns it; one that shares the
event without being a translation is recorded as related (report only).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from assistant.core.calibrate import TWIN_SIM
from assistant.core.catalog import Catalog, ChunkRecord
from ingest.prepare import Prepared
from ingest.twins import Facts, facts, is_related, twin_score

#: documents in the other language, nearest by document vector, that are checked in detail
TRANSLATION_CANDIDATES = 5

Links = dict[str, str | None]  # doc id (or chunk id) -> its translation (twin), or None: the link goes


def link_translations(catalog: Catalog, todo: Sequence[Prepared], removed: Sequence[str]) -> tuple[Links, Links]:
    """Translation links that change (doc id -> its translation or None) and chunk twins to store.

    Sets each prepared document's ``translation_of`` and ``related``, and its chunks' twins.
    """
    gone = set(removed) | {p.doc.doc_id for p in todo}
    # Untouched documents whose translation is being replaced or removed lose the link.
    linked = catalog.linked_to(gone)  # read by index: nothing of the other documents
    links: Links = {d: None for d in linked if d not in gone}
    twins: Links = {}
    if not todo:
        return links, twins
    by_lang = _by_language(catalog, todo, gone)
    taken: Links = {}  # translation links as they stand, read for the candidates only

    def taken_by(d: str) -> str | None:
        if d not in taken:
            taken[d] = None if d in gone else catalog.translation_of(d)
        return taken[d]

    prepared = {p.doc.doc_id: p for p in todo}
    views = _TwinViews(catalog, prepared)
    for p in todo:
        best = _best_translation(p, by_lang, views, taken_by)
        if best is None:
            continue
        a = p.doc.doc_id
        links[a], links[best] = best, a
        taken[a], taken[best] = best, a
        p.doc.translation_of = best
        twins |= _align_chunks(catalog, p, best, prepared)
    return links, twins


def _by_language(catalog: Catalog, todo: Sequence[Prepared], gone: set[str]) -> dict[str, tuple[list[str], np.ndarray]]:
    """Every document's vector as it will stand after this run, by language."""
    pool = {d: v for d, v in catalog.doc_vectors().items() if d not in gone}
    pool |= {p.doc.doc_id: (p.doc.language, p.vec) for p in todo if p.vec is not None}
    by_lang: dict[str, tuple[list[str], np.ndarray]] = {}
    for lang in {lang for lang, _ in pool.values()}:
        ids = [d for d, (lg, _) in pool.items() if lg == lang]
        by_lang[lang] = (ids, np.stack([np.asarray(pool[d][1], np.float32) for d in ids]))
    return by_lang


def _best_translation(
    p: Prepared,
    by_lang: dict[str, tuple[list[str], np.ndarray]],
    views: _TwinViews,
    taken_by: Callable[[str], str | None],
) -> str | None:
    """The free candidate that aligns best as ``p``'s translation; candidates of the same event go to ``p.related``."""
    if p.vec is None:
        return None
    a = p.doc.doc_id
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
    return best


def _align_chunks(catalog: Catalog, p: Prepared, other: str, prepared: dict[str, Prepared]) -> Links:
    """Each chunk's closest chunk in the translation (when close enough to be the same passage)."""
    theirs = prepared[other].chunks if other in prepared else catalog.doc_chunks(other)
    if not p.chunks or not theirs:
        return {}
    mine_to_theirs, theirs_to_mine = chunk_twins(p.chunks, theirs)
    for c, twin in zip(p.chunks, mine_to_theirs, strict=True):
        c.twin = twin
    out: Links = {}
    for c, twin in zip(theirs, theirs_to_mine, strict=True):
        if other in prepared:
            c.twin = twin
        else:
            out[c.id] = twin  # an indexed chunk: updated in the commit
    return out


class _TwinViews:
    """Each document's translation facts and unique sentence vectors, read once per run."""

    def __init__(self, catalog: Catalog, prepared: dict[str, Prepared]) -> None:
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
