"""The editor's lock: the admin token check, the client address it is charged to, and the upload gate.

Why not a lockout per address: the address is either shared (the editor and anyone else on the machine
are all 127.0.0.1) or, through ``X-Forwarded-For``, chosen by the client. Locking an address therefore
lets an attacker lock out the editor. Instead:

* every wrong token slows down *every* later check (a global exponential backoff), which bounds the
  guessing rate however many addresses or headers are used;
* a peer over ``admin.max_failures_per_minute`` waits until its oldest failure is a minute old;
* a check only ever *waits*; it is never refused without being compared, so the right token always
  gets in, at worst after one minute plus one backoff step.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import anyio

log = logging.getLogger("taawun.ui")

WINDOW_S = 60.0
#: the name of the cookie the page sets from the token field, so that the browser's uploads carry it
TOKEN_COOKIE = "taawun_editor"  # noqa: S105 - a name, not a secret
#: API clients send the token in this header instead
TOKEN_HEADER = "x-taawun-token"  # noqa: S105 - a name, not a secret
UPLOAD_PATH = "/gradio_api/upload"
FILE_PREFIX = "/gradio_api/file="


class AdminGuard:
    """Constant-time token check with a global backoff and a per-peer rate; every failure is logged."""

    def __init__(
        self,
        token: str,
        max_failures_per_minute: int,
        *,
        base_s: float = 0.5,
        cap_s: float = 10.0,
        forget_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.token = token
        self.limit = max_failures_per_minute
        self.base_s, self.cap_s, self.forget_s = base_s, cap_s, forget_s
        self._clock, self._sleep = clock, sleep
        self._consecutive = 0  # wrong tokens since the last right one, from anyone
        self._last_failure = -1e18
        self._peer_failures: dict[str, deque[float]] = defaultdict(deque)
        # one check at a time, so parallel guesses cannot share one backoff slot
        self._turn = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def backoff(self, now: float) -> float:
        """Seconds the next check must still wait because of recent wrong tokens from anyone."""
        if self._consecutive == 0 or now - self._last_failure > self.forget_s:
            return 0.0
        step = min(self.cap_s, self.base_s * 2 ** (self._consecutive - 1))
        return max(0.0, self._last_failure + step - now)

    def peer_wait(self, peer: str, now: float) -> float:
        """Seconds until ``peer`` is back under its per-minute failure limit."""
        fails = self._peer_failures[peer]
        while fails and now - fails[0] >= WINDOW_S:
            fails.popleft()
        if len(fails) < self.limit:
            return 0.0
        return max(0.0, fails[-self.limit] + WINDOW_S - now)

    def check(self, given: str | None, peer: str) -> str | None:
        """None when allowed, else the message key explaining the refusal ("bad_token", "editor_disabled")."""
        if not self.enabled:
            return "editor_disabled"
        with self._turn:
            now = self._clock()
            wait = max(self.backoff(now), self.peer_wait(peer, now))
            if wait > 0:
                log.info("admin token check from %s waits %.1f s (backoff after wrong tokens)", peer, wait)
                self._sleep(wait)
                now = self._clock()
            if hmac.compare_digest((given or "").encode(), self.token.encode()):
                self._consecutive = 0
                self._peer_failures.pop(peer, None)
                return None
            self._consecutive += 1
            self._last_failure = now
            self._peer_failures[peer].append(now)
            log.warning(
                "wrong admin token from %s (%d in a row from all clients, %d from this address in the last "
                "minute; the next check waits %.1f s)",
                peer,
                self._consecutive,
                len(self._peer_failures[peer]),
                max(self.backoff(now), self.peer_wait(peer, now)),
            )
            return "bad_token"


def peer_of(request: Any) -> str:
    """The client address a request is charged to: the socket peer (see :func:`trusted_proxies_only`)."""
    try:
        return str(request.client.host) if request and request.client else "unknown"
    except AttributeError:
        return "unknown"


@contextlib.contextmanager
def trusted_proxies_only(proxies: Sequence[str]) -> Iterator[None]:
    """While Gradio starts its server, make uvicorn believe ``X-Forwarded-For`` only from ``proxies``.

    uvicorn rewrites the client address from that header whenever the peer is in FORWARDED_ALLOW_IPS,
    which defaults to 127.0.0.1: any local client could then claim any address. Gradio offers no
    parameter for it, and uvicorn reads the variable once, when the server is configured.
    """
    old = os.environ.get("FORWARDED_ALLOW_IPS")
    os.environ["FORWARDED_ALLOW_IPS"] = ",".join(p.strip() for p in proxies if p.strip())
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("FORWARDED_ALLOW_IPS", None)
        else:
            os.environ["FORWARDED_ALLOW_IPS"] = old


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for k, v in scope.get("headers", []):
        if k == name:
            return str(v.decode("latin-1"))
    return None


def token_of(scope: dict[str, Any]) -> str | None:
    """The editor token an HTTP request carries: the header, else the page's cookie."""
    given = _header(scope, TOKEN_HEADER.encode())
    if given is not None:
        return given
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    with contextlib.suppress(Exception):  # a malformed cookie header is simply no token
        jar.load(raw)
    morsel = jar.get(TOKEN_COOKIE)
    return unquote(morsel.value) if morsel else None


