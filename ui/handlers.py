"""What the page's events do: chat, library, agreements, editor and the language switch.

Each handler takes and returns plain values and ``gr.update``s; which component feeds which is
:mod:`ui.events`. Every action calls the assistant service; all document and model text is rendered
through :mod:`ui.render`, which escapes it.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.app.service import Assistant, DocOutcome
from assistant.core.arguments import Filters
from assistant.core.events import TYPE_LABELS, to_csv
from assistant.core.records import Answer
from ui import auth, i18n, render, timeline
from ui.guard import AdminGuard
from ui.render import Turn, esc
from ui.strings import t

# Gradio injects a progress tracker into handlers whose parameter defaults to a gr.Progress instance.
PROGRESS = gr.Progress()
#: the chat re-renders a streamed draft at most this often
STREAM_EVERY_S = 0.05


def filters(
    lang: str | None, docs: list[str] | None, since: str | None, until: str | None, country: str | None
) -> Filters:
    return Filters.from_dict(
        {
            "language": lang or None,
            "doc_ids": docs or None,
            # raw values: Filters.from_dict names a malformed one (an integer, "not-a-date") instead of raising
            "date_from": since.strip() or None if isinstance(since, str) else since,
            "date_to": until.strip() or None if isinstance(until, str) else until,
            "country": country or None,
        }
    )


class Handlers:
    """The page's handlers over one assistant; editing goes through ``guard``.

    Gradio names even a private event after its function, so the chat and editor handlers are ``ui_*``:
    a handler called ``ask`` would move the public ``/ask`` endpoint to ``/ask_2``.
    """

    def __init__(self, assistant: Assistant, guard: AdminGuard) -> None:
        self.assistant = assistant
        self.guard = guard
        self.max_upload_mb = assistant.settings.ui.max_upload_mb
        self.max_upload = int(self.max_upload_mb * 1e6)

    # --- choices and rows shared by several tabs ---------------------------------------------
    def doc_choices(self) -> list[tuple[str, str]]:
        return [(f"{d.doc_id} — {d.title[:60]}", d.doc_id) for d in self.assistant.library()]

    def partner_choices(self, lang: str) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for r in self.assistant.agreements():
            for p in r["partners"]:
                seen[p["id"]] = p["ar"] if lang == "ar" else p["en"]
        return [(t("any", lang), ""), *sorted(((v, k) for k, v in seen.items()), key=lambda x: x[0])]

    def doc_texts(self, turns: list[Turn]) -> dict[str, str]:
        return {c.doc_id: self.assistant.document_text(c.doc_id) for turn in turns for c in turn.citations}

    # --- chat ----------------------------------------------------------------------------------
    def ui_ask(
        self, q: str, turns: list[Turn], lang: str, fl: str, fd: list[str], fs: str, fu: str, fc: str
    ) -> Iterator[tuple[Any, Any, list[Turn], str]]:
        """Stream (chat, sources, turns, question box) as the answer is drafted, then checked."""
        turns = list(turns or [])
        if not (q or "").strip():
            return
        history = [(x.question, x.answer) for x in turns if not x.abstained]
        turn = Turn(q, pending=True, language=lang)
        turns.append(turn)
        yield render.render_chat(turns, lang), gr.update(), turns, ""
        last = 0.0
        for item in self.assistant.stream(q, history, filters(fl, fd, fs, fu, fc)):
            if isinstance(item, Answer):
                turns[-1] = Turn.from_answer(item)
                sources = render.render_sources(turns, self.doc_texts(turns), lang)
                yield render.render_chat(turns, lang), sources, turns, ""
            else:
                turn.answer += item
                if time.monotonic() - last > STREAM_EVERY_S:
                    last = time.monotonic()
                    yield render.render_chat(turns, lang), gr.update(), turns, ""

    def ui_clear(self, lang: str) -> tuple[str, str, list[Turn]]:
        return render.render_chat([], lang), render.render_sources([], {}, lang), []

    # --- library -------------------------------------------------------------------------------
    def library_rows(self, lang: str) -> list[list[Any]]:
        return [
            [
                d.doc_id,
                d.title,
                t(f"lang_{d.language}", lang),
                d.date or ", ".join(d.dates),
                d.chunks,
                d.translation_of or "",
            ]
            for d in self.assistant.library()
        ]

    def open_doc(self, doc_id: str | None, lang: str) -> str:
        d = self.assistant.document(doc_id) if doc_id else None
        if d is None:
            return ""
        dates = ", ".join(sorted({x["value"] for x in d.dates}))
        meta = [d.source, t(f"lang_{d.language}", lang), dates]
        if d.translation_of:
            meta.append(f"{t('translation', lang)}: {d.translation_of}")
        return render.render_document(d.title, d.text, [m for m in meta if m])

    def refresh_doc_lists(self, pick: str | None, docs: list[str] | None, rem: str | None) -> tuple[Any, ...]:
        """The three document lists (library, chat filter, editor) with a chosen document that is gone dropped."""
        choices = self.doc_choices()
        ids = {v for _, v in choices}
        return (
            gr.update(choices=choices, value=pick if pick in ids else None),
            gr.update(choices=choices, value=[d for d in docs or [] if d in ids]),
            gr.update(choices=choices, value=rem if rem in ids else None),
        )

    # --- agreements and the timeline -------------------------------------------------------------
    def agreement_rows(self, country: str, typ: str, since: float | None, region: str | None) -> list[dict[str, Any]]:
        rows = self.assistant.agreements(country=country or None, type=typ or None, since=int(since) if since else None)
        return timeline.filter_records(rows, region or None, None)

    def agreements_view(
        self, country: str, typ: str, since: float | None, region: str | None, row: float | None, lang: str
    ) -> tuple[list[list[str]], str]:
        rows = self.agreement_rows(country, typ, since, region)
        table = [
            [
                TYPE_LABELS[lang][r["type"]],
                ", ".join(p[lang if lang in ("ar", "en") else "en"] for p in r["partners"]),
                r.get("date") or "",
                "; ".join(f"{p['name']} ({p['role'] or p['part']})" for p in r["people"]),
                ", ".join(r["topics"][:4]),
                ", ".join(r.get("doc_ids") or [r["doc_id"]]),  # one event, every document reporting it
            ]
            for r in rows
        ]
        if not rows:
            return table, ""
        return table, self._evidence_html(rows[min(max(int(row or 0), 0), len(rows) - 1)])

    def _evidence_html(self, record: dict[str, Any]) -> str:
        text = self.assistant.document_text
        items = "".join(
            # a merged event's evidence comes from every document reporting it
            f'<li dir="auto"><span class="meta">{esc(e["doc_id"])} {e["start"]}–{e["end"]}</span> '
            f'<mark dir="auto">{esc(text(e["doc_id"])[e["start"] : e["end"]])}</mark></li>'
            for e in record["evidence"]
        )
        return f'<div class="evidence"><h4 dir="auto">{esc(record["summary"])}</h4><ol>{items}</ol></div>'

    def timeline_view(self, country: str, since: float | None, region: str | None, lang: str) -> tuple[Any, Any, str]:
        """The chart, the year list (no year chosen) and, for no year, the hint in ``lang``."""
        rows = self.agreement_rows(country, "", since, region)
        chart = gr.update(value=timeline.frame(rows, lang), **i18n.texts("chart", lang))
        years = gr.update(choices=timeline.year_choices(rows, lang), value="", **i18n.texts("a_year", lang))
        # the year list may already be empty, so its change event would not re-render the hint
        return chart, years, timeline.records_html([], "", lang)

    def year_records(self, year: str, country: str, since: float | None, region: str | None, lang: str) -> str:
        return timeline.records_html(self.agreement_rows(country, "", since, region), year or "", lang)

    def chart_selected(self, evt: gr.SelectData, lang: str) -> Any:
        # the chart's selection moves the year list, which then lists that year's records
        return gr.update(value=timeline.selected_year(evt.value, lang))

    def export_csv(self, country: str, typ: str, since: float | None, region: str | None, lang: str) -> str:
        rows = self.agreement_rows(country, typ, since, region)
        with tempfile.NamedTemporaryFile(
            "w", suffix=".csv", prefix="taawun-agreements-", delete=False, encoding="utf-8-sig"
        ) as f:
            f.write(to_csv(rows))
        return f.name

    # --- editor: each returns (report, library rows) ----------------------------------------------
    def ui_add_files(
        self, files: list[str] | None, tok: str, lang: str, request: gr.Request, progress: gr.Progress = PROGRESS
    ) -> tuple[Any, Any]:
        if refused := auth.refusal(self.guard, tok, request):
            return _refused(refused, lang)
        if not files:
            return _refused("nothing_to_add", lang)
        items: list[tuple[str, bytes]] = []
        oversize: list[str] = []
        for f in files:
            p = Path(f)
            if p.stat().st_size > self.max_upload:
                oversize.append(p.name)
            else:
                items.append((p.name, p.read_bytes()))
        auth.discard_uploads(files)  # the bytes are in memory now
        try:
            rep = self.assistant.add_files(items, progress=_progress(progress))
        except Exception as exc:  # noqa: BLE001 - shown to the editor (e.g. another refresh is running)
            return _failed(exc, lang)
        for name in oversize:
            reason = f"over the {self.max_upload_mb:.0f} MB upload limit"
            rep.documents.append(DocOutcome(name, "skipped", reason=reason))
        return self._after_edit(rep, lang)

    def ui_fetch(
        self, u: str, tok: str, lang: str, request: gr.Request, progress: gr.Progress = PROGRESS
    ) -> tuple[Any, Any]:
        if refused := auth.refusal(self.guard, tok, request):
            return _refused(refused, lang)
        if not (u or "").strip():
            return _refused("enter_url", lang)
        try:
            rep = self.assistant.add_url(u.strip(), progress=_progress(progress))
        except Exception as exc:  # noqa: BLE001 - shown to the editor, never a traceback
            return _failed(exc, lang)
        return self._after_edit(rep, lang)

    def ui_remove(
        self, doc_id: str | None, tok: str, lang: str, request: gr.Request, progress: gr.Progress = PROGRESS
    ) -> tuple[Any, Any]:
        if refused := auth.refusal(self.guard, tok, request):
            return _refused(refused, lang)
        if not doc_id:
            return _refused("nothing_to_remove", lang)
        if self.assistant.document(doc_id) is None:
            return _refused("unknown_doc", lang)
        try:
            rep = self.assistant.remove(doc_id, progress=_progress(progress))
        except Exception as exc:  # noqa: BLE001
            return _failed(exc, lang)
        return self._after_edit(rep, lang)

    def _after_edit(self, rep: Any, lang: str) -> tuple[Any, Any]:
        return render.render_report(rep.to_dict(), lang), self.library_rows(lang)

    # --- interface language ------------------------------------------------------------------------
    def language_updates(self, lang: str, turns: list[Turn]) -> dict[str, Any]:
        """An update for every component in :func:`ui.i18n.switched`: its table texts plus its hook."""
        hooks = self.language_hooks(lang, turns or [])
        return {name: gr.update(**i18n.texts(name, lang), **hooks.get(name, {})) for name in i18n.switched()}

    def language_hooks(self, lang: str, turns: list[Turn]) -> dict[str, dict[str, Any]]:
        """What the switch changes besides text, for each component named in :data:`ui.i18n.HOOKS`."""
        partners = self.partner_choices(lang)
        return {
            "title": {"value": i18n.title_html(lang)},
            "chat": {"value": render.render_chat(turns, lang)},
            "sources": {"value": render.render_sources(turns, self.doc_texts(turns), lang)},
            "f_lang": {"choices": i18n.language_choices(lang)},
            "f_country": {"choices": partners},
            "a_country": {"choices": partners},
            "a_type": {"choices": i18n.type_choices(lang)},
            "a_region": {"choices": timeline.region_choices(lang)},
            "library_table": {"value": self.library_rows(lang)},
            "editor_intro": {"value": i18n.editor_intro(self.guard.enabled, lang)},
        }


def _refused(key: str, lang: str) -> tuple[Any, Any]:
    return render.render_message(t(key, lang), "error"), gr.update()


def _failed(exc: Exception, lang: str) -> tuple[Any, Any]:
    return render.render_message(f"{t('error', lang)}: {exc}", "error"), gr.update()


def _progress(progress: gr.Progress) -> Callable[[str, int, int], None]:
    def report(stage: str, done: int, total: int) -> None:
        progress((done, max(total, 1)), desc=stage)

    return report
