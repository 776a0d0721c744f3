"""Front-line polygon files → dated, classified control layers.

Four kinds of input end up as one :class:`ControlLayers` per date:

* DeepStateMap's raw history dumps (``../shared/deepstate/raw/*.json``): hundreds of features —
  points, lines, polygons — whose layer is known only from ``properties.name``. Polygons are
  classified by that name (:func:`classify_layer_name`) into occupied, contested, liberated,
  outside Ukraine or "other".
* DeepStateMap's cleaned daily files (``../shared/deepstate/daily/YYYY-MM-DD.geojson``): one
  MultiPolygon, the occupied area of that day.
* ISW/CTP's assessed-control files (``../shared/isw/YYYY-MM-DD.geojson``): polygons whose
  ``properties.layer`` names ISW's ArcGIS layer ``VIEW_RussiaCoTinUkraine`` (assessed Russian
  control of terrain); every such polygon counts as occupied, polygons of ISW's other layers
  (claimed control, advances, counter-offensives) are left out and listed.
* Any GeoJSON or GeoPackage of occupied areas a user brings: every polygon counts as occupied.

Validation happens here, once: geometry types, coordinates (Z dropped, other CRSs reprojected),
validity (repaired and counted), the date (flag, property or file name). Everything downstream
can trust a ``ControlLayers``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain
from pathlib import Path

import numpy as np
import orjson
import shapely
from shapely import Geometry

from mapkit.ingest import complexity
from mapkit.snapshots import parse_iso_date

try:  # optional: reads coordinate arrays straight into numpy, ~6x faster than orjson + lists
    import simdjson
except ImportError:  # pragma: no cover - the plain orjson path gives the same geometries
    simdjson = None

__all__ = [
    "Category",
    "ControlLayers",
    "ISW",
    "PolygonFileError",
    "classify_layer",
    "classify_layer_name",
    "date_from_filename",
    "is_daily_format",
    "is_isw_control_layer",
    "is_isw_format",
    "is_layered_dump",
    "made_by",
    "occupied_territory",
    "read_control_file",
    "snapshot_date_from_filename",
    "snapshot_date_from_name",
]

EMPTY = shapely.MultiPolygon()


class PolygonFileError(ValueError):
    """A polygon file cannot be imported: ``path`` is the file, ``message`` what is wrong with
    it and what to do; the error reads ``path: message``."""

    def __init__(self, path: str | Path, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


class Category(StrEnum):
    """What a DeepStateMap layer says about the ground under it."""

    OCCUPIED = "occupied"  # incl. ORDLO (CADR and CALR) and Crimea
    CONTESTED = "contested"  # "під питанням", "unknown status", grey zone
    LIBERATED = "liberated"  # was occupied, now free again
    OUTSIDE = "outside"  # "occupied" territories of other countries: never count
    OTHER = "other"  # anything we cannot read: reported, never counted


# --- Layer names ------------------------------------------------------------------------------
#
# DeepStateMap names its layers in Ukrainian, then "Ukrainian /// English", then with a third
# status key (``geoJSON.status.occupied``). The keys are the most reliable; then keywords, tried
# in this order, so that "Occupied Abkhazia" is outside before it is occupied and "Під питанням"
# (contested) wins over anything else in a free-text note. All real names found in the 211 raw
# dumps are in tests/test_importers.py.

_STATUS_KEYS: dict[str, Category] = {
    "occupied": Category.OCCUPIED,
    "unknown": Category.CONTESTED,
    "contested": Category.CONTESTED,
    "dismissed": Category.LIBERATED,
    "dismissed_at": Category.LIBERATED,
    "liberated": Category.LIBERATED,
}
_TERRITORY_KEYS: dict[str, Category] = {
    "ordlo": Category.OCCUPIED,
    "crimea": Category.OCCUPIED,
    "tuzla": Category.OCCUPIED,
    **{key: Category.OUTSIDE for key in (
        "transnistria", "abkhazia", "tskhinvali-district", "prussia", "karelia", "petsamo",
        "salla", "estonia", "latvia", "pechorsky-district", "kuril", "ichkeria")},
}
_KEY_RE = re.compile(r"geojson\.(status|territories)\.([a-z_-]+)|geojson\.(zmiinyi_island)")

_KEYWORDS: tuple[tuple[Category, tuple[str, ...]], ...] = (
    (Category.OUTSIDE, (
        "придністров", "transnistr", "абхаз", "abkhaz", "цхінвал", "tskhinval", "прусі",
        "пруссі", "prussia", "карелі", "karelia", "ічкері", "ichkeria", "петсамо", "petsamo",
        "салла", "salla", "естоні", "estonia", "латві", "latvia", "печорськ", "pechorsk",
        "куріл", "курил", "kuril")),
    (Category.CONTESTED, (
        "під питанням", "in doubt", "contest", "contens", "contenes", "невідом", "unknown",
        "сіра зона", "grey zone", "gray zone", "немає інформації")),
    (Category.LIBERATED, (
        "звільн", "liberat", "taken back", "recaptur", "відбит", "відкинуто", "pushed back",
        "під контролем зсу", "орки відсутні")),
    (Category.OCCUPIED, (
        "окупов", "occupied", "occupation", "ордло", "cadr", "calr", "крим", "crimea", "тузла",
        "tuzla", "зайняті ворогом", "захоплено")),
)

#: Layers whose name carries no status (a place, a road, a bare date or Google My Maps' default
#: "Багатокутник N" = "Polygon N"). Only for these does the layer's fill colour decide, using
#: DeepStateMap's palette below; every such decision is reported.
_UNLABELLED_NAME_RE = re.compile(
    r"^(багатокутник \d+|polygon \d+|\d{1,2}\.\d{2}(\.\d{2,4})?|зміїний|snake island"
    r"|дорога [^/]*)$")
_FILL_PALETTE: dict[str, Category] = {
    "#a52714": Category.OCCUPIED,  # occupied
    "#880e4f": Category.OCCUPIED,  # ORDLO / Crimea (2022 on)
    "#000000": Category.OCCUPIED,  # ORDLO / Crimea (spring 2022)
    "#bcaaa4": Category.CONTESTED,
    "#bdbdbd": Category.CONTESTED,
    "#757575": Category.CONTESTED,
    "#0f9d58": Category.LIBERATED,
    "#0288d1": Category.LIBERATED,
    "#01579b": Category.LIBERATED,
    "#ff5252": Category.OUTSIDE,  # other countries' occupied territories
}


def normalize_layer_name(name: str) -> str:
    """Casefolded, NFKC, non-breaking spaces and newlines collapsed to single spaces."""
    text = unicodedata.normalize("NFKC", name or "").replace("\u00a0", " ")
    text = text.replace("’", "'").replace("ʼ", "'")
    return re.sub(r"\s+", " ", text).strip().casefold()


def classify_layer_name(name: str) -> Category:
    """The category a layer name states, or ``OTHER`` when it states none we know.

    >>> classify_layer_name("Окуповано /// Occupied\\u00a0/// geoJSON.status.occupied")
    <Category.OCCUPIED: 'occupied'>
    """
    text = normalize_layer_name(name)
    if not text:
        return Category.OTHER
    key = _KEY_RE.search(text)
    if key:
        if key.group(3):  # Zmiinyi (Snake) Island: back under Ukrainian control since 2022-06-30
            return Category.LIBERATED
        table = _STATUS_KEYS if key.group(1) == "status" else _TERRITORY_KEYS
        return table.get(key.group(2), Category.OTHER)
    for category, words in _KEYWORDS:
        if any(word in text for word in words):
            return category
    return Category.OTHER


def classify_layer(name: str, fill: str | None = None) -> tuple[Category, str | None]:
    """Classify by name; for known status-less names fall back on the fill colour.

    Returns the category and, when the fill decided, a note saying so.
    """
    category = classify_layer_name(name)
    if category is not Category.OTHER:
        return category, None
    text = normalize_layer_name(name)
    colour = (fill or "").strip().lower()
    parts = [part.strip() for part in text.split("///")]
    if all(_UNLABELLED_NAME_RE.match(part) for part in parts) and colour in _FILL_PALETTE:
        by_fill = _FILL_PALETTE[colour]
        note = f"layer {name!r} has no status in its name; its fill {colour} reads {by_fill}"
        return by_fill, note
    return Category.OTHER, None


_TERRITORY_WORDS = {
    "crimea": ("крим", "crimea", "geojson.territories.crimea"),
    "tuzla": ("тузла", "tuzla"),
    "ordlo": ("ордло", "cadr", "calr", "geojson.territories.ordlo"),
}


def occupied_territory(name: str) -> str | None:
    """For the long-standing occupied layers: "crimea", "tuzla" or "ordlo"; else None.

    Used to rebuild the line as it stood before 24 February 2022 from a later dump.
    """
    if classify_layer_name(name) is not Category.OCCUPIED:
        return None
    text = normalize_layer_name(name)
    for territory, words in _TERRITORY_WORDS.items():
        if any(word in text for word in words):
            return territory
    return None


#: Layers that stand for a whole administrative unit, by :func:`occupied_territory`. Tuzla
#: island belongs to Crimea.
NAMED_TERRITORIES = {"crimea": "crimea", "tuzla": "crimea"}


# --- Dates ------------------------------------------------------------------------------------
#
# What a snapshot's date means, for every input: **a snapshot dated D shows the map after the
# last update of day D (UTC)** — DeepStateMap's own "as of D" figures and its month boundaries
# (the map at the end of the 1st) mean the same, and so do ``mapkit update``'s snapshots.
#
# * A raw history dump is named by the UTC time it was taken: its date is that day (most are
#   taken at 20–21 UTC, after the day's update).
# * A file in DeepStateMap's **daily format** — one occupied (Multi)Polygon feature without
#   layer names, named ``deepstatemap_data_YYYYMMDD`` (its file name or its GeoJSON ``name``)
#   — is the map *at the end of the day before* its date: the shared archive's file of D equals
#   the raw dump taken on D−1 at ~21 UTC (checked: docs/methodology.md, "Dates"). Its snapshot
#   is dated file date − 1 day, and every row's note says so.
# * An ISW/CTP file (:func:`is_isw_format`) keeps the date it gives, like a user's own: its
#   name is the day the assessment describes, and ISW's map of a day is that day's assessment
#   (no day's lag to undo).
# * Any other file (a user's own) keeps the date it gives: the --date flag, a ``date``
#   property, or its file name. A date given with --date always wins, for any file.

#: The name DeepStateMap's daily files carry, with their date (YYYYMMDD).
DAILY_FORMAT_NAME = re.compile(r"deepstatemap_data_(\d{4})(\d{2})(\d{2})(?!\d)")
#: How far a daily-format file's date is after the day whose map it holds.
DAILY_FORMAT_LAG = dt.timedelta(days=1)

_DATE_PATTERNS = (
    re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})_(\d{2})_(\d{2})(?!\d)"),
)
_DATE_PROPERTIES = ("date", "Date", "DATE", "datetime", "as_of", "valid_on", "updated")


def _parse_date(text: str) -> dt.date | None:
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            try:
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                continue
    return None


def date_from_filename(path: str | Path) -> dt.date | None:
    """The date in a file name: ``2024-07-08.geojson``, ``2022-04-03T123328Z.json``, ``x_20240708``.
    """
    return _parse_date(Path(path).name)


def is_daily_format(path: str | Path, document: dict, features: list[dict]) -> bool:
    """Whether a GeoJSON document is one of DeepStateMap's daily files: one (Multi)Polygon
    feature without a layer name, and the daily files' name (in the file name or the
    document's ``name``)."""
    names = (Path(path).name, str(document.get("name") or ""))
    if not any(DAILY_FORMAT_NAME.search(name) for name in names) or len(features) != 1:
        return False
    feature = features[0]
    geometry = feature.get("geometry") or {}
    return (geometry.get("type") in ("Polygon", "MultiPolygon")
            and not (feature.get("properties") or {}).get("name"))


