"""METRODIGITAL — the Method page: the questionnaire, the matrix, weights, ties, source."""

import streamlit as st

from metrodigital.i18n import t
from ui.common import close_page, open_page

page = open_page("method.title")
for section in ("questionnaire", "matrix", "weights", "ties", "quotas", "link", "source"):
    st.subheader(t(f"method.{section}.title", page.lang))
    st.markdown(t(f"method.{section}.body", page.lang))
close_page(page)
