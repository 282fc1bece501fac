"""The pages' look: spacing that fits the three screen sizes, and Streamlit's own English
words replaced or hidden in the user's language.

Streamlit 1.67 draws some words itself, in English, with no option to change them.
What a person reads is replaced here with a style sheet (the element's own text
hidden, the catalogue's text put in its place) or hidden when the page offers the
same thing in its own words; the pages avoid the rest (no "Select all" in
multiselects, no ``max_selections`` message, Italian placeholders).

What stays English, because Streamlit 1.67 offers no way to change it and hiding it
would hide the control: screen-reader labels and hover tooltips of icon buttons
("Copy to clipboard" on the share box, "Help for …", "Collapse sidebar", "Open",
"Increment"/"Decrement", "Remove …"); "No results" when a typed filter matches no
option; the file uploader's own refusals (size, type) before the file reaches the
app; the date picker's month and day names; the table's column menu (sort, pin,
hide); the connection dialogs ("Connecting", "Connection error"); Vega's spoken
descriptions of charts; and the generic message Streamlit shows if a page's own
last-resort message could not be drawn.
"""

from __future__ import annotations

import json
from functools import cache

import streamlit as st

from metrodigital.i18n import Lang, fmt_number, t

# Screens narrower than this are phones: Streamlit's own breakpoint for its sidebar.
PHONE_MAX_PX = 640


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (JSON's escaping is valid CSS)."""
    return json.dumps(text, ensure_ascii=True)


def _replaced(selector: str, text: str, size: str = "0.875rem") -> str:
    """CSS that hides ``selector``'s own words and shows ``text`` in their place."""
    return (f"{selector} {{font-size: 0 !important; line-height: 0;}}"
            f"{selector}::after {{content: {_css_string(text)}; font-size: {size};"
            f" line-height: 1.6;}}")


@cache
def page_style(lang: Lang, max_upload_mb: float) -> str:
    """The style sheet every page adds (one per language and upload limit)."""
    rules = [
        # -- room: the results start within the first screen ----------------------------
        "[data-testid='stMainBlockContainer'] {padding-top: 2.5rem; padding-bottom: 3rem;"
        " padding-left: 2rem; padding-right: 2rem; max-width: none;}",
        "[data-testid='stMainBlockContainer'] h1 {font-size: 2.1rem; padding-top: 0.25rem;"
        " padding-bottom: 0.25rem;}",
        "[data-testid='stMetricValue'] {font-size: 1.75rem;}",
        "[data-testid='stSidebarUserContent'] {padding-bottom: 2rem;}",
        # -- Streamlit's English words ----------------------------------------------------
        # the chart's and the table's toolbars (Download as PNG/CSV, Show data, Search,
        # Fullscreen) say nothing in Italian: the page offers the table and a download
        "[data-testid='stElementToolbar'] {display: none !important;}",
        # "Press Enter to apply" under text boxes
        "[data-testid='InputInstructions'] {display: none !important;}",
        # the Stop button beside the running indicator
        "[data-testid='stStatusWidget'] button {display: none !important;}",
        # the file uploader's button and its size limit
        _replaced("[data-testid='stFileUploaderDropzone'] [data-testid='stBaseButton-secondary']"
                  " [data-testid='stMarkdownContainer'] p", t("look.upload_button", lang)),
        _replaced("[data-testid='stFileUploaderDropzoneInstructions'] span",
                  t("look.upload_limit", lang, mb=fmt_number(max_upload_mb, lang)),
                  size="0.75rem"),
        # -- phones: the page uses the whole width -----------------------------------------
        f"@media (max-width: {PHONE_MAX_PX}px) {{"
        " [data-testid='stMainBlockContainer'] {padding-left: 0.75rem;"
        " padding-right: 0.75rem; padding-top: 3.5rem;}"
        " [data-testid='stMainBlockContainer'] h1 {font-size: 1.6rem;}"
        " [data-testid='stMetricValue'] {font-size: 1.4rem;}"
        # the open sidebar is a sheet over the lower part of the screen, so the results
        # stay in sight above it while the weights move
        " section[data-testid='stSidebar'][data-collapsed='false'] {position: fixed !important;"
        " top: auto !important; left: 0 !important; z-index: 999991;"
        " bottom: 0 !important; height: 58vh !important; width: 100vw !important;"
        " min-width: 100vw !important; max-width: 100vw !important;"
        " box-shadow: 0 -6px 16px rgba(0, 0, 0, 0.25); border-radius: 12px 12px 0 0;}"
        "}",
        # what only phones show (the results beside the weights, where the open sidebar
        # covers the page)
        f"@media (min-width: {PHONE_MAX_PX + 1}px) {{ .st-key-phone_only {{display: none;}} }}",
    ]
    return "<style>" + "\n".join(rules) + "</style>"


def apply_page_style(lang: Lang) -> None:
    """Add the style sheet (Streamlit sends a style-only block without taking room)."""
    limit = float(st.get_option("server.maxUploadSize"))
    st.html(page_style(lang, limit))
