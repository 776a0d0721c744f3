"""An ArcGIS feature layer over its REST API: when it was last edited, and all its features.

A hosted feature layer (``https://host/…/FeatureServer/<n>``) answers three questions here:

- ``<layer>?f=json`` — its metadata (:meth:`FeatureLayer.info`): its name, when its data was last
  edited (``editingInfo.dataLastEditDate``, else ``editingInfo.lastEditDate``, milliseconds
  since 1970, UTC), the most features one answer holds (``maxRecordCount``) and its object id
  field;
- ``<layer>/query?where=1=1&returnCountOnly=true&f=json`` — how many features it has;
- ``<layer>/query?f=geojson&where=1=1&outFields=*&…&resultOffset=K&resultRecordCount=N`` — a page
  of them as GeoJSON. A server sends fewer than asked when an answer would pass its transfer
  limit, and says so with ``exceededTransferLimit: true`` (at the top of the answer, or under
  its ``properties`` as ArcGIS Online writes it in GeoJSON); pages are asked for, from the
  offset reached, while it says so.

**Every page through the guarded client, and the whole checked.** Each request goes through
:class:`~mapkit.ingest.http.HttpClient` (deadline, size cap, rate, retries, same-host
redirects); an ArcGIS error sent inside a 200 answer (``{"error": {"code": 503, …}}``) is tried
again like the HTTP status it names, with the client's backoff. :meth:`FeatureLayer.features`
reads every page and stops with one :class:`~mapkit.ingest.http.FetchError` line when the pages
cannot be the layer: a page that repeats features already read, a page that says more follow
but holds none, more features than the layer counts, fewer when the server says it is done, or
pages adding up to more than the client's ``max_bytes`` — so a server whose
``exceededTransferLimit`` never turns false cannot keep a run for ever.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.parse
from dataclasses import dataclass

import orjson

from mapkit.ingest.http import FetchError, HttpClient, format_size

__all__ = ["FeatureLayer", "LayerInfo", "exceeded_transfer_limit"]

#: ArcGIS error codes tried again, as the HTTP statuses they name are (a 429 inside a 200).
_RETRIED_CODES = (429, 500, 502, 503, 504)
#: Page size asked for when the layer does not give its ``maxRecordCount``.
DEFAULT_PAGE_SIZE = 1000


@dataclass(frozen=True)
class LayerInfo:
    """What a layer's metadata says, as far as reading it needs."""

    name: str
    edited: dt.datetime | None  # when its data was last edited (UTC); None: it does not say
    page_size: int  # the most features one answer holds (maxRecordCount)
    object_id_field: str | None
    edit_date_field: str | None = None  # the features' own "last edited" field, if tracked
    copyright: str = ""


def exceeded_transfer_limit(document: dict) -> bool:
    """Whether a query's answer says that more features follow: ``exceededTransferLimit`` at
    its top level (ArcGIS's JSON, some servers' GeoJSON) or under ``properties`` (ArcGIS
    Online's GeoJSON)."""
    properties = document.get("properties")
    nested = properties.get("exceededTransferLimit") if isinstance(properties, dict) else None
    return document.get("exceededTransferLimit") is True or nested is True


