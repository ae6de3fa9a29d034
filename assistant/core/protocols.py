"""The small interfaces the assistant is built from, and the records they exchange."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from collections.abc import Generator as Gen
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns text into unit-length vectors; queries and passages may be encoded differently (e5 prefixes)."""

    model_id: str
    dim: int

    def embed_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True)
class VectorHit:
    id: str
    score: float  # cosine similarity


@runtime_checkable
class Index(Protocol):
    """A vector store of chunk embeddings keyed by chunk id."""

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Mapping[str, Any]]) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def query(
        self, vector: np.ndarray, k: int, doc_ids: Sequence[str] | None = None, language: str | None = None
    ) -> list[VectorHit]:
        """Top-k by cosine, optionally only within ``doc_ids`` and/or chunks in ``language``."""
        ...

    def ids(self) -> set[str]: ...

    def count(self) -> int: ...


@dataclass
class Evidence:
    """A sentence (or clause) chosen to support an answer."""

    n: int  # citation number, 1-based
    chunk_id: str
    doc_id: str
    language: str
    start: int  # character offsets in the document's text
    end: int
    text: str
    score: float


@dataclass
class Generation:
    """What a generator produced: the answer text (with [n] markers) and whether it abstained."""

    text: str
    abstained: bool = False
    used: list[int] = field(default_factory=list)  # citation numbers the text relies on
    notes: list[str] = field(default_factory=list)


class Generator(Protocol):
    """Composes an answer from selected evidence; must not add facts the evidence lacks.

    ``generate`` is a Python generator: it yields text increments as they are
    produced and *returns* the validated :class:`Generation` (get it with
    ``final = yield from gen.generate(...)``). The final text may differ from the
    streamed increments when validation removes unsupported markers or falls back.
    """

    name: str

    def generate(
        self, question: str, language: str, evidence: Sequence[Evidence], lead: str | None = None
    ) -> Gen[str, None, Generation]:
        """``lead``: the answer's own opening words (short answers), already grounded, with markers."""
        ...
