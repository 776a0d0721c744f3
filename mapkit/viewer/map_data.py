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

import numpy as np
import pandas as pd

from mapkit.constants import PARTIAL_COLOUR, PARTIAL_HATCH_COLOUR
from mapkit.figures import (
    Coverage,
    Timeline,
    build_timeline,
    default_series,
    list_series,
    series_coverage,
    series_of,
)
from mapkit.i18n import date_text, t
from mapkit.levels import DEFAULT_LEVEL, get_level
from mapkit.publish.payload import (
    HATCH,
    PER_REGION_KEYS,
    changes_only,
    encode_colours,
    region_entries,
    step_durations,
    time_axis,
    timeline_payload,
)
from mapkit.scale import change_colour, change_legend_items, legend_items, shown_figure
from mapkit.viewer import tables
from mapkit.web_geometry import read_web_geometry

#: Light basemap under the regions (needs internet; tests answer tile requests with blank tiles).
TILES_URL = "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png"
TILES_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
    '&copy; <a href="https://carto.com/attributions">CARTO</a>'
)

def month_names(lang: str = "en") -> list[str]:
    """Month names as :func:`mapkit.i18n.date_text` writes them after a day (genitive in
    Ukrainian: "17 березня"), for the map's tooltips: taken from it, so the two never differ."""
    return [date_text(dt.date(2000, month, 1), lang, year=False).split(" ", 1)[1]
            for month in range(1, 13)]


def days_behind(newest: dt.date | pd.Timestamp | str, today: dt.date | None = None) -> int:
    """How many days the newest figure is older than ``today`` (default: today): the viewer
    warns above :data:`mapkit.constants.STALE_AFTER_DAYS`."""
    return ((today or dt.date.today()) - pd.Timestamp(newest).date()).days


