"""The viewer's data, made once per server process and shared by every visitor's page.

Streamlit runs ``app.py`` again for every visitor and on every move of the slider, so what the
page reads is computed here once (``st.cache_resource`` for what is shared as it is and never
changed; ``st.cache_data`` for small results the page may keep) — in a module imported once,
because each cached function defined in the page itself costs a couple of milliseconds to set
up again on every run. Snapshots are passed unhashed (``_frame``) with a ``key`` naming what
they are made of (``app.frame_key``: the folders shown, their fingerprint and a session's
uploads): hashing the frames on every call cost more than the rest of a slider step.

**A live viewer.** The folders' fingerprint (:func:`mapkit.snapshots.snapshots_fingerprint`:
each snapshot file's size and modification time, from the folders' listings, about a
millisecond for the bundled folder: ``bench/bench_fingerprint.py``) is taken at every page
load, and everything here is looked up by it: a snapshot file added, replaced or changed
(``mapkit update``) shows on the next page load, without a restart, and is read once for all
visitors.
"""

from __future__ import annotations

import gc

import pandas as pd
import pyarrow as pa
import streamlit as st

from mapkit.figures import default_series, list_series
from mapkit.snapshots import load_snapshots
from mapkit.viewer import map_data, tables
from mapkit.viewer.uploads import combine


@st.cache_resource(show_spinner="Loading snapshots…", max_entries=2)
def bundled_snapshots(paths: tuple[str, ...], fingerprint: str) -> pd.DataFrame:
    """The snapshots of ``paths`` (default: the bundled folder) as they were when their
    ``fingerprint`` was taken; a new fingerprint reads them again (the one before stays for the
    pages still showing it)."""
    return load_snapshots(list(paths) or None)


@st.cache_resource(show_spinner=False, max_entries=32)
def combined(_bundled: pd.DataFrame, _uploads: dict, key: tuple) -> pd.DataFrame:
    """The bundled snapshots plus a session's uploads, joined once."""
    return combine(_bundled, list(_uploads.values()))


@st.cache_resource(show_spinner=False, max_entries=32)
def series_of(_frame: pd.DataFrame, key: tuple) -> list[str]:
    """The series a map can show (:func:`mapkit.figures.list_series`)."""
    return list_series(_frame)


@st.cache_resource(show_spinner=False, max_entries=32)
def series_labels(_frame: pd.DataFrame, key: tuple, lang: str) -> dict[str, str]:
    """How the source choice names each series (:func:`map_data.series_labels`)."""
    return map_data.series_labels(_frame, lang)


@st.cache_resource(show_spinner=False, max_entries=32)
def percent_data(_frame: pd.DataFrame, key: tuple, source: str | None,
                 lang: str) -> tuple[dict, str]:
    data = map_data.percent_map_data(_frame, source, lang)
    return data, map_data.data_id(data)


@st.cache_resource(show_spinner=False, max_entries=32)
def timeline_of(_frame: pd.DataFrame, key: tuple, source: str | None):
    """Every date's figures, built once: the table under the map reads the shown date's."""
    from mapkit.figures import build_timeline

    return build_timeline(_frame, source=source)


@st.cache_data(show_spinner=False, max_entries=16)
def change_data(_frame: pd.DataFrame, key: tuple, source: str | None, date_from: str,
                date_to: str, lang: str) -> tuple[dict, str, pd.DataFrame]:
    data = map_data.change_map_data(_frame, source, date_from, date_to, lang)
    values = map_data.change_values(_frame, source, date_from, date_to)
    return data, map_data.data_id(data), values


@st.cache_resource(show_spinner=False, max_entries=1024)
def shown_rows(_frame: pd.DataFrame, key: tuple, source: str | None,
               date: str) -> tuple[pd.DataFrame, bytes]:
    """The shown date's rows (:func:`mapkit.viewer.tables.shown_date_rows`) and their CSV.

    Shared, not copied (``cache_resource``): a copy for every call (``cache_data`` unpickles
    one) cost each step of every visitor's slider; nothing changes them once made."""
    rows = tables.shown_date_rows(_frame, source, date,
                                  timeline=timeline_of(_frame, key, source))
    return rows, tables.rows_csv(rows)


@st.cache_resource(show_spinner=False, max_entries=1024)
def shown_table(_frame: pd.DataFrame, key: tuple, source: str | None, date: str,
                lang: str) -> tuple[pa.Table, bytes]:
    """The table under the map for ``date`` in ``lang``, ready to draw, and its CSV.

    The table is :func:`mapkit.viewer.tables.shown_date_display` as an Arrow table: what
    ``st.dataframe`` sends to the browser, so a move of the slider only looks it up. Made
    afresh on every step (some 2 ms of pandas and Arrow work, in many calls that each let go
    of the GIL), it held up every other visitor's step behind it: ``bench/bench_load.py``."""
    rows, rows_csv = shown_rows(_frame, key, source, date)
    shown = pa.Table.from_pandas(tables.shown_date_display(rows, lang), preserve_index=False)
    return shown, rows_csv


@st.cache_data(show_spinner=False, max_entries=16)
def monthly_changes(_frame: pd.DataFrame, key: tuple, source: str | None,
                    codes: tuple[str, ...]):
    from mapkit.period_changes import changes

    return changes(_frame, source=source or default_series(_frame), period="month",
                   regions=list(codes))


@st.cache_resource(show_spinner=False, max_entries=1)
def settle_heap(paths: tuple[str, ...], fingerprint: str) -> int:
    """Set what the page has made to last aside from the garbage collector's full passes, once
    a page has been built on the snapshots of ``paths`` as of ``fingerprint``; returns how many
    objects that is.

    Python's collector now and then walks every object the process holds: the imported
    libraries, the snapshots, their timelines and map data. That walk stopped every visitor's
    step for 0.2–0.3 s a few times a minute under load (``bench/bench_load.py``), the slowest
    steps of all. Frozen (:func:`gc.freeze`), those objects are left out of the walks; what
    is made afterwards is collected as before. On new snapshots (a new ``fingerprint``) the
    objects frozen before are thawed and collected first, so data no page uses any more is
    freed and not kept for good."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
