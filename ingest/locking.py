"""The ingest lock: one editing run per index directory at a time."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from ingest.reports import IngestLocked

LOCK_FILE = "ingest.lock"


@contextlib.contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """An exclusive, non-blocking lock: a second concurrent run fails fast with a clear message.

    The lock file sits beside the index directory, so it survives the directory
    being replaced (rebuild) or deleted.
    """
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    path = index_dir.parent / f".{index_dir.name}.{LOCK_FILE}"
    fh = open(path, "a+")  # noqa: SIM115 - held for the whole run
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise IngestLocked(
                f"another ingest run is using {index_dir} (held by {holder}); try again when it ends"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        yield
    finally:
        fh.close()
