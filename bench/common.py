"""Shared benchmark helpers: the XQuAD data, cached embeddings, timing and result files."""

from __future__ import annotations

import json
import os
import platform
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.vectors import VectorCache

ROOT = Path(__file__).resolve().parent.parent
XQUAD_DIR = Path(os.environ.get("TAAWUN_XQUAD_DIR", ROOT.parent / "shared" / "bench" / "xquad"))
CACHE_DIR = ROOT / "bench" / "cache"
WORK_DIR = ROOT / "bench" / "work"
RESULTS_DIR = ROOT / "bench" / "results"


@dataclass(frozen=True)
class Question:
    qid: str
    lang: str
    text: str
    para: int  # paragraph index, the same in both languages


def find_xquad() -> Path:
    for cand in (XQUAD_DIR, ROOT / "bench" / "xquad", Path("/work/shared/bench/xquad")):
        if (cand / "xquad.en.json").is_file() and (cand / "xquad.ar.json").is_file():
            return cand
    raise SystemExit("XQuAD not found: set TAAWUN_XQUAD_DIR to the folder holding xquad.en.json and xquad.ar.json")


def load_xquad() -> tuple[dict[str, list[str]], list[Question]]:
    """Paragraphs per language (parallel, same index) and every question in both languages."""
    d = find_xquad()
    paras: dict[str, list[str]] = {}
    questions: list[Question] = []
    for lang in ("en", "ar"):
        data = json.loads((d / f"xquad.{lang}.json").read_text(encoding="utf-8"))
        paras[lang] = []
        for art in data["data"]:
            for p in art["paragraphs"]:
                i = len(paras[lang])
                paras[lang].append(p["context"])
                questions.extend(Question(q["id"], lang, q["question"], i) for q in p["qas"])
    assert len(paras["en"]) == len(paras["ar"]), "XQuAD files are not parallel"
    return paras, questions


class QueryVectorCache:
    """Persistent query vectors keyed by model and text, so accuracy runs skip re-encoding."""

    def __init__(self, path: Path, model_id: str) -> None:
        # shared by the query path and an ingest worker thread (the product lowers ingest into its own
        # thread), so one cache behind a lock
        self._cache = VectorCache(path, f"{model_id}\x00q", table="qvec")  # "q": queries
        self._lock = threading.RLock()
        self.model_id = model_id

    def get_many(
        self,
        texts: Sequence[str],
        encode: Callable[[str], np.ndarray],
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        with self._lock:
            return self._get_many(texts, encode, progress)

    def _get_many(
        self,
        texts: Sequence[str],
        encode: Callable[[str], np.ndarray],
        progress: Callable[[int, int], None] | None,
    ) -> np.ndarray:
        found = self._cache.get(texts)
        new: list[int] = []  # encoded, not saved yet: saved every 200, so a killed run keeps most
        for i, t in enumerate(texts):
            if i not in found:
                found[i] = np.asarray(encode(t), np.float32)
                new.append(i)
                if len(new) >= 200:
                    self._cache.put([texts[k] for k in new], np.stack([found[k] for k in new]))
                    new = []
            if progress:
                progress(i + 1, len(texts))
        if new:
            self._cache.put([texts[k] for k in new], np.stack([found[k] for k in new]))
        return np.stack([found[i] for i in range(len(texts))])


def percentile(values: Sequence[float], p: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), p)) if len(values) else float("nan")


def machine() -> dict[str, object]:
    import torch

    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def write_results(name: str, payload: dict[str, object], markdown: str) -> tuple[Path, Path]:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    j = RESULTS_DIR / f"{name}.json"
    m = RESULTS_DIR / f"{name}.md"
    j.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    m.write_text(markdown, encoding="utf-8")
    return j, m


class Progress:
    """A one-line progress indicator on stderr."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.t0 = time.perf_counter()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - self.last > 1.0:
            self.last = now
            import sys

            print(
                f"\r{self.label}: {done}/{total} ({now - self.t0:.0f} s)",
                end="\n" if done == total else "",
                file=sys.stderr,
                flush=True,
            )
