"""One contract, every vector-index backend: in-memory, embedded Chroma and a real `chroma run` server."""

import time

import numpy as np
import pytest

from assistant.core.errors import IndexUnavailable
from assistant.core.store import ChromaIndex, MemoryIndex
from tests.helpers import free_port, start_chroma


def _unit(rng, n, d=32):
    v = rng.normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    port = free_port()
    proc = start_chroma(tmp_path_factory.mktemp("chroma-server"), port)
    yield f"http://127.0.0.1:{port}", proc
    proc.terminate()
    proc.wait(10)


@pytest.fixture(params=["memory", "chroma-embedded", pytest.param("chroma-server", marks=pytest.mark.integration)])
def index(request, tmp_path):
    if request.param == "memory":
        return MemoryIndex(32)
    if request.param == "chroma-embedded":
        return ChromaIndex.embedded(tmp_path / "chroma", "contract")
    url, _ = request.getfixturevalue("chroma_server")
    idx = ChromaIndex.server(url, f"contract-{time.time_ns()}")
    return idx


def test_upsert_query_delete_contract(index):
    rng = np.random.default_rng(0)
    v = _unit(rng, 20)
    ids = [f"doc{i % 4}#h#{i}" for i in range(20)]
    meta = [
        {"doc_id": f"doc{i % 4}", "language": "ar" if i % 2 else "en", "ord": i, "start": 0, "end": 1}
        for i in range(20)
    ]
    index.upsert(ids, v, meta)
    assert index.count() == 20 and index.ids() == set(ids)
    hits = index.query(v[3], 5)
    assert hits[0].id == ids[3] and abs(hits[0].score - 1.0) < 1e-3
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # filters: documents and language
    only = index.query(v[3], 5, doc_ids=["doc1", "doc2"])
    assert only and all(h.id.split("#")[0] in {"doc1", "doc2"} for h in only)
    en = index.query(v[3], 20, language="en")
    assert en and all(int(h.id.split("#")[2]) % 2 == 0 for h in en)
    assert index.query(v[3], 5, doc_ids=[]) == []
    # upsert replaces, delete removes
    index.upsert([ids[0]], v[5:6], [meta[0]])
    assert index.query(v[5], 2)[0].id in {ids[0], ids[5]}
    index.delete(ids[:10])
    assert index.count() == 10 and not (index.ids() & set(ids[:10]))
    index.delete(["not-there"])
    assert index.count() == 10


@pytest.mark.integration
def test_unreachable_server_is_a_clear_error():
    with pytest.raises(IndexUnavailable, match=r"Chroma server|cannot"):
        ChromaIndex.server(f"http://127.0.0.1:{free_port()}", "nothing")


def test_bad_server_url_is_refused():
    with pytest.raises(ValueError, match="http"):
        ChromaIndex.server("ftp://example", "x")
