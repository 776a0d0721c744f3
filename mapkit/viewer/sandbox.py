"""Run one piece of a visitor's work in a process of its own, with limits, and kill it cleanly.

The viewer serves every visitor from one process. A visitor's upload is read there too, and a
file can ask for more than any server has: GEOS aborts the whole process when it runs out of
memory, and a long computation cannot be interrupted from Python. So an upload is read in a
child process (:func:`run_limited`) under three limits (:class:`Limits`): its address space
(``RLIMIT_AS``: an allocation past it fails in the child, or kills it), its CPU time
(``RLIMIT_CPU``: the kernel stops it) and the wall-clock time the visitor waits (then the
parent kills it). Whatever happens in the child — an answer, an error, a crash — the server and
the other visitors go on, and the visitor gets one message (:class:`LimitExceeded` names the
limit that was reached).

Children are forked from a fork server (``multiprocessing``'s ``forkserver``): a small process
started once, with the modules an upload needs already imported, that forks a fresh child for
each upload. The server itself is never forked: it runs many threads, and a fork copies
whatever locks they held at that instant. Where there is no fork server (Windows), children are
spawned; where there are no resource limits, only the wall-clock limit applies.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import multiprocessing.spawn
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LimitExceeded", "Limits", "WorkFailed", "run_limited"]

#: Modules the fork server imports once, so that each child starts with them.
PRELOAD = ["mapkit.viewer.uploads", "mapkit.ingest.day"]


@dataclass(frozen=True)
class Limits:
    """What one child may use: ``memory_mb`` of address space beyond what it starts with,
    ``cpu_seconds`` of CPU and ``wall_seconds`` of the visitor's time."""

    memory_mb: int = 2048
    cpu_seconds: int = 60
    wall_seconds: float = 90.0


class LimitExceeded(Exception):
    """The child reached a limit and was stopped; ``reached`` says which, as "more than …"."""

    def __init__(self, reached: str):
        self.reached = reached
        super().__init__(f"it needed {reached}")


class WorkFailed(Exception):
    """The child failed in a way nobody foresaw (a bug, a crash); the message is one line, the
    traceback went to the server's log (the child's standard error)."""


#: Messages from the child: a step it reports, its answer, an error of a type the caller
#: expects, memory running out, or a failure nobody foresaw.
_PROGRESS, _ANSWER, _RAISED, _OUT_OF_MEMORY, _FAILED = range(5)


def run_limited(function: Callable, *args, limits: Limits = Limits(),
                on_progress: Callable[[object], object] | None = None,
                raises: tuple[type[Exception], ...] = (), **kwargs):
    """``function(*args, progress=…, **kwargs)`` in a child process within ``limits``; its
    answer.

    ``function`` must be importable by name (a function at the top of a module, not of the
    program's main script: the child does not run that again); it gets a ``progress``
    callable whose argument reaches ``on_progress`` here. An exception of a type in ``raises``
    is raised here as the child raised it (it must pickle). Raises :class:`LimitExceeded`
    when a limit is reached and :class:`WorkFailed` for any other failure. No more children
    than cores run at once (:data:`_SLOTS`); a call waits for a free one, up to its wall-clock
    limit.
    """
    if not _SLOTS.acquire(timeout=limits.wall_seconds):
        raise WorkFailed("the server is busy reading other visitors' files; try again in a "
                         "minute")
    try:
        return _run_child(function, args, kwargs, limits, on_progress, raises)
    finally:
        _SLOTS.release()


def _run_child(function: Callable, args: tuple, kwargs: dict, limits: Limits,
               on_progress: Callable[[object], object] | None, raises: tuple):
    """:func:`run_limited`'s work, once a slot is free."""
    context = _context()
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_child, daemon=True,
                            args=(function, args, kwargs, writer, limits, raises))
    _starting.child = True
    try:
        child.start()
    except OSError as error:  # the fork server is gone (killed from outside)
        raise WorkFailed(f"no process could be started to read it ({error})") from None
    finally:
        _starting.child = False
        writer.close()
    deadline = time.monotonic() + limits.wall_seconds
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LimitExceeded(f"more than {limits.wall_seconds:g} s")
            if not reader.poll(min(left, 0.5)):
                continue
            try:
                kind, payload = reader.recv()
            except (EOFError, OSError):  # it ended without a word
                raise _death(child, limits) from None
            if kind == _PROGRESS:
                if on_progress is not None:
                    on_progress(payload)
            elif kind == _ANSWER:
                return payload
            elif kind == _RAISED:
                raise payload
            elif kind == _OUT_OF_MEMORY:
                raise LimitExceeded(f"more than {limits.memory_mb:,} MB of memory")
            else:
                raise WorkFailed(payload)
    finally:
        reader.close()
        if child.is_alive():
            child.kill()
        child.join()


