"""The tables beside the map: the shown date, the change between two dates, one region's history.

Each is a plain DataFrame, so the page, the CSV download and the tests read the same numbers.
"""

from __future__ import annotations

import re

import pandas as pd

from mapkit.figures import Timeline, build_timeline, series_of, status_of
from mapkit.i18n import date_text, note_text, number_text, t
from mapkit.publish.csv_table import others_text, spreadsheet_text

#: Columns of the shown-date CSV: the snapshot format's names, plus the figure's own date.
CSV_COLUMNS = [
    "date", "region", "name_en", "name_uk", "percent", "partial", "contested_percent", "as_of",
    "source", "method", "source_url", "note", "note_uk", "series", "other_sources", "status",
    "map_note",
]


def shown_date_rows(snapshots: pd.DataFrame, source: str | None, date,
                    timeline: Timeline | None = None) -> pd.DataFrame:
    """Every unit of the snapshots' level (the 27 regions by default) on ``date`` as the map
    shows them (the series' latest figure on or before the date), with the figures other
    series give near that date.

    ``percent`` is empty where the series has no figure; ``partial`` says "partial, no figure";
    ``status`` is "figure", "partial, no figure", "no data" or "no map" (a date the series has
    no map for: every region), ``map_note`` what the map says beside its date ("DeepStateMap
    has no map for 24 Feb – 2 Apr 2022", "Figures as of …");
    ``other_sources`` reads "El País (https://english.elpais.com/…) 2025-03-17: 60; …", as the
    CSV export writes it (never shown in the map's colours).
    ``timeline``, the whole timeline of ``snapshots`` and ``source`` built once
    (:func:`mapkit.figures.build_timeline`), answers in microseconds for one of its dates what
    building that date's timeline takes a tenth of a second for: the page asks on every move
    of the slider.
    """
    day = pd.Timestamp(date).date()
    if timeline is None or day not in timeline.dates:
        timeline, index = build_timeline(snapshots, date=day, source=source), 0
    else:
        index = timeline.dates.index(day)
    rows = []
    held, notice = timeline.holds(index), timeline.notice(index)
    for region, cell, others in zip(timeline.regions, timeline.frame(index),
                                    timeline.others_on(index)):
        rows.append({
            "date": day.isoformat(), "region": region.code,
            "name_en": region.name_en, "name_uk": region.name_uk,
            "percent": cell.percent, "partial": cell.partial,
            "contested_percent": cell.contested,
            "as_of": cell.as_of.isoformat() if cell.as_of else None,
            "source": cell.source, "method": cell.method, "source_url": cell.source_url,
            "note": cell.note, "note_uk": cell.note_uk, "series": timeline.series,
            "other_sources": others_text(others), "status": status_of(cell, held),
            "map_note": notice or None,
        })
    out = pd.DataFrame(rows, columns=CSV_COLUMNS)
    for column in ("percent", "contested_percent"):
        out[column] = pd.to_numeric(out[column], errors="coerce")
    level = timeline.level
    if level.credit:  # a raion or hromada: its oblast (names repeat), whose boundaries
        parents = [level.parent_of(region.code) for region in timeline.regions]
        out["level"] = level.name
        out["parent"] = [p.code if p is not None else "" for p in parents]
        out["parent_name_en"] = [p.name_en if p is not None else "" for p in parents]
        out["parent_name_uk"] = [p.name_uk if p is not None else "" for p in parents]
        out["boundaries"] = f"{level.credit}; {level.licence} ({level.licence_url})"
    return out


