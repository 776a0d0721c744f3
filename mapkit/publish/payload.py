"""The timeline as compact JSON for the browser, and how to put JSON inside a page safely.

Both interactive outputs (the SVG embed and the Leaflet page) read the same payload, so a
region's colour, figure and source on a date are the same in both. Colours are decided here, in
Python, with :func:`mapkit.scale.percent_colour`; the JavaScript only looks them up.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Sequence

from mapkit.constants import METHODS, PARTIAL_COLOUR
from mapkit.figures import Cell, Timeline
from mapkit.i18n import number_text, t
from mapkit.levels import DEFAULT_LEVEL, Level, Unit, get_level
from mapkit.scale import legend_items, shown_figure

#: Palette entry meaning "partial, no figure": drawn as a hatch, not a flat colour.
HATCH = "hatch"

_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(value: object) -> str:
    """JSON safe inside ``<script>`` and HTML: no ``</script>``, ``<!--`` or entity can form.

    Every string a user typed (titles, credits, notes, source names) reaches the page through
    here, so it stays data and shows as typed.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escape)
    return text


def _short(value: float | None) -> float | int | None:
    """The figure as written (:func:`mapkit.scale.shown_figure`: one decimal, the figure its
    colour is chosen by), without ".0" when whole (60 not 60.0): a third of the payload."""
    if value is None:
        return None
    rounded = shown_figure(value)
    return int(rounded) if rounded == int(rounded) else rounded


#: One character per index, for lists of at most 36 (``parseInt(code, 36)`` in the browser).
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def encode_colours(colours: Iterable[str], palette: list[str]) -> str:
    """One base-36 digit per colour: its index in ``palette``.

    Colours not yet in ``palette`` are appended (so it lists colours in order of first use) —
    a frame of 27 regions becomes a 27-character string and the browser looks each colour up as
    ``palette[parseInt(code, 36)]``. Every map payload (exports and the viewer) encodes its
    colours here.
    """
    codes = []
    for colour in colours:
        if colour not in palette:
            if len(palette) == len(DIGITS):
                raise ValueError(f"more than {len(DIGITS)} colours on one map")
            palette.append(colour)
        codes.append(DIGITS[palette.index(colour)])
    return "".join(codes)


# --- Time: eight years read as eight years ---------------------------------------------------

#: Playing (every interactive map and the GIF), a date stays on screen longer the more time it
#: spans until the next: ``base × √(days / 7)``, at least ``base`` (a week) and at most
#: :data:`STEP_MAX_MS` (the 2015–2022 line), so a week is a step and eight years a pause.
STEP_BASE_MS = 150
STEP_MAX_MS = 3000


def step_ms(days: float, base: int = STEP_BASE_MS, longest: int = STEP_MAX_MS) -> int:
    """How long a date that holds for ``days`` stays on screen while playing."""
    return int(min(longest, max(base, round(base * math.sqrt(max(days, 0) / 7)))))


def step_durations(dates: Sequence[dt.date], base: int = STEP_BASE_MS,
                   longest: int = STEP_MAX_MS) -> list[int]:
    """:func:`step_ms` of each date until the next (the last: ``base``)."""
    gaps = [(later - earlier).days for earlier, later in zip(dates, dates[1:])]
    return [step_ms(gap, base, longest) for gap in gaps] + [base]


def time_axis(dates: Sequence[dt.date]) -> dict:
    """Where each date sits on a slider spaced by time: ``days`` (offset of each date from the
    first), ``span`` (days from first to last) and ``years`` ([year, fraction of the span] for
    every 1 January in between and the first year), for the year labels under the slider."""
    first = dates[0]
    span = max((dates[-1] - first).days, 0)
    years = [[first.year, 0.0]]
    for year in range(first.year + 1, dates[-1].year + 1):
        years.append([year, round((dt.date(year, 1, 1) - first).days / span, 4)])
    return {"days": [(day - first).days for day in dates], "span": span, "years": years}


