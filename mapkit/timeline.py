"""Many polygon files → one snapshot CSV per date: the engine behind ``mapkit compute``.

Each date becomes ``OUT/YYYY-MM-DD.csv`` in the snapshot format of :mod:`mapkit.snapshots`
(27 rows, method ``computed``, with ``contested_percent`` when the input has a grey zone).
Files are written atomically as they are finished, so an interrupted run loses nothing and a
re-run skips the dates already written (unless ``force``). Work is spread over all cores; the
region index is built once, before the workers fork.
"""

from __future__ import annotations

import csv
import datetime as dt
import glob
import io
import itertools
import multiprocessing
import multiprocessing.connection
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mapkit.compute import AreaIndex, RegionShares
from mapkit.importers import PolygonFileError, date_from_filename, read_control_file

__all__ = ["ComputeSummary", "compute_timeline", "expand_inputs", "snapshot_rows",
           "write_snapshot_csv"]

SUFFIXES = (".json", ".geojson", ".gpkg")
DEFAULT_SOURCE = "DeepStateMap"
SOURCE_URLS = {"DeepStateMap": "https://deepstatemap.live"}
COLUMNS = ["date", "region", "percent", "source", "method", "source_url", "contested_percent",
           "note"]


class InputError(ValueError):
    """The command line named no usable input (nothing matched, or a bad combination)."""


def expand_inputs(inputs: Iterable[str | Path]) -> list[Path]:
    """Files, folders (their *.json, *.geojson, *.gpkg) and glob patterns → sorted files."""
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            matches = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES)
            if not matches:
                raise InputError(f"{path}: folder has no .json, .geojson or .gpkg files.")
            found.extend(matches)
        elif path.is_file():
            found.append(path)
        elif any(ch in str(item) for ch in "*?["):
            matches = sorted(Path(p) for p in glob.glob(str(item)) if Path(p).is_file())
            if not matches:
                raise InputError(f"{item}: the pattern matches no files.")
            found.extend(matches)
        else:
            raise InputError(f"{path}: no such file or folder.")
    return list(dict.fromkeys(found))


def snapshot_path(out_dir: Path, date: dt.date) -> Path:
    return out_dir / f"{date.isoformat()}.csv"


def snapshot_rows(shares: RegionShares, source: str, source_url: str,
                  origin: str) -> list[dict[str, str]]:
    """Snapshot CSV rows for one date (27 regions)."""
    rows = []
    contested = shares.contested_pct
    for i, code in enumerate(shares.codes):
        note = f"computed from {origin}"
        if shares.sliver_pct[i] >= 0.005:
            note += f"; incl. {shares.sliver_pct[i]:.2f} pp coast/border mismatch strips"
        if contested is None:
            note += "; no contested layer in the input"
        rows.append({
            "date": shares.date.isoformat(),
            "region": code,
            "percent": f"{shares.occupied_pct[i]:.2f}",
            "source": source,
            "method": "computed",
            "source_url": source_url,
            "contested_percent": "" if contested is None else f"{contested[i]:.2f}",
            "note": note,
        })
    return rows


def render_snapshot_csv(rows: list[dict[str, str]]) -> str:
    """The CSV text of a snapshot (header and rows, ``\\n`` line ends), as ``csv`` writes it.

    A row none of whose fields holds a comma, quote or line break needs no quoting: it is
    joined directly (most rows; the csv module would cost a third of a millisecond a file)."""
    lines = [",".join(COLUMNS)]
    for row in rows:
        fields = [row[column] for column in COLUMNS]
        line = ",".join(fields)
        if line.count(",") == len(COLUMNS) - 1 and not any(c in line for c in '"\r\n'):
            lines.append(line)
        else:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerow(fields)
            lines.append(buffer.getvalue()[:-1])
    return "\n".join(lines) + "\n"


def write_snapshot_csv(rows: list[dict[str, str]], path: Path) -> None:
    """Write rows atomically: to a temporary file beside ``path``, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(render_snapshot_csv(rows), path)


def _write_atomic(text: str, path: Path) -> None:
    """``text`` to ``path`` via a temporary file and ``os.replace``: never half-written."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


