"""Keeping the widgets and the link's query string in step.

The app writes the query string itself rather than through Streamlit's
``bind="query-params"``, for two reasons checked on Streamlit 1.67:

- with a ``pages/`` folder, a bound parameter belongs to the page whose widget
  bound it and is dropped from the URL when the user switches page, so a
  scenario would not survive the move from one page to another;
- a bound choice widget writes its *label* into the link, so the link would
  change meaning with the language.

So each widget is seeded from the link when a page is entered (:func:`seed`),
and after drawing it its value goes back into the link in a stable code, or
leaves the link when it is the default (:func:`write_to_link`).
Page links carry the same query string (``ui.common.close_page``).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st


def raw_params() -> dict[str, list[str]]:
    """Every parameter of the current link, each with all its values."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


_PAGE_KEY = "_current_page"
_FRESH_KEY = "_fresh_page"


def enter_page(page: str) -> None:
    """Note which page this run draws: on a newly entered page every widget re-reads the link.

    Widget values from the page the user came from are not carried over by
    Streamlit (each page's widgets are its own), but the page link carried the
    whole scenario in its query string, so the link is the truth at that moment.
    """
    st.session_state[_FRESH_KEY] = st.session_state.get(_PAGE_KEY) != page
    st.session_state[_PAGE_KEY] = page


def leave_page_start() -> None:
    """The page has been drawn once: until the user enters another page, later runs
    (including fragment reruns, which skip :func:`enter_page`) keep the widgets' values."""
    st.session_state[_FRESH_KEY] = False


def is_fresh_page() -> bool:
    return bool(st.session_state.get(_FRESH_KEY, True))


def seed(key: str, value: object) -> None:
    """Give the widget ``key`` its value from the link on a newly entered page."""
    if is_fresh_page() or key not in st.session_state:
        st.session_state[key] = value


# Keys of widgets whose options are shown in the user's language (radios, multiselects):
# see :func:`keep_across_languages`.
_LANGUAGE_BOUND: set[str] = set()


def keep_across_languages(key: str) -> str:
    """Mark the widget ``key`` as one whose option labels change with the language.

    Streamlit 1.67 keeps a choice widget's value in the browser as its option's
    *label*: after a language switch the browser still holds the old language's
    label, which no longer names any option, so the widget shows nothing and its
    next change resets it to the default. :func:`restate_language_bound` (the
    language switch's callback) gives each such widget its value again, so that
    Streamlit sends the browser the label in the new language.
    """
    _LANGUAGE_BOUND.add(key)
    return key


def restate_language_bound() -> None:
    """Callback of the language switch: re-assign every language-bound widget's value
    (read with the labels the browser holds, before the switch), so that the widget is
    drawn again with the same value in the new language."""
    for key in sorted(_LANGUAGE_BOUND):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def write_to_link(key: str, values: Sequence[str], default: Sequence[str] = ()) -> None:
    """Put a widget's value in the link, or drop it from the link when it is the default."""
    current = st.query_params.get_all(key)
    if list(values) == list(default):
        if current:
            del st.query_params[key]
    elif current != list(values):
        st.query_params[key] = list(values) if len(values) > 1 else values[0]
