"""Files on disk: written whole or not at all, stamped with what they were made from, and the
paths a reader names expanded to files.

**Writing.** Every file mapkit writes — snapshot CSVs, exports, prepared boundary files — goes
through :func:`write_atomically`: the bytes go to a hidden temporary file beside the target,
which is then renamed over it in one step. A failure at any point (a full disk, Ctrl-C, a bad
input found late) leaves the target as it was. Temporary files are named
``.<target name>.<tag>.tmp`` (:func:`temporary_path`), the tag holding the writer's process
id, so that what a killed writer leaves is recognised and removed by the next one
(:func:`remove_stale_temporaries`). A batch writer that creates many files in parallel and
decides later which ones to keep (``mapkit compute``) does the two steps apart:
:func:`write_temporary` in the workers, then ``os.replace`` (or unlink) in one process, and
:func:`remove_temporaries` for what an interrupted run leaves. :func:`write_problem` says in
one line why a write failed.

**Stamps.** A prepared file (the viewer's simplified shapes, the compute engine's region index)
records what it was made from — its format version, the SHA-256 of its source file and the
settings used (:func:`file_stamp`); a reader uses it only while the stamp still matches
(:func:`stamp_matches`) and otherwise prepares it afresh.

**Paths.** Commands take files, folders and glob patterns; :func:`expand_paths` turns them into
a sorted list of files and says which names matched nothing.
"""

from __future__ import annotations

import errno
import glob
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

#: Suffix of every temporary file mapkit writes.
TEMPORARY_SUFFIX = ".tmp"
#: The part of a target's name its temporary file repeats: a name of up to 255 bytes (the
#: usual limit) still leaves room for the dot, process id, random part and suffix.
MAX_NAME_IN_TEMPORARY = 200


def temporary_path(path: str | Path, tag: str) -> Path:
    """The hidden temporary file beside ``path`` that is renamed over it once complete:
    ``.<name>.<tag>.tmp``. ``tag`` makes it unique among writers of the same target."""
    path = Path(path)
    return path.with_name(f".{path.name}.{tag}{TEMPORARY_SUFFIX}")


def write_temporary(path: str | Path, content: str, tag: str) -> Path:
    """The first half of an atomic write: ``content`` (UTF-8 text) to :func:`temporary_path`
    of ``path``, whose name is returned; renaming it over ``path`` is the caller's to do. Not
    flushed to disk: for files that can be recomputed."""
    temporary = temporary_path(path, tag)
    with open(temporary, "w", newline="", encoding="utf-8") as handle:
        handle.write(content)
    return temporary


def remove_temporaries(folder: str | Path, tag: str) -> None:
    """Delete the temporary files in ``folder`` whose tag starts with ``tag``."""
    for leftover in Path(folder).glob(temporary_path("*", f"{tag}*").name):
        leftover.unlink(missing_ok=True)


def process_is_running(pid: int) -> bool:
    """Whether a process with this id exists (it may be another program that got the id)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_temporaries(folder: str | Path, names: re.Pattern, starts: bytes) -> int:
    """Delete the temporary files an interrupted (killed) writer left in ``folder``, where
    they can be shown to be its own; returns how many.

    A file is removed only when its whole name matches ``names``, whose ``pid`` group is the
    process that wrote it and no longer runs, and its content begins with ``starts`` (or with
    part of it: a writer killed early leaves less, even nothing). Another program's files, or
    those of a writer still at work, are never touched.
    """
    removed = 0
    try:
        candidates = [p for p in Path(folder).iterdir() if p.name.endswith(TEMPORARY_SUFFIX)]
    except OSError:  # no such folder (yet), or not readable: nothing to clean
        return 0
    for path in candidates:
        match = names.fullmatch(path.name)
        if match is None or process_is_running(int(match["pid"])):
            continue
        try:
            with open(path, "rb") as handle:
                if not starts.startswith(handle.read(len(starts))):  # killed before all of it
                    continue
            path.unlink()
            removed += 1
        except OSError:
            continue
    return removed


def make_folder(path: str | Path) -> list[Path]:
    """Create ``path`` and any missing parents; returns the folders made, outermost first, so
    a run that ends up writing nothing can take them away again (:func:`remove_if_empty`)."""
    path = Path(path)
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    path.mkdir(parents=True, exist_ok=True)
    return missing[::-1]


def remove_if_empty(folders: list[Path]) -> None:
    """Remove the folders :func:`make_folder` made, innermost first, while they are empty."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:  # not empty (or gone): keep it, and its parents
            return


