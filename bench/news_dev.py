"""News-style development set: do answers generalise to releases nobody tuned the answer stage for?

    .venv/bin/python -m bench.news_dev                 # writes bench/results/news-dev.{md,json}
    .venv/bin/python -m bench.news_dev --out NAME      # another results name
    .venv/bin/python -m bench.news_dev --ablations     # plus the baseline and ablated-rule rows
    .venv/bin/python -m bench.news_dev --set newsdev2  # the second set: bench/results/news-dev2.{md,json}
    .venv/bin/python -m bench.news_dev --set newsdev3  # the third: bench/results/news-dev3.{md,json}
    .venv/bin/python -m bench.news_dev --set newsdev4  # the fourth: bench/results/news-dev4.{md,json}

``bench/newsdev/docs`` holds 16 invented press releases (8 English, 8 Arabic; every
person, figure and company in them is fictional) about MCIT, NTRA, ITIDA, Egypt Post
and NTI with foreign partners: datelines or a bare date line, quotes, background
paragraphs with other dates and figures, boilerplate endings, three events told in
both languages with different details, and confusable pairs (two Central Asian MoUs,
two regulator MoUs, two foreign delivery centres, two training programmes).
``bench/newsdev/questions.jsonl`` asks 64 journalist-style questions in the gold-set
schema of ``assistant/data/gold.jsonl`` (kinds en, ar, cross, multi, unanswerable).

``--set newsdev2`` runs the second set, ``bench/newsdev2`` (12 releases, 6 English and 6
Arabic, 48 questions), written after the first had been tuned on, in styles the first
lacks: a visit with four agreements, a 34-country summit, a 2005 release ("Cairo, Sept.
12, 2005"), a loan in tranches, a cooperation fact buried in paragraph 4, a postponed
forum, a Hijri-plus-Gregorian dateline, partner names spelt several ways («الإمارات
العربية المتحدة», «الإمارات», «الـITU»), a joint statement, two MoUs with one partner
years apart, Egyptian Arabic-English code-switching in quotes and numbers as words.

A fresh index is built in a temporary folder under bench/work/ from the founding
corpus (knowledge/sources/*.txt) plus the news documents, through the product's ingest
(``bench.xquad_product.build``), and every question goes through ``Assistant.ask``,
the call behind ``taawun ask``. Items are scored with ``assistant.app.evaluate.score``
(fact recall, answer language of the answer's own words, abstention); this script
adds whether a gold document is the first citation and whether one is cited at all.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assistant.app.evaluate import GoldItem, ItemResult, fact_recall, load_gold, score, summarize
from assistant.app.service import Assistant
from bench.answers_xquad import VARIANTS, variant
from bench.common import ROOT, WORK_DIR, machine, write_results
from bench.xquad_product import build

NEWS_DIR = ROOT / "bench" / "newsdev"
DOCS_DIR = NEWS_DIR / "docs"
QUESTIONS = NEWS_DIR / "questions.jsonl"
FOUNDING = ROOT / "knowledge" / "sources"
KINDS = ("en", "ar", "cross", "multi", "unanswerable")
# Set name -> its default results name; each set is indexed with the founding corpus only,
# never with the other set, so the first set's figures do not move when the second is added.
SETS = {"newsdev": "news-dev", "newsdev2": "news-dev2", "newsdev3": "news-dev3", "newsdev4": "news-dev4"}


def corpus(docs_dir: Path = DOCS_DIR) -> dict[str, str]:
    """File name -> text: the founding corpus plus the news documents (names do not collide)."""
    docs: dict[str, str] = {}
    for folder in (FOUNDING, docs_dir):
        for p in sorted(folder.glob("*.txt")):
            assert p.name not in docs, f"duplicate document name {p.name}"
            docs[p.name] = p.read_text(encoding="utf-8")
    return docs


def facts_hit(answer: str, facts: list[list[str]]) -> list[bool]:
    """Per fact, whether the answer holds one of its variants (the same test as ``fact_recall``)."""
    return [fact_recall(answer, [variants]) == 1.0 for variants in facts]


def row(item: GoldItem, res: ItemResult, short: str | None) -> dict[str, Any]:
    hits = facts_hit(res.answer, item.facts) if item.answerable else []
    return {
        **asdict(res),
        "docs": item.docs,
        "short": short,
        "first_gold": bool(item.answerable and res.cited and res.cited[0] in item.docs),
        "gold_cited": bool(item.answerable and any(d in item.docs for d in res.cited)),
        "facts_hit": [f[0] for f, h in zip(item.facts, hits, strict=True) if h],
        "facts_missed": [f[0] for f, h in zip(item.facts, hits, strict=True) if not h],
    }


def _share(rows: list[dict[str, Any]], key: str) -> float | None:
    return sum(bool(r[key]) for r in rows) / len(rows) if rows else None


def breakdown(items: list[GoldItem], rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    groups = {"all answerable": [r for r in rows if r["kind"] != "unanswerable"]}
    groups.update({k: [r for r in rows if r["kind"] == k] for k in KINDS})
    for name, rs in groups.items():
        if not rs:
            continue
        cell: dict[str, Any] = {"n": len(rs), "language_match": _share(rs, "language_match")}
        if name == "unanswerable":
            cell["abstained"] = _share(rs, "abstained")
        else:
            cell.update(
                fact_recall=statistics.mean(r["fact_recall"] or 0.0 for r in rs),
                all_facts=sum(r["fact_recall"] == 1.0 for r in rs) / len(rs),
                first_gold=_share(rs, "first_gold"),
                gold_cited=_share(rs, "gold_cited"),
                false_abstention=_share(rs, "abstained"),
            )
        out[name] = cell
    return out


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def to_markdown(
    summary: dict[str, Any],
    kinds: dict[str, dict[str, Any]],
    rows: list[dict[str, Any]],
    meta: dict[str, Any],
    extra: list[str] | None = None,
    set_name: str = "newsdev",
) -> str:
    s = summary
    lines = [
        "# News-style development set through the product path\n",
        f"`{meta['command']}` · {meta['documents']} documents ({meta['news_documents']} news + founding corpus) · "
        f"{s['questions']} questions · {meta['machine']['date']} · {meta['machine']['cpus']} CPUs · "
        f"{meta['seconds']:.0f} s\n",
        f"Invented press releases nobody tuned the answer stage for (bench/{set_name}/). "
        "Scoring: `assistant.app.evaluate.score` (fact recall = share of a question's facts whose variant the "
        "answer holds; language = the answer's own words). First gold = the first citation is a gold document.\n",
        "| metric | value |",
        "|---|---|",
        f"| fact recall (answerable) | {kinds['all answerable']['fact_recall']:.3f} |",
        f"| all facts present (answerable) | {kinds['all answerable']['all_facts']:.3f} |",
        f"| first citation is a gold doc (answerable) | {kinds['all answerable']['first_gold']:.3f} |",
        f"| a gold doc is cited (answerable) | {kinds['all answerable']['gold_cited']:.3f} |",
        f"| citation precision (answered; cited docs that are gold) | {s['citation_precision']:.3f} |",
        f"| false abstentions (answerable) | {kinds['all answerable']['false_abstention']:.3f} "
        f"({sum(r['abstained'] for r in rows if r['kind'] != 'unanswerable')}) |",
        f"| abstention precision | {s['abstention_precision']:.3f} |",
        f"| abstention recall | {s['abstention_recall']:.3f} |",
        f"| answer language = question language | {s['language_match']:.3f} |",
        f"| latency p50 / p95 (ms, warm) | {s['latency_p50_ms']:.0f} / {s['latency_p95_ms']:.0f} |",
        "",
        "| kind | n | fact recall | all facts | first gold | gold cited | false abst. | abstained | language |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for k, c in kinds.items():
        lines.append(
            f"| {k} | {c['n']} | {_f(c.get('fact_recall'))} | {_f(c.get('all_facts'))} | {_f(c.get('first_gold'))} | "
            f"{_f(c.get('gold_cited'))} | {_f(c.get('false_abstention'))} | {_f(c.get('abstained'))} | "
            f"{_f(c['language_match'])} |"
        )
    lines += extra or []
    lines += ["", "## Per question", ""]
    for r in rows:
        if r["kind"] == "unanswerable":
            verdict = "OK (abstained)" if r["abstained"] else "FAIL (answered)"
        elif r["abstained"]:
            verdict = "FAIL (abstained)"
        else:
            verdict = f"recall {r['fact_recall']:.2f}" + ("" if r["gold_cited"] else ", no gold cited")
        lines.append(f"### {r['id']} [{r['kind']}] {verdict}\n")
        lines.append(f"- Q: {r['question']}")
        answer = " ".join(r["answer"].split())
        lines.append(f"- A: {answer[:300]}{'…' if len(answer) > 300 else ''}")
        if r["kind"] != "unanswerable":
            lines.append(f"- facts hit: {r['facts_hit'] or '-'} · missed: {r['facts_missed'] or '-'}")
            lines.append(f"- gold: {', '.join(r['docs'])}")
        lines.append(
            f"- cited: {', '.join(r['cited']) or '-'} · language match: {r['language_match']}"
            + (f" · short: {r['short']}" if r.get("short") else "")
        )
        lines.append("")
    return "\n".join(lines)


def ask_all(a: Assistant, items: list[GoldItem]) -> tuple[list[ItemResult], list[dict[str, Any]]]:
    results: list[ItemResult] = []
    rows: list[dict[str, Any]] = []
    for item in items:
        ans = a.ask(item.question)  # what `taawun ask` calls
        res = score(item, ans)
        results.append(res)
        rows.append(row(item, res, ans.short))
        print(f"{item.id:32s} {rows[-1]['facts_missed'] or ''} abst={ans.abstained}", file=sys.stderr)
    return results, rows


def ablation_row(a: Assistant, items: list[GoldItem]) -> dict[str, Any]:
    """The headline figures of one answer-settings variant on the same index."""
    results, rows = ask_all(a, items)
    summary, kinds = summarize(items, results), breakdown(items, rows)
    return {
        **{k: kinds["all answerable"][k] for k in ("fact_recall", "first_gold", "false_abstention")},
        **{k: summary[k] for k in ("abstention_recall", "language_match")},
    }


def ablation_lines(ablations: dict[str, dict[str, Any]]) -> list[str]:
    if not ablations:
        return []
    lines = [
        "",
        "Rows on the same index, in the same run (`--ablations`; variants as in bench.answers_xquad):",
        "",
        "| row | fact recall | first gold | false abst. | abstention recall | language |",
        "|---|---|---|---|---|---|",
    ]
    for label, r in ablations.items():
        cells = (r["fact_recall"], r["first_gold"], r["false_abstention"], r["abstention_recall"], r["language_match"])
        lines.append(f"| {label} | " + " | ".join(_f(x) for x in cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default="newsdev", choices=sorted(SETS), help="which set (default newsdev)")
    ap.add_argument("--out", default=None, help="results name under bench/results (default: news-dev, news-dev2)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary index folder")
    ap.add_argument("--ablations", action="store_true", help="also the baseline and ablated-rule rows")
    args = ap.parse_args(argv)
    # Ingest in this thread (nothing answers meanwhile): the shared bench embedder's query cache is a
    # SQLite connection of the thread that opened it, and a lowered-priority ingest runs in another one.
    os.environ.setdefault("TAAWUN_CPU_INGEST_NICE", "0")
    t0 = time.perf_counter()
    news_dir = ROOT / "bench" / args.set
    docs = corpus(news_dir / "docs")
    items = load_gold(news_dir / "questions.jsonl")
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="news-dev-", dir=WORK_DIR))
    try:
        a = build("index", docs, workdir=tmp)
        a.warm_up()
        results, rows = ask_all(a, items)
        ablations = (
            {label: ablation_row(variant(a, sel), items) for label, sel in VARIANTS.items()} if args.ablations else {}
        )
    finally:
        if args.keep:
            print(f"index kept at {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    summary = summarize(items, results)
    kinds = breakdown(items, rows)
    meta = {
        "command": "python -m bench.news_dev " + " ".join(argv if argv is not None else sys.argv[1:]),
        "documents": len(docs),
        "news_documents": len(list((news_dir / "docs").glob("*.txt"))),
        "machine": machine(),
        "seconds": time.perf_counter() - t0,
    }
    md = to_markdown(summary, kinds, rows, meta, ablation_lines(ablations), args.set)
    write_results(
        args.out or SETS[args.set],
        {"meta": meta, "summary": summary, "kinds": kinds, "rows": rows, "ablations": ablations},
        md,
    )
    print(md.split("\n## Per question")[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
