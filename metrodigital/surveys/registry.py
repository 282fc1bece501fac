"""The surveys the app knows: one folder per survey under ``data/surveys/``.

Adding a survey means adding a folder ``data/surveys/<id>/`` with a
``survey.toml``; no code changes. Tests point ``surveys_dir`` elsewhere
(``tests/data/surveys``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from metrodigital.i18n import DEFAULT_LANG, t
from metrodigital.paths import DATA_DIR
from metrodigital.surveys.loader import FILE_NAME, load_definition
from metrodigital.surveys.model import Survey

SURVEYS_DIR = DATA_DIR / "surveys"
DEFAULT_SURVEY = "metrodigital-2022"


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
    """The ids of the surveys defined under ``surveys_dir`` (default ``data/surveys``)."""
    folder = Path(surveys_dir) if surveys_dir is not None else SURVEYS_DIR
    if not folder.is_dir():
        return ()
    return tuple(sorted(child.name for child in folder.iterdir()
                        if child.is_dir() and (child / FILE_NAME).is_file()))


@cache
def _load(survey_id: str, folder: Path) -> Survey:
    return load_definition(folder / survey_id / FILE_NAME, folder_id=survey_id)


def load_survey(survey_id: str, surveys_dir: Path | str | None = None) -> Survey:
    """The survey ``survey_id``, validated, loaded once per folder.

    Raises ``UnknownSurvey`` for an id without a folder and
    ``SurveyDefinitionError`` for an invalid definition (every problem named by
    file and key).
    """
    folder = (Path(surveys_dir) if surveys_dir is not None else SURVEYS_DIR).resolve()
    known = survey_ids(folder)
    if survey_id not in known:
        raise UnknownSurvey(survey_id, known)
    return _load(survey_id, folder)


def load_all(surveys_dir: Path | str | None = None) -> dict[str, Survey]:
    """Every survey under ``surveys_dir``, by id."""
    return {sid: load_survey(sid, surveys_dir) for sid in survey_ids(surveys_dir)}


def clear_cache() -> None:
    """Forget loaded definitions (after a definition file changed)."""
    _load.cache_clear()
