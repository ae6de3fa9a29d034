"""The register as a timeline: records per year, stacked by type, for the Agreements tab's bar chart."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from assistant.core.events import TYPE_LABELS, TYPES
from assistant.core.gazetteer import gazetteer
from ui.render import esc
from ui.strings import t

#: the x value of records whose year the register does not know (sorts after every year)
UNDATED = "undated"
REGIONS = ("africa", "arab", "asia", "europe")
COLUMNS = ["year", "type", "records"]


def year_of(record: dict[str, Any]) -> str:
    """The year a record is counted in: its own date's, else the first year it mentions, else undated."""
    year = record.get("year") or min(record.get("years") or [0]) or None
    return str(year) if year else UNDATED


def year_label(year: str, lang: str) -> str:
    return t("undated", lang) if year == UNDATED else year


def filter_records(rows: Iterable[dict[str, Any]], region: str | None, partner: str | None) -> list[dict[str, Any]]:
    """Records with a partner in ``region`` and, when given, with the partner id ``partner``."""
    g = gazetteer()
    out = []
    for r in rows:
        ids = [p["id"] for p in r["partners"]]
        if partner and partner not in ids:
            continue
        if region and not any(region in g.regions_of(i) for i in ids):
            continue
        out.append(r)
    return out


def frame(rows: Sequence[dict[str, Any]], lang: str) -> pd.DataFrame:
    """One row per (year, type) with the number of records; years as labels so each year is one bar."""
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        key = (year_of(r), r["type"])
        counts[key] = counts.get(key, 0) + 1
    # years in order, the undated bar last, types in the register's order within a year
    keys = sorted(counts, key=lambda k: (k[0] == UNDATED, k[0], TYPES.index(k[1])))
    data = [[year_label(y, lang), TYPE_LABELS[lang][typ], counts[(y, typ)]] for y, typ in keys]
    return pd.DataFrame(data, columns=COLUMNS)


def year_choices(rows: Sequence[dict[str, Any]], lang: str) -> list[tuple[str, str]]:
    years = sorted({year_of(r) for r in rows}, key=lambda y: (y == UNDATED, y))
    return [(t("any", lang), ""), *[(year_label(y, lang), y) for y in years]]


def region_choices(lang: str) -> list[tuple[str, str]]:
    return [(t("any", lang), ""), *[(t("region_" + r, lang), r) for r in REGIONS]]


def selected_year(value: Any, lang: str) -> str:
    """The year a chart selection points at ("" when none).

    The chart's select event is a brush over the x axis. Over year labels (a band scale) it carries the
    labels it covers; over numbers it would carry [from, to]. A drag across one bar selects that bar.
    """
    items = value if isinstance(value, (list, tuple)) else [value]
    labels = [str(x) for x in items if x is not None]
    if not labels:
        return ""
    first = labels[0]
    if first == t("undated", lang) or first == UNDATED:
        return UNDATED
    try:
        return str(round(float(first)))
    except ValueError:
        return ""


def records_html(rows: Sequence[dict[str, Any]], year: str, lang: str) -> str:
    """The records counted in ``year``'s bar, as an escaped list (empty when no year is chosen)."""
    if not year:
        return f'<p class="timeline-hint" dir="auto">{esc(t("timeline_hint", lang))}</p>'
    chosen = [r for r in rows if year_of(r) == year]
    head = f"{year_label(year, lang)} · {t('records', lang)}: {len(chosen)}"
    items = "".join(
        f'<li dir="auto"><span class="type">{esc(TYPE_LABELS[lang][r["type"]])}</span> · '
        f"{esc(', '.join(p['ar' if lang == 'ar' else 'en'] for p in r['partners']))}"
        f"{' · ' + esc(r['date']) if r.get('date') else ''}"
        f' <span class="meta">{esc(r["doc_id"])}</span></li>'
        for r in chosen
    )
    return (
        f'<div class="timeline-records" data-year="{esc(year)}"><h4 dir="auto">{esc(head)}</h4><ul>{items}</ul></div>'
    )
