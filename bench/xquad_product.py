"""XQuAD through the product path: paragraphs ingested as documents, questions asked through `Assistant`.

Shared by the answer benchmark (bench.answers_xquad) and the evidence-scorer
training script (bench.train_scorer). The split is by article: articles 0-23
are ``dev`` (tune and train there), 24-47 are ``test`` (report only).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.app.compose import build_assistant, make_embedder
from assistant.app.service import Assistant
from assistant.core.settings import Settings, load_settings
from assistant.core.text import normalize_arabic
from bench.common import CACHE_DIR, WORK_DIR, Progress, QueryVectorCache, find_xquad
from ingest.embed import CachedEmbedder

PARAS_PER_ARTICLE = 5
SPLITS = {"dev": range(0, 24), "test": range(24, 48)}


@dataclass(frozen=True)
class QA:
    qid: str
    lang: str
    question: str
    para: int  # paragraph index, the same in both languages
    article: int
    answers: dict[str, tuple[str, int]]  # language -> (gold answer text, its offset in that paragraph)


def doc_name(lang: str, para: int) -> str:
    return f"xq_{lang}_{para:03d}.txt"


def para_of(source: str) -> int | None:
    m = re.match(r"xq_(?:ar|en)_(\d{3})\.txt$", source)
    return int(m.group(1)) if m else None


def load() -> tuple[dict[str, list[str]], list[QA]]:
    """Paragraph texts per language and every question with the gold span in both languages."""
    d = find_xquad()
    raw = {lang: json.loads((d / f"xquad.{lang}.json").read_text(encoding="utf-8")) for lang in ("en", "ar")}
    paras: dict[str, list[str]] = {"en": [], "ar": []}
    spans: dict[str, dict[str, tuple[str, int]]] = {}
    where: dict[str, tuple[int, int]] = {}
    texts: dict[tuple[str, str], str] = {}
    for lang, data in raw.items():
        for a, art in enumerate(data["data"]):
            for p in art["paragraphs"]:
                i = len(paras[lang])
                paras[lang].append(p["context"])
                for q in p["qas"]:
                    ans = q["answers"][0]
                    spans.setdefault(q["id"], {})[lang] = (ans["text"], int(ans["answer_start"]))
                    where[q["id"]] = (i, a)
                    texts[(q["id"], lang)] = q["question"]
    qas = [
        QA(qid, lang, texts[(qid, lang)], where[qid][0], where[qid][1], spans[qid])
        for (qid, lang) in texts
        if len(spans[qid]) == 2
    ]
    return paras, qas


def in_split(qa: QA, split: str) -> bool:
    return qa.article in SPLITS[split]


def every_other(qas: Sequence[QA]) -> list[QA]:
    """Every other question (by id order within the split), the same ids in both languages."""
    ids = sorted({q.qid for q in qas})
    keep = set(ids[::2])
    return [q for q in qas if q.qid in keep]


class _CachedQueries:
    """The configured embedder with persistent passage and query caches (repeat runs skip encoding)."""

    def __init__(self, settings: Settings) -> None:
        self._inner: Any = None
        self._settings = settings
        self._passages: CachedEmbedder | None = None
        self._queries: QueryVectorCache | None = None
        from ingest.embed import model_id_for

        self.model_id = model_id_for(settings.embedding)
        self.dim = 384

    def _load(self) -> None:
        if self._inner is None:
            self._inner = make_embedder(self._settings)
            self._passages = CachedEmbedder(self._inner, CACHE_DIR / "passages.sqlite")
            self._queries = QueryVectorCache(CACHE_DIR / "queries.sqlite", self.model_id)
            self.dim = self._inner.dim

    def embed_passages(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        self._load()
        assert self._passages is not None
        return self._passages.embed_passages(texts, progress)

    def embed_query(self, text: str) -> np.ndarray:
        self._load()
        assert self._queries is not None
        return self._queries.get_many([text], self._inner.embed_query)[0]


_EMBEDDER: _CachedQueries | None = None


def shared_embedder(settings: Settings) -> _CachedQueries:
    global _EMBEDDER
    if _EMBEDDER is None:
        _EMBEDDER = _CachedQueries(settings)
    return _EMBEDDER


def build(name: str, docs: dict[str, str], workdir: Path | None = None, **answer: Any) -> Assistant:
    """An assistant over its own index folder holding exactly ``docs`` (file name -> text)."""
    root = (workdir or WORK_DIR / "answers") / name
    src = root / "sources"
    if src.is_dir() and {p.name for p in src.iterdir()} != set(docs):
        shutil.rmtree(root)  # a different document set: start over rather than edit
    src.mkdir(parents=True, exist_ok=True)
    for fname, text in docs.items():
        p = src / fname
        if not p.exists() or p.read_text(encoding="utf-8") != text:
            p.write_text(text, encoding="utf-8")
    settings = load_settings(sources={"dir": src}, index={"dir": root / "index"}, answer=answer or {})
    a = build_assistant(settings, embedder=shared_embedder(settings))
    bar = Progress(f"indexing {name}")
    report = a.refresh(progress=lambda stage, done, total: bar(done, total) if stage == "embed" else None)
    print(f"{name}: {report.summary().splitlines()[0]}", file=sys.stderr)
    return a


def docs_for(paras: dict[str, list[str]], articles: Sequence[int], langs: Sequence[str]) -> dict[str, str]:
    out = {}
    for a in articles:
        for i in range(a * PARAS_PER_ARTICLE, (a + 1) * PARAS_PER_ARTICLE):
            for lang in langs:
                out[doc_name(lang, i)] = paras[lang][i]
    return out


_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)


def norm(text: str) -> str:
    """Lower-cased, Arabic-normalised, punctuation-free, single-spaced (for containment and F1)."""
    t = normalize_arabic(text).lower()
    t = re.sub(r"\b(?:the|a|an)\b", " ", _PUNCT.sub(" ", t))
    return " ".join(t.split())


def contains(answer: str, gold: str) -> bool:
    g = norm(gold)
    return bool(g) and f" {g} " in f" {norm(answer)} "


def token_f1(pred: str, gold: str) -> float:
    p, g = norm(pred).split(), norm(gold).split()
    if not p or not g:
        return 0.0
    common = sum(min(p.count(w), g.count(w)) for w in set(p))
    if not common:
        return 0.0
    prec, rec = common / len(p), common / len(g)
    return 2 * prec * rec / (prec + rec)
