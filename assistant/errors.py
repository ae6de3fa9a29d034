"""Errors that cross layers: raised low down, reported by the service, the CLI and the UI."""

from __future__ import annotations


class MissingExtra(ImportError):
    """An optional dependency is missing; the message names the extra."""
