"""Text from files and users is shown as text: no Markdown, no controls, no endless names."""

from __future__ import annotations

import re

import pytest

from metrodigital.display import NAME_MAX, clean, plain, plain_list

HOSTILE = [
    "[Rivalba](https://elsewhere.example)",
    "![x](https://elsewhere.example/pixel.png)",
    ":red[Mazzè]",
    "$\\color{red}{Cuorgnè}$",
    ":material/warning: Ivrea",
    "**Chieri** _bold_ `code` <b>html</b>",
    "# Titolo",
    "- elenco",
    "1. elenco",
]


def _unescape(markdown: str) -> str:
    """What CommonMark shows for a text made only of escapes and plain characters."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


@pytest.mark.parametrize("name", HOSTILE)
def test_plain_escapes_every_markdown_character_and_reads_the_same(name: str) -> None:
    shown = plain(name)
    assert _unescape(shown) == name
    # every special character is escaped: no unescaped one is left for Markdown to read
    assert not re.search(r"(?<!\\)[\[\]()!$*_`<>#:|~]", shown.replace("\u2060", ""))
    # a colon never meets the next character directly (emoji codes, directives)
    assert not re.search(r":(?!\u2060)", shown)


def test_bidi_and_control_characters_are_removed() -> None:
    assert clean("Comune\u202ed\u202c di\x1b[31m Rivalba\x07") == "Comuned di[31m Rivalba"
    assert clean("a\u2066b\u2069c\u200f") == "abc"
    assert clean("Riga\nsu due") == "Riga su due"


def test_long_names_are_shortened_for_display() -> None:
    name = "Unione dei Comuni " * 20
    shown = clean(name)
    assert len(shown) <= NAME_MAX and shown.endswith("…")
    assert clean(name, max_len=None) == name.strip()
    assert clean("Mazzè") == "Mazzè"


def test_a_list_of_names_is_escaped_item_by_item() -> None:
    assert plain_list(["[a](b)", "Ivrea"]) == "\\[a\\]\\(b\\), Ivrea"
    assert plain(None) == ""
