"""Catalogo servizi: proposed services ranked by the interest the Comuni rated.

Pure functions over a pandas DataFrame of answers, one row per respondent, with
one rating column per service (integers 1–5, empty when not answered) and, as
needed, a residents column and grouping columns (population class, zone).

``rank_services`` computes per service the mean rating, the share of ratings
≥ 4 and n (respondents who rated it), ranks the services and chooses the best
``top`` that are not excluded:

- score = the mean rating. With ``by="equal"`` every Comune counts once; with
  ``by="residents"`` each Comune's rating weighs as many times as it has
  residents (mean = Σ residents × rating / Σ residents over those who rated;
  the share ≥ 4 likewise is a share of residents). n is always the number of
  respondents.
- rank: standard competition ranking ("1224") on the exact score, best first,
  over every service that has a rating (excluded ones too, so one sees where
  they stood); scores are compared as exact fractions, never rounded.
- excluded services carry their stated reason and are never chosen.
- chosen: the ``top`` best services not excluded. When services tied on the
  score straddle the cut-off, the tie is not broken: the whole tied group is
  chosen (the catalogue then has more than ``top`` services, as the rule "all"
  of the Matrix page), each marked ``tied_at_cutoff``, and ``Catalogue.tie``
  says which places they share.

``breakdown`` gives mean, share ≥ 4 and n per service and per group of a column
(population class, zone), marking groups with fewer than ``min_n`` respondents.

Bad input raises ``CatalogueError`` (a ``ValueError``) whose ``key`` is a
message of ``locales/catalogue.toml``.

The user's choice (:class:`CatalogueChoice`: K, how the Comuni count, the
exclusions with their reasons) travels in the link as ``ck``, ``cby`` and ``cx``
(repeated; ``code`` keeps the survey's own reason for that service,
``code:reason`` states one; ``cx=none`` excludes nothing). Without ``cx`` the
survey's source exclusions apply. :func:`choice_from_params` reads a link (bad
values fall back to their defaults with a :class:`~metrodigital.scenario.Note`),
:func:`choice_to_params` writes one; :func:`rank_for_survey` ranks a wave's
answers with the survey's services.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import numpy as np
import pandas as pd

from metrodigital.display import clean
from metrodigital.i18n import DEFAULT_LANG, t
from metrodigital.scenario import Note
from metrodigital.surveys.model import Survey

Weighting = Literal["equal", "residents"]
WEIGHTINGS: tuple[Weighting, ...] = ("equal", "residents")
RATING_MIN, RATING_MAX = 1, 5
HIGH_RATING = 4  # "share rating ≥ 4"
MIN_GROUP_N = 5
SCORE = "mean"


class CatalogueError(ValueError):
    """Invalid input: ``key`` names the message in ``locales/catalogue.toml``."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(self.message())

    def message(self, lang: str = DEFAULT_LANG) -> str:
        return t(self.key, lang, **self.params)


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    question: str  # the answers' column with the rating


@dataclass(frozen=True)
class CatalogueParams:
    by: Weighting
    top: int
    exclude: tuple[tuple[str, str], ...]  # (service code, reason), in the given order
    residents: str  # the residents column (used when by == "residents")
    score: str = SCORE
    high_rating: int = HIGH_RATING


@dataclass(frozen=True)
class CutoffTie:
    """Services with equal score straddling the cut-off: all chosen, none dropped."""

    score: float
    codes: tuple[str, ...]
    first_place: int  # the places among the eligible services the group spans, e.g. 3–4
    last_place: int
    slots: int  # places that were left for the group within ``top``


@dataclass(frozen=True)
class Catalogue:
    """The ranking of the services and the ones chosen, with the parameters used.

    ``table`` has one row per service, best score first (services nobody rated
    last): ``code, name, question, mean, share_high, n, rank, excluded,
    excluded_reason, chosen, tied_at_cutoff``.
    """

    params: CatalogueParams
    table: pd.DataFrame
    tie: CutoffTie | None
    notes: tuple[str, ...] = ()  # message keys, e.g. "catalogue.top_exceeds"

    @property
    def chosen(self) -> list[str]:
        return self.table.loc[self.table["chosen"], "code"].tolist()


