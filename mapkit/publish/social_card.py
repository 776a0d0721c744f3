"""The social card: a 1200×630 PNG of one date, the picture social sites show beside a link to
the published site (``og:image``, ``twitter:image``: :mod:`mapkit.publish.site`).

Wide, as those sites crop to 1.91:1: the title, the date, the national headline and the legend
on the left, the map on the right, the source line across the foot. It is a print map drawn
small — the same projected regions, colours and hatching as the PNG export
(:mod:`mapkit.publish.static`), the same texts, wrapped the same way — without the regions'
labels, which would be unreadable at this size.
"""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch

from mapkit.figures import Timeline
from mapkit.headline import headline_text
from mapkit.i18n import date_text, t
from mapkit.publish.bidi import visual
from mapkit.publish.payload import legend_entries
from mapkit.publish.provenance import Provenance, credit_line
from mapkit.publish.static import (
    BORDER_COLOUR,
    HATCH,
    MUTED_COLOUR,
    PRINT_DPI,
    STALE_COLOUR,
    TEXT_COLOUR,
    Page,
    _set_hatch_colour,
    _style_patch,
    print_style,
    projected_regions,
    save_print,
    wrap_text,
)

#: What social sites ask for (Open Graph's recommended size; 1.91:1).
CARD_WIDTH_PX, CARD_HEIGHT_PX = 1200, 630
#: The text column's right edge and the map's left edge, as fractions of the width.
_TEXT_RIGHT, _MAP_LEFT = 0.47, 0.45


def render_social_card(timeline: Timeline, provenance: Provenance, *, title: str,
                       credit: str | None = None, lang: str = "en") -> bytes:
    """PNG bytes, 1200×630 px, of the timeline's last date."""
    index = len(timeline.dates) - 1
    day = timeline.dates[index]
    with matplotlib.rc_context(print_style()):
        figure = Figure(figsize=(CARD_WIDTH_PX / PRINT_DPI, CARD_HEIGHT_PX / PRINT_DPI),
                        dpi=PRINT_DPI, facecolor="white")
        scale = CARD_WIDTH_PX / PRINT_DPI / 12.0  # font sizes as on a 12-inch print map
        page = Page(figure, scale)
        text = {"parse_math": False, "color": TEXT_COLOUR}
        left = 0.035

        # The text column, from the top down: title, date, what the map says of its date,
        # the headline; the legend under them.
        title_text = figure.text(left, 1 - page.points(14 * scale),
                                 wrap_text(title, figure, left, _TEXT_RIGHT, 30 * scale, "bold"),
                                 fontsize=30 * scale, fontweight="bold", va="top", **text)
        date_line = figure.text(left, page.below(title_text, 1.5), date_text(day, lang),
                                fontsize=26 * scale, fontweight="bold", va="top", **text)
        y = page.below(date_line)
        notice = timeline.notice(index, lang)
        if notice:
            notice_text = figure.text(
                left, y, wrap_text(notice, figure, left, _TEXT_RIGHT, 14 * scale, "bold"),
                fontsize=14 * scale, fontweight="bold", va="top",
                **{**text, "color": STALE_COLOUR})
            y = page.below(notice_text)
        lead = headline_text(timeline, day, lang, with_as_of=False)
        if lead:
            lead_text = figure.text(
                left, y, wrap_text(visual(lead.replace(" · ", "; ")), figure, left,
                                   _TEXT_RIGHT, 19 * scale, "bold"),
                fontsize=19 * scale, fontweight="bold", va="top", **{**text, "color": "#7f0000"})
            y = page.below(lead_text, 1.5)

        # The foot, across the card: source line and credit.
        foot = [provenance.source_line(lang), *filter(None, [credit_line(credit, lang)])]
        source_text = figure.text(left, page.points(10 * scale),
                                  wrap_text("  ·  ".join(foot), figure, left, 0.965, 12 * scale),
                                  fontsize=12 * scale, va="bottom",
                                  **{**text, "color": MUTED_COLOUR})
        bottom = page.above(source_text)

        handles = []
        for entry in legend_entries(lang):
            handle = Patch(facecolor=entry["colour"], edgecolor="#999999",
                           hatch=HATCH if entry["hatch"] else None, label=entry["label"],
                           linewidth=0.5)
            if entry["hatch"]:
                _set_hatch_colour(handle)
            handles.append(handle)
        legend = figure.legend(handles=handles, title=t("legend_title", lang),
                               loc="lower left", bbox_to_anchor=(left, bottom), ncols=2,
                               fontsize=12 * scale, title_fontsize=13 * scale, frameon=False,
                               borderaxespad=0, borderpad=0, handlelength=1.4,
                               handleheight=1.0, columnspacing=1.2)
        legend._legend_box.align = "left"  # the title over the swatches, as on the print map
        for label in legend.get_texts():
            label.set_parse_math(False)

        # The map, on the right, as large as the card allows.
        level = timeline.level.name  # the units the site maps: oblasts, raions or hromadas
        shapes = projected_regions("web", level)
        # thinner borders the smaller the units, so a thousand hromadas stay colour, not lines
        border = 0.6 * scale * {"oblast": 1.0, "raion": 0.5}.get(level, 0.2)
        axes = figure.add_axes((_MAP_LEFT, bottom, 0.995 - _MAP_LEFT, 0.985 - bottom))
        axes.set_axis_off()
        axes.set_aspect("equal")
        cells = dict(zip((region.code for region in timeline.regions), timeline.frame(index)))
        for shape in shapes:
            patch = PathPatch(shape.path, edgecolor=BORDER_COLOUR, linewidth=border,
                              joinstyle="round")
            axes.add_artist(patch)
            if shape.code in cells:
                _style_patch(patch, cells[shape.code])
        for shape in shapes:  # borders on top, so hatching never hides one
            axes.add_artist(PathPatch(shape.path, facecolor="none", edgecolor=BORDER_COLOUR,
                                      linewidth=border))
        xs = np.concatenate([shape.path.vertices[:, 0] for shape in shapes])
        ys = np.concatenate([shape.path.vertices[:, 1] for shape in shapes])
        pad = 0.01 * (xs.max() - xs.min())
        axes.set_xlim(xs.min() - pad, xs.max() + pad)
        axes.set_ylim(ys.min() - pad, ys.max() + pad)
        return save_print(figure, "png", title, provenance, lang)

