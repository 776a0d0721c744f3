"""Where ``mapkit update`` gets front-line polygons: each source behind one small interface.

A source answers two questions: which maps it has for a range of dates
(:meth:`Source.available`, a :class:`Listing` of :class:`Candidate` maps), and the bytes of
one of them (:meth:`Source.fetch`). Sources are registered by name (:data:`SOURCES`); a URL,
a URL template or a folder works too (:func:`open_source`):

- ``deepstate`` — DeepStateMap's API as its public clients use it: ``/history/public`` lists
  the updates (id = Unix seconds, ``createdAt``, ``descriptionEn``), ``/history/{id}/geojson``
  is one update's map, ``/history/last`` the newest (``{"id", "map": …}``), tried when the
  list is refused. One map per UTC day: the day's last update.
- ``mirror`` — daily occupied-area files by URL template, DeepStateMap's daily format; a 404
  means no file that day, so dates are probed rather than listed (the newest file first, in a
  few requests: :class:`UrlTemplate`).
- ``isw`` — ISW/CTP's assessed-control layer, a public ArcGIS feature layer that holds the
  current assessment only (:class:`IswLayer`): each run takes the layer as it is, read page by
  page (:mod:`mapkit.ingest.arcgis`), as the map of the day (UTC) it was last edited.
- a URL template (``https://host/{date:%Y%m%d}.geojson``), a URL, a folder or a file of
  GeoJSON / GeoPackage: every polygon counts as occupied, as in ``mapkit compute``.

The date a map shows is decided by the importer's rule (:func:`date_shown`; a URL template
learns from its newest file whether its files are DeepStateMap's daily format, a folder reads
each file's first bytes), so ``mapkit update`` from any source and ``mapkit compute`` over the
same files give the same dates. Files recognised as DeepStateMap's or ISW/CTP's are credited to
their maker, with its notice (:meth:`Source.recognise`). Raw responses can be kept compressed
in a cache (:class:`ResponseCache`) that ``mapkit compute`` reads as it is.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import re
import string
import urllib.parse
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import orjson

from mapkit.files import write_atomically
from mapkit.ingest.arcgis import FeatureLayer, LayerInfo
from mapkit.ingest.http import FetchError, HttpClient, NotFound, Unauthorized
from mapkit.ingest.importers import (
    ISW,
    date_from_filename,
    snapshot_date_from_filename,
    snapshot_date_from_name,
)

__all__ = ["SOURCES", "Candidate", "DeepStateApi", "Folder", "IswLayer", "Listing", "OwnAreas",
           "ResponseCache", "Source", "SourceSpecError", "UrlTemplate", "date_shown",
           "open_source"]

DEEPSTATE = "DeepStateMap"
#: What every DeepStateMap-derived source says once to a new user (see the README).
DEEPSTATE_NOTICE = (
    "DeepStateMap's licence (https://deepstatemap.live/license-en.html) limits who may use its "
    "API and data: check that it allows your use before publishing, and credit \"DeepStateMap\".")
#: What ``mapkit update --source isw`` (or any source of ISW/CTP's files) says once to a new
#: user: what is known of ISW's terms, and that it is known only as others quote it.
ISW_NOTICE = (
    "ISW/CTP's layer is the Institute for the Study of War's. As others quote them (mapkit has "
    "not read them itself), ISW's Fair Use and Attribution Policy "
    "(https://www.understandingwar.org/fair-use-and-attribution-policy/) requires ISW's prior "
    "written permission to incorporate its materials into other datasets, mapping platforms or "
    "analytic products, and the layer's ArcGIS item says its geodata may not be used without "
    "ISW's written consent: read both, and have ISW's permission for your use before fetching "
    "the layer or publishing figures from it; credit \"ISW/CTP\".")


class SourceSpecError(ValueError):
    """``--source`` names no known source, URL or folder, or a template cannot be filled."""


def date_shown(name: str) -> dt.date | None:
    """The date the map in a file called ``name`` shows, by the importer's rule for file names
    (the rule ``mapkit compute`` uses to plan a run: a daily-format file holds the map of the
    day before its name's date)."""
    return snapshot_date_from_name(name)


@dataclass(frozen=True)
class Candidate:
    """One map a source has (or, when not ``certain``, may have) for a date.

    ``name`` is the file name it is computed and cached under: it carries the date the map
    shows (:func:`date_shown`), which is ``date``; None when only reading the map will tell.
    """

    date: dt.date | None
    name: str
    url: str | None = None
    path: Path | None = None  # a local file: read there, never cached
    certain: bool = True  # listed by the source; else probed (404: no map that day)
    update_id: int | None = None
    created: dt.datetime | None = None
    description: str = ""
    body: bytes | None = field(default=None, repr=False, compare=False)  # already fetched

    @property
    def label(self) -> str:
        """How messages name it: the update's id, or the file's name."""
        return f"update {self.update_id}" if self.update_id is not None else self.name


@dataclass
class Listing:
    """What a source has between two dates; ``notes`` say anything unusual about the asking.
    ``newest`` is the date of the newest map the source has, in the range or not, as far as it
    could tell (None: it could not, or it has none): a source whose newest map is old has
    stopped (``mapkit update --max-age``)."""

    candidates: list[Candidate]
    notes: list[str] = field(default_factory=list)
    newest: dt.date | None = None


@dataclass(frozen=True)
class OwnAreas:
    """A source's own area figures for one map (km² by type), as it gives them."""

    figures: tuple[tuple[str, float], ...]

    def occupied_km2(self) -> float | None:
        """The figure that reads as the occupied area, when exactly one does."""
        occupied = [km2 for kind, km2 in self.figures if "occup" in kind.lower()]
        return occupied[0] if len(occupied) == 1 else None


class Source:
    """The interface every source implements; see the module docstring."""

    #: Name written in every row's ``source`` (None: ask the user or the folder).
    row_source: str | None = None
    #: Printed once to a new user (see :func:`mapkit.ingest.update.notice_due`).
    notice: str | None = None
    #: Sub-folder of ``--cache`` (None: local files, nothing to cache). It names the source
    #: fully (:func:`cache_folder_name`): two sources never share one.
    cache_key: str | None = None
    #: Whether :meth:`available` lists what exists (else candidates are probed).
    lists: bool = True
    #: Whether :meth:`available` reads a file to tell whose maps they are
    #: (:meth:`recognise`), so that a missing ``--name`` may still be found.
    may_recognise: bool = False
    #: The bundled folder (under ``data/control_snapshots/``) brought up to date without
    #: ``--out``.
    series_folder: str = "deepstate"

    def __init__(self, label: str):
        self.label = label

    def available(self, since: dt.date | None, until: dt.date, *, look: bool = True
                  ) -> Listing:
        """The maps between ``since`` (None: the newest only) and ``until``. ``look=False``
        (a dry run): a source that would have to ask for files to find them says what it
        would ask for instead."""
        raise NotImplementedError

    def recognise(self, maker: str | None) -> None:
        """The maps turned out to be ``maker``'s (:func:`mapkit.ingest.importers.made_by`):
        DeepStateMap's and ISW/CTP's data is credited to its maker and carries its notice,
        from whatever address it comes."""
        notices = {DEEPSTATE: DEEPSTATE_NOTICE, ISW: ISW_NOTICE}
        if maker in notices:
            self.row_source = self.row_source or maker
            self.notice = notices[maker]

    def fetch(self, candidate: Candidate) -> bytes:
        raise NotImplementedError

    def origin(self, candidate: Candidate) -> str:
        """What a row's note says the figures were computed from."""
        return candidate.name

    def example_url(self) -> str:
        """An address the source asks for (checked before a run starts)."""
        return ""

    def own_areas(self, candidate: Candidate) -> tuple[OwnAreas | None, bytes | None,
                                                        str | None]:
        """The source's own area figures for ``candidate``: (figures, raw response, note)."""
        return None, None, None


def cache_folder_name(address: str, kind: str = "") -> str:
    """The ``--cache`` sub-folder of the source at ``address`` (a base URL, a URL template or
    a URL): ``kind``, the host and a digest of the whole address, e.g.
    ``mirror-example.org-3f2a…`` (a named source at its usual address keeps its plain name,
    ``deepstate`` or ``mirror``). Two addresses on one host (two URL templates, a mirror at
    another ``--base-url``) never share a folder, so a cached map is only ever read back for
    the address it came from."""
    try:
        host = urllib.parse.urlsplit(address).hostname or "url"
    except ValueError:  # not a URL after all: refused by open_source
        host = "url"
    host = re.sub(r"[^A-Za-z0-9.-]+", "_", host)
    digest = hashlib.sha256(address.encode("utf-8")).hexdigest()[:12]
    return "-".join(part for part in (kind, host, digest) if part)


def _in_range(date: dt.date | None, since: dt.date | None, until: dt.date) -> bool:
    return date is None or ((since is None or date >= since) and date <= until)


# --- DeepStateMap's API ---------------------------------------------------------------------


def _parse_time(value) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC)