def data_id(data: dict) -> str:
    """A short fingerprint, so the browser redraws only when the data really changed."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=10).hexdigest()


# --- Shapes -----------------------------------------------------------------------------------


@lru_cache(maxsize=3)
def geometry_payload(level: str | None = None) -> dict:
    """A level's shapes (default: the oblasts), their fingerprint and the map bounds: the
    oblasts as GeoJSON (property ``code`` only), raions and hromadas as TopoJSON (each
    border once; the map turns it into shapes: ``topologyFeatures`` in frontend/index.html),
    and each oblast's bounds (``oblast_bounds``: where "Raions of …" zooms to).

    The shapes are prepared ahead (:mod:`mapkit.web_geometry`), so a server's first
    page view neither imports geopandas nor simplifies polygons; only the shown level's are
    sent.
    """
    level = get_level(level)
    prepared = read_web_geometry(level=level)
    if prepared.get("type") == "Topology":
        geometry = {key: prepared[key] for key in ("type", "transform", "arcs", "objects")}
    else:
        geometry = {"type": "FeatureCollection", "features": prepared["features"]}
    west, south, east, north = prepared["bbox"]
    return {
        "geometry": geometry,
        "geometry_id": data_id(geometry),
        "region_codes": list(level.codes),
        "bounds": [[south, west], [north, east]],
    }


@lru_cache(maxsize=1)
def oblast_bounds() -> dict[str, list[list[float]]]:
    """Each oblast's bounds as the map fits them ([[south, west], [north, east]]), from the
    oblasts' prepared shapes: where the map zooms for "Raions of Donetsk Oblast" or a
    search."""
    return _bounds_by_code(geometry_payload("oblast")["geometry"])


def unit_bounds(level: str, code: str) -> list[list[float]] | None:
    """A unit's bounds ([[south, west], [north, east]]) in the level's shapes, or None."""
    return _level_bounds(get_level(level).name).get(code)


@lru_cache(maxsize=3)
def _level_bounds(level: str) -> dict[str, list[list[float]]]:
    from mapkit.web_geometry import topology_shapes

    geometry = geometry_payload(level)["geometry"]
    if geometry["type"] == "Topology":
        geometry = {"features": [{"properties": {"code": code}, "geometry": shape}
                                 for code, shape in topology_shapes(geometry).items()]}
    return _bounds_by_code(geometry)


def _bounds_by_code(collection: dict) -> dict[str, list[list[float]]]:
    def points(value):
        if isinstance(value[0], (int, float)):
            yield value
        else:
            for item in value:
                yield from points(item)

    out = {}
    for feature in collection["features"]:
        xs, ys = zip(*points(feature["geometry"]["coordinates"]))
        out[feature["properties"]["code"]] = [[min(ys), min(xs)], [max(ys), max(xs)]]
    return out


# --- Percent timeline -------------------------------------------------------------------------


def viewer_timeline(snapshots: pd.DataFrame, source: str | None) -> Timeline:
    """Every date of one series (``source``; None: :func:`mapkit.figures.default_series`) as the
    viewer shows it: its own dates, and, in each of its gaps, the gap's first day and every
    day another series has a map for — the slider stops there and says "no map" (never the
    map before the gap under a later date), and the reader can switch to that series on that
    very day."""
    name = source if source is not None else default_series(snapshots)
    others = [day for series, found in series_coverage(snapshots).items() if series != name
              for day in found.maps]
    return build_timeline(snapshots, source=name, gaps=True, gap_days=others)


def percent_map_data(snapshots: pd.DataFrame, source: str | None, lang: str = "en",
                     timeline: Timeline | None = None) -> dict:
    """Every date of one series (``source``; None: :func:`mapkit.figures.default_series`), with
    its gaps (:func:`viewer_timeline`, or ``timeline`` when it is made already).

    Frames carry, per region, the figures other series give near that date (``o``): they are
    shown beside the series' own in the tooltip, never in its colours. A frame of a day the
    series has no map for carries ``gap``: what the map says, and the series to switch to
    (:func:`_add_gaps`); ``coverage`` is where each series has maps, for the slider.
    """
    if timeline is None:
        timeline = viewer_timeline(snapshots, source)
    # Notes of reported figures only, as in the embed: the tooltip shows a reporter's words,
    # while computed figures' processing notes (nine tenths of the bytes) stay in the table/CSV.
    payload = timeline_payload(timeline, notes_of=("reported",), lang=lang)
    _add_km2(payload, timeline, lang)
    coverage = series_coverage(snapshots)
    _add_gaps(payload, timeline, coverage, lang)
    payload["coverage"] = coverage_payload(timeline.series, timeline.dates[0],
                                           timeline.dates[-1], coverage,
                                           computed_series(snapshots))
    payload["mode"] = "percent"
    payload["date_labels"] = [date_text(day, lang) for day in timeline.dates]
    if timeline.level.name != DEFAULT_LEVEL:  # a raion or hromada map: changes only
        changes_only(payload)
    return payload


def computed_series(snapshots: pd.DataFrame) -> list[str]:
    """The series with computed figures (maps drawn from polygons), in the order of
    :func:`mapkit.figures.list_series`."""
    computed = set(series_of(snapshots)[(snapshots["method"] == "computed").to_numpy()])
    return [name for name in list_series(snapshots) if name in computed]


def switch_target(timeline: Timeline, date_index: int,
                  coverage: dict[str, Coverage]) -> str | None:
    """The series to offer on a date ``timeline``'s series has no map for: the first (in the
    order of :func:`mapkit.figures.list_series`) with a map of its own on that very day, else
    the first on which some figure of it stands; None when no other series has one."""
    day = timeline.dates[date_index]
    holders = [name for name, found in coverage.items()
               if name != timeline.series and found.holds(day)]
    return next((name for name in holders if day in coverage[name].maps),
                holders[0] if holders else None)


def gap_text(timeline: Timeline, date_index: int, other: str | None, lang: str = "en") -> str:
    """"DeepStateMap has no map for 24 Feb – 2 Apr 2022; ISW/CTP has" (``other``), or, when no
    series has a map for the day, the map's own notice."""
    gap = timeline.gap(date_index)
    if other is None or gap is None:
        return timeline.notice(date_index, lang)
    return t("no_map_other_has", lang, series=timeline.series, gap=gap.text(lang), other=other)


def _add_gaps(payload: dict, timeline: Timeline, coverage: dict[str, Coverage],
              lang: str) -> None:
    """Each frame of a day the series has no map for gets ``gap``: ``{"text": what the map
    says, "to": the series to switch to, or null}``."""
    for index, frame in enumerate(payload["frames"]):
        if timeline.holds(index):
            continue
        other = switch_target(timeline, index, coverage)
        frame["gap"] = {"text": gap_text(timeline, index, other, lang), "to": other}


