"""Typed answer spans: finding, choosing and rendering dates, quantities, people and places in both languages."""

import pytest

from assistant.query.spans import (
    QTYPE_KINDS,
    SIGNING,
    Span,
    best_span,
    counted_phrase,
    find_spans,
    has_instance,
    render,
    short_answer,
    twin_name,
    wanted_units,
)

SIGNING_AR = (
    "وقع الدكتور عمرو طلعت، وزير الاتصالات وتكنولوجيا المعلومات، ورشاد نابييف وزير التنمية الرقمية والنقل "
    "الأذربيجاني، مذكرة تفاهم في يونيو 2024 بالقاهرة."
)
SIGNING_EN = (
    "Dr. Amr Talaat, Minister of Communications and Information Technology, and Rashad Nabiyev, Azerbaijan's "
    "Minister of Digital Development and Transport, signed an MoU in June 2024 in Cairo."
)

# (question type, question, question language, sentence, sentence language,
#  expected span text, expected render in en, expected render in ar, expected short answer in the question's language)
CASES = [
    # the brief's example: an English question, Arabic evidence
    (
        "when",
        "When was the Egypt–Azerbaijan MoU signed?",
        "en",
        "وقعت مصر وأذربيجان مذكرة تفاهم في يونيو 2024 لتعزيز التعاون في مجال التحول الرقمي.",
        "ar",
        "يونيو 2024",
        "June 2024",
        "يونيو 2024",
        "In June 2024",
    ),
    (
        "when",
        "متى وقعت مذكرة التفاهم مع أذربيجان؟",
        "ar",
        "CAIRO – Egypt and Azerbaijan signed a memorandum of understanding on June 12, 2024 at the ministry's headquarters.",
        "en",
        "June 12, 2024",
        "12 June 2024",
        "12 يونيو 2024",
        "في 12 يونيو 2024",
    ),
    (
        "when",
        "In what year was the Universal Postal Union founded?",
        "en",
        "The Universal Postal Union was established in 1874 by the Treaty of Bern, and Egypt joined it in 1875.",
        "en",
        "1874",
        "1874",
        "1874",
        "In 1874",
    ),  # a year before 1950 (outside ingest's range) is still a date in encyclopaedic text
    (
        "when",
        "When did Egypt join the African Telecommunications Union?",
        "en",
        "انضمت مصر إلى الاتحاد الإفريقي للاتصالات عام 1977، وتستضيف منتداه السنوي في 2025.",
        "ar",
        "1977",
        "1977",
        "1977",
        "In 1977",
    ),
    # counts: the asked unit wins over a closer or earlier number
    (
        "count",
        "How many jobs will the project create?",
        "en",
        "وتشارك في المشروع 17 شركة مصرية وأذربيجانية وتوفر أكثر من 5 آلاف فرصة عمل.",
        "ar",
        "أكثر من 5 آلاف فرصة عمل",
        "more than 5,000 jobs",
        "أكثر من 5 آلاف فرصة عمل",
        "More than 5,000 jobs",
    ),
    (
        "count",
        "كم عدد الشركات المشاركة في المنتدى؟",
        "ar",
        "Some 17 companies took part in the forum, which is expected to create 5,000 jobs.",
        "en",
        "Some 17 companies",
        "Some 17 companies",
        "نحو 17 شركة",
        "نحو 17 شركة",
    ),
    (
        "count",
        "How many jobs did the forum create?",
        "en",
        "The forum created 5,000 jobs for young graduates across 12 governorates.",
        "en",
        "5,000 jobs",
        "5,000 jobs",
        "5000 فرصة عمل",
        "5,000 jobs",
    ),
    (
        "count",
        "كم عدد المتدربين؟",
        "ar",
        "The ITIDA programme trained three thousand trainees in artificial intelligence.",
        "en",
        "three thousand trainees",
        "three thousand trainees",
        "3 آلاف متدرب",
        "3 آلاف متدرب",
    ),
    (
        "count",
        "How many post offices were upgraded?",
        "en",
        "وأعلنت الهيئة القومية للبريد تطوير 2000 مكتب بريد في 27 محافظة خلال عام 2023.",
        "ar",
        "2000 مكتب بريد",
        "2,000 post offices",
        "2000 مكتب بريد",
        "2,000 post offices",
    ),  # a year-shaped number with a unit is a count, and 2023 stays a date
    (
        "count",
        "How many submarine cables land in Egypt?",
        "en",
        "وتمتلك مصر نحو ١٧ كابلاً بحرياً تربط بين ثلاث قارات.",
        "ar",
        "نحو ١٧ كابلاً بحرياً",
        "about 17 submarine cables",
        "نحو 17 كابلاً بحرياً",
        "About 17 submarine cables",
    ),  # Arabic-Indic digits
    (
        "count",
        "How many companies joined the initiative?",
        "en",
        "Three companies joined the Digital Egypt initiative in March 2024.",
        "en",
        "Three companies",
        "Three companies",
        "3 شركات",
        "Three companies",
    ),
    # amounts in both directions
    (
        "amount",
        "How much is the World Bank grant?",
        "en",
        "وتبلغ قيمة المنحة المقدمة من البنك الدولي 1.5 مليار دولار.",
        "ar",
        "1.5 مليار دولار",
        "$1.5 billion",
        "1.5 مليار دولار",
        "$1.5 billion",
    ),
    (
        "amount",
        "ما قيمة المنحة؟",
        "ar",
        "The World Bank approved a $1.5 billion grant to support digital transformation.",
        "en",
        "$1.5 billion",
        "$1.5 billion",
        "1.5 مليار دولار",
        "1.5 مليار دولار",
    ),
    (
        "amount",
        "What is the cost of the data centre?",
        "en",
        "تبلغ تكلفة مركز البيانات 5 ملايين يورو، ويضم 300 خادم.",
        "ar",
        "5 ملايين يورو",
        "€5 million",
        "5 ملايين يورو",
        "€5 million",
    ),
    (
        "amount",
        "ما حجم الاستثمارات؟",
        "ar",
        "Investments in the sector reached EGP 200 million in 2023.",
        "en",
        "EGP 200 million",
        "EGP 200 million",
        "200 مليون جنيه",
        "200 مليون جنيه",
    ),
    # percentages are percent, not amounts
    (
        "percent",
        "What percentage of households use the internet?",
        "en",
        "وارتفعت نسبة الأسر المستخدمة للإنترنت إلى 72 بالمائة في عام 2023.",
        "ar",
        "72 بالمائة",
        "72%",
        "72 بالمائة",
        "72%",
    ),
    (
        "percent",
        "ما نسبة النمو؟",
        "ar",
        "The ICT sector grew by 16.3% in the 2022/2023 fiscal year.",
        "en",
        "16.3%",
        "16.3%",
        "16.3%",
        "16.3%",
    ),
    # durations, with an Arabic number word and a dual
    (
        "duration",
        "How long is the training programme?",
        "en",
        "يستمر البرنامج التدريبي لمدة ستة أشهر.",
        "ar",
        "ستة أشهر",
        "6 months",
        "ستة أشهر",
        "6 months",
    ),
    (
        "duration",
        "ما مدة الاتفاقية؟",
        "ar",
        "The agreement runs for a two-year period starting in January 2025.",
        "en",
        "two-year",
        "two-year",
        "عامين",
        "عامين",
    ),
    (
        "count",
        "For how many years is the MoU valid?",
        "en",
        "وتسري مذكرة التفاهم لمدة عامين قابلة للتجديد.",
        "ar",
        "عامين",
        "2 years",
        "عامين",
        "2 years",
    ),
    # people: the one nearest the question's partner; the twin supplies the English spelling
    (
        "who",
        "Who signed the MoU on behalf of Azerbaijan?",
        "en",
        SIGNING_AR,
        "ar",
        "رشاد نابييف",
        "رشاد نابييف",
        "رشاد نابييف",
        "رشاد نابييف",
    ),  # without the twin the name keeps its script (the twin case is tested below)
    (
        "who",
        "من وقع مذكرة التفاهم عن الجانب المصري؟",
        "ar",
        "Egypt's Minister of Communications and Information Technology Amr Talaat signed the MoU with Rashad Nabiyev, Azerbaijan's Minister of Digital Development and Transport.",
        "en",
        "Amr Talaat",
        "Amr Talaat",
        "Amr Talaat",
        "Amr Talaat",
    ),  # no Arabic twin given: the name stays in its original script
    # places and countries
    (
        "where",
        "Where was the MoU signed?",
        "en",
        SIGNING_AR,
        "ar",
        "القاهرة",
        "Cairo",
        "القاهرة",
        "Cairo",
    ),
    (
        "where",
        "أين عقد المنتدى؟",
        "ar",
        "The Africa ICT Forum was held in Sharm El-Sheikh on 5 May 2024.",
        "en",
        "Sharm El-Sheikh",
        "Sharm El-Sheikh",
        "شرم الشيخ",
        "شرم الشيخ",
    ),
    (
        "country",
        "Which country signed the agreement with Egypt?",
        "en",
        "وقعت مصر اتفاقية مع الجانب الأذربيجاني لتطوير البنية الرقمية.",
        "ar",
        "الأذربيجاني",
        "Azerbaijan",
        "أذربيجان",
        "Azerbaijan",
    ),
    (
        "organization",
        "ما المنظمة التي استضافت الاجتماع؟",
        "ar",
        "The meeting was hosted by the International Telecommunication Union in Geneva.",
        "en",
        "International Telecommunication Union",
        "International Telecommunication Union",
        "الاتحاد الدولي للاتصالات",
        "الاتحاد الدولي للاتصالات",
    ),
    (
        "company",
        "Which company will build the data centre?",
        "en",
        "The data centre will be built by Nile Fiber Networks Company under a contract with the ministry.",
        "en",
        "Nile Fiber Networks",
        "Nile Fiber Networks",
        "Nile Fiber Networks",
        "Nile Fiber Networks",
    ),
    (
        "company",
        "ما الشركة المنفذة للمشروع؟",
        "ar",
        "وتنفذ المشروع شركة «المقاولون العرب» بالتعاون مع الوزارة.",
        "ar",
        "«المقاولون العرب»",
        "«المقاولون العرب»",
        "«المقاولون العرب»",
        "«المقاولون العرب»",
    ),
    # encyclopaedic (SQuAD-style) sentences
    (
        "count",
        "How many member states does the ITU have?",
        "en",
        "The International Telecommunication Union, founded in 1865, has 193 member states and over 900 sector members.",
        "en",
        "193 member states",
        "193 member states",
        "193 عضو",
        "193 member states",
    ),
    (
        "when",
        "When was the Suez Canal opened?",
        "en",
        "The Suez Canal was officially opened on 17 November 1969 after ten years of construction.",
        "en",
        "17 November 1969",
        "17 November 1969",
        "17 نوفمبر 1969",
        "On 17 November 1969",
    ),
]


