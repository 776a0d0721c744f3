"""A row of ``mapkit changes`` as a sentence a journalist can paste: "Russia gained 506 km² in
November 2025, the largest monthly gain since July 2025."

Every word comes from the row (:mod:`mapkit.period_changes`): the change and its sign, the
period, whether it is over ("to date"), and the earlier period ``largest_since`` names — gains
compared with gains, losses with losses. A period without a figure says so; nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from mapkit.headline import number_text
from mapkit.i18n import MONTHS, t
from mapkit.regions import COUNTRY

#: Below this many km², a change keeps its decimal (2.3 km²); from it on, whole km² (506 km²).
WHOLE_KM2_FROM = 10


def _day(value) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    return None if pd.isna(value) else pd.Timestamp(value).date()


def _month(day: dt.date, lang: str, case: str = "") -> str:
    return MONTHS[f"{lang}_{case}" if lang == "uk" and case else lang][day.month - 1]


def day_text(day: dt.date, lang: str = "en") -> str:
    """"17 November 2025" / "17 листопада 2025 року"."""
    return t("changes_day", lang, day=day.day, month=_month(day, lang, "genitive"),
             year=day.year)


def when_text(start: dt.date, end: dt.date, period: str, complete: bool,
              lang: str = "en") -> str:
    """"in November 2025", "in the week from 9 June 2025 to 16 June 2025", "in 2025"; a period
    not over: "in August 2026 to date (to 21 August 2026)"."""
    if period == "month":
        when = t("changes_in_month", lang, month=_month(start, lang, "locative"),
                 year=start.year)
    elif period == "week":
        key = "changes_in_week" if complete else "changes_in_week_to_date"
        when = t(key, lang, start=day_text(start, lang), end=day_text(end, lang))
    else:
        when = t("changes_in_year", lang, year=start.year)
    return when if complete else t("changes_to_date", lang, when=when, date=day_text(end, lang))


def then_text(start: dt.date, period: str, lang: str = "en") -> str:
    """The period beginning on ``start``, after "since": "July 2025" / "липня 2025 року"."""
    if period == "month":
        return t("changes_month_then", lang, month=_month(start, lang, "genitive"),
                 year=start.year)
    if period == "week":
        return t("changes_week_then", lang, start=day_text(start, lang))
    return t("changes_year_then", lang, year=start.year)


def km2_text(value: float, lang: str = "en") -> str:
    return number_text(abs(value), lang, decimals=0 if abs(value) >= WHOLE_KM2_FROM else 1)


def sentence(row: dict, period: str, lang: str = "en", first_figure: dt.date | None = None,
             previous: dt.date | None = None) -> str:
    """``row`` (a dict with the columns of :data:`mapkit.period_changes.COLUMNS`) in words.

    ``first_figure`` is the start of the region's first period with a change (for "the
    largest … in this series"), ``previous`` the start of the period before the row's: a
    change larger than only the one just before it is not worth a "the largest since".
    """
    start, end = _day(row["period_start"]), _day(row["period_end"])
    complete = bool(row["complete"])
    when = when_text(start, end, period, complete, lang)
    # a raion's or hromada's name with its oblast, as names repeat across oblasts
    place = ("" if row["region"] == COUNTRY.code
             else f"{row.get('_label') or row['region_name']}: ")
    change = row["change_km2"]
    if change is None or math.isnan(change):
        return t("changes_no_figure", lang, place=place, when=when,
                 period=t(f"changes_period_{period}", lang))
    kind = row["largest_since_kind"]
    if not kind:
        return t("changes_none", lang, place=place, when=when)
    since = _day(row["largest_since"])
    adjective = t(f"changes_adjective_{kind}_{period}", lang)
    if since is not None and since != previous:
        clause = t(f"changes_{kind}_since", lang, adjective=adjective,
                   then=then_text(since, period, lang))
    elif since is None and first_figure is not None and first_figure != start:
        then = (day_text(first_figure, lang) if period == "week"
                else then_text(first_figure, period, lang))
        clause = t(f"changes_{kind}_first", lang, adjective=adjective, then=then)
    else:
        clause = ""
    return t(f"changes_{kind}", lang, place=place, km2=km2_text(change, lang), when=when,
             since=clause)