# --- Running many files ---------------------------------------------------------------------
#
# Workers (forked with the region index built; the parent is one of them) read, compute and
# write each snapshot to a hidden temporary file in the output folder; the parent takes the
# results in input order and
# moves each file into place with one ``os.replace`` (or deletes it: a date already written, a
# duplicate). Creating files is the slow part of writing them here, and so it is spread over the
# workers too, while the parent keeps the order-dependent decisions.

_INDEX: AreaIndex | None = None
_SOURCE: tuple[str, str] = (DEFAULT_SOURCE, "")  # (source, source_url) written in every row
_OUT: Path = Path(".")
_RUN_TAG = ""  # in every temporary file's name, to clean up after an interrupted run
_written_count = itertools.count()


@dataclass
class _Result:
    path: Path
    shares: RegionShares | None = None
    temporary: Path | None = None  # the snapshot CSV, written by the worker
    error: str | None = None
    repaired: int = 0


def _work(task: tuple[Path, dt.date | None]) -> _Result:
    path, date = task
    assert _INDEX is not None
    try:
        layers = read_control_file(path, date=date)
        shares = _INDEX.shares(layers)
        text = render_snapshot_csv(snapshot_rows(shares, *_SOURCE, path.name))
        temporary = _OUT / (f".{shares.date.isoformat()}.{_RUN_TAG}.{os.getpid()}."
                            f"{next(_written_count)}.tmp")
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            handle.write(text)
        return _Result(path, shares, temporary, repaired=layers.repaired)
    except PolygonFileError as error:
        return _Result(path, error=str(error))
    except Exception as error:  # a bug or a GEOS failure: report with the file, keep going
        return _Result(path, error=f"{path}: {type(error).__name__}: {error}")


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
    cache: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        dates = sorted(self.written)
        span = f" ({dates[0]} … {dates[-1]})" if dates else ""
        out = [f"{len(self.written)} snapshot(s) written{span}, {len(self.skipped)} skipped "
               f"(already written; --force to redo), {len(self.failed)} failed — "
               f"{self.inputs} input file(s), {self.seconds:.1f} s on {self.workers} worker(s)."]
        if self.repaired:
            out.append(f"{self.repaired} invalid polygon(s) repaired.")
        for message in [*self.notes, *self.duplicates]:
            out.append(f"note: {message}")
        for message, count in self.warnings.most_common():
            out.append(f"warning: {message}" + (f" (and {count - 1} more file(s))"
                                                if count > 1 else ""))
        for message in self.failed:
            out.append(f"error: {message}")
        return out


def compute_timeline(inputs: Iterable[str | Path], out_dir: str | Path, *,
                     source: str = DEFAULT_SOURCE, source_url: str | None = None,
                     date: dt.date | str | None = None, force: bool = False,
                     workers: int | None = None, index: AreaIndex | None = None,
                     progress: Callable[[int], object] | None = None,
                     on_total: Callable[[int], object] | None = None) -> ComputeSummary:
    """Compute a snapshot CSV per date for every input file; see the module docstring.

    ``progress(n)`` is called as files finish (e.g. a tqdm bar's ``update``).
    """
    global _INDEX, _SOURCE, _OUT, _RUN_TAG
    started = time.perf_counter()
    out_dir = Path(out_dir)
    paths = expand_inputs(inputs)
    if date is not None and len(paths) > 1:
        raise InputError(f"--date applies to one input file, but {len(paths)} were given; "
                         "name the date in each file name (YYYY-MM-DD) instead.")
    if source_url is None:
        source_url = SOURCE_URLS.get(source, "")
    summary = ComputeSummary(inputs=len(paths))
    # one file per date: the last one by name (a later dump of the same day) wins
    by_date: dict[object, Path] = {}
    tasks: list[tuple[Path, dt.date | None]] = []
    for path in paths:
        when = dt.date.fromisoformat(str(date)) if date is not None else date_from_filename(path)
        if when is not None and when in by_date:
            summary.duplicates.append(f"{by_date[when].name} and {path.name} are both "
                                      f"{when}; using {path.name}")
            tasks = [t for t in tasks if t[0] != by_date[when]]
        if when is not None:
            by_date[when] = path
        if when is not None and not force and snapshot_path(out_dir, when).exists():
            summary.skipped.append(path)
            continue
        tasks.append((path, when if date is not None else None))
    if on_total:
        on_total(len(tasks))
    _INDEX = index or _INDEX or AreaIndex.from_boundaries()
    if _INDEX.index_note:
        summary.notes.append(_INDEX.index_note)
    _SOURCE, _OUT, _RUN_TAG = (source, source_url), out_dir, f"run{os.getpid()}"
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[dt.date, Path] = {}

    def arrived() -> None:
        if progress:
            progress(1)

    def finish(result: _Result) -> None:
        summary.repaired += result.repaired
        if result.error:
            summary.failed.append(result.error)
            return
        shares = result.shares
        for warning in shares.warnings:
            summary.warnings[warning.split(": ", 1)[-1]] += 1
        if shares.date in written:
            summary.duplicates.append(f"{written[shares.date].name} and {result.path.name} "
                                      f"are both {shares.date}; kept {result.path.name}")
        target = snapshot_path(out_dir, shares.date)
        if not force and shares.date not in written and target.exists():
            summary.skipped.append(result.path)
            result.temporary.unlink()
            return
        os.replace(result.temporary, target)
        written[shares.date] = result.path
        summary.written.append(shares.date)

    try:
        if tasks:
            _run(tasks, workers, summary, finish, arrived)
    finally:  # an interrupted run: no temporary file is left behind
        for leftover in out_dir.glob(f".*.{_RUN_TAG}.*.tmp"):
            leftover.unlink(missing_ok=True)
    summary.written = sorted(set(summary.written))
    summary.cache = dict(_INDEX.stats)
    summary.seconds = time.perf_counter() - started
    return summary


