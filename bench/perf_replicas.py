"""16 chat sessions on 2 replicas sharing PostgreSQL + a Chroma server, against 1 replica on SQLite +
embedded Chroma, in one run (issue 15's multi-host set-up, on one 2-core machine).

    PYTHONPATH=. .venv/bin/python -m bench.perf_replicas               # the 10k index
    PYTHONPATH=. .venv/bin/python -m bench.perf_replicas --size small  # quick

* baseline: ``taawun serve --no-ingest`` over the benchmark index (SQLite catalog, embedded Chroma).
* shared: the same index copied into a PostgreSQL database (through the Catalog API) and served by
  ``chroma run`` over a copy of its Chroma folder; then
  - 1 replica on it (what the backends cost), and
  - 2 replicas, each with its own empty index folder and empty sources folder (what a second host has),
    the 16 sessions split 8 / 8. Each replica builds its BM25 index from the catalog on its first question.
* each session is a gradio_client Client asking 10 questions in turn with its history
  (bench.perf_serve.sessions); errors are failed calls or "error"/"unavailable" answers.
* after the sessions, a release is added through replica A's CLI (same catalog and Chroma URLs, A's
  folders) and asked through replica B: the seconds until B cites it are recorded.

Both replicas share the machine's 2 cores, so the 2-replica row measures correctness and overhead under
a shared catalog, not added capacity (that needs a second host).
PostgreSQL: TAAWUN_BENCH_POSTGRES_URL (an admin URL), else a throwaway server from Debian's binaries.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import load_xquad
from bench.perf_common import (
    PY,
    ROOT,
    ChromaServer,
    build_index,
    finish_run,
    free_port,
    loadavg,
    log,
    md_table,
    size_dir,
    stop_process,
)
from bench.perf_serve import await_first_answer, serve_process, sessions

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "TAAWUN_LOG_LEVEL": "WARNING"}
RELEASE = (
    "Egypt and the Republic of Kiribati signed a memorandum of understanding on undersea cable landing "
    "stations in Cairo on 3 November 2026, to be implemented by Telecom Egypt over four years.\n"
)


def postgres() -> tuple[str, Any]:
    """An admin URL and a stop function (nothing to stop for a server given by the environment)."""
    url = os.environ.get("TAAWUN_BENCH_POSTGRES_URL")
    if url:
        return url, lambda: None
    from tests.helpers import start_postgres  # the same throwaway server the tests use

    root = Path(tempfile.mkdtemp(prefix="taawun-bench-pg-"))
    url, stop = start_postgres(root, free_port())

    def stop_all() -> None:
        stop()
        shutil.rmtree(root, ignore_errors=True)

    return url, stop_all


def copy_catalog(src: Path, url: str) -> dict[str, int]:
    """The benchmark index's catalog into the database at ``url``, through the Catalog API."""
    from assistant.core.catalog import Catalog

    a, b = Catalog(src, create=False), Catalog(url)
    vecs = a.doc_vectors()
    records: dict[str, list[dict[str, Any]]] = {}
    for r in a.records():
        records.setdefault(r.pop("doc_id"), []).append(r)
    docs = a.documents(with_text=True)
    for i in range(0, len(docs), 200):
        with b.transaction() as w:
            for d in docs[i : i + 200]:
                w.write_document(d, a.doc_chunks(d.doc_id), vecs[d.doc_id][1] if d.doc_id in vecs else None)
                w.write_records(d.doc_id, records.get(d.doc_id, []))
    with b.transaction() as w:
        for k, v in a.meta_items().items():
            if k != "generation":
                w.set_meta(k, v)
    out = {"documents": len(b.documents()), "chunks": b.chunk_count()}
    a.close()
    b.close()
    return out


