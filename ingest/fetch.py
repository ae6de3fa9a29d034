"""Bring new releases into the sources folder: uploaded files and fetched URLs.

URLs: http(s) only, with a deadline for the whole download and a size cap. The host is resolved once and
the connection is made to that checked address (no second lookup an attacker's
DNS could answer differently), so loopback, private and link-local targets are
refused unless configuration allows them; every redirect is checked the same way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import http.client
import ipaddress
import json
import os
import re
import socket
import ssl
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import ParseResult, urljoin, urlparse

from assistant.core.files import atomic_write

USER_AGENT = "taawun/0.1 (+offline release fetcher)"
CONTENT_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
MAX_REDIRECTS = 5


class Refused(ValueError):
    """An upload or URL was refused; the message says why."""


# --- file names -----------------------------------------------------------------
_SAFE = re.compile(r"[^\w\-. ()\u0600-\u06FF]+", re.UNICODE)


def safe_filename(name: str, allowed: set[str]) -> str:
    """Validate an upload's file name; refuse anything that is not a plain name of an allowed type."""
    raw = unicodedata.normalize("NFC", name or "").strip()
    if not raw:
        raise Refused("empty file name")
    if "/" in raw or "\\" in raw or raw.startswith("~") or os.path.isabs(raw):
        raise Refused(f"refused file name {name!r}: paths are not allowed, only a plain file name")
    if raw in (".", "..") or raw.startswith("."):
        raise Refused(f"refused file name {name!r}: hidden or relative names are not allowed")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in raw):
        raise Refused(f"refused file name {name!r}: control characters")
    ext = Path(raw).suffix.lower()
    if ext not in allowed:
        raise Refused(f"refused {raw!r}: type '{ext or '(none)'}' is not one of {', '.join(sorted(allowed))}")
    clean = _SAFE.sub("_", raw)
    stem = Path(clean).stem[:120] or "document"
    return stem + ext


def write_source(sources_dir: Path, name: str, data: bytes, *, overwrite: bool = True) -> Path:
    """Write a file into the sources folder atomically (a reader never sees half a file)."""
    sources_dir.mkdir(parents=True, exist_ok=True)
    target = (sources_dir / name).resolve()
    if target.parent != sources_dir.resolve():
        raise Refused(f"refused {name!r}: outside the sources folder")
    if target.is_symlink():
        raise Refused(f"refused {name!r}: a symbolic link is in the way")
    if target.exists() and not overwrite:
        raise Refused(f"{name} already exists")
    return atomic_write(target, lambda fh: fh.write(data))


def write_sidecar(sources_dir: Path, name: str, meta: dict[str, object]) -> None:
    side = sources_dir / ".meta"
    side.mkdir(parents=True, exist_ok=True)
    (side / (name + ".json")).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


def remove_sidecar(sources_dir: Path, name: str) -> None:
    (sources_dir / ".meta" / (name + ".json")).unlink(missing_ok=True)


# --- URLs --------------------------------------------------------------------------
@dataclass
class Fetched:
    url: str  # the final URL after redirects
    data: bytes
    content_type: str
    extension: str


def _check_ip(ip: str, allow_private: bool) -> None:
    addr = ipaddress.ip_address(ip)
    if allow_private:
        return
    if (
        addr.is_private
        or addr.is_loopback
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
        or (addr.version == 6 and addr.ipv4_mapped is not None)
    ):
        raise Refused(
            f"refused: {ip} is a private, loopback or reserved address "
            "(set TAAWUN_INGEST_ALLOW_PRIVATE_URLS=true to allow)"
        )


def _resolve(host: str, port: int, allow_private: bool) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Refused(f"cannot resolve {host}: {exc.strerror}") from exc
    ips = [str(i[4][0]) for i in infos]
    for ip in ips:  # every address must be acceptable, not just the first
        _check_ip(ip, allow_private)
    return ips[0]


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, ip: str, host: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._ip = ip

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _Watchdog:
    """Cuts a connection at the download's deadline. A socket timeout bounds each read only, so a
    server that drips a byte a second could otherwise hold a fetch for as long as it likes."""

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        # the socket itself: the connection object lets go of it once the response owns it
        self.fired = threading.Event()
        self._sock = sock
        self._timer = threading.Timer(max(seconds, 0.0), self._cut)
        self._timer.daemon = True

    def _cut(self) -> None:
        self.fired.set()
        with contextlib.suppress(OSError):  # already closed: nothing to cut
            socket.socket.shutdown(self._sock, socket.SHUT_RDWR)  # the plain socket's, also under TLS

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def _check_url(url: str) -> ParseResult:
    u = urlparse(url)
    if u.scheme not in ("http", "https"):
        raise Refused(f"refused URL scheme '{u.scheme or '(none)'}': only http and https")
    if not u.hostname:
        raise Refused("refused URL without a host")
    if u.username or u.password:
        raise Refused("refused URL with embedded credentials")
    return u


