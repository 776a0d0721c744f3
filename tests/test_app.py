"""The viewer page's logic with Streamlit's AppTest: dates, selection, compare, uploads, language.

The map component itself needs a browser (tests/test_viewer_browser.py); here its value — the
date the reader moved to, the region they clicked — is set the way the component sets it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from mapkit.constants import STALE_AFTER_DAYS
from mapkit.figures import default_series
from mapkit.i18n import date_text
from mapkit.snapshots import SnapshotError, list_dates, load_snapshots, read_snapshot_text
from mapkit.viewer.map_data import days_behind

APP = str(Path(__file__).resolve().parent.parent / "app.py")

# A computed series (Test Desk: the map's default) and another source beside it (Other Desk).
SNAPSHOT = """date,region,percent,source,method,source_url,contested_percent,note,series,note_uk
2024-01-01,UA-14,60,Test Desk,computed,https://example.org/a,,,,
2024-01-01,UA-09,100,Test Desk,computed,https://example.org/a,,,,
2024-01-01,UA-65,partial,Test Desk,reported,https://example.org/a,,no figure given,,без цифри
2024-06-01,UA-14,75.5,Test Desk,computed,https://example.org/a,2.5,,,
2024-06-01,UA-09,99.5,Test Desk,computed,https://example.org/a,,,,
2024-06-01,UA-65,20,Test Desk,computed,https://example.org/a,,,,
2024-06-01,UA-14,70,Other Desk,reported,,,,,
"""


@pytest.fixture()
def app(tmp_path, monkeypatch):
    (tmp_path / "test.csv").write_text(SNAPSHOT, encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["app.py", "--snapshots", str(tmp_path)])
    app = AppTest.from_file(APP, default_timeout=60).run()
    map_painted(app)
    return app


def shown(markdown: str) -> str:
    """Markdown as the reader sees it: data in messages is backslash-escaped to show as typed
    (mapkit.viewer.messages.markdown_text)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def texts(app) -> str:
    return " | ".join(shown(str(e.value)) for e in [*app.subheader, *app.caption, *app.info,
                                                     *app.error, *app.success, *app.markdown])


def shown_table(app) -> pd.DataFrame:
    return app.dataframe[-1].value


def moved_map(app, **event) -> None:
    """Set the map component's value as the browser would after a slider move or a click."""
    previous = app.session_state["map"] if "map" in app.session_state else None
    number = (previous or {}).get("n", 0) + 1
    app.session_state["map"] = {"event": "date", "selected": None, **event, "n": number}
    app.run()


def series_choices(app, lang: str = "en") -> list[str]:
    """The series the source choice offers ("Test Desk · computed · 2024 · …" → "Test Desk"),
    as the reader sees them (their labels are escaped Markdown)."""
    return [shown(option).split(" · ")[0] for option in app.radio(key=f"source:{lang}").options]


def open_export_panel(app) -> None:
    """Open the export panel, as the reader does with a click on its heading."""
    app.session_state["export_open"] = True
    app.run()


def map_painted(app) -> None:
    """The map's first message, as the browser sends it once the polygons are painted."""
    moved_map(app, event="ready")


def test_tables_and_panels_wait_until_the_map_has_painted(tmp_path, monkeypatch):
    (tmp_path / "test.csv").write_text(SNAPSHOT, encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["app.py", "--snapshots", str(tmp_path)])
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception and not app.error
    assert "Test Desk" in series_choices(app)  # the controls come at once
    assert len(app.dataframe) == 0 and "Data for" not in texts(app)
    map_painted(app)
    assert "Data for 1 June 2024" in texts(app)
    assert shown_table(app).set_index("Region").loc["Donetsk", "Under Russian control, %"] == \
        "75.5"


def test_the_export_panel_is_drawn_only_once_opened(app):
    assert [e.label for e in app.expander] == ["Export"]
    assert not any(s.key == "export_format" for s in app.selectbox)
    open_export_panel(app)
    assert app.selectbox(key="export_format").value == "html"
    assert app.button(key="export_make")
    app.session_state["export_open"] = False  # closed again: its widgets go
    app.run()
    assert not any(s.key == "export_format" for s in app.selectbox)


