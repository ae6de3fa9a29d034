"""Today's rules (before the learned scorer), kept as the baseline of bench/answers_xquad.py.

Selected with ``answer.selector = "rules"``. The product default is the learned
path in assistant/query/{question,evidence,compose,chain}.py.

The rules chain: detect language -> resolve follow-ups -> retrieve -> select evidence -> generate -> cite.

Evidence is chosen sentence by sentence (sentence vectors come from ingest), so
an answer quotes exactly what supports it. The chain abstains when the best
evidence is weak, or when the question asks for a kind of fact (a date, an
amount, a person) that no strong evidence sentence contains.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from assistant.core.arguments import Filters
from assistant.core.catalog import Catalog
from assistant.core.dates import extract_dates
from assistant.core.gazetteer import HOME, gazetteer
from assistant.core.guard import looks_like_injection
from assistant.core.protocols import Evidence
from assistant.core.settings import AnswerSettings
from assistant.core.text import clean_question, detect_language, has_words, token_set, tokenize  # noqa: F401 - re-exported
from assistant.query.chain import Prepared
from assistant.query.evidence import related_evidence as closest_passages
from assistant.query.features import collect
from assistant.query.question import contextualize
from assistant.query.retrieve import Hit, HybridRetriever, hits_of

# --- question analysis --------------------------------------------------------------
QTYPES: dict[str, re.Pattern[str]] = {
    "when": re.compile(
        r"\bwhen\b|\bwhat (?:date|year|month|day)\b|\bwhich (?:year|month|date)\b|\bin what year\b|"
        r"متى|في أي (?:عام|سنة|شهر|تاريخ|يوم)|ما (?:هو )?تاريخ|في أى (?:عام|سنة)",
        re.I,
    ),
    "amount": re.compile(
        r"\bhow much\b|\bbudget\b|\bcost\b|\bcosts\b|\bfunding\b|\bfunded\b|\bprice\b|\bworth\b|\bvalue of\b|"
        r"\bamount\b|\bspend\b|\bspent\b|ميزاني|تكلف|كلفة|قيمة|تمويل|مبلغ|بكم",
        re.I,
    ),
    "count": re.compile(r"\bhow many\b|\bnumber of\b|كم عدد|\bكم\b", re.I),
    "who": re.compile(
        r"\bwho\b|\bwhom\b|^\s*(?:مَن|من)\s+(?:هو|هي|هم|الذي|التي|وقع|وقّع|حضر|شارك|يمثل|ضم)|من الذي", re.I
    ),
    "where": re.compile(r"\bwhere\b|\bin which (?:city|country|place)\b|أين|اين|في أي (?:مكان|مدينة|دولة|بلد)", re.I),
}
_PLACE = re.compile(
    r"\b(?:in|at)\s+[A-Z][a-z]+|\bairport\b|\bcity\b|\bcapital\b|\bheadquarter|مطار|مدينة|محافظة|العاصمة|مقر|"
    r"(?<!\w)[بف]?(?:ال)?قاهرة|الإسكندرية|بالقاهرة",
    re.I,
)
_MONEY = re.compile(
    r"(?:[$€£]\s?\d)|(?:\d[\d,.]*\s*(?:%|percent|dollars?|usd|egp|euros?|pounds?|million|billion|thousand|"
    r"دولار|جنيه|يورو|مليون|مليار|ألف|بالمائة|في المائة|٪))|(?:(?:مليون|مليار)\s+(?:دولار|جنيه|يورو))",
    re.I,
)
_NUMBER = re.compile(
    r"\d|[٠-٩]|\b(?:two|three|four|five|six|seven|eight|nine|ten|dozen)\b|اثن|ثلاث|أربع|خمس|ست|سبع|ثمان|تسع|عشر", re.I
)
_PERSON = re.compile(
    r"\b(?:dr|mr|ms|mrs|eng)\.?\s|\bminister\b|\bpresident\b|\bambassador\b|\bprime minister\b|\bsecretary\b|"
    r"د\.|الدكتور|الدكتورة|السيد|السيدة|المهندس|الأستاذ|الأستاذة|وزير|رئيس|سفير|معالي",
    re.I,
)


def question_types(q: str) -> set[str]:
    types = {t for t, p in QTYPES.items() if p.search(q)}
    if "amount" in types:
        types.discard("count")
    return types


def satisfies(qtype: str, sentence: str) -> bool:
    if qtype == "when":
        return bool(extract_dates(sentence))
    if qtype == "amount":
        return bool(_MONEY.search(sentence))
    if qtype == "count":
        return bool(_NUMBER.search(sentence))
    if qtype == "who":
        return bool(_PERSON.search(sentence))
    if qtype == "where":
        return bool(_PLACE.search(sentence)) or any(m.entity.kind == "country" for m in gazetteer().find(sentence))
    return True


@dataclass
class Candidate:
    hit: Hit
    j: int  # sentence index in the chunk
    start: int
    end: int
    text: str
    relevance: float  # calibrated: above unrelated text (used to abstain)
    specificity: float  # calibrated: stands out among this question's neighbours
    score: float  # what ranks evidence
    overlap: float  # share of the question's content words (or their translations) in the sentence
    vec: np.ndarray
    language: str
    rank: int  # rank of its hit


@dataclass
class Selection:
    evidence: list[Evidence]
    candidates: list[Candidate]
    abstain: bool
    reason: str
    other_language: bool  # every evidence sentence is in the other language


#: words every passage of this archive shares (the ministry's country, question words): no evidence in overlap
_GENERIC_WORDS = frozenset(
    tokenize(
        "Egypt Egyptian مصر المصري المصرية how many much number what which who when where كم عدد ما هو هي من متى أين"
    )
)
#: evidence ranking: specificity plus same-language word overlap beyond what is typical for the
#: question's neighbours (so shared generic words give no language a head start)
W_OVERLAP = 1.0
#: evidence within this many score units of the best joins the answer
MARGIN = 0.6
#: question-language evidence this close to the best is preferred over other-language evidence
SAME_LANGUAGE_SLACK = 0.1
#: a typed question ("who", "when", ...) filters by fact kind, so it can look a little further down
MARGIN_TYPED = 1.0


def _candidates(hits: Sequence[Hit], qwords: list[str], qlang: str, text_of: Callable[[str], str]) -> list[Candidate]:
    # The question's words in the other language, through the bilingual vocabulary: cross-language
    # evidence can then show word overlap too ("Egypt Post" ~ "البريد المصري").
    qtokens = set(qwords) - _GENERIC_WORDS
    # numbers (years, counts) are the same in both languages
    xtokens = (set(gazetteer().translate_tokens(qwords)) | {w for w in qwords if w.isdigit()}) - _GENERIC_WORDS
    out: list[Candidate] = []
    for s in collect(hits, text_of):  # the learned selector's candidate sentences, scored the old way
        words = qtokens if s.language == qlang else xtokens
        overlap = len(words & token_set(s.text)) / len(words) if words else 0.0
        rel, spec = float(s.hit.relevance[s.j]), float(s.hit.specificity[s.j])
        out.append(Candidate(s.hit, s.j, s.start, s.end, s.text, rel, spec, 0.0, overlap, s.vec, s.language, s.rank))
    typical = {lang: float(np.median([c.overlap for c in out if c.language == lang] or [0.0])) for lang in ("ar", "en")}
    for c in out:
        c.score = c.specificity + W_OVERLAP * (c.overlap - typical.get(c.language, 0.0))
    out.sort(key=lambda c: -c.score)
    return out


@lru_cache(maxsize=8192)
def _partners_cached(text: str) -> frozenset[str]:
    return frozenset(m.entity.id for m in gazetteer().find(text))


def _named_partners(text: str) -> set[str]:
    return {m.entity.id for m in gazetteer().find(text) if m.entity.id != HOME and m.entity.kind != "region"}


def _partners_in(text: str) -> set[str]:
    return set(_partners_cached(text))


def _weak(best: Candidate, cands: list[Candidate], cfg: AnswerSettings) -> Selection | None:
    if best.relevance < cfg.abstain_threshold:
        reason = f"best evidence relevance {best.relevance:.2f} < {cfg.abstain_threshold}"
        return Selection([], cands, True, reason, False)
    return None


def _about_partner(question: str, cands: list[Candidate], text_of: Callable[[str], str]) -> list[Candidate] | None:
    """A question about a named partner is answered only from documents about that partner (None: none named)."""
    named = _named_partners(question)
    if not named:
        return None
    about = {d: _partners_in(text_of(d)) for d in {c.hit.doc.doc_id for c in cands}}
    return [c for c in cands if named & about[c.hit.doc.doc_id]]


def _typed(unit: list[Candidate], types: set[str], by_pos: dict[tuple[str, int], Candidate]) -> list[Candidate] | None:
    """The unit, with a neighbour borrowed for each asked type it lacks; None if one cannot be found."""
    # A number answers "how many/how much" only if the sentence is about what was asked
    # (the 17 cables do not answer a question about population).
    if types & {"count", "amount"} and not any(u.overlap > 0 for u in unit):
        return None
    for t in sorted(types):  # set order varies between processes; the borrowed neighbours must not
        if any(satisfies(t, u.text) for u in unit):
            continue
        c = unit[0]
        nb = next(
            (
                nbr
                for dj in (1, -1)
                if (nbr := by_pos.get((c.hit.chunk.id, c.j + dj))) is not None and satisfies(t, nbr.text)
            ),
            None,
        )
        if nb is None:
            return None
        unit = sorted([*unit, nb], key=lambda x: x.start)
    return unit


def _whole(unit: list[Candidate], by_pos: dict[tuple[str, int], Candidate]) -> list[Candidate]:
    """A clause cut from a long sentence is quoted with the rest of its sentence."""
    unit = list(unit)
    while unit[-1].text.rstrip().endswith(("،", ",", ";", "؛")) and sum(len(u.text) for u in unit) < 600:
        nxt = by_pos.get((unit[-1].hit.chunk.id, unit[-1].j + 1))
        if nxt is None or nxt in unit:
            break
        unit.append(nxt)
    return unit


def _choose(units: list[list[Candidate]], max_sentences: int) -> list[Candidate]:
    """Units in rank order, skipping near-duplicates and overlaps, then in reading order."""
    chosen: list[Candidate] = []
    for unit in units:
        if len(chosen) >= max_sentences:
            break
        if any(
            float(c.vec @ s.vec) > 0.92
            or (c.hit.doc.doc_id == s.hit.doc.doc_id and c.start < s.end and s.start < c.end)
            for c in unit
            for s in chosen
        ):
            continue
        chosen.extend(unit)
    # Reading order: by document (in rank order), then position in the document.
    doc_rank: dict[str, int] = {}
    for c in chosen:
        doc_rank.setdefault(c.hit.doc.doc_id, c.rank)
    chosen.sort(key=lambda c: (doc_rank[c.hit.doc.doc_id], c.hit.doc.doc_id, c.start))
    return chosen


def _numbered(chosen: list[Candidate]) -> list[Evidence]:
    evidence = []
    n_of: dict[tuple[str, int], int] = {}
    for c in chosen:
        # Adjacent sentences of one chunk share a citation number.
        n = n_of.get((c.hit.chunk.id, c.j - 1)) or (max(n_of.values(), default=0) + 1)
        n_of[(c.hit.chunk.id, c.j)] = n
        evidence.append(Evidence(n, c.hit.chunk.id, c.hit.doc.doc_id, c.language, c.start, c.end, c.text, c.score))
    return evidence


def select_evidence(
    question: str, qlang: str, hits: Sequence[Hit], text_of: Callable[[str], str], cfg: AnswerSettings
) -> Selection:
    # Text that addresses a model ("ignore previous instructions ...") is not evidence about anything.
    cands = [c for c in _candidates(hits, tokenize(question), qlang, text_of) if not looks_like_injection(c.text)]
    if not cands:
        return Selection([], [], True, "no passages", False)
    if (weak := _weak(cands[0], cands, cfg)) is not None:
        return weak
    about = _about_partner(question, cands, text_of)
    if about is not None:
        if not about:
            return Selection(
                [], [], True, "the sources do not mention " + ", ".join(sorted(_named_partners(question))), False
            )
        cands = about
        if (weak := _weak(cands[0], cands, cfg)) is not None:
            return weak
    best = cands[0]
    types = question_types(question)
    margin = MARGIN_TYPED if types else MARGIN
    units = [[c] for c in cands if c.relevance >= cfg.abstain_threshold and c.score >= best.score - margin]
    by_pos = {(c.hit.chunk.id, c.j): c for c in cands}
    if types:
        # News text often names the people or the date in the clause right after the lede:
        # a strong sentence may borrow its neighbour in the same chunk to state what was asked.
        units = [u for unit in units if (u := _typed(unit, types, by_pos)) is not None]
        if not units:
            return Selection(
                [], cands, True, f"no strong evidence states the {'/'.join(sorted(types))} asked for", False
            )
    # One language per answer: the question's when its evidence is about as strong as the best,
    # else the language of the best evidence (quoted after a lead-in).
    same = [u for u in units if u[0].language == qlang]
    lead = qlang if same and same[0][0].score >= units[0][0].score - SAME_LANGUAGE_SLACK else units[0][0].language
    whole = [_whole(u, by_pos) for u in units if u[0].language == lead]
    return Selection(_numbered(_choose(whole, cfg.max_sentences)), cands, False, "ok", not same)


def related_evidence(cands: Sequence[Candidate], k: int = 3) -> list[Evidence]:
    """The closest passages, one per document, for an abstained answer."""
    return closest_passages(cands, k, lambda c: c.score)


# --- the LCEL chain ----------------------------------------------------------------------
def preparation_chain(
    retriever: HybridRetriever, catalog: Catalog, cfg: AnswerSettings, text_cache: dict[str, str]
) -> Runnable[dict[str, Any], Prepared]:
    """detect language -> contextualize -> retrieve -> select evidence, as a LangChain runnable.

    Input: {"question": str, "history": [(user, assistant), ...], "filters": Filters | None}.
    """

    def text_of(doc_id: str) -> str:
        if doc_id not in text_cache:
            d = catalog.document(doc_id)
            text_cache[doc_id] = d.text if d else ""
        return text_cache[doc_id]

    def detect(x: dict[str, Any]) -> str:
        return detect_language(x["question"]) or "en"

    def resolve(x: dict[str, Any]) -> str:
        return contextualize(x["question"], x.get("history") or [], cfg.history_turns)

    def retrieve(x: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        t0 = time.perf_counter()
        f = x.get("filters") or Filters()
        hits = hits_of(retriever.invoke(x["standalone"], config, filters=f, language=x["language"]))
        return {"hits": hits, "t_retrieve": (time.perf_counter() - t0) * 1000}

    def select(x: dict[str, Any]) -> Prepared:
        t0 = time.perf_counter()
        sel = select_evidence(x["standalone"], x["language"], x["retrieved"]["hits"], text_of, cfg)
        t_sel = (time.perf_counter() - t0) * 1000
        return Prepared(
            x["question"],
            x["language"],
            x["standalone"],
            x["retrieved"]["hits"],
            sel,
            {"retrieve": x["retrieved"]["t_retrieve"], "select": t_sel},
        )

    # Sequential steps (RunnablePassthrough.assign would fan out to a thread pool for nothing).
    chain: Runnable[dict[str, Any], Prepared] = (
        RunnableLambda(lambda x: {**x, "language": detect(x)}, name="detect_language")
        | RunnableLambda(lambda x: {**x, "standalone": resolve(x)}, name="contextualize")
        | RunnableLambda(lambda x, config: {**x, "retrieved": retrieve(x, config)}, name="retrieve")
        | RunnableLambda(select, name="select_evidence")
    ).with_config(run_name="taawun_prepare")  # type: ignore[assignment]
    return chain