def write_atomically(path: str | Path, content: bytes | str, *, durable: bool = True,
                     tag: str = "") -> Path:
    """Write ``content`` (text is written as UTF-8) to ``path`` through a temporary file.

    ``durable`` flushes the file to disk before the rename, so a power cut cannot leave an empty
    file in its place; batch writers of many small files that can be recomputed may skip it.
    ``tag`` starts the temporary file's tag, so that a writer can find what a process killed
    mid-write left behind (:func:`remove_temporaries`); the writer's process id follows it, and
    a temporary file a killed writer left beside ``path`` (its process is gone) is removed
    first.

    A ``path`` that is a symbolic link is written through: the file it points to is replaced
    (atomically, beside it), and the link stays a link.
    """
    given = path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    data = content.encode("utf-8") if isinstance(content, str) else content
    name = path.name[:MAX_NAME_IN_TEMPORARY]
    leftovers = re.compile(re.escape(f".{name}.{tag}") + r"(?P<pid>\d+)-\w+"
                           + re.escape(TEMPORARY_SUFFIX))
    remove_stale_temporaries(path.parent, leftovers, b"")
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.{tag}{os.getpid()}-",
                                         suffix=TEMPORARY_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            if durable:
                file.flush()
                os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return given


def write_problem(error: OSError, path: str | Path) -> str:
    """A failed write in one line a reader can act on: what could not be written, and why."""
    where = Path(error.filename) if error.filename else Path(path)
    target = Path(path)
    code = error.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        reason = "the disk is full (or the quota used up); free some space and run again"
    elif code == errno.EROFS:
        reason = f"{_mount_of(where)} is on a read-only file system; choose another place"
    elif code in (errno.EACCES, errno.EPERM):
        reason = f"permission denied in {where.parent}; choose a folder you can write to"
    elif code == errno.ENAMETOOLONG:
        reason = (f"the name is too long ({len(target.name)} characters; file systems allow "
                  "255 bytes); choose a shorter one")
    elif code == errno.ENOENT:
        reason = (f"{where.parent} does not exist or cannot hold files (/proc and /sys are "
                  "views of the system, not folders); choose another folder")
    elif code == errno.ENOTDIR:
        reason = f"a part of {where.parent} is a file, not a folder"
    elif code == errno.EISDIR:
        reason = f"{where} is a folder; give a file name"
    else:
        reason = error.strerror or str(error)
    return f"cannot write {target}: {reason}"


def _mount_of(path: Path) -> Path:
    """The mount point ``path`` lies on (that of its nearest existing ancestor)."""
    path = Path(os.path.abspath(path))
    try:
        while path != path.parent and not (path.exists() and os.path.ismount(path)):
            path = path.parent
    except OSError:
        pass
    return path


# --- Stamps of prepared files ------------------------------------------------------------------


def file_stamp(source: str | Path, *, digest_key: str, version: int | None = None,
               **settings: object) -> dict:
    """What a prepared file is made from, in the order it is stored: ``format`` (``version``,
    when the file has one), the SHA-256 of ``source`` under ``digest_key``, then ``settings``."""
    stamp: dict = {} if version is None else {"format": version}
    stamp[digest_key] = hashlib.sha256(Path(source).read_bytes()).hexdigest()
    stamp.update(settings)
    return stamp


def stamp_matches(stored: Mapping, stamp: Mapping) -> bool:
    """Whether a prepared file's stored header (or metadata) carries every entry of ``stamp``."""
    return all(stored.get(key) == value for key, value in stamp.items())


# --- Paths a reader names ----------------------------------------------------------------------


def _files_beneath(folder: Path, skip_folders: Collection[str]) -> Iterable[Path]:
    """Every file beneath ``folder``, as ``Path.rglob("*")`` finds them (symlinked folders
    are not entered), except inside folders named one of ``skip_folders``."""
    for root, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if name.lower() not in skip_folders]
        for name in files:
            yield Path(root, name)


