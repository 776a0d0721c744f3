"""A polite, patient and guarded HTTP client for the sources of ``mapkit update``.

Upstream servers hiccup; a scheduled job must neither hammer them nor give up at the first
bump. So every request here carries mapkit's name and version (User-Agent) and keeps to a rate
(one request a second by default). A 5xx answer, a reset or truncated connection and a timeout
are tried again after an exponentially growing wait (``backoff``, then twice that, …), a
failure to connect at all once; a 429 or 503 with a ``Retry-After`` of some seconds or a future
date waits as long as the server asks (up to ``max_wait``); any other ``Retry-After`` (``nan``,
``-5``, a date gone by) counts as none. 404 and 401/403 are answers, not faults: they are
raised at once, as :class:`NotFound` and :class:`Unauthorized`.

**A server cannot hang a run, fill its memory or send it elsewhere.**

- ``timeout`` is the longest one attempt at a URL may take, by the wall clock: connecting,
  headers, body and redirects included. A watchdog (:class:`_Watchdog`) shuts the socket down
  when it passes, so a server that sends its headers or its body a byte at a time (slow-loris)
  is cut off as surely as a silent one (``requests``' own timeout is per socket read only).
- ``max_bytes`` caps the *decoded* body: a Content-Length above it is refused before a byte
  is read, and a body (an endless one, a gzip bomb) is decoded a chunk at a time, never past
  the cap. A body over the cap is not tried again.
- Redirects are followed (up to :data:`MAX_REDIRECTS`) only on the host asked, or to the hosts
  named in ``redirect_hosts`` (``--allow-redirect-host``), and never from https to http.

Built on ``requests`` (already installed with Streamlit, well kept, one connection pool per
session, proxies from the environment); the retry loop is our own rather than urllib3's
``Retry``, because a body cut short after the headers (which ``Retry`` never sees) must be
tried again too, and because each wait is reported to the run's summary.
"""

from __future__ import annotations

import email.utils
import http.client
import math
import socket
import threading
import time
import urllib.parse
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
import requests.adapters
import urllib3
import urllib3.connection
import urllib3.connectionpool

from mapkit import __version__

__all__ = ["DEFAULT_MAX_BYTES", "FetchError", "HttpClient", "MAX_REDIRECTS", "NotFound",
           "Unauthorized", "Unreachable", "USER_AGENT", "format_size"]

#: Who is asking: servers and their operators see mapkit's name and version.
USER_AGENT = f"mapkit/{__version__} (+https://pypi.org/project/mapkit/; python-requests)"
#: The largest decoded body read by default: DeepStateMap's biggest raw dumps are about 5 MB.
DEFAULT_MAX_BYTES = 50_000_000
#: Redirects followed for one request, at most.
MAX_REDIRECTS = 5
#: Bytes read from the socket at a time (the deadline is also checked between reads).
_CHUNK = 1 << 14


class FetchError(Exception):
    """A request that did not give a usable answer, after every retry. ``url`` was asked for;
    ``reason`` says what went wrong in words a reader of a cron mail understands."""

    def __init__(self, url: str, reason: str, status: int | None = None):
        self.url = url
        self.reason = reason
        self.status = status
        super().__init__(f"{url}: {reason}")


class NotFound(FetchError):
    """404: the server has nothing at that address (for a daily mirror: no file that day)."""


class Unauthorized(FetchError):
    """401 or 403: the server refuses to answer this client."""


class Unreachable(FetchError):
    """No connection could be made (refused, unknown host, no route): no network, or the wrong
    address. ``HttpClient.stats.connected`` says whether any earlier request got through."""


@dataclass
class ClientStats:
    """What a run's requests cost, for its summary."""

    requests: int = 0
    bytes: int = 0
    retries: list[str] = field(default_factory=list)  # one line per wait, e.g. "HTTP 500"
    connected: bool = False  # at least one answer came back from a server


