"""Register extraction against hand labels: precision and recall of records, counterparts, types, dates,
people (with roles) and the Egyptian party, on invented releases in tests/data/register/; and of the
cross-document merge (one record per event), scored on pairs of extracted records.

    .venv/bin/python -m bench.register

Prints the table and writes bench/results/register.md (and .json).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.core.catalog import DocRecord
from assistant.core.events import merge_records
from assistant.core.text import normalize_arabic
from ingest.agreements import extract_records

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "register"
Key = tuple[str, ...]


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, gold: set[Key], got: set[Key]) -> None:
        self.tp += len(gold & got)
        self.fp += len(got - gold)
        self.fn += len(gold - got)
        self.misses += [f"missed {k}" for k in sorted(gold - got)] + [f"extra {k}" for k in sorted(got - gold)]

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load_labels() -> list[dict[str, Any]]:
    return list(json.loads((DATA / "labels.json").read_text(encoding="utf-8"))["documents"])


def extract(label: dict[str, Any]) -> list[dict[str, Any]]:
    """The register records for one labelled document, published date as the loader would give it."""
    name = label["doc"]
    text = (DATA / name).read_text(encoding="utf-8")
    doc = DocRecord(name, name, "txt", label["language"], name, text, "h", len(text), "now", label["published"])
    return extract_records(doc)


def _name(s: str) -> str:
    return normalize_arabic(s).lower().strip()


def _people(doc: str, rec_key: Key, people: list[dict[str, str]], with_role: bool) -> set[Key]:
    """Person keys; with_role keeps a person only with a role, compared by the gold role's wording."""
    return {(doc, *rec_key, _name(p["name"]), _name(p["role"]) if with_role else "") for p in people}


def _role_ok(gold_role: str, got_role: str) -> bool:
    return bool(gold_role) and _name(gold_role) in _name(got_role)


def event_of(doc: str, rec: dict[str, Any]) -> str:
    """A labelled record's event: its own label, else the record itself (an event no other document reports)."""
    return str(rec.get("event") or f"{doc}|{rec['type']}|{rec['partner']}")


def merge_tally(extracted: list[dict[str, Any]], gold_event: dict[Key, str]) -> Tally:
    """Pairs of extracted records put into one event, against pairs labelled the same event. A record the
    labels do not have is an event of its own, so merging it is a false merge."""
    key_of = {r["id"]: (r["doc_id"], r["type"], r["partners"][0]["id"]) for r in extracted}
    event = {rid: gold_event.get(k, "|".join(k)) for rid, k in key_of.items()}

    def pairs(groups: list[list[str]]) -> set[Key]:
        return {
            tuple(sorted(("|".join(key_of[a]), "|".join(key_of[b]))))
            for g in groups
            for i, a in enumerate(g)
            for b in g[i + 1 :]
        }

    by_event: dict[str, list[str]] = {}
    for rid, e in event.items():
        by_event.setdefault(e, []).append(rid)
    t = Tally()
    t.add(pairs(list(by_event.values())), pairs([m["record_ids"] for m in merge_records(extracted)]))
    return t


