"""Surveys as data: each survey is a folder ``data/surveys/<id>/`` with a ``survey.toml``.

- ``model``: the frozen dataclasses (Survey, Section, Question, Option, Band, …);
- ``loader``: reads and validates one definition, every problem named by file and key;
- ``registry``: ``survey_ids()`` and ``load_survey(id)`` over the folders;
- ``findings``: the headline findings computed on a wave's answers.
"""

from metrodigital.surveys.loader import (
    DefinitionProblem,
    SurveyDefinitionError,
    load_definition,
)
from metrodigital.surveys.model import (
    Band,
    Catalogue,
    CatalogueService,
    Criterion,
    Exclusion,
    Finding,
    Option,
    PersonalColumn,
    PopulationClass,
    Question,
    QuestionType,
    Section,
    Survey,
)
from metrodigital.surveys.registry import UnknownSurvey, load_survey, survey_ids

__all__ = [
    "Band",
    "Catalogue",
    "CatalogueService",
    "Criterion",
    "DefinitionProblem",
    "Exclusion",
    "Finding",
    "Option",
    "PersonalColumn",
    "PopulationClass",
    "Question",
    "QuestionType",
    "Section",
    "Survey",
    "SurveyDefinitionError",
    "UnknownSurvey",
    "load_definition",
    "load_survey",
    "survey_ids",
]
