"""One register record per event: the per-document records that report the same event are merged at read time.

The register's record types, their labels and the CSV export live here too: ingest, queries and the UI share them.

Ingest extracts records per document (and stores them per document, so adding, replacing or removing a
document only touches its own rows). Several articles about one signing give several records; everything
that *lists* records reads them through :func:`merge_records`, so a merge can never go stale.

Two records are the same event when they have the same type and the same counterpart set, their Egyptian
parties do not contradict each other, and their dates agree at the precision both have:

- both to the day: at most ``DAY_WINDOW`` days apart (a release may appear days after the signing);
- one to the month: the same month;
- a year only: the same year, and they share a signatory (or, both year-only, their topics);
- both undated: they share a signatory or their topics; one undated, one dated: a shared signatory.

Merging is complete-linkage (a record joins a group only when it matches every member), so a chain of
reports a week apart each cannot stretch one event over a month. A false merge hides an event, a missed
one only shows a duplicate, so every rule errs towards keeping records apart.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from assistant.core.text import normalize_arabic

#: the register's record types, and their names in each language
TYPES = ("mou", "agreement", "meeting", "initiative")
TYPE_LABELS = {
    "en": {
        "mou": "Memorandum of understanding",
        "agreement": "Agreement",
        "meeting": "Meeting",
        "initiative": "Initiative",
    },
    "ar": {"mou": "مذكرة تفاهم", "agreement": "اتفاقية", "meeting": "اجتماع", "initiative": "مبادرة"},
}
#: days two day-precise dates of one event may differ by (signing day vs. the day a report appeared)
DAY_WINDOW = 10
#: topics every release of a body carries, read off its own name ("Ministry of Communications and Information
#: Technology", "National Telecom Regulatory Authority"): sharing them says nothing about the event
GENERIC_TOPICS = frozenset({"ICT", "telecommunications", "information technology"})
_TYPE_NAMES = {"mou": "MoU", "agreement": "Agreement", "meeting": "Meeting", "initiative": "Initiative"}


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _signatories(r: dict[str, Any]) -> set[str]:
    return {normalize_arabic(p["name"]).lower() for p in r.get("people") or [] if p.get("part") != "presence"}


def _subjects(r: dict[str, Any]) -> set[str]:
    return set(r.get("topics") or []) - GENERIC_TOPICS


def _topics_overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """At least half of the smaller topic set is shared: one broad topic ("training") alone is not enough
    when either record names more."""
    ta, tb = _subjects(a), _subjects(b)
    shared = len(ta & tb)
    return shared > 0 and 2 * shared >= min(len(ta), len(tb))


def _topics_clash(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Both name what they are about and share nothing: a training MoU and a cloud-lab MoU with one company
    in one week are two instruments (two outlets on one signing name at least one subject in common)."""
    ta, tb = _subjects(a), _subjects(b)
    return bool(ta and tb and not ta & tb)


def _dates_agree(a: dict[str, Any], b: dict[str, Any]) -> bool:
    da, db = str(a.get("date") or ""), str(b.get("date") or "")
    people = bool(_signatories(a) & _signatories(b))
    if not da or not db:
        return people if (da or db) else people or _topics_overlap(a, b)
    if len(da) >= 10 and len(db) >= 10:
        x, y = _day(da), _day(db)
        return x is not None and y is not None and abs((x - y).days) <= DAY_WINDOW
    if len(da) >= 7 and len(db) >= 7:
        return da[:7] == db[:7]
    if da[:4] != db[:4]:
        return False
    # a year alone dates many events: it takes a shared signatory (or, both year-only, shared topics)
    return people or (len(da) == 4 and len(db) == 4 and _topics_overlap(a, b))


