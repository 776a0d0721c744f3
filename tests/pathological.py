"""Polygons that are cheap to send and ruinous to repair: a ring drawn as a star, whose every
edge crosses almost every other (about n²/2 crossings for n vertices), the shape issue 18 found
taking the viewer's server down (5,000 vertices, 200 KB)."""

from __future__ import annotations

import json
import math


def star_ring(vertices: int, centre=(34.0, 48.0), radius: float = 1.5) -> list[list[float]]:
    """A closed ring of ``vertices`` points on a circle in eastern Ukraine, each joined to
    the point nearly opposite: the star polygon {n/k} with k = n/2 - 1."""
    step = vertices // 2 - 1
    ring = []
    for i in range(vertices):
        angle = 2 * math.pi * (i * step % vertices) / vertices
        ring.append([round(centre[0] + radius * math.cos(angle), 6),
                     round(centre[1] + radius * math.sin(angle), 6)])
    return ring + [ring[0]]


def star_geojson(vertices: int, date: str | None = "2025-03-01") -> bytes:
    """A FeatureCollection of one star polygon (with a ``date`` property, unless None)."""
    properties = {"date": date} if date else {}
    return json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": properties,
        "geometry": {"type": "Polygon", "coordinates": [star_ring(vertices)]}}]}).encode()


# Work that overruns each limit of the viewer's sandbox (mapkit.viewer.sandbox), in the
# signature of the upload reader it stands in for (importable by name: the sandbox's child
# process looks it up).

def allocate(name: str, data: bytes, *, date=None, progress=None):
    """Ask for memory, 100 MB at a time, and keep it, for ever."""
    kept = []
    while True:
        kept.append(bytearray(100 * 2**20))


def spin(name: str, data: bytes, *, date=None, progress=None):
    """Use CPU for ever."""
    count = 0
    while True:
        count += 1


def sleep(name: str, data: bytes, *, date=None, progress=None):
    """Wait for ever, using nothing."""
    import time

    while True:
        time.sleep(1)
