"""Load stage: turn a file into text, or a clear reason why not.

Every failure is a :class:`Skip` with a human-readable reason; nothing here raises
for bad input, so one broken file never stops a refresh.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.core.text import detect_language
from ingest.describe import strip_site_name

#: a .docx is a zip; refuse archives that expand beyond this or compress suspiciously well
MAX_DOCX_UNCOMPRESSED = 60 * 1024 * 1024
MAX_ZIP_RATIO = 150
#: the text part is streamed, but its size still bounds the parsing time (about 1 s per 10 MiB)
MAX_DOCX_XML = 32 * 1024 * 1024
MAX_DOCX_PART = 4 * 1024 * 1024  # styles and properties, which are parsed whole
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
#: run children that python-docx renders as characters
_RUN_CHARS = {_W + "tab": "\t", _W + "ptab": "\t", _W + "br": "\n", _W + "cr": "\n", _W + "noBreakHyphen": "-"}
#: paragraph children whose runs are part of the paragraph's text
_RUN_CONTAINERS = {
    _W + t for t in ("hyperlink", "ins", "smartTag", "fldSimple", "customXml", "moveTo", "sdt", "sdtContent")
}


@dataclass
class Loaded:
    text: str
    kind: str  # txt | md | html | pdf | docx
    title: str | None = None
    published: str | None = None  # ISO date when the format carries one
    notes: list[str] = field(default_factory=list)


@dataclass
class Skip:
    reason: str


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 9 or 13 < b < 32)
    return len(head) > 0 and ctrl / len(head) > 0.05


def decode_text(data: bytes) -> tuple[str, str | None] | Skip:
    """Decode bytes as UTF-8 (BOM allowed), else as Windows-1256 when that yields Arabic."""
    if not data.strip():
        return Skip("empty file")
    if _looks_binary(data):
        return Skip("binary content, not text")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    # Legacy Arabic Windows pages are still common in ministry archives.
    try:
        text = data.decode("cp1256")
    except UnicodeDecodeError:
        return Skip("undecodable text (neither UTF-8 nor Windows-1256)")
    if detect_language(text) == "ar":
        return text, "decoded as Windows-1256"
    return Skip("undecodable text: not valid UTF-8")


_MD_TITLE = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def load_bytes(data: bytes, name: str, max_chars: int | None = None) -> Loaded | Skip:
    """Load a document from its bytes; ``name`` gives the type by extension.

    ``max_chars`` (the ingest text limit) stops a .docx while it is parsed.
    """
    ext = Path(name).suffix.lower()
    if ext in (".txt", ".md"):
        dec = decode_text(data)
        if isinstance(dec, Skip):
            return dec
        text, note = dec
        title = None
        if ext == ".md":
            m = _MD_TITLE.search(text)
            title = m.group(1).strip() if m else None
        return _finish(Loaded(text, ext[1:], title, notes=[note] if note else []))
    if ext in (".html", ".htm"):
        return _load_html(data)
    if ext == ".pdf":
        return _load_pdf(data)
    if ext == ".docx":
        return _load_docx(data, max_chars)
    return Skip(f"unsupported file type '{ext or name}'")


def _finish(doc: Loaded) -> Loaded | Skip:
    text = doc.text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if not text.strip():
        return Skip("no text content")
    if detect_language(text) is None:
        return Skip("no Arabic or English text found")
    doc.text = text
    return doc


_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "button",
    "select",
    "template",
    "object",
    "embed",
)
_BLOCK_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre", "td", "th", "figcaption", "dd", "dt")


_ISO_DATE = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")


def _iso_date(value: object) -> str | None:
    m = _ISO_DATE.search(str(value)) if value else None
    return m.group(0) if m else None


def _json_ld_dates(soup: Any) -> Iterator[object]:
    """``datePublished`` values from the page's JSON-LD blocks (objects, lists and ``@graph``s)."""
    for tag in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            stack = [json.loads(tag.string or "")]
        except ValueError:
            continue  # a broken block is common and harmless
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                if "datePublished" in node:
                    yield node["datePublished"]
                stack.extend(v for v in node.values() if isinstance(v, list | dict))


def html_published(soup: Any) -> str | None:
    """The page's publication date: ``article:published_time`` and similar meta tags, JSON-LD
    ``datePublished``, then the first ``<time datetime>``."""
    metas = ("article:published_time", "datePublished", "og:published_time", "pubdate", "publishdate", "date")
    for attr in metas:
        for key in ("property", "name", "itemprop"):
            tag = soup.find("meta", attrs={key: attr})
            if tag is not None and (value := _iso_date(tag.get("content"))):
                return value
    for raw in _json_ld_dates(soup):
        if date := _iso_date(raw):
            return date
    for tag in soup.find_all("time"):
        if value := _iso_date(tag.get("datetime")):
            return value
    return None


