"""Uploads and URL ingest: refusal of unsafe names, types, sizes, schemes and private targets."""

import http.server
import threading

import pytest

from assistant.app.compose import build_assistant
from ingest.fetch import Refused, fetch_url, name_for_url, safe_filename

ALLOWED = {".txt", ".md", ".html", ".htm", ".pdf", ".docx"}


@pytest.mark.parametrize(
    "name",
    [
        "../../x.txt",
        "/etc/passwd.txt",
        "..\\\\evil.txt",
        ".hidden.txt",
        "~root.txt",
        "a/b.txt",
        "",
        "   ",
        "x\u202e.txt",
        "..",
        "note.exe",
        "archive.zip",
        "noext",
    ],
)
def test_unsafe_upload_names_are_refused(name):
    with pytest.raises(Refused):
        safe_filename(name, ALLOWED)


def test_plain_names_are_kept_including_arabic():
    assert safe_filename("بيان صحفي.txt", ALLOWED) == "بيان صحفي.txt"
    assert safe_filename("Release (2025).DOCX", ALLOWED) == "Release (2025).docx"


def test_service_refuses_bad_uploads_and_keeps_good_ones(settings, fake_embedder):
    a = build_assistant(settings, embedder=fake_embedder)
    a.refresh()
    big = b"x" * int(settings.ui.max_upload_mb * 1e6 + 10)
    r = a.add_files(
        [
            ("../../escape.txt", b"text"),
            ("huge.txt", big),
            ("virus.exe", b"MZ"),
            ("good.txt", b"Egypt and Ghana signed an e-commerce agreement in 2025."),
        ]
    )
    by = {d.doc_id: d for d in r.documents}
    assert "paths are not allowed" in by["../../escape.txt"].reason
    assert "upload limit" in by["huge.txt"].reason
    assert "not one of" in by["virus.exe"].reason
    assert by["good.txt"].action == "added"
    assert not (settings.sources_dir.parent / "escape.txt").exists()
    assert sorted(p.name for p in settings.sources_dir.iterdir() if not p.name.startswith(".")) == sorted(
        [*(p.name for p in settings.sources_dir.glob("0*.txt")), "good.txt"]
    )


def test_symlinks_in_sources_are_not_followed(settings, fake_embedder, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret content about nothing", encoding="utf-8")
    (settings.sources_dir / "link.txt").symlink_to(secret)
    r = build_assistant(settings, embedder=fake_embedder).refresh()
    by = {d.doc_id: d for d in r.documents}
    assert by["link.txt"].action == "skipped" and "symbolic" in by["link.txt"].reason


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/release":
            body = (
                "<html><head><title>Egypt – Senegal MoU</title></head><body><h1>Egypt and Senegal sign an MoU</h1>"
                "<p>Egypt and Senegal signed a memorandum of understanding on digital payments in Dakar in 2025.</p>"
                "</body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/big":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"a" * 3_000_000)
        elif self.path == "/redirect-out":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
        elif self.path == "/image":
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(b"\x89PNG")
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def local_server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_url_fetch_against_a_local_server(local_server):
    got = fetch_url(f"{local_server}/release", timeout=5, max_bytes=1_000_000, allow_private=True)
    assert got.extension == ".html" and b"Senegal" in got.data
    with pytest.raises(Refused, match="private, loopback"):
        fetch_url(f"{local_server}/release", timeout=5, max_bytes=1_000_000, allow_private=False)
    with pytest.raises(Refused, match="too large"):
        fetch_url(f"{local_server}/big", timeout=5, max_bytes=1_000_000, allow_private=True)
    with pytest.raises(Refused, match="scheme"):
        fetch_url(f"{local_server}/redirect-out", timeout=5, max_bytes=1_000_000, allow_private=True)
    with pytest.raises(Refused, match="not a supported document type"):
        fetch_url(f"{local_server}/image", timeout=5, max_bytes=1_000_000, allow_private=True)
    with pytest.raises(Refused, match="HTTP 404"):
        fetch_url(f"{local_server}/missing", timeout=5, max_bytes=1_000_000, allow_private=True)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/x",
        "javascript:alert(1)",
        "gopher://x",
        "http://user:pw@example.com/",
        "http:///nohost",
        "http://169.254.169.254/latest",
        "http://[::1]/",
        "http://10.0.0.1/",
    ],
)
def test_url_refusals(url):
    with pytest.raises(Refused):
        fetch_url(url, timeout=2, max_bytes=1000, allow_private=False)


def test_add_url_indexes_the_page_with_its_url_as_source(settings, fake_embedder, local_server):
    s = settings.model_copy(update={"ingest": settings.ingest.model_copy(update={"allow_private_urls": True})})
    a = build_assistant(s, embedder=fake_embedder)
    a.refresh()
    r = a.add_url(f"{local_server}/release")
    added = r.of("added")
    assert len(added) == 1
    doc = a.document(added[0].doc_id)
    assert doc.source == f"{local_server}/release" and doc.title == "Egypt and Senegal sign an MoU"
    assert doc.doc_id == name_for_url(f"{local_server}/release", ".html")
    # fetching again replaces, not duplicates
    assert a.add_url(f"{local_server}/release").counts()["unchanged"] >= 1