def test_opens_on_latest_date_of_the_bundled_snapshots():
    app = AppTest.from_file(APP, default_timeout=120).run()
    map_painted(app)
    assert not app.exception and not app.error
    snapshots = load_snapshots()
    latest = list_dates(snapshots, default_series(snapshots))[-1]
    assert f"Data for {latest.day} {latest:%B %Y}" in texts(app)
    assert app.radio(key="source:en").value == "DeepStateMap"


def test_table_shows_figures_of_the_latest_date(app):
    assert not app.exception
    assert "Data for 1 June 2024" in texts(app)
    table = shown_table(app).set_index("Region")
    # One series on the map; the other source's figure stands beside it in the table.
    assert table.loc["Donetsk", "Under Russian control, %"] == "75.5"
    assert table.loc["Donetsk", "Source"] == "Test Desk"
    assert table.loc["Donetsk", "Other sources near this date"] == "Other Desk 2024-06-01: 70"
    assert table.loc["Kherson", "Under Russian control, %"] == "20.0"
    assert table.loc["Lviv", "Status"] == "no data"


def test_moving_the_slider_changes_the_date_and_table(app):
    moved_map(app, date="2024-01-01")
    assert "Data for 1 January 2024" in texts(app)
    table = shown_table(app).set_index("Region")
    assert table.loc["Donetsk", "Under Russian control, %"] == "60.0"
    assert table.loc["Kherson", "Status"] == "partial, no figure"


def test_clicking_a_region_shows_its_time_series(app):
    assert "Click a region" in texts(app)
    moved_map(app, event="click", selected="UA-14", date="2024-06-01")
    assert "Donetsk over time" in texts(app)


def test_source_selector_shows_another_series_on_its_own(app):
    assert series_choices(app) == ["Test Desk", "Other Desk"]  # computed first: the default
    app.radio(key="source:en").set_value("Other Desk").run()
    table = shown_table(app).set_index("Region")
    assert table.loc["Donetsk", "Under Russian control, %"] == "70.0"
    assert table.loc["Donetsk", "Source"] == "Other Desk"
    assert table.loc["Luhansk", "Status"] == "no data"  # Test Desk's 99.5 never shows through
    # with the link of its source, as the CSV export writes it (issue 19)
    assert (table.loc["Luhansk", "Other sources near this date"]
            == "Test Desk (https://example.org/a) 2024-06-01: 99.5")


def test_compare_mode_lists_biggest_changes_in_points(app):
    app.radio(key="mode:en").set_value("compare").run()
    app.selectbox(key="date_from:en").set_value("2024-01-01").run()
    app.selectbox(key="date_to:en").set_value("2024-06-01").run()
    assert not app.exception
    assert "Biggest changes" in texts(app)
    ranked = shown_table(app)
    assert list(ranked["Region"]) == ["Donetsk", "Luhansk"]  # Kherson was partial: no change
    assert ranked["Change, pp"].tolist() == [15.5, -0.5]


def test_bad_upload_shows_the_same_messages_as_the_cli(app):
    bad = b"date,region,percent,source,method\n2024-02-30,Atlantis,150,X,guessed\n"
    with pytest.raises(SnapshotError) as expected:
        read_snapshot_text(bad.decode(), "bad.csv")
    app.file_uploader(key="upload_file").upload("bad.csv", bad, "text/csv").run()
    assert "bad.csv was not loaded:" in [shown(e.value) for e in app.error]
    listed = "\n".join(c.value for c in app.code)
    for problem in expected.value.problems:
        assert str(problem) in listed


def test_good_upload_becomes_its_own_source_and_leaves_bundled_data_alone(app, tmp_path):
    before = (tmp_path / "test.csv").read_bytes()
    mine = b"date,region,percent,source,method\n2024-06-01,UA-14,80,My Desk,reported\n"
    app.file_uploader(key="upload_file").upload("mine.csv", mine, "text/csv").run()
    assert not app.error
    assert "My Desk (uploaded)" in series_choices(app)
    # Uploaded to be seen: the map shows it at once.
    assert app.radio(key="source:en").value == "My Desk (uploaded)"
    assert shown_table(app).set_index("Region").loc["Donetsk", "Under Russian control, %"] == "80.0"
    assert (tmp_path / "test.csv").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test.csv"]


