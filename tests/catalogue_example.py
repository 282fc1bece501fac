"""The synthetic Milan example as a wave's wide answers, built from the file itself.

The shape of :func:`metrodigital.surveys.answers.wide_answers`: one row per
respondent, ``entity_id, ente, istat_code, popolazione, classe_popolazione,
zona_omogenea`` and a typed column per question code. Tests of the catalogue's
domain use it so they do not depend on the import path.
"""

from __future__ import annotations

import pandas as pd

from metrodigital.paths import DATA_DIR
from metrodigital.surveys.registry import load_survey
from metrodigital.territories import load_territory

EXAMPLE = DATA_DIR / "examples" / "risposte_sintetiche_milano_2017.xlsx"
SURVEY_ID = "ponmetro-milano-2017"


def example_wide() -> pd.DataFrame:
    survey = load_survey(SURVEY_ID)
    texts = {q.text: q.code for q in survey.questions}
    frame = pd.read_excel(EXAMPLE, sheet_name="Risposte", header=1, dtype=object)
    frame = frame.rename(columns={**texts, "Comune": "ente"})
    comuni = load_territory(survey.territory).comuni
    frame = frame.merge(comuni, left_on="ente", right_on="comune", how="left",
                        validate="one_to_one")
    classes = survey.question("classe_popolazione")
    out = pd.DataFrame({
        "entity_id": frame["codice_istat"],
        "ente": frame["ente"],
        "istat_code": frame["codice_istat"],
        "popolazione": frame["popolazione"].astype("int64"),
        "classe_popolazione": [classes.find_option(v).code for v in  # type: ignore[union-attr]
                               frame["classe_popolazione"]],
        "zona_omogenea": frame["zona_omogenea_nome"].replace("", pd.NA),
    })
    for question in survey.questions:
        if question.code in frame.columns and question.code != "classe_popolazione" \
                and not question.personal:
            values = frame[question.code]
            if question.type in ("number", "rating"):
                values = pd.to_numeric(values).astype(float)
            out[question.code] = values
    return out
