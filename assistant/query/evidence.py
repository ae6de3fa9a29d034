"""Evidence selection with the learned scorer: which sentences answer each part of the question.

The scorer ranks every candidate sentence; a question-level model decides
whether the evidence answers the question at all. Three rules remain: a typed
question needs a sentence that holds the asked kind of fact; a question about a
named partner is answered only from documents about it (those leading with it
first); the retriever's first document answers when one of its sentences is nearly
as likely as the best. Their ablation rows (bench/answers_xquad.py, bench/news_dev.py
--ablations, taawun eval; README) show what each buys and costs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.core.guard import looks_like_injection
from assistant.core.protocols import Evidence
from assistant.core.settings import AnswerSettings
from assistant.core.text import normalize_arabic
from assistant.query import ordinals, spans
from assistant.query.features import (
    FEATURES,
    Candidate,
    QuestionTerms,
    collect,
    featurize,
    partners_in,
)
from assistant.query.question import Part, QuestionInfo, asks_future, asks_past, tells_future
from assistant.query.retrieve import Hit
from assistant.query.scorer import ANSWERABLE_FEATURES, Scorer

#: candidates a typed part may look through for a sentence holding the asked fact
TYPED_DEPTH = 6
#: a typed part's sentence must be at least this share of the best probability
TYPED_FLOOR = 0.25
#: answer types whose absence from strong evidence means the sources do not answer, because their
#: detectors are reliable: dates and shares always; money when the question names money; counts when
#: the question names what it counts; people when it asks who signed. For the rest (who, where, which body)
#: a missing instance is more often a detector miss, so the best sentence is quoted without a short answer.
_MONEY_WORDS = re.compile(
    normalize_arabic(
        r"\b(?:budget|cost|costs|fund|funds|funding|funded|financing|financed|financial|invest|invested|investment|"
        r"investments|price|grant|loan|dollars?|euros?|pounds?|usd|egp|worth|contract|deal|salary|salaries|wages?|"
        r"fees?)\b|ميزاني|(?<!\w)(?:[وفب]?(?:ال)?|[وف]?س?[يتن])(?:تكلف|تكاليف|كلف)|تمويل|استثمار|منحة|قرض|دولار|"
        r"جنيه|يورو|(?<!\w)(?:[وف]?ب?(?:ما|كم)\s+(?:\S+\s+){0,2})[وفب]?قيم(?:ة|ته|تها)(?!\w)|عقد|راتب|رواتب|أجور|"
        r"رسوم|خصص"
    ),
    re.IGNORECASE,
)


_SIGN_LANGUAGE = re.compile(r"\bsign\s+languages?\b", re.IGNORECASE)
#: a sentence telling of a signing, in more forms than the question's verb: «بالتوقيع», «الموقعة», «يوقع», "inked"
_TELLS_SIGNING = re.compile(
    spans.SIGNING.pattern + r"|\binked\b|\bconclud(?:ed|es|ing)\b|(?<!\w)[وفبل]{0,2}(?:ال)?(?:توقيع|موق[ّ]?ع)|"
    r"(?<!\w)[وف]?س?[يتن]وق[ّ]?ع",  # «يوقع», «ستوقع»; not «يتوقع» (is expected)
    re.IGNORECASE,
)


def tells_signing(text: str) -> bool:
    """ "The MoU was signed by ...", «وقام بالتوقيع» ("in American Sign Language" signs nothing)."""
    return bool(_TELLS_SIGNING.search(_SIGN_LANGUAGE.sub(" ", text)))


def asks_signer(question: str) -> bool:
    """ "Who signed it?", «من وقع؟», «من هم الموقعون»: the question's own words tell of a signing."""
    return tells_signing(question)


def hard_types(part: Part) -> frozenset[str]:
    hard = set(part.types & {"when", "percent"})
    if "amount" in part.types and _MONEY_WORDS.search(normalize_arabic(part.text)):
        hard.add("amount")
    if "count" in part.types and spans.wanted_units(part.text):
        hard.add("count")
    if "who" in part.types and asks_signer(part.text):
        hard.add("who")  # "who signed?": a release that tells of no signing by anyone does not answer
    return frozenset(hard)