def test_ukrainian_switch_translates_text_and_region_names(app):
    app.radio(key="lang").set_value("uk").run()
    assert "Дані на 1 червня 2024" in texts(app)
    table = shown_table(app).set_index("Регіон")
    # Figures as a Ukrainian reader writes them, as in the tooltips: 99,5, not 99.5.
    assert table.loc["Луганська область", "Під контролем Росії, %"] == "99,5"
    assert table.loc["Донецька область", "Інші джерела близько цієї дати"] == \
        "Other Desk 2024-06-01: 70"


def test_choices_keep_their_option_after_a_language_switch(app):
    app.radio(key="mode:en").set_value("compare").run()
    app.radio(key="source:en").set_value("Other Desk").run()
    app.radio(key="lang").set_value("uk").run()
    assert not app.exception
    assert app.radio(key="mode:uk").value == "compare"  # shown as «Порівняти дві дати»
    assert app.radio(key="source:uk").value == "Other Desk"
    app.radio(key="lang").set_value("en").run()
    assert app.radio(key="mode:en").value == "compare"


def test_notes_are_shown_in_ukrainian_where_we_have_them(app):
    moved_map(app, date="2024-01-01")
    app.radio(key="lang").set_value("uk").run()
    table = shown_table(app).set_index("Регіон")
    assert table.loc["Херсонська область", "Примітка"] == "без цифри"


def test_under_the_map_the_data_date_and_a_warning_when_it_is_old(app):
    assert "Data as of 1 June 2024" in texts(app)
    assert [w.value for w in app.warning] == [
        "These figures may be out of date: the newest is from 1 June 2024, "
        f"{(dt.date.today() - dt.date(2024, 6, 1)).days} days ago."]


def test_no_warning_when_the_newest_figure_is_recent(tmp_path, monkeypatch):
    recent = dt.date.today() - dt.timedelta(days=7)
    (tmp_path / "test.csv").write_text(
        SNAPSHOT + f"{recent},UA-14,71,Test Desk,computed,https://example.org/a,,,,\n",
        encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["app.py", "--snapshots", str(tmp_path)])
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception and not app.warning
    assert f"Data as of {date_text(recent)}" in texts(app)


def test_figures_more_than_seven_days_old_are_stale():
    today = dt.date(2026, 8, 30)  # a fixed "today": the bundled timeline ends on 2026-08-22
    assert days_behind("2026-08-22", today) == 8 > STALE_AFTER_DAYS
    assert days_behind("2026-08-23", today) == 7 == STALE_AFTER_DAYS  # not yet


def test_invalid_bundled_snapshots_are_listed_not_hidden(tmp_path, monkeypatch):
    (tmp_path / "broken.csv").write_text(
        "date,region,percent,source,method\n2024-01-01,UA-14,140,X,reported\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["app.py", "--snapshots", str(tmp_path)])
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert app.error
    assert "broken.csv:2:" in "\n".join(c.value for c in app.code)


def test_a_folder_without_snapshots_says_there_is_nothing_to_draw(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["app.py", "--snapshots", str(tmp_path)])
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    assert "there are no snapshots to draw" in shown(app.error[0].value)


def test_shown_date_csv_has_sources_and_partial_flags(tmp_path):
    from mapkit.viewer.tables import rows_csv, shown_date_rows

    (tmp_path / "test.csv").write_text(SNAPSHOT, encoding="utf-8")
    frame = load_snapshots([tmp_path])
    csv = pd.read_csv(io.BytesIO(rows_csv(shown_date_rows(frame, "Test Desk", "2024-01-01"))),
                      encoding="utf-8-sig").set_index("region")
    assert csv.loc["UA-14", "percent"] == 60
    assert csv.loc["UA-14", "source"] == "Test Desk"
    assert bool(csv.loc["UA-65", "partial"]) and pd.isna(csv.loc["UA-65", "percent"])
    assert pd.isna(csv.loc["UA-46", "source"])  # no data: empty, never a made-up zero


def test_geojson_upload_is_computed_into_its_own_source(app):
    import datetime as dt
    import json

    import shapely

    from mapkit.boundaries import load_boundaries

    shapes = load_boundaries()
    luhansk = shapes.loc[shapes["code"] == "UA-09", "geometry"].iloc[0]
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(luhansk))}
    ]}
    app.file_uploader(key="upload_file").upload(
        "front.geojson", json.dumps(document).encode(), "application/geo+json").run()
    assert "front.geojson was not loaded:" in [shown(e.value) for e in app.error]
    assert "no date found" in "\n".join(c.value for c in app.code)
    # The date is typed in a form and applies with its button (not when the field loses focus).
    app.date_input(key="upload_date").set_value(dt.date(2024, 6, 1))
    next(b for b in app.button if b.label == "Use this date").click().run()
    assert not app.error
    assert app.radio(key="source:en").value == "front (uploaded)"
    table = shown_table(app).set_index("Region")
    assert table.loc["Luhansk", "Under Russian control, %"] == "100.0"
    assert table.loc["Lviv", "Under Russian control, %"] == "0.0"


