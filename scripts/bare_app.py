"""The baseline of the rerun benchmark: a bare Streamlit app with one slider and a 36-row table."""

import pandas as pd
import streamlit as st

from metrodigital.paths import DATA_DIR

st.title("Bare app")
value = st.slider("Valore", 0, 10, 5)
table = pd.read_csv(DATA_DIR / "seed_matrix.csv")
st.dataframe(table.assign(score=table["servizi"] * value))