def _time(value) -> dt.datetime | None:
    """An ArcGIS date (milliseconds since 1970, UTC) as a time; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


class FeatureLayer:
    """One feature layer at ``url`` (``…/FeatureServer/<n>``), asked through ``client``."""

    def __init__(self, url: str, client: HttpClient):
        self.url = url.rstrip("/")
        self.client = client

    # --- the three questions -------------------------------------------------------------------

    def info_url(self) -> str:
        return f"{self.url}?f=json"

    def count_url(self) -> str:
        return self._query(where="1=1", returnCountOnly="true", f="json")

    def page_url(self, offset: int, size: int, order_by: str | None = None) -> str:
        params = {"f": "geojson", "where": "1=1", "outFields": "*", "outSR": "4326",
                  "returnGeometry": "true"}
        if order_by:  # a stable order, or pages may overlap
            params["orderByFields"] = order_by
        return self._query(**params, resultOffset=str(offset), resultRecordCount=str(size))

    def _query(self, **params: str) -> str:
        return f"{self.url}/query?{urllib.parse.urlencode(params, safe='*')}"

    def info(self) -> LayerInfo:
        """The layer's metadata; raises :class:`FetchError` when it is not a layer's."""
        url = self.info_url()
        document = self._document(url)
        if not isinstance(document.get("name"), str) and "editingInfo" not in document:
            raise FetchError(url, "the answer is not a feature layer's description (no name, "
                                  "no editingInfo): is the address a FeatureServer layer?")
        editing = document.get("editingInfo")
        editing = editing if isinstance(editing, dict) else {}
        edited = _time(editing.get("dataLastEditDate")) or _time(editing.get("lastEditDate"))
        size = document.get("maxRecordCount")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            size = DEFAULT_PAGE_SIZE
        oid = document.get("objectIdField")
        tracking = document.get("editFieldsInfo")
        edit_field = tracking.get("editDateField") if isinstance(tracking, dict) else None
        return LayerInfo(name=str(document.get("name") or ""), edited=edited, page_size=size,
                         object_id_field=oid if isinstance(oid, str) and oid else None,
                         edit_date_field=edit_field if isinstance(edit_field, str) and
                         edit_field else None,
                         copyright=str(document.get("copyrightText") or ""))

    @staticmethod
    def last_feature_edit(features: list[dict], info: LayerInfo) -> dt.datetime | None:
        """The newest of the features' own edit times (``info.edit_date_field``), if any."""
        if not info.edit_date_field:
            return None
        times = [_time((f.get("properties") or {}).get(info.edit_date_field))
                 for f in features if isinstance(f.get("properties"), dict)]
        return max((t for t in times if t is not None), default=None)

    def count(self) -> int:
        """How many features the layer has."""
        url = self.count_url()
        count = self._document(url).get("count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise FetchError(url, "the answer gives no feature count")
        return count

    def features(self, info: LayerInfo, expected: int) -> tuple[list[dict], str | None]:
        """Every feature of the layer, page by page, checked against ``expected`` (its
        count): (features, the GeoJSON ``crs`` of the first page if it gives one)."""
        features: list[dict] = []
        seen: set = set()
        crs = None
        total = 0
        cap = self.client.max_bytes
        while True:
            url = self.page_url(len(features), info.page_size, info.object_id_field)
            document, size = self._document(url, sized=True)
            total += size
            if total > cap:
                raise FetchError(url, f"the layer's pages add up to more than the "
                                      f"{format_size(cap)} allowed (--max-bytes); stopped "
                                      f"after {len(features)} feature(s)")
            page = document.get("features")
            if document.get("type") != "FeatureCollection" or not isinstance(page, list):
                raise FetchError(url, "the page is not a GeoJSON FeatureCollection with a "
                                      "'features' list")
            if crs is None and document.get("crs") is not None:
                crs = document["crs"]
            more = exceeded_transfer_limit(document)
            if more and not page:
                raise FetchError(url, "the server says more features follow "
                                      "(exceededTransferLimit) but sent none; stopped")
            keys = [self._key(feature, info) for feature in page]
            repeated = [key for key in keys if key in seen]
            if repeated or len(set(keys)) < len(keys):
                shown = ", ".join(k for k in (repeated or keys)[:3])
                raise FetchError(url, f"the page at offset {len(features)} repeats feature(s) "
                                      f"already read ({shown}): the server's paging goes "
                                      "round in circles; stopped")
            seen.update(keys)
            features.extend(f for f in page if isinstance(f, dict))
            if len(features) > expected:
                raise FetchError(url, f"the pages hold more features ({len(features)}) than "
                                      f"the layer counts ({expected}); stopped")
            if not more:
                break
        if len(features) < expected:
            raise FetchError(url, f"the server sent {len(features)} of the layer's {expected} "
                                  "feature(s) and said no more follow: a page is missing, or "
                                  "the layer changed while it was read")
        return features, crs

    # --- one answer -----------------------------------------------------------------------------

    @staticmethod
    def _key(feature, info: LayerInfo) -> str:
        """What tells a feature from another, as messages name it: its id (``id 7``), its
        object id, else a digest of its whole text."""
        if isinstance(feature, dict):
            key = feature.get("id")
            properties = feature.get("properties")
            if key is None and info.object_id_field and isinstance(properties, dict):
                key = properties.get(info.object_id_field)
            if key is not None and not isinstance(key, dict | list):
                return f"id {key!r}" if isinstance(key, str) else f"id {key}"
        return "a feature of digest " + hashlib.sha256(orjson.dumps(feature)).hexdigest()[:12]

    def _document(self, url: str, sized: bool = False):
        """The JSON object at ``url``; an ArcGIS error inside a 200 answer is tried again
        (a 429 or 5xx code) or raised (any other) as :class:`FetchError`."""
        attempt = 0
        while True:
            body = self.client.get(url)
            try:
                document = orjson.loads(body)
            except orjson.JSONDecodeError as error:
                raise FetchError(url, f"the answer is not JSON ({error})") from None
            if not isinstance(document, dict):
                raise FetchError(url, "the answer is not a JSON object")
            error = document.get("error")
            if error is None:
                return (document, len(body)) if sized else document
            code = error.get("code") if isinstance(error, dict) else None
            message = error.get("message") if isinstance(error, dict) else error
            said = f"ArcGIS error {code}: {message}" if code is not None else \
                f"ArcGIS error: {message}"
            said = " ".join(str(said).split())[:300]
            if code not in _RETRIED_CODES or attempt >= self.client.retries:
                tries = f" ({attempt + 1} tries)" if attempt else ""
                raise FetchError(url, said + tries, status=code if isinstance(code, int)
                                 else None)
            delay = self.client.backoff * 2 ** attempt
            self.client.stats.retries.append(f"{said}: waited {delay:g} s before trying again")
            self.client.sleep(delay)
            attempt += 1
