"""User-facing messages in both languages (the answer's own words outside quotes)."""

from __future__ import annotations

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
    "busy": {
        "en": "Too many questions are waiting right now. Please try again in a moment.",
        "ar": "هناك أسئلة كثيرة قيد الانتظار الآن. يُرجى المحاولة مرة أخرى بعد قليل.",
    },
    "error": {
        "en": "Sorry, something went wrong while answering. The error was logged; please try again.",
        "ar": "عذرًا، حدث خطأ أثناء الإجابة. سُجّل الخطأ؛ يُرجى المحاولة مرة أخرى.",
    },
}


def message(key: str, lang: str, **kw: object) -> str:
    return MESSAGES[key]["ar" if lang == "ar" else "en"].format(**kw)


def bilingual(key: str, **kw: object) -> str:
    return f"{message(key, 'en', **kw)}\n{message(key, 'ar', **kw)}"
