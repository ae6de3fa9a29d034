"""`taawun eval`: the bilingual gold set on the founding corpus.

Scores fact recall, citation correctness (every cited source is a gold document),
answer-language match, abstention precision/recall and latency, and writes a
report under bench/results/. ``--tune`` also sweeps the abstention threshold.
"""

from __future__ import annotations

import dataclasses
import json
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.app.compose import build_assistant
from assistant.core.records import Answer
from assistant.core.settings import Settings
from assistant.core.text import detect_language, normalize_arabic
from assistant.query import scorer as scoring
from assistant.query.chain import resolve
from assistant.query.evidence import select
from assistant.query.rules import select_evidence
from assistant.query.scorer import default_scorer

GOLD_FILE = Path(__file__).resolve().parent.parent / "data" / "gold.jsonl"
RESULTS_DIR = Path("bench") / "results"


@dataclass
class GoldItem:
    id: str
    question: str
    docs: list[str]
    facts: list[list[str]]  # each fact: acceptable variants
    kind: str  # ar | en | cross | multi | unanswerable

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"


@dataclass
class ItemResult:
    id: str
    kind: str
    question: str
    answer: str
    abstained: bool
    fact_recall: float | None
    citation_precision: float | None
    language_match: bool
    cited: list[str]
    total_ms: float
    notes: list[str] = field(default_factory=list)


