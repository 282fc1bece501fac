"""The surveys the app knows: one folder per survey under ``data/surveys/``.

Adding a survey means adding a folder ``data/surveys/<id>/`` with a
``survey.toml``; no code changes. ``$METRODIGITAL_SURVEYS`` may name more
folders of surveys (separated by ``os.pathsep``), read after ``data/surveys``
(the tests use it for a test-only survey); a function given ``surveys_dir``
reads that folder alone.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from metrodigital.i18n import DEFAULT_LANG, t
from metrodigital.paths import DATA_DIR
from metrodigital.surveys.loader import FILE_NAME, load_definition
from metrodigital.surveys.model import Survey

SURVEYS_DIR = DATA_DIR / "surveys"
SURVEYS_ENV = "METRODIGITAL_SURVEYS"
DEFAULT_SURVEY = "metrodigital-2022"


def _folders(surveys_dir: Path | str | None) -> list[Path]:
    """Where surveys are looked for: ``surveys_dir`` alone, or ``data/surveys`` and the
    folders ``$METRODIGITAL_SURVEYS`` names."""
    if surveys_dir is not None:
        return [Path(surveys_dir)]
    extra = [Path(p) for p in os.environ.get(SURVEYS_ENV, "").split(os.pathsep) if p]
    return [SURVEYS_DIR, *extra]


class UnknownSurvey(KeyError):
    """No folder of that name holds a survey definition."""

    def __init__(self, survey_id: str, known: tuple[str, ...]) -> None:
        super().__init__(survey_id)
        self.survey_id = survey_id
        self.known = known

    def message(self, lang: str = DEFAULT_LANG) -> str:
        return t("surveys.registry.unknown", lang, value=self.survey_id,
                 allowed=", ".join(self.known))

    def __str__(self) -> str:
        return self.message()


def survey_ids(surveys_dir: Path | str | None = None) -> tuple[str, ...]:
    """The ids of the surveys defined under ``surveys_dir`` (default: ``data/surveys`` and
    ``$METRODIGITAL_SURVEYS``), the default survey first."""
    ids = {sid for folder in _folders(surveys_dir) for sid in _ids_in(folder)}
    return tuple(sorted(ids, key=lambda sid: (sid != DEFAULT_SURVEY, sid)))


def _ids_in(folder: Path) -> tuple[str, ...]:
    if not folder.is_dir():
        return ()
    return tuple(child.name for child in folder.iterdir()
                 if child.is_dir() and (child / FILE_NAME).is_file())


@cache
def _load(survey_id: str, folder: Path) -> Survey:
    return load_definition(folder / survey_id / FILE_NAME, folder_id=survey_id)


def load_survey(survey_id: str, surveys_dir: Path | str | None = None) -> Survey:
    """The survey ``survey_id``, validated, loaded once per folder.

    Raises ``UnknownSurvey`` for an id without a folder and
    ``SurveyDefinitionError`` for an invalid definition (every problem named by
    file and key).
    """
    for folder in _folders(surveys_dir):
        if survey_id in _ids_in(folder):
            return _load(survey_id, folder.resolve())
    raise UnknownSurvey(survey_id, survey_ids(surveys_dir))


def load_all(surveys_dir: Path | str | None = None) -> dict[str, Survey]:
    """Every survey under ``surveys_dir``, by id."""
    return {sid: load_survey(sid, surveys_dir) for sid in survey_ids(surveys_dir)}


def clear_cache() -> None:
    """Forget loaded definitions (after a definition file changed)."""
    _load.cache_clear()
