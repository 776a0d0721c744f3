"""What a visitor of a deployed viewer can send it, and what they get back: never a traceback,
never a live link or remote image from a file's text, never a formula in a download, a page
that keeps working, and nothing written to disk.

The page runs in Streamlit's AppTest; the map component's first message is set the way the
browser sends it (tests/test_app.py). tests/test_app_browser_hardening.py checks in Chromium
what Markdown would have made of the same text.
"""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from mapkit.regions import REGIONS

APP = str(Path(__file__).resolve().parent.parent / "app.py")
HEADER = "date,region,percent,source,method,source_url,contested_percent,note\n"
SNAPSHOT = HEADER + """2024-01-01,UA-14,60,Test Desk,reported,https://example.org/a,,
2024-06-01,UA-14,75.5,Test Desk,reported,https://example.org/a,,
"""


@pytest.fixture()
def folder(tmp_path):
    folder = tmp_path / "snapshots"
    folder.mkdir()
    (folder / "test.csv").write_text(SNAPSHOT, encoding="utf-8")
    return folder


@pytest.fixture()
def app(folder, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["app.py", "--snapshots", str(folder)])
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.session_state["map"] = {"event": "ready", "selected": None, "n": 1}
    app.session_state["export_open"] = True  # the reader opens the export panel
    return app.run()


