"""Occupied and contested polygons → percent of each region's area, accurately and fast.

Areas are planar areas in :data:`mapkit.constants.UKRAINE_EQUAL_AREA` (Lambert azimuthal
equal-area centred on Ukraine), see ``docs/methodology.md``.

**Coast and border mismatch.** DeepStateMap draws its polygons to its own coastline and state
border; our regions follow Natural Earth's. Where the two lines differ, a thin strip of our region
lies between the occupied polygon and the sea (or Russia) and would read as free land: Crimea comes
out at 99 %, Sevastopol at 96 %. We count such a strip as occupied when all three hold:

1. it lies within :data:`SHORELINE_TOLERANCE_M` of Ukraine's outer boundary (sea or state border);
2. it lies within the same distance of the occupied polygon;
3. the free land there is thinner than the tolerance: it vanishes under a morphological opening of
   the free land with radius half the tolerance.

Real free areas survive: anything away from the outer boundary (Dnipro islands, bridgeheads),
anything not touching occupied land, and anything wider than the tolerance. The tolerance is not
tuned to a result: it is the registration error between the two datasets, measured where the
answer is known — the largest distance from our Crimean coastline to DeepStateMap's Crimea polygon
(2.8 km; ``measure_shoreline_mismatch``), rounded up.

**Speed.** A day's polygon differs from the day before in a few places along the front. The
country is cut into square cells; a cell's occupied area depends only on the polygon's edges
within the cell, and its sliver test only on the edges within the margin of its strip of coast or
border, so each is cached under a hash of those edges and recomputed only where the line moved.
Cells without edges are wholly inside or outside (a ray-crossing test from the cell's centre).
Keys, edge counts and crossings add up over edges, so each day only the edges that appeared or
disappeared since the day before are placed in cells; they are found by matching the day's
WGS 84 edges against the day before's, which also leaves only the new points to project.
The cell size changes speed, not results. What a day reuses from the day before is kept in a
:class:`DaySeries` that the caller owns and hands over (the batch runner: one per process); the
:class:`AreaIndex` itself never changes once built.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import orjson
import shapely
from pyproj import Transformer
from shapely import Geometry

from mapkit.constants import BOUNDARIES_PATH, UKRAINE_EQUAL_AREA, WGS84

if TYPE_CHECKING:
    from mapkit.ingest.importers import ControlLayers

EMPTY = shapely.Polygon()

__all__ = [
    "OSM_SHORELINE_TOLERANCE_M",
    "SHORELINE_TOLERANCE_M",
    "AreaIndex",
    "DaySeries",
    "RegionShares",
    "measure_shoreline_mismatch",
]

#: Registration error between DeepStateMap's coastline/state border and ours (Natural Earth),
#: in metres: the largest gap measured along Crimea's coast (2.8 km), rounded up. Free strips
#: thinner than this between an occupied polygon and Ukraine's outer boundary are mismatch, not
#: land anyone holds.
SHORELINE_TOLERANCE_M = 3000.0
#: The same, measured the same way, for OpenStreetMap's outline (the raion and hromada levels):
#: along Crimea's raions the largest gap is 157 m, along Sevastopol (whose unit keeps Natural
#: Earth's coast, docs/data.md) 1.6 km; rounded up: 2 km.
OSM_SHORELINE_TOLERANCE_M = 2000.0

#: Layers naming a whole administrative unit → our regions for it (see importers).
NAMED_TERRITORY_CODES = {"crimea": ("UA-43", "UA-40")}

#: Side of the cache cells, metres. Affects speed only (tests check results do not change).
CELL_SIZE_M = 20_000.0


@dataclass(frozen=True)
class RegionShares:
    """Per-region results for one date, in the order of ``codes``."""

    date: dt.date
    codes: tuple[str, ...]
    occupied_pct: np.ndarray
    contested_pct: np.ndarray | None  # None: the input had no contested layer at all
    sliver_pct: np.ndarray  # part of occupied_pct that is coast/border mismatch
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    #: The same in km²: occupied (slivers included) and contested inside each region, and
    #: the slivers alone. The percentages are these over :attr:`region_km2`.
    occupied_km2: np.ndarray | None = None
    contested_km2: np.ndarray | None = None
    sliver_km2: np.ndarray | None = None
    region_km2: np.ndarray | None = None
    #: The occupied polygons as drawn, unclipped (what DeepStateMap's national total
    #: measures), km² on the WGS 84 ellipsoid; and the part of our regions' figures that is
    #: a whole territory a layer names (our Crimea) beyond what the layer draws.
    drawn_km2: float = 0.0
    filled_km2: float = 0.0
    date_note: str | None = None

    def grouped(self, codes: tuple[str, ...], group: np.ndarray) -> RegionShares:
        """The shares of the units these units make up exactly (a raion is the union of its
        hromada-level units): ``group[i]`` is the position in ``codes`` of the unit that unit
        ``i`` lies in. Areas add up; percentages are the sums over the sums."""
        def total(values: np.ndarray) -> np.ndarray:
            return np.bincount(group, weights=values, minlength=len(codes))

        area, occupied, sliver = (total(self.region_km2), total(self.occupied_km2),
                                  total(self.sliver_km2))
        contested = None if self.contested_km2 is None else total(self.contested_km2)
        return dataclasses.replace(
            self, codes=codes, occupied_pct=np.clip(100.0 * occupied / area, 0.0, 100.0),
            contested_pct=(None if contested is None
                           else np.clip(100.0 * contested / area, 0.0, 100.0)),
            sliver_pct=100.0 * sliver / area, occupied_km2=occupied, contested_km2=contested,
            sliver_km2=sliver, region_km2=area)

    @property
    def inside_km2(self) -> float:
        """The part of :attr:`drawn_km2` inside our regions' outline."""
        return float(self.occupied_km2.sum() - self.sliver_km2.sum()) - self.filled_km2

    @property
    def beyond_km2(self) -> float:
        """The part of :attr:`drawn_km2` beyond our regions' outline: strips along the coast
        and the state border that DeepStateMap's polygons cover and Natural Earth's land does
        not."""
        return self.drawn_km2 - self.inside_km2


