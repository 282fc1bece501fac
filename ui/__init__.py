"""Streamlit helpers shared by the pages: the store, the sidebar, the page frame."""
