"""The segmented BM25 index: appends, tombstones and merges score exactly as a full rebuild."""

import random

import numpy as np
import pytest

from assistant.core import lexical
from assistant.core.lexical import LexicalIndex, append_changes, stored_generation
from assistant.core.text import tokenize

AR = (
    "وقعت مصر وفلسطين مذكرة تفاهم في مجال تكنولوجيا المعلومات والبريد وزير الاتصالات اجتماعا التنمية الرقمية "
    "أذربيجان الأردن تعاون مشروع البنية التحتية الشباب المهارات الرقمية الذكاء الاصطناعي الأمن السيبراني "
    "اتفاقية الحكومة الإلكترونية تدريب الكوادر المنتدى العربي للاتصالات الخدمات البريدية"
).split()
EN = (
    "Egypt Post builds and hosts websites for participating countries bilateral relations provide opportunities "
    "exchanging experiences ministry signed memorandum digital skills cooperation Kenya Jordan cybersecurity "
    "artificial intelligence infrastructure training youth postal services forum agreement government"
).split()


def _chunk(rng, lang):
    words = AR if lang == "ar" else EN
    return tokenize(" ".join(rng.choice(words) for _ in range(rng.randint(3, 25))))


def _doc(rng, doc, version):
    lang = rng.choice(("ar", "en"))
    # a replaced document sometimes keeps its chunk ids (the same positions) and sometimes not
    tag = "" if rng.random() < 0.5 else f"@{version}"
    return [(f"{doc}{tag}#{k}", doc, lang, _chunk(rng, lang)) for k in range(rng.randint(1, 4))]


def _queries(rng):
    qs = [[rng.choice(AR) for _ in range(rng.randint(1, 4))] for _ in range(6)]
    qs += [[rng.choice(EN) for _ in range(rng.randint(1, 4))] for _ in range(6)]
    qs += [[rng.choice(AR), rng.choice(EN), rng.choice(AR)], ["zzzz", rng.choice(EN)], ["qqqq"]]
    return [tokenize(" ".join(q)) for q in qs]


def assert_same(inc: LexicalIndex, full: LexicalIndex, rng: random.Random) -> None:
    """Same chunks, scores, IDF and rankings (plain, per language, per document pool) for random queries."""
    assert len(inc) == len(full) and sorted(inc.ids) == sorted(full.ids)
    perm = np.asarray([inc.row(c) for c in full.ids], dtype=np.int64)  # inc's position of each of full's chunks
    assert list(inc.docs[perm]) == list(full.docs) and list(inc.langs[perm]) == list(full.langs)
    docs = sorted(set(full.docs))
    for toks in _queries(rng):
        np.testing.assert_allclose(inc.scores(toks)[perm], full.scores(toks), rtol=1e-6, atol=1e-9)
        assert inc.max_score(toks) == pytest.approx(full.max_score(toks), rel=1e-9)
        np.testing.assert_allclose(inc.idf_of(toks), full.idf_of(toks), rtol=1e-9)
        for k in (1, 3, 10, 1000):
            _same_ranking(inc.search(toks, k), full.search(toks, k))
        for lang in ("ar", "en"):
            _same_ranking(inc.search(toks, 5, inc.lang_mask(lang)), full.search(toks, 5, full.lang_mask(lang)))
        pool = rng.sample(docs, min(3, len(docs)))
        _same_ranking(inc.search(toks, 5, np.isin(inc.docs, pool)), full.search(toks, 5, np.isin(full.docs, pool)))


def _same_ranking(a, b):
    assert [c for c, _ in a] == [c for c, _ in b]
    np.testing.assert_allclose([s for _, s in a], [s for _, s in b], rtol=1e-6)


@pytest.mark.parametrize("seed", [0, 1])
def test_random_edits_match_a_full_rebuild_at_every_step(tmp_path, seed):
    rng = random.Random(seed)
    path = tmp_path / "lexical.npz"
    live: dict[str, list] = {}  # doc -> its chunks
    LexicalIndex.build([], generation=0).save(path)
    seen = {"segments": 0, "tombstones": 0, "base_merges": 0}
    base = _base_name(path)
    inc = LexicalIndex.load(path)
    for gen in range(1, 81):
        op = rng.choice(("add", "add", "add", "replace", "replace", "remove")) if live else "add"
        doc = f"d{gen}" if op == "add" else rng.choice(sorted(live))
        removed = [c[0] for c in live.pop(doc, [])]
        added = [] if op == "remove" else _doc(rng, doc, gen)
        if added:
            live[doc] = added
        assert append_changes(path, gen - 1, gen, removed, added)
        # every other step as a server reloads: keeping the segments it already holds
        inc = LexicalIndex.load(path, reuse=inc if gen % 2 else None)
        assert inc.generation == gen == stored_generation(path)
        full = LexicalIndex.build(sorted((c for cs in live.values() for c in cs), key=lambda c: c[0]), gen)
        assert_same(inc, full, rng)
        seen["segments"] = max(seen["segments"], len(inc.segments))
        seen["tombstones"] = max(seen["tombstones"], sum(len(s.removes) for s in inc.segments))
        if _base_name(path) != base:  # everything was merged into a new base
            seen["base_merges"] += 1
            base = _base_name(path)
    # the sequence exercised the machinery it checks
    assert seen["segments"] >= 3 and seen["tombstones"] > 0 and seen["base_merges"] >= 2


