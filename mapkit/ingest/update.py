"""``mapkit update``: bring a folder of snapshot CSVs up to date from a source.

The folder says what it needs: its newest date, and its cadence (a snapshot a day, or a week —
:func:`folder_cadence`). The source says what it has (:mod:`mapkit.ingest.fetchers`). Each
date the folder lacks is downloaded (or read from the cache), computed by exactly the code of
``mapkit compute`` (:func:`mapkit.ingest.day.compute_snapshot`, on one
:class:`~mapkit.ingest.areas.DaySeries`, in date order) and written on its own, atomically
(:func:`mapkit.snapshots.write_snapshot`), as soon as it is done: an interrupted run loses
nothing, and the next run starts where it stopped.

**Guards: an upstream hiccup must never become a wrong map.** A map that cannot be read as
GeoJSON, holds no occupied area, or whose occupied area in Ukraine differs by more than
``max_change`` per cent (``force`` accepts that) from the nearest snapshot of the same source
(in the folder or the project's data, before or after it) is rejected, with the date, the
update and the reason, and nothing is written for its date; the other dates are. So is a map
dated outside the dates asked for, or otherwise than the source listed it: a file's own date
never widens the request.

**Weekly folders** keep one snapshot per ISO week (Monday–Sunday), the week's last map, and the
snapshot of the 1st of every month (a month boundary), as ``scripts/build_timeline.py`` builds
the bundled one. The current week's snapshot is provisional:
when a later map of the same week comes, it replaces it, so the newest snapshot is always the
newest map.

**A stale source** — its newest map, or the folder's, more than ``max_age`` days before
``until`` — is reported in the summary (``stale``): a schedule must hear of a source that
stopped. **A folder or cache that cannot be written** (read-only, full disk) stops the run
(``cannot_write``); what it wrote before is whole.

The library raises and reports; ``mapkit.cli`` prints and picks exit codes.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mapkit.files import folder_lock, remove_temporaries, write_problem
from mapkit.ingest.fetchers import Candidate, Listing, ResponseCache, Source, date_shown
from mapkit.ingest.http import FetchError, NotFound, Unreachable
from mapkit.snapshots import SnapshotError, level_folder, read_snapshot_records

__all__ = ["CADENCES", "DEFAULT_MAX_AGE", "DEFAULT_MAX_CHANGE", "CannotWrite", "FolderBusy",
           "NoNetwork", "SourceFailed", "UpdateError", "UpdateSummary", "folder_cadence",
           "folder_dates", "mark_notice_shown", "national_occupied_km2", "notice_due",
           "update_folder"]

CADENCES = ("day", "week")
#: Days the newest map may be old (before ``until``, default today) before ``mapkit update``
#: calls its source stale (exit 4): DeepStateMap updates daily; a week without a map is a
#: source that stopped, or a mirror that did.
DEFAULT_MAX_AGE = 7
#: Largest change of the occupied area in Ukraine from one snapshot to the next, in per cent,
#: accepted without ``--force``. A quiet week moves it by a few hundredths of a per cent; a
#: map with a layer missing, by tens.
DEFAULT_MAX_CHANGE = 2.0
#: Regions that moved by more than this (percentage points) are listed in the summary.
CHANGE_LISTED_PP = 0.1
#: Tag of the temporary files this command writes (cleaned up after a killed run).
TEMPORARY_TAG = "update-"
_SNAPSHOT_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.csv$")


class UpdateError(ValueError):
    """The request cannot be carried out as asked (a bad date range, no source name)."""


class NoNetwork(Exception):
    """No connection to the source could be made at all; nothing was changed."""


class SourceFailed(Exception):
    """The source could not say what it has (an error answer, a malformed list); nothing was
    changed."""


class FolderBusy(Exception):
    """Another ``mapkit update`` is writing to the same folder."""


def _busy(folder: Path) -> FolderBusy:
    return FolderBusy(f"{folder}: another mapkit update is writing to this folder; "
                      "nothing was done")


class CannotWrite(Exception):
    """``--out`` or ``--cache`` cannot take a file (read-only, full disk, …): the run stops
    there (every other file would fail the same way); what it wrote before is whole."""


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Writes to ``path`` inside: a failure becomes one :class:`CannotWrite` line."""
    try:
        yield
    except OSError as error:
        raise CannotWrite(write_problem(error, path)) from None


# --- The folder ---------------------------------------------------------------------------------


