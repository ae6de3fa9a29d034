"""The answer chain as a LangChain runnable: analyse -> resolve follow-ups -> retrieve -> select -> compose.

Input: {"question": str, "history": [(user, assistant), ...], "filters": Filters | None}.
Output: :class:`Prepared`, which the service hands to the generator.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from assistant.core.arguments import Filters
from assistant.core.catalog import Catalog
from assistant.core.settings import AnswerSettings
from assistant.query import scorer as scoring
from assistant.query.compose import Composed, compose
from assistant.query.evidence import select
from assistant.query.question import Part, QuestionInfo, analyze, contextualize
from assistant.query.retrieve import Hit, SearchEngine
from assistant.query.scorer import Scorer


@dataclass
class Prepared:
    """Everything the generator needs, produced by the retrieval half of the chain."""

    question: str
    language: str
    standalone: str
    hits: list[Hit]
    selection: Any  # evidence.Selection (learned) or rules.Selection (baseline)
    timings_ms: dict[str, float]
    lead: Composed | None = None  # None for the rules baseline and for abstentions


def resolve(question: str, history: Sequence[tuple[str, str]], turns: int) -> tuple[QuestionInfo, str]:
    """The question's analysis, with a follow-up's parts and vagueness judged against the conversation."""
    info = analyze(question)
    standalone = contextualize(question, history, turns)
    if standalone == question:
        return info, standalone
    whole = analyze(standalone)
    parts = info.parts if len(info.parts) > 1 else (Part(standalone, info.parts[0].types),)
    return dataclasses.replace(info, text=standalone, parts=parts, vague=whole.vague), standalone


class AnswerChain:
    """Holds the parts the chain reads; ``runnable()`` is the LCEL form the service invokes."""

    def __init__(
        self,
        engine: SearchEngine,
        catalog: Catalog,
        cfg: AnswerSettings,
        text_of: Callable[[str], str],
        scorer: Scorer | None = None,
    ) -> None:
        self.engine, self.catalog, self.cfg, self.text_of = engine, catalog, cfg, text_of
        self.scorer = scorer or scoring.default_scorer()
        self._records: dict[str, list[dict[str, Any]]] | None = None
        self._records_gen = -1

    def records_of(self, doc_id: str) -> list[dict[str, Any]]:
        gen = self.catalog.generation()
        if self._records is None or gen != self._records_gen:
            recs: dict[str, list[dict[str, Any]]] = {}
            for r in self.catalog.records():
                recs.setdefault(r["doc_id"], []).append(r)
            self._records, self._records_gen = recs, gen
        return self._records.get(doc_id, [])

    def twin_text(self, doc_id: str) -> str | None:
        doc = self.engine.documents.get(doc_id)
        return self.text_of(doc.translation_of) if doc is not None and doc.translation_of else None

    def prepare(self, x: dict[str, Any]) -> Prepared:
        info, standalone = resolve(x["question"], x.get("history") or [], self.cfg.history_turns)
        t0 = time.perf_counter()
        hits = [] if info.junk else self.engine.search(standalone, None, x.get("filters") or Filters(), info.language)
        t1 = time.perf_counter()
        sel = select(info, standalone, hits, self.text_of, self.engine.idf, self.cfg, self.scorer)
        lead = None if sel.abstain else compose(sel, info.language, self.twin_text, self.records_of)
        t2 = time.perf_counter()
        timings = {"retrieve": (t1 - t0) * 1000, "select": (t2 - t1) * 1000}
        return Prepared(x["question"], info.language, standalone, hits, sel, timings, lead)

    def runnable(self) -> Runnable[dict[str, Any], Prepared]:
        chain: Runnable[dict[str, Any], Prepared] = RunnableLambda(self.prepare, name="taawun_prepare")
        return chain
