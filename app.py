"""Streamlit page: territory under Russian military control, by region and date.

A thin page over ``mapkit``: start it with ``streamlit run app.py``. The map is a component
(:mod:`mapkit.viewer.component`) that owns the time slider and recolours in place; this page
keeps the chosen date, source and region in ``st.session_state`` and draws what goes beside it.

The map is the first element sent to the browser and paints first: the sidebar controls are
drawn after it (their values are read from ``st.session_state`` before), and the tables, chart
and export panel only once the map reports that it has painted. The map and what depends on the
shown date are one fragment (``view``): a move of the slider reruns that part only.

The map shows one series at a time (:func:`mapkit.figures.default_series` unless the reader
chooses another); other sources stand beside it in the tooltip, the chart and the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import uuid

import pandas as pd
import streamlit as st

from mapkit.constants import STALE_AFTER_DAYS
from mapkit.figures import FiguresError, default_series
from mapkit.i18n import LANGUAGES, date_text, t
from mapkit.levels import DEFAULT_LEVEL, LEVEL_NAMES, get_level
from mapkit.publish import FORMATS, ExportInputError, iframe_snippet, render_export
from mapkit.regions import COUNTRY
from mapkit.snapshots import SnapshotError, snapshots_fingerprint
from mapkit.viewer import map_data, page_data, tables
from mapkit.viewer.component import control_map
from mapkit.viewer.messages import markdown_text, one_line, problem_lines
from mapkit.viewer.uploads import (
    MAX_UPLOAD_MB_PER_SESSION,
    MAX_UPLOADS_PER_SESSION,
    keep_upload,
    read_upload_isolated,
)

LANGUAGE_NAMES = {"en": "English", "uk": "Українська"}
#: Choices whose labels are in the reader's language. Their widgets are keyed per language
#: ("mode:uk"): a widget keeps its choice by its label, so one widget for both languages would
#: show neither option after a switch. The choice itself lives under the plain name.
LOCALISED_CHOICES = ("source", "mode", "export_scope", "date_from", "level")

st.set_page_config(page_title=t("page_title"), layout="wide")

# ``streamlit run app.py -- --snapshots DIR`` shows another folder of snapshot CSVs.
_parser = argparse.ArgumentParser(prog="streamlit run app.py --", add_help=False)
_parser.add_argument("--snapshots", action="append", default=None,
                     help="snapshot CSV file or folder (repeatable); "
                          "default data/control_snapshots/")
SNAPSHOT_PATHS = tuple(_parser.parse_known_args(sys.argv[1:])[0].snapshots or ())


# --- Data: made once per server process and shared (mapkit.viewer.page_data) --------------------


def frame_key() -> tuple:
    """What this session's snapshots are made of: the folders shown, as they are now (their
    fingerprint), the level, and its uploads (an upload's key is unique to it; shown at the
    oblast level only). The shared data is looked up by it, never by hashing."""
    return (SNAPSHOT_PATHS, SNAPSHOTS_NOW, LEVEL,
            tuple(st.session_state["uploads"]) if LEVEL == DEFAULT_LEVEL else ())


def change_charts(frame: pd.DataFrame, source: str | None, selected: str | None,
                  shown_date: str, lang: str) -> None:
    """The "Change per month" view: net change per month as bars, for the whole country and
    the selected region, the shown date marked (a dashed line)."""
    import altair as alt

    from mapkit.regions import COUNTRY

    codes = (COUNTRY.code, *([selected] if selected else []))
    table = page_data.monthly_changes(frame, frame_key(), source, codes)
    for code in codes:
        # whole months only: the month under way ("to date") would stand as a full one
        rows = table[(table["region"] == code) & table["complete"]].dropna(subset=["change_km2"])
        name = LEVEL_OF.label(code, lang)
        st.subheader(t("chart_title", lang) if code == COUNTRY.code
                     else t("chart_region_title", lang, region=name))
        if rows.empty:
            st.caption(t("chart_no_figure", lang, region=name))
            continue
        if not rows["change_km2"].any():  # say so, not an empty axis
            st.caption(t("chart_region_no_change", lang, region=name))
            continue
        rows = rows.assign(sign=rows["change_km2"].ge(0).map({True: "gain", False: "loss"}))
        bars = alt.Chart(rows).mark_bar().encode(
            x=alt.X("period_start:T", title=t("date", lang)),
            y=alt.Y("change_km2:Q", title=t("chart_axis", lang)),
            color=alt.Color("sign:N", legend=None, scale=alt.Scale(
                domain=["gain", "loss"], range=["#b2182b", "#2166ac"])),
            tooltip=["period_start:T", "period_end:T", "change_km2:Q", "largest_since:T",
                     "largest_since_kind:N"],
        )
        marker = alt.Chart(pd.DataFrame({"date": [pd.Timestamp(shown_date)]})).mark_rule(
            color="#333", strokeDash=[4, 3]).encode(x="date:T")
        st.altair_chart(bars + marker, width="stretch")
    st.caption(t("chart_note", lang))


def session_default(name: str, value) -> None:
    if name not in st.session_state:
        st.session_state[name] = value


# --- Language ------------------------------------------------------------------------------------

session_default("lang", "en")
lang: str = st.session_state["lang"]


def localised(name: str) -> str:
    """The widget key of choice ``name`` in the current language."""
    return f"{name}:{lang}"


def synced(name: str) -> str:
    """The widget key of choice ``name``, its widget set to the choice (made in any language,
    or corrected by the page) before it is drawn."""
    st.session_state[localised(name)] = st.session_state[name]
    return localised(name)


def chosen(name: str) -> None:
    """Keep the choice a widget of ``synced(name)`` just made. A widget inside a fragment
    needs it (``on_change``): a fragment's rerun skips the copy below, and ``synced`` would
    set the widget back to the choice before."""
    st.session_state[name] = st.session_state[localised(name)]


for _name in LOCALISED_CHOICES:  # the widget of this language, or the choice made in another
    if localised(_name) in st.session_state:
        st.session_state[_name] = st.session_state[localised(_name)]
    elif _name in st.session_state:
        st.session_state[localised(_name)] = st.session_state[_name]


# --- The level: oblasts (the default), raions or hromadas ----------------------------------------

# ``?level=raion`` opens the viewer at that level; the sidebar's switch, the search and "Raions
# of …" change it (change_level). A finer level's snapshots are read on its first use only.
if "level" not in st.session_state:
    asked = str(st.query_params.get("level", "")).strip().lower()
    st.session_state["level"] = asked if asked in LEVEL_NAMES else DEFAULT_LEVEL
    st.session_state.pop(localised("level"), None)
LEVEL: str = st.session_state["level"]
LEVEL_OF = get_level(LEVEL)


def change_level(level: str, *, selected: str | None = None, focus: str | None = None) -> None:
    """Show ``level``: the date stays; ``selected`` (a unit of that level) is chosen, else the
    unit chosen before if it is there, or the oblast (or raion) it lies in; ``focus`` (a unit
    of any level) is where the map zooms to."""
    before = st.session_state.get("selected")
    if selected is None and before:
        selected = _same_place(before, level)
    st.session_state["level"] = level
    st.session_state.pop(localised("level"), None)
    st.session_state["selected"] = selected
    if focus is not None:
        zoom_to(focus)


def _same_place(code: str, level: str) -> str | None:
    """The unit of ``level`` a unit of another level stands for: itself, the oblast or raion
    it lies in; None when it holds several (an oblast at the raion level)."""
    target = get_level(level)
    if code in target:
        return code
    for name in ("raion", "hromada"):
        unit = get_level(name).get(code)
        if unit is not None:
            if level == DEFAULT_LEVEL:
                return unit.parent
            if level == "raion" and unit.raion in target:
                return unit.raion
    return None


def zoom_to(code: str) -> None:
    """Tell the map to fit the unit ``code`` (an oblast, raion or hromada) in view."""
    from mapkit.levels import level_of_code

    bounds = map_data.unit_bounds(level_of_code(code) or DEFAULT_LEVEL, code)
    if bounds is not None:
        rev = (st.session_state.get("focus") or {}).get("rev", 0) + 1
        st.session_state["focus"] = {"bounds": bounds, "rev": rev}


def level_chosen() -> None:
    """The sidebar's switch: the new level, the place chosen kept where it can be."""
    change_level(st.session_state[localised("level")])


