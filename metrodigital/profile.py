"""An entity's profile (the Scheda ente): where it stands in a scenario and why.

``build_profile(store, scenario, entity_id, lang)`` gathers, for one entity of the
scenario's wave:

- rank, score, selected and tie status (:func:`metrodigital.ranking.evaluate`);
- the robustness of its status when a report is given (class, p(selected), best and
  worst rank, its tipping points: :func:`metrodigital.analysis.analyse`);
- its points per section against its population class and against all respondents
  (lower quartile, median, upper quartile: linear interpolation, as Excel's
  QUARTILE.INC), and the strengths and weaknesses by :data:`RULE` (below);
- each answer beside its peers' (all respondents and its population class);
- its history across the waves of the same survey (rank under each wave's reference
  weights);
- the offers that fit it (:mod:`metrodigital.offers`) with the answers that triggered each.

The rule for strengths and weaknesses (stated on the page and in the brief, message
``scheda.rule``): a section is a **strength** when the entity's points are at or above
the upper quartile of all respondents and above their median; a **weakness** when they
are at or below the lower quartile and below the median. The population criterion is
not a section and is neither.

An entity is named in links by its ISTAT code (:func:`entity_key`): a Comune by its
code (``001156``), an Unione by its members' codes joined with ``;`` (any order); an
entity without a code by its id.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from metrodigital import pnrr as pnrr_record
from metrodigital.analysis import RobustnessReport, tipping_sentence
from metrodigital.explain import tie_sentence
from metrodigital.i18n import fmt_number, fmt_percent, t
from metrodigital.offers import Fit, answer_text, fits, offers_for
from metrodigital.ranking import Selection, evaluate, rank, wave_points
from metrodigital.scenario import Scenario
from metrodigital.store import Store, Wave
from metrodigital.surveys.answers import wide_answers
from metrodigital.surveys.model import QuestionType, Survey
from metrodigital.surveys.registry import load_survey

STRENGTH = "strength"
WEAKNESS = "weakness"


@dataclass(frozen=True)
class EntityRef:
    entity_id: str
    name: str
    istat_code: str | None

    @property
    def key(self) -> str:
        return entity_key(self.entity_id, self.istat_code)


def entity_key(entity_id: str, istat_code: str | None) -> str:
    """How links name an entity: its ISTAT code(s), else its id."""
    return istat_code or entity_id


def wave_entities(store: Store, wave_slug: str) -> list[EntityRef]:
    """The entities of a wave, in the order of its file."""
    wave = store.wave(wave_slug)
    rows = store.cursor().execute(
        "SELECT we.entity_id, we.name_in_source, e.istat_code FROM wave_entities AS we "
        "JOIN entities AS e USING (entity_id) WHERE we.wave_id = ? ORDER BY we.source_row",
        [wave.wave_id]).fetchall()
    return [EntityRef(str(i), str(n), str(c) if c else None) for i, n, c in rows]


def answered_entities(store: Store, wave_slug: str) -> set[str]:
    """The entities with at least one stored answer in the wave (a matrix wave has none)."""
    wave = store.wave(wave_slug)
    rows = store.cursor().execute("SELECT DISTINCT entity_id FROM answers WHERE wave_id = ?",
                                  [wave.wave_id]).fetchall()
    return {str(r[0]) for r in rows}


def waves_with_answers(store: Store, survey_id: str, entity_id: str) -> list[Wave]:
    """The waves of the survey where this entity has answers."""
    return [w for w in store.waves() if w.survey_id == survey_id
            and entity_id in answered_entities(store, w.slug)]


def _codes(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(";") if part.strip())


def resolve_entity(entities: list[EntityRef], key: str) -> EntityRef | None:
    """The entity a link's ``ente`` names: an ISTAT code, an Unione's members' codes
    joined with ``;`` in any order, or the entity's id."""
    wanted = key.strip()
    if not wanted:
        return None
    codes = _codes(wanted)
    for entity in entities:
        if entity.entity_id == wanted:
            return entity
        if entity.istat_code and _codes(entity.istat_code) == codes:
            return entity
    return None


