"""The colour scale: one colour for one figure everywhere, and legends in both languages."""

import math

from mapkit.constants import NO_DATA_COLOUR, PARTIAL_COLOUR, PERCENT_COLOURS
from mapkit.scale import change_colour, change_legend_items, legend_items, percent_colour


def test_percent_classes_and_special_cases():
    assert percent_colour(0) == PERCENT_COLOURS[0]
    assert percent_colour(60) == "#ef6548"
    assert percent_colour(99.5) == percent_colour(100) == "#990000"
    assert percent_colour(None) == percent_colour(math.nan) == NO_DATA_COLOUR
    assert percent_colour(None, partial=True) == PARTIAL_COLOUR


def test_change_scale_is_diverging_around_no_change():
    assert change_colour(0) == "#f7f7f7"
    assert change_colour(15) == "#b2182b"
    assert change_colour(-15) == "#2166ac"


def test_legends_speak_the_chosen_language():
    assert ("частково, без цифри", PARTIAL_COLOUR) in legend_items("uk")
    assert ("partial, no figure", PARTIAL_COLOUR) in legend_items("en")
    uk = dict(change_legend_items("uk"))
    assert "без змін" in uk and "немає даних" in uk
    assert "no change" in dict(change_legend_items("en"))
