"""Reading a matrix file (one row per entity, one column per criterion).

The columns are those of ``data/seed_matrix.csv``: ``ente``, the eight
criteria and, optionally, ``punteggio_finale``. Every problem names its place:
the sheet and cell for a workbook, the row and column for a CSV.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from metrodigital.criteria import criterion_keys, seed_weights
from metrodigital.i18n import t

FINAL_SCORE = "punteggio_finale"


class MatrixFileError(ValueError):
    """The file cannot be used as a matrix; ``problems`` lists every reason with its place."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class MatrixFile:
    matrix: pd.DataFrame  # ente + criteria (+ punteggio_finale when present)
    warnings: list[str]


def _place(sheet: str | None, row: int, col: int, column: str, lang: str) -> str:
    if sheet is None:
        return t("file.csv_place", lang, row=row, column=column)
    return f"{sheet}!{get_column_letter(col)}{row}"


def read_matrix(path: Path, lang: str = "it") -> MatrixFile:
    """The matrix in ``path`` (.csv or .xlsx), checked cell by cell."""
    suffix = path.suffix.lower()
    sheet: str | None = None
    if not path.exists():
        raise MatrixFileError([t("file.not_found", lang, file=path)])
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        elif suffix == ".xlsx":
            with pd.ExcelFile(path, engine="openpyxl") as book:
                sheet = str(book.sheet_names[0])
                frame = pd.read_excel(book, sheet_name=sheet, dtype=str, keep_default_na=False)
        else:
            raise MatrixFileError([t("file.unsupported", lang, file=path.name)])
    except MatrixFileError:
        raise
    except Exception as error:  # unreadable file: say so, whatever the parser's reason
        raise MatrixFileError([t("file.unreadable", lang, file=path.name, error=error)]) from error

    frame.columns = [str(c).strip().lower() for c in frame.columns]
    keys = list(criterion_keys())
    missing = [c for c in ["ente", *keys] if c not in frame.columns]
    if missing:
        raise MatrixFileError(
            [t("file.missing_columns", lang, file=path.name, columns=", ".join(missing))]
        )
    wanted = ["ente", *keys] + ([FINAL_SCORE] if FINAL_SCORE in frame.columns else [])
    problems: list[str] = []
    warnings: list[str] = []
    col_index = {name: i + 1 for i, name in enumerate(frame.columns)}
    records = []
    for offset, row in enumerate(frame[wanted].itertuples(index=False)):
        excel_row = offset + 2  # header on row 1
        values = dict(zip(wanted, row, strict=True))
        ente = str(values["ente"]).strip()
        if not ente and all(not str(v).strip() for v in values.values()):
            continue  # empty trailing row
        if not ente:
            place = _place(sheet, excel_row, col_index["ente"], "ente", lang)
            problems.append(t("file.missing_name", lang, place=place))
        record: dict[str, object] = {"ente": ente}
        for key in wanted[1:]:
            raw = str(values[key]).strip()
            place = _place(sheet, excel_row, col_index[key], key, lang)
            if key == FINAL_SCORE and not raw:
                record[key] = math.nan
                continue
            try:
                number = float(raw.replace(",", "."))
            except ValueError:
                problems.append(t("file.not_a_number", lang, place=place, value=raw))
                continue
            if not math.isfinite(number) or number < 0:
                problems.append(t("file.negative", lang, place=place, value=raw))
                continue
            record[key] = number
        records.append(record)
    if not records and not problems:
        problems.append(t("file.no_rows", lang, file=path.name))
    if problems:
        raise MatrixFileError(problems)
    matrix = pd.DataFrame.from_records(records)
    duplicated = matrix["ente"][matrix["ente"].duplicated()].unique().tolist()
    if duplicated:
        raise MatrixFileError(
            [t("file.duplicate", lang, file=path.name, ente=name) for name in duplicated]
        )
    if FINAL_SCORE in matrix.columns:
        weights = seed_weights()
        expected = sum(matrix[k] * w for k, w in weights.items())
        for i, (given, computed) in enumerate(zip(matrix[FINAL_SCORE], expected, strict=True)):
            if not math.isnan(given) and abs(given - computed) > 1e-6:
                warnings.append(
                    t("file.final_mismatch", lang, ente=matrix["ente"][i], given=f"{given:g}",
                      computed=f"{computed:g}")
                )
    return MatrixFile(matrix, warnings)