def _base_name(path):
    return lexical._Store(path).manifest()["segments"][0]["file"]


def test_incremental_index_scores_as_the_precomputed_matrix_did():
    """BM25 at query time equals the old precomputed weights: idf * tf * (k1+1) / (tf + k1 * (1-b+b*dl/avgdl))."""
    rng = random.Random(5)
    items = [c for i in range(30) for c in _doc(rng, f"d{i}", 0)]
    lex = LexicalIndex.build(items)
    n = len(items)
    avg = sum(len(t) for *_, t in items) / n
    for toks in _queries(rng):
        want = np.zeros(n)
        for term in set(toks):
            df = sum(term in t for *_, t in items)
            if not df:
                continue
            idf = np.log1p((n - df + 0.5) / (df + 0.5))
            qtf = toks.count(term)
            for j, (*_, t) in enumerate(items):
                tf = t.count(term)
                want[j] += qtf * idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len(t) / avg))
        np.testing.assert_allclose(lex.scores(toks), want, rtol=1e-5, atol=1e-6)


def test_append_refuses_an_index_at_another_generation(tmp_path):
    path = tmp_path / "lexical.npz"
    LexicalIndex.build([("a#1", "a", "en", ["egypt"])], generation=3).save(path)
    before = path.read_bytes()
    assert not append_changes(path, 2, 3, [], [("b#1", "b", "en", ["kenya"])])
    assert path.read_bytes() == before and LexicalIndex.load(path).ids == ["a#1"]


def test_a_legacy_or_damaged_file_reads_as_stale(tmp_path):
    path = tmp_path / "lexical.npz"
    np.savez(path, data=np.zeros(1), meta=np.asarray([4]))  # the single-matrix format
    assert stored_generation(path) is None
    assert not append_changes(path, 4, 5, [], [])
    with pytest.raises(ValueError):
        LexicalIndex.load(path)
    path.write_bytes(b"not a zip file")
    with pytest.raises(ValueError):
        LexicalIndex.load(path)
    assert stored_generation(tmp_path / "missing.npz") is None


def test_a_write_killed_before_the_manifest_switch_leaves_the_previous_index(tmp_path, monkeypatch):
    path = tmp_path / "lexical.npz"
    LexicalIndex.build([("a#1", "a", "en", tokenize("Egypt Post websites"))], generation=1).save(path)
    real = lexical.atomic_write

    def dies_at_manifest(p, write, **kw):
        if p == path:
            raise KeyboardInterrupt  # as if killed between the segment write and the rename
        return real(p, write, **kw)

    monkeypatch.setattr(lexical, "atomic_write", dies_at_manifest)
    with pytest.raises(KeyboardInterrupt):
        append_changes(path, 1, 2, ["a#1"], [("b#1", "b", "en", tokenize("Kenya digital skills"))])
    monkeypatch.setattr(lexical, "atomic_write", real)
    back = LexicalIndex.load(path)
    assert back.generation == 1 and back.ids == ["a#1"]  # stale: readers see it and rebuild
    assert not append_changes(path, 2, 3, [], [])  # nor will a writer build on it
    LexicalIndex.build([("b#1", "b", "en", tokenize("Kenya digital skills"))], generation=2).save(path)
    files = sorted(f.name for f in path.with_suffix(".segments").iterdir())
    assert files == [e["file"] for e in lexical._Store(path).manifest()["segments"]]  # the orphan is gone


def test_a_reader_retries_when_a_merge_removed_its_segments(tmp_path, monkeypatch):
    path = tmp_path / "lexical.npz"
    LexicalIndex.build([("a#1", "a", "en", ["egypt"])], generation=1).save(path)
    store = lexical._Store(path)
    stale = store.manifest()
    stale["segments"] = [{"file": "seg-gone.npz", "chunks": 1, "removes": 0}]
    fresh = store.manifest
    calls = iter([stale])
    monkeypatch.setattr(lexical._Store, "manifest", lambda self: next(calls, None) or fresh())
    assert LexicalIndex.load(path).ids == ["a#1"]
