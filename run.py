#!/usr/bin/env python3
"""Start mapkit's viewer, or run its tests, on any machine with Python 3.11+.

    python3 run.py            # the viewer on the bundled data (extra arguments go to streamlit)
    python3 run.py test       # ruff and the whole test suite (extra arguments go to pytest)
    python3 run.py mapkit …   # the command line, e.g. python3 run.py mapkit export --help

Everything is installed into ``.venv/`` beside this file, never into the system's Python, so it
works where PEP 668 forbids ``pip install`` (Debian 12, Ubuntu 23.04+, Homebrew): "error:
externally-managed-environment". The virtualenv is made on the first run and brought up to date
whenever ``pyproject.toml`` or a requirements file changes; later runs start at once.

Only the standard library is used here. Where Python's ``venv`` cannot install pip (Debian
without the ``python3-venv`` package: "ensurepip is not available"), the virtualenv is made
without pip and pip is installed into it from PyPI, so no ``sudo apt install`` is needed.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("MAPKIT_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
#: What each task needs installed: the requirements file it reads.
REQUIREMENTS = {"app": "requirements.txt", "test": "requirements-test.txt"}
#: The files whose change means the virtualenv must be brought up to date.
INSTALL_INPUTS = ("pyproject.toml", "requirements.txt", "requirements-test.txt")
#: Where pip itself comes from when this Python's venv cannot install it.
PIP_JSON = "https://pypi.org/pypi/pip/json"


def say(message: str) -> None:
    print(f"run.py: {message}", file=sys.stderr, flush=True)


def run(*command: str | Path) -> None:
    """Run ``command``; on failure stop with its exit code (its own output says why)."""
    done = subprocess.run([str(part) for part in command], cwd=ROOT)
    if done.returncode:
        say(f"failed ({done.returncode}): {' '.join(map(str, command))}")
        sys.exit(done.returncode)


def ensure_venv() -> None:
    """A virtualenv with pip in it at ``VENV``."""
    if PYTHON.exists():
        return
    say(f"making a virtualenv in {VENV} (once)")
    try:
        venv.create(VENV, with_pip=True)
        return
    except (subprocess.CalledProcessError, OSError):  # no ensurepip (Debian without python3-venv)
        say("this Python cannot put pip into a virtualenv; installing pip from PyPI instead")
    venv.create(VENV, with_pip=False, clear=True)
    with tempfile.TemporaryDirectory() as folder:
        release = _pip_wheel()
        wheel = Path(folder) / release["filename"]
        with urllib.request.urlopen(release["url"], timeout=60) as response:
            wheel.write_bytes(response.read())
        # A pip wheel runs from itself: it installs pip into the virtualenv's Python.
        run(PYTHON, wheel / "pip", "install", "--quiet", "--no-index", wheel)


def _pip_wheel() -> dict:
    """PyPI's file entry (``filename``, ``url``) of the newest pip wheel (a mirror may give
    its URL relative to the JSON's)."""
    with urllib.request.urlopen(PIP_JSON, timeout=60) as response:
        release = json.load(response)
    wheel = next(file for file in release["urls"] if file["filename"].endswith(".whl"))
    return {**wheel, "url": urllib.parse.urljoin(PIP_JSON, wheel["url"])}


def ensure_installed(task: str) -> None:
    """Install ``task``'s requirements into the virtualenv unless already done for these
    exact input files (a stamp in the virtualenv holds their hash)."""
    ensure_venv()
    digest = hashlib.sha256()
    for name in INSTALL_INPUTS:
        path = ROOT / name
        digest.update(path.read_bytes() if path.exists() else b"")
    # The test requirements include the app's: a virtualenv made for the tests runs the app.
    for covering in ("test", task):
        stamp = VENV / f".mapkit-installed-{covering}"
        if stamp.exists() and stamp.read_text() == digest.hexdigest():
            return
    say(f"installing {REQUIREMENTS[task]} into {VENV}")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "-r", ROOT / REQUIREMENTS[task])
    stamp.write_text(digest.hexdigest())


def main(argv: list[str]) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (run.py is what an older Python meets first)
        sys.exit(f"run.py: mapkit needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    task, rest = (argv[0], argv[1:]) if argv and argv[0] in ("test", "mapkit") else ("app", argv)
    if task == "test":
        ensure_installed("test")
        run(BIN / "ruff", "check", ".")
        os.execv(PYTHON, [str(PYTHON), "-m", "pytest", *rest])
    ensure_installed("app")
    if task == "mapkit":
        os.execv(BIN / "mapkit", [str(BIN / "mapkit"), *rest])
    os.execv(BIN / "streamlit", [str(BIN / "streamlit"), "run", str(ROOT / "app.py"), *rest])


if __name__ == "__main__":
    main(sys.argv[1:])
