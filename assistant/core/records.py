"""The answer record every front end receives (CLI, UI, API), its citations, and their plain rendering."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Citation:
    n: int
    doc_id: str
    source: str  # file name or URL
    title: str
    language: str
    snippet: str  # the exact cited text, as in the document
    start: int  # character offsets of the snippet in the document text
    end: int
    score: float
    date: str | None = None  # publication date, when the document carries one
    translation_of: str | None = None  # the same document in the other language

    def contract(self) -> dict[str, object]:
        """The public JSON shape (see README: `taawun ask --json`)."""
        return {
            "n": self.n,
            "source": self.source,
            "title": self.title,
            "language": self.language,
            "snippet": self.snippet,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
        }

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Answer:
    question: str
    language: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    status: str = "ok"  # ok | abstained | invalid | unavailable
    related: bool = False  # the citations are related passages, not support (abstained answers)
    standalone: str | None = None  # the search query after follow-up resolution
    generator: str = "extractive"
    notes: list[str] = field(default_factory=list)
    short: str | None = None  # the direct short answer of a typed question, in the asker's language

    def contract(self) -> dict[str, Any]:
        """The exact public JSON object of `taawun ask --json`."""
        return {
            "question": self.question,
            "language": self.language,
            "answer": self.answer,
            "abstained": self.abstained,
            "short_answer": self.short,
            "citations": [c.contract() for c in self.citations],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


def render_plain(answer: str, citations: Sequence[Citation]) -> str:
    """The answer followed by its sources, for terminals and copy-paste."""
    lines = [answer.strip(), ""]
    for c in citations:
        extra = f", translation: {c.translation_of}" if c.translation_of else ""
        date = f", {c.date}" if c.date else ""
        lines.append(f"[{c.n}] {c.title} — {c.source} ({c.language}{date}{extra}) chars {c.start}-{c.end}")
        lines.append(f"    “{c.snippet}”")
    return "\n".join(lines).rstrip() + "\n"
