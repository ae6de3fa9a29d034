"""A replica's derived state catches up with commits made elsewhere by reading only what changed."""

from __future__ import annotations

import random

import pytest

from assistant.compose import build_assistant
from assistant.lexical import LexicalIndex, catch_up, stored_generation
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
    lex = LexicalIndex.build([], generation=0)
    if path:
        lex.save(path)
    gen = 0
    for _ in range(25):
        for _ in range(rng.randint(1, 4)):  # several commits by another host between two questions
            gen += 1
            _edit(rng, src, gen)
        before = src.read
        lex = catch_up(lex, src, gen, path)
        new = {c for c in src.chunks if c.split("#")[1] in {f"v{g}" for g in range(gen - 4, gen + 1)}}
        assert src.read - before <= len(new)  # only chunks it did not hold
        assert lex.generation == gen and (not path or stored_generation(path) == gen)
        assert_same(lex, LexicalIndex.build(sorted(src.chunks.values()), gen), rng)
    assert len(lex.segments) <= 9


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
