"""No series lends a figure to a date it cannot vouch for: each series says how long a figure
stands (its ``series.toml``: cadence, exceptions with their reasons, breaks); a date past that
is a gap — no figure on the map, in the headline, in a change or in a GIF frame; a one-date
export in a gap is drawn from a series that has the date, saying so, or refused naming it.

The rules are checked on tiny made-up series and on the bundled DeepStateMap series, whose gap
from 24 February to 2 April 2022 is the one a reader met first.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image
from test_changes import HEADER, kyiv_city_row, ua_row

from mapkit.cadence import SERIES_FILE, read_series_file
from mapkit.cli import cli
from mapkit.constants import SNAPSHOTS_DIR
from mapkit.figures import (
    Span,
    build_timeline,
    series_coverage,
    series_for_date,
    series_holding,
)
from mapkit.headline import headline, headline_text
from mapkit.publish import render_export
from mapkit.publish.provenance import Provenance
from mapkit.publish.static import draw_map
from mapkit.snapshots import SnapshotError, load_snapshots

WEEKLY = ("2022-02-13", "2022-02-20", "2022-04-03", "2022-04-10", "2022-04-17")
DAILY = ("2022-03-14", "2022-03-15", "2022-03-16")


def unwrapped(texts: list[str]) -> list[str]:
    """Texts a print map drew, their lines joined again (a notice wraps under the date)."""
    return [" ".join(text.split("\n")) for text in texts]


@pytest.fixture(scope="module")
def bundled() -> pd.DataFrame:
    return load_snapshots()


@pytest.fixture(scope="module")
def two_series(tmp_path_factory) -> Path:
    """A weekly desk (the default: most dates) whose figures stand 6 days and which has no map
    from 27 February to 2 April 2022, and a daily desk (no series file: its figures stand on
    their own day) that has 14–16 March; Kyiv City is half held on the daily desk's days."""
    folder = tmp_path_factory.mktemp("two_series")
    weekly = [ua_row(day, 100_000.0 + 100 * i, "Weekly desk") for i, day in enumerate(WEEKLY)]
    weekly += [kyiv_city_row(day, 0.0, "Weekly desk") for day in WEEKLY]
    daily = [ua_row(day, 120_000.0 + 50 * i, "Daily desk") for i, day in enumerate(DAILY)]
    daily += [kyiv_city_row(day, 416.9, "Daily desk") for day in DAILY]
    (folder / "weekly").mkdir()
    (folder / "weekly" / "desk.csv").write_text(HEADER + "".join(weekly), encoding="utf-8")
    (folder / "weekly" / SERIES_FILE).write_text(
        'series = "Weekly desk"\nstands_days = 6\ncadence = "every Sunday"\n', encoding="utf-8")
    (folder / "daily").mkdir()
    (folder / "daily" / "desk.csv").write_text(HEADER + "".join(daily), encoding="utf-8")
    return folder


def export_cli(*args: str):
    return CliRunner().invoke(cli, ["export", *args])


# --- how long a figure stands -----------------------------------------------------------------


def test_a_figure_stands_within_its_cadence_then_the_date_is_a_gap(two_series):
    snapshots = load_snapshots([two_series])
    within = build_timeline(snapshots, source="Weekly desk", date="2022-02-26")
    assert within.holds(0) and within.stale(0) == dt.date(2022, 2, 20)
    assert within.figure_on("UA", dt.date(2022, 2, 26)).area_km2 == 100_100.0
    assert within.notice(0) == "Figures as of 20 February 2022"
    past = build_timeline(snapshots, source="Weekly desk", date="2022-02-27")
    assert not past.holds(0)
    assert not any(cell.has_data for cell in past.frame(0))  # no figure, not the old one
    assert past.figure_on("UA", dt.date(2022, 2, 27)).percent is None
    assert past.gap(0) == Span(dt.date(2022, 2, 27), dt.date(2022, 4, 2))
    assert past.notice(0) == "Weekly desk has no map for 27 Feb – 2 Apr 2022"
    assert past.notice(0, "uk") == "Weekly desk не має карти за 27 лют. – 2 квіт. 2022"
    # a series without a series file vouches for its figures on their own day only
    daily = build_timeline(snapshots, source="Daily desk", date="2022-03-15")
    assert daily.holds(0) and daily.stale(0) is None


