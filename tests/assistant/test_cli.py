"""The `taawun` command line, run as a user would (a real process)."""

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT

CONTRACT = {"question", "language", "answer", "abstained", "short_answer", "citations", "timings_ms"}
CITATION = {"n", "source", "title", "language", "snippet", "start", "end", "score"}


def taawun(*args, stdin=None, env=None, timeout=300):
    e = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "assistant.app.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=e,
        cwd=ROOT,
    )


def test_help_and_usage_errors():
    out = taawun("--help")
    assert out.returncode == 0 and "ingest" in out.stdout and "ask" in out.stdout and "serve" in out.stdout
    bad = taawun("frobnicate")
    assert bad.returncode == 2


def test_missing_index_is_a_clear_error_not_a_traceback(tmp_path):
    out = taawun("agreements", "--index", str(tmp_path / "nowhere"), "--json")
    assert out.returncode == 1 and "no index" in out.stderr and "taawun ingest" in out.stderr
    assert not (tmp_path / "nowhere").exists()
    out = taawun("ingest", "--sources", str(tmp_path / "missing"), "--index", str(tmp_path / "i"), "--quiet")
    assert out.returncode == 1
    assert "sources folder" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.integration
@pytest.mark.slow
def test_ask_json_reads_questions_from_stdin_one_object_per_line(corpus_index):
    questions = "What does Egypt Post offer participating countries on its platform?\n\nما هي ميزانية مذكرة التفاهم بين مصر وأذربيجان؟\n"
    out = taawun(
        "ask",
        "--json",
        "-",
        "--index",
        str(corpus_index.index_dir),
        "--sources",
        str(corpus_index.sources_dir),
        stdin=questions,
        env={"TAAWUN_EMBEDDING_CACHE_DIR": str(corpus_index.model_cache_dir)},
    )
    assert out.returncode == 0, out.stderr
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert len(lines) == 3  # one per input line: the blank one is answered `invalid`
    first, blank, second = lines
    assert blank["status"] == "invalid"
    for obj in (first, second):
        assert set(obj) == CONTRACT | {"status"}  # the API's `status` field too
        for c in obj["citations"]:
            assert set(c) == CITATION
        assert isinstance(obj["timings_ms"]["total"], float)
    assert first["language"] == "en" and not first["abstained"]
    assert first["citations"][0]["source"] == "003_f299f8e0cc481d39.txt"
    assert second["language"] == "ar" and second["abstained"]


@pytest.mark.integration
@pytest.mark.slow
def test_plain_ask_and_ingest_json(corpus_index, tmp_path):
    env = {"TAAWUN_EMBEDDING_CACHE_DIR": str(corpus_index.model_cache_dir)}
    out = taawun(
        "ask", "متى تم توقيع مذكرة التفاهم بين مصر وأذربيجان؟", "--index", str(corpus_index.index_dir), env=env
    )
    assert out.returncode == 0 and "يونيو 2024" in out.stdout and "[1]" in out.stdout
    rep = taawun(
        "ingest", "--json", "--index", str(corpus_index.index_dir), "--sources", str(corpus_index.sources_dir), env=env
    )
    data = json.loads(rep.stdout)
    assert data["unchanged"] == 5 and data["added"] == 0 and data["passages_embedded"] == 0
