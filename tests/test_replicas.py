"""Replicas on separate hosts: a PostgreSQL catalog and a `chroma run` server, each replica with its own
empty local folder (the Scaling section's multi-host set-up), and every catalog x vector-store pairing."""

from __future__ import annotations

import shutil

import pytest

from assistant.app.compose import build_assistant
from assistant.core.store import MemoryIndex
from ingest.fetch import Refused
from tests.helpers import CORPUS, free_port, make_settings, start_chroma

pytestmark = pytest.mark.integration

ESTONIA = "Egypt and Estonia signed a memorandum of understanding on cybersecurity in Tallinn in March 2026."
ESTONIA_AR = "وقعت مصر وإستونيا مذكرة تفاهم في مجال الأمن السيبراني في تالين في مارس 2026."


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    port = free_port()
    proc = start_chroma(tmp_path_factory.mktemp("chroma-replicas"), port)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


def _host(root, name, catalog_url, chroma_url, collection, corpus=False):
    """One replica's settings: its own sources and index folders (empty unless ``corpus``)."""
    src = root / name / "sources"
    if corpus:
        shutil.copytree(CORPUS, src, ignore=shutil.ignore_patterns(".*"))
    else:
        src.mkdir(parents=True)
    return make_settings(
        root / name,
        src,
        catalog={"url": catalog_url},
        chroma={"url": chroma_url},
        index={"collection": collection},
    )


def test_two_replicas_with_empty_folders_share_one_index(tmp_path, postgres_url, chroma_url, fake_embedder):
    collection = f"replicas-{tmp_path.name[-20:]}".replace("_", "-")
    editor = build_assistant(_host(tmp_path, "a", postgres_url, chroma_url, collection, True), embedder=fake_embedder)
    editor.refresh()
    replica = build_assistant(_host(tmp_path, "b", postgres_url, chroma_url, collection), embedder=fake_embedder)
    assert {d.doc_id for d in replica.library()} == {d.doc_id for d in editor.library()}
    for q in ("What did Egypt sign with Azerbaijan?", "متى وقعت مصر مذكرة التفاهم مع أذربيجان؟"):
        mine, theirs = editor.ask(q), replica.ask(q)  # the replica answers from a folder that held nothing
        assert (theirs.answer, theirs.citations) == (mine.answer, mine.citations) and theirs.status != "unavailable"

    editor.add_files([("900_estonia.txt", ESTONIA.encode())])
    ESTONIA_TITLE = editor.catalog.document("900_estonia.txt").title
    got = replica.ask("What did Egypt sign with Estonia in Tallinn?")
    assert "900_estonia.txt" in {c.doc_id for c in got.citations}
    assert replica.engine._lex is not None and replica.engine._lex.row("900_estonia.txt") is None
    assert any(cid.startswith("900_estonia.txt#") for cid in replica.engine._lex.ids)  # BM25 caught up
    assert not (replica.settings.index_dir / "lexical.npz").exists()  # in memory: the ingest is its one writer

    replica.add_files([("901_estonia_ar.txt", ESTONIA_AR.encode())])  # the other way round, in Arabic
    ar = editor.ask("ماذا وقعت مصر مع إستونيا في تالين؟")
    assert "901_estonia_ar.txt" in {c.doc_id for c in ar.citations}

    # its sources folder lacks the editor's documents: they stay, whatever the scope of the run
    for scope in (None, [replica.settings.sources_dir], [replica.settings.sources_dir / "."]):
        kept = replica.refresh(scope)
        assert kept.kept_elsewhere == len(editor.library()) - 1 and not kept.of("removed")
    with pytest.raises(Refused, match="another host"):  # its host's next refresh would add it back
        replica.remove("900_estonia.txt")
    (replica.settings.sources_dir / "900_estonia.txt").write_text("Another text, same name.", encoding="utf-8")
    same_name = replica.refresh()
    assert [d.doc_id for d in same_name.of("skipped")] == ["900_estonia.txt"]
    assert editor.catalog.document("900_estonia.txt").title == ESTONIA_TITLE  # not overwritten
    (replica.settings.sources_dir / "900_estonia.txt").unlink()

    editor.remove("900_estonia.txt")  # removed on its own host: gone for the other one
    replica.remove("901_estonia_ar.txt")
    for a in (editor, replica):
        assert not {"900_estonia.txt", "901_estonia_ar.txt"} & {d.doc_id for d in a.library()}
        assert "900_estonia.txt" not in {c.doc_id for c in a.ask("What did Egypt sign with Estonia?").citations}
    assert editor.status()["chunks"] == sum(editor.status()["vectors"].values())


def test_a_second_host_cannot_ingest_while_one_is_writing(tmp_path, postgres_url, chroma_url, fake_embedder):
    from ingest.reports import IngestLocked

    collection = f"lock-{tmp_path.name[-20:]}".replace("_", "-")
    a = build_assistant(_host(tmp_path, "a", postgres_url, chroma_url, collection, True), embedder=fake_embedder)
    b = build_assistant(_host(tmp_path, "b", postgres_url, chroma_url, collection), embedder=fake_embedder)
    with a._open_catalog(create=True).writer_lock() as mine:
        assert mine
        with pytest.raises(IngestLocked, match="another host"):
            b.refresh()
    b.refresh()


