"""Shared helpers for the performance benchmarks (bench/perf_*.py).

Index sizes
-----------
``small``  ~100 chunks: the first 50 XQuAD paragraphs in both languages, real vectors.
``10k`` / ``100k``: all 480 XQuAD paragraphs (real vectors, from the real ingest of
bench/retrieval.py) plus synthetic documents until the chunk count is reached.

Synthetic documents (the documented shortcut)
---------------------------------------------
Embedding 100k chunks plus ~500k sentences with the real model would take many hours
on 2 cores, so synthetic documents get *synthetic vectors derived from real ones*:

* texts: each synthetic document is 3-8 "paragraphs", each one a variant of an XQuAD
  paragraph -- its sentences shuffled, re-cut across the boundary with the next
  paragraph, or combined with half of another paragraph -- so every text differs;
  ~half the documents come as en/ar translation pairs built from the same plan.
* chunking, language detection and BM25 tokens come from the real ingest code
  (``Refresher.prepare``: the real sentence splitter and token-budget chunker);
* a sentence vector is the real (cached) e5 vector of that XQuAD sentence plus small
  Gaussian noise (cos ~0.97 to the original), renormalised;
* a chunk vector is 0.8 x the normalised mean of its sentences' real vectors + 0.2 x the
  real chunk vector of its main source paragraph, plus noise, renormalised;
* the index is written with the ingest's own write paths: ``Catalog.write_document``
  (in transactions), ``ChromaIndex.upsert`` with ``vector_metadata``, catalog meta
  (model id, pipeline id, calibration) and ``ingest.bm25.write_lexical``; source files
  are written too, so an incremental ``assistant.refresh()`` sees every document as
  unchanged.

Builds are cached under bench/work/perf-<size>/ (gitignored) and reused when the
build parameters match.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import CACHE_DIR, ROOT, WORK_DIR, QueryVectorCache, load_xquad, percentile, write_results

PY = str(ROOT / ".venv" / "bin" / "python")
CHROMA_BIN = str(ROOT / ".venv" / "bin" / "chroma")
XQ_INDEX = WORK_DIR / "xquad" / "index"
XQ_SOURCES = WORK_DIR / "xquad" / "sources"
BUILD_VERSION = 2
SIZES = {"small": 100, "1k": 1_000, "10k": 10_000, "100k": 100_000}
SMALL_PARAS = 50  # paragraphs per language in the "small" index


# --- timing and reporting ------------------------------------------------------------
def stats(ms: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50": round(percentile(ms, 50), 2),
        "p95": round(percentile(ms, 95), 2),
        "p99": round(percentile(ms, 99), 2),
        "mean": round(float(np.mean(ms)) if len(ms) else float("nan"), 2),
    }


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _status_mb(field: str, pid: int | None) -> float | None:
    try:
        for line in Path(f"/proc/{pid or 'self'}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def vm_hwm_mb(pid: int | None = None) -> float | None:
    """Peak resident set size (VmHWM) of a process, in MB."""
    return _status_mb("VmHWM", pid)


def vm_rss_mb(pid: int | None = None) -> float | None:
    return _status_mb("VmRSS", pid)


def stop_process(proc: subprocess.Popen[bytes], wait_s: float) -> None:
    """Terminate, then kill if it does not exit within ``wait_s``."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(wait_s)
        except subprocess.TimeoutExpired:
            proc.kill()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def log(*a: object) -> None:
    print(*a, file=sys.stderr, flush=True)


def finish_run(name: str, payload: dict[str, Any], md: list[str], t0: float) -> int:
    """Close a benchmark run: total time and load in the payload, results written and printed."""
    payload["total_seconds"] = round(time.perf_counter() - t0, 1)
    payload["loadavg_end"] = loadavg()
    md.append(f"Total run: {payload['total_seconds']} s.")
    j, m = write_results(name, payload, "\n".join(md) + "\n")
    print("\n".join(md))
    log(f"wrote {j} and {m}")
    return 0


def md_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    def cell(x: object) -> str:
        if isinstance(x, float):
            return f"{x:.3f}" if abs(x) < 10 else f"{x:.1f}"
        return str(x)

    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(cell(x) for x in r) + " |" for r in rows]
    return "\n".join(out)


