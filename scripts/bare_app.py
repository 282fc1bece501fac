"""The baselines of the rerun benchmark: a bare Streamlit app with one slider and a 36-row table.

Two options, given after ``--`` (``streamlit run scripts/bare_app.py -- --chart``),
add one required part of the Matrix page at a time, to measure what it costs by itself:

- ``--chart``: the Matrix page's stacked bar chart of every entity's weighted
  contributions, built as the page builds it (``metrodigital.charts``) from the
  shipped wave, with the slider as the weight of Servizi;
- ``--controls``: as many scenario controls of each kind in the sidebar as the
  Matrix page has (language, wave, eight weights, normalisation, N, quotas, tie
  rule, tie criteria), unchanged by the slider.
"""

import sys

import pandas as pd
import streamlit as st

from metrodigital.paths import DATA_DIR, database_path

st.title("Bare app")
value = st.slider("Valore", 0, 10, 5)
table = pd.read_csv(DATA_DIR / "seed_matrix.csv")

if "--controls" in sys.argv:
    with st.sidebar:
        st.radio("Lingua", ["Italiano", "English"], horizontal=True)
        st.selectbox("Ondata", ["METRODIGITAL 2023"])
        st.subheader("Pesi")
        for criterion in ("Anagrafica", "Infrastrutture", "Organizzazione", "Servizi", "PNRR",
                          "Dati", "Conclusione", "Popolazione"):
            st.slider(criterion, 0, 10, 3, help="Peso del criterio")
        st.radio("Normalizzazione", ["Punti", "Quota del massimo", "Min–max"])
        st.slider("N", 1, 36, 12)
        st.text_input("Quote")
        st.radio("Pari merito", ["Tutti", "Criteri", "Scelta"])
        st.multiselect("Criteri di spareggio", ["Servizi", "Dati"])

if "--chart" in sys.argv:
    from metrodigital.charts import contributions_chart
    from metrodigital.ranking import evaluate
    from metrodigital.scenario import Scenario
    from metrodigital.store import Store

    @st.cache_resource
    def store() -> Store:
        return Store(database_path())

    selection = evaluate(store(), Scenario().with_weights(servizi=value))
    spec, rows = contributions_chart(selection, "it")
    st.vega_lite_chart(rows, spec, width="stretch")

st.dataframe(table.assign(score=table["servizi"] * value))
