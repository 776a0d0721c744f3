"""What a title, subtitle or credit can be, and how a map draws it: bytes that are not text and
texts too long are refused in one line (the command line and the app alike); right-to-left
text and Unicode direction controls stay inside the text they came in; and on a print map no
text overlaps another, nor the map.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_changes import HEADER, kyiv_city_row, ua_row

from mapkit.cli import cli
from mapkit.publish import TEXT_LIMITS, ExportTextError, render_export
from mapkit.snapshots import load_snapshots

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def folder(tmp_path) -> Path:
    folder = tmp_path / "snaps"
    folder.mkdir()
    rows = [ua_row("2025-01-01", 100_000.0), ua_row("2025-02-01", 100_300.0),
            ua_row("2025-03-01", 100_400.0), kyiv_city_row("2025-01-01", 0.0),
            kyiv_city_row("2025-03-01", 83.38)]
    (folder / "desk.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    return folder


@pytest.fixture()
def snapshots(folder):
    return load_snapshots([folder])


# --- text that is not text, and text too long (issue 18, items 6 and 9) -------------------------


@pytest.mark.parametrize("fmt", ["png", "svg", "embed", "html"])
def test_a_title_of_bytes_that_are_not_utf8_is_one_line_and_exit_2(folder, tmp_path, fmt):
    """``--title $'\\xff\\xfe'``: the bytes reach Python as lone surrogates."""
    out = tmp_path / f"map.{fmt}"
    result = subprocess.run(
        [sys.executable, "-m", "mapkit", "export", "--format", fmt, "--snapshots", str(folder),
         "--title", b"\xff\xfe", "--out", str(out)],
        capture_output=True, cwd=REPO, timeout=120)
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode() == (
        "error: --title is not text: it holds bytes that are not UTF-8 (b'\\xff\\xfe' at "
        "character 1); type it again, or set the terminal to UTF-8; nothing was written.\n")
    assert not out.exists()


@pytest.mark.parametrize("field", ["title", "subtitle", "credit"])
def test_a_text_longer_than_its_limit_is_refused_in_one_line(folder, tmp_path, field):
    out = tmp_path / "map.png"
    long = "word " * 20_000  # 100 KB: it took two minutes a PNG
    result = CliRunner().invoke(cli, ["export", "--format", "png", "--snapshots", str(folder),
                                      f"--{field}", long, "--out", str(out)])
    assert result.exit_code == 2
    assert result.output == (f"error: --{field} is 100,000 characters long; a map's {field} may "
                             f"have at most {TEXT_LIMITS[field]}: shorten it; nothing was "
                             "written.\n")
    assert not out.exists()
    # at the limit it is drawn
    result = CliRunner().invoke(cli, ["export", "--format", "png", "--snapshots", str(folder),
                                      f"--{field}", "x" * TEXT_LIMITS[field], "--out", str(out)])
    assert result.exit_code == 0, result.output


def test_the_library_and_the_app_refuse_it_with_the_same_message(snapshots, folder,
                                                                  monkeypatch):
    with pytest.raises(ExportTextError, match="the title is 100,000 characters long; a map's "
                                              "title may have at most 200: shorten it"):
        render_export("embed", snapshots, title="x" * 100_000)
    from streamlit.testing.v1 import AppTest

    monkeypatch.setattr(sys, "argv", ["app.py", "--snapshots", str(folder)])
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=120).run()
    app.session_state["map"] = {"event": "ready", "selected": None, "n": 1}
    app.session_state["export_open"] = True
    app.run()
    app.text_input(key="export_title").input("x" * 100_000).run()
    app.button(key="export_make").click().run()
    assert not app.exception
    assert [re.sub(r"\\(.)", r"\1", e.value) for e in app.error] == [
        "the title is 100,000 characters long; a map's title may have at most 200: shorten it"]
    assert "export_file" not in app.session_state
