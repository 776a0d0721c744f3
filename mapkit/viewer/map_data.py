"""What the viewer's map is sent: region shapes once, then colours and figures for every date.

The browser gets all dates of the chosen source at once (a few hundred kilobytes for the whole
DeepStateMap timeline), so moving the slider repaints from memory without asking the server.
The figures and their compact payload are the exports' own (:mod:`mapkit.figures`,
:mod:`mapkit.publish.payload`), so the app and the exported maps agree on every figure and colour.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from functools import lru_cache

import pandas as pd

from mapkit.constants import PARTIAL_COLOUR, PARTIAL_HATCH_COLOUR
from mapkit.figures import build_timeline, list_series, series_of
from mapkit.i18n import t
from mapkit.levels import get_level
from mapkit.publish.payload import HATCH, encode_colours, timeline_payload
from mapkit.scale import change_colour, change_legend_items, legend_items, shown_figure
from mapkit.web_geometry import read_web_geometry

#: Light basemap under the regions (needs internet; tests answer tile requests with blank tiles).
TILES_URL = "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png"
TILES_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
    '&copy; <a href="https://carto.com/attributions">CARTO</a>'
)

MONTHS_UK = (
    "січня", "лютого", "березня", "квітня", "травня", "червня",
    "липня", "серпня", "вересня", "жовтня", "листопада", "грудня",
)
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def month_names(lang: str = "en") -> list[str]:
    """Month names as :func:`format_date` writes them (genitive in Ukrainian)."""
    return list(MONTHS_UK if lang == "uk" else MONTHS_EN)


def format_date(day: dt.date | pd.Timestamp | str, lang: str = "en") -> str:
    """``17 March 2025`` / ``17 березня 2025``."""
    day = pd.Timestamp(day).date()
    months = MONTHS_UK if lang == "uk" else MONTHS_EN
    return f"{day.day} {months[day.month - 1]} {day.year}"


def days_behind(newest: dt.date | pd.Timestamp | str, today: dt.date | None = None) -> int:
    """How many days the newest figure is older than ``today`` (default: today): the viewer
    warns above :data:`mapkit.constants.STALE_AFTER_DAYS`."""
    return ((today or dt.date.today()) - pd.Timestamp(newest).date()).days


def data_id(data: dict) -> str:
    """A short fingerprint, so the browser redraws only when the data really changed."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=10).hexdigest()


# --- Shapes -----------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def geometry_payload() -> dict:
    """Region shapes as GeoJSON (property ``code`` only), their fingerprint and the map bounds.

    The shapes are prepared ahead (:mod:`mapkit.web_geometry`), so a server's first
    page view neither imports geopandas nor simplifies polygons.
    """
    prepared = read_web_geometry()
    geometry = {"type": "FeatureCollection", "features": prepared["features"]}
    west, south, east, north = prepared["bbox"]
    return {
        "geometry": geometry,
        "geometry_id": data_id(geometry),
        "region_codes": list(get_level().codes),
        "bounds": [[south, west], [north, east]],
    }


# --- Percent timeline -------------------------------------------------------------------------


def percent_map_data(snapshots: pd.DataFrame, source: str | None, lang: str = "en") -> dict:
    """Every date of one series (``source``; None: :func:`mapkit.figures.default_series`).

    Frames carry, per region, the figures other series give near that date (``o``): they are
    shown beside the series' own in the tooltip, never in its colours.
    """
    timeline = build_timeline(snapshots, source=source)
    # Notes of reported figures only, as in the embed: the tooltip shows a reporter's words,
    # while computed figures' processing notes (nine tenths of the bytes) stay in the table/CSV.
    payload = timeline_payload(timeline, notes_of=("reported",), lang=lang)
    _add_km2(payload, timeline, lang)
    payload["mode"] = "percent"
    payload["date_labels"] = [format_date(day, lang) for day in timeline.dates]
    return payload


def series_labels(snapshots: pd.DataFrame, lang: str = "en") -> dict[str, str]:
    """Each series as the source choice shows it: "DeepStateMap · computed · 2014–2026 ·
    236 dates"."""
    frame = pd.DataFrame({"series": series_of(snapshots).to_numpy(),
                          "computed": (snapshots["method"] == "computed").to_numpy(),
                          "date": pd.to_datetime(snapshots["date"]).to_numpy()})
    labels = {}
    for name, rows in frame.groupby("series"):
        first, last = rows["date"].min(), rows["date"].max()
        years = str(first.year) if first.year == last.year else f"{first.year}–{last.year}"
        method = t("computed_short" if rows["computed"].any() else "reported", lang)
        labels[name] = t("series_label", lang, name=name, method=method, years=years,
                         dates=rows["date"].nunique())
    return {name: labels[name] for name in list_series(snapshots)}