def timeline_payload(timeline: Timeline, *, notes_of: tuple[str, ...] = METHODS,
                     lang: str = "en") -> dict:
    """Dates, regions, palette, sources, the time axis and one compact frame per date.

    A frame is ``{"p": [percent or null per region], "c": "palette index per region",
    "s": "source index per region ('.' = none)", "k": [contested percent or null per region],
    "a": {region: as-of date}, "w": {region: why that older figure still stands}, "n":
    {region: note}, "o": [[source index, date, [figure per region] or {region: figure}], …],
    "stale": date, "notice": text, "nm": 1}``. "o" are other series' figures beside the map's
    own (they never colour it), one group per source and date: a figure is a percent, "p"
    (partial, no figure), "-" (no figure) or null/absent (none from this group) — a second
    computed series beside the map gives every region a figure, and one list per date keeps that
    to a few hundred bytes; a publication's few figures are a small object. "stale" is the date
    of the figures when it is older than the map's; "notice" what the map says beside its date
    (:meth:`mapkit.figures.Timeline.notice`: "Figures as of 18 February 2015: the line barely
    moved …", "DeepStateMap has no map for 24 Feb – 2 Apr 2022"); "nm" that the series has no
    map for the date (a region's figure reads "no map", not "no data"). Figures have one decimal
    (an integer when it is one) and "k", "a", "w", "n", "o", "stale", "notice", "nm" appear only
    when needed: the whole 2014–2026 timeline has to fit in an embed of 150 KB.

    A map of more than 36 sources (a spreadsheet of many outlets) cannot give each one digit:
    its frames' "s" is then a list of source indexes (null = none) instead of a string; the
    browser reads both (``sourceIndex`` in payload_reader.js and the viewer).

    ``notes_of`` keeps the notes of figures with these methods only: the embed keeps the
    reported ones (a publication's own words) and leaves out the processing notes of computed
    figures, which differ on every date and would triple its size (the CSV has them all).
    Notes are in ``lang`` where we have them.
    """
    palette: list[str] = []
    sources = timeline.sources()
    source_index = {source.name: i for i, source in enumerate(sources)}
    for other in timeline.other_sources():
        if other.name not in source_index:
            source_index[other.name] = len(sources)
            sources.append(other)
    many_sources = len(sources) > len(DIGITS)  # then "s" lists indexes: see the docstring
    frames = []
    for date_index, (day, frame) in enumerate(zip(timeline.dates, timeline.cells)):
        percents, colours, source_codes = [], [], []
        as_of: dict[str, str] = {}
        because: dict[str, str] = {}
        contested: list[float | int | None] = []
        notes: dict[str, str] = {}
        for index, cell in enumerate(frame):
            colours.append(HATCH if cell.partial and cell.percent is None else cell.colour)
            percents.append(_short(cell.percent))
            if many_sources:
                source_codes.append(source_index[cell.source] if cell.has_data else None)
            else:
                source_codes.append(DIGITS[source_index[cell.source]] if cell.has_data else ".")
            if cell.as_of is not None and cell.as_of != day:
                as_of[str(index)] = cell.as_of.isoformat()
                if cell.stands_note:
                    because[str(index)] = cell.stands_note_in(lang)
            contested.append(_short(cell.contested))
            if cell.note and cell.method in notes_of:
                notes[str(index)] = cell.note_in(lang)
        entry: dict = {"p": percents, "c": encode_colours(colours, palette),
                       "s": source_codes if many_sources else "".join(source_codes)}
        if as_of:
            entry["a"] = as_of
        if because:
            entry["w"] = because
        if any(value is not None for value in contested):
            entry["k"] = contested
        if notes:
            entry["n"] = notes
        beside = _beside(timeline.others_on(date_index), source_index)
        if beside:
            entry["o"] = beside
        stale = timeline.stale(date_index)
        if stale is not None:
            entry["stale"] = stale.isoformat()
        notice = timeline.notice(date_index, lang)
        if notice:
            entry["notice"] = notice
        if not timeline.holds(date_index):
            entry["nm"] = 1
        frames.append(entry)
    return {
        "series": timeline.series,
        **time_axis(timeline.dates),
        "steps": step_durations(timeline.dates),
        "dates": [day.isoformat() for day in timeline.dates],
        **region_entries(timeline.level),
        "palette": palette,
        "sources": [
            {"name": s.name, "url": s.url, "method": s.method} for s in sources
        ],
        "frames": frames,
    }


def region_entries(level: Level) -> dict:
    """A payload's ``regions`` (code and names of each unit, in the level's order) and, at
    the raion and hromada levels, where each lies: ``regions[i].w``, an index into ``where``,
    a list of {"en", "uk"} texts ("Donetsk Oblast"; for a hromada "Pokrovskyi Raion, Donetsk
    Oblast"), each written once: names repeat across oblasts, so every tooltip names it."""
    regions = [{"code": r.code, "en": r.name_en, "uk": r.name_uk} for r in level.units]
    if level.name == DEFAULT_LEVEL:
        return {"regions": regions}
    raions = get_level("raion") if level.name == "hromada" else None
    where: list[dict] = []
    index: dict[tuple, int] = {}
    for entry, unit in zip(regions, level.units):
        oblast = level.parent_of(unit.code)
        raion = raions.get(unit.raion) if raions is not None and unit.raion else None
        if raion is not None and raion.code == unit.code:
            raion = None  # a unit that stands in for its raion (Crimea's, the cities)
        texts = {}
        for lang in ("en", "uk"):
            parts = [_place_name(p, lang) for p in (raion, oblast) if p is not None
                     and p.name(lang) != unit.name(lang)]
            texts[lang] = ", ".join(parts)
        if not texts["en"]:
            continue
        key = (texts["en"], texts["uk"])
        if key not in index:
            index[key] = len(where)
            where.append(texts)
        entry["w"] = index[key]
    return {"regions": regions, "where": where}


