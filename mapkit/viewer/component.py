"""The map as a Streamlit component: drawn once, recoloured in place, clicks reported back.

The frontend (``frontend/index.html``: HTML, CSS and JavaScript in one file, no build step)
speaks Streamlit's component protocol itself. It owns the time controls (slider, play/pause,
keyboard), because a date change then repaints from memory within a frame instead of waiting for
a server round trip; the page hears the chosen date and any clicked region through the
component's value.
"""

from __future__ import annotations

from pathlib import Path

import streamlit.components.v1 as components

FRONTEND_DIR = Path(__file__).parent / "frontend"

_control_map = components.declare_component("control_map", path=str(FRONTEND_DIR))


def control_map(*, geometry: dict, data: dict, data_id: str, date: str | None, date_rev: int,
                selected: str | None, lang: str, labels: dict, title: str, legend_title: str,
                legend: list, source_line: str, hatch: dict, tiles: dict, height: int = 520,
                frame_ms: int = 600, key: str = "map") -> dict | None:
    """Draw (or update) the map; returns ``{"event", "date", "selected", "n"}`` after an action.

    ``geometry`` is :func:`mapkit.viewer.map_data.geometry_payload`'s dict. ``date`` is applied
    only when ``date_rev`` changes, so the page can move the map's date (e.g. on a source
    change) without overriding the reader's slider in between.
    """
    return _control_map(
        geometry=geometry["geometry"], geometry_id=geometry["geometry_id"],
        region_codes=geometry["region_codes"], bounds=geometry["bounds"],
        data=data, data_id=data_id, date=date, date_rev=date_rev, selected=selected,
        lang=lang, labels=labels, title=title, legend_title=legend_title, legend=legend,
        source_line=source_line, hatch=hatch, tiles=tiles, height=height, frame_ms=frame_ms,
        key=key, default=None,
    )
