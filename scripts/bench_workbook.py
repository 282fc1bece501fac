"""Benchmark: reading uploaded spreadsheets with ``metrodigital.workbook.read_workbook``.

Builds, in memory, the files an import meets and times reading each of them
(median of several runs, after one warm-up). Usage::

    python scripts/bench_workbook.py [--runs 5] [--json out.json]

Targets: an 8,000-row × 30-column .xlsx (text in a shared-strings table, as
Excel and Microsoft Forms write it) well under 5 s (the whole import has
10 s); a 36-row file well under 0.5 s.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import statistics
import sys
import time
import zipfile
from collections.abc import Callable
from html import escape, unescape
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metrodigital.workbook import read_workbook

TARGETS = {"36 rows": 0.5, "8000 rows": 5.0}
HEADERS = ["Ente", "Zona omogenea", *[f"Domanda {i}" for i in range(1, 29)]]  # 30 columns
ANSWERS = ["Sì", "No", "Parzialmente", "Non so", 3, 2.5, "12,5", 0]


def hint(cells: list[str]) -> int:
    return sum(1 for cell in cells if cell in {"ente", "zona omogenea"})


def xlsx(rows: int, formulas: bool = False, shared_strings: bool = False) -> bytes:
    """A Forms-like export: two title rows, a header, ``rows`` answers of 30 columns.

    openpyxl writes text inline in each cell, which openpyxl reads slowly; Excel,
    Microsoft Forms and LibreOffice write a shared-strings table instead
    (``shared_strings=True``). openpyxl writes formulas without cached values;
    ``formulas=True`` gives each one a value, as Excel does.
    """
    rnd = random.Random(rows)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Risposte"
    sheet.append(["Questionario maturità digitale"])
    sheet.append([])
    sheet.append(HEADERS)
    for i in range(rows):
        row: list[object] = [f"Comune {i}", f"Zona {i % 11 + 1}"]
        row += [rnd.choice(ANSWERS) for _ in range(28)]
        if formulas:
            row[-1] = f"=SUM(C{i + 4}:D{i + 4})"
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return _rewrite(buffer.getvalue(), formulas, shared_strings)


def _rewrite(data: bytes, formulas: bool, shared_strings: bool) -> bytes:
    strings: dict[str, int] = {}

    def shared(match: re.Match[bytes]) -> bytes:
        text = unescape(match.group(2).decode())
        index = strings.setdefault(text, len(strings))
        return match.group(1) + b' t="s"><v>' + str(index).encode() + b"</v></c>"

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                if formulas:
                    content = re.sub(rb"(<f>[^<]*</f>)<v />", rb"\1<v>5</v>", content)
                if shared_strings:
                    content = re.sub(rb'(<c r="[A-Z]+\d+"(?: s="\d+")?) t="inlineStr">'
                                     rb"<is><t[^>]*>([^<]*)</t></is></c>", shared, content)
            elif shared_strings and info.filename == "[Content_Types].xml":
                content = content.replace(b"</Types>", (
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                    b"</Types>"))
            elif shared_strings and info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b"</Relationships>", (
                    b'<Relationship Id="rIdSST" Target="sharedStrings.xml" Type="http://'
                    b"schemas.openxmlformats.org/officeDocument/2006/relationships/"
                    b'sharedStrings"/></Relationships>'))
            target.writestr(info.filename, content)
        if shared_strings:
            items = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
            target.writestr("xl/sharedStrings.xml", (
                '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'))
    return out.getvalue()


def csv_file(rows: int) -> bytes:
    rnd = random.Random(rows)
    lines = [";".join(HEADERS)]
    for i in range(rows):
        lines.append(";".join([f"Comune {i}", f"Zona {i % 11 + 1}",
                               *(str(rnd.choice(ANSWERS)) for _ in range(28))]))
    return ("\n".join(lines) + "\n").encode("utf-8")


def timed(read: Callable[[], object], runs: int) -> float:
    read()  # warm-up: imports, message catalogue
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        read()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    cases = {
        "36 rows": ("risposte.xlsx", xlsx(36)),
        "8000 rows": ("risposte.xlsx", xlsx(8000, shared_strings=True)),
        "8000 rows, inline strings": ("risposte.xlsx", xlsx(8000)),
        "8000 rows, formulas": ("risposte.xlsx", xlsx(8000, formulas=True,
                                                      shared_strings=True)),
        "8000 rows CSV": ("risposte.csv", csv_file(8000)),
    }
    results: dict[str, dict[str, float]] = {}
    for name, (filename, data) in cases.items():
        seconds = timed(lambda f=filename, d=data: read_workbook(d, f, header_hint=hint),
                        args.runs)
        results[name] = {"seconds": round(seconds, 4), "bytes": len(data)}
        target = TARGETS.get(name)
        verdict = "" if target is None else f"  (target < {target} s: " \
            f"{'ok' if seconds < target else 'MISSED'})"
        print(f"{name:>26}: {seconds:7.3f} s  {len(data) / 1e6:6.2f} MB{verdict}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
