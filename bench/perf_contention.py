"""Answer latency quiet, beside a running ingest and beside a CPU hog: before and after the CPU settings.

    PYTHONPATH=. .venv/bin/python -m bench.perf_contention                 # the full run (~10 min)
    PYTHONPATH=. .venv/bin/python -m bench.perf_contention --rounds 1 --name perf-contention-quick

What runs, all through the product's command line:

* the answerer: ``taawun ask --json -`` on a scratch copy of ``knowledge/index``, fed 40 questions
  of ``assistant/data/gold.jsonl`` (20 Arabic, 20 English) one at a time; latency is the wall
  time from writing a question to reading its JSON answer. The query-vector cache is off
  (``TAAWUN_EMBEDDING_QUERY_CACHE=0``) so every round encodes its questions like new ones; one
  unmeasured pass first warms everything else.
* beside an ingest: ``taawun ingest`` of 400 XQuAD paragraphs (200 per language, one document
  each) into a fresh scratch index. Questions start once its progress bar shows it embedding; its
  CPU time meanwhile shows how much work it still got done beside the answers.
* beside a CPU hog: two busy-looping Python processes at normal priority (one per core).

Modes, in the same run and interleaved round by round so drifting load hits both alike:

* ``before``: the old behaviour: torch and OpenMP thread counts unset, the library's OpenMP wait
  policy, no encode queue, the ingest at the caller's priority (``TAAWUN_CPU_*`` set so);
* ``after``: the shipped ``[cpu]`` defaults (``assistant/defaults.toml``).

Before measuring, the script waits (up to ``--wait-quiet`` s) for a 1-minute load average below
1.0. Each segment records the load average and the CPU that processes other than this
benchmark's used (from /proc), so a polluted figure can be told apart.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from bench.common import load_xquad
from bench.perf_common import PY, ROOT, WORK_DIR, finish_run, loadavg, log, md_table, stats, stop_process

GOLD = ROOT / "assistant" / "data" / "gold.jsonl"
SCRATCH = WORK_DIR / "contention"
BEFORE = {
    "TAAWUN_CPU_THREADS": "0",
    "TAAWUN_CPU_INTEROP_THREADS": "0",
    "TAAWUN_CPU_INGEST_THREADS": "0",
    "TAAWUN_CPU_INGEST_NICE": "0",
    "TAAWUN_CPU_OMP_WAIT_POLICY": "",
    "TAAWUN_CPU_ENCODE_QUEUE": "0",
}
# extra modes for choosing the defaults (--modes); each is "after" plus these variables
VARIANTS = {
    "after-2threads": {"TAAWUN_CPU_THREADS": "2"},
    "after-ingest1": {"TAAWUN_CPU_INGEST_THREADS": "1"},
}
MODES: tuple[str, ...] = ("before", "after")
PHASES = ("quiet", "ingest", "hog")
CPU_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY", "KMP_BLOCKTIME")


def mode_env(mode: str) -> dict[str, str]:
    """The child environment: nothing CPU-related inherited, then the mode's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAAWUN_CPU_") and k not in CPU_VARS}
    env.update({"PYTHONPATH": str(ROOT), "TAAWUN_LOG_LEVEL": "WARNING", "TAAWUN_EMBEDDING_QUERY_CACHE": "0"})
    if mode == "before":
        env.update(BEFORE)
    env.update(VARIANTS.get(mode, {}))
    return env


def questions(per_lang: int = 20) -> list[str]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    arabic = [r["question"] for r in rows if re.search("[\u0600-\u06ff]", r["question"])]
    english = [r["question"] for r in rows if not re.search("[\u0600-\u06ff]", r["question"])]
    return arabic[:per_lang] + english[:per_lang]


# --- scratch material ------------------------------------------------------------------------
def scratch_answer_index(mode: str) -> tuple[Path, Path]:
    """A private copy of the shipped index per mode (embedded Chroma wants one process per folder)."""
    dst = SCRATCH / f"answer-{mode}"
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(ROOT / "knowledge" / "index", dst / "index")
    shutil.copytree(ROOT / "knowledge" / "sources", dst / "sources")
    return dst / "index", dst / "sources"


def ingest_sources(n_per_lang: int = 200) -> Path:
    src = SCRATCH / "ingest-sources"
    if len(list(src.glob("*.txt"))) == 2 * n_per_lang:
        return src
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    paras, _ = load_xquad()
    for lang in ("en", "ar"):
        for i, text in enumerate(paras[lang][:n_per_lang]):
            (src / f"xq_{lang}_{i:03d}.txt").write_text(text + "\n", encoding="utf-8")
    return src