def rows_csv(rows: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark, so spreadsheet programs show Cyrillic names right.

    Text a spreadsheet would run as a formula (a source or note from an upload, say
    ``=HYPERLINK(…)``) gets an apostrophe in front, as in the CSV export
    (:func:`mapkit.publish.csv_table.spreadsheet_text`)."""
    safe = rows.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = [spreadsheet_text(v) if isinstance(v, str) else v
                            for v in safe[column]]
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


#: Each ``status`` (:func:`mapkit.figures.status_of`) as the page says it.
STATUS_KEYS = {"figure": "status_figure", "partial, no figure": "partial", "no data": "no_data",
               "no map": "status_no_map"}


def status(value: str, lang: str) -> str:
    """A row's ``status`` in ``lang``: "figure", "partial, no figure", "no data", "no map"."""
    return t(STATUS_KEYS[value], lang)


def _figure_text(value, lang: str = "en") -> str:
    """A percentage for a table cell: one decimal as ``lang`` writes it ("99,5" in Ukrainian,
    as in the tooltips), a dash where there is none (not "None")."""
    return "–" if value is None or pd.isna(value) else number_text(float(value), lang)


def _others_text(text: str, lang: str) -> str:
    """"El País (https://…) 2025-03-17: 60" as the reader's language writes its figures (only
    the figure after each ": " changes; a link stays as it is)."""
    if not text or lang != "uk":
        return text or ""
    text = text.replace(": partial, no figure", ": " + t("partial", lang))
    return re.sub(r"(: \d+)\.(\d)", r"\1,\2", text)


def shown_date_display(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The shown-date rows with headings, region names, figures and notes in ``lang``, for
    the page."""
    name = "name_uk" if lang == "uk" else "name_en"
    text = rows[["as_of", "source", "note", "note_uk", "other_sources"]].astype(object)
    text = text.where(text.notna(), "")
    parent = ({t("col_parent", lang): rows[f"parent_{name}"]} if f"parent_{name}" in rows
              else {})
    return pd.DataFrame({
        t("region", lang): rows[name],
        **parent,
        t("col_percent", lang): [_figure_text(v, lang) for v in rows["percent"]],
        t("col_status", lang): [status(value, lang) for value in rows["status"]],
        t("col_contested", lang): [_figure_text(v, lang) for v in rows["contested_percent"]],
        t("col_as_of", lang): text["as_of"],
        t("source", lang): text["source"],
        t("method", lang): [t(m, lang) if isinstance(m, str) and m else "" for m in rows["method"]],
        t("note", lang): [note_text(n or None, u or None, lang) or ""
                          for n, u in zip(text["note"], text["note_uk"])],
        t("col_others", lang): [_others_text(o, lang) for o in text["other_sources"]],
    })


def biggest_changes(change: pd.DataFrame, lang: str, date_from, date_to) -> pd.DataFrame:
    """Regions with a figure on both dates, largest absolute change first."""
    known = change.dropna(subset=["change_pp"]).copy()
    known = known.reindex(known["change_pp"].abs().sort_values(ascending=False).index)
    name = "name_uk" if lang == "uk" else "name_en"
    parent = ({t("col_parent", lang): known[f"parent_{name}"]} if f"parent_{name}" in known
              else {})
    return pd.DataFrame({
        t("region", lang): known[name],
        **parent,
        t("col_from", lang, date=date_text(date_from, lang)): known["from_percent"],
        t("col_from", lang, date=date_text(date_to, lang)): known["to_percent"],
        t("col_change", lang): known["change_pp"],
    }).reset_index(drop=True)


def series_comparison_display(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One day of :func:`mapkit.series_comparison.compare_series` for the page: each series'
    figure ("no map" where it has none for the day) and its date, and the difference."""
    a, b = rows["series_a"].iloc[0], rows["series_b"].iloc[0]
    name = "name_uk" if lang == "uk" else "name_en"

    def figure(suffix: str) -> list[str]:
        return [_figure_text(percent, lang) if value == "figure" else status(value, lang)
                for value, percent in zip(rows[f"status_{suffix}"], rows[f"percent_{suffix}"])]

    def signed(values, decimals: int) -> list[str]:
        from mapkit.headline import number_text as grouped

        return ["–" if pd.isna(v) else grouped(float(v), lang, decimals, sign=True)
                for v in values]

    dates = rows[["figure_date_a", "figure_date_b"]].astype(object)
    dates = dates.where(dates.notna(), "")
    return pd.DataFrame({
        t("region", lang): rows[f"region_{name}"],
        t("col_series_percent", lang, series=a): figure("a"),
        t("col_series_as_of", lang, series=a): dates["figure_date_a"],
        t("col_series_percent", lang, series=b): figure("b"),
        t("col_series_as_of", lang, series=b): dates["figure_date_b"],
        t("col_difference_pp", lang, a=a, b=b): signed(rows["difference_pp"], 1),
        t("col_difference_km2", lang, a=a, b=b): signed(rows["difference_km2"], 0),
    }).reset_index(drop=True)


def region_series(snapshots: pd.DataFrame, code: str, series: str,
                  also: str | None = None) -> pd.DataFrame:
    """Every figure any source gives for one region, for its chart: ``date, source, series,
    method, percent, partial, on_map, line, segment, until``.

    ``on_map`` marks the figures of ``series``, the one the map shows, and ``line`` names the
    series drawn as a line: ``series``, and ``also`` ("Compare series": the one beside it).
    Each line holds each figure until its next (so the 2015–2022 line is one level for seven
    years), broken where its series says "partial, no figure" (``segment`` changes after such
    a row; ``until`` is the date of the series' next figure, the end of the band that marks
    it). The other sources' figures are points beside them.
    """
    from mapkit.levels import get_level

    get_level(snapshots.attrs.get("level")).unit(code)  # fails loudly for an unknown code
    rows = snapshots[snapshots["region"] == code]
    out = pd.DataFrame({
        "date": pd.to_datetime(rows["date"]),
        "source": rows["source"].astype(str),
        "series": series_of(rows).astype(str),
        "method": rows["method"].astype(str),
        "percent": rows["percent"].astype(float),
        "partial": rows["partial"].astype(bool),
    })
    out["on_map"] = out["series"] == series
    lines = [series, *([also] if also is not None and also != series else [])]
    out["line"] = out["series"].where(out["series"].isin(lines), "")
    out = out.sort_values(["on_map", "date", "source"], ascending=[False, True, True])
    out = out.reset_index(drop=True)
    out["segment"] = ""
    out["until"] = pd.NaT
    for name in lines:
        mine = out["line"] == name
        breaks = out.loc[mine, "partial"].shift(fill_value=False).cumsum()
        out.loc[mine, "segment"] = f"{name} " + breaks.astype(str)
        out.loc[mine, "until"] = out.loc[mine, "date"].shift(-1)
    return out
