"""CPU sharing: settings wiring, the lowered ingest thread, the bounded encode queue (no timings asserted)."""

from __future__ import annotations

import contextvars
import os
import sys
import threading

import numpy as np
import pytest

from assistant.app import cli
from assistant.core import cpu
from assistant.core.errors import EncoderBusy
from assistant.core.settings import CPUSettings, load_settings
from tests.helpers import HashEmbedder

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")


# --- settings and the process environment ------------------------------------------------------
def test_cpu_defaults_come_from_the_toml_and_env_overrides_them(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for k in list(os.environ):
        if k.startswith("TAAWUN_"):
            monkeypatch.delenv(k)
    c = load_settings().cpu
    assert (c.threads, c.interop_threads, c.ingest_threads, c.ingest_nice) == (1, 1, 2, 10)
    assert c.omp_wait_policy == "PASSIVE"
    assert c.encode_queue == 32
    monkeypatch.setenv("TAAWUN_CPU_INGEST_NICE", "5")
    monkeypatch.setenv("TAAWUN_CPU_THREADS", "2")
    monkeypatch.setenv("TAAWUN_CPU_OMP_WAIT_POLICY", "passive ")
    c = load_settings().cpu
    assert (c.ingest_nice, c.threads, c.omp_wait_policy) == (5, 2, "PASSIVE")
    monkeypatch.setenv("TAAWUN_CPU_OMP_WAIT_POLICY", "")  # the "before" benchmark setting: library default
    assert load_settings().cpu.omp_wait_policy == ""


def test_cpu_settings_reject_out_of_range_values():
    with pytest.raises(ValueError):
        CPUSettings(ingest_nice=25)
    with pytest.raises(ValueError):
        CPUSettings(omp_wait_policy="SPIN")  # type: ignore[arg-type]


def test_process_env_sets_threads_and_the_wait_policy():
    env = cpu.process_env(CPUSettings(), 1)
    assert env["OMP_WAIT_POLICY"] == "PASSIVE"
    assert env["KMP_BLOCKTIME"] == "0"
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "1"
    assert cpu.process_env(CPUSettings(omp_wait_policy=""), 0) == {}  # the old behaviour sets nothing


def test_configure_process_keeps_what_the_user_set(monkeypatch):
    env = {"OMP_NUM_THREADS": "4"}
    monkeypatch.setattr(os, "environ", env)
    applied = cpu.configure_process(CPUSettings(), 1)
    assert env["OMP_NUM_THREADS"] == "4" and "OMP_NUM_THREADS" not in applied
    assert env["OMP_WAIT_POLICY"] == "PASSIVE" and env["MKL_NUM_THREADS"] == "1"


def test_the_cli_configures_the_environment_from_settings(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in cpu.THREAD_ENV and k != "OMP_WAIT_POLICY"}
    env["TAAWUN_CPU_THREADS"] = "2"
    monkeypatch.setattr(os, "environ", env)
    cli._configure_cpu(cli.parser().parse_args(["status", "--index", str(tmp_path / "index")]))
    assert env["OMP_NUM_THREADS"] == "2"
    assert env["OMP_WAIT_POLICY"] == "PASSIVE"


# --- priority ------------------------------------------------------------------------------------
@linux_only
def test_run_lowered_runs_nicer_than_the_caller_and_leaves_the_caller_alone():
    before = cpu.thread_nice()
    seen = cpu.run_lowered(lambda: (cpu.thread_nice(), threading.current_thread().name), 5)
    assert seen[0] == min(19, before + 5)
    assert seen[1] == "taawun-ingest"
    assert cpu.thread_nice() == before


def test_run_lowered_returns_raises_and_carries_context_variables():
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var")
    var.set("progress bar")
    assert cpu.run_lowered(var.get, 3) == "progress bar"

    def fail() -> None:
        raise ValueError("another ingest run is using it")

    with pytest.raises(ValueError, match="another ingest"):
        cpu.run_lowered(fail, 3)
    assert cpu.run_lowered(threading.get_ident, 0) == threading.get_ident()  # 0: in the caller, as before


_INTERRUPTED_CHILD = """
import sys, time
from assistant.core import cpu
def work():
    try:
        print("started", flush=True)
        while True:
            time.sleep(0.01)
    finally:
        print("unwound", flush=True)
try:
    cpu.run_lowered(work, 3)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(130)
"""


@linux_only
def test_ctrl_c_in_the_caller_unwinds_the_lowered_work():
    import signal
    import subprocess

    from tests.helpers import ROOT

    proc = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTED_CHILD],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a background shell ignores it
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert out.split() == ["unwound", "interrupted"]  # the work's own cleanup ran before the caller exited
    assert proc.returncode == 130