class HttpClient:
    """GET with a User-Agent, a deadline, a size cap, a rate limit, retries and same-host
    redirects; see the module docstring.

    ``rate`` is the most requests per second (0: no limit); ``retries`` how many times a failed
    request is tried again; ``backoff`` the first wait in seconds (then 2×, 4×, …); ``timeout``
    the longest one attempt may take, in seconds, by the wall clock (``connect_timeout``, at
    most ``timeout``, bounds connecting); ``max_bytes`` the largest decoded body;
    ``redirect_hosts`` the hosts a redirect may lead to besides the one asked; ``max_wait``
    the longest ``Retry-After`` honoured.
    """

    def __init__(self, *, rate: float = 1.0, retries: int = 4, backoff: float = 1.0,
                 timeout: float = 30.0, connect_timeout: float = 10.0,
                 max_bytes: int = DEFAULT_MAX_BYTES,
                 redirect_hosts: tuple[str, ...] | list[str] = (),
                 max_wait: float = 300.0, user_agent: str = USER_AGENT,
                 sleep: Callable[[float], object] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.connect_timeout = min(connect_timeout, timeout)
        self.max_bytes = max_bytes
        self.redirect_hosts = {host.lower().strip("[]") for host in redirect_hosts}
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        self.stats = ClientStats()
        self._session = requests.Session()
        adapter = _WatchedAdapter()
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers.update({"User-Agent": user_agent,
                                      "Accept": "application/json, */*;q=0.5",
                                      "Accept-Encoding": "gzip, deflate"})
        self._last_request: float | None = None

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- one request, tried again as needed ---------------------------------------------------

    def get(self, url: str) -> bytes:
        """The body of ``url``; raises :class:`NotFound`, :class:`Unauthorized`,
        :class:`Unreachable` or :class:`FetchError` (after every retry)."""
        attempt = 0
        while True:
            body, problem = self._try(url)
            if problem is None:
                return body
            if isinstance(problem, FetchError):
                raise problem
            reason, delay = problem
            # no connection at all is tried again once: a machine without network will not
            # have one in a few seconds, and a scheduler should hear so soon
            limit = min(self.retries, 1) if reason.startswith("cannot connect") else self.retries
            if attempt >= limit:
                tries = attempt + 1
                raise self._final(url, reason, tries)
            if delay is None:
                delay = self.backoff * 2 ** attempt
            elif delay > self.max_wait:
                raise FetchError(url, f"{reason}; the server asks to wait more than the "
                                      f"{self.max_wait:.0f} s allowed ({_seconds(delay)})")
            self.stats.retries.append(f"{reason}: waited {delay:g} s before trying again")
            self.sleep(delay)
            attempt += 1

    def _final(self, url: str, reason: str, tries: int) -> FetchError:
        said = f"{reason} ({tries} tr{'y' if tries == 1 else 'ies'})"
        if reason.startswith("cannot connect"):
            return Unreachable(url, said)
        return FetchError(url, said)

    def _keep_rate(self) -> None:
        if self.rate and self._last_request is not None:
            due = self._last_request + 1.0 / self.rate - self.clock()
            if due > 0:
                self.sleep(due)
        self._last_request = self.clock()

    def _try(self, url: str):
        """One attempt, redirects followed: (body, None), or (None, FetchError) for an answer
        that retrying will not change, or (None, (reason, wait or None)) for a fault worth
        retrying."""
        self._keep_rate()
        with _Watchdog(self.timeout) as watchdog:
            current = url
            for _ in range(MAX_REDIRECTS + 1):
                body, problem, location = self._request(url, current, watchdog)
                if location is None:
                    return body, problem
                current = urllib.parse.urljoin(current, location)
                refused = self._refused_redirect(url, current)
                if refused:
                    return None, FetchError(url, refused)
        return None, FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def _request(self, url: str, current: str, watchdog: _Watchdog):
        """One HTTP request of ``current`` (``url`` or where it was redirected to): (body,
        problem, None) as :meth:`_try` says, or (None, None, location) for a redirect."""
        self.stats.requests += 1
        late = f"no answer within {self.timeout:g} s (--timeout)"
        try:
            response = self._session.get(current, timeout=(self.connect_timeout, self.timeout),
                                         stream=True, allow_redirects=False)
        except requests.exceptions.ConnectTimeout:
            return None, (f"cannot connect (no answer within {self.connect_timeout:g} s)",
                          None), None
        except requests.exceptions.ReadTimeout:
            self.stats.connected = True
            return None, (late, None), None
        except requests.exceptions.ConnectionError as error:
            if watchdog.fired:
                self.stats.connected = True
                return None, (late, None), None
            return None, (_connection_reason(error), None), None
        except (requests.exceptions.RequestException, ValueError) as error:  # a malformed URL
            return None, FetchError(url, str(error)), None
        self.stats.connected = True
        with response:
            status = response.status_code
            if status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    return None, FetchError(url, f"HTTP {status} without a Location"), None
                return None, None, location
            if status != 200:
                return None, self._status_problem(url, response), None
            body, problem = self._read_body(url, response, watchdog)
            return body, problem, None

    def _read_body(self, url: str, response: requests.Response, watchdog: _Watchdog):
        announced = _content_length(response.headers.get("Content-Length"))
        if announced is not None and announced > self.max_bytes:
            return None, FetchError(url, f"the server announces {format_size(announced)}, "
                                         f"more than the {format_size(self.max_bytes)} "
                                         "allowed (--max-bytes)")
        try:
            decoder = _Decoder(response.headers.get("Content-Encoding"))
        except ValueError as error:
            return None, FetchError(url, str(error))
        parts, size = [], 0
        late = f"the response took longer than {self.timeout:g} s (--timeout)"
        try:
            for chunk in response.raw.stream(_CHUNK, decode_content=False):
                self.stats.bytes += len(chunk)
                data = decoder.decode(chunk, self.max_bytes - size)
                parts.append(data)
                size += len(data)
                if watchdog.fired:
                    return None, (late, None)
            decoder.finish()
        except _TooLarge:
            return None, FetchError(url, f"the response is larger than the "
                                         f"{format_size(self.max_bytes)} allowed "
                                         "(--max-bytes); nothing was kept")
        except (urllib3.exceptions.HTTPError, requests.exceptions.RequestException,
                http.client.HTTPException, OSError, zlib.error, EOFError) as error:
            if watchdog.fired:
                return None, (late, None)
            if isinstance(error, urllib3.exceptions.ReadTimeoutError):
                return None, (f"no answer within {self.timeout:g} s (--timeout)", None)
            return None, ("the response was cut short (truncated body)", None)
        if watchdog.fired:  # a read cut off by the watchdog may look like the body's end
            return None, (late, None)
        return b"".join(parts), None

    def _refused_redirect(self, url: str, target: str) -> str | None:
        """Why a redirect of ``url`` to ``target`` is not followed (None: it is)."""
        asked, going = urllib.parse.urlsplit(url), urllib.parse.urlsplit(target)
        if going.scheme not in ("http", "https"):
            return f"redirected to {target!r}, which is not an http(s) address; not followed"
        if asked.scheme == "https" and going.scheme == "http":
            return f"redirected from https to plain http ({target}); not followed"
        host, origin = (going.hostname or "").lower(), (asked.hostname or "").lower()
        if host == origin or host in self.redirect_hosts:
            return None
        return (f"redirected to another host, {host} (asked {origin}); not followed: "
                f"--allow-redirect-host {host} allows it")

    def _status_problem(self, url: str, response: requests.Response):
        status = response.status_code
        said = f"HTTP {status} {response.reason or ''}".strip()
        if status == 404:
            return NotFound(url, said, status)
        if status in (401, 403):
            return Unauthorized(url, said, status)
        if status in (429, 503):
            return said, _retry_after(response.headers.get("Retry-After"))
        if status >= 500:
            return said, None
        return FetchError(url, said, status)


def format_size(size: int) -> str:
    """A byte count as a reader says it: ``50 MB``, ``1,000,000 MB``, ``900 KB``."""
    if size >= 1_000_000:
        return f"{size / 1e6:,.0f} MB" if size % 1_000_000 == 0 or size >= 1e8 else \
            f"{size / 1e6:,.1f} MB"
    if size >= 1000:
        return f"{size / 1e3:,.0f} KB"
    return f"{size} bytes"


def _seconds(delay: float) -> str:
    return f"{delay:,.0f} s" if delay < 1e9 else "for ever"


def _content_length(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.split(",")[0].strip()  # a repeated header: the first
    return int(value) if value.isdigit() else None


class _TooLarge(Exception):
    """The decoded body would pass the cap."""


class _Decoder:
    """The body's ``Content-Encoding`` undone a chunk at a time, never past a given size: a
    gzip bomb of a megabyte that would decode to gigabytes stops at the cap."""

    def __init__(self, encoding: str | None):
        coding = (encoding or "identity").strip().lower()
        if coding in ("", "identity"):
            self._wbits = None
        elif coding in ("gzip", "x-gzip"):
            self._wbits = 16 + zlib.MAX_WBITS
        elif coding == "deflate":
            self._wbits = zlib.MAX_WBITS  # zlib-wrapped, as HTTP says; raw deflate if not
        else:
            raise ValueError(f"the server answered in an encoding mapkit cannot read "
                             f"({coding!r}); it asked for gzip or deflate")
        self._inflater = zlib.decompressobj(self._wbits) if self._wbits else None
        self._started = False

    def decode(self, data: bytes, room: int) -> bytes:
        """``data`` decoded; raises :class:`_TooLarge` when that would be more than ``room``
        bytes."""
        if self._inflater is None:
            if len(data) > room:
                raise _TooLarge
            return data
        out = []
        while data:
            try:
                part = self._inflater.decompress(data, room + 1)
            except zlib.error:
                if self._started or self._wbits != zlib.MAX_WBITS:
                    raise
                self._wbits = -zlib.MAX_WBITS  # "deflate" sent without its zlib wrapper
                self._inflater = zlib.decompressobj(self._wbits)
                continue
            self._started = True
            room -= len(part)
            if room < 0:
                raise _TooLarge
            out.append(part)
            data = self._inflater.unconsumed_tail
            if self._inflater.eof and self._inflater.unused_data:  # another gzip member
                data = self._inflater.unused_data
                self._inflater = zlib.decompressobj(self._wbits)
        return b"".join(out)

    def finish(self) -> None:
        """Raises ``EOFError`` when a compressed body ended in the middle."""
        if self._inflater is not None and self._started and not self._inflater.eof:
            raise EOFError("the compressed body ended in the middle")


# --- The deadline: a watchdog on the socket in use ------------------------------------------------

_current = threading.local()


class _Watchdog:
    """A wall-clock deadline for one attempt at a URL, redirects included. When it passes,
    the socket in use is shut down, so that a read blocked on a server that sends a byte now
    and then — or never finishes its headers — returns at once; ``fired`` then says why.
    Sockets are handed over by the connections of :class:`_WatchedAdapter`, in this thread."""

    def __init__(self, seconds: float):
        self.fired = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        _current.watchdog = self
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        _current.watchdog = None

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._socket = sock
            if self.fired:
                _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._socket is not None:
                _shut(self._socket)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed
        pass


def _watch(sock: socket.socket | None) -> None:
    watchdog = getattr(_current, "watchdog", None)
    if watchdog is not None and sock is not None:
        watchdog.watch(sock)


class _WatchedConnection:
    """A urllib3 connection that hands its socket to this thread's :class:`_Watchdog`: when
    it is made, and each time a kept-alive connection is used again."""

    def _new_conn(self):
        sock = super()._new_conn()
        _watch(sock)
        return sock

    def request(self, *args, **kwargs):
        _watch(self.sock)
        return super().request(*args, **kwargs)


class _HTTPConnection(_WatchedConnection, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_WatchedConnection, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_WATCHED_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class _WatchedAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter, with connections a :class:`_Watchdog` can cut off (also through an
    HTTP proxy from the environment)."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if type(manager) is urllib3.ProxyManager:  # not a SOCKS one: its own connections
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a positive number of seconds, or an HTTP
    date still to come; None for anything else (``nan``, ``inf``, ``-5``, ``0``, a date gone
    by, words), which the backoff then replaces — never a retry at once."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        try:
            seconds = when.timestamp() - time.time()
        except (OverflowError, OSError, ValueError):
            return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def _connection_reason(error: requests.exceptions.ConnectionError) -> str:
    """'cannot connect (…)' when no connection was made; 'the connection was reset' when one
    was made and then dropped."""
    cause = error.args[0] if error.args else None
    reason = getattr(cause, "reason", cause)
    if isinstance(reason, urllib3.exceptions.NewConnectionError):  # incl. unknown host
        text = str(reason)
        for marker, said in (("refused", "connection refused"),
                             ("resolv", "unknown host"),
                             ("not known", "unknown host"),
                             ("unreachable", "network unreachable"),
                             ("No route", "no route to host")):
            if marker in text:
                return f"cannot connect ({said})"
        return "cannot connect"
    return "the connection was reset"
