"""`mapkit publish OUT` (issue 21, point 1): a static site of the bundled data that any host or
CDN serves — every file it promises, pages that name only their own files by relative
addresses (so they work under any path and from ``file://``), content-named assets, social
meta with absolute addresses from --base-url and a 1200×630 card, data files with the columns
docs/data-api.md documents and the library's figures; and a rerun that writes nothing when
nothing changed, and only what changed after a new snapshot.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PUBLISHED_BASE_URL
from PIL import Image

from mapkit.cli import cli
from mapkit.constants import SNAPSHOTS_DIR
from mapkit.figures import build_timeline
from mapkit.levels import get_level
from mapkit.period_changes import changes, format_changes
from mapkit.publish import render_export
from mapkit.publish.site import (
    DATA_FILES,
    FIGURES_COLUMNS,
    MANIFEST_NAME,
    month_firsts,
)
from mapkit.snapshots import load_snapshots

REPO = Path(__file__).resolve().parent.parent
PAGES = ("index.html", "embed.html", "embed-codes.html")


class _Links(HTMLParser):
    """Every address a page names: (tag, attribute, value, the tag's attributes)."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str, str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("src", "href", "content"):
            if attributes.get(name) is not None:
                self.found.append((tag, name, attributes[name], attributes))


def links(page: Path) -> list[tuple[str, str, str, dict]]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


def meta(page: Path) -> dict[str, str]:
    """og:/twitter: meta and the canonical link of a page."""
    out = {}
    for tag, name, value, attributes in links(page):
        key = attributes.get("property") or attributes.get("name")
        if tag == "meta" and name == "content" and key and key.startswith(("og:", "twitter:")):
            out[key] = value
        if tag == "link" and attributes.get("rel") == "canonical":
            out["canonical"] = value
    return out


def mtimes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file()}


def copy_site(site: Path, to: Path) -> Path:
    """A copy of a published site whose files are hard links (a rebuild replaces files, so the
    original stays as it was)."""
    shutil.copytree(site, to, copy_function=os.link)
    return to


@pytest.fixture(scope="module")
def bundled():
    return load_snapshots()


@pytest.fixture(scope="module")
def latest(bundled) -> dt.date:
    return build_timeline(bundled, latest_only=True).last_date


# --- What is there -----------------------------------------------------------------------------


def test_publish_writes_every_file_the_site_promises(published_site, bundled, latest):
    site, result = published_site
    first = build_timeline(bundled).first_date
    expected = {"index.html", "embed.html", "embed.js", "embed-codes.html", MANIFEST_NAME,
                *(f"data/{name}" for name in DATA_FILES),
                "png/latest.png", "png/latest.svg",
                f"png/{latest.isoformat()}.png", f"png/{latest.isoformat()}.svg"}
    months = month_firsts(first, latest)
    assert months[0] == dt.date(2014, 4, 1) and months[-1] == dt.date(2026, 8, 1)
    for day in months:
        expected |= {f"png/{day.isoformat()}.png", f"png/{day.isoformat()}.svg"}
    present = {str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()}
    assert expected <= present, sorted(expected - present)
    assert {name for name in present if not name.startswith("assets/")} == expected
    assets = sorted(name for name in present if name.startswith("assets/"))
    assert sorted(re.sub(r"\.[0-9a-f]{10}\.", ".#.", name) for name in assets) == [
        "assets/embed.#.css", "assets/embed.#.js", "assets/site.#.css", "assets/site.#.js",
        "assets/social-card.#.png"]
    # the print maps are the exports' own, and each is the map of its date
    assert (site / "png/latest.png").read_bytes() == \
        (site / f"png/{latest.isoformat()}.png").read_bytes()
    assert Image.open(site / "png/2025-03-01.png").size[0] == 2400
    assert b"2025-03-01" in (site / "png/2025-03-01.svg").read_bytes()
    assert f"{len(present) - 1} file(s) written" in result.output  # all but the manifest