def snapshot_date_from_name(name: str, head: str = "") -> dt.date | None:
    """The snapshot date a file called ``name`` will get: the name's date, a day earlier when
    the name (or ``head``, the file's first bytes) carries the daily files' name."""
    day = date_from_filename(name)
    if day is None:
        return None
    return day - DAILY_FORMAT_LAG if DAILY_FORMAT_NAME.search(Path(name).name + head) else day


def snapshot_date_from_filename(path: str | Path) -> dt.date | None:
    """The snapshot date a polygon file will get, from its name and its first bytes only
    (no parsing): the name's date, a day earlier for a daily-format file. For deciding what
    a run will write before reading the files; reading gives the date that counts."""
    path = Path(path)
    head = ""
    if path.suffix.lower() in (".json", ".geojson"):
        try:
            with open(path, "rb") as handle:
                head = handle.read(512).decode("utf-8", "replace")
        except OSError:
            pass
    return snapshot_date_from_name(path.name, head)


# --- The result -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ControlLayers:
    """One date's classified polygons, WGS 84 longitude/latitude, valid, 2-D.

    ``occupied`` includes ORDLO and Crimea; layers outside Ukraine and unreadable layers are not
    in any geometry (see ``warnings`` / ``notes``).
    """

    date: dt.date
    path: Path
    occupied: Geometry = EMPTY
    contested: Geometry = EMPTY
    liberated: Geometry = EMPTY
    repaired: int = 0
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    layer_counts: dict[str, int] = field(default_factory=dict)
    #: Administrative units a layer names as a whole ("crimea": the Autonomous Republic of
    #: Crimea and Sevastopol). The layer means the territory, so compute adds our boundary of
    #: it to the layer's polygons (no coastline mismatch; the polygons' reach beyond it stays).
    named_territories: frozenset[str] = frozenset()
    #: The long-standing occupied layers kept (``territories`` of :func:`read_control_file`),
    #: when only those were read from a raw dump; None when every layer was read.
    territories: frozenset[str] | None = None
    #: Why the date differs from the one the file gives (a daily-format file), for the notes.
    date_note: str | None = None
    #: What the layers were built from (a GeoJSON file's features, its CRS and the layers
    #: kept): the next file of a series that holds the same is not built again (``previous``).
    polygons: _Polygons | None = field(default=None, compare=False, repr=False)
    #: Who made the file, when it says so in a way we recognise (:func:`made_by`): the default
    #: source of its figures. None for anyone else's file.
    maker: str | None = None