@dataclass
class PartChoice:
    part: Part
    candidate: Candidate | None  # None: the sources do not answer this part
    qtype: str | None  # the answer type this part was matched on


@dataclass
class Selection:
    evidence: list[Evidence]
    candidates: list[Candidate]
    abstain: bool
    reason: str
    other_language: bool  # every evidence sentence is in the other language
    parts: list[PartChoice] = field(default_factory=list)
    answerable: float = 0.0
    numbers: dict[tuple[str, int], int] = field(default_factory=dict)  # candidate key -> citation number


def rank(
    info: QuestionInfo,
    standalone: str,
    hits: Sequence[Hit],
    text_of: Callable[[str], str],
    idf: Callable[[Sequence[str]], np.ndarray],
    scorer: Scorer,
) -> list[Candidate]:
    """Every candidate sentence with its probability, best first (instruction-like text removed)."""
    cands = [c for c in collect(hits, text_of) if not (looks_like_injection(c.text) or is_heading(c.text, c.language))]
    if not cands:
        return []
    featurize(cands, QuestionTerms.of(standalone, idf), info.language, info.types)
    probs = scorer.sentence.prob(np.stack([c.x for c in cands]))
    for c, p in zip(cands, probs, strict=True):
        c.prob = float(p)
    return sorted(cands, key=lambda c: -c.prob)


_HEADING_WORDS = 5


def is_heading(text: str, language: str = "en") -> bool:
    """A section heading ("Background", "School Connectivity Initiative Announced") states no fact.

    A clause cut at a comma ends in its comma, and "Duration: three years" holds a fact: neither is one.
    """
    if len(text.split()) > _HEADING_WORDS or text.rstrip()[-1:] in ".!?؟,،;؛:" or ":" in text:
        return False
    return not any(spans.find_spans(k, text, language) for k in ("number", "duration", "amount", "percent", "date"))


def answerable_features(cands: Sequence[Candidate], typed: bool, named: bool, top: int = 5) -> np.ndarray:
    """Question-level evidence strength from the ranked candidates (see scorer.ANSWERABLE_FEATURES)."""
    f = FEATURES.index
    head = np.stack([c.x for c in cands[:top]])
    best = head[0]
    same = head[:, f("same_language")] > 0
    rel, iov, spec = head[:, f("relevance")], head[:, f("idf_overlap")], head[:, f("specificity")]
    mentions = bool((head[:, f("entity_overlap")] > 0).any())
    return np.asarray(
        [
            cands[0].prob,
            best[f("relevance")],
            rel.max(),
            best[f("idf_overlap")],
            iov.max(),
            best[f("type_fit")],
            1.0 if typed else 0.0,
            1.0 if named and not mentions else 0.0,
            best[f("same_language")],
            rel[same].max() if same.any() else -5.0,
            rel[~same].max() if (~same).any() else -5.0,
            iov[same].max() if same.any() else 0.0,
            best[f("specificity")],
            spec.max(),
            cands[1].prob if len(cands) > 1 else 0.0,
        ],
        dtype=np.float64,
    )


#: the headline and lead of a release: what it is about
LEAD_CHARS = 400


def _named(info: QuestionInfo) -> set[str]:
    """The partners a question names (regions are no partner: "African countries")."""
    return {p for p in partners_in(info.text) if not p.startswith("R-")}


def about_partner(
    cands: list[Candidate], info: QuestionInfo, text_of: Callable[[str], str]
) -> tuple[list[Candidate], set[str] | None]:
    """The candidates from documents naming the question's partner, and the documents about it.

    A release is about the partners of its headline and lead; one that names the partner only in
    its background ("after a similar MoU with Uzbekistan in 2022") comes after those. The second
    value is None when the question names no partner or no document leads with it.
    """
    named = _named(info)
    if not named:
        return cands, None
    docs = {c.hit.doc.doc_id for c in cands}
    about = {d: partners_in(text_of(d)) for d in docs}
    kept = [c for c in cands if named & about[c.hit.doc.doc_id]]
    lead = {d for d in docs if named & partners_in(text_of(d)[:LEAD_CHARS])}
    return sorted(kept, key=lambda c: c.hit.doc.doc_id not in lead), lead or None