def load_gold(path: Path = GOLD_FILE) -> list[GoldItem]:
    return [GoldItem(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _norm(text: str) -> str:
    return normalize_arabic(text).lower()


def fact_recall(answer: str, facts: list[list[str]]) -> float:
    if not facts:
        return 1.0
    a = _norm(answer)
    return sum(any(_norm(v) in a for v in variants) for variants in facts) / len(facts)


_QUOTED = re.compile(r"“[^”]*”|«[^»]*»|\[\d+\]")


def answer_language(answer: str) -> str | None:
    """The language of the answer's own words (quoted evidence in another language excluded)."""
    own = _QUOTED.sub(" ", answer)
    return detect_language(own) or detect_language(answer)


def score(item: GoldItem, ans: Answer) -> ItemResult:
    cited = [c.doc_id for c in ans.citations] if not ans.abstained else []
    return ItemResult(
        id=item.id,
        kind=item.kind,
        question=item.question,
        answer=ans.answer,
        abstained=ans.abstained,
        fact_recall=fact_recall(ans.answer, item.facts) if item.answerable else None,
        citation_precision=(sum(d in item.docs for d in cited) / len(cited)) if (item.answerable and cited) else None,
        language_match=answer_language(ans.answer) == ans.language,
        cited=cited,
        total_ms=ans.timings_ms.get("total", 0.0),
        notes=ans.notes,
    )


def summarize(items: list[GoldItem], results: list[ItemResult]) -> dict[str, Any]:
    by_id = {i.id: i for i in items}
    ans = [r for r in results if by_id[r.id].answerable]
    una = [r for r in results if not by_id[r.id].answerable]
    tp = sum(r.abstained for r in una)
    fp = sum(r.abstained for r in ans)
    fn = len(una) - tp
    answered = [r for r in ans if not r.abstained]
    cit = [r.citation_precision for r in answered if r.citation_precision is not None]
    lat = [r.total_ms for r in results]
    per_kind: dict[str, dict[str, float]] = {}
    for kind in sorted({i.kind for i in items}):
        rs = [r for r in results if r.kind == kind]
        if kind == "unanswerable":
            per_kind[kind] = {"n": len(rs), "abstained": sum(r.abstained for r in rs) / len(rs)}
        else:
            per_kind[kind] = {
                "n": len(rs),
                "fact_recall": statistics.mean(r.fact_recall or 0.0 for r in rs),
                "answered": sum(not r.abstained for r in rs) / len(rs),
            }
    return {
        "questions": len(results),
        "fact_recall": statistics.mean(r.fact_recall or 0.0 for r in ans) if ans else 0.0,
        "citation_precision": statistics.mean(cit) if cit else 0.0,
        "language_match": sum(r.language_match for r in results) / len(results),
        "abstention_precision": tp / (tp + fp) if tp + fp else 0.0,
        "abstention_recall": tp / (tp + fn) if tp + fn else 0.0,
        "latency_p50_ms": statistics.median(lat),
        "latency_p95_ms": sorted(lat)[max(0, round(0.95 * len(lat)) - 1)],
        "per_kind": per_kind,
    }


def sweep(assistant: Any, items: list[GoldItem], thresholds: list[float]) -> list[dict[str, float]]:
    """Abstention quality for each threshold, re-selecting evidence on the same retrieval results.

    With the learned selector the threshold is the answerable probability (``abstain_below``);
    with today's rules it is the calibrated relevance (``answer.abstain_threshold``).
    """
    prepared = [assistant.chain.prepare.invoke({"question": i.question, "history": [], "filters": None}) for i in items]
    abstains = _learned_abstains if assistant.settings.answer.selector == "learned" else _rules_abstains
    rows = []
    for t in thresholds:
        tp = fp = fn = 0
        for item, p in zip(items, prepared, strict=True):
            abstain = abstains(assistant, p, t)
            if not item.answerable:
                tp += abstain
                fn += not abstain
            else:
                fp += abstain
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        rows.append({"threshold": t, "precision": prec, "recall": rec, "f1": f1, "false_abstentions": fp})
    return rows


def _rules_abstains(assistant: Any, p: Any, t: float) -> bool:
    cfg = assistant.settings.answer.model_copy(update={"abstain_threshold": t})
    return bool(select_evidence(p.standalone, p.language, p.hits, assistant.document_text, cfg).abstain)


def _learned_abstains(assistant: Any, p: Any, t: float) -> bool:
    info, standalone = resolve(p.question, [], 0)
    tuned = dataclasses.replace(scoring.default_scorer(), abstain_below=t)
    cfg = assistant.settings.answer
    return select(info, standalone, p.hits, assistant.document_text, assistant.engine.idf, cfg, tuned).abstain


def _threshold(settings: Settings) -> float:
    if settings.answer.selector == "learned":
        return default_scorer().abstain_below
    return settings.answer.abstain_threshold


def to_markdown(
    summary: dict[str, Any], results: list[ItemResult], sweep_rows: list[dict[str, float]] | None, threshold: float
) -> str:
    s = summary
    kinds = ", ".join(f"{k} {v['n']}" for k, v in s["per_kind"].items())
    lines = [
        f"Gold set: {s['questions']} questions ({kinds}); abstention threshold {threshold}.",
        "",
        "| metric | value |",
        "|---|---|",
        f"| fact recall (answerable) | {s['fact_recall']:.3f} |",
        f"| citation precision (cited docs that are gold docs) | {s['citation_precision']:.3f} |",
        f"| answer language = question language | {s['language_match']:.3f} |",
        f"| abstention precision | {s['abstention_precision']:.3f} |",
        f"| abstention recall | {s['abstention_recall']:.3f} |",
        f"| latency p50 / p95 (ms, warm) | {s['latency_p50_ms']:.0f} / {s['latency_p95_ms']:.0f} |",
        "",
        "| kind | n | fact recall | answered / abstained |",
        "|---|---|---|---|",
    ]
    for kind, v in s["per_kind"].items():
        if kind == "unanswerable":
            lines.append(f"| {kind} | {v['n']} | - | abstained {v['abstained']:.2f} |")
        else:
            lines.append(f"| {kind} | {v['n']} | {v['fact_recall']:.3f} | answered {v['answered']:.2f} |")
    if sweep_rows:
        lines += [
            "",
            "Abstention threshold sweep:",
            "",
            "| threshold | precision | recall | F1 | false abstentions |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['threshold']:.2f} | {r['precision']:.2f} | {r['recall']:.2f} | {r['f1']:.2f} | "
            f"{r['false_abstentions']} |"
            for r in sweep_rows
        ]
    lines += ["", "Per question:", "", "| id | abstained | fact recall | cited | answer |", "|---|---|---|---|---|"]
    for r in results:
        fr = "-" if r.fact_recall is None else f"{r.fact_recall:.2f}"
        short = r.answer.replace("\n", " ").replace("|", "/")[:110]
        lines.append(f"| {r.id} | {r.abstained} | {fr} | {', '.join(d[:3] for d in r.cited)} | {short} |")
    return "\n".join(lines) + "\n"


def main(settings: Settings, *, tune: bool = False, out: str | None = None, as_json: bool = False) -> int:
    a = build_assistant(settings)
    if not a.library():
        raise RuntimeError(f"the index at {settings.index_dir} has no documents; run `taawun ingest` first")
    a.warm_up()
    items = load_gold()
    results = []
    t0 = time.perf_counter()
    for item in items:
        results.append(score(item, a.ask(item.question)))
    summary = summarize(items, results)
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    learned = settings.answer.selector == "learned"
    grid = [x / 40 for x in range(0, 21)] if learned else [x / 4 for x in range(4, 29)]
    rows = sweep(a, items, grid) if tune else None
    threshold = _threshold(settings)
    payload = {"summary": summary, "threshold": threshold, "sweep": rows, "results": [asdict(r) for r in results]}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    name = out or "eval"
    (RESULTS_DIR / f"{name}.json").write_text(
        json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    md = to_markdown(summary, results, rows, threshold)
    (RESULTS_DIR / f"{name}.md").write_text(md, encoding="utf-8")
    if as_json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(md.split("\nPer question:")[0])
        print(f"wrote {RESULTS_DIR / (name + '.md')}", file=sys.stderr)
    return 0
