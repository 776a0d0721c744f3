"""`--level` on the commands that read or write figures: export (csv at every level; the maps
refuse a level they cannot draw yet), changes (names beside codes with their oblast; `--top`:
where the front moved), update (a folder's levels stay in step). `compute`, `validate`,
`regions` and `resolve` at a level: tests/test_levels_compute.py, test_levels_snapshots.py and
test_levels.py."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mapkit.cli import cli
from mapkit.levels import get_level
from mapkit.period_changes import changes

ROOT = Path(__file__).resolve().parent.parent
DAILY = ROOT.parent / "shared" / "deepstate" / "daily"
needs_daily = pytest.mark.skipif(not DAILY.is_dir(), reason="needs ../shared/deepstate/daily "
                                                            "(DeepStateMap's daily files)")
HULIAIPILSKA = "UA23100070000026535"


def run(*args: str):
    return CliRunner().invoke(cli, [*map(str, args)])


def test_export_csv_at_the_hromada_level_has_every_unit_its_oblast_and_the_osm_credit(tmp_path):
    out = tmp_path / "hromadas.csv"
    result = run("export", "--format", "csv", "--level", "hromada", "--date", "2026-01-01",
                 "--out", out)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 1486 + 1  # every unit, then Ukraine
    huliaipole = next(r for r in rows if r["region"] == HULIAIPILSKA)
    assert (huliaipole["region_name_en"], huliaipole["parent"], huliaipole["parent_name"],
            huliaipole["level"], huliaipole["status"]) == (
        "Huliaipilska Urban Hromada", "UA-23", "Zaporizhzhia", "hromada", "figure")
    assert float(huliaipole["percent"]) > 50
    assert huliaipole["boundaries"].startswith("© OpenStreetMap contributors; ODbL 1.0")
    lviv = next(r for r in rows if r["region"] == get_level("hromada").resolve("Lviv").code)
    assert (lviv["percent"], lviv["status"]) == ("0", "figure")  # not listed: 0 %, not "no data"
    ukraine = rows[-1]
    assert ukraine["region"] == "UA" and ukraine["percent"] == "19.25"


def test_every_format_can_be_made_at_every_level():
    from mapkit.publish import FORMATS, ExportInputError, check_export_level

    for fmt in FORMATS:
        for level in ("oblast", "raion", "hromada"):
            check_export_level(fmt, level)
    with pytest.raises(ExportInputError, match="unknown level 'county'"):
        check_export_level("png", "county")


def test_changes_top_says_where_the_front_moved_in_the_newest_month():
    table = changes(level="raion", period="month", top=10)
    assert table["period_start"].nunique() == 1  # the newest month, to date
    assert table["region"].iloc[0] == "UA"
    units = table.iloc[1:]
    assert 1 <= len(units) <= 10 and (units["change_km2"] != 0).all()
    sizes = units["change_km2"].abs().tolist()
    assert sizes == sorted(sizes, reverse=True)
    # against every raion's change that month: these are the largest
    every = changes(level="raion", period="month", date_from=table["period_start"].iloc[0])
    every = every[(every["region"] != "UA")
                  & (every["period_start"] == table["period_start"].iloc[0])]
    assert sizes[0] == every["change_km2"].abs().max()
    assert set(units["parent"]) <= set(get_level().codes)
    assert all(name == get_level("raion").unit(code).name_en
               for code, name in zip(units["region"], units["region_name"]))


def test_cli_changes_top_prints_names_with_their_oblast(tmp_path):
    result = run("changes", "--level", "raion", "--period", "month", "--top", "10")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["period_start", "period_end", "region", "region_name"]
    rows = [line for line in lines if line[:4].isdigit()]
    assert rows[0].split()[4] == "UA"  # "2026-08-01  2026-08-21 (to date)  UA  Ukraine …"
    assert 2 <= len(rows) <= 11
    raions = get_level("raion")
    for line in rows[1:]:
        code = line.split()[4]
        assert f"{raions.label(code)}" in line  # "Pokrovskyi Raion (Donetsk)"
    listed = json.loads(run("changes", "--level", "hromada", "--region", "Huliaipole",
                            "--from", "2025-11-01", "--to", "2025-12-01", "--format",
                            "json").output)
    assert [(r["region"], r["parent"], r["parent_name"]) for r in listed] == [
        (HULIAIPILSKA, "UA-23", "Zaporizhzhia")]
    assert listed[0]["summary"].startswith(
        "Huliaipilska Urban Hromada (Zaporizhzhia): Russia gained 167 km² in November 2025")


def test_changes_at_a_level_names_an_ambiguous_region_with_its_oblasts():
    result = run("changes", "--level", "hromada", "--region", "Pokrovsk")
    assert result.exit_code == 2
    assert "fits 2 hromadas" in result.stderr and "(Dnipropetrovsk)" in result.stderr


@needs_daily
def test_update_computes_the_levels_asked_for_and_keeps_a_folders_levels_in_step(
        tmp_path, monkeypatch):
    monkeypatch.setenv("MAPKIT_CONFIG_DIR", str(tmp_path / "config"))
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("2026-08-20.geojson", "2026-08-21.geojson"):
        shutil.copy(DAILY / name, inputs / name)
    out = tmp_path / "out"
    first = run("update", "--source", inputs, "--out", out, "--since", "2026-08-19",
                "--until", "2026-08-19", "--every", "day", "--level", "raion")
    assert first.exit_code == 0, first.output
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.csv")) == [
        "2026-08-19.csv", "raion/2026-08-19.csv"]
    second = run("update", "--source", inputs, "--out", out, "--until", "2026-08-20",
                 "--every", "day")  # no --level: the folder's own levels
    assert second.exit_code == 0, second.output
    assert (out / "raion" / "2026-08-20.csv").is_file()
    assert not (out / "hromada").exists()
    last = [(out / sub / "2026-08-20.csv").read_text().splitlines()[-1] for sub in ("", "raion")]
    assert last[0] == last[1] and last[0].startswith("2026-08-20,UA,")