@pytest.mark.parametrize(("qtype", "q", "ql", "text", "tl", "span_text", "en", "ar", "short"), CASES)
def test_best_span_render_and_short_answer(qtype, q, ql, text, tl, span_text, en, ar, short):
    span = best_span(qtype, q, ql, text, tl)
    if span_text is None:
        assert span is None
        return
    assert span is not None, (q, text)
    assert span.kind in QTYPE_KINDS[qtype] or qtype == "count"
    assert span.text == span_text and text[span.start : span.end] == span.text
    assert render(span, "en") == en
    assert render(span, "ar") == ar
    assert short_answer(qtype, render(span, ql), ql) == short


NEGATIVES = [
    # (question type, question, language, sentence, sentence language) -> no span
    ("count", "How many companies took part?", "en", "The MoU was signed in 2024.", "en"),
    ("count", "كم عدد الشركات؟", "ar", "وقعت مصر مذكرة التفاهم في عام 2024.", "ar"),
    ("count", "How many jobs?", "en", "The initiative brought together 17 companies.", "en"),  # wrong unit
    (
        "amount",
        "How much did the project cost?",
        "en",
        "For inquiries call the hotline 19777 or +20 2 3534 1234.",
        "en",
    ),
    ("amount", "ما قيمة المشروع؟", "ar", "صدر القرار رقم 1520 لسنة 2023 بشأن تنظيم السوق.", "ar"),
    ("amount", "How much was invested?", "en", "Internet penetration reached 72% of households.", "en"),
    ("count", "How many members did it have?", "en", "The union was founded in 1865 in Paris.", "en"),
    ("when", "When was it signed?", "en", "The two sides discussed cooperation in digital transformation.", "en"),
    ("who", "Who attended?", "en", "The delegation toured the Smart Village.", "en"),
    ("country", "Which country signed with Egypt?", "en", "Egypt signed the agreement in Cairo.", "en"),
    ("percent", "What share?", "en", "The grant amounts to $5 million.", "en"),
]