def coverage_payload(series: str, first: dt.date, last: dt.date,
                     coverage: dict[str, Coverage], shown_beside: list[str]) -> dict:
    """Where ``series`` has maps and where it has none, in days from the slider's ``first``
    date (``spans``, ``gaps``: [first, last] pairs, both days included, cut to the slider's
    ``first``–``last``), and the same for the series of ``shown_beside`` other than it
    (``others``: [[name, spans]]) that have maps within that range."""

    def offsets(spans) -> list[list[int]]:
        out = []
        for span in spans:
            low, high = max(span.first, first), min(span.last, last)
            if low <= high:
                out.append([(low - first).days, (high - first).days])
        return out

    mine = coverage.get(series, Coverage(series))
    others = [[name, offsets(coverage[name].spans)] for name in shown_beside
              if name != series and name in coverage]
    return {"series": series, "spans": offsets(mine.spans), "gaps": offsets(mine.gaps),
            "others": [item for item in others if item[1]]}


# --- Two series side by side ("Compare series") -------------------------------------------------

#: A series' figure in a frame of "Compare series" when it gives none: no map for the day, no
#: data for the region, partial without a figure.
_NO_FIGURE = {"no map": "m", "no data": "d", "partial, no figure": "p"}


def series_compare_data(table: pd.DataFrame, coverage: dict[str, Coverage],
                        lang: str = "en") -> dict:
    """Every day of :func:`mapkit.series_comparison.compare_series`'s ``table`` as frames for
    the map: the difference (b − a, percentage points) coloured on the diverging scale — the
    two series are never blended into one colour — and, for the tooltip, each series' own
    figure (``a``, ``b``: a percent, or "m" no map, "d" no data, "p" partial) with its date
    where older than the day (``da``, ``db``) and the difference in km² (``km``)."""
    a, b = table.attrs["series_a"], table.attrs["series_b"]
    level = get_level(table.attrs.get("level"))
    units = level.units
    index = {region.code: i for i, region in enumerate(units)}
    palette: list[str] = []
    frames, headlines, days = [], [], []
    for day, rows in table.groupby("date", sort=True):
        days.append(dt.date.fromisoformat(day))
        rows = rows[rows["region"].isin(index)].set_index("region").reindex(
            [region.code for region in units])
        differences = [None if pd.isna(v) else float(v) for v in rows["difference_pp"]]
        frame = {"p": [None if v is None else shown_figure(v) for v in differences],
                 "c": encode_colours((change_colour(v) for v in differences), palette)}
        for suffix in ("a", "b"):
            frame[suffix] = [shown_figure(percent) if status == "figure" else _NO_FIGURE[status]
                             for status, percent in zip(rows[f"status_{suffix}"],
                                                        rows[f"percent_{suffix}"])]
            older = {str(i): value for i, value in enumerate(rows[f"figure_date_{suffix}"])
                     if isinstance(value, str) and value != day}
            if older:
                frame[f"d{suffix}"] = older
        frame["km"] = [None if pd.isna(v) else _short_km2(v) for v in rows["difference_km2"]]
        frames.append(frame)
        headlines.append(_series_headline(table, day, a, b, lang))
    payload = {
        "mode": "series", "series": [a, b], **time_axis(days), "steps": step_durations(days),
        "dates": [day.isoformat() for day in days],
        "date_labels": [date_text(day, lang) for day in days],
        **region_entries(level),
        "palette": palette, "sources": [], "frames": frames, "headlines": headlines,
        "coverage": coverage_payload(a, days[0], days[-1], coverage, [b]),
    }
    if level.name != DEFAULT_LEVEL:
        changes_only(payload, (*PER_REGION_KEYS, "a", "b"))
    return payload


