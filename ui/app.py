"""The Gradio app: chat with citations, library, agreements register and the editor's refresh tab.

Thin: every action calls the assistant service. All document and model text is
rendered through :mod:`ui.render`, which escapes it.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd
from gradio.utils import get_upload_folder
from starlette.middleware import Middleware

from assistant.app.service import Assistant, DocOutcome
from assistant.core.arguments import Filters
from assistant.core.events import TYPE_LABELS, to_csv
from assistant.core.records import Answer
from ui import render, timeline
from ui.guard import AdminGuard, EditorUploads, peer_of, remove_uploads, trusted_proxies_only
from ui.render import Turn, esc
from ui.strings import EXAMPLES, t

log = logging.getLogger("taawun.ui")
STATIC = Path(__file__).with_name("static")
API_TYPES = ["mou", "agreement", "meeting", "initiative"]
# Gradio injects a progress tracker into handlers whose parameter defaults to a gr.Progress instance.
PROGRESS = gr.Progress()
#: Gradio's cache: every 10 minutes, delete files older than an hour (uploads are deleted once indexed)
DELETE_CACHE = (600, 3600)

__all__ = ["AdminGuard", "build_app", "make_guard", "serve"]


def make_guard(assistant: Assistant) -> AdminGuard:
    return AdminGuard(assistant.settings.admin.token, assistant.settings.admin.max_failures_per_minute)


def _filters(
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


def agreements_api(
    assistant: Assistant, country: Any = "", type: Any = "", since: Any = None
) -> list[dict[str, Any]] | dict[str, str]:
    """The /agreements endpoint: records, or ``{"status": "invalid", "message": ...}`` naming a bad argument."""
    for name, value in (("country", country), ("type", type)):
        if value not in (None, "") and not isinstance(value, str):
            return {"status": "invalid", "message": f"{name}: expected text, got {value!r}"}
    year: int | None = None
    if since not in (None, ""):
        text = str(since).strip()
        if isinstance(since, bool) or not text.isdigit() or not 1900 <= int(text) <= 2100:
            return {"status": "invalid", "message": f"since: expected a year such as 2023, got {since!r}"}
        year = int(text)
    if type and type not in ("mou", "agreement", "meeting", "initiative"):
        return {"status": "invalid", "message": f"type: expected mou, agreement, meeting or initiative, got {type!r}"}
    return assistant.agreements(country=country or None, type=type or None, since=year)


def build_app(assistant: Assistant, guard: AdminGuard | None = None) -> gr.Blocks:
    settings = assistant.settings
    guard = guard or make_guard(assistant)
    max_upload = int(settings.ui.max_upload_mb * 1e6)
    allowed_ext = [e.lower() for e in settings.ingest.extensions]

    def doc_choices() -> list[tuple[str, str]]:
        return [(f"{d.doc_id} — {d.title[:60]}", d.doc_id) for d in assistant.library()]

    def partner_choices(lang: str) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for r in assistant.agreements():
            for p in r["partners"]:
                seen[p["id"]] = p["ar"] if lang == "ar" else p["en"]
        return [(t("any", lang), ""), *sorted(((v, k) for k, v in seen.items()), key=lambda x: x[0])]

    def doc_texts(turns: list[Turn]) -> dict[str, str]:
        return {c.doc_id: assistant.document_text(c.doc_id) for turn in turns for c in turn.citations}

    with gr.Blocks(title="Ta'awun — تعاون", analytics_enabled=False, delete_cache=DELETE_CACHE) as demo:
        # The interface language lives in a hidden textbox (not gr.State) so page scripts can read it.
        ui_lang = gr.Textbox("en", visible=False, elem_id="ui-lang")
        turns_state = gr.State([])
        with gr.Row(elem_id="header"):
            title = gr.HTML(
                f'<div class="app-title" data-lang="en"><h1 dir="auto">{esc(t("app_title", "en"))}</h1>'
                f'<p dir="auto">{esc(t("subtitle", "en"))}</p></div>'
            )
            lang_btn = gr.Button(t("switch_lang", "en"), elem_id="lang-switch", size="sm", scale=0)

        with gr.Tabs():
            # --- chat ------------------------------------------------------------------
            with gr.Tab(t("tab_chat", "en"), id="chat") as tab_chat, gr.Row():
                with gr.Column(scale=3):
                    chat = gr.HTML(render.render_chat([], "en"), elem_id="chat")
                    question = gr.Textbox(
                        label=t("question", "en"),
                        placeholder=t("placeholder", "en"),
                        # one line that grows to six: Gradio then sends on Enter and lets Shift+Enter add
                        # a newline (with lines > 1 it is the other way round)
                        lines=1,
                        max_lines=6,
                        elem_id="question",
                        max_length=settings.answer.max_question_chars,
                    )
                    with gr.Row():
                        ask_btn = gr.Button(t("ask", "en"), variant="primary", elem_id="ask")
                        clear_btn = gr.Button(t("clear", "en"), elem_id="clear")
                        copy_btn = gr.Button(t("copy", "en"), elem_id="copy")
                    examples = gr.Dataset(
                        components=[question],
                        samples=[[e] for e in EXAMPLES],
                        label=t("examples", "en"),
                        elem_id="examples",
                    )
                    with gr.Accordion(t("filters", "en"), open=False) as filters_box:
                        with gr.Row():
                            f_lang = gr.Dropdown(
                                [(t("any", "en"), ""), (t("lang_ar", "en"), "ar"), (t("lang_en", "en"), "en")],
                                value="",
                                label=t("f_language", "en"),
                            )
                            f_country = gr.Dropdown(partner_choices("en"), value="", label=t("f_country", "en"))
                        f_docs = gr.Dropdown(
                            doc_choices(), multiselect=True, label=t("f_documents", "en"), elem_id="f-docs"
                        )
                        with gr.Row():
                            f_from = gr.Textbox(label=t("f_from", "en"), max_length=10)
                            f_to = gr.Textbox(label=t("f_to", "en"), max_length=10)
                with gr.Column(scale=2):
                    sources = gr.HTML(render.render_sources([], {}, "en"), elem_id="sources")

            # --- library -------------------------------------------------------------------
            with gr.Tab(t("tab_library", "en"), id="library") as tab_library:
                library_intro = gr.Markdown(t("library_intro", "en"))
                library_table = gr.Dataframe(
                    headers=["doc_id", "title", "language", "date", "chunks", "translation"],
                    interactive=False,
                    wrap=True,
                    elem_id="library-table",
                )
                with gr.Row():
                    doc_pick = gr.Dropdown(doc_choices(), label=t("open_doc", "en"), elem_id="doc-pick")
                    reload_btn = gr.Button(t("refresh_list", "en"), size="sm", scale=0)
                doc_view = gr.HTML(elem_id="doc-view")

            # --- agreements ------------------------------------------------------------------
            with gr.Tab(t("tab_agreements", "en"), id="agreements") as tab_agreements:
                agreements_intro = gr.Markdown(t("agreements_intro", "en"))
                with gr.Row():
                    a_country = gr.Dropdown(partner_choices("en"), value="", label=t("f_country", "en"))
                    a_type = gr.Dropdown(
                        [(t("any", "en"), "")] + [(TYPE_LABELS["en"][x], x) for x in API_TYPES],
                        value="",
                        label=t("type", "en"),
                    )
                    a_since = gr.Number(label=t("since", "en"), precision=0, value=None)
                    a_region = gr.Dropdown(
                        timeline.region_choices("en"), value="", label=t("region", "en"), elem_id="a-region"
                    )
                chart = gr.BarPlot(
                    pd.DataFrame([], columns=timeline.COLUMNS),
                    x="year",
                    y="records",
                    color="type",
                    y_aggregate="sum",
                    sort="x",
                    label=t("timeline", "en"),
                    x_title=t("year", "en"),
                    y_title=t("records", "en"),
                    color_title=t("type", "en"),
                    height=320,
                    elem_id="timeline",
                )
                with gr.Row():
                    a_year = gr.Dropdown([(t("any", "en"), "")], value="", label=t("year", "en"), elem_id="a-year")
                a_year_records = gr.HTML(timeline.records_html([], "", "en"), elem_id="timeline-records")
                a_table = gr.Dataframe(
                    headers=["type", "partner", "date", "people", "topics", "document"],
                    interactive=False,
                    wrap=True,
                    elem_id="agreements-table",
                )
                a_row = gr.Number(label=t("row_evidence", "en"), precision=0, value=0, minimum=0)
                a_evidence = gr.HTML(elem_id="agreement-evidence")
                a_csv_btn = gr.Button(t("export_csv", "en"), size="sm")
                a_csv = gr.File(label="CSV", interactive=False)

            # --- editor ----------------------------------------------------------------------
            with gr.Tab(t("tab_editor", "en"), id="editor") as tab_editor:
                editor_intro = gr.Markdown(t("editor_intro", "en") if guard.enabled else t("editor_disabled", "en"))
                token = gr.Textbox(
                    label=t("admin_token", "en"), type="password", interactive=guard.enabled, elem_id="token"
                )
                upload = gr.File(
                    label=t("upload", "en"),
                    file_count="multiple",
                    file_types=allowed_ext,
                    interactive=guard.enabled,
                    elem_id="upload",
                )
                add_btn = gr.Button(t("add_files", "en"), interactive=guard.enabled, elem_id="add-files")
                url = gr.Textbox(label=t("url", "en"), interactive=guard.enabled, elem_id="url")
                fetch_btn = gr.Button(t("fetch", "en"), interactive=guard.enabled, elem_id="fetch")
                with gr.Row():
                    remove_pick = gr.Dropdown(
                        doc_choices(), label=t("remove_doc", "en"), interactive=guard.enabled, elem_id="remove-pick"
                    )
                    remove_btn = gr.Button(
                        t("remove", "en"), variant="stop", interactive=guard.enabled, scale=0, elem_id="remove"
                    )
                report = gr.HTML(elem_id="report")

        # --- handlers ------------------------------------------------------------------------
        def ui_ask(q: str, turns: list[Turn], lang: str, fl: str, fd: list[str], fs: str, fu: str, fc: str):  # noqa: ANN202
            turns = list(turns or [])
            if not (q or "").strip():
                return
            history = [(x.question, x.answer) for x in turns if not x.abstained]
            turn = Turn(q, pending=True, language=lang)
            turns.append(turn)
            yield render.render_chat(turns, lang), gr.update(), turns, ""
            last = 0.0
            for item in assistant.stream(q, history, _filters(fl, fd, fs, fu, fc)):
                if isinstance(item, Answer):
                    turns[-1] = Turn.from_answer(item)
                    yield (
                        render.render_chat(turns, lang),
                        render.render_sources(turns, doc_texts(turns), lang),
                        turns,
                        "",
                    )
                else:
                    turn.answer += item
                    if time.monotonic() - last > 0.05:
                        last = time.monotonic()
                        yield render.render_chat(turns, lang), gr.update(), turns, ""

        ask_inputs = [question, turns_state, ui_lang, f_lang, f_docs, f_from, f_to, f_country]
        ask_outputs = [chat, sources, turns_state, question]
        ask_btn.click(ui_ask, ask_inputs, ask_outputs, api_visibility="private", concurrency_limit=4)
        question.submit(ui_ask, ask_inputs, ask_outputs, api_visibility="private", concurrency_limit=4)
        examples.click(lambda x: x[0], examples, question, api_visibility="private")

        def ui_clear(lang: str):  # noqa: ANN202
            return render.render_chat([], lang), render.render_sources([], {}, lang), []

        clear_btn.click(ui_clear, ui_lang, [chat, sources, turns_state], api_visibility="private")
        copy_btn.click(None, None, None, js="() => { window.taawunCopy && window.taawunCopy(); }")

        def library_rows(lang: str) -> list[list[Any]]:
            return [
                [
                    d.doc_id,
                    d.title,
                    t(f"lang_{d.language}", lang),
                    d.date or ", ".join(d.dates),
                    d.chunks,
                    d.translation_of or "",
                ]
                for d in assistant.library()
            ]

        def open_doc(doc_id: str | None, lang: str) -> str:
            d = assistant.document(doc_id) if doc_id else None
            if d is None:
                return ""
            dates = ", ".join(sorted({x["value"] for x in d.dates}))
            meta = [d.source, t(f"lang_{d.language}", lang), dates]
            if d.translation_of:
                meta.append(f"{t('translation', lang)}: {d.translation_of}")
            return render.render_document(d.title, d.text, [m for m in meta if m])

        doc_pick.change(open_doc, [doc_pick, ui_lang], doc_view, api_visibility="private")

        # The three document lists are built when the server starts; every page load, tab visit and edit
        # refreshes them, and drops a chosen document that is gone (else Gradio refuses the next event
        # with its raw "not in the list of choices").
        doc_lists = [doc_pick, f_docs, remove_pick]

        def refresh_doc_lists(pick: str | None, docs: list[str] | None, rem: str | None) -> tuple[Any, ...]:
            choices = doc_choices()
            ids = {v for _, v in choices}
            return (
                gr.update(choices=choices, value=pick if pick in ids else None),
                gr.update(choices=choices, value=[d for d in docs or [] if d in ids]),
                gr.update(choices=choices, value=rem if rem in ids else None),
            )

        reload_btn.click(library_rows, ui_lang, library_table, api_visibility="private").then(
            refresh_doc_lists, doc_lists, doc_lists, api_visibility="private"
        )
        for tab in (tab_chat, tab_library, tab_editor):
            tab.select(refresh_doc_lists, doc_lists, doc_lists, api_visibility="private")

        def agreement_rows(country: str, typ: str, since: float | None, region: str | None) -> list[dict[str, Any]]:
            rows = assistant.agreements(country=country or None, type=typ or None, since=int(since) if since else None)
            return timeline.filter_records(rows, region or None, None)

        def agreements_view(  # noqa: ANN202
            country: str, typ: str, since: float | None, region: str | None, row: float | None, lang: str
        ):
            rows = agreement_rows(country, typ, since, region)
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
            ev = ""
            if rows:
                r = rows[min(max(int(row or 0), 0), len(rows) - 1)]
                items = "".join(
                    # a merged event's evidence comes from every document reporting it
                    f'<li dir="auto"><span class="meta">{esc(e["doc_id"])} {e["start"]}–{e["end"]}</span> '
                    f'<mark dir="auto">{esc(assistant.document_text(e["doc_id"])[e["start"] : e["end"]])}</mark></li>'
                    for e in r["evidence"]
                )
                ev = f'<div class="evidence"><h4 dir="auto">{esc(r["summary"])}</h4><ol>{items}</ol></div>'
            return table, ev

        a_inputs = [a_country, a_type, a_since, a_region, a_row, ui_lang]
        for comp in (a_country, a_type, a_since, a_region, a_row):
            comp.change(agreements_view, a_inputs, [a_table, a_evidence], api_visibility="private")

        # --- the timeline: the register's records per year, stacked by type (partner, region, since) ---------
        t_inputs = [a_country, a_since, a_region, ui_lang]

        def timeline_view(country: str, since: float | None, region: str | None, lang: str) -> tuple[Any, Any]:
            rows = agreement_rows(country, "", since, region)
            chart_update = gr.update(
                value=timeline.frame(rows, lang),
                label=t("timeline", lang),
                x_title=t("year", lang),
                y_title=t("records", lang),
                color_title=t("type", lang),
            )
            return chart_update, gr.update(choices=timeline.year_choices(rows, lang), value="", label=t("year", lang))

        def year_records(year: str, country: str, since: float | None, region: str | None, lang: str) -> str:
            return timeline.records_html(agreement_rows(country, "", since, region), year or "", lang)

        def chart_selected(evt: gr.SelectData, lang: str) -> Any:
            # the chart's selection moves the year list, which then lists that year's records
            return gr.update(value=timeline.selected_year(evt.value, lang))

        for comp in (a_country, a_since, a_region):
            comp.change(timeline_view, t_inputs, [chart, a_year], api_visibility="private")
        chart.select(chart_selected, ui_lang, a_year, api_visibility="private")
        a_year.change(year_records, [a_year, *t_inputs], a_year_records, api_visibility="private")

        def export_csv(country: str, typ: str, since: float | None, region: str | None, lang: str) -> str:
            rows = agreement_rows(country, typ, since, region)
            with tempfile.NamedTemporaryFile(
                "w", suffix=".csv", prefix="taawun-agreements-", delete=False, encoding="utf-8-sig"
            ) as f:
                f.write(to_csv(rows))
            return f.name

        a_csv_btn.click(export_csv, [a_country, a_type, a_since, a_region, ui_lang], a_csv, api_visibility="private")

        # --- editor ----------------------------------------------------------------------------
        def _refused(key: str, lang: str) -> tuple[Any, Any]:
            return render.render_message(t(key, lang), "error"), gr.update()

        def _failed(exc: Exception, lang: str) -> tuple[Any, Any]:
            return render.render_message(f"{t('error', lang)}: {exc}", "error"), gr.update()

        def _after_edit(rep: Any, lang: str) -> tuple[Any, Any]:
            return render.render_report(rep.to_dict(), lang), library_rows(lang)

        def _progress(progress: gr.Progress):  # noqa: ANN202
            def cb(stage: str, done: int, total: int) -> None:
                progress((done, max(total, 1)), desc=stage)

            return cb

        edit_outputs = [report, library_table]

        def ui_add_files(
            files: list[str] | None, tok: str, lang: str, request: gr.Request, progress: gr.Progress = PROGRESS
        ) -> tuple[Any, ...]:
            refused = guard.check(tok, peer_of(request))
            if refused:
                return _refused(refused, lang)
            if not files:
                return _refused("nothing_to_add", lang)
            items: list[tuple[str, bytes]] = []
            oversize: list[str] = []
            for f in files:
                p = Path(f)
                if p.stat().st_size > max_upload:
                    oversize.append(p.name)
                else:
                    items.append((p.name, p.read_bytes()))
            # the bytes are in memory now; the cached copies would only be there for others to fetch
            remove_uploads(files, [Path(get_upload_folder())])
            try:
                rep = assistant.add_files(items, progress=_progress(progress))
            except Exception as exc:  # noqa: BLE001 - shown to the editor (e.g. another refresh is running)
                return _failed(exc, lang)
            for name in oversize:
                rep.documents.append(
                    DocOutcome(name, "skipped", reason=f"over the {settings.ui.max_upload_mb:.0f} MB upload limit")
                )
            return _after_edit(rep, lang)

        def ui_fetch(u: str, tok: str, lang: str, request: gr.Request, progress: gr.Progress = PROGRESS):  # noqa: ANN202
            refused = guard.check(tok, peer_of(request))
            if refused:
                return _refused(refused, lang)
            if not (u or "").strip():
                return _refused("enter_url", lang)
            try:
                rep = assistant.add_url(u.strip(), progress=_progress(progress))
            except Exception as exc:  # noqa: BLE001 - shown to the editor, never a traceback
                return _failed(exc, lang)
            return _after_edit(rep, lang)

        def ui_remove(
            doc_id: str | None, tok: str, lang: str, request: gr.Request, progress: gr.Progress = PROGRESS
        ) -> tuple[Any, ...]:
            refused = guard.check(tok, peer_of(request))
            if refused:
                return _refused(refused, lang)
            if not doc_id:
                return _refused("nothing_to_remove", lang)
            if assistant.document(doc_id) is None:
                return _refused("unknown_doc", lang)
            try:
                rep = assistant.remove(doc_id, progress=_progress(progress))
            except Exception as exc:  # noqa: BLE001
                return _failed(exc, lang)
            return _after_edit(rep, lang)

        for btn, fn, inputs in (
            (add_btn, ui_add_files, [upload, token, ui_lang]),
            (fetch_btn, ui_fetch, [url, token, ui_lang]),
            (remove_btn, ui_remove, [remove_pick, token, ui_lang]),
        ):
            # every edit (even a refused one: another client may have edited) refreshes what lists documents
            btn.click(fn, inputs, edit_outputs, api_visibility="private", concurrency_limit=1).then(
                refresh_doc_lists, doc_lists, doc_lists, api_visibility="private"
            ).then(agreements_view, a_inputs, [a_table, a_evidence], api_visibility="private").then(
                timeline_view, t_inputs, [chart, a_year], api_visibility="private"
            )

        # --- interface language ------------------------------------------------------------
        def apply_lang(lang: str, turns: list[Turn]):  # noqa: ANN202
            lang = "ar" if str(lang).lower().startswith("ar") else "en"
            turns = turns or []
            return [
                lang,
                f'<div class="app-title" data-lang="{lang}"><h1 dir="auto">{esc(t("app_title", lang))}</h1>'
                f'<p dir="auto">{esc(t("subtitle", lang))}</p></div>',
                gr.update(value=t("switch_lang", lang)),
                gr.update(label=t("tab_chat", lang)),
                gr.update(label=t("tab_library", lang)),
                gr.update(label=t("tab_agreements", lang)),
                gr.update(label=t("tab_editor", lang)),
                render.render_chat(turns, lang),
                render.render_sources(turns, doc_texts(turns), lang),
                gr.update(label=t("question", lang), placeholder=t("placeholder", lang)),
                gr.update(value=t("ask", lang)),
                gr.update(value=t("clear", lang)),
                gr.update(value=t("copy", lang)),
                gr.update(label=t("examples", lang)),
                gr.update(label=t("filters", lang)),
                gr.update(
                    label=t("f_language", lang),
                    choices=[(t("any", lang), ""), (t("lang_ar", lang), "ar"), (t("lang_en", lang), "en")],
                ),
                gr.update(label=t("f_country", lang), choices=partner_choices(lang)),
                gr.update(label=t("f_documents", lang)),
                gr.update(label=t("f_from", lang)),
                gr.update(label=t("f_to", lang)),
                t("library_intro", lang),
                library_rows(lang),
                gr.update(label=t("open_doc", lang)),
                gr.update(value=t("refresh_list", lang)),
                t("agreements_intro", lang),
                gr.update(label=t("f_country", lang), choices=partner_choices(lang)),
                gr.update(
                    label=t("type", lang),
                    choices=[(t("any", lang), "")] + [(TYPE_LABELS[lang][x], x) for x in API_TYPES],
                ),
                gr.update(label=t("since", lang)),
                gr.update(label=t("region", lang), choices=timeline.region_choices(lang)),
                gr.update(label=t("row_evidence", lang)),
                gr.update(value=t("export_csv", lang)),
                t("editor_intro", lang) if guard.enabled else t("editor_disabled", lang),
                gr.update(label=t("admin_token", lang)),
                gr.update(label=t("upload", lang)),
                gr.update(value=t("add_files", lang)),
                gr.update(label=t("url", lang)),
                gr.update(value=t("fetch", lang)),
                gr.update(label=t("remove_doc", lang)),
                gr.update(value=t("remove", lang)),
            ]

        lang_outputs = [
            ui_lang,
            title,
            lang_btn,
            tab_chat,
            tab_library,
            tab_agreements,
            tab_editor,
            chat,
            sources,
            question,
            ask_btn,
            clear_btn,
            copy_btn,
            examples,
            filters_box,
            f_lang,
            f_country,
            f_docs,
            f_from,
            f_to,
            library_intro,
            library_table,
            doc_pick,
            reload_btn,
            agreements_intro,
            a_country,
            a_type,
            a_since,
            a_region,
            a_row,
            a_csv_btn,
            editor_intro,
            token,
            upload,
            add_btn,
            url,
            fetch_btn,
            remove_pick,
            remove_btn,
        ]
        # The page direction follows the title's data-lang (see static/app.js).
        demo.load(
            apply_lang,
            [ui_lang, turns_state],
            lang_outputs,
            api_visibility="private",
            js="(lang, turns) => [(navigator.language || 'en').toLowerCase().startsWith('ar') ? 'ar' : 'en', turns]",
        ).then(agreements_view, a_inputs, [a_table, a_evidence], api_visibility="private").then(
            refresh_doc_lists, doc_lists, doc_lists, api_visibility="private"
        ).then(timeline_view, t_inputs, [chart, a_year], api_visibility="private")
        lang_btn.click(
            apply_lang,
            [ui_lang, turns_state],
            lang_outputs,
            api_visibility="private",
            js="(lang, turns) => [lang === 'ar' ? 'en' : 'ar', turns]",
        ).then(agreements_view, a_inputs, [a_table, a_evidence], api_visibility="private").then(
            timeline_view, t_inputs, [chart, a_year], api_visibility="private"
        )

        # --- the API (stable names, exercised with gradio_client) -----------------------------
        def api_ask(
            question: str,
            history: list[list[str]] | None = None,
            language: str = "",
            doc_ids: list[str] | None = None,
            date_from: str = "",
            date_to: str = "",
            country: str = "",
        ) -> dict[str, Any]:
            """Answer a question from the sources; returns the same JSON object as `taawun ask --json`."""
            hist = [(h[0], h[1]) for h in (history or []) if isinstance(h, (list, tuple)) and len(h) >= 2]
            ans = assistant.ask(question or "", hist, _filters(language, doc_ids, date_from, date_to, country))
            out = ans.contract()
            out["status"] = ans.status
            return out

        def api_agreements(
            country: str = "", type: str = "", since: int | str | None = None
        ) -> list[dict[str, Any]] | dict[str, str]:
            """Register records (MoUs, agreements, meetings, initiatives) with their evidence."""
            return agreements_api(assistant, country, type, since)

        def api_library() -> list[dict[str, Any]]:
            """The indexed documents."""
            return [asdict(d) for d in assistant.library()]

        def api_document(doc_id: str) -> dict[str, Any]:
            """One document's metadata and text."""
            d = assistant.document(doc_id)
            return {} if d is None else {k: v for k, v in asdict(d).items() if k != "content_hash"}

        gr.api(api_ask, api_name="ask", concurrency_limit=4)
        gr.api(api_agreements, api_name="agreements")
        gr.api(api_library, api_name="library")
        gr.api(api_document, api_name="document")
    return demo


