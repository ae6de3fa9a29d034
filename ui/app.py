"""The Gradio app: chat with citations, library, agreements register and the editor's refresh tab.

The thin entry: :func:`build_app` puts together the layout (:mod:`ui.layout`), the handlers
(:mod:`ui.handlers`) wired by :mod:`ui.events`, and the named API (:mod:`ui.api`); :func:`serve`
launches it behind the editor's upload gate (:mod:`ui.auth`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from assistant.app.service import Assistant
from ui import auth, events
from ui.api import agreements_api, register_api
from ui.guard import AdminGuard, trusted_proxies_only
from ui.handlers import Handlers
from ui.layout import build_layout

STATIC = Path(__file__).with_name("static")
#: Gradio's cache: every 10 minutes, delete files older than an hour (uploads are deleted once indexed)
DELETE_CACHE = (600, 3600)

__all__ = ["AdminGuard", "agreements_api", "build_app", "launch", "make_guard", "serve"]


def make_guard(assistant: Assistant) -> AdminGuard:
    return auth.make_guard(assistant.settings)


def build_app(assistant: Assistant, guard: AdminGuard | None = None) -> gr.Blocks:
    guard = guard or make_guard(assistant)
    handlers = Handlers(assistant, guard)
    with gr.Blocks(title="Ta'awun — تعاون", analytics_enabled=False, delete_cache=DELETE_CACHE) as demo:
        docs = handlers.doc_choices()
        layout = build_layout(assistant.settings, guard.enabled, docs, handlers.partner_choices("en"))
        events.wire(layout, handlers, demo)
        register_api(assistant)
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
    with trusted_proxies_only(trusted_proxies):
        demo.launch(app_kwargs={"middleware": auth.upload_gate(demo, guard)}, **kwargs)


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
