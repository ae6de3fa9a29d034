"""The app's named API endpoints (``/ask``, ``/agreements``, ``/library``, ``/document``), for gradio_client.

The names, parameters and docstrings are the API's contract (``tests/ui/test_api.py``); Gradio builds
the endpoint schema from each function's signature.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import gradio as gr

from assistant.app.service import Assistant
from ui.handlers import filters
from ui.i18n import API_TYPES


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
    if type and type not in API_TYPES:
        return {"status": "invalid", "message": f"type: expected mou, agreement, meeting or initiative, got {type!r}"}
    return assistant.agreements(country=country or None, type=type or None, since=year)


def register_api(assistant: Assistant) -> None:
    """Declare the endpoints in the current ``gr.Blocks``."""

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
        ans = assistant.ask(question or "", hist, filters(language, doc_ids, date_from, date_to, country))
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