# --- Geometry handling ------------------------------------------------------------------------

_POLYGON_TYPES = ("Polygon", "MultiPolygon", "GeometryCollection")


def _polygon_parts(geometry: Geometry) -> list[Geometry]:
    """Polygons inside a (Multi)Polygon or GeometryCollection; other parts are dropped."""
    kind = shapely.get_type_id(geometry)
    if kind == 3:  # Polygon
        return [geometry]
    if kind == 6:  # MultiPolygon
        return list(shapely.get_parts(geometry))
    if kind == 7:  # GeometryCollection
        return [p for part in shapely.get_parts(geometry) for p in _polygon_parts(part)]
    return []


def _clean(polygons: list[Geometry], valid: np.ndarray | None = None,
           ) -> tuple[list[Geometry], int, bool]:
    """Drop Z, repair invalid polygons; return the polygons, how many needed repair and
    whether anything changed (if not, the polygons are the list given). ``valid``: each
    polygon's validity, when it is known already."""
    if not polygons:
        return [], 0, False
    array = np.asarray(polygons, dtype=object)
    has_z = shapely.has_z(array).any()
    if has_z:
        array = shapely.force_2d(array)
    invalid = ~(shapely.is_valid(array) if valid is None else valid)
    repaired = int(invalid.sum())
    if repaired:
        array[invalid] = shapely.make_valid(array[invalid], method="structure",
                                            keep_collapsed=False)
    if not repaired and not has_z and not shapely.is_empty(array).any():
        return polygons, 0, False  # all valid, 2-D and non-empty: the very same list
    out: list[Geometry] = []
    for geom in array:
        out.extend(p for p in _polygon_parts(geom) if not p.is_empty)
    return out, repaired, True


