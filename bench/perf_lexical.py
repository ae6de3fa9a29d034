"""BM25 index micro-benchmark: build, save, load, query and (when the code has it) appending
one document.

    PYTHONPATH=. .venv/bin/python -m bench.perf_lexical --chunks 100000
    PYTHONPATH=. .venv/bin/python -m bench.perf_lexical --catalog bench/work/perf-100k/index/catalog.sqlite

With ``--catalog``, the chunks are that catalog's (real tokens) and the queries are 600 XQuAD
questions, tokenized as the retriever does. Otherwise tokens are drawn from a Zipf
distribution (s=1.1) over 30k terms per language, chunks are 60-140 tokens, half Arabic and
half English, and queries are 3-8 tokens of ranks 50-5000. Either way a query is searched
with its language's mask, as the retriever does. The same script runs against older code
(no ``append_changes``): the append rows are then skipped.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from assistant.core import lexical
from assistant.core.lexical import LexicalIndex


def corpus(n: int, rng: np.random.Generator, vocab: int = 30_000) -> list[tuple[str, str, str, list[str]]]:
    ranks = np.arange(1, vocab + 1)
    p = ranks**-1.1
    p /= p.sum()
    items = []
    for i in range(n):
        lang = "ar" if i % 2 else "en"
        toks = rng.choice(vocab, size=int(rng.integers(60, 141)), p=p)
        items.append((f"c{i:07d}", f"d{i // 4:06d}", lang, [f"{lang}{t}" for t in toks]))
    return items


def queries(rng: np.random.Generator, n: int = 300, vocab: int = 30_000) -> list[tuple[str, list[str]]]:
    out = []
    for i in range(n):
        lang = "ar" if i % 2 else "en"
        # content words: skip the 50 most frequent (a stop-word-like head), like real questions
        toks = rng.integers(50, 5000, size=int(rng.integers(3, 9)))
        out.append((lang, [f"{lang}{t}" for t in toks]))
    return out


def real(catalog: Path) -> tuple[list[tuple[str, str, str, list[str]]], list[tuple[str, list[str]]]]:
    from assistant.core.catalog import Catalog
    from assistant.core.text import tokenize
    from bench.common import load_xquad

    cat = Catalog(catalog, create=False)
    items = list(cat.iter_tokens())
    cat.close()
    _, questions = load_xquad()
    return items, [(q.lang, tokenize(q.text)) for q in questions[::4][:600]]


def time_queries(lex: LexicalIndex, qs: list[tuple[str, list[str]]]) -> dict[str, float]:
    for lang, toks in qs[:20]:  # warm
        lex.search(toks, 60, lex.lang_mask(lang))
    ms = []
    for lang, toks in qs:
        t = time.perf_counter()
        lex.max_score(toks)
        lex.search(toks, 60, lex.lang_mask(lang))
        ms.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2)}


def appends(path: Path, items: list[Any], rng: np.random.Generator, n: int) -> dict[str, Any]:
    """Replace 4 chunks of one document (with new ids and tokens) ``n`` times through ``append_changes``."""
    ms = []
    gen = LexicalIndex.load(path).generation
    for i in range(n):
        first = 4 * int(rng.integers(0, len(items) // 4 - 1))
        block = items[first : first + 4]
        old = [c[0] for c in block]
        new = [(f"new-{i}-{k}", c[1], c[2], list(c[3])[::-1]) for k, c in enumerate(block)]
        t = time.perf_counter()
        assert lexical.append_changes(path, gen, gen + 1, old, new)  # type: ignore[attr-defined]
        ms.append((time.perf_counter() - t) * 1000)
        gen += 1
    return {"runs": n, "p50_ms": round(float(np.percentile(ms, 50)), 2), "max_ms": round(max(ms), 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--appends", type=int, default=20)
    ap.add_argument("--catalog", type=Path, default=None)
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    items, qs = real(args.catalog) if args.catalog else (corpus(args.chunks, rng), queries(rng))
    out: dict[str, Any] = {"chunks": len(items), "tokens": "catalog" if args.catalog else "synthetic"}
    t = time.perf_counter()
    lex = LexicalIndex.build(items, generation=1)
    out["build_s"] = round(time.perf_counter() - t, 2)
    out["query"] = time_queries(lex, qs)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lexical.npz"
        t = time.perf_counter()
        lex.save(path)
        out["save_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        lex = LexicalIndex.load(path)
        out["load_s"] = round(time.perf_counter() - t, 2)
        out["query_after_load"] = time_queries(lex, qs)
        if hasattr(lexical, "append_changes"):
            out["append_one_document"] = appends(path, items, rng, args.appends)
            t = time.perf_counter()
            lex = LexicalIndex.load(path)
            out["load_after_appends_s"] = round(time.perf_counter() - t, 2)
            out["segments_after_appends"] = len(lex.segments)
            out["query_after_appends"] = time_queries(lex, qs)
            t = time.perf_counter()
            lex.save(path)  # everything merged into one base: the rare O(index) step
            out["merge_all_s"] = round(time.perf_counter() - t, 2)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