@dataclass(frozen=True)
class SectionRow:
    key: str
    label: str
    points: float
    maximum: float
    all_q1: float
    all_median: float
    all_q3: float
    class_q1: float
    class_median: float
    class_q3: float
    verdict: str  # STRENGTH, WEAKNESS or ""


@dataclass(frozen=True)
class Standing:
    rank: int
    score: float
    selected: bool
    tied: bool
    n: int
    top: int
    n_selected: int
    tie_sentence: str
    reference_rank: int


@dataclass(frozen=True)
class RobustnessView:
    cls: str  # always, borderline, never, undecided
    p_selected: float
    best_rank: str
    worst_rank: str
    tipping: tuple[str, ...]


@dataclass(frozen=True)
class EntityProfile:
    entity: EntityRef
    wave: Wave
    survey: Survey
    n_respondents: int
    population_class: str  # the class's label ("" when unknown)
    n_class: int
    standing: Standing | None  # None: the survey has no matrix or the wave no points
    sections: tuple[SectionRow, ...] = ()
    robustness: RobustnessView | None = None
    answers: pd.DataFrame = field(default_factory=pd.DataFrame)
    history: pd.DataFrame = field(default_factory=pd.DataFrame)
    fits: tuple[Fit, ...] = ()
    has_answers: bool = False
    has_offers: bool = False
    # the PNRR record beside the declaration (metrodigital.pnrr.compare); empty: no record
    pnrr: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def strengths(self) -> list[SectionRow]:
        return [s for s in self.sections if s.verdict == STRENGTH]

    @property
    def weaknesses(self) -> list[SectionRow]:
        return [s for s in self.sections if s.verdict == WEAKNESS]

    def sections_frame(self, lang: str) -> pd.DataFrame:
        """The section table as pages and exports show it."""
        return pd.DataFrame([{
            t("scheda.col.section", lang): s.label,
            t("scheda.col.points", lang): s.points,
            t("scheda.col.max", lang): s.maximum,
            t("scheda.col.class_median", lang): s.class_median,
            t("scheda.col.class_quartiles", lang): _range(s.class_q1, s.class_q3, lang),
            t("scheda.col.all_median", lang): s.all_median,
            t("scheda.col.all_quartiles", lang): _range(s.all_q1, s.all_q3, lang),
            t("scheda.col.verdict", lang): t(f"scheda.verdict.{s.verdict}", lang)
            if s.verdict else "",
        } for s in self.sections])


def _range(low: float, high: float, lang: str) -> str:
    return f"{fmt_number(low, lang, _decimals(low))} – {fmt_number(high, lang, _decimals(high))}"


def _decimals(value: float) -> int:
    return 0 if float(value) == round(float(value)) else 1


def verdict(points: float, q1: float, median: float, q3: float) -> str:
    """The rule for strengths and weaknesses (module docstring, ``scheda.rule``)."""
    if points >= q3 and points > median:
        return STRENGTH
    if points <= q1 and points < median:
        return WEAKNESS
    return ""


def _quartiles(values: np.ndarray) -> tuple[float, float, float]:
    if len(values) == 0:
        return (math.nan, math.nan, math.nan)
    q1, q2, q3 = np.percentile(values, [25, 50, 75])
    return float(q1), float(q2), float(q3)


def _class_of(survey: Survey, groups: dict[str, dict[str, int]], entity_id: str
              ) -> int | None:
    found = groups.get(entity_id, {}).get("pop")
    return int(found) if found else None


def _class_label(survey: Survey, number: int | None, lang: str) -> str:
    if number is None:
        return ""
    for item in survey.population_classes:
        if item.number == number:
            return item.label_in(lang)
    return str(number)