def _add_km2(payload: dict, timeline, lang: str) -> None:
    """Each date's national headline (``headlines``; "" where the series has no national
    figure, ``has_national`` False when it never has one) and, per region where the snapshots
    give km², the km² (``km``) and its change over the last 7 and 30 days (``d7``, ``d30``;
    null where there is nothing to compare with)."""
    from mapkit.headline import change_over, headline_text

    headlines = [headline_text(timeline, day, lang) for day in timeline.dates]
    payload["headlines"] = headlines
    payload["has_national"] = any(headlines)
    codes = [region.code for region in timeline.regions]
    has_km2 = {code for code in codes
               if any(c.area_km2 is not None for c in timeline.history.get(code, ((), ()))[1])}
    if not has_km2:
        return

    def changes(day, days: int) -> tuple[list, dict]:
        """The change per region, and the label of those measured from another date than
        ``days`` before (a weekly series): "Since 9 August 2026"."""
        values, labels = [], {}
        for index, code in enumerate(codes):
            found = change_over(timeline, code, day, days) if code in has_km2 else None
            values.append(None if found is None else _short_km2(found[0]))
            if found is not None and (day - found[1]).days != days:
                labels[index] = t("change_since", lang, date=format_date(found[1], lang))
        return values, labels

    for day, frame, cells in zip(timeline.dates, payload["frames"], timeline.cells):
        frame["km"] = [None if cell.area_km2 is None else _short_km2(cell.area_km2)
                       for cell in cells]
        for days in (7, 30):
            values, labels = changes(day, days)
            frame[f"d{days}"] = values
            if labels:  # one label for the frame when every region shares it
                common = set(labels.values())
                frame[f"l{days}"] = (common.pop() if len(common) == 1 and len(labels) == sum(
                    v is not None for v in values) else {str(i): x for i, x in labels.items()})


def _short_km2(value: float) -> float | int:
    """km² with one decimal, written without ".0" when whole."""
    rounded = round(value, 1)
    return int(rounded) if rounded == int(rounded) else rounded


def percent_legend(lang: str = "en") -> list[list[str]]:
    """Legend rows (label, colour or ``hatch``), labels in ``lang``."""
    return [[label, HATCH if colour == PARTIAL_COLOUR else colour]
            for label, colour in legend_items(lang)]


# --- Change between two dates -----------------------------------------------------------------


def change_values(snapshots: pd.DataFrame, source: str | None, date_from, date_to) -> pd.DataFrame:
    """Per region: percent on each date (latest figure on or before it) and the change in pp.

    A change is only given where both dates have a figure; partial or missing gives none.
    """
    before = build_timeline(snapshots, date=date_from, source=source)
    after = build_timeline(snapshots, date=date_to, source=source)
    rows = []
    for region, a, b in zip(before.regions, before.frame(0), after.frame(0)):
        change = None
        if a.percent is not None and b.percent is not None:
            change = round(b.percent - a.percent, 2)
        rows.append({
            "region": region.code, "name_en": region.name_en, "name_uk": region.name_uk,
            "from_percent": a.percent, "to_percent": b.percent, "change_pp": change,
            "from_partial": a.partial, "to_partial": b.partial,
            "from_source": a.source, "to_source": b.source,
        })
    return pd.DataFrame(rows)


def change_map_data(snapshots: pd.DataFrame, source: str | None, date_from, date_to,
                    lang: str = "en") -> dict:
    """One frame: the change in percentage points, coloured on the diverging scale."""
    values = change_values(snapshots, source, date_from, date_to)
    units = get_level(snapshots.attrs.get("level")).units
    palette: list[str] = []
    codes = encode_colours((change_colour(None if change is None or _nan(change) else change)
                            for change in values["change_pp"]), palette)

    def clean(series: pd.Series) -> list:
        return [None if v is None or _nan(v) else shown_figure(v) for v in series]

    label_from, label_to = format_date(date_from, lang), format_date(date_to, lang)
    return {
        "mode": "change",
        "dates": [f"{pd.Timestamp(date_from).date()}/{pd.Timestamp(date_to).date()}"],
        "date_labels": [f"{label_from} → {label_to}"],
        "date_labels_pair": [label_from, label_to],
        "regions": [{"code": r.code, "en": r.name_en, "uk": r.name_uk} for r in units],
        "palette": palette,
        "sources": [],
        "frames": [{
            "p": clean(values["change_pp"]),
            "c": codes,
            "f": clean(values["from_percent"]),
            "t": clean(values["to_percent"]),
        }],
    }


def change_legend(lang: str = "en") -> list[list[str]]:
    return [[label, colour] for label, colour in change_legend_items(lang)]


def _nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


def hatch_colours() -> dict:
    return {"base": PARTIAL_COLOUR, "stroke": PARTIAL_HATCH_COLOUR}
