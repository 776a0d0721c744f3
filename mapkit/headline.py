"""The line a story leads with, for a map's date: "Russia controls 19.2 % of Ukraine
(116,200 km²) · +480 km² in the last 30 days".

It is read from the shown series' row ``UA`` (Ukraine as a whole: docs/methodology.md) and
nothing else: a series without that row has no headline, never a made-up one. The viewer, the
embed and the print maps all take their headline from here, so they say the same thing.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from mapkit.figures import Timeline
from mapkit.i18n import t
from mapkit.regions import COUNTRY

#: The national km² in a headline, rounded to this (a reader compares it with DeepState's own
#: total, which is measured on a sphere: docs/methodology.md).
HEADLINE_KM2_STEP = 100


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
    """The change of ``code``'s km² over the ``days`` up to ``day`` and the date it is
    measured from: its figure on ``day`` less its latest figure on or before ``day`` −
    ``days`` (which may be older: a weekly series). None when either figure is missing, or the
    earlier one is older than ``days`` again (nothing to compare with)."""
    now = timeline.figure_on(code, day)
    then_day = day - dt.timedelta(days=days)
    then = timeline.figure_on(code, then_day)
    if now.area_km2 is None or then.area_km2 is None or then.as_of is None:
        return None
    if (then_day - then.as_of).days > days:
        return None
    return round(now.area_km2 - then.area_km2, 1), then.as_of


@dataclass(frozen=True)
class Headline:
    """The national figure on a map's date, from the series' row UA."""

    date: dt.date
    as_of: dt.date  # the figure's own date (the latest on or before ``date``)
    percent: float
    km2: float | None
    change_30d: float | None
    since: dt.date | None  # the date the change is measured from (30 days before, or earlier)
    source: str

    def text(self, lang: str = "en", with_as_of: bool = True) -> str:
        """``with_as_of`` adds "figure of <date>" when the figure is older than the date: maps
        that say "Figures as of" on their own (the print maps) leave it out."""
        parts = [t("headline", lang, percent=number_text(self.percent, lang, 1),
                   km2=number_text(math.floor(self.km2 / HEADLINE_KM2_STEP + 0.5)
                                   * HEADLINE_KM2_STEP, lang))
                 if self.km2 is not None else
                 t("headline_no_km2", lang, percent=number_text(self.percent, lang, 1))]
        if self.change_30d is not None:
            change = number_text(self.change_30d, lang, sign=True)
            if self.since == self.date - dt.timedelta(days=30):
                parts.append(t("headline_change", lang, change=change, days=30))
            else:  # the figure 30 days before is older: say from when
                parts.append(t("headline_change_since", lang, change=change,
                               date=self.since.isoformat()))
        if with_as_of and self.as_of != self.date:
            parts.append(t("export_as_of", lang, date=self.as_of.isoformat()))
        return " · ".join(parts)


def headline(timeline: Timeline, day: dt.date) -> Headline | None:
    """The headline of ``timeline`` on ``day``, or None when its series has no national figure
    on or before that day."""
    cell = timeline.figure_on(COUNTRY.code, day)
    if cell.percent is None or cell.as_of is None:
        return None
    change = change_over(timeline, COUNTRY.code, day, 30)
    return Headline(date=day, as_of=cell.as_of, percent=cell.percent, km2=cell.area_km2,
                    change_30d=change[0] if change else None,
                    since=change[1] if change else None, source=cell.source or "")


def headline_text(timeline: Timeline, day: dt.date, lang: str = "en",
                  with_as_of: bool = True) -> str:
    """The headline as text; "" when the series has no national figure (say nothing)."""
    found = headline(timeline, day)
    return found.text(lang, with_as_of) if found else ""
