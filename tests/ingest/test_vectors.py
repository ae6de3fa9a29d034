"""The one on-disk vector cache: the resume file of a refresh and the benchmarks' CachedEmbedder use it."""

import numpy as np
import pytest

from ingest.embed import CachedEmbedder
from ingest.vectors import VectorCache


def test_vectors_come_back_by_position_and_only_for_their_namespace(tmp_path):
    path = tmp_path / "cache" / "v.sqlite"
    cache = VectorCache(path, "model-a")
    assert cache.get(["x"]) == {} and not path.exists()  # reading creates nothing
    vecs = np.eye(3, dtype=np.float32)
    cache.put(["a", "b", "c"], vecs)
    got = cache.get(["c", "missing", "a"])
    assert sorted(got) == [0, 2]
    assert np.array_equal(got[0], vecs[2]) and np.array_equal(got[2], vecs[0])
    assert VectorCache(path, "model-b").get(["a", "b", "c"]) == {}  # another model's vectors are not reused
    cache.discard()
    assert not path.exists() and VectorCache(path, "model-a").get(["a"]) == {}


def test_table_names_are_checked():
    with pytest.raises(ValueError):
        VectorCache(__file__, "m", table="vec; DROP TABLE vec")  # type: ignore[arg-type]


def test_cached_embedder_embeds_each_text_once(tmp_path, fake_embedder):
    path = tmp_path / "passages.sqlite"
    first = CachedEmbedder(fake_embedder, path).embed_passages(["one", "two"])
    before = fake_embedder.passages_encoded
    ticks: list[int] = []
    again = CachedEmbedder(fake_embedder, path).embed_passages(["two", "three", "one"], ticks.append)
    assert fake_embedder.passages_encoded == before + 1  # only "three"
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[2], first[0])
    assert np.allclose(again[1], fake_embedder.embed_passages(["three"])[0])
    assert sum(ticks) == 3  # the cached two, then the one embedded
    assert CachedEmbedder(fake_embedder, path).embed_passages([]).shape == (0, fake_embedder.dim)
