"""How the editor's lock is wired into the app: the guard from the settings, the check a handler makes
and the upload gate in front of Gradio's routes. The lock itself is :mod:`ui.guard`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.utils import get_upload_folder
from starlette.middleware import Middleware

from assistant.core.settings import Settings
from ui.guard import AdminGuard, EditorUploads, peer_of, remove_uploads


def make_guard(settings: Settings) -> AdminGuard:
    return AdminGuard(settings.admin.token, settings.admin.max_failures_per_minute)


def refusal(guard: AdminGuard, token: str | None, request: Any) -> str | None:
    """The message key refusing an edit, or None; the failure is charged to the request's client address."""
    return guard.check(token, peer_of(request))


def upload_gate(demo: gr.Blocks, guard: AdminGuard) -> list[Middleware]:
    """Middleware refusing uploads without the token and downloads of files the app did not hand out."""
    return [Middleware(EditorUploads, guard=guard, uploaded=lambda: set(demo.upload_file_set))]


def discard_uploads(files: Sequence[str]) -> None:
    """Delete uploads once read: the cached copies would only be there for others to fetch."""
    remove_uploads(files, [Path(get_upload_folder())])
