"""Streamlit helpers shared by the pages: the store, the sidebar, the page frame."""

# Every page imports this package first: the server's unused doors close before any page runs.
from ui.hardening import install as _install_hardening

_install_hardening()