def test_pages_name_only_relative_addresses_and_assets_by_content(published_site):
    site, _ = published_site
    sources = {row["source_url"] for row in csv.DictReader(
        io.StringIO((site / "data/figures.csv").read_text(encoding="utf-8")))}
    for page in PAGES:
        for tag, attribute, value, attributes in links(site / page):
            if tag == "meta":
                continue  # social meta: absolute by design (test_social_meta_…)
            if attributes.get("rel") == "canonical":
                assert value == PUBLISHED_BASE_URL
                continue
            if tag == "a" and value in sources:
                continue  # a source's own page, which a reader may follow
            assert not re.match(r"^([a-z][a-z0-9+.-]*:|//|/)", value, re.I) \
                or value == "data:,", (page, tag, attribute, value)
            path = value.split("?")[0].split("#")[0]
            if path and value != "data:,":
                assert (site / path).is_file(), (page, value)
            if path.startswith("assets/"):
                digest = hashlib.sha256((site / path).read_bytes()).hexdigest()
                assert re.search(r"\.([0-9a-f]{10})\.", path)[1] == digest[:10], path


def test_social_meta_has_absolute_addresses_and_a_1200x630_card(published_site, bundled,
                                                                latest):
    site, _ = published_site
    found = meta(site / "index.html")
    assert found["canonical"] == found["og:url"] == PUBLISHED_BASE_URL
    card = found["og:image"]
    assert card == found["twitter:image"]
    assert re.fullmatch(re.escape(PUBLISHED_BASE_URL) + r"assets/social-card\.[0-9a-f]{10}\.png",
                        card)
    assert found["twitter:card"] == "summary_large_image"
    assert (found["og:image:width"], found["og:image:height"]) == ("1200", "630")
    image = Image.open(site / card[len(PUBLISHED_BASE_URL):])
    assert image.size == (1200, 630)
    # the alt text and description are the latest date's headline
    timeline = build_timeline(bundled, date=latest, latest_only=True)
    from mapkit.headline import headline_text
    lead = headline_text(timeline, latest)
    assert found["og:description"] == lead
    assert "19." in found["og:image:alt"] and "21 August 2026" in found["og:image:alt"]
    # its sources are that map's: 2014's reports behind the timeline's start are not
    assert "Source: DeepStateMap (computed" in found["og:image:alt"]
    assert "Reuters" not in found["og:image:alt"] and "Interfax" not in found["og:image:alt"]


def test_embed_codes_give_both_snippets_and_the_alt_text(published_site):
    site, _ = published_site
    text = (site / "embed-codes.html").read_text(encoding="utf-8")
    import html as html_module

    codes = html_module.unescape(text)
    assert (f'<iframe src="{PUBLISHED_BASE_URL}embed.html" title="Territory under Russian '
            "military control\" loading=\"lazy\" scrolling=\"no\"") in codes
    assert f'<script src="{PUBLISHED_BASE_URL}embed.js" async></script>' in codes
    assert 'style="width:100%;height:750px;border:0"></iframe>' in codes  # fixed, 640 px
    assert f'{PUBLISHED_BASE_URL}embed.html?lang=uk' in codes
    assert "Russia controls 19.4 % of Ukraine" in codes
    assert "Росія контролює 19,4 % території України" in codes
    assert (site / "embed.js").read_text().startswith("/*\n * mapkit's embed.js")


# --- The data ----------------------------------------------------------------------------------


