"""The labelled ingest-quality set with the real embedding model (bench/ingest_quality.py), with floors."""

import pytest

pytestmark = [pytest.mark.slow]


def test_twins_titles_and_dates_on_the_labelled_set():
    from bench.ingest_quality import run

    r = run()
    assert r["twins"]["precision"] == 1.0, r["twins"]["false"]  # a false twin corrupts answers
    assert r["twins"]["recall"] >= 0.8, r["twins"]["missed"]
    assert ["corpus/000_0c6985fae4fad1e2.txt", "corpus/001_a13593534bc1957c.txt"] in r["twins"]["links"]
    assert r["titles"]["accuracy"] >= 0.9, r["titles"]["wrong"]
    assert r["dates"]["accuracy"] >= 0.9, r["dates"]["wrong"]
