"""Clean stage: find the content of a page, leaving site boilerplate out.

Cleaning never rewrites the original text (citations point into it); it returns
the character spans that hold content. Whitespace is normalised only in the
text that is embedded and indexed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.describe import is_boilerplate_line

# A line matching one of these is boilerplate wherever it appears.
_LINE_PATTERNS = [
    # "read also" / "read more" link lines
    r"^\s*(?:اقرأ|إقرأ|اقرا|إقرا)\s+(?:أيضا|أيضاً|ايضا|ايضاً|المزيد)\b",
    r"^\s*(?:read|see)\s+(?:also|more)\b",
    r"^\s*related\s*(?:articles|news|stories)?\s*:",
    # newsletter sign-ups
    r"(?:سجل|اشترك|إشترك)\s+(?:في|فى|ب)\s*(?:قائمتنا|القائمة|النشرة|نشرتنا)",
    r"\b(?:subscribe|sign\s*up)\b.*\bnewsletter\b",
    r"\bnewsletter\b.*\b(?:subscribe|sign\s*up)\b",
    # copyright lines
    r"^\s*(?:copyright|©|\(c\))\b.*",
    r"all\s+rights\s+reserved",
    r"(?:جميع|كل)\s+الحقوق\s+محفوظة",
    r"حقوق\s+(?:النشر|الطبع)\s+محفوظة",
    # share / follow widgets
    r"^\s*(?:share|شارك)\s*(?:on|this|عبر|الخبر)?\s*:?\s*(?:facebook|twitter|x|whatsapp|فيسبوك|تويتر)?\s*$",
    r"^\s*(?:follow\s+us|تابعنا)\b",
]
# Site self-descriptions ("X is Egypt's gateway to ICT news ..."): they describe
# the publisher, not the story, and only appear in a page's footer.
_TAGLINE_PATTERNS = [
    r"بوابة\s+\S+\s+لأخبار",
    r"(?:تعتبر|يعتبر)\s+مصدر(?:ا|اً)?\s+رئيسي(?:ا|اً)?\s+للمعلومات",
    r"\b(?:is|are)\s+(?:the|a)\s+(?:leading|premier|main)\s+(?:source|portal|gateway)\b",
]
_LINE_RE = re.compile("|".join(f"(?:{p})" for p in _LINE_PATTERNS), re.IGNORECASE)
_TAGLINE_RE = re.compile("|".join(f"(?:{p})" for p in _TAGLINE_PATTERNS), re.IGNORECASE)
_FOOTER_MARKERS = re.compile(
    r"(?:سجل|اشترك)\s+(?:في|فى)\s*(?:قائمتنا|النشرة)|newsletter|copyright|©|all\s+rights\s+reserved|جميع\s+الحقوق",
    re.IGNORECASE,
)
#: a footer marker this close to the end makes everything after it footer
FOOTER_ZONE_LINES = 4
#: page chrome (site name, read time, byline, category label) is looked for in this many first lines
HEADER_ZONE_LINES = 6


@dataclass
class Cleaned:
    spans: list[tuple[int, int]]  # content spans in the original text
    removed: list[tuple[int, int, str]]  # (start, end, why) of dropped lines


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def clean(text: str) -> Cleaned:
    """Return content spans (maximal runs of kept lines) and the removed lines with reasons."""
    lines = _lines(text)
    nonblank = [i for i, (a, b) in enumerate(lines) if text[a:b].strip()]
    drop: dict[int, str] = {}
    # Header chrome ("Read time: 3 minutes", the ministry's name, a byline) is not the story;
    # only whole lines near the top, so a sentence naming the ministry is never touched.
    for i in nonblank[:HEADER_ZONE_LINES]:
        if is_boilerplate_line(text[slice(*lines[i])]):
            drop[i] = "page header"
    for i in nonblank:
        line = text[slice(*lines[i])]
        if i in drop:
            continue
        if _LINE_RE.search(line):
            drop[i] = "boilerplate"
        elif _TAGLINE_RE.search(line) and i in nonblank[-FOOTER_ZONE_LINES:]:
            drop[i] = "site tagline"
    # Footer zone: after a newsletter/copyright marker near the end, the rest is site chrome.
    tail = nonblank[-FOOTER_ZONE_LINES:]
    for i in tail:
        if _FOOTER_MARKERS.search(text[slice(*lines[i])]):
            for j in nonblank:
                if j > i:
                    drop.setdefault(j, "page footer")
            break
    spans: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    for i, (a, b) in enumerate(lines):
        if i in drop:
            if cur:
                spans.append(cur)
            cur = None
            continue
        if not text[a:b].strip():
            continue
        cur = (cur[0], b) if cur else (a, b)
    if cur:
        spans.append(cur)
    removed = [(lines[i][0], lines[i][1], why) for i, why in sorted(drop.items())]
    return Cleaned(spans, removed)