def documented_columns(file: str) -> list[str]:
    """The columns docs/data-api.md lists for ``data/<file>``, in order."""
    text = (REPO / "docs" / "data-api.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.M)
    section = next(s for s in sections if f"`data/{file}`" in s.splitlines()[0])
    return re.findall(r"^\| `([a-z_0-9]+)` \|", section, flags=re.M)


def test_data_files_have_the_documented_columns(published_site):
    site, _ = published_site
    for file in DATA_FILES:
        documented = documented_columns(file)
        assert documented, file
        if file.endswith(".json"):
            document = json.loads((site / "data" / file).read_text(encoding="utf-8"))
            assert set(document) == set(documented) - {"boundaries"}, file
            continue
        header = next(csv.reader(io.StringIO((site / "data" / file).read_text(
            encoding="utf-8"))))
        assert header == documented, file
    assert documented_columns("figures.csv") == list(FIGURES_COLUMNS)


def test_figures_csv_holds_every_figure_as_the_library_reads_it(published_site, bundled):
    site, _ = published_site
    rows = list(csv.DictReader(io.StringIO((site / "data/figures.csv").read_text(
        encoding="utf-8"))))
    assert len(rows) == len(bundled)
    assert {r["source"] for r in rows} == set(bundled["source"])  # every series and source
    assert {r["date"] for r in rows} == {d.date().isoformat() for d in bundled["date"]}
    by_key = {(r["date"], r["region"], r["source"]): r for r in rows}
    for row in bundled.itertuples():
        found = by_key[(row.date.date().isoformat(), row.region, row.source)]
        if row.percent != row.percent:  # NaN: partial
            assert (found["status"], found["percent"]) == ("partial, no figure", "")
        else:
            assert (found["status"], float(found["percent"])) == ("figure", row.percent)
        if row.area_km2 == row.area_km2:
            assert abs(float(found["area_km2"]) - row.area_km2) <= 0.05
    crimea = by_key[("2014-03-18", "UA-43", "Annexation of Crimea (2014)")]
    assert crimea["method"] == "reported" and crimea["region_name_uk"]
    isw = [r for r in rows if r["series"] == "ISW/CTP"]
    assert isw and isw[0]["source_url"].startswith("https://")


def test_latest_and_changes_are_the_library_s(published_site, bundled, latest):
    site, _ = published_site
    without_stamp = re.compile(r",[^,\n]*,\d{4}-\d\d-\d\dT[^,\n]*Z,")
    expected = render_export("csv", bundled, date=latest).decode("utf-8")
    assert without_stamp.sub(",", (site / "data/latest.csv").read_text(encoding="utf-8")) == \
        without_stamp.sub(",", expected)
    for period in ("month", "week"):
        assert (site / f"data/changes-{period}.csv").read_text(encoding="utf-8") == \
            format_changes(changes(bundled, period=period), "csv")
    document = json.loads((site / "data/latest.json").read_text(encoding="utf-8"))
    timeline = build_timeline(bundled, date=latest, latest_only=True)
    assert document["date"] == latest.isoformat() == "2026-08-21"
    shown = {r["region"]: r["percent"] for r in document["regions"]}
    assert shown == {region.code: cell.percent
                     for region, cell in zip(timeline.regions, timeline.frame(0))}
    assert document["headline"]["percent"] == document["country"]["percent"] == 19.38
    assert document["headline"]["text"]["en"].startswith("Russia controls 19.4 % of Ukraine")


# --- Reruns ------------------------------------------------------------------------------------


def test_a_rerun_with_nothing_changed_writes_nothing(published_site, tmp_path):
    site = copy_site(published_site[0], tmp_path / "site")
    before = mtimes(site)
    result = CliRunner().invoke(cli, ["publish", str(site), "--base-url", PUBLISHED_BASE_URL])
    assert result.exit_code == 0, result.output
    assert "0 file(s) written, 0 removed" in result.output and "nothing changed" in result.output
    assert mtimes(site) == before


def test_a_rerun_after_a_new_snapshot_rewrites_only_what_changed(published_site, tmp_path):
    site = copy_site(published_site[0], tmp_path / "site")
    snapshots = tmp_path / "snapshots"
    shutil.copytree(SNAPSHOTS_DIR, snapshots)
    day = (snapshots / "deepstate" / "2026-08-21.csv").read_text(encoding="utf-8")
    new = day.replace("\n2026-08-21,", "\n2026-09-01,").replace(
        "2026-09-01,UA-14,79.90,", "2026-09-01,UA-14,80.00,").replace(",21255.6,\n",
                                                                      ",21282.1,\n")
    (snapshots / "deepstate" / "2026-09-01.csv").write_text(new, encoding="utf-8")
    before = mtimes(site)
    old_card = meta(site / "index.html")["og:image"][len(PUBLISHED_BASE_URL):]
    result = CliRunner().invoke(cli, ["publish", str(site), "--snapshots", str(snapshots),
                                      "--base-url", PUBLISHED_BASE_URL, "--workers", "1"])
    assert result.exit_code == 0, result.output
    after = mtimes(site)
    changed = {name for name in after if before.get(name) != after[name]}
    card = meta(site / "index.html")["og:image"][len(PUBLISHED_BASE_URL):]
    assert card != old_card
    assert changed == {
        "data/figures.csv", "data/latest.csv", "data/latest.json", "data/changes-month.csv",
        "data/changes-week.csv",
        "png/2026-09-01.png", "png/2026-09-01.svg",  # the new date, a month's first
        "png/latest.png", "png/latest.svg",
        card, "index.html", "embed.html", "embed-codes.html", MANIFEST_NAME,
    }
    # the map of the date that is no longer the latest is gone; the last card stays a build
    assert set(before) - set(after) == {"png/2026-08-21.png", "png/2026-08-21.svg"}
    assert (site / old_card).is_file()
    for name in ("removed png/2026-08-21.png", "wrote png/2026-09-01.png", "wrote index.html"):
        assert name in result.output
    assert "Donetsk" in (site / "data/latest.csv").read_text(encoding="utf-8")
    assert "2026-09-01,UA-14,Donetsk,Донецька область,80,figure," in \
        (site / "data/latest.csv").read_text(encoding="utf-8")
    # the months before stand as they were
    assert after["png/2026-08-01.png"] == before["png/2026-08-01.png"]


# --- Refusals ----------------------------------------------------------------------------------


def test_the_site_at_the_raion_level_maps_raions_with_the_library_s_figures(
        published_raion_site, raion_snapshots):
    """``mapkit publish --level raion``: the reader's page, embed, data and print maps of the
    138 raions, their oblast as parent, the library's figures, and the whole country's row as
    at the oblast level."""
    site, result = published_raion_site
    raions = load_snapshots([str(raion_snapshots)], level="raion")
    oblasts = load_snapshots([str(raion_snapshots)])
    level = get_level("raion")
    present = {str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()}
    assert {name for name in present if not name.startswith("assets/")} == {
        "index.html", "embed.html", "embed.js", "embed-codes.html", MANIFEST_NAME,
        *(f"data/{name}" for name in DATA_FILES), "png/latest.png", "png/latest.svg",
        "png/2026-08-16.png", "png/2026-08-16.svg"}
    # figures.csv: every raion of every date as the library reads it, with its oblast
    rows = list(csv.DictReader(io.StringIO((site / "data/figures.csv").read_text(
        encoding="utf-8"))))
    assert len(rows) == len(raions) == 3 * (len(level.codes) + 1)
    assert {r["level"] for r in rows} == {"raion"}
    timeline = build_timeline(raions, date="2026-08-09", latest_only=True, level="raion")
    on_day = {r["region"]: r for r in rows if r["date"] == "2026-08-09"}
    assert len(timeline.regions) == 138
    for region, cell in zip(timeline.regions, timeline.frame(0)):
        row = on_day[region.code]
        assert row["region_name_en"] == region.name_en
        assert row["parent"] == level.unit(region.code).parent
        assert (float(row["percent"]) if row["percent"] else None) == cell.percent
    pokrovskyi = next(r for r in on_day.values() if r["region_name_en"] == "Pokrovskyi Raion"
                      and r["parent"] == "UA-14")
    assert 0 < float(pokrovskyi["percent"]) < 100
    assert "OpenStreetMap" in pokrovskyi["boundaries"]
    # the whole country's row is the oblast level's
    country = oblasts[(oblasts["region"] == "UA")
                      & (oblasts["date"] == "2026-08-09")]["percent"].item()
    assert float(on_day["UA"]["percent"]) == country
    document = json.loads((site / "data/latest.json").read_text(encoding="utf-8"))
    assert (document["level"], document["date"], len(document["regions"])) == \
        ("raion", "2026-08-16", 138)
    assert {r["parent"] for r in document["regions"]} == set(get_level().codes) - {"UA"}
    assert document["country"]["percent"] == oblasts[
        (oblasts["region"] == "UA") & (oblasts["date"] == "2026-08-16")]["percent"].item()
    week = (site / "data/changes-week.csv").read_text(encoding="utf-8")
    assert week == format_changes(changes(raions, period="week", level="raion"), "csv")
    assert ",Pokrovskyi Raion," in week and ",UA-14,Donetsk" in week
    # the pages draw the raions and credit their boundaries; so do the print maps
    for page in ("index.html", "embed.html"):
        text = (site / page).read_text(encoding="utf-8")
        assert len(re.findall(r'<path id="mk-UA\d{17}"', text)) == 138, page
        assert "OpenStreetMap" in text, page
    assert b"OpenStreetMap" in (site / "png/2026-08-16.svg").read_bytes()
    assert Image.open(site / "png/latest.png").size[0] == 2400
    # the social card paints the raions in their figures' colours: Crimea's in the darkest
    # class, Lviv oblast's in the lightest (never the oblasts in a colour of no class)
    card = meta(site / "index.html")["og:image"][len(PUBLISHED_BASE_URL):]
    image = Image.open(site / card).convert("RGB")
    pixels = {"#{:02x}{:02x}{:02x}".format(*rgb)
              for _, rgb in image.getcolors(maxcolors=1 << 20)}
    latest = build_timeline(raions, latest_only=True, level="raion")
    colours = {region.name_en: cell.colour
               for region, cell in zip(latest.regions, latest.frame(0))}
    assert {colours["Bakhchysaraiskyi Raion"], colours["Lvivskyi Raion"]} <= pixels
    assert colours["Bakhchysaraiskyi Raion"] != colours["Lvivskyi Raion"]
    assert "#1f77b4" not in pixels  # matplotlib's own blue: a unit left unstyled


@pytest.mark.parametrize("url, problem", [
    ("example.org/map/", "is not an absolute http(s) address"),
    ("javascript:alert(1)", "is not an absolute http(s) address"),
    ("https://example.org/map/?x=1", "has a query or fragment"),
    ("https://example.org/my map/", "holds a space"),
])
def test_a_base_url_that_is_no_site_address_is_refused(tmp_path, url, problem):
    result = CliRunner().invoke(cli, ["publish", str(tmp_path / "site"), "--base-url", url])
    assert result.exit_code == 2
    assert problem in result.output and "nothing was written" in result.output
    assert not (tmp_path / "site").exists()


def test_without_base_url_the_site_says_what_is_left_out(tmp_path):
    """A small series (three weekly maps): no canonical URL, no og:image, and the command
    says so; embed-codes.html gives relative addresses."""
    snapshots = tmp_path / "snapshots"
    snapshots.mkdir()
    for name in ("2026-08-02.csv", "2026-08-09.csv", "2026-08-16.csv", "series.toml"):
        shutil.copy(SNAPSHOTS_DIR / "deepstate" / name, snapshots / name)
    result = CliRunner().invoke(cli, ["publish", str(tmp_path / "site"), "--snapshots",
                                      str(snapshots), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "no --base-url: index.html has no canonical URL and no og:image" in result.output
    found = meta(tmp_path / "site" / "index.html")
    assert "og:image" not in found and "canonical" not in found and "og:url" not in found
    assert found["og:title"] and found["twitter:card"] == "summary_large_image"
    codes = (tmp_path / "site" / "embed-codes.html").read_text(encoding="utf-8")
    assert 'src="embed.html"' in codes.replace("&#34;", '"').replace("&quot;", '"')
    assert "without --base-url" in codes
    assert sorted(p.name for p in (tmp_path / "site" / "png").iterdir()) == [
        "2026-08-16.png", "2026-08-16.svg", "latest.png", "latest.svg"]


def test_the_site_is_not_written_into_its_snapshots(tmp_path):
    snapshots = tmp_path / "snapshots"
    shutil.copytree(SNAPSHOTS_DIR / "reported", snapshots)
    result = CliRunner().invoke(cli, ["publish", str(snapshots / "site"), "--snapshots",
                                      str(snapshots)])
    assert result.exit_code == 2
    assert "inside a snapshots folder" in result.output
    assert not (snapshots / "site").exists() or not any((snapshots / "site").iterdir())


def test_a_second_publish_into_a_folder_being_written_stops_and_says_so(tmp_path):
    (tmp_path / "index.html").write_text("the site as it was", encoding="utf-8")
    fcntl = pytest.importorskip("fcntl")
    held = os.open(tmp_path, os.O_RDONLY)  # as a running `mapkit publish` holds it
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = CliRunner().invoke(cli, ["publish", str(tmp_path)])
    finally:
        os.close(held)
    assert result.exit_code == 2
    assert f"another `mapkit publish` is writing {tmp_path}" in result.output
    assert (tmp_path / "index.html").read_text(encoding="utf-8") == "the site as it was"
