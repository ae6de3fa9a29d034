"""Warm query latency at ~100, 10k and 100k chunks: the shipped pipeline against baselines.

    PYTHONPATH=. .venv/bin/python -m bench.perf_query            # full: small, 10k, 100k; embedded + server
    PYTHONPATH=. .venv/bin/python -m bench.perf_query --quick    # smoke: small index, 20 questions
    PYTHONPATH=. .venv/bin/python -m bench.perf_query --sizes 10k --backends server

Indexes are built (once, cached under bench/work/perf-<size>/) by bench.perf_common
-- see its docstring for the synthetic-vector shortcut used above ~500 chunks.

Each (size, backend) runs in its own process. Measured, warm (model loaded, indexes
loaded, 10 warm-up questions per method), one question at a time:

* shipped retrieval  -- ``assistant.engine.search(q, top_k)``
* shipped answer     -- ``assistant.ask(q)`` (extractive generator, citations)
* LangChain baseline -- ``langchain_chroma.Chroma(...).similarity_search(q, k=top_k)`` with
  ``langchain_huggingface.HuggingFaceEmbeddings`` (same e5 model, "query: " prompt) over a
  plain LangChain collection holding the same vectors (+ texts, as LangChain stores them)
* numpy floor        -- brute-force dot product over the same vectors + argpartition

each with the query encoding excluded (real cached XQuAD query vectors) and included
(the real model, uncached). The four shipped measurements use disjoint question sets,
so the catalog's chunk cache is not warmed by a previous pass over the same questions.
R@1: the top hit's chunk was built from the question's XQuAD paragraph (either language).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import RESULTS_DIR, write_results
from bench.perf_common import (
    PY,
    ChromaServer,
    QueryVectors,
    build_index,
    loadavg,
    log,
    md_table,
    provenance,
    query_set,
    real_embedder,
    settings_for,
    size_dir,
    stats,
    vm_hwm_mb,
)
from bench.perf_common import (
    SIZES as SIZE_ORDER,
)

LC_COLLECTION = "lc_baseline"
WARMUP = 10


def timed(fn: Callable[[Any], Any], items: Sequence[Any]) -> tuple[list[float], list[Any]]:
    times, outs = [], []
    for x in items:
        t0 = time.perf_counter()
        outs.append(fn(x))
        times.append((time.perf_counter() - t0) * 1000)
    return times, outs


def lc_collection(client: Any, index: Any, catalog: Any, hf: Any) -> Any:
    """A plain LangChain Chroma store over the same vectors (created once per index)."""
    from langchain_chroma import Chroma

    lc = Chroma(collection_name=LC_COLLECTION, client=client, embedding_function=hf)
    n = index.count()
    if lc._collection.count() != n:
        log(f"creating the LangChain baseline collection ({n} vectors)")
        for col in index._cols.values():  # one collection per language in the shipped store
            offset = 0
            while True:
                got = col.get(include=["embeddings", "metadatas"], limit=4000, offset=offset)
                if not got["ids"]:
                    break
                texts = catalog.chunks(got["ids"])
                lc._collection.upsert(
                    ids=got["ids"],
                    embeddings=got["embeddings"],
                    metadatas=got["metadatas"],
                    documents=[texts[i].text if i in texts else "" for i in got["ids"]],
                )
                offset += len(got["ids"])
    return lc


def all_vectors(index: Any) -> tuple[list[str], np.ndarray]:
    ids: list[str] = []
    vecs = []
    for col in index._cols.values():
        offset = 0
        while True:
            got = col.get(include=["embeddings"], limit=5000, offset=offset)
            ids += got["ids"]
            if len(got["ids"]):
                vecs.append(np.asarray(got["embeddings"], np.float32).reshape(len(got["ids"]), -1))
            if len(got["ids"]) < 5000:
                break
            offset += len(got["ids"])
    return ids, np.concatenate(vecs)


def profile_top(fn: Callable[[], Any], n: int = 15) -> list[str]:
    pr = cProfile.Profile()
    pr.enable()
    fn()
    pr.disable()
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(n)
    lines = [ln.rstrip() for ln in s.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
    return lines[start : start + n + 1]


def question_sets(qs: Any, n: int) -> tuple[list[Any], list[list[Any]]]:
    """Warm-up questions, and four disjoint measured sets, half English half Arabic each
    (fewer when the small index has too few questions)."""
    by_lang = {lang: [q for q in qs.questions if q.lang == lang] for lang in ("en", "ar")}
    per = min(n // 2, *((len(v) - WARMUP // 2) // 4 for v in by_lang.values()))
    lo = WARMUP // 2
    sets = [[q for lang in ("en", "ar") for q in by_lang[lang][lo + i * per : lo + (i + 1) * per]] for i in range(4)]
    return by_lang["en"][:lo] + by_lang["ar"][:lo], sets


def langchain_baseline(a: Any) -> Any:
    """The same e5 model through langchain_huggingface, over a plain LangChain collection of the same vectors."""
    from langchain_huggingface import HuggingFaceEmbeddings

    from ingest.embed import resolve_model

    _, path = resolve_model(a.settings.embedding)
    hf = HuggingFaceEmbeddings(
        model_name=path,
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
        query_encode_kwargs={"normalize_embeddings": True, "prompt": "query: "},
    )
    return lc_collection(a.index._client, a.index, a.catalog, hf)


def methods(a: Any, real: Any, qs: Any, top_k: int) -> dict[str, Callable[[Any], Any]]:
    """Every measured method by name; "… vec" ones take the cached query vector, "… text" ones encode."""
    lc = langchain_baseline(a)
    ids, mat = all_vectors(a.index)

    def encode(q: Any) -> np.ndarray:
        return real.encode_query(q.text)  # uncached, as a new question would be

    def floor(v: np.ndarray) -> list[str]:
        s = mat @ v
        top = np.argpartition(-s, top_k)[:top_k]
        return [ids[j] for j in top[np.argsort(-s[top])]]

    return {
        "shipped": lambda q: a.engine.search(q.text, top_k),
        "ask": lambda q: a.ask(q.text),
        "lc vec": lambda q: lc.similarity_search_by_vector(qs.qvec[q.text].tolist(), k=top_k),
        "lc text": lambda q: lc.similarity_search(q.text, k=top_k),
        "floor vec": lambda q: floor(qs.qvec[q.text]),
        "floor text": lambda q: floor(encode(q)),
        "encode": encode,
    }


def measure(fns: dict[str, Callable[[Any], Any]], qe: Any, sets: list[list[Any]], tag: str) -> tuple[dict, dict]:
    """Latency stats with the query encoding excluded, then included, and the outputs of the excluded pass."""
    A, B, C, D = sets
    res: dict[str, Any] = {}
    outs: dict[str, list[Any]] = {}
    passes = (
        (True, "enc excluded", (("shipped retrieval", "shipped", A), ("langchain similarity_search", "lc vec", A),
                                ("numpy floor", "floor vec", A), ("shipped answer (ask)", "ask", C))),
        (False, "enc included", (("shipped retrieval", "shipped", B), ("langchain similarity_search", "lc text", A),
                                 ("numpy floor", "floor text", A), ("shipped answer (ask)", "ask", D),
                                 ("query encoding alone", "encode", B))),
    )  # fmt: skip
    for precomputed, label, runs in passes:
        qe.precomputed = precomputed
        for name, key, qset in runs:
            t, o = timed(fns[key], qset)
            res[f"{name} [{label}]"] = stats(t)
            if precomputed:
                outs[name] = o
            log(f"{tag} {name} {label[4:8]}: {res[f'{name} [{label}]']}")
    qe.precomputed = True
    return res, outs


def answer_breakdown(answers: list[Any]) -> tuple[dict[str, float], dict[str, int]]:
    """Mean stage timings (from Answer.timings) and the count of each status."""
    breakdown = {
        k: round(float(np.mean([x.timings_ms.get(k, 0.0) for x in answers])), 2)
        for k in ("retrieve", "select", "generate", "total")
    }
    statuses: dict[str, int] = {}
    for x in answers:
        statuses[x.status] = statuses.get(x.status, 0) + 1
    return breakdown, statuses


def recall_at_1(outs: dict[str, list[Any]], qset: list[Any], prov: dict[str, Any]) -> tuple[dict[str, float], float]:
    """R@1 of each method, and how often LangChain and the dense floor (same vectors) agree on the top hit."""

    def hit(chunk_id: str | None, q: Any) -> bool:
        return chunk_id is not None and q.para in prov.get(chunk_id, [])

    top = {
        "shipped retrieval": [h[0].chunk.id if h else None for h in outs["shipped retrieval"]],
        "langchain similarity_search": [d[0].id if d else None for d in outs["langchain similarity_search"]],
        "numpy floor": [x[0] if x else None for x in outs["numpy floor"]],
    }
    r1 = {name: float(np.mean([hit(c, q) for c, q in zip(ids, qset, strict=True)])) for name, ids in top.items()}
    lc, floor = top["langchain similarity_search"], top["numpy floor"]
    return r1, float(np.mean([x == y for x, y in zip(lc, floor, strict=True)]))


def child(size: str, backend: str, n: int) -> dict[str, Any]:
    from assistant.app.compose import build_assistant

    rec = build_index(size)
    prov = provenance(size)
    qs = query_set(4 * n + 2 * WARMUP, max_para=50 if size == "small" else None)
    warm, sets = question_sets(qs, n)
    server = ChromaServer(size_dir(size) / "index" / "chroma") if backend == "server" else None
    if server:
        server.__enter__()
    try:
        settings = settings_for(size, chroma_url=server.url if server else "")
        t0 = time.perf_counter()
        real = real_embedder(query_cache=0)
        qe = QueryVectors(real, qs.qvec)
        a = build_assistant(settings, embedder=qe)
        a.warm_up()
        t_load = time.perf_counter() - t0
        top_k = settings.retrieval.top_k
        fns = methods(a, real, qs, top_k)
        for key in ("shipped", "ask", "lc vec", "lc text", "floor vec", "floor text"):  # on questions not measured
            for q in warm:
                fns[key](q)
        res, outs = measure(fns, qe, sets, f"{size}/{backend}")
        breakdown, statuses = answer_breakdown(outs["shipped answer (ask)"])
        r1, same_top1 = recall_at_1(outs, sets[0], prov)
        return {
            "size": size,
            "backend": backend,
            "chunks": rec["chunks"],
            "documents": rec["documents"],
            "questions_per_set": len(sets[0]),
            "top_k": top_k,
            "load_seconds": round(t_load, 1),
            "latency_ms": res,
            "answer_breakdown_ms_mean": breakdown,
            "answer_status": statuses,
            "R@1": r1,
            "langchain_vs_floor_top1_agreement": same_top1,
            "profile_shipped_retrieval_50q": profile_top(lambda: [fns["shipped"](q) for q in sets[0][:50]]),
            "profile_ask_50q": profile_top(lambda: [fns["ask"](q) for q in sets[2][:50]], 25),
            "bench_process_vmhwm_mb": vm_hwm_mb(),
            "loadavg_end": loadavg(),
        }
    finally:
        if server:
            server.__exit__(None, None, None)


def ratio(num: dict[str, float], den: dict[str, float]) -> str:
    return f"{num['p50'] / den['p50']:.2f} / {num['p95'] / den['p95']:.2f}"


def to_markdown(runs: list[dict[str, Any]], note: str) -> str:
    out = ["# Query latency (warm, one question at a time, 2 CPU cores)", "", note, ""]
    rows = []
    for r in runs:
        for name, s in r["latency_ms"].items():
            rows.append([r["size"], r["chunks"], r["backend"], name, s["p50"], s["p95"], s["p99"], s["n"]])
    out += [
        md_table(["size", "chunks", "chroma", "method [query encoding]", "p50 ms", "p95 ms", "p99 ms", "n"], rows),
        "",
    ]
    out += ["## Ratios shipped / baseline (p50 / p95)", ""]
    rows = []
    for r in runs:
        L = r["latency_ms"]
        for enc in ("enc excluded", "enc included"):
            sr = L[f"shipped retrieval [{enc}]"]
            sa = L[f"shipped answer (ask) [{enc}]"]
            lc = L[f"langchain similarity_search [{enc}]"]
            fl = L[f"numpy floor [{enc}]"]
            rows.append([r["size"], r["backend"], enc, ratio(sr, lc), ratio(sa, lc), ratio(sr, fl)])
    out += [
        md_table(
            ["size", "chroma", "encoding", "retrieval / LangChain", "ask / LangChain", "retrieval / numpy floor"], rows
        ),
        "",
    ]
    out += ["## Accuracy (R@1 on the encoding-excluded question set) and answer breakdown", ""]
    rows = []
    for r in runs:
        rows.append(
            [
                r["size"],
                r["backend"],
                r["R@1"]["shipped retrieval"],
                r["R@1"]["langchain similarity_search"],
                r["R@1"]["numpy floor"],
                r["langchain_vs_floor_top1_agreement"],
                " / ".join(f"{k} {v}" for k, v in r["answer_breakdown_ms_mean"].items()),
                r["bench_process_vmhwm_mb"],
            ]
        )
    out += [
        md_table(
            [
                "size",
                "chroma",
                "R@1 shipped",
                "R@1 LangChain",
                "R@1 numpy",
                "LC=numpy top1",
                "ask mean ms: retrieve / select / generate / total",
                "bench VmHWM MB",
            ],
            rows,
        ),
        "",
    ]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run: small index, embedded, 20 questions per set")
    ap.add_argument("--sizes", default=None, help="comma list of small,10k,100k")
    ap.add_argument("--backends", default=None, help="comma list of embedded,server")
    ap.add_argument("--n", type=int, default=None, help="questions per measured set (default 200, quick 20)")
    ap.add_argument("--name", default=None)
    ap.add_argument(
        "--include-json",
        action="append",
        default=[],
        help="add a (size, backend) run saved by an earlier child (/tmp/perf-query-SIZE-BACKEND.json)",
    )
    ap.add_argument("--child", nargs=2, metavar=("SIZE", "BACKEND"), help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    n = args.n or (20 if args.quick else 200)
    if args.child:
        result = child(args.child[0], args.child[1], n)
        with open(args.out, "w") as fh:
            json.dump(result, fh)
        return 0
    sizes = (args.sizes or ("small" if args.quick else "small,10k,100k")).split(",")
    backends = (args.backends or ("embedded" if args.quick else "embedded,server")).split(",")
    name = args.name or ("perf-query-quick" if args.quick else "perf-query")
    t0 = time.perf_counter()
    builds = {s: build_index(s) for s in sizes}
    runs = []
    for s in sizes:
        for b in backends:
            out = f"/tmp/perf-query-{s}-{b}.json"
            log(f"--- {s} / {b}")
            t1 = time.perf_counter()
            p = subprocess.run(
                [PY, "-m", "bench.perf_query", "--child", s, b, "--n", str(n), "--out", out], check=False
            )
            if p.returncode != 0:
                log(f"child {s}/{b} failed with {p.returncode}")
                continue
            r = json.loads(Path(out).read_text())
            r["seconds"] = round(time.perf_counter() - t1, 1)
            runs.append(r)
    note = (
        f"{n} questions per measured set (half English, half Arabic XQuAD questions); top_k 6. "
        "'enc excluded': the real query vector is given; 'enc included': the real e5 model encodes the question "
        "(uncached). Sizes above ~500 chunks use synthetic vectors derived from real ones (bench/perf_common.py). "
        "Chroma 'embedded' = PersistentClient in-process; 'server' = `chroma run` on 127.0.0.1."
    )
    for path in args.include_json:
        r = json.loads(Path(path).read_text())
        r["from_saved_child"] = path
        runs.append(r)
    prior = RESULTS_DIR / f"{name}.json"
    if prior.is_file():  # keep the other (size, backend) runs of an earlier full run
        done = {(r["size"], r["backend"]) for r in runs}
        old = json.loads(prior.read_text())
        kept = [r for r in old.get("runs", []) if (r["size"], r["backend"]) not in done]
        for r in kept:
            r["from_earlier_run"] = old.get("date")
        runs = sorted(kept + runs, key=lambda r: (list(SIZE_ORDER).index(r["size"]), r["backend"]))
        builds = {**old.get("builds", {}), **builds}
    payload = {
        "builds": builds,
        "runs": runs,
        "total_seconds": round(time.perf_counter() - t0, 1),
        "n": n,
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    j, m = write_results(name, payload, to_markdown(runs, note))
    print(to_markdown(runs, note))
    log(f"wrote {j} and {m} in {payload['total_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
