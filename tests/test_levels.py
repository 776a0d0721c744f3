"""Levels as data (mapkit/levels.py): each level's units from its unit table, lookups, names in
English and Ukrainian, towns' names, the parent beside a name, and the commands that list and
resolve them (`mapkit regions --level`, `mapkit resolve --level`).

The towns below are checked against the unit tables a reader can open (data/hromadas.csv): each
hromada is named by the adjective of its centre, which is how a town's name finds it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mapkit.cli import cli
from mapkit.levels import (
    LEVEL_NAMES,
    AmbiguousNameError,
    LevelError,
    get_level,
    level_names,
    unit_table,
)
from mapkit.regions import Region, UnknownRegionError, resolve

ROOT = Path(__file__).resolve().parent.parent
HULIAIPILSKA = "UA23100070000026535"  # Гуляйпільська міська громада, Zaporizhzhia oblast
POKROVSKA_DONETSK = "UA14160210000011148"
POKROVSKA_DNIPRO = "UA12080090000039979"
POKROVSKYI_RAION = "UA14160000000061982"


def test_each_level_is_its_unit_table():
    oblasts, raions, hromadas = (get_level(name) for name in LEVEL_NAMES)
    assert get_level() is oblasts and get_level("hromadas") is hromadas
    assert (len(oblasts.units), len(raions.units), len(hromadas.units)) == (27, 138, 1486)
    with open(ROOT / "data/hromadas.csv", encoding="utf-8") as handle:
        table = {row["code"]: row for row in csv.DictReader(handle)}
    assert set(hromadas.codes) == set(table)
    unit = hromadas.unit(HULIAIPILSKA)
    assert (unit.name_en, unit.name_uk, unit.parent, unit.raion, unit.area_km2) == (
        "Huliaipilska Urban Hromada", "Гуляйпільська міська громада", "UA-23",
        table[HULIAIPILSKA]["raion"], float(table[HULIAIPILSKA]["area_km2"]))
    # the oblast level keeps its ISO codes and its Region objects
    assert oblasts.codes[0] == "UA-05" and isinstance(oblasts.unit("UA-14"), Region)
    assert resolve("Donetsk").code == "UA-14"
    assert all(code in level for level in (oblasts, raions, hromadas) for code in ["UA"])


def test_an_unknown_level_says_which_there_are():
    with pytest.raises(LevelError, match="unknown level 'rayons': choose oblast, raion, hromada"):
        get_level("rayons")
    assert level_names(["all"]) == ("oblast", "raion", "hromada")
    assert level_names(["hromada", "oblast"]) == ("oblast", "hromada")


def test_a_broken_unit_table_is_refused_with_its_line(tmp_path):
    from mapkit.levels import read_unit_table

    bad = tmp_path / "raions.csv"
    bad.write_text("code,name_en,name_uk,kind,parent,area_km2\n"
                   "UA01020000000022387,A Raion,А район,raion,UA-43,100\n"
                   "UA-14,B Raion,Б район,raion,UA-14,100\n", encoding="utf-8")
    with pytest.raises(LevelError, match=r"raions.csv:3: code 'UA-14' is not a KATOTTG code"):
        read_unit_table(bad, "raion")


@pytest.mark.parametrize(("level", "name", "code"), [
    ("hromada", "Huliaipole", HULIAIPILSKA),
    ("hromada", "Гуляйполе", HULIAIPILSKA),
    ("hromada", "Huliaipilska", HULIAIPILSKA),
    ("hromada", "Гуляйпільська міська громада", HULIAIPILSKA),
    ("hromada", "Kostiantynivka", "UA14120070000090878"),  # the town's urban hromada, not
    ("hromada", "Костянтинівка", "UA14120070000090878"),   # the villages' rural ones
    ("hromada", "Kupiansk", "UA63080090000067457"),
    ("hromada", "Куп'янськ", "UA63080090000067457"),
    ("hromada", "Pokrovsk, Donetsk", POKROVSKA_DONETSK),
    ("hromada", "Donetsk oblast Pokrovsk", POKROVSKA_DONETSK),
    ("hromada", "Zaporizhzhia", "UA23060070000082704"),
    ("hromada", "Nova Kakhovka", "UA65060170000032937"),
    ("hromada", "Kyiv", "UA80000000000093317"),
    ("hromada", "UA14160210000011148", POKROVSKA_DONETSK),
    ("raion", "Pokrovsk", POKROVSKYI_RAION),
    ("raion", "Покровський район", POKROVSKYI_RAION),
    ("raion", "pokrovskyi raion", POKROVSKYI_RAION),
    ("raion", "Yaltynskyi", "UA01200000000063976"),
    ("raion", "Ukraine", "UA"),
])
def test_names_and_towns_resolve_to_their_unit(level, name, code):
    assert get_level(level).resolve(name).code == code


def test_a_name_two_oblasts_share_is_refused_naming_both_with_their_oblast():
    hromadas = get_level("hromada")
    with pytest.raises(AmbiguousNameError) as caught:
        hromadas.resolve("Pokrovsk")
    assert {u.code for u in caught.value.units} == {POKROVSKA_DONETSK, POKROVSKA_DNIPRO}
    assert "Pokrovska Urban Hromada (Donetsk) UA14160210000011148" in str(caught.value)
    assert "Pokrovska Urban Hromada (Dnipropetrovsk)" in str(caught.value)
    assert hromadas.find("Pokrovsk") is None


def test_an_unknown_name_gets_the_closest_units_and_where_to_list_them():
    with pytest.raises(UnknownRegionError) as caught:
        get_level("hromada").resolve("Kupyansk")  # the Russian-era spelling
    message = str(caught.value)
    assert "Did you mean: Kupianska Urban Hromada (Kharkiv) UA63080090000067457" in message
    assert "Run `mapkit regions --level hromada` to list all 1,486." in message


def test_search_shows_every_unit_a_name_fits_with_its_parent():
    hromadas = get_level("hromada")
    found = [hromadas.label(u) for u in hromadas.search("Pokrovsk")]
    # both, the raion's centre first: Pokrovsk is Pokrovskyi raion's (Donetsk); Dnipropetrovsk
    # oblast's Pokrovske centres a hromada of Synelnykivskyi raion
    assert found[:2] == ["Pokrovska Urban Hromada (Donetsk)",
                         "Pokrovska Urban Hromada (Dnipropetrovsk)"]
    assert [hromadas.label(u) for u in hromadas.search("Покровськ")][:1] == [
        "Pokrovska Urban Hromada (Donetsk)"]
    assert "Pokrovska Rural Hromada (Dnipropetrovsk)" in found
    assert [u.code for u in hromadas.search("Гуляй")][:1] == [HULIAIPILSKA]
    assert hromadas.label(HULIAIPILSKA, "uk") == ("Гуляйпільська міська громада "
                                                  "(Запорізька область)")
    assert get_level("raion").label("UA80000000000093317") == "Kyiv City"  # no "(Kyiv City)"


def test_cli_resolve_at_a_level_prints_the_unit_and_its_oblast():
    result = CliRunner().invoke(cli, ["resolve", "--level", "hromada", "Huliaipole",
                                      "Pokrovsk, Donetsk"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Huliaipole\t{HULIAIPILSKA}\tHuliaipilska Urban Hromada\tГуляйпільська міська громада"
        "\tUA-23 Zaporizhzhia",
        f"Pokrovsk, Donetsk\t{POKROVSKA_DONETSK}\tPokrovska Urban Hromada\tПокровська міська "
        "громада\tUA-14 Donetsk"]
    both = CliRunner().invoke(cli, ["resolve", "--level", "hromada", "Pokrovsk"])
    assert both.exit_code == 2
    assert "fits 2 hromadas" in both.stderr and "(Donetsk)" in both.stderr


def test_cli_regions_lists_a_level_in_each_format():
    runner = CliRunner()
    table = runner.invoke(cli, ["regions", "--level", "raion"])
    assert table.exit_code == 0
    pokrovskyi = next(line for line in table.output.splitlines()
                      if line.startswith(POKROVSKYI_RAION))
    assert re.search(r"Pokrovskyi Raion\s+Покровський район\s+Donetsk\s+4,002\.2$", pokrovskyi)
    assert "138 raions; boundaries © OpenStreetMap contributors" in table.output

    rows = list(csv.DictReader(io.StringIO(runner.invoke(
        cli, ["regions", "--level", "hromada", "--format", "csv"]).output)))
    assert len(rows) == 1486
    assert list(rows[0]) == ["code", "name_en", "name_uk", "kind", "parent", "raion",
                             "area_km2", "parent_name", "raion_name"]
    huliaipole = next(r for r in rows if r["code"] == HULIAIPILSKA)
    assert (huliaipole["parent"], huliaipole["parent_name"], huliaipole["area_km2"],
            huliaipole["raion_name"]) == ("UA-23", "Zaporizhzhia", "676.9", "Polohivskyi Raion")

    records = json.loads(runner.invoke(cli, ["regions", "--format", "json"]).output)
    assert len(records) == 27 and records[0]["parent"] is None
    assert next(r for r in records if r["code"] == "UA-14")["name_uk"] == "Донецька область"


def test_unit_table_area_is_what_a_percentage_is_of():
    rows = {row["code"]: row for row in unit_table("hromada")}
    assert rows[HULIAIPILSKA]["area_km2"] == get_level("hromada").areas_km2[HULIAIPILSKA]


def test_regions_is_imported_only_by_the_oblast_levels_definition():
    """The 27 regions reach every other module as a level's units (get_level), never as the
    module-wide REGIONS."""
    importers = []
    for path in [*ROOT.glob("mapkit/**/*.py"), *ROOT.glob("bench/*.py"),
                 *ROOT.glob("scripts/*.py"), ROOT / "app.py"]:
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bimport\b[^\n]*\bREGIONS\b|\bregions\.REGIONS\b", text):
            importers.append(path.relative_to(ROOT).as_posix())
    assert importers == ["mapkit/levels.py"]
