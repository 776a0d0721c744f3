"""A polite, patient HTTP client for the sources of ``mapkit update``.

Upstream servers hiccup; a scheduled job must neither hammer them nor give up at the first
bump. So every request here carries mapkit's name and version (User-Agent), has a connect and
a read timeout and a deadline for the whole body, and keeps to a rate (one request a second by
default). A 5xx answer, a reset or truncated connection and a timeout are tried again after an
exponentially growing wait (``backoff``, then twice that, …), a failure to connect at all once;
a 429 or 503 with ``Retry-After`` waits as long as the server asks (up to ``max_wait``). 404
and 401/403 are answers, not faults: they are raised at once, as :class:`NotFound` and
:class:`Unauthorized`.

Built on ``requests`` (already installed with Streamlit, well kept, one connection pool per
session, clear connect/read timeouts); the retry loop is our own rather than urllib3's
``Retry``, because a body cut short after the headers (which ``Retry`` never sees) must be
tried again too, and because each wait is reported to the run's summary.
"""

from __future__ import annotations

import contextlib
import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
import urllib3

from mapkit import __version__

__all__ = ["FetchError", "HttpClient", "NotFound", "Unauthorized", "Unreachable", "USER_AGENT"]

#: Who is asking: servers and their operators see mapkit's name and version.
USER_AGENT = f"mapkit/{__version__} (+https://pypi.org/project/mapkit/; python-requests)"

_CHUNK = 1 << 16


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
    """GET with a User-Agent, timeouts, a rate limit and retries; see the module docstring.

    ``rate`` is the most requests per second (0: no limit); ``retries`` how many times a failed
    request is tried again; ``backoff`` the first wait in seconds (then 2×, 4×, …); ``timeout``
    the read timeout (no byte for that long) and ``connect_timeout`` the connect one, in
    seconds; ``deadline`` the longest a whole response may take (default: ten read timeouts);
    ``max_wait`` the longest ``Retry-After`` honoured.
    """

    def __init__(self, *, rate: float = 1.0, retries: int = 4, backoff: float = 1.0,
                 timeout: float = 30.0, connect_timeout: float = 10.0,
                 deadline: float | None = None, max_wait: float = 300.0,
                 user_agent: str = USER_AGENT,
                 sleep: Callable[[float], object] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.deadline = deadline if deadline is not None else 10 * timeout
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        self.stats = ClientStats()
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": user_agent,
                                      "Accept": "application/json, */*;q=0.5"})
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
                raise FetchError(url, f"{reason}; the server asks to wait {delay:.0f} s, more "
                                      f"than the {self.max_wait:.0f} s allowed")
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
        """One request: (body, None), or (None, FetchError) for an answer that retrying will
        not change, or (None, (reason, wait or None)) for a fault worth retrying."""
        self._keep_rate()
        self.stats.requests += 1
        started = self.clock()
        try:
            response = self._session.get(url, timeout=(self.connect_timeout, self.timeout),
                                         stream=True)
        except requests.exceptions.ConnectTimeout:
            return None, (f"cannot connect (no answer within {self.connect_timeout:g} s)",
                          None)
        except requests.exceptions.ReadTimeout:
            self.stats.connected = True
            return None, (f"no answer within {self.timeout:g} s", None)
        except requests.exceptions.ConnectionError as error:
            return None, (_connection_reason(error), None)
        except requests.exceptions.RequestException as error:  # e.g. a malformed URL
            return None, FetchError(url, str(error))
        self.stats.connected = True
        with response:
            status = response.status_code
            if status != 200:
                with contextlib.suppress(requests.exceptions.RequestException):
                    for _ in zip(range(16), response.iter_content(_CHUNK)):
                        pass  # read a short error page, so the connection can be used again
                return None, self._status_problem(url, response)
            chunks = []
            try:
                for chunk in response.iter_content(_CHUNK):
                    chunks.append(chunk)
                    if self.clock() - started > self.deadline:
                        return None, (f"the response took longer than {self.deadline:g} s",
                                      None)
            except requests.exceptions.ConnectionError as error:
                if isinstance(error.args[0] if error.args else None,
                              urllib3.exceptions.ReadTimeoutError):
                    return None, (f"no answer within {self.timeout:g} s", None)
                return None, ("the response was cut short (truncated body)", None)
            except requests.exceptions.ChunkedEncodingError:
                return None, ("the response was cut short (truncated body)", None)
        body = b"".join(chunks)
        self.stats.bytes += len(body)
        return body, None

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


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


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
