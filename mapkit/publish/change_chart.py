"""The monthly change chart (``chart-png``, ``chart-svg``): net change of the area under Russian
military control in Ukraine, one bar per month, drawn with matplotlib.

The bars are :func:`mapkit.period_changes.series_changes` of the shown series' row UA (months
from the 1st to the 1st, as ``mapkit changes``); a month without a figure at either boundary has
no bar. A legend names the bars' colours (a net gain, a net loss). The source line credits the
sources of the figures the bars are measured from, and the dates it gives are the months drawn
— not every source of the map's series, nor its whole span. A range where the area never
changed says so in words instead of drawing an empty axis. Title, subtitle, source line, credit
("Chart: …") and provenance are laid out as on the print maps (:class:`~mapkit.publish.static.
Page`: nothing overlaps), every text drawn with ``parse_math=False`` (a "$" is a dollar sign);
SVG output keeps its text as text and is byte-identical for identical inputs.
"""

from __future__ import annotations

import dataclasses
import math

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from mapkit.figures import SourceInfo, Timeline
from mapkit.i18n import t
from mapkit.period_changes import series_changes
from mapkit.publish.provenance import Provenance, credit_line
from mapkit.publish.static import (
    GAP_PT,
    MARGIN_PT,
    MUTED_COLOUR,
    PRINT_DPI,
    TEXT_COLOUR,
    Page,
    print_style,
    save_print,
    visual,
    wrap_text,
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
                          last=timeline.last_date,
                          until=[c.stands_until or c.as_of for c in cells])
    while bars and math.isnan(bars[0][2]):
        bars.pop(0)
    return bars


def drawn_provenance(timeline: Timeline, provenance: Provenance, bars: list[tuple],
                     code: str = COUNTRY.code) -> Provenance:
    """``provenance`` narrowed to what the bars are measured from: the sources of ``code``'s
    figures at the boundaries of the months that have a bar, and the months drawn."""
    drawn = [(start, end) for start, end, change in bars if not math.isnan(change)]
    sources: dict[str, SourceInfo] = {}
    for start, end in drawn:
        for cell in (timeline.figure_on(code, start), timeline.figure_on(code, end)):
            if cell.source is not None and cell.source not in sources:
                sources[cell.source] = SourceInfo(cell.source, cell.source_url, cell.method or "")
    return dataclasses.replace(provenance, sources=tuple(sources.values()),
                               first_date=drawn[0][0], last_date=drawn[-1][1],
                               dates=len(drawn) + 1)


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
    provenance = drawn_provenance(timeline, provenance, bars)
    with matplotlib.rc_context(print_style()):
        width_in = width_px / PRINT_DPI
        figure = Figure(figsize=(width_in, width_in * 0.5), dpi=PRINT_DPI, facecolor="white")
        scale = width_in / 12.0
        page = Page(figure, scale)
        text = {"parse_math": False, "color": TEXT_COLOUR}
        muted = {**text, "color": MUTED_COLOUR}

        # From the top down: title, subtitle, the legend of the bars' colours.
        title_text = figure.text(0.02, 1 - page.points(MARGIN_PT),
                                 wrap_text(title, figure, 0.02, 0.98, 20 * scale, "bold"),
                                 fontsize=20 * scale, fontweight="bold", va="top", **text)
        y = page.below(title_text)
        if subtitle:
            subtitle_text = figure.text(0.02, y, wrap_text(subtitle, figure, 0.02, 0.98,
                                                           13 * scale),
                                        fontsize=13 * scale, va="top", **muted)
            y = page.below(subtitle_text)
        starts = np.array([np.datetime64(start, "D") for start, _, _ in bars])
        changes = np.array([change for _, _, change in bars])
        known = ~np.isnan(changes)

        # From the foot up: provenance, source and credit, the note on the method.
        provenance_text = figure.text(
            0.02, page.points(MARGIN_PT) * 0.6,
            wrap_text(provenance.line(lang), figure, 0.02, 0.98, 8 * scale),
            fontsize=8 * scale, va="bottom", **muted)
        foot = [provenance.source_line(lang),
                *filter(None, [credit_line(credit, lang, "chart_credit_line")])]
        source_text = figure.text(0.02, page.above(provenance_text, 0.5),
                                  wrap_text("  ·  ".join(foot), figure, 0.02, 0.98, 10 * scale),
                                  fontsize=10 * scale, va="bottom", **muted)
        note_text = figure.text(0.02, page.above(source_text, 0.5),
                                wrap_text(t("chart_note", lang), figure, 0.02, 0.98, 9 * scale),
                                fontsize=9 * scale, va="bottom", **muted)
        bottom = page.above(note_text)

        if not np.any(changes[known]):  # every month's change is 0: no bar to draw
            first, last = provenance.first_date.isoformat(), provenance.last_date.isoformat()
            figure.text(0.5, (y + bottom) / 2,
                        wrap_text(t("chart_no_change", lang, first=first, last=last), figure,
                                  0.1, 0.9, 14 * scale),
                        fontsize=14 * scale, ha="center", va="center", **text)
            return save_print(figure, fmt, title, provenance, lang)

        gains, losses = changes[known] > 0, changes[known] < 0
        handles = [Patch(facecolor=colour, label=t(key, lang))
                   for colour, key, shown in ((GAIN_COLOUR, "chart_gain", gains.any()),
                                              (LOSS_COLOUR, "chart_loss", losses.any()))
                   if shown]
        legend = figure.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.02, y),
                               ncols=len(handles), frameon=False, fontsize=10 * scale,
                               handlelength=1.4, borderaxespad=0, borderpad=0)
        for label in legend.get_texts():
            label.set_parse_math(False)
        top = legend.get_window_extent(page.renderer).y0 / page.height \
            - page.points(GAP_PT)
        # the month labels under the axis: a line of 9-point text and its padding
        bottom += page.points(9 * 1.2 + 3.5 + 4)
        axes = figure.add_axes((0.07, bottom, 0.9, max(top - bottom, 0.05)))
        colours = np.where(changes[known] >= 0, GAIN_COLOUR, LOSS_COLOUR)
        axes.bar(starts[known] + np.timedelta64(15, "D"), changes[known], width=24,
                 color=colours, gid="mapkit-bars")
        axes.axhline(0, color="#444444", linewidth=0.8 * scale)
        axes.set_ylabel(visual(t("chart_axis", lang)), fontsize=11 * scale, color=TEXT_COLOUR)
        axes.tick_params(labelsize=9 * scale, colors=TEXT_COLOUR)
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="y", color="#dddddd", linewidth=0.6 * scale)
        axes.set_axisbelow(True)
        for label in axes.get_xticklabels() + axes.get_yticklabels():
            label.set_parse_math(False)
        return save_print(figure, fmt, title, provenance, lang)
