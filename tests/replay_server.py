"""A loopback HTTP server that replays the real DeepStateMap files, for ``mapkit update``.

- ``../shared/deepstate/raw/`` in the shape of DeepStateMap's API: ``/api/history/public`` lists
  one update per dump (id = the Unix seconds of the UTC time in its file name),
  ``/api/history/{id}/geojson`` serves the dump's bytes as they are, ``/api/history/last`` the
  newest as ``{"id", "createdAt", "map": …}``; ``/api/history/{id}/areas`` is 404 unless a test
  gives an answer (nothing real is known of its format).
- ``../shared/deepstate/daily/`` in the shape of the daily mirror:
  ``/data/deepstatemap_data_YYYYMMDD.geojson`` serves ``YYYY-MM-DD.geojson``; 404 otherwise;
  and under their own names, ``/files/YYYY-MM-DD.geojson``, for a URL template.

- ``../shared/isw/`` in the shape of ISW/CTP's ArcGIS feature layer (:class:`ArcgisLayer`, at
  :data:`ISW_LAYER_PATH`): ``?f=json`` its description (``editingInfo.lastEditDate`` the time a
  test gives), ``/query?…returnCountOnly=true`` its count, ``/query?f=geojson&…&resultOffset=K
  &resultRecordCount=N`` a page of a real file's features — at most ``limit`` of them, with
  ``exceededTransferLimit: true`` (under ``properties`` as ArcGIS Online writes it, or at the
  top) while more follow. A fault may be queued for ``"layer"``, ``"count"`` or ``"page@K"``
  (the page at offset K) whatever the rest of the query says.

A test chooses which files are served (``raw``, ``daily``, ``layer``) and queues faults for a path
(:meth:`ReplayServer.fault`): an HTTP status with headers (a redirect, a Retry-After), a
truncated body, a delay, another body, or a dropped connection — and what a hostile server
does: headers or a body sent a byte at a time (slow-loris), a body that never ends, a gzip bomb,
a huge Content-Length. Every request is recorded with its time and headers, and how many body
bytes went out before the client hung up (``Request.sent``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import http.server
import json
import re
import socket
import threading
import time
import urllib.parse
import zlib
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "deepstate"
RAW = SHARED / "raw"
DAILY = SHARED / "daily"
ISW_FILES = SHARED.parent / "isw"
#: Where ISW/CTP's assessed-control layer is served (the path of ArcGIS's own address).
ISW_LAYER_PATH = "/arcgis/rest/services/VIEW_RussiaCoTinUkraine_V3/FeatureServer/49"


def dump_time(path: Path) -> dt.datetime:
    """The UTC time in a raw dump's name (``2022-04-03T123328Z.json``)."""
    return dt.datetime.strptime(path.stem, "%Y-%m-%dT%H%M%SZ").replace(tzinfo=dt.UTC)


def dump_id(path: Path) -> int:
    return calendar.timegm(dump_time(path).timetuple())


