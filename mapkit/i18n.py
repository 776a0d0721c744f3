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


# viewer
STRINGS.update({
    "page_title": {"en": "Territorial control in Ukraine", "uk": "Контроль території України"},
    "subtitle": {
        "en": "Share of each region's area under Russian military control. Every figure carries "
              "its source and date; grey: no data; hatched: partial, no figure.",
        "uk": "Частка площі кожного регіону під військовим контролем Росії. Кожна цифра має "
              "джерело і дату; сірий: немає даних; штрихування: частково, без цифри.",
    },
    "language": {"en": "Language / Мова", "uk": "Мова / Language"},
    "map_label": {
        "en": "Map of Ukraine's regions coloured by share under Russian military control",
        "uk": "Карта регіонів України за часткою під військовим контролем Росії",
    },
    "date_slider": {"en": "Date", "uk": "Дата"},
    "previous": {"en": "Previous date", "uk": "Попередня дата"},
    "next": {"en": "Next date", "uk": "Наступна дата"},
    "as_of": {"en": "Figure dated", "uk": "Дата цифри"},
    "other_sources": {"en": "Other sources on this date:", "uk": "Інші джерела на цю дату:"},
    "leaflet_missing": {
        "en": "The map library (Leaflet) could not be loaded: are you offline?",
        "uk": "Не вдалося завантажити бібліотеку карти (Leaflet): немає інтернету?",
    },
    "source_select": {"en": "Source", "uk": "Джерело"},
    "all_sources": {
        "en": "All sources (latest figure for each region)",
        "uk": "Усі джерела (найновіша цифра для кожного регіону)",
    },
    "uploaded": {"en": "uploaded", "uk": "завантажено"},
    "mode": {"en": "View", "uk": "Вигляд"},
    "mode_map": {"en": "Map over time", "uk": "Карта в часі"},
    "mode_compare": {"en": "Compare two dates", "uk": "Порівняти дві дати"},
    "date_from": {"en": "From", "uk": "Від"},
    "date_to": {"en": "To", "uk": "До"},
    "compare_title": {
        "en": "Change in territory under Russian military control, {date}",
        "uk": "Зміна території під військовим контролем Росії, {date}",
    },
    "biggest_changes": {"en": "Biggest changes", "uk": "Найбільші зміни"},
    "no_changes": {
        "en": "No region has a figure on both dates from this source.",
        "uk": "Жоден регіон не має цифр на обидві дати з цього джерела.",
    },
    "table_heading": {"en": "Data for {date}", "uk": "Дані на {date}"},
    "download_csv": {"en": "Download this table (CSV)", "uk": "Завантажити таблицю (CSV)"},
    "time_series": {"en": "{region} over time", "uk": "{region} у часі"},
    "click_hint": {
        "en": "Click a region on the map to see its figures over time.",
        "uk": "Натисніть на регіон на карті, щоб побачити його цифри в часі.",
    },
    "disagree": {
        "en": "Sources disagree on {date}",
        "uk": "Джерела розходяться {date}",
    },
    "upload": {"en": "Add your own data", "uk": "Додати власні дані"},
    "upload_help": {
        "en": "A snapshot CSV (columns date,region,percent,source,method) or an occupied-areas "
              "GeoJSON. It is shown as its own source and never saved over the bundled data.",
        "uk": "CSV-знімок (стовпці date,region,percent,source,method) або GeoJSON окупованих "
              "територій. Показується як окреме джерело і не записується поверх наявних даних.",
    },
    "upload_ok": {
        "en": "{name}: {rows} rows read; shown as source “{source}”.",
        "uk": "{name}: прочитано рядків: {rows}; показано як джерело «{source}».",
    },
    "upload_failed": {"en": "{name} was not loaded:", "uk": "{name} не завантажено:"},
    "upload_geojson_date": {
        "en": "Date of the occupied areas in {name}",
        "uk": "Дата окупованих територій у {name}",
    },
    "upload_computing": {
        "en": "Computing each region's share from {name}…",
        "uk": "Обчислюємо частку кожного регіону з {name}…",
    },
    "export": {"en": "Export", "uk": "Експорт"},
    "export_format": {"en": "Format", "uk": "Формат"},
    "export_make": {"en": "Make the file", "uk": "Створити файл"},
    "export_download": {"en": "Download {name}", "uk": "Завантажити {name}"},
    "export_title": {"en": "Title", "uk": "Заголовок"},
    "export_subtitle": {"en": "Subtitle", "uk": "Підзаголовок"},
    "export_credit": {"en": "Credit", "uk": "Автор карти"},
    "export_range": {"en": "Dates", "uk": "Дати"},
    "export_range_one": {"en": "Shown date only", "uk": "Лише показана дата"},
    "export_range_all": {"en": "All dates of this source", "uk": "Усі дати цього джерела"},
    "embed_code": {"en": "Embed code (iframe)", "uk": "Код для вставлення (iframe)"},
    "col_percent": {"en": "Under Russian control, %", "uk": "Під контролем Росії, %"},
    "col_contested": {"en": "Contested, %", "uk": "Сіра зона, %"},
    "col_as_of": {"en": "Figure dated", "uk": "Дата цифри"},
    "col_status": {"en": "Status", "uk": "Статус"},
    "col_from": {"en": "{date}, %", "uk": "{date}, %"},
    "col_change": {"en": "Change, pp", "uk": "Зміна, в. п."},
    "pp": {"en": "pp", "uk": "в. п."},
    "status_figure": {"en": "figure", "uk": "цифра"},
    "snapshots_invalid": {
        "en": "The bundled snapshots are invalid; fix them (`mapkit validate`) and reload:",
        "uk": "Вбудовані знімки містять помилки; виправте їх (`mapkit validate`) і перезавантажте:",
    },
})