class Replica:
    """``taawun serve --no-ingest`` with its own folders and the given catalog/Chroma URLs."""

    def __init__(self, name: str, index: Path, sources: Path, env: dict[str, str]) -> None:
        self.name, self.index, self.sources, self.port = name, index, sources, free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.env = {**ENV, **env}
        self.args = ["--index", str(index), "--sources", str(sources)]

    def start(self, question: str, timeout: float = 600) -> float:
        self.log = open(f"/tmp/perf-replica-{self.name}-{self.port}.log", "wb")  # noqa: SIM115
        t0 = time.perf_counter()
        self.proc = serve_process(self.args, self.port, self.env, self.log)
        _, t_ans, _ = await_first_answer(
            self.proc, self.port, question, t0, timeout, f"replica {self.name} ({self.log.name})"
        )
        return round(t_ans, 2)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [PY, "-m", "assistant.app.cli", *args[:1], *self.args, *args[1:]]
        return subprocess.run(cmd, capture_output=True, text=True, env=self.env, cwd=ROOT, timeout=600)

    def stop(self) -> None:
        stop_process(self.proc, 30)
        self.log.close()


def split_sessions(replicas: Sequence[Replica], n: int, per: int, qs: list[str]) -> dict[str, Any]:
    """``n`` sessions spread evenly over ``replicas``, all started together; merged figures."""
    results: list[dict[str, Any]] = [{} for _ in replicas]

    def run(i: int) -> None:
        results[i] = sessions(replicas[i].url, n // len(replicas), per, qs[i * 80 :] + qs[: i * 80], 300)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(replicas))]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    answers = sum(r["answers"] for r in results)
    return {
        "sessions": n,
        "replicas": len(replicas),
        "answers": answers,
        "errors": sum(r["errors"] for r in results),
        "error_samples": [e for r in results for e in r["error_samples"]][:5],
        "wall_s": round(wall, 2),
        "answers_per_s": round(answers / wall, 2),
        "per_replica": results,
        "latency_p95_ms": max(r["latency_ms"]["p95"] for r in results),
        "latency_p50_ms": sorted(r["latency_ms"]["p50"] for r in results)[len(results) // 2],
    }


def visible_after_add(writer: Replica, reader: Replica) -> dict[str, Any]:
    """Add a release through ``writer``'s CLI; seconds until ``reader`` cites it."""
    from gradio_client import Client

    path = Path(tempfile.mkdtemp()) / "kiribati_cables.txt"
    path.write_text(RELEASE, encoding="utf-8")
    t0 = time.perf_counter()
    done = writer.cli("add", str(path))
    added = time.perf_counter() - t0
    c = Client(reader.url, verbose=False, download_files=False)
    while time.perf_counter() - t0 < 60:
        r = c.predict(question="What did Egypt sign with Kiribati?", api_name="/ask")
        if any("kiribati_cables" in str(x.get("source", "")) for x in r.get("citations", [])):
            return {"add_s": round(added, 2), "cited_by_other_replica_s": round(time.perf_counter() - t0, 2)}
        time.sleep(0.5)
    return {"add_s": round(added, 2), "cited_by_other_replica_s": None, "add_stderr": done.stderr[-500:]}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="10k")
    ap.add_argument("--sessions", type=int, default=16)
    ap.add_argument("--per", type=int, default=10)
    ap.add_argument("--name", default="perf-replicas")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    build_index(args.size)
    d = size_dir(args.size)
    _, xq = load_xquad()
    import random

    qs = [q.text for q in xq if q.para < 50]
    random.Random(11).shuffle(qs)
    payload: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "size": args.size}
    payload["loadavg_start"] = loadavg()
    work = Path(tempfile.mkdtemp(prefix="taawun-replicas-"))
    runs: dict[str, Any] = {}

    base = Replica("sqlite", d / "index", d / "sources", {})
    payload["baseline_start_s"] = base.start(qs[0])
    try:
        runs["1 replica, SQLite + embedded Chroma"] = split_sessions([base], args.sessions, args.per, qs)
    finally:
        base.stop()
    log(f"baseline: {runs}")

    admin, stop_pg = postgres()
    try:
        from tests.helpers import fresh_database

        url = fresh_database(admin)
        t = time.perf_counter()
        payload["copied"] = copy_catalog(d / "index" / "catalog.sqlite", url)
        payload["copy_catalog_s"] = round(time.perf_counter() - t, 1)
        shutil.copytree(d / "index" / "chroma", work / "chroma")
        with ChromaServer(work / "chroma") as chroma:
            env = {"TAAWUN_CATALOG_URL": url, "TAAWUN_CHROMA_URL": chroma.url}
            folders = []
            for name in ("a", "b"):
                (work / name / "sources").mkdir(parents=True)
                folders.append((work / name / "index", work / name / "sources"))
            one = Replica("pg-1", *folders[0], env)
            payload["pg_single_start_s"] = one.start(qs[0])
            try:
                runs["1 replica, PostgreSQL + Chroma server"] = split_sessions([one], args.sessions, args.per, qs)
            finally:
                one.stop()
            fresh = []  # the pair starts on empty folders, as a second host would (not on the single run's)
            for name in ("c", "d"):
                (work / name / "sources").mkdir(parents=True)
                fresh.append((work / name / "index", work / name / "sources"))
            pair = [Replica(f"pg-{n}", *f, env) for n, f in zip("cd", fresh, strict=True)]
            payload["pg_pair_start_s"] = [r.start(qs[0]) for r in pair]
            try:
                runs["2 replicas, PostgreSQL + Chroma server"] = split_sessions(pair, args.sessions, args.per, qs)
                payload["add_through_a_seen_by_b"] = visible_after_add(pair[0], pair[1])
            finally:
                for r in pair:
                    r.stop()
    finally:
        stop_pg()
        shutil.rmtree(work, ignore_errors=True)
    payload["runs"] = runs
    payload["loadavg_end"] = loadavg()
    return report(args, payload, runs, t0)


