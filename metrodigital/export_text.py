"""Text from files and people, made safe to leave the app: terminal, CSV, JSON, Excel.

Entity names come from uploaded files. In a terminal an escape sequence inside a
name is not text but a command: ``ESC ] 8 ; ; url BEL`` makes a hidden link,
``ESC [ 2 J`` clears the screen, ``ESC [ 31 m`` recolours what follows. In a
spreadsheet a CSV cell that starts with ``= + - @`` can run as a formula.

- :func:`printable` removes every escape sequence whole (the terminal would not
  have shown it), then every other control or bidirectional character
  (:func:`metrodigital.display.clean`): what is left is what a person reads.
- :func:`csv_cell` is :func:`printable`, then the formula neutralisation of
  :func:`metrodigital.workbook.neutralise_for_export` (OWASP's rule for CSV, which
  has no cell types: a leading apostrophe).
- :func:`json_dumps` keeps names exactly, with every control character written as
  a JSON escape (``\\u001b``, ``\\u009b``), which a terminal prints as six
  harmless characters and a JSON reader turns back into the original.
"""

from __future__ import annotations

import json
import re

from metrodigital.display import clean
from metrodigital.workbook import neutralise_for_export

# ECMA-48 escape sequences, 7-bit (ESC …) and 8-bit (C1 introducers).
_ESCAPE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI … final byte (colours, cursor, erase)
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS…
    r"|\x1b[ -/]*[0-~]?"  # every other escape (charset, keypad, reset…)
)
# What json.dumps(ensure_ascii=False) writes raw but a terminal may act on or reorder:
# DEL and the C1 controls, bidirectional marks, line and paragraph separators.
_JSON_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def printable(text: object) -> str:
    """``text`` as a person reads it, on one line: no escape sequence, no control or
    bidirectional character, whitespace runs as one space; never shortened."""
    return clean(_ESCAPE.sub("", "" if text is None else str(text)), max_len=None)


def printable_lines(text: str) -> str:
    """:func:`printable` line by line, keeping the line breaks of a message."""
    return "\n".join(printable(line) for line in str(text).split("\n"))


def csv_cell(value: object) -> object:
    """A CSV field: text made :func:`printable` and never read as a formula; numbers and
    booleans as they are."""
    if isinstance(value, str):
        return neutralise_for_export(printable(value))
    return value


def json_dumps(data: object) -> str:
    """``data`` as indented JSON, non-ASCII letters as they are, every control character
    (C0, DEL, C1) and bidirectional mark escaped."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