def _union(polygons: list[Geometry], disjoint: bool = False) -> Geometry:
    """One MultiPolygon; ``disjoint`` = the parts come from one valid MultiPolygon already."""
    if not polygons:
        return EMPTY
    if disjoint:
        return shapely.MultiPolygon(polygons)
    merged = shapely.union_all(np.asarray(polygons, dtype=object))
    parts = _polygon_parts(merged)
    return shapely.MultiPolygon(parts) if parts else EMPTY


def _ring(coords) -> np.ndarray:
    ring = np.asarray(coords, dtype=float)
    if ring.ndim != 2 or ring.shape[1] < 2:
        raise ValueError("a ring must be a list of [x, y] positions")
    return ring[:, :2]  # drop Z / M


def _polygon(rings) -> Geometry:
    if not rings:
        return shapely.Polygon()
    shell, *holes = (shapely.linearrings(_ring(r)) for r in rings)
    return shapely.polygons(shell, holes=holes or None)


def _multipolygon(polygons: list) -> Geometry:
    """All rings in one array (``from_ragged_array``): a big layer in one step."""
    if not polygons:  # "coordinates": [] is an empty MultiPolygon
        return shapely.MultiPolygon()
    rings = [ring for polygon in polygons for ring in polygon]
    positions = [xy for ring in rings for xy in ring]
    try:
        flat_2d = bool(rings) and set(map(len, positions)) == {2}
        flat = np.fromiter(chain.from_iterable(positions), dtype=float,
                           count=2 * len(positions)).reshape(-1, 2) if flat_2d else None
    except (ValueError, TypeError):
        flat = None
    if flat is None:  # Z values or malformed positions: ring by ring, which says what is wrong
        return shapely.multipolygons([_polygon(p) for p in polygons])
    ring_offsets = np.cumsum([0] + [len(ring) for ring in rings])
    polygon_offsets = np.cumsum([0] + [len(polygon) for polygon in polygons])
    return shapely.from_ragged_array(
        shapely.GeometryType.MULTIPOLYGON, np.ascontiguousarray(flat[:, :2]),
        (ring_offsets, polygon_offsets, np.array([0, len(polygons)])))[0]


@dataclass(frozen=True, eq=False)
class _FlatRings:
    """A Polygon's or MultiPolygon's coordinates read by simdjson: every x, y in one array."""

    xy: np.ndarray  # (positions, 2)
    ring_lengths: tuple[int, ...]
    polygon_sizes: tuple[int, ...]  # rings per polygon

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, _FlatRings) and self.ring_lengths == other.ring_lengths
                and self.polygon_sizes == other.polygon_sizes
                and np.array_equal(self.xy, other.xy))

    __hash__ = None  # type: ignore[assignment]

    def geometry(self, kind: str) -> Geometry:
        ends = np.cumsum(self.ring_lengths)
        if kind == "Polygon":  # ring by ring, as the plain path does
            return _polygon([self.xy[end - n:end] for n, end in zip(self.ring_lengths, ends)])
        return shapely.from_ragged_array(
            shapely.GeometryType.MULTIPOLYGON, self.xy,
            (np.r_[0, ends], np.cumsum([0, *self.polygon_sizes]),
             np.array([0, len(self.polygon_sizes)])))[0]


def _flat_rings(coordinates, kind: str) -> _FlatRings | list:
    """simdjson coordinates → :class:`_FlatRings`; anything unusual (Z values, non-numbers,
    no rings) → plain lists, for the plain path to read or reject with its messages."""
    polygons = [coordinates] if kind == "Polygon" else list(coordinates)
    try:
        polygon_sizes = [len(polygon) for polygon in polygons]
        ring_lengths = [len(ring) for polygon in polygons for ring in polygon]
        xy = np.frombuffer(coordinates.as_buffer(of_type="d"), dtype=float)
    except (TypeError, ValueError):
        return coordinates.as_list()
    if not ring_lengths or xy.size != 2 * sum(ring_lengths):
        return coordinates.as_list()
    return _FlatRings(xy.reshape(-1, 2), tuple(ring_lengths), tuple(polygon_sizes))


def _from_simdjson(value):
    """simdjson's document → dicts and lists like orjson's, except that Polygon and
    MultiPolygon coordinates stay flat (:class:`_FlatRings`)."""
    if isinstance(value, simdjson.Array):
        return [_from_simdjson(item) for item in value]
    if not isinstance(value, simdjson.Object):
        return value
    kind = value.get("type")
    out = {}
    for key in value.keys():
        item = value[key]  # a proxy (``items()`` would convert everything at once)
        if key == "coordinates" and kind in ("Polygon", "MultiPolygon") and isinstance(
                item, simdjson.Array):
            out[key] = _flat_rings(item, kind)
        elif key in ("features", "geometry", "geometries", "map"):
            out[key] = _from_simdjson(item)
        elif isinstance(item, simdjson.Object):
            out[key] = item.as_dict()
        elif isinstance(item, simdjson.Array):
            out[key] = item.as_list()
        else:
            out[key] = item
    return out


class _TooDeep(ValueError):
    """JSON nested deeper than the parsers (or Python's stack) go: no GeoJSON needs that."""


