"""Which component's event calls which handler, with which inputs and outputs.

Every UI event is private (``api_visibility="private"``): the public API is :mod:`ui.api`.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from ui import i18n
from ui.handlers import Handlers
from ui.layout import Layout

PRIVATE: dict[str, Any] = {"api_visibility": "private"}
#: the browser's language on page load; the other language on the switch button
LOAD_LANG_JS = "(lang, turns) => [(navigator.language || 'en').toLowerCase().startsWith('ar') ? 'ar' : 'en', turns]"
SWITCH_LANG_JS = "(lang, turns) => [lang === 'ar' ? 'en' : 'ar', turns]"


class Views:
    """The (handler, inputs, outputs) triples that several events re-run after their own work."""

    def __init__(self, ui: Layout, h: Handlers) -> None:
        # The three document lists are built when the server starts; every page load, tab visit and edit
        # refreshes them, and drops a chosen document that is gone (else Gradio refuses the next event
        # with its raw "not in the list of choices").
        lists = [ui.doc_pick, ui.f_docs, ui.remove_pick]
        self.doc_lists = (h.refresh_doc_lists, lists, lists)
        self.agreements = (
            h.agreements_view,
            [ui.a_country, ui.a_type, ui.a_since, ui.a_region, ui.a_row, ui.ui_lang],
            [ui.a_table, ui.a_evidence],
        )
        self.timeline_inputs = [ui.a_country, ui.a_since, ui.a_region, ui.ui_lang]
        self.timeline = (h.timeline_view, self.timeline_inputs, [ui.chart, ui.a_year, ui.a_year_records])


def wire(ui: Layout, h: Handlers, demo: gr.Blocks) -> None:
    views = Views(ui, h)
    _chat(ui, h)
    _library(ui, h, views)
    _agreements(ui, h, views)
    _editor(ui, h, views)
    _language(ui, h, views, demo)


def _chat(ui: Layout, h: Handlers) -> None:
    inputs = [ui.question, ui.turns_state, ui.ui_lang, ui.f_lang, ui.f_docs, ui.f_from, ui.f_to, ui.f_country]
    outputs = [ui.chat, ui.sources, ui.turns_state, ui.question]
    ui.ask_btn.click(h.ui_ask, inputs, outputs, concurrency_limit=4, **PRIVATE)
    ui.question.submit(h.ui_ask, inputs, outputs, concurrency_limit=4, **PRIVATE)
    ui.examples.click(lambda x: x[0], ui.examples, ui.question, **PRIVATE)
    ui.clear_btn.click(h.ui_clear, ui.ui_lang, [ui.chat, ui.sources, ui.turns_state], **PRIVATE)
    ui.copy_btn.click(None, None, None, js="() => { window.taawunCopy && window.taawunCopy(); }")


def _library(ui: Layout, h: Handlers, views: Views) -> None:
    ui.doc_pick.change(h.open_doc, [ui.doc_pick, ui.ui_lang], ui.doc_view, **PRIVATE)
    ui.reload_btn.click(h.library_rows, ui.ui_lang, ui.library_table, **PRIVATE).then(*views.doc_lists, **PRIVATE)
    for tab in (ui.tab_chat, ui.tab_library, ui.tab_editor):
        tab.select(*views.doc_lists, **PRIVATE)


def _agreements(ui: Layout, h: Handlers, views: Views) -> None:
    for comp in (ui.a_country, ui.a_type, ui.a_since, ui.a_region, ui.a_row):
        comp.change(*views.agreements, **PRIVATE)
    # the timeline: the register's records per year, stacked by type (partner, region, since)
    for comp in (ui.a_country, ui.a_since, ui.a_region):
        comp.change(*views.timeline, **PRIVATE)
    ui.chart.select(h.chart_selected, ui.ui_lang, ui.a_year, **PRIVATE)
    ui.a_year.change(h.year_records, [ui.a_year, *views.timeline_inputs], ui.a_year_records, **PRIVATE)
    csv_inputs = [ui.a_country, ui.a_type, ui.a_since, ui.a_region, ui.ui_lang]
    ui.a_csv_btn.click(h.export_csv, csv_inputs, ui.a_csv, **PRIVATE)


def _editor(ui: Layout, h: Handlers, views: Views) -> None:
    for btn, fn, inputs in (
        (ui.add_btn, h.ui_add_files, [ui.upload, ui.token, ui.ui_lang]),
        (ui.fetch_btn, h.ui_fetch, [ui.url, ui.token, ui.ui_lang]),
        (ui.remove_btn, h.ui_remove, [ui.remove_pick, ui.token, ui.ui_lang]),
    ):
        # every edit (even a refused one: another client may have edited) refreshes what lists documents
        btn.click(fn, inputs, [ui.report, ui.library_table], concurrency_limit=1, **PRIVATE).then(
            *views.doc_lists, **PRIVATE
        ).then(*views.agreements, **PRIVATE).then(*views.timeline, **PRIVATE)


def _language(ui: Layout, h: Handlers, views: Views, demo: gr.Blocks) -> None:
    names = i18n.switched()
    outputs = [ui.ui_lang, *(getattr(ui, n) for n in names)]

    def apply_lang(lang: str, turns: list[Any]) -> list[Any]:
        lang = i18n.normalise(lang)
        updates = h.language_updates(lang, turns)
        return [lang, *(updates[n] for n in names)]

    inputs = [ui.ui_lang, ui.turns_state]
    # The page direction follows the title's data-lang (see static/app.js).
    demo.load(apply_lang, inputs, outputs, js=LOAD_LANG_JS, **PRIVATE).then(*views.agreements, **PRIVATE).then(
        *views.doc_lists, **PRIVATE
    ).then(*views.timeline, **PRIVATE)
    ui.lang_btn.click(apply_lang, inputs, outputs, js=SWITCH_LANG_JS, **PRIVATE).then(
        *views.agreements, **PRIVATE
    ).then(*views.timeline, **PRIVATE)
