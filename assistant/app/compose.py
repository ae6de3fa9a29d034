"""The composition root: builds every component from settings, in one place, and injects them into the service.

Backends are chosen by configuration. Their heavy or optional packages (torch, chromadb,
langchain-openai) are imported only when a backend is built, so a missing optional package
fails with a message naming the extra to install.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.app.service import Assistant, Components
from assistant.core.catalog import Catalog
from assistant.core.errors import MissingExtra
from assistant.core.layout import CATALOG_FILE, CHROMA_DIR
from assistant.core.protocols import Embedder, Generator, Index
from assistant.core.settings import Settings
from assistant.core.store import ChromaIndex, MemoryIndex
from assistant.query.generate import ExtractiveGenerator, LLMGenerator
from ingest.embed import SentenceTransformerEmbedder, model_id_for


def make_embedder(settings: Settings) -> Embedder:
    return SentenceTransformerEmbedder(settings.embedding, settings.cpu)


def embedder_model_id(settings: Settings) -> str:
    return model_id_for(settings.embedding)


def open_index(settings: Settings, dim: int = 384) -> Index:
    match settings.index.backend:
        case "memory":
            return MemoryIndex(dim)
        case "chroma":
            try:
                import chromadb  # noqa: F401
            except ImportError as exc:  # pragma: no cover - chromadb is a core dependency
                raise MissingExtra("the Chroma backend needs chromadb: pip install chromadb") from exc
            if settings.chroma.url:
                return ChromaIndex.server(settings.chroma.url, settings.index.collection, settings.chroma.timeout_s)
            return ChromaIndex.embedded(settings.index_dir / CHROMA_DIR, settings.index.collection)
    raise ValueError(f"unknown index backend {settings.index.backend!r}")


def open_catalog(settings: Settings, create: bool = True) -> Catalog:
    return Catalog(settings.catalog.url or settings.index_dir / CATALOG_FILE, create=create)


def make_generator(settings: Settings) -> Generator:
    match settings.generator:
        case "extractive":
            return ExtractiveGenerator(settings.answer)
        case "llm":
            try:
                import langchain_openai  # noqa: F401
            except ImportError as exc:
                raise MissingExtra(
                    "TAAWUN_GENERATOR=llm needs the 'llm' extra: pip install -e '.[llm]' (langchain-openai)"
                ) from exc
            return LLMGenerator.from_settings(settings)
    raise ValueError(f"unknown generator {settings.generator!r}")


def build_assistant(
    settings: Settings,
    *,
    embedder: Embedder | Callable[[], Embedder] | None = None,
    index: Index | None = None,
    generator: Generator | None = None,
) -> Assistant:
    """The one assistant service the CLI and the UI talk to, with its parts injected."""
    parts = Components(
        embedder=lambda: make_embedder(settings),
        index=lambda: open_index(settings),
        catalog=lambda create: open_catalog(settings, create=create),
        generator=lambda: make_generator(settings),
        model_id=lambda: embedder_model_id(settings),
    )
    return Assistant(settings, parts, embedder=embedder, index=index, generator=generator)