def folder_dates(folder: str | Path) -> list[dt.date]:
    """The dates of the snapshot files (``YYYY-MM-DD.csv``) in ``folder``, sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    dates = []
    for path in folder.iterdir():
        match = _SNAPSHOT_NAME.match(path.name)
        if match:
            with contextlib.suppress(ValueError):
                dates.append(dt.date.fromisoformat(match[1]))
    return sorted(dates)


def folder_cadence(dates: list[dt.date]) -> str:
    """"day" or "week": the median gap between the folder's last few snapshots (up to six
    gaps), a day or two for a daily folder; "day" for a folder with fewer than two."""
    recent = dates[-7:]
    gaps = sorted((b - a).days for a, b in zip(recent, recent[1:]))
    if not gaps:
        return "day"
    return "day" if gaps[len(gaps) // 2] <= 2 else "week"


def _week(day: dt.date) -> tuple[int, int]:
    year, week, _ = day.isocalendar()
    return year, week


def national_occupied_km2(records: list[dict], areas_km2: dict[str, float]) -> float:
    """Occupied km² in Ukraine for one snapshot's rows: the ``UA`` row's ``area_km2`` where the
    snapshot has one, else each region's percent of its area, added up."""
    for row in records:
        if row.get("region") == "UA" and row.get("area_km2") is not None:
            return float(row["area_km2"])
    return sum(row["percent"] / 100.0 * areas_km2[row["region"]] for row in records
               if row.get("percent") is not None and row.get("region") in areas_km2)


# --- The notice a new user sees once ------------------------------------------------------------


def _notice_marker(notice: str) -> Path:
    base = os.environ.get("MAPKIT_CONFIG_DIR")
    if not base:
        config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
        base = Path(config) / "mapkit"
    key = hashlib.sha256(notice.encode("utf-8")).hexdigest()[:12]
    return Path(base) / "notices" / f"{key}.shown"


def notice_due(source: Source) -> str | None:
    """The source's one-line notice, if this user has not seen it yet (a marker file under
    ``$MAPKIT_CONFIG_DIR``, or ``~/.config/mapkit/``, remembers; a new wording shows again)."""
    if not source.notice:
        return None
    return None if _notice_marker(source.notice).exists() else source.notice


def mark_notice_shown(source: Source) -> None:
    """Remember that the notice was shown (silently not, where the folder is read-only)."""
    if not source.notice:
        return
    marker = _notice_marker(source.notice)
    with contextlib.suppress(OSError):
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(source.notice + "\n", encoding="utf-8")


# --- What a run did -------------------------------------------------------------------------------


@dataclass
class UpdateSummary:
    """What a run did, for its closing lines (and the tests)."""

    source: str
    out_dir: Path
    cadence: str = "day"
    cadence_from: str = "the folder"
    dry_run: bool = False
    plan: list[str] = field(default_factory=list)
    added: list[dt.date] = field(default_factory=list)
    replaced: list[tuple[dt.date, dt.date]] = field(default_factory=list)  # (old, new)
    rejected: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    absent: list[dt.date] = field(default_factory=list)  # probed: no file that day
    notes: list[str] = field(default_factory=list)
    own_areas: list[str] = field(default_factory=list)
    previous_newest: dt.date | None = None
    newest: dt.date | None = None
    changes: list[str] = field(default_factory=list)
    requests: int = 0
    downloaded: int = 0  # bytes
    from_cache: int = 0
    retries: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cache_folder: Path | None = None  # where this source's raw responses are kept
    cannot_write: str | None = None  # why the run stopped: --out or --cache took no file
    stale: str | None = None  # why the source looks stopped (--max-age)

    @property
    def problems(self) -> list[str]:
        """Every date rejected or not obtained: the run failed for those."""
        return [*self.rejected, *self.failed]

    def lines(self) -> list[str]:
        out = []
        if self.dry_run:
            out.append(f"dry run — nothing was downloaded or written. {self.source}, "
                       f"{self.cadence} cadence ({self.cadence_from}):")
            out.extend(f"  {line}" for line in self.plan or ["nothing to fetch: the folder "
                                                              "is up to date"])
        else:
            span = (f" ({self.added[0]} … {self.added[-1]})" if len(self.added) > 1
                    else f" ({self.added[0]})" if self.added else "")
            out.append(
                f"{len(self.added)} date(s) added{span} to {self.out_dir} from {self.source}, "
                f"{self.cadence} cadence ({self.cadence_from}); "
                f"{len(self.rejected)} rejected, {len(self.failed)} failed. Newest: "
                f"{self.newest or 'none'}"
                + (f" (was {self.previous_newest})" if self.newest != self.previous_newest
                   else " (unchanged)") + ".")
            out.append(f"{self.requests} request(s), {self.downloaded / 1e6:.1f} MB downloaded, "
                       f"{self.from_cache} map(s) from the cache, {self.seconds:.1f} s.")
            if self.cache_folder is not None and self.cache_folder.is_dir():
                out.append(f"raw responses kept in {self.cache_folder} (`mapkit compute "
                           f"{self.cache_folder} --out DIR` reproduces the figures offline).")
        for old, new in self.replaced:
            out.append(f"note: {new} replaced {old} (same ISO week: a weekly folder keeps each "
                       "week's last map).")
        if self.absent:
            out.append(f"note: no file for {len(self.absent)} day(s) probed "
                       f"({_span(self.absent)}); the source had nothing for them (404).")
        out.extend(f"note: {note}" for note in [*self.notes, *self.retries])
        if self.changes:
            out.append(f"changes from {self.previous_newest} to {self.newest}:")
            out.extend(f"  {line}" for line in self.changes)
        out.extend(f"note: {line}" for line in self.own_areas)
        out.extend(f"error: {line}" for line in self.rejected)
        out.extend(f"error: {line}" for line in self.failed)
        if self.cannot_write:
            out.append(f"error: {self.cannot_write}; the run stopped there (the dates written "
                       "before are whole)")
        if self.stale:
            out.append(f"error: {self.stale}")
        return out