def _sections(store: Store, wave: Wave, survey: Survey, entity_id: str,
              lang: str) -> tuple[tuple[SectionRow, ...], int | None, int]:
    """Section points against all respondents and the entity's population class."""
    points = wave_points(store, wave.slug)
    ids = list(points.entity_ids)
    if entity_id not in ids:
        return (), None, 0
    row = ids.index(entity_id)
    groups = points.groups({})
    number = _class_of(survey, groups, entity_id)
    same = np.array([_class_of(survey, groups, e) == number and number is not None
                     for e in ids])
    maxima = points.maxima
    out = []
    for c, key in enumerate(points.criteria):
        criterion = survey.criterion(key)
        if criterion.population:
            continue
        column = points.values[:, c]
        all_q = _quartiles(column)
        class_q = _quartiles(column[same]) if same.any() else (math.nan,) * 3
        value = float(column[row])
        out.append(SectionRow(key, criterion.label(lang), value, float(maxima.get(key, 0)),
                              *all_q, *class_q, verdict(value, *all_q)))
    return tuple(out), number, int(same.sum())


def _standing(selection: Selection, entity_id: str, lang: str) -> Standing | None:
    table = selection.table
    found = table[table["entity_id"] == entity_id]
    if found.empty:
        return None
    row = found.iloc[0]
    return Standing(rank=int(row["rank"]), score=float(row["score"]),
                    selected=bool(row["selected"]), tied=bool(row["tied_at_cutoff"]),
                    n=len(table), top=selection.scenario.top,
                    n_selected=selection.n_selected,
                    tie_sentence=tie_sentence(selection, lang),
                    reference_rank=int(row["seed_rank"]))


def _rank_text(value: int | None, bounds: list[int], lang: str) -> str:
    if value is not None:
        return str(value)
    return t("scheda.rank_between", lang, low=bounds[0], high=bounds[1])


def robustness_view(report: RobustnessReport, entity_id: str, lang: str
                    ) -> RobustnessView | None:
    """The entity's row of a robustness report, in words."""
    if entity_id not in report.entity_ids:
        return None
    i = report.entity_ids.index(entity_id)
    row = report.rows()[i]  # rows follow the report's entity order
    tipping = tuple(tipping_sentence(report, tp, lang)
                    for tp in report.tipping_by_entity().get(i, ()))
    return RobustnessView(cls=str(row["class"]), p_selected=float(row["p_selected"]),
                          best_rank=_rank_text(row["best_rank"], row["best_rank_range"], lang),
                          worst_rank=_rank_text(row["worst_rank"], row["worst_rank_range"],
                                                lang),
                          tipping=tipping)


def _share(part: int, whole: int, lang: str) -> str:
    return f"{fmt_percent(part / whole, lang, 0)} ({part}/{whole})" if whole else "—"


def _peer_text(question_type: QuestionType, answer: object, peers: pd.Series,
               lang: str) -> str:
    """How the peers answered, next to the entity's answer."""
    given = peers.dropna() if question_type in (QuestionType.NUMBER, QuestionType.RATING) \
        else peers[peers.map(lambda v: v is not None and not (isinstance(v, float)
                                                              and math.isnan(v)))]
    if given.empty:
        return "—"
    if question_type in (QuestionType.NUMBER, QuestionType.RATING):
        values = given.astype(float).to_numpy()
        q1, q2, q3 = _quartiles(values)
        return t("scheda.peers_number", lang, median=fmt_number(q2, lang, _decimals(q2)),
                 q1=fmt_number(q1, lang, _decimals(q1)), q3=fmt_number(q3, lang, _decimals(q3)),
                 n=len(values))
    if question_type == QuestionType.TEXT:
        return t("scheda.peers_text", lang, n=len(given))
    if question_type == QuestionType.MULTIPLE:
        if not isinstance(answer, list | tuple) or not answer:
            return "—"
        chosen = set(answer)
        counts = given.map(lambda v: len(chosen & set(v or ())) if isinstance(v, list | tuple)
                           else 0)
        same = int((counts == len(chosen)).sum())
        return t("scheda.peers_all_chosen", lang, share=_share(same, len(given), lang))
    if answer is None:
        return "—"
    same = int((given.astype(str) == str(answer)).sum())
    return t("scheda.peers_same", lang, share=_share(same, len(given), lang))