def _place_name(unit: Unit, lang: str) -> str:
    """An oblast's or raion's name as a place a unit lies in: "Donetsk Oblast" (the oblast
    level's English names are the bare "Donetsk"), "Pokrovskyi Raion", "Crimea"."""
    if lang == "en" and unit.kind == "oblast" and not unit.name_en.endswith(" Oblast"):
        return f"{unit.name_en} Oblast"
    return unit.name(lang)


#: A frame's keys that hold one value per region: a list, or a string of one character each.
PER_REGION_KEYS = ("p", "c", "s", "k", "km", "d7", "d30")


def changes_only(payload: dict, keys: tuple[str, ...] = PER_REGION_KEYS) -> dict:
    """``payload`` with each frame after the first written as its changes from the frame
    before (in place; returned): ``"x": {key: {region index: new value}}`` for each of
    ``keys`` (:data:`PER_REGION_KEYS`) the frame shares with the one before (``{}``:
    unchanged), the key itself where it is new. A raion or hromada map changes in a few
    units a week, so its whole timeline shrinks three- to sixfold; the browser restores every
    frame once, on loading
    (``expandFrames`` in payload_reader.js and the viewer)."""
    frames = payload["frames"]
    for before, frame in zip(frames[-2::-1], frames[:0:-1]):  # last first: befores intact
        changes = {}
        for key in keys:
            old, new = before.get(key), frame.get(key)
            if old is None or new is None or len(old) != len(new) or type(old) is not type(new):
                continue
            changes[key] = {str(i): b for i, (a, b) in enumerate(zip(old, new)) if a != b
                            or type(a) is not type(b)}
            del frame[key]
        if changes:
            frame["x"] = changes
    return payload


def _beside(others: tuple, source_index: dict[str, int]) -> list:
    """A frame's "o": other series' figures per region → one group per (source, date), its
    figures by region (see :func:`timeline_payload`)."""
    groups: dict[tuple[int, str], list] = {}
    for region, figures in enumerate(others):
        for other in figures:
            key = (source_index[other.source], other.as_of.isoformat())
            values = groups.setdefault(key, [None] * len(others))
            values[region] = (_short(other.percent) if other.percent is not None
                              else "p" if other.partial else "-")
    return [[index, day, _sparse(values)] for (index, day), values in groups.items()]


def _sparse(values: list) -> list | dict[str, object]:
    """A group's figures as a list, or, when most regions have none (a publication's few
    figures), as {region index: figure}: the browser reads both as ``values[i]``."""
    given = {str(i): value for i, value in enumerate(values) if value is not None}
    return given if 2 * len(given) < len(values) else values


#: Interface text both interactive outputs need in the browser.
_LABEL_KEYS = (
    "play", "pause", "date", "source", "method", "note", "contested", "percent", "region",
    "no_data", "partial", "reported", "computed", "export_as_of", "export_value",
    "export_slider", "export_table_caption", "figures_as_of", "other_sources", "other_figure",
    "status_no_map",
)


def interface_labels(lang: str) -> dict[str, str]:
    """The interface strings in ``lang``, placeholders such as ``{value}`` left in."""
    return {key: t(key, lang) for key in _LABEL_KEYS}


def legend_entries(lang: str) -> list[dict]:
    """The legend of :func:`mapkit.scale.legend_items`, special cases translated and marked."""
    return [
        {"label": label, "colour": colour, "hatch": colour == PARTIAL_COLOUR}
        for label, colour in legend_items(lang)
    ]


def value_text(cell: Cell, lang: str) -> str:
    """A region's figure as a reader sees it: "60.0 %" ("60,0 %" in Ukrainian), "partial, no
    figure" or "no data"."""
    if not cell.has_data:
        return t("no_data", lang)
    if cell.percent is None:
        return t("partial", lang)
    return t("export_value", lang, value=number_text(cell.percent, lang))