# --- processes ---------------------------------------------------------------------------------
def cli(*args: str) -> list[str]:
    return [PY, "-m", "assistant.app.cli", *args]


class Answerer:
    """One ``taawun ask --json -`` process: a question in, a JSON line out."""

    def __init__(self, mode: str, index: Path, sources: Path) -> None:
        self.proc = subprocess.Popen(
            cli("ask", "--json", "-", "--index", str(index), "--sources", str(sources)),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=mode_env(mode),
            cwd=ROOT,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )

    def ask(self, q: str) -> tuple[float, dict[str, Any]]:
        assert self.proc.stdin and self.proc.stdout
        t = time.perf_counter()
        self.proc.stdin.write(q + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        ms = (time.perf_counter() - t) * 1000
        if not line:
            raise RuntimeError("the ask process ended")
        return ms, json.loads(line)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        stop_process(self.proc, 10)  # type: ignore[arg-type]


class Ingest:
    """``taawun ingest`` into a fresh scratch index; its progress bar says when it is embedding."""

    def __init__(self, mode: str, sources: Path, tag: str) -> None:
        index = SCRATCH / f"ingest-{tag}" / "index"
        shutil.rmtree(index.parent, ignore_errors=True)
        self.proc = subprocess.Popen(
            cli("ingest", "--index", str(index), "--sources", str(sources)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=mode_env(mode),
            cwd=ROOT,
        )
        self.started = threading.Event()  # set once the progress bar shows embedding
        threading.Thread(target=self._read, args=(self.proc.stderr,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        buf = b""
        while chunk := stream.read1(4096):  # type: ignore[attr-defined]
            buf += chunk
            *parts, buf = re.split(rb"[\r\n]", buf)
            for p in parts:
                if re.search(rb"embedding.*?\d+/\d+", p):
                    self.started.set()

    def running(self) -> bool:
        return self.proc.poll() is None

    def thread_nice(self) -> list[int]:
        """Niceness of each of the ingest's threads (field 19 of /proc/<pid>/task/<tid>/stat)."""
        out = []
        for stat in Path(f"/proc/{self.proc.pid}/task").glob("*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):  # a thread that just ended
                out.append(int(stat.read_text().rsplit(")", 1)[1].split()[16]))
        return sorted(out)

    def close(self) -> None:
        stop_process(self.proc, 10)  # type: ignore[arg-type]


class Hog:
    """``n`` busy-looping processes at normal priority."""

    def __init__(self, n: int = 2) -> None:
        self.procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]

    def close(self) -> None:
        for p in self.procs:
            stop_process(p, 5)  # type: ignore[arg-type]


# --- CPU accounting -------------------------------------------------------------------------------
def busy_jiffies() -> int:
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(f) - f[3] - f[4]  # all but idle and iowait


def proc_jiffies(pids: Sequence[int]) -> int:
    total = 0
    for pid in pids:
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total


# --- one segment ------------------------------------------------------------------------------------
def segment(answerer: Answerer, qs: list[str], ours: list[int]) -> dict[str, Any]:
    """Ask every question once; latencies, statuses and the CPU others used meanwhile (in cores)."""
    hz = os.sysconf("SC_CLK_TCK")
    t0, b0, o0 = time.perf_counter(), busy_jiffies(), proc_jiffies(ours)
    ms, statuses, retrieval = [], [], []
    for q in qs:
        t, ans = answerer.ask(q)
        ms.append(t)
        statuses.append(ans.get("status", "?"))
        tm = ans.get("timings_ms", {})
        if "retrieve" in tm:
            retrieval.append(tm["retrieve"])
    wall = time.perf_counter() - t0
    others = max(0, (busy_jiffies() - b0) - (proc_jiffies(ours) - o0)) / hz / wall
    return {"ms": ms, "statuses": statuses, "retrieve_ms": retrieval, "wall_s": wall, "other_cores": others}


def run_phase(phase: str, mode: str, answerer: Answerer, qs: list[str], src: Path, tag: str) -> dict[str, Any]:
    ours = [os.getpid(), answerer.proc.pid]
    extra: dict[str, Any] = {}
    side: Ingest | Hog | None = None
    if phase == "ingest":
        side = Ingest(mode, src, tag)
        if not side.started.wait(300):
            raise RuntimeError(f"the {mode} ingest did not start embedding within 300 s")
        ours.append(side.proc.pid)
        extra["ingest_thread_nice"] = side.thread_nice()
        j0, t0 = proc_jiffies([side.proc.pid]), time.perf_counter()
    elif phase == "hog":
        side = Hog()
        ours += [p.pid for p in side.procs]
        time.sleep(1)
    try:
        extra["loadavg_start"] = loadavg()
        out = segment(answerer, qs, ours)
        if isinstance(side, Ingest):
            extra["ingest_still_running"] = side.running()
            # CPU rather than passages: the progress bar moves in steps of 32 passages, too coarse here
            used = (proc_jiffies([side.proc.pid]) - j0) / os.sysconf("SC_CLK_TCK")
            extra["ingest_cores"] = round(used / (time.perf_counter() - t0), 2)
    finally:
        if side is not None:
            side.close()
    return {**out, **extra}


# --- the run -----------------------------------------------------------------------------------------
def wait_quiet(limit_s: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    while os.getloadavg()[0] >= 1.0 and time.perf_counter() - t0 < limit_s:
        log(f"waiting for a quiet machine: load {loadavg()}")
        time.sleep(15)
    return {"waited_s": round(time.perf_counter() - t0), "loadavg": loadavg(), "quiet": os.getloadavg()[0] < 1.0}


def summarise(segments: list[dict[str, Any]]) -> dict[str, Any]:
    ms = [x for s in segments for x in s["ms"]]
    ret = [x for s in segments for x in s["retrieve_ms"]]
    statuses: dict[str, int] = {}
    for s in segments:
        for st in s["statuses"]:
            statuses[st] = statuses.get(st, 0) + 1
    out = {
        "answer_ms": stats(ms),
        "retrieve_ms": stats(ret) if ret else None,
        "statuses": statuses,
        "other_cores_max": round(max(s["other_cores"] for s in segments), 2),
        "loadavg_start": [s["loadavg_start"] for s in segments],
    }
    ingest = [s for s in segments if "ingest_cores" in s]
    if ingest:
        out["ingest_cores"] = [s["ingest_cores"] for s in ingest]
        out["ingest_thread_nice"] = sorted({n for s in ingest for n in s["ingest_thread_nice"]})
        out["ingest_still_running"] = all(s["ingest_still_running"] for s in ingest)
    return out


def measure(rounds: int, qs: list[str], modes: Sequence[str]) -> dict[str, Any]:
    src = ingest_sources()
    answerers = {m: Answerer(m, *scratch_answer_index(m)) for m in modes}
    try:
        for a in answerers.values():
            for q in qs:  # warm-up: models, indexes and the answer stage's caches
                a.ask(q)
        raw: dict[str, dict[str, list[dict[str, Any]]]] = {p: {m: [] for m in modes} for p in PHASES}
        for phase in PHASES:
            for r in range(rounds):
                for m in modes if r % 2 == 0 else modes[::-1]:
                    log(f"{phase} round {r + 1}/{rounds}: {m}")
                    raw[phase][m].append(run_phase(phase, m, answerers[m], qs, src, f"{m}-{r}"))
    finally:
        for a in answerers.values():
            a.close()
    return raw


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("nan")


def report(summary: dict[str, dict[str, Any]], quiet: dict[str, Any], n_q: int, rounds: int) -> list[str]:
    modes = list(summary["quiet"])
    rows = []
    for m in modes:
        s = {p: summary[p][m] for p in PHASES}
        q95 = s["quiet"]["answer_ms"]["p95"]
        rows.append(
            [
                m,
                f"{s['quiet']['answer_ms']['p50']} / {q95}",
                f"{s['ingest']['answer_ms']['p50']} / {s['ingest']['answer_ms']['p95']}",
                f"{s['hog']['answer_ms']['p50']} / {s['hog']['answer_ms']['p95']}",
                ratio(s["ingest"]["answer_ms"]["p95"], q95),
                ratio(s["hog"]["answer_ms"]["p95"], q95),
                ", ".join(str(x) for x in s["ingest"]["ingest_cores"]),
            ]
        )
    md = [
        "# Answer latency under CPU contention (2 cores)",
        "",
        "`PYTHONPATH=. .venv/bin/python -m bench.perf_contention` (see the module docstring). "
        f"{n_q} gold-set questions (20 Arabic, 20 English) through `taawun ask --json -`, "
        f"{rounds} rounds per cell, the query-vector cache off; latency from writing a question to "
        "reading its answer. Beside an ingest: `taawun ingest` of 400 XQuAD paragraphs into a scratch index, "
        "measured while it embeds. Beside a hog: 2 busy processes at normal priority.",
        "",
        md_table(
            [
                "mode",
                "quiet p50 / p95 ms",
                "beside ingest p50 / p95 ms",
                "beside hog p50 / p95 ms",
                "ingest p95 / quiet p95",
                "hog p95 / quiet p95",
                "ingest's CPU meanwhile (cores)",
            ],
            rows,
        ),
        "",
        "Target: answer p95 during a concurrent ingest ≤ 3× quiet p95.",
        "",
        md_table(
            ["phase", "mode", "retrieval p50 / p95 ms", "statuses", "others' CPU max (cores)", "ingest nice", "load"],
            [
                [
                    p,
                    m,
                    f"{summary[p][m]['retrieve_ms']['p50']} / {summary[p][m]['retrieve_ms']['p95']}"
                    if summary[p][m]["retrieve_ms"]
                    else "-",
                    summary[p][m]["statuses"],
                    summary[p][m]["other_cores_max"],
                    summary[p][m].get("ingest_thread_nice", "-"),
                    summary[p][m]["loadavg_start"][0],
                ]
                for p in PHASES
                for m in modes
            ],
        ),
        "",
        "*before*: `TAAWUN_CPU_THREADS=0 TAAWUN_CPU_INTEROP_THREADS=0 TAAWUN_CPU_INGEST_THREADS=0 "
        "TAAWUN_CPU_INGEST_NICE=0 TAAWUN_CPU_OMP_WAIT_POLICY= TAAWUN_CPU_ENCODE_QUEUE=0` (the old behaviour); "
        '*after*: the `[cpu]` defaults. "others\' CPU" is what processes outside this benchmark used '
        'during a segment; "ingest nice" lists the niceness values of the ingest\'s threads '
        "(the main thread stays at 0; the worker and its threads are lowered).",
        "",
        f"Machine before the run: load {quiet['loadavg']} after waiting {quiet['waited_s']} s"
        + ("." if quiet["quiet"] else " — **not quiet**: other work was running, figures are pessimistic."),
        "",
        *pollution(summary),
    ]
    return md


def pollution(summary: dict[str, dict[str, Any]], limit: float = 0.25) -> list[str]:
    """A warning naming the phases during which other processes used more than ``limit`` cores."""
    busy = [
        f"{p} ({max(summary[p][m]['other_cores_max'] for m in summary[p]):.1f} cores)"
        for p in PHASES
        if max(summary[p][m]["other_cores_max"] for m in summary[p]) > limit
    ]
    if not busy:
        return []
    return [
        "**The machine did not stay quiet**: other people's processes used CPU during "
        + ", ".join(busy)
        + ". The *quiet* column is then itself contended (for both modes alike, as they alternate "
        "round by round), so absolute figures are pessimistic and the ratios understate the slowdown.",
        "",
    ]


def rewrite(path: Path) -> int:
    d = json.loads(path.read_text(encoding="utf-8"))
    md = report(d["summary"], d["quiet_check"], len(d["questions"]), d["rounds"])
    md.append(f"Total run: {d['total_seconds']} s.")
    path.with_suffix(".md").write_text("\n".join(md) + "\n", encoding="utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="passes over the questions per mode and phase")
    ap.add_argument("--wait-quiet", type=float, default=600, help="seconds to wait for load < 1.0 first")
    ap.add_argument("--name", default="perf-contention")
    ap.add_argument("--modes", default=",".join(MODES), help=f"before, after, {', '.join(VARIANTS)}")
    ap.add_argument("--from-json", help="only rewrite the markdown report from this results file")
    args = ap.parse_args(argv)
    if args.from_json:
        return rewrite(Path(args.from_json))
    modes = args.modes.split(",")
    t0 = time.perf_counter()
    qs = questions()
    quiet = wait_quiet(args.wait_quiet)
    payload: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "quiet_check": quiet}
    raw = measure(args.rounds, qs, modes)
    summary = {p: {m: summarise(raw[p][m]) for m in modes} for p in PHASES}
    payload.update({"questions": qs, "rounds": args.rounds, "summary": summary, "segments": raw})
    return finish_run(args.name, payload, report(summary, quiet, len(qs), args.rounds), t0)


if __name__ == "__main__":
    raise SystemExit(main())
