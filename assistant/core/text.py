"""Language-aware text utilities shared by ingest and retrieval.

Language detection counts script letters (Arabic vs Latin): for a bilingual
Arabic/English archive that is exact enough and needs no model. Sentence
splitting returns character spans so every downstream piece can point back at
the original text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

Lang = Literal["ar", "en"]

_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u066E-\u06D3\u06D5\u06FA-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFC]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")
_DIACRITICS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")  # harakat, Quranic marks, tatweel
_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_TOKEN = re.compile(r"\w+", re.UNICODE)
# Bidi controls and zero-width characters carry no meaning for search and can be
# used to disguise text; they are removed before matching (never from display text).
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u061c]")


def detect_language(text: str, default: Lang | None = None) -> Lang | None:
    """Return "ar" or "en" by letter counts, or ``default`` when the text has no letters."""
    ar = len(_ARABIC_LETTER.findall(text))
    la = len(_LATIN_LETTER.findall(text))
    if ar == 0 and la == 0:
        return default
    # Arabic text quoting an English acronym is still Arabic; ties go to Arabic
    # because the archive is mostly Arabic.
    return "ar" if ar >= la else "en"


def strip_invisible(text: str) -> str:
    return _INVISIBLE.sub("", text)


def normalize_arabic(text: str) -> str:
    """Search normalisation: drop diacritics and tatweel, unify alef/ya/ta-marbuta/hamza seats, digits."""
    return _DIACRITICS.sub("", text).translate(_ALEF).translate(_DIGITS)


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """``normalize_arabic`` plus, for each output character, its index in ``text`` (diacritics are dropped)."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if _DIACRITICS.match(ch):
            continue
        chars.append(ch.translate(_ALEF).translate(_DIGITS))
        index.append(i)
    index.append(len(text))
    return "".join(chars), index


def normalize_for_search(text: str) -> str:
    """NFKC, invisible characters removed, Arabic normalised, Latin lower-cased."""
    text = unicodedata.normalize("NFKC", strip_invisible(text))
    return normalize_arabic(text).lower()


# Small function-word lists: BM25's idf handles the rest.
EN_STOP = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being this that these
    those it its into than then there their them they he she his her we our you your i me my not no do does did
    has have had what which who whom whose when where why how can could would should will shall may might
    also about over such so very more most other any each all both""".split()
)
AR_STOP = frozenset(
    normalize_arabic(w)
    for w in """في من على إلى الى عن مع هذا هذه ذلك تلك التي الذي الذين اللذين كما أن إن أو ثم قد لقد كان كانت يكون
    تكون هو هي هم هن نحن أنا انت أنت ما ماذا متى أين كيف لماذا هل لا لم لن إلا بين حيث عند عندما كل بعض أي أى
    غير بعد قبل حتى إذا اذا منذ خلال ضمن لدى لها له لهم بها به فيها فيه وهو وهي وفي ومن وعلى وقد وكان وأن""".split()
)


@lru_cache(maxsize=4)
def _stemmer(lang: str):  # noqa: ANN202 - PyStemmer has no type hints
    import Stemmer

    return Stemmer.Stemmer(lang)


def tokenize(text: str) -> list[str]:
    """Search tokens: normalised, stop words removed, Snowball-stemmed per script."""
    # Snowball's Arabic stemmer expects the original alef/ta-marbuta forms, so stem
    # first and unify the letter forms afterwards.
    light = _DIACRITICS.sub("", unicodedata.normalize("NFKC", strip_invisible(text))).translate(_DIGITS).lower()
    words = _TOKEN.findall(light)
    ar_words: list[tuple[int, str]] = []
    out: list[str] = []
    for w in words:
        if len(w) < 2 and not w.isdigit():
            continue
        if _ARABIC_LETTER.match(w):
            if normalize_arabic(w) in AR_STOP:
                continue
            if len(w) > 4 and w[0] in "وف" and w[1:3] == "ال" and not w[1:].startswith(("الد", "الي")):
                w = w[1:]  # a clitic conjunction on a definite noun: Snowball leaves "وال" alone
            ar_words.append((len(out), w))
            out.append(w)
        else:
            if w in EN_STOP:
                continue
            out.append(w)
    if ar_words:
        stems = _stemmer("arabic").stemWords([w for _, w in ar_words])
        for (i, _), s in zip(ar_words, stems, strict=True):
            out[i] = normalize_arabic(s) or out[i]
    en_idx = [i for i, w in enumerate(out) if not _ARABIC_LETTER.match(w) and not w.isdigit()]
    if en_idx:
        stems = _stemmer("english").stemWords([out[i] for i in en_idx])
        for i, s in zip(en_idx, stems, strict=True):
            out[i] = s
    return out


@lru_cache(maxsize=65536)
def token_set(text: str) -> frozenset[str]:
    """The distinct search tokens of ``text``, cached: sentences and documents are read again and again."""
    return frozenset(tokenize(text))


# --- sentences -----------------------------------------------------------------

_SENT_END = re.compile(r"[.!?؟؛;…]+[\"'”’»)\]]*(?=\s|$)|\n+")
_CLAUSE_END = re.compile(r"[،,:]\s+")
MAX_SENTENCE_CHARS = 360
MIN_CLAUSE_CHARS = 140


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split an over-long sentence at clause punctuation (Arabic and Latin commas, colons)."""
    pieces: list[tuple[int, int]] = []
    cur = start
    for m in _CLAUSE_END.finditer(text, start, end):
        if m.end() - cur >= MIN_CLAUSE_CHARS and end - m.end() >= MIN_CLAUSE_CHARS:
            pieces.append((cur, m.end()))
            cur = m.end()
    pieces.append((cur, end))
    return [s for s in (_trim(text, a, b) for a, b in pieces) if s[1] > s[0]]


