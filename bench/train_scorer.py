"""Train the evidence scorer shipped in assistant/data/evidence_scorer.json.

    .venv/bin/python -m bench.train_scorer            # fit on XQuAD dev (articles 0-23), write the weights
    .venv/bin/python -m bench.train_scorer --dry-run  # fit and report, write nothing

Data, all from the dev split (the test split is never read here):
- sentence model: every candidate sentence the product retriever returns for each
  dev question (the four language pairs and the mixed pool); positive when it is in
  the question's paragraph and contains the gold answer span of its language;
- answerable model: the same questions (positive) against the same questions asked
  of an index from which their article was removed (negative): dev articles split
  in two halves, each half asked against the other;
- the abstention threshold is the answerable probability that keeps false
  abstentions on dev at ``--false-abstention`` (default 0.03).
The sentence model is gradient-boosted trees (scikit-learn, depth 3, 200 trees,
exported to JSON and evaluated with numpy); the answerable model is a logistic
regression on standardised features. Both use a fixed seed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.app.service import Assistant
from assistant.core.arguments import Filters
from assistant.query.evidence import answerable_features
from assistant.query.features import FEATURES, QuestionTerms, collect, featurize, partners_in
from assistant.query.question import analyze
from assistant.query.scorer import ANSWERABLE_FEATURES, SCORER_FILE, Logistic, Scorer, Trees
from bench.common import CACHE_DIR
from bench.xquad_product import QA, SPLITS, build, contains, docs_for, load, para_of

SEED = 13
DATA_FILE = CACHE_DIR / "scorer-data.npz"
TASKS = {  # question languages, indexed languages
    "en->en": (("en",), ("en",)),
    "ar->ar": (("ar",), ("ar",)),
    "en->ar": (("en",), ("ar",)),
    "ar->en": (("ar",), ("en",)),
    "mixed": (("en", "ar"), ("en", "ar")),
}


def candidates_for(a: Assistant, qa: QA) -> tuple[Any, list[Any]]:
    info = analyze(qa.question)
    hits = a.engine.search(qa.question, None, Filters(), info.language)
    cands = collect(hits, a.document_text)
    featurize(cands, QuestionTerms.of(qa.question, a.engine.idf), info.language, info.types)
    return info, cands


def label(c: Any, qa: QA) -> int:
    return int(para_of(c.hit.doc.doc_id) == qa.para and contains(c.text, qa.answers[c.language][0]))


def _groups(a: Assistant, qas: Sequence[QA], task: str, answerable: int, out: dict[str, list]) -> None:
    for qa in qas:
        info, cands = candidates_for(a, qa)
        if not cands:
            continue
        g = len(out["meta"])
        out["meta"].append((task, qa.qid, qa.lang, bool(info.types), bool(partners_in(qa.question)), answerable))
        out["x"] += [c.x for c in cands]
        out["y"] += [label(c, qa) if answerable else 0 for c in cands]
        out["g"] += [g] * len(cands)


def collect_data(paras: dict[str, list[str]], qas: list[QA]) -> dict[str, np.ndarray]:
    """Candidate features of every dev question (five tasks) and of the removed-article probe."""
    arts = list(SPLITS["dev"])
    out: dict[str, list] = {"x": [], "y": [], "g": [], "meta": []}
    for task, (qlangs, ilangs) in TASKS.items():
        a = build(f"dev-{'-'.join(ilangs)}-{arts[0]}-{arts[-1]}", docs_for(paras, arts, ilangs))
        _groups(a, [q for q in qas if q.lang in qlangs], task, 1, out)
        print(f"{task}: {len(out['x'])} candidates so far", file=sys.stderr)
    # The probe in every language setting: a bilingual index, and one language only (cross-language askers).
    for langs in (("en", "ar"), ("en",), ("ar",)):
        for held, kept in ((arts[:12], arts[12:]), (arts[12:], arts[:12])):
            name = f"probe-dev-without-{held[0]}-{held[-1]}" + ("" if len(langs) == 2 else f"-{langs[0]}")
            a = build(name, docs_for(paras, kept, langs))
            _groups(a, [q for q in qas if q.article in held], "probe", 0, out)
    _non_parallel(paras, qas, arts, out)
    meta = np.asarray(out["meta"], dtype=object)
    return {"x": np.stack(out["x"]), "y": np.asarray(out["y"]), "g": np.asarray(out["g"]), "meta": meta}


def _non_parallel(paras: dict[str, list[str]], qas: list[QA], arts: list[int], out: dict[str, list]) -> None:
    """A bilingual archive is not parallel: each article in one language only, answers and probe alike.

    XQuAD alone would teach that a question whose words are missing from the same-language text is
    unanswerable, which is false wherever a fact is reported in one language only.
    """
    en, ar = arts[0::2], arts[1::2]
    docs = {**docs_for(paras, en, ("en",)), **docs_for(paras, ar, ("ar",))}
    _groups(build("dev-nonparallel", docs), qas, "non-parallel", 1, out)
    kept = {**docs_for(paras, en[: len(en) // 2], ("en",)), **docs_for(paras, ar[: len(ar) // 2], ("ar",))}
    held = set(en[len(en) // 2 :]) | set(ar[len(ar) // 2 :])
    _groups(build("probe-dev-nonparallel", kept), [q for q in qas if q.article in held], "probe", 0, out)


def fit(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], c: float = 1.0) -> Logistic:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, solver="liblinear", random_state=SEED, max_iter=1000)
    model.fit((x - mean) / scale, y)
    return Logistic(names, mean, scale, model.coef_[0].astype(np.float64), float(model.intercept_[0]))


def fit_trees(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], depth: int = 3, trees: int = 200) -> Trees:
    """Gradient-boosted trees, exported to the numpy evaluator (and checked against scikit-learn)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(max_depth=depth, max_iter=trees, learning_rate=0.1, random_state=SEED)
    model.fit(x, y)
    roots, cols = [], {k: [] for k in ("feature", "threshold", "left", "right", "leaf", "value")}
    for (predictor,) in model._predictors:
        nodes, base = predictor.nodes, len(cols["feature"])
        roots.append(base)
        cols["feature"] += nodes["feature_idx"].tolist()
        cols["threshold"] += nodes["num_threshold"].tolist()
        cols["left"] += (nodes["left"] + base).tolist()
        cols["right"] += (nodes["right"] + base).tolist()
        cols["leaf"] += nodes["is_leaf"].astype(bool).tolist()
        cols["value"] += nodes["value"].tolist()
    out = Trees(
        names,
        float(np.ravel(model._baseline_prediction)[0]),
        np.asarray(roots),
        np.asarray(cols["feature"]),
        np.asarray(cols["threshold"], dtype=np.float64),
        np.asarray(cols["left"]),
        np.asarray(cols["right"]),
        np.asarray(cols["leaf"], dtype=bool),
        np.asarray(cols["value"], dtype=np.float64),
        depth + 1,
    )
    sample = x[:: max(1, len(x) // 5000)]
    gap = float(np.abs(out.prob(sample) - model.predict_proba(sample)[:, 1]).max())
    assert gap < 1e-6, f"exported trees disagree with scikit-learn by {gap}"
    return out


def ranked_groups(data: dict[str, np.ndarray], prob: np.ndarray) -> list[np.ndarray]:
    """Per question, its candidate row indices ordered by probability (best first)."""
    order = np.lexsort((-prob, data["g"]))
    bounds = np.flatnonzero(np.diff(data["g"][order])) + 1
    return np.split(order, bounds)


def question_rows(data: dict[str, np.ndarray], prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The answerable model's features and labels, one row per question."""

    class _C:  # the few candidate fields answerable_features reads
        def __init__(self, x: np.ndarray, p: float) -> None:
            self.x, self.prob = x, p

    rows, labels = [], []
    for idx in ranked_groups(data, prob):
        _, _, _, typed, named, answerable = data["meta"][data["g"][idx[0]]]
        cands = [_C(data["x"][i], float(prob[i])) for i in idx[:5]]
        rows.append(answerable_features(cands, typed, named))  # type: ignore[arg-type]
        labels.append(answerable)
    return np.stack(rows), np.asarray(labels)


def recall_at(data: dict[str, np.ndarray], prob: np.ndarray, k: int) -> dict[str, float]:
    """Per task: share of answerable questions with an answer-bearing sentence in the top k."""
    hits: dict[str, list[int]] = {}
    for idx in ranked_groups(data, prob):
        task, *_, answerable = data["meta"][data["g"][idx[0]]]
        if answerable:
            hits.setdefault(task, []).append(int(data["y"][idx[:k]].max()))
    return {t: round(sum(v) / len(v), 4) for t, v in hits.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--cached", action="store_true", help="reuse the candidate features of the last run")
    ap.add_argument("--false-abstention", type=float, default=0.03)
    ap.add_argument("--second-ratio", type=float, default=0.0)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.cached and DATA_FILE.is_file():
        with np.load(DATA_FILE, allow_pickle=True) as z:
            data = {k: z[k] for k in z.files}
    else:
        paras, qas = load()
        data = collect_data(paras, [q for q in qas if q.article in SPLITS["dev"]])
        DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(DATA_FILE, **data)
    answerable = np.asarray([bool(m[5]) for m in data["meta"]])[data["g"]]
    sent = fit_trees(data["x"][answerable], data["y"][answerable], FEATURES)
    prob = sent.prob(data["x"])
    baseline = data["x"][:, FEATURES.index("specificity")]
    ax, ay = question_rows(data, prob)
    ans = fit(ax, ay, ANSWERABLE_FEATURES)
    p = ans.prob(ax)
    cut = float(np.quantile(p[ay == 1], args.false_abstention))
    meta = {
        "trained_on": "XQuAD dev split (articles 0-23), all questions, ar and en, five tasks, removed-article probe",
        "command": "python -m bench.train_scorer",
        "seed": SEED,
        "sentence_examples": int(answerable.sum()),
        "sentence_positives": int(data["y"].sum()),
        "answerable_examples": len(ay),
        "dev_top1": recall_at(data, prob, 1),
        "dev_top2": recall_at(data, prob, 2),
        "dev_top1_specificity_only": recall_at(data, baseline, 1),
        "dev_false_abstention": args.false_abstention,
        "dev_probe_abstained": round(float((p[ay == 0] < cut).mean()), 4),
    }
    print(json.dumps(meta, indent=1), f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    for name, w in zip(ANSWERABLE_FEATURES, ans.coef, strict=True):
        print(f"  answerable {name:16s} {w:+.3f}", file=sys.stderr)
    if not args.dry_run:
        Scorer(sent, ans, cut, args.second_ratio, meta).dump(SCORER_FILE)
        print(f"wrote {SCORER_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
