"""Citations: numbered, checkable references to exact spans of the sources."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from assistant.protocols import Evidence

MARKER = re.compile(r"\[(\d{1,3})\]")


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


def markers(text: str) -> list[int]:
    """The citation numbers used in ``text``, in order of first use."""
    return list(dict.fromkeys(int(m) for m in MARKER.findall(text)))


def repair_markers(text: str, valid: Sequence[int]) -> tuple[str, list[int]]:
    """Remove markers that point at no supplied passage; return the text and the markers removed."""
    ok = set(valid)
    bad: list[int] = []

    def sub(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n in ok:
            return m.group(0)
        bad.append(n)
        return ""

    fixed = MARKER.sub(sub, text)
    fixed = re.sub(r"[ \t]+([.,;:!?،؛؟])", r"\1", fixed)
    return re.sub(r"[ \t]{2,}", " ", fixed).strip(), bad


def build_citations(
    evidence: Sequence[Evidence],
    docs: Mapping[str, Any],
    text_of: Callable[[str], str],
    used: Sequence[int] | None = None,
) -> list[Citation]:
    """One citation per number: evidence items sharing a number (adjacent sentences) merge into one span."""
    groups: dict[int, list[Evidence]] = {}
    for ev in evidence:
        if used is None or ev.n in used:
            groups.setdefault(ev.n, []).append(ev)
    out = []
    for n, evs in sorted(groups.items()):
        first = evs[0]
        d = docs[first.doc_id]
        start, end = min(e.start for e in evs), max(e.end for e in evs)
        out.append(
            Citation(
                n=n,
                doc_id=first.doc_id,
                source=d.source,
                title=d.title,
                language=first.language,
                snippet=text_of(first.doc_id)[start:end],
                start=start,
                end=end,
                score=max(e.score for e in evs),
                date=getattr(d, "published", None),
                translation_of=getattr(d, "translation_of", None),
            )
        )
    return out


def render_plain(answer: str, citations: Sequence[Citation]) -> str:
    """The answer followed by its sources, for terminals and copy-paste."""
    lines = [answer.strip(), ""]
    for c in citations:
        extra = f", translation: {c.translation_of}" if c.translation_of else ""
        date = f", {c.date}" if c.date else ""
        lines.append(f"[{c.n}] {c.title} — {c.source} ({c.language}{date}{extra}) chars {c.start}-{c.end}")
        lines.append(f"    “{c.snippet}”")
    return "\n".join(lines).rstrip() + "\n"
