"""The answer chain: detect language -> resolve follow-ups -> retrieve -> select evidence -> generate -> cite.

Evidence is chosen sentence by sentence (sentence vectors come from ingest), so
an answer quotes exactly what supports it. The chain abstains when the best
evidence is weak, or when the question asks for a kind of fact (a date, an
amount, a person) that no strong evidence sentence contains.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from assistant.catalog import Catalog, DocRecord
from assistant.cite import Citation
from assistant.protocols import Embedder, Evidence
from assistant.retrieve import Filters, Hit, SearchEngine
from assistant.settings import AnswerSettings
from assistant.text import detect_language, strip_invisible, tokenize
from ingest.describe import extract_dates

# --- messages in both languages --------------------------------------------------
MESSAGES = {
    "abstain": {
        "en": "The sources do not say.",
        "ar": "لا تذكر المصادر ذلك.",
    },
    "related": {
        "en": "Closest passages:",
        "ar": "أقرب المقاطع:",
    },
    "other_language": {
        "en": "The sources cover this in Arabic only; the relevant passage reads:",
        "ar": "تتناول المصادر هذا باللغة الإنجليزية فقط، ونص المقطع ذي الصلة:",
    },
    "empty": {
        "en": "Please type a question.",
        "ar": "يُرجى كتابة سؤال.",
    },
    "no_words": {
        "en": "Please ask your question in words, in Arabic or English.",
        "ar": "يُرجى كتابة السؤال بكلمات، بالعربية أو الإنجليزية.",
    },
    "too_long": {
        "en": "This question is too long ({n} characters; the limit is {limit}). Please shorten it.",
        "ar": "السؤال طويل جدًا ({n} حرفًا، والحد الأقصى {limit}). يُرجى اختصاره.",
    },
    "unavailable": {
        "en": "The index is not available right now: {why}",
        "ar": "الفهرس غير متاح حاليًا: {why}",
    },
}


def message(key: str, lang: str, **kw: object) -> str:
    return MESSAGES[key]["ar" if lang == "ar" else "en"].format(**kw)


def bilingual(key: str, **kw: object) -> str:
    return f"{message(key, 'en', **kw)}\n{message(key, 'ar', **kw)}"


# --- question analysis --------------------------------------------------------------
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]")


def clean_question(text: str) -> str:
    """Drop control and bidi-override characters, collapse whitespace (the question is untrusted)."""
    text = unicodedata.normalize("NFC", strip_invisible(_CONTROL.sub(" ", text)))
    return re.sub(r"\s+", " ", text).strip()


def has_words(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


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
    "who": re.compile(r"\bwho\b|\bwhom\b|^\s*(?:مَن|من)\s+(?:هو|هي|هم|الذي|التي|وقع|وقّع|حضر|شارك|يمثل)|من الذي", re.I),
}
_MONEY = re.compile(
    r"(?:[$€£]\s?\d)|(?:\d[\d,.]*\s*(?:%|percent|dollars?|usd|egp|euros?|pounds?|million|billion|thousand|"
    r"دولار|جنيه|يورو|مليون|مليار|ألف|بالمائة|في المائة|٪))|(?:(?:مليون|مليار)\s+(?:دولار|جنيه|يورو))",
    re.I,
)
_NUMBER = re.compile(r"\d|[٠-٩]|\b(?:two|three|four|five|six|seven|eight|nine|ten|dozen)\b|اثن|ثلاث|أربع|خمس|ست|سبع|ثمان|تسع|عشر", re.I)
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
    return True


_FOLLOWUP = re.compile(
    r"^\s*(?:and|but|also|what about|how about|so|then)\b|\b(?:it|its|they|them|their|this|that|these|those|he|she|"
    r"the (?:agreement|mou|memorandum|meeting|deal|initiative))\b|"
    r"^\s*(?:و|ف)(?:ماذا|متى|من|أين|كيف|هل|ما)|^\s*(?:وماذا عن|ماذا عن)|\b(?:هذه|هذا|ذلك|تلك|هذان|هاتان)\b",
    re.I,
)


def contextualize(question: str, history: Sequence[tuple[str, str]], turns: int) -> str:
    """Resolve a follow-up against the conversation: prepend earlier user questions to the search query.

    A follow-up ("and when was it signed?") names neither the agreement nor the
    partner; the previous questions do. Self-contained questions are left alone.
    """
    if not history or not turns:
        return question
    words = len(question.split())
    if not (_FOLLOWUP.search(question) or words <= 4):
        return question
    previous = [u for u, _ in history[-turns:] if u and u.strip()]
    return " ".join([*previous[-2:], question]) if previous else question


# --- the answer record ---------------------------------------------------------------
@dataclass
class Answer:
    question: str
    language: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    status: str = "ok"  # ok | abstained | invalid | unavailable
    related: bool = False  # the citations are related passages, not support (abstained answers)
    standalone: str | None = None  # the search query after follow-up resolution
    generator: str = "extractive"
    notes: list[str] = field(default_factory=list)

    def contract(self) -> dict[str, Any]:
        """The exact public JSON object of `taawun ask --json`."""
        return {
            "question": self.question,
            "language": self.language,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.contract() for c in self.citations],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


# --- evidence selection ----------------------------------------------------------------
@dataclass
class Candidate:
    hit: Hit
    j: int  # sentence index in the chunk
    start: int
    end: int
    text: str
    sim: float  # cosine(query, sentence)
    score: float  # sim plus small same-language lexical bonus
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


def _candidates(hits: Sequence[Hit], qv: np.ndarray, qtokens: set[str], qlang: str,
                text_of: Callable[[str], str]) -> list[Candidate]:
    out: list[Candidate] = []
    seen: set[tuple[str, int, int]] = set()
    for rank, h in enumerate(hits):
        for member in [h, *h.alternates]:
            doc_text = text_of(member.doc.doc_id)
            sims = member.chunk.sent_vecs @ qv if len(member.chunk.sent_vecs) else np.zeros(0)
            for j, (a, b) in enumerate(member.chunk.sentences):
                key = (member.doc.doc_id, a, b)
                if key in seen:
                    continue
                seen.add(key)
                text = re.sub(r"\s+", " ", doc_text[a:b]).strip()
                lang = detect_language(text, member.chunk.language) or member.chunk.language
                sim = float(sims[j]) if j < len(sims) else 0.0
                overlap = 0.0
                if lang == qlang and qtokens:
                    overlap = len(qtokens & set(tokenize(text))) / len(qtokens)
                out.append(Candidate(member, j, a, b, text, sim, sim + 0.03 * overlap, member.chunk.sent_vecs[j],
                                     lang, rank))
    out.sort(key=lambda c: -c.score)
    return out


def select_evidence(
    question: str, qlang: str, qv: np.ndarray, hits: Sequence[Hit], text_of: Callable[[str], str],
    cfg: AnswerSettings,
) -> Selection:
    cands = _candidates(hits, qv, set(tokenize(question)), qlang, text_of)
    if not cands:
        return Selection([], [], True, "no passages", False)
    best = cands[0]
    if best.sim < cfg.abstain_threshold:
        return Selection([], cands, True, f"best evidence {best.sim:.3f} < threshold {cfg.abstain_threshold}", False)
    strong = [c for c in cands if c.sim >= cfg.abstain_threshold and c.score >= best.score - 0.03]
    types = question_types(question)
    for t in types:
        typed = [c for c in strong if satisfies(t, c.text)]
        if not typed:
            return Selection([], cands, True, f"no strong evidence states the {t} asked for", False)
        strong = typed + [c for c in strong if c not in typed]
    # Prefer the question's language when it has evidence about as strong.
    same = [c for c in strong if c.language == qlang]
    pool = same if same else strong
    chosen: list[Candidate] = []
    for c in pool:
        if len(chosen) >= cfg.max_sentences:
            break
        if any(float(c.vec @ s.vec) > 0.92 or (c.hit.doc.doc_id == s.hit.doc.doc_id and c.start < s.end and s.start < c.end)
               for s in chosen):
            continue
        if chosen and c.score < chosen[0].score - 0.02:
            break
        chosen.append(c)
    # Reading order: by document (in rank order), then position in the document.
    doc_rank: dict[str, int] = {}
    for c in chosen:
        doc_rank.setdefault(c.hit.doc.doc_id, c.rank)
    chosen.sort(key=lambda c: (doc_rank[c.hit.doc.doc_id], c.hit.doc.doc_id, c.start))
    evidence = []
    n_of: dict[tuple[str, int], int] = {}
    for c in chosen:
        # Adjacent sentences of one chunk share a citation number.
        key = (c.hit.chunk.id, c.j - 1)
        n = n_of.get(key) or (max(n_of.values(), default=0) + 1)
        n_of[(c.hit.chunk.id, c.j)] = n
        evidence.append(Evidence(n, c.hit.chunk.id, c.hit.doc.doc_id, c.language, c.start, c.end, c.text, c.sim))
    return Selection(evidence, cands, False, "ok", not same)


def related_evidence(cands: Sequence[Candidate], k: int = 3) -> list[Evidence]:
    """The closest passages, one per document, for an abstained answer."""
    out: list[Evidence] = []
    docs: set[str] = set()
    for c in cands:
        if c.hit.doc.doc_id in docs:
            continue
        docs.add(c.hit.doc.doc_id)
        out.append(Evidence(len(out) + 1, c.hit.chunk.id, c.hit.doc.doc_id, c.language, c.start, c.end, c.text, c.sim))
        if len(out) >= k:
            break
    return out


# --- the LCEL chain ----------------------------------------------------------------------
@dataclass
class Prepared:
    """Everything the generator needs, produced by the retrieval half of the chain."""

    question: str
    language: str
    standalone: str
    hits: list[Hit]
    selection: Selection
    timings_ms: dict[str, float]


def preparation_chain(engine: SearchEngine, embedder: Embedder, catalog: Catalog, cfg: AnswerSettings,
                      text_cache: dict[str, str]) -> Runnable[dict[str, Any], Prepared]:
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

    def retrieve(x: dict[str, Any]) -> dict[str, Any]:
        t0 = time.perf_counter()
        hits = engine.search(x["standalone"], None, x.get("filters") or Filters(), x["language"])
        return {"hits": hits, "t_retrieve": (time.perf_counter() - t0) * 1000}

    def select(x: dict[str, Any]) -> Prepared:
        t0 = time.perf_counter()
        qv = embedder.embed_query(x["standalone"])  # cached by the embedder: no second encoding
        sel = select_evidence(x["standalone"], x["language"], qv, x["retrieved"]["hits"], text_of, cfg)
        t_sel = (time.perf_counter() - t0) * 1000
        return Prepared(x["question"], x["language"], x["standalone"], x["retrieved"]["hits"], sel,
                        {"retrieve": x["retrieved"]["t_retrieve"], "select": t_sel})

    return (
        RunnablePassthrough.assign(language=RunnableLambda(detect), standalone=RunnableLambda(resolve))
        | RunnablePassthrough.assign(retrieved=RunnableLambda(retrieve))
        | RunnableLambda(select)
    ).with_config(run_name="taawun_prepare")


def doc_map(hits: Sequence[Hit]) -> dict[str, DocRecord]:
    out: dict[str, DocRecord] = {}
    for h in hits:
        for m in [h, *h.alternates]:
            out[m.doc.doc_id] = m.doc
    return out
