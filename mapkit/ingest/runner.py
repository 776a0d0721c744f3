"""Many polygon files → one snapshot CSV per date: the batch runner behind ``mapkit compute``.

Each date becomes ``OUT/YYYY-MM-DD.csv`` in the snapshot format of :mod:`mapkit.snapshots`
(27 rows, method ``computed``, with ``contested_percent`` when the input has a grey zone), made
by :func:`mapkit.ingest.day.compute_snapshot`; and, for each finer level asked for (one pass
over the polygons for all), ``OUT/raion/YYYY-MM-DD.csv`` and ``OUT/hromada/YYYY-MM-DD.csv``.
Files are written atomically as they are finished, so an interrupted run loses nothing and a
re-run skips the dates already written (unless ``force``). Work is spread over all cores; the
region index is loaded once, before the workers fork, and each worker keeps its own
:class:`~mapkit.ingest.areas.DaySeries`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import itertools
import multiprocessing
import multiprocessing.connection
import os
import re
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mapkit.files import (
    TEMPORARY_SUFFIX,
    expand_paths,
    make_folder,
    remove_if_empty,
    remove_stale_temporaries,
    remove_temporaries,
    write_problem,
    write_temporary,
)
from mapkit.ingest.areas import AreaIndex, DaySeries
from mapkit.ingest.day import (
    DEFAULT_SOURCE,
    SOURCE_FILE_NAME,
    SOURCE_RECOGNISED,
    compute_snapshot,
    unnamed_source,
)
from mapkit.ingest.importers import MAKERS, snapshot_date_from_filename
from mapkit.ingest.region_index import load_level_index, load_region_index
from mapkit.levels import DEFAULT_LEVEL, level_names
from mapkit.snapshots import SnapshotError, level_folder, parse_iso_date, validate_rows

__all__ = ["ComputeSummary", "InputError", "OutputError", "check_run_settings",
           "compute_timeline", "expand_inputs", "snapshot_path"]

#: Suffixes of the polygon files a folder is searched for (``.gz``: gzip-compressed GeoJSON,
#: ``name.geojson.gz`` or ``name.json.gz``, as ``mapkit update --cache`` keeps it).
SUFFIXES = (".json", ".geojson", ".gpkg", ".gz")
#: Whose files a run recognises, for its summary: "DeepStateMap's or ISW/CTP's".
_MAKERS_OWN = " or ".join(f"{maker}'s" for maker in MAKERS)


class InputError(ValueError):
    """The command line named no usable input (nothing matched, or a bad combination)."""


def expand_inputs(inputs: Iterable[str | Path]) -> list[Path]:
    """Files, folders (their *.json, *.geojson, *.gpkg) and glob patterns → sorted files."""
    found, problems = expand_paths(inputs, SUFFIXES, empty_folders=False)
    if problems:
        item, message = problems[0]
        raise InputError(f"{item}: {message}.")
    return found


def snapshot_path(out_dir: Path, date: dt.date, level: str = DEFAULT_LEVEL) -> Path:
    """Where a run into ``out_dir`` writes the snapshot of ``date`` at ``level``: the oblasts'
    in ``out_dir``, a finer level's in the folder named after it
    (:func:`mapkit.snapshots.level_folder`)."""
    return level_folder(out_dir, level) / f"{date.isoformat()}.csv"


# --- Running many files ---------------------------------------------------------------------
#
# Workers (forked with the region index loaded; the parent only coordinates) read, compute and
# write each snapshot to a hidden temporary file beside its target (mapkit.files.write_temporary,
# the first half of an atomic write); the parent takes the results in input order and moves each
# file into place with one ``os.replace`` (or deletes it: a date already written, a duplicate).
# Creating files is the slow part of writing them here, and so it is spread over the workers
# too, while the parent keeps the order-dependent decisions.


@dataclass(frozen=True)
class WorkerContext:
    """Everything a worker process needs, fixed for a run and handed to each worker."""

    index: AreaIndex
    out_dir: Path
    source: str | None  # written in every row; None: the maker recognised, or unnamed_source
    source_url: str | None
    unnamed_source: str  # the source of files nobody is recognised as the maker of
    run_tag: str  # in every temporary file's name, to clean up after an interrupted run
    allow_empty: bool = False  # a file covering none of Ukraine gives 0 % instead of an error
    levels: tuple[str, ...] = (DEFAULT_LEVEL,)  # the levels each file is computed at
    indexes: dict = field(default_factory=dict)  # a finer level's index (loaded before forking)


@dataclass
class _Result:
    path: Path
    date: dt.date | None = None
    #: the snapshot CSV of each level, written by the worker beside its target
    temporaries: dict[str, Path] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    error: str | None = None
    repaired: int = 0
    source: str = ""
    credit: str = ""
    cannot_write: str | None = None  # the output folder takes no more files: stop the run


class OutputError(OSError):
    """The snapshots cannot be written (full disk, read-only folder…); the message says why
    in one line. The run stops: every other file would fail the same way."""


class _Worker:
    """One process's share of a run: the run's context, its own series of days (consecutive
    files reuse each other's work) and a count of the files it wrote."""

    def __init__(self, context: WorkerContext,
                 on_stage: Callable[[str], object] | None = None):
        self.context = context
        self.series = DaySeries()
        self.written = itertools.count()
        self.on_stage = on_stage

    def __call__(self, task: tuple[Path, dt.date | None]) -> _Result:
        path, date = task
        context = self.context
        try:
            snapshot = compute_snapshot(path, index=context.index, series=self.series,
                                        source=context.source, source_url=context.source_url,
                                        date=date, allow_empty=context.allow_empty,
                                        on_stage=self.on_stage,
                                        unnamed_source_name=context.unnamed_source,
                                        levels=context.levels, indexes=context.indexes)
            temporaries = {}
            for level, rows in snapshot.levels.items():
                target = snapshot_path(context.out_dir, snapshot.date, level)
                try:
                    temporaries[level] = write_temporary(
                        target, rows.csv(),
                        f"{context.run_tag}-{os.getpid()}-{next(self.written)}")
                except OSError as error:
                    for written in temporaries.values():
                        written.unlink(missing_ok=True)
                    return _Result(path, cannot_write=write_problem(error, target))
            return _Result(path, snapshot.date, temporaries, snapshot.warnings,
                           repaired=snapshot.repaired, source=snapshot.source,
                           credit=snapshot.credit)
        except SnapshotError as error:
            return _Result(path, error=_file_problems(error))
        except Exception as error:  # a bug or a GEOS failure: report with the file, keep going
            return _Result(path, error=f"{path}: {type(error).__name__}: {error}")


def _file_problems(error: SnapshotError) -> str:
    """A file's problems in one line each, the same message for many rows said once: a date
    in the future is one line, not 27."""
    counts: Counter[tuple[str, str]] = Counter((p.file, p.message) for p in error.problems)
    return "\n".join(f"{file}: {message}" + (f" ({count} rows)" if count > 1 else "")
                     for (file, message), count in counts.items())


def check_run_settings(source: str | None, source_url: str | None,
                       date: dt.date | None) -> None:
    """The run's own settings (``--source``, ``--source-url``, ``--date``), those given,
    checked up front by the snapshot validator every row goes through, so that a run which
    could write nothing valid fails at once, in one line a setting, before any file is read."""
    probe = {"date": (date or dt.date(2022, 2, 24)).isoformat(), "region": "UA-14",
             "percent": "0", "source": DEFAULT_SOURCE if source is None else source,
             "method": "computed", "source_url": source_url or "",
             "contested_percent": "", "area_km2": "", "contested_km2": "", "note": ""}
    try:
        validate_rows([probe], "settings")
    except SnapshotError as error:
        flags = {"date": "--date", "source": "--source", "source_url": "--source-url"}
        lines = []
        for problem in error.problems:
            flag = next((f for c, f in flags.items() if problem.message.startswith(c + " ")),
                        "")
            lines.append(f"{flag}: {problem.message}" if flag else problem.message)
        raise InputError("; ".join(lines) + ".") from None


@dataclass
class ComputeSummary:
    """What a run did, for the closing lines of ``mapkit compute``."""

    inputs: int = 0
    written: list[dt.date] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # date already written
    failed: list[str] = field(default_factory=list)
    warnings: Counter = field(default_factory=Counter)
    duplicates: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    repaired: int = 0
    seconds: float = 0.0
    workers: int = 1
    #: How many snapshots each (source, how it was chosen) was written with.
    sources: Counter = field(default_factory=Counter)
    #: The levels computed, and where each one's snapshots went (a run of the default level
    #: alone says nothing of them).
    levels: dict[str, Path] = field(default_factory=dict)

    def lines(self) -> list[str]:
        dates = sorted(self.written)
        span = f" ({dates[0]} … {dates[-1]})" if dates else ""
        out = [f"{len(self.written)} snapshot(s) written{span}, {len(self.skipped)} skipped "
               f"(already written; --force to redo), {len(self.failed)} failed — "
               f"{self.inputs} input file(s), {self.seconds:.1f} s on {self.workers} worker(s)."]
        if set(self.levels) - {DEFAULT_LEVEL}:
            out.append("levels: " + "; ".join(f"{level} → {folder}/"
                                              for level, folder in self.levels.items()))
        for (source, credit), count in sorted(self.sources.items()):
            if credit == SOURCE_RECOGNISED:
                out.append(f"source: {source} — {count} input(s) recognised as {source}'s own "
                           "files (--source to credit someone else).")
            elif credit == SOURCE_FILE_NAME:
                out.append(f"source: {source!r} — the input's name, as {count} input(s) are not "
                           f"recognised as {_MAKERS_OWN}; "
                           "give --source NAME (and --source-url URL) to credit who drew the "
                           "polygons.")
        if self.repaired:
            out.append(f"{self.repaired} invalid polygon(s) repaired.")
        for message in [*self.notes, *self.duplicates]:
            out.append(f"note: {message}")
        for message, count in self.warnings.most_common():
            out.append(f"warning: {message}" + (f" (and {count - 1} more file(s))"
                                                if count > 1 else ""))
        for message in self.failed:
            out.extend(f"error: {line}" for line in message.splitlines())
        return out


def compute_timeline(inputs: Iterable[str | Path], out_dir: str | Path, *,
                     source: str | None = None, source_url: str | None = None,
                     date: dt.date | str | None = None, force: bool = False,
                     workers: int | None = None, index: AreaIndex | None = None,
                     progress: Callable[[int], object] | None = None,
                     on_total: Callable[[int], object] | None = None,
                     on_stage: Callable[[str], object] | None = None,
                     allow_empty: bool = False,
                     levels: Iterable[str] | str | None = None) -> ComputeSummary:
    """Compute a snapshot CSV per date for every input file; see the module docstring.

    ``index`` is the region index (default: the project's, prepared); ``progress(n)`` is
    called as files finish (e.g. a tqdm bar's ``update``), ``on_total(n)`` once the number of
    files to compute is known, ``on_stage(step)`` as this process starts reading, computing
    and checking each file (:func:`~mapkit.ingest.day.compute_snapshot`; for one big file).
    ``allow_empty`` writes 0 % for a file whose polygons cover none of Ukraine instead of
    failing it. ``levels``: the levels to compute (:func:`mapkit.levels.level_names`:
    ``"all"``, names; default the oblasts), each file read once for all of them; a date is
    skipped when every level's snapshot of it is written.

    Raises :class:`InputError` for settings or inputs that cannot be used, before anything is
    read, and :class:`OutputError` when ``out_dir`` cannot take the files (the run stops;
    nothing half-written is left). ``out_dir`` is created when the first snapshot is about to
    be written and taken away again if the run wrote none; temporary files that a killed run
    left there are removed.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    try:
        wanted = level_names(levels)
    except ValueError as error:
        raise InputError(f"--level: {error}.") from None
    paths = expand_inputs(inputs)
    if date is not None and len(paths) > 1:
        raise InputError(f"--date applies to one input file, but {len(paths)} were given; "
                         "name the date in each file name (YYYY-MM-DD) instead.")
    if date is not None and not isinstance(date, dt.date):
        if (parsed := parse_iso_date(str(date))) is None:
            raise InputError(f"--date {date!r} is not a date; use YYYY-MM-DD.")
        date = parsed
    check_run_settings(source, source_url, date)
    summary = ComputeSummary(inputs=len(paths),
                             levels={level: level_folder(out_dir, level) for level in wanted})
    # one file per date: the last one by name (a later dump of the same day) wins
    by_date: dict[object, Path] = {}
    tasks: list[tuple[Path, dt.date | None]] = []
    for path in paths:
        when = date if date is not None else snapshot_date_from_filename(path)
        if when is not None and when in by_date:
            summary.duplicates.append(f"{by_date[when].name} and {path.name} are both "
                                      f"{when}; using {path.name}")
            tasks = [t for t in tasks if t[0] != by_date[when]]
        if when is not None:
            by_date[when] = path
        if when is not None and not force and all(
                snapshot_path(out_dir, when, level).exists() for level in wanted):
            summary.skipped.append(path)
            continue
        tasks.append((path, when if date is not None else None))
    if on_total:
        on_total(len(tasks))
    index = index or load_region_index()
    indexes = ({"hromada": load_level_index("hromada")}
               if {"raion", "hromada"} & set(wanted) else {})
    for note in dict.fromkeys(i.index_note for i in (index, *indexes.values()) if i.index_note):
        summary.notes.append(note)
    context = WorkerContext(index=index, out_dir=out_dir, source=source, source_url=source_url,
                            unnamed_source=unnamed_source(paths), run_tag=f"run{os.getpid()}",
                            allow_empty=allow_empty, levels=wanted, indexes=indexes)
    folders = [level_folder(out_dir, level) for level in wanted]
    for folder in folders:
        stale = remove_stale_temporaries(folder, _RUN_TEMPORARY, b"date,")
        if stale:
            summary.notes.append(f"removed {stale} temporary file(s) an interrupted run left "
                                 f"in {folder}")
    if not tasks:
        summary.seconds = time.perf_counter() - started
        return summary
    made: list[Path] = []
    try:
        for folder in folders:
            made += make_folder(folder)
    except OSError as error:
        remove_if_empty(made)
        raise OutputError(write_problem(error, folder)) from None
    written: dict[dt.date, Path] = {}

    def arrived() -> None:
        if progress:
            progress(1)

    def finish(result: _Result) -> None:
        if result.cannot_write:
            raise OutputError(result.cannot_write)
        summary.repaired += result.repaired
        if result.error:
            summary.failed.append(result.error)
            return
        for warning in result.warnings:
            summary.warnings[warning.split(": ", 1)[-1]] += 1
        if result.date in written:
            summary.duplicates.append(f"{written[result.date].name} and {result.path.name} "
                                      f"are both {result.date}; kept {result.path.name}")
        moved = 0
        for level, temporary in result.temporaries.items():
            target = snapshot_path(out_dir, result.date, level)
            if not force and result.date not in written and target.exists():
                temporary.unlink()
                continue
            try:
                os.replace(temporary, target)
            except OSError as error:
                raise OutputError(write_problem(error, target)) from None
            moved += 1
        if not moved:
            summary.skipped.append(result.path)
            return
        written[result.date] = result.path
        summary.written.append(result.date)
        if result.credit in (SOURCE_RECOGNISED, SOURCE_FILE_NAME):
            summary.sources[(result.source, result.credit)] += 1

    try:
        _run(tasks, context, workers, summary, finish, arrived, on_stage)
    finally:  # an interrupted run: no temporary file is left behind, nor a folder it made
        for folder in folders:
            remove_temporaries(folder, f"{context.run_tag}-")
        remove_if_empty(made)
    summary.written = sorted(set(summary.written))
    summary.seconds = time.perf_counter() - started
    return summary


def _run(tasks: list[tuple[Path, dt.date | None]], context: WorkerContext,
         workers: int | None, summary: ComputeSummary, finish: Callable[[_Result], None],
         arrived: Callable[[], object], on_stage: Callable[[str], object] | None) -> None:
    """Compute every task, calling ``arrived()`` as each one is done and ``finish`` on the
    results in input order.

    Consecutive days share most cells, so each process should work through consecutive files
    (its cell cache keeps hitting) and start cold as few times as possible. Processes work in
    pairs on one run of files, one from each end, until they meet: two cold starts per pair,
    and the pair finishes together however the machine's load falls.

    The files are computed in forked workers, never in this process: it only takes their
    results in order (and tells ``on_stage`` the steps of the first worker's files). So Ctrl-C
    or SIGTERM stops the run at once even while a worker is inside one long GEOS call, which
    no signal handler can interrupt: this process handles the signal and kills the workers,
    which die of it on the spot (:func:`_child`). Only where processes cannot be forked are
    the files computed here, one after the other.
    """
    n_workers = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    summary.workers = n_workers
    if "fork" not in multiprocessing.get_all_start_methods():
        work = _Worker(context, on_stage)
        for task in tasks:
            result = work(task)
            arrived()
            finish(result)
        return
    processes = multiprocessing.get_context("fork")
    bounds = processes.Array("q", _segment_bounds(len(tasks), n_workers))
    pending: dict[int, _Result] = {}
    next_to_finish = 0

    def take(i: int, result: _Result) -> None:
        nonlocal next_to_finish
        arrived()
        pending[i] = result
        while next_to_finish in pending:
            finish(pending.pop(next_to_finish))
            next_to_finish += 1

    children, readers = [], []
    try:
        for worker in range(n_workers):
            reader, writer = processes.Pipe(duplex=False)
            child = processes.Process(target=_child,
                                      args=(context, tasks, bounds, worker, writer,
                                            os.getpid(), readers,
                                            worker == 0 and on_stage is not None),
                                      daemon=True)
            child.start()
            writer.close()
            children.append(child)
            readers.append(reader)
        while readers:
            for reader in multiprocessing.connection.wait(readers):
                try:
                    message = reader.recv()
                except EOFError:  # that worker is done (or died: see below)
                    readers.remove(reader)
                    continue
                if message[0] == _STAGE:
                    on_stage(message[1])
                else:
                    take(*message)
        for child in children:
            child.join()
        lost = sorted(set(range(next_to_finish, len(tasks))) - set(pending))
        for i in lost:  # only if a worker process was killed
            take(i, _Result(tasks[i][0], error=f"{tasks[i][0]}: the worker process computing "
                                               "it stopped unexpectedly; run again"))
    finally:
        for child in children:  # stopped (Ctrl-C, SIGTERM) or failed: no worker goes on
            if child.is_alive():
                child.kill()
        for child in children:
            child.join()


#: First item of a worker's message that names the step it starts (the rest are results).
_STAGE = "stage"


def _segment_bounds(n_tasks: int, n_workers: int) -> list[int]:
    """First and last task index of each pair's run of files (a lone last worker gets half a
    pair's share), flattened: [first0, last0, first1, last1, …]."""
    weights = [min(2, n_workers - worker) for worker in range(0, n_workers, 2)]
    edges = np.round(np.cumsum([0, *weights]) * n_tasks / sum(weights)).astype(int)
    return [int(v) for start, end in zip(edges[:-1], edges[1:]) for v in (start, end - 1)]


def _claim(bounds, worker: int) -> int | None:
    """The next task for ``worker``: even workers take their run's first file left, odd ones
    its last."""
    segment = 2 * (worker // 2)
    with bounds.get_lock():
        first, last = bounds[segment], bounds[segment + 1]
        if first > last:
            return None
        if worker % 2:
            bounds[segment + 1] = last - 1
            return last
        bounds[segment] = first + 1
        return first


def _child(context: WorkerContext, tasks, bounds, worker: int, writer, parent: int,
           siblings: list, report_stages: bool) -> None:
    """A forked worker: compute its files, send each (index, result) to the parent, and,
    with ``report_stages``, each step as it starts.

    It leaves signals to the parent: SIGTERM kills it on the spot, even inside a GEOS call
    (the parent's handler, inherited, would wait for the call to end), and Ctrl-C, which a
    terminal sends to every process of the command, is the parent's to act on. It dies with
    its parent: the kernel sends it SIGTERM when the parent exits (Linux), and it checks
    before each file that its parent is still the one that started it. It keeps no end of its
    siblings' pipes open, so none of them can block writing to a parent that is gone.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for reader in siblings:
        reader.close()
    _die_with_parent(parent)
    work = _Worker(context, (lambda step: writer.send((_STAGE, step))) if report_stages
                   else None)
    try:
        while os.getppid() == parent and (i := _claim(bounds, worker)) is not None:
            writer.send((i, work(tasks[i])))
    except BrokenPipeError:  # the parent is gone
        pass
    finally:
        writer.close()


def _die_with_parent(parent: int) -> None:
    """Ask Linux to send this process SIGTERM when its parent exits (``prctl`` with
    ``PR_SET_PDEATHSIG``); elsewhere the check before each file is all there is. If the
    parent died before the request was made, leave now."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux, or no prctl
        pass
    if os.getppid() != parent:
        os._exit(0)


#: ``prctl`` option: the signal this process gets when its parent exits (linux/prctl.h).
_PR_SET_PDEATHSIG = 1
#: The name of a snapshot's temporary file written by a run (:class:`WorkerContext`'s
#: ``run_tag``, the worker's process id, a count), e.g. ``.2025-03-17.csv.run812-815-3.tmp``:
#: ``pid`` is the run's, whose death makes the file a leftover.
_RUN_TEMPORARY = re.compile(r"\.\d{4}-\d{2}-\d{2}\.csv\.run(?P<pid>\d+)-\d+-\d+"
                            + re.escape(TEMPORARY_SUFFIX))