def find_place() -> None:
    """The search box: the units a name (a raion, hromada or town, in either language, or a
    code) fits, at the shown level or, where it names none there, at the next finer one; the
    first is chosen and the map zooms to it, the others are offered (``find_results``)."""
    text = st.session_state.get("find", "")
    st.session_state["find_results"] = None
    if not text.strip():
        return
    start = LEVEL_NAMES.index(LEVEL)
    for name in LEVEL_NAMES[start:]:
        found = [u.code for u in get_level(name).search(text, limit=8)
                 if u.code != COUNTRY.code]
        if found and (name != DEFAULT_LEVEL or get_level(name).find(text) is not None):
            st.session_state["find_results"] = (text, name, found)
            change_level(name, selected=found[0], focus=found[0])
            return
    st.session_state["find_results"] = (text, LEVEL, [])


def found_chosen() -> None:
    """Another of the search's matches chosen: the map selects it and zooms to it."""
    code = st.session_state["find_pick"]
    st.session_state["selected"] = code
    zoom_to(code)


def zoom_into(code: str, level: str) -> None:
    """ "Raions of Donetsk Oblast": the finer ``level``, zoomed to the unit ``code``."""
    change_level(level, selected=None, focus=code)


# --- Snapshots: bundled plus this session's uploads ------------------------------------------

