"""Publishing: snapshots → the maps and files a story uses. One module per kind of output.

- :mod:`~mapkit.publish.formats` — the registry of export formats (name, suffix, one date or
  many, renderer), from which the CLI and the app build their choices.
- :mod:`~mapkit.publish.export` — :func:`render_export`, :func:`write_export`,
  :func:`write_embed`, :func:`iframe_snippet`: the functions the CLI and the app call.
- :mod:`~mapkit.publish.payload` — the figures as compact JSON for the browser (the viewer reads
  it too), and the palette encoding both use.
- :mod:`~mapkit.publish.embed` — the self-contained SVG embed (``embed.html``/``.css``/``.js``,
  ``embed_flags.js``) and the loader host pages include (``embed_loader.js``).
- :mod:`~mapkit.publish.folium_map` — the interactive Leaflet page (``time_slider.js``).
- :mod:`~mapkit.publish.static` — print maps (PNG, SVG) and the GIF animation, via matplotlib.
- :mod:`~mapkit.publish.csv_table` — the figures behind the map as CSV.
- :mod:`~mapkit.publish.provenance` — sources, dates covered, version and generated-at.

What a map shows on a date (figure, source, colour) is :mod:`mapkit.figures`, shared with the
viewer.

``from mapkit.publish import render_export`` works; the export functions are imported on first
use, so importing the registry (``mapkit.publish.formats``, as the CLI does to build its
options) does not import pandas.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mapkit.publish.export import (
        TEXT_LIMITS,
        EmbedCodes,
        ExportInputError,
        ExportTextError,
        check_export_focus,
        check_export_level,
        check_export_target,
        check_export_texts,
        iframe_snippet,
        render_export,
        write_embed,
        write_export,
    )
    from mapkit.publish.formats import FORMATS, ExportFormat

_HOMES = {
    "EmbedCodes": "mapkit.publish.export",
    "ExportInputError": "mapkit.publish.export",
    "ExportTextError": "mapkit.publish.export",
    "TEXT_LIMITS": "mapkit.publish.export",
    "check_export_focus": "mapkit.publish.export",
    "check_export_level": "mapkit.publish.export",
    "check_export_target": "mapkit.publish.export",
    "check_export_texts": "mapkit.publish.export",
    "iframe_snippet": "mapkit.publish.export",
    "render_export": "mapkit.publish.export",
    "write_embed": "mapkit.publish.export",
    "write_export": "mapkit.publish.export",
    "FORMATS": "mapkit.publish.formats",
    "ExportFormat": "mapkit.publish.formats",
}

__all__ = [
    "FORMATS", "TEXT_LIMITS", "EmbedCodes", "ExportFormat", "ExportInputError",
    "ExportTextError", "check_export_focus", "check_export_level", "check_export_target",
    "check_export_texts", "iframe_snippet", "render_export", "write_embed", "write_export",
]


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
