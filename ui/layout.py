"""The page's components, built inside a ``gr.Blocks`` and returned as one typed container.

No handler is attached here (see :mod:`ui.events`). Every translated attribute comes from
:data:`ui.i18n.TEXTS`, rendered in English; the page load switches to the browser's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr
import pandas as pd

from assistant.core.settings import Settings
from ui import i18n, render, timeline
from ui.i18n import texts
from ui.strings import EXAMPLES, t

Choices = list[tuple[str, str]]
FIRST = "en"  # the language of the first render


@dataclass(frozen=True)
class Layout:
    ui_lang: gr.Textbox
    turns_state: gr.State
    title: gr.HTML
    lang_btn: gr.Button
    # chat
    tab_chat: gr.Tab
    chat: gr.HTML
    question: gr.Textbox
    ask_btn: gr.Button
    clear_btn: gr.Button
    copy_btn: gr.Button
    examples: gr.Dataset
    filters_box: gr.Accordion
    f_lang: gr.Dropdown
    f_country: gr.Dropdown
    f_docs: gr.Dropdown
    f_from: gr.Textbox
    f_to: gr.Textbox
    sources: gr.HTML
    # library
    tab_library: gr.Tab
    library_intro: gr.Markdown
    library_table: gr.Dataframe
    doc_pick: gr.Dropdown
    reload_btn: gr.Button
    doc_view: gr.HTML
    # agreements
    tab_agreements: gr.Tab
    agreements_intro: gr.Markdown
    a_country: gr.Dropdown
    a_type: gr.Dropdown
    a_since: gr.Number
    a_region: gr.Dropdown
    chart: gr.BarPlot
    a_year: gr.Dropdown
    a_year_records: gr.HTML
    a_table: gr.Dataframe
    a_row: gr.Number
    a_evidence: gr.HTML
    a_csv_btn: gr.Button
    a_csv: gr.File
    # editor
    tab_editor: gr.Tab
    editor_intro: gr.Markdown
    token: gr.Textbox
    upload: gr.File
    add_btn: gr.Button
    url: gr.Textbox
    fetch_btn: gr.Button
    remove_pick: gr.Dropdown
    remove_btn: gr.Button
    report: gr.HTML


def build_layout(settings: Settings, editing: bool, docs: Choices, partners: Choices) -> Layout:
    """The components, inside the current ``gr.Blocks``; ``docs`` and ``partners`` are the initial choices."""
    # The interface language lives in a hidden textbox (not gr.State) so page scripts can read it.
    parts: dict[str, Any] = {
        "ui_lang": gr.Textbox(FIRST, visible=False, elem_id="ui-lang"),
        "turns_state": gr.State([]),
    }
    with gr.Row(elem_id="header"):
        parts["title"] = gr.HTML(i18n.title_html(FIRST))
        parts["lang_btn"] = gr.Button(**texts("lang_btn", FIRST), elem_id="lang-switch", size="sm", scale=0)
    with gr.Tabs():
        parts |= _chat_tab(settings, docs, partners)
        parts |= _library_tab(docs)
        parts |= _agreements_tab(partners)
        parts |= _editor_tab(settings, editing, docs)
    return Layout(**parts)


def _chat_tab(settings: Settings, docs: Choices, partners: Choices) -> dict[str, Any]:
    c: dict[str, Any] = {}
    with gr.Tab(**texts("tab_chat", FIRST), id="chat") as c["tab_chat"], gr.Row():
        with gr.Column(scale=3):
            c["chat"] = gr.HTML(render.render_chat([], FIRST), elem_id="chat")
            c["question"] = gr.Textbox(
                **texts("question", FIRST),
                # one line that grows to six: Gradio then sends on Enter and lets Shift+Enter add
                # a newline (with lines > 1 it is the other way round)
                lines=1,
                max_lines=6,
                elem_id="question",
                max_length=settings.answer.max_question_chars,
            )
            with gr.Row():
                c["ask_btn"] = gr.Button(**texts("ask_btn", FIRST), variant="primary", elem_id="ask")
                c["clear_btn"] = gr.Button(**texts("clear_btn", FIRST), elem_id="clear")
                c["copy_btn"] = gr.Button(**texts("copy_btn", FIRST), elem_id="copy")
            c["examples"] = gr.Dataset(
                components=[c["question"]],
                samples=[[e] for e in EXAMPLES],
                **texts("examples", FIRST),
                elem_id="examples",
            )
            with gr.Accordion(**texts("filters_box", FIRST), open=False) as c["filters_box"]:
                with gr.Row():
                    c["f_lang"] = gr.Dropdown(choices=i18n.language_choices(FIRST), value="", **texts("f_lang", FIRST))
                    c["f_country"] = gr.Dropdown(choices=partners, value="", **texts("f_country", FIRST))
                c["f_docs"] = gr.Dropdown(choices=docs, multiselect=True, **texts("f_docs", FIRST), elem_id="f-docs")
                with gr.Row():
                    c["f_from"] = gr.Textbox(**texts("f_from", FIRST), max_length=10)
                    c["f_to"] = gr.Textbox(**texts("f_to", FIRST), max_length=10)
        with gr.Column(scale=2):
            c["sources"] = gr.HTML(render.render_sources([], {}, FIRST), elem_id="sources")
    return c


def _library_tab(docs: Choices) -> dict[str, Any]:
    c: dict[str, Any] = {}
    with gr.Tab(**texts("tab_library", FIRST), id="library") as c["tab_library"]:
        c["library_intro"] = gr.Markdown(**texts("library_intro", FIRST))
        c["library_table"] = gr.Dataframe(
            headers=["doc_id", "title", "language", "date", "chunks", "translation"],
            interactive=False,
            wrap=True,
            elem_id="library-table",
        )
        with gr.Row():
            c["doc_pick"] = gr.Dropdown(choices=docs, **texts("doc_pick", FIRST), elem_id="doc-pick")
            c["reload_btn"] = gr.Button(**texts("reload_btn", FIRST), size="sm", scale=0)
        c["doc_view"] = gr.HTML(elem_id="doc-view")
    return c


def _agreements_tab(partners: Choices) -> dict[str, Any]:
    c: dict[str, Any] = {}
    with gr.Tab(**texts("tab_agreements", FIRST), id="agreements") as c["tab_agreements"]:
        c["agreements_intro"] = gr.Markdown(**texts("agreements_intro", FIRST))
        with gr.Row():
            c["a_country"] = gr.Dropdown(choices=partners, value="", **texts("a_country", FIRST))
            c["a_type"] = gr.Dropdown(choices=i18n.type_choices(FIRST), value="", **texts("a_type", FIRST))
            c["a_since"] = gr.Number(**texts("a_since", FIRST), precision=0, value=None)
            c["a_region"] = gr.Dropdown(
                choices=timeline.region_choices(FIRST), value="", **texts("a_region", FIRST), elem_id="a-region"
            )
        c["chart"] = gr.BarPlot(
            pd.DataFrame([], columns=timeline.COLUMNS),
            x="year",
            y="records",
            color="type",
            y_aggregate="sum",
            sort="x",
            **texts("chart", FIRST),
            height=320,
            elem_id="timeline",
        )
        with gr.Row():
            c["a_year"] = gr.Dropdown(
                choices=[(t("any", FIRST), "")], value="", **texts("a_year", FIRST), elem_id="a-year"
            )
        c["a_year_records"] = gr.HTML(timeline.records_html([], "", FIRST), elem_id="timeline-records")
        c["a_table"] = gr.Dataframe(
            headers=["type", "partner", "date", "people", "topics", "document"],
            interactive=False,
            wrap=True,
            elem_id="agreements-table",
        )
        c["a_row"] = gr.Number(**texts("a_row", FIRST), precision=0, value=0, minimum=0)
        c["a_evidence"] = gr.HTML(elem_id="agreement-evidence")
        c["a_csv_btn"] = gr.Button(**texts("a_csv_btn", FIRST), size="sm")
        c["a_csv"] = gr.File(label="CSV", interactive=False)
    return c


def _editor_tab(settings: Settings, editing: bool, docs: Choices) -> dict[str, Any]:
    c: dict[str, Any] = {}
    with gr.Tab(**texts("tab_editor", FIRST), id="editor") as c["tab_editor"]:
        c["editor_intro"] = gr.Markdown(i18n.editor_intro(editing, FIRST))
        c["token"] = gr.Textbox(**texts("token", FIRST), type="password", interactive=editing, elem_id="token")
        c["upload"] = gr.File(
            **texts("upload", FIRST),
            file_count="multiple",
            file_types=[e.lower() for e in settings.ingest.extensions],
            interactive=editing,
            elem_id="upload",
        )
        c["add_btn"] = gr.Button(**texts("add_btn", FIRST), interactive=editing, elem_id="add-files")
        c["url"] = gr.Textbox(**texts("url", FIRST), interactive=editing, elem_id="url")
        c["fetch_btn"] = gr.Button(**texts("fetch_btn", FIRST), interactive=editing, elem_id="fetch")
        with gr.Row():
            c["remove_pick"] = gr.Dropdown(
                choices=docs, **texts("remove_pick", FIRST), interactive=editing, elem_id="remove-pick"
            )
            c["remove_btn"] = gr.Button(
                **texts("remove_btn", FIRST), variant="stop", interactive=editing, scale=0, elem_id="remove"
            )
        c["report"] = gr.HTML(elem_id="report")
    return c
