"""Writing files so that nothing is ever half-written, and nothing already saved is lost.

Every file mapkit writes — snapshot CSVs, exports, prepared boundary files — goes through
:func:`write_atomically`: the bytes go to a hidden temporary file beside the target, which is
then renamed over it in one step. A failure at any point (a full disk, Ctrl-C, a bad input found
late) leaves the target as it was. Temporary files are named ``.<target name>.<random>.tmp``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

#: Suffix of every temporary file mapkit writes.
TEMPORARY_SUFFIX = ".tmp"


def write_atomically(path: str | Path, content: bytes | str, *, durable: bool = True) -> Path:
    """Write ``content`` (text is written as UTF-8) to ``path`` through a temporary file.

    ``durable`` flushes the file to disk before the rename, so a power cut cannot leave an empty
    file in its place; batch writers of many small files that can be recomputed may skip it.
    """
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX,
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