#: a sentence in the question's language this close to the best one is preferred to it
SAME_LANGUAGE_SHARE = 0.75


def prefer_question_language(cands: list[Candidate], qlang: str, focus: set[str] | None = None) -> list[Candidate]:
    """Readers want the passage in their own language when a nearly as likely one exists (a twin).

    ``focus``: the documents about the partner asked for; a sentence from another one is no stand-in.
    """
    if not cands or cands[0].language == qlang:
        return cands
    own = next((c for c in cands if c.language == qlang and (focus is None or c.hit.doc.doc_id in focus)), None)
    if own is None or own.prob < SAME_LANGUAGE_SHARE * cands[0].prob:
        return cands
    return [own, *(c for c in cands if c is not own)]


def prefer_top_document(
    cands: list[Candidate], hits: Sequence[Hit], share: float, focus: set[str] | None = None
) -> list[Candidate]:
    """The retriever's first document answers when one of its sentences is nearly as likely as the best.

    Its first document is right more often than the scorer's first sentence (XQuAD dev: R@1 against
    first citation), and a release's background sentences otherwise lure typed questions away from it.
    ``focus``: the first document is the first one about the partner asked for.
    """
    ranked = [h for h in hits if focus is None or h.doc.doc_id in focus]
    if not cands or not ranked or not share:
        return cands
    top = ranked[0].doc.doc_id
    floor = share * cands[0].prob
    first = [c for c in cands if c.hit.doc.doc_id == top and c.prob >= floor]
    return first + [c for c in cands if not (c.hit.doc.doc_id == top and c.prob >= floor)]


def choose_parts(
    info: QuestionInfo,
    cands: list[Candidate],
    require_type: bool = True,
    about: set[str] | None = None,
    mentions: set[str] | None = None,
) -> list[PartChoice]:
    """For each part of the question, the best sentence that states what the part asks.

    The parts are answered from one document where they can: the release that says
    who signed usually gives the date in its dateline. ``mentions``: when no release leads
    with the partner asked for, those naming it further down.
    """
    primary: str | None = None
    out = []
    for part in info.parts:
        pool = _pool(cands, primary)
        got = _typed_choice(part, pool, cands, info, about, mentions)
        if got is None:
            missing = hard_types(part) if require_type else frozenset()
            got = PartChoice(part, None, sorted(missing)[0]) if missing else PartChoice(part, cands[0], None)
        if got.candidate is not None and primary is None:
            primary = got.candidate.hit.doc.doc_id
        out.append(got)
    return out


_IDF_OVERLAP = FEATURES.index("idf_overlap")


