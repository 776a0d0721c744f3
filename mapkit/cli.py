"""The ``mapkit`` command line: a thin shell over the library.

The library raises; this module prints, draws progress bars and chooses exit codes: 0 success,
1 invalid data found (``validate``, or snapshots ``export`` cannot use; dates ``update`` rejected
or could not fetch), 2 bad usage or unknown names, 3 no network at all (``update``), 4 a stale
source (``update``: no map for more than ``--max-age`` days), 5 ``update``'s folder or cache
cannot be written. The
``--format`` and ``--lang`` choices come from the library (:mod:`mapkit.publish.formats`,
:data:`mapkit.i18n.LANGUAGES`).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click

from mapkit import __version__
from mapkit.i18n import LANGUAGES
from mapkit.levels import DEFAULT_LEVEL, LEVEL_NAMES
from mapkit.publish.formats import FORMATS, formats_help


def _level_option(help_text: str, *, many: bool = False):
    """``--level``: one of the levels (:mod:`mapkit.levels`); with ``many``, repeatable and
    ``all`` too (``compute``, ``update``: one pass over the polygons for every level)."""
    if many:
        return click.option("--level", "levels", multiple=True, metavar="LEVEL",
                            type=click.Choice([*LEVEL_NAMES, "all"], case_sensitive=False),
                            help=help_text + f" One of {', '.join(LEVEL_NAMES)} or all; "
                                             "repeatable. [default: oblast]")
    return click.option("--level", type=click.Choice(LEVEL_NAMES, case_sensitive=False),
                        default=DEFAULT_LEVEL, show_default=True, help=help_text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mapkit")
def cli() -> None:
    """Who controls which part of Ukraine, and how that changed over time.

    Region boundaries, dated and sourced control percentages, computed timelines and map exports.
    """


@cli.command()
@click.argument("names", nargs=-1, required=True)
@_level_option("Whose names: the 27 regions (oblast), the raions or the hromadas (a town's "
               "name finds its hromada or raion: Huliaipole, Pokrovsk).")
def resolve(names: tuple[str, ...], level: str) -> None:
    """Resolve NAMES (codes, English, Ukrainian, Russian-era spellings; at the raion and
    hromada levels also towns) to the codes of a level's units.

    Prints one line per name: the name as given, the code, the English and Ukrainian names,
    and for a raion or hromada its oblast. Exits with code 2 if any name is unknown (with the
    closest suggestions) or fits several units (each named with its oblast).
    """
    from mapkit.levels import AmbiguousNameError, get_level
    from mapkit.regions import UnknownRegionError

    chosen = get_level(level)
    failed = False
    for name in names:
        try:
            unit = chosen.resolve(name)
        except (UnknownRegionError, AmbiguousNameError) as error:
            click.echo(f"error: {error}", err=True)
            failed = True
            continue
        parent = chosen.parent_of(unit.code)
        click.echo(f"{name}\t{unit.code}\t{unit.name_en}\t{unit.name_uk}"
                   + (f"\t{parent.code} {parent.name_en}" if parent is not None else ""))
    if failed:
        sys.exit(2)


@cli.command()
@_level_option("The units to list: the 27 regions (oblast), the raions or the hromadas "
               "(with a unit wherever there is no hromada).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="table for reading, csv or json for other programs.")
def regions(level: str, fmt: str) -> None:
    """List a level's units: code, English and Ukrainian names, kind, oblast, area in km².

    The columns are the unit table's (docs/data.md): code, name_en, name_uk, kind, parent
    (the oblast's ISO code; empty for an oblast), raion (hromadas: the raion's code) and
    area_km2 (in our boundaries, the area a computed percentage is of). The table shows the
    oblast's name beside a raion or hromada: names repeat across oblasts.
    """
    from mapkit.levels import get_level, unit_table

    chosen = get_level(level)
    table = unit_table(chosen)
    if fmt != "table":
        from mapkit.levels import format_unit_table

        click.echo(format_unit_table(table, fmt), nl=False)
        return
    if chosen.name == DEFAULT_LEVEL:
        click.echo(f"{'code':<6} {'name':<16} {'Ukrainian name':<26} {'area km²':>9}")
        for row in table:
            click.echo(f"{row['code']:<6} {row['name_en']:<16} {row['name_uk']:<26} "
                       f"{row['area_km2']:>9,.0f}")
        return
    width = max(len(row["name_en"]) for row in table)
    width_uk = max(len(row["name_uk"]) for row in table)
    click.echo(f"{'code':<24} {'name':<{width}} {'Ukrainian name':<{width_uk}} "
               f"{'oblast':<16} {'area km²':>9}")
    for row in table:
        click.echo(f"{row['code']:<24} {row['name_en']:<{width}} {row['name_uk']:<{width_uk}} "
                   f"{row['parent_name']:<16} {row['area_km2']:>9,.1f}")
    click.echo(f"{len(table):,} {chosen.plural}; boundaries {chosen.credit} "
               f"({chosen.licence})")


#: Problems (and notes) ``mapkit validate`` prints unless told otherwise.
SHOWN_PROBLEMS = 100


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--quiet", "-q", is_flag=True, help="Print problems only, not the notes.")
@click.option("--limit", type=click.IntRange(min=0), default=SHOWN_PROBLEMS, show_default=True,
              help="Print at most this many problems (and notes); 0 prints them all.")
@click.option("--level", type=click.Choice(LEVEL_NAMES, case_sensitive=False), default=None,
              help="Check only this level's files, and files named directly as its figures "
                   "[default: every level's, each by its folder: raion/ and hromada/ hold "
                   "those levels' figures, any other folder the oblasts'].")
def validate(paths: tuple[str, ...], quiet: bool, limit: int, level: str | None) -> None:
    """Check snapshot CSV files (default: data/control_snapshots/).

    Checks columns, dates, regions (any spelling; noted with its ISO code), 0 ≤ percent ≤ 100 or
    'partial', methods, sources (and notes) a spreadsheet would not take for a formula,
    duplicate regions per date and source, and the series.toml beside them (how long a figure
    stands: docs/data.md). A raion's or hromada's figures must name its KATOTTG code (or its
    name), and a computed snapshot at those levels must end with its row UA, which says that
    the units it does not list are 0 %. Every problem is printed as file:line: what is
    wrong (the first --limit of them, then how many more). Exits 1 if there are any.
    """
    from mapkit.snapshots import validate_paths

    report = validate_paths(paths or None, level)
    if not quiet:
        _echo_capped([f"note: {note}" for note in report.notes[:limit or None]],
                     len(report.notes), "note(s)")
    _echo_capped([str(problem) for problem in report.problems[:limit or None]],
                 len(report.problems), "problem(s)", err=True)
    summary = (f"{len(report.files)} file(s), {report.rows} valid row(s), "
               f"{len(report.problems)} problem(s)")
    if report.problems:
        click.echo(summary, err=True)
        sys.exit(1)
    click.echo(summary)


@cli.command()
@click.option("--format", "fmt", required=True, type=click.Choice(list(FORMATS)),
              help=formats_help())
@click.option("--date", "date", metavar="YYYY-MM-DD",
              help="One date: each region's latest figure on or before it while it still "
                   "stands (its series' cadence, docs/data.md); the map says \"Figures as of "
                   "…\" when they are older than the date. Where the series has no map for "
                   "the date, the map is another series' that has one, and says so; with "
                   "--source, or when no series has one: exit 2, naming the series that has.")
@click.option("--from", "date_from", metavar="YYYY-MM-DD",
              help="First snapshot date to include (with or without --to).")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Last snapshot date to include.")
@click.option("--source", help="The series to map: a source's name, or a name from the "
                               "snapshots' series column. Default: the densest computed series "
                               "(DeepStateMap). Other sources' figures are shown beside it "
                               "(tooltips, csv), never in its colours.")
@click.option("--compare", "compare", metavar="SERIES",
              help="With --format csv: this series beside the map's (--source), region by "
                   "region, each figure with its own date and source (\"no map\" where a "
                   "series has none for the day), and the difference in pp and km². Dates: "
                   "--date, or --from/--to (default: the days both series span). Columns: "
                   "docs/exports.md.")
@click.option("--title", help="Title shown on the map (default: what the map shows).")
@click.option("--subtitle", help="Line under the title.")
@click.option("--credit", help="Credit line, e.g. your newsroom and name.")
@click.option("--lang", type=click.Choice(LANGUAGES), default=LANGUAGES[0], show_default=True,
              help="Language of the interface text and region names (the embed carries "
                   "every language and opens in this one; ?lang= picks another).")
@click.option("--data-url", metavar="URL",
              help="embed: the address of its figures as CSV, for its \"Get the data\" link "
                   "[default: the CSV written beside it, OUT with .csv].")
@click.option("--tiles/--no-tiles", default=None,
              help="html: draw the OpenStreetMap basemap, loaded from the internet (the page "
                   "says so) [default: --tiles]; --no-tiles asks no other host for anything.")
@click.option("--frames", type=click.IntRange(min=2), metavar="N",
              help="gif: at most this many frames, spread evenly over the dates by time "
                   "[default: 60].")
@click.option("--seconds", type=click.FloatRange(min=0, min_open=True), metavar="S",
              help="gif: length of the clip, the last frame held 2 s [default: 12].")
@click.option("--snapshots", "snapshot_paths", multiple=True, type=click.Path(exists=True),
              help="Snapshot CSV files or folders (default: data/control_snapshots/). Repeatable.")
@_level_option("The units the map shows: the 27 regions (oblast), the raions or the "
               "hromadas (their snapshots: the raion/ and hromada/ folders).")
@click.option("--focus", metavar="OBLAST",
              help="png/svg at --level raion or hromada: draw one oblast's units large (its "
                   "ISO code, UA-14, or name); the map's extent is that oblast, its "
                   "neighbours grey.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="File to write; replaced atomically, never left half-written.")
def export(fmt, date, date_from, date_to, source, compare, title, subtitle, credit, lang,
           data_url, tiles, frames, seconds, snapshot_paths, level, focus, out) -> None:
    """Export the map for a story: interactive HTML, an embed, PNG/SVG, GIF or CSV.

    The embed is written with the CSV of its figures beside it (its "Get the data" link), and
    the command prints two ways to paste it: an iframe that takes the map's height, and one of
    a fixed height for pages that allow no script. Its URL flags (?date=, lang, region, dark,
    plain, static): docs/exports.md.

    \b
    Examples:
      mapkit export --format embed --out map.html
      mapkit export --format png --date 2025-03-17 --credit "Our newsroom" --out map.png
      mapkit export --format gif --from 2024-01-01 --source DeepStateMap --out map.gif
      mapkit export --format csv --compare ISW/CTP --out compare.csv
      mapkit export --format png --level hromada --focus UA-14 --out donetsk.png
    """
    from mapkit.files import write_problem
    from mapkit.publish import (
        ExportInputError,
        check_export_focus,
        check_export_level,
        check_export_target,
        check_export_texts,
        iframe_snippet,
        write_embed,
        write_export,
    )
    from mapkit.publish.embed import fixed_height
    from mapkit.snapshots import SnapshotError, load_snapshots

    out = Path(out)
    with _refusing_bad_options():
        check_export_texts(title=title, subtitle=subtitle, credit=credit)
        check_export_level(fmt, level)
        focus = check_export_focus(fmt, level, focus)
    try:
        check_export_target(out, list(snapshot_paths))
        snapshots = load_snapshots(list(snapshot_paths) or None, level=level)
    except ExportInputError as error:
        click.echo(f"error: {error}; nothing was written.", err=True)
        sys.exit(2)
    except SnapshotError as error:
        _echo_capped([str(p) for p in error.problems[:SHOWN_PROBLEMS]], len(error.problems),
                     "problem(s)", err=True)
        click.echo("error: the snapshots are invalid; nothing was written. Fix the lines above "
                   "(`mapkit validate` checks them).", err=True)
        sys.exit(1)
    options = dict(date=date, date_from=date_from, date_to=date_to, source=source, title=title,
                   subtitle=subtitle, credit=credit, lang=lang, frames=frames, seconds=seconds)
    if compare is not None:
        options["compare"] = compare
    if focus is not None:
        options["focus"] = focus
    if tiles is not None:
        options["tiles"] = tiles
    if data_url is not None and fmt != "embed":
        click.echo(f"error: --data-url is the embed's \"Get the data\" link: {fmt} has none "
                   "(use --format embed); nothing was written.", err=True)
        sys.exit(2)
    written = [out]
    try:
        if fmt == "embed":
            written = [path for path in write_embed(snapshots, out, data_url=data_url, **options)
                       if path is not None]
        elif FORMATS[fmt].reports_progress:
            with click.progressbar(length=1, label="Drawing frames", file=sys.stderr) as bar:
                def progress(done: int, total: int) -> None:
                    bar.length = total
                    bar.update(done - bar.pos)

                write_export(fmt, snapshots, out, progress=progress, **options)
        else:
            write_export(fmt, snapshots, out, **options)
    except ExportInputError as error:
        click.echo(f"error: {error}; nothing was written.", err=True)
        sys.exit(2)
    except OSError as error:
        click.echo(f"error: {write_problem(error, out)}; nothing was written.", err=True)
        sys.exit(2)
    size = out.stat().st_size
    click.echo(f"wrote {out} ({size / 1024:,.0f} KB, {fmt})")
    for extra in written[1:]:
        click.echo(f"wrote {extra} ({extra.stat().st_size / 1024:,.0f} KB, csv: the embed's "
                   "\"Get the data\" link; upload it beside the embed)")
    if fmt == "embed":
        codes = iframe_snippet(out.name, title=title, lang=lang)
        click.echo("Paste this where the map should appear (upload the file next to the story "
                   "and change src to its address); it takes the map's height:")
        click.echo(codes.resizing)
        heights = ", ".join(f"{width} px wide: {fixed_height(width)} px"
                            for width in (320, 640, 1200))
        click.echo(f"Where the page allows no script, this one has a fixed height for a 640 px "
                   f"column ({heights}; the map fits into it):")
        click.echo(codes.fixed)


@cli.command()
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--snapshots", "snapshot_paths", multiple=True, type=click.Path(exists=True),
              help="Snapshot CSV files or folders (default: data/control_snapshots/). Repeatable.")
@click.option("--base-url", metavar="URL",
              help="The address OUT will be served from, e.g. https://example.org/ukraine-map/: "
                   "the page's canonical URL and its social card's (og:image must be absolute). "
                   "Without it, shared links show no picture, and embed-codes.html gives "
                   "relative addresses.")
@click.option("--lang", type=click.Choice(LANGUAGES), default=LANGUAGES[0], show_default=True,
              help="Language the pages are written in (each switches with ?lang=), and of the "
                   "print maps and the changes' sentences.")
@_level_option("The units mapped: the 27 regions (oblast), the raions or the hromadas, where "
               "the embed and the print maps draw them.")
@click.option("--title", help="Title of the map (default: what the map shows).")
@click.option("--subtitle", help="Line under the title.")
@click.option("--credit", help="Credit line, e.g. your newsroom and name.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes drawing the print maps [default: all cores].")
def publish(out, snapshot_paths, base_url, lang, level, title, subtitle, credit,
            workers) -> None:
    """Build a static site in OUT for any web host or CDN: no server-side code.

    OUT gets index.html (the reader's page: map with slider and play, headline, change by
    month, table of the date shown, sources, English and Ukrainian; permalinks such as
    ?date=2025-03-17&lang=uk&region=UA-14), embed.html and embed.js (the embed and its
    loader), embed-codes.html (the code to paste), data/ (figures.csv, latest.csv,
    latest.json, changes-month.csv, changes-week.csv: docs/data-api.md), png/ (latest.png,
    and a PNG and SVG of every month's first) and assets/ (named by content: cache them
    forever). A rerun writes only what changed since the last (after `mapkit update`: the
    new date's files), each file whole. Serving it, and its cache headers: docs/publish.md.

    \b
    Examples:
      mapkit publish site/ --base-url https://example.org/ukraine-map/
      mapkit publish site/ --lang uk --credit "Our newsroom"
    """
    from mapkit.files import write_problem
    from mapkit.publish import ExportInputError, check_export_texts
    from mapkit.publish.site import check_base_url, check_site_level, publish_site
    from mapkit.snapshots import SnapshotError, load_snapshots

    with _refusing_bad_options():
        check_export_texts(title=title, subtitle=subtitle, credit=credit)
        check_base_url(base_url)
        check_site_level(level)
    try:
        snapshots = load_snapshots(list(snapshot_paths) or None, level=level)
    except SnapshotError as error:
        _echo_capped([str(p) for p in error.problems[:SHOWN_PROBLEMS]], len(error.problems),
                     "problem(s)", err=True)
        click.echo("error: the snapshots are invalid; nothing was written. Fix the lines above "
                   "(`mapkit validate` checks them).", err=True)
        sys.exit(1)
    bar = _progress_bar("publishing", "file")
    try:
        report = publish_site(snapshots, out, base_url=base_url, lang=lang, level=level,
                              title=title, subtitle=subtitle, credit=credit, workers=workers,
                              progress=lambda done, total: bar.update(done - bar.n),
                              on_total=lambda n: setattr(bar, "total", n) or bar.refresh())
    except ExportInputError as error:
        _fail(f"{error}; the site in {out} is as it was", 2, bar)
    except OSError as error:
        _fail(f"{write_problem(error, Path(out))}; every file written is whole, and a rerun "
              "finishes the site", 2, bar)
    bar.close()
    for line in report.skipped:
        click.echo(f"note: no map for {line}", err=True)
    for line in report.notes:
        click.echo(f"note: {line}", err=True)
    changed = len(report.written) + len(report.removed)
    click.echo(f"{out}: {len(report.written)} file(s) written, {len(report.removed)} removed, "
               f"{report.unchanged} unchanged, in {report.seconds:.1f} s"
               + ("" if changed else " (nothing changed)"))
    for name in report.written if len(report.written) <= 30 else []:
        click.echo(f"  wrote {name}")
    for name in report.removed:
        click.echo(f"  removed {name}")


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the snapshot CSVs, one per date (YYYY-MM-DD.csv).")
@click.option("--source", default=None,
              help="Source name written in every row (who drew the polygons) [default: "
                   "DeepStateMap or ISW/CTP for input recognised as DeepStateMap's or ISW/CTP's "
                   "own files; otherwise the input's file name, and the summary says so].")
@click.option("--source-url", default=None,
              help="Source link written in every row [default: https://deepstatemap.live or "
                   "https://www.understandingwar.org for input recognised as DeepStateMap's or "
                   "ISW/CTP's; none otherwise].")
@click.option("--date", metavar="YYYY-MM-DD",
              help="Date of a single input that has none in its name or properties.")
@click.option("--force", is_flag=True, help="Recompute dates already written in --out.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes to use [default: all cores].")
@click.option("--allow-empty", is_flag=True,
              help="Write 0 % for an input whose polygons cover none of Ukraine, instead of "
                   "failing it (it usually means a wrong file or swapped coordinates).")
@_level_option("The units to compute: the 27 regions (OUT/YYYY-MM-DD.csv), the raions "
               "(OUT/raion/) or the hromadas (OUT/hromada/); several or all in one pass over "
               "the polygons.", many=True)
def compute(inputs, out_dir, source, source_url, date, force, workers, allow_empty,
            levels) -> None:
    """Compute percent occupied and contested per region from front-line polygon files.

    INPUT is a file, a folder or a glob: DeepStateMap raw dumps (layers classified by name),
    its daily occupied-area files, or any GeoJSON/GeoPackage of occupied areas (GeoJSON may be
    gzip-compressed, .geojson.gz or .json.gz, as `mapkit update --cache` keeps it). The date comes
    from --date, a 'date' property or the file name. Writes one snapshot CSV per date (method
    'computed'), skipping dates already written unless --force; the rows follow the rules of
    `mapkit validate`. With --level raion, hromada or all, each file is read once and
    measured at every level asked for; the row UA (Ukraine as a whole) is the same at every
    level. An input covering none of Ukraine fails (exit 1) unless --allow-empty.
    Ctrl-C or SIGTERM stops every worker and leaves no temporary file. Method:
    docs/methodology.md.

    \b
    Examples:
      mapkit compute ../shared/deepstate/daily --out data/control_snapshots/deepstate
      mapkit compute "dumps/*.json" --out out/ --force
      mapkit compute my_front.gpkg --date 2025-03-17 --source "My team" --out out/
      mapkit compute ../shared/deepstate/daily --level all --out /tmp/levels
    """
    from mapkit.ingest.runner import InputError, OutputError, compute_timeline

    bar = _progress_bar("computing", "file")
    try:
        summary = compute_timeline(inputs, out_dir, source=source, source_url=source_url,
                                   date=date, force=force, workers=workers,
                                   progress=bar.update,
                                   on_total=lambda n: setattr(bar, "total", n) or bar.refresh(),
                                   on_stage=lambda step: bar.set_postfix_str(step),
                                   allow_empty=allow_empty, levels=levels or None)
    except (InputError, OutputError) as error:
        _fail(error, 2, bar)
    bar.close()
    _echo_summary(summary)
    if summary.failed:
        sys.exit(1)


def _echo_capped(lines: list[str], total: int, what: str, err: bool = False) -> None:
    """Print ``lines`` (the first of ``total``) in one write, then how many were left out."""
    if lines:
        click.echo("\n".join(lines), err=err)
    if total > len(lines):
        click.echo(f"… and {total - len(lines):,} more {what} (--limit 0 prints all)", err=err)


@cli.command()
@click.option("--snapshots", "snapshot_paths", multiple=True, type=click.Path(exists=True),
              help="Snapshot CSV files or folders (default: data/control_snapshots/). Repeatable.")
@click.option("--source", help="The series to measure (a name from the snapshots' source "
                               "column). Default: the densest computed series (DeepStateMap).")
@click.option("--from", "date_from", metavar="YYYY-MM-DD",
              help="First day to cover: periods that overlap --from … --to are shown.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD",
              help="Last day to cover: the period that ends on it is shown, the one that "
                   "begins on it is not (--to 2026-01-01 ends with December 2025).")
@click.option("--period", type=click.Choice(["week", "month", "year"]), default="month",
              show_default=True,
              help="Weeks run Monday to Monday, months from the 1st to the 1st, years from "
                   "1 January.")
@click.option("--region", "regions", multiple=True, metavar="CODE",
              help="A region (any spelling; UA = the whole country). Repeatable. Default: UA and "
                   "every region with territory under Russian control.")
@click.option("--changed-only/--all-regions", "changed_only", default=None,
              help="Leave out the rows of regions whose area did not change over the period "
                   "(UA always stays) [default: --changed-only for --format table without "
                   "--region, else --all-regions].")
@click.option("--lang", type=click.Choice(LANGUAGES), default=LANGUAGES[0], show_default=True,
              help="Language of the region names and of the sentences.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="table for reading, csv or json for other programs.")
@_level_option("The units measured: the 27 regions (oblast), the raions or the hromadas "
               "(their snapshots: the raion/ and hromada/ folders).")
@click.option("--top", type=click.IntRange(min=1), default=None, metavar="N",
              help="Keep, of each period, UA and the N units whose area changed most (by "
                   "absolute km²); without --from/--to, the newest period only: where the "
                   "front moved this month.")
def changes(snapshot_paths, source, date_from, date_to, period, regions, changed_only, lang,
            fmt, level, top) -> None:
    """km² and share under Russian control at each period's start and end, and the change.

    Columns: period_start, period_end, region, km2_start, km2_end, change_km2, percent_start,
    percent_end, largest_since (the start of the last earlier period with a larger gain, for a
    gain, or a larger loss, for a loss; empty if none), region_name (in --lang),
    largest_since_kind (gain, loss, or empty: no change), complete (false for the period
    under way, measured to the newest snapshot: "to date") and summary (the row in a sentence
    to quote, e.g. "Russia gained 506 km² in November 2025, the largest monthly gain since
    July 2025."). Each boundary's figures are the latest snapshot on or before it; where there
    is none, the figures are empty ("no figure"), never guessed. Method: docs/methodology.md.

    \b
    Examples:
      mapkit changes --from 2025-01-01 --to 2025-12-31
      mapkit changes --period week --region UA --region Donetsk --from 2026-06-01
      mapkit changes --period year --format csv > years.csv
      mapkit changes --level raion --period month --top 10
    """
    from mapkit.period_changes import ChangesError, InvalidSnapshotsError, format_changes
    from mapkit.period_changes import changes as changes_table

    if changed_only is None:
        changed_only = fmt == "table" and not regions
    try:
        table = changes_table(list(snapshot_paths) or None, source=source, date_from=date_from,
                              date_to=date_to, period=period, regions=regions or None,
                              lang=lang, changed_only=changed_only, level=level, top=top)
    except ChangesError as error:
        _fail(error, 1 if isinstance(error, InvalidSnapshotsError) else 2)
    click.echo(format_changes(table, fmt), nl=False)


def _date_option(ctx, param, value):
    """A YYYY-MM-DD option as a date (click exits 2 with the option's name when it is not)."""
    if value is None:
        return None
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD.") from None


class _Size(click.ParamType):
    """A size in bytes: ``50MB``, ``2GB``, ``500KB`` (powers of 1000) or a number of bytes."""

    name = "size"
    _UNITS = {"": 1, "B": 1, "KB": 10**3, "K": 10**3, "MB": 10**6, "M": 10**6, "GB": 10**9,
              "G": 10**9}

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        import re

        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", str(value))
        unit = match[2].upper() if match else None
        if not match or unit not in self._UNITS or float(match[1]) * self._UNITS[unit] < 1:
            self.fail(f"{value!r} is not a size; write e.g. 50MB, 2GB, 500KB or a number of "
                      "bytes", param, ctx)
        return int(float(match[1]) * self._UNITS[unit])


@cli.command()
@click.option("--source", "source_spec", default="deepstate", show_default=True,
              metavar="NAME|URL|FOLDER",
              help="Where the polygons come from: 'deepstate' (DeepStateMap's API), 'mirror' "
                   "(daily files of a DeepStateMap mirror), 'isw' (ISW/CTP's assessed-control "
                   "layer, dated by its last edit), a URL template with {date:%Y%m%d}, a URL, "
                   "or a folder of GeoJSON/GeoPackage files.")
@click.option("--since", type=str, callback=_date_option, metavar="YYYY-MM-DD",
              help="First date wanted [default: the day after the folder's newest; a new "
                   "folder gets the newest map only].")
@click.option("--until", type=str, callback=_date_option, metavar="YYYY-MM-DD",
              help="Last date wanted [default: today].")
@click.option("--every", type=click.Choice(["day", "week"]),
              help="One snapshot a day, or a week (the week's last map) [default: the "
                   "folder's cadence].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder of snapshot CSVs to bring up to date [default: the bundled "
                   "data/control_snapshots/deepstate/, or isw/ for --source isw].")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False),
              help="Keep every raw response here, compressed (a rerun downloads nothing twice; "
                   "`mapkit compute CACHE/<source>` reproduces the figures offline).")
@click.option("--base-url", help="Another address for a named source, e.g. "
                                 "https://deepstatemap.live/api for 'deepstate', the layer's "
                                 "…/FeatureServer/<n> for 'isw' (a mirror, a proxy, a test "
                                 "server).")
@click.option("--force", is_flag=True,
              help="Write maps whose occupied area changed by more than --max-change.")
@click.option("--dry-run", is_flag=True,
              help="Say what would be fetched; download no map and write nothing.")
@click.option("--name", help="Source name written in every row [default: DeepStateMap for "
                             "'deepstate' and 'mirror', ISW/CTP for 'isw', else the "
                             "folder's].")
@click.option("--max-change", type=click.FloatRange(min=0), default=2.0, show_default=True,
              metavar="PERCENT",
              help="Largest change of the occupied area in Ukraine from the previous date "
                   "accepted without --force.")
@click.option("--max-age", type=click.IntRange(min=0), default=7, show_default=True,
              metavar="DAYS",
              help="Exit 4 (the source is stale) when the newest map, the folder's or the "
                   "source's, is more days than this before --until (today): a schedule then "
                   "notices a source that stopped. 0: never.")
@click.option("--rate", type=click.FloatRange(min=0), default=1.0, show_default=True,
              metavar="N", help="At most this many requests a second (0: no limit).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0,
              show_default=True, metavar="SECONDS",
              help="Longest one request may take, by the clock: connecting, headers, body and "
                   "redirects included (a server sending a byte at a time is cut off too).")
@click.option("--max-bytes", type=_Size(), default="50MB", show_default=True, metavar="SIZE",
              help="Largest answer read, decoded (a gzip bomb stops here), e.g. 50MB, 2GB, "
                   "500KB or a number of bytes; a larger Content-Length is refused unread.")
@click.option("--allow-redirect-host", "redirect_hosts", multiple=True, metavar="HOST",
              help="A host a redirect may lead to besides the source's own (redirects to "
                   "other hosts, and from https to http, are refused). Repeatable.")
@click.option("--retries", type=click.IntRange(min=0), default=4, show_default=True,
              metavar="N", help="Tries again after a 5xx, a 429, a reset, a truncated body or a "
                                "timeout (a failure to connect at all: once).")
@click.option("--backoff", type=click.FloatRange(min=0), default=1.0, show_default=True,
              metavar="SECONDS", help="First wait before trying again (then doubled each time); "
                                      "Retry-After wins when the server sends one.")
@_level_option("The levels each new map is computed at, as `mapkit compute --level` does "
               "(OUT/raion/, OUT/hromada/ beside the oblasts' files) [default: oblast, and "
               "every finer level the folder already has].", many=True)
def update(source_spec, since, until, every, out_dir, cache_dir, base_url, force, dry_run,
           name, max_change, max_age, rate, timeout, max_bytes, redirect_hosts, retries,
           backoff, levels) -> None:
    """Bring a folder of snapshot CSVs up to date: fetch new maps, compute, write.

    Asks the source which dates it has, downloads only those the folder lacks (at the folder's
    cadence unless --every says otherwise), computes them exactly as `mapkit compute` does and
    writes one CSV per date, atomically, as each is done (a rerun resumes). A map that is not
    valid GeoJSON, holds no occupied area, or whose occupied area in Ukraine changed by more
    than --max-change is rejected, and nothing is written for its date.

    Exit codes: 0 up to date; 1 some dates rejected or not obtained (the others are written),
    or the source failed; 2 bad usage; 3 no network (nothing changed); 4 the source is stale
    (its newest map is older than --max-age days); 5 --out or --cache cannot be written
    (read-only, full disk: the run stopped, what it wrote is whole).

    \b
    Examples:
      mapkit update
      mapkit update --source mirror --every day --out my_folder --cache ~/.cache/mapkit
      mapkit update --source isw
      mapkit update --source "https://example.org/front_{date:%Y-%m-%d}.geojson" --out out/
    """
    from mapkit.constants import SNAPSHOTS_DIR
    from mapkit.ingest.fetchers import SourceSpecError, open_source
    from mapkit.ingest.http import HttpClient
    from mapkit.ingest.update import (
        FolderBusy,
        NoNetwork,
        SourceFailed,
        UpdateError,
        update_folder,
    )

    client = HttpClient(rate=rate, timeout=timeout, retries=retries, backoff=backoff,
                        max_bytes=max_bytes, redirect_hosts=redirect_hosts)
    try:
        source = open_source(source_spec, base_url=base_url, client=client)
    except SourceSpecError as error:
        _fail(error, 2)
    _show_notice(source)
    bar = _progress_bar("updating", "date")
    try:
        with client:
            summary = update_folder(
                source, Path(out_dir) if out_dir else SNAPSHOTS_DIR / source.series_folder,
                since=since, until=until, every=every, cache_dir=cache_dir, force=force,
                dry_run=dry_run, max_change=max_change, name=name, max_age=max_age,
                levels=levels or None, progress=bar.update,
                on_total=lambda n: setattr(bar, "total", n) or bar.refresh())
    except UpdateError as error:
        _fail(error, 2, bar)
    except NoNetwork as error:
        _fail(error, 3, bar)
    except (SourceFailed, FolderBusy) as error:
        _fail(error, 1, bar)
    bar.close()
    _show_notice(source)  # its files may have turned out to be DeepStateMap's
    _echo_summary(summary)
    if summary.cannot_write:
        sys.exit(5)
    if summary.problems:
        sys.exit(1)
    if summary.stale:
        sys.exit(4)


def _show_notice(source) -> None:
    """A source's notice (DeepStateMap's licence), the first time this user meets it."""
    from mapkit.ingest.update import mark_notice_shown, notice_due

    notice = notice_due(source)
    if notice:
        click.echo(f"notice: {notice} (shown once)", err=True)
        mark_notice_shown(source)


@contextmanager
def _refusing_bad_options() -> Iterator[None]:
    """An option an export or a publish cannot take (a title too long, a level or address it
    cannot use) ends the command with exit 2 before anything is written, naming the option."""
    from mapkit.publish import ExportInputError, ExportTextError

    try:
        yield
    except ExportTextError as error:
        _fail(f"--{error.field} {error.problem}; nothing was written.", 2)
    except ExportInputError as error:
        _fail(f"{error}; nothing was written.", 2)


def _fail(error: Exception | str, code: int, bar=None) -> NoReturn:
    """End the command: its progress bar closed first (so the line stands on its own), then
    ``error: …`` on stderr and exit ``code`` (the exit codes: this module's docstring)."""
    if bar is not None:
        bar.close()
    click.echo(f"error: {error}", err=True)
    sys.exit(code)


def _echo_summary(summary) -> None:
    """A run's summary: warnings and errors to stderr, the rest to stdout."""
    for line in summary.lines():
        click.echo(line, err=line.startswith(("warning", "error")))


class _NoBar:
    """What :func:`_progress_bar` gives when nobody is watching: does nothing."""

    total = 0
    n = 0

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, text: str) -> None:
        pass

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(desc: str, unit: str):
    """A tqdm bar on a terminal; nothing when stderr is a file or a pipe (as tqdm's own
    ``disable=None`` would do), without importing tqdm there (a twentieth of a second)."""
    if not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=0, unit=unit, desc=desc)


def _stop_like_ctrl_c(signum, frame) -> None:
    """SIGTERM (``kill``, a scheduler's timeout, ``systemctl stop``) stops a command the way
    Ctrl-C does: every ``finally`` runs, so workers are stopped and no temporary file is
    left."""
    raise KeyboardInterrupt


def main() -> None:
    """Entry point of the ``mapkit`` console script."""
    signal.signal(signal.SIGTERM, _stop_like_ctrl_c)
    cli(prog_name="mapkit")


if __name__ == "__main__":
    main()