HEADERS = ["set-up", "replicas", "sessions", "answers", "errors", "answers/s", "× baseline", "p50 ms", "p95 ms"]
HEADERS.append("p95 × baseline")


def report(args: argparse.Namespace, payload: dict[str, Any], runs: dict[str, Any], t0: float) -> int:
    ref = runs["1 replica, SQLite + embedded Chroma"]
    rows = [
        [
            k, r["replicas"], r["sessions"], r["answers"], r["errors"], r["answers_per_s"],
            round(r["answers_per_s"] / ref["answers_per_s"], 2), r["latency_p50_ms"], r["latency_p95_ms"],
            round(r["latency_p95_ms"] / ref["latency_p95_ms"], 2),
        ]
        for k, r in runs.items()
    ]  # fmt: skip
    seen = payload.get("add_through_a_seen_by_b", {})
    md = [
        f"# {args.sessions} chat sessions on replicas sharing PostgreSQL + Chroma server ({args.size} index, 2 cores)",
        "",
        f"`PYTHONPATH=. .venv/bin/python -m bench.perf_replicas --size {args.size}`, one run, {payload['date']}.",
        f"Each session asks {args.per} questions in turn with its history (gradio_client, `/ask`).",
        "",
        md_table(HEADERS, rows),
        "",
        f"- Catalog copied into PostgreSQL in {payload['copy_catalog_s']} s ({payload['copied']}).",
        f"- Start to first answer: baseline {payload['baseline_start_s']} s; one PostgreSQL replica "
        f"{payload['pg_single_start_s']} s; the pair {payload['pg_pair_start_s']} s (empty folders: each builds "
        "its BM25 index from the catalog).",
        f"- A release added through replica A's CLI took {seen.get('add_s')} s; replica B cited it "
        f"{seen.get('cited_by_other_replica_s')} s after the add began.",
        "- p95 of a multi-replica row is the worse replica's; both replicas share the same 2 cores.",
        "",
    ]
    return finish_run(args.name, payload, md, t0)


if __name__ == "__main__":
    raise SystemExit(main())