# New or changed files show at the next page load: the folders' fingerprint is taken from
# their listings (no file read, about a millisecond) and the shared data is looked up by it.
SNAPSHOTS_NOW = snapshots_fingerprint(SNAPSHOT_PATHS or None, level=LEVEL)
try:
    bundled = page_data.bundled_snapshots(SNAPSHOT_PATHS, SNAPSHOTS_NOW, LEVEL)
except SnapshotError as error:
    st.error(t("snapshots_invalid", lang))
    st.code(problem_lines(error.problems, lang), language=None, wrap_lines=True)
    st.stop()
if bundled.empty and LEVEL != DEFAULT_LEVEL:  # a folder without this level's files
    st.session_state["level_missing"] = LEVEL
    change_level(DEFAULT_LEVEL)
    st.rerun()

if "uploads" not in st.session_state:  # file id + date -> Upload, oldest first (keep_upload);
    # emptied when the visitor leaves
    st.session_state["uploads"] = page_data.session_uploads(uuid.uuid4().hex)
uploaded = st.session_state.get("upload_file")
is_geojson = uploaded is not None and uploaded.name.lower().endswith((".geojson", ".json"))
upload_date = st.session_state.get("upload_date") if is_geojson else None
upload_problems = None  # the problems of an upload that could not be used
released_uploads: list[str] = []  # earlier uploads let go to make room for this one
if uploaded is not None:
    upload_key = f"{uploaded.file_id}:{upload_date}"
    if upload_key not in st.session_state["uploads"]:
        progress = st.sidebar.empty()  # the step being computed, gone once it is done
        try:
            with progress.status(t("upload_computing", lang,
                                   name=markdown_text(uploaded.name))) as status:
                done = read_upload_isolated(  # in a process of its own, within limits
                    uploaded.name, uploaded.getvalue(), date=upload_date,
                    on_stage=lambda stage: status.update(label=t(f"upload_stage_{stage}", lang)))
            released_uploads = keep_upload(st.session_state["uploads"], upload_key, done)
            page_data.forget_uploads()  # made of the uploads of before: no key names them now
            progress.empty()
            # The reader uploaded it to see it: the map shows it (its first series), at its
            # newest date.
            st.session_state["source"] = done.series[0]
            st.session_state.pop(localised("source"), None)
            st.session_state.pop("date", None)
        except SnapshotError as error:
            progress.empty()
            upload_problems = error.problems
        except Exception as error:  # a file nobody foresaw: one line, and the page goes on
            progress.empty()
            logging.getLogger("mapkit.app").exception("upload %r failed", uploaded.name)
            upload_problems = [f"{uploaded.name}: "
                               + t("upload_unreadable", lang, error=one_line(error))]

