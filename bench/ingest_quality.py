"""Ingest quality on the hand-written labelled set (tests/data/twins): translation twins, titles, dates.

The labelled releases and the founding corpus (under ``corpus/``) are ingested with the real
embedding model into a throw-away index, exactly as ``taawun ingest`` would; the catalog is
then read back and compared with the labels:

- twins: the links ingest made (``translation_of``) against the labelled pairs. Every link
  between two labelled documents that is not a labelled twin counts as a false one;
- titles: ``title`` against the gold headline (whitespace and case folded);
- dates: ``published`` against the gold publication date (``null`` when the release has none).

    .venv/bin/python -m bench.ingest_quality   # writes bench/results/ingest-quality.{json,md}
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import ROOT, write_results

DATA = ROOT / "tests" / "data" / "twins"
CORPUS = ROOT / "knowledge" / "sources"


def build_sources(root: Path) -> Path:
    """A sources folder: the labelled releases (with their URL sidecars) and the founding corpus."""
    src = root / "sources"
    shutil.copytree(DATA / "docs", src)
    shutil.copytree(CORPUS, src / "corpus", ignore=shutil.ignore_patterns(".*"))
    return src


def _norm(s: str | None) -> str:
    return " ".join((s or "").split()).casefold()


def score(docs: dict[str, Any], labels: dict[str, Any]) -> dict[str, Any]:
    """Twin precision/recall and title/date accuracy of catalog documents against the labels."""
    truth = {frozenset((p["a"], p["b"])) for p in labels["pairs"] if p["twin"]}
    # every link ingest made counts, between labelled documents or not
    links = {frozenset((d, doc.translation_of)) for d, doc in docs.items() if doc.translation_of}
    tp, fp, fn = links & truth, links - truth, truth - links
    titles = {k: (docs[k].title, v["title"]) for k, v in labels["docs"].items()}
    dates = {k: (docs[k].published, v["published"]) for k, v in labels["docs"].items()}
    kinds: dict[str, list[int]] = {}
    for p in labels["pairs"]:
        linked = frozenset((p["a"], p["b"])) in links
        kinds.setdefault(p["kind"], [0, 0])
        kinds[p["kind"]][0] += 1
        kinds[p["kind"]][1] += int(linked == p["twin"])
    return {
        "twins": {
            "precision": len(tp) / len(links) if links else 1.0,
            "recall": len(tp) / len(truth) if truth else 1.0,
            "links": sorted(sorted(x) for x in links),
            "false": sorted(sorted(x) for x in fp),
            "missed": sorted(sorted(x) for x in fn),
            "by_kind": {k: {"pairs": n, "correct": c} for k, (n, c) in kinds.items()},
        },
        "titles": {
            "accuracy": sum(_norm(a) == _norm(b) for a, b in titles.values()) / len(titles),
            "wrong": {k: {"got": a, "gold": b} for k, (a, b) in titles.items() if _norm(a) != _norm(b)},
        },
        "dates": {
            "accuracy": sum((a or None) == b for a, b in dates.values()) / len(dates),
            "wrong": {k: {"got": a, "gold": b} for k, (a, b) in dates.items() if (a or None) != b},
        },
        "n_docs": len(labels["docs"]),
        "n_pairs": len(labels["pairs"]),
    }


def run() -> dict[str, Any]:
    from assistant.app.compose import build_assistant
    from assistant.core.settings import load_settings

    labels = json.loads((DATA / "labels.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="taawun-ingest-quality-") as tmp:
        src = build_sources(Path(tmp))
        settings = load_settings(index={"dir": Path(tmp) / "index"}, sources={"dir": src}, chroma={"url": ""})
        a = build_assistant(settings)
        report = a.refresh()
        docs = {d.doc_id: d for d in a.catalog.documents()}
        result = score(docs, labels)
        result["ingest"] = report.counts()
    return result


#: the same set through the pipeline before issue 16 (v6, commit bb2b7d0), for the record
BEFORE = {
    "twin precision": "0.62 (5 of 8 links)",
    "twin recall": "1.00",
    "title accuracy": "0.12",
    "date accuracy": "0.12",
}


def markdown(r: dict[str, Any]) -> str:
    tw, ti, da = r["twins"], r["titles"], r["dates"]
    lines = [
        "# Ingest quality (labelled set)",
        "",
        f"{r['n_docs']} labelled documents, {r['n_pairs']} labelled cross-language pairs "
        "(tests/data/twins, hand-written, plus the founding corpus); real embedding model.",
        "Command: `.venv/bin/python -m bench.ingest_quality`",
        "",
        "| measure | value |",
        "|---|---|",
        f"| twin precision | {tw['precision']:.2f} |",
        f"| twin recall | {tw['recall']:.2f} ({len(tw['links']) - len(tw['false'])} of "
        f"{len(tw['links']) - len(tw['false']) + len(tw['missed'])}) |",
        f"| title accuracy | {ti['accuracy']:.2f} |",
        f"| date accuracy | {da['accuracy']:.2f} |",
        "",
        "Before (pipeline v6): " + ", ".join(f"{k} {v}" for k, v in BEFORE.items()) + ".",
        "",
        "| pair kind | pairs | decided correctly |",
        "|---|---|---|",
        *(f"| {k} | {v['pairs']} | {v['correct']} |" for k, v in tw["by_kind"].items()),
        "",
    ]
    if tw["false"]:
        lines += ["False twins: " + "; ".join(" ↔ ".join(p) for p in tw["false"]), ""]
    if tw["missed"]:
        lines += ["Missed twins: " + "; ".join(" ↔ ".join(p) for p in tw["missed"]), ""]
    for name, block in (("titles", ti), ("dates", da)):
        for k, v in block["wrong"].items():
            lines.append(f"- wrong {name[:-1]} {k}: got {v['got']!r}, gold {v['gold']!r}")
    return "\n".join(lines) + "\n"


def main() -> int:
    r = run()
    md = markdown(r)
    if "--print" in sys.argv:
        print(md)
        return 0
    write_results("ingest-quality", r, md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