def test_export_panel_makes_the_embed_and_its_iframe_code(app):
    open_export_panel(app)
    app.selectbox(key="export_format").set_value("embed").run()
    app.radio(key="export_scope:en").set_value("all").run()
    app.text_input(key="export_title").input("</script><b>Front</b>").run()
    app.button(key="export_make").click().run()
    assert not app.exception and not app.error
    snippet = "\n".join(c.value for c in app.code)
    assert "<iframe" in snippet and "ukraine-control-timeline.embed.html" in snippet
    assert "</script><b>" not in snippet  # the user's title is escaped in the snippet


def test_export_panel_starts_from_the_whole_timeline_for_embed_and_html(app):
    """The interactive maps are made of the whole timeline unless asked for one date; a
    one-date embed has no play button and says it is one date; a CSV is of the date shown."""
    open_export_panel(app)
    assert app.selectbox(key="export_format").value == "html"
    assert app.radio(key="export_scope:en").value == "all"
    assert app.checkbox(key="export_tiles").value is True  # the basemap, said on the page
    app.selectbox(key="export_format").set_value("embed").run()
    assert app.radio(key="export_scope:en").value == "all"
    app.button(key="export_make").click().run()
    assert not app.exception and not app.error
    name, content, _ = app.session_state["export_file"]
    assert name == "ukraine-control-timeline.embed.html" and 'id="mk-slider"' in content.decode()
    resizing, fixed = (c.value for c in app.code)  # both ways to paste it
    assert "data-mapkit-embed" in resizing and "<script>" in resizing and "<script" not in fixed
    app.radio(key="export_scope:en").set_value("one").run()
    app.button(key="export_make").click().run()
    page = app.session_state["export_file"][1].decode()
    assert 'id="mk-play"' not in page and 'id="mk-slider"' not in page
    assert "Figures of 1 June 2024" in page and "2024-06-01 to 2024-06-01" not in page
    app.selectbox(key="export_format").set_value("csv").run()
    assert app.radio(key="export_scope:en").value == "one"
    app.selectbox(key="export_format").set_value("html").run()
    assert app.radio(key="export_scope:en").value == "all"


def test_export_panel_csv_of_the_shown_date(app):
    open_export_panel(app)
    app.selectbox(key="export_format").set_value("csv").run()
    app.button(key="export_make").click().run()
    assert not app.exception and not app.error
    assert app.session_state["export_file"][0] == "ukraine-control-2024-06-01.csv"
    content = app.session_state["export_file"][1].decode("utf-8-sig")
    rows = pd.read_csv(io.StringIO(content)).set_index("region")
    # The map's series (Test Desk); Other Desk's 70 stands beside it, never in its place.
    assert rows.loc["UA-14", "percent"] == 75.5
    assert rows.loc["UA-14", "source"] == "Test Desk"
    assert rows.loc["UA-14", "other_sources"] == "Other Desk 2024-06-01: 70"


