"""The chart beside the map: one region over time, the map's series as a line and every other
source's figures as points beside it.

Built with Altair (Vega-Lite), which the page imports only once a region is clicked.
"""

from __future__ import annotations

import pandas as pd

from mapkit.constants import PARTIAL_COLOUR
from mapkit.i18n import t
from mapkit.viewer.tables import region_series

#: The two lines of "Compare series": the map's series, the one beside it.
LINE_COLOURS = ("#1f4e79", "#d95f02")
#: Other sources' points beside two lines.
POINT_COLOURS = ("#e7298a", "#66a61e", "#7570b3", "#e6ab02", "#a6761d", "#666666", "#1b9e77",
                 "#17becf")


def region_chart(snapshots: pd.DataFrame, code: str, series: str, shown_date, lang: str = "en",
                 also: str | None = None):
    """The chart of region ``code``: ``series`` (the map's) as a step line — each figure holds
    until the next, so the 2015–2022 line is one level for seven years — with bands where it
    says "partial, no figure", the other sources as points, and the shown date as a dashed rule.
    ``also`` ("Compare series") is drawn as a second line, in its own colour.

    Every source has its own legend entry, the legend laid out one entry per line so none is
    cut off.
    """
    import altair as alt

    rows = region_series(snapshots, code, series, also)
    mine = rows[rows["on_map"]]
    line_label = t("series_line", lang, series=series)
    drawn = rows[rows["line"] != ""].dropna(subset=["percent"])
    line = drawn.assign(label=[line_label if name == series else name for name in drawn["line"]])
    others = rows[rows["line"] == ""].dropna(subset=["percent"]).assign(
        label=lambda r: r["source"])
    bands = mine[mine["partial"]].assign(
        until=lambda r: r["until"].fillna(pd.Timestamp(shown_date)),
        label=t("partial", lang),
    )
    labels = [*dict.fromkeys(line["label"]), *dict.fromkeys(others["label"])]
    # Two lines ("Compare series"): the map's series dark blue, the other orange, set apart at
    # a glance; the points keep a palette of their own.
    scale = (alt.Scale(domain=labels, range=[*LINE_COLOURS, *POINT_COLOURS][:len(labels)])
             if also is not None and len(labels) <= len(LINE_COLOURS) + len(POINT_COLOURS)
             else alt.Scale(domain=labels))
    colour = alt.Color("label:N", title=t("source", lang), scale=scale,
                       legend=alt.Legend(orient="bottom", direction="vertical", columns=1,
                                         labelLimit=0, symbolLimit=0))
    x = alt.X("date:T", title=t("date", lang))
    y = alt.Y("percent:Q", title=t("col_percent", lang), scale=alt.Scale(domain=[0, 100]))
    tooltip = [alt.Tooltip("date:T", title=t("date", lang)),
               alt.Tooltip("source:N", title=t("source", lang)),
               alt.Tooltip("method:N", title=t("method", lang)),
               alt.Tooltip("percent:Q", title=t("col_percent", lang), format=".2f")]
    layers = []
    if not bands.empty:
        layers.append(alt.Chart(bands).mark_rect(color=PARTIAL_COLOUR, opacity=0.7).encode(
            x=x, x2="until:T", tooltip=[alt.Tooltip("date:T", title=t("partial", lang)),
                                        alt.Tooltip("source:N", title=t("source", lang))]))
    layers.append(alt.Chart(line).mark_line(interpolate="step-after", point=True).encode(
        x=x, y=y, color=colour, detail="segment:N", tooltip=tooltip))
    if not others.empty:
        layers.append(alt.Chart(others).mark_point(filled=True, size=80, opacity=0.9).encode(
            x=x, y=y, color=colour, tooltip=tooltip))
    layers.append(alt.Chart(pd.DataFrame({"date": [pd.Timestamp(shown_date)]})).mark_rule(
        color="#333", strokeDash=[4, 3]).encode(x="date:T"))
    # "pad": the plot keeps its height and the legend adds to it (with the page's default
    # "fit", a long legend squeezed the plot to a sliver and cut off its last entries).
    return alt.layer(*layers).properties(
        height=260, autosize=alt.AutoSizeParams(type="pad", contains="padding"))
