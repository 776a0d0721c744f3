"""A plain static file server on loopback, serving a folder under a path prefix, for pages that
must work wherever a newsroom copies them (``/some/prefix/embed.html``) — the way a CDN or any
static host serves them: files as they are, no server-side code.

Every request is recorded (``site.requests``: the paths asked for), so a test can assert that a
page asked for nothing else. ``extra`` serves single files at their own paths (a host page's
copy of pym.js from node_modules).
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass
class StaticSite:
    url: str  # the server's root, "http://127.0.0.1:PORT"
    requests: list[str] = field(default_factory=list)


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, prefix: str, extra: dict[str, Path], site: StaticSite, **kwargs):
        self.prefix, self.extra, self.site = prefix, extra, site
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        path = unquote(urlsplit(path).path)
        self.site.requests.append(path)
        if path in self.extra:
            return str(self.extra[path])
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "\0absent")  # 404: only the prefix is served
        return super().translate_path("/" + path[len(self.prefix):])

    def log_message(self, *args) -> None:  # quiet
        pass


@contextmanager
def serve_under(folder: Path, prefix: str = "/some/prefix/",
                extra: dict[str, Path] | None = None) -> Iterator[StaticSite]:
    """Serve ``folder`` at ``http://127.0.0.1:PORT{prefix}`` (and ``extra`` files) until the
    block ends."""
    site = StaticSite(url="")
    handler = functools.partial(_Handler, directory=str(folder), prefix=prefix,
                                extra=dict(extra or {}), site=site)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
