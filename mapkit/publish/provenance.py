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

    @classmethod
    def of(cls, timeline: Timeline, generated_at: dt.datetime | None = None,
           day_only: bool = False) -> Provenance:
        return cls(
            sources=tuple(timeline.sources()),
            first_date=timeline.first_date,
            last_date=timeline.last_date,
            dates=len(timeline.dates),
            generated_at=generation_time(generated_at),
            day_only=day_only,
        )

    @property
    def generated_text(self) -> str:
        return self.generated_at.strftime("%Y-%m-%d" if self.day_only else "%Y-%m-%dT%H:%M:%SZ")

    def dates_text(self) -> str:
        if self.first_date == self.last_date:
            return self.first_date.isoformat()
        return f"{self.first_date.isoformat()} – {self.last_date.isoformat()}"

    def sources_text(self, lang: str = "en") -> str:
        """"DeepStateMap (computed from front-line polygons); …", each name and method from
        the data isolated (:func:`mapkit.publish.bidi.isolate`): a right-to-left name, or a
        direction control in one, never turns the rest of the line around."""
        if not self.sources:
            return t("no_data", lang)
        return "; ".join(
            f"{isolate(s.name)} "
            f"({t(s.method, lang) if s.method in ('computed', 'reported') else isolate(s.method)})"
            for s in self.sources
        )

    def source_line(self, lang: str = "en") -> str:
        """"Source: …", the line under every map and chart."""
        return t("source_line", lang, sources=self.sources_text(lang))

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
            "dates_covered": {"first": self.first_date.isoformat(),
                              "last": self.last_date.isoformat(), "count": self.dates},
            "tool": "mapkit",
            "tool_version": self.tool_version,
            "generated_at": self.generated_text,
        }


def credit_line(credit: str | None, lang: str = "en", key: str = "credit_line") -> str | None:
    """"Map: <credit>" (``key`` "chart_credit_line": "Chart: <credit>"), the credit isolated
    from the text around it; None without a credit."""
    return t(key, lang, credit=isolate(credit)) if credit else None
