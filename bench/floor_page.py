"""The floor for bench/bench_load.py: the cheapest Streamlit page there is.

One heading and nothing else: no map, no sidebar, no table. What ten visitors take to see it is
what Streamlit's own page (its JavaScript, in each visitor's browser) costs before the viewer
adds anything; bench_load measures it in the same run as the viewer.
"""

import streamlit as st

st.set_page_config(page_title="floor", layout="wide")
st.subheader("Streamlit is up")
