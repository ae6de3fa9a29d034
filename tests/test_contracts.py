"""Every Embedder, Index and Generator backend, and the fakes other tests rely on, run the contract suites."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from assistant.core.store import ChromaIndex, MemoryIndex
from assistant.query.generate import ExtractiveGenerator, LLMGenerator
from ingest.embed import CachedEmbedder
from tests.assistant.test_retrieve import DictionaryEmbedder
from tests.contracts import EmbedderContract, GeneratorContract, IndexContract
from tests.helpers import HashEmbedder, free_port, start_chroma


# --- Embedder -------------------------------------------------------------------------------------
class TestHashEmbedder(EmbedderContract):
    @pytest.fixture
    def embedder(self) -> HashEmbedder:
        return HashEmbedder()


class TestDictionaryEmbedder(EmbedderContract):
    @pytest.fixture
    def embedder(self) -> HashEmbedder:
        return DictionaryEmbedder()


class TestCachedEmbedder(EmbedderContract):
    @pytest.fixture
    def embedder(self, tmp_path: Path) -> CachedEmbedder:
        return CachedEmbedder(HashEmbedder(), tmp_path / "vectors.sqlite")

    def test_a_cached_passage_is_not_encoded_again(self, tmp_path: Path) -> None:
        inner = HashEmbedder()
        first = CachedEmbedder(inner, tmp_path / "vectors.sqlite").embed_passages(["a text", "another"])
        again = CachedEmbedder(inner, tmp_path / "vectors.sqlite").embed_passages(["another", "a text"])
        assert inner.passages_encoded == 2
        assert (again[::-1] == first).all()


@pytest.mark.slow
@pytest.mark.integration
class TestE5Embedder(EmbedderContract):
    @pytest.fixture
    def embedder(self, real_embedder: Any) -> Any:
        return real_embedder


# --- Index ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    proc = start_chroma(tmp_path_factory.mktemp("chroma-server"), port)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


class TestMemoryIndex(IndexContract):
    @pytest.fixture
    def index(self) -> MemoryIndex:
        return MemoryIndex(self.dim)


class TestEmbeddedChroma(IndexContract):
    @pytest.fixture
    def index(self, tmp_path: Path) -> ChromaIndex:
        return ChromaIndex.embedded(tmp_path / "chroma", "contract")


@pytest.mark.integration
class TestChromaServer(IndexContract):
    @pytest.fixture
    def index(self, chroma_server: str) -> ChromaIndex:
        return ChromaIndex.server(chroma_server, f"contract-{time.time_ns()}")


# --- Generator ------------------------------------------------------------------------------------
class LanguageAwareChatModel(BaseChatModel):
    """A fake chat model that answers, with a citation, in the language the system prompt asks for."""

    fail: bool = False

    @property
    def _llm_type(self) -> str:
        return "contract-fake"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        if self.fail:
            raise ConnectionError("server down")
        wanted = re.search(r"Write the answer in (\w+)", str(messages[0].content))
        arabic = wanted is not None and wanted.group(1) == "Arabic"
        reply = "تتناول المصادر هذا الاتفاق [1]." if arabic else "The sources describe this agreement [1]."
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])


class TestExtractiveGenerator(GeneratorContract):
    @pytest.fixture
    def generator(self) -> ExtractiveGenerator:
        return ExtractiveGenerator()


class TestLLMGenerator(GeneratorContract):
    @pytest.fixture
    def generator(self) -> LLMGenerator:
        return LLMGenerator(LanguageAwareChatModel(), ExtractiveGenerator())


class TestLLMGeneratorWithAFailingServer(GeneratorContract):
    @pytest.fixture
    def generator(self) -> LLMGenerator:
        return LLMGenerator(LanguageAwareChatModel(fail=True), ExtractiveGenerator())


class TestLLMGeneratorWithAnUncitedReply(GeneratorContract):
    @pytest.fixture
    def generator(self) -> LLMGenerator:
        # never validated (no citation), so every answer falls back to the grounded quote
        replies = iter([AIMessage(content="Egypt is great.")] * 10)
        return LLMGenerator(GenericFakeChatModel(messages=replies), ExtractiveGenerator())