# the national figure and its change (issue 12)
STRINGS.update({
    "headline": {
        "en": "Russia controls {percent} % of Ukraine ({km2} km²)",
        "uk": "Росія контролює {percent} % території України ({km2} км²)",
    },
    "headline_no_km2": {
        "en": "Russia controls {percent} % of Ukraine",
        "uk": "Росія контролює {percent} % території України",
    },
    "headline_change": {
        "en": "{change} km² in the last {days} days",
        "uk": "{change} км² за останні {days} днів",
    },
    "headline_change_since": {
        "en": "{change} km² since {date}",
        "uk": "{change} км² від {date}",
    },
    "no_national_figure": {
        "en": "No national figure in this series",
        "uk": "У цьому ряді немає цифри для всієї країни",
    },
    "km2": {"en": "Area", "uk": "Площа"},
    "km2_value": {"en": "{value} km²", "uk": "{value} км²"},
    "change_7d": {"en": "Last 7 days", "uk": "За 7 днів"},
    "change_30d": {"en": "Last 30 days", "uk": "За 30 днів"},
    "change_since": {"en": "Since {date}", "uk": "Від {date}"},
    "mode_changes": {"en": "Change per month", "uk": "Зміна за місяць"},
    "chart_title": {
        "en": "Net change in territory under Russian military control, per month",
        "uk": "Чиста зміна території під військовим контролем Росії, за місяць",
    },
    "chart_region_title": {
        "en": "{region}: net change per month",
        "uk": "{region}: чиста зміна за місяць",
    },
    "chart_axis": {"en": "km² per month", "uk": "км² за місяць"},
    "chart_shown": {"en": "shown date", "uk": "показана дата"},
    "chart_no_figure": {
        "en": "No monthly figures: this series has no km² for {region}.",
        "uk": "Немає місячних цифр: у цьому ряді немає км² для {region}.",
    },
    "chart_note": {
        "en": "Change of the occupied area between the maps at the end of each month's 1st.",
        "uk": "Зміна окупованої площі між картами на кінець 1-го числа кожного місяця.",
    },
})

# freshness: under the viewer's map (mapkit.viewer.map_data.days_behind)
STRINGS.update({
    "data_as_of": {"en": "Data as of {date}", "uk": "Дані станом на {date}"},
    "data_stale": {
        "en": "These figures may be out of date: the newest is from {date}, {days} days ago.",
        "uk": "Ці дані можуть бути застарілими: найновіші — від {date}, {days} дн. тому.",
    },
})