frame = page_data.combined(bundled, st.session_state["uploads"] if LEVEL == DEFAULT_LEVEL else {},
                           frame_key())

# --- The series on the map, and the mode -------------------------------------------------------

sources = page_data.series_of(frame, frame_key())
if "source" not in st.session_state or st.session_state["source"] not in sources:
    st.session_state["source"] = default_series(frame) if sources else None
    st.session_state.pop(localised("source"), None)
session_default("mode", "map")
source = st.session_state["source"]

try:
    data, data_id = page_data.percent_data(frame, frame_key(), source, lang)
except FiguresError as error:  # e.g. a folder without snapshots: nothing to draw
    st.error(markdown_text(error))
    st.stop()
dates: list[str] = data["dates"]

# --- The shown date: one for the whole page -----------------------------------------------------

# ``st.session_state["date"]`` is the date the map, its headline, the table, the chart and the
# export panel all show. The map's slider moves it (read_map_event); so does the "To" of
# "Compare two dates", which is the shown date itself: no switch of view, source or language can
# leave them on different dates.


def move_date(date: str) -> None:
    """The page, not the map, moves the shown date: ``date_rev`` tells the map to follow."""
    if st.session_state.get("date") != date:
        st.session_state["date"] = date
        st.session_state["date_rev"] = st.session_state.get("date_rev", 0) + 1


def shown_date_chosen(key: str) -> None:
    """The reader chose the comparison's "To" (widget ``key``): the shown date moves there."""
    move_date(st.session_state[key])


session_default("date", dates[-1])
session_default("date_rev", 0)
session_default("selected", None)
session_default("map_seen", 0)
session_default("map_ready", False)


def read_map_event(shown_dates: list[str]) -> None:
    """What the map has said since the last run: the date the reader moved to, the
    region clicked, and that it has painted. ``shown_dates`` are the dates of the map's view.

    The map goes to the page's date whenever it gets other data (another view, source or
    language) or ``date_rev`` changes (:func:`move_date`), so a date it reports is the one it
    shows; a map asking for its data again (``resend``) shows nothing yet. A view without the
    page's date shows its latest date on or before it (else its first)."""
    event = st.session_state.get("map")
    if isinstance(event, dict) and event.get("n", 0) != st.session_state["map_seen"]:
        st.session_state["map_seen"] = event.get("n", 0)
        st.session_state["map_ready"] = True  # it has painted (or said why it cannot)
        if event.get("date") in shown_dates and event.get("event") != "resend":
            st.session_state["date"] = event["date"]  # the map shows it already: no rev bump
        if event.get("event") == "click":
            st.session_state["selected"] = event.get("selected")
        if event.get("event") == "switch" and event.get("series") in sources:
            # "…has no map for this date; ISW/CTP has": that series, on the same date.
            st.session_state["source"] = event["series"]
            st.session_state.pop(localised("source"), None)
            st.rerun()  # the whole page: the series is chosen outside this fragment
    if st.session_state["date"] not in shown_dates:  # e.g. another source or view
        earlier = [day for day in shown_dates if day <= st.session_state["date"]]
        move_date(earlier[-1] if earlier else shown_dates[0])


def other_series() -> str | None:
    """The series "Compare series" puts beside the map's: the reader's choice, else the first
    other computed series (ISW/CTP beside DeepStateMap), else the first other; None if there is
    no other."""
    others = [name for name in sources if name != source]
    if not others:
        return None
    if st.session_state.get("compare_with") not in others:
        computed = [name for name in page_data.computed_series(frame, frame_key())
                    if name in others]
        st.session_state["compare_with"] = (computed or others)[0]
    return st.session_state["compare_with"]


