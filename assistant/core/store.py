"""Vector index backends behind the ``Index`` protocol: Chroma (embedded or server) and in-memory."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from assistant.core.errors import IndexUnavailable
from assistant.core.protocols import VectorHit

_BATCH = 4000  # below Chroma's max batch size (5461 on this build)


class ChromaIndex:
    """Chunk vectors in Chroma, one collection per language (cosine space; embeddings always supplied by us).

    Language is how every search slices the index, and a Chroma ``where`` filter on it
    costs a metadata scan: at 100k chunks, p50 301 ms against 10 ms for a plain query on the
    language's own collection (``python -m bench.perf_layout``, bench/results/perf-layout.md).
    """

    def __init__(self, client: Any, collection: str, where: str) -> None:
        self._client = client
        self._name = collection
        self.where = where
        self._cols: dict[str, Any] = {}
        self._lock = threading.Lock()
        try:
            existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
            for name in existing:
                if name.startswith(collection + "-"):
                    self._cols[name[len(collection) + 1 :]] = self._open(name)
            if collection in existing:
                # the single-collection layout of earlier versions: its vectors are re-ingested
                client.delete_collection(collection)
        except Exception as exc:
            raise IndexUnavailable(f"cannot open Chroma collections '{collection}-*' at {where}: {exc}") from exc

    def _open(self, name: str) -> Any:
        return self._client.get_or_create_collection(
            name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
        )

    def _collection(self, language: str) -> Any:
        with self._lock:
            if language not in self._cols:
                self._cols[language] = self._call("open", self._open, f"{self._name}-{language}")
            return self._cols[language]

    @classmethod
    def embedded(cls, path: Path, collection: str) -> ChromaIndex:
        import chromadb
        from chromadb.config import Settings

        path.mkdir(parents=True, exist_ok=True)
        try:
            client = chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))
        except Exception as exc:
            raise IndexUnavailable(
                f"the Chroma index at {path} is unreadable ({exc}); run `taawun ingest --rebuild`"
            ) from exc
        return cls(client, collection, str(path))

    @classmethod
    def server(cls, url: str, collection: str, timeout_s: float = 10.0) -> ChromaIndex:
        import chromadb
        from chromadb.config import Settings

        u = urlparse(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError(f"TAAWUN_CHROMA_URL must be http(s)://host:port, got {url!r}")
        settings = Settings(anonymized_telemetry=False, chroma_query_request_timeout_seconds=int(max(1, timeout_s)))
        try:
            client = chromadb.HttpClient(
                host=u.hostname,
                port=u.port or (443 if u.scheme == "https" else 8000),
                ssl=u.scheme == "https",
                settings=settings,
            )
        except Exception as exc:
            raise IndexUnavailable(f"cannot reach the Chroma server at {url} ({exc}); is `chroma run` up?") from exc
        return cls(client, collection, url)

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if isinstance(exc, (ValueError, TypeError)) and "not exist" not in str(exc).lower():
                raise
            raise IndexUnavailable(f"Chroma {what} failed at {self.where}: {exc}") from exc

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Mapping[str, Any]]) -> None:
        by_lang: dict[str, list[int]] = {}
        for i, m in enumerate(metadatas):
            by_lang.setdefault(str(m.get("language") or "und"), []).append(i)
        vectors = np.asarray(vectors, dtype=np.float32)
        for lang, rows in by_lang.items():
            col = self._collection(lang)
            for i in range(0, len(rows), _BATCH):
                part = rows[i : i + _BATCH]
                self._call(
                    "write",
                    col.upsert,
                    ids=[ids[j] for j in part],
                    embeddings=vectors[part],
                    metadatas=[dict(metadatas[j]) for j in part],
                )

    def delete(self, ids: Sequence[str]) -> None:
        for col in list(self._cols.values()):
            for i in range(0, len(ids), _BATCH):
                self._call("delete", col.delete, ids=list(ids[i : i + _BATCH]))

    def query(
        self, vector: np.ndarray, k: int, doc_ids: Sequence[str] | None = None, language: str | None = None
    ) -> list[VectorHit]:
        if doc_ids is not None and not doc_ids:
            return []
        cols = [self._cols[language]] if language in self._cols else ([] if language else list(self._cols.values()))
        where = {"doc_id": {"$in": list(doc_ids)}} if doc_ids is not None else None
        hits: list[VectorHit] = []
        for col in cols:
            res = self._call(
                "query",
                col.query,
                query_embeddings=[np.asarray(vector, dtype=np.float32)],
                n_results=k,
                where=where,
                include=["distances"],
            )
            hits += [VectorHit(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]
        return sorted(hits, key=lambda h: -h.score)[:k]

    def ids(self) -> set[str]:
        out: set[str] = set()
        for col in list(self._cols.values()):
            offset = 0
            while True:
                got = self._call("read", col.get, include=[], limit=10000, offset=offset)["ids"]
                out.update(got)
                if len(got) < 10000:
                    break
                offset += len(got)
        return out

    def count(self) -> int:
        return sum(int(self._call("read", col.count)) for col in list(self._cols.values()))

    def counts(self) -> dict[str, int]:
        """Vectors per language collection (checked against the catalog's chunks on open and in status).

        Collections another process created since this one opened (a shared server) are picked up first.
        """
        names = self._call("read", self._client.list_collections)
        prefix = self._name + "-"
        with self._lock:
            for name in (c if isinstance(c, str) else c.name for c in names):
                if name.startswith(prefix) and name[len(prefix) :] not in self._cols:
                    self._cols[name[len(prefix) :]] = self._call("open", self._open, name)
            cols = list(self._cols.items())
        return {lang: int(self._call("read", col.count)) for lang, col in cols}

    def reset(self) -> None:
        """Drop every collection of this index."""
        for lang in list(self._cols):
            with contextlib.suppress(Exception):  # an absent collection is fine
                self._client.delete_collection(f"{self._name}-{lang}")
        self._cols.clear()

    def close(self) -> None:
        """Release the client: an embedded store's files are shared by every client of one folder in a
        process, and stay open until the last of them closes."""
        with self._lock:
            self._cols.clear()
            close = getattr(self._client, "close", None)
            if callable(close):
                close()


class MemoryIndex:
    """Brute-force numpy index: exact, for tests and as the benchmark floor."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._vecs = np.zeros((0, dim), dtype=np.float32)
        self._docs: list[str] = []
        self._langs: list[str] = []
        self._lock = threading.Lock()

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Mapping[str, Any]]) -> None:
        with self._lock:
            new_rows: list[int] = []
            for i, cid in enumerate(ids):
                if cid in self._pos:
                    self._vecs[self._pos[cid]] = vectors[i]
                    self._docs[self._pos[cid]] = str(metadatas[i].get("doc_id", ""))
                    self._langs[self._pos[cid]] = str(metadatas[i].get("language", ""))
                else:
                    self._pos[cid] = len(self._ids) + len(new_rows)
                    new_rows.append(i)
            if new_rows:
                self._ids.extend(ids[i] for i in new_rows)
                self._docs.extend(str(metadatas[i].get("doc_id", "")) for i in new_rows)
                self._langs.extend(str(metadatas[i].get("language", "")) for i in new_rows)
                self._vecs = np.concatenate([self._vecs, np.asarray(vectors, np.float32)[new_rows]])

    def delete(self, ids: Sequence[str]) -> None:
        with self._lock:
            drop = {self._pos[i] for i in ids if i in self._pos}
            if not drop:
                return
            keep = [j for j in range(len(self._ids)) if j not in drop]
            self._ids = [self._ids[j] for j in keep]
            self._docs = [self._docs[j] for j in keep]
            self._langs = [self._langs[j] for j in keep]
            self._vecs = self._vecs[keep]
            self._pos = {cid: j for j, cid in enumerate(self._ids)}

    def query(
        self, vector: np.ndarray, k: int, doc_ids: Sequence[str] | None = None, language: str | None = None
    ) -> list[VectorHit]:
        with self._lock:
            if not self._ids:
                return []
            scores = self._vecs @ np.asarray(vector, np.float32)
            if doc_ids is not None:
                allowed = set(doc_ids)
                scores = np.where([d in allowed for d in self._docs], scores, -np.inf)
            if language is not None:
                scores = np.where([lang == language for lang in self._langs], scores, -np.inf)
            k = min(k, len(self._ids))
            top = np.argpartition(-scores, k - 1)[:k]
            top = top[np.argsort(-scores[top])]
            return [VectorHit(self._ids[j], float(scores[j])) for j in top if np.isfinite(scores[j])]

    def ids(self) -> set[str]:
        return set(self._ids)

    def count(self) -> int:
        return len(self._ids)

    def counts(self) -> dict[str, int]:
        with self._lock:
            out: dict[str, int] = {}
            for lang in self._langs:
                out[lang] = out.get(lang, 0) + 1
            return out
