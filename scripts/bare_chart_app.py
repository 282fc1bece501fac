"""A second baseline of the rerun benchmark: the bare app plus the Matrix page's chart.

The same slider and 36-row table as ``bare_app.py``, and the Matrix page's stacked
bar chart of every entity's weighted contributions, built as the page builds it
(``metrodigital.charts``) from the shipped wave, with the slider as the weight of
Servizi. It measures what the chart the Matrix page must draw costs by itself.
"""

import pandas as pd
import streamlit as st

from metrodigital.charts import contributions_chart
from metrodigital.paths import DATA_DIR, database_path
from metrodigital.ranking import evaluate
from metrodigital.scenario import Scenario
from metrodigital.store import Store


@st.cache_resource
def store() -> Store:
    return Store(database_path())


st.title("Bare app with the Matrix chart")
value = st.slider("Valore", 0, 10, 5)
table = pd.read_csv(DATA_DIR / "seed_matrix.csv")
spec, rows = contributions_chart(evaluate(store(), Scenario().with_weights(servizi=value)), "it")
st.vega_lite_chart(rows, spec, width="stretch")
st.dataframe(table.assign(score=table["servizi"] * value))