def _edge_hashes(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """A 64-bit hash per directed edge (rows of ``start`` and ``end`` are x, y floats)."""
    a = np.ascontiguousarray(start, dtype=np.float64).view(np.uint64)
    b = np.ascontiguousarray(end, dtype=np.float64).view(np.uint64)
    with np.errstate(over="ignore"):
        h = (a[:, 0] * np.uint64(0x9E3779B97F4A7C15)
             ^ a[:, 1] * np.uint64(0xC2B2AE3D27D4EB4F)
             ^ b[:, 0] * np.uint64(0x165667B19E3779F9)
             ^ b[:, 1] * np.uint64(0x27D4EB2F165667C5))
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    return h


@dataclass(frozen=True)
class _Edges:
    """A polygon's directed edges ``coords[first[i]] → coords[first[i] + 1]``, hashed.

    ``hashes`` identify edges by the coordinates the polygon came in (``source``): for a polygon
    projected here, by its WGS 84 coordinates, so that the next day's polygon can be matched
    edge by edge *before* projecting it, and only its new points projected."""

    coords: np.ndarray  # every ring's points, one after the other (in the projection)
    first: np.ndarray
    hashes: np.ndarray
    ranked: np.ndarray  # the hashes, sorted
    order: np.ndarray | None = None  # hashes[order] == ranked
    source: np.ndarray | None = None  # coords before projecting
    # (new, gone): indices of the edges the last polygon did not have, and of its edges this
    # one does not have (found while projecting against it, see :meth:`projected`)
    changes: tuple[np.ndarray, np.ndarray] | None = None
    # the serial of the edges ``changes`` was found against (another day's may be asked for)
    against: int | None = None
    serial: int = field(default_factory=lambda: next(_SERIALS))

    @classmethod
    def of(cls, polygon: Geometry) -> _Edges:
        """The edges of a polygon already in the projection."""
        coords, first = _rings_of(polygon)
        hashes = _edge_hashes(coords[:-1], coords[1:]).take(first)
        return cls(coords, first, hashes, np.sort(hashes))

    @classmethod
    def projected(cls, polygon: Geometry, project, last: _Edges | None) -> tuple[_Edges, Geometry]:
        """Project a WGS 84 polygon point by point with ``project``, except the points that
        start an edge ``last`` also had: those are taken from ``last`` (the same numbers)."""
        parts = shapely.get_parts(polygon)
        rings = shapely.get_rings(parts)
        source = shapely.get_coordinates(rings)
        ring_ends = np.cumsum(shapely.get_num_coordinates(rings))
        ring_starts = ring_ends - shapely.get_num_coordinates(rings)
        last_points_of_rings = np.zeros(len(source), dtype=bool)
        last_points_of_rings[ring_ends - 1] = True
        first = np.flatnonzero(~last_points_of_rings)
        hashes = _edge_hashes(source[:-1], source[1:]).take(first)
        order = np.argsort(hashes)
        ranked = hashes.take(order)
        # points as complex numbers: one 16-byte item each, which numpy gathers much faster
        points = source.view(np.complex128).ravel()
        projected = np.empty_like(points)
        todo = np.ones(len(points), dtype=bool)
        changes = None
        if last is not None and last.source is not None and len(last.ranked):
            # looked up in sorted order, each search starts where the last one ended
            at = np.minimum(np.searchsorted(last.ranked, ranked), len(last.ranked) - 1)
            hit = np.flatnonzero(last.ranked.take(at) == ranked)
            found, their_edges = order.take(hit), last.order.take(at.take(hit))
            ours, theirs = first.take(found), last.first.take(their_edges)
            last_points = last.source.view(np.complex128).ravel()
            same = points.take(ours) == last_points.take(theirs)  # not a hash collision
            ours, theirs = ours[same], theirs[same]
            projected[ours] = last.coords.view(np.complex128).ravel().take(theirs)
            todo[ours] = False
            kept, their_kept = np.zeros(len(hashes), bool), np.zeros(len(last.hashes), bool)
            kept[found[same]], their_kept[their_edges[same]] = True, True
            changes = (np.flatnonzero(~kept), np.flatnonzero(~their_kept))
        new = np.flatnonzero(todo)
        projected[new] = project(source[new]).view(np.complex128).ravel()
        projected[ring_ends - 1] = projected[ring_starts]  # rings stay closed exactly
        coords = projected.view(np.float64).reshape(-1, 2)
        ring_offsets = np.concatenate([[0], ring_ends])
        polygon_offsets = np.concatenate([[0], np.cumsum(shapely.get_num_interior_rings(parts)
                                                         + 1)])
        projected = shapely.from_ragged_array(
            shapely.GeometryType.MULTIPOLYGON, coords,
            (ring_offsets, polygon_offsets, np.array([0, len(parts)])))[0]
        return (cls(coords, first, hashes, ranked, order, source, changes,
                    last.serial if changes is not None else None), projected)

    def rows(self, which=None) -> np.ndarray:
        """Edges (all, or those at the indices ``which``) as rows of x0, y0, x1, y1."""
        first = self.first if which is None else self.first.take(which)
        return np.concatenate([self.coords.take(first, axis=0),
                               self.coords.take(first + 1, axis=0)], axis=1)


#: Numbers each :class:`_Edges` (what its ``changes`` were found against).
_SERIALS = itertools.count()


def _rings_of(geometry) -> tuple[np.ndarray, np.ndarray]:
    """All ring points of a polygon in one array, and the index of each edge's first point
    (the last point of a ring starts no edge)."""
    rings = shapely.get_rings(shapely.get_parts(geometry))
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    return coords, np.flatnonzero(ring_of[1:] == ring_of[:-1])


def _edge_changes(now: _Edges, last: _Edges) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The edges that differ between this polygon and the last one: their rows (x0, y0, x1,
    y1), hashes and +1 (new) or -1 (gone), counted with multiplicity."""
    ranked, last_ranked = now.ranked, last.ranked
    if (ranked[1:] == ranked[:-1]).any() or (last_ranked[1:] == last_ranked[:-1]).any():
        # an edge twice in one polygon (never seen in practice): match copies one by one
        both = np.concatenate([now.hashes, last.hashes])
        unique, first, inverse = np.unique(both, return_index=True, return_inverse=True)
        net = np.bincount(inverse, weights=np.r_[np.ones(len(now.hashes)),
                                                 -np.ones(len(last.hashes))]).astype(np.int64)
        which = np.repeat(np.arange(len(unique)), np.abs(net))
        return (np.concatenate([now.rows(), last.rows()])[first[which]], unique[which],
                np.sign(net[which]))
    if now.changes is not None and now.against == last.serial:  # found projecting ``last``
        new, gone = now.changes
    else:
        new = np.flatnonzero(~_member(now.hashes, last_ranked))
        gone = np.flatnonzero(~_member(last.hashes, ranked))
    return (np.concatenate([now.rows(new), last.rows(gone)]),
            np.concatenate([now.hashes[new], last.hashes[gone]]),
            np.r_[np.ones(len(new), np.int64), -np.ones(len(gone), np.int64)])


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Which of ``values`` occur in ``sorted_set`` (sorted)."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


def _opening(geometry: Geometry, radius: float) -> Geometry:
    """Morphological opening: what survives shrinking by ``radius`` and growing back. Mitred
    joins give straight-edged land back its corners (up to acute ones: the limit keeps the
    effect within the cells' margin), so only thin parts are lost."""
    shrunk = shapely.buffer(geometry, -radius, join_style="mitre", mitre_limit=2.0)
    return shapely.buffer(shrunk, radius, join_style="mitre", mitre_limit=2.0)


def _clip(geometry: Geometry, box: Geometry) -> Geometry:
    """``geometry ∩ box`` for an axis-aligned box: the fast clip, checked, else the overlay."""
    clipped = shapely.clip_by_rect(geometry, *shapely.bounds(box))
    return clipped if shapely.is_valid(clipped) else shapely.intersection(geometry, box)


@functools.cache
def _transformer() -> Transformer:
    return Transformer.from_crs(WGS84, UKRAINE_EQUAL_AREA, always_xy=True)


def _project_xy(xy: np.ndarray) -> np.ndarray:
    """WGS 84 longitude, latitude rows → :data:`UKRAINE_EQUAL_AREA` x, y rows."""
    return np.column_stack(_transformer().transform(xy[:, 0], xy[:, 1]))


def _project(geometry):
    """WGS 84 → :data:`UKRAINE_EQUAL_AREA` (geometry or array; same numbers as geopandas'
    ``to_crs``)."""
    return shapely.transform(geometry, _project_xy)


def read_region_file(path: Path, codes: Iterable[str] | None = None,
                     ) -> tuple[tuple[str, ...], np.ndarray]:
    """Codes and WGS 84 geometries of a level's units in a boundaries GeoJSON, sorted by code,
    with the checks of :func:`mapkit.boundaries.load_boundaries`: each of ``codes`` (default:
    the oblast level's 27 ISO codes) once, WGS 84, valid geometry.

    Reads the file with orjson and shapely (the same geometries, bit for bit, as geopandas
    gives): importing geopandas and pandas would cost ``mapkit compute`` 0.6 s of start-up.
    """
    if codes is None:
        from mapkit.levels import get_level

        codes = get_level().codes
    expected = set(codes)
    try:
        document = orjson.loads(Path(path).read_bytes())
        features = {feature["properties"]["code"]: feature["geometry"]
                    for feature in document["features"]}
        crs = str(((document.get("crs") or {}).get("properties") or {}).get("name", "EPSG:4326"))
        geometries = shapely.from_geojson([orjson.dumps(features[code])
                                           for code in sorted(features)])
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError,
            shapely.errors.GEOSException) as error:
        raise ValueError(f"{path}: cannot be read as a level's boundaries GeoJSON ({error}). "
                         "Rebuild it with `python scripts/build_oblasts.py` (oblasts) or "
                         "`python scripts/build_levels.py` (raions, hromadas).") from error
    if set(features) != expected or len(document["features"]) != len(expected):
        missing, unexpected = sorted(expected - set(features)), sorted(set(features) - expected)
        raise ValueError(f"{path}: expected the level's {len(expected)} unit codes once each; "
                         f"found {len(document['features'])} features, missing "
                         f"{missing[:5] or 'none'}, unexpected {unexpected[:5] or 'none'}.")
    if not (crs.endswith(("4326", "CRS84"))):
        raise ValueError(f"{path}: coordinates must be WGS 84 (EPSG:4326), got {crs}.")
    if not shapely.is_valid(geometries).all():
        raise ValueError(f"{path}: invalid geometry in the level's boundaries GeoJSON.")
    return tuple(sorted(features)), geometries


class _Cell(NamedTuple):
    box: Geometry  # the cell
    wide: Geometry  # the cell grown by the margin
    pieces: slice  # into AreaIndex.piece_* arrays
    near_outer: bool  # within the tolerance of Ukraine's outer boundary
    #: (Ukraine ∩ wide, band ∩ cell) for a cell near the outer boundary: what its sliver test
    #: looks at (the band: the strip along the outer boundary); None elsewhere
    context: tuple[Geometry, Geometry] | None = None


# --- A series of days --------------------------------------------------------------------------


@dataclass
class _DayCells:
    """What the day before left for the cells: its polygon's edges (with their projected
    points), the per-piece areas and the per-cell sums :meth:`AreaIndex._edge_sums` adds up."""

    edges: _Edges
    occ: np.ndarray  # occupied m² per piece
    extra: np.ndarray  # sliver m² per piece
    state: np.ndarray  # per cell: 0 crossed by edges, 1 wholly inside, 2 wholly outside
    key: np.ndarray
    n_edges: np.ndarray
    s_key: np.ndarray
    s_edges: np.ndarray
    centre_inside: np.ndarray


@dataclass(frozen=True)
class _DayAreas:
    """The day before's polygons and the areas found for them."""

    occupied: Geometry
    contested: Geometry
    named_territories: frozenset[str]
    #: occupied, sliver and contested m² per region; drawn and filled m² (see ``_areas_of``)
    areas: tuple[np.ndarray, np.ndarray, np.ndarray, float, float]


@dataclass
class _Projection:
    """The last WGS 84 polygon projected, with its edges: shared by the series of one run of
    days on several indexes (levels), so each day's polygon is projected once."""

    source: Geometry | None = None  # the polygon as given, before projecting
    edges: _Edges | None = None
    polygon: Geometry | None = None


@dataclass
class DaySeries:
    """What each day of a run of days reuses from the day before: hand the same series to every
    day of a run computed on one :class:`AreaIndex` (days in date order reuse the most). The
    batch runner keeps one in each of its worker processes.

    A day's polygon differs from the day before in a few places along the front, and often not
    at all. So a series keeps: the layers read the day before (a file holding the same features
    is not built into polygons again: ``read_control_file(..., previous=series.layers)``); the
    polygons and areas of the day before (the same polygons give the same areas); the day
    before's edges, projected points and per-cell sums (only the edges that changed are placed
    in cells, only new points projected); and every cell result computed in the series, under
    the edges it depends on. None of it changes a result: a day computed in a series gives the
    numbers it gives on its own.
    """

    layers: ControlLayers | None = None
    areas: _DayAreas | None = None
    cells: _DayCells | None = None
    #: cell results by (cell, key of its edges, number of edges): kept for the whole series
    cache: dict = field(default_factory=dict)
    stats: dict = field(default_factory=lambda: {"hits": 0, "misses": 0})
    #: the day's polygon, projected once for every index the days are computed on
    projection: _Projection = field(default_factory=_Projection)
    #: the same days on other indexes (:meth:`on`)
    others: dict = field(default_factory=dict, repr=False)

    def on(self, name: str) -> DaySeries:
        """The series of the same days on another index (``name``: its level), sharing this
        one's layers read and polygons projected: a run computing several levels reads and
        projects each day once. Hand each day to this series first, then to the others."""
        other = self.others.get(name)
        if other is None:
            other = self.others[name] = DaySeries(projection=self.projection)
        return other


# --- The index -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AreaIndex:
    """Regions prepared for repeated area computations: equal-area projection, cut into cells.

    Build once per boundaries file (:meth:`from_boundaries`, or loaded ready-made by
    :func:`mapkit.ingest.region_index.load_region_index`), then call :meth:`shares` for each
    date, with a :class:`DaySeries` to reuse the day before's work. The index never changes
    once built.
    """

    codes: tuple[str, ...]
    #: projected geometries and their union; None in an index prepared without them (read
    #: from ``boundaries_path`` when first needed: :meth:`outline`)
    regions: np.ndarray | None
    areas: np.ndarray  # m²
    ukraine: Geometry | None
    regions_wgs84: np.ndarray | None  # None when loaded from a prepared index
    tolerance: float
    cell_size: float
    # the grid: nx × ny cells of cell_size from origin; cell k is at cell_grid_ids[k]
    # (row-major), and cell_of gives the cell at each grid position (-1: none)
    origin: tuple[float, float]
    nx: int
    ny: int
    cells: tuple[_Cell, ...]
    cell_grid_ids: np.ndarray
    cell_of: np.ndarray
    column_centres: np.ndarray
    row_centres: np.ndarray
    near_outer: np.ndarray  # per cell
    whole_cell: np.ndarray  # per cell: one region fills it, its one piece is the box
    #: per cell: where its sliver test looks (its band grown by the margin); NaN where it has
    #: none, so no edge ever touches it
    sliver_box: np.ndarray
    # the pieces: each cell cut by the regions; cell k's are cells[k].pieces
    piece_region: np.ndarray
    piece_geom: np.ndarray
    piece_area: np.ndarray
    index_note: str | None = None  # why a prepared index was not used, when it should have been
    #: each unit's oblast (ISO code), for a layer that names a whole oblast (Crimea); None:
    #: the units are oblasts
    parents: tuple[str, ...] | None = None
    boundaries_path: Path | None = None

    def unit_geometries(self) -> np.ndarray:
        """The units' projected geometries. An index prepared without them (the hromadas':
        they would double its file) reads them from its boundaries file the first time: only
        a grey zone, a layer naming a whole territory and the reference computations need
        them."""
        if self.regions is None:
            _, wgs84 = read_region_file(self.boundaries_path, self.codes)
            object.__setattr__(self, "regions",
                               np.asarray(shapely.make_valid(_project(wgs84)), dtype=object))
        return self.regions

    def outline(self) -> tuple[np.ndarray, Geometry]:
        """The units' projected geometries (:meth:`unit_geometries`) and their union: Ukraine
        in this level's boundaries."""
        regions = self.unit_geometries()
        if self.ukraine is None:
            object.__setattr__(self, "ukraine", shapely.union_all(regions))
        return regions, self.ukraine

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def from_boundaries(cls, boundaries=None, tolerance: float = SHORELINE_TOLERANCE_M,
                        cell_size: float = CELL_SIZE_M, *, codes: Iterable[str] | None = None,
                        parents: Iterable[str] | None = None) -> AreaIndex:
        """Index the regions of ``boundaries``, built afresh: a GeoDataFrame with ``code``, or
        a boundaries GeoJSON file (default: the project's, read without geopandas — see
        :func:`read_region_file`, which checks it holds ``codes``, default the 27 regions').
        ``parents``: each unit's oblast, in the order of the sorted codes (finer levels). To
        load the prepared index stored beside the boundaries instead, use
        :func:`mapkit.ingest.region_index.load_region_index`."""
        if boundaries is None or isinstance(boundaries, (str, Path)):
            codes, wgs84 = read_region_file(Path(boundaries or BOUNDARIES_PATH), codes)
            regions = _project(wgs84)
        else:
            if boundaries.crs is None:
                raise ValueError("boundaries have no CRS; expected EPSG:4326")
            codes = tuple(boundaries["code"])
            regions = np.asarray(boundaries.to_crs(UKRAINE_EQUAL_AREA).geometry.values)
            wgs84 = np.asarray(boundaries.to_crs(WGS84).geometry.values)
        regions = np.asarray(shapely.make_valid(regions), dtype=object)
        ukraine = shapely.union_all(regions)
        tolerance, size = float(tolerance), float(cell_size)
        minx, miny, maxx, maxy = shapely.bounds(ukraine)
        nx = int(np.ceil((maxx - minx) / size)) + 1
        ny = int(np.ceil((maxy - miny) / size)) + 1
        ix, iy = np.meshgrid(np.arange(nx), np.arange(ny))
        ix, iy = ix.ravel(), iy.ravel()
        x0 = minx + ix * size
        y0 = miny + iy * size
        boxes = shapely.box(x0, y0, x0 + size, y0 + size)
        cell_idx, region_idx = shapely.STRtree(regions).query(boxes)  # bounds overlap
        shapely.prepare(regions)
        # a cell well inside a region is its own piece; only the others need an overlay
        inside = shapely.contains_properly(regions[region_idx], boxes[cell_idx])
        pieces = boxes[cell_idx]
        cut = ~inside & shapely.intersects(regions[region_idx], boxes[cell_idx])
        pieces[cut] = shapely.intersection(regions[region_idx[cut]], boxes[cell_idx[cut]])
        pieces[~inside & ~cut] = shapely.Polygon()
        areas = shapely.area(pieces)
        keep = areas > 0
        cell_idx, region_idx, pieces, areas, inside = (cell_idx[keep], region_idx[keep],
                                                       pieces[keep], areas[keep], inside[keep])
        order = np.lexsort((region_idx, cell_idx))
        cell_idx, region_idx, pieces, areas, inside = (cell_idx[order], region_idx[order],
                                                       pieces[order], areas[order], inside[order])
        outer = shapely.boundary(ukraine)
        shapely.prepare(outer)
        starts = np.flatnonzero(np.r_[True, cell_idx[1:] != cell_idx[:-1]])
        ends = np.r_[starts[1:], len(cell_idx)]
        used = cell_idx[starts]
        near = shapely.intersects(shapely.buffer(boxes[used], tolerance, join_style="mitre"),
                                  outer)
        # cells wholly inside one region: their one piece is the box itself
        whole = (ends - starts == 1) & inside[starts]
        return cls.assemble(
            codes=codes, regions=regions, ukraine=ukraine, regions_wgs84=wgs84,
            tolerance=tolerance, cell_size=size, origin=(minx, miny), nx=nx, ny=ny,
            grid_ids=used, starts=starts, piece_region=region_idx, piece_geom=pieces,
            piece_area=areas, near=near, whole=whole, parents=parents,
            boundaries_path=Path(boundaries) if isinstance(boundaries, (str, Path)) else (
                BOUNDARIES_PATH if boundaries is None else None))

    @classmethod
    def assemble(cls, *, codes, regions, ukraine, regions_wgs84, tolerance: float,
                 cell_size: float, origin: tuple[float, float], nx: int, ny: int,
                 grid_ids: np.ndarray, starts: np.ndarray, piece_region: np.ndarray,
                 piece_geom: np.ndarray, piece_area: np.ndarray, near: np.ndarray,
                 whole: np.ndarray, contexts: list | None = None, areas=None,
                 index_note: str | None = None,
                 parents: Iterable[str] | None = None,
                 boundaries_path: Path | None = None) -> AreaIndex:
        """An index from its parts (as :meth:`from_boundaries` finds them, or as a prepared
        index stores them): the cells (``grid_ids``: row-major positions on the ``nx`` × ``ny``
        grid from ``origin``) and their pieces (cell ``k``'s are ``starts[k]`` up to the next).
        ``contexts`` are the near cells' (land, band), found here when not given."""
        tolerance, size = float(tolerance), float(cell_size)
        margin = 2.0 * tolerance
        x0 = origin[0] + (grid_ids % nx) * size
        y0 = origin[1] + (grid_ids // nx) * size
        boxes = shapely.box(x0, y0, x0 + size, y0 + size)
        wide = shapely.buffer(boxes, margin, join_style="mitre")
        ends = np.r_[starts[1:], len(piece_geom)]
        cell_of = np.full(nx * ny, -1)
        cell_of[grid_ids] = np.arange(len(grid_ids))
        near = np.asarray(near, dtype=bool)
        if contexts is None:
            contexts = [_cell_context(ukraine, boxes[k], wide[k], tolerance) if near[k] else None
                        for k in range(len(grid_ids))]
        cells = tuple(_Cell(boxes[k], wide[k], slice(int(start), int(end)), bool(near[k]),
                            contexts[k])
                      for k, (start, end) in enumerate(zip(starts, ends)))
        sliver_box = np.full((len(cells), 4), np.nan)
        for k in np.flatnonzero(near):
            band = cells[k].context[1]
            if not band.is_empty:
                bx0, by0, bx1, by1 = shapely.bounds(band)
                sliver_box[k] = (bx0 - margin, by0 - margin, bx1 + margin, by1 + margin)
        return cls(
            codes=tuple(codes), regions=regions,
            areas=shapely.area(regions) if areas is None else areas, ukraine=ukraine,
            regions_wgs84=regions_wgs84, tolerance=tolerance, cell_size=size, origin=origin,
            nx=nx, ny=ny, cells=cells, cell_grid_ids=grid_ids, cell_of=cell_of,
            column_centres=origin[0] + (np.arange(nx) + 0.5) * size,
            row_centres=origin[1] + (np.arange(ny) + 0.5) * size,
            near_outer=near, whole_cell=np.asarray(whole, dtype=bool), sliver_box=sliver_box,
            piece_region=piece_region, piece_geom=piece_geom, piece_area=piece_area,
            index_note=index_note, parents=None if parents is None else tuple(parents),
            boundaries_path=boundaries_path)

    @property
    def margin(self) -> float:
        return 2.0 * self.tolerance

    # --- projection ---------------------------------------------------------------------------

    def project(self, geometry: Geometry) -> Geometry:
        """WGS 84 → the equal-area projection."""
        return _project(geometry)

    # --- the per-cell computation -------------------------------------------------------------

    def _sliver(self, cell: _Cell, local: Geometry) -> Geometry:
        """Free strips between the occupied polygon and the outer boundary (see module doc):
        ``band ∩ free ∩ (local ⊕ tolerance) − opening(free)``, in the order that skips the
        costly round buffer wherever the band holds no thin free land at all."""
        land, band = cell.context
        if band.is_empty or local.is_empty:
            return EMPTY
        free = shapely.difference(land, local)
        free_band = shapely.intersection(band, free)
        if free_band.is_empty:  # the band is all occupied
            return EMPTY
        thin = shapely.difference(free_band, _opening(free, self.tolerance / 2.0))
        if thin.is_empty:  # the free land along the boundary is all wider than the tolerance
            return EMPTY
        # only the occupied land within the tolerance of the thin strips matters
        reach = self.tolerance * 1.01
        minx, miny, maxx, maxy = shapely.bounds(thin)
        nearby = shapely.clip_by_rect(local, minx - reach, miny - reach, maxx + reach,
                                      maxy + reach)
        if not shapely.is_valid(nearby):
            nearby = shapely.intersection(local, shapely.box(minx - reach, miny - reach,
                                                             maxx + reach, maxy + reach))
        return shapely.intersection(thin, shapely.buffer(nearby, self.tolerance))

    def _cell_occupied(self, k: int, occupied: Geometry) -> np.ndarray:
        """Occupied m² of each of cell ``k``'s pieces."""
        in_cell = _clip(occupied, self.cells[k].box)
        if self.whole_cell[k]:  # one region fills the cell: its piece is the box
            return np.array([shapely.area(in_cell)])
        return shapely.area(shapely.intersection(self.piece_geom[self.cells[k].pieces],
                                                 in_cell))

    def _cell_sliver(self, k: int, occupied: Geometry) -> np.ndarray:
        """Coast/border sliver m² in each of cell ``k``'s pieces."""
        cell = self.cells[k]
        sliver = self._sliver(cell, _clip(occupied, cell.wide))
        if sliver.is_empty:
            return np.zeros(cell.pieces.stop - cell.pieces.start)
        return shapely.area(shapely.intersection(self.piece_geom[cell.pieces], sliver))

    # --- where a day's edges fall -------------------------------------------------------------

    def _edge_sums(self, edges: np.ndarray, hashes: np.ndarray, signs: np.ndarray) -> tuple:
        """Per cell, over ``edges`` (rows of x0, y0, x1, y1, each counted ``sign`` times: +1
        for an edge, -1 to take one out): the cache key of its occupied part (the sum of the
        hashes of the edges whose bounding box touches the cell) and the number of those
        edges; the same two for its sliver test (the edges whose box touches the cell's
        :attr:`sliver_box`); and the parity of the edges crossed by a ray from its centre."""
        size, (ox, oy), margin = self.cell_size, self.origin, self.margin
        x_low, x_high = np.minimum(edges[:, 0], edges[:, 2]), np.maximum(edges[:, 0], edges[:, 2])
        y_low, y_high = np.minimum(edges[:, 1], edges[:, 3]), np.maximum(edges[:, 1], edges[:, 3])
        low_x, high_x = (x_low - ox) / size, (x_high - ox) / size
        low_y, high_y = (y_low - oy) / size, (y_high - oy) / size
        reach = margin / size  # every sliver box lies within the margin of its cell
        lo_x = np.maximum(np.floor(low_x - reach).astype(int), 0)
        hi_x = np.minimum(np.floor(high_x + reach).astype(int), self.nx - 1)
        lo_y = np.maximum(np.floor(low_y - reach).astype(int), 0)
        hi_y = np.minimum(np.floor(high_y + reach).astype(int), self.ny - 1)
        w = np.maximum(hi_x - lo_x + 1, 0)
        counts = w * np.maximum(hi_y - lo_y + 1, 0)
        edge_of = np.repeat(np.arange(len(edges)), counts)
        offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        gx = lo_x[edge_of] + offset % w[edge_of]
        gy = lo_y[edge_of] + offset // w[edge_of]
        cell_k = self.cell_of[gy * self.nx + gx]
        inside = cell_k >= 0
        cell_k, edge_of, gx, gy = cell_k[inside], edge_of[inside], gx[inside], gy[inside]
        touches = ((gx >= np.floor(low_x).astype(int)[edge_of])
                   & (gx <= np.floor(high_x).astype(int)[edge_of])
                   & (gy >= np.floor(low_y).astype(int)[edge_of])
                   & (gy <= np.floor(high_y).astype(int)[edge_of]))
        box = self.sliver_box[cell_k]  # NaN where a cell has no sliver test: never touched
        in_box = ((x_low[edge_of] <= box[:, 2]) & (x_high[edge_of] >= box[:, 0])
                  & (y_low[edge_of] <= box[:, 3]) & (y_high[edge_of] >= box[:, 1]))
        signed = np.where(signs > 0, hashes, np.uint64(0) - hashes)  # -h: two's complement
        n_cells = len(self.cells)
        sums = []
        for chosen in (touches, in_box):
            key = np.zeros(n_cells, dtype=np.uint64)  # sums modulo 2**64 (arrays wrap)
            np.add.at(key, cell_k[chosen], signed[edge_of[chosen]])
            count = np.bincount(cell_k[chosen], weights=signs[edge_of[chosen]],
                                minlength=n_cells).astype(np.int64)
            sums += [key, count]
        return (*sums, self._centre_crossings(edges))

    def _centre_crossings(self, edges: np.ndarray) -> np.ndarray:
        """Per cell: whether a ray from its centre towards +x crosses an odd number of
        ``edges``. Added up over a polygon's edges this is the point-in-polygon test, exact for
        cells without edges (no edge comes near their centre). An edge spans the rows whose
        centre satisfies ``y_low <= y < y_high``, so a ray through a vertex counts once."""
        y_low = np.minimum(edges[:, 1], edges[:, 3])
        y_high = np.maximum(edges[:, 1], edges[:, 3])
        first = np.searchsorted(self.row_centres, y_low)
        counts = np.searchsorted(self.row_centres, y_high) - first
        edge_of = np.repeat(np.arange(len(edges)), counts)
        row = first[edge_of] + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts,
                                                                  counts)
        x0, y0, x1, y1 = edges[edge_of].T
        cy = self.row_centres[row]
        x_cross = x0 + (cy - y0) * (x1 - x0) / (y1 - y0)
        left_of = np.searchsorted(self.column_centres, x_cross)  # columns whose ray crosses
        crossings = np.zeros((self.ny, self.nx + 1), dtype=np.int64)
        np.add.at(crossings, (row, 0), 1)
        np.add.at(crossings, (row, left_of), -1)
        odd = np.cumsum(crossings[:, :-1], axis=1) % 2 == 1
        return odd.ravel()[self.cell_grid_ids]

    # --- public -------------------------------------------------------------------------------

    def occupied_m2(self, occupied_projected: Geometry,
                    series: DaySeries | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Occupied area per region (m²) and the part of it that is coast/border slivers.

        ``occupied_projected`` must be valid and in the equal-area projection. ``series``:
        the run of days this one belongs to (reusing the day before's work).
        """
        if occupied_projected is None or occupied_projected.is_empty:
            return np.zeros(len(self.codes)), np.zeros(len(self.codes))
        polygon = shapely.orient_polygons(occupied_projected)
        return self._occupied_m2(polygon, _Edges.of(polygon), series or DaySeries())

    def occupied_m2_wgs84(self, occupied: Geometry, series: DaySeries | None = None,
                          ) -> tuple[np.ndarray, np.ndarray, Geometry]:
        """:meth:`occupied_m2` of a valid WGS 84 polygon, and the polygon projected. Points
        the day before's polygon had are not projected again."""
        if occupied is None or occupied.is_empty:
            return np.zeros(len(self.codes)), np.zeros(len(self.codes)), None
        series = series or DaySeries()
        memo = series.projection
        if memo.source is not occupied:  # not projected yet for another index's series
            last = memo.edges if memo.edges is not None else (
                series.cells.edges if series.cells else None)
            memo.edges, memo.polygon = _Edges.projected(shapely.orient_polygons(occupied),
                                                        _project_xy, last)
            memo.source = occupied
        return (*self._occupied_m2(memo.polygon, memo.edges, series), memo.polygon)

    def _occupied_m2(self, polygon: Geometry, edges: _Edges,
                     series: DaySeries) -> tuple[np.ndarray, np.ndarray]:
        n_regions = len(self.codes)
        # start from the day before's per-piece results: only cells whose key changed
        # (the line moved there) or that switched inside/outside are revisited
        last = series.cells
        occ = last.occ.copy() if last else np.zeros(len(self.piece_geom))
        extra = last.extra.copy() if last else np.zeros(len(self.piece_geom))
        # per cell: a key of the edges it depends on, how many there are, and whether its
        # centre is inside. All three add up over edges, so from the second day on only the
        # edges that appeared or disappeared since the day before are placed in cells.
        if last:
            key, n_edges, s_key, s_edges, centre_inside = self._edge_sums(
                *_edge_changes(edges, last.edges))
            key += last.key
            n_edges += last.n_edges
            s_key += last.s_key
            s_edges += last.s_edges
            centre_inside ^= last.centre_inside
        else:
            key, n_edges, s_key, s_edges, centre_inside = self._edge_sums(
                edges.rows(), edges.hashes, np.ones(len(edges.hashes), np.int64))
        has_edges = n_edges > 0
        # cells with no edge are wholly inside or wholly outside
        state = np.where(has_edges, 0, np.where(centre_inside, 1, 2)).astype(np.int8)  # 0 edges
        if last:
            revisit = (state != last.state) | (key != last.key) | (n_edges != last.n_edges)
            resliver = (s_key != last.s_key) | (s_edges != last.s_edges)
        else:
            revisit = np.ones(len(self.cells), dtype=bool)
            resliver = ~np.isnan(self.sliver_box[:, 0])  # the cells with a sliver test
        for k in np.flatnonzero(revisit & (state > 0)):
            sl = self.cells[k].pieces
            occ[sl] = self.piece_area[sl] if state[k] == 1 else 0.0
        series.cells = _DayCells(edges=edges, occ=occ, extra=extra, state=state, key=key,
                                 n_edges=n_edges, s_key=s_key, s_edges=s_edges,
                                 centre_inside=centre_inside)
        series.stats["hits"] += int((has_edges & ~revisit).sum())
        # a cell's occupied part is cached under its edges; its sliver part, under the edges
        # near its stretch of coast or border (a sliver test sees nothing else)
        for k in np.flatnonzero(has_edges & revisit):
            occ[self.cells[k].pieces] = self._cached(
                series, (int(k), int(key[k]), int(n_edges[k])), self._cell_occupied, k, polygon)
        for k in np.flatnonzero(resliver):
            extra[self.cells[k].pieces] = (
                0.0 if s_edges[k] == 0  # nothing drawn near the band: no sliver
                else self._cached(series, (-1 - int(k), int(s_key[k]), int(s_edges[k])),
                                  self._cell_sliver, k, polygon))
        total = np.bincount(self.piece_region, weights=occ, minlength=n_regions)
        slivers = np.bincount(self.piece_region, weights=extra, minlength=n_regions)
        return total + slivers, slivers

    @staticmethod
    def _cached(series: DaySeries, cache_key: tuple, compute, k: int,
                polygon: Geometry) -> np.ndarray:
        hit = series.cache.get(cache_key)
        if hit is None:
            series.stats["misses"] += 1
            hit = series.cache[cache_key] = compute(k, polygon)
        else:
            series.stats["hits"] += 1
        return hit

    def occupied_m2_direct(self, occupied_projected: Geometry) -> tuple[np.ndarray, np.ndarray]:
        """Same result as :meth:`occupied_m2` computed region by region without cells or cache
        (slow; kept as the reference the fast path is tested against)."""
        if occupied_projected is None or occupied_projected.is_empty:
            zeros = np.zeros(len(self.codes))
            return zeros, zeros
        regions, ukraine = self.outline()
        raw = shapely.area(shapely.intersection(regions, occupied_projected))
        free = shapely.difference(ukraine, occupied_projected)
        half = self.tolerance / 2.0
        core = _opening(free, half)
        band = shapely.intersection(
            shapely.buffer(shapely.boundary(ukraine), self.tolerance), ukraine)
        near = shapely.buffer(occupied_projected, self.tolerance)
        thin = shapely.difference(shapely.intersection(shapely.intersection(band, near), free),
                                  core)
        slivers = shapely.area(shapely.intersection(regions, thin))
        return raw + slivers, slivers

    def contested_m2(self, contested_projected: Geometry,
                     occupied_projected: Geometry) -> np.ndarray:
        """Contested area per region, not counting any part also drawn as occupied."""
        if contested_projected is None or contested_projected.is_empty:
            return np.zeros(len(self.codes))
        grey = contested_projected
        if occupied_projected is not None and not occupied_projected.is_empty:
            grey = shapely.difference(grey, occupied_projected)
        out = np.zeros(len(self.codes))
        near = self._tree.query(grey)  # the units whose bounds meet the grey zone's parts
        near = np.unique(near[1] if near.ndim == 2 else near)
        out[near] = shapely.area(shapely.intersection(self.unit_geometries()[near], grey))
        return out

    @functools.cached_property
    def _tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.unit_geometries())

    def shares(self, layers: ControlLayers, series: DaySeries | None = None) -> RegionShares:
        """Percent occupied and contested per region for one :class:`ControlLayers`; with the
        ``series`` of days it belongs to, reusing the day before's work."""
        occ, sliver, contested_m2, drawn_m2, filled_m2 = self._areas_of(
            layers, series or DaySeries())
        occ = np.minimum(occ, self.areas)
        contested = contested_km2 = None
        if not layers.contested.is_empty or layers.layer_counts.get("contested"):
            contested_m2 = np.minimum(contested_m2, self.areas)
            contested = np.clip(100.0 * contested_m2 / self.areas, 0.0, 100.0)
            contested_km2 = contested_m2 / 1e6
        elif _has_layer_names(layers):
            contested = np.zeros(len(self.codes))
            contested_km2 = np.zeros(len(self.codes))
        return RegionShares(date=layers.date, codes=self.codes,
                            occupied_pct=np.clip(100.0 * occ / self.areas, 0.0, 100.0),
                            contested_pct=contested,
                            sliver_pct=100.0 * sliver / self.areas,
                            notes=layers.notes, warnings=layers.warnings,
                            occupied_km2=occ / 1e6, contested_km2=contested_km2,
                            sliver_km2=sliver / 1e6, region_km2=self.areas / 1e6,
                            drawn_km2=drawn_m2 / 1e6, filled_km2=filled_m2 / 1e6,
                            date_note=layers.date_note)

    def _areas_of(self, layers: ControlLayers,
                  series: DaySeries) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
        """Occupied, sliver and contested m² per region; the occupied polygons' own area as
        drawn, and the area our outline of a named territory adds to them (m²). A file often
        repeats the day before's polygons (another date, the same line): then the day before's
        answer is the answer."""
        last = series.areas
        if (last is not None and last.named_territories == layers.named_territories
                and shapely.equals_exact(last.occupied, layers.occupied, tolerance=0.0)
                and shapely.equals_exact(last.contested, layers.contested, tolerance=0.0)):
            return last.areas
        named = {code for name in layers.named_territories
                 for code in NAMED_TERRITORY_CODES.get(name, ())}
        whole = [self.unit_geometries()[i] for i, parent in enumerate(self.parents or self.codes)
                 if parent in named]
        if whole:  # a layer that stands for whole regions: add our boundary of them
            drawn = self.project(layers.occupied) if not layers.occupied.is_empty else None
            parts = [drawn, *whole] if drawn is not None else whole
            occupied = shapely.union_all(np.asarray(parts, dtype=object))
            occ, sliver = self.occupied_m2(occupied, series)
            drawn_m2 = shapely.area(drawn) if drawn is not None else 0.0
            filled_m2 = shapely.area(occupied) - drawn_m2  # our outline beyond the layer
        else:
            occ, sliver, occupied = self.occupied_m2_wgs84(layers.occupied, series)
            # equal-area projection: the planar area is the area on the ellipsoid
            drawn_m2, filled_m2 = (shapely.area(occupied) if occupied is not None else 0.0), 0.0
        contested = self.contested_m2(self.project(layers.contested), occupied)
        areas = (occ, sliver, contested, float(drawn_m2), float(filled_m2))
        series.areas = _DayAreas(layers.occupied, layers.contested, layers.named_territories,
                                 areas)
        return areas


def _cell_context(ukraine: Geometry, box: Geometry, wide: Geometry,
                  tolerance: float) -> tuple[Geometry, Geometry]:
    """(Ukraine ∩ the wide cell, the band along the outer boundary ∩ the cell ∩ Ukraine)."""
    land = shapely.intersection(ukraine, wide)
    outer = shapely.intersection(shapely.boundary(ukraine),
                                 shapely.buffer(box, tolerance * 1.01, join_style="mitre"))
    band = shapely.intersection(shapely.buffer(outer, tolerance), box)
    return land, shapely.intersection(band, land)


def _has_layer_names(layers) -> bool:
    """A layered dump states its grey zone even when empty; a plain occupied file does not."""
    return bool(set(layers.layer_counts) - {"occupied"})


def measure_shoreline_mismatch(index: AreaIndex, occupied_wgs84: Geometry,
                               codes: tuple[str, ...] = ("UA-43", "UA-40"),
                               step_m: float = 100.0) -> np.ndarray:
    """Distances (m) from points every ``step_m`` along Ukraine's outer boundary within the
    regions ``codes`` to the occupied polygon: the registration error where the answer is known
    (Crimea and Sevastopol, occupied since 2014). Its maximum is the basis of
    :data:`SHORELINE_TOLERANCE_M`."""
    occupied = index.project(occupied_wgs84)
    regions, ukraine = index.outline()
    chosen = [regions[index.codes.index(code)] for code in codes]
    coast = shapely.intersection(shapely.boundary(ukraine), shapely.union_all(chosen))
    points = shapely.line_interpolate_point(coast, np.arange(0.0, coast.length, step_m))
    return shapely.distance(points, occupied)