def fetch_url(url: str, *, timeout: float, max_bytes: int, allow_private: bool = False) -> Fetched:
    """Fetch one release page or file; raises :class:`Refused` with a readable reason.

    ``timeout`` is a deadline for the whole download, redirects included, not a per-read limit.
    """
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        got = _get(url, _check_url(url), deadline, timeout, max_bytes, allow_private)
        if isinstance(got, Fetched):
            return got
        url = got  # a redirect, checked like the first URL
    raise Refused(f"too many redirects from {url}")


def _get(
    url: str, u: ParseResult, deadline: float, timeout: float, max_bytes: int, allow_private: bool
) -> Fetched | str:
    """One request: the fetched document, or the URL a redirect points to."""
    assert u.hostname is not None
    port = u.port or (443 if u.scheme == "https" else 80)
    ip = _resolve(u.hostname, port, allow_private)
    left = deadline - time.monotonic()
    if left <= 0:
        raise Refused(f"cannot fetch {url}: it did not finish within {timeout:g} s")
    conn: http.client.HTTPConnection
    if u.scheme == "https":
        conn = _PinnedHTTPS(ip, u.hostname, port, left)
    else:
        conn = http.client.HTTPConnection(ip, port, timeout=left)
    path = (u.path or "/") + (f"?{u.query}" if u.query else "")
    headers = {"Host": u.netloc.rsplit("@", 1)[-1], "User-Agent": USER_AGENT, "Accept": ", ".join(CONTENT_TYPES)}
    watchdog: _Watchdog | None = None
    try:
        conn.connect()
        watchdog = _Watchdog(conn.sock, deadline - time.monotonic())
        with watchdog:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            if resp.status in (301, 302, 303, 307, 308):
                loc = resp.getheader("Location")
                if not loc:
                    raise Refused(f"redirect without a Location from {url}")
                return urljoin(url, loc)
            if resp.status != 200:
                raise Refused(f"{url} answered HTTP {resp.status}")
            data = _read_body(url, resp, max_bytes)
            ctype = (resp.getheader("Content-Type") or "").split(";")[0].strip().lower()
        if watchdog.fired.is_set():  # a cut connection can look like a short, complete body
            raise OSError("cut at the deadline")
    except (OSError, http.client.HTTPException) as exc:
        if (watchdog is not None and watchdog.fired.is_set()) or time.monotonic() >= deadline:
            raise Refused(f"cannot fetch {url}: it did not finish within {timeout:g} s") from exc
        raise Refused(f"cannot fetch {url}: {exc}") from exc
    finally:
        conn.close()
    ext = CONTENT_TYPES.get(ctype) or Path(u.path).suffix.lower()
    if ext not in CONTENT_TYPES.values():
        raise Refused(f"{url} returned '{ctype or 'unknown type'}', which is not a supported document type")
    return Fetched(url, data, ctype, ext)


def _read_body(url: str, resp: http.client.HTTPResponse, max_bytes: int) -> bytes:
    length = resp.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise Refused(f"{url} is too large ({int(length) / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB)")
    data = resp.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Refused(f"{url} is too large (> {max_bytes / 1e6:.1f} MB)")
    return data


def name_for_url(url: str, ext: str) -> str:
    """A stable, safe file name for a fetched page (same URL, same name: a re-fetch replaces it)."""
    u = urlparse(url)
    slug = re.sub(r"[^\w\-]+", "-", f"{u.hostname or 'web'}-{Path(u.path).stem or 'index'}", flags=re.UNICODE)
    digest = hashlib.sha256(url.encode()).hexdigest()[:8]
    return f"{slug.strip('-')[:80]}-{digest}{ext}"


def url_sidecar(url: str, published: str | None = None) -> dict[str, object]:
    """A fetched page's metadata; ``published`` (ISO date, when the caller knows it) is the
    ingest's last resort for the publication date, after the page's own metadata and dateline."""
    meta: dict[str, object] = {"source": url, "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    if published:
        meta["published"] = published
    return meta
