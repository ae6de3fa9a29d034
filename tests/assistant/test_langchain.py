"""The answer path as LangChain parts: one Runnable to the Answer, the BaseRetriever on its way, Embeddings.

Over the founding corpus in a real embedded Chroma index, with the deterministic fake embedder.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.runnables import Runnable

from assistant.app.compose import build_assistant
from assistant.core.arguments import Filters
from assistant.core.records import Answer
from assistant.query.generate import LLMGenerator
from assistant.query.retrieve import HitDocument, hits_of
from ingest.embed import E5Embeddings

QUESTION = "What opportunities do bilateral relations provide?"
AR_QUESTION = "مذكرة التفاهم والتعاون في مجال الاتصالات"
AZ = "004_19b3c5eaec262736.txt"


class Runs(BaseCallbackHandler):
    """Records the chain's and the retriever's runs as LangChain reports them."""

    def __init__(self) -> None:
        self.chains: list[str] = []
        self.retrievals: list[tuple[str, list[Document]]] = []
        self._queries: dict[Any, str] = {}

    def on_chain_start(self, serialized, inputs, *, run_id, name=None, **kw):
        self.chains.append(name or "")

    def on_retriever_start(self, serialized, query, *, run_id, **kw):
        self._queries[run_id] = query

    def on_retriever_end(self, documents, *, run_id, **kw):
        self.retrievals.append((self._queries.pop(run_id), list(documents)))


def _same(a: Answer, b: Answer) -> None:
    assert (a.answer, a.abstained, a.status, a.language, a.standalone) == (
        b.answer,
        b.abstained,
        b.status,
        b.language,
        b.standalone,
    )
    assert a.citations == b.citations


def test_the_chain_is_one_runnable_from_the_question_to_the_answer(indexed):
    chain = indexed.chain
    assert isinstance(chain, Runnable)
    x = {"question": QUESTION, "history": [], "filters": Filters()}
    got = chain.invoke(x)
    assert isinstance(got, Answer) and not got.abstained and got.citations
    _same(got, indexed.ask(QUESTION))  # what the UI and the CLI get through the service
    items = list(chain.stream(x))
    assert isinstance(items[-1], Answer) and all(isinstance(i, str) for i in items[:-1])
    assert "".join(items[:-1]) == items[-1].answer  # the extractive pieces, in order
    _same(items[-1], got)
    batch = chain.batch([x, {"question": AR_QUESTION}])
    _same(batch[0], got)
    _same(batch[1], chain.invoke({"question": AR_QUESTION}))


def test_the_chain_retrieves_once_through_the_base_retriever(indexed):
    runs = Runs()
    searches = []
    search = indexed.engine.search

    def counted(*a, **kw):
        searches.append(a)
        return search(*a, **kw)

    indexed.engine.search = counted
    try:
        got = indexed.chain.invoke(
            {"question": QUESTION, "history": [], "filters": Filters(languages=("en",))}, {"callbacks": [runs]}
        )
    finally:
        del indexed.engine.search
    assert runs.chains[0] == "taawun_answer" and "taawun_prepare" in runs.chains
    assert len(runs.retrievals) == 1 and len(searches) == 1  # one search, no second one to rebuild hits
    query, docs = runs.retrievals[0]
    assert query == QUESTION and docs
    assert searches[0][2] == Filters(languages=("en",)) and searches[0][3] == "en"  # filters and language reached it
    assert all(d.metadata["language"] == "en" for d in docs)
    cited = {c.doc_id for c in got.citations}
    assert cited <= {d.metadata["doc_id"] for d in docs}


def test_an_arabic_question_searches_in_arabic_and_a_follow_up_with_its_standalone_form(indexed):
    runs = Runs()
    indexed.chain.invoke({"question": AR_QUESTION, "filters": {"doc_ids": [AZ]}}, {"callbacks": [runs]})
    (_, docs) = runs.retrievals[0]
    assert docs and {d.metadata["doc_id"] for d in docs} <= {AZ, indexed.catalog.document(AZ).translation_of}
    runs = Runs()
    history = [("What did Egypt and Azerbaijan sign?", "An MoU [1].")]
    got = indexed.chain.invoke({"question": "When?", "history": history}, {"callbacks": [runs]})
    assert runs.retrievals[0][0] == got.standalone != "When?"


def test_retriever_documents_carry_plain_metadata_and_their_hit(indexed):
    docs = indexed.retriever(k=4).invoke(AR_QUESTION, language="ar", filters=Filters(doc_ids=(AZ,)))
    assert docs and all(isinstance(d, HitDocument) for d in docs)
    for d in docs:
        m = d.metadata
        json.dumps(m)  # plain data: serialisable, nothing private in it
        assert {"doc_id", "start", "end", "language", "score", "translation_of", "cross"} <= set(m)
        assert d.hit.chunk.id == m["chunk_id"] == d.id and d.hit.doc.doc_id == m["doc_id"]
        assert m["cross"] == (m["language"] != "ar")
        assert d.model_dump()["metadata"] == m and "_hit" not in d.model_dump()
    assert hits_of(docs) == [d.hit for d in docs]
    with pytest.raises(TypeError, match="HitDocument"):
        hits_of([Document(page_content="text from another retriever")])


def test_a_list_question_is_answered_from_the_register_by_the_same_runnable(indexed):
    got = indexed.chain.invoke({"question": "Which MoUs has Egypt signed?"})
    assert got.generator == "register" and got.citations
    _same(got, indexed.ask("Which MoUs has Egypt signed?"))


def test_the_llm_generator_behind_the_chain_takes_a_langchain_chat_model(settings, fake_embedder):
    reply = "Bilateral relations provide opportunities for exchanging experiences [1]."
    model = GenericFakeChatModel(messages=iter([reply]))
    a = build_assistant(settings, embedder=fake_embedder, generator=LLMGenerator(model))
    a.refresh()
    items = list(a.chain.stream({"question": QUESTION}))
    final = items[-1]
    assert isinstance(final, Answer) and final.generator == "llm"
    assert "".join(items[:-1]) == reply  # the model's tokens, streamed as they came
    assert final.answer == reply and [c.n for c in final.citations] == [1]


def test_embeddings_are_langchain_embeddings_over_the_embedder(indexed, fake_embedder):
    emb = indexed.embeddings()
    assert isinstance(emb, Embeddings) and isinstance(emb, E5Embeddings)
    q = emb.embed_query(QUESTION)
    assert isinstance(q, list) and all(type(v) is float for v in q)
    assert np.allclose(q, fake_embedder.embed_query(QUESTION))
    docs = emb.embed_documents(["one passage", "another passage"])
    assert len(docs) == 2 and np.allclose(docs, fake_embedder.embed_passages(["one passage", "another passage"]))


def test_the_rules_baseline_also_retrieves_through_the_base_retriever(indexed):
    indexed.settings.answer.selector = "rules"  # before the chain is first built
    runs = Runs()
    got = indexed.chain.invoke({"question": QUESTION, "filters": Filters(languages=("en",))}, {"callbacks": [runs]})
    assert "select_evidence" in runs.chains  # the rules chain's step, so the baseline really ran
    assert len(runs.retrievals) == 1
    query, docs = runs.retrievals[0]
    assert query == QUESTION and all(d.metadata["language"] == "en" for d in docs)
    assert not got.abstained and {c.doc_id for c in got.citations} <= {d.metadata["doc_id"] for d in docs}


def test_the_chat_model_reports_its_run_under_the_chain(settings, fake_embedder):
    reply = "Bilateral relations provide opportunities for exchanging experiences [1]."
    a = build_assistant(
        settings, embedder=fake_embedder, generator=LLMGenerator(GenericFakeChatModel(messages=iter([reply])))
    )
    a.refresh()

    class Parents(BaseCallbackHandler):
        def __init__(self) -> None:
            self.chain_runs: list[Any] = []
            self.model_parents: list[Any] = []
            self.ended: list[Any] = []

        def on_chain_start(self, serialized, inputs, *, run_id, parent_run_id=None, **kw):
            self.chain_runs.append(run_id)

        def on_chat_model_start(self, serialized, messages, *, run_id, parent_run_id=None, **kw):
            self.model_parents.append(parent_run_id)

        def on_chain_end(self, outputs, *, run_id, parent_run_id=None, **kw):
            if parent_run_id is None:
                self.ended.append(outputs)

    seen = Parents()
    items = list(a.chain.stream({"question": QUESTION}, {"callbacks": [seen]}))
    assert seen.model_parents and seen.model_parents[0] == seen.chain_runs[0]  # nested under taawun_answer
    assert len(seen.ended) == 1 and seen.ended[0] is items[-1]  # the chain's run ends with its Answer
