"""The colour scales: one place decides which colour a percentage gets, for every output.

A colour is chosen by the figure as it is written beside it (:func:`shown_figure`: one decimal),
never by the digits behind it: Luhansk at 98.96 %, written "99.0 %", is coloured "≥ 99 %", not
"75–99 %". Every output takes its colours from here — the print maps and the GIF
(:mod:`mapkit.publish.static`), and the payload the viewer, the embed and the HTML page read
(:mod:`mapkit.publish.payload`: the browser only looks a colour up, and gets its figures already
rounded by :func:`shown_figure`, so its ``toFixed(1)`` writes the same digits).
"""

from __future__ import annotations

import math
from bisect import bisect_right

from mapkit.constants import (
    CHANGE_BREAKS,
    CHANGE_COLOURS,
    CHANGE_LABELS,
    CHANGE_LABELS_UK,
    FIGURE_DECIMALS,
    NO_DATA_COLOUR,
    PARTIAL_COLOUR,
    PERCENT_BREAKS,
    PERCENT_COLOURS,
    PERCENT_LABELS,
)
from mapkit.i18n import t


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def shown_figure(value: float) -> float:
    """``value`` as every map, tooltip and table writes it: rounded to
    :data:`~mapkit.constants.FIGURE_DECIMALS` (98.96 → 99.0), the figure its colour is chosen by.

    ``round`` and ``f"{value:.1f}"`` give the same digits (both round the exact binary value,
    ties to even), so the figure a reader sees and the class it is coloured by cannot part.
    """
    return round(float(value), FIGURE_DECIMALS)


def _bin(value: float, breaks: tuple[float, ...]) -> int:
    """Index of the class holding ``value``; the top break closes the last class."""
    index = bisect_right(breaks, value) - 1
    return min(max(index, 0), len(breaks) - 2)


def percent_colour(percent: float | None, partial: bool = False) -> str:
    """Fill colour for a region with ``percent`` under Russian control.

    ``partial`` (the source says "partly controlled" but gives no figure) wins over a missing
    percent; a missing percent without it means "no data". The class is that of the figure as
    written (:func:`shown_figure`).
    """
    if partial and _is_missing(percent):
        return PARTIAL_COLOUR
    if _is_missing(percent):
        return NO_DATA_COLOUR
    return PERCENT_COLOURS[_bin(shown_figure(percent), PERCENT_BREAKS)]


def change_colour(points: float | None) -> str:
    """Fill colour for a change of ``points`` percentage points between two dates.

    The class is that of the change as written (:func:`shown_figure`), and the scale is
    symmetric (:data:`~mapkit.constants.CHANGE_BREAKS`): a change written "−0.1 pp" is coloured
    "−2 to −0.1 pp" as "+0.1 pp" is "+0.1 to +2 pp", and only "0.0" is "no change".
    """
    if _is_missing(points):
        return NO_DATA_COLOUR
    shown = shown_figure(points)
    middle = len(CHANGE_COLOURS) // 2  # "no change"
    if shown == 0:
        return CHANGE_COLOURS[middle]
    size = _bin(abs(shown), CHANGE_BREAKS[middle + 1:])  # 0: the class nearest zero
    return CHANGE_COLOURS[middle + 1 + size if shown > 0 else middle - 1 - size]


def legend_items(lang: str = "en") -> list[tuple[str, str]]:
    """(label, colour) pairs for the percent legend in ``lang``: classes first, then "partial,
    no figure" (``PARTIAL_COLOUR``, drawn hatched) and "no data"."""
    items = list(zip(PERCENT_LABELS, PERCENT_COLOURS))
    return items + [(t("partial", lang), PARTIAL_COLOUR), (t("no_data", lang), NO_DATA_COLOUR)]


def change_legend_items(lang: str = "en") -> list[tuple[str, str]]:
    """(label, colour) pairs for the change legend in ``lang``."""
    labels = CHANGE_LABELS_UK if lang == "uk" else CHANGE_LABELS
    return list(zip(labels, CHANGE_COLOURS)) + [(t("no_data", lang), NO_DATA_COLOUR)]
