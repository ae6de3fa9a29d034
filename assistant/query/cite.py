"""Citations: numbered, checkable references to exact spans of the sources."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from assistant.core.protocols import Evidence
from assistant.core.records import Citation

MARKER = re.compile(r"\[(\d{1,3})\]")


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
