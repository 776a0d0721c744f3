"""Serve the CDN assets a map page asks for from local installed packages, for Playwright.

Map pages (folium's, the viewer's) load Leaflet, jQuery, Bootstrap … from public CDNs and draw a
tiled basemap. Tests and benchmarks run without internet, so :func:`route_cdn_to_local` answers
those requests from ``node_modules/`` (``npm ci`` at the repo root installs them, see
package.json) or from installed pip packages, and answers tile requests with one blank tile.
Requests for the page's own server (localhost) pass through untouched.

Anything it cannot serve is recorded in the returned :class:`OfflineRoutes` (``missing``) and
aborted, so a test can assert that nothing was left unserved instead of meeting a blank page.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO_ROOT / "node_modules"

#: A 1×1 light-grey PNG, stretched by Leaflet into every basemap tile.
BLANK_TILE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP4/f//fwAJ+wP9CNHoHgAAAABJRU5ErkJggg=="
)

#: Local hosts are the page's own server: never intercepted.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})

#: cdnjs library name -> npm package directory (cdnjs paths are ``/ajax/libs/<lib>/<ver>/<file>``).
CDNJS_TO_NPM = {
    "Leaflet.awesome-markers": ("leaflet.awesome-markers", "dist"),
    "leaflet": ("leaflet", "dist"),
    "jquery": ("jquery", "dist"),
}

#: Stylesheets that only style icons; when not installed they are answered with an empty sheet
#: (the map still paints; only marker icons would be missing).
ICON_ONLY_STYLESHEETS = ("bootstrap-glyphicons.css", "leaflet.awesome.rotate")

TILE_HOST_PATTERN = re.compile(
    r"(tile|basemaps\.cartocdn|arcgisonline|stamen|stadiamaps|opentopomap)", re.IGNORECASE
)


@dataclass
class OfflineRoutes:
    """What the route handler did, for assertions and debugging."""

    served: list[str] = field(default_factory=list)
    tiles: int = 0
    missing: list[str] = field(default_factory=list)


def local_file_for(url: str) -> Path | None:
    """Map a CDN URL to a file in node_modules or an installed pip package, if there is one."""
    parts = urlsplit(url)
    host, path = parts.netloc.lower(), parts.path
    candidate: Path | None = None
    npm = re.match(r"^/npm/((?:@[^/]+/)?[^@/]+)(?:@[^/]+)?/(.+)$", path)
    if host in {"cdn.jsdelivr.net", "fastly.jsdelivr.net"} and npm:
        candidate = NODE_MODULES / npm.group(1) / npm.group(2)
    elif host == "cdn.jsdelivr.net" and path.startswith("/gh/python-visualization/folium/"):
        candidate = _folium_file(path.split("/folium/folium/", 1)[-1])
    elif host == "unpkg.com":
        m = re.match(r"^/((?:@[^/]+/)?[^@/]+)(?:@[^/]+)?/(.+)$", path)
        if m:
            candidate = NODE_MODULES / m.group(1) / m.group(2)
    elif host == "code.jquery.com":
        name = path.rsplit("/", 1)[-1]
        minified = name.endswith(".min.js")
        file = "jquery.min.js" if minified else "jquery.js"
        candidate = NODE_MODULES / "jquery" / "dist" / file
    elif host == "cdnjs.cloudflare.com":
        m = re.match(r"^/ajax/libs/([^/]+)/[^/]+/(.+)$", path)
        if m and m.group(1) in CDNJS_TO_NPM:
            package, subdir = CDNJS_TO_NPM[m.group(1)]
            candidate = NODE_MODULES / package / subdir / m.group(2)
    if candidate is not None and candidate.is_file():
        return candidate
    return None


def _folium_file(relative: str) -> Path | None:
    try:
        import folium
    except ImportError:
        return None
    path = Path(folium.__file__).parent / relative
    return path if path.is_file() else None


def route_cdn_to_local(page_or_context, *, blank_tiles: bool = True) -> OfflineRoutes:
    """Route every non-local request of a Playwright page (or context) to local files.

    Returns the :class:`OfflineRoutes` record that the handler keeps filling in.
    """
    record = OfflineRoutes()

    def handle(route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob", "about"} or parts.hostname in LOCAL_HOSTS:
            route.continue_()
            return
        local = local_file_for(url)
        if local is not None:
            record.served.append(url)
            content_type = mimetypes.guess_type(local.name)[0] or "application/octet-stream"
            route.fulfill(
                status=200,
                body=local.read_bytes(),
                headers={"Content-Type": content_type, "Access-Control-Allow-Origin": "*"},
            )
            return
        if blank_tiles and (
            TILE_HOST_PATTERN.search(parts.netloc) or route.request.resource_type == "image"
        ):
            record.tiles += 1
            route.fulfill(status=200, body=BLANK_TILE_PNG, content_type="image/png")
            return
        if any(name in url for name in ICON_ONLY_STYLESHEETS):
            record.served.append(url)
            route.fulfill(status=200, body="/* icon styles not installed */",
                          content_type="text/css")
            return
        record.missing.append(url)
        route.abort("internetdisconnected")

    # Only other hosts are intercepted: the page's own server is never slowed or touched.
    page_or_context.route(re.compile(r"^https?://(?!(localhost|127\.0\.0\.1|\[::1\])[:/])"),
                          handle)
    return record


def refuse_outside(page_or_context) -> list[str]:
    """Abort every request (http or websocket) that leaves this machine, as if it were
    offline; return the list the page asked for, for a test to assert it is empty."""
    asked: list[str] = []

    def refuse(route) -> None:
        asked.append(route.request.url)
        route.abort("internetdisconnected")

    hosts = "|".join(re.escape(host) for host in LOCAL_HOSTS)
    page_or_context.route(re.compile(rf"^(https?|wss?)://(?!({hosts})[:/])"), refuse)
    return asked
