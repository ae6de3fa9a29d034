"""The answer chain as one LangChain runnable: question -> :class:`Answer` with its citations.

Input: {"question": str, "history": [(user, assistant), ...], "filters": Filters | dict | None}.

:class:`AnswerRunnable` answers list questions from the register; any other question goes through
its ``prepare`` runnable (analyse -> resolve follow-ups -> retrieve through the ``BaseRetriever`` ->
select -> compose, giving :class:`Prepared`), then the generator and the citations. ``invoke``
returns the Answer; ``stream`` yields the answer text in pieces, then the Answer, always last.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from langchain_core.runnables.config import (
    ensure_config,
    get_callback_manager_for_config,
    patch_config,
    set_config_context,
)

from assistant.core.arguments import Filters
from assistant.core.catalog import Catalog
from assistant.core.messages import message
from assistant.core.protocols import Evidence, Generator
from assistant.core.records import Answer
from assistant.core.settings import AnswerSettings
from assistant.core.text import detect_language
from assistant.query import scorer as scoring
from assistant.query.agreements import register_answer
from assistant.query.cite import build_citations
from assistant.query.compose import Composed, compose
from assistant.query.evidence import select
from assistant.query.question import Part, QuestionInfo, analyze, contextualize
from assistant.query.retrieve import Hit, HybridRetriever, SearchEngine, doc_map, hits_of
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
    """The learned selector's retrieval half; ``preparation()`` is its LCEL form (input -> Prepared)."""

    def __init__(
        self,
        retriever: HybridRetriever,
        catalog: Catalog,
        cfg: AnswerSettings,
        text_of: Callable[[str], str],
        scorer: Scorer | None = None,
    ) -> None:
        self.retriever, self.catalog, self.cfg, self.text_of = retriever, catalog, cfg, text_of
        self.engine: SearchEngine = retriever.engine
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

    def retrieve(self, query: str, filters: Filters, language: str, config: RunnableConfig | None) -> list[Hit]:
        """Through the retriever's LangChain interface, with this question's filters and language."""
        return hits_of(self.retriever.invoke(query, config, filters=filters, language=language))

    def prepare(self, x: dict[str, Any], config: RunnableConfig | None = None) -> Prepared:
        info, standalone = resolve(x["question"], x.get("history") or [], self.cfg.history_turns)
        t0 = time.perf_counter()
        hits = [] if info.junk else self.retrieve(standalone, x.get("filters") or Filters(), info.language, config)
        t1 = time.perf_counter()
        sel = select(info, standalone, hits, self.text_of, self.engine.idf, self.cfg, self.scorer)
        lead = None if sel.abstain else compose(sel, info.language, self.twin_text, self.records_of)
        t2 = time.perf_counter()
        timings = {"retrieve": (t1 - t0) * 1000, "select": (t2 - t1) * 1000}
        return Prepared(x["question"], info.language, standalone, hits, sel, timings, lead)

    def preparation(self) -> Runnable[dict[str, Any], Prepared]:
        chain: Runnable[dict[str, Any], Prepared] = RunnableLambda(self.prepare, name="taawun_prepare")
        return chain