# --- settings / components --------------------------------------------------------------
def size_dir(size: str) -> Path:
    return WORK_DIR / f"perf-{size}"


def settings_for(size_or_dir: str | Path, chroma_url: str = "", **extra: Any) -> Any:
    from assistant.core.settings import load_settings

    d = size_dir(size_or_dir) if isinstance(size_or_dir, str) else Path(size_or_dir)
    return load_settings(
        index={"dir": d / "index"}, sources={"dir": d / "sources"}, chroma={"url": chroma_url}, **extra
    )


class QueryVectors:
    """An ``Embedder`` for the query side: serves precomputed real query vectors (encoding
    excluded) or runs the real model with no cache (encoding included)."""

    def __init__(self, real: Any, qvec: dict[str, np.ndarray]) -> None:
        self.real = real
        self.qvec = qvec
        self.model_id = real.model_id
        self.dim = real.dim
        self.precomputed = True

    def embed_query(self, text: str) -> np.ndarray:
        if self.precomputed and text in self.qvec:
            return self.qvec[text]
        return self.real.encode_query(text)  # uncached, as a new question would be

    def embed_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        return self.real.embed_passages(texts, progress)

    def count_tokens(self, text: str) -> int:
        return self.real.count_tokens(text)


def real_embedder(**cfg: Any) -> Any:
    from assistant.app.compose import make_embedder
    from assistant.core.settings import load_settings

    return make_embedder(load_settings(embedding=cfg) if cfg else load_settings())


@dataclass
class QuerySet:
    questions: list[Any]  # bench.common.Question
    qvec: dict[str, np.ndarray]