class _RecordingEmbedder(HashEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.passage_nice: list[int] = []

    def embed_passages(self, texts, progress=None):  # type: ignore[no-untyped-def]
        self.passage_nice.append(cpu.thread_nice())
        return super().embed_passages(texts, progress)


@linux_only
def test_an_ingest_embeds_at_a_lower_priority_than_its_caller(settings):
    from assistant.app.compose import build_assistant

    emb = _RecordingEmbedder()
    report = build_assistant(settings, embedder=emb).refresh()
    assert report.to_dict()  # the report comes back through the worker thread
    caller = cpu.thread_nice()
    assert emb.passage_nice
    assert all(n == min(19, caller + settings.cpu.ingest_nice) for n in emb.passage_nice)
    assert settings.cpu.ingest_nice > 0 and (caller == 19 or emb.passage_nice[0] > caller)
    assert cpu.thread_nice() == caller


@linux_only
def test_lower_thread_priority_never_exceeds_19():
    assert cpu.run_lowered(lambda: cpu.lower_thread_priority(30), 1) == 19


# --- the encode queue ------------------------------------------------------------------------------
def test_encode_queue_runs_every_encode_on_one_worker_one_at_a_time():
    q = cpu.EncodeQueue(size=8, wait_s=30)
    lock = threading.Lock()
    running, peak, names = 0, 0, set()

    def job() -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        name = threading.current_thread().name
        with lock:
            running -= 1
        return name

    callers = [threading.Thread(target=lambda: names.add(q.run(job))) for _ in range(6)]
    for t in callers:
        t.start()
    for t in callers:
        t.join()
    q.close()
    assert peak == 1
    assert len(names) == 1 and next(iter(names)).startswith("taawun-encode")


def test_encode_queue_refuses_clearly_when_full_and_recovers():
    q = cpu.EncodeQueue(size=1, wait_s=0.05)
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait()
        return "first"

    result: list[str] = []
    holder = threading.Thread(target=lambda: result.append(q.run(slow)))
    holder.start()
    started.wait()
    with pytest.raises(EncoderBusy, match="1 questions are already waiting"):
        q.run(lambda: "second")
    release.set()
    holder.join()
    assert result == ["first"]
    assert q.run(lambda: "third") == "third"  # the place was given back
    q.close()


def test_an_ingest_encodes_its_own_queries_in_its_own_thread():
    q = cpu.EncodeQueue(size=1, wait_s=1)
    assert cpu.run_lowered(lambda: q.run(lambda: threading.current_thread().name), 2) == "taawun-ingest"
    q.close()


def test_encode_worker_and_ingest_threads_keep_their_own_torch_thread_counts():
    torch = pytest.importorskip("torch")
    main = torch.get_num_threads()
    q = cpu.EncodeQueue(size=2, wait_s=5, threads=1)
    try:
        assert q.run(torch.get_num_threads) == 1  # pinned when the worker started
        seen: list[object] = []

        def ingest() -> None:
            before = torch.get_num_threads()
            with cpu.torch_threads(3):
                seen.append(torch.get_num_threads())
                seen.append(q.run(torch.get_num_threads))  # the worker keeps its own count meanwhile
            seen.append(torch.get_num_threads() == before)

        t = threading.Thread(target=ingest)
        t.start()
        t.join()
        assert seen == [3, 1, True]
        assert torch.get_num_threads() == main  # the caller's count is its own too
    finally:
        torch.set_num_threads(main)
        q.close()


def test_a_full_encode_queue_is_answered_busy_not_error(indexed, monkeypatch):
    def busy(text: str) -> np.ndarray:
        raise EncoderBusy("32 questions are already waiting")

    monkeypatch.setattr(indexed.embedder, "embed_query", busy)
    ans = indexed.ask("What did Egypt and India agree on?")
    assert ans.status == "unavailable"
    assert "try again" in ans.answer


# --- the real embedder ------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.integration
def test_real_embedder_queues_queries_and_embeds_passages_with_the_ingest_threads(real_settings_base):
    from ingest.embed import SentenceTransformerEmbedder

    emb = SentenceTransformerEmbedder(real_settings_base.embedding, CPUSettings(threads=2, ingest_threads=1))
    seen: list[tuple[str, int]] = []
    inner = emb._encode

    def spy(texts: list[str]) -> np.ndarray:
        import torch

        seen.append((threading.current_thread().name, torch.get_num_threads()))
        return inner(texts)

    emb._encode = spy  # type: ignore[method-assign]
    q = "ما الأدوات التي تستخدمها وزارة الاتصالات؟"
    vec = emb.embed_query(q)
    emb.embed_passages(["passage one", "نص ثان"])
    assert seen[0][0].startswith("taawun-encode") and seen[0][1] == 2
    assert seen[1] == (threading.current_thread().name, 1)
    # same vector as a plain encode, and the token count from the private tokenizer copy agrees
    plain = emb._model.encode([emb._qp + q], normalize_embeddings=True, convert_to_numpy=True)[0]
    assert np.array_equal(vec, plain)
    assert emb.count_tokens(q) == len(emb._model.tokenizer(q, add_special_tokens=False)["input_ids"])


@pytest.mark.slow
@pytest.mark.integration
def test_questions_encode_correctly_while_an_ingest_embeds_in_the_same_process(real_embedder):
    """The editor-tab case: passage batches and token counts in the ingest thread, questions beside them."""
    questions = [f"What did Egypt agree with partner number {i}?" for i in range(12)]
    expected = {q: real_embedder._encode([real_embedder._qp + q])[0] for q in questions}
    passages = [f"Egypt and partner {i} signed a memorandum on digital skills. " * 20 for i in range(48)]
    stop = threading.Event()

    def ingest() -> int:
        n = 0
        while not stop.is_set():
            real_embedder.embed_passages(passages[:16])
            n += sum(real_embedder.count_tokens(p) for p in passages[:16])
        return n

    errors: list[BaseException] = []
    out: list[int] = []

    def lowered() -> None:
        try:
            out.append(cpu.run_lowered(ingest, 5))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    t = threading.Thread(target=lowered)
    t.start()
    try:
        got = {q: real_embedder.embed_query(q) for q in questions}
    finally:
        stop.set()
        t.join()
    assert not errors and out and out[0] > 0
    for q in questions:
        np.testing.assert_allclose(got[q], expected[q], atol=1e-6)
