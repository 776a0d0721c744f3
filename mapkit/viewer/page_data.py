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

What is made from a session's uploads is that session's alone, and must not outlive it: those
entries go to caches of the session's own (``scope="session"``, dropped when the visitor
leaves), where a ``key`` names uploads (its last item, the session's upload keys, is not
empty); the bundled snapshots' go to the caches every visitor shares (:func:`_by_visitor`).
"""

from __future__ import annotations

import functools
import gc
import inspect

import pandas as pd
import pyarrow as pa
import streamlit as st

from mapkit.figures import default_series, list_series
from mapkit.levels import DEFAULT_LEVEL
from mapkit.snapshots import load_snapshots
from mapkit.viewer import map_data, tables
from mapkit.viewer.uploads import combine

#: The session's own caches (:func:`_by_visitor`), emptied by :func:`forget_uploads`.
_SESSION_CACHES: list = []


@st.cache_resource(scope="session", on_release=dict.clear)
def session_uploads(token: str) -> dict:
    """The session's uploads (file id and date → :class:`~mapkit.viewer.uploads.Upload`),
    emptied as soon as the visitor leaves: Streamlit keeps a closed session's state a while
    (for a reconnection) and lets it go only at a later visit, and an upload's rows are the
    biggest thing in it. A visitor who comes back within that while finds the upload box's
    file read again. ``token`` is the session's own (Streamlit's test runner gives every
    session one id)."""
    return {}


def forget_uploads() -> None:
    """Drop what this session's caches made of its uploads: call it when they change (one is
    added, or released), since no later key names the uploads of before."""
    for cached in _SESSION_CACHES:
        cached.clear()


def _by_visitor(cache, **options):
    """``cache(**options)`` (``st.cache_resource`` or ``st.cache_data``) twice over: shared
    by every visitor for a ``key`` without uploads, the session's own for a key with them."""
    def decorate(function):
        shared = cache(**options)(function)
        own = cache(scope="session", **options)(function)
        _SESSION_CACHES.append(own)
        at = list(inspect.signature(function).parameters).index("key")

        @functools.wraps(function)
        def cached(*args):
            return (own if args[at][-1] else shared)(*args)
        return cached
    return decorate


@st.cache_resource(show_spinner="Loading snapshots…", max_entries=6)
def bundled_snapshots(paths: tuple[str, ...], fingerprint: str,
                      level: str = DEFAULT_LEVEL) -> pd.DataFrame:
    """The snapshots of ``paths`` (default: the bundled folder) at ``level`` as they were when
    their ``fingerprint`` (of that level's files) was taken; a new fingerprint reads them again
    (the one before stays for the pages still showing it). A finer level is read on its first
    visitor's first use (the hromadas' 570,000 rows take seconds), then shared."""
    return load_snapshots(list(paths) or None, level=level)


@_by_visitor(st.cache_resource, show_spinner=False, max_entries=32)
def combined(_bundled: pd.DataFrame, _uploads: dict, key: tuple) -> pd.DataFrame:
    """The bundled snapshots plus a session's uploads, joined once."""
    return combine(_bundled, list(_uploads.values()))


@_by_visitor(st.cache_resource, show_spinner=False, max_entries=32)
def series_of(_frame: pd.DataFrame, key: tuple) -> list[str]:
    """The series a map can show (:func:`mapkit.figures.list_series`)."""
    return list_series(_frame)


@_by_visitor(st.cache_resource, show_spinner=False, max_entries=32)
def computed_series(_frame: pd.DataFrame, key: tuple) -> list[str]:
    """The series with computed figures (:func:`map_data.computed_series`)."""
    return map_data.computed_series(_frame)


@_by_visitor(st.cache_resource, show_spinner=False, max_entries=32)
def series_labels(_frame: pd.DataFrame, key: tuple, lang: str) -> dict[str, str]:
    """How the source choice names each series (:func:`map_data.series_labels`)."""
    return map_data.series_labels(_frame, lang)


@_by_visitor(st.cache_resource, show_spinner=False, max_entries=32)
def percent_data(_frame: pd.DataFrame, key: tuple, source: str | None,
                 lang: str) -> tuple[dict, str]:
    data = map_data.percent_map_data(_frame, source, lang,
                                     timeline=timeline_of(_frame, key, source))
    return data, map_data.data_id(data)