def shown(markdown: str) -> str:
    """Markdown as the reader sees it: backslash escapes resolved, invisible word joiners
    (which keep bare addresses from becoming links) left out."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def series(app) -> list[str]:
    """The series the source choice offers, as the reader sees their names."""
    return [shown(option).split(" · ")[0] for option in app.radio(key="source:en").options]


def upload(app, name: str, content: bytes) -> AppTest:
    return app.file_uploader(key="upload_file").upload(name, content, "text/plain").run()


def page_still_works(app, folder) -> None:
    """No traceback; the sidebar, the table and the export panel are all there; nothing new
    was written beside the snapshots."""
    assert not app.exception
    assert "Test Desk" in series(app)
    assert app.dataframe, "the table under the map is gone"
    assert app.button(key="export_make")
    assert sorted(p.name for p in folder.iterdir()) == ["test.csv"]


def test_a_geojson_upload_takes_its_date_from_its_own_file_name(app, folder):
    square = {"type": "Polygon", "coordinates": [[[37.5, 47.5], [38.5, 47.5], [38.5, 48.5],
                                                  [37.5, 48.5], [37.5, 47.5]]]}
    upload(app, "2024-07-08.geojson", json.dumps(square).encode())
    assert not app.error, [e.value for e in app.error]
    assert "2024-07-08 (uploaded)" in series(app)
    assert app.radio(key="source:en").value == "2024-07-08 (uploaded)"  # shown at once
    assert "Data for 8 July 2024" in " ".join(shown(h.value) for h in app.subheader)
    page_still_works(app, folder)


def test_a_deeply_nested_geojson_gets_one_line_and_the_page_goes_on(app, folder):
    depth = 100_000
    nested = '{"type": "GeometryCollection", "geometries": [' * depth + "]}" * depth
    upload(app, "2024-07-08.geojson", nested.encode())
    assert "2024-07-08.geojson was not loaded:" in [shown(e.value) for e in app.error]
    listed = "\n".join(c.value for c in app.code)
    assert "nested too deeply" in listed and len(listed.splitlines()) == 1
    page_still_works(app, folder)


def test_more_than_36_sources_in_an_upload_are_all_on_the_map(app, folder):
    rows = "".join(f"2024-06-01,{REGIONS[i % 27].code},{i},Outlet {i:02d},reported,,,\n"
                   if i < 27 else f"2024-06-02,{REGIONS[i % 27].code},{i},Outlet {i:02d},"
                   "reported,,,\n" for i in range(40))
    upload(app, "outlets.csv", (HEADER + rows).encode())
    assert not app.error
    page_still_works(app, folder)
    assert "Outlet 39 (uploaded)" in series(app)


def test_a_big_bad_upload_lists_its_first_problems_and_counts_the_rest(app, folder):
    rows = "".join(f"2024-01-01,Nowhere{i},50,X,reported,,,\n" for i in range(5000))
    upload(app, "bad.csv", (HEADER + rows).encode())
    listed = "\n".join(c.value for c in app.code).splitlines()
    assert len(listed) == 21
    assert listed[0].startswith("bad.csv:2: unknown region 'Nowhere0'")
    assert listed[-1] == "… and 4,980 more"
    page_still_works(app, folder)


def test_a_formula_in_an_uploaded_source_is_refused_with_why(app, folder):
    upload(app, "mine.csv", (HEADER + '2024-06-01,UA-14,80,"=HYPERLINK(""http://x.example"",'
                                      '""Official"")",reported,,,\n').encode())
    assert "mine.csv was not loaded:" in [shown(e.value) for e in app.error]
    assert "so a spreadsheet would read it as a formula" in "\n".join(c.value for c in app.code)
    page_still_works(app, folder)


MARKDOWN = ("[Official figures](https://evil.example) ![x](http://evil.example/x.png) "
            "**bold** :red[red] $x^2$ <b>b</b> www.evil.example desk@evil.example")


def test_markdown_in_an_uploaded_source_is_shown_as_typed(app, folder):
    body = HEADER + f'2024-06-01,UA-14,80,"{MARKDOWN}",reported,,,\n'
    upload(app, "[x](https://evil.example).csv", body.encode())
    message = app.success[0].value
    assert shown(message) == (f"[x](https://evil.example).csv: 1 rows read; shown as source "
                              f"“{MARKDOWN} (uploaded)”.")
    for live in ("](", "![", "**", ":red[", "$x", "<b>", "https://", "www.", "@evil"):
        unescaped = re.search(r"(?<!\\)" + re.escape(live), message)
        assert not unescaped, f"{live!r} would be read as Markdown in {message!r}"
    page_still_works(app, folder)


@pytest.mark.parametrize("fmt", ["png", "svg", "gif"])
def test_a_dollar_credit_in_the_export_panel_makes_the_file(app, folder, fmt):
    app.selectbox(key="export_format").set_value(fmt).run()
    app.text_input(key="export_credit").input("Prices: $5 for 50% off, $10 for two maps, and "
                                              "a credit long enough to wrap under the map "
                                              "with $15 for three of them").run()
    app.button(key="export_make").click().run()
    assert not app.error and not app.exception
    assert app.session_state["export_file"][0].endswith(f".{fmt}")
    page_still_works(app, folder)


def test_an_export_that_fails_unexpectedly_is_one_line_and_the_page_goes_on(app, folder,
                                                                           monkeypatch):
    import mapkit.publish.formats as formats

    def broken(*args):
        raise RuntimeError("the renderer fell over\nwith a second line")

    monkeypatch.setattr(formats, "_png", broken)
    monkeypatch.setitem(formats.FORMATS, "png", formats.FORMATS["png"].__class__(
        **{**formats.FORMATS["png"].__dict__, "render": broken}))
    app.selectbox(key="export_format").set_value("png").run()
    app.button(key="export_make").click().run()
    assert [shown(e.value) for e in app.error] == [
        "This part of the page could not be shown (RuntimeError: the renderer fell over). The "
        "rest of the page still works; the details are in the server's log."]
    page_still_works(app, folder)


def test_the_download_csv_keeps_formulas_from_running():
    from mapkit.viewer.tables import rows_csv

    rows = pd.DataFrame({"region": ["UA-14", "UA-09"], "percent": [-1.5, 60.0],
                         "source": ["=HYPERLINK(\"http://x.example\",\"x\")", "Desk"],
                         "note": ["@SUM(A1)", "-2 km"]})
    read = pd.read_csv(io.BytesIO(rows_csv(rows)), encoding="utf-8-sig")
    assert list(read["source"]) == ["'=HYPERLINK(\"http://x.example\",\"x\")", "Desk"]
    assert list(read["note"]) == ["'@SUM(A1)", "'-2 km"]
    assert list(read["percent"]) == [-1.5, 60.0]  # numbers stay numbers
