"""Test helpers: paths, the deterministic fake embedder and settings for temporary folders."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.settings import Settings, load_settings
from assistant.text import tokenize

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "knowledge" / "sources"
ARTIFACTS = ROOT / "tests" / "artifacts"


class HashEmbedder:
    """Deterministic bag-of-stems embedder: similar wording -> similar vectors. No semantics across languages."""

    model_id = "test/hash-embedder"
    dim = 64

    def __init__(self) -> None:
        self.passages_encoded = 0
        self.queries_encoded = 0
        self.calls: list[int] = []

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        v[0] = 0.5  # a shared component keeps unrelated texts at a small positive similarity
        for tok in tokenize(text):
            h = int(hashlib.md5(tok.encode()).hexdigest(), 16)
            v[1 + h % (self.dim - 1)] += 1.0 if (h >> 8) & 1 else -1.0
        return v / np.linalg.norm(v)

    def embed_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        self.calls.append(len(texts))
        self.passages_encoded += len(texts)
        if progress:
            progress(len(texts))
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        self.queries_encoded += 1
        return self._vec(text)

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 1


def make_settings(tmp: Path, sources: Path | None = None, **over: object) -> Settings:
    data: dict[str, object] = {
        "sources": {"dir": sources or tmp / "sources"},
        "index": {"dir": tmp / "index"},
        "embedding": {"cache_dir": Path(os.environ.get("TAAWUN_EMBEDDING_CACHE_DIR", "~/.cache/taawun/models"))},
    }
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(data.get(k), dict):
            data[k] = {**data[k], **v}  # type: ignore[dict-item]
        else:
            data[k] = v
    return load_settings(**data)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_chroma(path: Path, port: int, timeout: float = 60) -> Any:
    """A real `chroma run` server on 127.0.0.1, ready when this returns."""
    import shutil
    import subprocess
    import sys
    import time
    import urllib.request

    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("chroma run did not become ready")
