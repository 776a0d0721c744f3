"""The line a story leads with, for a map's date: "Russia controls 19.2 % of Ukraine
(116,200 km²) · +480 km² in the 30 days to 21 August 2026".

It is read from the shown series' row ``UA`` (Ukraine as a whole: docs/methodology.md) and
nothing else: a series without that row has no headline, never a made-up one; a date on which
no national figure of the series stands (a gap: :mod:`mapkit.cadence`) has none either, and a
change is only measured between two figures the series vouches for. The viewer, the embed and
the print maps all take their headline from here, so they say the same thing.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from mapkit.figures import Timeline
from mapkit.i18n import date_text, t
from mapkit.regions import COUNTRY

#: The national km² in a headline, rounded to this (a reader compares it with DeepState's own
#: total, which is measured on a sphere: docs/methodology.md).
HEADLINE_KM2_STEP = 100
#: The headline's change is measured over this many days up to the map's date.
CHANGE_DAYS = 30


def number_text(value: float, lang: str = "en", decimals: int = 0, sign: bool = False) -> str:
    """``value`` as a reader of ``lang`` writes it: 116,200 and 19.2 in English, 116 200 and
    19,2 in Ukrainian (thin no-break space, decimal comma); "+" or "−" with ``sign``."""
    text = f"{abs(value):,.{decimals}f}"
    if lang == "uk":
        text = text.replace(",", "\u202f").replace(".", ",")
    if sign:
        text = ("+" if value > 0 else "−" if value < 0 else "±") + text
    elif value < 0:
        text = "−" + text
    return text


def change_over(timeline: Timeline, code: str, day: dt.date,
                days: int) -> tuple[float, dt.date] | None:
    """The change of ``code``'s km² over the ``days`` up to ``day`` and the date of the figure
    it is measured from: its figure on ``day`` less its figure on ``day`` − ``days``, each the
    one the series vouches for on that day (:meth:`Timeline.figure_on`: the latest on or
    before it while it still stands; a figure older than ``day`` − ``days`` counts only
    within its series' cadence). None when the series has no figure standing on either day
    (no change is computed across a gap), or when both days show the same figure (a figure
    that stands for years, such as the 2015 line: ±0 would be no measurement, only the
    absence of one)."""
    now = timeline.figure_on(code, day)
    then = timeline.figure_on(code, day - dt.timedelta(days=days))
    if now.area_km2 is None or then.area_km2 is None or then.as_of is None:
        return None
    if then.as_of == now.as_of:
        return None
    return round(now.area_km2 - then.area_km2, 1), then.as_of


@dataclass(frozen=True)
class Headline:
    """The national figure on a map's date, from the series' row UA."""

    date: dt.date
    as_of: dt.date  # the figure's own date (the latest on or before ``date`` still standing)
    percent: float
    km2: float | None
    change_30d: float | None  # the change over the 30 days to ``date``
    since: dt.date | None  # the own date of the figure the change is measured from
    source: str
    #: Why a figure older than ``date`` still stands, where its series says (en, uk).
    as_of_why: tuple[str | None, str | None] = (None, None)

    @property
    def shown_km2(self) -> float | None:
        """The national km² as the headline writes it: rounded to :data:`HEADLINE_KM2_STEP`."""
        if self.km2 is None:
            return None
        return math.floor(self.km2 / HEADLINE_KM2_STEP + 0.5) * HEADLINE_KM2_STEP

    def text(self, lang: str = "en", with_as_of: bool = True) -> str:
        """"Russia controls 19.4 % of Ukraine (116,200 km²) · +420 km² in the 30 days to
        21 August 2026". ``with_as_of`` adds "as of 23 February 2022" (and why it stands,
        where its series says) when the figure is older than the date: maps that say "Figures
        as of" on their own (the print maps) leave it out."""
        parts = [t("headline", lang, percent=number_text(self.percent, lang, 1),
                   km2=number_text(self.shown_km2, lang))
                 if self.km2 is not None else
                 t("headline_no_km2", lang, percent=number_text(self.percent, lang, 1))]
        if self.change_30d is not None:
            parts.append(t("headline_change", lang, days=CHANGE_DAYS,
                           date=date_text(self.date, lang),
                           change=number_text(self.change_30d, lang, sign=True)))
        if with_as_of and self.as_of != self.date:
            why = self.as_of_why[1] or self.as_of_why[0] if lang == "uk" else self.as_of_why[0]
            parts.append(t("headline_as_of_why", lang, date=date_text(self.as_of, lang), why=why)
                         if why else t("headline_as_of", lang, date=date_text(self.as_of, lang)))
        return " · ".join(parts)


def headline(timeline: Timeline, day: dt.date) -> Headline | None:
    """The headline of ``timeline`` on ``day``, or None when its series has no national figure
    standing on that day."""
    cell = timeline.figure_on(COUNTRY.code, day)
    if cell.percent is None or cell.as_of is None:
        return None
    change = change_over(timeline, COUNTRY.code, day, CHANGE_DAYS)
    return Headline(date=day, as_of=cell.as_of, percent=cell.percent, km2=cell.area_km2,
                    change_30d=change[0] if change else None,
                    since=change[1] if change else None, source=cell.source or "",
                    as_of_why=(cell.stands_note, cell.stands_note_uk))


def headline_text(timeline: Timeline, day: dt.date, lang: str = "en",
                  with_as_of: bool = True) -> str:
    """The headline as text; "" when the series has no national figure (say nothing)."""
    found = headline(timeline, day)
    return found.text(lang, with_as_of) if found else ""
