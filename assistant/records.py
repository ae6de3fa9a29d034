"""The answer record every front end receives (CLI, UI, API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.cite import Citation


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