@dataclass
class Fault:
    """What the server does instead of answering normally, once."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    truncate: int | None = None  # send only this many bytes of the body (Content-Length: full)
    delay: float = 0.0  # before answering
    body: bytes | None = None  # answer this instead (status 200 unless ``status``)
    drop: bool = False  # close the connection without answering
    header_drip: float = 0.0  # seconds between the bytes of the status line and headers
    body_drip: float = 0.0  # seconds between the bytes of the body (slow-loris)
    endless: bool = False  # a body that never ends (no Content-Length), about 10 MB a second
    gzip_bomb: int = 0  # answer a gzip-encoded body that decodes to this many zero bytes
    content_length: str | None = None  # the Content-Length announced, whatever is sent


@functools.cache
def gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed (about a thousandth of their size)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    parts.append(packer.compress(bytes(size % len(block))))
    return b"".join([*parts, packer.flush()])


@dataclass
class ArcgisLayer:
    """A feature layer as ArcGIS serves it: a real file's features (each with an ``id``, an
    ``OBJECTID`` and an ``EditDate``, its copy's ``layer`` property removed: ArcGIS's features
    have none), the time its data was last edited, the most features one answer holds
    (``limit``, the server's transfer limit) and where ``exceededTransferLimit`` is written
    (``flag``: "properties" or "top"). ``forever`` makes its paging go wrong for ever:
    "repeat" (every page is the first), "empty" (past the end, pages without features still
    say more follow), "new" (every page holds features never seen)."""

    features: list[dict]
    edited: dt.datetime
    limit: int = 2
    flag: str = "properties"
    forever: str | None = None
    name: str = "Assessed Russian-controlled Ukrainian Territory"

    @classmethod
    def from_file(cls, path: Path, edited: dt.datetime, **options) -> ArcgisLayer:
        document = json.loads(path.read_bytes())
        features = []
        for number, feature in enumerate(document["features"], start=1):
            properties = {k: v for k, v in (feature.get("properties") or {}).items()
                          if k != "layer"}
            properties.update(OBJECTID=number, EditDate=edited_ms(edited))
            features.append({"type": "Feature", "id": number, "geometry": feature["geometry"],
                             "properties": properties})
        return cls(features, edited, **options)

    def description(self, edited: dt.datetime | None = None) -> bytes:
        edited_at = edited_ms(edited or self.edited)
        return json.dumps({
            "currentVersion": 11.3, "id": 49, "name": self.name, "type": "Feature Layer",
            "copyrightText": "Institute for the Study of War and American Enterprise "
                             "Institute's Critical Threats Project",
            "editingInfo": {"lastEditDate": edited_at, "schemaLastEditDate": edited_at,
                            "dataLastEditDate": edited_at},
            "editFieldsInfo": {"editDateField": "EditDate"},
            "objectIdField": "OBJECTID", "maxRecordCount": self.limit,
            "supportedQueryFormats": "JSON, geoJSON, PBF"}).encode()

    def query(self, params: dict[str, str]) -> tuple[int, bytes]:
        if params.get("returnCountOnly") == "true":
            return 200, json.dumps({"count": len(self.features)}).encode()
        if params.get("f") != "geojson":
            return 200, b'{"error": {"code": 400, "message": "Invalid format"}}'
        offset = int(params.get("resultOffset", 0))
        size = min(int(params.get("resultRecordCount", self.limit)), self.limit)
        page = self.features[offset:offset + size]
        more = offset + len(page) < len(self.features)
        if self.forever == "repeat":
            page, more = self.features[:size], True
        elif self.forever == "empty":
            more = True
        elif self.forever == "new":
            page = [{**f, "id": offset + n + 1000} for n, f in enumerate(self.features[:size])]
            more = True
        document = {"type": "FeatureCollection", "features": page}
        if more and self.flag == "top":
            document["exceededTransferLimit"] = True
        elif more:
            document["properties"] = {"exceededTransferLimit": True}
        return 200, json.dumps(document).encode()


def edited_ms(when: dt.datetime) -> int:
    return int(when.timestamp() * 1000)


@dataclass
class Request:
    path: str
    time: float
    headers: dict[str, str]
    sent: int = 0  # body bytes written before the answer ended or the client hung up
    hung_up: bool = False  # the client closed the connection before the whole answer went out


class ReplayServer:
    """The server's state; see the module docstring. ``url`` is its address."""

    def __init__(self, raw: list[Path] | None = None, daily: list[Path] | None = None,
                 layer: ArcgisLayer | None = None):
        self.raw: list[Path] = list(raw or [])
        self.daily: list[Path] = list(daily or [])
        self.layer = layer
        self.areas: dict[int, bytes] = {}
        self.replacements: dict[str, bytes] = {}  # path -> body served instead, every time
        self.delay: dict[str, float] = {}  # path -> delay before every answer
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # ends every slow or endless answer
        self._server = _QuietServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api(self) -> str:
        return f"{self.url}/api"

    @property
    def mirror(self) -> str:
        return f"{self.url}/data"

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def fault(self, path: str, *faults: Fault) -> None:
        """Queue ``faults`` for the next requests of ``path`` (one fault per request)."""
        with self._lock:
            self.faults[path].extend(faults)

    def paths(self, prefix: str = "") -> list[str]:
        return [r.path for r in self.requests if r.path.startswith(prefix)]

    @property
    def isw(self) -> str:
        """The address of the replayed ISW/CTP layer (``--base-url`` of ``--source isw``)."""
        return self.url + ISW_LAYER_PATH

    @staticmethod
    def fault_key(path: str) -> str | None:
        """The key a fault for the ArcGIS layer is queued under: "layer", "count", "page@K"."""
        base, _, query = path.partition("?")
        params = dict(urllib.parse.parse_qsl(query))
        if base == ISW_LAYER_PATH:
            return "layer"
        if base == ISW_LAYER_PATH + "/query":
            if params.get("returnCountOnly") == "true":
                return "count"
            return f"page@{params.get('resultOffset', 0)}"
        return None

    # --- the answers ------------------------------------------------------------------------

    def history(self) -> list[dict]:
        return [{"id": dump_id(p), "createdAt": dump_time(p).strftime(
                    "%Y-%m-%dT%H:%M:%S.000Z"), "updatedAt": dump_time(p).strftime(
                    "%Y-%m-%dT%H:%M:%S.000Z"), "status": True,
                 "description": f"відтворення {p.name}",
                 "descriptionEn": f"replay of {p.name}"} for p in sorted(self.raw)]

    def answer(self, path: str) -> tuple[int, bytes]:
        if path in self.replacements:
            return 200, self.replacements[path]
        key = self.fault_key(path)
        if key is not None and self.layer is not None:
            if key == "layer":
                return 200, self.layer.description()
            return self.layer.query(dict(urllib.parse.parse_qsl(path.partition("?")[2])))
        if path == "/api/history/public":
            return 200, json.dumps(self.history()).encode()
        if path == "/api/history/last" and self.raw:
            newest = max(self.raw, key=dump_time)
            entry = next(e for e in self.history() if e["id"] == dump_id(newest))
            return 200, (b'{"id": %d, "createdAt": "%s", "descriptionEn": "%s", "map": '
                         % (entry["id"], entry["createdAt"].encode(),
                            entry["descriptionEn"].encode())
                         + newest.read_bytes() + b"}")
        match = re.fullmatch(r"/api/history/(\d+)/(geojson|areas)", path)
        if match:
            update_id = int(match[1])
            if match[2] == "areas":
                return (200, self.areas[update_id]) if update_id in self.areas else (404, b"")
            for dump in self.raw:
                if dump_id(dump) == update_id:
                    return 200, dump.read_bytes()
        match = re.fullmatch(r"/files/(\d{4}-\d{2}-\d{2}\.geojson)", path)
        if match:  # the daily files under their own names, for a URL template
            for daily in self.daily:
                if daily.name == match[1]:
                    return 200, daily.read_bytes()
        match = re.fullmatch(r"/data/deepstatemap_data_(\d{4})(\d{2})(\d{2})\.geojson", path)
        if match:
            name = f"{match[1]}-{match[2]}-{match[3]}.geojson"
            for daily in self.daily:
                if daily.name == name:
                    return 200, daily.read_bytes()
        return 404, b'{"error": "not found"}'


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:  # a client that hung up: fine
        pass


def _handler(server: ReplayServer):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # headers and body go out in separate writes: without this, Nagle's algorithm and
            # the client's delayed ACK add 40 ms to every answer on loopback
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 - the http.server interface
            request = Request(self.path, time.monotonic(), dict(self.headers.items()))
            with server._lock:
                server.requests.append(request)
                queue = server.faults.get(self.path) or server.faults.get(
                    server.fault_key(self.path))
                fault = queue.popleft() if queue else None
            delay = server.delay.get(self.path, 0.0) + (fault.delay if fault else 0.0)
            if delay:
                time.sleep(delay)
            if fault and fault.drop:
                self.close_connection = True
                self.connection.close()
                return
            status, body = server.answer(self.path)
            headers = {"Content-Type": "application/json"}
            if fault:
                if fault.body is not None:
                    status, body = 200, fault.body
                if fault.gzip_bomb:
                    status, body = 200, gzip_bomb(fault.gzip_bomb)
                    headers["Content-Encoding"] = "gzip"
                if fault.status is not None:
                    status = fault.status
                    if fault.body is None and status != 200:
                        body = b'{"error": "fault"}'
                headers.update(fault.headers)
            try:
                self._answer(request, fault or Fault(), status, headers, body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
                request.hung_up = True
                self.close_connection = True

        def _answer(self, request: Request, fault: Fault, status: int, headers: dict[str, str],
                    body: bytes) -> None:
            if fault.endless:
                headers["Connection"] = "close"
            else:
                headers["Content-Length"] = fault.content_length or str(len(body))
            if fault.truncate is not None or fault.content_length is not None:
                headers["Connection"] = "close"
            if fault.header_drip:
                headers["X-Padding"] = "." * 200  # a long header, sent a byte at a time
                lines = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}",
                         *(f"{key}: {value}" for key, value in headers.items()), "", ""]
                self._drip("\r\n".join(lines).encode("latin-1"), fault.header_drip)
            else:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
            if fault.endless:
                block = b"[" + b"0," * (1 << 15)
                while not server._stopping.is_set():
                    self.wfile.write(block)
                    request.sent += len(block)
                    time.sleep(0.006)  # about 10 MB a second
                return
            if fault.truncate is not None:
                body = body[:fault.truncate]
            if fault.body_drip:
                request.sent = self._drip(body, fault.body_drip)
            else:
                self.wfile.write(body)
                request.sent = len(body)
            self.wfile.flush()
            if "Connection" in headers:
                self.close_connection = True

        def _drip(self, data: bytes, seconds: float) -> int:
            """Send ``data`` a byte every ``seconds``; how many bytes went out."""
            for sent in range(len(data)):
                if server._stopping.is_set():
                    return sent
                self.wfile.write(data[sent:sent + 1])
                self.wfile.flush()
                time.sleep(seconds)
            return len(data)

    return Handler
