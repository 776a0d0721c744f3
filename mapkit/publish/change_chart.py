"""The monthly change chart (``chart-png``, ``chart-svg``): net change of the area under Russian
military control in Ukraine, one bar per month, drawn with matplotlib.

The bars are :func:`mapkit.period_changes.series_changes` of the shown series' row UA (months
from the 1st to the 1st, as ``mapkit changes``); a month without a figure at either boundary has
no bar. Title, source line, credit and provenance as on the print maps, every text drawn with
``parse_math=False`` (a "$" is a dollar sign); SVG output is byte-identical for identical inputs.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from mapkit.figures import Timeline
from mapkit.i18n import t
from mapkit.period_changes import series_changes
from mapkit.publish.provenance import Provenance
from mapkit.publish.static import (
    MUTED_COLOUR,
    PRINT_DPI,
    SVG_HASH_SALT,
    TEXT_COLOUR,
    save_print,
    visual,
)
from mapkit.regions import COUNTRY

#: Bars: a net gain of territory under Russian control, a net loss (the change scale's ends).
GAIN_COLOUR = "#b2182b"
LOSS_COLOUR = "#2166ac"
CHART_WIDTH_PX = 2400


def monthly_bars(timeline: Timeline, code: str = COUNTRY.code) -> list[tuple]:
    """(month start, month end, change km²) for the months of ``timeline``'s dates, from the
    first month with a figure; NaN where a month has none."""
    days, cells = timeline.history.get(code, ((), ()))
    km2 = [math.nan if c.area_km2 is None else c.area_km2 for c in cells]
    bars = series_changes(list(days), km2, period="month", first=timeline.first_date,
                          last=timeline.last_date)
    while bars and math.isnan(bars[0][2]):
        bars.pop(0)
    return bars


def render_change_chart(timeline: Timeline, provenance: Provenance, *, fmt: str, title: str,
                        subtitle: str | None, credit: str | None, lang: str = "en",
                        width_px: int = CHART_WIDTH_PX) -> bytes:
    """PNG or SVG bytes of the monthly change chart of the timeline's series."""
    from mapkit.publish.export import ExportInputError

    bars = monthly_bars(timeline)
    if not any(not math.isnan(change) for _, _, change in bars):
        raise ExportInputError(
            "this series has no national km² (row UA) for two month boundaries in a row: "
            "choose a computed source (e.g. --source DeepStateMap) or a longer date range")
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASH_SALT, "svg.fonttype": "path"}):
        width_in = width_px / PRINT_DPI
        figure = Figure(figsize=(width_in, width_in * 0.5), dpi=PRINT_DPI, facecolor="white")
        scale = width_in / 12.0
        axes = figure.add_axes((0.07, 0.2, 0.9, 0.6))
        text = {"parse_math": False, "color": TEXT_COLOUR}
        figure.text(0.02, 0.965, visual(title), fontsize=20 * scale, fontweight="bold",
                    va="top", **text)
        if subtitle:
            figure.text(0.02, 0.885, visual(subtitle), fontsize=13 * scale, va="top",
                        **{**text, "color": MUTED_COLOUR})
        starts = np.array([np.datetime64(start, "D") for start, _, _ in bars])
        changes = np.array([change for _, _, change in bars])
        known = ~np.isnan(changes)
        colours = np.where(changes[known] >= 0, GAIN_COLOUR, LOSS_COLOUR)
        axes.bar(starts[known] + np.timedelta64(15, "D"), changes[known], width=24,
                 color=colours, gid="mapkit-bars")
        axes.axhline(0, color="#444444", linewidth=0.8 * scale)
        axes.set_ylabel(t("chart_axis", lang), fontsize=11 * scale, color=TEXT_COLOUR)
        axes.tick_params(labelsize=9 * scale, colors=TEXT_COLOUR)
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="y", color="#dddddd", linewidth=0.6 * scale)
        axes.set_axisbelow(True)
        foot = [t("source_line", lang, sources=provenance.sources_text(lang))]
        if credit:
            foot.append(t("credit_line", lang, credit=credit))
        figure.text(0.02, 0.095, visual(t("chart_note", lang)), fontsize=9 * scale, va="top",
                    **{**text, "color": MUTED_COLOUR})
        figure.text(0.02, 0.06, visual("  ·  ".join(foot)), fontsize=10 * scale, va="top",
                    **{**text, "color": MUTED_COLOUR})
        figure.text(0.02, 0.025, visual(provenance.line(lang)), fontsize=8 * scale, va="top",
                    **{**text, "color": MUTED_COLOUR})
        for label in axes.get_xticklabels() + axes.get_yticklabels():
            label.set_parse_math(False)
        return save_print(figure, fmt, title, provenance, lang)