@pytest.mark.parametrize(("qtype", "q", "ql", "text", "tl"), NEGATIVES)
def test_no_span_when_nothing_fits(qtype, q, ql, text, tl):
    assert best_span(qtype, q, ql, text, tl) is None


@pytest.mark.parametrize(
    ("kind", "text", "lang", "texts", "values"),
    [
        ("date", "وقعت الاتفاقية في 20/06/2024 وتسري حتى 2026.", "ar", ["20/06/2024", "2026"], ["2024-06-20", "2026"]),
        ("date", "Vision 2030 targets 2,000 new jobs by 2026.", "en", ["2030", "2026"], ["2030", "2026"]),
        ("amount", "بتكلفة ٣ مليارات جنيه", "ar", ["٣ مليارات جنيه"], [(3.0, "egp", "billion")]),
        (
            "amount",
            "a US$ 2.5bn loan and a €300,000 grant",
            "en",
            ["US$ 2.5bn", "€300,000"],
            [(2.5, "usd", "billion"), (300000.0, "eur", None)],
        ),
        ("amount", "بمنحة قدرها مليار دولار", "ar", ["مليار دولار"], [(1.0, "usd", "billion")]),
        ("amount", "a budget worth 2 million", "en", ["2 million"], [(2.0, None, "million")]),
        (
            "percent",
            "بنسبة ٤٠٪ وبنمو 12 في المائة",
            "ar",
            ["٤٠٪", "12 في المائة"],
            [(40.0, "percent", None), (12.0, "percent", None)],
        ),
        (
            "number",
            "Egypt ranked 5th among 20 African countries in 2024.",
            "en",
            ["20 African countries"],
            [(20.0, "country", None)],
        ),
        ("number", "Law No. 10 of 2003 and Decree 1520 govern the 4G and 5G networks.", "en", [], []),
        ("number", "Call 02 3534 1234 at 10:30 for 2024-2025 plans.", "en", [], []),
        (
            "duration",
            "a three-day forum and a 5-year plan",
            "en",
            ["three-day", "5-year"],
            [(3.0, "day", None), (5.0, "year", None)],
        ),
        ("number", "5,000 direct and indirect jobs", "en", ["5,000 direct and indirect jobs"], [(5000.0, "job", None)]),
    ],
)
def test_find_spans_values(kind, text, lang, texts, values):
    spans = find_spans(kind, text, lang)
    assert [s.text for s in spans] == texts
    assert [s.value for s in spans] == values


