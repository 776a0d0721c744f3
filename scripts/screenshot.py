"""Take docs/screenshot.png: the viewer on the bundled data, Donetsk's history open.

    npm ci && python scripts/screenshot.py

Offline (as here) the basemap tiles stay blank; Leaflet comes from node_modules.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests")]

from offline_assets import route_cdn_to_local  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from streamlit_server import CHROMIUM, CHROMIUM_ARGS, streamlit_app  # noqa: E402


def main(out: Path = ROOT / "docs" / "screenshot.png") -> None:
    with streamlit_app(ROOT / "app.py") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        route_cdn_to_local(page)
        page.goto(url)
        frame = page.frame_locator("iframe[title*=control_map]")
        frame.locator("path[data-region=UA-14]").click()
        time.sleep(4)
        page.screenshot(path=str(out))
        browser.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
