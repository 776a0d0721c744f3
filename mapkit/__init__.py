"""mapkit: who controls which part of Ukraine, and how that changed over time.

The library behind the Streamlit viewer (``app.py``) and the ``mapkit`` command line.
"""

__version__ = "0.1.0"
