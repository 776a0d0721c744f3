"""Text from users and data files kept inside its own direction: right-to-left names, and Unicode
direction controls, never reorder the text around them.

A source named ``"A\\u202eB"`` (U+202E RIGHT-TO-LEFT OVERRIDE) would otherwise turn the rest of
its line backwards — the newsroom's credit included. Every such text is wrapped as one Unicode
isolate (FSI … PDI, UAX #9): inside it, its own direction; outside it, none of its controls
reach. Browsers read isolates in any text (the embed, the Leaflet page, their tooltips:
``isolate`` in ``payload_reader.js`` does the same in JavaScript); the print maps reorder each
line for matplotlib with :func:`visual`, which honours them, and then draw no control character.
"""

from __future__ import annotations

#: FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE.
FSI, PDI = "\u2068", "\u2069"
_OPENS_ISOLATE = "\u2066\u2067\u2068"  # LRI, RLI, FSI
#: Every explicit directional formatting character (UAX #9): marks, embeddings, overrides,
#: isolates. None has a glyph: drawn, they would be boxes.
CONTROLS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_NO_CONTROLS = str.maketrans("", "", CONTROLS)

try:  # the Unicode bidirectional algorithm, isolates included (python-bidi >= 0.5)
    from bidi import get_display
except ImportError:  # pragma: no cover - python-bidi is a dependency; degrade, don't fail
    def get_display(text: str) -> str:
        return text


def isolate(text: str) -> str:
    """``text`` as one isolate, balanced: a PDI in it that closes nothing of its own is dropped
    (it would close ours early), and isolates it leaves open are closed before ours."""
    kept: list[str] = []
    depth = 0
    for char in text:
        if char in _OPENS_ISOLATE:
            depth += 1
        elif char == PDI:
            if depth == 0:
                continue
            depth -= 1
        kept.append(char)
    return FSI + "".join(kept) + PDI * depth + PDI


def without_controls(text: str) -> str:
    """``text`` without any direction control character."""
    return text.translate(_NO_CONTROLS)


def visual(text: str) -> str:
    """``text`` in display order for matplotlib, which lays text out left to right: each line
    reordered by the bidirectional algorithm (isolates honoured), then stripped of the control
    characters, which have no glyph."""
    return "\n".join(without_controls(get_display(line)) for line in text.split("\n"))
