"""The app in a real headless Chromium (Debian's, driven by Playwright; never `playwright install`)."""

import re
from pathlib import Path

import pytest

from tests.helpers import ARTIFACTS
from tests.ui.conftest import ADMIN_TOKEN

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is required for browser tests: apt-get install chromium (make browser-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A page with its console errors and any request that leaves 127.0.0.1."""

    def __init__(self, browser, url, locale="en-US"):
        self.ctx = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1000})
        self.page = self.ctx.new_page()
        self.errors: list[str] = []
        self.outbound: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.failed: list[str] = []  # HTTP errors, to say which request a console error is about
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        self.page.on(
            "request",
            lambda r: (
                self.outbound.append(r.url)
                if not re.match(r"^(https?://127\.0\.0\.1[:/]|data:|blob:)", r.url)
                else None
            ),
        )
        self.page.goto(url, wait_until="load")
        self.page.wait_for_selector("#question textarea", timeout=60_000)
        self.page.wait_for_timeout(1500)  # the load event sets the interface language

    def ask(self, question: str) -> None:
        before = self.page.locator("#chat .msg.bot").count()
        self.page.fill("#question textarea", question)
        self.page.click("#ask")
        self.page.wait_for_function(
            f"document.querySelectorAll('#chat .msg.bot').length > {before} && !document.querySelector('#chat .msg.bot.pending')",
            timeout=90_000,
        )

    def last_answer(self):
        return self.page.locator("#chat .msg.bot").last

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.ctx.close()


def test_english_and_arabic_questions_with_clickable_citations(browser, served_app):
    p = Page(browser, served_app["url"])
    p.ask("What does Egypt Post offer participating countries on its platform?")
    ans = p.last_answer()
    assert ans.locator("a.cite").count() >= 1
    assert "ببناء واستضافة وصيانة المواقع" in ans.inner_text()
    # the passage is hidden until its marker is clicked, then shown with the cited span highlighted
    source = p.page.locator("#sources details.source").first
    assert not source.evaluate("d => d.open")
    ans.locator("a.cite").first.click()
    p.page.wait_for_function("!!document.querySelector('#sources details.source[open] mark')")
    mark = p.page.locator("#sources details.source[open] mark").first
    assert mark.is_visible() and "ببناء واستضافة" in mark.inner_text()
    assert mark.evaluate("m => getComputedStyle(m.closest('.passage')).direction") == "rtl"
    p.shot("chat-english")

    p.ask("متى تم توقيع مذكرة التفاهم بين مصر وأذربيجان؟")
    ans = p.last_answer()
    assert "يونيو 2024" in ans.inner_text() and ans.locator("a.cite").count() >= 1
    para = ans.locator("p").first
    assert (
        para.evaluate("e => getComputedStyle(e).direction") == "rtl"
        or para.evaluate("e => getComputedStyle(e).unicodeBidi") == "plaintext"
    )
    # mixed chat: the English question still reads left to right
    q_en = p.page.locator("#chat .msg.user p").first
    assert q_en.evaluate("e => getComputedStyle(e).unicodeBidi") == "plaintext"
    p.shot("chat-arabic")
    assert p.errors == [] and p.outbound == []
    p.close()


def test_unanswerable_question_is_visibly_different(browser, served_app):
    p = Page(browser, served_app["url"])
    p.ask("What is the budget of the Egypt–Azerbaijan MoU?")
    ans = p.last_answer()
    assert "abstained" in ans.get_attribute("class")
    assert "The sources do not say" in ans.inner_text()
    assert p.page.locator("#sources section.related").count() == 1
    p.shot("chat-abstained")
    p.close()


def test_interface_follows_browser_locale_and_switches(browser, served_app):
    p = Page(browser, served_app["url"], locale="ar-EG")
    assert p.page.evaluate("document.documentElement.dir") == "rtl"
    assert p.page.get_by_role("button", name="اسأل").count() == 1
    p.page.click("#lang-switch")
    p.page.wait_for_function("document.documentElement.dir === 'ltr'")
    assert p.page.get_by_role("button", name="Ask").count() == 1
    p.shot("interface-switched")
    p.close()


def test_editor_uploads_a_release_then_chat_answers_from_it(browser, served_app, tmp_path):
    p = Page(browser, served_app["url"])
    p.page.get_by_role("tab", name="Refresh the index").click()
    release = tmp_path / "egypt_kenya_release.txt"
    release.write_text(
        "Egypt and Kenya sign a memorandum of understanding on digital skills\n\n"
        "The Egyptian Minister of Communications and the Kenyan Cabinet Secretary for ICT signed a memorandum of "
        "understanding in Nairobi in March 2025 to train 5,000 young Kenyan programmers in cloud computing.\n",
        encoding="utf-8",
    )
    # a wrong token is refused, nothing is added; the upload itself is refused before it is stored
    p.page.fill("#token input", "wrong")
    with p.page.expect_response(re.compile(r"/gradio_api/upload")) as refused:
        p.page.set_input_files("#upload input[type=file]", str(release))
    assert refused.value.status == 403
    p.page.click("#add-files")
    p.page.wait_for_selector("#report .notice.error", timeout=30_000)
    assert "Wrong admin token" in p.page.inner_text("#report")
    assert served_app["assistant"].document(release.name) is None
    p.page.fill("#token input", ADMIN_TOKEN)
    with p.page.expect_response(re.compile(r"/gradio_api/upload")) as accepted:
        p.page.set_input_files("#upload input[type=file]", str(release))
    assert accepted.value.status == 200
    p.page.wait_for_timeout(500)
    p.page.click("#add-files")
    p.page.wait_for_selector("#report table.report tr.added", timeout=180_000)
    assert release.name in p.page.inner_text("#report")
    p.shot("editor-added")
    p.page.get_by_role("tab", name="Chat").click()
    p.ask("How many Kenyan programmers will be trained under the Egypt–Kenya MoU?")
    ans = p.last_answer()
    assert "5,000" in ans.inner_text()
    ans.locator("a.cite").first.click()
    p.page.wait_for_function("!!document.querySelector('#sources details.source[open]')")
    assert release.name in p.page.locator("#sources details.source[open]").first.inner_text()
    # The only failed requests are the refused upload and Gradio's progress polls of uploads: a poll that
    # opens before its upload is tracked (refused, or held by the backoff) gets a 404, logged in the console.
    assert all(re.search(r"/gradio_api/upload(_progress)?\?upload_id=", f) for f in p.failed), p.failed
    assert len(p.errors) <= 2 * len(p.failed), p.errors
    p.close()


def test_hostile_document_renders_as_text(browser, served_app):
    a = served_app["assistant"]
    payload = (
        "Egypt signed a cooperation agreement with Ghana on postal services in 2025. "
        '<script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2"> '
        "Ghana will host the regional postal hub."
    )
    a.add_files(
        [
            (
                "ghana_release.html",
                f"<html><body><p>{payload}</p><iframe src='http://evil.example'></iframe></body></html>".encode(),
            )
        ]
    )
    a.add_files(
        [
            (
                "accra_note.txt",
                (
                    b"The Accra postal hub opens in 2027 <script>window.__pwned = 3</script> "
                    b'<img src=x onerror="window.__pwned = 4"> with Egyptian support.'
                ),
            )
        ]
    )
    p = Page(browser, served_app["url"])
    p.ask("What did Egypt sign with Ghana on postal services?")
    p.ask("When does the Accra postal hub open?")
    for link in p.page.locator("#chat a.cite").all():
        link.click()
    p.page.wait_for_timeout(1000)
    assert p.page.evaluate("window.__pwned === undefined")
    assert p.page.locator("#chat img, #sources img, #chat script, #sources script, #sources iframe").count() == 0
    text = p.page.inner_text("#sources") + p.page.inner_text("#chat")
    assert "Ghana" in text and "2027" in text
    assert "<script>" in text  # the text document's markup is shown as text
    p.shot("hostile-document")
    p.page.get_by_role("tab", name="Library").click()
    p.page.get_by_role("button", name="Reload").click()
    p.page.wait_for_timeout(1500)
    p.page.locator("#doc-pick input").click()
    p.page.get_by_role("option", name=re.compile("accra_note")).first.click()
    p.page.wait_for_selector("#doc-view .doc-view", timeout=30_000)
    assert "<script>" in p.page.inner_text("#doc-view")  # shown as text, not run
    assert p.page.evaluate("window.__pwned === undefined") and p.outbound == []
    p.close()


def test_agreements_tab_lists_the_register(browser, served_app):
    p = Page(browser, served_app["url"])
    p.page.get_by_role("tab", name="Agreements").click()
    p.page.wait_for_selector("#agreements-table table", timeout=30_000)
    table = p.page.inner_text("#agreements-table")
    for partner in ("Nigeria", "Palestine", "Azerbaijan", "Libya"):
        assert partner in table
    assert p.page.locator("#agreement-evidence mark").count() >= 1
    p.shot("agreements")
    p.close()


# --- issue 14: what users trip on ---------------------------------------------------------------------
def test_enter_sends_and_shift_enter_adds_a_newline(browser, served_app):
    # item 13: Enter used to add a newline and Shift+Enter to send
    p = Page(browser, served_app["url"])
    box = p.page.locator("#question textarea")
    box.click()
    box.type("first line")
    p.page.keyboard.press("Shift+Enter")
    box.type("second line")
    assert box.input_value() == "first line\nsecond line"
    assert p.page.locator("#chat .msg.bot").count() == 0
    box.fill("What does Egypt Post offer participating countries on its platform?")
    box.press("Enter")
    p.page.wait_for_function(
        "document.querySelectorAll('#chat .msg.bot').length === 1 && !document.querySelector('#chat .msg.bot.pending')",
        timeout=90_000,
    )
    assert p.last_answer().locator("a.cite").count() >= 1 and box.input_value() == ""
    assert p.errors == []
    p.close()


def _options(p: Page, dropdown: str) -> str:
    p.page.locator(f"{dropdown} input").click()
    p.page.wait_for_timeout(300)
    text = " ".join(p.page.locator("[role=option]").all_inner_texts())
    p.page.keyboard.press("Escape")
    return text


def test_document_lists_follow_reloads_and_edits(browser, served_app):
    # item 14: the lists kept the documents of the server's start; removing a newer one raised Gradio's
    # raw "not in the list of choices"
    a = served_app["assistant"]
    p = Page(browser, served_app["url"])
    a.add_files([("lists_note.txt", b"Egypt and Oman signed a note on postal codes in 2025.")])
    p.page.reload(wait_until="load")
    p.page.wait_for_selector("#question textarea", timeout=60_000)
    p.page.wait_for_timeout(2000)
    p.page.get_by_role("tab", name="Library").click()
    assert "lists_note.txt" in _options(p, "#doc-pick")
    p.page.get_by_role("tab", name="Refresh the index").click()
    p.page.fill("#token input", ADMIN_TOKEN)
    p.page.locator("#remove-pick input").click()
    p.page.get_by_role("option", name=re.compile("lists_note")).first.click()
    p.page.click("#remove")
    p.page.wait_for_selector("#report table.report tr.removed", timeout=120_000)
    p.page.wait_for_timeout(1000)
    assert "not in the list" not in p.page.inner_text("body")
    assert "lists_note.txt" not in _options(p, "#remove-pick")
    p.page.get_by_role("tab", name="Chat").click()
    p.page.get_by_role("button", name="Filters").click()
    assert "lists_note.txt" not in _options(p, "#f-docs")
    assert a.document("lists_note.txt") is None and p.errors == []
    p.close()


def test_an_empty_url_asks_for_one(browser, served_app):
    # item 15: an empty URL said "refused URL scheme '(none)'"
    p = Page(browser, served_app["url"])
    p.page.get_by_role("tab", name="Refresh the index").click()
    p.page.fill("#token input", ADMIN_TOKEN)
    p.page.click("#fetch")
    p.page.wait_for_selector("#report .notice", timeout=30_000)
    assert p.page.inner_text("#report").strip() == "Please enter a URL."
    p.close()


def test_agreements_timeline_lists_the_records_of_a_bar(browser, served_app):
    # item 16: records per year, stacked by type, filterable by region and partner; a bar lists its records
    p = Page(browser, served_app["url"])
    p.page.get_by_role("tab", name="Agreements").click()
    bars = p.page.locator("#timeline svg path[aria-roledescription=bar]")
    bars.first.wait_for(timeout=30_000)
    assert bars.count() >= 3
    assert "2024" in p.page.inner_text("#timeline") and "undated" in p.page.inner_text("#timeline")
    box = bars.first.bounding_box()
    y = box["y"] + box["height"] / 2
    p.page.mouse.move(box["x"] + 2, y)
    p.page.mouse.down()
    p.page.mouse.move(box["x"] + box["width"] / 2, y, steps=5)
    p.page.mouse.move(box["x"] + box["width"] - 2, y, steps=5)
    p.page.mouse.up()
    p.page.wait_for_selector("#timeline-records .timeline-records li", timeout=30_000)
    year = p.page.get_attribute("#timeline-records .timeline-records", "data-year")
    rows = [r for r in served_app["assistant"].agreements() if str(r.get("year") or "") == year]
    assert year and p.page.locator("#timeline-records li").count() == len(rows) >= 1
    p.shot("agreements-timeline")
    # a region narrows the chart: Asia holds only Azerbaijan and Palestine
    p.page.locator("#a-region input").click()
    p.page.get_by_role("option", name="Asia").click()
    p.page.wait_for_timeout(1500)
    assert bars.count() < 3 or "Nigeria" not in p.page.inner_text("#agreements-table")
    p.page.locator("#a-year input").click()
    p.page.get_by_role("option", name="2024").click()
    p.page.wait_for_selector("#timeline-records .timeline-records[data-year='2024'] li", timeout=30_000)
    assert "Azerbaijan" in p.page.inner_text("#timeline-records")
    p.shot("agreements-timeline-asia")
    assert p.errors == [] and p.outbound == []
    p.close()
