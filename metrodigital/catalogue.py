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
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import pandas as pd

from metrodigital.i18n import DEFAULT_LANG, t

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


def _stats(ratings: pd.Series, weights: pd.Series, high: int) -> tuple[Fraction | None,
                                                                       Fraction | None, int]:
    """Exact mean and share ≥ ``high`` (as fractions) and n over the rated rows."""
    rated = ratings.notna()
    n = int(rated.sum())
    if n == 0:
        return None, None, 0
    values = ratings[rated].astype("int64")
    w = weights[rated]
    total = int(w.sum())
    mean = Fraction(int((values * w).sum()), total)
    share = Fraction(int(w[values >= high].sum()), total)
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
    weights = _weights(answers, weighting, residents)
    ratings = {service.code: _ratings(answers, service) for service in catalogue_services}
    groups = answers[group_col]
    present = groups.dropna().unique().tolist()
    listed = [key for key in (order or ()) if key in present]
    keys = listed + sorted((key for key in present if key not in listed),
                           key=lambda v: (str(type(v)), v))
    if groups.isna().any():
        keys.append(None)
    records = []
    for key in keys:
        member = groups.isna() if key is None else groups == key
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
