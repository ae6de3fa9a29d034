"""The editor's lock (issue 14, items 1 and 2): backoff instead of lockout, the socket peer, the upload gate."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import httpx
import pytest

from tests.ui.conftest import ADMIN_TOKEN, free_port
from ui.guard import TOKEN_COOKIE, TOKEN_HEADER, AdminGuard

TOKEN = "s3cret-token-for-the-guard"


class FakeTime:
    """A clock whose sleep advances it, so backoff waits are measured without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(round(s, 3))
        self.now += s


def fake_guard(limit: int = 5) -> tuple[AdminGuard, FakeTime]:
    ft = FakeTime()
    return AdminGuard(TOKEN, limit, base_s=0.5, cap_s=10.0, clock=ft.clock, sleep=ft.sleep), ft


def test_rotating_addresses_do_not_escape_the_backoff() -> None:
    # item 1: one failure per address used to be free; now every wrong token slows every later check
    g, ft = fake_guard()
    for i in range(7):
        assert g.check("guess", f"203.0.113.{i}") == "bad_token"
    assert ft.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0]  # exponential, capped
    assert g.check(TOKEN, "198.51.100.1") is None  # after its wait, the right token gets in
    assert ft.sleeps[-1] == 10.0
    assert g.check("guess", "203.0.113.99") == "bad_token" and ft.sleeps[-1] == 10.0  # a success resets
    assert g.backoff(ft.now) == 0.5


def test_wrong_tokens_from_the_editors_address_cannot_lock_the_editor_out() -> None:
    # item 1: five wrong tokens from 127.0.0.1 used to refuse the editor (same address) for a minute
    g, ft = fake_guard(limit=5)
    for _ in range(20):
        assert g.check("guess", "127.0.0.1") == "bad_token"
    start = ft.now
    assert g.check(TOKEN, "127.0.0.1") is None
    assert ft.now - start <= 60 + 10  # at most the per-peer minute plus one backoff step
    assert g.check(TOKEN, "127.0.0.1") is None and ft.sleeps[-1] <= 60 + 10


def test_a_peer_over_its_limit_waits_for_its_minute() -> None:
    g, ft = fake_guard(limit=3)
    g.cap_s = 0.0  # isolate the per-peer limit from the global backoff
    for _ in range(3):
        g.check("guess", "192.0.2.7")
    assert g.peer_wait("192.0.2.7", ft.now) > 55 and g.peer_wait("192.0.2.8", ft.now) == 0
    assert g.check(TOKEN, "192.0.2.8") is None  # another address is not held up by this peer's limit
    assert ft.sleeps == []


def test_every_failure_is_logged_with_the_peer(caplog: pytest.LogCaptureFixture) -> None:
    g, _ = fake_guard()
    with caplog.at_level(logging.WARNING, "taawun.ui"):
        for i in range(4):
            g.check("nope", f"10.0.0.{i}")
    lines = [r.getMessage() for r in caplog.records if "wrong admin token" in r.getMessage()]
    assert len(lines) == 4 and all(f"from 10.0.0.{i} " in lines[i] for i in range(4))
    assert AdminGuard("", 3).check("anything", "x") == "editor_disabled"


# --- a small real server: uvicorn + Gradio + the upload gate, as `serve` launches them --------------------
@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[dict]:
    from ui.app import launch
    from ui.guard import peer_of

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "cache"))
    trusted = getattr(request, "param", [])
    guard = AdminGuard(TOKEN, 5, base_s=0.05, cap_s=0.2)
    with gr.Blocks() as demo:
        gr.File(file_count="multiple")
        box, out, btn = gr.Textbox(), gr.Textbox(), gr.Button()

        def peer(x: str, request: gr.Request) -> str:
            return peer_of(request)

        btn.click(peer, box, out, api_name="peer")
    port = free_port()
    launch(
        demo, guard, trusted, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, max_file_size=1000
    )
    try:
        yield {"url": f"http://127.0.0.1:{port}", "cache": tmp_path / "cache", "demo": demo}
    finally:
        demo.close()