def test_the_bundled_invasion_gap_has_no_figure_and_no_headline(bundled):
    timeline = build_timeline(bundled, source="DeepStateMap", date="2022-03-15")
    assert not timeline.holds(0)
    assert not any(cell.has_data for cell in timeline.frame(0))
    assert headline(timeline, dt.date(2022, 3, 15)) is None
    assert timeline.notice(0) == "DeepStateMap has no map for 24 Feb – 2 Apr 2022"
    assert series_coverage(bundled)["DeepStateMap"].gaps[0] == Span(dt.date(2022, 2, 24),
                                                                    dt.date(2022, 4, 2))


def test_an_exception_stands_longer_and_says_why_wherever_its_figure_is_shown(bundled,
                                                                              drawn_texts):
    """The 2015-02-18 line stands until 23 February 2022, and every output of a date in
    between says so, with the reason its series file gives."""
    why = "the line barely moved between Minsk II and the invasion"
    day = dt.date(2020, 6, 15)
    timeline = build_timeline(bundled, date=day)
    assert timeline.holds(0) and timeline.stale(0) == dt.date(2015, 2, 18)
    notice = f"Figures as of 18 February 2015: {why}"
    assert timeline.notice(0) == notice
    drawn = draw_map(timeline, 0, Provenance.of(timeline), title="t", subtitle=None,
                     credit=None, labels=False)
    assert " ".join(drawn.stale_text.get_text().split("\n")) == notice
    render_export("png", bundled, date=day)
    assert notice in unwrapped(drawn_texts)
    embed = render_export("embed", bundled, date=day).decode()
    assert f'class="mk-stale">{notice}<' in embed
    assert f"as of 18 February 2015: {why}" in headline_text(timeline, day)
    assert ("станом на 18 лютого 2015: лінія майже не змінювалася між Мінськом-2 і вторгненням"
            in headline_text(timeline, day, "uk"))
    rows = list(csv.DictReader(io.StringIO(render_export("csv", bundled, date=day).decode())))
    donetsk = next(row for row in rows if row["region"] == "UA-14")
    assert (donetsk["figure_date"], donetsk["stands_because"]) == ("2015-02-18", why)
    assert donetsk["map_note"] == notice
    # ... and not a day past it: nothing stands across the invasion
    assert not build_timeline(bundled, date="2022-02-24").holds(0)


def test_a_series_file_beside_one_snapshot_file_is_read_with_it():
    frame = load_snapshots([SNAPSHOTS_DIR / "deepstate" / "2015-02-18.csv"])
    assert (frame["stands_until"] == pd.Timestamp("2022-02-23")).all()


# --- exports of one date ----------------------------------------------------------------------


def test_the_default_export_of_a_gap_maps_a_series_that_has_the_date_and_says_so(two_series,
                                                                                  drawn_texts):
    result = export_cli("--format", "png", "--date", "2022-03-15", "--snapshots",
                        str(two_series), "--out", str(two_series.parent / "map.png"))
    assert result.exit_code == 0, result.output
    notice = "Weekly desk has no map for 27 Feb – 2 Apr 2022; this map is Daily desk's"
    assert notice in unwrapped(drawn_texts)
    assert not any("Figures as of" in text for text in drawn_texts)
    assert "Kyiv City\n50.0 %" in drawn_texts  # the daily desk's figure of that day
    snapshots = load_snapshots([two_series])
    rows = list(csv.DictReader(io.StringIO(
        render_export("csv", snapshots, date="2022-03-15").decode())))
    kyiv = next(row for row in rows if row["region"] == "UA-30")
    assert (kyiv["series"], kyiv["percent"], kyiv["figure_date"]) == ("Daily desk", "50",
                                                                      "2022-03-15")
    assert kyiv["map_note"] == notice
    assert series_for_date(snapshots, "2022-03-15")[0] == "Daily desk"