@dataclass(frozen=True)
class Breakdown:
    """Mean, share ≥ 4 and n per service and group.

    ``table``: ``group, code, name, mean, share_high, n, small`` (``small``:
    fewer than ``min_n`` respondents rated the service in the group), groups in
    their sort order, services in the given order; a missing group value is
    its own group (``<NA>``).
    """

    group_col: str
    by: Weighting
    min_n: int
    table: pd.DataFrame
    params: Mapping[str, object] = field(default_factory=dict)


def as_services(services: Iterable[Service | Sequence[str]]) -> tuple[Service, ...]:
    """``services`` as ``Service`` objects: each a ``Service`` or a (code, name, question)."""
    result: list[Service] = []
    for item in services:
        if isinstance(item, Service):
            result.append(item)
            continue
        if isinstance(item, str) or len(item) != 3:
            raise CatalogueError("catalogue.bad_service", value=repr(item))
        code, name, question = (str(part) for part in item)
        result.append(Service(code, name, question))
    if not result:
        raise CatalogueError("catalogue.no_services")
    codes = [service.code for service in result]
    for code in codes:
        if codes.count(code) > 1:
            raise CatalogueError("catalogue.duplicate_service", code=code)
    return tuple(result)


def _ratings(answers: pd.DataFrame, service: Service) -> pd.Series:
    """The service's ratings as nullable integers, checked to be whole numbers 1–5."""
    if service.question not in answers.columns:
        raise CatalogueError("catalogue.missing_column", column=service.question,
                             code=service.code)
    column = answers[service.question]
    values = pd.to_numeric(column, errors="coerce")
    bad = column.notna() & (values.isna() | (values % 1 != 0)
                            | (values < RATING_MIN) | (values > RATING_MAX))
    if bad.any():
        position = int(bad.to_numpy().nonzero()[0][0])
        raise CatalogueError("catalogue.bad_rating", column=service.question,
                             row=position + 1, value=str(column.iloc[position]),
                             low=RATING_MIN, high=RATING_MAX)
    return values.astype("Int64")


def _weights(answers: pd.DataFrame, by: Weighting, residents: str) -> pd.Series:
    if by == "equal":
        return pd.Series(1, index=answers.index, dtype="int64")
    if residents not in answers.columns:
        raise CatalogueError("catalogue.missing_residents", column=residents)
    column = answers[residents]
    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna() | (values % 1 != 0) | (values <= 0)
    if bad.any():
        position = int(bad.to_numpy().nonzero()[0][0])
        raise CatalogueError("catalogue.bad_residents", column=residents,
                             row=position + 1, value=str(column.iloc[position]))
    return values.astype("int64")


def _check_weighting(by: str) -> Weighting:
    if by not in WEIGHTINGS:
        raise CatalogueError("catalogue.bad_weighting", value=by,
                             allowed=", ".join(WEIGHTINGS))
    return by  # type: ignore[return-value]


def _stats(ratings: pd.Series | np.ndarray, weights: pd.Series | np.ndarray, high: int
           ) -> tuple[Fraction | None, Fraction | None, int]:
    """Exact mean and share ≥ ``high`` (as fractions) and n over the rated rows
    (numpy underneath: a page reruns this for every service and group)."""
    values = ratings.to_numpy(dtype="float64", na_value=np.nan) \
        if isinstance(ratings, pd.Series) else ratings
    w = weights.to_numpy(dtype="int64") if isinstance(weights, pd.Series) else weights
    rated = ~np.isnan(values)
    n = int(rated.sum())
    if n == 0:
        return None, None, 0
    whole = values[rated].astype(np.int64)
    w = w[rated]
    total = int(w.sum())
    mean = Fraction(int((whole * w).sum()), total)
    share = Fraction(int(w[whole >= high].sum()), total)
    return mean, share, n


