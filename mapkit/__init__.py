"""mapkit: who controls which part of Ukraine, and how that changed over time.

The library behind the Streamlit viewer (``app.py``) and the ``mapkit`` command line.
``mapkit.changes(...)`` gives the km² and the change per week, month or year as a DataFrame
(:func:`mapkit.period_changes.changes`, behind ``mapkit changes``).
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    if name == "changes":  # imported on first use: pandas is not needed to import mapkit
        from mapkit.period_changes import changes

        return changes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
