"""Test helpers: paths, the deterministic fake embedder and settings for temporary folders."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.core.settings import Settings, load_settings
from assistant.core.text import tokenize

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


def start_postgres(root: Path, port: int, timeout: float = 60) -> tuple[str, Any]:
    """A throwaway PostgreSQL server on 127.0.0.1 (Debian's binaries), ready when this returns.

    Returns its admin URL and a function that stops it. initdb refuses to run as root, so as root the
    cluster belongs to the ``postgres`` user that Debian's package creates.
    """
    import glob
    import shutil
    import subprocess
    import time

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise FileNotFoundError("no PostgreSQL server binaries (apt-get install postgresql)")
    bindir = Path(found[-1]).parent
    data = root / "pgdata"
    data.mkdir(parents=True)
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(data, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*as_user, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "taawun", "-E", "UTF8"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    opts = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(data / "log")]
    subprocess.run([*pg_ctl, "-o", opts, "-w", "-t", str(int(timeout)), "start"], check=True, stdout=subprocess.DEVNULL)

    def stop() -> None:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], check=False, stdout=subprocess.DEVNULL)

    deadline = time.time() + timeout
    url = f"postgresql://taawun@127.0.0.1:{port}/postgres"
    while time.time() < deadline:
        if (
            subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL).returncode
            == 0
        ):
            return url, stop
        time.sleep(0.3)
    stop()
    raise RuntimeError("PostgreSQL did not become ready")


def fresh_database(admin_url: str) -> str:
    """A new empty database on the server at ``admin_url``; its URL."""
    import secrets

    import sqlalchemy as sa

    name = f"t_{secrets.token_hex(6)}"
    engine = sa.create_engine(sa.make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return str(sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False))
