"""`taawun eval` on the real model stays green: the gold set's scores must not regress below these floors."""

import pytest

from assistant.app.evaluate import load_gold, score, summarize

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_gold_set_meets_its_floors(corpus_assistant):
    items = load_gold()
    assert len(items) >= 40
    assert {i.kind for i in items} == {"ar", "en", "cross", "multi", "unanswerable"}
    results = [score(i, corpus_assistant.ask(i.question)) for i in items]
    s = summarize(items, results)
    failing = [(r.id, r.answer[:80]) for r in results if (r.fact_recall or 0) < 1 and r.kind != "unanswerable"]
    assert s["fact_recall"] >= 0.85, failing
    assert s["citation_precision"] >= 0.9
    assert s["language_match"] >= 0.95
    assert s["abstention_precision"] >= 0.85 and s["abstention_recall"] >= 0.85
    assert s["per_kind"]["cross"]["fact_recall"] >= 0.75


def test_eval_command_writes_a_report(corpus_index, tmp_path, monkeypatch):
    from assistant.app import evaluate

    monkeypatch.setattr(evaluate, "RESULTS_DIR", tmp_path)
    assert evaluate.main(corpus_index, out="eval-test") == 0
    md = (tmp_path / "eval-test.md").read_text(encoding="utf-8")
    assert "fact recall" in md and "abstention precision" in md and (tmp_path / "eval-test.json").exists()