#: The largest update id taken: ids are Unix seconds, and this one is 31 December 9999.
_LAST_ID = 253_402_300_799


def _update_id(value) -> int | None:
    """An update id (the Unix second it was made: a whole number from 1 to the year 9999,
    as a JSON number or digits), or None for anything else — ``10**20``, ``-5``, ``true``,
    ``1.5`` would otherwise overflow the clock or name another address."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 16:
        value = int(value)
    if isinstance(value, int) and 1 <= value <= _LAST_ID:
        return value
    return None


def _one_line(text, limit: int = 300) -> str:
    text = re.sub(r"\s+", " ", str(text or "")).strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


class DeepStateApi(Source):
    """DeepStateMap's own API (``https://deepstatemap.live/api``); see the module docstring."""

    DEFAULT_BASE = "https://deepstatemap.live/api"
    row_source = DEEPSTATE
    notice = DEEPSTATE_NOTICE
    cache_key = "deepstate"

    def __init__(self, base_url: str | None, client: HttpClient):
        self.base = (base_url or self.DEFAULT_BASE).rstrip("/")
        self.client = client
        self.cache_key = ("deepstate" if self.base == self.DEFAULT_BASE
                          else cache_folder_name(self.base, "deepstate"))
        super().__init__(f"DeepStateMap API ({self.base})")

    def _update(self, entry: dict, body: bytes | None = None) -> Candidate | None:
        """A candidate from one history entry; None when the entry is unusable (its id is not
        an update id: :func:`_update_id`)."""
        update_id = _update_id(entry.get("id"))
        if update_id is None:
            return None
        created = (_parse_time(entry.get("createdAt")) or _parse_time(entry.get("datetime"))
                   or dt.datetime.fromtimestamp(update_id, dt.UTC))
        name = f"{created:%Y-%m-%dT%H%M%SZ}_{update_id}.json"
        description = _one_line(entry.get("descriptionEn") or entry.get("description") or "")
        return Candidate(date=date_shown(name), name=name,
                         url=f"{self.base}/history/{update_id}/geojson", update_id=update_id,
                         created=created, description=description, body=body)

    def available(self, since: dt.date | None, until: dt.date, *, look: bool = True
                  ) -> Listing:
        url = f"{self.base}/history/public"
        try:
            body = self.client.get(url)
        except Unauthorized as error:
            return self._latest_only(error, since, until)
        try:
            entries = _json(body)
        except ValueError as error:
            raise FetchError(url, f"the history list is not JSON ({error})") from None
        if isinstance(entries, dict):  # some deployments wrap lists
            entries = entries.get("data") or entries.get("items") or entries
        if not isinstance(entries, list):
            raise FetchError(url, "the history list is not a list of updates")
        by_day: dict[dt.date, Candidate] = {}
        skipped = 0
        bad_ids = []
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("status") is False:
                skipped += isinstance(entry, dict)
                continue
            candidate = self._update(entry)
            if candidate is None:
                bad_ids.append(entry.get("id"))
                continue
            if candidate.date is None:
                continue
            kept = by_day.get(candidate.date)
            if kept is None or (candidate.created, candidate.update_id) > (kept.created,
                                                                             kept.update_id):
                by_day[candidate.date] = candidate  # the day's last update
        # A day's snapshot is its last update, known once the day (UTC) is over: today's
        # updates wait for the first run after midnight UTC.
        today = dt.datetime.now(dt.UTC).date()
        newest = max(by_day, default=None)  # today's too: the source is alive
        waiting = [by_day.pop(day) for day in sorted(by_day) if day >= today]
        listing = Listing([by_day[d] for d in sorted(by_day)], newest=newest)
        if waiting:
            listing.notes.append(f"today's update(s) ({today}, UTC) are left for a run after "
                                 "midnight UTC: a day's snapshot is its last update")
        if skipped:
            listing.notes.append(f"{skipped} update(s) in the history list are not public "
                                 "(status false) and were left out")
        if bad_ids:
            shown = ", ".join(_one_line(orjson.dumps(i).decode(), 40) for i in bad_ids[:5])
            listing.notes.append(
                f"{len(bad_ids)} update(s) in the history list have no usable id (a whole "
                f"number of seconds since 1970, from 1 on: {shown}"
                f"{', …' if len(bad_ids) > 5 else ''}) and were left out")
        if since is None:  # nothing to continue from: the newest map only
            listing.candidates = [c for c in listing.candidates if c.date <= until][-1:]
        else:
            listing.candidates = [c for c in listing.candidates
                                  if _in_range(c.date, since, until)]
        return listing

    def _latest_only(self, refused: Unauthorized, since: dt.date | None,
                     until: dt.date) -> Listing:
        """The history list was refused: today's map only, from ``/history/last``."""
        url = f"{self.base}/history/last"
        body = self.client.get(url)
        try:
            document = _json(body)
        except ValueError as error:
            raise FetchError(url, f"not JSON ({error})") from None
        if not isinstance(document, dict) or not isinstance(document.get("map"), dict):
            raise FetchError(url, "the answer has no 'map'")
        candidate = self._update(document, body=body)
        if candidate is None:
            raise FetchError(url, "the answer has no update id")
        note = (f"the history list answered {refused.reason}; only the latest update "
                f"({candidate.update_id}, {candidate.date}) was taken, from /history/last")
        wanted = [candidate] if _in_range(candidate.date, since, until) else []
        return Listing(wanted, [note], newest=candidate.date)

    def fetch(self, candidate: Candidate) -> bytes:
        if candidate.body is not None:
            return candidate.body
        return self.client.get(candidate.url)

    def origin(self, candidate: Candidate) -> str:
        said = (f"DeepStateMap update {candidate.update_id} of "
                f"{candidate.created:%Y-%m-%d %H:%M} UTC")
        if candidate.description:
            said += f" (“{candidate.description}”)"
        return said

    def own_areas(self, candidate: Candidate):
        """``/history/{id}/areas``: reported by client code as ``[{"type", "area"}]`` in km²;
        unverified, so anything else is noted and ignored."""
        if candidate.update_id is None:
            return None, None, None
        url = f"{self.base}/history/{candidate.update_id}/areas"
        try:
            body = self.client.get(url)
        except FetchError as error:
            if error.status == 404:
                return None, None, None
            return None, None, f"its own areas could not be read ({error.reason}); ignored"
        return parse_own_areas(body)