def _answers(survey: Survey, frame: pd.DataFrame, entity_id: str, class_ids: set[str],
             lang: str) -> pd.DataFrame:
    row = frame[frame["entity_id"] == entity_id]
    if row.empty:
        return pd.DataFrame()
    record = row.iloc[0]
    in_class = frame[frame["entity_id"].isin(class_ids)]
    rows = []
    for question in survey.questions:
        if question.personal or question.code not in frame.columns:
            continue
        answer = record[question.code]
        rows.append({
            "code": question.code,
            t("scheda.col.question", lang): f"{question.id} {question.text_in(lang)}".strip(),
            t("scheda.col.answer", lang): answer_text(survey, question.code, answer, lang),
            t("scheda.col.peers_all", lang): _peer_text(question.type, answer,
                                                        frame[question.code], lang),
            t("scheda.col.peers_class", lang): _peer_text(question.type, answer,
                                                          in_class[question.code], lang)
            if len(in_class) else "—",
        })
    return pd.DataFrame(rows)


def _history(store: Store, survey: Survey, entity_id: str, lang: str) -> pd.DataFrame:
    rows = []
    for wave in store.waves():
        if wave.survey_id != survey.id:
            continue
        ids = {e.entity_id for e in wave_entities(store, wave.slug)}
        if entity_id not in ids:
            continue
        rank_text, score_text, n = "—", "—", len(ids)
        if survey.has_matrix:
            ranking = rank(store, wave.slug, wave.reference_weights or survey.reference_weights)
            found = ranking.table[ranking.table["entity_id"] == entity_id]
            if not found.empty and len(ranking.table):
                rank_text = str(int(found.iloc[0]["rank"]))
                score = float(found.iloc[0]["score"])
                score_text = fmt_number(score, lang, _decimals(score))
        rows.append({
            t("scheda.col.wave", lang): wave.label(lang),
            t("scheda.col.date", lang): wave.survey_date.strftime("%d/%m/%Y")
            if wave.survey_date else "—",
            t("scheda.col.rank_reference", lang): rank_text,
            t("scheda.col.score_reference", lang): score_text,
            t("scheda.col.respondents", lang): n,
        })
    return pd.DataFrame(rows)


