"""Fixtures shared by the tests, and the skips announced before any test runs."""

from __future__ import annotations

from collections import Counter

import matplotlib.text
import pytest
from streamlit_server import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole run (no browser downloads here)."""
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def drawn_texts(monkeypatch) -> list[str]:
    """Every string matplotlib draws, as it draws it (to read what a print map says)."""
    drawn: list[str] = []
    original = matplotlib.text.Text.draw

    def spy(self, renderer):
        if self.get_visible() and self.get_text():
            drawn.append(self.get_text())
        return original(self, renderer)

    monkeypatch.setattr(matplotlib.text.Text, "draw", spy)
    return drawn


def pytest_collection_modifyitems(config, items) -> None:
    """Say up front which tests will skip and why (no Chromium, no ``npm ci``, no
    ``../shared``), instead of leaving it to the summary at the end."""
    reasons: Counter[str] = Counter()
    for item in items:
        for mark in item.iter_markers("skipif"):
            if mark.args and mark.args[0] is True:
                reasons[mark.kwargs.get("reason", "a condition of the test")] += 1
                break
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    if not reasons:
        reporter.write_line("mapkit: every part the tests need is here; none will skip for lack "
                            "of one")
        return
    reporter.write_line(f"mapkit: {sum(reasons.values())} test(s) will skip, for lack of:",
                        yellow=True)
    for reason, count in reasons.most_common():
        reporter.write_line(f"  {count:4d}  {reason}", yellow=True)


#: The address the bundled site is published for in the tests (never asked for anything).
PUBLISHED_BASE_URL = "https://maps.example.org/ukraine/"


@pytest.fixture(scope="session")
def published_site(tmp_path_factory):
    """``mapkit publish`` of the bundled snapshots, once for the whole run (its print maps
    take a minute on two cores): (folder, the command's result). Tests that change a site
    work on a copy (``tests/test_site.py``: ``copy_site``)."""
    from click.testing import CliRunner

    from mapkit.cli import cli

    out = tmp_path_factory.mktemp("published") / "site"
    result = CliRunner().invoke(cli, ["publish", str(out), "--base-url", PUBLISHED_BASE_URL,
                                      "--workers", "2"],
                                env={"SOURCE_DATE_EPOCH": "1786000000"})
    assert result.exit_code == 0, result.output
    return out, result


#: The raion-level site of the tests: three weekly DeepStateMap maps, oblast and raion figures.
RAION_SITE_DATES = ("2026-08-02", "2026-08-09", "2026-08-16")


@pytest.fixture(scope="session")
def raion_snapshots(tmp_path_factory):
    """A snapshots folder of three weekly DeepStateMap dates with their raion figures
    (``raion/``), as ``mapkit compute --level raion`` lays them out."""
    import shutil

    from mapkit.constants import SNAPSHOTS_DIR

    folder = tmp_path_factory.mktemp("raion-snapshots")
    (folder / "raion").mkdir()
    shutil.copy(SNAPSHOTS_DIR / "deepstate" / "series.toml", folder / "series.toml")
    for day in RAION_SITE_DATES:
        shutil.copy(SNAPSHOTS_DIR / "deepstate" / f"{day}.csv", folder / f"{day}.csv")
        shutil.copy(SNAPSHOTS_DIR / "deepstate" / "raion" / f"{day}.csv",
                    folder / "raion" / f"{day}.csv")
    return folder


@pytest.fixture(scope="session")
def published_raion_site(tmp_path_factory, raion_snapshots):
    """``mapkit publish --level raion`` of :func:`raion_snapshots`: (folder, result)."""
    from click.testing import CliRunner

    from mapkit.cli import cli

    out = tmp_path_factory.mktemp("published-raion") / "site"
    result = CliRunner().invoke(cli, ["publish", str(out), "--snapshots", str(raion_snapshots),
                                      "--level", "raion", "--base-url", PUBLISHED_BASE_URL,
                                      "--workers", "1"],
                                env={"SOURCE_DATE_EPOCH": "1786000000"})
    assert result.exit_code == 0, result.output
    return out, result
