"""Cold start, import time, server memory and concurrent chat sessions.

    PYTHONPATH=. .venv/bin/python -m bench.perf_serve            # full: small, 10k, 100k
    PYTHONPATH=. .venv/bin/python -m bench.perf_serve --quick    # smoke: small index, N = 1, 4

* import time: ``python -X importtime`` of ``import assistant.app.cli`` (what every command
  pays) and of the serve path (assistant.app.cli + the service + ui.app + the embedder and
  Chroma stacks), summarised by top-level package (self time summed) and as the ten
  slowest imports by cumulative time.
* cold CLI answer: wall time from launching ``python -m assistant.app.cli ask "..."`` to the
  process exiting with the answer printed (OS page cache warm; repeated).
* cold serve: wall time from launching ``python -m assistant.app.cli serve --no-ingest`` to the
  first successful ``/ask`` through gradio_client.
* memory: the server process's VmHWM (/proc/<pid>/status) after start, after 20 questions
  and after the concurrency runs, at each index size.
* concurrency: N simultaneous sessions (N = 1, 4, 16), each its own gradio_client Client
  asking 10 questions in turn and passing its chat history, against the served app on
  127.0.0.1; throughput, latency percentiles, errors; bounded by a deadline per N.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from bench.common import load_xquad
from bench.perf_common import (
    PY,
    ROOT,
    build_index,
    finish_run,
    free_port,
    loadavg,
    log,
    md_table,
    size_dir,
    stats,
    stop_process,
    vm_hwm_mb,
    vm_rss_mb,
)

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "TAAWUN_LOG_LEVEL": "WARNING"}


# --- import time -------------------------------------------------------------------------
def importtime(code: str) -> dict[str, Any]:
    t = time.perf_counter()
    p = subprocess.run([PY, "-X", "importtime", "-c", code], capture_output=True, text=True, env=ENV, cwd=ROOT)
    wall = time.perf_counter() - t
    rows = []
    for line in p.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            rows.append((int(m.group(1)), int(m.group(2)), len(m.group(3)) // 2, m.group(4)))
    by_pkg: dict[str, int] = defaultdict(int)
    for self_us, _, _, name in rows:
        by_pkg[name.split(".")[0]] += self_us
    top_cum = sorted((r for r in rows if r[2] <= 1), key=lambda r: -r[1])[:10]
    walls = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([PY, "-c", code], capture_output=True, env=ENV, cwd=ROOT, check=True)
        walls.append(time.perf_counter() - t)
    return {
        "code": code,
        "wall_s_with_importtime": round(wall, 2),
        "wall_s": [round(w, 2) for w in walls],
        "modules": len(rows),
        "total_self_s": round(sum(r[0] for r in rows) / 1e6, 2),
        "top10_packages_self_s": [
            (k, round(v / 1e6, 3)) for k, v in sorted(by_pkg.items(), key=lambda kv: -kv[1])[:10]
        ],
        "top10_imports_cumulative_s": [(r[3], round(r[1] / 1e6, 3)) for r in top_cum],
    }


# --- cold CLI answer ------------------------------------------------------------------------
def cli_args(size: str) -> list[str]:
    d = size_dir(size)
    return ["--index", str(d / "index"), "--sources", str(d / "sources")]


def cold_ask(size: str, question: str, runs: int) -> dict[str, Any]:
    walls = []
    out = ""
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(
            [PY, "-m", "assistant.app.cli", "ask", *cli_args(size), question],
            capture_output=True,
            text=True,
            env=ENV,
            cwd=ROOT,
            timeout=600,
        )
        walls.append(round(time.perf_counter() - t, 2))
        out = p.stdout
        if p.returncode != 0:
            log(f"cold ask failed: {p.stderr[-2000:]}")
    prof = "/tmp/perf-cold-ask.prof"
    subprocess.run(
        [PY, "-m", "cProfile", "-o", prof, "-m", "assistant.app.cli", "ask", *cli_args(size), question],
        capture_output=True,
        env=ENV,
        cwd=ROOT,
        timeout=600,
    )
    import io
    import pstats

    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(40)
    lines = [ln.rstrip() for ln in s.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
    keep = [
        ln
        for ln in lines[start:]
        if re.search(
            r"assistant/|ingest/|ui/|sentence_transformers/SentenceTransformer.py"
            r"|chromadb/api/client|\{built-in method builtins.exec\}|models/auto",
            ln,
        )
    ]
    return {
        "walls_s": walls,
        "median_s": sorted(walls)[len(walls) // 2],
        "answer_head": out[:160],
        "profile_cumulative": keep[:20],
    }


# --- serving ------------------------------------------------------------------------------
def serve_process(args: Sequence[str], port: int, env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    """``taawun serve --no-ingest`` on ``port``, its output in ``log``."""
    cmd = [PY, "-m", "assistant.app.cli", "serve", "--no-ingest", *args, "--port", str(port)]
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def await_first_answer(
    proc: subprocess.Popen[bytes], port: int, question: str, t0: float, timeout: float, what: str
) -> tuple[float, float, Any]:
    """Seconds from ``t0`` until the port opened and until ``/ask`` first answered, and that answer."""
    from gradio_client import Client

    t_port = None
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited early")
        if t_port is None and _port_open(port):
            t_port = time.perf_counter() - t0
        if t_port is not None:
            try:
                r = Client(f"http://127.0.0.1:{port}/", verbose=False, download_files=False).predict(
                    question=question, api_name="/ask"
                )
                return t_port, time.perf_counter() - t0, r
            except Exception:  # noqa: BLE001 - not up yet
                pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer in {timeout} s")


class Server:
    def __init__(self, size: str) -> None:
        self.size = size
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = f"/tmp/perf-serve-{size}-{self.port}.log"

    def start(self, question: str, timeout: float = 600) -> dict[str, Any]:
        self.logf = open(self.log_path, "wb")  # noqa: SIM115
        t0 = time.perf_counter()
        self.proc = serve_process(cli_args(self.size), self.port, ENV, self.logf)
        t_port, t_ans, r = await_first_answer(self.proc, self.port, question, t0, timeout, f"server ({self.log_path})")
        return {
            "port_open_s": round(t_port, 2),
            "first_answer_s": round(t_ans, 2),
            "first_status": r.get("status"),
            "vmhwm_after_start_mb": vm_hwm_mb(self.proc.pid),
        }

    def stop(self) -> None:
        stop_process(self.proc, 30)
        self.logf.close()


def sequential(url: str, questions: Sequence[str]) -> dict[str, Any]:
    from gradio_client import Client

    c = Client(url, verbose=False, download_files=False)
    times = []
    for q in questions:
        t = time.perf_counter()
        c.predict(question=q, api_name="/ask")
        times.append((time.perf_counter() - t) * 1000)
    return stats(times)


def sessions(url: str, n: int, per: int, questions: list[str], deadline_s: float) -> dict[str, Any]:
    from gradio_client import Client

    t = time.perf_counter()
    clients = [Client(url, verbose=False, download_files=False) for _ in range(n)]
    t_clients = time.perf_counter() - t
    lat: list[float] = []
    errors: list[str] = []
    statuses: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    start = threading.Barrier(n)
    t_end = [0.0]

    def run(i: int) -> None:
        c = clients[i]
        history: list[list[str]] = []
        start.wait()
        for j in range(per):
            if time.perf_counter() - t0 > deadline_s:
                with lock:
                    errors.append("deadline")
                return
            q = questions[(i * per + j) % len(questions)]
            t1 = time.perf_counter()
            try:
                r = c.predict(question=q, history=history[-3:], api_name="/ask")
                dt = (time.perf_counter() - t1) * 1000
                with lock:
                    lat.append(dt)
                    statuses[r.get("status", "?")] += 1
                    if r.get("status") in ("error", "unavailable"):
                        errors.append(r.get("status"))
                history.append([q, r.get("answer", "")])
            except Exception as exc:  # noqa: BLE001
                with lock:
                    errors.append(type(exc).__name__ + ": " + str(exc)[:200])

    t0 = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(deadline_s + 60)
    wall = time.perf_counter() - t0
    t_end[0] = wall
    return {
        "sessions": n,
        "questions_per_session": per,
        "answers": len(lat),
        "errors": len(errors),
        "error_samples": errors[:5],
        "statuses": dict(statuses),
        "wall_s": round(wall, 2),
        "answers_per_s": round(len(lat) / wall, 2),
        "latency_ms": stats(lat),
        "client_setup_s": round(t_clients, 2),
    }


def serve_size(size: str, ns: Sequence[int], per: int, questions: list[str]) -> dict[str, Any]:
    build_index(size)
    srv = Server(size)
    try:
        start = srv.start(questions[0])
        log(f"{size}: serve cold start {start}")
        seq = sequential(srv.url, questions[1:21])
        after_seq = vm_hwm_mb(srv.proc.pid)
        log(f"{size}: 20 sequential /ask {seq}, VmHWM {after_seq} MB")
        conc = []
        for i, n in enumerate(ns):
            qs = questions[21 + i * 160 :] + questions[21 : 21 + i * 160]
            r = sessions(srv.url, n, per, qs, deadline_s=300)
            r["vmhwm_after_mb"] = vm_hwm_mb(srv.proc.pid)
            conc.append(r)
            log(f"{size}: {n} sessions: {r}")
        return {
            "size": size,
            "cold_serve": start,
            "sequential_ask_ms": seq,
            "vmhwm_after_20_asks_mb": after_seq,
            "concurrency": conc,
            "vmhwm_final_mb": vm_hwm_mb(srv.proc.pid),
            "vmrss_final_mb": vm_rss_mb(srv.proc.pid),
            "server_log": srv.log_path,
        }
    finally:
        srv.stop()


def import_section() -> tuple[dict[str, Any], list[str]]:
    imp = {
        "assistant.app.cli": importtime("import assistant.app.cli"),
        "serve path": importtime(
            "import assistant.app.cli, assistant.app.compose, assistant.app.service, ui.app, ingest.embed, "
            "sentence_transformers, chromadb"
        ),
    }
    md = ["## Import time", ""]
    for k, v in imp.items():
        md += [
            f"**{k}** (`{v['code']}`): wall {v['wall_s']} s over 3 runs; {v['modules']} modules, "
            f"{v['total_self_s']} s import self-time.",
            "",
            md_table(["top-level package", "self s"], v["top10_packages_self_s"]),
            "",
            md_table(["import (depth <= 1)", "cumulative s"], v["top10_imports_cumulative_s"]),
            "",
        ]
    return imp, md


def cold_ask_section(sizes: list[str], question: str, runs: int) -> tuple[dict[str, Any], list[str]]:
    out: dict[str, Any] = {}
    rows = []
    for s in sizes:
        build_index(s)
        r = out[s] = cold_ask(s, question, runs)
        rows.append([s, r["walls_s"], r["median_s"]])
        log(f"cold ask {s}: {r['walls_s']}")
    md = [
        "## Cold CLI answer (`python -m assistant.app.cli ask ...`, launch to answer printed)",
        "",
        md_table(["size", "runs s", "median s"], rows),
        "",
        f"Profile of one cold `ask` at {sizes[-1]} (cumulative s, selected rows):",
        "",
        "```",
        *out[sizes[-1]]["profile_cumulative"],
        "```",
        "",
    ]
    return out, md


def serve_tables(serve: dict[str, Any]) -> list[str]:
    memory = [
        [
            s,
            r["cold_serve"]["port_open_s"],
            r["cold_serve"]["first_answer_s"],
            f"{r['sequential_ask_ms']['p50']} / {r['sequential_ask_ms']['p95']}",
            r["cold_serve"]["vmhwm_after_start_mb"],
            r["vmhwm_after_20_asks_mb"],
            r["vmhwm_final_mb"],
        ]
        for s, r in serve.items()
    ]
    sessions_rows = [
        [s, c["sessions"], c["answers"], c["errors"], c["wall_s"], c["answers_per_s"],
         c["latency_ms"]["p50"], c["latency_ms"]["p95"], c["latency_ms"]["p99"], c["statuses"]]
        for s, r in serve.items()
        for c in r["concurrency"]
    ]  # fmt: skip
    memory_head = ["size", "port open s", "first /ask answered s", "20 sequential /ask p50 / p95 ms",
                   "VmHWM after start MB", "after 20 asks MB", "final (after concurrency) MB"]  # fmt: skip
    sessions_head = ["size", "sessions", "answers", "errors", "wall s", "answers/s", "p50 ms", "p95 ms", "p99 ms",
                     "statuses"]  # fmt: skip
    return [
        "## Cold serve and server memory",
        "",
        md_table(memory_head, memory),
        "",
        "## Concurrent sessions through gradio_client (`/ask`, history passed)",
        "",
        md_table(sessions_head, sessions_rows),
        "",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sizes", default=None)
    ap.add_argument("--name", default=None)
    args = ap.parse_args(argv)
    sizes = (args.sizes or ("small" if args.quick else "small,10k,100k")).split(",")
    ns = (1, 4) if args.quick else (1, 4, 16)
    per = 3 if args.quick else 10
    name = args.name or ("perf-serve-quick" if args.quick else "perf-serve")
    t0 = time.perf_counter()
    _, xq = load_xquad()
    import random

    rng = random.Random(11)
    qs = [q.text for q in xq if q.para < 50]  # answerable in every index size
    rng.shuffle(qs)
    payload: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "loadavg_start": loadavg()}
    md = ["# Cold start, import time, server memory and concurrency (2 CPU cores)", ""]
    payload["importtime"], part = import_section()
    md += part
    payload["cold_ask"], part = cold_ask_section(sizes, qs[0], 2 if args.quick else 3)
    md += part
    payload["serve"] = {s: serve_size(s, ns, per, qs) for s in sizes}
    md += serve_tables(payload["serve"])
    return finish_run(name, payload, md, t0)


if __name__ == "__main__":
    raise SystemExit(main())