def build_profile(store: Store, scenario: Scenario, entity: EntityRef, lang: str, *,
                  report: RobustnessReport | None = None,
                  selection: Selection | None = None, offers_ok: bool = True
                  ) -> EntityProfile:
    """Everything the Scheda ente shows about ``entity`` in ``scenario``."""
    wave = store.wave(scenario.wave)
    survey = load_survey(wave.survey_id)
    entities = wave_entities(store, wave.slug)
    has_points = survey.has_matrix and not store.points(wave.slug).empty
    standing: Standing | None = None
    sections: tuple[SectionRow, ...] = ()
    class_number: int | None = None
    n_class = 0
    if has_points:
        selection = selection or evaluate(store, scenario)
        standing = _standing(selection, entity.entity_id, lang)
        sections, class_number, n_class = _sections(store, wave, survey, entity.entity_id,
                                                    lang)
    answers = wide_answers(store, wave.slug)
    has_answers = entity.entity_id in answered_entities(store, wave.slug)
    if class_number is None and has_answers:
        record = answers[answers["entity_id"] == entity.entity_id].iloc[0]
        klass = record.get("classe_popolazione")
        if klass is not None and not (isinstance(klass, float) and math.isnan(klass)):
            same = answers[answers["classe_popolazione"] == klass]
            n_class = len(same)
            class_number = next((c.number for c in survey.population_classes
                                 if str(c.option or c.number) == str(klass)), None)
    class_ids: set[str] = set()
    if has_answers and class_number is not None:
        if has_points:
            groups = wave_points(store, wave.slug).groups({})
            class_ids = {e for e, g in groups.items() if g.get("pop") == class_number}
        else:
            klass = answers.loc[answers["entity_id"] == entity.entity_id,
                                "classe_popolazione"].iloc[0]
            class_ids = set(answers.loc[answers["classe_popolazione"] == klass, "entity_id"])
    offers = offers_for(survey.id) if offers_ok else None
    found_fits: tuple[Fit, ...] = ()
    if has_answers and offers is not None:
        record = answers[answers["entity_id"] == entity.entity_id].iloc[0].to_dict()
        found_fits = tuple(fits(offers, record))
    pnrr = pd.DataFrame()
    if pnrr_record.applies_to(survey.id) and entity.istat_code:
        declared = None
        if has_answers:
            record = answers[answers["entity_id"] == entity.entity_id].iloc[0]
            declared = record.get(pnrr_record.measures().question)
        pnrr = pnrr_record.compare(entity.istat_code, declared)
    return EntityProfile(
        pnrr=pnrr,
        entity=entity, wave=wave, survey=survey, n_respondents=len(entities),
        population_class=_class_label(survey, class_number, lang), n_class=n_class,
        standing=standing, sections=sections,
        robustness=robustness_view(report, entity.entity_id, lang) if report else None,
        answers=_answers(survey, answers, entity.entity_id, class_ids, lang)
        if has_answers else pd.DataFrame(),
        history=_history(store, survey, entity.entity_id, lang), fits=found_fits,
        has_answers=has_answers, has_offers=offers is not None or not offers_ok)


def profile_json(profile: EntityProfile, lang: str) -> dict[str, object]:
    """The profile as the CLI's ``profile --format json`` gives it."""
    standing = profile.standing
    rob = profile.robustness
    return {
        "ente": profile.entity.name, "entity_id": profile.entity.entity_id,
        "istat_code": profile.entity.istat_code, "wave": profile.wave.slug,
        "survey": profile.survey.id, "respondents": profile.n_respondents,
        "population_class": profile.population_class or None,
        "rank": standing.rank if standing else None,
        "score": standing.score if standing else None,
        "selected": standing.selected if standing else None,
        "tied_at_cutoff": standing.tied if standing else None,
        "top": standing.top if standing else None,
        "robustness": None if rob is None else {
            "class": rob.cls, "p_selected": rob.p_selected, "best_rank": rob.best_rank,
            "worst_rank": rob.worst_rank, "tipping": list(rob.tipping)},
        "sections": [{
            "key": s.key, "label": s.label, "points": s.points, "max": s.maximum,
            "all": {"q1": s.all_q1, "median": s.all_median, "q3": s.all_q3},
            "class": {"q1": _nan_none(s.class_q1), "median": _nan_none(s.class_median),
                      "q3": _nan_none(s.class_q3)},
            "verdict": s.verdict or None} for s in profile.sections],
        "strengths": [s.key for s in profile.strengths],
        "weaknesses": [s.key for s in profile.weaknesses],
        "offers": [{"offer": f.offer.key, "name": f.offer.name_in(lang),
                    "triggered_by": [tr.question for tr in f.triggers]}
                   for f in profile.fits],
    }


def _nan_none(value: float) -> float | None:
    return None if math.isnan(value) else value


def with_wave(scenario: Scenario, wave: str) -> Scenario:
    return replace(scenario, wave=wave)


def status_text(profile: EntityProfile, lang: str) -> str:
    """The entity's status in the selection, in words (page, brief and CLI)."""
    standing = profile.standing
    if standing is None:
        return ""
    if standing.tied:
        return t("scheda.status.tied" if standing.selected else "scheda.status.tied_out", lang)
    return t("scheda.status.selected" if standing.selected else "scheda.status.not_selected",
             lang)
