"""Untrusted text: recognising instruction-like document text and escaping it as prompt data."""

from __future__ import annotations

import re

_INJECTION = re.compile(
    r"ignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier) (?:instructions|prompts?|rules)|"
    r"disregard (?:the |all )?(?:previous|prior|above) |you are now|new instructions|system prompt|"
    r"تجاهل (?:جميع |كل )?(?:التعليمات|الأوامر)|تعليمات جديدة",
    re.I,
)
_DELIMS = re.compile(r"</?\s*(?:passages?|question|system|instructions?)\s*>|<\|[^|]*\|>", re.I)


def looks_like_injection(text: str) -> bool:
    return bool(_INJECTION.search(text))


def as_data(text: str) -> str:
    """Neutralise anything in document text that could pass for our prompt's structure."""
    return _DELIMS.sub(" ", text).replace("[", "(").replace("]", ")")
