"""Named constants shared by every part of mapkit: projections, colour scales, paths.

Everything a reader might want to tune lives here, once.
"""

from __future__ import annotations

from pathlib import Path

# --- Paths -----------------------------------------------------------------------------------
#: The bundled data: boundaries, the files prepared from them, the bundled snapshots. There is
#: one copy, the repository's top-level ``data/``. A wheel carries it inside the package as
#: ``mapkit/data/`` (pyproject.toml maps the package ``mapkit.data`` onto ``data/``); a checkout
#: or an editable install has no ``mapkit/data/`` and reads ``data/`` beside the package.
PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = (PACKAGE_DIR / "data" if (PACKAGE_DIR / "data").is_dir()
            else PACKAGE_DIR.parent / "data")
BOUNDARIES_PATH = DATA_DIR / "oblasts.geojson"
SNAPSHOTS_DIR = DATA_DIR / "control_snapshots"
#: Leaflet, at the version package.json pins, shipped with the package: the viewer loads it from
#: here and the html export inlines it, so neither asks a CDN for it.
LEAFLET_DIR = PACKAGE_DIR / "viewer" / "frontend" / "vendor" / "leaflet"

# --- Coordinate reference systems ------------------------------------------------------------
#: Storage and exchange: plain WGS 84 longitude/latitude.
WGS84 = "EPSG:4326"
#: Lambert azimuthal equal-area centred on Ukraine: areas within ~0.1 % of the ellipsoid's
#: across the country, and a shape that looks right on a page.
UKRAINE_EQUAL_AREA = (
    "+proj=laea +lat_0=48.5 +lon_0=31.5 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
)
#: Lambert conformal conic for static maps and the SVG embed (standard parallels cut Ukraine).
UKRAINE_CONFORMAL = (
    "+proj=lcc +lat_1=46 +lat_2=51 +lat_0=48.5 +lon_0=31.5 +x_0=0 +y_0=0 +ellps=WGS84 "
    "+units=m +no_defs"
)

#: Ukraine's extent (west, south, east, north) in WGS 84, rounded outwards from
#: data/oblasts.geojson: where an input with no polygon in Ukraine is said to lie instead.
UKRAINE_BOUNDS_WGS84 = (22.1, 44.3, 40.2, 52.4)

# --- Simplification for the browser ----------------------------------------------------------
#: Topology-preserving simplification tolerance, in degrees (~0.01° ≈ 1 km).
WEB_SIMPLIFY_TOLERANCE_DEG = 0.01

# --- Colour scales ---------------------------------------------------------------------------
#: Every map, tooltip, table and label writes a percentage (and a change in points) with this
#: many decimals ("99.0 %"). A colour class is chosen by the figure as written
#: (:func:`mapkit.scale.shown_figure`), so 98.96 %, written "99.0 %", is coloured "≥ 99 %".
FIGURE_DECIMALS = 1
#: Sequential, colour-blind safe (ColorBrewer OrRd, 7 classes) for "% under Russian control".
#: A figure v, as written (FIGURE_DECIMALS), falls in class i when PERCENT_BREAKS[i] <= v <
#: PERCENT_BREAKS[i + 1]; 100 is in the last class.
PERCENT_BREAKS = (0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 99.0, 100.0)
PERCENT_COLOURS = (
    "#fef0d9",
    "#fdd49e",
    "#fdbb84",
    "#fc8d59",
    "#ef6548",
    "#d7301f",
    "#990000",
)
PERCENT_LABELS = ("< 1 %", "1–10 %", "10–25 %", "25–50 %", "50–75 %", "75–99 %", "≥ 99 %")
#: Region with no snapshot row on the chosen date and source.
NO_DATA_COLOUR = "#d9d9d9"
#: Region the source calls "partly controlled" without giving a figure: a hatch of these two.
PARTIAL_COLOUR = "#f4d5cf"
PARTIAL_HATCH_COLOUR = "#b2182b"

#: Diverging (ColorBrewer RdBu, reversed: red = more under Russian control) for the change
#: between two dates, in percentage points. Symmetric around "no change": a change v, as
#: written (FIGURE_DECIMALS), is "no change" when it is 0.0, and otherwise falls in the class of
#: its sign whose bounds hold its size, the bound nearer zero included (as in CHANGE_LABELS:
#: −0.1 is in "−2 to −0.1 pp", +2 in "+2 to +10 pp", −10 in "≤ −10 pp").
CHANGE_BREAKS = (-100.0, -10.0, -2.0, -0.1, 0.1, 2.0, 10.0, 100.0)
CHANGE_COLOURS = (
    "#2166ac",
    "#67a9cf",
    "#d1e5f0",
    "#f7f7f7",
    "#fddbc7",
    "#ef8a62",
    "#b2182b",
)
CHANGE_LABELS = ("≤ −10 pp", "−10 to −2 pp", "−2 to −0.1 pp", "no change", "+0.1 to +2 pp",
                 "+2 to +10 pp", "≥ +10 pp")
CHANGE_LABELS_UK = ("≤ −10 в. п.", "від −10 до −2 в. п.", "від −2 до −0,1 в. п.", "без змін",
                    "від +0,1 до +2 в. п.", "від +2 до +10 в. п.", "≥ +10 в. п.")

# --- Freshness --------------------------------------------------------------------------------
#: The viewer warns when its newest figure is more days older than today than this.
STALE_AFTER_DAYS = 7

# --- Snapshot format -------------------------------------------------------------------------
# The columns, the rules and the writer live in mapkit.snapshots; these are the words its cells
# may hold, which the maps show too.
#: How a figure was obtained: published by a source, or computed from front-line polygons.
METHODS = ("reported", "computed")
#: What a snapshot's percent cell says when the source reports partial control without a figure.
PARTIAL_MARKER = "partial"