# A period after these is an abbreviation (د. = Dr., م. = Eng.), not a sentence end.
_ABBREV = frozenset(
    [
        "د",
        "م",
        "أ",
        "ا",
        "س",
        "ص",
        "ج",
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "eng",
        "st",
        "no",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "u.s",
        "u.k",
        "inc",
        "ltd",
        "co",
        "jr",
        "sr",
        "gen",
        "col",
        "capt",
    ]
)
_LAST_WORD = re.compile(r"(\S+)$")
# "Cairo, Sept. 12, 2005": a month's abbreviation before a day is no sentence end
_MONTH_ABBREV = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
_DAY_AFTER = re.compile(r"\s+\d{1,2}(?!\d)")


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    m = _LAST_WORD.search(text, 0, dot)
    if not m or m.end() != dot:
        return False
    word = m.group(1).lower().lstrip("(\"'“«")
    if word in _MONTH_ABBREV:
        return bool(_DAY_AFTER.match(text, dot + 1))
    return word in _ABBREV or (len(word) == 1 and word.isalpha())


def sentence_spans(
    text: str, start: int = 0, end: int | None = None, *, split_long: bool = True
) -> list[tuple[int, int]]:
    """Sentence character spans in ``text[start:end]`` (Arabic and English punctuation, line breaks).

    Sentences longer than ``MAX_SENTENCE_CHARS`` are cut at clause punctuation when
    ``split_long`` so an evidence unit stays focused.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cur = start
    for m in _SENT_END.finditer(text, start, end):
        if _is_abbreviation(text, m.start()) and m.group(0) == ".":
            continue
        a, b = _trim(text, cur, m.end())
        if b > a:
            spans.append((a, b))
        cur = m.end()
    a, b = _trim(text, cur, end)
    if b > a:
        spans.append((a, b))
    if not split_long:
        return spans
    out: list[tuple[int, int]] = []
    for a, b in spans:
        out.extend(_split_long(text, a, b) if b - a > MAX_SENTENCE_CHARS else [(a, b)])
    return out


_WS = re.compile(r"\s+")


def squash_whitespace(text: str) -> str:
    return _WS.sub(" ", text).strip()


_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]")


def clean_question(text: str) -> str:
    """Drop control and bidi-override characters, collapse whitespace (the question is untrusted)."""
    text = unicodedata.normalize("NFC", strip_invisible(_CONTROL.sub(" ", text)))
    return re.sub(r"\s+", " ", text).strip()


def has_words(text: str) -> bool:
    return any(ch.isalpha() for ch in text)