def _norm_path(path: str) -> str:
    # Starlette routes "//gradio_api//upload/" to the same handler, so compare the collapsed form
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts)


async def _deny(send: Callable[..., Any], status: int, text: str) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class EditorUploads:
    """ASGI middleware on Gradio's app: uploads need the editor token, and only the editor gets them back.

    Gradio stores a file as soon as ``POST /gradio_api/upload`` arrives, before any event handler could
    look at a token, so the check has to happen here, before the request body is read. Uploaded files
    live in Gradio's shared cache under a content hash, so anyone who knows a file could fetch it from
    ``/gradio_api/file=``; those paths are served only to a request that carries the token.
    """

    def __init__(self, app: Any, guard: AdminGuard, uploaded: Callable[[], set[str]]) -> None:
        self.app = app
        self.guard = guard
        self.uploaded = uploaded

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path = _norm_path(scope.get("path", ""))
            if path == UPLOAD_PATH and not await self._allowed(scope, "upload"):
                return await _deny(send, 403, "Uploads need the editor's admin token.")
            is_upload = path.startswith(FILE_PREFIX) and self._is_upload(path[len(FILE_PREFIX) :])
            if is_upload and not await self._allowed(scope, "uploaded file"):
                return await _deny(send, 404, "Not found.")
        await self.app(scope, receive, send)

    def _is_upload(self, name: str) -> bool:
        try:
            return os.path.realpath(name) in {os.path.realpath(p) for p in self.uploaded()}
        except (OSError, ValueError):
            return False

    async def _allowed(self, scope: dict[str, Any], what: str) -> bool:
        client = scope.get("client")
        peer = str(client[0]) if client else "unknown"
        given = token_of(scope)
        if not self.guard.enabled or not given:
            # no token is not a guess, so it costs nobody a backoff step; still worth a line in the log
            log.warning("%s refused from %s: %s", what, peer, "editing disabled" if given else "no editor token")
            return False
        # the check may sleep (backoff), so keep it off the event loop
        refused = await anyio.to_thread.run_sync(self.guard.check, given, peer)
        return refused is None


def remove_uploads(paths: Sequence[str], cache_dirs: Sequence[Path]) -> None:
    """Delete uploaded files once they are indexed (and their content-hash folder when it is left empty)."""
    roots = [os.path.realpath(d) for d in cache_dirs]
    for p in paths:
        real = os.path.realpath(p)
        if not any(real.startswith(r + os.sep) for r in roots):
            continue  # only ever delete inside Gradio's cache
        with contextlib.suppress(OSError):
            os.unlink(real)
            os.rmdir(os.path.dirname(real))
