"""Reading the sources folder: which files there are, which changed since their hash was taken, and their bytes.

A file whose stat (size, times, inode, and its sidecar's) is the one recorded with its hash is not
read again: a no-op refresh of a large folder costs one stat per file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import stat as stat_mode
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.load import Skip, read_source
from ingest.reports import Progress

META_DIR = ".meta"  # sidecar metadata for fetched pages (their URL), inside the sources folder


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sidecar(path: Path, sources_dir: Path) -> dict[str, Any]:
    """The metadata written when a page was fetched (its URL, maybe its date); {} for other files."""
    side = sources_dir / META_DIR / (path.name + ".json")
    if side.is_file():
        try:
            meta = json.loads(side.read_text(encoding="utf-8"))
            return meta if isinstance(meta, dict) else {}
        except (OSError, ValueError):
            pass
    return {}


def source_of(path: Path, sources_dir: Path) -> str:
    """A document's source: its URL when it was fetched, else its file name."""
    url = sidecar(path, sources_dir).get("source")
    return url if isinstance(url, str) and url else path.relative_to(sources_dir).as_posix()


def sidecar_date(path: Path, sources_dir: Path) -> str | None:
    """The publication date recorded at fetch time, when it is an ISO date."""
    value = sidecar(path, sources_dir).get("published")
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None  # a hand-edited sidecar: its date is ignored, not fatal


def scan_sources(sources_dir: Path, scope: Sequence[Path] | None = None) -> list[Path]:
    """Files under the sources folder (hidden files and folders excluded), optionally within ``scope``.

    Symbolic links are listed (and then skipped by the loader), never followed into.
    """
    return [Path(f) for f in _scan_names(sources_dir, scope)]


def _suffix(name: str) -> str:
    """``Path(name).suffix``, without making a Path."""
    base = name[name.rfind("/") + 1 :]
    i = base.rfind(".")
    return base[i:] if 0 < i < len(base) - 1 else ""


def _scan_names(sources_dir: Path, scope: Sequence[Path] | None = None) -> list[str]:
    """:func:`scan_sources` as strings, in the same order (a Path per file costs more than its stat)."""
    roots = [sources_dir] if not scope else list(scope)
    files: set[str] = set()

    def walk(folder: str) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for e in entries:
            if e.name.startswith("."):
                continue
            if e.is_symlink():
                files.add(e.path)
            elif e.is_dir(follow_symlinks=False):
                walk(e.path)
            elif e.is_file(follow_symlinks=False):
                files.add(e.path)

    for root in roots:
        if root.is_file():
            files.add(str(root))
            continue
        if any(part.startswith(".") for part in root.relative_to(sources_dir).parts):
            continue
        if root.is_dir():
            walk(str(root))
    # the order of sorted Paths (part by part): NUL, which no file name holds, sorts before every
    # character, so comparing with "/" as NUL compares part by part, without a list per name
    return sorted(files, key=lambda f: f.replace("/", "\x00"))


#: a file whose stat changed this close to the scan (mtime or ctime) is not trusted by its stat next time:
#: a second write within the file system's timestamp granularity (up to 2 s on FAT) could keep the same stat
RACY_NS = 2_000_000_000


def stat_key(st: os.stat_result, side: os.stat_result | None = None) -> str:
    """What says "this file still holds the content hashed then": size, mtime, ctime and inode (ctime and
    inode catch a rewrite whose mtime was put back, e.g. ``cp -p`` or ``rsync -t``), and the sidecar's."""
    key = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"
    if side is not None:
        key += f"|{side.st_size}:{side.st_mtime_ns}:{side.st_ctime_ns}:{side.st_ino}"
    return key


def _racy(scan_ns: int, st: os.stat_result, side: os.stat_result | None = None) -> bool:
    # spelt out: it runs once per source file, 23k times for a no-op refresh at 100k chunks
    cut = scan_ns - RACY_NS
    if st.st_mtime_ns >= cut or st.st_ctime_ns >= cut:
        return True
    return side is not None and (side.st_mtime_ns >= cut or side.st_ctime_ns >= cut)


@dataclass
class Scan:
    """What a refresh found in the sources folder, by doc id (the path relative to the folder)."""

    raw: dict[str, bytes | Skip | None] = field(default_factory=dict)  # None: unchanged by its stat, not read
    names: dict[str, str] = field(default_factory=dict)  # the file's path (a Path only for the files read)
    stats: dict[str, str | None] = field(default_factory=dict)  # the stat key of each file read (None when racy)
    hashes: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # the recorded source of the files not read


def read_sources(
    sources: Path,
    scope: Sequence[Path] | None,
    known: dict[str, tuple[str, str, str | None]],
    allowed: set[str],
    max_bytes: int,
    *,
    force: bool,
    progress: Progress,
) -> Scan:
    """Stat every file (within ``scope``) and read those whose stat is not the one ``known`` recorded
    with their hash (every file when ``force``)."""
    scan_ns = time.time_ns()  # before any stat: a file changed after this is "racy" (see RACY_NS)
    files = _scan_names(sources, scope)
    meta_dir = sources / META_DIR
    side_names: set[str] = set()
    with contextlib.suppress(OSError):
        side_names = set(os.listdir(meta_dir)) if meta_dir.is_dir() else set()
    out = Scan()
    prefix = str(sources) + "/"
    for n, name in enumerate(files):
        if not n % 256:
            progress("scan", n, len(files))
        doc_id = name[len(prefix) :] if name.startswith(prefix) else Path(name).relative_to(sources).as_posix()
        out.names[doc_id] = name
        was = known.get(doc_id)
        key: str | None = None
        if _suffix(name).lower() in allowed:
            # stat before reading: a write after this stat changes the stat the next run sees
            st, side = _stat(name, meta_dir, side_names)
            if st is not None and stat_mode.S_ISREG(st.st_mode) and st.st_size <= max_bytes:
                key = None if _racy(scan_ns, st, side) else stat_key(st, side)
                if not force and was is not None and key is not None and was[2] == key:
                    out.raw[doc_id], out.hashes[doc_id], out.sources[doc_id] = None, was[0], was[1]
                    continue
        got = read_source(Path(name), max_bytes, allowed)
        out.raw[doc_id] = got
        if isinstance(got, bytes):
            out.hashes[doc_id] = sha256(got)
            out.stats[doc_id] = key
    progress("scan", len(files), len(files))
    return out


def _stat(name: str, meta_dir: Path, side_names: set[str]) -> tuple[os.stat_result | None, os.stat_result | None]:
    """The file's lstat and its sidecar's stat (None when it has none); (None, None) when unreadable."""
    try:
        st = os.lstat(name)
        side_name = name[name.rfind("/") + 1 :] + ".json"
        return st, (meta_dir / side_name).stat() if side_name in side_names else None
    except OSError:
        return None, None