@_by_visitor(st.cache_resource, show_spinner=False, max_entries=32)
def timeline_of(_frame: pd.DataFrame, key: tuple, source: str | None):
    """Every date's figures as the map has them (:func:`map_data.viewer_timeline`: its gaps
    too), built once: the table under the map reads the shown date's."""
    return map_data.viewer_timeline(_frame, source)


@_by_visitor(st.cache_resource, show_spinner=False, max_entries=32)
def coverage_of(_frame: pd.DataFrame, key: tuple):
    """Where each series has maps (:func:`mapkit.figures.series_coverage`)."""
    from mapkit.figures import series_coverage

    return series_coverage(_frame)


def gap_at(_frame: pd.DataFrame, key: tuple, source: str | None, date: str):
    """(timeline, date index, the series to offer) for :func:`map_data.gap_text`, on a date of
    the series' timeline it has no map for."""
    timeline = timeline_of(_frame, key, source)
    index = timeline.dates.index(pd.Timestamp(date).date())
    return timeline, index, map_data.switch_target(timeline, index, coverage_of(_frame, key))


@_by_visitor(st.cache_resource, show_spinner=False, max_entries=16)
def series_comparison(_frame: pd.DataFrame, key: tuple, source: str | None, other: str,
                      lang: str) -> tuple[pd.DataFrame, dict, str]:
    """"Compare series": the two side by side on every day either has a map of its own
    (:func:`mapkit.series_comparison.compare_series`), and the map's frames of it."""
    from mapkit.series_comparison import compare_series

    coverage = coverage_of(_frame, key)
    name = source if source is not None else default_series(_frame)
    maps = [day for series in (name, other) for day in coverage[series].maps]
    table = compare_series(_frame, other, source=name, date_from=min(maps), date_to=max(maps))
    data = map_data.series_compare_data(table, coverage, lang)
    return table, data, map_data.data_id(data)


@_by_visitor(st.cache_data, show_spinner=False, max_entries=16)
def change_data(_frame: pd.DataFrame, key: tuple, source: str | None, date_from: str,
                date_to: str, lang: str) -> tuple[dict, str, pd.DataFrame]:
    data = map_data.change_map_data(_frame, source, date_from, date_to, lang)
    values = map_data.change_values(_frame, source, date_from, date_to)
    return data, map_data.data_id(data), values


@_by_visitor(st.cache_resource, show_spinner=False, max_entries=1024)
def shown_rows(_frame: pd.DataFrame, key: tuple, source: str | None,
               date: str) -> tuple[pd.DataFrame, bytes]:
    """The shown date's rows (:func:`mapkit.viewer.tables.shown_date_rows`) and their CSV.

    Shared, not copied (``cache_resource``): a copy for every call (``cache_data`` unpickles
    one) cost each step of every visitor's slider; nothing changes them once made."""
    rows = tables.shown_date_rows(_frame, source, date,
                                  timeline=timeline_of(_frame, key, source))
    return rows, tables.rows_csv(rows)


@_by_visitor(st.cache_resource, show_spinner=False, max_entries=1024)
def shown_table(_frame: pd.DataFrame, key: tuple, source: str | None, date: str,
                lang: str) -> pa.Table:
    """The table under the map for ``date`` in ``lang``, ready to draw.

    The table is :func:`mapkit.viewer.tables.shown_date_display` as an Arrow table: what
    ``st.dataframe`` sends to the browser, so a move of the slider only looks it up. Made
    afresh on every step (some 2 ms of pandas and Arrow work, in many calls that each let go
    of the GIL), it held up every other visitor's step behind it: ``bench/bench_load.py``."""
    rows, _ = shown_rows(_frame, key, source, date)
    return pa.Table.from_pandas(tables.shown_date_display(rows, lang), preserve_index=False)


@_by_visitor(st.cache_data, show_spinner=False, max_entries=16)
def monthly_changes(_frame: pd.DataFrame, key: tuple, source: str | None,
                    codes: tuple[str, ...]):
    from mapkit.period_changes import changes

    return changes(_frame, source=source or default_series(_frame), period="month",
                   regions=list(codes))


@st.cache_resource(show_spinner=False, max_entries=8)
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
    freed and not kept for good (so is anything of the first visitor's session that was alive
    when it was frozen and is held only in a reference cycle: until then, it stays). Each
    level's snapshots have their own fingerprint, and the last few are remembered, so visitors
    at different levels settle each level once, not at every step in turn."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
