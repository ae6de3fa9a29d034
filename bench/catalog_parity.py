"""The gold set answered over an SQLite catalog and over a PostgreSQL catalog: are the answers identical?

    PYTHONPATH=. .venv/bin/python -m bench.catalog_parity

The founding corpus (knowledge/sources/) is ingested twice with the real embedding model, each time
into a fresh index folder with embedded Chroma: once with the default SQLite catalog, once with
TAAWUN_CATALOG_URL pointing at a new PostgreSQL database (TAAWUN_BENCH_POSTGRES_URL, an admin URL,
else a throwaway server from Debian's binaries). Every gold question is
asked through the same `Assistant` the CLI uses; the answer text, status, short answer and cited
documents must match exactly. Results: bench/results/catalog-parity.{json,md}.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.app.compose import build_assistant, make_embedder
from assistant.app.evaluate import load_gold
from assistant.core.settings import load_settings
from bench.perf_common import ROOT, finish_run, log
from bench.perf_replicas import postgres


def answers(settings: Any, embedder: Any, items: list[Any]) -> tuple[list[tuple[Any, ...]], float]:
    a = build_assistant(settings, embedder=embedder)
    t = time.perf_counter()
    a.refresh()
    took = time.perf_counter() - t
    out = []
    for it in items:
        ans = a.ask(it.question)
        out.append((ans.status, ans.answer, ans.short, [c.source for c in ans.citations]))
    return out, took


def main() -> int:
    t0 = time.perf_counter()
    items = load_gold()
    work = Path(tempfile.mkdtemp(prefix="taawun-parity-"))
    base = load_settings(sources={"dir": ROOT / "knowledge" / "sources"}, index={"dir": work / "sqlite"})
    embedder = make_embedder(base)
    sqlite_answers, sqlite_s = answers(base, embedder, items)
    admin, stop = postgres()
    try:
        from tests.helpers import fresh_database

        url = fresh_database(admin)
        pg = load_settings(
            sources={"dir": ROOT / "knowledge" / "sources"}, index={"dir": work / "pg"}, catalog={"url": url}
        )
        pg_answers, pg_s = answers(pg, embedder, items)
    finally:
        stop()
    same = [x == y for x, y in zip(sqlite_answers, pg_answers, strict=True)]
    differ = [
        {"id": it.id, "sqlite": x, "postgres": y}
        for it, x, y, ok in zip(items, sqlite_answers, pg_answers, same, strict=True)
        if not ok
    ]
    log(f"identical: {sum(same)}/{len(same)}")
    payload = {"questions": len(same), "identical": sum(same), "differ": differ,
               "ingest_s": {"sqlite": round(sqlite_s, 1), "postgres": round(pg_s, 1)}}  # fmt: skip
    md = [
        "# Gold set answers: SQLite catalog vs PostgreSQL catalog",
        "",
        "`PYTHONPATH=. .venv/bin/python -m bench.catalog_parity`, one run, real embedding model, embedded Chroma.",
        "",
        f"- Identical answers (status, text, short answer, cited sources): **{sum(same)} of {len(same)}**.",
        f"- Ingest of the founding corpus: SQLite {payload['ingest_s']['sqlite']} s, "
        f"PostgreSQL {payload['ingest_s']['postgres']} s. Not a comparison of the engines: the throwaway "
        "server runs with fsync off, and the second ingest starts with a warm embedder.",
        *(f"- differs: `{d['id']}`" for d in differ),
        "",
    ]
    return finish_run("catalog-parity", payload, md, t0)


if __name__ == "__main__":
    raise SystemExit(main())
