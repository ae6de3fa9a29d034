"""Property-based tests: normalisation, chunk offsets, and the HTML renderer's escaping."""

import html.parser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.core.records import Citation
from assistant.core.text import normalize_arabic, normalize_with_offsets, sentence_spans, tokenize
from ingest.chunk import SentenceChunker
from ingest.clean import clean
from ui.render import Turn, render_chat, render_document, render_sources

ARABIC = st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)
TEXTISH = st.one_of(ARABIC, st.characters(codec="utf-8"), st.sampled_from(list(" .،؛؟!?\n\t<>&\"'[]0123456789")))
texts = st.text(alphabet=TEXTISH, max_size=600)


@given(texts)
def test_normalisation_is_idempotent_and_offsets_map_back(t):
    n = normalize_arabic(t)
    assert normalize_arabic(n) == n
    norm, index = normalize_with_offsets(t)
    assert norm == n and len(index) == len(norm) + 1
    assert all(0 <= i < len(t) for i in index[:-1]) and index == sorted(index)
    tokenize(t)  # never raises


@given(texts)
def test_sentence_spans_are_ordered_trimmed_and_inside_the_text(t):
    prev = 0
    for a, b in sentence_spans(t):
        assert prev <= a < b <= len(t)
        assert t[a:b] == t[a:b].strip()
        prev = b


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.integers(min_value=8, max_value=200), st.integers(min_value=0, max_value=40))
def test_chunk_offsets_map_back_and_no_text_is_lost(t, max_tokens, overlap):
    regions = clean(t).spans
    ch = SentenceChunker(max_tokens=max_tokens, overlap_tokens=overlap)
    chunks = ch.chunk(t, regions)
    covered = {s for c in chunks for s in c.sentences}
    for c in chunks:
        assert 0 <= c.start < c.end <= len(t)
        for a, b in c.sentences:
            assert c.start <= a < b <= c.end and t[a:b].strip()
    # every content sentence (or its word-window pieces) lands in some chunk
    for a, b, *_ in ch._units(t, regions):
        assert (a, b) in covered
    # and every non-space character of the content regions is inside a chunk sentence
    inside = [False] * len(t)
    for a, b in covered:
        for i in range(a, b):
            inside[i] = True
    for ra, rb in regions:
        for i in range(ra, rb):
            assert inside[i] or t[i].isspace() or i in _between_sentences(t, ra, rb)


def _between_sentences(t, ra, rb):
    spans = sentence_spans(t, ra, rb)
    covered = {i for a, b in spans for i in range(a, b)}
    return {i for i in range(ra, rb) if i not in covered}


ALLOWED_TAGS = {"div", "p", "a", "section", "h4", "details", "summary", "span", "mark", "article", "h3"}


class _Audit(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(tag)
        for k, v in attrs:
            if k.startswith("on") or (k == "href" and v and not v.startswith("#")) or k in ("src", "style"):
                self.problems.append(f"{tag}@{k}")


def _audit(markup: str) -> list[str]:
    a = _Audit()
    a.feed(markup)
    return a.problems


PAYLOADS = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "</p>",
        "<img src=x onerror=alert(1)>",
        "javascript:",
        "[1]",
        '"><svg onload=1>',
        "&lt;",
        "<a href='http://evil'>x</a>",
        "<iframe src=//evil>",
    ]
)
hostile = st.lists(st.one_of(st.text(alphabet=TEXTISH, max_size=40), PAYLOADS), max_size=8).map("".join)


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(hostile, hostile, hostile, st.sampled_from(["ar", "en"]))
def test_renderer_never_emits_unescaped_html(question, answer, doc_text, lang):
    start = min(len(doc_text), 3)
    c = Citation(
        1,
        "d<1>.txt",
        "<b>src</b>",
        answer[:40],
        lang,
        doc_text[start:],
        start,
        len(doc_text),
        1.0,
        date="<i>2024</i>",
        translation_of='x"onmouseover=1',
    )
    turns = [Turn(question, answer + " [1] [9]", [c], abstained=False, related=False, language=lang)]
    for markup in (
        render_chat(turns, lang),
        render_sources(turns, {"d<1>.txt": doc_text}, lang),
        render_document(question, doc_text, [answer]),
    ):
        assert _audit(markup) == []