def test_people_places_and_bodies_are_found():
    people = find_spans("person", SIGNING_AR, "ar")
    assert [p.text for p in people] == ["عمرو طلعت", "رشاد نابييف"]
    assert [p.text for p in find_spans("person", SIGNING_EN, "en")] == ["Amr Talaat", "Rashad Nabiyev"]
    assert [s.value for s in find_spans("place", SIGNING_AR, "ar")] == ["CITY:cairo"]
    assert [s.value for s in find_spans("country", SIGNING_AR, "ar")] == ["AZ"]
    orgs = find_spans("organization", "وشارك الاتحاد البريدي العالمي في المؤتمر", "ar")
    assert [render(s, "en") for s in orgs] == ["Universal Postal Union"]


def test_has_instance_replaces_satisfies():
    assert has_instance("when", "مذكرة التفاهم التي تم توقيعها في يونيو 2024", "ar")
    assert not has_instance("when", "وقعت مصر على اتفاقيات مع نيجيريا", "ar")
    assert has_instance("amount", "a budget of $5 million", "en") and has_instance(
        "amount", "بتكلفة 3 مليار جنيه", "ar"
    )
    assert not has_instance("amount", "في يونيو 2024 وعام 2026", "ar")
    assert not has_instance("count", "in 2024", "en")
    assert has_instance("count", "امتلاكها لنحو 17 كابلاً بحرياً", "ar")
    assert has_instance("who", "وقع د. عمرو طلعت", "ar") and has_instance("who", "Minister Rashad Nabiyev met", "en")
    assert has_instance("where", "the forum in Baku", "en") and has_instance("country", "مع الجانب الأذربيجاني", "ar")
    assert not has_instance("percent", "a grant of $5 million", "en")
    assert has_instance("unknown-type", "anything", "en")