def _parse_json(data: bytes):
    """JSON bytes → Python; raises ValueError when the bytes are not JSON (:class:`_TooDeep`
    when they nest too deeply to be read)."""
    try:
        if simdjson is None:
            return orjson.loads(data)
        return _from_simdjson(simdjson.Parser().parse(data))
    except RecursionError:
        raise _TooDeep() from None
    except RuntimeError as error:  # simdjson's DEPTH_ERROR
        if "DEPTH" in str(error):
            raise _TooDeep() from None
        raise
    except orjson.JSONDecodeError as error:
        if "depth limit" in str(error) or "recursion" in str(error).lower():
            raise _TooDeep() from None
        raise


def _geometry_from_json(geometry: dict) -> Geometry:
    """Polygonal GeoJSON → shapely, 2-D. Faster than GEOS's JSON reader for big layers."""
    kind = geometry.get("type")
    if isinstance(geometry.get("coordinates"), _FlatRings):
        return geometry["coordinates"].geometry(kind)
    if kind == "Polygon":
        return _polygon(geometry.get("coordinates") or [])
    if kind == "MultiPolygon":
        return _multipolygon(geometry.get("coordinates") or [])
    if kind == "GeometryCollection":
        parts = [_geometry_from_json(g) for g in geometry.get("geometries") or []
                 if isinstance(g, dict) and g.get("type") in _POLYGON_TYPES]
        return shapely.geometrycollections(parts)
    return shapely.from_geojson(orjson.dumps(geometry))


def _crs_of(document: dict) -> str | None:
    """The legacy GeoJSON ``crs`` member, if it names something other than lon/lat WGS 84."""
    crs = document.get("crs")
    if not isinstance(crs, dict):
        return None
    name = str((crs.get("properties") or {}).get("name", ""))
    if not name or re.search(r"CRS84|EPSG:+4326$|EPSG::4326", name, re.IGNORECASE):
        return None
    return name


def _to_wgs84(polygons: list[Geometry], crs: str, path: Path) -> list[Geometry]:
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        source = CRS.from_user_input(crs)
    except CRSError as error:
        raise PolygonFileError(path, f"unknown coordinate reference system {crs!r} ({error}). "
                           "Reproject the file to WGS 84 (EPSG:4326).") from error
    transformer = Transformer.from_crs(source, "EPSG:4326", always_xy=True)
    array = np.asarray(polygons, dtype=object)
    return list(shapely.transform(array, lambda xy: np.column_stack(
        transformer.transform(xy[:, 0], xy[:, 1]))))


def _check_lonlat(polygons: list[Geometry], path: Path) -> None:
    if not polygons:
        return
    minx, miny, maxx, maxy = shapely.total_bounds(
        polygons[0] if len(polygons) == 1 else np.asarray(polygons, dtype=object))
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise PolygonFileError(
            path, f"coordinates ({minx:.0f}, {miny:.0f}) … ({maxx:.0f}, {maxy:.0f}) are not "
            "longitude/latitude, and the file does not say which CRS they are in. Add a 'crs' "
            "member or reproject the file to WGS 84 (EPSG:4326).")


# --- Readers ----------------------------------------------------------------------------------


#: Layer names only DeepStateMap's raw dumps use: its status keys, its "Ukrainian /// English"
#: names and its Ukrainian layer names.
_DEEPSTATE_LAYER_NAME = re.compile(
    r"geojson\.(status|territories)\.|///|окупован|ордло|під питанням|звільнен")
DEEPSTATE = "DeepStateMap"
#: The Institute for the Study of War with the Critical Threats Project (AEI): their
#: assessed-control layer is the other map newsrooms cite.
ISW = "ISW/CTP"
#: Whose files the importer recognises as their own (:func:`made_by`).
MAKERS = (DEEPSTATE, ISW)

#: ISW/CTP's assessed-control layer, by the names its copies give it in ``properties.layer``:
#: the ArcGIS service ``VIEW_RussiaCoTinUkraine`` (``_V3`` and so on; "CoT" = control of
#: terrain), the 2022 monthly services ``…RussianAssessedCoTinUkraine`` and the layer's title,
#: "Assess(ed) Russian Control". ISW's other layers in the same copies — claimed Russian
#: control (``…RussianClaimedCoTinUkraine``, ``ClaimedRussianTerritory…``), assessed advances,
#: claimed Ukrainian counter-offensives, partisan warfare — are not control and never count.
_ISW_CONTROL_LAYER = re.compile(
    r"russiacotinukraine|russianassessedcotinukraine|assess(ed)? russian control")
_ISW_LAYER_PROPERTY = "layer"


def _isw_layer(feature: dict) -> str | None:
    """A feature's ``properties.layer`` when it is a polygon's, normalised; else None."""
    geometry = feature.get("geometry") or {}
    if geometry.get("type") not in _POLYGON_TYPES:
        return None
    layer = (feature.get("properties") or {}).get(_ISW_LAYER_PROPERTY)
    return normalize_layer_name(layer) if isinstance(layer, str) else None


def is_isw_control_layer(layer: str) -> bool:
    """Whether a ``properties.layer`` value names ISW/CTP's assessed-control layer."""
    return bool(_ISW_CONTROL_LAYER.search(normalize_layer_name(layer)))


def is_isw_format(features: list[dict]) -> bool:
    """Whether a GeoJSON document is one of ISW/CTP's assessed-control files: polygons whose
    ``properties.layer`` names that layer (:func:`is_isw_control_layer`)."""
    return any(layer is not None and is_isw_control_layer(layer)
               for layer in map(_isw_layer, features))


