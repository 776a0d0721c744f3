"""Interface text in English and Ukrainian.

``t(key, lang)`` looks a string up; a key missing in Ukrainian falls back to English, and a key
missing everywhere raises, so a typo is caught by the tests rather than shown to a reader.
Helpers of each part of the product add their keys in their own block below.
"""

from __future__ import annotations

import datetime as dt
import re

from mapkit.constants import FIGURE_DECIMALS

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
    "sources_beside": {"en": "; beside it, in the tooltips: {sources}",
                       "uk": "; поруч, у підказках: {sources}"},
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
    "computed": {"en": "computed from mapped areas of control", "uk": "обчислено з полігонів"},
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
        "en": "Map of Ukraine's {units}, each coloured by the share of its area under Russian "
              "military control, from {first} to {last}. Move the date slider or press play; "
              "the table after the map lists each region's figure and source for the date shown.",
        "uk": "Карта {units} України: колір показує частку площі регіону під військовим "
              "контролем Росії, з {first} до {last}. Пересуньте повзунок дати або натисніть "
              "«Відтворити»; таблиця після карти містить дані й джерело для показаної дати.",
    },
    "figures_as_of": {
        "en": "Figures as of {date}",
        "uk": "Дані станом на {date}",
    },
    "figures_as_of_long": {
        "en": "Figures as of {as_of}: the newest of {series} on or before {date}",
        "uk": "Дані станом на {as_of}: найновіші дані {series} на {date} чи раніше",
    },
    "other_figure": {"en": "{source}, {date}: {value}", "uk": "{source}, {date}: {value}"},
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
    "other_sources": {
        "en": "Other sources near this date:",
        "uk": "Інші джерела близько цієї дати:",
    },
    "leaflet_missing": {
        "en": "The map library (Leaflet) could not be loaded: are you offline?",
        "uk": "Не вдалося завантажити бібліотеку карти (Leaflet): немає інтернету?",
    },
    "source_select": {"en": "Series on the map", "uk": "Ряд даних на карті"},
    "source_select_help": {
        "en": "The map shows one series at a time, so a region never changes colour because "
              "another source is quoted. Other sources' figures stand beside it: in the "
              "tooltip, on the region's chart and in the table.",
        "uk": "Карта показує один ряд даних, тож регіон не змінює колір через цитату іншого "
              "джерела. Цифри інших джерел стоять поруч: у підказці, на графіку регіону й у "
              "таблиці.",
    },
    "series_label": {
        "en": "{name} · {method} · {years} · {dates} date(s)",
        "uk": "{name} · {method} · {years} · дат: {dates}",
    },
    "computed_short": {"en": "computed", "uk": "обчислено"},
    "chart_caption": {
        "en": "Line: {series}, the series on the map (each figure holds until the next; shaded: "
              "partial, no figure). Points: other sources, never shown in the map's colours.",
        "uk": "Лінія: {series}, ряд на карті (кожна цифра діє до наступної; затінено: "
              "частково, без цифри). Точки: інші джерела, які не змінюють кольорів карти.",
    },
    "upload_compute": {"en": "Use this date", "uk": "Застосувати дату"},
    "export_one_date": {
        "en": "{format} is a print map of one date: the date shown, {date}.",
        "uk": "{format} — друкована карта однієї дати: показаної, {date}.",
    },
    "col_others": {"en": "Other sources near this date", "uk": "Інші джерела близько цієї дати"},
    "series_line": {"en": "{series} (the map's series)", "uk": "{series} (ряд на карті)"},
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
    "upload_released": {
        "en": "No longer shown: {names}. A visit keeps at most {count} uploads, {mb} MB in all, "
              "and one file per series; upload a file again to see it again.",
        "uk": "Більше не показано: {names}. Один візит зберігає щонайбільше {count} "
              "завантаження, разом до {mb} МБ, і один файл на серію; завантажте файл знову, "
              "щоб побачити його знову.",
    },
    "upload_geojson_date": {
        "en": "Date of the occupied areas in {name}",
        "uk": "Дата окупованих територій у {name}",
    },
    "upload_computing": {
        "en": "Computing each region's share from {name}…",
        "uk": "Обчислюємо частку кожного регіону з {name}…",
    },
    "upload_limit": {
        "en": "Files up to {mb} MB (the largest DeepStateMap dump is under 1 MB).",
        "uk": "Файли до {mb} МБ (найбільший знімок DeepStateMap менший за 1 МБ).",
    },
    "upload_stage_read": {"en": "Reading the polygons…", "uk": "Читаємо полігони…"},
    "upload_stage_compute": {
        "en": "Measuring each region's share…", "uk": "Вимірюємо частку кожного регіону…",
    },
    "upload_stage_check": {"en": "Checking the figures…", "uk": "Перевіряємо цифри…"},
    "upload_unreadable": {
        "en": "could not be read ({error}); nothing was added",
        "uk": "не вдалося прочитати ({error}); нічого не додано",
    },
    "problems_more": {"en": "… and {count} more", "uk": "… і ще {count}"},
    "section_failed": {
        "en": "This part of the page could not be shown ({error}). The rest of the page still "
              "works; the details are in the server's log.",
        "uk": "Цю частину сторінки не вдалося показати ({error}). Решта сторінки працює; "
              "подробиці — у журналі сервера.",
    },
    "export": {"en": "Export", "uk": "Експорт"},
    "export_format": {"en": "Format", "uk": "Формат"},
    "export_make": {"en": "Make the file", "uk": "Створити файл"},
    "export_download": {"en": "Download {name}", "uk": "Завантажити {name}"},
    "export_title": {"en": "Title", "uk": "Заголовок"},
    "export_subtitle": {"en": "Subtitle", "uk": "Підзаголовок"},
    "export_credit": {"en": "Credit", "uk": "Автор карти"},
    "export_range": {"en": "Dates", "uk": "Дати"},
    "export_range_one": {"en": "Shown date only: {date}", "uk": "Лише показана дата: {date}"},
    "export_range_all": {"en": "All dates of this source", "uk": "Усі дати цього джерела"},
    "embed_code": {"en": "Embed code (iframe): it takes the map's height",
                   "uk": "Код для вставлення (iframe): він бере висоту карти"},
    "embed_code_fixed": {
        "en": "Where the page allows no script: an iframe of a fixed height (the map fits "
              "into it)",
        "uk": "Якщо сторінка не дозволяє скриптів: iframe фіксованої висоти (карта "
              "вміщується в нього)",
    },
    "export_tiles": {"en": "Basemap (OpenStreetMap tiles, from the internet)",
                     "uk": "Підкладка (тайли OpenStreetMap з інтернету)"},
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
        "en": "{change} km² in the {days} days to {date}",
        "uk": "{change} км² за {days} днів до {date}",
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
    "chart_credit_line": {"en": "Chart: {credit}", "uk": "Графік: {credit}"},
    "chart_gain": {
        "en": "Net gain of territory under Russian control",
        "uk": "Чистий приріст території під контролем Росії",
    },
    "chart_loss": {
        "en": "Net loss of territory under Russian control",
        "uk": "Чисте зменшення території під контролем Росії",
    },
    "chart_no_change": {
        "en": "No change: the area under Russian control was the same at every month's 1st "
              "from {first} to {last}.",
        "uk": "Без змін: територія під контролем Росії була однаковою на 1-ше число кожного "
              "місяця з {first} до {last}.",
    },
    "chart_region_no_change": {
        "en": "No change: {region}'s area under Russian control was the same at every month's "
              "1st.",
        "uk": "Без змін: територія під контролем Росії в регіоні «{region}» була однаковою на "
              "1-ше число кожного місяця.",
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


# how long a figure stands, and a series' gaps (mapkit.cadence, mapkit.figures)
STRINGS.update({
    "headline_as_of": {"en": "as of {date}", "uk": "станом на {date}"},
    "headline_as_of_why": {"en": "as of {date}: {why}", "uk": "станом на {date}: {why}"},
    "figures_as_of_why": {
        "en": "Figures as of {date}: {why}",
        "uk": "Дані станом на {date}: {why}",
    },
    "no_map_for": {"en": "{series} has no map for {gap}", "uk": "{series} не має карти за {gap}"},
    "no_map_instead": {
        "en": "{series} has no map for {gap}; this map is {other}'s",
        "uk": "{series} не має карти за {gap}; це карта ряду {other}",
    },
    "no_map_other_has": {  # for the viewer: followed by a button that switches to {other}
        "en": "{series} has no map for {gap}; {other} has",
        "uk": "{series} не має карти за {gap}; є в ряді {other}",
    },
    "its_maps_around": {
        "en": "its maps: … {before}, then from {after}",
        "uk": "його карти: … {before}, далі з {after}",
    },
    "its_maps_from": {"en": "its maps begin on {first}", "uk": "його карти починаються {first}"},
    "its_maps_until": {
        "en": "its newest map is of {last} and stands until {until}",
        "uk": "його найновіша карта — від {last}, вона діє до {until}",
    },
    "status_no_map": {"en": "no map", "uk": "немає карти"},
})

# the viewer: a series' gaps, and two series side by side (issue 19)
STRINGS.update({
    "switch_series": {"en": "Show {series}'s map", "uk": "Показати карту {series}"},
    "coverage_maps": {"en": "{series}: maps", "uk": "{series}: карти"},
    "mode_series": {"en": "Compare series", "uk": "Порівняти ряди"},
    "compare_with": {"en": "Compare with", "uk": "Порівняти з"},
    "compare_with_help": {
        "en": "The series on the map beside another, region by region: each with its own "
              "figure date, and the difference.",
        "uk": "Ряд на карті поруч з іншим, регіон за регіоном: кожен зі своєю датою цифри, "
              "і різниця.",
    },
    "series_only_one": {
        "en": "These snapshots have one series only: there is nothing to compare it with.",
        "uk": "У цих знімках лише один ряд: його нема з чим порівняти.",
    },
    "series_title": {
        "en": "{b} against {a}, {date}", "uk": "{b} порівняно з {a}, {date}",
    },
    "series_legend": {"en": "{b} − {a}, pp", "uk": "{b} − {a}, в. п."},
    "series_caption": {
        "en": "Colour: the difference, {b} minus {a}, in percentage points (red: {b} gives more "
              "territory under Russian control, blue: less; grey: either has no figure). "
              "Neither series' own figure is a colour here: both are in the tooltip and the "
              "table, each with its date.",
        "uk": "Колір: різниця, {b} мінус {a}, у відсоткових пунктах (червоний: за {b} під "
              "контролем Росії більше, синій: менше; сірий: в одного з рядів немає цифри). "
              "Власні цифри рядів тут не є кольором: обидві — у підказці й таблиці, кожна зі "
              "своєю датою.",
    },
    "series_headline": {
        "en": "Ukraine as a whole: {a} {percent_a}, {b} {percent_b}",
        "uk": "Україна загалом: {a} {percent_a}, {b} {percent_b}",
    },
    "series_table_heading": {
        "en": "{a} and {b}, {date}", "uk": "{a} і {b}, {date}",
    },
    "col_series_percent": {"en": "{series}, %", "uk": "{series}, %"},
    "col_series_as_of": {"en": "{series}: figure dated", "uk": "{series}: дата цифри"},
    "col_difference_pp": {"en": "{b} − {a}, pp", "uk": "{b} − {a}, в. п."},
    "col_difference_km2": {"en": "{b} − {a}, km²", "uk": "{b} − {a}, км²"},
    "difference": {"en": "Difference", "uk": "Різниця"},
    "chart_caption_series": {
        "en": "Lines: {a}, the series on the map, and {b} (each figure holds until the next; "
              "shaded: partial, no figure). Points: other sources.",
        "uk": "Лінії: {a}, ряд на карті, і {b} (кожна цифра діє до наступної; затінено: "
              "частково, без цифри). Точки: інші джерела.",
    },
    "export_no_map": {
        "en": "{series} has no map for {date}: there is no map of this date to export from it. "
              "Show another series' map of this date (the button above the map), or export all "
              "dates.",
        "uk": "{series} не має карти за {date}: з цього ряду немає карти цієї дати для "
              "експорту. Покажіть карту іншого ряду на цю дату (кнопка над картою) або "
              "експортуйте всі дати.",
    },
})

# quotable changes: the sentences of `mapkit changes` (mapkit.change_sentences, issue 17)
STRINGS.update({
    "changes_gain": {
        "en": "{place}Russia gained {km2} km² {when}{since}.",
        "uk": "{place}Територія під контролем Росії збільшилася на {km2} км² {when}{since}.",
    },
    "changes_loss": {
        "en": "{place}Russia lost {km2} km² {when}{since}.",
        "uk": "{place}Територія під контролем Росії зменшилася на {km2} км² {when}{since}.",
    },
    "changes_none": {
        "en": "{place}The area under Russian control did not change {when}.",
        "uk": "{place}Територія під контролем Росії не змінилася {when}.",
    },
    "changes_no_figure": {
        "en": "{place}No figure for the change {when}: the series has no snapshot within a "
              "{period} before its start or its end.",
        "uk": "{place}Немає цифри зміни {when}: у ряді немає знімка в межах {period} до його "
              "початку чи кінця.",
    },
    "changes_gain_since": {
        "en": ", the largest {adjective} gain since {then}",
        "uk": " — найбільший {adjective} приріст з {then}",
    },
    "changes_loss_since": {
        "en": ", the largest {adjective} loss since {then}",
        "uk": " — найбільше {adjective} зменшення з {then}",
    },
    "changes_gain_first": {
        "en": ", the largest {adjective} gain in this series (figures from {then})",
        "uk": " — найбільший {adjective} приріст у цьому ряді (дані з {then})",
    },
    "changes_loss_first": {
        "en": ", the largest {adjective} loss in this series (figures from {then})",
        "uk": " — найбільше {adjective} зменшення в цьому ряді (дані з {then})",
    },
    "changes_to_date": {"en": "{when} to date (to {date})", "uk": "{when} (станом на {date})"},
    "changes_in_month": {"en": "in {month} {year}", "uk": "у {month} {year} року"},
    "changes_in_week": {"en": "in the week from {start} to {end}",
                        "uk": "за тиждень з {start} до {end}"},
    "changes_in_week_to_date": {"en": "in the week from {start}", "uk": "за тиждень з {start}"},
    "changes_in_year": {"en": "in {year}", "uk": "у {year} році"},
    "changes_month_then": {"en": "{month} {year}", "uk": "{month} {year} року"},
    "changes_week_then": {"en": "the week from {start}", "uk": "тижня з {start}"},
    "changes_year_then": {"en": "{year}", "uk": "{year} року"},
    "changes_day": {"en": "{day} {month} {year}", "uk": "{day} {month} {year} року"},
    "changes_period_week": {"en": "week", "uk": "тижня"},
    "changes_period_month": {"en": "month", "uk": "місяця"},
    "changes_period_year": {"en": "year", "uk": "року"},
    # "weekly gain" / "тижневий приріст" (masculine), "тижневе зменшення" (neuter)
    "changes_adjective_gain_week": {"en": "weekly", "uk": "тижневий"},
    "changes_adjective_gain_month": {"en": "monthly", "uk": "місячний"},
    "changes_adjective_gain_year": {"en": "yearly", "uk": "річний"},
    "changes_adjective_loss_week": {"en": "weekly", "uk": "тижневе"},
    "changes_adjective_loss_month": {"en": "monthly", "uk": "місячне"},
    "changes_adjective_loss_year": {"en": "yearly", "uk": "річне"},
    "changes_in_words": {"en": "In words:", "uk": "Словами:"},
    "changes_hidden": {
        "en": "Not shown: {count} row(s) without change ({regions}); --all-regions shows them.",
        "uk": "Не показано: {count} рядк(и) без змін ({regions}); --all-regions показує їх.",
    },
    "changes_to_date_mark": {"en": "to date", "uk": "неповний"},
})

# the embed that drops into a CMS, and the self-contained html export (issue 21)
STRINGS.update({
    "embed_figures_of": {"en": "Figures of {date}", "uk": "Дані на {date}"},
    "export_embed_description_one": {
        "en": "Map of Ukraine's {units}, each coloured by the share of its area under Russian "
              "military control on {date}. The table after the map lists each region's figure "
              "and source.",
        "uk": "Карта {units} України: колір показує частку площі регіону під військовим "
              "контролем Росії на {date}. Таблиця після карти містить дані й джерело для "
              "кожного регіону.",
    },
    "embed_get_data": {"en": "Get the data (CSV)", "uk": "Отримати дані (CSV)"},
    "embed_region_line": {"en": "{region}: {value} ({source}, {date})",
                          "uk": "{region}: {value} ({source}, {date})"},
    "km2_column": {"en": "Area, km²", "uk": "Площа, км²"},
    "html_tiles_note": {
        "en": "Basemap: OpenStreetMap tiles, loaded from the internet; the regions, figures and "
              "controls are in this file and work offline.",
        "uk": "Підкладка: тайли OpenStreetMap з інтернету; регіони, дані й керування — у цьому "
              "файлі й працюють без мережі.",
    },
    "html_no_script": {
        "en": "The interactive map needs JavaScript, which is off. The figures of the last date "
              "are below.",
        "uk": "Інтерактивній карті потрібен JavaScript, який вимкнено. Дані на останню дату — "
              "нижче.",
    },
})

# the published site: `mapkit publish` (issue 21, point 1)
STRINGS.update({
    "site_language_name": {"en": "English", "uk": "Українська"},
    "site_languages": {"en": "Language", "uk": "Мова"},
    "site_chart_heading": {"en": "Change by month", "uk": "Зміна за місяцями"},
    "site_chart_shown": {"en": "the month of the date shown", "uk": "місяць показаної дати"},
    "site_chart_noscript": {
        "en": "The chart needs JavaScript; its figures are in data/changes-month.csv.",
        "uk": "Графіку потрібен JavaScript; його дані — у data/changes-month.csv.",
    },
    "site_chart_no_figure": {"en": "no figure", "uk": "немає цифри"},
    "site_table_heading": {"en": "Figures of {date}", "uk": "Дані на {date}"},
    "site_sources_heading": {"en": "Sources", "uk": "Джерела"},
    "site_sources_intro": {
        "en": "Every figure carries its source and its own date. The map shows one series at a "
              "time; the others stand beside it in the tooltips and in the data.",
        "uk": "Кожна цифра має своє джерело й дату. Карта показує один ряд; інші — поруч, у "
              "підказках і в даних.",
    },
    "site_source_computed": {
        "en": "figures computed by mapkit from {source}'s polygons; the polygons themselves are "
              "not redistributed",
        "uk": "цифри обчислено mapkit з полігонів {source}; самі полігони не поширюються",
    },
    "site_source_reported": {"en": "figures as the publication reported them",
                             "uk": "цифри, як їх повідомило видання"},
    "site_source_span": {"en": "{count} figures, {first} – {last}",
                         "uk": "{count} цифр, {first} – {last}"},
    "site_boundaries_public": {
        "en": "Region boundaries: Natural Earth admin-1 (public domain).",
        "uk": "Межі регіонів: Natural Earth admin-1 (суспільне надбання).",
    },
    "site_boundaries_credit": {"en": "Boundaries: {credit}, {licence} ({url}).",
                               "uk": "Межі: {credit}, {licence} ({url})."},
    "site_data_heading": {"en": "Data", "uk": "Дані"},
    "site_data_intro": {
        "en": "The figures behind this page, at addresses that stay the same from one update to "
              "the next:",
        "uk": "Дані цієї сторінки, за адресами, що не змінюються від оновлення до оновлення:",
    },
    "site_file_figures": {"en": "every figure of every series and source, every date",
                          "uk": "усі цифри всіх рядів і джерел, на всі дати"},
    "site_file_latest": {"en": "the map's figures on its latest date",
                         "uk": "цифри карти на останню дату"},
    "site_file_latest_json": {"en": "the same, with the national headline, as JSON",
                              "uk": "те саме, з цифрою для всієї країни, у JSON"},
    "site_file_month": {"en": "km² and share at each month's start and end, and the change",
                        "uk": "км² і частка на початок і кінець кожного місяця та зміна"},
    "site_file_week": {"en": "the same for each week (Monday to Monday)",
                       "uk": "те саме для кожного тижня (з понеділка до понеділка)"},
    "site_file_png": {"en": "the print map of the latest date (PNG; SVG beside it), and of "
                            "every month's first: png/YYYY-MM-01.png",
                      "uk": "друкована карта на останню дату (PNG; SVG поруч), і на перше число "
                            "кожного місяця: png/YYYY-MM-01.png"},
    "site_embed_link": {"en": "Embed this map in a story", "uk": "Вбудувати цю карту в статтю"},
    "site_alt": {
        "en": "Map of Ukraine's {units} on {date}, each coloured by the share of its area "
              "under Russian military control. {headline}. Source: {sources}.",
        "uk": "Карта {units} України на {date}: колір показує частку площі регіону під "
              "військовим контролем Росії. {headline}. Джерело: {sources}.",
    },
    "site_codes_title": {"en": "Embed the map: code to paste", "uk": "Вбудувати карту: код"},
    "site_codes_intro": {
        "en": "Paste one of these where the map should appear in a story. The map is "
              "embed.html on this site; it asks no other host for anything.",
        "uk": "Вставте один із цих фрагментів туди, де в статті має бути карта. Карта — це "
              "embed.html на цьому сайті; вона нічого не завантажує з інших адрес.",
    },
    "site_codes_relative": {
        "en": "This site was published without --base-url, so the addresses below are "
              "relative: replace embed.html and embed.js with their full addresses on your "
              "host.",
        "uk": "Сайт опубліковано без --base-url, тож адреси нижче відносні: замініть "
              "embed.html і embed.js їхніми повними адресами на вашому хостингу.",
    },
    "site_codes_resizing": {
        "en": "With its resizer (recommended): the iframe takes the map's height; embed.js "
              "also understands pym.js and AMP.",
        "uk": "З підлаштуванням висоти (рекомендовано): iframe бере висоту карти; embed.js "
              "розуміє також pym.js і AMP.",
    },
    "site_codes_fixed": {
        "en": "Without script, for pages that allow none: a fixed height for a {width} px "
              "column ({heights}).",
        "uk": "Без скрипту, для сторінок, які їх не дозволяють: фіксована висота для колонки "
              "{width} px ({heights}).",
    },
    "site_codes_alt": {"en": "Alt text (the latest date's figures in a sentence)",
                       "uk": "Альтернативний текст (дані останньої дати одним реченням)"},
    "site_codes_flags": {
        "en": "Add flags to the address for another view: ?date=2025-03-17 (a permalink), "
              "lang=uk, region=UA-14, dark=1 or 0, plain (no header or footer), static (no "
              "slider).",
        "uk": "Додайте до адреси параметри для іншого вигляду: ?date=2025-03-17 (постійне "
              "посилання), lang=uk, region=UA-14, dark=1 або 0, plain (без заголовка й "
              "підпису), static (без повзунка).",
    },
    "site_codes_back": {"en": "Back to the map", "uk": "Назад до карти"},
})

#: Month names: English, and the Ukrainian cases a sentence needs — nominative ("листопад"),
#: genitive ("17 листопада", "з листопада") and locative ("у листопаді").
MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "uk": ("січень", "лютий", "березень", "квітень", "травень", "червень", "липень", "серпень",
           "вересень", "жовтень", "листопад", "грудень"),
    "uk_genitive": ("січня", "лютого", "березня", "квітня", "травня", "червня", "липня",
                    "серпня", "вересня", "жовтня", "листопада", "грудня"),
    "uk_locative": ("січні", "лютому", "березні", "квітні", "травні", "червні", "липні",
                    "серпні", "вересні", "жовтні", "листопаді", "грудні"),
}
MONTHS_SHORT = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "uk": ("січ.", "лют.", "бер.", "квіт.", "трав.", "черв.", "лип.", "серп.", "вер.", "жовт.",
           "лист.", "груд."),
}


