"""The interface text table: the first render and the language switch read the same rows, and miss none."""

from __future__ import annotations

import gradio as gr
import pytest

from ui import auth, i18n
from ui.app import build_app
from ui.handlers import Handlers
from ui.layout import Layout, build_layout
from ui.strings import t

# Text that is the same in both languages on purpose (a file format, the column ids of the tables).
UNTRANSLATED = {("a_csv", "label")}


@pytest.fixture
def page(indexed) -> tuple[Layout, Handlers]:
    h = Handlers(indexed, auth.make_guard(indexed.settings))
    with gr.Blocks():
        ui = build_layout(indexed.settings, h.guard.enabled, h.doc_choices(), h.partner_choices("en"))
    return ui, h


def test_the_first_render_is_the_table_in_english(page):
    ui, _ = page
    for name, attr, key in i18n.TEXTS:
        assert getattr(getattr(ui, name), attr) == t(key, "en"), (name, attr)


def test_every_label_and_button_text_on_the_page_is_in_the_table(page):
    ui, _ = page
    covered = {(name, attr) for name, attr, _ in i18n.TEXTS} | UNTRANSLATED
    for name in Layout.__dataclass_fields__:
        comp = getattr(ui, name)
        attrs = ["label", "placeholder"] + (["value"] if isinstance(comp, gr.Button) else [])
        for attr in attrs:
            if getattr(comp, attr, None):
                assert (name, attr) in covered, f"{name}.{attr} is not in ui.i18n.TEXTS"


def test_the_switch_translates_every_table_row_and_runs_every_hook(page):
    ui, h = page
    ups = h.language_updates("ar", [])
    assert set(h.language_hooks("ar", [])) == set(i18n.HOOKS)
    assert list(ups) == i18n.switched() and all(hasattr(ui, n) for n in ups)
    chart, years, hint = h.timeline_view("", None, "", "ar")
    assert t("timeline_hint", "ar") in hint  # the hint under the chart switches with the page
    for name, attr, key in i18n.TEXTS:
        update = {"chart": chart, "a_year": years}[name] if name in i18n.SET_BY_VIEWS else ups[name]
        assert update[attr] == t(key, "ar") != t(key, "en"), (name, attr)
    assert ups["f_lang"]["choices"][1] == ("العربية", "ar")
    assert 'data-lang="ar"' in ups["title"]["value"]
    assert ups["editor_intro"]["value"] == t("editor_disabled", "ar")  # the test settings have no token


def test_language_names_are_normalised():
    assert [i18n.normalise(x) for x in ("ar-EG", "AR", "en-US", "fr", None)] == ["ar", "ar", "en", "en", "en"]


def test_the_named_api_is_exactly_the_four_endpoints(indexed):
    # a UI handler named like an endpoint would push the endpoint to /ask_2
    demo = build_app(indexed)
    assert sorted(demo.get_api_info()["named_endpoints"]) == ["/agreements", "/ask", "/document", "/library"]
