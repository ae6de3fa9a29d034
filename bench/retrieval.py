"""XQuAD paragraph-retrieval benchmark: BM25, dense e5, plain fusion and the shipped retriever.

    .venv/bin/python -m bench.retrieval            # full run (all 2380 questions)
    .venv/bin/python -m bench.retrieval --limit 200  # quick look

The 240 parallel paragraphs are ingested in both languages through the real
ingest pipeline (chunking, sentence vectors, translation links, Chroma, BM25);
passage and query vectors are cached under bench/cache/ keyed by model and text.
Tasks: en->en, ar->ar, en->ar, ar->en (the pool is the target language's 240
paragraphs) and mixed (all questions over all 480 paragraphs; a hit on the
question's paragraph in either language counts, as both are the same passage).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from assistant.app.compose import embedder_model_id, make_embedder, open_catalog, open_index
from assistant.core.arguments import Filters
from assistant.core.layout import lexical_path
from assistant.core.lexical import LexicalIndex
from assistant.core.settings import Settings, load_settings
from assistant.core.text import tokenize
from assistant.query.retrieve import SearchEngine
from bench.common import (
    CACHE_DIR,
    WORK_DIR,
    Progress,
    QueryVectorCache,
    load_xquad,
    machine,
    percentile,
    write_results,
)
from ingest.embed import CachedEmbedder
from ingest.locking import index_lock
from ingest.refresh import Refresher

TASKS = {
    "en->en": ("en", ("en",)),
    "ar->ar": ("ar", ("ar",)),
    "en->ar": ("en", ("ar",)),
    "ar->en": ("ar", ("en",)),
    "mixed": (None, None),
}
DEPTH = 10  # rank depth for MRR@10


def doc_name(lang: str, i: int) -> str:
    return f"xq_{lang}_{i:03d}.txt"


def para_of(doc_id: str) -> int:
    return int(doc_id[6:9])


def build_index(settings: Settings, paras: dict[str, list[str]]) -> None:
    src = settings.sources_dir
    src.mkdir(parents=True, exist_ok=True)
    for lang, items in paras.items():
        for i, text in enumerate(items):
            p = src / doc_name(lang, i)
            if not p.exists() or p.read_text(encoding="utf-8") != text:
                p.write_text(text, encoding="utf-8")
    bar = Progress("embedding XQuAD passages (cached after the first run)")
    inner = None

    def factory() -> CachedEmbedder:
        nonlocal inner
        inner = make_embedder(settings)
        return CachedEmbedder(inner, CACHE_DIR / "passages.sqlite")

    with index_lock(settings.index_dir):
        report = Refresher(
            settings,
            open_index(settings),
            open_catalog(settings),
            factory,
            embedder_model_id(settings),
            progress=lambda stage, done, total: bar(done, total) if stage == "embed" else None,
        ).run()
    print(report.summary().split("\n")[0], file=sys.stderr)


def rank_docs(chunk_ids: Sequence[str], doc_of: Callable[[str], str]) -> list[str]:
    seen: list[str] = []
    for c in chunk_ids:
        d = doc_of(c)
        if d not in seen:
            seen.append(d)
        if len(seen) >= DEPTH:
            break
    return seen


def metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks)
    r1 = sum(1 for r in ranks if r is not None and r < 1) / n
    r5 = sum(1 for r in ranks if r is not None and r < 5) / n
    mrr = sum(1.0 / (r + 1) for r in ranks if r is not None and r < DEPTH) / n
    return {"R@1": r1, "R@5": r5, "MRR@10": mrr}


class Methods:
    def __init__(self, settings: Settings, qvec: dict[str, np.ndarray], embedder: Any) -> None:
        self.settings = settings
        self.catalog = open_catalog(settings, create=False)
        self.index = open_index(settings)
        self.lex = LexicalIndex.load(lexical_path(settings))
        self.doc_of = {cid: d for cid, d in zip(self.lex.ids, self.lex.docs, strict=True)}
        self.doc_lang = {d.doc_id: d.language for d in self.catalog.documents()}
        self.qvec = qvec

        class _Q:  # serves cached query vectors to the engine
            model_id = embedder.model_id
            dim = embedder.dim

            def embed_query(_self, text: str) -> np.ndarray:
                return qvec[text] if text in qvec else embedder.embed_query(text)

            def embed_passages(_self, texts, progress=None):
                return embedder.embed_passages(texts, progress)

        self.qembed = _Q()

    def pool(self, langs: tuple[str, ...] | None) -> list[str] | None:
        return None if langs is None else sorted(d for d, lang in self.doc_lang.items() if lang in langs)

    def bm25(self, q: str, langs: tuple[str, ...] | None) -> list[str]:
        mask = None if langs is None else np.isin(self.lex.langs, list(langs))
        return rank_docs([c for c, _ in self.lex.search(tokenize(q), 60, mask)], self.doc_of.__getitem__)

    def dense(self, q: str, langs: tuple[str, ...] | None) -> list[str]:
        hits = self.index.query(self.qvec[q], 40, self.pool(langs))
        return rank_docs([h.id for h in hits], self.doc_of.__getitem__)

    def dense_prf(self, q: str, langs: tuple[str, ...] | None, fb: int = 3, alpha: float = 0.5) -> list[str]:
        """Pseudo-relevance feedback in embedding space (Rocchio): move the query towards its
        top ``fb`` dense hits, then search again. Tried for the cross-language cells."""
        v = np.asarray(self.qvec[q], np.float32)
        first = self.index.query(v, 40, self.pool(langs))
        recs = self.catalog.chunks([h.id for h in first[:fb]])
        if recs:
            v = v + alpha * np.stack([np.asarray(r.vec, np.float32) for r in recs.values()]).mean(axis=0)
            v /= max(float(np.linalg.norm(v)), 1e-12)
        hits = self.index.query(v, 40, self.pool(langs))
        return rank_docs([h.id for h in hits], self.doc_of.__getitem__)

    def rrf(self, q: str, langs: tuple[str, ...] | None, k: int = 60) -> list[str]:
        """Plain reciprocal-rank fusion: BM25 ranks the whole pool (zero scores included, as a
        get-top-n BM25 does), so it votes even where it has no evidence."""
        scores = self.lex.scores(tokenize(q))
        if langs is not None:
            scores = np.where(np.isin(self.lex.langs, list(langs)), scores, -np.inf)
        order = np.argsort(-scores, kind="stable")[:60]
        lex = [self.lex.ids[j] for j in order if np.isfinite(scores[j])]
        den = [h.id for h in self.index.query(self.qvec[q], 60, self.pool(langs))]
        score: dict[str, float] = {}
        for ranking in (lex, den):
            for r, c in enumerate(ranking):
                score[c] = score.get(c, 0.0) + 1.0 / (k + r + 1)
        return rank_docs(sorted(score, key=lambda c: -score[c]), self.doc_of.__getitem__)

    def engine(self, **overrides: object) -> Callable[[str, tuple[str, ...] | None], list[str]]:
        cfg = self.settings.retrieval.model_copy(update=overrides)
        eng = SearchEngine(self.catalog, self.index, self.qembed, cfg, lexical_path(self.settings))  # type: ignore[arg-type]

        def run(q: str, langs: tuple[str, ...] | None) -> list[str]:
            hits = eng.search(q, 20, Filters(languages=langs))
            ids = []
            for h in hits:
                ids.append(h.chunk.id)
                ids.extend(a.chunk.id for a in h.alternates)
            return rank_docs(ids, lambda c: self.doc_of.get(c) or c.split("#", 1)[0])

        return run


def evaluate(methods: dict[str, Callable], questions, limit: int | None) -> dict[str, dict[str, dict[str, float]]]:
    table: dict[str, dict[str, dict[str, float]]] = {}
    for task, (qlang, langs) in TASKS.items():
        qs = [q for q in questions if qlang is None or q.lang == qlang]
        if limit:
            step = max(1, len(qs) // limit)
            qs = qs[::step][:limit]
        for name, fn in methods.items():
            ranks: list[int | None] = []
            times: list[float] = []
            for q in qs:
                t0 = time.perf_counter()
                docs = fn(q.text, langs)
                times.append((time.perf_counter() - t0) * 1000)
                paras = [para_of(d) for d in docs]
                if task == "mixed":
                    ranks.append(paras.index(q.para) if q.para in paras else None)
                else:
                    want = doc_name(langs[0], q.para)  # type: ignore[index]
                    ranks.append(docs.index(want) if want in docs else None)
            m = metrics(ranks)
            m["p50_ms"] = percentile(times, 50)
            m["p95_ms"] = percentile(times, 95)
            m["n"] = len(qs)
            table.setdefault(name, {})[task] = m
            print(
                f"{task:7s} {name:22s} R@1 {m['R@1']:.3f} R@5 {m['R@5']:.3f} MRR {m['MRR@10']:.3f} "
                f"p50 {m['p50_ms']:.1f} ms",
                file=sys.stderr,
            )
    return table


def to_markdown(table: dict[str, dict[str, dict[str, float]]], note: str) -> str:
    lines = ["| method | " + " | ".join(TASKS) + " | p50 / p95 ms (mixed) |", "|---" * (len(TASKS) + 2) + "|"]
    for name, row in table.items():
        cells = [f"{row[t]['R@1']:.3f} / {row[t]['R@5']:.3f} / {row[t]['MRR@10']:.3f}" for t in TASKS]
        lines.append(
            f"| {name} | " + " | ".join(cells) + f" | {row['mixed']['p50_ms']:.1f} / {row['mixed']['p95_ms']:.1f} |"
        )
    return "Cells: R@1 / R@5 / MRR@10.\n\n" + "\n".join(lines) + "\n\n" + note + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="questions per task (default: all)")
    ap.add_argument("--ablations", action="store_true", help="also run the retriever variants we tried")
    ap.add_argument("--name", default="retrieval", help="result file name under bench/results/")
    args = ap.parse_args(argv)

    work = WORK_DIR / "xquad"
    settings = load_settings(sources={"dir": work / "sources"}, index={"dir": work / "index"})
    paras, questions = load_xquad()
    build_index(settings, paras)

    embedder = make_embedder(settings)
    cache = QueryVectorCache(CACHE_DIR / "queries.sqlite", embedder.model_id)
    texts = sorted({q.text for q in questions})
    vecs = cache.get_many(texts, embedder.embed_query, Progress("encoding questions (cached after the first run)"))
    qvec = dict(zip(texts, vecs, strict=True))

    # Query encoding is timed separately on uncached questions: the table's latencies
    # are retrieval only, with the query vector given.
    enc_times = []
    for q in questions[:: max(1, len(questions) // 100)][:100]:
        t0 = time.perf_counter()
        embedder.embed_query(q.text + " ")  # a new string, so the LRU cache cannot answer
        enc_times.append((time.perf_counter() - t0) * 1000)

    m = Methods(settings, qvec, embedder)
    methods: dict[str, Callable] = {"BM25": m.bm25, "dense e5": m.dense, "RRF(BM25, e5) plain": m.rrf}
    if args.ablations:
        methods |= {
            "ablation: dense + PRF (Rocchio, top 3)": m.dense_prf,
            "ablation: dense + sentences": m.engine(w_lexical=0.0),
            "ablation: shipped minus sentences": m.engine(w_sentence=0.0),
        }
    methods["shipped retriever"] = m.engine()
    table = evaluate(methods, questions, args.limit)
    enc = {"p50_ms": percentile(enc_times, 50), "p95_ms": percentile(enc_times, 95), "n": len(enc_times)}
    note = (
        f"Query encoding (e5 'query: ', one at a time): p50 {enc['p50_ms']:.1f} ms, p95 {enc['p95_ms']:.1f} ms "
        f"over {enc['n']} questions; the latencies in the table exclude it."
    )
    payload = {
        "machine": machine(),
        "settings": settings.retrieval.model_dump(),
        "limit": args.limit,
        "query_encoding": enc,
        "results": table,
    }
    j, md = write_results(args.name, payload, to_markdown(table, note))
    print(to_markdown(table, note))
    print(f"wrote {j} and {md}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
