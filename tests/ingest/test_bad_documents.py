"""Hostile and broken documents are skipped with a reason; what is indexed stays intact."""

import io
import zipfile


def _report(a):
    r = a.refresh()
    return r, {d.doc_id: d for d in r.documents}


def _assert_corpus_intact(a):
    assert len([d for d in a.library() if d.doc_id[:3].isdigit()]) == 5
    assert a.index.ids() == a.catalog.chunk_ids()


def test_binary_invalid_utf8_zero_bytes_and_cp1256(indexed, settings):
    src = settings.sources_dir
    (src / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (src / "invalid.txt").write_bytes(b"Egypt \xff\xfe\xfa cooperation \xc3\x28 text")
    (src / "zero.txt").write_bytes(b"")
    (src / "cp1256.txt").write_bytes("وقعت مصر مذكرة تفاهم مع الأردن في مجال الاتصالات عام 2023".encode("cp1256"))
    r, by = _report(indexed)
    assert "binary" in by["binary.txt"].reason
    assert by["invalid.txt"].action == "skipped" and "undecodable" in by["invalid.txt"].reason
    assert by["zero.txt"].reason == "empty file"
    assert by["cp1256.txt"].action == "added"  # legacy Arabic encoding is decoded, not lost
    doc = indexed.document("cp1256.txt")
    assert doc.language == "ar" and "مذكرة تفاهم" in doc.text and any("Windows-1256" in n for n in doc.notes)
    _assert_corpus_intact(indexed)


def test_oversize_file_is_refused_without_reading_it(indexed, settings):
    big = settings.sources_dir / "huge.txt"
    with open(big, "wb") as fh:  # a sparse 200 MB file: the size check happens before any read
        fh.truncate(200 * 1024 * 1024)
    r, by = _report(indexed)
    assert by["huge.txt"].action == "skipped" and "too large" in by["huge.txt"].reason
    _assert_corpus_intact(indexed)


def test_zip_bomb_disguised_as_docx(indexed, settings):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<w:document>" + b"A" * (80 * 1024 * 1024) + b"</w:document>")
    (settings.sources_dir / "release.docx").write_bytes(buf.getvalue())
    r, by = _report(indexed)
    assert by["release.docx"].action == "skipped" and "zip bomb" in by["release.docx"].reason
    _assert_corpus_intact(indexed)


def test_encrypted_and_broken_pdfs(indexed, settings):
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(200, 200)
    w.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    w.write(out)
    (settings.sources_dir / "locked.pdf").write_bytes(out.getvalue())
    (settings.sources_dir / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntrailer <<>>\n%%EOF")
    r, by = _report(indexed)
    assert by["locked.pdf"].action == "skipped" and "encrypted" in by["locked.pdf"].reason
    assert by["broken.pdf"].action == "skipped" and "PDF" in by["broken.pdf"].reason
    _assert_corpus_intact(indexed)


def test_real_docx_is_loaded(indexed, settings):
    import docx

    d = docx.Document()
    d.core_properties.title = "Egypt and Oman sign an MoU"
    d.add_heading("Egypt and Oman sign an MoU", 1)
    d.add_paragraph("Egypt and Oman signed a memorandum of understanding on cybersecurity in May 2025.")
    buf = io.BytesIO()
    d.save(buf)
    (settings.sources_dir / "oman.docx").write_bytes(buf.getvalue())
    r, by = _report(indexed)
    assert by["oman.docx"].action == "added"
    doc = indexed.document("oman.docx")
    assert doc.title == "Egypt and Oman sign an MoU" and "cybersecurity" in doc.text


def test_html_with_scripts_iframes_and_navigation(indexed, settings):
    page = """<html><head><title>Egypt–Morocco ICT cooperation</title><script>alert(1)</script>
    <style>p{color:red}</style></head><body><nav>Home | News | Contact</nav>
    <h1>Egypt and Morocco discuss digital government</h1><iframe src="http://evil.example"></iframe>
    <p>The two ministers met in Rabat in April 2025 to discuss digital government services.</p>
    <footer>Copyright 2025 Example News. All rights reserved.</footer></body></html>"""
    (settings.sources_dir / "morocco.html").write_text(page, encoding="utf-8")
    r, by = _report(indexed)
    doc = indexed.document("morocco.html")
    assert doc.title == "Egypt and Morocco discuss digital government"
    assert "alert(1)" not in doc.text and "Home | News" not in doc.text and "evil.example" not in doc.text
    assert "Rabat" in doc.text and "Copyright" not in doc.text
    _assert_corpus_intact(indexed)


def test_duplicate_files_under_two_names(indexed, settings):
    src = settings.sources_dir
    (src / "copy-of-004.txt").write_bytes((src / "004_19b3c5eaec262736.txt").read_bytes())
    r, by = _report(indexed)
    assert by["copy-of-004.txt"].reason == "duplicate of 004_19b3c5eaec262736.txt"
    # the copy keeps being refused; deleting the original lets the copy take its place
    (src / "004_19b3c5eaec262736.txt").unlink()
    r, by = _report(indexed)
    assert by["004_19b3c5eaec262736.txt"].action == "removed" and by["copy-of-004.txt"].action == "added"


def test_a_run_whose_only_change_is_skipped_never_loads_the_model(indexed, settings):
    from ingest.refresh import Refresher

    def no_model():
        raise RuntimeError("the model must not load for a skipped file")

    # skipped after loading, where the chunker (which counts model tokens) would be built
    small = settings.model_copy(update={"ingest": settings.ingest.model_copy(update={"max_text_chars": 5000})})
    (settings.sources_dir / "long.txt").write_text("Egypt and Ghana signed a memorandum. " * 200, encoding="utf-8")
    run = Refresher(small, indexed.index, indexed.catalog, no_model, indexed.embedder.model_id)
    by = {d.doc_id: d for d in run.run().documents}
    assert by["long.txt"].action == "skipped" and "text too long" in by["long.txt"].reason
    _assert_corpus_intact(indexed)