def test_person_spelling_from_the_twin_or_original_script():
    span = best_span("who", "Who signed on behalf of Azerbaijan?", "en", SIGNING_AR, "ar")
    assert span is not None
    assert render(span, "en", twin_text=SIGNING_EN) == "Rashad Nabiyev"
    assert render(span, "en") == "رشاد نابييف"  # never a guessed transliteration
    assert twin_name("Amr Talaat", SIGNING_AR) == "عمرو طلعت"
    assert twin_name("Rashad Nabiyev", SIGNING_AR) == "رشاد نابييف"
    assert twin_name("Mostafa Madbouly", SIGNING_AR) is None


def test_wanted_units_reads_the_asked_unit():
    assert wanted_units("How many jobs will the Egypt–Azerbaijan MoU create?") == ["job"]
    assert wanted_units("كم عدد الشركات المشاركة؟") == ["company"]
    assert wanted_units("How long will it take?") == []


@pytest.mark.parametrize(
    ("value", "kind", "en", "ar"),
    [
        ((5000.0, "job", None), "number", "5,000 jobs", "5000 فرصة عمل"),
        ((17.0, "company", None), "number", "17 companies", "17 شركة"),
        ((5.0, "company", None), "number", "5 companies", "5 شركات"),
        ((1.0, "trainee", None), "number", "1 trainee", "1 متدرب"),
        ((5.0, "usd", "million"), "amount", "$5 million", "5 ملايين دولار"),
        ((250.0, "egp", "million"), "amount", "EGP 250 million", "250 مليون جنيه"),
        ((12.5, "percent", None), "percent", "12.5%", "12.5%"),
        ((2.0, "year", None), "duration", "2 years", "عامين"),
        ((1500000.0, None, None), "number", "1,500,000", "1500000"),
    ],
)
def test_render_quantities_from_the_table(value, kind, en, ar):
    span = Span(kind, 0, 1, "0", value)  # "0" has no language, so both renders come from the table
    assert render(span, "en") == en and render(span, "ar") == ar


@pytest.mark.parametrize(
    ("qtype", "rendered", "lang", "expected"),
    [
        ("when", "June 2024", "en", "In June 2024"),
        ("when", "يونيو 2024", "ar", "في يونيو 2024"),
        ("when", "12 June 2024", "en", "On 12 June 2024"),
        ("when", "12 يونيو 2024", "ar", "في 12 يونيو 2024"),
        ("when", "2024", "en", "In 2024"),
        ("when", "2024", "ar", "في عام 2024"),
        ("count", "17 شركة", "ar", "17 شركة"),
        ("who", "Rashad Nabiyev", "en", "Rashad Nabiyev"),
        ("country", "أذربيجان", "ar", "أذربيجان"),
    ],
)
def test_short_answer(qtype, rendered, lang, expected):
    assert short_answer(qtype, rendered, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("وصل الطاعون إنجلترا في ربيع العام 1349 وتفشى في أنحاء البلاد.", "ar"),
        ("انتشرت كتاباته في فرنسا بدايةً من 1519.", "ar"),
        ("His writings reached France and Italy as early as 1519.", "en"),
        ("The plague struck the city in 1654.", "en"),
    ],
)
def test_years_before_1800_after_a_cue_are_dates(text, lang):
    assert has_instance("when", text, lang)
    assert not has_instance("count", text, lang)


