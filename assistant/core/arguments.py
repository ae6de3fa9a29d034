"""Checks on what callers pass in (API, CLI, UI) before anything can trip on it.

A malformed argument is answered with status ``invalid`` and a message naming the argument,
never with an internal error or a misleading "the sources do not say".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.core.errors import InvalidArgument

LANGUAGES = ("ar", "en")
#: a lone surrogate (from a JSON "\ud800" or undecodable argv bytes) or a replacement character
#: (from decoding invalid UTF-8 with replacement): either way the question's text is broken
_BROKEN = re.compile("[\ud800-\udfff\ufffd]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

_MESSAGES = {
    "argument": {
        "en": "Invalid argument {problem}. Please correct it and try again.",
        "ar": "وسيط غير صالح {problem}. يُرجى تصحيحه والمحاولة مرة أخرى.",
    },
    "broken_text": {
        "en": "The question contains characters that are not valid text (broken UTF-8). Please type it again.",
        "ar": "يحتوي السؤال على رموز غير صالحة (ترميز UTF-8 تالف). يُرجى كتابته مرة أخرى.",
    },
}
BROKEN_TEXT = "broken_text"  # the problem code of a question with broken characters


def repair_text(text: str) -> str:
    """``text`` with lone surrogates replaced, so it can always be encoded as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


def question_problem(question: object) -> str | None:
    if not isinstance(question, str):
        return str(InvalidArgument("question", f"expected text, got {type(question).__name__}"))
    return BROKEN_TEXT if _BROKEN.search(question) else None


def history_turns(history: object) -> list[tuple[str, str]]:
    """Earlier turns as (question, answer) pairs of text; a missing answer (None) is empty."""
    if history is None:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise InvalidArgument("history", "expected a list of [question, answer] pairs")
    turns = []
    for i, turn in enumerate(history):
        if not isinstance(turn, (list, tuple)) or len(turn) != 2:
            raise InvalidArgument("history", f"turn {i} is not a [question, answer] pair")
        if not all(x is None or isinstance(x, str) for x in turn):
            raise InvalidArgument("history", f"turn {i} holds {_kinds(turn)} instead of text")
        turns.append((repair_text(turn[0] or ""), repair_text(turn[1] or "")))
    return turns


def _kinds(values: Sequence[Any]) -> str:
    return ", ".join(type(v).__name__ for v in values)


def check_date(name: str, value: object) -> str | None:
    """A filter date: YYYY, YYYY-MM or YYYY-MM-DD (a real calendar date); empty means no limit."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidArgument(name, f"expected a date string YYYY[-MM[-DD]], got {type(value).__name__} {value!r}")
    text = value.strip()
    m = _DATE.fullmatch(text)
    try:
        if m is None:
            raise ValueError
        dt.date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError:
        raise InvalidArgument(name, f"{value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)") from None
    return text


def check_strings(name: str, value: object, allowed: Sequence[str] | None = None) -> tuple[str, ...] | None:
    """A filter of one or more names (languages, document ids, partners); empty means no limit."""
    if value is None or value == "" or value == []:
        return None
    given = list(value) if isinstance(value, (list, tuple)) else [value]
    values = [v for v in given if isinstance(v, str)]
    if len(values) != len(given):
        raise InvalidArgument(name, f"expected text or a list of text, got {_kinds(given)}")
    if allowed is not None and (bad := [v for v in values if v not in allowed]):
        raise InvalidArgument(name, f"{', '.join(map(repr, bad))} is not one of {', '.join(allowed)}")
    return tuple(values)


def invalid_message(problem: str, lang: str | None) -> str:
    """The answer text for a malformed request, in the asker's language or both."""
    key = BROKEN_TEXT if problem == BROKEN_TEXT else "argument"
    texts = {k: v.format(problem=problem) for k, v in _MESSAGES[key].items()}
    return texts[lang] if lang in texts else f"{texts['en']}\n{texts['ar']}"


@dataclass(frozen=True)
class Filters:
    """Metadata filters; ``None`` means no restriction."""

    languages: tuple[str, ...] | None = None
    doc_ids: tuple[str, ...] | None = None
    date_from: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD, inclusive
    date_to: str | None = None
    countries: tuple[str, ...] | None = None
    problem: str | None = None  # why the filters given were malformed (answers are then `invalid`)

    def is_empty(self) -> bool:
        return not any((self.languages, self.doc_ids, self.date_from, self.date_to, self.countries))

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Filters:
        """Filters from API or CLI arguments; a malformed one is named in ``problem``, never raised."""
        if not d:
            return cls()
        if not isinstance(d, dict):
            return cls(problem="filters: expected an object of filter names and values")

        def pick(*names: str) -> tuple[str, Any]:  # the first name given is the one an error names
            return next(((n, d[n]) for n in names if d.get(n) not in (None, "", [])), (names[0], None))

        try:
            return cls(
                check_strings(*pick("languages", "language"), allowed=LANGUAGES),
                check_strings(*pick("doc_ids", "doc_id")),
                check_date("date_from", d.get("date_from")),
                check_date("date_to", d.get("date_to")),
                check_strings(*pick("countries", "country")),
            )
        except InvalidArgument as exc:
            return cls(problem=str(exc))
