"""Agreements register extraction (filled in by the agreements work)."""

from __future__ import annotations

from typing import Any

from assistant.catalog import DocRecord


def extract_records(doc: DocRecord) -> list[dict[str, Any]]:
    return []
