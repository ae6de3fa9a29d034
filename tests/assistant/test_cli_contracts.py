"""Hardening round 2, the command line: batch alignment, UTF-8 in and out, bad arguments, exit codes.

Most tests run `taawun` in-process with the fake embedder; the ones about bytes on stdin, argv and
stdout run a real process (no model is loaded: every question they send is invalid).
"""

import io
import json
import os
import shutil
import subprocess
import sys

import pytest

from assistant.app import cli
from assistant.core.layout import CATALOG_FILE, CHROMA_DIR
from tests.helpers import ROOT


def _run(*args, stdin=None, timeout=120):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "assistant.app.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


@pytest.fixture
def fake_cli(monkeypatch, fake_embedder):
    """`taawun` in this process, with the fake embedder instead of e5."""
    monkeypatch.setattr("assistant.app.compose.make_embedder", lambda s: fake_embedder)
    monkeypatch.setattr("assistant.app.compose.embedder_model_id", lambda s: fake_embedder.model_id)
    return cli.main


def _where(settings):
    return ["--index", str(settings.index_dir), "--sources", str(settings.sources_dir)]


# --- item 9: one output line per input line ----------------------------------------------
def test_ask_batch_gives_exactly_one_json_line_per_input_line(indexed, settings, fake_cli, monkeypatch, capsys):
    lines = [
        "What did Egypt sign with Azerbaijan?",
        "",
        "Who signed the MoU with Palestine?",
        "   ",
        "ما هي ميزانية مذكرة التفاهم بين مصر وأذربيجان؟",
        "\t",
        "What does Egypt Post offer?",
        "",
        "When was the MoU with Azerbaijan signed?",
        "What about Nigeria?",
    ]
    stdin = io.TextIOWrapper(io.BytesIO(("\n".join(lines) + "\n").encode()), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    assert fake_cli(["ask", "--json", "-", *_where(settings)]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(out) == len(lines)
    for line, obj in zip(lines, out, strict=True):
        assert obj["status"] in ("ok", "abstained", "invalid")
        assert (obj["status"] == "invalid") == (not line.strip())


# --- item 10: invalid UTF-8 and lone surrogates -----------------------------------------
def test_invalid_utf8_on_stdin_and_argv_is_answered_invalid_in_valid_utf8(tmp_path):
    where = ["--index", str(tmp_path / "nowhere")]
    out = _run("ask", "--json", "-", *where, stdin=b"What did Egypt \xff\xfe sign?\n\xed\xa0\x80\n\n")
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode("utf-8")  # strict: raises on invalid UTF-8
    objs = [json.loads(x) for x in text.splitlines()]
    assert [o["status"] for o in objs] == ["invalid", "invalid", "invalid"]
    assert "Traceback" not in out.stderr.decode("utf-8", "replace")
    arg = b"What did Egypt \xff sign?".decode("utf-8", "surrogateescape")  # as argv arrives from a shell
    one = _run("ask", "--json", arg, *where)
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout.decode("utf-8"))["status"] == "invalid"


# --- item 11: bad CLI arguments -----------------------------------------------------------
@pytest.mark.parametrize(
    ("flag", "value", "name"), [("--since", "abc", "date_from"), ("--until", "2024-13-40", "date_to")]
)
def test_bad_cli_filters_are_invalid_and_name_the_argument(indexed, settings, fake_cli, capsys, flag, value, name):
    assert fake_cli(["ask", "--json", "What did Egypt sign with Azerbaijan?", flag, value, *_where(settings)]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["status"] == "invalid" and name in obj["answer"] and value in obj["answer"]


# --- item 12: llm-server ------------------------------------------------------------------
def test_llm_server_command_parses_its_own_arguments(tmp_path):
    helped = _run("llm-server", "--help")
    assert helped.returncode == 0 and b"--model" in helped.stdout
    missing = _run("llm-server", "--model", str(tmp_path / "none.gguf"))
    assert missing.returncode == 1 and b"no GGUF model file" in missing.stderr
    assert b"unrecognized arguments" not in missing.stderr


def test_make_llm_server_passes_the_model(tmp_path):
    if not shutil.which("make"):
        pytest.skip("no make")
    # -o: treat the install stamp as up to date, so the test never runs pip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        ["make", "-s", "-o", ".venv/.installed", "llm-server", f"MODEL={tmp_path / 'none.gguf'}"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert out.returncode != 0 and "no GGUF model file" in out.stderr and "unrecognized" not in out.stderr


@pytest.mark.integration
@pytest.mark.slow
def test_make_llm_server_serves_smollm2(tmp_path):
    import signal
    import time
    import urllib.request

    from assistant.app.llm_server import ServerError, find_gguf
    from tests.helpers import free_port

    try:
        model = find_gguf(None)
    except ServerError as exc:
        pytest.skip(str(exc))
    port = free_port()
    proc = subprocess.Popen(
        ["make", "-s", "-o", ".venv/.installed", "llm-server", f"MODEL={model}", f"PORT={port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("llm-server did not answer /health")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


# --- items 6 and 7: status exits non-zero on a broken index ---------------------------------
def test_status_exits_non_zero_on_a_zero_byte_catalog_and_does_not_write_it(tmp_path):
    idx = tmp_path / "index"
    idx.mkdir()
    (idx / CATALOG_FILE).write_bytes(b"")
    for cmd in ("status", "library"):
        out = _run(cmd, "--index", str(idx))
        assert out.returncode == 1, (cmd, out.stdout, out.stderr)
        assert b"taawun ingest --rebuild" in out.stdout + out.stderr
        assert (idx / CATALOG_FILE).stat().st_size == 0, cmd  # a reading command wrote nothing
        assert sorted(p.name for p in idx.iterdir()) == [CATALOG_FILE], cmd


def test_status_exits_non_zero_when_vectors_are_lost(indexed, settings):
    before = _run("status", "--index", str(settings.index_dir))
    assert before.returncode == 0, before.stderr
    shutil.rmtree(settings.index_dir / CHROMA_DIR)
    after = _run("status", "--index", str(settings.index_dir))
    assert after.returncode == 1
    report = json.loads(after.stdout)
    assert "taawun ingest" in report["problem"] and report["vectors"] != report["catalog_chunks"]
    assert not (settings.index_dir / CHROMA_DIR).exists()  # status did not create an empty store
