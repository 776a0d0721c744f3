"""Print and social files a designer and a social editor can use (issue 17, point 7): an SVG
whose labels are text, a GIF that is a short clip, and a change chart that credits what it
draws, names its colours and says when nothing changed — in the exports and in the viewer.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from streamlit_server import CHROMIUM
from test_changes import UKRAINE_KM2

from mapkit.cadence import SERIES_FILE
from mapkit.cli import cli
from mapkit.publish import render_export
from mapkit.publish.change_chart import GAIN_COLOUR, LOSS_COLOUR
from mapkit.snapshots import load_snapshots

REPO = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
HEADER = "date,region,percent,source,method,source_url,contested_percent,note,area_km2,series\n"


def ua(day: dt.date | str, km2: float, source: str = "Map desk",
       method: str = "computed", series: str = "") -> str:
    return f"{day},UA,{100 * km2 / UKRAINE_KM2:.4f},{source},{method},,,,{km2},{series}\n"


def donetsk(day: dt.date | str, percent: float) -> str:
    """Donetsk's row, its km² that share of its 26,602.6 km² in our boundaries."""
    return region(day, "UA-14", percent, km2=round(266.026 * percent, 1))


def region(day: dt.date | str, code: str, percent: float, source: str = "Map desk",
           method: str = "computed", series: str = "", km2: float | str = "") -> str:
    return f"{day},{code},{percent},{source},{method},,,,{km2},{series}\n"


def folder_of(tmp_path: Path, rows: list[str], name: str = "snaps",
              stands_days: int = 31) -> Path:
    """A folder of ``rows`` for "Map desk", whose figures stand ``stands_days`` (its
    series.toml: a monthly or weekly desk, not one whose figures hold only on their day)."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / "desk.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    (folder / SERIES_FILE).write_text(f'series = "Map desk"\nstands_days = {stands_days}\n',
                                      encoding="utf-8")
    return folder


@pytest.fixture()
def desk(tmp_path) -> Path:
    """A computed series with the row UA and Donetsk on each month's 1st of 2025, and two
    reported figures of 2014 that belong to the same series (as Reuters' and Interfax's do in
    the bundled DeepStateMap series)."""
    rows = [region("2014-04-12", "UA-14", "partial", "Wire A", "reported", "Map desk"),
            region("2014-04-29", "UA-09", "partial", "Wire B", "reported", "Map desk")]
    for month, km2 in zip(range(1, 7), [100_000, 100_300, 100_400, 100_900, 100_850, 101_200]):
        day = dt.date(2025, month, 1)
        rows += [ua(day, km2), donetsk(day, 70 + month)]
    return folder_of(tmp_path, rows)


# --- SVG: text stays text ----------------------------------------------------------------------


def svg_texts(svg: bytes) -> list[ET.Element]:
    return list(ET.fromstring(svg).iter(f"{SVG}text"))


def test_svg_keeps_its_text_as_text_in_named_fonts_with_a_fallback(desk):
    svg = render_export("svg", load_snapshots([desk]), title="Our title", credit="Our desk")
    texts = svg_texts(svg)
    drawn = [element.text for element in texts]
    assert "Our title" in drawn and "2025-06-01" in drawn
    assert "Donetsk" in drawn and "76.0 %" in drawn  # a region's label: its name, its figure
    assert any(text and text.startswith("Source: ") and text.endswith("  ·  Map: Our desk")
               for text in drawn)
    assert b"<use xlink:href" not in svg  # no glyph drawn as an outline
    for element in texts:
        family = re.search(r"font-family: ([^;]+)", element.get("style")).group(1)
        assert family.startswith("'DejaVu Sans'") and family.endswith(", sans-serif")
    # each label's halo is its own element, under the label, named for the designer
    root = ET.fromstring(svg)
    ids = [g.get("id") for g in root.iter(f"{SVG}g") if g.get("id")]
    assert ids.index("mapkit-halo-UA-14") < ids.index("mapkit-label-UA-14")


def test_bundled_svg_is_text_and_a_third_lighter():
    """It was 1.5 MB, every glyph a path; the regions' outlines are most of what is left."""
    svg = render_export("svg", load_snapshots())
    assert len(svg_texts(svg)) > 60
    assert len(svg) < 1_000_000, f"{len(svg):,} bytes"


needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="needs Debian's chromium package")


@needs_chromium
@pytest.mark.browser
def test_svg_text_reads_in_the_order_drawn_in_a_browser(tmp_path, browser):
    """matplotlib lays right-to-left text out itself: a browser must not turn it around
    again, and a direction control in a source name must not turn the credit around."""
    rows = [region("2025-03-01", "UA-14", 60, "Desk שלום עולם", "reported"),
            region("2025-03-01", "UA-09", 100, "Evil\u202eDesk", "reported")]
    folder = folder_of(tmp_path, rows)
    svg = render_export("svg", load_snapshots([folder]), source="Desk שלום עולם",
                        credit="Our newsroom")
    path = tmp_path / "map.svg"
    path.write_bytes(svg)
    page = browser.new_page()
    page.goto(path.as_uri())
    lines = page.evaluate("""() => Array.from(document.querySelectorAll('text'))
        .filter(t => t.textContent.startsWith('Source:'))
        .map(t => ({text: t.textContent,
                    x: Array.from(t.textContent, (c, i) => t.getStartPositionOfChar(i).x)}))""")
    page.close()
    (line,) = lines
    assert line["text"] == "Source: Desk םלוע םולש (reported)  ·  Map: Our newsroom"
    assert line["x"] == sorted(line["x"]), "the browser reordered the text matplotlib laid out"


# --- GIF: a social clip --------------------------------------------------------------------------


def durations(gif: bytes) -> list[int]:
    image = Image.open(io.BytesIO(gif))
    out = []
    for index in range(image.n_frames):
        image.seek(index)
        out.append(image.info["duration"])
    return out


def weekly(tmp_path, weeks: int = 100, first: dt.date = dt.date(2024, 1, 1)) -> tuple:
    days = [first + dt.timedelta(weeks=i) for i in range(weeks)]
    rows = [ua(day, 100_000 + 10 * i) for i, day in enumerate(days)]
    rows += [region(day, "UA-14", 60 + 0.1 * i) for i, day in enumerate(days)]
    return folder_of(tmp_path, rows, "weekly", stands_days=7), days


def test_the_default_gif_is_a_clip_of_60_frames_in_12_seconds_spread_by_time(tmp_path,
                                                                             drawn_texts):
    folder, days = weekly(tmp_path)
    gif = render_export("gif", load_snapshots([folder]))
    times = durations(gif)
    assert len(times) == 60 and sum(times) == 12_000  # 100 dates: 60 frames, 12 s
    assert times[-1] == 2_000  # the last date is held
    assert set(times[:-1]) <= {160, 170, 180}  # the rest at an even pace
    # each frame is the map of its moment: moments every 99/59 weeks, the latest date before
    shown = [text for text in drawn_texts if re.fullmatch(r"\d{4}-\d\d-\d\d", text)]
    expected = [days[int(99 * k / 59)].isoformat() for k in range(60)]
    assert shown[-60:] == expected


def test_a_date_that_holds_for_years_is_one_long_frame(tmp_path):
    rows = [ua("2015-02-18", 50_000), region("2015-02-18", "UA-14", 30)]
    for i in range(20):
        day = dt.date(2022, 3, 7) + dt.timedelta(weeks=i)
        rows += [ua(day, 90_000 + i), region(day, "UA-14", 50 + i)]
    folder = folder_of(tmp_path, rows, stands_days=7)
    with open(folder / SERIES_FILE, "a", encoding="utf-8") as series:  # as DeepStateMap's
        series.write('[[exceptions]]\ndate = 2015-02-18\nuntil = 2022-03-06\n'
                     'why = "the line barely moved"\n')
    gif = render_export("gif", load_snapshots([folder]))
    times = durations(gif)
    # 60 moments over 2015-02-18 … 2022-07-18: four land on a map of their own
    assert sum(times) == 12_000 and len(times) == 4
    # the line of 2015 holds 2,573 of the 2,707 days: as much of the 10 s before the hold
    assert times[0] == pytest.approx(10_000 * 2573 / 2707, abs=170)


