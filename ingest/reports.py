"""What an editing run reports: one outcome per document, and the run's totals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.core.events import merge_records

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