def rank_services(
    answers: pd.DataFrame,
    services: Iterable[Service | Sequence[str]],
    *,
    by: Weighting = "equal",
    exclude: Mapping[str, str] | None = None,
    top: int = 3,
    residents: str = "popolazione",
) -> Catalogue:
    """Rank ``services`` by mean interest in ``answers`` and choose the best ``top``
    not in ``exclude`` (service code → reason). See the module's docstring."""
    weighting = _check_weighting(by)
    catalogue_services = as_services(services)
    codes = [service.code for service in catalogue_services]
    exclusions = dict(exclude or {})
    for code, reason in exclusions.items():
        if code not in codes:
            raise CatalogueError("catalogue.unknown_exclusion", code=code,
                                 known=", ".join(codes))
        if not isinstance(reason, str) or not reason.strip():
            raise CatalogueError("catalogue.exclusion_without_reason", code=code)
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise CatalogueError("catalogue.bad_top", value=top)

    weights = _weights(answers, weighting, residents)
    rows = []
    for service in catalogue_services:
        mean, share, n = _stats(_ratings(answers, service), weights, HIGH_RATING)
        rows.append((service, mean, share, n))

    scored = sorted((row for row in rows if row[1] is not None), key=lambda row: -row[1])
    unrated = [row for row in rows if row[1] is None]
    ranks = {service.code: 1 + sum(1 for other in scored if other[1] > mean)
             for service, mean, _, _ in scored}

    eligible = [row for row in scored if row[0].code not in exclusions]
    notes: list[str] = []
    chosen: set[str] = set()
    tied: set[str] = set()
    tie: CutoffTie | None = None
    if top >= len(eligible):
        chosen = {row[0].code for row in eligible}
        if top > len(eligible):
            notes.append("catalogue.top_exceeds")
    else:
        cut = eligible[top - 1][1]
        above = [row for row in eligible if row[1] > cut]
        at_cut = [row for row in eligible if row[1] == cut]
        chosen = {row[0].code for row in above + at_cut}
        if len(above) + len(at_cut) > top:
            tied = {row[0].code for row in at_cut}
            tie = CutoffTie(float(cut), tuple(row[0].code for row in at_cut),
                            len(above) + 1, len(above) + len(at_cut), top - len(above))
            notes.append("catalogue.tie_at_cutoff")
    if unrated:
        notes.append("catalogue.unrated")

    records = []
    for service, mean, share, n in scored + unrated:
        records.append({
            "code": service.code,
            "name": service.name,
            "question": service.question,
            "mean": float(mean) if mean is not None else math.nan,
            "share_high": float(share) if share is not None else math.nan,
            "n": n,
            "rank": ranks.get(service.code),
            "excluded": service.code in exclusions,
            "excluded_reason": exclusions.get(service.code, ""),
            "chosen": service.code in chosen,
            "tied_at_cutoff": service.code in tied,
        })
    table = pd.DataFrame.from_records(records)
    table["rank"] = table["rank"].astype("Int64")
    params = CatalogueParams(weighting, top, tuple(exclusions.items()), residents)
    return Catalogue(params, table, tie, tuple(notes))


def breakdown(
    answers: pd.DataFrame,
    services: Iterable[Service | Sequence[str]],
    group_col: str,
    *,
    by: Weighting = "equal",
    residents: str = "popolazione",
    min_n: int = MIN_GROUP_N,
    order: Sequence[object] | None = None,
) -> Breakdown:
    """Mean, share ≥ 4 and n of every service within each group of ``group_col``.

    Groups come in ``order`` (e.g. the population classes' labels; groups it does
    not list follow in sort order), else in sort order; missing values last."""
    weighting = _check_weighting(by)
    catalogue_services = as_services(services)
    if group_col not in answers.columns:
        raise CatalogueError("catalogue.missing_group", column=group_col)
    if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 1:
        raise CatalogueError("catalogue.bad_min_n", value=min_n)
    weights = _weights(answers, weighting, residents).to_numpy(dtype="int64")
    ratings = {service.code: _ratings(answers, service).to_numpy(dtype="float64",
                                                                 na_value=np.nan)
               for service in catalogue_services}
    groups = answers[group_col]
    present = groups.dropna().unique().tolist()
    listed = [key for key in (order or ()) if key in present]
    keys = listed + sorted((key for key in present if key not in listed),
                           key=lambda v: (str(type(v)), v))
    if groups.isna().any():
        keys.append(None)
    records = []
    for key in keys:
        member = (groups.isna() if key is None else groups == key).to_numpy(dtype=bool)
        for service in catalogue_services:
            mean, share, n = _stats(ratings[service.code][member], weights[member],
                                    HIGH_RATING)
            records.append({
                "group": pd.NA if key is None else key,
                "code": service.code,
                "name": service.name,
                "mean": float(mean) if mean is not None else math.nan,
                "share_high": float(share) if share is not None else math.nan,
                "n": n,
                "small": n < min_n,
            })
    table = pd.DataFrame.from_records(
        records, columns=["group", "code", "name", "mean", "share_high", "n", "small"])
    return Breakdown(group_col, weighting, min_n, table,
                     {"group_col": group_col, "by": weighting, "residents": residents,
                      "min_n": min_n, "high_rating": HIGH_RATING,
                      "order": tuple(order or ())})


