"""HTML for the chat, the sources panel, the library and the register.

Every piece of document or model text passes through :func:`esc` before it is
placed in markup; the only markup is the fixed structure written here. A citation
link is made only for a composer's marker: escaping keeps a document from writing
markup, and a ``[n]`` inside quoted document text stays text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.core.records import Answer, Citation, render_plain
from assistant.core.text import detect_language
from ui.strings import t

_MARKER = re.compile(r"\[(\d{1,3})\]")


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def direction(text: str) -> str:
    return "rtl" if detect_language(text) == "ar" else "ltr"


@dataclass
class Turn:
    question: str
    answer: str = ""
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    related: bool = False
    language: str = "en"
    pending: bool = False
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_answer(cls, ans: Answer) -> Turn:
        return cls(ans.question, ans.answer, ans.citations, ans.abstained, ans.related, ans.language, False, ans.notes)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _quoted_marker(para: str, start: int, end: int, quotes: Sequence[str]) -> bool:
    """Whether the ``[n]`` at para[start:end] is part of quoted document text rather than the composer's.

    The composer writes its markers after the evidence it quotes, so a marker that, together with the
    text right before or right after it, occurs in a cited snippet was copied from the document. The
    window shrinks (24, 12, 6 characters) so that a quote trimmed near the marker is still recognised.
    """
    marker = para[start:end]
    for width in (24, 12, 6):
        left, right = para[max(0, start - width) : start], para[end : end + width]
        probes = [p for p in (left + marker if left.strip() else "", marker + right if right.strip() else "") if p]
        if any(_squash(p) in q for p in probes for q in quotes):
            return True
    return False


def _answer_html(text: str, turn_id: int, valid: set[int], snippets: Sequence[str] = ()) -> str:
    """Escaped answer text, one paragraph per line, with the composer's [n] markers as links to the sources.

    A marker is a link only when it points at a citation of this answer and is not inside quoted document
    text: a document that itself contains "[1]" must not produce a link (see :func:`_quoted_marker`).
    """
    quotes = [_squash(s) for s in snippets if s]
    out = []
    for para in text.split("\n"):
        if not para.strip():
            continue
        pieces, pos = [], 0
        for m in _MARKER.finditer(para):
            pieces.append(esc(para[pos : m.start()]))
            n = m.group(1)
            if int(n) in valid and not _quoted_marker(para, m.start(), m.end(), quotes):
                pieces.append(
                    f'<a class="cite" href="#t{turn_id}-src-{n}" data-turn="{turn_id}" data-n="{n}">[{n}]</a>'
                )
            else:
                pieces.append(esc(m.group(0)))
            pos = m.end()
        pieces.append(esc(para[pos:]))
        out.append(f'<p dir="auto">{"".join(pieces)}</p>')
    return "".join(out)


def render_chat(turns: Sequence[Turn], ui_lang: str) -> str:
    if not turns:
        return f'<div class="chat-empty" dir="auto">{esc(t("chat_empty", ui_lang))}</div>'
    parts = ['<div class="chat-log">']
    for i, turn in enumerate(turns):
        parts.append(f'<div class="msg user" dir="auto"><p dir="auto">{esc(turn.question)}</p></div>')
        cls = "msg bot" + (" abstained" if turn.abstained else "") + (" pending" if turn.pending else "")
        badge = f'<div class="badge">{esc(t("not_in_sources", ui_lang))}</div>' if turn.abstained else ""
        if turn.pending and turn.answer:
            # streamed text is a draft until it has been checked against the sources
            badge = f'<div class="badge draft">{esc(t("checking", ui_lang))}</div>'
        body = (
            _answer_html(turn.answer, i, {c.n for c in turn.citations}, [c.snippet for c in turn.citations])
            if turn.answer
            else (f'<p class="typing">{esc(t("thinking", ui_lang))}</p>')
        )
        parts.append(f'<div class="{cls}" id="turn-{i}" data-lang="{esc(turn.language)}">{badge}{body}</div>')
    parts.append("</div>")
    return "".join(parts)


def _highlighted_passage(doc_text: str, c: Citation, context: int = 240) -> str:
    """The cited span in <mark>, with some surrounding text of the document for context."""
    a = max(0, c.start - context)
    b = min(len(doc_text), c.end + context)
    # start and end at whitespace so words are not cut
    while a > 0 and not doc_text[a - 1].isspace() and c.start - a < context + 40:
        a -= 1
    while b < len(doc_text) and not doc_text[b].isspace() and b - c.end < context + 40:
        b += 1
    before, cited, after = doc_text[a : c.start], doc_text[c.start : c.end], doc_text[c.end : b]
    lead = "… " if a > 0 else ""
    tail = " …" if b < len(doc_text) else ""
    return f"{esc(lead + before)}<mark>{esc(cited)}</mark>{esc(after + tail)}"


def render_sources(turns: Sequence[Turn], doc_texts: dict[str, str], ui_lang: str) -> str:
    """Sources of every answer, newest first; each card collapsed until its marker is clicked."""
    if not any(turn.citations for turn in turns):
        return f'<div class="sources-empty" dir="auto">{esc(t("sources_empty", ui_lang))}</div>'
    parts = ['<div class="sources">']
    for i in range(len(turns) - 1, -1, -1):
        turn = turns[i]
        if not turn.citations:
            continue
        head = t("related_passages" if turn.related else "sources_for", ui_lang)
        parts.append(f'<section class="turn-sources{" related" if turn.related else ""}" data-turn="{i}">')
        parts.append(f'<h4 dir="auto">{esc(head)}: <span class="q">{esc(turn.question[:80])}</span></h4>')
        for c in turn.citations:
            d = "rtl" if c.language == "ar" else "ltr"
            meta = [esc(c.source), t(f"lang_{c.language}", ui_lang)]
            if c.date:
                meta.append(esc(c.date))
            if c.translation_of:
                meta.append(f"{esc(t('translation', ui_lang))}: {esc(c.translation_of)}")
            passage = (
                _highlighted_passage(doc_texts.get(c.doc_id, c.snippet), c)
                if c.doc_id in doc_texts
                else (f"<mark>{esc(c.snippet)}</mark>")
            )
            parts.append(
                f'<details class="source" id="t{i}-src-{c.n}" data-n="{c.n}">'
                f'<summary><span class="n">[{c.n}]</span> <span class="title" dir="auto">{esc(c.title)}</span>'
                f'<span class="meta" dir="auto">{" · ".join(meta)} · {esc(t("chars", ui_lang))} '
                f"{c.start}–{c.end}</span></summary>"
                f'<div class="passage" dir="{d}" lang="{esc(c.language)}">{passage}</div></details>'
            )
        parts.append("</section>")
    parts.append("</div>")
    return "".join(parts)


def copy_text(turn: Turn) -> str:
    """Plain text of an answer with its sources, for the clipboard."""
    return render_plain(turn.answer, turn.citations)


def render_document(title: str, text: str, meta: Sequence[str]) -> str:
    paras = "".join(f'<p dir="auto">{esc(p)}</p>' for p in text.split("\n") if p.strip())
    return (
        f'<article class="doc-view" dir="auto"><h3 dir="auto">{esc(title)}</h3>'
        f'<div class="meta">{" · ".join(esc(m) for m in meta)}</div>{paras}</article>'
    )


def _understood(d: dict, ui_lang: str) -> str:
    """What ingest made of a document: an editor sees at once a wrong title, date or twin."""
    if d["action"] == "removed":
        return ""
    parts = [
        f"{esc(t('r_title', ui_lang))}: <bdi>{esc(d.get('title') or '')}</bdi>",
        f"{esc(d.get('language') or '')}",
        f"{esc(t('r_published', ui_lang))}: {esc(d.get('published') or t('r_unknown', ui_lang))}",
    ]
    if d.get("translation_of"):
        parts.append(f"{esc(t('r_twin', ui_lang))} <bdi>{esc(d['translation_of'])}</bdi>")
    if d.get("related"):
        parts.append(f"{esc(t('r_related', ui_lang))} <bdi>{esc(', '.join(d['related']))}</bdi>")
    if d.get("records_added"):
        merged = f" ({d['records_merged']} {esc(t('r_merged', ui_lang))})" if d.get("records_merged") else ""
        parts.append(f"{esc(t('r_records', ui_lang))}: {d['records_added']}{merged}")
    return " · ".join(parts)


def render_report(report: dict, ui_lang: str) -> str:
    counts = " · ".join(
        f"{esc(t('r_' + k, ui_lang))}: {report.get(k, 0)}"
        for k in ("added", "updated", "unchanged", "removed", "skipped")
    )
    rows = []
    for d in report.get("documents", []):
        if d["action"] == "unchanged":
            continue
        reason = esc(d.get("reason") or "") or _understood(d, ui_lang)
        rows.append(
            f'<tr class="{esc(d["action"])}"><td dir="auto">{esc(d["doc_id"])}</td>'
            f"<td>{esc(t('r_' + d['action'], ui_lang))}</td><td>{esc(d.get('chunks') or '')}</td>"
            f'<td dir="auto">{reason}</td></tr>'
        )
    table = (
        (
            f'<table class="report"><thead><tr><th>{esc(t("document", ui_lang))}</th>'
            f"<th>{esc(t('action', ui_lang))}</th>"
            f"<th>{esc(t('chunks', ui_lang))}</th><th>{esc(t('reason', ui_lang))}</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )
        if rows
        else ""
    )
    secs = report.get("seconds", 0)
    return f'<div class="ingest-report"><p>{counts} · {secs:.1f} s</p>{table}</div>'


def render_message(text: str, kind: str = "info") -> str:
    return f'<div class="notice {esc(kind)}" dir="auto">{esc(text)}</div>'
