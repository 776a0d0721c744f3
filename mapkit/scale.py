"""The colour scales: one place decides which colour a percentage gets, for every output."""

from __future__ import annotations

import math
from bisect import bisect_right

from mapkit.constants import (
    CHANGE_BREAKS,
    CHANGE_COLOURS,
    CHANGE_LABELS,
    CHANGE_LABELS_UK,
    NO_DATA_COLOUR,
    PARTIAL_COLOUR,
    PERCENT_BREAKS,
    PERCENT_COLOURS,
    PERCENT_LABELS,
)
from mapkit.i18n import t


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _bin(value: float, breaks: tuple[float, ...]) -> int:
    """Index of the class holding ``value``; the top break closes the last class."""
    index = bisect_right(breaks, value) - 1
    return min(max(index, 0), len(breaks) - 2)


def percent_colour(percent: float | None, partial: bool = False) -> str:
    """Fill colour for a region with ``percent`` under Russian control.

    ``partial`` (the source says "partly controlled" but gives no figure) wins over a missing
    percent; a missing percent without it means "no data".
    """
    if partial and _is_missing(percent):
        return PARTIAL_COLOUR
    if _is_missing(percent):
        return NO_DATA_COLOUR
    return PERCENT_COLOURS[_bin(float(percent), PERCENT_BREAKS)]


def change_colour(points: float | None) -> str:
    """Fill colour for a change of ``points`` percentage points between two dates."""
    if _is_missing(points):
        return NO_DATA_COLOUR
    return CHANGE_COLOURS[_bin(float(points), CHANGE_BREAKS)]


def legend_items(lang: str = "en") -> list[tuple[str, str]]:
    """(label, colour) pairs for the percent legend in ``lang``: classes first, then "partial,
    no figure" (``PARTIAL_COLOUR``, drawn hatched) and "no data"."""
    items = list(zip(PERCENT_LABELS, PERCENT_COLOURS))
    return items + [(t("partial", lang), PARTIAL_COLOUR), (t("no_data", lang), NO_DATA_COLOUR)]


def change_legend_items(lang: str = "en") -> list[tuple[str, str]]:
    """(label, colour) pairs for the change legend in ``lang``."""
    labels = CHANGE_LABELS_UK if lang == "uk" else CHANGE_LABELS
    return list(zip(labels, CHANGE_COLOURS)) + [(t("no_data", lang), NO_DATA_COLOUR)]