def score() -> dict[str, Tally]:
    t = {k: Tally() for k in ("records", "counterparts", "dates", "egypt_party", "people", "people+roles")}
    types: dict[str, Tally] = {}
    extracted: list[dict[str, Any]] = []
    gold_event: dict[Key, str] = {}
    for label in load_labels():
        doc = label["doc"]
        recs = [{**r, "doc_id": doc} for r in extract(label)]  # as Catalog.records() gives them
        extracted += recs
        gold_event.update({(doc, r["type"], r["partner"]): event_of(doc, r) for r in label["records"]})
        got = {(r["type"], r["partners"][0]["id"]): r for r in recs}
        gold = {(r["type"], r["partner"]): r for r in label["records"]}
        t["records"].add({(doc, *k) for k in gold}, {(doc, *k) for k in got})
        t["counterparts"].add({(doc, k[1]) for k in gold}, {(doc, k[1]) for k in got})
        for ty in {k[0] for k in gold} | {k[0] for k in got}:
            types.setdefault(ty, Tally()).add(
                {(doc, *k) for k in gold if k[0] == ty}, {(doc, *k) for k in got if k[0] == ty}
            )
        for k in gold.keys() & got.keys():  # attributes are scored on the records both sides have
            g, r = gold[k], got[k]
            t["dates"].add({(doc, *k, str(g["date"]))}, {(doc, *k, str(r.get("date")))})
            party = r.get("egypt_party") or []
            t["egypt_party"].add({(doc, *k, str(g["egypt_party"]))}, {(doc, *k, str(party[0] if party else None))})
            gp, rp = g["people"], r["people"]
            t["people"].add(_people(doc, k, gp, False), _people(doc, k, rp, False))
            by_name = {_name(p["name"]): p for p in rp}
            ok = {
                p["name"]
                for p in gp
                if _name(p["name"]) in by_name and _role_ok(p["role"], by_name[_name(p["name"])]["role"])
            }
            roles = Tally()
            roles.add({(doc, *k, _name(p["name"])) for p in gp}, {(doc, *k, _name(n)) for n in ok})
            roles.fp = len(rp) - len(ok)  # an extracted person with a wrong or no role is not a correct one
            t["people+roles"].tp += roles.tp
            t["people+roles"].fp += max(roles.fp, 0)
            t["people+roles"].fn += roles.fn
    for ty, tally in sorted(types.items()):
        t[f"type: {ty}"] = tally
    t["merge (record pairs)"] = merge_tally(extracted, gold_event)
    return t


def render(t: dict[str, Tally]) -> str:
    labels = load_labels()
    n_rec = sum(len(x["records"]) for x in labels)
    counts = Counter(r["type"] for x in labels for r in x["records"])
    lines = [
        "# Register extraction (labelled invented releases)",
        "",
        f"{len(labels)} documents ({sum(x['language'] == 'ar' for x in labels)} Arabic), {n_rec} labelled records "
        f"({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}). Command: `.venv/bin/python -m bench.register`.",
        "Dates, Egyptian party and people are scored on the records both the labels and the extractor have.",
        "The extraction rules were refined while reading this set: these are development figures, not held-out ones.",
        "",
        "| measure | precision | recall | tp | fp | fn |",
        "|---|---|---|---|---|---|",
    ]
    for k, v in t.items():
        lines.append(f"| {k} | {v.precision:.2f} | {v.recall:.2f} | {v.tp} | {v.fp} | {v.fn} |")
    events = len({event_of(x["doc"], r) for x in labels for r in x["records"]})
    m = t["merge (record pairs)"]
    lines += [
        "",
        f"Merge: {n_rec} labelled records report {events} events; a pair of extracted records is correct when the "
        "labels give both the same event. Without the merge (every record listed) precision is 1.00 and recall "
        f"0.00 ({m.tp + m.fn} same-event pairs listed twice); with it, {m.precision:.2f} and {m.recall:.2f}. "
        "The merge rules (assistant/core/events.py) were written alongside this set: development figures too.",
    ]
    lines += ["", "## Errors (records)", ""] + [f"- {m}" for m in t["records"].misses]
    lines += ["", "## Errors (dates, party)", ""] + [f"- {m}" for k in ("dates", "egypt_party") for m in t[k].misses]
    lines += ["", "## Errors (merge)", ""] + [f"- {x}" for x in m.misses]
    return "\n".join(lines) + "\n"


def main() -> None:
    from bench.common import write_results

    t = score()
    md = render(t)
    print(md)
    payload: dict[str, object] = {
        k: {"precision": v.precision, "recall": v.recall, "tp": v.tp, "fp": v.fp, "fn": v.fn} for k, v in t.items()
    }
    write_results("register", payload, md)


if __name__ == "__main__":
    main()
