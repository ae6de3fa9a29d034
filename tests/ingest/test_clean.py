from ingest.clean import clean
from tests.helpers import CORPUS


def _kept(text: str) -> str:
    return "\n".join(text[a:b] for a, b in clean(text).spans)


def test_footer_of_004_is_removed():
    text = (CORPUS / "004_19b3c5eaec262736.txt").read_text(encoding="utf-8")
    kept = _kept(text)
    assert "سجل في قائمتنا البريدية" not in kept  # newsletter sign-up
    assert "بوابة مصر لأخبار تكنولوجيا المعلومات" not in kept  # site tagline after it
    assert "رشاد نابييف" in kept  # content stays


def test_copyright_line_of_001_is_removed():
    text = (CORPUS / "001_a13593534bc1957c.txt").read_text(encoding="utf-8")
    kept = _kept(text)
    assert "Copyright Ministry of Communications" not in kept
    assert "All rights reserved" not in kept
    assert "Bilateral relations are one of the most significant means" in kept


def test_read_also_line_of_003_is_removed_but_following_paragraph_kept():
    text = (CORPUS / "003_f299f8e0cc481d39.txt").read_text(encoding="utf-8")
    c = clean(text)
    kept = _kept(text)
    assert "اقرأ أيضا" not in kept
    assert "شركات التأمين" not in kept
    assert "ويقوم البريد المصري ببناء واستضافة وصيانة المواقع" in kept
    assert len(c.spans) == 2  # the removed line splits the content in two regions
    assert [why for *_, why in c.removed] == ["boilerplate"]


def test_clean_keeps_original_offsets():
    text = "Title\n\nBody line one.\nRead also: something else\nBody line two.\n"
    c = clean(text)
    for a, b in c.spans:
        assert text[a:b].strip()
    assert "Read also" not in _kept(text)


def test_taglines_in_the_middle_are_content():
    text = "بوابة مصر لأخبار التكنولوجيا تطلق تقريرا جديدا\n" + "\n".join(["فقرة محتوى طويلة عن التعاون."] * 6)
    assert "بوابة مصر لأخبار" in _kept(text)