def _span(dates: list[dt.date]) -> str:
    dates = sorted(dates)
    return str(dates[0]) if len(dates) == 1 else f"{dates[0]} … {dates[-1]}"


# --- The plan -----------------------------------------------------------------------------------


@dataclass
class _Group:
    """One snapshot to make: the maps that may give it, best first (a probed week: its last
    day first; a 404 moves on to the next), and the provisional snapshot it replaces."""

    candidates: list[Candidate]
    replaces: dt.date | None = None

    def describe(self) -> str:
        first = self.candidates[0]
        if first.certain or len(self.candidates) == 1:
            what = f"{first.date or 'the date in the file'} ({first.label})"
        else:
            days = [c.date for c in self.candidates]
            what = f"the newest file of {min(days)} … {max(days)}"
        return f"would fetch {what}" + (f", replacing {self.replaces}" if self.replaces
                                        else "")


def _plan(listing: Listing, existing: list[dt.date], cadence: str) -> list[_Group]:
    have = set(existing)
    dated = sorted((c for c in listing.candidates if c.date is not None),
                   key=lambda c: c.date)
    groups: list[_Group] = []
    if cadence == "day":
        by_day: dict[dt.date, list[Candidate]] = {}
        for candidate in dated:
            by_day.setdefault(candidate.date, []).append(candidate)
        groups = [_Group(by_day[day][::-1]) for day in sorted(by_day) if day not in have]
    else:
        newest = existing[-1] if existing else None
        weeks_had: dict[tuple[int, int], list[dt.date]] = {}
        for day in existing:
            weeks_had.setdefault(_week(day), []).append(day)
        by_week: dict[tuple[int, int], list[Candidate]] = {}
        by_day: dict[dt.date, list[Candidate]] = {}
        for candidate in dated:
            by_week.setdefault(_week(candidate.date), []).append(candidate)
            by_day.setdefault(candidate.date, []).append(candidate)
        for week in sorted(by_week):
            candidates = by_week[week][::-1]  # the week's last map first
            had = weeks_had.get(week, [])
            if not had:
                groups.append(_Group(candidates))
            elif max(had) == newest and newest.isoweekday() != 7:  # provisional: a later map
                later = [c for c in candidates if c.date > newest]
                if later:  # a month's 1st is kept: it is a month boundary, not provisional
                    groups.append(_Group(later, replaces=None if newest.day == 1 else newest))
        # The 1st of every month too, as scripts/build_timeline.py keeps it: month boundaries,
        # so that `mapkit changes --period month` measures from the 1st to the 1st.
        planned = {group.candidates[0].date for group in groups}
        groups.extend(_Group(by_day[day][::-1]) for day in sorted(by_day)
                      if day.day == 1 and day not in have and day not in planned)
        groups.sort(key=lambda group: group.candidates[0].date)
    groups.extend(_Group([c]) for c in listing.candidates if c.date is None)
    return groups


