"""The tables beside the map: the shown date, the change between two dates, one region's history.

Each is a plain DataFrame, so the page, the CSV download and the tests read the same numbers.
"""

from __future__ import annotations

import pandas as pd

from mapkit.figures import Timeline, build_timeline
from mapkit.i18n import t
from mapkit.publish.csv_table import spreadsheet_text
from mapkit.regions import REGIONS, region_by_code

#: Columns of the shown-date CSV: the snapshot format's names, plus the figure's own date.
CSV_COLUMNS = [
    "date", "region", "name_en", "name_uk", "percent", "partial", "contested_percent", "as_of",
    "source", "method", "source_url", "note",
]


def shown_date_rows(snapshots: pd.DataFrame, source: str | None, date,
                    timeline: Timeline | None = None) -> pd.DataFrame:
    """All 27 regions on ``date`` as the map shows them (latest figure on or before the date).

    ``percent`` is empty where the source has no figure; ``partial`` says "partial, no figure".
    ``timeline``, the whole timeline of ``snapshots`` and ``source`` built once
    (:func:`mapkit.figures.build_timeline`), answers in microseconds what building this date's
    takes a tenth of a second for: the page asks on every move of the slider.
    """
    day = pd.Timestamp(date).date()
    if timeline is None:
        cells = build_timeline(snapshots, date=day, source=source).frame(0)
    else:
        cells = [timeline.figure_on(region.code, day) for region in REGIONS]
    rows = []
    for region, cell in zip(REGIONS, cells):
        rows.append({
            "date": day.isoformat(), "region": region.code,
            "name_en": region.name_en, "name_uk": region.name_uk,
            "percent": cell.percent, "partial": cell.partial,
            "contested_percent": cell.contested,
            "as_of": cell.as_of.isoformat() if cell.as_of else None,
            "source": cell.source, "method": cell.method, "source_url": cell.source_url,
            "note": cell.note,
        })
    out = pd.DataFrame(rows, columns=CSV_COLUMNS)
    for column in ("percent", "contested_percent"):
        out[column] = pd.to_numeric(out[column], errors="coerce")
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


def status(percent, partial: bool, source, lang: str) -> str:
    if source is None or (isinstance(source, float) and pd.isna(source)):
        return t("no_data", lang)
    if partial and (percent is None or pd.isna(percent)):
        return t("partial", lang)
    return t("status_figure", lang)


def _figure_text(value) -> str:
    """A percentage for a table cell: one decimal, a dash where there is none (not "None")."""
    return "–" if value is None or pd.isna(value) else f"{float(value):.1f}"


def shown_date_display(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The shown-date rows with headings and region names in ``lang``, for the page."""
    name = "name_uk" if lang == "uk" else "name_en"
    text = rows[["as_of", "source", "note"]].fillna("")
    return pd.DataFrame({
        t("region", lang): rows[name],
        t("col_percent", lang): [_figure_text(v) for v in rows["percent"]],
        t("col_status", lang): [status(p, q, s, lang) for p, q, s in
                                zip(rows["percent"], rows["partial"], rows["source"])],
        t("col_contested", lang): [_figure_text(v) for v in rows["contested_percent"]],
        t("col_as_of", lang): text["as_of"],
        t("source", lang): text["source"],
        t("method", lang): [t(m, lang) if isinstance(m, str) and m else "" for m in rows["method"]],
        t("note", lang): text["note"],
    })


def biggest_changes(change: pd.DataFrame, lang: str, date_from, date_to) -> pd.DataFrame:
    """Regions with a figure on both dates, largest absolute change first."""
    from mapkit.viewer.map_data import format_date

    known = change.dropna(subset=["change_pp"]).copy()
    known = known.reindex(known["change_pp"].abs().sort_values(ascending=False).index)
    name = "name_uk" if lang == "uk" else "name_en"
    return pd.DataFrame({
        t("region", lang): known[name],
        t("col_from", lang, date=format_date(date_from, lang)): known["from_percent"],
        t("col_from", lang, date=format_date(date_to, lang)): known["to_percent"],
        t("col_change", lang): known["change_pp"],
    }).reset_index(drop=True)


#: Two figures of one source further apart than this are not joined by a line in the chart:
#: nothing is known in between (Crimea 2014 → the pre-invasion line of February 2022).
MAX_JOINED_GAP_DAYS = 120


def region_series(snapshots: pd.DataFrame, code: str) -> pd.DataFrame:
    """Every figure any source gives for one region: ``date, source, method, percent, partial,
    segment``.

    One line per source in the chart; a partial figure has no percent (a gap, not a zero), and
    ``segment`` changes where two consecutive figures are more than ``MAX_JOINED_GAP_DAYS`` apart,
    so the chart does not draw a trend through years without data.
    """
    region_by_code(code)  # fails loudly for an unknown code
    rows = snapshots[snapshots["region"] == code]
    out = pd.DataFrame({
        "date": pd.to_datetime(rows["date"]),
        "source": rows["source"].astype(str),
        "method": rows["method"].astype(str),
        "percent": rows["percent"].astype(float),
        "partial": rows["partial"].astype(bool),
    })
    out = out.sort_values(["source", "date"]).reset_index(drop=True)
    gap = out.groupby("source")["date"].diff() > pd.Timedelta(days=MAX_JOINED_GAP_DAYS)
    out["segment"] = out["source"] + " " + gap.groupby(out["source"]).cumsum().astype(str)
    return out


def disagreements(snapshots: pd.DataFrame, date) -> pd.DataFrame:
    """Regions where two or more sources give different figures on exactly ``date``."""
    day = pd.Timestamp(date)
    rows = snapshots[pd.to_datetime(snapshots["date"]) == day]
    found = []
    if rows["source"].nunique() < 2:  # most dates: one source, nothing to disagree
        return pd.DataFrame(found, columns=["region", "name_en", "name_uk", "source", "method",
                                            "percent", "partial"])
    for code, group in rows.groupby("region"):
        if group["source"].nunique() < 2:
            continue
        values = {
            (None if bool(p) else round(float(v), 1))
            for v, p in zip(group["percent"], group["partial"])
        }
        if len(values) < 2:
            continue
        region = region_by_code(code)
        for _, row in group.iterrows():
            found.append({
                "region": code, "name_en": region.name_en, "name_uk": region.name_uk,
                "source": row["source"], "method": row["method"],
                "percent": None if bool(row["partial"]) else float(row["percent"]),
                "partial": bool(row["partial"]),
            })
    return pd.DataFrame(found, columns=["region", "name_en", "name_uk", "source", "method",
                                        "percent", "partial"])
