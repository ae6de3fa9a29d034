"""The one on-disk vector cache: vectors keyed by text, in a sqlite file of their own.

Used for the passage vectors of a run that has not committed yet (so a killed run resumes) and by
:class:`ingest.embed.CachedEmbedder`. The catalog (assistant.core.catalog) holds the committed vectors;
this file is the only other place that speaks SQL.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

#: keys per SELECT: under sqlite's limit on bound parameters
_KEYS_PER_QUERY = 500


class VectorCache:
    """Vectors keyed by ``namespace`` and text (a vector is a function of both: the model and its input).

    The file is created by the first :meth:`put`; reading a missing file finds nothing.
    """

    def __init__(self, path: Path, namespace: str, table: str = "vec") -> None:
        if not table.isidentifier():
            raise ValueError(f"not a table name: {table!r}")
        self.path, self.namespace, self.table = path, namespace, table
        self._db: sqlite3.Connection | None = None

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.namespace}\x00{text}".encode()).hexdigest()

    def get(self, texts: Sequence[str]) -> dict[int, np.ndarray]:
        """Saved vectors by position in ``texts``."""
        if self._db is None and not self.path.is_file():
            return {}
        db = self._open()
        keys = [self._key(t) for t in texts]
        saved: dict[str, bytes] = {}
        for i in range(0, len(keys), _KEYS_PER_QUERY):
            part = keys[i : i + _KEYS_PER_QUERY]
            saved.update(
                db.execute(f"SELECT key, v FROM {self.table} WHERE key IN ({','.join('?' * len(part))})", part)
            )
        return {i: np.frombuffer(saved[k], np.float32) for i, k in enumerate(keys) if k in saved}

    def put(self, texts: Sequence[str], vecs: np.ndarray) -> None:
        db = self._open()
        with db:  # one commit per call: a kill loses at most the call in progress
            db.executemany(
                f"INSERT OR REPLACE INTO {self.table} VALUES (?, ?)",
                [(self._key(t), np.asarray(v, np.float32).tobytes()) for t, v in zip(texts, vecs, strict=True)],
            )

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # the benchmarks' embedder is shared by threads; each call is one statement or one transaction
            self._db = sqlite3.connect(str(self.path), check_same_thread=False)
            self._db.execute(f"CREATE TABLE IF NOT EXISTS {self.table} (key TEXT PRIMARY KEY, v BLOB NOT NULL)")
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def discard(self) -> None:
        """Close and delete the file."""
        self.close()
        for suffix in ("", "-journal"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
