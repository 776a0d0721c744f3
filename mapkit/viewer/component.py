"""The map as a Streamlit component: drawn once, recoloured in place, clicks reported back.

The frontend (``frontend/index.html``: HTML, CSS and JavaScript in one file, no build step)
speaks Streamlit's component protocol itself. It owns the time controls (slider, play/pause,
keyboard), because a date change then repaints from memory within a frame instead of waiting for
a server round trip; the page hears the chosen date and any clicked region through the
component's value.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

FRONTEND_DIR = Path(__file__).parent / "frontend"

_control_map = components.declare_component("control_map", path=str(FRONTEND_DIR))


def control_map(*, geometry: dict, data: dict, data_id: str, date: str | None, date_rev: int,
                focus: dict | None = None,
                selected: str | None, lang: str, labels: dict, title: str, legend_title: str,
                legend: list, source_line: str, hatch: dict, tiles: dict, height: int = 520,
                frame_ms: int = 600, key: str = "map") -> dict | None:
    """Draw (or update) the map; returns ``{"event", "date", "selected", "n"}`` after an action.

    ``geometry`` is :func:`mapkit.viewer.map_data.geometry_payload`'s dict (the shown
    level's shapes: another level's replace them). ``focus`` (``{"bounds", "rev"}``) zooms the
    map to ``bounds`` once per ``rev``: "Raions of Donetsk Oblast", a place found. ``date`` is
    applied only when ``date_rev`` changes, so the page can move the map's date (e.g. on a source
    change) without overriding the reader's slider in between.

    The shapes and the timeline (some 300 KB of JSON) go to a session's browser once: a rerun
    whose ``geometry_id`` and ``data_id`` the browser already has sends their ids only (a slider
    move reruns the page, and sending them again cost the server and the browser more than the
    rest of the rerun). A map that lacks them — its frame was made afresh — asks again with the
    event ``resend``, and gets them on the rerun that asks.
    """
    sent_key, asked_key = f"_{key}_sent", f"_{key}_resend_seen"
    value = st.session_state.get(key)
    if (isinstance(value, dict) and value.get("event") == "resend"
            and value.get("n") != st.session_state.get(asked_key)):
        st.session_state[asked_key] = value.get("n")
        st.session_state.pop(sent_key, None)
    sent_geometry, sent_data = st.session_state.get(sent_key, (None, None))
    st.session_state[sent_key] = (geometry["geometry_id"], data_id)
    return _control_map(
        geometry=None if sent_geometry == geometry["geometry_id"] else geometry["geometry"],
        geometry_id=geometry["geometry_id"],
        region_codes=geometry["region_codes"], bounds=geometry["bounds"],
        data=None if sent_data == data_id else data, data_id=data_id, date=date,
        date_rev=date_rev, selected=selected, focus=focus,
        lang=lang, labels=labels, title=title, legend_title=legend_title, legend=legend,
        source_line=source_line, hatch=hatch, tiles=tiles, height=height, frame_ms=frame_ms,
        key=key, default=None,
    )