def test_print_formats_offer_only_the_shown_date(app):
    open_export_panel(app)
    app.selectbox(key="export_format").set_value("png").run()
    assert not any(r.key and r.key.startswith("export_scope") for r in app.radio)
    assert "PNG is a print map of one date: the date shown, 1 June 2024." in texts(app)
    moved_map(app, date="2024-01-01")
    app.button(key="export_make").click().run()
    assert not app.exception and not app.error
    assert app.session_state["export_file"][0] == "ukraine-control-2024-01-01.png"


def test_region_chart_draws_the_series_as_a_line_and_other_sources_as_points(app):
    moved_map(app, event="click", selected="UA-14", date="2024-06-01")
    assert "Donetsk over time" in texts(app)
    spec = json.loads(app.get("vega_lite_chart")[0].proto.spec)
    # the series' line, the other source's point, the shown date's rule
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "point", "rule"]
    colour = spec["layer"][0]["encoding"]["color"]
    assert colour["scale"]["domain"] == ["Test Desk (the map's series)", "Other Desk"]
    assert colour["legend"]["symbolLimit"] == 0 and colour["legend"]["labelLimit"] == 0
    moved_map(app, event="click", selected="UA-65", date="2024-06-01")
    spec = json.loads(app.get("vega_lite_chart")[0].proto.spec)
    assert spec["layer"][0]["mark"]["type"] == "rect"  # Kherson: "partial, no figure" band


def test_donetsk_chart_shows_the_2015_to_2022_line():
    """The bundled data: Donetsk's chart holds the line of 18 February 2015 until the one of
    23 February 2022 (one level, no gap), after April 2014's "partial, no figure" band."""
    import pyarrow as pa

    snapshots = load_snapshots()
    series = default_series(snapshots)
    donetsk = snapshots[(snapshots["region"] == "UA-14") & (snapshots["source"] == series)]
    line_start = donetsk[donetsk["note"].str.contains("Debaltseve")]["date"].min()
    app = AppTest.from_file(APP, default_timeout=120).run()
    moved_map(app, event="click", selected="UA-14", date=None)
    chart = app.get("vega_lite_chart")[0]
    data = {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pandas()
            for d in chart.proto.datasets}
    layers = {layer["mark"]["type"]: data[layer["data"]["name"]]
              for layer in json.loads(chart.proto.spec)["layer"] if "data" in layer}
    line = layers["line"].sort_values("date").reset_index(drop=True)
    at = line.index[line["date"] == line_start][0]
    start, end = line.loc[at], line.loc[at + 1]
    assert end["date"] - start["date"] > pd.Timedelta(days=7 * 365)  # seven years, one step
    assert start["segment"] == end["segment"] and start["percent"] == end["percent"]
    expected = donetsk[donetsk["date"] == line_start]["percent"].item()
    assert start["percent"] == expected and 30 < expected < 33
    band = layers["rect"].iloc[0]
    assert band["source"] != series and band["until"] == line_start  # Reuters, until the line


def test_compare_runs_to_the_shown_date_and_the_map_keeps_the_date_chosen_there(app):
    """One date: "Compare two dates" compares up to the date shown, a "To" chosen there is the
    date the map, the table and the export panel show after it, and a slider move in between
    is never undone by the comparison's old choice."""
    moved_map(app, date="2024-01-01")
    app.radio(key="mode:en").set_value("compare").run()
    assert app.selectbox(key="date_to:en").value == "2024-01-01"
    app.selectbox(key="date_to:en").set_value("2024-06-01").run()
    app.radio(key="mode:en").set_value("map").run()
    assert "Data for 1 June 2024" in texts(app)
    open_export_panel(app)
    assert app.radio(key="export_scope:en").options[0] == "Shown date only: 1 June 2024"
    moved_map(app, date="2024-01-01")
    assert "Data for 1 January 2024" in texts(app)
    app.radio(key="mode:en").set_value("compare").run()
    assert app.selectbox(key="date_to:en").value == "2024-01-01"
    app.radio(key="mode:en").set_value("map").run()
    app.radio(key="lang").set_value("uk").run()
    assert "Дані на 1 січня 2024" in texts(app)
    assert app.radio(key="export_scope:uk").options[0] == "Лише показана дата: 1 січня 2024"
