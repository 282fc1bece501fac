"""Showing text that came from a file or a user, as text and nothing else.

Entity names, wave names, column headers and scenario names come from uploaded
files or from people. Streamlit renders most of what it shows (captions, alerts,
widget labels) as Markdown, with links, images, colour directives
(``:red[…]``), icons (``:material/…:``), emoji short codes and KaTeX
(``$…$``). A name like ``[Rivalba](https://elsewhere)`` or ``$\\color{red}x$``
must read as those characters, so every such text goes through :func:`plain`
before it is put into a Markdown string, and through :func:`clean` before it is
shown by an element that does not render Markdown (tables, ``st.text``).

Both also remove what makes a text lie about itself: bidirectional control
characters (which can show "exe.pdf" for "fdp.exe"), other control characters,
and lengths no screen can show.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Bidirectional embeddings, overrides and isolates, and the marks that reorder text.
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# C0 and C1 control characters except tab and newline; escape sequences start with them.
_CONTROL = "".join(chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)))
_DROP = str.maketrans("", "", _BIDI + _CONTROL)
# What CommonMark lets a backslash escape: every ASCII punctuation character.
_MARKDOWN_SPECIAL = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
_WHITESPACE = re.compile(r"[ \t\r\n\u00a0\u2028\u2029]+")

NAME_MAX = 80  # longest name shown whole; longer ones end with "…"


def clean(text: object, max_len: int | None = NAME_MAX) -> str:
    """``text`` without control or bidirectional characters, on one line, shortened to
    ``max_len`` characters (ending with "…") when longer; ``None`` keeps every character."""
    value = "" if text is None else str(text)
    value = unicodedata.normalize("NFC", value).translate(_DROP)
    value = _WHITESPACE.sub(" ", value).strip()
    if max_len is not None and len(value) > max_len:
        value = value[: max(max_len - 1, 0)].rstrip() + "…"
    return value


def plain(text: object, max_len: int | None = NAME_MAX) -> str:
    """``text`` cleaned (:func:`clean`) and escaped so that Streamlit's Markdown shows
    exactly its characters: no link, image, colour, icon, emoji, formula or markup."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", clean(text, max_len))
    # An emoji short code (":smile:") is replaced even when its colons are escaped: a
    # word joiner (U+2060, invisible) after each colon breaks the code.
    return escaped.replace(":", ":\u2060")


def plain_list(texts: Iterable[object], sep: str = ", ", max_len: int | None = NAME_MAX) -> str:
    """Several names joined for a sentence, each escaped by :func:`plain`."""
    return sep.join(plain(item, max_len) for item in texts)