def theme() -> gr.themes.Base:
    # Local font stacks only: the default theme would fetch web fonts from the internet.
    fonts = ["Noto Naskh Arabic", "Noto Sans Arabic", "DejaVu Sans", "system-ui", "sans-serif"]
    return gr.themes.Soft(font=fonts, font_mono=["DejaVu Sans Mono", "monospace"], primary_hue="teal")


def launch_kwargs() -> dict[str, Any]:
    return {
        "theme": theme(),
        "css": (STATIC / "app.css").read_text(encoding="utf-8"),
        "head": f"<script>{(STATIC / 'app.js').read_text(encoding='utf-8')}</script>",
        "ssr_mode": False,
        "footer_links": ["api"],
    }


def launch(demo: gr.Blocks, guard: AdminGuard, trusted_proxies: list[str], **kwargs: Any) -> None:
    """Launch ``demo`` with the upload gate in front of Gradio's routes and only trusted proxies believed."""
    middleware = [Middleware(EditorUploads, guard=guard, uploaded=lambda: set(demo.upload_file_set))]
    with trusted_proxies_only(trusted_proxies):
        demo.launch(app_kwargs={"middleware": middleware}, **kwargs)


def serve(assistant: Assistant, host: str = "127.0.0.1", port: int = 7860, *, block: bool = True) -> gr.Blocks:
    """Serve the app; with ``block=False`` return at once (the caller closes it with ``.close()``)."""
    assistant.warm_up()
    guard = make_guard(assistant)
    demo = build_app(assistant, guard)
    demo.queue(default_concurrency_limit=4, max_size=256)
    launch(
        demo,
        guard,
        assistant.settings.ui.trusted_proxies,
        server_name=host,
        server_port=port,
        prevent_thread_lock=not block,
        max_file_size=int(assistant.settings.ui.max_upload_mb * 1e6),
        show_error=False,
        **launch_kwargs(),
    )
    return demo