def _typed_choice(
    part: Part,
    pool: list[Candidate],
    cands: list[Candidate],
    info: QuestionInfo,
    about: set[str] | None,
    mentions: set[str] | None = None,
) -> PartChoice | None:
    """The likeliest sentence stating what the part asks: first in the pool, then in the pool's first release.

    When the likeliest sentence holds no date, a release's event is dated by its dateline or lead,
    not by the background dates further down ("after a similar MoU with Uzbekistan in 2022").
    "Who signed" wants the sentence naming the signatories over one naming only the bodies.
    The first release is searched beyond the pool only when it is about the partner asked for (or
    none is named): a page that merely mentions Nigeria does not date an agreement with it. When no
    release leads with the partner, one naming it further down (a release about a new hub whose
    fourth paragraph states a grant) is searched too, but not for a date: its dates are its own event's.
    """
    if not pool:
        return None
    doc0 = pool[0].hit.doc.doc_id
    own_event = not _named(info) or (about is not None and doc0 in about)
    buried = about is None and mentions is not None and doc0 in mentions and "when" not in part.types
    top_doc = [c for c in cands if c.hit.doc.doc_id == doc0] if own_event or buried else []
    # below the pool the scorer's order says little; the question's rarer words say more ("valid")
    top_doc.sort(key=lambda c: -(c.x[_IDF_OVERLAP] + c.prob))
    # "the fourth session": a sentence naming it comes first, one naming only another ordinal last
    asked = ordinals.ordinals(part.text)
    # (within the first release only: "the second place" elsewhere is no "second cohort")
    seq = sorted([*pool, *top_doc], key=lambda c: -ordinals.fit(asked, c.text) if c.hit.doc.doc_id == doc0 else 0)
    kept = _numbered_as_asked(ordinals.staged(part.text), seq, cands, doc0)
    # the release numbers phases: one it reports with no such fact is not answered by another's
    numbered, seq = kept is not seq, kept
    for qtype in sorted(part.types):
        typed = _dating(seq, info, about) if qtype == "when" else seq
        if not typed:
            continue
        if qtype == "when" and asks_future(part.text):
            # "When will the centre open?": a date after the release's own (its dateline dates the report)
            got = next((c for c in typed if _states_later(part, info, c)), None)
            if got is not None:
                return PartChoice(part, got, qtype)
            continue
        if qtype == "when" and not _states(qtype, part, info, typed[0]):
            lead = _dated_lead(top_doc, part, info)
            if lead is not None:
                return PartChoice(part, lead, qtype)
        # "who signed" wants people signing (not a minister quoted), "where" a city (not a region)
        signing = qtype == "who" and asks_signer(part.text)
        strict = signing or qtype == "where"
        # "Who signed?" is not answered by someone leading a delegation or quoted on plans: the sentence
        # at least tells of a signing
        told = [c for c in typed if tells_signing(c.text)] if signing else typed
        for exact in (True, False) if strict else (False,):
            got = next((c for c in (typed if exact else told) if _answers(qtype, part, info, c, exact)), None)
            if got is not None:
                return PartChoice(part, got, qtype)
    return PartChoice(part, None, sorted(part.types)[0]) if numbered and part.types else None


def _numbered_as_asked(
    asked: frozenset[int], seq: list[Candidate], cands: list[Candidate], doc0: str
) -> list[Candidate]:
    """When the first release numbers phases (tranches, rounds, ...), the sentences about the one asked.

    A release whose lead names the phase asked is about it: only a sentence naming other phases
    alone is left out. Otherwise a figure is the asked phase's only in a sentence
    naming it, or one or two after one ("Phase two, launched in 2019, ... It promised to train
    10,000 ..."): a feature on a third phase that recalls phase two does not give phase two's
    funding. "First" asks nothing here: a release calls it "initial", "pilot" or "inaugural".
    """
    if not asked or min(asked) < 2:
        return seq
    doc = [c for c in cands if c.hit.doc.doc_id == doc0]
    if not any(ordinals.ordinals(c.text) for c in doc):
        return seq
    text = {c.key: c.text for c in cands}

    def fits(c: Candidate, window: int) -> list[int]:
        return [ordinals.fit(asked, text.get((c.hit.chunk.id, c.j - d), "")) for d in range(window + 1)]

    if any(c.start < LEAD_CHARS and ordinals.fit(asked, c.text) == 1 for c in doc):
        return [c for c in seq if fits(c, 0) != [-1]]
    return [c for c in seq if 1 in fits(c, 2)]


def _dating(seq: list[Candidate], info: QuestionInfo, about: set[str] | None) -> list[Candidate]:
    """The sentences that may date an event with the partner asked about.

    A release about the partner dates its own event; one that only mentions the partner dates it
    only in a sentence naming it ("There is no signed agreement yet" does not make the interview's
    "since 2022" the date of an agreement with Ethiopia).
    """
    named = _named(info)
    if not named:
        return seq
    return [c for c in seq if (about is not None and c.hit.doc.doc_id in about) or named & partners_in(c.text)]


