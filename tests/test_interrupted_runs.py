"""Stopping mapkit from outside: SIGTERM stops a command the way Ctrl-C does, a killed compute
takes its workers with it, and nothing a run leaves behind outlives the next run.

Each test runs ``python -m mapkit`` in a process of its own and signals it as a scheduler, a
terminal or ``kill`` would. The compute tests read 200 real DeepStateMap daily files from
../shared (a few seconds of work, so there is time to stop it midway).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pathological import star_geojson

REPO = Path(__file__).resolve().parent.parent
DAILY = REPO.parent / "shared" / "deepstate" / "daily"
needs_daily = pytest.mark.skipif(not DAILY.is_dir(), reason="needs ../shared/deepstate/daily "
                                 "(real DeepStateMap files) beside the checkout")


_STARTED: list[subprocess.Popen] = []  # what these tests started, for the clean-up below


def mapkit(*args: str) -> subprocess.Popen:
    run = subprocess.Popen([sys.executable, "-m", "mapkit", *map(str, args)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env={**os.environ, "PYTHONPATH": str(REPO)})
    _STARTED.append(run)
    return run


@pytest.fixture(autouse=True)
def _no_process_outlives_a_test():
    """Whatever happens in a test, the processes it started (and their workers) end with it."""
    yield
    for run in _STARTED:
        if run.poll() is None:  # still running: its id is still its own
            for worker in children_of(run.pid):
                os.kill(worker, signal.SIGKILL)
            run.kill()
            run.wait()
    _STARTED.clear()


def children_of(pid: int) -> list[int]:
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:  # the process is gone
        pass
    return found


def alive(pid: int) -> bool:
    """Running, and not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture()
def inputs(tmp_path) -> Path:
    """200 consecutive daily files, linked into a folder of their own."""
    folder = tmp_path / "daily"
    folder.mkdir()
    for path in sorted(DAILY.glob("*.geojson"))[:200]:
        (folder / path.name).symlink_to(path)
    return folder


def started_compute(inputs: Path, out: Path) -> tuple[subprocess.Popen, list[int]]:
    """A compute on two processes, once it has written its first snapshots."""
    run = mapkit("compute", inputs, "--out", out, "--workers", "2")
    wait_until(lambda: run.poll() is not None or (out.is_dir() and len(list(out.glob("*.csv")))
                                                  >= 3), 120, "the first snapshots")
    assert run.poll() is None, "the run ended before it could be stopped: " + run.stderr.read()
    wait_until(lambda: children_of(run.pid), 30, "the worker process")
    return run, children_of(run.pid)


@needs_daily
def test_sigterm_stops_compute_and_its_workers_and_leaves_no_temporary_file(inputs, tmp_path):
    out = tmp_path / "out"
    run, workers = started_compute(inputs, out)
    run.send_signal(signal.SIGTERM)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 1 and "Aborted!" in stderr and "Traceback" not in stderr
    wait_until(lambda: not any(alive(pid) for pid in workers), 10, "the workers to stop")
    assert [p.name for p in out.iterdir() if p.suffix == ".tmp"] == []
    written = sorted(out.glob("*.csv"))
    assert 3 <= len(written) < 200
    check = subprocess.run([sys.executable, "-m", "mapkit", "validate", "-q", out],
                           capture_output=True, text=True, env={**os.environ,
                                                                 "PYTHONPATH": str(REPO)})
    assert check.returncode == 0, check.stderr  # every file written is whole