def _series_headline(table: pd.DataFrame, day: str, a: str, b: str, lang: str) -> str:
    """"Ukraine as a whole: DeepStateMap 20.1 %, ISW/CTP 21.4 %" on ``day`` (each series'
    national figure, "no map" where it has none), or "" when neither has a national row."""
    from mapkit.headline import number_text

    row = table[(table["date"] == day) & (table["region"] == "UA")]
    if row.empty:
        return ""
    row = row.iloc[0]

    def figure(suffix: str) -> str:
        status = row[f"status_{suffix}"]
        if status != "figure":
            return t(tables.STATUS_KEYS[status], lang)
        return t("export_value", lang, value=number_text(row[f"percent_{suffix}"], lang, 1))

    return t("series_headline", lang, a=a, b=b, percent_a=figure("a"), percent_b=figure("b"))


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
    from mapkit.headline import headline_text

    headlines = [headline_text(timeline, day, lang) for day in timeline.dates]
    payload["headlines"] = headlines
    payload["has_national"] = any(headlines)
    codes = [region.code for region in timeline.regions]
    has_km2 = {code for code in codes
               if any(c.area_km2 is not None for c in timeline.history.get(code, ((), ()))[1])}
    if not has_km2:
        return

    dates = np.array([day.toordinal() for day in timeline.dates])
    found = {days: [_changes_over(timeline, code, dates, days) if code in has_km2 else None
                    for code in codes] for days in (7, 30)}
    since: dict[dt.date, str] = {}  # "Since 9 August 2026", written once per date

    for index, (frame, cells) in enumerate(zip(payload["frames"], timeline.cells)):
        day = timeline.dates[index]
        frame["km"] = [None if cell.area_km2 is None else _short_km2(cell.area_km2)
                       for cell in cells]
        for days in (7, 30):
            values, labels = [], {}
            for region, each in enumerate(found[days]):
                if each is None or each[index] is None:
                    values.append(None)
                    continue
                change, then = each[index]
                values.append(_short_km2(change))
                if (day - then).days != days:
                    if then not in since:
                        since[then] = t("change_since", lang, date=date_text(then, lang))
                    labels[region] = since[then]
            frame[f"d{days}"] = values
            if labels:  # one label for the frame when every region shares it
                common = set(labels.values())
                frame[f"l{days}"] = (common.pop() if len(common) == 1 and len(labels) == sum(
                    v is not None for v in values) else {str(i): x for i, x in labels.items()})


def _changes_over(timeline: Timeline, code: str, dates: np.ndarray,
                  days: int) -> list[tuple[float, dt.date] | None]:
    """:func:`mapkit.headline.change_over` of ``code`` on every date of the timeline at once
    (the same figures: each the one the series vouches for on that day, none across a gap
    nor between a figure and itself): a hromada map asks it 900,000 times. ``dates`` are
    the timeline's as day numbers (:meth:`datetime.date.toordinal`)."""
    history_days, cells = timeline.history.get(code, ((), ()))
    if not history_days:
        return [None] * len(dates)
    own = np.array([day.toordinal() for day in history_days])
    until = np.array([(cell.stands_until or cell.as_of).toordinal() for cell in cells])
    km2 = np.array([np.nan if cell.area_km2 is None else cell.area_km2 for cell in cells])

    def standing(targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        at = np.searchsorted(own, targets, side="right") - 1
        safe = at.clip(0)
        return safe, (at >= 0) & (until[safe] >= targets) & ~np.isnan(km2[safe])

    now, has_now = standing(dates)
    then, has_then = standing(dates - days)
    valid = has_now & has_then & (now != then)
    return [(round(float(km2[a] - km2[b]), 1), history_days[b]) if ok else None
            for a, b, ok in zip(now.tolist(), then.tolist(), valid.tolist())]


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
        parent = before.level.parent_of(region.code)
        if parent is not None:  # a raion or hromada: names repeat across oblasts
            rows[-1].update(parent_name_en=parent.name_en, parent_name_uk=parent.name_uk)
    return pd.DataFrame(rows)


def change_map_data(snapshots: pd.DataFrame, source: str | None, date_from, date_to,
                    lang: str = "en") -> dict:
    """One frame: the change in percentage points, coloured on the diverging scale."""
    values = change_values(snapshots, source, date_from, date_to)
    level = get_level(snapshots.attrs.get("level"))
    palette: list[str] = []
    codes = encode_colours((change_colour(None if change is None or _nan(change) else change)
                            for change in values["change_pp"]), palette)

    def clean(series: pd.Series) -> list:
        return [None if v is None or _nan(v) else shown_figure(v) for v in series]

    label_from, label_to = date_text(date_from, lang), date_text(date_to, lang)
    return {
        "mode": "change",
        "dates": [f"{pd.Timestamp(date_from).date()}/{pd.Timestamp(date_to).date()}"],
        "date_labels": [f"{label_from} → {label_to}"],
        "date_labels_pair": [label_from, label_to],
        **region_entries(level),
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
