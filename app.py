"""Streamlit page: territory under Russian military control, by region and date.

A thin page over ``mapkit``: start it with ``streamlit run app.py``.
"""

from __future__ import annotations

import folium
import streamlit as st
import streamlit.components.v1 as components

from mapkit.boundaries import web_boundaries
from mapkit.scale import legend_items, percent_colour
from mapkit.snapshots import SnapshotError, list_dates, list_sources, load_snapshots, values_on

st.set_page_config(page_title="Territorial control in Ukraine", layout="wide")


@st.cache_data(show_spinner="Loading snapshots…")
def snapshots():
    return load_snapshots()


try:
    frame = snapshots()
except SnapshotError as error:
    problems = "\n".join(f"- `{p}`" for p in error.problems)
    st.error(f"The bundled snapshots are invalid:\n\n{problems}")
    st.stop()

source = st.selectbox("Source", list_sources(frame))
date = list_dates(frame, source)[-1]
values = values_on(frame, date, source)
st.title(f"Territory under Russian military control, {date:%d %B %Y}")

shapes = web_boundaries().merge(values.drop(columns=["name_en", "name_uk"]), left_on="code",
                                right_on="region")
shapes["fill"] = [percent_colour(p, partial) for p, partial in zip(shapes["percent"],
                                                                     shapes["partial"])]
shapes["shown"] = [("partial, no figure" if partial else "no data") if p != p else f"{p:.1f} %"
                   for p, partial in zip(shapes["percent"], shapes["partial"])]
view = folium.Map(location=[48.5, 31.5], zoom_start=6, tiles="OpenStreetMap")
folium.GeoJson(
    shapes[["code", "name_en", "name_uk", "shown", "fill", "geometry"]].to_json(),
    style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#555",
                              "weight": 1, "fillOpacity": 0.85},
    tooltip=folium.GeoJsonTooltip(["name_en", "name_uk", "shown"],
                                  aliases=["Region", "", "Under Russian control"]),
).add_to(view)
components.html(view.get_root().render(), height=620)
st.caption(" · ".join(f"{label}" for label, _ in legend_items()))
urls = sorted(set(values.loc[values["has_data"], "source_url"]))
st.caption(f"Source: {source} ({', '.join(urls)}), {date:%Y-%m-%d}")
