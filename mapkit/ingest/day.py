"""One polygon file → the validated snapshot rows of its date, at one level or several.

This is the one way a polygon file becomes snapshot rows, for ``mapkit compute`` (the batch
runner, :mod:`mapkit.ingest.runner`) and the viewer's uploads alike: read and classify the
layers (:mod:`mapkit.ingest.importers`), find each unit's share (:mod:`mapkit.ingest.areas`),
write the rows (method ``computed``, a note saying where they come from) and check them with the
validator every snapshot goes through (:func:`mapkit.snapshots.validate_rows`).

**Levels** (:mod:`mapkit.levels`). A file is read and projected once for every level asked
for. The oblasts are always computed: the row ``UA`` (the polygons as drawn) is made from them
once and written identically at every level. The hromada level is computed on its own index
(OpenStreetMap's outline); the raion level is the sum of its hromada-level units, which make up
each raion exactly. A raion or hromada snapshot lists the units with a figure above 0 as
written, then the row ``UA``, which says the list is complete (:mod:`mapkit.snapshots`).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mapkit.constants import UKRAINE_BOUNDS_WGS84
from mapkit.ingest.areas import AreaIndex, DaySeries, RegionShares
from mapkit.ingest.importers import (
    DEEPSTATE,
    ISW,
    ControlLayers,
    PolygonFileError,
    read_control_file,
)
from mapkit.ingest.region_index import load_level_index
from mapkit.levels import DEFAULT_LEVEL, get_level, level_names
from mapkit.regions import COUNTRY
from mapkit.snapshots import Problem, SnapshotError, SnapshotRows, validate_rows

__all__ = ["DEFAULT_SOURCE", "SOURCE_URLS", "ComputedSnapshot", "compute_snapshot",
           "country_row", "snapshot_rows", "unnamed_source"]

#: The maker of the files the project is built on, credited for input recognised as theirs
#: (:func:`mapkit.ingest.importers.made_by`); anyone else's file is credited to its own name.
DEFAULT_SOURCE = DEEPSTATE
#: Link written in every row of input recognised as a maker's (:data:`MAKERS`), unless another
#: is given: each maker's own site, where its map and its terms are.
SOURCE_URLS = {DEEPSTATE: "https://deepstatemap.live", ISW: "https://www.understandingwar.org"}

#: How a command line says that a file covering none of Ukraine is meant (the app has no
#: such switch, and leaves this out).
ALLOW_EMPTY_HINT = ("; if the file really shows no occupied or contested area, run again with "
                    "--allow-empty")
#: How a snapshot's source was chosen, for the summary of ``mapkit compute``.
SOURCE_GIVEN = "given"
SOURCE_RECOGNISED = "recognised"
SOURCE_FILE_NAME = "file name"

#: Sliver share (percentage points) from which a row's note mentions it.
_SLIVER_NOTE_FROM_PP = 0.005


@dataclass(frozen=True)
class ComputedSnapshot:
    """The snapshot computed from one polygon file: its rows, validated, and what was found on
    the way (for a run's summary)."""

    date: dt.date
    rows: SnapshotRows
    warnings: tuple[str, ...] = ()
    repaired: int = 0  # invalid polygons repaired while reading
    source: str = ""  # written in every row
    credit: str = SOURCE_GIVEN  # how the source was chosen: SOURCE_GIVEN, _RECOGNISED, …
    #: the rows of every level computed, by level name (``rows`` is the first of them)
    levels: dict[str, SnapshotRows] = field(default_factory=dict)


def snapshot_rows(shares: RegionShares, source: str, source_url: str, origin: str, *,
                  says_no_contested: bool = True, level: str = DEFAULT_LEVEL,
                  country: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Snapshot rows for one date (a cell per column of :data:`mapkit.snapshots.COLUMNS`): the
    units of ``level`` (for the oblasts all 27; for raions and hromadas those with a figure
    above 0 as written), then the whole country (``country``; default: :func:`country_row`
    of these shares, as for the oblasts).

    ``origin`` names the input in each oblast row's note and in the row ``UA`` (with why its
    date is the day before, for a daily-format file); the note also gives the coast/border
    mismatch strips counted as occupied and, when ``says_no_contested``, that the input had no
    contested layer. A raion's or hromada's note gives only its strips: the rest is the row
    UA's, in the same file."""
    rows = []
    date = shares.date.isoformat()
    contested = shares.contested_pct
    source_note = f"computed from {origin}"
    if shares.date_note:
        source_note += f" ({shares.date_note})"
    no_contested = "; no contested layer in the input" if (
        contested is None and says_no_contested) else ""
    every_unit = level == DEFAULT_LEVEL
    listed = range(len(shares.codes))
    if not every_unit:  # those that may write a figure above 0 (checked as written below)
        grey_km2 = (shares.contested_km2 if shares.contested_km2 is not None
                    else np.zeros(len(shares.codes)))
        listed = np.flatnonzero((shares.occupied_pct >= 0.004) | (shares.occupied_km2 >= 0.04)
                                | (grey_km2 >= 0.04) | ((contested if contested is not None
                                                          else grey_km2) >= 0.004))
    for i in listed:
        code = shares.codes[i]
        percent, km2 = f"{shares.occupied_pct[i]:.2f}", f"{shares.occupied_km2[i]:.1f}"
        grey = "" if contested is None else f"{contested[i]:.2f}"
        grey_km2 = "" if contested is None else f"{shares.contested_km2[i]:.1f}"
        if not every_unit and not _above_zero(percent, km2, grey, grey_km2):
            continue
        strips = (f"incl. {shares.sliver_pct[i]:.2f} pp coast/border mismatch strips"
                  if shares.sliver_pct[i] >= _SLIVER_NOTE_FROM_PP else "")
        note = (source_note + (f"; {strips}" if strips else "") + no_contested if every_unit
                else strips)
        rows.append({
            "date": date,
            "region": code,
            "percent": percent,
            "source": source,
            "method": "computed",
            "source_url": source_url,
            "contested_percent": grey,
            "area_km2": km2,
            "contested_km2": grey_km2,
            "note": note,
        })
    rows.append(country if country is not None else
                country_row(shares, source, source_url, source_note, no_contested))
    return rows


def _above_zero(*written: str) -> bool:
    """Whether any figure, as written, is above 0 ("0.00", "0.0" and "" are not)."""
    return any(text and float(text) > 0 for text in written)

def _covers_ukraine(shares: RegionShares) -> bool:
    """Whether any region has some area occupied or contested."""
    contested = shares.contested_pct
    return bool((shares.occupied_pct > 0).any()
                or (contested is not None and (contested > 0).any()))


def _nowhere_in_ukraine(layers: ControlLayers) -> str:
    """Why a file's polygons cover none of Ukraine: none at all, or where they are instead —
    and whether they would fall in Ukraine with latitude and longitude swapped."""
    import shapely

    found = [g for g in (layers.occupied, layers.contested) if not g.is_empty]
    also = ALLOW_EMPTY_HINT
    if not found:
        return "its polygons are empty (no coordinates): no area to measure" + also
    west, south, east, north = shapely.total_bounds(found)
    where = f"lon {west:.2f} … {east:.2f}, lat {south:.2f} … {north:.2f}"
    u_west, u_south, u_east, u_north = UKRAINE_BOUNDS_WGS84
    if south < u_east and north > u_west and west < u_north and east > u_south:
        return (f"its polygons cover none of Ukraine (they lie at {where}): the coordinates "
                "look swapped, latitude first. GeoJSON gives each position as [longitude, "
                "latitude]; swap them and run again")
    return (f"its polygons cover none of Ukraine (they lie at {where}, Ukraine at lon "
            f"{u_west:g} … {u_east:g}, lat {u_south:g} … {u_north:g})" + also)
def unnamed_source(paths: list[Path]) -> str:
    """The source of input not recognised as DeepStateMap's or ISW/CTP's, when none is given:
    the file's name without its suffix, or, for several files or one named by its date alone,
    the name of the folder they are in (one run, one source)."""
    if not paths:
        return ""
    if len(paths) == 1 and re.sub(r"[\d\W_TZ]+", "", paths[0].stem):
        return paths[0].stem
    folder = Path(os.path.commonpath([p.resolve().parent for p in paths]))
    return folder.name or paths[0].stem


#: Share of a file's occupied polygons (as drawn) lying outside our outline above which compute
#: warns: DeepStateMap's overhang strips along the coast and border are 1.5–1.9 % of its
#: polygons; a file that marks a neighbour's territory too is far above that.
OUTSIDE_WARNING_SHARE = 0.05


def _outside_warning(path: Path, shares: RegionShares) -> tuple[str, ...]:
    """A warning when much of what a file draws lies outside Ukraine: the row UA counts the
    polygons as drawn (DeepStateMap's measure, which keeps the coast and islands a coarser
    outline leaves out), so a file that also covers another country must be clipped first;
    and when more lies beyond our outline than Ukraine has there (:func:`_ukraine_beyond`),
    which the row UA then leaves out."""
    if shares.drawn_km2 <= 0 or (shares.beyond_km2 <= OUTSIDE_WARNING_SHARE * shares.drawn_km2
                                 and shares.beyond_km2 <= _ukraine_beyond(shares)):
        return ()
    share = 100.0 * shares.beyond_km2 / shares.drawn_km2
    return (f"{path.name}: {shares.beyond_km2:,.0f} km² ({share:.0f} %) of the occupied "
            "polygons lie outside Ukraine's outline; the row UA counts polygons as drawn "
            f"(beyond our outline, at most the {_ukraine_beyond(shares):,.0f} km² of Ukraine "
            "that lie there), so if they cover another country, clip them to Ukraine's "
            "borders first",)


def _ukraine_beyond(shares: RegionShares) -> float:
    """How much of Ukraine lies beyond our regions' outline, km²: its official area less our
    outline's (Natural Earth leaves out islands, spits and inland water). No more of what a
    file draws beyond our outline can be Ukraine, so no more of it counts in the row UA:
    otherwise a polygon drawn a little past the border would put more than the whole country
    under control (104.53 % for one drawn about 5 km past it)."""
    return max(COUNTRY.official_area_km2 - float(shares.region_km2.sum()), 0.0)


def country_row(shares: RegionShares, source: str, source_url: str, source_note: str,
                no_contested: str = "") -> dict[str, str]:
    """The row ``UA``: the occupied polygons as drawn, not clipped to our regions, over
    Ukraine's official area — DeepStateMap's own national measure (docs/methodology.md).

    Its note says how it and the regions' rows add up: the drawn area is the part inside our
    regions' outline plus the part beyond it; the regions' rows count the part inside, plus
    the coast/border strips the mismatch rule adds (and our outline of a territory a layer
    names, where the layer does not cover it)."""
    area = COUNTRY.official_area_km2
    inside, strips = shares.inside_km2, float(shares.sliver_km2.sum())
    note = (f"{source_note}; Ukraine: occupied polygons as drawn = {inside:.1f} km² inside our "
            f"27 regions + {shares.beyond_km2:.1f} km² beyond their outline; the regions' "
            f"rows add {strips:.1f} km² of coast/border strips")
    if shares.filled_km2:
        note += f" and {shares.filled_km2:.1f} km² of our Crimea outline the layer leaves out"
    counted = shares.drawn_km2
    if shares.beyond_km2 > (room := _ukraine_beyond(shares)):
        counted = inside + room
        note += (f"; of what lies beyond, {room:.1f} km² counted: no more of Ukraine lies there "
                 "(its official area less our regions')")
    note += f"; percent of Ukraine's official {area:,.0f} km²"
    contested = shares.contested_km2
    grey = None if contested is None else float(contested.sum())
    if grey is not None:
        note += "; contested: the grey zone inside our regions"
    return {
        "date": shares.date.isoformat(),
        "region": COUNTRY.code,
        "percent": f"{100.0 * counted / area:.2f}",
        "source": source,
        "method": "computed",
        "source_url": source_url,
        "contested_percent": "" if grey is None else f"{100.0 * grey / area:.2f}",
        "area_km2": f"{counted:.1f}",
        "contested_km2": "" if grey is None else f"{grey:.1f}",
        "note": note + no_contested,
    }


def _project_index() -> AreaIndex:
    """The region index of the project's oblast boundaries, loaded once per process."""
    return load_level_index(DEFAULT_LEVEL)


@functools.cache
def _raion_groups(hromada_codes: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray]:
    """The raion level's codes, and for each hromada-level unit (in the order of the codes
    its index computes) the position of its raion among them."""
    raions = get_level("raion").codes
    at = {code: i for i, code in enumerate(raions)}
    units = get_level("hromada")
    return raions, np.array([at[units.unit(code).raion] for code in hromada_codes])


def level_shares(layers: ControlLayers, series: DaySeries, levels: Iterable[str],
                 oblasts: RegionShares,
                 indexes: Mapping[str, AreaIndex] | None = None) -> dict[str, RegionShares]:
    """The shares of each of ``levels`` for one day's layers, the oblasts' (``oblasts``,
    computed on ``series``) given: the hromada level on its own index, in the series of the
    same days on it (:meth:`DaySeries.on`), and the raion level as the sums of its units."""
    wanted = level_names(levels)
    out = {DEFAULT_LEVEL: oblasts} if DEFAULT_LEVEL in wanted else {}
    if {"raion", "hromada"} & set(wanted):
        index = (indexes or {}).get("hromada") or load_level_index("hromada")
        hromadas = index.shares(layers, series.on("hromada"))
        if "raion" in wanted:
            out["raion"] = hromadas.grouped(*_raion_groups(index.codes))
        if "hromada" in wanted:
            out["hromada"] = hromadas
    return {name: out[name] for name in wanted}


def compute_snapshot(path: str | Path, *, data: bytes | None = None,
                     index: AreaIndex | None = None, series: DaySeries | None = None,
                     source: str | None = None, source_url: str | None = None,
                     date: dt.date | str | None = None,
                     territories: Iterable[str] | None = None,
                     origin: str | None = None,
                     on_stage: Callable[[str], object] | None = None,
                     allow_empty: bool = False,
                     unnamed_source_name: str | None = None,
                     levels: Iterable[str] | None = None,
                     indexes: Mapping[str, AreaIndex] | None = None) -> ComputedSnapshot:
    """Compute the snapshot of one polygon file: every unit's share, as validated rows, at
    each of ``levels`` (default: the oblasts; see the module's docstring).

    ``path`` is the file (or, with ``data``, the bytes of an upload, only its name); ``date``
    wins over a date in the file or its name. ``index`` is the region index (default: the
    project's, prepared); ``series``, the run of days this one belongs to, in date order (see
    :class:`~mapkit.ingest.areas.DaySeries`). ``source`` and ``source_url`` go into every row.
    Without ``source``, a file recognised as DeepStateMap's or ISW/CTP's own is credited to
    its maker (with its link), and any other to ``unnamed_source_name`` (default: the file's
    name without its suffix; ``mapkit compute`` gives :func:`unnamed_source`) with no link:
    nobody is credited with polygons we cannot tell are theirs.
    ``origin`` names the input in the notes (default: the file's name). ``territories`` keeps
    only those
    long-standing occupied layers of a raw dump (then the notes do not call the missing
    contested layer missing: it was left out on purpose). ``on_stage`` hears "read",
    "compute" and "check" as each step starts: a big file takes a while (the app says which
    step it is on).

    A file whose polygons cover none of Ukraine is refused unless ``allow_empty``: empty
    polygons, a layer somewhere else, latitude and longitude swapped (named as such) would
    otherwise come out as 0 % everywhere, a wrong map that looks right.

    ``indexes`` holds the index of a finer level (``"hromada"``), default the project's.

    Raises :class:`mapkit.snapshots.SnapshotError` when the file cannot be read, with its
    problems named as ``file: what is wrong``.
    """
    path = Path(path)
    wanted = level_names(levels)
    series = series or DaySeries()
    stage = on_stage or (lambda name: None)
    stage("read")
    try:
        layers: ControlLayers = read_control_file(path, date=date, territories=territories,
                                                  data=data, previous=series.layers)
    except PolygonFileError as error:
        raise SnapshotError([Problem(str(error.path), None, error.message)]) from None
    series.layers = layers
    stage("compute")
    shares = (index or _project_index()).shares(layers, series)
    if not allow_empty and not _covers_ukraine(shares):
        raise SnapshotError([Problem(str(path), None, _nowhere_in_ukraine(layers))])
    stage("check")
    if source is not None:
        credit = SOURCE_GIVEN
    elif layers.maker is not None:
        source, credit = layers.maker, SOURCE_RECOGNISED
    else:
        source = unnamed_source_name or path.stem
        credit = SOURCE_FILE_NAME
    if source_url is None:  # only the link of a maker whose file this is
        source_url = SOURCE_URLS.get(source, "") if source == layers.maker else ""
    says_no_contested = layers.territories is None
    origin = origin or path.name
    country = snapshot_rows(shares, source, source_url, origin,
                            says_no_contested=says_no_contested)[-1]
    made = {}
    for name, found in level_shares(layers, series, wanted, shares, indexes).items():
        rows = snapshot_rows(found, source, source_url, origin, level=name, country=country,
                             says_no_contested=says_no_contested)
        made[name] = validate_rows(rows, str(path), name)
    return ComputedSnapshot(date=shares.date, rows=made[wanted[0]],
                            warnings=(*shares.warnings, *_outside_warning(path, shares)),
                            repaired=layers.repaired,
                            source=source, credit=credit, levels=made)