# -- the user's choice, and its link -------------------------------------------------

PARAM_TOP = "ck"  # K: how many services the catalogue takes
PARAM_EXCLUDE = "cx"  # an excluded service, repeated: ``code`` or ``code:reason``
PARAM_BY = "cby"  # how the Comuni count: equal | residents
CATALOGUE_PARAMS: tuple[str, ...] = (PARAM_TOP, PARAM_EXCLUDE, PARAM_BY)
DEFAULT_TOP = 3
DEFAULT_BY: Weighting = "equal"
NO_EXCLUSIONS = "none"  # ``cx=none``: nothing excluded (unless a service is coded so)
REASON_MAX = 200  # longest reason kept; a longer one is cut, with a note
_QUOTE_MAX = 40  # longest value quoted back in a note


@dataclass(frozen=True)
class ExclusionChoice:
    """A service the user leaves out, and why. ``reason`` empty: the survey's own reason
    for that service (in the reader's language); a service the survey gives no reason
    for then waits for one and is not excluded until it has it."""

    code: str
    reason: str = ""


@dataclass(frozen=True)
class CatalogueChoice:
    """What the user chose on the Catalogo page: K, how the Comuni count, exclusions."""

    top: int = DEFAULT_TOP
    by: Weighting = DEFAULT_BY
    exclusions: tuple[ExclusionChoice, ...] = ()

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(e.code for e in self.exclusions)


def has_catalogue(survey: Survey) -> bool:
    return survey.catalogue is not None and bool(survey.catalogue.services)


def survey_services(survey: Survey, lang: str = DEFAULT_LANG) -> tuple[Service, ...]:
    """The services ``survey`` proposes, named in ``lang``."""
    if survey.catalogue is None or not survey.catalogue.services:
        raise CatalogueError("catalogue.no_catalogue", survey=survey.id)
    return tuple(Service(s.code, s.name_in(lang), s.question)
                 for s in survey.catalogue.services)


def source_choice(survey: Survey) -> CatalogueChoice:
    """The defaults: K = 3, each Comune counts once, the survey's source exclusions."""
    exclusions = survey.catalogue.exclusions if survey.catalogue is not None else ()
    return CatalogueChoice(exclusions=tuple(ExclusionChoice(e.code) for e in exclusions))


def source_reason(survey: Survey, code: str, lang: str = DEFAULT_LANG) -> str:
    """The survey's own reason for leaving ``code`` out ("" when it gives none)."""
    if survey.catalogue is None:
        return ""
    return next((e.reason(lang) for e in survey.catalogue.exclusions if e.code == code), "")


def exclusion_reasons(choice: CatalogueChoice, survey: Survey, lang: str = DEFAULT_LANG
                      ) -> tuple[dict[str, str], tuple[str, ...]]:
    """The exclusions that apply (code → reason, in the choice's order) and the codes
    still waiting for a reason (the survey gives none and the user wrote none)."""
    applied: dict[str, str] = {}
    pending: list[str] = []
    for item in choice.exclusions:
        reason = item.reason.strip() or source_reason(survey, item.code, lang)
        if reason:
            applied[item.code] = reason
        else:
            pending.append(item.code)
    return applied, tuple(pending)


def clean_reason(text: str) -> tuple[str, bool]:
    """A reason as kept: one line, no control characters, at most :data:`REASON_MAX`
    characters; and whether it had to be cut."""
    whole = clean(text, max_len=None)
    if len(whole) <= REASON_MAX:
        return whole, False
    return clean(whole, max_len=REASON_MAX), True


def parse_exclusion(text: str, codes: Sequence[str], separator: str = ":"
                    ) -> ExclusionChoice | None:
    """``code`` or ``code<separator>reason`` (the link uses ``:``, the command line
    ``=``) as an exclusion of one of ``codes``; None when the code is not one of them.
    The reason is cleaned and cut (:func:`clean_reason`)."""
    code, _, reason = text.partition(separator)
    code = code.strip().lower()
    if code not in codes:
        return None
    return ExclusionChoice(code, clean_reason(reason)[0])


def _quote(raw: str) -> str:
    return raw if len(raw) <= _QUOTE_MAX else raw[:_QUOTE_MAX] + "…"