def _death(child, limits: Limits) -> Exception:
    """Why the child ended without an answer: a signal from the kernel, or a crash."""
    child.join(5.0)
    code = child.exitcode
    if code == -getattr(signal, "SIGXCPU", 0):  # its CPU time ran out
        return LimitExceeded(f"more than {limits.cpu_seconds:g} s of CPU time")
    if code in (-signal.SIGKILL, -signal.SIGABRT):  # the hard CPU limit, the system's memory
        return LimitExceeded(f"more memory or time than an upload may use "  # or C++'s abort
                             f"({limits.memory_mb:,} MB, {limits.cpu_seconds:g} s of CPU)")
    return WorkFailed(f"the process reading it stopped unexpectedly (exit code {code})")


_lock = threading.Lock()
#: Children at work at once: one per core. Each may use its memory limit, so the server's
#: memory for uploads is bounded whatever the number of visitors uploading at the same time.
_SLOTS = threading.BoundedSemaphore(max(os.cpu_count() or 1, 1))


def _context():
    """The fork server's context, started once with :data:`PRELOAD` (spawn where there is no
    fork server)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    with _lock:
        context.set_forkserver_preload(PRELOAD)
    return context


#: Set in a thread while it starts a child of :func:`run_limited`.
_starting = threading.local()


def _preparation_data(name: str, _original=multiprocessing.spawn.get_preparation_data) -> dict:
    """``multiprocessing``'s preparation of a new process, without the program's main module
    for a child of :func:`run_limited`.

    A new process runs the parent's ``__main__`` again (as ``__mp_main__``), so that what
    was defined there can be found. In the viewer that is the page: Streamlit runs ``app.py``
    as ``__main__``, and each upload's child would run the whole page again, loading every
    snapshot. A child here runs a function of a module, found by its module's name: it needs
    no main module. Other users of ``multiprocessing`` get what they always got."""
    data = _original(name)
    if getattr(_starting, "child", False):
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


multiprocessing.spawn.get_preparation_data = _preparation_data


def _child(function, args, kwargs, writer, limits: Limits, raises: tuple) -> None:
    """In the child: set the limits, run ``function``, send what came of it."""
    _set_limits(limits)

    def progress(payload) -> None:
        writer.send((_PROGRESS, payload))

    try:
        message = (_ANSWER, function(*args, progress=progress, **kwargs))
    except MemoryError:
        message = (_OUT_OF_MEMORY, None)
    except raises as error:
        message = (_RAISED, error)
    except Exception as error:  # every other failure becomes one line
        if "bad_alloc" in str(error):  # GEOS could not have the memory it asked for
            message = (_OUT_OF_MEMORY, None)
        else:
            traceback.print_exc(file=sys.stderr)
            first = (str(error).splitlines() or [""])[0]
            message = (_FAILED, f"{type(error).__name__}: {first}"[:500])
    try:
        writer.send(message)
    except MemoryError:  # the answer itself does not fit in what is left
        writer.send((_OUT_OF_MEMORY, None))
    finally:
        writer.close()


def _set_limits(limits: Limits) -> None:
    """Limit this process's address space (beyond what it has now) and CPU time."""
    try:
        import resource
    except ImportError:  # not a Unix: the wall-clock limit is all there is
        return
    if limits.cpu_seconds:
        used = int(sum(os.times()[:2]))
        resource.setrlimit(resource.RLIMIT_CPU, (used + limits.cpu_seconds,
                                                 used + limits.cpu_seconds + 5))
    if limits.memory_mb:
        now = _address_space()
        if now is not None:
            size = now + limits.memory_mb * 2**20
            resource.setrlimit(resource.RLIMIT_AS, (size, size))


def _address_space() -> int | None:
    """This process's address space in bytes (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None
