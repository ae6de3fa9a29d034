"""Translation twins (issue 16): the checks that need no model, on the hand-written labelled pairs."""

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.core.gazetteer import HOME, gazetteer
from assistant.core.text import detect_language
from ingest.clean import clean
from ingest.describe import publication_date
from ingest.load import load_bytes
from ingest.twins import Facts, alignment_coverage, disagreement, facts, is_related, twin_score
from tests.helpers import CORPUS

TWINS = Path(__file__).resolve().parent.parent / "data" / "twins"
LABELS = json.loads((TWINS / "labels.json").read_text(encoding="utf-8"))


def _facts(name: str) -> Facts:
    path = (CORPUS / name.removeprefix("corpus/")) if name.startswith("corpus/") else TWINS / "docs" / name
    d = load_bytes(path.read_bytes(), path.name)
    content = "\n".join(d.text[a:b] for a, b in clean(d.text).spans)
    # the partners ingest stores: gazetteer countries and organisations, the ministry's own country excepted
    partners = {m.entity.id for m in gazetteer().find(content) if m.entity.kind != "region"} - {HOME}
    return facts(detect_language(content), content, partners, d.published or publication_date(d.text))


def test_labelled_translations_pass_the_fact_checks():
    for p in LABELS["pairs"]:
        if p["twin"]:
            assert disagreement(_facts(p["a"]), _facts(p["b"])) is None, p


@pytest.mark.parametrize("kind", ["same template, different partner", "same partner, different event"])
def test_other_partners_or_other_events_fail_the_fact_checks(kind):
    pairs = [p for p in LABELS["pairs"] if p["kind"] == kind]
    assert pairs
    for p in pairs:
        assert disagreement(_facts(p["a"]), _facts(p["b"])) is not None, p


def test_same_event_reports_are_related_not_rejected_by_facts():
    # two outlets report the same figures: only the sentence alignment (slow test) tells them apart
    a, b = _facts("somalia_egov_en.txt"), _facts("somalia_egov_ar.txt")
    assert disagreement(a, b) is None and is_related(a, b)
    assert not is_related(_facts("kenya_skills_en.txt"), _facts("kenya_cable_ar.txt"))


def test_numbers_ignore_thousands_separators_and_small_counts():
    f = facts("en", "It trains 5,000 people in 3 years from 2023, at 2.50 dollars.", [])
    assert f.numbers == {"5000", "2023", "2.5"} or f.numbers == {"5000", "2023"}


def _unit(rows):
    m = np.asarray(rows, np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_alignment_needs_the_same_order():
    rng = np.random.default_rng(0)
    base = _unit(rng.normal(size=(8, 32)))
    noisy = _unit(base + 0.2 * rng.normal(size=base.shape))
    assert alignment_coverage(base, noisy) == (1.0, 1.0)
    shuffled = noisy[[3, 7, 0, 5, 1, 6, 2, 4]]
    ca, cb = alignment_coverage(base, shuffled)
    assert ca < 0.6 and cb < 0.6
    f = facts("en", "x", [])
    g = facts("ar", "x", [])
    assert twin_score(f, g, base, noisy) == 1.0
    assert twin_score(f, g, base, shuffled) is None
    assert twin_score(f, facts("en", "x", []), base, noisy) is None  # same language: never a twin


def test_a_partial_translation_with_an_untranslated_introduction_aligns():
    rng = np.random.default_rng(1)
    long_ = _unit(rng.normal(size=(20, 32)))
    short = _unit(long_[8:] + 0.2 * rng.normal(size=(12, 32)))  # the last 12 sentences, translated
    ca, cb = alignment_coverage(short, long_)
    assert ca == 1.0 and 0.55 <= cb <= 0.75  # its 12 sentences, give or take a chance link
