import numpy as np

from assistant.core.lexical import LexicalIndex
from assistant.core.text import tokenize

DOCS = [
    ("a#1", "a", "ar", "وقعت مصر وفلسطين مذكرة تفاهم في مجال تكنولوجيا المعلومات والبريد"),
    ("b#1", "b", "ar", "عقد وزير الاتصالات اجتماعا مع وزير التنمية الرقمية في أذربيجان"),
    ("c#1", "c", "en", "Egypt Post builds and hosts websites for participating countries"),
    ("d#1", "d", "en", "Bilateral relations provide opportunities for exchanging experiences"),
]


def _index():
    return LexicalIndex.build([(cid, doc, lang, tokenize(t)) for cid, doc, lang, t in DOCS], generation=7)


def test_bm25_ranks_matching_chunk_first_in_both_languages():
    lex = _index()
    assert lex.search(tokenize("مذكرة التفاهم مع فلسطين"), 2)[0][0] == "a#1"
    assert lex.search(tokenize("اذربيجان"), 2)[0][0] == "b#1"  # hamza-less spelling still matches
    assert lex.search(tokenize("websites hosted by Egypt Post"), 2)[0][0] == "c#1"


def test_scores_are_normalisable_by_the_query_upper_bound():
    lex = _index()
    toks = tokenize("participating countries websites")
    top = lex.search(toks, 1)[0][1]
    assert 0 < top / lex.max_score(toks) < 1


def test_mask_restricts_pool_and_unknown_words_score_nothing():
    lex = _index()
    toks = tokenize("Egypt opportunities")
    only_ar = lex.langs == "ar"
    assert lex.search(toks, 5, only_ar) == []
    assert lex.search(tokenize("zzzz qqqq"), 5) == []
    assert lex.max_score(tokenize("zzzz")) == 0.0


def test_save_and_load_roundtrip(tmp_path):
    lex = _index()
    p = tmp_path / "lex.npz"
    lex.save(p)
    back = LexicalIndex.load(p)
    assert back.generation == 7 and back.ids == lex.ids and list(back.docs) == list(lex.docs)
    q = tokenize("تكنولوجيا المعلومات")
    assert np.allclose(back.scores(q), lex.scores(q))
    assert not list(tmp_path.glob("*.tmp"))


def test_empty_index():
    lex = LexicalIndex.build([])
    assert len(lex) == 0 and lex.search(["x"], 3) == []
