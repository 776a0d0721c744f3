"""What a move of the slider asks of the server: the table under the map is looked up, not built,
and what every page shares is left out of the garbage collector's full passes.

Fifty visitors share one server process (bench/bench_load.py --no-browsers): work done at every
step of every visitor's slider, and pauses that stop every visitor at once, are what made steps
queue. These tests count the work, not the time (times are the benchmark's to measure).
"""

from __future__ import annotations

import gc
import re
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mapkit.snapshots import snapshots_fingerprint
from mapkit.viewer import page_data, tables

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")

SNAPSHOT = """date,region,percent,source,method,source_url,contested_percent,note
2024-01-01,UA-14,60,Test Desk,computed,https://example.org/a,,
2024-03-01,UA-14,65,Test Desk,computed,https://example.org/a,,
2024-06-01,UA-14,75.5,Test Desk,computed,https://example.org/a,,
2024-06-01,UA-14,70,Other Desk,reported,,,
"""


@pytest.fixture()
def folder(tmp_path, monkeypatch):
    (tmp_path / "test.csv").write_text(SNAPSHOT, encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["app.py", "--snapshots", str(tmp_path)])
    return tmp_path


@pytest.fixture()
def built(monkeypatch) -> list[str]:
    """The languages of every shown-date table the page builds (one entry a build)."""
    seen: list[str] = []
    build = tables.shown_date_display

    def counted(rows, lang):
        seen.append(lang)
        return build(rows, lang)

    monkeypatch.setattr(tables, "shown_date_display", counted)
    return seen


def visitor() -> AppTest:
    """A visitor whose map has painted (its first message, as the browser sends it)."""
    app = AppTest.from_file(APP, default_timeout=60).run()
    return move(app, event="ready")


def move(app: AppTest, **event) -> AppTest:
    """The map's value after a move of its slider, as the component sets it."""
    previous = app.session_state["map"] if "map" in app.session_state else None
    app.session_state["map"] = {"event": "date", "selected": None, **event,
                                "n": (previous or {}).get("n", 0) + 1}
    return app.run()


def donetsk(app: AppTest) -> str:
    """The table under the map: its heading's date and Donetsk's figure, as the reader sees
    them."""
    heading = next(h.value for h in app.subheader if h.value.startswith("Data for"))
    table = app.dataframe[-1].value.set_index("Region")
    return f"{heading}: {table.loc['Donetsk', 'Under Russian control, %']}"


def test_a_date_shown_before_is_looked_up_not_built_again(folder, built):
    first = visitor()
    assert donetsk(first) == "Data for 1 June 2024: 75.5"
    assert donetsk(move(first, date="2024-03-01")) == "Data for 1 March 2024: 65.0"
    assert donetsk(move(first, date="2024-06-01")) == "Data for 1 June 2024: 75.5"
    assert donetsk(move(first, date="2024-03-01")) == "Data for 1 March 2024: 65.0"
    assert built == ["en", "en"]  # one table a date, however often the slider passes it

    second = visitor()  # another visitor's page: the tables made for the first serve it too
    assert donetsk(move(second, date="2024-03-01")) == "Data for 1 March 2024: 65.0"
    assert built == ["en", "en"]

    second.radio(key="lang").set_value("uk").run()  # another language: its own table, once
    table = second.dataframe[-1].value.set_index("Регіон")
    assert table.loc["Донецька область", "Під контролем Росії, %"] == "65,0"
    assert built == ["en", "en", "uk"]
    assert not first.exception and not second.exception


def test_what_every_page_shares_is_left_out_of_full_collections(folder):
    app = visitor()
    assert donetsk(app) == "Data for 1 June 2024: 75.5"
    paths = (str(folder),)
    frame = page_data.bundled_snapshots(paths, snapshots_fingerprint(paths, level="oblast"),
                                        "oblast")  # the page's own (as app.py asks for it)
    tracked = gc.get_objects()  # every object the collector walks (frozen ones are not)
    assert not any(item is frame for item in tracked)
    assert gc.get_freeze_count() > 0
    del tracked

    # New snapshots: the page builds on them, and they are set aside in their turn.
    (folder / "more.csv").write_text(
        "date,region,percent,source,method\n2024-09-01,UA-14,80,Test Desk,computed\n",
        encoding="utf-8")
    app = visitor()
    assert donetsk(app) == "Data for 1 September 2024: 80.0"
    newer = page_data.bundled_snapshots(paths, snapshots_fingerprint(paths, level="oblast"),
                                        "oblast")
    assert newer is not frame
    assert not any(item is newer for item in gc.get_objects())


def test_the_server_watches_no_source_files():
    """Streamlit's settings as ``python3 run.py`` starts the viewer (the project's
    ``.streamlit/config.toml``): watching its sources, every visitor's session scanned every
    imported module on the event loop all visitors share."""
    shown = subprocess.run([sys.executable, "-m", "streamlit", "config", "show"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout
    assert re.search(r'^fileWatcherType = "none"$', shown, re.MULTILINE), \
        "server.fileWatcherType is not 'none'"


def test_visitors_at_two_levels_settle_the_heap_once_a_level(monkeypatch):
    """Each level's snapshots have their own fingerprint: visitors stepping at the oblast and
    the raion level in turn must not thaw and collect the whole heap at every step (0.2–0.3 s
    that stops every visitor), only once a level."""
    monkeypatch.setattr(sys, "argv", ["app.py"])
    settled: list[int] = []
    unfreeze = gc.unfreeze
    monkeypatch.setattr(page_data.gc, "unfreeze", lambda: (settled.append(1), unfreeze())[1])
    page_data.settle_heap.clear()
    oblasts = move(AppTest.from_file(APP, default_timeout=180).run(), event="ready")
    raions = AppTest.from_file(APP, default_timeout=180).run()
    raions.radio(key="level:en").set_value("raion").run()
    raions = move(raions, event="ready")
    assert settled == [1, 1]
    for app in (oblasts, raions, oblasts, raions):
        move(app, date=str(app.session_state["date"]))
        assert not app.exception
    assert settled == [1, 1]
    assert len(raions.dataframe[-1].value) == 138 and len(oblasts.dataframe[-1].value) == 27