def _run(tasks: list[tuple[Path, dt.date | None]], workers: int | None,
         summary: ComputeSummary, finish: Callable[[_Result], None],
         arrived: Callable[[], object]) -> None:
    """Compute every task, calling ``arrived()`` as each one is done and ``finish`` on the
    results in input order.

    Consecutive days share most cells, so each process should work through consecutive files
    (its cell cache keeps hitting) and start cold as few times as possible. Processes work in
    pairs on one run of files, one from each end, until they meet: two cold starts per pair,
    and the pair finishes together however the machine's load falls. The parent is the first
    worker of the first pair: it starts at once on the first file (nothing is computed before
    forking) and finishes results in order as they come in.
    """
    n_workers = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    summary.workers = n_workers
    if n_workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        for task in tasks:
            result = _work(task)
            arrived()
            finish(result)
        return
    context = multiprocessing.get_context("fork")
    bounds = context.Array("q", _segment_bounds(len(tasks), n_workers))
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
        for worker in range(1, n_workers):
            reader, writer = context.Pipe(duplex=False)
            child = context.Process(target=_child, args=(tasks, bounds, worker, writer),
                                    daemon=True)
            child.start()
            writer.close()
            children.append(child)
            readers.append(reader)
        def receive(reader) -> None:
            try:
                take(*reader.recv())
            except EOFError:  # that worker is done (or died: see below)
                readers.remove(reader)

        while (i := _claim(bounds, 0)) is not None:
            take(i, _work(tasks[i]))
            for reader in multiprocessing.connection.wait(readers, timeout=0):
                receive(reader)
        while readers:
            for reader in multiprocessing.connection.wait(readers):
                receive(reader)
        for child in children:
            child.join()
        lost = sorted(set(range(next_to_finish, len(tasks))) - set(pending))
        for i in lost:  # only if a worker process was killed
            take(i, _Result(tasks[i][0], error=f"{tasks[i][0]}: the worker process computing "
                                               "it stopped unexpectedly; run again"))
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
                child.join()


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


def _child(tasks, bounds, worker: int, writer) -> None:
    """A forked worker: compute its files, send each (index, result) to the parent."""
    try:
        while (i := _claim(bounds, worker)) is not None:
            writer.send((i, _work(tasks[i])))
    except KeyboardInterrupt:  # the parent cleans up
        pass
    finally:
        writer.close()


def percent_table(out_dir: str | Path, codes: Iterable[str]) -> dict[str, np.ndarray]:
    """Read back percents written to ``out_dir`` (date → array in ``codes`` order); for checks."""
    codes = list(codes)
    table = {}
    for path in sorted(Path(out_dir).glob("*.csv")):
        with open(path, encoding="utf-8") as handle:
            rows = {row["region"]: float(row["percent"]) for row in csv.DictReader(handle)}
        table[path.stem] = np.array([rows.get(code, np.nan) for code in codes])
    return table
