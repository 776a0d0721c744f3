"""Where an export's figures come from, and when and with what it was made.

Every export carries this: in a visible line (maps), in metadata (PNG text chunks, SVG
``<metadata>``, HTML ``<meta>`` and the page's JSON) and as columns of the CSV.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from mapkit import __version__
from mapkit.figures import SourceInfo, Timeline
from mapkit.i18n import t
from mapkit.publish.bidi import isolate


def generation_time(now: dt.datetime | None = None) -> dt.datetime:
    """UTC time to stamp an export with, to the second.

    ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) fixes it, so the same inputs give
    byte-identical files on any day.
    """
    if now is not None:
        return now.astimezone(dt.UTC).replace(microsecond=0)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Provenance:
    sources: tuple[SourceInfo, ...]
    first_date: dt.date
    last_date: dt.date
    dates: int
    generated_at: dt.datetime
    tool_version: str = __version__
    #: Stamp the day only, not the time: a file that must be byte-identical for identical
    #: inputs (SVG) then only changes when the day does.
    day_only: bool = False
    #: Sources whose figures stand beside the map's (tooltips, the CSV's ``other_sources``),
    #: never colouring it: an output that shows them credits them too.
    beside: tuple[SourceInfo, ...] = ()
    #: Whose boundaries the map is drawn on, where they must be credited: (credit, licence,
    #: licence URL) of the raion and hromada levels' (OpenStreetMap, ODbL); None: the oblasts'.
    boundaries: tuple[str, str, str] | None = None

    @classmethod
    def of(cls, timeline: Timeline, generated_at: dt.datetime | None = None,
           day_only: bool = False) -> Provenance:
        sources = tuple(timeline.sources())
        shown = {source.name for source in sources}
        return cls(
            sources=sources,
            first_date=timeline.first_date,
            last_date=timeline.last_date,
            dates=len(timeline.dates),
            generated_at=generation_time(generated_at),
            day_only=day_only,
            beside=tuple(s for s in timeline.other_sources() if s.name not in shown),
            boundaries=((timeline.level.credit, timeline.level.licence,
                         timeline.level.licence_url) if timeline.level.credit else None),
        )

    @property
    def generated_text(self) -> str:
        return self.generated_at.strftime("%Y-%m-%d" if self.day_only else "%Y-%m-%dT%H:%M:%SZ")

    def dates_text(self) -> str:
        if self.first_date == self.last_date:
            return self.first_date.isoformat()
        return f"{self.first_date.isoformat()} – {self.last_date.isoformat()}"

    def sources_text(self, lang: str = "en", beside: bool = False) -> str:
        """"DeepStateMap (computed from mapped areas of control); …", each name and method from
        the data isolated (:func:`mapkit.publish.bidi.isolate`): a right-to-left name, or a
        direction control in one, never turns the rest of the line around. With ``beside``
        (an output whose tooltips show other series' figures), those sources too: "…; beside
        it, in the tooltips: ISW/CTP, El País"."""
        if not self.sources:
            text = t("no_data", lang)
        else:
            text = "; ".join(f"{isolate(s.name)} ({self._method_text(s.method, lang)})"
                             for s in self.sources)
        if beside and self.beside:
            text += t("sources_beside", lang,
                      sources=", ".join(isolate(s.name) for s in self.beside))
        return text

    @staticmethod
    def _method_text(method: str, lang: str) -> str:
        return t(method, lang) if method in ("computed", "reported") else isolate(method)

    def links_text(self) -> str:
        """Each source's link, for a file's metadata: "ISW/CTP <https://…>; …"."""
        return "; ".join(f"{s.name} <{s.url}>" for s in self.sources if s.url)

    def source_line(self, lang: str = "en", beside: bool = False) -> str:
        """"Source: …", the line under every map and chart (``beside``: :meth:`sources_text`),
        and on a raion or hromada map whose boundaries they are: "· Boundaries: © OpenStreetMap
        contributors, ODbL 1.0 (Open Database License)"."""
        line = t("source_line", lang, sources=self.sources_text(lang, beside=beside))
        credit = self.boundaries_text(lang)
        return f"{line} · {credit}" if credit else line

    def boundaries_text(self, lang: str = "en") -> str | None:
        """"Boundaries: © OpenStreetMap contributors, ODbL 1.0 (Open Database License)", or
        None for the oblasts' public-domain boundaries."""
        if self.boundaries is None:
            return None
        credit, licence, _ = self.boundaries
        return t("boundaries_credit", lang, credit=credit, licence=licence)

    def line(self, lang: str = "en") -> str:
        """One line for the foot of a map: dates covered, tool version, generated-at."""
        return t(
            "export_provenance", lang, dates=self.dates_text(), version=self.tool_version,
            generated=self.generated_text,
        )

    def as_dict(self) -> dict:
        return {
            "sources": [
                {"name": s.name, "url": s.url, "method": s.method} for s in self.sources
            ],
            "sources_beside": [
                {"name": s.name, "url": s.url, "method": s.method} for s in self.beside
            ],
            "dates_covered": {"first": self.first_date.isoformat(),
                              "last": self.last_date.isoformat(), "count": self.dates},
            **({"boundaries": {"attribution": self.boundaries[0],
                               "license": self.boundaries[1],
                               "license_url": self.boundaries[2]}}
               if self.boundaries is not None else {}),
            "tool": "mapkit",
            "tool_version": self.tool_version,
            "generated_at": self.generated_text,
        }


def credit_line(credit: str | None, lang: str = "en", key: str = "credit_line") -> str | None:
    """"Map: <credit>" (``key`` "chart_credit_line": "Chart: <credit>"), the credit isolated
    from the text around it; None without a credit."""
    return t(key, lang, credit=isolate(credit)) if credit else None
