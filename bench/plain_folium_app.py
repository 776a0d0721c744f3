"""Baseline for bench_viewer.py: the plain approach, a new folium map on every date change.

A select_slider over the dates; each change re-renders the whole folium map into a fresh
``components.html`` iframe (tiles, Leaflet and all polygons reloaded). Same data, same colours
as the viewer, so the benchmark compares only how the map is updated.
"""

from __future__ import annotations

import argparse
import sys

import folium
import streamlit as st
import streamlit.components.v1 as components

from mapkit.boundaries import web_boundaries
from mapkit.figures import build_timeline, default_series
from mapkit.snapshots import load_snapshots

parser = argparse.ArgumentParser(add_help=False)
parser.add_argument("--snapshots", action="append", default=None)
paths = parser.parse_known_args(sys.argv[1:])[0].snapshots

st.set_page_config(page_title="Plain folium baseline", layout="wide")
frame = st.cache_data(load_snapshots)(paths)
# the dates of the series the viewer shows (other sources' dates are not on its map)
dates = [day.isoformat() for day in build_timeline(frame, source=default_series(frame)).dates]
day = st.select_slider("Date", dates, value=dates[-1], key="date")

cells = build_timeline(frame, date=day).frame(0)
shapes = web_boundaries()
fills = {region: cell.colour for region, cell in zip(shapes["code"], cells)}
shown = {region: ("no data" if not cell.has_data else "partial, no figure"
                  if cell.percent is None else f"{cell.percent:.1f} %")
         for region, cell in zip(shapes["code"], cells)}
shapes["shown"] = shapes["code"].map(shown)
view = folium.Map(location=[48.5, 31.5], zoom_start=6,
                  tiles="https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
                  attr="OpenStreetMap contributors, CARTO")
folium.GeoJson(
    shapes[["code", "name_en", "name_uk", "shown", "geometry"]].to_json(),
    style_function=lambda f: {"fillColor": fills[f["properties"]["code"]], "color": "#555",
                              "weight": 0.8, "fillOpacity": 0.85},
    tooltip=folium.GeoJsonTooltip(["name_en", "name_uk", "shown"]),
).add_to(view)
view.get_root().html.add_child(folium.Element(f'<div hidden data-date="{day}"></div>'))
components.html(view.get_root().render(), height=560)