# --- The run --------------------------------------------------------------------------------------


@dataclass
class _Folder:
    """The snapshots of the folder being updated, read as needed, and the other series of the
    same source the project has (``references``: dated snapshot files elsewhere), for the
    jump guard."""

    path: Path
    dates: list[dt.date]
    source: str
    areas_km2: dict[str, float] = field(default_factory=dict)
    records: dict[dt.date, list[dict] | None] = field(default_factory=dict)
    references: list[tuple[dt.date, Path]] = field(default_factory=list)
    _read: dict[Path, list[dict] | None] = field(default_factory=dict)

    def rows(self, day: dt.date) -> list[dict] | None:
        """The rows of ``day`` from this run's source (None: unreadable or none)."""
        if day not in self.records:
            self.records[day] = self._source_rows(self.path / f"{day.isoformat()}.csv")
        return self.records[day]

    def _source_rows(self, path: Path) -> list[dict] | None:
        try:
            rows = read_snapshot_records(path)
        except (SnapshotError, OSError):
            rows = None
        return [r for r in rows or [] if r["source"] == self.source] or None

    def national(self, day: dt.date) -> float | None:
        rows = self.rows(day)
        return national_occupied_km2(rows, self.areas_km2) if rows else None

    def nearest(self, day: dt.date) -> tuple[dt.date, Path, float] | None:
        """The snapshot of this run's source nearest in time to ``day`` (before it on a tie,
        the folder's before the project's), as (date, file, occupied km² in Ukraine); None
        when neither the folder nor the project's data has one."""
        options = [(d, self.path / f"{d.isoformat()}.csv") for d in self.dates if d != day]
        options += self.references  # the same date too: another copy of this source's map
        options.sort(key=lambda o: (abs((o[0] - day).days), o[0] > day,
                                    o[1].parent != self.path))
        for date, path in options[:_NEAREST_READS]:
            if path.parent == self.path:
                rows = self.rows(date)
            else:
                if path not in self._read:
                    self._read[path] = self._source_rows(path)
                rows = self._read[path]
            if rows:
                return date, path, national_occupied_km2(rows, self.areas_km2)
        return None


#: Most snapshot files the jump guard reads to find the nearest one of the run's source.
_NEAREST_READS = 40


def _references(source: str, out_dir: Path) -> list[tuple[dt.date, Path]]:
    """The dated snapshot files of ``source`` the project has (each folder of
    ``data/control_snapshots/`` whose newest snapshot holds rows of ``source``), but for
    ``out_dir``'s own."""
    from mapkit.constants import SNAPSHOTS_DIR

    found = []
    with contextlib.suppress(OSError):
        folders = [SNAPSHOTS_DIR, *sorted(p for p in SNAPSHOTS_DIR.iterdir() if p.is_dir())]
        for folder in folders:
            if folder.resolve() == out_dir.resolve():
                continue
            dates = folder_dates(folder)
            if not dates:
                continue
            newest = folder / f"{dates[-1].isoformat()}.csv"
            try:
                sources = {r["source"] for r in read_snapshot_records(newest)}
            except (SnapshotError, OSError):
                continue
            if source in sources:
                found += [(d, folder / f"{d.isoformat()}.csv") for d in dates]
    return found


def _folder_source(folder: Path, dates: list[dt.date]) -> tuple[str | None, str]:
    """(source, source_url) of the folder's newest snapshot, to continue its series."""
    if not dates:
        return None, ""
    try:
        rows = read_snapshot_records(folder / f"{dates[-1].isoformat()}.csv")
    except SnapshotError:
        return None, ""
    computed = [r for r in rows if r["method"] == "computed"] or rows
    return (computed[0]["source"], computed[0]["source_url"]) if computed else (None, "")