def expand_paths(items: Iterable[str | Path], suffixes: tuple[str, ...], *,
                 recursive: bool = False, empty_folders: bool = True,
                 skip_folders: Collection[str] = frozenset(),
                 ) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files, folders and glob patterns → (files, problems).

    A folder gives its files whose suffix (any case) is one of ``suffixes`` — those beneath it
    too when ``recursive``, except in folders named one of ``skip_folders`` (lower case: a
    finer level's snapshots, when another level's are asked for); a pattern gives the files
    it matches; a file is taken as it is,
    whatever its suffix. Files come sorted within each item, each once. ``problems`` pairs each
    unusable item (as given) with what is wrong with it: no such file or folder, a pattern that
    matches no file, or (unless ``empty_folders``) a folder without such files.
    """
    found: list[Path] = []
    problems: list[tuple[str, str]] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            candidates = _files_beneath(path, skip_folders) if recursive else path.iterdir()
            matches = sorted(p for p in candidates
                             if p.suffix.lower() in suffixes and p.is_file())
            if not matches and not empty_folders:
                kinds = ", ".join(suffixes[:-1]) + f" or {suffixes[-1]}" if len(
                    suffixes) > 1 else suffixes[0]
                problems.append((str(item), f"folder has no {kinds} files"))
            found.extend(matches)
        elif path.is_file():
            found.append(path)
        elif any(ch in str(item) for ch in "*?["):
            matches = sorted(Path(p) for p in glob.glob(str(item)) if Path(p).is_file())
            if not matches:
                problems.append((str(item), "no file matches this pattern"))
            found.extend(matches)
        else:
            problems.append((str(item), "no such file or folder"))
    return list(dict.fromkeys(found)), problems


def paths_fingerprint(items: Iterable[str | Path], suffixes: tuple[str, ...], *,
                      recursive: bool = False,
                      skip_folders: Collection[str] = frozenset()) -> str:
    """A short digest of the files :func:`expand_paths` finds for ``items``: each one's path,
    size, modification time and inode, read from the folders' listings (``os.scandir``) and
    without opening a file.

    It changes when such a file is added, removed, replaced (a :func:`write_atomically`) or
    written in place, so a reader that keeps what it read (the viewer's shared data,
    :mod:`mapkit.viewer.page_data`) can check, at the cost of a directory listing, whether to
    read again.
    """
    seen: list[str] = []

    def add(path: str, stat: os.stat_result) -> None:
        seen.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ino}")

    def walk(folder: str) -> None:
        try:
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda entry: entry.name)
        except OSError as error:
            seen.append(f"{folder}\0{error.errno}")
            return
        for entry in listed:
            if entry.is_dir(follow_symlinks=False):  # as Path.rglob: no symlinked folders
                if recursive and entry.name.lower() not in skip_folders:
                    walk(entry.path)
            elif os.path.splitext(entry.name)[1].lower() in suffixes:
                try:
                    add(entry.path, entry.stat())
                except OSError:  # gone since the listing, or a broken link: not a file
                    continue

    for item in items:
        path = os.fspath(item)
        try:
            stat = os.stat(path)
        except OSError:
            stat = None
        if stat is not None and os.path.isdir(path):
            walk(path)
        elif stat is not None:
            add(path, stat)
        elif any(ch in path for ch in "*?["):
            for match in sorted(glob.glob(path)):
                try:
                    add(match, os.stat(match))
                except OSError:
                    continue
        else:
            seen.append(f"{path}\0missing")
    return hashlib.blake2b("\n".join(seen).encode("utf-8", "surrogateescape"),
                           digest_size=10).hexdigest()


@contextmanager
def folder_lock(folder: str | Path, busy: Callable[[], Exception]) -> Iterator[None]:
    """Hold ``folder`` while a run writes into it, or raise ``busy()`` if another run holds it
    (two cron jobs overlapping would otherwise race). An advisory lock on the folder itself:
    nothing is left behind, and a killed run releases it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX: no lock
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy() from None
        yield
    finally:
        os.close(handle)
