"""What the viewer sends at the raion and hromada levels, checked without a browser: the
prepared shapes (each unit once, made from the bundled boundaries), frames as changes that
restore to the whole frames, each unit's oblast for the tooltip, and the km² changes computed
for every unit at once as :func:`mapkit.headline.change_over` computes them one by one."""

from __future__ import annotations

import copy
import json

import pytest
import shapely

from mapkit.headline import change_over
from mapkit.levels import get_level
from mapkit.publish.payload import PER_REGION_KEYS, changes_only
from mapkit.snapshots import load_snapshots
from mapkit.viewer import map_data
from mapkit.web_geometry import (
    WEB_GEOMETRY_PATHS,
    boundaries_stamp,
    build_web_geometry,
    topology_shapes,
)


@pytest.fixture(scope="module")
def raions():
    return load_snapshots(level="raion")


@pytest.mark.parametrize("level", ["raion", "hromada"])
def test_bundled_topojson_is_made_from_the_bundled_boundaries(level):
    bundled = json.loads(WEB_GEOMETRY_PATHS[level].read_text(encoding="utf-8"))
    for key, value in boundaries_stamp(level=level).items():
        assert bundled["metadata"][key] == value, (
            f"{WEB_GEOMETRY_PATHS[level].name} is stale ({key}): run "
            "`python -m mapkit.web_geometry`")
    assert bundled["metadata"]["attribution"] == "© OpenStreetMap contributors"
    shapes = topology_shapes(bundled)
    assert list(shapes) == list(get_level(level).codes)  # every unit, in the level's order
    assert all(not shapely.from_geojson(json.dumps(s)).is_empty for s in shapes.values())
    if level == "raion":  # the same bytes again (reproducible; the hromadas take 10 s)
        assert build_web_geometry(level=level) == bundled


def test_only_the_shown_levels_shapes_are_sent_and_the_oblasts_are_as_before():
    oblasts, hromadas = map_data.geometry_payload(), map_data.geometry_payload("hromada")
    assert oblasts["geometry"]["type"] == "FeatureCollection"
    assert len(oblasts["geometry"]["features"]) == 27
    assert hromadas["geometry"]["type"] == "Topology"
    assert hromadas["region_codes"] == list(get_level("hromada").codes)
    sent = json.dumps(hromadas["geometry"], separators=(",", ":"))
    assert len(sent) < 700_000  # 0.6 MB, against 13 MB of boundaries
    south, west = map_data.unit_bounds("oblast", "UA-14")[0]
    assert 46.5 < south < 47.5 and 36 < west < 37  # Donetsk oblast


def whole_frames(frames: list[dict]) -> list[dict]:
    """Frames sent as changes made whole, as the browser's expandFrames does."""
    frames = copy.deepcopy(frames)
    for n in range(1, len(frames)):
        for key, diff in frames[n].pop("x", {}).items():
            values = list(frames[n - 1][key])
            for i, value in diff.items():
                values[int(i)] = value
            frames[n][key] = "".join(values) if isinstance(frames[n - 1][key], str) else values
    return frames


def test_frames_sent_as_changes_restore_to_the_whole_frames(raions):
    sent = map_data.percent_map_data(raions, None, "en")
    frames = whole_frames(sent["frames"])
    timeline = map_data.viewer_timeline(raions, None)
    for frame, cells in zip(frames, timeline.cells):
        colours = [sent["palette"][int(code, 36)] for code in frame["c"]]
        assert colours == ["hatch" if c.partial and c.percent is None else c.colour
                           for c in cells]
        assert [None if c.percent is None else round(c.percent, 1) for c in cells] == [
            None if p is None else float(p) for p in frame["p"]]
    assert len(json.dumps(sent)) < len(json.dumps({**sent, "frames": frames})) / 2


def test_changes_only_keeps_what_is_new_and_what_is_gone():
    payload = {"frames": [{"p": [1, 2], "c": "ab", "k": [None, 3]},
                          {"p": [1, 5], "c": "ab"},
                          {"p": [1, 5], "c": "bb", "k": [1, 1]}]}
    changes_only(payload, PER_REGION_KEYS)
    assert payload["frames"][1] == {"x": {"p": {"1": 5}, "c": {}}}
    assert payload["frames"][2] == {"k": [1, 1], "x": {"p": {}, "c": {"0": "b"}}}


def test_tooltips_name_each_units_oblast_and_a_hromadas_raion(raions):
    data = map_data.percent_map_data(raions, None, "uk")
    pokrovskyi = next(r for r in data["regions"] if r["en"] == "Pokrovskyi Raion")
    assert data["where"][pokrovskyi["w"]] == {"en": "Donetsk Oblast", "uk": "Донецька область"}
    from mapkit.publish.payload import region_entries

    entries = region_entries(get_level("hromada"))
    code = get_level("hromada").resolve("Pokrovsk, Donetsk").code
    unit = next(r for r in entries["regions"] if r["code"] == code)
    assert entries["where"][unit["w"]]["en"] == "Pokrovskyi Raion, Donetsk Oblast"


def test_km2_changes_of_every_unit_are_change_over_of_each(raions):
    timeline = map_data.viewer_timeline(raions, None)
    frames = whole_frames(map_data.percent_map_data(raions, None, "en",
                                                    timeline=timeline)["frames"])
    checked = 0
    for index in range(0, len(timeline.dates), 7):  # every 7th date, every raion
        day = timeline.dates[index]
        for region, unit in enumerate(timeline.regions):
            for days in (7, 30):
                found = change_over(timeline, unit.code, day, days)
                shown = frames[index][f"d{days}"][region]
                assert shown == (None if found is None else map_data._short_km2(found[0]))
                checked += 1
    assert checked > 10_000