def test_a_number_with_a_unit_after_a_cue_stays_a_count():
    assert not has_instance("when", "وتضم المبادرة من 1500 شركة ناشئة.", "ar")
    assert has_instance("count", "وتضم المبادرة من 1500 شركة ناشئة.", "ar")


@pytest.mark.parametrize(
    ("question", "sentence", "lang", "found"),
    [
        ("How many Ethiopian merchants have registered?", "It signed agreements with two countries.", "en", None),
        ("How many nurses graduated?", "The forum brought together 45 teams of young Arabs.", "en", None),
        ("How many nurses graduated?", "In all, 120 nurses graduated in June.", "en", "120"),
        ("كم فنياً مصرياً يستهدف المركز توظيفهم؟", "يستهدف المركز توظيف 800 فني مصري.", "ar", "800"),
        ("كم فنياً مصرياً يستهدف المركز توظيفهم؟", "وشارك في المنتدى 45 فريقاً.", "ar", None),
    ],
)
def test_a_count_of_a_named_thing_needs_that_thing_after_the_number(question, sentence, lang, found):
    span = best_span("count", question, lang, sentence, lang)
    assert (span.text if span else None) == found


@pytest.mark.parametrize(
    ("question", "lang", "phrase"),
    [
        ("How many Rwandan engineers will be trained?", "en", "Rwandan engineers"),
        ("How many women graduated from the first cohort?", "en", "women"),
        ("How many were trained?", "en", None),
        ("كم مهندساً مصرياً يستهدف المركز توظيفهم؟", "ar", "مهندس"),
        ("كم تستطيع الشبكة أن تخدم؟", "ar", None),
    ],
)
def test_what_a_question_counts_in_its_own_words(question, lang, phrase):
    assert counted_phrase(question, lang) == phrase


@pytest.mark.parametrize(
    ("text", "lang", "city"),
    [
        ("TASHKENT, 27 April 2022 — Egypt and Uzbekistan signed a memorandum.", "en", "TASHKENT"),
        ("أستانا في 16 سبتمبر 2024 وقعت وزارة الاتصالات مذكرة تفاهم.", "ar", "أستانا"),
    ],
)
def test_a_dateline_names_the_city_of_the_release(text, lang, city):
    assert [s.text for s in find_spans("place", text, lang)] == [city]


@pytest.mark.parametrize(
    ("question", "sentence", "lang", "found"),
    [
        ("How many technicians did it train?", "The centre trained between 1200 and 1500 technicians.", "en", "1500"),
        (
            "How many jobs will the project create?",
            "The number of jobs created will reach 5,000 by 2026.",
            "en",
            "5,000",
        ),
        ("كم عدد الوظائف التي سيوفرها المشروع؟", "وسيصل عدد الوظائف إلى 5000 خلال عامين.", "ar", "5000"),
        ("How many technicians were trained?", "In total 800 were trained.", "en", "800"),
        ("How many Red Sea ports will be upgraded?", "The plan upgrades 12 ports.", "en", "12"),
    ],
)
def test_a_bare_number_is_kept_when_nothing_else_is_counted(question, sentence, lang, found):
    span = best_span("count", question, lang, sentence, lang)
    assert span is not None and span.text == found


def test_a_sentence_opening_is_no_dateline_city():
    assert find_spans("place", "وقع الجانبان في 10 يوليو 2023 مذكرة تفاهم في مدينة القاهرة.", "ar")[0].text == "القاهرة"
    assert find_spans("place", "Meanwhile, 10 July 2023 marked the signing.", "en") == []


@pytest.mark.parametrize(
    ("text", "signing"),
    [
        ("Who signed the memorandum?", True),
        ("The agreement was signed by both ministers.", True),
        ("من وقع مذكرة التفاهم؟", True),
        ("ووقع الاتفاق الوزيران.", True),
        ("Who called the partnership significant?", False),
        ("The signal covers the whole governorate.", False),
        ("نشر الموقع الإلكتروني للوزارة البيان.", False),
        ("ومن المتوقع أن يبدأ التنفيذ العام المقبل.", False),
    ],
)
def test_the_signing_cue_is_a_signing_word(text, signing):
    assert bool(SIGNING.search(text)) is signing
