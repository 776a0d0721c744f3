"""Interface text in English and Ukrainian.

``t(key, lang)`` looks a string up; a key missing in Ukrainian falls back to English, and a key
missing everywhere raises, so a typo is caught by the tests rather than shown to a reader.
Helpers of each part of the product add their keys in their own block below.
"""

from __future__ import annotations

LANGUAGES = ("en", "uk")

STRINGS: dict[str, dict[str, str]] = {
    # core
    "title": {
        "en": "Territory under Russian military control",
        "uk": "Територія під військовим контролем Росії",
    },
    "title_on": {
        "en": "Territory under Russian military control, {date}",
        "uk": "Територія під військовим контролем Росії, {date}",
    },
    "legend_title": {"en": "% of region's area", "uk": "% площі регіону"},
    "source_line": {"en": "Source: {sources}", "uk": "Джерело: {sources}"},
    "credit_line": {"en": "Map: {credit}", "uk": "Карта: {credit}"},
    "no_data": {"en": "no data", "uk": "немає даних"},
    "partial": {"en": "partial, no figure", "uk": "частково, без цифри"},
    "percent": {"en": "Under Russian control", "uk": "Під контролем Росії"},
    "contested": {"en": "Contested", "uk": "Сіра зона"},
    "date": {"en": "Date", "uk": "Дата"},
    "source": {"en": "Source", "uk": "Джерело"},
    "method": {"en": "Method", "uk": "Метод"},
    "region": {"en": "Region", "uk": "Регіон"},
    "note": {"en": "Note", "uk": "Примітка"},
    "reported": {"en": "reported", "uk": "за повідомленням"},
    "computed": {"en": "computed from front-line polygons", "uk": "обчислено з полігонів"},
    "play": {"en": "Play", "uk": "Відтворити"},
    "pause": {"en": "Pause", "uk": "Пауза"},
    "change": {"en": "Change, percentage points", "uk": "Зміна, відсоткові пункти"},
    # exports
    "export_value": {"en": "{value} %", "uk": "{value} %"},
    "export_as_of": {"en": "figure of {date}", "uk": "дані на {date}"},
    "export_slider": {"en": "Date of the map", "uk": "Дата на карті"},
    "export_data_table": {"en": "Data table", "uk": "Таблиця даних"},
    "export_table_caption": {
        "en": "Share of each region's area under Russian military control on {date}",
        "uk": "Частка площі кожного регіону під військовим контролем Росії на {date}",
    },
    "export_embed_description": {
        "en": "Map of Ukraine's 27 regions, each coloured by the share of its area under Russian "
              "military control, from {first} to {last}. Move the date slider or press play; "
              "the table after the map lists each region's figure and source for the date shown.",
        "uk": "Карта 27 регіонів України: колір показує частку площі регіону під військовим "
              "контролем Росії, з {first} до {last}. Пересуньте повзунок дати або натисніть "
              "«Відтворити»; таблиця після карти містить дані й джерело для показаної дати.",
    },
    "export_provenance": {
        "en": "Dates: {dates} · mapkit {version} · generated {generated}",
        "uk": "Дати: {dates} · mapkit {version} · створено {generated}",
    },
}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The text for ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text