@needs_daily
def test_a_killed_compute_takes_its_workers_along_and_the_next_run_cleans_up(inputs,
                                                                            tmp_path):
    out = tmp_path / "out"
    run, workers = started_compute(inputs, out)
    run.kill()  # SIGKILL: no finally runs in the parent
    run.communicate(timeout=30)
    wait_until(lambda: not any(alive(pid) for pid in workers), 10,
               "the workers to die with their parent")
    # what the killed run may have left, plus one of its temporaries for certain
    date = sorted(p.stem for p in inputs.iterdir())[-1]
    leftover = out / f".{date}.csv.run{run.pid}-{run.pid}-99.tmp"
    leftover.write_text("date,region,percent,source,method,source_url,contested_percent,note\n")
    again = mapkit("compute", inputs, "--out", out, "--workers", "2")
    stdout, stderr = again.communicate(timeout=300)
    assert again.returncode == 0, stderr
    assert "temporary file(s) an interrupted run left" in stderr + stdout
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []
    assert len(list(out.glob("*.csv"))) == 200


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def compute_inside_a_long_repair(tmp_path) -> tuple[subprocess.Popen, list[int], Path]:
    """``mapkit compute --workers 2`` on two 1,000-vertex stars, the repair budget lifted so
    that GEOS repairs them (about 12 s and 1 GB each, in one uninterruptible call), once its
    workers are a second into it. The run, its workers and its output folder."""
    folder, out = tmp_path / "stars", tmp_path / "out"
    folder.mkdir()
    for day in ("2025-03-01", "2025-03-02"):
        (folder / f"{day}.geojson").write_bytes(star_geojson(1000, day))
    script = (
        "import sys\n"
        "try:\n"
        "    from mapkit.ingest import complexity\n"
        "    complexity.MAX_CROSSINGS = complexity.MAX_NEAR_PAIRS = 10 ** 12\n"
        "except ImportError:  # the code before the budget: nothing to lift\n"
        "    pass\n"
        "from mapkit.cli import main\n"
        f"sys.argv = ['mapkit', 'compute', {str(folder)!r}, '--out', {str(out)!r}, "
        "'--workers', '2']\n"
        "main()\n")
    # output to a file: a pipe would stay open while any worker lives, and waiting for its
    # end would hide how long they outlive the run
    with open(tmp_path / "stderr.txt", "wb") as log:
        run = subprocess.Popen([sys.executable, "-c", script], stdout=log, stderr=log,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
    _STARTED.append(run)
    wait_until(lambda: any(cpu_seconds(pid) > 1.0 for pid in children_of(run.pid)), 120,
               "a worker inside the repair")
    assert run.poll() is None
    return run, children_of(run.pid), out


def test_sigterm_stops_compute_at_once_even_inside_a_long_repair(tmp_path):
    """A scheduler's ``timeout`` sends SIGTERM while the workers are inside one GEOS call
    (issue 18: a 60 s timeout ran 154 s): the run ends, its workers killed, within seconds
    of the signal, not when the repair is done."""
    run, workers, out = compute_inside_a_long_repair(tmp_path)
    run.send_signal(signal.SIGTERM)
    try:
        run.wait(timeout=5)
    except subprocess.TimeoutExpired:
        raise AssertionError("compute was still running 5 s after SIGTERM") from None
    stderr = (tmp_path / "stderr.txt").read_text()
    assert run.returncode == 1 and "Aborted!" in stderr and "Traceback" not in stderr
    wait_until(lambda: not any(alive(pid) for pid in workers), 1, "the workers to stop")
    assert not out.exists() or [p.name for p in out.iterdir()] == []


def test_workers_die_within_a_second_of_a_killed_compute_even_inside_a_long_repair(tmp_path):
    """kill -9 of compute: its workers, inside a GEOS call, die within a second (issue 18,
    item 18)."""
    run, workers, _ = compute_inside_a_long_repair(tmp_path)
    run.kill()
    run.wait(timeout=30)
    wait_until(lambda: not any(alive(pid) for pid in workers), 1,
               "the workers to die with their parent")


def test_sigterm_while_an_export_is_written_leaves_no_temporary_file(tmp_path):
    """SIGTERM arrives in the middle of writing the GIF: the temporary file goes, the old
    file stays."""
    out = tmp_path / "front.gif"
    out.write_bytes(b"yesterday's animation")
    script = (
        "import os, signal, sys\n"
        "import mapkit.files as files\n"
        "real = files.os.fdopen\n"
        "def fdopen(fd, *a, **k):\n"
        "    handle = real(fd, *a, **k)\n"
        "    write = handle.write\n"
        "    def killed(data):\n"
        "        write(data[:1000])\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        write(data[1000:])\n"
        "    handle.write = killed\n"
        "    return handle\n"
        "files.os.fdopen = fdopen\n"
        "from mapkit.cli import main\n"
        "sys.argv = ['mapkit', 'export', '--format', 'gif', '--from', '2026-01-01', "
        f"'--out', {str(out)!r}]\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)
    assert done.returncode == 1 and "Aborted!" in done.stderr, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["front.gif"]
    assert out.read_bytes() == b"yesterday's animation"
