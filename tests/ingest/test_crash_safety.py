"""A run killed at any point leaves the previous index queryable, and the next run converges."""

import os
import random
import re
import signal
import subprocess
import sys
import time

import pytest

from assistant.app.compose import build_assistant
from assistant.core.layout import lexical_path
from assistant.core.text import sentence_spans
from tests.helpers import CORPUS, ROOT


def _snapshot(a):
    return a.catalog.doc_states(), a.catalog.chunk_ids()


def test_failure_between_vector_write_and_catalog_commit(settings, fake_embedder, monkeypatch):
    a = build_assistant(settings, embedder=fake_embedder)
    a.refresh()
    docs_before, chunks_before = _snapshot(a)
    (settings.sources_dir / "new.txt").write_text(
        "Egypt and Kenya signed an agreement on digital skills in 2025.", encoding="utf-8"
    )

    real = a.catalog.transaction

    def boom():
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(a.catalog, "transaction", boom)
    with pytest.raises(OSError, match="disk full"):
        a.refresh()
    # new vectors reached Chroma, but the catalog did not change: readers see the old state only
    assert _snapshot(a) == (docs_before, chunks_before)
    assert a.index.ids() > chunks_before
    hits = a.retriever(k=3).search("Kenya digital skills agreement")
    assert all(h.doc.doc_id != "new.txt" for h in hits)
    assert a.ask("Who signed the MoU with Palestine?").status in ("ok", "abstained")
    monkeypatch.setattr(a.catalog, "transaction", real)
    r = a.refresh()
    assert r.counts()["added"] == 1
    assert a.index.ids() == a.catalog.chunk_ids()  # stray vectors collected


def test_lexical_index_left_behind_is_rebuilt_by_readers(settings, fake_embedder):
    a = build_assistant(settings, embedder=fake_embedder)
    a.refresh()
    stale = lexical_path(settings).read_bytes()
    (settings.sources_dir / "new.txt").write_text(
        "Egypt and Kenya signed an agreement on digital skills in 2025.", encoding="utf-8"
    )
    a.refresh()
    lexical_path(settings).write_bytes(stale)  # as if the run died after the catalog commit
    b = build_assistant(settings, embedder=fake_embedder)
    hits = b.retriever(k=3).search("Kenya digital skills agreement")
    assert hits[0].doc.doc_id == "new.txt"


def _synthetic_releases(folder, n=36):
    rng = random.Random(7)
    sents = []
    for p in sorted(CORPUS.glob("*.txt")):
        t = p.read_text(encoding="utf-8")
        sents += [t[a:b] for a, b in sentence_spans(t)]
    for i in range(n):
        body = " ".join(rng.sample(sents, 12))
        (folder / f"release_{i:02d}.txt").write_text(f"Release {i}\n\n{body}\n", encoding="utf-8")


@pytest.mark.integration
@pytest.mark.slow
def test_sigkill_during_embedding_keeps_previous_index(tmp_path, corpus_index):
    import shutil

    src = tmp_path / "sources"
    shutil.copytree(corpus_index.sources_dir, src)
    idx = tmp_path / "index"
    shutil.copytree(corpus_index.index_dir, idx)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TAAWUN_EMBEDDING_CACHE_DIR": str(corpus_index.model_cache_dir)}
    args = [sys.executable, "-m", "assistant.app.cli", "ingest", "--sources", str(src), "--index", str(idx)]
    _synthetic_releases(src)
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
    seen = ""
    deadline = time.time() + 240
    while time.time() < deadline:
        chunk = proc.stderr.read1(4096).decode("utf-8", "replace") if proc.stderr else ""
        seen += chunk
        m = re.findall(r"embedding:\s+(\d+)%", seen)
        if m and int(m[-1]) >= 10:
            break
        if proc.poll() is not None:
            pytest.fail(f"ingest ended before it could be killed: {seen[-500:]}")
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)

    from tests.helpers import make_settings

    s = make_settings(tmp_path, src, index={"dir": idx})
    a = build_assistant(s)
    docs = {d.doc_id for d in a.library()}
    assert docs == {p.name for p in corpus_index.sources_dir.glob("*.txt")}  # the previous state, complete
    assert a.index.ids() == a.catalog.chunk_ids()
    ans = a.ask("متى تم توقيع مذكرة التفاهم بين مصر وأذربيجان؟")
    assert not ans.abstained and "2024" in ans.answer

    done = subprocess.run([*args, "--json"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    import json

    rep = json.loads(done.stdout)
    assert rep["added"] == 36 and rep["unchanged"] == 5
    b = build_assistant(s)
    assert len(b.library()) == 41 and b.index.ids() == b.catalog.chunk_ids()