def update_folder(source: Source, out_dir: str | Path, *, since: dt.date | None = None,
                  until: dt.date | None = None, every: str | None = None,
                  cache_dir: str | Path | None = None, force: bool = False,
                  dry_run: bool = False, max_change: float = DEFAULT_MAX_CHANGE,
                  name: str | None = None, today: dt.date | None = None,
                  max_age: int = DEFAULT_MAX_AGE,
                  levels: Iterable[str] | str | None = None,
                  progress: Callable[[int], object] | None = None,
                  on_total: Callable[[int], object] | None = None) -> UpdateSummary:
    """Bring the snapshot folder ``out_dir`` up to date from ``source``; see the module
    docstring.

    ``since``/``until`` bound the dates wanted (default: after the folder's newest date, up to
    ``today``; an empty folder without ``since`` gets the newest map only). ``every`` ("day" or
    "week") overrides the folder's cadence. ``name`` is the source name written in the rows
    (default: the source's own, else the folder's). ``progress(1)`` is called as each date is
    done, ``on_total(n)`` once the number of dates is known. ``max_age``: when the newest map
    (the folder's, or the source's) is more days than this before ``until``, the summary's
    ``stale`` says so (0: never); a dry run does not check. ``levels``: the levels each new
    map is computed at (:func:`mapkit.levels.level_names`), written as ``mapkit compute``
    writes them (``out_dir/raion/``, ``out_dir/hromada/``); default: the oblasts, and every
    finer level whose folder ``out_dir`` already has, so a folder's levels stay in step.

    Raises :class:`UpdateError` (a bad request), :class:`NoNetwork`, :class:`SourceFailed` or
    :class:`FolderBusy`; dates rejected or not obtained are listed in the summary's
    ``problems``, the others are written.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    today = today or dt.date.today()  # the validator's "not in the future"
    until = until or today
    if until > today:
        until = today
    if since is not None and since > until:
        raise UpdateError(f"--since {since} is after --until {until}")
    if every is not None and every not in CADENCES:
        raise UpdateError(f"--every {every!r}: use one of {', '.join(CADENCES)}")
    if out_dir.exists() and not out_dir.is_dir():
        raise UpdateError(f"--out {out_dir} is a file, not a folder")
    try:
        wanted_levels = folder_levels(out_dir, levels)
    except ValueError as error:
        raise UpdateError(f"--level: {error}") from None

    existing = folder_dates(out_dir)
    folder_source, folder_url = _folder_source(out_dir, existing)
    if not (name or source.row_source or folder_source or source.may_recognise):
        raise UpdateError(_SAY_WHO)
    summary = UpdateSummary(source=source.label, out_dir=out_dir,
                            cadence=every or folder_cadence(existing),
                            cadence_from="--every" if every else "the folder's",
                            dry_run=dry_run)
    if not every and len(existing) < 2:
        summary.cadence_from = "a new folder: daily unless --every says otherwise"
    summary.previous_newest = summary.newest = existing[-1] if existing else None
    if since is None and existing:
        since = existing[-1] + dt.timedelta(days=1)
        if summary.cadence == "week":  # a provisional last week may get a later map
            since = min(since, existing[-1] - dt.timedelta(days=existing[-1].weekday()))
    client = getattr(source, "client", None)
    listing = Listing([])
    try:
        with contextlib.ExitStack() as stack:
            if out_dir.is_dir() and not dry_run:
                stack.enter_context(folder_lock(out_dir, lambda: _busy(out_dir)))
                with _writing(out_dir):
                    for level in wanted_levels:
                        remove_temporaries(level_folder(out_dir, level), TEMPORARY_TAG)
            listing = _list(source, since, until, look=not dry_run)
            summary.notes.extend(listing.notes)
            # the source's own name, or one it recognised in its files (DeepStateMap's)
            row_source = name or source.row_source or folder_source
            if not row_source and not (dry_run and source.may_recognise):
                raise UpdateError(_SAY_WHO)
            # a known source's link (compute_snapshot's default), else the folder's
            source_url = None if folder_source != row_source else folder_url or None
            groups = _plan(listing, existing, summary.cadence)
            if dry_run:
                summary.plan = [g.describe() for g in groups]
                return summary
            if on_total:
                on_total(len(groups))
            if groups:
                _run(groups, source, out_dir, existing, row_source, source_url, cache_dir,
                     force, max_change, summary, progress, stack, (since, until),
                     wanted_levels)
    except CannotWrite as error:
        summary.cannot_write = str(error)
    finally:
        if client is not None:
            stats = client.stats
            summary.requests, summary.downloaded = stats.requests, stats.bytes
            summary.retries = list(stats.retries)
        summary.seconds = time.perf_counter() - started
    summary.stale = _stale(source, listing.newest, summary.newest, until, max_age)
    return summary


_SAY_WHO = ("say who drew these polygons with --name (it is written in every row's source "
            "column); the folder has no snapshot to continue")


def _stale(source: Source, source_newest: dt.date | None, folder_newest: dt.date | None,
           until: dt.date, max_age: int) -> str | None:
    """Why the source looks stopped (None: it does not): its newest map — or the folder's,
    if newer — is more than ``max_age`` days before ``until``."""
    newest = max((d for d in (source_newest, folder_newest) if d is not None), default=None)
    if not max_age or (newest is not None and (until - newest).days <= max_age):
        return None
    if newest is None:
        return (f"{source.label} has no map at all for the dates looked at, and the folder "
                f"none either (--max-age {max_age}): is it still updated?")
    return (f"the newest map is {newest}, {(until - newest).days} days before {until} (more "
            f"than --max-age {max_age}): {source.label} seems to have stopped updating")


def _list(source: Source, since: dt.date | None, until: dt.date, *, look: bool) -> Listing:
    try:
        return source.available(since, until, look=look)
    except Unreachable as error:
        raise NoNetwork(_no_network(source, error)) from None
    except FetchError as error:
        raise SourceFailed(f"{source.label} could not say which maps it has: {error}. "
                           "Nothing was changed.") from None


def _no_network(source: Source, error: Unreachable) -> str:
    return (f"cannot reach {source.label}: {error.reason}. No network, or the wrong address? "
            "Nothing was changed.")


def folder_levels(out_dir: Path, levels: Iterable[str] | str | None = None,
                  ) -> tuple[str, ...]:
    """The levels an update of ``out_dir`` computes: ``levels`` (with the oblasts, which the
    folder's own files are), or the oblasts and each finer level it has a folder of."""
    from mapkit.levels import DEFAULT_LEVEL, LEVEL_NAMES, level_names

    if levels:
        return level_names([DEFAULT_LEVEL, *([levels] if isinstance(levels, str) else levels)])
    return (DEFAULT_LEVEL, *(name for name in LEVEL_NAMES[1:]
                             if any((out_dir / name).glob("*.csv"))))


def _run(groups: list[_Group], source: Source, out_dir: Path, existing: list[dt.date],
         row_source: str, source_url: str | None, cache_dir, force: bool, max_change: float,
         summary: UpdateSummary, progress, stack: contextlib.ExitStack,
         wanted: tuple[dt.date | None, dt.date],
         levels: tuple[str, ...] = ("oblast",)) -> None:
    from mapkit.ingest.areas import DaySeries
    from mapkit.ingest.day import SOURCE_URLS, compute_snapshot
    from mapkit.ingest.region_index import load_region_index
    from mapkit.ingest.runner import snapshot_path
    from mapkit.snapshots import write_snapshot

    if source_url is None or row_source in SOURCE_URLS:
        source_url = SOURCE_URLS.get(row_source, "")
    index = load_region_index()
    if index.index_note:
        summary.notes.append(index.index_note)
    folder = _Folder(out_dir, list(existing), row_source,
                     dict(zip(index.codes, (float(a) / 1e6 for a in index.areas))),
                     references=_references(row_source, out_dir))
    cache = ResponseCache(cache_dir, source.cache_key) if cache_dir and source.cache_key \
        else None
    if cache is not None:
        summary.cache_folder = cache.folder
        if cache.folder.is_dir():
            with _writing(cache.folder):
                remove_temporaries(cache.folder, TEMPORARY_TAG)
    previous_newest = summary.previous_newest
    before = folder.rows(previous_newest) if previous_newest else None
    series = DaySeries()
    locked = out_dir.is_dir()
    stop: str | None = None

    for group in groups:
        if stop:
            summary.failed.append(f"{group.candidates[0].date or group.candidates[0].name}: "
                                  f"not attempted ({stop})")
            if progress:
                progress(1)
            continue
        misses = []  # probed days without a file (404), reported if none in the group has one
        for candidate in group.candidates:
            where = f"{candidate.date or candidate.name} ({candidate.label})"
            try:
                body, cached = _obtain(source, candidate, cache)
            except NotFound as error:
                if candidate.certain:
                    summary.failed.append(f"{where}: listed, but {error.reason} at "
                                          f"{error.url}; nothing written for that date")
                    break
                misses.append(candidate.date)
                continue
            except Unreachable as error:
                client = getattr(source, "client", None)
                if not summary.added and client is not None and not client.stats.connected:
                    raise NoNetwork(_no_network(source, error)) from None  # a probed source
                stop = f"the connection was lost: {error.reason}"
                summary.failed.append(f"{where}: {error.reason}; nothing written for that "
                                      "date")
                break
            except FetchError as error:
                summary.failed.append(f"{where}: {error.reason} at {error.url}; nothing "
                                      "written for that date")
                break
            misses = []
            summary.from_cache += cached
            try:
                snapshot = compute_snapshot(candidate.path or candidate.name, data=body,
                                            index=index, series=series, source=row_source,
                                            source_url=source_url,
                                            origin=source.origin(candidate), levels=levels)
            except SnapshotError as error:
                _keep_rejected(cache, candidate, body)
                summary.rejected.append(f"{where}: {_first_problem(error)}; nothing written "
                                        "for that date")
                break
            day = snapshot.date
            source.recognise(series.layers.maker if series.layers else None)
            misdated = _misdated(day, candidate, wanted)
            if misdated:
                _keep_rejected(cache, candidate, body)
                summary.rejected.append(f"{where}: {misdated}; nothing written for that date")
                break
            where = f"{day} ({candidate.label})"
            if day in folder.dates and day != group.replaces:
                summary.notes.append(f"{where}: already in the folder; left as it is")
                break
            reason = _guard(snapshot.rows.values, day, folder, force, max_change, summary)
            if reason:
                _keep_rejected(cache, candidate, body)
                summary.rejected.append(f"{where}: {reason}; nothing written for that date")
                break
            if not locked:  # a new folder: made (and held) with its first snapshot
                with _writing(out_dir):
                    out_dir.mkdir(parents=True, exist_ok=True)
                stack.enter_context(folder_lock(out_dir, lambda: _busy(out_dir)))
                locked = True
            if cache is not None and not cached and body is not None:
                _keep(cache, candidate.name, body)
            for level, rows in reversed(snapshot.levels.items()):  # the oblasts' last
                target = snapshot_path(out_dir, day, level)
                with _writing(target):
                    write_snapshot(rows, target, tag=TEMPORARY_TAG)
            folder.records[day] = list(snapshot.rows.values)
            bisect.insort(folder.dates, day)
            summary.added.append(day)
            if group.replaces and group.replaces != day:
                for level in levels:
                    replaced = snapshot_path(out_dir, group.replaces, level)
                    with _writing(replaced):
                        replaced.unlink(missing_ok=True)
                folder.dates.remove(group.replaces)
                summary.replaced.append((group.replaces, day))
            _compare_own_areas(source, candidate, cache, cached, folder.national(day), summary)
            break
        summary.absent.extend(misses)
        if progress:
            progress(1)

    summary.added.sort()
    summary.newest = folder.dates[-1] if folder.dates else None
    if summary.newest and summary.newest != previous_newest:
        summary.changes = _changes(before, folder.rows(summary.newest), folder)


def _obtain(source: Source, candidate: Candidate,
            cache: ResponseCache | None) -> tuple[bytes | None, bool]:
    """The map's bytes (None: a local file, read where it is), and whether from the cache."""
    if candidate.path is not None:
        return None, False
    if cache is not None:
        body = cache.get(candidate.name)
        if body is not None:
            return body, True
    return source.fetch(candidate), False


def _misdated(day: dt.date, candidate: Candidate,
              wanted: tuple[dt.date | None, dt.date]) -> str | None:
    """Why a map the file dates ``day`` must not be written (None: it may): it lies outside
    the dates asked for, or is not the date the source listed the file for (the plan chose
    the file for that date). A file's own date (a ``date`` property, the GeoJSON's name)
    decides the date a map shows, as in ``mapkit compute``; it never widens the request."""
    since, until = wanted
    told = "its name" if date_shown(candidate.name) == day else "a date inside it"
    if not ((since is None or since <= day) and day <= until):
        asked = f"{since} … {until}" if since is not None else f"up to {until}"
        return (f"the file dates its map {day} ({told}), outside the dates asked for "
                f"({asked})")
    if candidate.date is not None and day != candidate.date:
        return (f"the file dates its map {day} ({told}), not {candidate.date} as the source "
                "lists it")
    return None


def _keep(cache: ResponseCache, name: str, body: bytes, sub: str | None = None) -> None:
    """Keep a raw response in the cache (a failed write stops the run: :class:`CannotWrite`)."""
    with _writing(cache.folder / (sub or "") / name):
        cache.put(name, body, sub=sub, tag=TEMPORARY_TAG)


def _keep_rejected(cache: ResponseCache | None, candidate: Candidate, body: bytes | None) -> None:
    """A rejected response is kept apart (``rejected/``), for a look, never used again."""
    if cache is not None and body is not None:
        _keep(cache, candidate.name, body, sub="rejected")


def _first_problem(error: SnapshotError) -> str:
    messages = [p.message for p in error.problems]
    return messages[0] + (f" (and {len(messages) - 1} more problem(s))"
                          if len(messages) > 1 else "")


def _guard(rows, day: dt.date, folder: _Folder, force: bool, max_change: float,
           summary: UpdateSummary) -> str | None:
    """Why ``rows`` must not be written for ``day`` (None: they may). The map's occupied area
    in Ukraine is compared with that of the nearest snapshot of the same source (before or
    after it, in the folder or the project's data); where there is none, the summary says the
    guard did not run."""
    occupied = national_occupied_km2(list(rows), folder.areas_km2)
    if occupied <= 0:
        return "the map holds no occupied area in Ukraine (an empty or broken map?)"
    nearest = folder.nearest(day)
    if nearest is None:
        summary.notes.append(
            f"{day}: nothing to compare its occupied area with (no other snapshot of "
            f"{folder.source} in {folder.path} or the project's data): the {max_change:g} % "
            "guard did not run")
        return None
    other, path, before = nearest
    if not before:
        return None
    change = 100.0 * (occupied - before) / before
    if abs(change) <= max_change:
        return None
    where = "" if path.parent == folder.path else f" ({path})"
    said = (f"the occupied area in Ukraine, {occupied:,.0f} km², is {abs(change):.1f} % "
            f"{'above' if change > 0 else 'below'} {other}'s {before:,.0f} km²{where} (more "
            f"than the {max_change:g} % allowed)")
    if force:
        summary.notes.append(f"{day}: written with --force although {said}")
        return None
    return f"{said}; if the change is real, run again with --force"


def _compare_own_areas(source: Source, candidate: Candidate, cache: ResponseCache | None,
                       map_cached: bool, ours: float | None, summary: UpdateSummary) -> None:
    """The source's own area figures for the map, recorded and set beside ours (fail-soft).
    A map read from the cache uses the figures kept with it, if any: a rerun asks for
    nothing."""
    if candidate.update_id is None:
        return
    name = f"{candidate.update_id}.json"
    body = cache.get(f"areas/{name}") if cache is not None else None
    if body is not None:
        from mapkit.ingest.fetchers import parse_own_areas

        figures, _, note = parse_own_areas(body)
    elif map_cached:
        return
    else:
        try:
            figures, body, note = source.own_areas(candidate)
        except FetchError as error:  # e.g. the connection dropped: not worth failing for
            figures, body, note = None, None, f"its own areas could not be read ({error})"
        if cache is not None and body is not None:
            _keep(cache, name, body, sub="areas")
    where = f"{candidate.date} ({candidate.label})"
    if note:
        summary.own_areas.append(f"{where}: {note}")
    if figures is None:
        return
    listed = ", ".join(f"{kind} {km2:,.0f} km²" for kind, km2 in figures.figures)
    line = f"{where}: the source's own areas: {listed}"
    theirs = figures.occupied_km2()
    if theirs and ours:
        line += (f"; ours (occupied, added up over the regions) {ours:,.0f} km², "
                 f"{100.0 * (ours - theirs) / theirs:+.1f} % from theirs")
    summary.own_areas.append(line)


def _changes(before: list[dict] | None, after: list[dict] | None, folder: _Folder) -> list[str]:
    """Regions that moved by more than :data:`CHANGE_LISTED_PP` between two snapshots, and
    the occupied area in Ukraine."""
    if not after:
        return []
    from mapkit.levels import get_level

    names = {r.code: r.name_en for r in get_level().units}
    old = {r["region"]: r["percent"] for r in before or [] if r["percent"] is not None}
    moved = []
    for row in after:
        code, now = row["region"], row["percent"]
        if now is None or code not in old:
            continue
        change = now - old[code]
        if abs(change) > CHANGE_LISTED_PP:
            moved.append((abs(change), f"{names.get(code, code)} {change:+.2f} pp "
                                       f"({old[code]:.2f} → {now:.2f} %)"))
    lines = [text for _, text in sorted(moved, key=lambda m: -m[0])]
    if before is None:
        return lines
    if not lines:
        lines.append(f"no region moved by more than {CHANGE_LISTED_PP:g} pp")
    km2_before = national_occupied_km2(before, folder.areas_km2)
    km2_after = national_occupied_km2(after, folder.areas_km2)
    lines.append(f"occupied area in Ukraine {km2_before:,.0f} → {km2_after:,.0f} km² "
                 f"({km2_after - km2_before:+,.0f} km²)")
    return lines
