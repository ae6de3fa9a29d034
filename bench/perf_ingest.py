"""Ingest throughput: a full build with real embeddings, an incremental refresh into a
10k-chunk index, and embedding throughput against batch size and torch threads.

    PYTHONPATH=. .venv/bin/python -m bench.perf_ingest           # full
    PYTHONPATH=. .venv/bin/python -m bench.perf_ingest --quick   # smoke: 40 documents, small grid

* full build: the 480 XQuAD paragraphs (240 en + 240 ar, one document each) copied into
  a fresh sources folder under /tmp and ingested with ``assistant.refresh()`` and the real
  model, no vector cache. Model load is timed separately; the embed stage is timed from
  the refresher's progress callbacks.
* incremental refresh: a copy of bench/work/perf-10k (10k chunks; see bench.perf_common)
  under /tmp; the assistant is warm (model loaded, one question answered), then one new
  release (a new English document of real XQuAD text) is written to the sources folder
  and the whole ``assistant.refresh()`` is timed, embedding included. Repeated with new
  documents; one more run is profiled (cProfile) to show where the time goes.
* embedding grid: ``embed_passages`` on a fixed mix of chunk and sentence texts
  (1 chunk : 3 sentences, as the ingest embeds them) for batch 1, 4, 8, 16, 32 and
  torch threads 1, 2.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, load_xquad
from bench.perf_common import (
    XQ_SOURCES,
    build_index,
    finish_run,
    loadavg,
    log,
    md_table,
    real_embedder,
    settings_for,
    size_dir,
    vm_hwm_mb,
)

TMP = Path("/tmp/perf-ingest")


class StageClock:
    """Progress callback recording when each stage starts and ends."""

    def __init__(self) -> None:
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.total: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        self.first.setdefault(stage, now)
        self.last[stage] = now
        self.total[stage] = total

    def seconds(self, stage: str) -> float:
        return round(self.last.get(stage, 0.0) - self.first.get(stage, 0.0), 2)


def top_profile(pr: cProfile.Profile, n: int = 25, key: str = "cumulative") -> list[str]:
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats(key).print_stats(n)
    lines = [ln.rstrip() for ln in s.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
    return lines[start : start + n + 1]


def full_build(n_docs: int) -> dict[str, Any]:
    from assistant.app.compose import build_assistant

    root = TMP / "full"
    shutil.rmtree(root, ignore_errors=True)
    (root / "sources").mkdir(parents=True)
    files = sorted(XQ_SOURCES.glob("xq_*.txt"))
    # equal numbers of English and Arabic documents
    en = [f for f in files if f.name.startswith("xq_en")][: n_docs // 2]
    ar = [f for f in files if f.name.startswith("xq_ar")][: n_docs // 2]
    for f in en + ar:
        shutil.copyfile(f, root / "sources" / f.name)
    settings = settings_for(root)
    t0 = time.perf_counter()
    a = build_assistant(settings)
    _ = a.embedder
    t_model = time.perf_counter() - t0
    clock = StageClock()
    t1 = time.perf_counter()
    report = a.refresh(progress=clock)
    t_refresh = time.perf_counter() - t1
    n = report.counts()["added"]
    embed_s = clock.seconds("embed")
    out = {
        "documents": n,
        "chunks": report.chunks_added,
        "passages_embedded": report.passages_embedded,
        "model_load_s": round(t_model, 2),
        "refresh_s": round(t_refresh, 2),
        "embed_s": embed_s,
        "non_embed_s": round(t_refresh - embed_s, 2),
        "docs_per_s": round(n / t_refresh, 2),
        "chunks_per_s": round(report.chunks_added / t_refresh, 2),
        "embed_texts_per_s": round(report.passages_embedded / embed_s, 1) if embed_s else None,
        "source_mb": round(sum(f.stat().st_size for f in (root / "sources").iterdir()) / 1e6, 2),
    }
    log(f"full build: {out}")
    return out


def new_release(i: int) -> str:
    """A new English document of real text: three XQuAD paragraphs in a new order."""
    paras, _ = load_xquad()
    rng = random.Random(1000 + i)
    pick = rng.sample(range(len(paras["en"])), 3)
    title = f"Ministry release {i}: cooperation update"
    return title + "\n\n" + "\n\n".join(paras["en"][p] for p in pick) + "\n"


def profiled_refresh(a: Any, pr: cProfile.Profile, clock: StageClock) -> Any:
    """``a.refresh`` profiled in the thread that does the work: the ingest runs in its own, lowered thread."""
    from assistant.core import cpu

    real = cpu.run_lowered

    def run_profiled(fn: Any, nice: int) -> Any:
        def inner() -> Any:
            pr.enable()
            try:
                return fn()
            finally:
                pr.disable()

        return real(inner, nice)

    cpu.run_lowered = run_profiled  # type: ignore[assignment]
    try:
        return a.refresh(progress=clock)
    finally:
        cpu.run_lowered = real  # type: ignore[assignment]


def incremental(runs: int, size: str = "10k", profile: bool = True) -> dict[str, Any]:
    from assistant.app.compose import build_assistant

    build_index(size)
    root = TMP / f"incr-{size}"
    shutil.rmtree(root, ignore_errors=True)
    TMP.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    subprocess.run(["cp", "-a", str(size_dir(size)), str(root)], check=True)
    t_copy = time.perf_counter() - t
    settings = settings_for(root)
    a = build_assistant(settings)
    t = time.perf_counter()
    a.warm_up()
    a.ask("When was the agreement signed?")
    t_warm = time.perf_counter() - t
    chunks0 = a.status()["chunks"]
    # a no-op refresh: every document unchanged (the fixed cost of a refresh)
    t = time.perf_counter()
    rep = a.refresh()
    noop = {"seconds": round(time.perf_counter() - t, 2), **rep.counts()}
    log(f"no-op refresh: {noop}")
    # and again: the first one hashed every file of the copy (new inodes and ctimes) and recorded their stats
    t = time.perf_counter()
    rep = a.refresh()
    noop_again = {"seconds": round(time.perf_counter() - t, 2), **rep.counts()}
    log(f"no-op refresh again: {noop_again}")
    results = []
    for i in range(runs + int(profile)):
        name = f"release_{i:02d}.txt"
        (settings.sources_dir / name).write_text(new_release(i), encoding="utf-8")
        clock = StageClock()
        pr = cProfile.Profile() if profile and i == runs else None
        t = time.perf_counter()
        rep = profiled_refresh(a, pr, clock) if pr else a.refresh(progress=clock)
        dt = time.perf_counter() - t
        # answered from the new document right after the refresh?
        t2 = time.perf_counter()
        a.engine.search(new_release(i).split("\n\n")[1][:200], 3)
        t_first_query = time.perf_counter() - t2
        visible = name in a.engine.documents
        r = {
            "doc": name,
            "seconds": round(dt, 2),
            "embed_s": clock.seconds("embed"),
            "passages_embedded": rep.passages_embedded,
            "chunks_added": rep.chunks_added,
            **rep.counts(),
            "profiled": bool(pr),
            "first_query_after_s": round(t_first_query, 3),
            "visible_to_engine": visible,
        }
        results.append(r)
        log(f"incremental refresh {i}: {r}")
    editor = [editor_add(a, i) for i in range(runs)]
    timed = [r["seconds"] for r in results if not r["profiled"]]
    prof_cum = top_profile(pr, 30, "cumulative") if pr else []
    prof_tot = top_profile(pr, 15, "tottime") if pr else []
    shutil.rmtree(root, ignore_errors=True)
    return {
        "size": size,
        "index_chunks_before": chunks0,
        "copy_s": round(t_copy, 1),
        "warm_up_s": round(t_warm, 2),
        "noop_refresh": noop,
        "noop_refresh_again": noop_again,
        "runs": results,
        "editor_runs": editor,
        "median_s": sorted(timed)[len(timed) // 2],
        "max_s": max(timed),
        "profile_cumulative": prof_cum,
        "profile_tottime": prof_tot,
    }


def editor_add(a: Any, i: int) -> dict[str, Any]:
    """One release added the editor's way (``add_files``: the refresh is scoped to the new file, so the
    sources folder is not scanned), then the first question after it."""
    text = new_release(50 + i)
    clock = StageClock()
    t = time.perf_counter()
    rep = a.add_files([(f"editor_{i:02d}.txt", text.encode())], progress=clock)
    dt = time.perf_counter() - t
    t2 = time.perf_counter()
    a.engine.search(text.split("\n\n")[1][:200], 3)
    first = time.perf_counter() - t2
    added = [d.doc_id for d in rep.of("added")]
    r = {
        "seconds": round(dt, 2),
        "embed_s": clock.seconds("embed"),
        "first_query_after_s": round(first, 3),
        "visible_to_engine": bool(added) and added[0] in a.engine.documents,
    }
    log(f"editor add {i}: {r}")
    return r


def embed_grid(n_chunks: int, batches: Sequence[int], threads: Sequence[int]) -> list[dict[str, Any]]:
    import torch

    from assistant.core.text import sentence_spans
    from ingest.chunk import display_text

    paras, _ = load_xquad()
    rng = random.Random(5)
    texts: list[str] = []
    picks = rng.sample([(lang, i) for lang in ("en", "ar") for i in range(240)], n_chunks)
    for lang, i in picks:
        t = paras[lang][i]
        texts.append(t)
        sents = [display_text(t, a, b) for a, b in sentence_spans(t, 0, len(t))]
        texts += rng.sample(sents, min(3, len(sents)))
    emb = real_embedder(query_cache=0)
    out = []
    for th in threads:
        torch.set_num_threads(th)
        for b in batches:
            emb._batch = b
            emb.embed_passages(texts[:8])  # warm
            t = time.perf_counter()
            emb.embed_passages(texts)
            dt = time.perf_counter() - t
            q0 = time.perf_counter()
            for s in texts[1:41:4]:
                emb.encode_query(s)
            q_ms = (time.perf_counter() - q0) / 10 * 1000
            r = {
                "threads": th,
                "batch": b,
                "texts": len(texts),
                "seconds": round(dt, 2),
                "texts_per_s": round(len(texts) / dt, 1),
                "single_query_ms": round(q_ms, 1),
            }
            out.append(r)
            log(f"embed grid: {r}")
    torch.set_num_threads(2)
    return out


def md_full(fb: dict[str, Any]) -> list[str]:
    return [
        "## Full build (XQuAD paragraphs as documents, fresh index)",
        "",
        *kept_note(fb),
        md_table(
            [
                "documents",
                "chunks",
                "texts embedded",
                "model load s",
                "refresh s",
                "embed s",
                "other s",
                "docs/s",
                "chunks/s",
                "embedded texts/s",
            ],
            [
                [
                    fb["documents"],
                    fb["chunks"],
                    fb["passages_embedded"],
                    fb["model_load_s"],
                    fb["refresh_s"],
                    fb["embed_s"],
                    fb["non_embed_s"],
                    fb["docs_per_s"],
                    fb["chunks_per_s"],
                    fb["embed_texts_per_s"],
                ]
            ],
        ),
        "",
    ]


def _editor_line(inc: dict[str, Any]) -> str:
    runs = inc.get("editor_runs") or []
    return (
        f"The editor's way at {inc['index_chunks_before']} chunks (`add_files`, the refresh scoped to the new "
        "file): "
        + ", ".join(
            f"{r['seconds']} s (embed {r['embed_s']} s, other {round(r['seconds'] - r['embed_s'], 2)} s; "
            f"first query after {r['first_query_after_s']} s, visible {r['visible_to_engine']})"
            for r in runs
        )
        + "."
    )


def md_incremental(inc: dict[str, Any], big: dict[str, Any] | None, small: dict[str, Any] | None = None) -> list[str]:
    md = [
        f"## Incremental refresh: one new release into {inc['index_chunks_before']} chunks (warm assistant)",
        "",
        *kept_note(inc),
        f"No-op refresh (nothing changed): {inc['noop_refresh']['seconds']} s on the fresh copy (every file "
        f"hashed: new inodes), {inc.get('noop_refresh_again', {}).get('seconds', '-')} s again (stats recorded). "
        f"Median of timed runs {inc['median_s']} s, max {inc['max_s']} s. "
        "'other s' is the refresh without embedding (the part that grows with the index).",
        "",
        md_table(
            [
                "doc",
                "seconds",
                "embed s",
                "other s",
                "texts embedded",
                "chunks added",
                "profiled",
                "visible after",
                "first query after s",
            ],
            [
                [
                    r["doc"],
                    r["seconds"],
                    r["embed_s"],
                    round(r["seconds"] - r["embed_s"], 2),
                    r["passages_embedded"],
                    r["chunks_added"],
                    r["profiled"],
                    r["visible_to_engine"],
                    r.get("first_query_after_s", "-"),
                ]
                for r in inc["runs"]
            ],
        ),
        "",
        "Profile of the profiled run (cumulative):",
        "",
        "```",
        *inc["profile_cumulative"],
        "```",
        "",
    ]
    md += [_editor_line(inc), ""]
    for other in (small, big):
        if other:
            md += [_editor_line(other), ""]
    for other in (small, big):
        if not other:
            continue
        md += [
            f"Same at {other['index_chunks_before']} chunks (how the refresh scales): "
            f"no-op refresh {other['noop_refresh']['seconds']} s on the fresh copy, "
            f"{other.get('noop_refresh_again', {}).get('seconds', '-')} s again; runs "
            + ", ".join(
                f"{r['seconds']} s (embed {r['embed_s']} s, other {round(r['seconds'] - r['embed_s'], 2)} s, "
                f"first query after {r.get('first_query_after_s', '-')} s)"
                for r in other["runs"]
            )
            + ".",
            "",
        ]
    return md


def md_grid(grid: list[dict[str, Any]]) -> list[str]:
    return [
        "## Embedding throughput (embed_passages; 1 chunk text : 3 sentence texts)",
        "",
        md_table(
            ["torch threads", "batch", "texts", "seconds", "texts/s", "single query ms"],
            [
                [r["threads"], r["batch"], r["texts"], r["seconds"], r["texts_per_s"], r["single_query_ms"]]
                for r in grid
            ],
        ),
        "",
    ]


def kept_note(section: dict[str, Any]) -> list[str]:
    return (
        [f"*Kept from the run of {section['kept_from']} (not re-run this time).*", ""] if "kept_from" in section else []
    )


def previous_sections(name: str, payload: dict[str, Any], keys: Sequence[str]) -> None:
    """With ``--only``, carry the sections not re-run over from the last results of ``name``, dated."""
    path = RESULTS_DIR / f"{name}.json"
    if not path.is_file():
        return
    old = json.loads(path.read_text(encoding="utf-8"))
    for k in keys:
        if k in old and k not in payload:
            sec = old[k]
            date = sec.get("kept_from", old.get("date")) if isinstance(sec, dict) else old.get("date")
            payload[k] = {**sec, "kept_from": date} if isinstance(sec, dict) else sec
            if not isinstance(sec, dict):
                payload.setdefault("kept_from", {})[k] = date


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=["full", "incremental", "grid"], action="append")
    ap.add_argument("--name", default=None)
    args = ap.parse_args(argv)
    only = set(args.only or ["full", "incremental", "grid"])
    name = args.name or ("perf-ingest-quick" if args.quick else "perf-ingest")
    t0 = time.perf_counter()
    payload: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "loadavg_start": loadavg()}
    if "full" in only:
        t = time.perf_counter()
        payload["full_build"] = full_build(40 if args.quick else 480)
        payload["full_build"]["wall_s"] = round(time.perf_counter() - t, 1)
    if "incremental" in only:
        payload["incremental"] = incremental(1 if args.quick else 3)
        if not args.quick:
            payload["incremental_1k"] = incremental(2, "1k", profile=False)
            payload["incremental_100k"] = incremental(2, "100k", profile=False)
    if "grid" in only:
        grid = embed_grid(16 if args.quick else 64, (1, 4, 16) if args.quick else (1, 4, 8, 16, 32), (1, 2))
        payload["embedding_grid"] = grid
    if args.only:
        previous_sections(
            name, payload, ["full_build", "incremental", "incremental_1k", "incremental_100k", "embedding_grid"]
        )
    payload["bench_process_vmhwm_mb"] = vm_hwm_mb()
    md = ["# Ingest throughput (2 CPU cores, real e5-small embeddings)", ""]
    md += md_full(payload["full_build"]) if "full_build" in payload else []
    if "incremental" in payload:
        md += md_incremental(payload["incremental"], payload.get("incremental_100k"), payload.get("incremental_1k"))
    if "embedding_grid" in payload:
        kept = payload.get("kept_from", {}).get("embedding_grid")
        md += md_grid(payload["embedding_grid"])
        md += [f"*Embedding grid kept from the run of {kept} (not re-run this time).*", ""] if kept else []
    return finish_run(name, payload, md, t0)


if __name__ == "__main__":
    raise SystemExit(main())
