"""What the Method page tabulates: a survey's questions and the link's parameters.

Both tables come from the definitions themselves (the survey file and the table
of link parameters), so the page cannot drift from what the app does.
"""

from __future__ import annotations

import pandas as pd

from metrodigital.criteria import load_criteria
from metrodigital.i18n import t
from metrodigital.params import PARAMS, WEIGHTS
from metrodigital.surveys.model import Survey


def survey_outline(survey: Survey, lang: str) -> pd.DataFrame:
    """One row per question: section, number, code, text, type, and whether it is
    scored or personal."""
    rows = []
    for section in survey.sections:
        for q in section.questions:
            notes = []
            if q.scored:
                notes.append(t("method.outline.points", lang, points=q.max_points))
            if q.personal:
                notes.append(t("method.outline.personal", lang))
            rows.append({
                t("method.outline.section", lang): section.title_in(lang),
                t("method.outline.code", lang): q.code,
                t("method.outline.question", lang): q.text_in(lang),
                t("method.outline.type", lang): t(f"method.type.{q.type}", lang),
                t("method.outline.notes", lang): ", ".join(notes),
            })
    return pd.DataFrame(rows)


def link_parameters(survey: Survey, lang: str) -> pd.DataFrame:
    """The link's parameters as the table declares them; the weights named by the chosen
    survey's criteria codes."""
    rows = []
    for row in PARAMS:
        if row is WEIGHTS:
            criteria = load_criteria(survey.id)
            if not criteria:
                continue
            name = ", ".join(c.code for c in criteria)
        else:
            name = row.name
        rows.append({t("method.params.name", lang): name,
                     t("method.params.meaning", lang): t(row.help_key, lang)})
    return pd.DataFrame(rows)
