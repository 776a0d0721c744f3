"""Regions by any name: codes, official and old spellings, Cyrillic, with or without "oblast"."""

import pytest
from click.testing import CliRunner

from mapkit.cli import cli
from mapkit.regions import UnknownRegionError, resolve


@pytest.mark.parametrize("name, code", [
    ("Kiev", "UA-30"),
    ("Kyiv", "UA-30"),
    ("Kyiv City", "UA-30"),
    ("Kyiv Oblast", "UA-32"),
    ("kiev oblast", "UA-32"),
    ("Київська область", "UA-32"),
    ("Zaporozhye", "UA-23"),
    ("Zaporizhzhia Oblast", "UA-23"),
    ("Lugansk", "UA-09"),
    ("Луганська область", "UA-09"),
    ("Луганская область", "UA-09"),
    ("Nikolaev", "UA-48"),
    ("Odessa", "UA-51"),
    ("ODESA", "UA-51"),
    ("Kharkov", "UA-63"),
    ("Dnepropetrovsk", "UA-12"),
    ("Dnipropetrovs’k oblast", "UA-12"),
    ("UA-14", "UA-14"),
    ("ua-14", "UA-14"),
    ("Donetsk", "UA-14"),
    ("Khmel'nyts'kyy", "UA-68"),
    ("Хмельницька обл.", "UA-68"),
    ("Transcarpathia", "UA-21"),
    ("Autonomous Republic of Crimea", "UA-43"),
    ("Крим", "UA-43"),
    ("Sevastopol city", "UA-40"),
    ("Ivano Frankivsk", "UA-26"),
    ("Zaporíżhzhia", "UA-23"),
])
def test_name_resolves_to_iso_code(name, code):
    assert resolve(name).code == code


def test_unknown_name_suggests_closest_region():
    with pytest.raises(UnknownRegionError) as caught:
        resolve("Kharkovv")
    assert caught.value.suggestions[0] == "Kharkiv (UA-63)"


def test_cli_resolve_prints_code_and_names():
    result = CliRunner().invoke(cli, ["resolve", "Kiev", "Zaporozhye", "Луганська область"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split("\t")[:3] == ["Kiev", "UA-30", "Kyiv City"]
    assert lines[1].split("\t")[1] == "UA-23"
    assert lines[2].split("\t")[1] == "UA-09"


def test_cli_resolve_unknown_name_exits_2_with_suggestions():
    result = CliRunner().invoke(cli, ["resolve", "Odessa", "Zaporozhyee"])
    assert result.exit_code == 2
    assert "UA-51" in result.stdout
    assert "unknown region 'Zaporozhyee'" in result.stderr
    assert "Zaporizhzhia (UA-23)" in result.stderr


def test_cli_regions_lists_27_with_areas():
    result = CliRunner().invoke(cli, ["regions"])
    assert result.exit_code == 0
    rows = [line for line in result.output.splitlines() if line.startswith("UA-")]
    assert len(rows) == 27
    donetsk = next(line for line in rows if line.startswith("UA-14"))
    assert "Donetsk" in donetsk and "Донецька область" in donetsk
    assert int(donetsk.split()[-1].replace(",", "")) == pytest.approx(26517, rel=0.03)


@pytest.mark.parametrize("command", [[], ["resolve"], ["regions"], ["validate"]])
def test_every_command_has_help(command):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
