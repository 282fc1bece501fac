"""Hostile names: a matrix file whose entity names, column headers and wave name try
every way Streamlit's Markdown could render them (links, outside images, colours,
icons, KaTeX, HTML), plus bidirectional overrides and 500-character names; and the
check that a text shown by a page carries none of those constructs unescaped.

Shared by the AppTest tests (``tests/test_hostile_names.py``) and the browser test
(``tests/e2e/test_security_browser.py``).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

from metrodigital.display import NAME_MAX
from metrodigital.ingest import prepare, publish
from metrodigital.paths import DATA_DIR
from metrodigital.roles import Actor, AuthConfig
from metrodigital.store import Store, Wave

EVIL = "evil.example"
LONG_TAIL = "Z" * 500
WAVE_NAME = f"[Ondata](https://{EVIL}/wave) :blue[2025] $x^2$ \u202eevil ![i](https://{EVIL}/w.png)"
SCENARIO_NAME = f"[Scenario](https://{EVIL}/s) :red[rosso] $\\pi$"
HEADER = f"[Colonna](https://{EVIL}/c) :green[x] $y$"


def hostile(name: str, i: int) -> str:
    """The ``i``-th way of dressing up a real entity name."""
    short = re.sub(r"^Comune di ", "", name)
    return [
        f"[{short}](https://{EVIL}/link{i})",
        f"![{short}](https://{EVIL}/img{i}.png)",
        f":red[{short}] {i}",
        f"$\\color{{red}}{{{short}}}$ {i}",
        f"{short}\u202e{i}gpj.exe\u202c",
        f"{short} {i} {LONG_TAIL}",
        f"<img src=https://{EVIL}/h{i}.png> {short}",
        f":material/warning: **{short}** :smile: {i}",
    ][i % 8]


def hostile_matrix(extra_header: bool = False) -> bytes:
    """The source's matrix (same columns, same points: the same ties at the cut-off) with
    every entity renamed by :func:`hostile`; optionally one more column, hostile header."""
    with (DATA_DIR / "seed_matrix.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*header, HEADER] if extra_header else header)
    for i, row in enumerate(body):
        renamed = [hostile(row[0], i), *row[1:]]
        writer.writerow([*renamed, "1"] if extra_header else renamed)
    return out.getvalue().encode("utf-8")


def publish_hostile_wave(db_path: Path) -> Wave:
    """Publish :func:`hostile_matrix` as a wave named :data:`WAVE_NAME` in the database."""
    store = Store(db_path)
    try:
        preview = prepare(hostile_matrix(), "ostile.csv")
        assert not preview.errors, [p.code for p in preview.errors]
        return publish(store, preview, name=WAVE_NAME, survey_date=date(2025, 1, 1),
                       auth=AuthConfig(server_address="localhost"), actor=Actor(),
                       accept_warnings=True)
    finally:
        store.close()


_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNESCAPED = r"(?<!\\)"
# What the names above would turn into if Markdown read them (catalogue texts have none).
CONSTRUCTS = {
    "link": re.compile(_UNESCAPED + r"\]\(https://" + re.escape(EVIL)),
    "outside image": re.compile(_UNESCAPED + r"<img|" + _UNESCAPED + r"!" + _UNESCAPED + r"\["),
    "colour directive": re.compile(_UNESCAPED + r":(red|blue|green)" + _UNESCAPED + r"\["),
    "icon": re.compile(_UNESCAPED + r":material/"),
    "emoji": re.compile(_UNESCAPED + r":smile:"),
    "KaTeX": re.compile(_UNESCAPED + r"\$"),
}


def hostile_constructs(text: str) -> list[str]:
    """Which hostile constructs ``text`` (a Markdown source a page sent) still carries."""
    found = [name for name, pattern in CONSTRUCTS.items() if pattern.search(text)]
    if _BIDI.search(text):
        found.append("bidirectional control")
    if "Z" * (NAME_MAX + 1) in text:
        found.append("500-character name")
    return found
