"""XQuAD answer benchmark through the product path (issue: answers that hold on releases nobody tuned for).

    .venv/bin/python -m bench.answers_xquad                  # test split, every other question, all rows
    .venv/bin/python -m bench.answers_xquad --split dev      # the split to tune on
    .venv/bin/python -m bench.answers_xquad --articles 24,25 --no-probe   # a quick slice

XQuAD paragraphs are ingested as documents (real ingest, real e5, embedded
Chroma) and every question is asked through the same ``Assistant`` the CLI uses.
Tasks: en->en, ar->ar, en->ar and ar->en (the index holds only the evidence
language's paragraphs) and mixed (both languages indexed, both asked).

Metrics per task:
- contains: the answer text holds the gold answer span of the evidence language
  (normalised; in the mixed task either language's span counts);
- short F1: token F1 of the short answer against the gold span in the question's
  language (or the evidence's, whichever is higher), over answers that open with one;
- first citation: the first citation is the question's paragraph (either language);
- false abstention: an answerable question got "the sources do not say".
The abstention probe asks the test questions against an index from which their
article was removed (dev articles plus the other half of test): each should abstain.
"Today's rules" is the pre-rewrite evidence selection (``answer.selector = "rules"``),
run in the same process as the baseline; the retriever row is the ceiling for the
first-citation metric: its own top passage on the same index.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

from assistant.app.compose import build_assistant
from assistant.app.service import Assistant
from bench.common import machine, percentile, write_results
from bench.xquad_product import (
    QA,
    SPLITS,
    build,
    contains,
    docs_for,
    every_other,
    load,
    para_of,
    token_f1,
)

TASKS = {  # task -> (question languages, indexed languages)
    "en->en": (("en",), ("en",)),
    "ar->ar": (("ar",), ("ar",)),
    "en->ar": (("en",), ("ar",)),
    "ar->en": (("ar",), ("en",)),
    "mixed": (("en", "ar"), ("en", "ar")),
}
SHIPPED = "shipped (learned)"
VARIANTS: dict[str, dict[str, Any]] = {
    "today's rules": {"selector": "rules"},
    "shipped (learned)": {"selector": "learned"},
    "shipped without the answer-type rule": {"selector": "learned", "require_answer_type": False},
    "shipped without the partner rule": {"selector": "learned", "partner_gate": False},
    "shipped without the top-document rule": {"selector": "learned", "top_document_share": 0.0},
}


def variant(base: Assistant, answer_settings: dict[str, Any]) -> Assistant:
    """The same index and models with other answer settings (the selector, an ablated rule)."""
    answer = base.settings.answer.model_copy(update=answer_settings)
    settings = base.settings.model_copy(update={"answer": answer})
    return build_assistant(settings, embedder=base.embedder, index=base.index)


def score_one(a: Assistant, qa: QA, evidence_langs: Sequence[str]) -> dict[str, Any]:
    t0 = time.perf_counter()
    ans = a.ask(qa.question)
    ms = (time.perf_counter() - t0) * 1000
    golds = [qa.answers[lang][0] for lang in evidence_langs]
    first = para_of(ans.citations[0].source) if ans.citations and not ans.abstained else None
    short = getattr(ans, "short", None)
    f1 = None
    if short and not ans.abstained:
        f1 = max(token_f1(short, qa.answers[lang][0]) for lang in {qa.lang, *evidence_langs})
    return {
        "qid": qa.qid,
        "contains": (not ans.abstained) and any(contains(ans.answer, g) for g in golds),
        "first": first == qa.para,
        "abstained": ans.abstained,
        "f1": f1,
        "ms": ms,
        "answer": ans.answer[:400],
    }


def retriever_first(a: Assistant, qa: QA) -> bool:
    # the default depth: a depth of 1 would let the cross-language quota replace the top hit
    hits = a.engine.search(qa.question)
    return bool(hits) and para_of(hits[0].doc.doc_id) == qa.para


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    f1s = [r["f1"] for r in rows if r["f1"] is not None]
    return {
        "n": n,
        "contains": sum(r["contains"] for r in rows) / n,
        "first_citation": sum(r["first"] for r in rows) / n,
        "false_abstention": sum(r["abstained"] for r in rows) / n,
        "short_f1": sum(f1s) / len(f1s) if f1s else None,
        "short_given": len(f1s) / n,
        "p50_ms": percentile([r["ms"] for r in rows], 50),
        "p95_ms": percentile([r["ms"] for r in rows], 95),
    }


def run_tasks(paras: dict[str, list[str]], qas: list[QA], articles: Sequence[int], split: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for task, (qlangs, ilangs) in TASKS.items():
        base = build(f"{split}-{'-'.join(ilangs)}-{articles[0]}-{articles[-1]}", docs_for(paras, articles, ilangs))
        base.warm_up()
        asked = [q for q in qas if q.lang in qlangs]
        cell: dict[str, Any] = {"retriever_r1": sum(retriever_first(base, q) for q in asked) / len(asked)}
        for label, selector in VARIANTS.items():
            a = variant(base, selector)
            rows = [score_one(a, q, ilangs) for q in asked]
            cell[label] = summarize(rows)
            if label == SHIPPED:  # per-question rows for the shipped row only: the file stays small
                cell[label]["rows"] = rows
            print(f"{task:7s} {label:18s} {_line(cell[label])}", file=sys.stderr)
        out[task] = cell
    return out


def run_probe(paras: dict[str, list[str]], qas: list[QA], split: str) -> dict[str, Any]:
    """Each question against an index without its article: dev articles plus the other half of the split."""
    arts = list(SPLITS[split])
    halves = [arts[: len(arts) // 2], arts[len(arts) // 2 :]]
    # test questions also face the dev documents; dev (tuning) never sees a test document
    others = list(SPLITS["dev"]) if split == "test" else []
    result: dict[str, Any] = {}
    for label, selector in VARIANTS.items():
        abstained, n = 0, 0
        for held, kept in ((halves[0], halves[1]), (halves[1], halves[0])):
            base = build(f"probe-{split}-without-{held[0]}-{held[-1]}", docs_for(paras, [*others, *kept], ("en", "ar")))
            a = variant(base, selector)
            for q in (q for q in qas if q.article in held):
                abstained += a.ask(q.question).abstained
                n += 1
        result[label] = {"n": n, "abstained": abstained / n}
        print(f"probe   {label:18s} abstained {abstained / n:.3f} of {n}", file=sys.stderr)
    return result


def _line(s: dict[str, Any]) -> str:
    f1 = "-" if s["short_f1"] is None else f"{s['short_f1']:.3f} ({s['short_given']:.0%})"
    return (
        f"contains {s['contains']:.3f}  first-cite {s['first_citation']:.3f}  "
        f"false-abst {s['false_abstention']:.3f}  short-F1 {f1}  p95 {s['p95_ms']:.0f} ms"
    )


def to_markdown(res: dict[str, Any], probe: dict[str, Any] | None, meta: dict[str, Any]) -> str:
    tasks = list(res)
    head = "| row | " + " | ".join(tasks) + " |\n|---|" + "---|" * len(tasks) + "\n"
    lines = [
        f"# XQuAD answers through the product path ({meta['split']} split)\n",
        f"`{meta['command']}` · {meta['questions']} questions · {meta['machine']['date']} · "
        f"{meta['machine']['cpus']} CPUs · {meta['seconds']:.0f} s\n",
        "Cells: contains / first citation / false abstention. Short-answer F1 (share of answers with one) below.\n",
        head.rstrip("\n"),
    ]
    lines.append(
        "| retriever R@1 (ceiling for first citation) | "
        + " | ".join(f"{res[t]['retriever_r1']:.3f}" for t in tasks)
        + " |"
    )
    for label in VARIANTS:
        cells = [res[t][label] for t in tasks]
        lines.append(
            f"| {label} | "
            + " | ".join(
                f"{c['contains']:.3f} / {c['first_citation']:.3f} / {c['false_abstention']:.3f}" for c in cells
            )
            + " |"
        )
    lines.append("")
    lines.append("| short-answer F1 | " + " | ".join(tasks) + " |\n|---|" + "---|" * len(tasks))
    for label in VARIANTS:
        cells = [res[t][label] for t in tasks]
        lines.append(
            f"| {label} | "
            + " | ".join(
                "-" if c["short_f1"] is None else f"{c['short_f1']:.3f} ({c['short_given']:.0%})" for c in cells
            )
            + " |"
        )
    lines.append("")
    lines.append("| latency p50 / p95 ms | " + " | ".join(tasks) + " |\n|---|" + "---|" * len(tasks))
    for label in VARIANTS:
        cells = [res[t][label] for t in tasks]
        lines.append(f"| {label} | " + " | ".join(f"{c['p50_ms']:.0f} / {c['p95_ms']:.0f}" for c in cells) + " |")
    if probe:
        lines.append("\nAbstention probe (questions asked with their article removed; higher is better):\n")
        lines.append("| row | abstained | questions |\n|---|---|---|")
        for label, p in probe.items():
            lines.append(f"| {label} | {p['abstained']:.3f} | {p['n']} |")
    return "\n".join(lines) + "\n"


def _override_scorer(fields: dict[str, str]) -> None:
    """Tuning on dev only: the shipped scorer with some fields replaced (never used for reported rows)."""
    import dataclasses

    from assistant.query import scorer

    tuned = dataclasses.replace(scorer.default_scorer(), **{k: float(v) for k, v in fields.items()})
    scorer.default_scorer = lambda: tuned  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=list(SPLITS), default="test")
    ap.add_argument("--articles", help="comma-separated article numbers (a slice of the split)")
    ap.add_argument("--all-questions", action="store_true", help="not only every other question")
    ap.add_argument("--no-probe", action="store_true")
    ap.add_argument("--only-shipped", action="store_true", help="skip the baseline rows (a quicker tuning loop)")
    ap.add_argument("--tasks", help="comma-separated subset of " + ",".join(TASKS))
    ap.add_argument("--set", action="append", default=[], help="tuning: override a scorer field, e.g. second_ratio=0.3")
    ap.add_argument("--out", default=None, help="results name (default answers-xquad[-dev])")
    args = ap.parse_args(argv)
    if args.only_shipped:
        for label in [k for k in VARIANTS if k != "shipped (learned)"]:
            del VARIANTS[label]
    if args.tasks:
        for t in set(TASKS) - set(args.tasks.split(",")):
            del TASKS[t]
    if args.set:
        _override_scorer(dict(kv.split("=", 1) for kv in args.set))
    t0 = time.perf_counter()
    paras, qas = load()
    articles = [int(x) for x in args.articles.split(",")] if args.articles else list(SPLITS[args.split])
    qas = [q for q in qas if q.article in articles]
    if not args.all_questions:
        qas = every_other(qas)
    res = run_tasks(paras, qas, articles, args.split)
    probe = None if args.no_probe else run_probe(paras, qas, args.split)
    meta = {
        "split": args.split,
        "articles": articles,
        "questions": len(qas),
        "machine": machine(),
        "seconds": time.perf_counter() - t0,
        "command": "python -m bench.answers_xquad " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    md = to_markdown(res, probe, meta)
    default = "answers-xquad" if args.split == "test" and not args.articles else f"answers-xquad-{args.split}"
    name = args.out or default
    write_results(name, {"meta": meta, "tasks": res, "probe": probe}, md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
