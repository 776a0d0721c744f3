"""Drawing the control timeline: one module per kind of output.

- :mod:`mapkit.render.timeline` — what a map shows: dates x regions, each cell with its source.
- :mod:`mapkit.render.embed` — the self-contained SVG embed (template ``embed.html`` beside it).
- :mod:`mapkit.render.folium_map` — the interactive Leaflet page (plugin JS ``time_slider.js``).
- :mod:`mapkit.render.static` — print maps (PNG, SVG) and the GIF animation, via matplotlib.

:mod:`mapkit.export` picks one of them by format name and writes the result safely.
"""
