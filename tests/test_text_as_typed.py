"""Text a user types or a data file carries is drawn as typed, whatever characters it holds.

Template syntax has its own tests (test_template_injection.py); these are the other ways text
used to go wrong: a "$" read as the start of a formula by matplotlib, more sources than a map
could name, a cell a spreadsheet would run as a formula.
"""

from __future__ import annotations

import pytest
from test_export_fixtures import write_csv

from mapkit.publish import render_export
from mapkit.snapshots import load_snapshots

CREDIT = ("Prices: $5 for 50% off, $10 for two, and $15 for three maps; "
          "a credit long enough to wrap onto a second line under the map, since it names the "
          "newsroom, its editors, its reporters and its graphics desk one after another")
TITLE = "What $1 of aid buys, and what $2 buy: the front line a long title wraps too"


@pytest.fixture()
def snapshots(tmp_path):
    write_csv(tmp_path / "desk.csv", [
        ("2024-01-01", "UA-14", 40, "Desk", "reported", "https://example.org", "", ""),
        ("2025-03-17", "UA-14", 60, "Desk", "reported", "https://example.org", "", ""),
    ])
    return load_snapshots([tmp_path])


def _unwrapped(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("fmt", ["png", "svg", "gif"])
def test_dollar_signs_in_wrapped_title_and_credit_are_drawn_as_dollars(snapshots, drawn_texts,
                                                                      fmt):
    render_export(fmt, snapshots, title=TITLE, credit=CREDIT)
    title = next(text for text in drawn_texts if text.startswith("What"))
    assert "\n" in title, "a title wider than the map wraps"
    assert _unwrapped(title) == TITLE
    foot = next(text for text in drawn_texts if "Prices" in text)
    assert "\n" in foot
    assert _unwrapped(foot).endswith(CREDIT)
