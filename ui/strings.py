"""Interface strings in English and Arabic."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "app_title": {
        "en": "Ta'awun — Egypt's ICT international cooperation",
        "ar": "تعاون — التعاون الدولي لمصر في الاتصالات",
    },
    "subtitle": {
        "en": "Ask in Arabic or English. Answers come only from the indexed sources, with citations you can check.",
        "ar": "اسأل بالعربية أو الإنجليزية. الإجابات مأخوذة من المصادر المفهرسة فقط، مع إحالات يمكنك التحقق منها.",
    },
    "tab_chat": {"en": "Chat", "ar": "المحادثة"},
    "tab_library": {"en": "Library", "ar": "المكتبة"},
    "tab_agreements": {"en": "Agreements", "ar": "الاتفاقيات"},
    "tab_editor": {"en": "Refresh the index", "ar": "تحديث الفهرس"},
    "question": {"en": "Your question", "ar": "سؤالك"},
    "placeholder": {
        "en": "e.g. What does Egypt Post offer participating countries?  /  متى وُقّعت مذكرة التفاهم مع أذربيجان؟",
        "ar": "مثال: متى وُقّعت مذكرة التفاهم مع أذربيجان؟  /  What does Egypt Post offer?",
    },
    "ask": {"en": "Ask", "ar": "اسأل"},
    "clear": {"en": "New conversation", "ar": "محادثة جديدة"},
    "copy": {"en": "Copy answer with citations", "ar": "نسخ الإجابة مع الإحالات"},
    "copied": {"en": "Copied.", "ar": "تم النسخ."},
    "examples": {"en": "Examples", "ar": "أمثلة"},
    "filters": {"en": "Filters", "ar": "عوامل التصفية"},
    "f_language": {"en": "Source language", "ar": "لغة المصدر"},
    "f_documents": {"en": "Documents", "ar": "الوثائق"},
    "f_from": {"en": "Mentions a date from (YYYY or YYYY-MM)", "ar": "يذكر تاريخًا من (سنة أو سنة-شهر)"},
    "f_to": {"en": "to", "ar": "إلى"},
    "f_country": {"en": "Partner", "ar": "الشريك"},
    "any": {"en": "Any", "ar": "الكل"},
    "chat_empty": {"en": "Ask a question to start.", "ar": "اطرح سؤالًا للبدء."},
    "thinking": {"en": "Searching the sources…", "ar": "جارٍ البحث في المصادر…"},
    "checking": {"en": "Draft — checking against the sources…", "ar": "مسودة — جارٍ التحقق من المصادر…"},
    "not_in_sources": {"en": "The sources do not say", "ar": "لا تذكر المصادر ذلك"},
    "sources": {"en": "Sources", "ar": "المصادر"},
    "sources_empty": {
        "en": "Citations appear here. Click a [n] marker to open its passage.",
        "ar": "تظهر الإحالات هنا. انقر على علامة [n] لفتح المقطع.",
    },
    "sources_for": {"en": "Sources for", "ar": "مصادر"},
    "related_passages": {"en": "Related passages (not an answer)", "ar": "مقاطع ذات صلة (ليست إجابة)"},
    "translation": {"en": "translation", "ar": "الترجمة"},
    "chars": {"en": "chars", "ar": "الأحرف"},
    "lang_ar": {"en": "Arabic", "ar": "العربية"},
    "lang_en": {"en": "English", "ar": "الإنجليزية"},
    "switch_lang": {"en": "العربية", "ar": "English"},
    "library_intro": {"en": "Indexed documents. Pick one to read it.", "ar": "الوثائق المفهرسة. اختر وثيقة لقراءتها."},
    "open_doc": {"en": "Document", "ar": "الوثيقة"},
    "refresh_list": {"en": "Reload", "ar": "إعادة التحميل"},
    "agreements_intro": {
        "en": "MoUs, agreements, meetings and initiatives found in the sources, each with its evidence.",
        "ar": "مذكرات التفاهم والاتفاقيات والاجتماعات والمبادرات الواردة في المصادر، مع الدليل على كل منها.",
    },
    "type": {"en": "Type", "ar": "النوع"},
    "since": {"en": "Since year", "ar": "منذ عام"},
    "evidence": {"en": "Evidence", "ar": "الدليل"},
    "export_csv": {"en": "Export CSV", "ar": "تصدير CSV"},
    "row_evidence": {"en": "Row to show", "ar": "السجل المعروض"},
    "admin_token": {"en": "Admin token", "ar": "رمز المشرف"},
    "editor_intro": {
        "en": "Add new releases (files or a web page) or remove a document. The index updates incrementally. "
        "Enter the admin token before choosing files: uploads without it are refused.",
        "ar": "أضف إصدارات جديدة (ملفات أو صفحة ويب) أو احذف وثيقة. يُحدَّث الفهرس تدريجيًا. "
        "أدخل رمز المشرف قبل اختيار الملفات: يُرفض الرفع بدونه.",
    },
    "editor_disabled": {
        "en": "Editing is disabled: the server has no admin token (set TAAWUN_ADMIN_TOKEN).",
        "ar": "التحرير معطل: لم يُضبط رمز المشرف على الخادم (TAAWUN_ADMIN_TOKEN).",
    },
    "upload": {"en": "Files (.txt .md .html .pdf .docx)", "ar": "ملفات (.txt .md .html .pdf .docx)"},
    "add_files": {"en": "Add files", "ar": "إضافة الملفات"},
    "url": {"en": "Release URL (http/https)", "ar": "رابط الإصدار (http/https)"},
    "fetch": {"en": "Fetch and add", "ar": "جلب وإضافة"},
    "remove_doc": {"en": "Document to remove", "ar": "الوثيقة المراد حذفها"},
    "remove": {"en": "Remove", "ar": "حذف"},
    "bad_token": {"en": "Wrong admin token.", "ar": "رمز المشرف غير صحيح."},
    "nothing_to_add": {"en": "Choose at least one file.", "ar": "اختر ملفًا واحدًا على الأقل."},
    "nothing_to_remove": {"en": "Choose a document to remove.", "ar": "اختر وثيقة لحذفها."},
    "document": {"en": "Document", "ar": "الوثيقة"},
    "action": {"en": "Result", "ar": "النتيجة"},
    "chunks": {"en": "Chunks", "ar": "المقاطع"},
    "reason": {"en": "Reason", "ar": "السبب"},
    "r_added": {"en": "added", "ar": "أضيفت"},
    "r_updated": {"en": "updated", "ar": "حُدّثت"},
    "r_unchanged": {"en": "unchanged", "ar": "دون تغيير"},
    "r_removed": {"en": "removed", "ar": "حُذفت"},
    "r_skipped": {"en": "skipped", "ar": "تُخطّيت"},
    "error": {"en": "Error", "ar": "خطأ"},
    "enter_url": {"en": "Please enter a URL.", "ar": "يُرجى إدخال رابط."},
    "unknown_doc": {
        "en": "That document is no longer in the index; the lists have been refreshed.",
        "ar": "لم تعد هذه الوثيقة في الفهرس؛ حُدّثت القوائم.",
    },
    "timeline": {"en": "Timeline: records per year", "ar": "الخط الزمني: السجلات في كل عام"},
    "year": {"en": "Year", "ar": "العام"},
    "records": {"en": "records", "ar": "سجلات"},
    "undated": {"en": "undated", "ar": "غير مؤرخ"},
    "region": {"en": "Region", "ar": "المنطقة"},
    "region_africa": {"en": "Africa", "ar": "أفريقيا"},
    "region_arab": {"en": "Arab world", "ar": "العالم العربي"},
    "region_asia": {"en": "Asia", "ar": "آسيا"},
    "region_europe": {"en": "Europe", "ar": "أوروبا"},
    "timeline_hint": {
        "en": "Drag across a bar (or pick a year) to list its records.",
        "ar": "اسحب فوق عمود (أو اختر عامًا) لعرض سجلاته.",
    },
}

EXAMPLES = [
    "What does Egypt Post offer participating countries on its platform?",
    "متى تم توقيع مذكرة التفاهم بين مصر وأذربيجان؟",
    "Which memoranda of understanding has Egypt signed?",
    "من وقع مذكرة التفاهم بين مصر وفلسطين؟",
    "What opportunities do bilateral relations provide?",
    "ما هي مذكرات التفاهم التي وقعتها مصر؟",
]


def t(key: str, lang: str) -> str:
    entry = STRINGS[key]
    return entry.get(lang) or entry["en"]