def parse_own_areas(body: bytes) -> tuple[OwnAreas | None, bytes, str | None]:
    """(figures, the raw body, a note when the body is not understood)."""
    try:
        document = _json(body)
    except ValueError:
        return None, body, "its own areas are not JSON; ignored"
    if isinstance(document, dict):
        document = document.get("areas", document.get("data", document))
    figures = []
    if isinstance(document, list):
        for item in document:
            if not isinstance(item, dict):
                continue
            kind, area = item.get("type"), item.get("area")
            if isinstance(kind, str) and isinstance(area, int | float) and not isinstance(
                    area, bool):
                figures.append((kind, float(area)))
    if not figures:
        return None, body, ("its own areas are not in the expected form (a list of "
                            "{\"type\", \"area\"}); recorded, not compared")
    return OwnAreas(tuple(figures)), body, None


# --- Files by URL, by URL template, or on disk --------------------------------------------------


def _url_name(url: str) -> str:
    return Path(urllib.parse.urlsplit(url).path).name


class UrlTemplate(Source):
    """One file per day at ``template.format(date=day)``; a 404 means no file that day.

    A template lists nothing, so :meth:`available` first finds the newest file in a few requests
    (:meth:`_newest_file`: the day after ``until``, whose file may hold its map, and the day
    before; else the first days of the range; else ever further back; then halving the span
    to where the files end): a source that stopped 109 days ago costs about a dozen requests,
    not 109, and no day after its newest file is asked for. That file also says how the
    template's files are dated — by the importer's rule, as ``mapkit compute`` dates them: a
    DeepStateMap daily-format file holds the map of the day before its name's date — so every
    candidate is listed under the date of the map it holds, and weeks and months are picked by
    map date, as for ``mirror`` and the API. Files recognised as DeepStateMap's are credited to
    it, with its licence notice (:meth:`Source.recognise`).
    """

    lists = False
    may_recognise = True
    cache_key = "url"

    #: How far back the newest file is looked for when nothing gives a start date.
    NEWEST_WITHIN_DAYS = 366
    #: Days in a row without a file taken, while narrowing down on the newest, to mean none
    #: after them (the mirror's longest gap, 2024-07 to 2026-08, is two days).
    GAP_DAYS = 3
    #: Longest step back while looking for any file (a source whose files began after the
    #: range's start and ended before its end): one that published for a few weeks is found.
    LONGEST_STEP = 7

    def __init__(self, template: str, client: HttpClient, label: str | None = None):
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(template)
                      if name is not None}
            if fields - {"date"}:  # "{date.__class__…}" would reach into Python's objects
                raise ValueError(f"fields {sorted(fields - {'date'})} are not the date")
            self._url(dt.date(2024, 7, 8), template)
        except (KeyError, IndexError, ValueError, AttributeError) as error:
            raise SourceSpecError(
                f"URL template {template!r} cannot be filled with a date ({error!r}); write "
                "the date as {date:%Y-%m-%d} or {date:%Y%m%d}") from None
        self.template = template
        self.client = client
        self.cache_key = cache_folder_name(template)
        self._bodies: dict[dt.date, bytes] = {}  # files read while looking, by file day
        super().__init__(label or template)

    @staticmethod
    def _url(day: dt.date, template: str) -> str:
        return template.format(date=day)

    def example_url(self) -> str:
        return self._url(dt.date(2024, 7, 8), self.template)

    def _candidate(self, day: dt.date, shows: dt.date | None = None) -> Candidate:
        """The file of ``day``, holding the map of ``shows`` (default: by its name)."""
        url = self._url(day, self.template)
        name = _url_name(url) or "map.geojson"
        if date_from_filename(name) != day:  # the date is elsewhere in the URL
            name = f"{day.isoformat()}_{name}"  # the cache's name for it: one per day
        return Candidate(date=shows or date_shown(name), name=name, url=url, certain=False,
                         body=self._bodies.get(day))

    def available(self, since: dt.date | None, until: dt.date, *, look: bool = True
                  ) -> Listing:
        first = since or until - dt.timedelta(days=self.NEWEST_WITHIN_DAYS)
        last = until + dt.timedelta(days=1)  # the file that may hold the map of `until`
        if not look:  # a dry run: the files the names give, nothing asked
            days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
            candidates = [c for c in map(self._candidate, days)
                          if c.date is not None and _in_range(c.date, since or first, until)]
            return Listing(sorted(candidates, key=lambda c: c.date)[-1:] if since is None
                           else sorted(candidates, key=lambda c: c.date))
        asked = self.client.stats.requests
        newest = self._newest_file(first, last)
        if newest is None:
            return Listing([], [f"the source has no file from {first} to {last} (looked for "
                                f"its newest: {self.client.stats.requests - asked} "
                                "request(s))"])
        lag = dt.timedelta(days=self._lag(newest))
        newest_map = newest - lag
        maps = [newest_map] if since is None else [
            since + dt.timedelta(days=n) for n in range((min(until, newest_map) - since).days
                                                         + 1)]
        candidates = [self._candidate(day + lag, shows=day) for day in maps if day <= until]
        candidates = [replace(c, certain=True) if c.body is not None else c
                      for c in candidates]
        return Listing(candidates, newest=newest_map)

    def _exists(self, day: dt.date) -> bool:
        """Whether the file of ``day`` is there (its body is kept: the run needs it later)."""
        if day in self._bodies:
            return True
        try:
            self._bodies[day] = self.client.get(self._candidate(day).url)
        except NotFound:
            return False
        return True

    def _newest_file(self, first: dt.date, last: dt.date) -> dt.date | None:
        """The day of the newest file from ``first`` to ``last``, in few requests: ``last``
        and the day before (a source that is up to date); else ``first`` and the days after
        it (a source with nothing new since); else back from ``last`` by 2, 4, then 7 days at
        a time (a source that began inside the range and stopped); then on from the day found
        to where the files end (:meth:`_files_end`). It relies on the files running without
        a gap of :data:`GAP_DAYS` days or more, as daily files do."""
        found = self._first_file([last, last - dt.timedelta(days=1)], first, last)
        if found is None:
            found = self._first_file(self._window(first, last), first, last)
        step, day = 2, last - dt.timedelta(days=2)
        while found is None and day >= first + dt.timedelta(days=self.GAP_DAYS):
            found = day if self._exists(day) else None
            day, step = day - dt.timedelta(days=step), min(2 * step, self.LONGEST_STEP)
        return None if found is None else self._files_end(found, last)

    def _window(self, day: dt.date, last: dt.date) -> list[dt.date]:
        """``day`` and the days after it that a gap in the files may span, up to ``last``."""
        return [d for d in (day + dt.timedelta(days=n) for n in range(self.GAP_DAYS))
                if d <= last]

    def _first_file(self, days: list[dt.date], first: dt.date, last: dt.date
                    ) -> dt.date | None:
        return next((d for d in days if first <= d <= last and self._exists(d)), None)

    def _files_end(self, found: dt.date, last: dt.date) -> dt.date:
        """The newest file from ``found`` (which has one) to ``last``: on by 1, 2, 4 … days
        while there are files, then halving the span between the last day with a file and
        the first after which none follows for :data:`GAP_DAYS` days."""
        above, step = None, 1
        while above is None:
            day = found + dt.timedelta(days=step)
            hit = self._first_file(self._window(day, last), found, last) if day <= last \
                else None
            if hit is None:
                above = min(day, last + dt.timedelta(days=1))
            else:
                found, step = hit, step * 2
        while (above - found).days > 1:
            middle = found + dt.timedelta(days=(above - found).days // 2)
            hit = self._first_file(self._window(middle, above - dt.timedelta(days=1)), found,
                                   last)
            if hit is None:
                above = middle
            else:
                found = hit
        return found

    def _lag(self, day: dt.date) -> int:
        """How many days the file of ``day`` is after the map it holds (0 or 1), by the
        importer's rule applied to the file itself; its maker is recognised on the way."""
        from mapkit.ingest.importers import PolygonFileError, read_control_file

        candidate = self._candidate(day)
        by_name = (day - candidate.date).days if candidate.date else 0
        try:
            layers = read_control_file(candidate.name, data=self._bodies[day])
        except (PolygonFileError, ValueError, OSError):
            return by_name  # unreadable: rejected, named, when its turn comes
        self.recognise(layers.maker)
        lag = (day - layers.date).days
        return lag if lag in (0, 1) else by_name

    def fetch(self, candidate: Candidate) -> bytes:
        if candidate.body is not None:
            return candidate.body
        return self.client.get(candidate.url)

    def origin(self, candidate: Candidate) -> str:
        return f"{candidate.name} ({self.label})"


class DailyMirror(UrlTemplate):
    """DeepStateMap's daily occupied-area files as a public mirror publishes them."""

    DEFAULT_BASE = "https://raw.githubusercontent.com/cyterat/deepstate-map-data/master/data"
    FILE = "deepstatemap_data_{date:%Y%m%d}.geojson"
    row_source = DEEPSTATE
    notice = DEEPSTATE_NOTICE

    def __init__(self, base_url: str | None, client: HttpClient):
        base = (base_url or self.DEFAULT_BASE).rstrip("/")
        super().__init__(f"{base}/{self.FILE}", client,
                         label=f"DeepStateMap daily mirror ({base})")
        self.cache_key = ("mirror" if base == self.DEFAULT_BASE
                          else cache_folder_name(base, "mirror"))


class SingleUrl(Source):
    """One file at one URL."""

    cache_key = "url"

    def __init__(self, url: str, client: HttpClient):
        self.url = url
        self.client = client
        self.cache_key = cache_folder_name(url)
        super().__init__(url)

    def example_url(self) -> str:
        return self.url

    def available(self, since: dt.date | None, until: dt.date, *, look: bool = True
                  ) -> Listing:
        name = _url_name(self.url) or "map.geojson"
        candidate = Candidate(date=date_shown(name), name=name, url=self.url)
        return Listing([candidate] if _in_range(candidate.date, since, until) else [])

    def fetch(self, candidate: Candidate) -> bytes:
        return self.client.get(candidate.url)

    def origin(self, candidate: Candidate) -> str:
        return self.url


class Folder(Source):
    """Polygon files in a folder (or one file): whatever ``mapkit compute`` reads."""

    may_recognise = True

    def __init__(self, path: Path):
        self.path = path
        super().__init__(str(path))

    def available(self, since: dt.date | None, until: dt.date, *, look: bool = True
                  ) -> Listing:
        from mapkit.ingest.runner import expand_inputs

        by_date: dict[object, Candidate] = {}
        for file in expand_inputs([self.path]):
            # dated as mapkit compute plans them: by name, and a daily-format file (its name
            # or its first bytes say so) a day earlier
            candidate = Candidate(date=snapshot_date_from_filename(file), name=file.name,
                                  path=file)
            # one file per date: the last by name, as in mapkit compute
            by_date[candidate.date if candidate.date is not None else file] = candidate
        candidates = sorted(by_date.values(), key=lambda c: (c.date is None, c.date or 0,
                                                             c.name))
        dated = [c for c in candidates if c.date is not None]
        if dated:  # whose files they are: the newest says
            self._recognise_file(dated[-1].path)
        newest = dated[-1].date if dated else None
        if since is None:
            dated = [c for c in dated if c.date <= until]
            return Listing(dated[-1:] + [c for c in candidates if c.date is None],
                           newest=newest)
        return Listing([c for c in candidates if _in_range(c.date, since, until)],
                       newest=newest)

    def _recognise_file(self, path: Path) -> None:
        from mapkit.ingest.importers import PolygonFileError, read_control_file

        try:
            self.recognise(read_control_file(path).maker)
        except (PolygonFileError, ValueError, OSError):
            pass  # unreadable: rejected, named, when its turn comes

    def fetch(self, candidate: Candidate) -> bytes:
        return candidate.path.read_bytes()


# --- ISW/CTP's assessed-control layer -----------------------------------------------------------


class IswLayer(Source):
    """ISW/CTP's assessed-control layer: a public ArcGIS feature layer that holds the current
    assessment only, no history (:mod:`mapkit.ingest.arcgis` reads it).

    **Its date.** The layer does not say which day's assessment it shows; its metadata says
    when its data was last edited (``editingInfo.dataLastEditDate``, else ``lastEditDate``).
    Each run takes the layer as it is, as the map of that edit's day (UTC) — the day ISW/CTP
    last changed it, never the day of the run (a layer left unedited for a week is a week old,
    and ``--max-age`` says so). Its files are not DeepStateMap's daily files: no day's shift.
    The listing offers that one map when its day is inside the dates asked for; after the
    pages are read the metadata is read again, and a layer edited meanwhile, or whose features
    say they were edited on a later day, is not taken (:meth:`fetch`).

    The map is written as one GeoJSON FeatureCollection named by the edit's time
    (``2026-09-11T054324Z.geojson``: the cache keeps one per edit), each polygon's
    ``properties.layer`` naming ISW's layer (:data:`LAYER`) so that ``mapkit compute`` of the
    cached file credits ISW/CTP as this source does."""

    DEFAULT_BASE = ("https://services5.arcgis.com/SaBe5HMtmnbqSWlu/arcgis/rest/services/"
                    "VIEW_RussiaCoTinUkraine_V3/FeatureServer/49")
    #: ``properties.layer`` written on every feature that has none: the importer recognises
    #: ISW/CTP's assessed-control layer by it (:func:`mapkit.ingest.importers.is_isw_format`).
    LAYER = "VIEW_RussiaCoTinUkraine_V3 (assessed Russian control of terrain)"
    row_source = ISW
    notice = ISW_NOTICE
    cache_key = "isw"
    series_folder = "isw"

    def __init__(self, base_url: str | None, client: HttpClient):
        self.layer = FeatureLayer(base_url or self.DEFAULT_BASE, client)
        self.client = client
        self.cache_key = ("isw" if self.layer.url == self.DEFAULT_BASE
                          else cache_folder_name(self.layer.url, "isw"))
        self._info: LayerInfo | None = None  # as the listing read it
        super().__init__(f"ISW/CTP's layer at {self.layer.url}")

    def example_url(self) -> str:
        return self.layer.info_url()

    def available(self, since: dt.date | None, until: dt.date, *, look: bool = True
                  ) -> Listing:
        info = self._info = self.layer.info()
        if info.edited is None:
            raise FetchError(self.layer.info_url(), "the layer's description gives no "
                             "editingInfo.lastEditDate: it does not say when its map was last "
                             "changed, so the map cannot be dated")
        day = info.edited.date()
        candidate = Candidate(date=day, name=f"{info.edited:%Y-%m-%dT%H%M%SZ}.geojson",
                              url=self.layer.url, created=info.edited, description=info.name)
        said = (f"ISW/CTP's layer holds one map, last edited {info.edited:%Y-%m-%d %H:%M} UTC "
                f"(the map of {day})")
        if since is not None and day < since:
            return Listing([], [f"{said}; it is before the dates asked for ({since} … "
                                f"{until}): nothing new"], newest=day)
        if day > until:
            return Listing([], [f"{said}; it is after the dates asked for (up to {until}): "
                                "a later run takes it"], newest=day)
        return Listing([candidate], newest=day)

    def fetch(self, candidate: Candidate) -> bytes:
        info = self._info or self.layer.info()
        count = self.layer.count()
        if count == 0:
            raise FetchError(self.layer.count_url(), "the layer has no features (it counts "
                             "0): an empty map is never written")
        features, crs = self.layer.features(info, count)
        again = self.layer.info()
        if again.edited != info.edited:
            raise FetchError(self.layer.info_url(), f"the layer was edited while it was read "
                             f"(last edited {info.edited:%Y-%m-%d %H:%M:%S} UTC, then "
                             f"{_utc(again.edited)}): run again")
        newest = FeatureLayer.last_feature_edit(features, info)
        if newest is not None and newest.date() > info.edited.date():
            raise FetchError(self.layer.info_url(), f"a feature was edited {_utc(newest)}, "
                             f"after the layer's last edit ({_utc(info.edited)}) that dates "
                             "its map: the layer's description is behind; run again later")
        for feature in features:
            properties = feature.get("properties")
            if not isinstance(properties, dict):
                properties = feature["properties"] = {}
            if not isinstance(properties.get("layer"), str) or not properties["layer"].strip():
                properties["layer"] = self.LAYER
        document = {"type": "FeatureCollection", "features": features}
        if crs is not None:
            document["crs"] = crs
        return orjson.dumps(document)

    def origin(self, candidate: Candidate) -> str:
        edited = f", last edited {_utc(candidate.created)}" if candidate.created else ""
        return f"{candidate.name} ({self.label}{edited})"


def _utc(when: dt.datetime | None) -> str:
    return f"{when:%Y-%m-%d %H:%M:%S} UTC" if when is not None else "no edit time"


#: Named sources: name → (class, what it is).
SOURCES: dict[str, tuple[type[Source], str]] = {
    "deepstate": (DeepStateApi, "DeepStateMap's API (one map per UTC day, the day's last "
                                "update)"),
    "mirror": (DailyMirror, "a mirror of DeepStateMap's daily occupied-area files "
                            "(deepstatemap_data_YYYYMMDD.geojson)"),
    "isw": (IswLayer, "ISW/CTP's assessed-control layer (ArcGIS), as last edited"),
}


def open_source(spec: str, *, base_url: str | None = None,
                client: HttpClient | None = None) -> Source:
    """The source ``spec`` names: a registered name, a URL template, a URL, or a folder or
    file of polygons. ``base_url`` replaces a named source's address."""
    if spec in SOURCES:
        return SOURCES[spec][0](base_url, client or HttpClient())
    if base_url:
        raise SourceSpecError(f"--base-url replaces the address of a named source "
                              f"({', '.join(SOURCES)}); {spec!r} is not one")
    if re.match(r"^https?://", spec, re.IGNORECASE):
        client = client or HttpClient()
        source = UrlTemplate(spec, client) if "{" in spec else SingleUrl(spec, client)
        _check_url(spec, source.example_url())
        return source
    path = Path(spec)
    if path.exists():
        from mapkit.ingest.runner import InputError, expand_inputs

        try:
            expand_inputs([path])
        except (InputError, OSError) as error:
            raise SourceSpecError(f"--source {error}".rstrip(".") + ": give a folder or "
                                  "file of polygon maps") from None
        return Folder(path)
    names = ", ".join(SOURCES)
    raise SourceSpecError(f"--source {spec!r} is not a source name ({names}), an http(s) URL "
                          "or an existing folder or file")


def _check_url(spec: str, url: str) -> None:
    """Raise :class:`SourceSpecError` when ``url`` (``spec`` filled in) cannot be asked for:
    no host, a broken IPv6 address, a port out of range, a space."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError when out of range
        if re.search(r"\s", url):
            raise ValueError("a space or line break in it")
        if not parts.hostname:
            raise ValueError("no host")
    except ValueError as error:
        raise SourceSpecError(f"--source {spec!r} is not a usable URL ({error}); write it as "
                              "https://host/path, with {date:%Y%m%d} where the date goes"
                              ) from None


# --- The cache of raw responses ---------------------------------------------------------------


class ResponseCache:
    """Raw responses kept gzip-compressed under ``folder/<source>/`` (the source's own folder,
    :func:`cache_folder_name`), named by date and id
    (``2026-10-01T182357Z_1790879037.json.gz``, ``deepstatemap_data_20260822.geojson.gz``), so
    a rerun downloads nothing twice and ``mapkit compute folder/<source>`` reproduces the
    figures offline. A source's own area figures go to ``areas/`` beneath (not polygons)."""

    def __init__(self, folder: str | Path, key: str):
        self.folder = Path(folder) / key

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.gz"

    def get(self, name: str) -> bytes | None:
        path = self.path(name)
        try:
            return gzip.decompress(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, EOFError, zlib.error):  # damaged: fetch again, and replace it
            return None

    def put(self, name: str, body: bytes, *, sub: str | None = None, tag: str = "") -> Path:
        """Keep ``body`` as ``name`` (in the sub-folder ``sub``), written atomically."""
        folder = self.folder / sub if sub else self.folder
        folder.mkdir(parents=True, exist_ok=True)
        return write_atomically(folder / f"{name}.gz", gzip.compress(body, mtime=0), tag=tag)


def _json(body: bytes):
    document = orjson.loads(body)
    if isinstance(document, str):  # some proxies answer with the JSON as a JSON string
        document = orjson.loads(document)
    return document