def query_set(n: int, max_para: int | None = None, seed: int = 7) -> QuerySet:
    """``n`` XQuAD questions (half English, half Arabic) with their real cached query vectors."""
    from assistant.app.compose import embedder_model_id
    from assistant.core.settings import load_settings

    _, questions = load_xquad()
    pool = [q for q in questions if max_para is None or q.para < max_para]
    rng = random.Random(seed)
    out = []
    for lang in ("en", "ar"):
        qs = [q for q in pool if q.lang == lang]
        out += rng.sample(qs, min(len(qs), n // 2))
    cache = QueryVectorCache(CACHE_DIR / "queries.sqlite", embedder_model_id(load_settings()))
    texts = [q.text for q in out]
    enc = None

    def encode(t: str) -> np.ndarray:
        nonlocal enc
        enc = enc or real_embedder()
        return enc.embed_query(t)

    vecs = cache.get_many(texts, encode)
    qvec = dict(zip(texts, vecs, strict=True))
    # ask() embeds the cleaned question (control/bidi characters dropped, spaces collapsed):
    # serve the same vector under that key, so "encoding excluded" really excludes it.
    from assistant.core.text import clean_question

    for t, v in list(qvec.items()):
        qvec.setdefault(clean_question(t), v)
    return QuerySet(out, qvec)


# --- building the indexes -------------------------------------------------------------------
def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _xquad_material() -> dict[str, Any]:
    """Real documents, chunks and sentence vectors from the XQuAD index built by bench.retrieval."""
    from assistant.core.catalog import Catalog
    from ingest.chunk import display_text

    if not (XQ_INDEX / "catalog.sqlite").is_file():
        log("XQuAD index missing: building it once with bench.retrieval's ingest (real embeddings, cached)")
        from assistant.core.settings import load_settings
        from bench.retrieval import build_index

        paras, _ = load_xquad()
        build_index(load_settings(sources={"dir": XQ_SOURCES}, index={"dir": XQ_INDEX}), paras)
    cat = Catalog(XQ_INDEX / "catalog.sqlite", create=False)
    docs = {d.doc_id: d for d in cat.documents(with_text=True)}
    chunks = {d: cat.doc_chunks(d) for d in docs}
    sent_vec: dict[str, np.ndarray] = {}  # sentence text -> real vector
    para_sents: dict[tuple[str, int], list[str]] = {}  # (lang, para) -> ordered sentence texts
    para_vec: dict[tuple[str, int], np.ndarray] = {}
    for d, doc in docs.items():
        lang, para = d[3:5], int(d[6:9])
        seen = set()
        sents = []
        for c in sorted(chunks[d], key=lambda c: c.ord):
            for (a, b), v in zip(c.sentences, c.sent_vecs, strict=True):
                if (a, b) in seen:
                    continue
                seen.add((a, b))
                t = display_text(doc.text, a, b)
                sents.append(t)
                sent_vec[t] = v
        para_sents[(lang, para)] = sents
        para_vec[(lang, para)] = _unit(np.mean([c.vec for c in chunks[d]], axis=0))
    meta = {k: cat.get_meta(k) for k in ("dim", "embedding_model", "pipeline")}
    cal_key = next(k for k in cat.meta_items() if k.startswith("calibration:"))
    meta[cal_key] = cat.get_meta(cal_key)
    # How well "mean of sentence vectors" stands in for a real chunk vector (reported).
    cos = [float(_unit(c.sent_vecs.mean(axis=0)) @ c.vec) for cs in chunks.values() for c in cs]
    cat.close()
    return {
        "docs": docs,
        "chunks": chunks,
        "sent_vec": sent_vec,
        "para_sents": para_sents,
        "para_vec": para_vec,
        "meta": meta,
        "mean_sent_vs_chunk_cos": float(np.mean(cos)),
    }


def _variant(
    rng: random.Random, op: str, p: int, q: int, lang: str, ps: dict[tuple[str, int], list[str]], seed: int
) -> list[str]:
    a = list(ps[(lang, p)])
    if op == "shuffle":
        random.Random(seed).shuffle(a)
        return a
    if op == "recut":  # the tail of p and the head of the next paragraph
        b = ps.get((lang, (p + 1) % 240), [])
        return a[len(a) // 2 :] + b[: max(1, len(b) // 2)]
    b = ps[(lang, q)]  # combine: half of p, half of q
    return a[: max(1, len(a) // 2)] + b[len(b) // 2 :]


@dataclass
class _Build:
    """An index being built: its stores, and what the steps add to it in batches."""

    settings: Any
    index: Any
    cat: Any
    refresher: Any
    material: dict[str, Any]
    provenance: dict[str, list[int]] = field(default_factory=dict)  # chunk id -> XQuAD paragraphs it comes from
    batch: list[tuple[Any, list[Any]]] = field(default_factory=list)  # (document, chunks) not written yet
    n_chunks: int = 0  # written
    timings: dict[str, float] = field(default_factory=lambda: {"prepare": 0.0, "catalog": 0.0, "chroma": 0.0})

    @property
    def queued(self) -> int:
        return sum(len(cs) for _, cs in self.batch)

    def flush(self) -> None:
        """Write the batch with the ingest's own write paths: vectors, then one catalog transaction."""
        from assistant.core.catalog import vector_metadata

        if not self.batch:
            return
        t = time.perf_counter()
        chunks = [c for _, cs in self.batch for c in cs]
        self.index.upsert(
            [c.id for c in chunks], np.stack([c.vec for c in chunks]), [vector_metadata(c) for c in chunks]
        )
        self.timings["chroma"] += time.perf_counter() - t
        t = time.perf_counter()
        with self.cat.transaction() as w:
            for doc, cs in self.batch:
                w.write_document(doc, cs)
        self.timings["catalog"] += time.perf_counter() - t
        self.n_chunks += len(chunks)
        self.batch.clear()


@dataclass
class _SynthStats:
    groups: int = 0
    sentences: int = 0
    without_real_vector: int = 0  # the splitter cut differently from the XQuAD index


SENT_SIGMA, CHUNK_SIGMA = 0.0125, 0.01  # noise on the synthetic sentence and chunk vectors


def build_index(size: str, *, force: bool = False) -> dict[str, Any]:
    """Build (or reuse) the benchmark index of ``size``; returns its build record."""
    target = SIZES[size]
    root = size_dir(size)
    record_path = root / "build.json"
    if record_path.is_file() and not force:
        rec = json.loads(record_path.read_text())
        if rec.get("version") == BUILD_VERSION and rec.get("target") == target:
            sync_pipeline_meta(size, rec)
            return rec
    shutil.rmtree(root, ignore_errors=True)
    t0 = time.perf_counter()
    b = _open_build(size)
    _add_real_documents(b, size)
    synth = _add_synthetic_documents(b, size, target, t0) if size != "small" else _SynthStats()
    b.flush()
    _write_meta_and_lexical(b)
    (root / "provenance.json").write_text(json.dumps(b.provenance))
    rec = _build_record(b, size, target, synth, t0)
    b.cat.close()
    record_path.write_text(json.dumps(rec, indent=2))
    log(f"built {size}: {rec}")
    return rec


def _open_build(size: str) -> _Build:
    from assistant.app.compose import open_index
    from assistant.core.catalog import Catalog
    from ingest.refresh import Refresher

    m = _xquad_material()
    settings = settings_for(size)
    settings.sources_dir.mkdir(parents=True, exist_ok=True)
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    index = open_index(settings)
    cat = Catalog(settings.index_dir / "catalog.sqlite")
    emb = real_embedder()
    refresher = Refresher(settings, index, cat, lambda: emb, m["meta"]["embedding_model"])
    return _Build(settings, index, cat, refresher, m)


def _add_real_documents(b: _Build, size: str) -> None:
    """The real XQuAD documents (all of them, or the first SMALL_PARAS paragraphs per language)."""
    m, src = b.material, b.settings.sources_dir
    keep = {d for d in m["docs"] if size != "small" or int(d[6:9]) < SMALL_PARAS}
    for d in sorted(keep):
        doc = m["docs"][d]
        if doc.translation_of not in keep:
            doc.translation_of = None
        shutil.copyfile(XQ_SOURCES / d, src / d)
        for c in m["chunks"][d]:
            b.provenance[c.id] = [int(d[6:9])]
        b.batch.append((doc, m["chunks"][d]))
    b.flush()


def _add_synthetic_documents(b: _Build, size: str, target: int, t0: float) -> _SynthStats:
    """Synthetic documents until the target chunk count; about half come as en/ar translation pairs."""
    rng = random.Random(1234)
    nrng = np.random.default_rng(1234)
    synth = _SynthStats()
    while b.n_chunks + b.queued < target:
        synth.groups += 1
        plan = [
            (
                rng.choice(("shuffle", "recut", "combine")),
                rng.randrange(240),
                rng.randrange(240),
                rng.randrange(1 << 30),
            )
            for _ in range(rng.randint(3, 8))
        ]
        langs = ["en", "ar"] if rng.random() < 0.5 else [rng.choice(("en", "ar"))]
        names = {lang: f"syn_{synth.groups:06d}_{lang}.txt" for lang in langs}
        for lang in langs:
            prep = _synthetic_document(b, rng, nrng, names[lang], lang, plan, synth)
            if prep is None:
                continue
            if len(langs) == 2:
                prep.doc.translation_of = names["ar" if lang == "en" else "en"]
            b.batch.append((prep.doc, prep.chunks))
        if b.queued >= 2000:
            b.flush()
            log(f"\rbuilding {size}: {b.n_chunks}/{target} chunks ({time.perf_counter() - t0:.0f} s)")
    return synth


def _synthetic_document(
    b: _Build,
    rng: random.Random,
    nrng: np.random.Generator,
    name: str,
    lang: str,
    plan: list[tuple[str, int, int, int]],
    synth: _SynthStats,
) -> Any:
    """One synthetic document written to the sources folder and prepared by the real ingest code, its
    vectors derived from the real ones (see the module's docstring); None when the ingest skips it."""
    from ingest.load import load_bytes
    from ingest.sources import sha256

    m = b.material
    t = time.perf_counter()
    paras = [_variant(rng, op, p, q, lang, m["para_sents"], s) for op, p, q, s in plan]
    text = "\n\n".join(" ".join(ps) for ps in paras) + "\n"
    data = text.encode("utf-8")
    (b.settings.sources_dir / name).write_bytes(data)
    prep = b.refresher.prepare(name, name, load_bytes(data, name), sha256(data), len(data))
    b.timings["prepare"] += time.perf_counter() - t
    if not hasattr(prep, "chunks"):
        return None
    src_of: dict[str, int] = {}  # sentence text -> paragraph
    for (_op, p, _q, _), ps in zip(plan, paras, strict=True):
        for s_ in ps:
            src_of.setdefault(s_, p)
    for c in prep.chunks:
        b.provenance[c.id] = _synthetic_vectors(c, text, lang, src_of, plan[0][1], m, nrng, synth)
    return prep


def _synthetic_vectors(
    c: Any,
    text: str,
    lang: str,
    src_of: dict[str, int],
    fallback: int,
    m: dict[str, Any],
    nrng: np.random.Generator,
    synth: _SynthStats,
) -> list[int]:
    """Set a synthetic chunk's vectors from its sentences' real ones; returns the paragraphs it comes from."""
    from ingest.chunk import display_text

    svs, srcs = [], []
    for a, b in c.sentences:
        st = display_text(text, a, b)
        synth.sentences += 1
        v = m["sent_vec"].get(st)
        para = src_of.get(st)
        if v is None:  # the splitter cut differently: fall back to the paragraph's vector
            synth.without_real_vector += 1
            para = para if para is not None else fallback
            v = m["para_vec"][(lang, para)]
        svs.append(v)
        srcs.append(para)
    sv = np.stack(svs).astype(np.float32)
    main = max(set(srcs), key=srcs.count)
    cv = 0.8 * _unit(sv.mean(axis=0)) + 0.2 * m["para_vec"][(lang, main)]
    c.vec = _unit(cv + nrng.normal(0, CHUNK_SIGMA, cv.shape)).astype(np.float32)
    c.sent_vecs = _unit(sv + nrng.normal(0, SENT_SIGMA, sv.shape)).astype(np.float32)
    return sorted(set(srcs))


def _write_meta_and_lexical(b: _Build) -> None:
    from assistant.core.layout import lexical_path
    from ingest.bm25 import write_lexical

    b.material["meta"]["pipeline"] = b.refresher.pipeline_id  # what this code's chunker produced
    with b.cat.transaction() as w:
        for k, v in b.material["meta"].items():
            w.set_meta(k, v)
    t = time.perf_counter()
    write_lexical(b.cat, lexical_path(b.settings))
    b.timings["lexical"] = time.perf_counter() - t


def _build_record(b: _Build, size: str, target: int, synth: _SynthStats, t0: float) -> dict[str, Any]:
    root = size_dir(size)
    return {
        "version": BUILD_VERSION,
        "target": target,
        "size": size,
        "chunks": b.n_chunks,
        "documents": len(b.cat.documents()),
        "chroma_count": b.index.count(),
        "synthetic_groups": synth.groups,
        "sentences": synth.sentences,
        "sentences_without_real_vector": synth.without_real_vector,
        "noise_sigma": {"sentence": SENT_SIGMA, "chunk": CHUNK_SIGMA},
        "real_chunk_vs_mean_of_sentences_cos": round(b.material["mean_sent_vs_chunk_cos"], 4),
        "build_seconds": round(time.perf_counter() - t0, 1),
        "stage_seconds": {k: round(v, 1) for k, v in b.timings.items()},
        "disk_mb": round(sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) / 1e6, 1),
        "built": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def sync_pipeline_meta(size: str, rec: dict[str, Any]) -> None:
    """Keep a cached index's pipeline id in step with the code, so a refresh does not re-embed it all.

    The product bumps PIPELINE_VERSION when loading/cleaning/chunking changes; a cached
    benchmark fixture keeps its chunks (realistic shapes either way) and is re-tagged. The
    record notes it; delete bench/work/perf-<size>/ to rebuild from scratch.
    """
    from assistant.core.catalog import Catalog
    from ingest.refresh import pipeline_id

    settings = settings_for(size)
    current = pipeline_id(settings)
    cat = Catalog(settings.index_dir / "catalog.sqlite", create=False)
    try:
        stored = cat.get_meta("pipeline")
        if stored != current:
            if stored and stored.startswith("v4/"):  # v5 added document vectors and twins
                _backfill_v5(cat)
            cat.set_meta("pipeline", current)  # no generation bump: nothing readers derive changes
            rec.setdefault("pipeline_retagged", []).append(f"{stored} -> {current} at {time.strftime('%H:%M:%S')}")
            (size_dir(size) / "build.json").write_text(json.dumps(rec, indent=2))
            log(f"{size}: re-tagged pipeline {stored} -> {current}")
    finally:
        cat.close()
    _restore_vectors(settings, size)
    _sync_lexical(settings, size)


def _sync_lexical(settings: Any, size: str) -> None:
    """Rewrite a cached index's BM25 files when they are not this code's format or generation, as
    the first refresh of the product would (inside the timed no-op refresh otherwise)."""
    from assistant.core.catalog import Catalog
    from assistant.core.layout import lexical_path
    from assistant.core.lexical import LexicalIndex, stored_generation
    from ingest.bm25 import write_lexical

    cat = Catalog(settings.index_dir / "catalog.sqlite", create=False)
    path = lexical_path(settings)
    try:
        stale = stored_generation(path) != cat.generation()
        if not stale:  # a file from before the lexical index recorded what made its tokens
            stale = LexicalIndex.load(path).key != cat.token_key()
        if stale:
            t = time.perf_counter()
            path.unlink(missing_ok=True)  # a full rebuild, with this catalog's key
            write_lexical(cat, path)
            log(f"{size}: rewrote the lexical index in {time.perf_counter() - t:.1f} s")
    finally:
        cat.close()


def _restore_vectors(settings: Any, size: str) -> None:
    """Re-fill the vector store from the catalog when its layout changed (one collection per
    language since pipeline v5); a no-op when the counts already match."""
    from assistant.app.compose import open_index
    from assistant.core.catalog import Catalog
    from ingest.refresh import Refresher

    index = open_index(settings)
    cat = Catalog(settings.index_dir / "catalog.sqlite", create=False)
    try:
        t = time.perf_counter()
        n = Refresher(settings, index, cat, real_embedder, cat.get_meta("embedding_model") or "").collect_garbage()
        if n:
            log(f"{size}: restored/removed {n} vectors in {time.perf_counter() - t:.0f} s")
    finally:
        cat.close()


def _backfill_v5(cat: Any) -> None:
    """Fill what pipeline v5 stores and v4 did not: document vectors and chunk twins.

    Uses the ingest's own ``document_vector`` and ``chunk_twins``, so the fixture behaves
    like a v5 ingest of it.
    """
    from ingest.translations import chunk_twins, document_vector

    docs = cat.documents()
    chunks = {d.doc_id: cat.doc_chunks(d.doc_id) for d in docs}
    doc_vecs: dict[str, np.ndarray] = {}
    twins: dict[str, str | None] = {}
    for d in docs:
        cs = chunks[d.doc_id]
        if not cs:
            continue
        doc_vecs[d.doc_id] = document_vector(np.stack([c.vec for c in cs]))
        theirs = chunks.get(d.translation_of or "", [])
        if theirs:
            forward, _ = chunk_twins(cs, theirs)
            twins.update((c.id, twin) for c, twin in zip(cs, forward, strict=True))
    with cat.transaction() as w:
        w.set_doc_vectors(doc_vecs)
        w.set_twins(twins)
    log(f"backfilled {len(doc_vecs)} document vectors, {sum(t is not None for t in twins.values())} twins")


def provenance(size: str) -> dict[str, list[int]]:
    return json.loads((size_dir(size) / "provenance.json").read_text())


# --- processes -----------------------------------------------------------------------
class ChromaServer:
    """`chroma run` on 127.0.0.1 over an index's chroma directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ChromaServer:
        self.log = open(f"/tmp/perf-chroma-{self.port}.log", "wb")
        self.proc = subprocess.Popen(
            [CHROMA_BIN, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        import urllib.request

        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2).read()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"chroma run exited: see {self.log.name}") from None
                time.sleep(0.5)
        raise RuntimeError("chroma server did not come up in 120 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc:
            stop_process(self.proc, 20)
        self.log.close()