def test_an_asked_series_without_the_date_exits_2_naming_the_series_that_has_it(two_series):
    out = two_series.parent / "asked.png"
    result = export_cli("--format", "png", "--date", "2022-03-15", "--source", "Weekly desk",
                        "--snapshots", str(two_series), "--out", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert ("Weekly desk has no map for 15 March 2022 (its maps: … 20 February 2022, then from "
            '3 April 2022); Daily desk has one: --source "Daily desk"') in result.output
    result = export_cli("--format", "svg", "--date", "2022-03-20", "--snapshots",
                        str(two_series), "--out", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert ("Weekly desk has no map for 20 March 2022 (its maps: … 20 February 2022, then from "
            "3 April 2022); no other series has a map for that date either") in result.output


def test_the_reported_first_weeks_of_the_invasion_are_never_the_pre_invasion_map(tmp_path):
    """The issue's repro: `mapkit export --format png --date 2022-03-15` drew the map of
    23 February under "2022-03-15". Now it is ISW/CTP's map where that series is bundled, or
    an exit 2 saying DeepStateMap has none."""
    out = tmp_path / "map.png"
    result = export_cli("--format", "png", "--date", "2022-03-15", "--out", str(out))
    if "ISW/CTP" in series_coverage(load_snapshots()):
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 2 and not out.exists()
        assert ("DeepStateMap has no map for 15 March 2022 (its maps: … 23 February 2022, then "
                "from 3 April 2022)") in result.output


@pytest.mark.skipif(not any((SNAPSHOTS_DIR / "isw").glob("*.csv")),
                    reason="ISW/CTP's series is not bundled yet (data/control_snapshots/isw/)")
def test_the_default_map_of_15_march_2022_is_isw_ctps_northern_occupation(bundled, drawn_texts):
    assert series_for_date(bundled, "2022-03-15")[0] == "ISW/CTP"
    png = render_export("png", bundled, date="2022-03-15")
    assert Image.open(io.BytesIO(png)).width == 2400
    assert any(text.startswith("DeepStateMap has no map for 24 Feb – 2 Apr 2022; this map is "
                               "ISW/CTP's") for text in unwrapped(drawn_texts))
    labels = {text.split("\n")[0]: text.split("\n")[1] for text in drawn_texts
              if text.count("\n") == 1 and text.endswith("%")}
    for region in ("Chernihiv", "Sumy", "Kyiv Oblast"):
        assert float(labels[region].split()[0]) > 5, f"{region}: {labels[region]}"


# --- many dates: frames and changes -----------------------------------------------------------


def test_a_gif_frame_in_a_gap_says_no_map_and_the_map_before_does_not_stay(bundled,
                                                                           drawn_texts):
    gif = render_export("gif", bundled, date_from="2022-02-01", date_to="2022-04-10")
    image = Image.open(io.BytesIO(gif))
    assert image.n_frames == 4  # 23 Feb, the gap from 24 Feb, 3 Apr, 10 Apr
    durations = []
    for index in range(image.n_frames):
        image.seek(index)
        durations.append(image.info["duration"])
    # The clip plays its 46 days at an even pace: the pre-invasion map stands one day of them,
    # not the 39 until 3 April; the gap holds the screen as long as it lasts.
    assert durations[1] > 10 * durations[0]
    assert durations[1] > sum(durations) / 2
    # what the gap's frame draws, from its date to the next frame's
    start = drawn_texts.index("2022-02-24")
    frame = drawn_texts[start:drawn_texts.index("2022-04-03", start)]
    assert "DeepStateMap has no map for 24 Feb – 2 Apr 2022" in unwrapped(frame)
    # no headline: no figure of 23 February under 24 February
    assert not any(text.startswith("Russia controls") for text in frame), frame


def test_embed_and_csv_timelines_say_no_map_in_a_gap(two_series):
    snapshots = load_snapshots([two_series])
    page = render_export("embed", snapshots, source="Weekly desk").decode()
    data = re.search(r'<script type="application/json" id="mk-data">(.*?)</script>', page,
                     re.S)[1]
    data = json.loads(data)  # the embed's words are kept once, in every language, by index
    gap = data["frames"][data["dates"].index("2022-02-27")]
    assert gap["nm"] == 1
    assert data["texts"][gap["notice"]] == ["Weekly desk has no map for 27 Feb – 2 Apr 2022",
                                            "Weekly desk не має карти за 27 лют. – 2 квіт. 2022"]
    rows = list(csv.DictReader(io.StringIO(
        render_export("csv", snapshots, source="Weekly desk").decode())))
    gap = [row for row in rows if row["map_date"] == "2022-02-27"]
    assert len(gap) == 28 and {row["status"] for row in gap} == {"no map"}
    assert not any(row["percent"] or row["figure_date"] for row in gap)


def test_no_change_is_measured_across_a_gap(bundled, two_series):
    """2014-04-29: the GIF said "4.4 % … ±0 km² since 2014-03-18" (Crimea's layer, a figure of
    Ukraine that stopped holding when Donbas was seized). Now that date has no national figure;
    and a change is only measured from a figure its series vouches for."""
    timeline = build_timeline(bundled)
    assert headline_text(timeline, dt.date(2014, 4, 29)) == ""
    snapshots = load_snapshots([two_series])
    weekly = build_timeline(snapshots, source="Weekly desk")
    # 3 April: 30 days before (4 March) is in the gap, so no change is given
    assert headline_text(weekly, dt.date(2022, 4, 3)) == (
        "Russia controls 16.6 % of Ukraine (100,200 km²)")


def test_every_change_says_its_30_days_in_words(bundled):
    timeline = build_timeline(bundled)
    last = timeline.last_date
    text = headline_text(timeline, last)
    words = f"{last.day} {last:%B %Y}"
    assert re.search(rf"· [+−±][\d,]+ km² in the 30 days to {words}$", text), text
    assert "since" not in text
    uk = headline_text(timeline, last, "uk")
    assert re.search(r"км² за 30 днів до \d+ \w+ \d{4}$", uk), uk


# --- the series file --------------------------------------------------------------------------


def test_validate_reports_a_broken_series_file_by_name(tmp_path):
    (tmp_path / "desk.csv").write_text(HEADER + ua_row("2025-01-01", 100_000.0, "Desk"),
                                       encoding="utf-8")
    (tmp_path / SERIES_FILE).write_text(
        'series = "Desk"\nstand_days = 7\n\n[[breaks]]\ndate = 2025-02-01\nwhy = "war"\n\n'
        '[[exceptions]]\ndate = 2025-01-01\nuntil = 2025-03-01\nregions = ["Atlantis"]\n',
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    for expected in ("series.toml: unknown key(s) stand_days", "stands_days must be a whole "
                     "number", "exceptions[1]: why is missing", "Atlantis"):
        assert expected in result.output, result.output
    (tmp_path / SERIES_FILE).write_text(
        'series = "Desk"\nstands_days = 7\n\n[[breaks]]\ndate = 2025-02-01\nwhy = "war"\n\n'
        '[[exceptions]]\ndate = 2025-01-01\nuntil = 2025-03-01\nwhy = "quiet"\n',
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "until 2025-03-01 crosses the break of 2025-02-01 (war)" in result.output
    with pytest.raises(SnapshotError, match="crosses the break"):  # loading refuses it too
        load_snapshots([tmp_path / "desk.csv"])


def test_the_bundled_series_files_are_valid_and_named_by_validate():
    info, problems = read_series_file(SNAPSHOTS_DIR / "deepstate" / SERIES_FILE)
    assert problems == [] and info.name == "DeepStateMap" and info.stands_days == 8
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 0
    assert "DeepStateMap: a figure stands 8 day(s) after its date" in result.output


# --- what the viewer can ask ------------------------------------------------------------------


def test_each_series_says_where_it_has_maps_and_which_other_has_a_date(two_series):
    snapshots = load_snapshots([two_series])
    coverage = series_coverage(snapshots)
    assert list(coverage) == ["Weekly desk", "Daily desk"]
    weekly = coverage["Weekly desk"]
    assert weekly.spans == (Span(dt.date(2022, 2, 13), dt.date(2022, 2, 26)),
                            Span(dt.date(2022, 4, 3), dt.date(2022, 4, 23)))
    assert weekly.gaps == (Span(dt.date(2022, 2, 27), dt.date(2022, 4, 2)),)
    assert weekly.maps_text(dt.date(2022, 3, 15)) == (
        "its maps: … 20 February 2022, then from 3 April 2022")
    assert series_holding(snapshots, "2022-03-15") == ["Daily desk"]
    assert series_holding(snapshots, "2022-02-25") == ["Weekly desk"]
    assert series_holding(snapshots, "2022-03-20") == []


def test_a_figure_that_stands_for_years_is_not_a_change_of_zero(bundled):
    """Mid-2020 shows the 2015 line, which stands by its series' exception: there is no
    figure of 30 days before other than the same one, so no change is claimed ("±0 km²")."""
    timeline = build_timeline(bundled)
    text = headline_text(timeline, dt.date(2020, 6, 15))
    assert text.startswith("Russia controls 7.2 % of Ukraine")
    assert "km² in the 30 days" not in text
    assert "+" in headline_text(timeline, dt.date(2025, 6, 1)).split("·")[1]  # weekly: measured
