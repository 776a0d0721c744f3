"""One series on the map: its default, other sources beside it (never in its colours), the
2014–2022 Donbas years, honest dates, and who is credited for computed figures.

Expected values are read from the bundled data where they can be, so re-dated or regenerated
snapshots do not break the tests; the rules are checked on tiny made-up files.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from test_export_fixtures import write_csv

from mapkit.cli import cli
from mapkit.figures import (
    FiguresError,
    build_timeline,
    default_series,
    list_series,
    series_of,
)
from mapkit.i18n import computed_note_uk, note_text
from mapkit.publish import render_export
from mapkit.publish.payload import STEP_BASE_MS, STEP_MAX_MS, step_durations, timeline_payload
from mapkit.publish.provenance import Provenance
from mapkit.publish.static import draw_map
from mapkit.snapshots import ALWAYS_WRITTEN, SnapshotError, load_snapshots, validate_paths

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "deepstate"


@pytest.fixture(scope="module")
def bundled() -> pd.DataFrame:
    return load_snapshots()


def expected_frames(snapshots: pd.DataFrame, series: str, gaps: bool = False,
                    gap_days=()) -> dict[dt.date, dict[str, object]]:
    """What a map of ``series`` must show on each of its dates, worked out here without the
    figures module: each region's latest row of the series on or before the date, if it still
    stands on the date (its ``stands_until``, from the series file), as a percent rounded as
    the maps round it, "partial", or None for no data. ``gaps`` adds the first day of each
    gap of the series (after a date, the day after the last day any of its figures so far
    stands, when that is before its next date): no figure at all; and each of ``gap_days``
    (the viewer's: other series' dates) between its first and last date on which no figure of
    the series stands."""
    rows = snapshots[series_of(snapshots) == series].sort_values("date")
    dates = sorted({d.date() for d in rows["date"]})
    if gaps:
        for day, later in zip(dates[:-1], dates[1:]):
            end = rows[rows["date"] <= pd.Timestamp(day)]["stands_until"].max().date()
            if end + dt.timedelta(days=1) < later:
                dates.append(end + dt.timedelta(days=1))
        first, last = min(dates), max(dates)
        for day in gap_days:
            before = rows[rows["date"] <= pd.Timestamp(day)]
            if (first < day < last and day not in dates
                    and before["stands_until"].max() < pd.Timestamp(day)):
                dates.append(day)
        dates.sort()
    frames = {}
    for day in dates:
        latest = rows[rows["date"] <= pd.Timestamp(day)].groupby("region").tail(1)
        latest = latest[latest["stands_until"] >= pd.Timestamp(day)]
        frames[day] = {code: ("partial" if partial else round(float(percent), 1))
                       for code, percent, partial in
                       zip(latest["region"], latest["percent"], latest["partial"])}
    return frames


# --- the series and its default ---------------------------------------------------------------


def test_default_is_the_densest_computed_series(bundled, tmp_path):
    assert default_series(bundled) == "DeepStateMap" == list_series(bundled)[0]
    write_csv(tmp_path / "a.csv", [
        ("2024-01-01", "UA-14", 10, "Often", "reported", "", "", ""),
        ("2024-02-01", "UA-14", 11, "Often", "reported", "", "", ""),
        ("2024-03-01", "UA-14", 12, "Often", "reported", "", "", ""),
        ("2024-02-15", "UA-14", 20, "Measured", "computed", "", "", ""),
    ])
    small = load_snapshots([tmp_path])
    assert default_series(small) == "Measured"  # computed wins over more reported dates
    assert list_series(small) == ["Measured", "Often"]


def test_every_frame_of_the_default_map_is_its_series_and_nothing_else(bundled):
    series = default_series(bundled)
    timeline = build_timeline(bundled)
    expected = expected_frames(bundled, series)
    assert list(timeline.dates) == sorted(expected)
    others_shown = 0
    for index, day in enumerate(timeline.dates):
        for region, cell in zip(timeline.regions, timeline.frame(index)):
            want = expected[day].get(region.code)
            got = "partial" if cell.partial else (None if not cell.has_data
                                                  else round(cell.percent, 1))
            assert got == want, f"{region.code} on {day}: {got} shown, the series has {want}"
        others_shown += sum(len(o) for o in timeline.others_on(index))
    assert others_shown > 0  # the other sources are there, beside the map


def test_a_reported_figure_stands_beside_the_nearest_date_and_never_colours_it(bundled):
    series = default_series(bundled)
    timeline = build_timeline(bundled)
    reported = bundled[(series_of(bundled) != series) & ~bundled["partial"]]
    row = reported.sort_values("date").iloc[-1]  # e.g. DeepState's statement of 2026-01-01
    day = row["date"].date()
    nearest = min(range(len(timeline.dates)),
                  key=lambda i: (abs((timeline.dates[i] - day).days), timeline.dates[i]))
    region = [r.code for r in timeline.regions].index(row["region"])
    beside = timeline.others_on(nearest)[region]
    assert (row["source"], day, row["percent"]) in [(o.source, o.as_of, o.percent) for o in beside]
    assert timeline.frame(nearest)[region].source != row["source"]
    payload = timeline_payload(timeline)
    sources = [s["name"] for s in payload["sources"]]
    beside = payload["frames"][nearest]["o"]  # [source index, date, figure per region] groups
    assert [sources.index(row["source"]), day.isoformat(), round(row["percent"], 1)] in [
        [index, as_of, figures[region] if isinstance(figures, list) else figures.get(str(region))]
        for index, as_of, figures in beside]


def test_a_reported_source_can_be_shown_on_its_own(bundled):
    timeline = build_timeline(bundled, source="El País")
    cells = dict(zip((r.code for r in timeline.regions), timeline.frame(0)))
    assert cells["UA-14"].percent == 60 and cells["UA-65"].partial
    assert not cells["UA-46"].has_data  # nothing from another source fills its gaps


def test_a_source_inside_another_series_is_named_as_such(bundled):
    members = bundled[(series_of(bundled) == "DeepStateMap") & (bundled["source"] !=
                                                                  "DeepStateMap")]
    name = sorted(set(members["source"]) - set(series_of(bundled)))[0]
    with pytest.raises(FiguresError, match=f"'{re.escape(name)}' has no series of its own: its "
                                           "figures belong to the series 'DeepStateMap'"):
        build_timeline(bundled, source=name)


# --- 2014–2022 --------------------------------------------------------------------------------


def test_donbas_before_the_2015_line_is_partial_with_its_own_sources(bundled):
    """From the first seizures (April 2014) to the line after Debaltseve, Donetsk and Luhansk
    are "partial, no figure" in the default series, each attributed to its reporter."""
    series = default_series(bundled)
    timeline = build_timeline(bundled)
    rows = bundled[series_of(bundled) == series]
    line = rows[rows["note"].str.contains("Debaltseve")]
    line_date = line["date"].min().date()
    assert set(line["source"]) == {series} and set(line["method"]) == {"computed"}
    codes = [r.code for r in timeline.regions]
    for code in ("UA-14", "UA-09"):
        prelude = rows[(rows["region"] == code) & rows["partial"]]
        assert len(prelude) == 1 and prelude["source"].item() != series
        start = prelude["date"].item().date()
        assert dt.date(2014, 4, 1) <= start < line_date
        for index, day in enumerate(timeline.dates):
            cell = timeline.frame(index)[codes.index(code)]
            if start <= day < line_date:
                assert cell.partial and cell.source == prelude["source"].item()
            elif day >= line_date and day.year < 2022:
                assert 30 < cell.percent < 33 and cell.source == series  # the 2015–2022 line
    sources = {s.name for s in Provenance.of(timeline).sources}
    assert {series, *rows[rows["partial"]]["source"]} <= sources


def test_the_2015_line_is_the_pre_invasion_line_as_deepstatemap_draws_it(bundled):
    rows = bundled[bundled["source"] == "DeepStateMap"]
    line = rows[rows["note"].str.contains("Debaltseve")].set_index("region")
    pre_invasion = rows[rows["note"].str.contains("line before 24 February 2022")]
    pre_invasion = pre_invasion.set_index("region")
    assert len(line) == len(pre_invasion) >= 27  # every region (and UA, where computed)
    pd.testing.assert_series_equal(line["percent"], pre_invasion["percent"])
    assert line["note_uk"].str.contains("Дебальцевого").all()


# --- honest dates -----------------------------------------------------------------------------


def test_a_date_after_the_newest_figure_exits_2_and_names_the_range(bundled, tmp_path):
    series = default_series(bundled)
    dates = sorted(bundled[series_of(bundled) == series]["date"])
    first, last = dates[0].date(), dates[-1].date()
    out = tmp_path / "map.png"
    result = CliRunner().invoke(cli, ["export", "--format", "png", "--date", "2030-01-01",
                                      "--out", str(out)])
    assert result.exit_code == 2
    assert f"{series}'s figures run from {first} to {last}" in result.output
    assert not out.exists()
    result = CliRunner().invoke(cli, ["export", "--format", "csv", "--date",
                                      str(first - dt.timedelta(days=1)), "--out", str(out)])
    assert result.exit_code == 2 and "before the first figure" in result.output


def test_a_map_between_two_dates_says_figures_as_of_on_the_map(bundled):
    series = default_series(bundled)
    dates = sorted({d.date() for d in bundled[series_of(bundled) == series]["date"]})
    gap = next(i for i in range(len(dates) - 1) if (dates[i + 1] - dates[i]).days > 2)
    day, as_of = dates[gap] + dt.timedelta(days=1), dates[gap]
    timeline = build_timeline(bundled, date=day)
    assert timeline.stale(0) == as_of
    drawn = draw_map(timeline, 0, Provenance.of(timeline), title="t", subtitle=None,
                     credit=None, labels=False)  # what png and svg draw
    words = f"{as_of.day} {as_of:%B %Y}"  # "18 March 2014"
    assert drawn.stale_text.get_text() == f"Figures as of {words}"
    assert drawn.date_text.get_text() == day.isoformat()
    embed = render_export("embed", bundled, date=day).decode()
    assert re.search(rf'id="mk-stale" class="mk-stale">Figures as of {words}<', embed)
    page = render_export("html", bundled, date=day).decode()
    assert f'"stale":"{as_of}"' in page
    table = render_export("csv", bundled, date=day).decode().splitlines()
    assert all(f",{as_of}," in line for line in table[1:] if ",figure," in line)
    on_a_date = build_timeline(bundled, date=as_of)
    assert on_a_date.stale(0) is None


# --- play time --------------------------------------------------------------------------------


def test_a_week_is_a_step_and_eight_years_a_pause():
    week, month, years = (dt.date(2015, 2, 18) + dt.timedelta(days=d) for d in (7, 37, 2600))
    steps = step_durations([dt.date(2015, 2, 18), week, month, years])
    assert steps[0] == STEP_BASE_MS  # a week
    assert STEP_BASE_MS < steps[1] < steps[2] <= STEP_MAX_MS  # a month, then seven years
    assert steps[2] >= 15 * STEP_BASE_MS


def test_the_slider_is_spaced_by_time(bundled):
    timeline = build_timeline(bundled)
    payload = timeline_payload(timeline)
    assert payload["days"][0] == 0 and payload["days"][-1] == payload["span"]
    assert payload["span"] == (timeline.last_date - timeline.first_date).days
    widest = max(b - a for a, b in zip(payload["days"], payload["days"][1:]))
    assert widest > 6 * 365  # the 2015–2022 line holds for years: a wide stretch of the slider


# --- snapshot format ----------------------------------------------------------------------------


def test_a_series_has_one_figure_per_region_and_date(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("date,region,percent,source,method,series\n"
                    "2024-01-01,UA-14,10,A,reported,\n"
                    "2024-01-01,UA-14,partial,B,reported,A\n", encoding="utf-8")
    report = validate_paths([path])
    assert [str(p) for p in report.problems] == [
        f"{path}:3: series 'A' already has a figure for UA-14 on 2024-01-01 (from 'A' at "
        f"{path}:2): a series has one figure per region and date; give this row another series"]
    with pytest.raises(SnapshotError):
        load_snapshots([path])


def test_files_without_the_new_columns_are_written_as_before(bundled, tmp_path):
    from mapkit.snapshots import write_snapshot

    computed = bundled[(bundled["source"] == "DeepStateMap") & (bundled["note_uk"] == "")]
    one_day = computed[computed["date"] == computed["date"].max()]
    out = write_snapshot(one_day, tmp_path / "day.csv")
    assert out.read_text(encoding="utf-8").splitlines()[0] == ",".join(ALWAYS_WRITTEN)
    member = bundled[(series_of(bundled) == "DeepStateMap") & (bundled["source"] != "DeepStateMap")]
    out = write_snapshot(member, tmp_path / "member.csv")
    assert out.read_text(encoding="utf-8").splitlines()[0].endswith(",series,note_uk")
    again = load_snapshots([out])
    assert set(series_of(again)) == {"DeepStateMap"}


# --- language --------------------------------------------------------------------------------


def test_computed_notes_read_in_ukrainian_and_figures_use_a_comma(bundled):
    note = "computed from 2025-03-17.geojson; incl. 0.35 pp coast/border mismatch strips"
    assert computed_note_uk(note) == ("обчислено з 2025-03-17.geojson; включно з 0,35 в. п. "
                                      "вузьких смуг між лінією і узбережжям чи кордоном")
    assert note_text("a reporter's own words", None, "uk") == "a reporter's own words"
    assert note_text("words", "слова", "uk") == "слова" and note_text("words", "слова", "en") == \
        "words"
    page = render_export("embed", bundled, lang="uk").decode()
    data = json.loads(re.search(r'id="mk-data">(.*?)</script>', page, re.S).group(1))
    assert data["lang"] == "uk" and "{value} %" == data["labels"]["uk"]["export_value"]
    assert re.search(r'aria-label="Луганська область: \d+,\d %"', page)


# --- attribution of computed figures ---------------------------------------------------------


@pytest.mark.skipif(not (SHARED / "daily").is_dir(), reason="needs ../shared/deepstate/daily")
def test_only_deepstatemaps_own_files_are_credited_to_it(tmp_path):
    daily = sorted((SHARED / "daily").glob("*.geojson"))[0]
    result = CliRunner().invoke(cli, ["compute", str(daily), "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    theirs = load_snapshots([tmp_path / "a"])
    assert set(theirs["source"]) == {"DeepStateMap"}
    assert set(theirs["source_url"]) == {"https://deepstatemap.live"}
    assert "recognised as DeepStateMap's own files" in result.output

    document = json.loads(daily.read_text(encoding="utf-8"))
    document.pop("name")  # the same polygons, no longer saying whose they are
    mine = tmp_path / "my_front.geojson"
    mine.write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(cli, ["compute", str(mine), "--date", daily.stem, "--out",
                                      str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    ours = load_snapshots([tmp_path / "b"])
    assert set(ours["source"]) == {"my_front"} and set(ours["source_url"]) == {""}
    assert "source: 'my_front' — the input's name" in result.output
    assert "deepstatemap.live" not in result.output
    pd.testing.assert_series_equal(theirs["percent"], ours["percent"])  # same polygons