def same_event(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two records of *different* documents report the same event."""
    if a.get("doc_id") == b.get("doc_id") or a["type"] != b["type"]:
        return False
    if {p["id"] for p in a["partners"]} != {p["id"] for p in b["partners"]}:
        return False
    pa, pb = set(a.get("egypt_party") or []), set(b.get("egypt_party") or [])
    if pa and pb and not pa & pb:
        return False  # ITIDA's MoU with Huawei is not NTRA's MoU with Huawei signed the same week
    return not _topics_clash(a, b) and _dates_agree(a, b)


def _groups(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Complete-linkage groups within each (type, counterpart set), in a deterministic order (by date, then
    document); bucketing first keeps this linear in the number of records for a real register."""
    buckets: dict[tuple[str, frozenset[str]], list[dict[str, Any]]] = {}
    for r in records:
        buckets.setdefault((r["type"], frozenset(p["id"] for p in r["partners"])), []).append(r)
    groups: list[list[dict[str, Any]]] = []
    for bucket in buckets.values():
        mine: list[list[dict[str, Any]]] = []
        for r in sorted(bucket, key=lambda r: (str(r.get("date") or "~"), r.get("doc_id") or "", r["id"])):
            home = next((g for g in mine if all(same_event(r, x) for x in g)), None)
            if home is None:
                mine.append([r])
            else:
                home.append(r)
        groups += mine
    return groups


def _best_date(group: list[dict[str, Any]]) -> dict[str, Any]:
    """The record whose date to keep: the most precise, a date read in the text before a publication date,
    then the earliest."""
    return min(
        group,
        key=lambda r: (-len(str(r.get("date") or "")), r.get("date_source") != "text", str(r.get("date") or "")),
    )


def _union_people(group: list[dict[str, Any]]) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for r in group:
        for p in r.get("people") or []:
            key = normalize_arabic(p["name"]).lower()
            if key not in seen or (p.get("role") and not seen[key].get("role")):
                seen[key] = p
    return list(seen.values())


def _summary(r: dict[str, Any]) -> str:
    s = f"{_TYPE_NAMES.get(r['type'], r['type'])}: Egypt – {', '.join(p['en'] for p in r['partners'])}"
    if r["topics"]:
        s += f" ({', '.join(r['topics'][:4])})"
    return s + (f", {r['date']}" if r.get("date") else "")


def _merge(group: list[dict[str, Any]]) -> dict[str, Any]:
    """One record for a group: every evidence sentence (each with its document), the union of people, topics,
    parties and years, and the most precise date."""
    group = sorted(group, key=lambda r: (r.get("doc_id") or "", r["id"]))
    if len(group) == 1:
        r = group[0]
        doc = r.get("doc_id")
        ev = [
            {**e, "doc_id": e.get("doc_id", doc), "language": e.get("language", r.get("language"))}
            for e in r["evidence"]
        ]
        return {**r, "evidence": ev, "doc_ids": [doc] if doc else [], "record_ids": [r["id"]]}
    dated = _best_date(group)
    topics = list(dict.fromkeys(t for r in group for t in r.get("topics") or []))
    years = sorted({y for r in group for y in r.get("years") or []})
    merged = {
        **group[0],
        # the smallest member id: unchanged when a report is added unless it sorts first, and never random
        "id": min(r["id"] for r in group),
        "date": dated.get("date"),
        "date_source": dated.get("date_source"),
        "year": years[0] if years else None,
        "years": years,
        "egypt_party": list(dict.fromkeys(p for r in group for p in r.get("egypt_party") or [])),
        "people": _union_people(group),
        "topics": topics,
        "evidence": [
            {**e, "doc_id": e.get("doc_id", r.get("doc_id")), "language": e.get("language", r.get("language"))}
            for r in group
            for e in r["evidence"]
        ],
        "doc_ids": list(dict.fromkeys(str(r.get("doc_id")) for r in group)),
        "record_ids": [r["id"] for r in group],
    }
    merged["summary"] = _summary(merged)
    return merged


def merge_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per event. Each keeps ``doc_id`` (its first document), ``doc_ids``, ``record_ids`` (the
    per-document records it merges) and evidence items that carry their ``doc_id`` and ``language``."""
    return [_merge(g) for g in _groups(records)]


def first_evidence(r: dict[str, Any], language: str | None = None) -> dict[str, Any]:
    """The evidence to cite for a record: the first in ``language`` when there is one, else the first."""
    ev = r["evidence"]
    return next((e for e in ev if language and e.get("language") == language), ev[0])


def to_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        [
            "type",
            "partner_en",
            "partner_ar",
            "date",
            "years",
            "people",
            "topics",
            "document",
            "documents",
            "start",
            "end",
            "evidence",
        ]
    )
    for r in rows:
        for p in r["partners"]:
            ev = first_evidence(r)
            w.writerow(
                [
                    r["type"],
                    p["en"],
                    p["ar"],
                    r.get("date") or "",
                    " ".join(map(str, r.get("years") or [])),
                    "; ".join(f"{x['name']} ({x['role'] or x['part']})" for x in r["people"]),
                    "; ".join(r["topics"]),
                    ev.get("doc_id", r["doc_id"]),
                    "; ".join(r.get("doc_ids") or [r["doc_id"]]),
                    ev["start"],
                    ev["end"],
                    ev["text"],
                ]
            )
    return buf.getvalue()