def _answers(qtype: str, part: Part, info: QuestionInfo, c: Candidate, exact: bool) -> bool:
    if exact and qtype == "where":
        return spans.has_new_city(part.text, c.text, c.language)
    if exact:  # people the register's extractor reads as signatories, not a minister quoted on the signing
        return spans.names_signatories(c.text, part.text)
    return _states(qtype, part, info, c)


def _states_later(part: Part, info: QuestionInfo, c: Candidate) -> bool:
    """The sentence holds a date the question does not name, later than its release's publication date
    (when that is unknown, in a sentence telling of something to come)."""
    published = c.hit.doc.published
    if not published:  # an undated release: a sentence telling what is to come
        return tells_future(c.text) and _states("when", part, info, c)
    return spans.best_span("when", part.text, info.language, c.text, c.language, after=published) is not None


def _dated_lead(doc: list[Candidate], part: Part, info: QuestionInfo) -> Candidate | None:
    lead = [c for c in doc if c.start < LEAD_CHARS and _states("when", part, info, c)]
    return min(lead, key=lambda c: c.start, default=None)


def _pool(cands: list[Candidate], primary: str | None) -> list[Candidate]:
    """The likeliest candidates for a part, those of the document already answering first."""
    best = cands[0].prob
    pool = [c for c in cands[:TYPED_DEPTH] if c.prob >= TYPED_FLOOR * best]
    return pool if primary is None else sorted(pool, key=lambda c: c.hit.doc.doc_id != primary)


def _states(qtype: str, part: Part, info: QuestionInfo, c: Candidate, kinds: tuple[str, ...] = ()) -> bool:
    """The sentence holds a fact of the asked kind that the question does not already name."""
    # best_span also reads "five phases" when the question counts phases, wants an interest rate's
    # percentage to be about interest, and a salary to be no investment
    if qtype in ("count", "percent") or (qtype == "amount" and spans.names_money_kind(part.text)):
        return spans.best_span(qtype, part.text, info.language, c.text, c.language) is not None
    if qtype == "when" and c.hit.doc.published and asks_past(part.text):
        # "When was it signed?": a release reports as done nothing dated after it
        before = spans.best_span("when", part.text, info.language, c.text, c.language, before=c.hit.doc.published)
        return before is not None
    return spans.has_new_instance(qtype, part.text, c.text, c.language, kinds)


def select(
    info: QuestionInfo,
    standalone: str,
    hits: Sequence[Hit],
    text_of: Callable[[str], str],
    idf: Callable[[Sequence[str]], np.ndarray],
    cfg: AnswerSettings,
    scorer: Scorer,
) -> Selection:
    """The evidence for each part of the question, or why the sources do not answer it."""
    if info.junk or info.vague:
        return Selection([], [], True, "the question has nothing to search for", False)
    cands = rank(info, standalone, hits, text_of, idf, scorer)
    if not cands:
        return Selection([], [], True, "no passages", False)
    gated, focus = about_partner(cands, info, text_of) if cfg.partner_gate else (cands, None)
    gated = prefer_question_language(gated, info.language, focus)
    if not gated:
        return Selection([], cands, True, "the sources do not mention the partner asked about", False)
    named = bool(partners_in(standalone))
    # the answerable model was trained on candidates in probability order, whatever order answers use
    by_prob = sorted(gated, key=lambda c: -c.prob)
    p_ans = float(scorer.answerable.prob(answerable_features(by_prob, bool(info.types), named))[0])
    if p_ans < scorer.abstain_below:
        return Selection([], cands, True, f"evidence unlikely to answer (p={p_ans:.2f})", False, answerable=p_ans)
    ordered = prefer_top_document(gated, hits, cfg.top_document_share, focus)
    mentions = {c.hit.doc.doc_id for c in gated} if cfg.partner_gate and focus is None and _named(info) else None
    parts = choose_parts(info, ordered, cfg.require_answer_type, focus, mentions)
    if all(p.candidate is None for p in parts):
        asked = "/".join(sorted(info.types))
        return Selection([], cands, True, f"no strong evidence states the {asked} asked for", False, answerable=p_ans)
    chosen = _whole_sentences(_with_support(parts, gated, scorer, cfg.max_sentences), cands)
    evidence, numbers = number_evidence(chosen)
    other = all(c.language != info.language for c in chosen)
    return Selection(evidence, cands, False, "ok", other, parts, p_ans, numbers)


