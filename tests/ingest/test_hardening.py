"""Hardening round 2, ingest: a total URL deadline and bounded .docx parsing."""

import http.server
import io
import os
import subprocess
import sys
import threading
import time
import zipfile

import pytest

from ingest.fetch import Refused, fetch_url
from ingest.load import Skip, load_bytes
from tests.helpers import ROOT

# --- item 4: the URL timeout is a deadline for the whole download ---------------------------------


class _Drip(http.server.BaseHTTPRequestHandler):
    """Answers slowly but never idles long enough for a per-read timeout: one byte every 0.1 s."""

    def do_GET(self):
        try:
            if self.path == "/slow-headers":
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for _ in range(100):
                    self.wfile.write(b"X-Pad: a\r\n")
                    self.wfile.flush()
                    time.sleep(0.1)
                self.wfile.write(b"Content-Type: text/plain\r\n\r\nEgypt")
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"a")
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass  # the client gave up, which is the point

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def drip_server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


@pytest.mark.parametrize("path", ["/slow-body", "/slow-headers"])
def test_a_slow_drip_server_is_cut_off_at_the_deadline(drip_server, path):
    t0 = time.monotonic()
    with pytest.raises(Refused, match="within 1 s"):
        fetch_url(drip_server + path, timeout=1.0, max_bytes=1_000_000, allow_private=True)
    assert time.monotonic() - t0 < 3.0


# --- item 5: .docx parsing is bounded -------------------------------------------------------------
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(paragraphs, markup=""):
    """A minimal .docx whose paragraphs carry ``markup`` (run properties) around their text."""
    body = "".join(
        f'<w:p><w:r><w:rPr>{markup}</w:rPr><w:t xml:space="preserve">{t}</w:t></w:r></w:p>' for t in paragraphs
    )
    doc = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", doc)
    return buf.getvalue()


def _paragraphs(n):
    words = "Egypt signed memorandum cooperation digital ministry agreement skills partners Cairo".split()
    return [" ".join(words[(i + k) % len(words)] for k in range(12)) + f" {i}" for i in range(n)]


def test_docx_text_limit_is_enforced_while_parsing():
    data = _docx(_paragraphs(2000))
    got = load_bytes(data, "long.docx", max_chars=20_000)
    assert isinstance(got, Skip) and "text too long" in got.reason
    ok = load_bytes(data, "long.docx", max_chars=1_000_000)
    assert not isinstance(ok, Skip) and "Egypt" in ok.text and ok.text.count("\n") == 1999


def test_a_docx_that_expands_a_lot_costs_little_time_and_memory():
    """The probe's case: a small .docx that expands far (here 100k paragraphs, ~30 MB of XML, ~10M characters)."""
    code = (
        "import resource, sys, time\n"
        "from tests.ingest.test_hardening import _docx, _paragraphs\n"
        "from ingest.load import load_bytes\n"
        "data = _docx(_paragraphs(100_000), '<w:b/><w:i/><w:sz w:val=\"24\"/><w:rtl/>')\n"
        "r0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "t0 = time.monotonic()\n"
        "got = load_bytes(data, 'big.docx', max_chars=2_000_000)\n"
        "dt = time.monotonic() - t0\n"
        "mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - r0) / 1024\n"
        "print(getattr(got, 'reason', 'loaded'), round(dt, 2), round(mb), len(data))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 0, out.stderr
    reason, seconds, mb, size = out.stdout.rsplit(" ", 3)
    assert "text too long" in reason or "expands" in reason, out.stdout
    assert float(seconds) < 5 and int(mb) < 100, out.stdout
    assert int(size) < 20_000_000


def test_docx_whose_text_part_is_too_large_is_refused_before_parsing():
    from ingest import load

    data = _docx(["Egypt and Oman signed an MoU."] * 10, markup="<w:b/>" * 200)
    limit = load.MAX_DOCX_XML
    try:
        load.MAX_DOCX_XML = 5_000
        got = load_bytes(data, "fat.docx")
    finally:
        load.MAX_DOCX_XML = limit
    assert isinstance(got, Skip) and "expands" in got.reason


def test_docx_title_date_tables_and_headings_survive(tmp_path):
    import datetime as dt

    import docx

    d = docx.Document()
    d.add_heading("Egypt and Oman sign an MoU", 1)
    d.add_paragraph("Egypt and Oman signed a memorandum of understanding on cybersecurity in May 2025.")
    t = d.add_table(rows=1, cols=2)
    t.rows[0].cells[0].text, t.rows[0].cells[1].text = "Partner", "Oman"
    d.core_properties.created = dt.datetime(2025, 5, 4, 10, 0)
    buf = io.BytesIO()
    d.save(buf)
    got = load_bytes(buf.getvalue(), "oman.docx")
    assert not isinstance(got, Skip)
    assert got.title == "Egypt and Oman sign an MoU" and got.published == "2025-05-04"
    assert "cybersecurity" in got.text and "Partner | Oman" in got.text
    d.core_properties.title = "Official title"
    buf = io.BytesIO()
    d.save(buf)
    assert load_bytes(buf.getvalue(), "oman.docx").title == "Official title"
