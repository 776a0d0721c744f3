"""mapkit installs anywhere: the wheel carries the boundaries, the prepared files and the bundled
snapshots, so `pip install .` gives a mapkit that works from any folder."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from mapkit.constants import NO_DATA_COLOUR
from mapkit.snapshots import load_snapshots

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_under_mapkit_goes_into_the_wheel():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    packages = {".".join(init.parent.relative_to(ROOT).parts)
                for init in (ROOT / "mapkit").rglob("__init__.py")}
    missing = sorted(packages - set(setuptools["packages"]))
    assert not missing, f"add {missing} to [tool.setuptools] packages in pyproject.toml"
    assert setuptools["package-dir"]["mapkit.data"] == "data"


def test_pip_install_into_a_fresh_virtualenv_exports_from_any_folder(tmp_path):
    # Built from a copy: pip builds in the source folder, and a build/ left there from an older
    # layout would slip removed modules into the wheel.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", "node_modules", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
        ".venv", "venv"))
    venv = tmp_path / "venv"
    # The system's packages provide the dependencies (nothing is downloaded); mapkit itself is
    # the venv's own, non-editable copy, which comes first on the venv's path.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, capture_output=True)
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    install = subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "--no-input", "."],
                             cwd=source, env=env, capture_output=True, text=True)
    assert install.returncode == 0, install.stdout + install.stderr
    shutil.rmtree(source)  # the installed mapkit must not need the checkout

    where = subprocess.run(
        [venv / "bin" / "python", "-c",
         "import mapkit, mapkit.constants as c; print(mapkit.__file__); print(c.DATA_DIR)"],
        cwd="/", env=env, capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    for path in where:
        assert Path(path).is_relative_to(venv), where
    # the viewer's map library comes with it: the app needs no internet
    package = Path(where[0]).parent
    assert (package / "viewer" / "frontend" / "vendor" / "leaflet" / "leaflet.js").is_file()
    assert (package / "viewer" / "frontend" / "vendor" / "leaflet" / "LICENSE").is_file()

    out = tmp_path / "x.html"
    export = subprocess.run([venv / "bin" / "mapkit", "export", "--format", "embed", "--out",
                             str(out)], cwd="/", env=env, capture_output=True, text=True)
    assert export.returncode == 0, export.stdout + export.stderr
    page = out.read_text(encoding="utf-8")
    fills = dict(re.findall(r'<path id="mk-(UA-\d\d)"[^>]* fill="([^"]+)"', page))
    assert len(fills) == 27
    assert NO_DATA_COLOUR not in fills.values(), "a region is drawn without data"
    latest = load_snapshots()["date"].max()
    assert f'<output id="mk-date" for="mk-slider">{latest:%Y-%m-%d}</output>' in page