def export_scope_first(fmt: str) -> str:
    """What the export panel offers first for ``fmt``: the whole timeline for the interactive
    maps, the animation and the charts; the date shown for the CSV."""
    return "all" if FORMATS[fmt].whole_timeline_first else "one"


def export_format_chosen() -> None:
    """A format chosen in the export panel starts from its own first choice of dates."""
    scope = export_scope_first(st.session_state["export_format"])
    st.session_state["export_scope"] = scope
    st.session_state[localised("export_scope")] = scope


def export_panel(shown_date: str, no_map: str | None = None) -> None:
    """The export panel, drawn only while open: its widgets would otherwise cost every
    visitor's browser a third of a second at each page load. ``no_map``: what the map says
    when its series has no map for the shown date (then nothing of that date is offered)."""
    # Its label, in the reader's language, is part of its identity: a new language makes a new
    # panel, which opens as the one before was (so a switch of language does not close it).
    panel = st.expander(t("export", lang), expanded=bool(st.session_state.get("export_open")),
                        key="export_open", on_change="rerun")
    if not panel.open:
        return
    with panel:
        # the formats that can be made at the shown level
        fmt = st.selectbox(t("export_format", lang),
                           [name for name, f in FORMATS.items() if LEVEL in f.levels],
                           key="export_format", on_change=export_format_chosen)
        if FORMATS[fmt].one_date:  # a print map shows one date: no choice that would not hold
            scope = "one"
            st.caption(t("export_one_date", lang, format=fmt.upper(),
                         date=date_text(shown_date, lang)))
        else:
            session_default("export_scope", export_scope_first(fmt))
            scope = st.radio(t("export_range", lang), ["one", "all"], horizontal=True,
                             key=synced("export_scope"), on_change=chosen,
                             args=("export_scope",),
                             format_func=lambda s: t(f"export_range_{s}", lang, date=(
                                 date_text(shown_date, lang))))
        if no_map is not None and scope == "one":  # never another date's map under this one
            st.warning(t("export_no_map", lang, series=markdown_text(source),
                         date=date_text(shown_date, lang)))
        from mapkit.publish.export import FOCUS_FORMATS

        focus = None
        if fmt in FOCUS_FORMATS and LEVEL != DEFAULT_LEVEL:  # one oblast's units, large
            oblasts = [None, *(unit.code for unit in get_level().units)]
            focus = st.selectbox(t("export_focus", lang), oblasts, key="export_focus",
                                 format_func=lambda code: t("export_focus_all", lang)
                                 if code is None else get_level().label(code, lang))
        export_title = st.text_input(t("export_title", lang), key="export_title")
        export_subtitle = st.text_input(t("export_subtitle", lang), key="export_subtitle")
        export_credit = st.text_input(t("export_credit", lang), key="export_credit")
        tiles = (st.checkbox(t("export_tiles", lang), value=True, key="export_tiles")
                 if FORMATS[fmt].has_basemap else None)
        if st.button(t("export_make", lang), key="export_make",
                     disabled=no_map is not None and scope == "one"):
            bar = st.progress(0.0)
            try:
                content = render_export(
                    fmt, frame, date=shown_date if scope == "one" else None, source=source,
                    title=export_title or None, subtitle=export_subtitle or None,
                    credit=export_credit or None, lang=lang, tiles=tiles, focus=focus,
                    progress=lambda done, total: bar.progress(done / max(total, 1)),
                )
            except ExportInputError as error:
                st.error(markdown_text(error))
            except Exception as error:  # one line for the visitor, the traceback in the log
                logging.getLogger("mapkit.app").exception("export %s failed", fmt)
                st.error(t("section_failed", lang, error=markdown_text(one_line(error))))
            else:
                bar.progress(1.0)
                # "….png", "….csv"; "….embed.html" beside "….html" for the embed.
                suffix = FORMATS[fmt].suffix
                if suffix != f".{fmt}":
                    suffix = f".{fmt}{suffix}"
                name = f"ukraine-control-{shown_date if scope == 'one' else 'timeline'}{suffix}"
                st.session_state["export_file"] = (name, content, fmt)
        if "export_file" in st.session_state:
            name, content, made = st.session_state["export_file"]
            st.download_button(t("export_download", lang, name=name), content, file_name=name,
                               key="export_download", on_click="ignore")
            if made == "embed":
                codes = iframe_snippet(name, title=export_title or None, lang=lang)
                st.caption(t("embed_code", lang))
                st.code(codes.resizing, language="html")
                st.caption(t("embed_code_fixed", lang))
                st.code(codes.fixed, language="html")