def test_frames_and_seconds_override_the_clip(tmp_path):
    folder, _ = weekly(tmp_path)
    out = tmp_path / "clip.gif"
    result = CliRunner().invoke(cli, ["export", "--format", "gif", "--snapshots", str(folder),
                                      "--frames", "10", "--seconds", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    times = durations(out.read_bytes())
    assert len(times) == 10 and sum(times) == 5_000 and times[-1] == 1_000
    bad = CliRunner().invoke(cli, ["export", "--format", "png", "--snapshots", str(folder),
                                   "--frames", "10", "--out", str(tmp_path / "map.png")])
    assert bad.exit_code == 2 and "frames and seconds are an animation's" in bad.output


# --- The change chart -----------------------------------------------------------------------------


def test_the_chart_credits_only_what_it_draws_as_the_charts(desk, drawn_texts):
    png = render_export("chart-png", load_snapshots([desk]), credit="Our desk")
    joined = "\n".join(drawn_texts)
    assert "Source: Map desk (computed from mapped areas of control)  ·  Chart: Our desk" in joined
    assert "Wire A" not in joined and "Wire B" not in joined and "Map: " not in joined
    assert "Dates: 2025-01-01 – 2025-06-01" in joined  # the months drawn, not 2014's
    # a legend for the bars' colours: both are drawn (April's −50 km² is a loss)
    assert "Net gain of territory under Russian control" in drawn_texts
    assert "Net loss of territory under Russian control" in drawn_texts
    rgb = Image.open(io.BytesIO(png)).convert("RGB")
    colours = {"#{:02x}{:02x}{:02x}".format(*pixel) for _, pixel in rgb.getcolors(1 << 20)}
    assert {GAIN_COLOUR, LOSS_COLOUR} <= colours


def test_a_chart_without_change_says_so_instead_of_an_empty_axis(tmp_path, drawn_texts):
    rows = [ua(dt.date(2025, month, 1), 100_000) for month in range(1, 6)]
    render_export("chart-png", load_snapshots([folder_of(tmp_path, rows)]))
    assert ("No change: the area under Russian control was the same at every month's 1st from "
            "2025-01-01 to 2025-05-01.") in " ".join(" ".join(t.split()) for t in drawn_texts)
    assert not any(re.fullmatch(r"[−-]?\d+(\.\d+)?", text) for text in drawn_texts), \
        "an axis with tick labels was drawn"


def test_the_viewers_change_per_month_says_a_region_did_not_change(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    rows = []
    for month in range(1, 7):
        day = dt.date(2025, month, 1)
        rows += [ua(day, 100_000 + 100 * month), region(day, "UA-43", 100, km2=26_346.1),
                 donetsk(day, 70 + month)]
    rows.append(ua("2025-06-10", 101_000))  # June under way: not a month in the chart
    folder = folder_of(tmp_path, rows)
    monkeypatch.setattr(sys, "argv", ["app.py", "--snapshots", str(folder)])
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=120).run()
    app.session_state["map"] = {"event": "ready", "selected": None, "n": 1}
    app.run()
    app.radio(key="mode:en").set_value("changes").run()
    app.session_state["map"] = {"event": "click", "selected": "UA-43", "n": 2}
    app.run()
    assert not app.exception
    captions = [re.sub(r"\\(.)", r"\1", c.value).replace("\u2060", "") for c in app.caption]
    assert ("No change: Crimea's area under Russian control was the same at every month's 1st."
            in captions)
    charts = app.get("vega_lite_chart")
    assert len(charts) == 1  # the whole country's; none for Crimea
    import pyarrow as pa

    data = [pa.ipc.open_stream(d.data.data).read_all().to_pandas()
            for d in charts[0].proto.datasets]
    months = sorted(str(day)[:7] for table in data if "period_start" in table
                    for day in table["period_start"])
    assert months == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]
    assert json.loads(charts[0].proto.spec)
