"""Issue 14, item 3: a literal [n] in document text never becomes a citation link."""

from __future__ import annotations

import re

from assistant.core.records import Citation
from ui.render import Turn, render_chat


def cite(n: int, snippet: str) -> Citation:
    return Citation(n, f"doc{n}.txt", f"doc{n}.txt", "T", "en", snippet, 0, len(snippet), 1.0)


def links(html: str) -> list[str]:
    return re.findall(r'<a class="cite"[^>]*data-n="(\d+)"', html)


def test_a_marker_quoted_from_a_document_stays_text() -> None:
    doc = "The ministry cites its 2023 report [1] and promises 400 new post offices."
    turn = Turn("q", f"{doc} [1]", [cite(1, doc)])
    html = render_chat([turn], "en")
    assert links(html) == ["1"]  # only the composer's marker, after the quote
    assert html.count("[1]") == 2 and "report [1] and" in html


def test_forged_markers_at_either_end_of_a_quote() -> None:
    starts = "[2] Egypt and Ghana agree on postal hubs."
    ends = "Ghana will host the hub [1]"
    turn = Turn("q", f"{starts} [1]\n{ends} [2]", [cite(1, starts), cite(2, ends)])
    assert links(render_chat([turn], "en")) == ["1", "2"]


def test_a_quote_with_collapsed_whitespace_is_still_recognised() -> None:
    snippet = "Footnote   [3]\nsays the MoU runs to 2027."
    turn = Turn("q", "Footnote [3] says the MoU runs to 2027. [1]", [cite(1, snippet), cite(3, "other")])
    assert links(render_chat([turn], "en")) == ["1"]


def test_composer_markers_between_quotes_stay_links() -> None:
    a, b = "Egypt signed an MoU with Azerbaijan in June 2024.", "It covers digital transformation."
    turn = Turn("q", f"{a} [1] {b} [2]", [cite(1, a), cite(2, b)])
    assert links(render_chat([turn], "en")) == ["1", "2"]
    # a marker that points at no citation of this answer is text, as before
    assert links(render_chat([Turn("q", f"{a} [7]", [cite(1, a)])], "en")) == []