class AnswerRunnable(Runnable[dict[str, Any], Answer]):
    """The whole answer path as one Runnable; ``.batch`` is LangChain's (``invoke`` on a thread pool).

    ``prepare`` is the retrieval half (the learned :class:`AnswerChain` or the rules baseline);
    ``related`` picks an abstention's related passages from that selector's candidates.
    ``generator`` is called when a question first needs it: a list question answered from the
    register never builds one. ``astream`` is LangChain's default: it yields the Answer only.
    """

    name = "taawun_answer"

    def __init__(
        self,
        prepare: Runnable[dict[str, Any], Prepared],
        generator: Callable[[], Generator],
        *,
        engine: SearchEngine,
        catalog: Catalog,
        text_of: Callable[[str], str],
        related: Callable[[Sequence[Any]], list[Evidence]],
    ) -> None:
        self.prepare, self._generator, self.engine, self.catalog = prepare, generator, engine, catalog
        self.text_of, self.related = text_of, related

    def invoke(self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        *_, final = self.stream(input, config, **kwargs)
        assert isinstance(final, Answer)
        return final

    # LangChain types stream items as the output; this chain's are the answer's text pieces, then the Answer.
    def stream(  # type: ignore[override]
        self,
        input: dict[str, Any],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Iterator[str | Answer]:
        config = ensure_config(config)
        run = get_callback_manager_for_config(config).on_chain_start(
            None, input, name=config.get("run_name") or self.get_name(), run_id=config.pop("run_id", None)
        )
        final: str | Answer | None = None
        child = patch_config(config, callbacks=run.get_child())
        try:
            # Each step runs in a context holding the child config, so a chat model the generator
            # calls without a config still reports its run under this chain's.
            with set_config_context(child) as context:
                steps = self._answer(input, child)
                while (item := context.run(next, steps, None)) is not None:
                    final = item
                    yield item
        except BaseException as exc:
            run.on_chain_error(exc)
            raise
        run.on_chain_end(final)

    def _answer(self, x: dict[str, Any], config: RunnableConfig) -> Iterator[str | Answer]:
        t0 = time.perf_counter()
        raw = x.get("filters")
        f = raw if isinstance(raw, Filters) else Filters.from_dict(raw)
        register = self._from_register(x["question"], f, t0)
        if register is not None:
            yield from register
            return
        p = self.prepare.invoke({**x, "filters": f}, config)
        yield from self._abstained(p, t0) if p.selection.abstain else self._generated(p, t0)

    def _from_register(self, q: str, f: Filters, t0: float) -> list[str | Answer] | None:
        """List questions ("which MoUs has Egypt signed?") are answered completely from the register."""
        lang = detect_language(q) or "en"
        allowed = self.engine.allowed_docs(f)  # the same filters as retrieval: documents, dates, partners, language
        got = register_answer(self.catalog, q, lang, allowed)
        if got is None:
            return None
        text, evidence = got
        docs = {d.doc_id: d for d in self.catalog.documents()}
        cites = build_citations(evidence, docs, self.text_of)
        ms = (time.perf_counter() - t0) * 1000
        return [text, Answer(q, lang, text, False, cites, {"register": ms, "total": ms}, generator="register")]

    def _abstained(self, p: Prepared, t0: float) -> Iterator[str | Answer]:
        sel = p.selection
        related = self.related(sel.candidates)
        text = message("abstain", p.language)
        if related:
            text += " " + message("related", p.language) + " " + " ".join(f"[{e.n}]" for e in related)
        yield text
        timings = {**p.timings_ms, "generate": 0.0, "total": (time.perf_counter() - t0) * 1000}
        cites = build_citations(related, doc_map(p.hits), self.text_of)
        yield Answer(
            p.question,
            p.language,
            text,
            True,
            cites,
            timings,
            status="abstained",
            related=True,
            standalone=p.standalone,
            generator=self._generator().name,
            notes=[sel.reason],
        )

    def _generated(self, p: Prepared, t0: float) -> Iterator[str | Answer]:
        sel, composed, generator = p.selection, p.lead, self._generator()
        tg = time.perf_counter()
        lead = composed.lead if composed is not None else None
        result = yield from generator.generate(p.question, p.language, sel.evidence, lead=lead)
        timings = dict(p.timings_ms)
        timings["generate"] = (time.perf_counter() - tg) * 1000
        timings["total"] = (time.perf_counter() - t0) * 1000
        if result.abstained:
            text = message("abstain", p.language)
            yield Answer(
                p.question,
                p.language,
                text,
                True,
                [],
                timings,
                status="abstained",
                standalone=p.standalone,
                generator=generator.name,
                notes=result.notes,
            )
            return
        cites = build_citations(sel.evidence, doc_map(p.hits), self.text_of, used=result.used or None)
        yield Answer(
            p.question,
            p.language,
            result.text,
            False,
            cites,
            timings,
            standalone=p.standalone,
            generator=generator.name,
            notes=result.notes,
            short=composed.short if composed is not None else None,
        )
