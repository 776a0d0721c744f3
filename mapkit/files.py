"""Files on disk: written whole or not at all, stamped with what they were made from, and the
paths a reader names expanded to files.

**Writing.** Every file mapkit writes — snapshot CSVs, exports, prepared boundary files — goes
through :func:`write_atomically`: the bytes go to a hidden temporary file beside the target,
which is then renamed over it in one step. A failure at any point (a full disk, Ctrl-C, a bad
input found late) leaves the target as it was. Temporary files are named
``.<target name>.<tag>.tmp`` (:func:`temporary_path`). A batch writer that creates many files
in parallel and decides later which ones to keep (``mapkit compute``) does the two steps apart:
:func:`write_temporary` in the workers, then ``os.replace`` (or unlink) in one process, and
:func:`remove_temporaries` for what an interrupted run leaves.

**Stamps.** A prepared file (the viewer's simplified shapes, the compute engine's region index)
records what it was made from — its format version, the SHA-256 of its source file and the
settings used (:func:`file_stamp`); a reader uses it only while the stamp still matches
(:func:`stamp_matches`) and otherwise prepares it afresh.

**Paths.** Commands take files, folders and glob patterns; :func:`expand_paths` turns them into
a sorted list of files and says which names matched nothing.
"""

from __future__ import annotations

import glob
import hashlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

#: Suffix of every temporary file mapkit writes.
TEMPORARY_SUFFIX = ".tmp"


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


def write_atomically(path: str | Path, content: bytes | str, *, durable: bool = True,
                     tag: str = "") -> Path:
    """Write ``content`` (text is written as UTF-8) to ``path`` through a temporary file.

    ``durable`` flushes the file to disk before the rename, so a power cut cannot leave an empty
    file in its place; batch writers of many small files that can be recomputed may skip it.
    ``tag`` starts the temporary file's tag, so that a writer can find what a process killed
    mid-write left behind (:func:`remove_temporaries`).
    """
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.{tag}", suffix=TEMPORARY_SUFFIX,
                                         dir=path.parent)
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


def expand_paths(items: Iterable[str | Path], suffixes: tuple[str, ...], *,
                 recursive: bool = False, empty_folders: bool = True,
                 ) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files, folders and glob patterns → (files, problems).

    A folder gives its files whose suffix (any case) is one of ``suffixes`` — those beneath it
    too when ``recursive``; a pattern gives the files it matches; a file is taken as it is,
    whatever its suffix. Files come sorted within each item, each once. ``problems`` pairs each
    unusable item (as given) with what is wrong with it: no such file or folder, a pattern that
    matches no file, or (unless ``empty_folders``) a folder without such files.
    """
    found: list[Path] = []
    problems: list[tuple[str, str]] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            candidates = path.rglob("*") if recursive else path.iterdir()
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