def made_by(path: str | Path, document: dict, features: list[dict]) -> str | None:
    """"DeepStateMap" for a file in one of DeepStateMap's own formats (a daily file,
    :func:`is_daily_format`, or a raw dump whose polygon layers carry its layer names);
    "ISW/CTP" for one of ISW/CTP's assessed-control files (:func:`is_isw_format`); None for any
    other file, whoever drew it."""
    if is_daily_format(path, document, features):
        return DEEPSTATE
    if is_isw_format(features):
        return ISW
    for feature in features:
        geometry = feature.get("geometry") or {}
        if geometry.get("type") in _POLYGON_TYPES:
            layer = (feature.get("properties") or {}).get("name")
            if isinstance(layer, str) and _DEEPSTATE_LAYER_NAME.search(
                    normalize_layer_name(layer)):
                return DEEPSTATE
    return None


def is_layered_dump(features: list[dict]) -> bool:
    """True when polygon features carry DeepStateMap layer names (a raw history dump)."""
    for feature in features:
        geometry = feature.get("geometry") or {}
        if geometry.get("type") in ("Polygon", "MultiPolygon", "GeometryCollection"):
            name = (feature.get("properties") or {}).get("name")
            if isinstance(name, str) and classify_layer_name(name) is not Category.OTHER:
                return True
    return False


def _load_json(path: Path, data: bytes | None) -> dict:
    try:
        document = _parse_json(path.read_bytes() if data is None else data)
    except OSError as error:
        raise PolygonFileError(path, f"cannot be read ({error.strerror or error}).") from error
    except _TooDeep:
        raise PolygonFileError(path, "its arrays or objects are nested too deeply (hundreds "
                               "of levels) to be read; no GeoJSON needs that.") from None
    except ValueError as error:  # orjson.JSONDecodeError or simdjson's
        raise PolygonFileError(path, f"not valid JSON ({error}). Is it a GeoJSON file?"
                               ) from error
    if (isinstance(document, dict) and "type" not in document
            and isinstance(document.get("map"), dict)):
        document = document["map"]  # DeepStateMap's /history/last answer: {"id", "map": …}
    if not isinstance(document, dict) or document.get("type") not in (
            "FeatureCollection", "Feature", "Polygon", "MultiPolygon", "GeometryCollection"):
        raise PolygonFileError(path, "not a GeoJSON FeatureCollection, Feature or polygon "
                           "geometry.")
    if document["type"] == "FeatureCollection":
        if not isinstance(document.get("features"), list):
            raise PolygonFileError(path, "FeatureCollection without a 'features' list.")
        return document
    if document["type"] == "Feature":
        return {**document, "type": "FeatureCollection", "features": [document]}
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": document}], "crs": document.get("crs")}


def _resolve_date(path: Path, date: dt.date | str | None, document: dict,
                  features: list[dict]) -> dt.date:
    if date is not None:
        if isinstance(date, dt.date):
            return date
        if (parsed := parse_iso_date(str(date))) is None:
            raise PolygonFileError(path, f"--date {date!r} is not a date; use YYYY-MM-DD.")
        return parsed
    for feature in features[:50]:
        properties = feature.get("properties") or {}
        for key in _DATE_PROPERTIES:
            if key in properties and properties[key]:
                found = _parse_date(str(properties[key]))
                if found:
                    return found
    for text in (path.name, str(document.get("name") or "")):
        found = _parse_date(text)
        if found:
            return found
    raise PolygonFileError(path, "no date found — not in a 'date' property, not in the file "
                           "name (like 2024-07-08.geojson). Give one with --date YYYY-MM-DD.")


@dataclass(frozen=True)
class _Polygons:
    """What a GeoJSON file's features hold, before the date and the file name are added."""

    layers: dict[Category, Geometry]
    repaired: int
    notes: tuple[str, ...]
    unknown: Counter[str]
    counts: dict[str, int]
    named: frozenset[str]
    key: tuple  # (features, crs, territories): the input these polygons were built from


def _read_geojson(path: Path, data: bytes | None, date: dt.date | str | None,
                  territories: frozenset[str] | None,
                  previous: ControlLayers | None) -> ControlLayers:
    document = _load_json(path, data)
    features = [f for f in document["features"] if isinstance(f, dict)]
    when = _resolve_date(path, date, document, features)
    date_note = None
    if date is None and is_daily_format(path, document, features):
        date_note = (f"DeepStateMap's daily file of {when.isoformat()}: the map at the end of "
                     f"{(when - DAILY_FORMAT_LAG).isoformat()}")
        when -= DAILY_FORMAT_LAG
    key = (features, _crs_of(document), territories)
    # Consecutive files of a daily series are often identical but for their date: comparing
    # the parsed features costs microseconds, building the polygons again milliseconds.
    if previous is not None and previous.polygons is not None and previous.polygons.key == key:
        polygons = previous.polygons
    else:
        polygons = _read_polygons(path, *key)
    warnings = []
    maker = made_by(path, document, features)
    if polygons.unknown:
        listed = "; ".join(f"{name!r} ×{n}" for name, n in polygons.unknown.most_common())
        which = ("other than ISW/CTP's assessed Russian control" if maker == ISW
                 else "with unknown names")
        warnings.append(f"{path.name}: {sum(polygons.unknown.values())} polygon(s) in layers "
                        f"{which}, not counted: {listed}")
    layers = polygons.layers
    return ControlLayers(date=when, path=path, occupied=layers[Category.OCCUPIED],
                         contested=layers[Category.CONTESTED],
                         liberated=layers[Category.LIBERATED], repaired=polygons.repaired,
                         notes=polygons.notes, warnings=tuple(warnings),
                         layer_counts=dict(polygons.counts), named_territories=polygons.named,
                         territories=territories, polygons=polygons, date_note=date_note,
                         maker=maker)


