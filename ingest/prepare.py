"""Preparing one document for the index: cleaned, dated, titled, chunked, and its register records extracted.

Nothing here embeds or writes: a prepared document carries the texts to embed, in order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.core.catalog import ChunkRecord, DocRecord
from assistant.core.dates import extract_dates
from assistant.core.gazetteer import HOME, gazetteer
from assistant.core.settings import IngestSettings
from assistant.core.text import detect_language, tokenize
from ingest.agreements import extract_records
from ingest.chunk import SentenceChunker, display_text
from ingest.clean import Cleaned, clean
from ingest.describe import derive_title, publication_date
from ingest.load import Loaded, Skip


@dataclass
class Prepared:
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


def prepare(
    cfg: IngestSettings,
    chunker: Callable[[], SentenceChunker],
    doc_id: str,
    source: str,
    loaded: Loaded,
    data_hash: str,
    size: int,
    sidecar_date: str | None = None,
) -> Prepared | Skip:
    """The document and its chunks (vectors still empty), or why it is skipped.

    ``chunker`` is called only for a document that is not skipped: it loads the model (to count tokens).
    """
    text = loaded.text
    if len(text) > cfg.max_text_chars:
        return Skip(f"text too long ({len(text)} characters > {cfg.max_text_chars})")
    cleaned = clean(text)
    if not cleaned.spans:
        return Skip("only boilerplate, no content")
    content = "\n".join(text[a:b] for a, b in cleaned.spans)
    language = detect_language(content)
    if language is None:
        return Skip("no Arabic or English text found")
    doc = _document(doc_id, source, loaded, cleaned, language, data_hash, size, sidecar_date)
    chunks: list[ChunkRecord] = []
    texts: list[str] = []
    sent_texts: list[str] = []
    layout: list[int] = []
    for i, sp in enumerate(chunker().chunk(text, cleaned.spans)):
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
    return Prepared(doc, chunks, texts + sent_texts, layout)


def _document(
    doc_id: str,
    source: str,
    loaded: Loaded,
    cleaned: Cleaned,
    language: str,
    data_hash: str,
    size: int,
    sidecar_date: str | None,
) -> DocRecord:
    text = loaded.text
    dates = extract_dates(text, cleaned.spans)
    values = sorted(d.value for d in dates)
    # The format's own date (HTML/Word metadata), the release's date line or dateline, then
    # the date recorded when the page was fetched.
    published = loaded.published or publication_date(text) or sidecar_date
    return DocRecord(
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


def extract_register(todo: Sequence[Prepared]) -> None:
    """Each document's register records, and its partners for the retrieval filters."""
    for p in todo:
        p.records = extract_records(p.doc)
        # Partner metadata for retrieval filters: the register's partners and every country or
        # organisation the content names (the ministry's own country excepted).
        content = " ".join(c.text for c in p.chunks)
        partners = {x["id"] for r in p.records for x in r["partners"]}
        partners |= {m.entity.id for m in gazetteer().find(content) if m.entity.kind != "region"}
        p.doc.countries = sorted(partners - {HOME})