def _peer_seen(url: str, forwarded: str) -> str:
    from gradio_client import Client

    return str(Client(url, verbose=False, headers={"X-Forwarded-For": forwarded}).predict("x", api_name="/peer"))


def test_forwarded_for_is_ignored_from_an_untrusted_peer(tiny: dict) -> None:
    # item 1: uvicorn believed X-Forwarded-For from 127.0.0.1 by default, so any local client chose its address
    assert _peer_seen(tiny["url"], "203.0.113.5") == "127.0.0.1"


@pytest.mark.parametrize("tiny", [["127.0.0.1"]], indirect=True)
def test_forwarded_for_is_honoured_from_a_trusted_proxy(tiny: dict) -> None:
    assert _peer_seen(tiny["url"], "203.0.113.5") == "203.0.113.5"


def _files_in(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []


def _upload(url: str, body: bytes = b"hello", **headers: str) -> httpx.Response:
    return httpx.post(f"{url}/gradio_api/upload", files={"files": ("r.txt", body)}, headers=headers, timeout=30)


def _upload_with(url: str, headers: dict[str, str]) -> httpx.Response:
    return _upload(url, b"hello", **headers)


def test_uploads_without_the_token_are_refused_before_they_are_stored(tiny: dict) -> None:
    # item 2: POST /gradio_api/upload used to store any file from anyone
    assert _upload(tiny["url"]).status_code == 403
    assert _upload_with(tiny["url"], {TOKEN_HEADER: "wrong"}).status_code == 403
    assert _upload(tiny["url"], Cookie=f"{TOKEN_COOKIE}=wrong").status_code == 403
    assert httpx.post(f"{tiny['url']}//gradio_api//upload/", files={"files": ("r.txt", b"x")}).status_code == 403
    assert _files_in(tiny["cache"]) == []
    # the size limit is Gradio's max_file_size
    assert _upload(tiny["url"], b"x" * 5000, **{TOKEN_HEADER: TOKEN}).status_code == 413


def test_an_uploaded_file_is_served_back_only_with_the_token(tiny: dict) -> None:
    # item 2: anyone could fetch an upload from /gradio_api/file=… (its path is a hash of its content)
    ok = _upload(tiny["url"], b"editor's release", Cookie=f"{TOKEN_COOKIE}={TOKEN}")
    assert ok.status_code == 200
    path = ok.json()[0]
    time.sleep(0.3)  # Gradio moves the file into its cache in a background task
    url = f"{tiny['url']}/gradio_api/file={path}"
    assert httpx.get(url).status_code == 404
    assert httpx.get(url, headers={TOKEN_HEADER: "wrong"}).status_code == 404
    got = httpx.get(url, headers={TOKEN_HEADER: TOKEN})
    assert got.status_code == 200 and got.content == b"editor's release"


def test_the_app_deletes_its_cache() -> None:
    # item 2: Gradio's delete_cache is set on the app's Blocks (and uploads are deleted once indexed)
    from ui.app import DELETE_CACHE

    assert DELETE_CACHE[0] <= 3600 and DELETE_CACHE[1] <= 86400


@pytest.mark.integration
@pytest.mark.slow
def test_served_app_charges_failures_to_the_socket_peer(served_app, caplog: pytest.LogCaptureFixture) -> None:
    # item 1, the repro against the real app: rotate X-Forwarded-For while guessing
    url = served_app["url"]
    start = time.monotonic()
    with caplog.at_level(logging.WARNING, "taawun.ui"):
        for i in range(3):
            r = _upload_with(url, {TOKEN_HEADER: f"guess-{i}", "X-Forwarded-For": f"198.51.100.{i}"})
            assert r.status_code == 403
    assert time.monotonic() - start >= 0.5 + 1.0  # the global backoff applied across "addresses"
    lines = [r.getMessage() for r in caplog.records if "wrong admin token" in r.getMessage()]
    assert len(lines) == 3 and all("from 127.0.0.1 " in x for x in lines)
    assert not any("198.51.100" in r.getMessage() for r in caplog.records)
    assert _upload_with(url, {TOKEN_HEADER: ADMIN_TOKEN}).status_code == 200  # and the editor still gets in
