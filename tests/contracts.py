"""Reusable contract suites for the three small interfaces: Embedder, Index and Generator.

A backend (or a fake used by other tests) runs a suite by subclassing it in a ``Test…`` class and
overriding one fixture (``embedder``, ``index`` or ``generator``). The base classes are not named
``Test…``, so pytest collects them only through their subclasses (tests/test_contracts.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from assistant.core.protocols import Embedder, Evidence, Generation, Generator, Index

AR_PASSAGE = "وقعت مصر وأذربيجان مذكرة تفاهم في يونيو 2024 لتطوير الخدمات البريدية"
EN_PASSAGE = "Egypt and India signed a memorandum on digital skills training in March 2023"
UNRELATED = "The winter weather was mild along the northern coast this year"
_MARKER = re.compile(r"\[(\d+)\]")


class EmbedderContract:
    """Unit vectors of the declared size, in input order, deterministic, with progress for every passage."""

    @pytest.fixture
    def embedder(self) -> Embedder:
        raise NotImplementedError("a subclass provides the embedder under test")

    def test_declares_its_model_and_size(self, embedder: Embedder) -> None:
        assert isinstance(embedder, Embedder)
        assert isinstance(embedder.model_id, str) and embedder.model_id
        assert isinstance(embedder.dim, int) and embedder.dim > 0

    def test_passages_are_unit_rows_in_input_order(self, embedder: Embedder) -> None:
        texts = [AR_PASSAGE, EN_PASSAGE, UNRELATED]
        rows = embedder.embed_passages(texts)
        assert rows.shape == (3, embedder.dim) and rows.dtype == np.float32
        assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-3)
        for text, row in zip(texts, rows, strict=True):
            # batching must not mix rows up: each text alone gives its own row back
            assert np.allclose(embedder.embed_passages([text])[0], row, atol=1e-3)

    def test_an_empty_batch_is_an_empty_matrix(self, embedder: Embedder) -> None:
        assert embedder.embed_passages([]).shape == (0, embedder.dim)

    def test_queries_are_deterministic_unit_vectors(self, embedder: Embedder) -> None:
        q = embedder.embed_query("When did Egypt and India sign the memorandum?")
        assert q.shape == (embedder.dim,)
        assert abs(float(np.linalg.norm(q)) - 1.0) < 1e-3
        assert np.allclose(embedder.embed_query("When did Egypt and India sign the memorandum?"), q, atol=1e-5)

    def test_a_query_is_nearer_the_passage_it_shares_words_with(self, embedder: Embedder) -> None:
        rows = embedder.embed_passages([EN_PASSAGE, UNRELATED])
        q = embedder.embed_query("Egypt India memorandum digital skills training")
        assert float(rows[0] @ q) > float(rows[1] @ q)

    def test_progress_counts_every_passage(self, embedder: Embedder) -> None:
        seen: list[int] = []
        embedder.embed_passages([AR_PASSAGE, EN_PASSAGE, UNRELATED, AR_PASSAGE + " 2"], seen.append)
        assert sum(seen) == 4


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    v = rng.normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _chunks(n: int) -> tuple[list[str], list[dict[str, Any]]]:
    ids = [f"doc{i % 4}#h#{i}" for i in range(n)]
    meta = [
        {"doc_id": f"doc{i % 4}", "language": "ar" if i % 2 else "en", "ord": i, "start": 0, "end": 1} for i in range(n)
    ]
    return ids, meta


class IndexContract:
    """Top-k by cosine, filters by document and language, upsert replaces, delete removes."""

    dim = 32

    @pytest.fixture
    def index(self) -> Index:
        raise NotImplementedError("a subclass provides an empty index of `dim` dimensions")

    @pytest.fixture
    def filled(self, index: Index) -> tuple[Index, list[str], np.ndarray]:
        ids, meta = _chunks(20)
        vectors = _unit(np.random.default_rng(0), 20, self.dim)
        index.upsert(ids, vectors, meta)
        return index, ids, vectors

    def test_an_empty_index_answers_nothing(self, index: Index) -> None:
        assert isinstance(index, Index)
        assert index.count() == 0 and index.ids() == set()
        assert index.query(_unit(np.random.default_rng(1), 1, self.dim)[0], 5) == []

    def test_top_k_by_cosine_best_first(self, filled: tuple[Index, list[str], np.ndarray]) -> None:
        index, ids, v = filled
        assert index.count() == 20 and index.ids() == set(ids)
        hits = index.query(v[3], 5)
        assert len(hits) == 5 and hits[0].id == ids[3] and abs(hits[0].score - 1.0) < 1e-3
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        assert len(index.query(v[3], 50)) == 20

    def test_filters_by_document_and_language(self, filled: tuple[Index, list[str], np.ndarray]) -> None:
        index, _, v = filled
        only = index.query(v[3], 5, doc_ids=["doc1", "doc2"])
        assert only and all(h.id.split("#")[0] in {"doc1", "doc2"} for h in only)
        en = index.query(v[3], 20, language="en")
        assert len(en) == 10 and all(int(h.id.split("#")[2]) % 2 == 0 for h in en)
        assert index.query(v[3], 5, doc_ids=[]) == []
        assert index.query(v[3], 5, doc_ids=["no-such-doc"]) == []

    def test_upsert_replaces_and_delete_removes(self, filled: tuple[Index, list[str], np.ndarray]) -> None:
        index, ids, v = filled
        _, meta = _chunks(1)
        index.upsert([ids[0]], v[5:6], meta)
        assert index.count() == 20
        assert {h.id for h in index.query(v[5], 2)} == {ids[0], ids[5]}
        index.delete(ids[:10])
        assert index.count() == 10 and not (index.ids() & set(ids[:10]))
        index.delete(["not-there"])
        assert index.count() == 10


EVIDENCE_AR = [
    Evidence(1, "c1", "a.txt", "ar", 0, len(AR_PASSAGE), AR_PASSAGE, 3.0),
]
EVIDENCE_EN = [
    Evidence(1, "c2", "b.txt", "en", 0, len(EN_PASSAGE), EN_PASSAGE, 3.0),
    Evidence(2, "c3", "b.txt", "en", 80, 80 + len(UNRELATED), UNRELATED, 1.0),
]


def run(gen: Generator, question: str, language: str, evidence: Sequence[Evidence]) -> tuple[str, Generation]:
    """The streamed text and the returned Generation."""
    g = gen.generate(question, language, evidence)
    parts: list[str] = []
    while True:
        try:
            parts.append(next(g))
        except StopIteration as stop:
            return "".join(parts), stop.value


def _has_script(text: str, language: str) -> bool:
    pattern = r"[\u0600-\u06FF]" if language == "ar" else r"[A-Za-z]"
    return re.search(pattern, _MARKER.sub("", text)) is not None


class GeneratorContract:
    """Grounded answers: markers only to given evidence, the asker's language, abstention without evidence."""

    @pytest.fixture
    def generator(self) -> Generator:
        raise NotImplementedError("a subclass provides the generator under test")

    def test_has_a_name(self, generator: Generator) -> None:
        assert isinstance(generator.name, str) and generator.name

    def test_answers_cite_only_given_evidence(self, generator: Generator) -> None:
        _, result = run(generator, "When did Egypt and India sign the memorandum?", "en", EVIDENCE_EN)
        assert isinstance(result, Generation) and not result.abstained and result.text.strip()
        cited = {int(n) for n in _MARKER.findall(result.text)}
        assert cited and cited <= {1, 2}
        assert set(result.used) <= {1, 2}

    def test_no_evidence_is_an_abstention(self, generator: Generator) -> None:
        _, result = run(generator, "What is the budget?", "en", [])
        assert result.abstained
        assert not _MARKER.search(result.text)

    @pytest.mark.parametrize(("question", "language", "evidence"), [
        ("What did Egypt and Azerbaijan sign?", "en", EVIDENCE_AR),
        ("ماذا وقعت مصر والهند؟", "ar", EVIDENCE_EN[:1]),
    ])  # fmt: skip
    def test_the_answer_speaks_the_askers_language(
        self, generator: Generator, question: str, language: str, evidence: list[Evidence]
    ) -> None:
        _, result = run(generator, question, language, evidence)
        assert not result.abstained and "[1]" in result.text
        assert _has_script(result.text, language), result.text

    def test_what_streams_is_the_answer_unless_a_note_says_otherwise(self, generator: Generator) -> None:
        g = generator.generate("When did Egypt and India sign the memorandum?", "en", EVIDENCE_EN)
        pieces: list[str] = []
        with pytest.raises(StopIteration) as stop:
            while True:
                pieces.append(next(g))
        result = stop.value.value
        assert all(isinstance(p, str) for p in pieces) and result.text.strip()
        if not result.notes:  # a fallback or a removed marker is noted, and the service shows the final text
            assert "".join(pieces) == result.text
