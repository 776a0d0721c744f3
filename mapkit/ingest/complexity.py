"""How much work a file's polygons would ask of GEOS, measured before it is asked, and the limits.

Repairing a self-intersecting polygon (``shapely.make_valid``), joining overlapping polygons
(``union_all``) and cutting one layer out of another all start by splitting every edge at every
point where it meets another edge. Their time and memory grow with the number of those points,
not with the size of the file: a ring of *n* vertices drawn as a star has about *n²/2* of them.
A 200 KB star of 5,000 vertices has 12.5 million: GEOS then needs tens of gigabytes and aborts
the process; 1,000 vertices (40 KB, 500,000 crossings) take 12 s and 1 GB. Real front lines have
almost none: the invalid polygons in DeepStateMap's and ISW's files cross themselves at 6 points
at most (``bench/bench_repair.py`` measures both).

So a file is refused, with what was too complex and what to do, before any of that work starts
when its polygons have more than :data:`MAX_VERTICES` vertices, or when their edges meet at more
than :data:`MAX_CROSSINGS` points. Counting the points is bounded too: edges are compared only
where their boxes overlap (a tree of the edges), and the count stops as soon as it passes the
limit, or after :data:`MAX_NEAR_PAIRS` pairs of edges with overlapping boxes (the counting's own
work; real files have under a million). The limits are counts, not seconds, so a file is
accepted or refused the same way on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

__all__ = ["MAX_CROSSINGS", "MAX_NEAR_PAIRS", "MAX_VERTICES", "Complexity", "measure"]

#: Most vertices the polygons of one file may have: ten times the largest real input (an ISW
#: file: 94,918; DeepStateMap's raw dumps have up to 11,801, its daily files up to 3,213).
MAX_VERTICES = 1_000_000
#: Most points at which the edges of one file's polygons may meet one another (an edge and the
#: next one of its ring excepted). Repair costs about 2 KB and 20 µs per point, so this keeps a
#: file's repair under a second and about 25 MB beyond the file itself; real files have 0–6.
MAX_CROSSINGS = 10_000
#: Most pairs of edges with overlapping boxes the count looks at (about 0.1 µs of work each).
MAX_NEAR_PAIRS = 20_000_000
#: Pairs of edges one query of the tree may return (bounds the count's memory: 16 bytes each).
_PAIRS_PER_QUERY = 2_000_000


@dataclass(frozen=True)
class Complexity:
    """What :func:`measure` found: vertices, the points where edges meet (``crossings``, a
    lower bound once ``over`` is set) and the polygon (index into the input) with the most of
    them; ``over`` names the limit passed, or is None."""

    vertices: int
    crossings: int = 0
    busiest: int | None = None
    over: str | None = None  # "vertices", "crossings" or "pairs"


def measure(polygons: np.ndarray, *, crossings: bool = True, valid: np.ndarray | None = None,
            max_vertices: int | None = None, max_crossings: int | None = None,
            max_near_pairs: int | None = None) -> Complexity:
    """Count the vertices of ``polygons`` (an array of Polygons) and, with ``crossings``, the
    points where their edges cross, stopping at the first limit passed (default: this
    module's). ``valid``: each polygon's validity, when it is known already."""
    max_vertices = MAX_VERTICES if max_vertices is None else max_vertices
    max_crossings = MAX_CROSSINGS if max_crossings is None else max_crossings
    max_near_pairs = MAX_NEAR_PAIRS if max_near_pairs is None else max_near_pairs
    polygons = np.asarray(polygons, dtype=object)
    vertices = int(shapely.get_num_coordinates(polygons).sum()) if len(polygons) else 0
    if vertices > max_vertices:
        counts = shapely.get_num_coordinates(polygons)
        return Complexity(vertices, busiest=int(np.argmax(counts)), over="vertices")
    if len(polygons) == 0 or not crossings:
        return Complexity(vertices)
    # A valid polygon's edges cross none of its own: only an invalid polygon's edges, and
    # those of polygons whose boxes overlap another's, can cross at all.
    valid = shapely.is_valid(polygons) if valid is None else np.asarray(valid, dtype=bool)
    left, right = shapely.STRtree(polygons).query(polygons)
    suspect = ~valid
    suspect[left[left != right]] = True
    suspects = np.flatnonzero(suspect)
    if len(suspects) == 0:
        return Complexity(vertices)
    rings, polygon_of_ring = shapely.get_rings(polygons[suspects], return_index=True)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    starts = np.flatnonzero(ring_of[1:] == ring_of[:-1])  # edge k: coords[k] → coords[k + 1]
    if len(starts) < 2:
        return Complexity(vertices)
    a, b = coords[starts], coords[starts + 1]
    owner = suspects[polygon_of_ring[ring_of[starts]]]
    # the edge before and after each edge in its ring (they share a point by construction)
    ring = ring_of[starts]
    first_of_ring = np.r_[True, ring[1:] != ring[:-1]]
    last_of_ring = np.r_[ring[1:] != ring[:-1], True]
    index = np.arange(len(starts))
    ring_first = np.maximum.accumulate(np.where(first_of_ring, index, 0))
    ring_last = np.flip(np.minimum.accumulate(np.flip(np.where(last_of_ring, index,
                                                               len(index)))))
    following = np.where(last_of_ring, ring_first, index + 1)
    preceding = np.where(first_of_ring, ring_last, index - 1)
    tree = shapely.STRtree(shapely.linestrings(np.stack([a, b], axis=1)))
    per_polygon = np.zeros(len(polygons), dtype=np.int64)
    crossings = pairs = 0
    chunk, lo = 16, 0
    while lo < len(starts):
        hi = min(len(starts), lo + chunk)
        left, right = tree.query(tree.geometries[lo:hi])
        left = left + lo
        pairs += len(left)
        keep = ((right > left) & (right != following[left]) & (right != preceding[left])
                & ~((owner[left] == owner[right]) & valid[owner[left]]))
        left, right = left[keep], right[keep]
        meet = _segments_meet(a[left], b[left], a[right], b[right])
        found = int(meet.sum())
        if found:
            crossings += found
            np.add.at(per_polygon, owner[left[meet]], 1)
            np.add.at(per_polygon, owner[right[meet]], 1)
        if crossings > max_crossings or pairs > max_near_pairs:
            return Complexity(vertices, crossings, int(np.argmax(per_polygon)),
                              "crossings" if crossings > max_crossings else "pairs")
        # as many edges in the next query as keep its answer under _PAIRS_PER_QUERY
        per_edge = max(len(keep) / (hi - lo), 1.0)
        chunk = int(min(max(_PAIRS_PER_QUERY // per_edge, 1), 65_536))
        lo = hi
    return Complexity(vertices, crossings, int(np.argmax(per_polygon)) if crossings else None)


def _segments_meet(p1: np.ndarray, p2: np.ndarray, q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Whether segments p1–p2 and q1–q2 (rows of x, y) have a point in common."""
    d1 = _orientation(q1, q2, p1)
    d2 = _orientation(q1, q2, p2)
    d3 = _orientation(p1, p2, q1)
    d4 = _orientation(p1, p2, q2)
    return (d1 * d2 < 0) & (d3 * d4 < 0)


def _orientation(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The sign of the turn a → b → c: 1 left, -1 right, 0 on one line."""
    return np.sign((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1])
                   - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))


def _within_box(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Whether c lies in the box of a and b (for c on the line through them: on the segment)."""
    return ((np.minimum(a[:, 0], b[:, 0]) <= c[:, 0]) & (c[:, 0] <= np.maximum(a[:, 0], b[:, 0]))
            & (np.minimum(a[:, 1], b[:, 1]) <= c[:, 1]) & (c[:, 1] <= np.maximum(a[:, 1], b[:, 1])))