@pytest.mark.parametrize("catalog", ["sqlite", "postgres"])
@pytest.mark.parametrize("store", ["memory", "chroma-embedded", "chroma-server"])
def test_every_catalog_and_store_pairing_serves_the_same_answers(
    tmp_path, request, catalog, store, fake_embedder, corpus
):
    """Add, ask, replace, remove through the service on each pairing; answers match the SQLite + memory
    pairing's exactly."""
    over: dict[str, object] = {}
    if catalog == "postgres":
        over["catalog"] = {"url": request.getfixturevalue("postgres_url")}
    if store == "memory":
        over["index"] = {"backend": "memory"}
    elif store == "chroma-server":
        over["chroma"] = {"url": request.getfixturevalue("chroma_url")}
        over["index"] = {"collection": f"pair-{catalog}-{tmp_path.name[-16:]}".replace("_", "-")}
    runs = []
    for name, extra in (("reference", {"index": {"backend": "memory"}}), ("pairing", over)):
        src = tmp_path / name / "sources"
        shutil.copytree(corpus, src)
        memory = extra.get("index", {}).get("backend") == "memory"  # type: ignore[union-attr]
        a = build_assistant(
            make_settings(tmp_path / name, src, **extra),
            embedder=fake_embedder,
            index=MemoryIndex(fake_embedder.dim) if memory else None,
        )
        a.refresh()
        a.add_files([("900_estonia.txt", ESTONIA.encode())])
        (src / "900_estonia.txt").write_text(ESTONIA.replace("March", "April"), encoding="utf-8")
        a.refresh()
        questions = ["When did Egypt sign the MoU with Estonia?", "ماذا وقعت مصر مع أذربيجان؟", "Who is the ITU?"]
        answers = [(x.answer, [c.doc_id for c in x.citations]) for x in map(a.ask, questions)]
        a.remove("900_estonia.txt")
        answers.append(sorted(d.doc_id for d in a.library()))
        runs.append(answers)
    assert "April 2026" in runs[0][0][0]
    assert runs[1] == runs[0]


@pytest.mark.slow
def test_sigkill_mid_refresh_leaves_postgres_and_chroma_consistent(tmp_path, postgres_url, chroma_url, fake_embedder):
    """Killed at several points of a refresh, the shared index stays whole (the previous state or the new
    one, never a mix), the vector counts match the catalog's, and the next run converges."""
    import os
    import random
    import signal
    import subprocess
    import sys

    from tests.helpers import ROOT

    collection = f"kill-{tmp_path.name[-20:]}".replace("_", "-")
    s = _host(tmp_path, "a", postgres_url, chroma_url, collection, True)
    a = build_assistant(s, embedder=fake_embedder)
    a.refresh()
    env = {
        **os.environ, "PYTHONPATH": str(ROOT), "TAAWUN_CATALOG_URL": postgres_url, "TAAWUN_CHROMA_URL": chroma_url,
        "TAAWUN_INDEX_COLLECTION": collection, "TAAWUN_SOURCES_DIR": str(s.sources_dir),
        "TAAWUN_INDEX_DIR": str(tmp_path / "killed" / "index"),
    }  # fmt: skip
    rng = random.Random(5)
    sentences = ESTONIA.split(" ")
    for round_ in range(4):
        for i in range(6):  # new releases, and one replaced
            body = " ".join(rng.sample(sentences, len(sentences)))
            (s.sources_dir / f"r{round_}_{i}.txt").write_text(
                f"Release {round_}-{i}\n\n{body}\n" * 12, encoding="utf-8"
            )
        before = {d.doc_id for d in a.library()}
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.replica_ingest"], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        stage = ("embed", "write", "embed", "scan")[round_]
        seen = ""
        for line in proc.stdout or []:
            seen = line
            if line.startswith(stage):
                break
        assert seen.startswith(stage), f"the run ended before its {stage} stage: {seen!r}"  # no vacuous pass
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        after = {d.doc_id for d in a.library()}
        assert after in (before, before | {f"r{round_}_{i}.txt" for i in range(6)})  # all or nothing
        assert a.catalog.missing_vectors(a.index) is None  # every catalog chunk has its vector
    report = a.refresh()
    assert {d.doc_id for d in a.library()} >= {f"r{r}_{i}.txt" for r in range(4) for i in range(6)}
    assert a.index.ids() == a.catalog.chunk_ids() and report.counts()["skipped"] == 0


def test_a_model_change_on_a_shared_catalog_re_embeds_every_document_or_nothing(
    tmp_path, postgres_url, chroma_url, fake_embedder
):
    from ingest.reports import IngestError
    from tests.helpers import HashEmbedder

    class OtherModel(HashEmbedder):
        model_id = "test/another-model"

    collection = f"model-{tmp_path.name[-20:]}".replace("_", "-")
    a_settings = _host(tmp_path, "a", postgres_url, chroma_url, collection, True)
    a = build_assistant(a_settings, embedder=fake_embedder)
    a.refresh()
    b = build_assistant(_host(tmp_path, "b", postgres_url, chroma_url, collection), embedder=fake_embedder)
    b.add_files([("901_estonia_ar.txt", ESTONIA_AR.encode())])
    switched = build_assistant(a_settings, embedder=OtherModel())
    with pytest.raises(IngestError, match="not in this sources folder"):
        switched.refresh()  # b's release would keep the old model's vectors
    assert a.catalog.get_meta("embedding_model") == fake_embedder.model_id  # nothing changed
    (a_settings.sources_dir / "901_estonia_ar.txt").write_text(ESTONIA_AR, encoding="utf-8")
    report = switched.refresh()  # every document's file is here now: all re-embedded, a owns them all
    assert report.counts()["updated"] == len(a.library()) and switched.catalog.get_meta("embedding_model") == (
        "test/another-model"
    )
    assert len(set(switched.catalog.origins().values())) == 1
