"""Front-line polygons in, snapshot rows out: the half of mapkit that makes snapshots.

    polygon files ─► importers ─► areas (on the region index) ─► day ─► snapshot rows
                     (layers)     (share of each region)          │     (mapkit.snapshots)
                                                                  └─► runner: many files,
                                                                      one CSV per date

- :mod:`~mapkit.ingest.importers` — DeepStateMap dumps, daily files, any GeoJSON/GeoPackage →
  classified, validated layers (:class:`~mapkit.ingest.importers.ControlLayers`).
- :mod:`~mapkit.ingest.areas` — layers → occupied and contested share of each region
  (:class:`~mapkit.ingest.areas.AreaIndex`), reusing the day before's work through a
  :class:`~mapkit.ingest.areas.DaySeries`.
- :mod:`~mapkit.ingest.region_index` — the region index prepared once, beside the boundaries.
- :mod:`~mapkit.ingest.day` — one polygon file → the validated snapshot rows of its date
  (:func:`~mapkit.ingest.day.compute_snapshot`): what ``mapkit compute`` and the viewer's
  uploads both call.
- :mod:`~mapkit.ingest.runner` — many files → one snapshot CSV per date, on all cores
  (:func:`~mapkit.ingest.runner.compute_timeline`, behind ``mapkit compute``).
- :mod:`~mapkit.ingest.update` — a folder of snapshots brought up to date from a source
  (:func:`~mapkit.ingest.update.update_folder`, behind ``mapkit update``): the sources in
  :mod:`~mapkit.ingest.fetchers` (ISW/CTP's ArcGIS layer read by :mod:`~mapkit.ingest.arcgis`),
  over the HTTP client of :mod:`~mapkit.ingest.http`; each new map computed by ``day``, as
  ``mapkit compute`` does.
"""
