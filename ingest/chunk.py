"""Chunk stage: sentence-aware chunks under a model-token budget, with exact offsets.

Sentences (Arabic ، ؛ ؟ . and English punctuation, line breaks) are packed into
chunks of at most ``max_tokens`` model tokens; consecutive chunks share up to
``overlap_tokens`` of whole sentences. Each chunk and each of its sentences keeps
character offsets into the original text, so a citation can highlight its span.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from langchain_text_splitters import TextSplitter

from assistant.core.text import sentence_spans, squash_whitespace, strip_invisible

TokenCounter = Callable[[str], int]


def approx_tokens(text: str) -> int:
    """A tokenizer-free estimate (XLM-R averages ~1.4 tokens per Arabic or English word)."""
    return int(len(text.split()) * 1.4) + 1


@dataclass
class ChunkSpan:
    start: int
    end: int
    text: str  # what is embedded and indexed: the chunk's sentences, whitespace normalised
    sentences: list[tuple[int, int]] = field(default_factory=list)


def display_text(original: str, start: int, end: int) -> str:
    return squash_whitespace(strip_invisible(original[start:end]))


_WORD = re.compile(r"\S+")


def _split_by_budget(text: str, a: int, b: int, budget: int, count: TokenCounter) -> list[tuple[int, int]]:
    """Cut a span with no usable punctuation into word windows under the budget."""
    words = [(m.start() + a, m.end() + a) for m in _WORD.finditer(text[a:b])]
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        j = i + 1
        while j < len(words) and count(text[words[i][0] : words[j][1]]) <= budget:
            j += 1
        out.append((words[i][0], words[j - 1][1]))
        i = j
    return out


class SentenceChunker(TextSplitter):
    """Packs sentences into token-bounded chunks; also usable as a LangChain ``TextSplitter``."""

    def __init__(
        self, max_tokens: int = 320, overlap_tokens: int = 40, count_tokens: TokenCounter | None = None
    ) -> None:
        super().__init__(chunk_size=max_tokens, chunk_overlap=min(overlap_tokens, max_tokens - 1))
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens
        self.count = count_tokens or approx_tokens

    def split_text(self, text: str) -> list[str]:
        return [c.text for c in self.chunk(text)]

    def _units(self, text: str, regions: Sequence[tuple[int, int]]) -> list[tuple[int, int, int, bool]]:
        """(start, end, tokens, starts_paragraph) for every sentence in the content regions."""
        units = []
        for ra, rb in regions:
            para_start = True
            for a, b in sentence_spans(text, ra, rb):
                seg = text[a:b]
                n = self.count(seg)
                pieces = [(a, b)] if n <= self.max_tokens else _split_by_budget(text, a, b, self.max_tokens, self.count)
                for pa, pb in pieces:
                    units.append((pa, pb, n if len(pieces) == 1 else self.count(text[pa:pb]), para_start))
                    para_start = False
                # a line break inside the region also starts a paragraph
                para_start = "\n" in text[b : b + 2]
        return units

    def chunk(self, text: str, regions: Sequence[tuple[int, int]] | None = None) -> list[ChunkSpan]:
        """Chunk the content ``regions`` of ``text`` (all of it by default); chunks never cross regions."""
        regions = list(regions) if regions is not None else [(0, len(text))]
        chunks: list[ChunkSpan] = []
        for region in regions:
            chunks.extend(self._chunk_region(text, self._units(text, [region])))
        return chunks

    def _chunk_region(self, text: str, units: list[tuple[int, int, int, bool]]) -> list[ChunkSpan]:
        out: list[ChunkSpan] = []
        cur: list[tuple[int, int, int, bool]] = []
        total = 0
        new_since_emit = False

        def emit() -> None:
            sents = [(a, b) for a, b, _, _ in cur]
            body = " ".join(display_text(text, a, b) for a, b in sents)
            out.append(ChunkSpan(sents[0][0], sents[-1][1], body, sents))

        for unit in units:
            n = unit[2]
            # Prefer paragraph boundaries once a chunk is reasonably full.
            boundary = unit[3] and total >= 0.6 * self.max_tokens
            if cur and new_since_emit and (total + n > self.max_tokens or boundary):
                emit()
                keep: list[tuple[int, int, int, bool]] = []
                kept = 0
                for u in reversed(cur):
                    if kept + u[2] > self.overlap_tokens or kept + u[2] + n > self.max_tokens or boundary:
                        break
                    keep.insert(0, u)
                    kept += u[2]
                cur, total = keep, kept
                new_since_emit = False
            cur.append(unit)
            total += n
            new_since_emit = True
        if cur and new_since_emit:
            emit()
        return out
