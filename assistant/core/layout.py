"""The index folder's file layout: where the catalog, the BM25 index and embedded Chroma live."""

from __future__ import annotations

from pathlib import Path

from assistant.core.settings import Settings

CATALOG_FILE = "catalog.sqlite"
LEXICAL_FILE = "lexical.npz"
CHROMA_DIR = "chroma"


def lexical_path(settings: Settings) -> Path:
    return settings.index_dir / LEXICAL_FILE
