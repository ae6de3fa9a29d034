"""The bilingual gazetteer: countries, organisations, companies, regulators and cooperation vocabulary.

It finds partners in Arabic and English text (with Arabic clitics such as و/ب/ل
and the article ال) and translates query terms for cross-language keyword matching.
The Egyptian bodies that sign for Egypt (the ministry, NTRA, ITIDA, Egypt Post) are
found separately (`find_egypt_bodies`): they are never partners.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.core.text import normalize_arabic, normalize_with_offsets, tokenize

GAZETTEER_FILE = Path(__file__).resolve().parent.parent / "data" / "gazetteer.json"
HOME = "EG"  # the ministry's own country is never a "partner"

# Regions are partners too (an initiative "with African countries").
REGIONS: list[dict[str, Any]] = [
    {
        "id": "R-AFRICA",
        "en": "Africa",
        "ar": "إفريقيا",
        "aliases_en": ["African countries", "the African continent"],
        "aliases_ar": [
            "أفريقيا",
            "الدول الإفريقية",
            "الدول الأفريقية",
            "القارة الإفريقية",
            "القارة الأفريقية",
            "القارة السمراء",
            "البلدان الإفريقية",
            "البلدان الأفريقية",
        ],
    },
    {
        "id": "R-ARAB",
        "en": "Arab countries",
        "ar": "الدول العربية",
        "aliases_en": ["Arab world", "Arab states"],
        "aliases_ar": ["العالم العربي", "البلدان العربية"],
    },
    {
        "id": "R-EUROPE",
        "en": "Europe",
        "ar": "أوروبا",
        "aliases_en": ["European countries", "the European continent"],
        "aliases_ar": ["الدول الأوروبية", "البلدان الأوروبية", "القارة الأوروبية"],
    },
    {
        "id": "R-ASIA",
        "en": "Asia",
        "ar": "آسيا",
        "aliases_en": ["Asian countries", "the Asian continent"],
        "aliases_ar": ["الدول الآسيوية", "البلدان الآسيوية", "القارة الآسيوية"],
    },
]
#: the region each region entity stands for (country records carry theirs in the data file)
REGION_OF_ENTITY = {"R-AFRICA": "africa", "R-ARAB": "arab", "R-EUROPE": "europe", "R-ASIA": "asia"}


@dataclass(frozen=True)
class Entity:
    id: str
    en: str
    ar: str
    kind: str  # country | organization | company | regulator | region
    country: str | None = None  # a company's or regulator's home country (id)
    regions: tuple[str, ...] = ()  # africa | arab | europe | asia | americas | oceania

    def name(self, lang: str) -> str:
        return self.ar if lang == "ar" else self.en

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "en": self.en, "ar": self.ar, "kind": self.kind}


@dataclass(frozen=True)
class Mention:
    entity: Entity
    start: int
    end: int


def _alternation(names: list[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))


class Gazetteer:
    def __init__(self, data: dict) -> None:
        self.entities: list[Entity] = []
        en_names: dict[str, Entity] = {}  # lower-cased name -> entity
        acronyms: dict[str, Entity] = {}  # case-sensitive short upper-case names (ITU, AU)
        ar_article: dict[str, Entity] = {}  # normalised name without its leading ال -> entity
        ar_plain: dict[str, Entity] = {}
        for kind, items in (
            ("country", data.get("countries", [])),
            ("organization", data.get("organizations", [])),
            ("company", data.get("companies", [])),
            ("regulator", data.get("regulators", [])),
            ("region", REGIONS),
        ):
            for item in items:
                e = _entity(kind, item)
                self.entities.append(e)
                for n in [item["en"], *item.get("aliases_en", []), *item.get("demonyms_en", [])]:
                    n = n.strip()
                    if n.isupper() and len(n) <= 6:
                        acronyms.setdefault(n, e)
                    elif n:
                        en_names.setdefault(n.lower(), e)
                for n in [item["ar"], *item.get("aliases_ar", []), *item.get("demonyms_ar", [])]:
                    n = normalize_arabic(n.strip())
                    if n.startswith("ال") and len(n) > 3:
                        ar_article.setdefault(n[2:], e)
                    elif n:
                        ar_plain.setdefault(n, e)
        self._en_names, self._acronyms, self._ar_article, self._ar_plain = en_names, acronyms, ar_article, ar_plain
        # One alternation per family, longest names first: "Equatorial Guinea" wins over "Guinea".
        # Arabic names take the clitics و ف ب ل ك and, for names with the article, لل.
        self._re_en = re.compile(rf"(?<![\w-])({_alternation(list(en_names))})(?![\w-])", re.IGNORECASE)
        self._re_acr = re.compile(rf"(?<![\w-])({_alternation(list(acronyms))})(?![\w-])")
        self._re_ar_article = re.compile(rf"(?<!\w)(?:[وفبلك]?ال|لل)({_alternation(list(ar_article))})(?!\w)")
        self._re_ar_plain = re.compile(rf"(?<!\w)[وفبلك]?({_alternation(list(ar_plain))})(?!\w)")
        self.by_id = {e.id: e for e in self.entities}
        self.egypt_bodies = {b["id"]: b for b in data.get("egypt_bodies", [])}
        self._bodies = _NameFinder(
            {b["id"]: [b["en"], b["short_en"], *b["aliases_en"]] for b in self.egypt_bodies.values()},
            {b["id"]: [b["ar"], *b["aliases_ar"]] for b in self.egypt_bodies.values()},
        )
        self.terms: list[tuple[list[str], list[str]]] = [(t["en"], t["ar"]) for t in data.get("terms", [])]
        self._term_index = self._build_term_index()

    def find(self, text: str) -> list[Mention]:
        """Entity mentions in ``text`` (offsets into ``text``), longest match wins, no overlaps."""
        norm, index = normalize_with_offsets(text)
        found: list[Mention] = []
        for regex, source, table, fold in (
            (self._re_ar_article, norm, self._ar_article, False),
            (self._re_ar_plain, norm, self._ar_plain, False),
            (self._re_en, text, self._en_names, True),
            (self._re_acr, text, self._acronyms, False),
        ):
            if not table:
                continue
            for hit in regex.finditer(source):
                key = hit.group(1).lower() if fold else hit.group(1)
                a, b = (index[hit.start()], index[hit.end() - 1] + 1) if source is norm else hit.span()
                found.append(Mention(table[key], a, b))
        found.sort(key=lambda x: (x.start, -(x.end - x.start)))
        out: list[Mention] = []
        for mention in found:
            if out and mention.start < out[-1].end:
                continue
            out.append(mention)
        return out

    def find_egypt_bodies(self, text: str) -> list[tuple[str, int, int]]:
        """(body id, start, end) for each mention of an Egyptian signing body (MCIT, NTRA, ITIDA, Egypt Post)."""
        return self._bodies.find(text)

    def regions_of(self, entity_id: str) -> set[str]:
        """The regions a partner belongs to: a country's own, a company's or regulator's home country's."""
        e = self.by_id.get(entity_id)
        if e is None:
            return set()
        if e.kind == "region":
            return {REGION_OF_ENTITY.get(e.id, "")} - {""}
        if e.country and e.country in self.by_id:
            return set(self.by_id[e.country].regions)
        return set(e.regions)

    def lookup(self, name: str) -> Entity | None:
        """An entity by id, English or Arabic name (or alias)."""
        if not name:
            return None
        if name.upper() in self.by_id:
            return self.by_id[name.upper()]
        found = self.find(name)
        return found[0].entity if found else None

    # --- cross-language term translation ------------------------------------------------
    def _build_term_index(self) -> dict[str, list[tuple[tuple[str, ...], list[str]]]]:
        """first stem of a phrase -> [(phrase stems, stems of its translations)] for both directions."""
        idx: dict[str, list[tuple[tuple[str, ...], list[str]]]] = {}

        def add(src: list[str], dst: list[str]) -> None:
            dst_stems = sorted({s for d in dst for s in tokenize(d)})
            for phrase in src:
                stems = tuple(tokenize(phrase))
                if stems and dst_stems:
                    idx.setdefault(stems[0], []).append((stems, dst_stems))

        for en, ar in self.terms:
            add(en, ar)
            add(ar, en)
        for e in self.entities:
            add([e.en], [e.ar])
            add([e.ar], [e.en])
        for v in idx.values():
            v.sort(key=lambda x: -len(x[0]))
        return idx

    def translate_tokens(self, tokens: list[str]) -> list[str]:
        """Search tokens of the other language for the glossary phrases found in ``tokens``."""
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for stems, dst in self._term_index.get(tokens[i], []):
                if tuple(tokens[i : i + len(stems)]) == stems:
                    out.extend(dst)
                    i += len(stems)
                    break
            else:
                i += 1
        return list(dict.fromkeys(out))


def _entity(kind: str, item: dict[str, Any]) -> Entity:
    # Organisation ids live in their own namespace (AU is Australia; the African Union is ORG:AU).
    eid = f"ORG:{item['id']}" if kind == "organization" else item["id"]
    return Entity(eid, item["en"], item["ar"], kind, item.get("country"), tuple(item.get("region", [])))


class _NameFinder:
    """Whole-word matching of a few named bodies in both scripts (Arabic clitics allowed, acronyms by case)."""

    def __init__(self, en: dict[str, list[str]], ar: dict[str, list[str]]) -> None:
        self._en = {n.lower(): k for k, ns in en.items() for n in ns if not (n.isupper() and len(n) <= 6)}
        self._acr = {n: k for k, ns in en.items() for n in ns if n.isupper() and len(n) <= 6}
        self._ar = {normalize_arabic(n): k for k, ns in ar.items() for n in ns}
        self._re_en = re.compile(rf"(?<![\w-])({_alternation(list(self._en))})(?![\w-])", re.I)
        self._re_acr = re.compile(rf"(?<![\w-])({_alternation(list(self._acr))})(?![\w-])")
        self._re_ar = re.compile(rf"(?<!\w)(?:[وفبلك]|لل)?({_alternation(list(self._ar))})(?!\w)")

    def find(self, text: str) -> list[tuple[str, int, int]]:
        norm, index = normalize_with_offsets(text)
        found = [(self._en[m.group(1).lower()], *m.span(1)) for m in self._re_en.finditer(text)]
        found += [(self._acr[m.group(1)], *m.span(1)) for m in self._re_acr.finditer(text)]
        for m in self._re_ar.finditer(norm):
            found.append((self._ar[m.group(1)], index[m.start(1)], index[m.end(1) - 1] + 1))
        return sorted(found, key=lambda x: x[1])


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer(json.loads(GAZETTEER_FILE.read_text(encoding="utf-8")))
