"""The README's "Using Ta'awun from LangChain" runs as written: its code blocks are read from README.md.

The fast test runs the blocks after the first (which opens the configured index) over the founding
corpus indexed with the fake embedder; the slow one runs every block, the first included, over the
corpus indexed with the real e5 model.
"""

from __future__ import annotations

import re

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage

from assistant.core.records import Answer
from tests.helpers import ROOT

SECTION = "## Using Ta'awun from LangChain"
REPLY = "They open the way to exchanging experiences [1]."


class Prompts(BaseCallbackHandler):
    def __init__(self) -> None:
        self.seen: list[list[BaseMessage]] = []

    def on_chat_model_start(self, serialized, messages, **kw):
        self.seen.extend(messages)


def readme_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def run_blocks(blocks: list[str], namespace: dict[str, object]) -> dict[str, object]:
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # the README's own code, as written
    return namespace


def check(ns: dict[str, object], taawun, printed: str) -> None:
    assert REPLY in printed  # the user's chain ran to the end, through their (fake) model
    # the retriever filled the prompt the model got with the numbered English passages and their ids
    prompts = Prompts()
    assert ns["rag"].invoke(ns["question"], {"callbacks": [prompts]}) == REPLY  # type: ignore[attr-defined]
    docs = ns["retriever"].invoke(ns["question"])  # type: ignore[attr-defined]
    assert docs and all(d.metadata["language"] == "en" for d in docs)
    system = prompts.seen[0][0].content
    for i, d in enumerate(docs, 1):
        assert f"[{i}] ({d.metadata['doc_id']}) {d.page_content}" in system
    answer = ns["answer"]
    assert isinstance(answer, Answer) and answer.citations and not answer.abstained
    assert answer.answer == taawun.ask(ns["question"]).answer
    assert "".join(ns["pieces"]) == answer.answer  # type: ignore[arg-type]
    vector = ns["vector"]
    assert isinstance(vector, list) and len(vector) == taawun.embedder.dim


def test_the_readme_has_the_blocks_this_test_runs():
    blocks = readme_blocks()
    assert len(blocks) == 3
    assert "build_assistant(load_settings())" in blocks[0] and "taawun.retriever(" in blocks[1]


def test_a_langchain_user_plugs_the_retriever_into_their_own_chain(indexed, capsys):
    ns = run_blocks(readme_blocks()[1:], {"taawun": indexed})
    check(ns, indexed, capsys.readouterr().out)


@pytest.mark.integration
@pytest.mark.slow
def test_the_whole_readme_section_over_the_real_model(corpus_index, monkeypatch, capsys):
    monkeypatch.setenv("TAAWUN_SOURCES_DIR", str(corpus_index.sources_dir))
    monkeypatch.setenv("TAAWUN_INDEX_DIR", str(corpus_index.index_dir))
    ns = run_blocks(readme_blocks(), {})
    taawun = ns["taawun"]
    assert taawun.settings.index_dir == corpus_index.index_dir  # type: ignore[attr-defined]
    check(ns, taawun, capsys.readouterr().out)