def _with_support(parts: list[PartChoice], cands: list[Candidate], scorer: Scorer, limit: int) -> list[Candidate]:
    """The parts' sentences, then the next best if it is nearly as likely (and not a near-duplicate)."""
    chosen: list[Candidate] = []
    for p in parts:
        if p.candidate is not None and p.candidate.key not in {c.key for c in chosen}:
            chosen.append(p.candidate)
    top = chosen[0].prob if chosen else cands[0].prob
    lang = chosen[0].language if chosen else cands[0].language
    # one supporting sentence at most, in the language of the first (a quote does not switch language)
    keys = {c.key for c in chosen}
    fresh = (c for c in cands if c.key not in keys and c.language == lang and not any(_same(c, s) for s in chosen))
    support = next(fresh, None)
    if support is not None and len(chosen) < limit and support.prob >= scorer.second_ratio * top:
        chosen.append(support)
    return chosen


#: a clause cut from a long sentence is completed up to this many characters
WHOLE_SENTENCE_CHARS = 600


def _whole_sentences(chosen: list[Candidate], cands: list[Candidate]) -> list[Candidate]:
    """A clause that ends in a comma is quoted with the rest of its sentence (the asked fact often follows)."""
    by_pos: dict[tuple[str, int], Candidate] = {}
    for c in cands:
        by_pos.setdefault(c.key, c)
    taken = {c.key for c in chosen}
    out: list[Candidate] = []
    for c in chosen:
        unit, size = [c], len(c.text)
        while unit[-1].text.rstrip().endswith((",", "،", ";", "؛")) and size < WHOLE_SENTENCE_CHARS:
            nxt = by_pos.get((unit[-1].hit.chunk.id, unit[-1].j + 1))
            if nxt is None or nxt.key in taken:
                break
            unit.append(nxt)
            taken.add(nxt.key)
            size += len(nxt.text)
        out.extend(unit)
    return out


def _same(a: Candidate, b: Candidate) -> bool:
    """Overlapping text or a near-duplicate sentence."""
    # (a translation twin's sentence is kept: it often words the answer differently, measured on dev)
    overlap = a.hit.doc.doc_id == b.hit.doc.doc_id and a.start < b.end and b.start < a.end
    return overlap or float(a.vec @ b.vec) > 0.92


def number_evidence(chosen: list[Candidate]) -> tuple[list[Evidence], dict[tuple[str, int], int]]:
    """Citation numbers in the order chosen (the answering sentence first); neighbours share one."""
    numbers: dict[tuple[str, int], int] = {}
    evidence = []
    for c in chosen:
        n = numbers.get((c.hit.chunk.id, c.j - 1)) or (max(numbers.values(), default=0) + 1)
        numbers[c.key] = n
        evidence.append(Evidence(n, c.hit.chunk.id, c.hit.doc.doc_id, c.language, c.start, c.end, c.text, c.prob))
    return evidence, numbers


def related_evidence(cands: Sequence[Any], k: int = 3, score: Callable[[Any], float] | None = None) -> list[Evidence]:
    """The closest passages, one per document, for an abstained answer (either selector's candidates)."""
    out: list[Evidence] = []
    docs: set[str] = set()
    for c in cands:
        if c.hit.doc.doc_id in docs:
            continue
        docs.add(c.hit.doc.doc_id)
        s = score(c) if score else c.prob
        out.append(Evidence(len(out) + 1, c.hit.chunk.id, c.hit.doc.doc_id, c.language, c.start, c.end, c.text, s))
        if len(out) >= k:
            break
    return out


__all__ = ["ANSWERABLE_FEATURES", "PartChoice", "Selection", "answerable_features", "rank", "select"]