def _read_polygons(path: Path, features: list[dict], crs: str | None,
                   territories: frozenset[str] | None) -> _Polygons:
    layered = is_layered_dump(features)
    isw = not layered and is_isw_format(features)
    groups: dict[Category, list[Geometry]] = {c: [] for c in Category}
    unknown: Counter[str] = Counter()
    notes: list[str] = []
    counts: Counter[str] = Counter()
    non_polygon: Counter[str] = Counter()
    sources: Counter[Category] = Counter()  # features per category (2 for a collection)
    shapes: dict[Category, Geometry] = {}  # the last feature's geometry per category
    named: set[str] = set()
    feature_of: dict[Category, list[int]] = {c: [] for c in Category}  # each part's feature
    for index, feature in enumerate(features):
        geometry = feature.get("geometry")
        if not geometry:
            continue
        kind = geometry.get("type")
        if kind not in ("Polygon", "MultiPolygon", "GeometryCollection"):
            non_polygon[kind] += 1
            continue
        try:
            shape = _geometry_from_json(geometry)
        except (shapely.errors.GEOSException, ValueError, TypeError) as error:
            raise PolygonFileError(path, f"feature {index} ({kind}) has coordinates that "
                                   f"cannot be read ({error}).") from error
        parts = [part for part in _polygon_parts(shape) if not part.is_empty]
        if not parts:  # no coordinates ("coordinates": [] or null), or no polygon inside
            non_polygon[f"empty {kind}" if kind != "GeometryCollection" else
                        "GeometryCollection without polygons"] += 1
            continue
        properties = feature.get("properties") or {}
        if layered:
            name = str(properties.get("name") or "")
            category, note = classify_layer(name, properties.get("fill"))
            territory = occupied_territory(name)
            if territories is not None and territory not in territories:
                continue
            if territory in NAMED_TERRITORIES:  # stands for the whole administrative unit
                named.add(NAMED_TERRITORIES[territory])
            if note:
                notes.append(note)
            if category is Category.OTHER:
                unknown[name] += 1
        elif isw:  # ISW/CTP: only its assessed-control layer is control; no grey zone
            layer = str(properties.get(_ISW_LAYER_PROPERTY) or "")
            if not is_isw_control_layer(layer):
                unknown[layer] += 1
                continue
            category = Category.OCCUPIED
        else:
            category = Category.OCCUPIED
        counts[category.value] += 1
        sources[category] += 1 if shapely.get_type_id(shape) in (3, 6) else 2
        groups[category].extend(parts)
        feature_of[category].extend([index] * len(parts))
        shapes[category] = shape
    if not layered and not groups[Category.OCCUPIED]:
        found = ", ".join(f"{n} {k}" for k, n in non_polygon.items()) or "no features"
        raise PolygonFileError(path, f"no polygons to import (found {found}). Occupied areas "
                               "must be Polygon or MultiPolygon features.")
    counted = (Category.OCCUPIED, Category.CONTESTED, Category.LIBERATED)
    for category in counted:
        if crs:
            groups[category] = _to_wgs84(groups[category], crs, path)
        else:
            _check_lonlat(groups[category], path)
    valid = {c: shapely.is_valid(np.asarray(groups[c], dtype=object)) for c in counted}
    _check_complexity(path, [p for c in counted for p in groups[c]],
                      [i for c in counted for i in feature_of[c]],
                      crossings=_overlaid(groups, sources, counted, valid),
                      valid=np.concatenate([valid[c] for c in counted]))
    repaired = 0
    layers: dict[Category, Geometry] = {}
    for category in counted:
        polygons = groups[category]
        cleaned, fixed, changed = _clean(polygons, valid[category])
        repaired += fixed
        whole = shapes.get(category)
        if (not crs and sources[category] == 1 and not changed
                and shapely.get_type_id(whole) == 6):
            layers[category] = whole  # one valid MultiPolygon feature, as it came: keep it
        else:
            layers[category] = _union(cleaned, disjoint=sources[category] == 1 and not fixed)
    if repaired:
        notes.append(f"{repaired} invalid polygon(s) repaired")
    if crs:
        notes.append(f"reprojected from {crs}")
    return _Polygons(layers=layers, repaired=repaired, notes=tuple(dict.fromkeys(notes)),
                     unknown=unknown, counts=dict(counts), named=frozenset(named),
                     key=(features, crs, territories))


def _overlaid(groups: dict[Category, list[Geometry]], sources: Counter[Category],
              counted: tuple[Category, ...], valid: dict[Category, np.ndarray]) -> bool:
    """Whether a file's polygons go through GEOS's overlays (repair, union, one layer cut
    out of another): all but one valid (Multi)Polygon feature in one layer, a daily file."""
    layers = [category for category in counted if groups[category]]
    return not (len(layers) == 1 and sources[layers[0]] == 1 and valid[layers[0]].all())


