"""Bad questions, index faults and the admin guard: clear answers, never a stack trace."""

import shutil
import signal
import time

import pytest

from assistant.app.compose import build_assistant
from assistant.core.records import Answer
from tests.helpers import free_port, start_chroma

BAD_QUESTIONS = [
    ("", "invalid"),
    ("   \n\t ", "invalid"),
    ("x" * 100_000, "invalid"),
    ("🙂🙂🙂 !!! ؟؟؟ ...", "invalid"),
    ("\u0000\u0001\u0002", "invalid"),
    ("\u202e\u202d\u2066", "invalid"),
]
ODD_BUT_VALID = [
    "'; DROP TABLE documents; --",
    "<script>alert(1)</script> what is the MoU?",
    "What about مذكرة التفاهم with Azerbaijan?",
    "مذكرة\u202e التفاهم\u0000 مع أذربيجان",
    "SELECT * FROM chunks WHERE 1=1",
    "%s %n {0} ${jndi:ldap://x}",
]


@pytest.fixture
def assistant_fake(settings, fake_embedder):
    a = build_assistant(settings, embedder=fake_embedder)
    a.refresh()
    return a


@pytest.mark.parametrize(("q", "status"), BAD_QUESTIONS)
def test_bad_questions_get_polite_answers(assistant_fake, q, status):
    ans = assistant_fake.ask(q)
    assert isinstance(ans, Answer) and ans.status == status and ans.abstained and ans.answer
    assert "Traceback" not in ans.answer and len(ans.answer) < 400


def test_bad_question_answers_use_the_question_language(assistant_fake):
    assert assistant_fake.ask("؟" * 3 + "x" * 3000).status == "invalid"
    ar = assistant_fake.ask("س" * 3000)
    assert ar.status == "invalid" and ar.language == "ar" and "طويل" in ar.answer
    both = assistant_fake.ask("🙂")
    assert "Please" in both.answer and "يُرجى" in both.answer  # no language to detect: both


@pytest.mark.parametrize("q", ODD_BUT_VALID)
def test_odd_but_valid_questions_are_answered_or_abstained(assistant_fake, q):
    ans = assistant_fake.ask(q)
    assert ans.status in ("ok", "abstained")
    assert len(assistant_fake.library()) == 5  # nothing was dropped


def test_question_length_limit_is_configurable(settings, fake_embedder):
    s = settings.model_copy(update={"answer": settings.answer.model_copy(update={"max_question_chars": 20})})
    a = build_assistant(s, embedder=fake_embedder)
    a.refresh()
    assert a.ask("What is the budget of the MoU with Azerbaijan?").status == "invalid"


def test_corrupted_catalog_while_serving_gives_a_clear_error_and_rebuild_recovers(settings, fake_embedder, monkeypatch):
    a = build_assistant(settings, embedder=fake_embedder)
    a.refresh()
    assert a.ask("What did Egypt sign with Azerbaijan?").status in ("ok", "abstained")
    cat = settings.index_dir / "catalog.sqlite"
    a.catalog.close()
    with open(cat, "r+b") as fh:  # scribble over the database pages
        fh.seek(0)
        fh.write(b"\0garbage" * 2048)
    for f in settings.index_dir.glob("catalog.sqlite-*"):
        f.unlink()
    b = build_assistant(settings, embedder=fake_embedder)
    ans = b.ask("What did Egypt sign with Azerbaijan?")
    assert ans.status == "unavailable" and "taawun ingest --rebuild" in ans.answer

    from ingest.library import rebuild

    # `taawun ingest --rebuild` runs in a process of its own: no client of the old store files is open there
    a.index.close()
    monkeypatch.setattr("assistant.app.compose.make_embedder", lambda s: fake_embedder)
    report = rebuild(settings, build_assistant, None)
    assert report.counts()["updated"] + report.counts()["added"] == 5
    c = build_assistant(settings, embedder=fake_embedder)
    assert c.ask("What did Egypt sign with Azerbaijan?").status in ("ok", "abstained")
    assert not list(settings.index_dir.parent.glob("index.rebuild")) and not list(
        settings.index_dir.parent.glob("index.old")
    )


def test_removed_index_directory_is_reported_with_the_recovery_command(settings, fake_embedder):
    a = build_assistant(settings, embedder=fake_embedder)
    a.refresh()
    shutil.rmtree(settings.index_dir)
    b = build_assistant(settings, embedder=fake_embedder)
    ans = b.ask("What did Egypt sign with Azerbaijan?")
    assert ans.status == "unavailable" and "taawun ingest" in ans.answer


@pytest.mark.integration
def test_chroma_server_killed_mid_session_then_back(settings, fake_embedder, tmp_path):
    port = free_port()
    data = tmp_path / "chroma-data"
    proc = start_chroma(data, port)
    try:
        s = settings.model_copy(
            update={"chroma": settings.chroma.model_copy(update={"url": f"http://127.0.0.1:{port}", "timeout_s": 3})}
        )
        a = build_assistant(s, embedder=fake_embedder)
        a.refresh()
        assert a.ask("What did Egypt sign with Azerbaijan?").status in ("ok", "abstained")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        t0 = time.time()
        down = a.ask("What did Egypt sign with Azerbaijan?")
        assert down.status == "unavailable" and "Chroma" in down.answer
        assert time.time() - t0 < 30
        proc = start_chroma(data, port)
        back = a.ask("What did Egypt sign with Azerbaijan?")
        assert back.status in ("ok", "abstained")
    finally:
        proc.kill()


@pytest.mark.integration
def test_two_replicas_share_one_chroma_server_and_see_each_others_updates(settings, fake_embedder, tmp_path):
    """The Scaling section's set-up: app replicas with one `chroma run` server and one index folder."""
    port = free_port()
    proc = start_chroma(tmp_path / "chroma-data", port)
    try:
        s = settings.model_copy(
            update={"chroma": settings.chroma.model_copy(update={"url": f"http://127.0.0.1:{port}"})}
        )
        editor = build_assistant(s, embedder=fake_embedder)
        editor.refresh()
        replica = build_assistant(s, embedder=fake_embedder)  # its own catalog connection and Chroma client
        before = {d.doc_id for d in replica.library()}
        release = "Egypt and Estonia signed a memorandum of understanding on cybersecurity in Cairo in March 2026."
        editor.add_files([("900_estonia.txt", release.encode())])
        assert {d.doc_id for d in replica.library()} - before == {"900_estonia.txt"}
        got = replica.ask("What did Egypt sign with Estonia?")
        assert got.status == "ok" and "900_estonia.txt" in {c.doc_id for c in got.citations}
        editor.remove("900_estonia.txt")
        assert "900_estonia.txt" not in {d.doc_id for d in replica.library()}
        assert "900_estonia.txt" not in {c.doc_id for c in replica.ask("What did Egypt sign with Estonia?").citations}
    finally:
        proc.kill()
