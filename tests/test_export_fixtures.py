"""Snapshot sets for the export tests and benchmark: small exact ones and a realistic timeline.

The realistic one has the shape of the computed DeepStateMap timeline (weekly dates from 2022,
all 27 regions, figures with two decimals) plus the reported rows; its figures are made up by a
seeded random walk and are used only to measure sizes and speed, never shown as data.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pandas as pd

from mapkit.regions import REGIONS
from mapkit.snapshots import load_snapshots

HEADER = "date,region,percent,source,method,source_url,contested_percent,note\n"
#: A series file (docs/data.md) whose figures stand a month: a series drawn on every 1st.
MONTHLY_SERIES_FILE = 'series = "{name}"\nstands_days = 31\n'

#: Regions the made-up timeline moves (the rest stay at 0).
_FRONT = {"UA-09": 60.0, "UA-14": 33.0, "UA-65": 20.0, "UA-23": 20.0, "UA-63": 5.0,
          "UA-59": 0.5, "UA-74": 0.0, "UA-32": 0.0, "UA-12": 0.0, "UA-48": 0.0}


def write_csv(path: Path, rows: list[tuple]) -> Path:
    lines = [HEADER] + [",".join(_quote(v) for v in row) + "\n" for row in rows]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _quote(value: object) -> str:
    text = "" if value is None else str(value)
    if any(c in text for c in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def synthetic_timeline_snapshots(folder: Path, weeks: int = 230, seed: int = 7) -> pd.DataFrame:
    """~``weeks`` weekly dates x 27 regions of made-up computed figures, plus reported rows."""
    rng = random.Random(seed)
    start = dt.date(2022, 2, 27)
    level = dict(_FRONT)
    rows = [("2014-03-18", code, 100, "Crimea annexation (reported)", "reported",
             "https://example.org/crimea", "", "") for code in ("UA-43", "UA-40")]
    for week in range(weeks):
        day = (start + dt.timedelta(weeks=week)).isoformat()
        for region in REGIONS:
            if region.code in ("UA-43", "UA-40"):
                value = 100.0
            elif region.code in level:
                level[region.code] = min(100.0, max(0.0, level[region.code]
                                                    + rng.uniform(-1.5, 2.0)))
                value = level[region.code]
            else:
                value = 0.0
            value = round(value, 2)
            contested = rng.uniform(0, min(3.0, 100.0 - value))
            rows.append((day, region.code, f"{value:.2f}", "DeepStateMap", "computed",
                         "https://deepstatemap.live", f"{contested:.2f}", ""))
    write_csv(folder / "timeline.csv", rows)
    (folder / "series.toml").write_text(MONTHLY_SERIES_FILE.replace("{name}", "DeepStateMap")
                                        .replace("31", "8"), encoding="utf-8")
    return load_snapshots([folder])
