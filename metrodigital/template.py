"""The questionnaire template: an .xlsx to fill by hand, generated from the definition.

One row per entity; single choices and yes/no questions have a drop-down of the
allowed answers, multiple choices one Sì/No column per option (the LimeSurvey
layout the importer reads), numbers accept only numbers ≥ 0. A second sheet
explains how to fill it, in Italian.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from metrodigital.questionnaire import NO_LABEL, YES_LABEL, Questionnaire, default_questionnaire

ROWS = 400  # rows prepared with drop-downs: more than the Comuni of a metropolitan city
ANSWERS_SHEET = "Risposte"
LISTS_SHEET = "Elenchi"
HELP_SHEET = "Istruzioni"


def template_columns(questionnaire: Questionnaire) -> list[tuple[str, str, tuple[str, ...]]]:
    """(header, kind, allowed answers) of each column after the entity's name."""
    columns: list[tuple[str, str, tuple[str, ...]]] = []
    for question in questionnaire.questions:
        if question.type == "multiple":
            for option in question.options:
                columns.append((f"{question.text} [{option.label}]", "list",
                                (YES_LABEL, NO_LABEL)))
        elif question.type == "number":
            columns.append((question.text, "number", ()))
        else:
            columns.append((question.text, "list", question.allowed()))
    return columns


def build_template(questionnaire: Questionnaire | None = None) -> bytes:
    """The template as .xlsx bytes."""
    questionnaire = questionnaire or default_questionnaire()
    book = Workbook()
    answers = book.active
    assert answers is not None
    answers.title = ANSWERS_SHEET
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    columns = template_columns(questionnaire)
    entity_header = questionnaire.entity_aliases[0] if questionnaire.entity_aliases else "Ente"
    answers.append([entity_header, *(header for header, _, _ in columns)])
    header_fill = PatternFill("solid", fgColor="1F5AA6")
    for cell in answers[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    answers.row_dimensions[1].height = 90
    answers.column_dimensions["A"].width = 40
    answers.freeze_panes = "B2"
    list_column = 0
    for index, (_, kind, allowed) in enumerate(columns, start=2):
        letter = get_column_letter(index)
        answers.column_dimensions[letter].width = 24
        target = f"{letter}2:{letter}{ROWS + 1}"
        if kind == "number":
            rule = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                                  allow_blank=True, showErrorMessage=True,
                                  errorTitle="Valore non valido",
                                  error="Inserire un numero maggiore o uguale a 0.")
        else:
            list_column += 1
            list_letter = get_column_letter(list_column)
            for row, label in enumerate(allowed, start=1):
                lists[f"{list_letter}{row}"] = label
            cells = f"${list_letter}$1:${list_letter}${len(allowed)}"
            source = f"{quote_sheetname(LISTS_SHEET)}!{cells}"
            rule = DataValidation(type="list", formula1=source, allow_blank=True,
                                  showErrorMessage=True, errorTitle="Risposta non ammessa",
                                  error="Scegliere una delle risposte dell'elenco.")
        rule.add(target)
        answers.add_data_validation(rule)
    help_sheet = book.create_sheet(HELP_SHEET)
    help_sheet.column_dimensions["A"].width = 110
    for line in _instructions(questionnaire):
        help_sheet.append([line])
    help_sheet["A1"].font = Font(bold=True, size=14)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _instructions(questionnaire: Questionnaire) -> list[str]:
    return [
        f"{questionnaire.title}: modello da compilare",
        "",
        f"1. Compilare il foglio «{ANSWERS_SHEET}»: una riga per ogni Comune o Unione di Comuni.",
        "2. Nella prima colonna scrivere il nome dell'ente (per esempio «Comune di Mazzè» o "
        "«Unione dei Comuni Nord Est Torino»).",
        "3. Per ogni domanda scegliere la risposta dall'elenco a discesa della cella; per le "
        "domande a scelta multipla c'è una colonna per ogni opzione: «Sì» se scelta, «No» o "
        "vuoto se no.",
        "4. Le domande numeriche accettano solo numeri maggiori o uguali a 0 (la virgola "
        "decimale va bene).",
        "5. Non cambiare le intestazioni e non aggiungere righe sopra di esse.",
        "6. Salvare il file in formato .xlsx e caricarlo nella pagina «Carica questionari» "
        "dell'app: ogni problema viene segnalato con la sua cella prima di pubblicare.",
        "",
        "Le risposte vuote valgono 0 punti e vengono segnalate come avviso.",
    ]