def html_title(soup: Any) -> str | None:
    """``og:title``, else the first ``<h1>``, else ``<title>`` without its site-name suffix."""
    og = soup.find("meta", attrs={"property": "og:title"}) or soup.find("meta", attrs={"name": "og:title"})
    if og is not None and str(og.get("content") or "").strip():
        return " ".join(str(og["content"]).split())
    h1 = soup.body.find("h1") if soup.body else soup.find("h1")
    if h1 is not None and h1.get_text(strip=True):
        return str(h1.get_text(" ", strip=True))
    if soup.title and soup.title.string and soup.title.string.strip():
        site = soup.find("meta", attrs={"property": "og:site_name"})
        return strip_site_name(" ".join(soup.title.string.split()), site.get("content") if site else None)
    return None


def _load_html(data: bytes) -> Loaded | Skip:
    from bs4 import BeautifulSoup

    dec = decode_text(data)
    if isinstance(dec, Skip):
        return dec
    soup = BeautifulSoup(dec[0], "lxml")
    title = html_title(soup)
    published = html_published(soup)  # before chrome is dropped: the date may sit in a header
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    body = soup.body or soup
    lines: list[str] = []
    for el in body.find_all(_BLOCK_TAGS):
        if el.find(_BLOCK_TAGS):  # a container of other blocks: its children are emitted themselves
            continue
        line = el.get_text(" ", strip=True)
        if line:
            lines.append(line)
    text = "\n".join(lines) if lines else body.get_text("\n", strip=True)
    return _finish(Loaded(text, "html", title, published))


def _load_pdf(data: bytes) -> Loaded | Skip:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    return Skip("encrypted PDF (password required)")
            except Exception:  # noqa: BLE001 - pypdf raises several types for unsupported crypto
                return Skip("encrypted PDF (cannot decrypt)")
        pages = [(p.extract_text() or "") for p in reader.pages]
        meta = reader.metadata
        title = (meta.title or None) if meta else None
    except (PdfReadError, ValueError, KeyError, OSError, TypeError, AttributeError) as exc:
        return Skip(f"broken PDF ({type(exc).__name__})")
    except Exception as exc:  # noqa: BLE001 - a malformed PDF can fail anywhere in the parser
        return Skip(f"unreadable PDF ({type(exc).__name__})")
    return _finish(Loaded("\n\n".join(pages), "pdf", title))


def _load_docx(data: bytes, max_chars: int | None = None) -> Loaded | Skip:
    """Word text streamed from the archive: memory stays flat and parsing stops at ``max_chars``."""
    import io
    import zlib

    from lxml import etree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            refused = _docx_refusal(zf)
            if refused is not None:
                return refused
            body = _docx_body(zf, _docx_styles(zf), max_chars)
            if isinstance(body, Skip):
                return body
            title, published = _docx_core(zf)
    except zipfile.BadZipFile:
        return Skip("broken .docx (not a zip archive)")
    except (etree.LxmlError, zlib.error, KeyError, ValueError, EOFError, RuntimeError, NotImplementedError) as exc:
        return Skip(f"broken .docx ({type(exc).__name__})")
    lines, heading = body
    return _finish(Loaded("\n".join(lines), "docx", title or heading, published))


def _docx_refusal(zf: zipfile.ZipFile) -> Skip | None:
    """Refuse, before parsing, archives that expand too far (zip bombs) and non-Word zips."""
    infos = zf.infolist()
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_DOCX_UNCOMPRESSED or total / packed > MAX_ZIP_RATIO:
        return Skip(f"refused .docx: expands to {total // 1024} KiB (ratio {total / packed:.0f}:1), a likely zip bomb")
    if "word/document.xml" not in zf.namelist():
        return Skip("not a Word document (no word/document.xml)")
    size = zf.getinfo("word/document.xml").file_size  # zipfile stops reading at this size
    if size > MAX_DOCX_XML:
        return Skip(
            f"refused .docx: its text part expands to {size / 2**20:.0f} MiB (limit {MAX_DOCX_XML / 2**20:.0f})"
        )
    return None


def _xml_part(zf: zipfile.ZipFile, name: str) -> Any | None:
    """A small package part (styles, properties) parsed whole; None when absent or oversized."""
    from lxml import etree

    if name not in zf.namelist() or zf.getinfo(name).file_size > MAX_DOCX_PART:
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(zf.read(name), parser)


