import itertools

from ingest.chunk import SentenceChunker, approx_tokens
from ingest.clean import clean
from tests.helpers import CORPUS


def test_chunks_respect_budget_and_offsets_on_corpus():
    ch = SentenceChunker(max_tokens=120, overlap_tokens=20)
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        regions = clean(text).spans
        chunks = ch.chunk(text, regions)
        assert chunks
        for c in chunks:
            assert approx_tokens(c.text) <= 120 + 5 or len(c.sentences) == 1
            assert c.sentences[0][0] == c.start and c.sentences[-1][1] == c.end
            for a, b in c.sentences:
                assert text[a:b].strip() == text[a:b]
        # every content sentence is in some chunk (no text lost)
        covered = {s for c in chunks for s in c.sentences}
        units = {u[:2] for u in ch._units(text, regions)}
        assert units <= covered


def test_overlap_repeats_trailing_sentences():
    text = " ".join(f"Sentence number {i} talks about cooperation." for i in range(40))
    chunks = SentenceChunker(max_tokens=60, overlap_tokens=15).chunk(text)
    assert len(chunks) > 2
    shared = [set(a.sentences) & set(b.sentences) for a, b in itertools.pairwise(chunks)]
    assert all(shared)


def test_chunks_never_cross_removed_boilerplate():
    text = (CORPUS / "003_f299f8e0cc481d39.txt").read_text(encoding="utf-8")
    c = clean(text)
    chunks = SentenceChunker(max_tokens=500, overlap_tokens=0).chunk(text, c.spans)
    removed = c.removed[0]
    for ch in chunks:
        assert not (ch.start < removed[1] and removed[0] < ch.end)


def test_unpunctuated_text_is_cut_by_words():
    text = " ".join(["كلمة"] * 1000)
    chunks = SentenceChunker(max_tokens=100, overlap_tokens=0).chunk(text)
    assert len(chunks) >= 10
    assert all(approx_tokens(c.text) <= 101 for c in chunks)


def test_is_a_langchain_text_splitter():
    from langchain_text_splitters import TextSplitter

    ch = SentenceChunker(max_tokens=50, overlap_tokens=0)
    assert isinstance(ch, TextSplitter)
    docs = ch.create_documents(["One sentence here. Another one there."])
    assert docs[0].page_content.startswith("One sentence")
