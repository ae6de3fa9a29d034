"""Errors that cross layers: raised low down, reported by the service, the CLI and the UI."""

from __future__ import annotations


class MissingExtra(ImportError):
    """An optional dependency is missing; the message names the extra."""


class InvalidArgument(ValueError):
    """One argument is malformed; the message starts with its name."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"{name}: {why}")
        self.name = name


class CatalogError(RuntimeError):
    """The catalog is missing, unreadable or from an incompatible version."""


class EncoderBusy(RuntimeError):
    """Too many questions are waiting to be encoded; the caller should try again shortly."""


class IndexUnavailable(RuntimeError):
    """The vector store cannot be reached or read; the message says how to recover."""