def day_months(lang: str) -> tuple[str, ...]:
    """The month names of a date in words in ``lang``: "23 February", "23 лютого" (a day's
    month is in the genitive in Ukrainian). The embed writes its dates with the same names."""
    return MONTHS["uk_genitive"] if lang == "uk" else MONTHS["en"]


def date_text(day, lang: str = "en", short: bool = False, year: bool = True) -> str:
    """A date in words: "23 February 2022" ("23 лютого 2022"); ``short``: "23 Feb 2022".
    ``day`` is a date, a datetime or Timestamp (its day), or "YYYY-MM-DD…": every page and
    export writes its dates through here."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    months = MONTHS_SHORT.get(lang, MONTHS_SHORT["en"]) if short else day_months(lang)
    text = f"{day.day} {months[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def span_text(first, last, lang: str = "en") -> str:
    """Days from ``first`` to ``last`` in words, short: "24 Feb – 2 Apr 2022" (one day: "24 Feb
    2022"; across a year: "2 Dec 2022 – 3 May 2023")."""
    if first == last:
        return date_text(first, lang, short=True)
    return (f"{date_text(first, lang, short=True, year=first.year != last.year)} – "
            f"{date_text(last, lang, short=True)}")


# --- Notes ---------------------------------------------------------------------------------------
# A computed figure's note is written by mapkit.ingest.day.snapshot_rows from a fixed pattern;
# its Ukrainian is made from the same pattern here. A publication's note has its own Ukrainian
# (the snapshot column note_uk) where we have it, and otherwise stays as written.

_COMPUTED_FROM = "computed from "
#: "(DeepStateMap's daily file of D: the map at the end of D-1)", after the input's name.
_DAILY_FILE = re.compile(r"(.*) \(DeepStateMap's daily file of (\S+): the map at the end of "
                         r"(\S+)\)")
#: Each clause mapkit writes after "computed from …", and its Ukrainian.
_CLAUSES_UK = (
    (re.compile(r"incl\. (\d+(?:\.\d+)?) pp coast/border mismatch strips"),
     "включно з {0} в. п. вузьких смуг між лінією і узбережжям чи кордоном"),
    (re.compile(r"no contested layer in the input"), "у вхідних даних немає шару сірої зони"),
    (re.compile(r"Ukraine: occupied polygons as drawn = (\S+) km² inside our 27 regions \+ "
                r"(\S+) km² beyond their outline"),
     "Україна: окуповані полігони як намальовано = {0} км² у межах наших 27 регіонів + {1} км² "
     "поза їхнім контуром"),
    (re.compile(r"the regions' rows add (\S+) km² of coast/border strips and (\S+) km² of our "
                r"Crimea outline the layer leaves out"),
     "рядки регіонів додають {0} км² смуг узбережжя й кордону та {1} км² нашого контуру Криму, "
     "якого шар не охоплює"),
    (re.compile(r"the regions' rows add (\S+) km² of coast/border strips"),
     "рядки регіонів додають {0} км² смуг узбережжя й кордону"),
    (re.compile(r"percent of Ukraine's official (\S+) km²"),
     "відсоток від офіційної площі України, {0} км²"),
    (re.compile(r"contested: the grey zone inside our regions"),
     "сіра зона: у межах наших регіонів"),
)


def _uk_number(text: str) -> str:
    """12,345.6 → 12 345,6."""
    return text.replace(",", "\u00a0").replace(".", ",")


def computed_note_uk(note: str, origins: dict[str, str] | None = None) -> str | None:
    """The Ukrainian of a note mapkit wrote for a computed figure ("computed from …; incl. …
    pp coast/border mismatch strips"), or None when the note is not one of ours.

    ``origins`` gives the Ukrainian of an input's description (``scripts/build_timeline.py``
    describes the layers it used); a file name stays as it is."""
    clauses = note.split("; ")
    if not clauses[0].startswith(_COMPUTED_FROM):  # a raion's or hromada's: its clauses alone
        out = []
        for clause in clauses:
            found = next(((pattern.fullmatch(clause), text) for pattern, text in _CLAUSES_UK
                          if pattern.fullmatch(clause)), None)
            if found is None:
                return None
            out.append(found[1].format(*map(_uk_number, found[0].groups())))
        return "; ".join(out)
    origin = clauses[0][len(_COMPUTED_FROM):]
    daily = _DAILY_FILE.fullmatch(origin)
    if daily:
        origin = (f"{(origins or {}).get(daily[1], daily[1])} (щоденний файл DeepStateMap від "
                  f"{daily[2]}: карта на кінець {daily[3]})")
    else:
        origin = (origins or {}).get(origin, origin)
    out = [f"обчислено з {origin}"]
    for clause in clauses[1:]:
        for pattern, text in _CLAUSES_UK:
            found = pattern.fullmatch(clause)
            if found:
                out.append(text.format(*map(_uk_number, found.groups())))
                break
        else:
            return None
    return "; ".join(out)


def note_text(note: str | None, note_uk: str | None, lang: str) -> str | None:
    """A figure's note in ``lang``: its own Ukrainian, ours for a computed figure's note, or the
    note as written."""
    if lang != "uk" or not note:
        return note_uk if lang == "uk" and note_uk else note
    return note_uk or computed_note_uk(note) or note


def number_text(value: float, lang: str = "en", decimals: int = FIGURE_DECIMALS) -> str:
    """A figure as a reader of ``lang`` writes it: "99.5" in English, "99,5" in Ukrainian."""
    text = f"{value:.{decimals}f}"
    return text.replace(".", ",") if lang == "uk" else text


# levels: the viewer's level switch and search, the exports' credit and focus
STRINGS.update({
    "level": {"en": "Level", "uk": "Рівень"},
    "level_oblast": {"en": "Oblasts", "uk": "Області"},
    "level_raion": {"en": "Raions", "uk": "Райони"},
    "level_hromada": {"en": "Hromadas", "uk": "Громади"},
    "level_help": {
        "en": "Oblasts are Ukraine's 27 first-level regions; raions (138) and hromadas (1,486) "
              "are the units below them, with OpenStreetMap's boundaries.",
        "uk": "Області — 27 регіонів першого рівня; райони (138) і громади (1 486) — одиниці "
              "нижчого рівня, з межами OpenStreetMap.",
    },
    "level_loading": {"en": "Loading the {level}…", "uk": "Завантаження: {level}…"},
    "level_none": {
        "en": "The snapshots shown have no figures at the {level} level: showing the oblasts.",
        "uk": "У показаних даних немає цифр на рівні «{level}»: показано області.",
    },
    "level_uploads": {
        "en": "Uploaded files are shown at the oblast level.",
        "uk": "Завантажені файли показано на рівні областей.",
    },
    "find": {"en": "Find a place", "uk": "Знайти місце"},
    "find_placeholder": {"en": "Raion, hromada or town: Pokrovsk, Покровськ",
                         "uk": "Район, громада чи місто: Покровськ, Pokrovsk"},
    "find_help": {
        "en": "A raion's, hromada's or town's name in English or Ukrainian, or a code. A town "
              "finds the hromada or raion named after it.",
        "uk": "Назва району, громади чи міста українською або англійською, чи код. Місто "
              "знаходить громаду або район, названі за ним.",
    },
    "find_none": {"en": "Nothing found for “{text}”.", "uk": "Нічого не знайдено: «{text}»."},
    "find_matches": {"en": "Matches", "uk": "Знайдено"},
    "zoom_into": {"en": "{units} of {region}", "uk": "{units}: {region}"},
    "col_parent": {"en": "Oblast", "uk": "Область"},
    "boundaries_credit": {
        "en": "Boundaries: {credit}, {licence}",
        "uk": "Межі: {credit}, {licence}",
    },
    "focus_subtitle": {
        "en": "{units} of {region}",
        "uk": "{units}: {region}",
    },
    "focus_outside": {"en": "outside {region}", "uk": "поза межами: {region}"},
    "export_focus": {"en": "Draw one oblast large", "uk": "Показати одну область крупно"},
    "export_focus_all": {"en": "No: all of Ukraine", "uk": "Ні: уся Україна"},
})