@st.fragment
def view() -> None:
    """The map, the chart beside it, the table under it and the export panel.

    A fragment: a move of the slider or a click on the map reruns this part only, so
    the sidebar and the captions above are neither rebuilt on the server nor drawn
    again in the visitor's browser at each step (bench/bench_load.py)."""
    mode = st.session_state["mode"]
    other = other_series() if mode == "series" else None
    if mode == "series" and other is None:
        st.info(t("series_only_one", lang))
        mode = "map"
    if mode == "series":  # both series on every day either has a map of its own
        comparison, shown, shown_id = page_data.series_comparison(frame, frame_key(), source,
                                                                  other, lang)
        read_map_event(shown["dates"])
    else:
        read_map_event(dates)
    shown_date: str = st.session_state["date"]
    selected: str | None = st.session_state["selected"]
    if selected is not None and selected not in LEVEL_OF:  # chosen at another level
        selected = st.session_state["selected"] = None

    compare = mode == "compare"
    no_map = None  # what the map says when its series has no map for the shown date
    if mode == "series":
        title = t("series_title", lang, a=source, b=other, date="{date}")
        legend, legend_title = (map_data.change_legend(lang),
                                t("series_legend", lang, a=source, b=other))
        source_line = t("source_line", lang, sources=f"{source}; {other}")
    elif compare:  # from a date chosen to the shown date
        session_default("date_from", dates[0])
        if st.session_state["date_from"] not in dates:
            st.session_state["date_from"] = dates[0]
        date_from, date_to = st.session_state["date_from"], shown_date
        shown, shown_id, change = page_data.change_data(frame, frame_key(), source, date_from,
                                                        date_to, lang)
        title = t("compare_title", lang, date="{date}")
        legend, legend_title = map_data.change_legend(lang), t("change", lang)
        source_line = t("source_line", lang, sources=source)
    else:
        shown, shown_id = data, data_id
        title = t("title_on", lang, date="{date}")
        legend, legend_title = map_data.percent_legend(lang), t("legend_title", lang)
        source_line = t("source_line", lang, sources="{sources}")

    labels = {key: t(key, lang) for key in (
        "percent", "contested", "date", "source", "method", "note", "no_data", "partial", "as_of",
        "other_sources", "change", "play", "pause", "previous", "next", "date_slider", "map_label",
        "reported", "computed", "leaflet_missing", "pp", "km2", "km2_value", "change_7d",
        "change_30d", "no_national_figure", "sources_beside", "status_no_map", "switch_series",
        "coverage_maps", "difference",
    )}
    labels["months"] = map_data.month_names(lang)

    map_column, side_column = st.columns([3, 2], gap="medium")
    with map_column:
        control_map(
            geometry=map_data.geometry_payload(LEVEL), data=shown, data_id=shown_id,
            focus=st.session_state.get("focus"),
            date=shown["dates"][0] if compare else shown_date,
            date_rev=st.session_state["date_rev"],
            selected=selected, lang=lang, labels=labels, title=title, legend_title=legend_title,
            legend=legend, source_line=source_line, hatch=map_data.hatch_colours(),
            tiles={"url": map_data.TILES_URL, "attribution": map_data.TILES_ATTRIBUTION},
            height=540, key="map",
        )
        newest = dates[-1]  # of the shown source: stale data must not pass for today's
        if mode == "series":  # what the colour means: never one series' figure
            st.caption(markdown_text(t("series_caption", lang, a=source, b=other)))
        st.caption(t("data_as_of", lang, date=date_text(newest, lang)))
        if (behind := map_data.days_behind(newest)) > STALE_AFTER_DAYS:
            st.warning(t("data_stale", lang, date=date_text(newest, lang), days=behind))

    # The rest of the page waits until the map has painted: it tells us so through its value,
    # which reruns this fragment. Tables and panels then load while the reader looks at the map,
    # instead of holding the map back (their code is over a megabyte of JavaScript).
    if not st.session_state["map_ready"]:
        return

    # Beside the map: the chosen region over time.

    with side_column:
        if mode == "changes":
            change_charts(frame, source, selected, shown_date, lang)
        elif selected:
            from mapkit.viewer.charts import region_chart  # imports Altair: only once it is needed

            region_name = LEVEL_OF.label(selected, lang)
            st.subheader(t("time_series", lang, region=region_name))
            finer = LEVEL_NAMES[LEVEL_NAMES.index(LEVEL) + 1:]
            if finer and LEVEL_OF.unit(selected).kind in ("oblast", "raion"):
                # "Raions of Donetsk Oblast": the finer level, zoomed to the unit chosen
                st.button(t("zoom_into", lang, units=t(f"level_{finer[0]}", lang),
                            region=LEVEL_OF.unit(selected).name(lang)),
                          key="zoom_into", on_click=zoom_into, args=(selected, finer[0]))
            st.altair_chart(region_chart(frame, selected, source, shown_date, lang, also=other),
                            width="stretch")
            st.caption(t("chart_caption", lang, series=markdown_text(source)) if other is None
                       else t("chart_caption_series", lang, a=markdown_text(source),
                              b=markdown_text(other)))
        else:
            st.info(t("click_hint", lang))

    # Under it: the table of the shown date, or the biggest changes.

    if mode == "series":
        rows = comparison[comparison["date"] == shown_date]
        st.subheader(t("series_table_heading", lang, a=markdown_text(source),
                       b=markdown_text(other), date=date_text(shown_date, lang)))
        st.dataframe(tables.series_comparison_display(rows, lang), hide_index=True,
                     width="stretch")
        st.download_button(t("download_csv", lang), tables.rows_csv(rows),
                           file_name=f"compare_{shown_date}.csv", mime="text/csv",
                           key="series_csv", on_click="ignore")
    elif compare:
        st.subheader(t("biggest_changes", lang))
        ranked = tables.biggest_changes(change, lang, date_from, date_to)
        if ranked.empty:
            st.info(t("no_changes", lang))
        else:
            st.dataframe(ranked, hide_index=True, width="stretch")
        st.download_button(t("download_csv", lang), tables.rows_csv(change),
                           file_name=f"change_{date_from}_{date_to}.csv", mime="text/csv",
                           on_click="ignore")
    else:
        rows, rows_csv = page_data.shown_rows(frame, frame_key(), source, shown_date)
        st.subheader(t("table_heading", lang, date=date_text(shown_date, lang)))
        if (rows["status"] == "no map").all():  # what the map says, not an empty table alone
            no_map = map_data.gap_text(*page_data.gap_at(frame, frame_key(), source, shown_date),
                                       lang)
            st.warning(markdown_text(no_map))
        # made once a date and language for every visitor: a step only looks it up
        st.dataframe(page_data.shown_table(frame, frame_key(), source, shown_date, lang),
                     hide_index=True, width="stretch")
        # on_click="ignore": a download changes nothing on the page, so nothing reruns
        st.download_button(t("download_csv", lang), rows_csv,
                           file_name=f"control_{shown_date}.csv", mime="text/csv", key="csv",
                           on_click="ignore")

    export_panel(shown_date, no_map)


