"""Which interface text goes where: one table read by the first render and by the language switch.

A label added to :data:`TEXTS` is rendered in English when the page is built and re-translated on every
switch; it cannot be translated in one place and forgotten in the other. The few components whose
language update is more than text (choices, re-rendered HTML, rows) are named in :data:`HOOKS`; their
updates come from ``Handlers.language_hooks``. The chart and its year list take their texts from the
table too, but through the timeline view (:data:`SET_BY_VIEWS`).
"""

from __future__ import annotations

from typing import Any

from assistant.core.events import TYPE_LABELS
from ui.render import esc
from ui.strings import t

#: (component, attribute, message key); the component is a field of :class:`ui.layout.Layout`
TEXTS: tuple[tuple[str, str, str], ...] = (
    ("lang_btn", "value", "switch_lang"),
    ("tab_chat", "label", "tab_chat"),
    ("tab_library", "label", "tab_library"),
    ("tab_agreements", "label", "tab_agreements"),
    ("tab_editor", "label", "tab_editor"),
    ("question", "label", "question"),
    ("question", "placeholder", "placeholder"),
    ("ask_btn", "value", "ask"),
    ("clear_btn", "value", "clear"),
    ("copy_btn", "value", "copy"),
    ("examples", "label", "examples"),
    ("filters_box", "label", "filters"),
    ("f_lang", "label", "f_language"),
    ("f_country", "label", "f_country"),
    ("f_docs", "label", "f_documents"),
    ("f_from", "label", "f_from"),
    ("f_to", "label", "f_to"),
    ("library_intro", "value", "library_intro"),
    ("doc_pick", "label", "open_doc"),
    ("reload_btn", "value", "refresh_list"),
    ("agreements_intro", "value", "agreements_intro"),
    ("a_country", "label", "f_country"),
    ("a_type", "label", "type"),
    ("a_since", "label", "since"),
    ("a_region", "label", "region"),
    ("chart", "label", "timeline"),
    ("chart", "x_title", "year"),
    ("chart", "y_title", "records"),
    ("chart", "color_title", "type"),
    ("a_year", "label", "year"),
    ("a_row", "label", "row_evidence"),
    ("a_csv_btn", "value", "export_csv"),
    ("token", "label", "admin_token"),
    ("upload", "label", "upload"),
    ("add_btn", "value", "add_files"),
    ("url", "label", "url"),
    ("fetch_btn", "value", "fetch"),
    ("remove_pick", "label", "remove_doc"),
    ("remove_btn", "value", "remove"),
)

#: components whose switch also needs data or markup: the title, the re-rendered chat and sources,
#: translated choices, the library's language column and the editor's intro (which depends on the token)
HOOKS: tuple[str, ...] = (
    "title",
    "chat",
    "sources",
    "f_lang",
    "f_country",
    "a_country",
    "a_type",
    "a_region",
    "library_table",
    "editor_intro",
)

#: components in the table that the switch leaves out: the timeline view, which runs after every switch,
#: sends their labels together with their data, so the chart is not redrawn twice
SET_BY_VIEWS: tuple[str, ...] = ("chart", "a_year")

#: the register's record types, in the order the type filter lists them
API_TYPES = ["mou", "agreement", "meeting", "initiative"]


def texts(component: str, lang: str) -> dict[str, Any]:
    """The translated attributes of ``component``, as keyword arguments for its constructor or ``gr.update``."""
    # typed Any: spread into Gradio signatures whose other parameters are not strings
    return {attr: t(key, lang) for name, attr, key in TEXTS if name == component}


def switched() -> list[str]:
    """Every component the language switch updates, each once, in table order and then the hooks."""
    names = dict.fromkeys([name for name, _, _ in TEXTS] + list(HOOKS))
    return [name for name in names if name not in SET_BY_VIEWS]


def normalise(lang: object) -> str:
    return "ar" if str(lang).lower().startswith("ar") else "en"


def title_html(lang: str) -> str:
    # data-lang sets the page direction (static/app.js)
    return (
        f'<div class="app-title" data-lang="{lang}"><h1 dir="auto">{esc(t("app_title", lang))}</h1>'
        f'<p dir="auto">{esc(t("subtitle", lang))}</p></div>'
    )


def language_choices(lang: str) -> list[tuple[str, str]]:
    return [(t("any", lang), ""), (t("lang_ar", lang), "ar"), (t("lang_en", lang), "en")]


def type_choices(lang: str) -> list[tuple[str, str]]:
    return [(t("any", lang), ""), *((TYPE_LABELS[lang][x], x) for x in API_TYPES)]


def editor_intro(enabled: bool, lang: str) -> str:
    return t("editor_intro", lang) if enabled else t("editor_disabled", lang)