def _check_complexity(path: Path, polygons: list[Geometry], feature_of: list[int],
                      crossings: bool = True, valid: np.ndarray | None = None) -> None:
    """Refuse polygons with more vertices than a file may have or, with ``crossings`` (they
    go through GEOS's overlays), whose repair and overlays would take more than a file's
    budget (:mod:`mapkit.ingest.complexity`), naming the feature that weighs most and what
    to do. ``valid``: each polygon's validity, when it is known already."""
    found = complexity.measure(np.asarray(polygons, dtype=object), crossings=crossings,
                               valid=valid)
    if found.over is None:
        return
    polygon = polygons[found.busiest]
    feature = (f"feature {feature_of[found.busiest]}, a polygon of "
               f"{shapely.get_num_coordinates(polygon):,} vertices")
    if found.over == "vertices":
        raise PolygonFileError(path, (
            f"its polygons have {found.vertices:,} vertices, more than the "
            f"{complexity.MAX_VERTICES:,} a file may have (the largest is {feature}). "
            "Simplify them (e.g. mapshaper -simplify 10%, or QGIS: Vector ▸ Geometry Tools ▸ "
            "Simplify) and try again."))
    what = (f"cross one another at more than {complexity.MAX_CROSSINGS:,} points"
            if found.over == "crossings" else
            f"lie close to one another in more than {complexity.MAX_NEAR_PAIRS:,} pairs")
    raise PolygonFileError(path, (
        f"its polygons' edges {what} (most of them in {feature}): too complex to repair, "
        "as repairing splits every edge at every such point, which would take far more time "
        "and memory than a file may use. Real front lines cross themselves at a handful of "
        "points; a ring whose points are out of order crosses itself everywhere. Check the "
        "polygons, fix them (QGIS: Vector ▸ Geometry Tools ▸ Fix Geometries; or mapshaper "
        "-clean) and try again."))


def _read_with_pyogrio(path: Path, data: bytes | None,
                       date: dt.date | str | None) -> ControlLayers:
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(path if data is None else data)
    except Exception as error:  # pyogrio raises several kinds for an unreadable file
        raise PolygonFileError(path, f"cannot be read as a vector file ({error}).") from error
    if frame.crs is None:
        raise PolygonFileError(path, "the layer has no coordinate reference system; set one "
                           "(e.g. EPSG:4326) and try again.")
    if frame.crs.to_epsg() != 4326:
        frame = frame.to_crs("EPSG:4326")
    polygons = [p for geom in frame.geometry if geom is not None for p in _polygon_parts(geom)]
    if not polygons:
        kinds = ", ".join(sorted(set(frame.geometry.geom_type.dropna()))) or "no features"
        raise PolygonFileError(path, f"no polygons to import (found {kinds}). Occupied areas "
                               "must be polygons.")
    features = [{"properties": {k: str(v) for k, v in row.items()}}
                for row in frame.drop(columns="geometry").head(50).to_dict("records")]
    when = _resolve_date(path, date, {}, features)
    _check_complexity(path, polygons, [i for i, geom in enumerate(frame.geometry)
                                       if geom is not None for _ in _polygon_parts(geom)])
    polygons, repaired, _ = _clean(polygons)
    notes = [f"{repaired} invalid polygon(s) repaired"] if repaired else []
    return ControlLayers(date=when, path=path, occupied=_union(polygons), repaired=repaired,
                         notes=tuple(notes), layer_counts={"occupied": len(frame)})


def read_control_file(path: str | Path, date: dt.date | str | None = None,
                      territories: Iterable[str] | None = None, *, data: bytes | None = None,
                      previous: ControlLayers | None = None) -> ControlLayers:
    """Read one polygon file into classified, validated layers.

    ``date`` (a flag) wins over a ``date`` property, which wins over the file name.
    ``territories`` (raw dumps only) keeps just those long-standing occupied layers, e.g.
    ``{"crimea", "ordlo"}`` for the line before 24 February 2022.
    A DeepStateMap raw dump is recognised by its layer names, an ISW/CTP file by its
    ``layer`` property (only its assessed-control layer counts); any other GeoJSON or
    GeoPackage counts all its polygons as occupied. ``.geojson.gz`` and ``.json.gz`` files are
    read as the GeoJSON they compress; DeepStateMap's ``/history/last`` answer as the map it
    holds.

    ``data``: the file's bytes, already in memory (an upload); ``path`` is then only its name,
    which says its kind and may hold its date. ``previous``: the layers of the file read before
    in a series; when this GeoJSON file holds the same features, its polygons are taken from
    there instead of being built again.
    """
    path = Path(path)
    if data is None and not path.is_file():
        raise PolygonFileError(path, "no such file.")
    kind = path.suffix.lower()
    if kind == ".gz":  # gzip-compressed GeoJSON, as `mapkit update --cache` keeps it
        kind = Path(path.stem).suffix.lower()
        if kind not in (".json", ".geojson"):
            raise PolygonFileError(path, "a compressed input must be gzip-compressed GeoJSON "
                                   "named .geojson.gz or .json.gz.")
        try:
            data = gzip.decompress(path.read_bytes() if data is None else data)
        except (OSError, EOFError, zlib.error) as error:
            raise PolygonFileError(path, f"cannot be decompressed ({error}); is the gzip file "
                                   "complete?") from error
    try:
        if kind in (".json", ".geojson"):
            return _read_geojson(path, data, date,
                                 frozenset(territories) if territories else None, previous)
        return _read_with_pyogrio(path, data, date)
    except RecursionError:  # collections within collections, deeper than the stack allows
        raise PolygonFileError(path, "its geometries are nested too deeply (collections "
                               "within collections) to be read.") from None