def _values(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def parse_top(raw: str, n_services: int) -> int | None:
    """K as the link writes it: a whole number from 1 to the number of services."""
    from metrodigital.params import parse_whole_number  # the link's one rule for numbers

    return parse_whole_number(raw, 1, max(n_services, 1))


def parse_weighting(raw: str) -> Weighting | None:
    return raw if raw in WEIGHTINGS else None  # type: ignore[return-value]


def parse_exclusions(values: Sequence[str], survey: Survey
                     ) -> tuple[tuple[ExclusionChoice, ...], list[Note]]:
    """Every ``cx`` value of a link: the exclusions, and a note for each value that is
    not usable (unknown service, ``none`` beside real exclusions, a reason too long)."""
    codes = [s.code for s in survey.catalogue.services] if survey.catalogue else []
    notes: list[Note] = []
    wanted = [v for v in values if v != ""]
    if NO_EXCLUSIONS not in codes and NO_EXCLUSIONS in wanted:
        if len(set(wanted)) == 1:
            return (), notes
        notes.append(Note("catalogue.link.none_with_others", {}))
        wanted = [v for v in wanted if v != NO_EXCLUSIONS]
    chosen: dict[str, ExclusionChoice] = {}
    for raw in wanted:
        item = parse_exclusion(raw, codes)
        if item is None:
            notes.append(Note("catalogue.link.bad_exclusion",
                              {"value": _quote(clean(raw, max_len=None)),
                               "known": ", ".join(codes)}))
            continue
        if clean_reason(raw.partition(":")[2])[1]:
            notes.append(Note("catalogue.link.reason_cut", {"code": item.code,
                                                              "max": REASON_MAX}))
        if item.code in chosen:
            notes.append(Note("catalogue.link.repeated_exclusion", {"code": item.code}))
        chosen[item.code] = item  # the last one of a code wins, as for every parameter
    return tuple(chosen.values()), notes


def choice_from_params(params: Mapping[str, str | Sequence[str]], survey: Survey
                       ) -> tuple[CatalogueChoice, list[Note]]:
    """The choice a link describes for ``survey``; a note for each value not usable
    (which then takes its default: K = 3, each Comune once, the source's exclusions)."""
    defaults = source_choice(survey)
    n_services = len(survey.catalogue.services) if survey.catalogue else 0
    notes: list[Note] = []
    top = defaults.top
    if params.get(PARAM_TOP):
        raw = _values(params[PARAM_TOP])[-1]
        value = parse_top(raw, n_services)
        if value is None:
            notes.append(Note("catalogue.link.bad_top", {
                "value": _quote(clean(raw, max_len=None)), "default": defaults.top,
                "max": n_services}))
        else:
            top = value
    by = defaults.by
    if params.get(PARAM_BY):
        raw = _values(params[PARAM_BY])[-1]
        weighting = parse_weighting(raw)
        if weighting is None:
            notes.append(Note("catalogue.link.bad_by", {
                "value": _quote(clean(raw, max_len=None)), "default": defaults.by,
                "allowed": ", ".join(WEIGHTINGS)}))
        else:
            by = weighting
    exclusions = defaults.exclusions
    if PARAM_EXCLUDE in params:
        values = _values(params[PARAM_EXCLUDE])
        if any(v != "" for v in values):
            exclusions, more = parse_exclusions(values, survey)
            notes += more
            if not exclusions and more and all(n.code == "catalogue.link.bad_exclusion"
                                               for n in more):
                exclusions = defaults.exclusions  # nothing usable: the default, said above
    return CatalogueChoice(top, by, exclusions), notes


def exclusion_values(exclusions: Sequence[ExclusionChoice], survey: Survey,
                     separator: str = ":") -> list[str]:
    """The exclusions as the link (``:``) or the command line (``=``) writes them: the
    code alone when the reason is the survey's own (or none yet), else code and reason."""
    values = []
    for item in exclusions:
        own = {source_reason(survey, item.code, lang) for lang in ("it", "en")} - {""}
        if not item.reason or item.reason in own:
            values.append(item.code)
        else:
            values.append(f"{item.code}{separator}{item.reason}")
    return values


def choice_to_params(choice: CatalogueChoice, survey: Survey) -> dict[str, str | list[str]]:
    """The link parameters of ``choice``: only what differs from the defaults."""
    defaults = source_choice(survey)
    params: dict[str, str | list[str]] = {}
    if choice.top != defaults.top:
        params[PARAM_TOP] = str(choice.top)
    if choice.by != defaults.by:
        params[PARAM_BY] = choice.by
    values = exclusion_values(choice.exclusions, survey)
    if values != exclusion_values(defaults.exclusions, survey):
        params[PARAM_EXCLUDE] = values or [NO_EXCLUSIONS]
    return params


# -- a survey's catalogue, on a wave's answers ----------------------------------------

CLASS_COLUMN = "classe_popolazione"
ZONE_COLUMN = "zona_omogenea"
RESIDENTS_COLUMN = "popolazione"


@dataclass(frozen=True)
class SurveyCatalogue:
    """The ranking of a survey's services on a wave's answers, with what it was asked."""

    survey: Survey
    choice: CatalogueChoice
    lang: str
    ranking: Catalogue
    pending: tuple[str, ...]  # excluded without a reason yet: not applied
    by_class: Breakdown | None
    by_zone: Breakdown | None
    respondents: int
    # counting by residents: respondents left out because their residents are not known
    unknown_residents: tuple[str, ...] = ()

    @property
    def chosen(self) -> list[str]:
        return self.ranking.chosen

    def names(self) -> dict[str, str]:
        return dict(zip(self.ranking.table["code"], self.ranking.table["name"], strict=True))


def class_labels(answers: pd.DataFrame, survey: Survey, lang: str = DEFAULT_LANG
                 ) -> tuple[pd.Series, list[str]]:
    """Each respondent's population class, labelled in ``lang``, and the classes' order.

    The answers' class may be the option's code, the class's number or its label; when
    it is missing the class follows from the residents (the survey's thresholds)."""
    classes = survey.population_classes
    order = [c.label_in(lang) or str(c.number) for c in classes]
    lookup: dict[str, str] = {}
    for item, label in zip(classes, order, strict=True):
        for key in (item.option, str(item.number), item.label, item.label_en):
            if key:
                lookup.setdefault(clean(key).casefold(), label)
    stated = answers[CLASS_COLUMN] if CLASS_COLUMN in answers.columns else \
        pd.Series(pd.NA, index=answers.index, dtype="object")
    residents = pd.to_numeric(answers[RESIDENTS_COLUMN], errors="coerce") \
        if RESIDENTS_COLUMN in answers.columns else pd.Series(math.nan, index=answers.index)
    known: dict[object, str] = {}  # each distinct answer is read once

    def text_of(value: object) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        if value not in known:
            known[value] = clean(_whole_text(value))
        return known[value]

    labels: list[object] = []
    for value, people in zip(stated, residents, strict=True):
        text = text_of(value)
        if text.casefold() in lookup:
            labels.append(lookup[text.casefold()])
        elif classes and not pd.isna(people) and people >= 0:
            chosen = survey.population.class_of(int(people))  # type: ignore[union-attr]
            labels.append(order[classes.index(chosen)])
        elif text:
            labels.append(text)
        else:
            labels.append(pd.NA)
    return pd.Series(labels, index=answers.index, dtype="object"), order


def _whole_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def zone_labels(answers: pd.DataFrame, survey: Survey) -> tuple[pd.Series, list[str]]:
    """Each respondent's zona omogenea by name (a zone number is named by the survey's
    territory) and the territory's order of the zones; missing zones stay missing."""
    from metrodigital.territories import TerritoryError, load_territory

    try:
        zones = dict(load_territory(survey.territory).zones)
    except (TerritoryError, KeyError, OSError):
        zones = {}
    order = [zones[number] for number in sorted(zones)]
    if ZONE_COLUMN not in answers.columns:
        return pd.Series(pd.NA, index=answers.index, dtype="object"), order
    named: dict[object, object] = {}  # each distinct answer is read once
    labels: list[object] = []
    for value in answers[ZONE_COLUMN]:
        if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
            labels.append(pd.NA)
            continue
        if value not in named:
            text = _whole_text(value)
            named[value] = zones.get(int(text), text) if text.isdigit() else clean(text)
        labels.append(named[value])
    return pd.Series(labels, index=answers.index, dtype="object"), order


def rank_for_survey(answers: pd.DataFrame, survey: Survey, choice: CatalogueChoice,
                    lang: str = DEFAULT_LANG, *, min_n: int = MIN_GROUP_N) -> SurveyCatalogue:
    """Rank ``survey``'s services on ``answers`` (one row per respondent, a column per
    question code; ``popolazione``, ``classe_popolazione`` and ``zona_omogenea`` as
    :func:`metrodigital.surveys.answers.wide_answers` gives them) as ``choice`` says,
    with the breakdowns by population class and by zone."""
    services = survey_services(survey, lang)
    applied, pending = exclusion_reasons(choice, survey, lang)
    unknown: tuple[str, ...] = ()
    if choice.by == "residents" and RESIDENTS_COLUMN in answers.columns:
        residents = pd.to_numeric(answers[RESIDENTS_COLUMN], errors="coerce")
        missing = residents.isna() | (residents <= 0)
        if missing.any():  # e.g. a name the territory does not know: it cannot weigh
            names = answers["ente"] if "ente" in answers.columns else answers.index
            unknown = tuple(str(name) for name in names[missing])
            answers = answers[~missing]
    ranking = rank_services(answers, services, by=choice.by, exclude=applied, top=choice.top,
                            residents=RESIDENTS_COLUMN)
    grouped = answers.copy()
    grouped["_classe"], class_order = class_labels(answers, survey, lang)
    grouped["_zona"], zone_order = zone_labels(answers, survey)
    by_class = breakdown(grouped, services, "_classe", by=choice.by, residents=RESIDENTS_COLUMN,
                         min_n=min_n, order=class_order) \
        if grouped["_classe"].notna().any() else None
    by_zone = breakdown(grouped, services, "_zona", by=choice.by, residents=RESIDENTS_COLUMN,
                        min_n=min_n, order=zone_order) if grouped["_zona"].notna().any() else None
    return SurveyCatalogue(survey, choice, lang, ranking, pending, by_class, by_zone,
                           len(answers), unknown)


# -- sentences and the command line's JSON --------------------------------------------


def _names(codes: Iterable[str], names: Mapping[str, str], lang: str) -> str:
    from metrodigital.explain import join_names

    return join_names([names[c] for c in codes], lang)


def outcome_sentence(result: SurveyCatalogue, lang: str = DEFAULT_LANG,
                     name: Callable[[str], str] = str) -> str:
    """What the catalogue is: its services, in rank order, and a tie at the cut-off.
    ``name`` dresses each service's name (a page escapes it for Markdown)."""
    ranking = result.ranking
    names = {code: name(text) for code, text in result.names().items()}
    chosen = ranking.chosen
    if not chosen:
        rated = bool((ranking.table["n"] > 0).any())
        return t("catalogue.outcome_empty" if rated else "catalogue.outcome_no_answers", lang)
    text = t("catalogue.outcome", lang, n=len(chosen), names=_names(chosen, names, lang),
             top=ranking.params.top)
    tie = ranking.tie
    if tie is not None:
        text += " " + t("catalogue.outcome_tie", lang, names=_names(tie.codes, names, lang),
                        score=_fmt_score(tie.score, lang), first=tie.first_place,
                        last=tie.last_place, n=len(chosen), top=ranking.params.top)
    elif "catalogue.top_exceeds" in ranking.notes:
        text += " " + t("catalogue.top_exceeds", lang)
    return text


def result_notes(result: SurveyCatalogue, lang: str = DEFAULT_LANG,
                 name: Callable[[str], str] = str) -> list[str]:
    """What else the reader must know beside the outcome: exclusions still waiting for a
    reason, services nobody rated, Comuni left out when counting by residents."""
    from metrodigital.explain import join_names

    names = result.names()
    lines = [t("catalogue.pending", lang, code=name(names.get(code, code)))
             for code in result.pending]
    lines += [t(key, lang) for key in result.ranking.notes
              if key not in ("catalogue.tie_at_cutoff", "catalogue.top_exceeds")]
    if result.unknown_residents:
        lines.append(t("catalogue.unknown_residents", lang, n=len(result.unknown_residents),
                       names=join_names([name(n) for n in result.unknown_residents], lang)))
    return lines


def fmt_mean(value: float, lang: str = DEFAULT_LANG) -> str:
    """A mean interest as the source publishes it: two decimals, halves rounded up
    (29/8 = 3.625 is 3,63 as in the source, not 3,62), in the language's format."""
    from decimal import ROUND_HALF_UP, Decimal

    from metrodigital.i18n import fmt_number

    if math.isnan(value):
        return "—"
    rounded = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return fmt_number(float(rounded), lang, 2)


def _fmt_score(value: float, lang: str) -> str:
    return fmt_mean(value, lang)


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def catalogue_json(result: SurveyCatalogue, *, wave: str, link: str,
                   lang: str = DEFAULT_LANG) -> dict[str, object]:
    """The command line's JSON: the scenario, then the services in rank order."""
    ranking = result.ranking
    applied = dict(ranking.params.exclude)
    return {
        "scenario": {
            "survey": result.survey.id,
            "wave": wave,
            "top": result.choice.top,
            "by": result.choice.by,
            "score": ranking.params.score,
            "high_rating": ranking.params.high_rating,
            "respondents": result.respondents,
            "exclusions": [{"code": code, "reason": reason} for code, reason in applied.items()],
            "pending_exclusions": list(result.pending),
            "chosen": ranking.chosen,
            "tie": None if ranking.tie is None else {
                "codes": list(ranking.tie.codes), "score": ranking.tie.score,
                "places": [ranking.tie.first_place, ranking.tie.last_place],
                "slots": ranking.tie.slots},
            "outcome": outcome_sentence(result, lang),
            "unknown_residents": list(result.unknown_residents),
            "notes": result_notes(result, lang),
            "link": link,
        },
        "services": [
            {
                "code": row["code"],
                "service": row["name"],
                "score": _number(row["mean"]),
                "share_high": _number(row["share_high"]),
                "n": int(row["n"]),
                "rank": None if pd.isna(row["rank"]) else int(row["rank"]),
                "chosen": bool(row["chosen"]),
                "excluded": row["excluded_reason"] if row["excluded"] else None,
                "tied_at_cutoff": bool(row["tied_at_cutoff"]),
            }
            for _, row in ranking.table.iterrows()
        ],
    }


CATALOGUE_PAGE = "Catalogo"  # the page's address: pages/5_Catalogo.py


def catalogue_query(survey: Survey, wave: str, choice: CatalogueChoice,
                    lang: str = DEFAULT_LANG) -> dict[str, str | list[str]]:
    """The query that reopens ``choice`` on the Catalogo page: survey, wave, language and
    what of the choice differs from the defaults."""
    from metrodigital.params import PARAM_LANG, PARAM_SURVEY, PARAM_WAVE

    query: dict[str, str | list[str]] = {PARAM_SURVEY: survey.id}
    if wave:
        query[PARAM_WAVE] = wave
    query.update(choice_to_params(choice, survey))
    if lang != DEFAULT_LANG:
        query[PARAM_LANG] = lang
    return query


def catalogue_link(base: str, survey: Survey, wave: str, choice: CatalogueChoice,
                   lang: str = DEFAULT_LANG) -> str:
    """The full address of the Catalogo page showing ``choice``: ``base`` is the app's
    address (for the command line, its public address)."""
    from urllib.parse import urlencode, urlsplit, urlunsplit

    here = urlsplit(base)
    path = here.path.rstrip("/") + "/" + CATALOGUE_PAGE
    return urlunsplit(here._replace(path=path, fragment="",
                                    query=urlencode(catalogue_query(survey, wave, choice, lang),
                                                    doseq=True)))


# -- the rows of the link-parameter table (metrodigital/params.py) ---------------------
# Each parser takes one raw value and the link's context (its ``survey`` id) and gives
# the value, or None when it is not usable; the same rules as choice_from_params.


def _survey_of(ctx: object) -> Survey | None:
    from metrodigital.surveys.registry import UnknownSurvey, load_survey

    try:
        return load_survey(str(getattr(ctx, "survey", "")))
    except (UnknownSurvey, ValueError):
        return None


def parse_ck(raw: str, ctx: object) -> int | None:
    survey = _survey_of(ctx)
    if survey is None or not has_catalogue(survey):
        return None
    return parse_top(raw, len(survey.catalogue.services))  # type: ignore[union-attr]


def parse_cby(raw: str, ctx: object) -> Weighting | None:
    return parse_weighting(raw)


def parse_cx(raw: str, ctx: object) -> ExclusionChoice | None:
    survey = _survey_of(ctx)
    if survey is None or not has_catalogue(survey):
        return None
    return parse_exclusion(raw, [s.code for s in survey.catalogue.services])  # type: ignore[union-attr]


def format_cx(item: ExclusionChoice, ctx: object) -> str:
    survey = _survey_of(ctx)
    if survey is None:
        return f"{item.code}:{item.reason}" if item.reason else item.code
    return exclusion_values([item], survey)[0]
