"""A replica's derived state catches up with commits made elsewhere by reading only what changed."""

from __future__ import annotations

import random

import pytest

from assistant.app.compose import build_assistant
from assistant.core.lexical import LexicalIndex, catch_up, stored_generation
from tests.assistant.test_lexical_incremental import _chunk, assert_same


class Source:
    """The catalog's token interface over a dict; counts the tokens it hands out."""

    def __init__(self) -> None:
        self.chunks: dict[str, tuple[str, str, str, list[str]]] = {}
        self.read = 0

    def chunk_ids(self) -> set[str]:
        return set(self.chunks)

    def iter_tokens(self, ids=None):  # type: ignore[no-untyped-def]
        wanted = sorted(self.chunks if ids is None else [i for i in ids if i in self.chunks])
        self.read += len(wanted)
        return iter([self.chunks[i] for i in wanted])


def _edit(rng: random.Random, src: Source, gen: int) -> None:
    docs = sorted({c[1] for c in src.chunks.values()})
    op = rng.choice(("add", "add", "replace", "remove")) if docs else "add"
    doc = f"d{gen}" if op == "add" else rng.choice(docs)
    for cid in [c for c, v in src.chunks.items() if v[1] == doc]:
        del src.chunks[cid]
    if op != "remove":
        lang = rng.choice(("ar", "en"))
        for k in range(rng.randint(1, 4)):  # ids name content, as the ingest's do (doc#hash#k)
            src.chunks[f"{doc}#v{gen}#{k}"] = (f"{doc}#v{gen}#{k}", doc, lang, _chunk(rng, lang))


@pytest.mark.parametrize("on_disk", [False, True])
def test_catching_up_over_skipped_commits_matches_a_rebuild(tmp_path, on_disk):
    rng = random.Random(3)
    src = Source()
    path = tmp_path / "lexical.npz" if on_disk else None
    lex = LexicalIndex.build([], generation=0, key="v6|e5")
    if path:
        lex.save(path)
    gen = 0
    for _ in range(25):
        for _ in range(rng.randint(1, 4)):  # several commits by another host between two questions
            gen += 1
            _edit(rng, src, gen)
        before = src.read
        lex = catch_up(lex, src, gen, "v6|e5", path)
        new = {c for c in src.chunks if c.split("#")[1] in {f"v{g}" for g in range(gen - 4, gen + 1)}}
        assert src.read - before <= len(new)  # only chunks it did not hold
        assert lex.generation == gen and (not path or stored_generation(path) == gen)
        assert_same(lex, LexicalIndex.build(sorted(src.chunks.values()), gen), rng)
    assert len(lex.segments) <= 9


@pytest.mark.parametrize("on_disk", [False, True])
def test_tokens_made_by_another_model_or_pipeline_are_rebuilt_not_caught_up(tmp_path, on_disk):
    """A model's tokenizer cuts the chunks: the same content keeps its chunk ids with other tokens."""
    rng = random.Random(4)
    src = Source()
    for k in range(6):
        src.chunks[f"d#h#{k}"] = (f"d#h#{k}", "d", "en", _chunk(rng, "en"))
    path = tmp_path / "lexical.npz" if on_disk else None
    old = LexicalIndex.build(sorted(src.chunks.values()), generation=3, key="v6|model-a")
    if path:
        old.save(path)
    for cid, (_, doc, lang, _) in list(src.chunks.items()):  # re-ingested by model B: same ids, new tokens
        src.chunks[cid] = (cid, doc, lang, _chunk(rng, lang))
    src.chunks["e#h#0"] = ("e#h#0", "e", "ar", _chunk(rng, "ar"))
    lex = catch_up(old, src, 5, "v6|model-b", path)
    assert lex.key == "v6|model-b" and src.read == 7  # every chunk read again
    assert_same(lex, LexicalIndex.build(sorted(src.chunks.values()), 5), rng)
    if path:
        assert stored_generation(path) == 5 and LexicalIndex.load(path).key == "v6|model-b"


def test_the_next_question_after_a_refresh_reads_only_the_changed_documents(settings, fake_embedder, monkeypatch):
    a = build_assistant(settings, embedder=fake_embedder)
    a.refresh()
    engine = a.engine
    assert len(engine.documents) == 5
    asked: list[list[str]] = []
    real = a.catalog.documents_by_id
    monkeypatch.setattr(a.catalog, "documents_by_id", lambda ids: asked.append(sorted(ids)) or real(ids))
    (settings.sources_dir / "900_kenya.txt").write_text("Egypt and Kenya signed an MoU on digital skills.", "utf-8")
    a.refresh()
    docs = engine.documents
    assert asked == [["900_kenya.txt"]]
    assert list(docs.values()) == a.catalog.documents()  # what a full read gives, in the same order
    (settings.sources_dir / "900_kenya.txt").unlink()
    a.refresh()
    assert "900_kenya.txt" not in engine.documents and asked[-1] == []


def test_a_record_rewritten_within_the_same_second_is_read_again(settings, fake_embedder):
    """Same content hash and ingest timestamp, another source (a sidecar edited at once): the commit's
    revision tells the engine to read it again."""
    import dataclasses

    a = build_assistant(settings, embedder=fake_embedder)
    a.refresh()
    engine = a.engine
    doc = next(iter(engine.documents.values()))
    with a.catalog.transaction() as w:
        w.write_document(dataclasses.replace(doc, source="https://example.org/moved"), a.catalog.doc_chunks(doc.doc_id))
    assert engine.documents[doc.doc_id].source == "https://example.org/moved"
