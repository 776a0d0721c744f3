"""The viewer's levels with Streamlit's AppTest: the switch, the search, "Raions of …", and
what follows the level (table, chart, export formats), on the bundled snapshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app import map_painted, moved_map, open_export_panel, shown, shown_table, texts

from mapkit.levels import get_level

APP = str(Path(__file__).resolve().parent.parent / "app.py")
POKROVSKYI_RAION = get_level("raion").resolve("Pokrovskyi Raion").code
POKROVSKA_DONETSK = get_level("hromada").resolve("Pokrovsk, Donetsk").code


@pytest.fixture(scope="module")
def bundled():
    app = AppTest.from_file(APP, default_timeout=180).run()
    map_painted(app)
    assert not app.exception and not app.error
    return app


def switch_level(app, level: str) -> None:
    app.radio(key="level:en").set_value(level).run()


def test_the_level_switch_shows_raions_on_the_same_date(bundled):
    app = bundled
    shown_date = app.session_state["date"]
    assert app.radio(key="level:en").options == ["Oblasts", "Raions", "Hromadas"]
    switch_level(app, "raion")
    assert not app.exception and not app.error
    assert app.session_state["date"] == shown_date
    table = shown_table(app)
    assert len(table) == 138  # the raions, with their oblast beside each name
    row = table.set_index("Region").loc["Pokrovskyi Raion"]
    assert row["Oblast"] == "Donetsk"
    switch_level(app, "oblast")
    assert len(shown_table(app)) == 27 and app.session_state["date"] == shown_date


def test_search_for_a_town_selects_its_raion_and_zooms(bundled):
    app = bundled
    switch_level(app, "oblast")
    app.text_input(key="find").input("Pokrovsk").run()
    assert not app.exception
    assert app.session_state["level"] == "raion"  # no oblast is called so: the raions
    assert app.session_state["selected"] == POKROVSKYI_RAION
    south, west = app.session_state["focus"]["bounds"][0]
    assert 36.5 < west < 37.5 and 47.5 < south < 48.5  # Pokrovskyi raion, Donetsk oblast
    assert "Pokrovskyi Raion (Donetsk) over time" in texts(app)


def test_search_in_ukrainian_at_the_hromada_level_puts_the_raion_centre_first(bundled):
    app = bundled
    switch_level(app, "hromada")
    app.text_input(key="find").input("Покровськ").run()
    assert not app.exception
    assert app.session_state["selected"] == POKROVSKA_DONETSK
    matches = app.radio(key="find_pick")
    options = [shown(option) for option in matches.options]
    assert options[0] == "Pokrovska Urban Hromada (Donetsk)"
    assert "Pokrovska Urban Hromada (Dnipropetrovsk)" in options
    matches.set_value(matches.options[1]).run()  # the other Pokrovska
    assert app.session_state["selected"] != POKROVSKA_DONETSK
    assert get_level("hromada").unit(app.session_state["selected"]).parent == "UA-12"


def test_a_clicked_oblast_offers_its_raions(bundled):
    app = bundled
    switch_level(app, "oblast")
    moved_map(app, event="click", selected="UA-14")
    app.button(key="zoom_into").click().run()
    assert app.session_state["level"] == "raion"
    assert app.session_state["selected"] is None
    south, west = app.session_state["focus"]["bounds"][0]
    north, east = app.session_state["focus"]["bounds"][1]
    assert 36 < west < 37 and 39 < east < 40 and 46.5 < south < 47.5  # Donetsk oblast


def test_the_export_panel_offers_the_formats_of_the_level(bundled):
    app = bundled
    switch_level(app, "raion")
    open_export_panel(app)
    assert "csv" in app.selectbox(key="export_format").options


def test_the_export_panel_draws_one_oblasts_raions_large(bundled):
    app = bundled
    switch_level(app, "raion")
    open_export_panel(app)
    app.selectbox(key="export_format").set_value("png").run()
    focus = app.selectbox(key="export_focus")
    assert focus.value is None  # all of Ukraine unless the reader asks
    focus.set_value("UA-14").run()
    app.button(key="export_make").click().run()
    assert not app.exception and not app.error
    name, content, made = app.session_state["export_file"]
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(content))
    assert made == "png" and image.text["Copyright"].startswith(
        "Boundaries © OpenStreetMap contributors")


def test_compare_two_dates_and_compare_series_work_at_the_raion_level(bundled):
    app = bundled
    switch_level(app, "raion")
    shown_date = app.session_state["date"]
    app.radio(key="mode:en").set_value("compare").run()
    assert not app.exception and not app.error
    app.selectbox(key="date_from:en").set_value("2025-08-01").run()
    ranked = shown_table(app)
    assert list(ranked.columns[:2]) == ["Region", "Oblast"]
    assert ranked.iloc[0]["Oblast"] in ("Donetsk", "Zaporizhzhia", "Kharkiv", "Dnipropetrovsk",
                                        "Sumy", "Luhansk")  # where the front moved
    app.radio(key="mode:en").set_value("series").run()
    assert not app.exception and not app.error
    assert app.session_state["date"] == shown_date
    assert "ISW/CTP" in texts(app)  # the second series bundled at the raion level too
    app.radio(key="mode:en").set_value("map").run()
