"""The composition root: builds every component from settings, in one place.

Backends are chosen by configuration and imported lazily, so a missing optional
package fails with a message naming the extra to install.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.catalog import Catalog
from assistant.protocols import Embedder, Generator, Index
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.service import Assistant

CATALOG_FILE = "catalog.sqlite"
LEXICAL_FILE = "lexical.npz"
CHROMA_DIR = "chroma"


class MissingExtra(ImportError):
    """An optional dependency is missing; the message names the extra."""


def make_embedder(settings: Settings) -> Embedder:
    from ingest.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings.embedding, settings.cpu)


def embedder_model_id(settings: Settings) -> str:
    from ingest.embed import model_id_for

    return model_id_for(settings.embedding)


def open_index(settings: Settings, dim: int = 384) -> Index:
    match settings.index.backend:
        case "memory":
            from assistant.store import MemoryIndex

            return MemoryIndex(dim)
        case "chroma":
            try:
                import chromadb  # noqa: F401
            except ImportError as exc:  # pragma: no cover - chromadb is a core dependency
                raise MissingExtra("the Chroma backend needs chromadb: pip install chromadb") from exc
            from assistant.store import ChromaIndex

            if settings.chroma.url:
                return ChromaIndex.server(settings.chroma.url, settings.index.collection, settings.chroma.timeout_s)
            return ChromaIndex.embedded(settings.index_dir / CHROMA_DIR, settings.index.collection)
    raise ValueError(f"unknown index backend {settings.index.backend!r}")


def open_catalog(settings: Settings, create: bool = True) -> Catalog:
    return Catalog(settings.catalog.url or settings.index_dir / CATALOG_FILE, create=create)


def make_generator(settings: Settings) -> Generator:
    match settings.generator:
        case "extractive":
            from assistant.generate import ExtractiveGenerator

            return ExtractiveGenerator(settings.answer)
        case "llm":
            try:
                import langchain_openai  # noqa: F401
            except ImportError as exc:
                raise MissingExtra(
                    "TAAWUN_GENERATOR=llm needs the 'llm' extra: pip install -e '.[llm]' (langchain-openai)"
                ) from exc
            from assistant.generate import LLMGenerator

            return LLMGenerator.from_settings(settings)
    raise ValueError(f"unknown generator {settings.generator!r}")


def lexical_path(settings: Settings) -> Path:
    return settings.index_dir / LEXICAL_FILE


def build_assistant(
    settings: Settings,
    *,
    embedder: Embedder | Callable[[], Embedder] | None = None,
    index: Index | None = None,
    generator: Generator | None = None,
) -> Assistant:
    """The one assistant service the CLI and the UI talk to."""
    from assistant.service import Assistant

    return Assistant(settings, embedder=embedder, index=index, generator=generator)