def _docx_styles(zf: zipfile.ZipFile) -> dict[str, str]:
    """Paragraph style id -> style name ("Heading1" -> "heading 1"; ids are localised, names are not)."""
    root = _xml_part(zf, "word/styles.xml")
    if root is None:
        return {}
    out = {}
    for st in root.iter(_W + "style"):
        name = st.find(_W + "name")
        if name is not None:
            out[str(st.get(_W + "styleId"))] = str(name.get(_W + "val") or "")
    return out


def _docx_core(zf: zipfile.ZipFile) -> tuple[str | None, str | None]:
    """The document's title and creation date from its core properties."""
    root = _xml_part(zf, "docProps/core.xml")
    if root is None:
        return None, None
    title = root.findtext("{http://purl.org/dc/elements/1.1/}title")
    created = root.findtext("{http://purl.org/dc/terms/}created")
    return (title.strip() or None) if title else None, _iso_date(created)


def _docx_body(
    zf: zipfile.ZipFile, styles: dict[str, str], max_chars: int | None
) -> tuple[list[str], str | None] | Skip:
    """Paragraphs, then table rows as "cell | cell" (python-docx's order), and the first heading.

    Each top-level paragraph or row is dropped from the tree once read, so memory does not grow
    with the document, and reading stops as soon as the text passes ``max_chars``.
    """
    from lxml import etree

    paragraphs: list[str] = []
    rows: list[str] = []
    heading: str | None = None
    total = 0
    with zf.open("word/document.xml") as fh:
        events = etree.iterparse(
            fh, events=("end",), tag=(_W + "p", _W + "tr"), resolve_entities=False, no_network=True
        )
        for _, el in events:
            if el.tag == _W + "p":
                if _has_ancestor(el, (_W + "p", _W + "tbl")):
                    continue  # a table cell's or a text box's paragraph: read with its row, or not at all
                text = _paragraph_text(el).strip()
                if text:
                    paragraphs.append(text)
                    if heading is None and _is_heading(el, styles):
                        heading = text
            else:
                if _has_ancestor(el, (_W + "tc",)):
                    continue  # a nested table: python-docx reads only the outer one
                cells = ["\n".join(_paragraph_text(p) for p in tc.iterchildren(_W + "p")).strip() for tc in el]
                text = " | ".join(c for c in cells if c)
                if text:
                    rows.append(text)
            total += len(text) + 1
            if max_chars is not None and total > max_chars:
                return Skip(f"text too long (more than {max_chars} characters)")
            el.clear()
            while el.getprevious() is not None:
                del el.getparent()[0]
    return paragraphs + rows, heading


def _has_ancestor(el: Any, tags: tuple[str, ...]) -> bool:
    return any(a.tag in tags for a in el.iterancestors())


def _is_heading(p: Any, styles: dict[str, str]) -> bool:
    style = p.find(f"{_W}pPr/{_W}pStyle")
    sid = str(style.get(_W + "val") or "") if style is not None else ""
    return bool(sid) and styles.get(sid, sid).lower().startswith(("heading", "title"))


def _runs(el: Any) -> Iterator[Any]:
    for child in el:
        if child.tag == _W + "r":
            yield child
        elif child.tag in _RUN_CONTAINERS:
            yield from _runs(child)


def _paragraph_text(p: Any) -> str:
    """A paragraph's text as Word shows it (python-docx's rules: tabs, breaks, hyphens)."""
    parts = []
    for run in _runs(p):
        for c in run:
            if c.tag == _W + "t":
                parts.append(c.text or "")
            else:
                parts.append(_RUN_CHARS.get(c.tag, ""))
    return "".join(parts)


def read_source(path: Path, max_bytes: int, allowed: set[str] | None = None) -> bytes | Skip:
    """Read a local file's bytes with type, size and symlink checks."""
    ext = path.suffix.lower()
    if allowed is not None and ext not in allowed:
        return Skip(f"unsupported file type '{ext or path.name}'")
    try:
        if path.is_symlink():
            return Skip("symbolic links are not followed")
        size = path.stat().st_size
        if size > max_bytes:
            return Skip(f"too large ({size / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB limit)")
        return path.read_bytes()
    except OSError as exc:
        return Skip(f"cannot read file ({exc.strerror or type(exc).__name__})")


def load_file(path: Path, max_bytes: int, allowed: set[str] | None = None) -> Loaded | Skip:
    """Load a local file with size and type checks."""
    data = read_source(path, max_bytes, allowed)
    return data if isinstance(data, Skip) else load_bytes(data, path.name)