# --- The page: the map first, so it paints first; the sidebar after it ------------------------

st.caption(t("subtitle", lang))
view()

# --- Sidebar controls: drawn after the map, their values were read above -----------------------

with st.sidebar:
    st.radio(t("language", lang), LANGUAGES, key="lang", horizontal=True,
             format_func=LANGUAGE_NAMES.get)
    st.radio(t("level", lang), LEVEL_NAMES, key=synced("level"), horizontal=True,
             on_change=level_chosen, format_func=lambda name: t(f"level_{name}", lang),
             help=t("level_help", lang))
    if missing := st.session_state.pop("level_missing", None):
        st.info(t("level_none", lang, level=t(f"level_{missing}", lang).lower()))
    st.text_input(t("find", lang), key="find", on_change=find_place,
                  placeholder=t("find_placeholder", lang), help=t("find_help", lang))
    found = st.session_state.get("find_results")
    if found is not None:
        text, found_level, codes = found
        if not codes:
            st.caption(markdown_text(t("find_none", lang, text=text)))
        elif len(codes) > 1 and found_level == LEVEL:
            where = get_level(found_level)
            if st.session_state.get("find_pick") not in codes:
                st.session_state["find_pick"] = codes[0]
            st.radio(t("find_matches", lang), codes, key="find_pick", on_change=found_chosen,
                     format_func=lambda code: markdown_text(where.label(code, lang)))
    if LEVEL != DEFAULT_LEVEL and st.session_state["uploads"]:
        st.caption(t("level_uploads", lang))
    st.subheader(t("upload", lang))
    st.file_uploader(t("upload", lang), type=["csv", "geojson", "json"],
                     help=t("upload_help", lang), key="upload_file",
                     label_visibility="collapsed")
    st.caption(t("upload_limit", lang, mb=st.get_option("server.maxUploadSize")))
    if is_geojson:
        # A form: the typed date applies when the button is pressed (or Enter), not only once
        # the field loses focus.
        with st.form("upload_date_form", border=False):
            st.date_input(t("upload_geojson_date", lang, name=markdown_text(uploaded.name)),
                          value=None, max_value=dt.date.today(), key="upload_date")
            st.form_submit_button(t("upload_compute", lang))
    if upload_problems is not None:
        st.error(t("upload_failed", lang, name=markdown_text(uploaded.name)))
        # a few problems in full; more in a box that scrolls, so the controls stay in reach
        st.code(problem_lines(upload_problems, lang), language=None, wrap_lines=True,
                height=320 if len(upload_problems) > 3 else "content")
    elif uploaded is not None:
        done = st.session_state["uploads"][upload_key]
        st.success(t("upload_ok", lang, name=markdown_text(done.name), rows=len(done.rows),
                     source=markdown_text(", ".join(done.sources))))
        if released_uploads:
            st.info(t("upload_released", lang, names=markdown_text(", ".join(released_uploads)),
                      count=MAX_UPLOADS_PER_SESSION, mb=MAX_UPLOAD_MB_PER_SESSION))
    # A radio, not a select box: every series' name shows in full, and the reader sees at
    # once which there are.
    described = page_data.series_labels(frame, frame_key(), lang)
    st.radio(t("source_select", lang), sources, key=synced("source"),
             format_func=lambda name: markdown_text(described.get(name, name)),
             help=t("source_select_help", lang))
    st.radio(t("mode", lang), ["map", "compare", "series", "changes"], key=synced("mode"),
             format_func=lambda m: t({"map": "mode_map", "compare": "mode_compare",
                                      "series": "mode_series", "changes": "mode_changes"}[m],
                                     lang))
    if st.session_state["mode"] == "series" and len(sources) > 1:
        st.selectbox(t("compare_with", lang), [name for name in sources if name != source],
                     key="compare_with", help=t("compare_with_help", lang),
                     format_func=lambda name: described.get(name, name))  # plain text
    if st.session_state["mode"] == "compare":
        st.selectbox(t("date_from", lang), dates, key=synced("date_from"),
                     format_func=lambda d: date_text(d, lang))
        st.session_state[localised("date_to")] = st.session_state["date"]
        st.selectbox(t("date_to", lang), dates, key=localised("date_to"),
                     on_change=shown_date_chosen, args=(localised("date_to"),),
                     format_func=lambda d: date_text(d, lang))

# The page is built: what it made to last (libraries, snapshots, timelines, map data) is left
# out of the garbage collector's full passes from now on (page_data.settle_heap).
page_data.settle_heap(SNAPSHOT_PATHS, SNAPSHOTS_NOW)
