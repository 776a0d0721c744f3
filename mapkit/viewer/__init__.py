"""The Streamlit viewer's building blocks (``app.py`` is the page that puts them together).

- :mod:`mapkit.viewer.map_data` — what the map is sent: shapes once, colours for every date.
- :mod:`mapkit.viewer.tables` — the tables beside the map: shown date, changes, time series.
- :mod:`mapkit.viewer.uploads` — reading a reader's own snapshot CSV or occupied-areas GeoJSON.
- :mod:`mapkit.viewer.component` — the map itself, a Streamlit component (``frontend/``).

Only :mod:`~mapkit.viewer.component` imports Streamlit; the rest is plain data, testable without it.
"""
