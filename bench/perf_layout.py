"""Why the store keeps one Chroma collection per language: a language-filtered query on one
collection against a plain query on the language's own collection, same vectors, same questions.

    PYTHONPATH=. .venv/bin/python -m bench.perf_layout [--size 100k] [--n 100]

Uses the cached benchmark index of ``--size`` (bench.perf_common) and its LangChain baseline
collection, which holds all chunks of both languages with their ``language`` metadata (run
bench.perf_query once first to create it).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bench.common import write_results
from bench.perf_common import build_index, log, md_table, query_set, settings_for, stats

K = 40


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="100k")
    ap.add_argument("--n", type=int, default=100)
    args = ap.parse_args(argv)

    from assistant.app.compose import open_index

    build_index(args.size)
    index: Any = open_index(settings_for(args.size))
    client = index._client
    mixed = client.get_collection("lc_baseline")
    qs = query_set(args.n)
    rows, payload = [], {"size": args.size, "k": K, "n": len(qs.questions), "collections": {}}
    timings: dict[str, list[float]] = {"one collection, where language=...": [], "per-language collection": []}
    agree = 0
    for q in qs.questions[:5]:  # warm-up
        v = qs.qvec[q.text].tolist()
        mixed.query(query_embeddings=[v], n_results=K, where={"language": q.lang})
        index._cols[q.lang].query(query_embeddings=[v], n_results=K)
    for q in qs.questions:
        v = qs.qvec[q.text].tolist()
        t0 = time.perf_counter()
        a = mixed.query(query_embeddings=[v], n_results=K, where={"language": q.lang})["ids"][0]
        t1 = time.perf_counter()
        b = index._cols[q.lang].query(query_embeddings=[v], n_results=K)["ids"][0]
        t2 = time.perf_counter()
        timings["one collection, where language=..."].append((t1 - t0) * 1000)
        timings["per-language collection"].append((t2 - t1) * 1000)
        agree += bool(a and b and a[0] == b[0])
    for name, ts in timings.items():
        s = stats(ts)
        payload["collections"][name] = s
        rows.append([name, s["p50"], s["p95"], s["p99"], s["n"]])
        log(f"{name}: {s}")
    payload["top1_agreement"] = agree / len(qs.questions)
    md = "\n".join(
        [
            f"# Chroma layout: filtered query vs per-language collection ({args.size} chunks, k={K})",
            "",
            md_table(["layout", "p50 ms", "p95 ms", "p99 ms", "n"], rows),
            "",
            f"Same top-1 in both layouts for {payload['top1_agreement']:.2f} of the questions "
            "(HNSW is approximate; a filtered search explores the graph differently).",
            "",
        ]
    )
    write_results("perf-layout", payload, md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
