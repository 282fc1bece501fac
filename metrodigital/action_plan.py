"""The Piano d'azione: per offer, how many entities of a wave it fits (by their answers,
:mod:`metrodigital.offers`) and how many agreed to it (the interview records in force,
:mod:`metrodigital.interviews`; an action with status "dropped" does not count as agreed),
by zona omogenea and population class, with the entities. What the office brings to the
Zone Omogenee meetings; exported to Excel."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from metrodigital.i18n import t
from metrodigital.interviews import all_current, frames_xlsx, status_label
from metrodigital.offers import OfferList, fits, trigger_text
from metrodigital.store import Store
from metrodigital.surveys.answers import wide_answers
from metrodigital.surveys.model import Survey

GROUPS = ("zona", "classe")


@dataclass(frozen=True)
class ActionPlan:
    """``entities``: one row per (offer, entity it fits or that agreed to it) with
    ``offer, entity_id, ente, zona, classe, fits, triggers, status`` (status "" when not
    agreed); ``summary``: per offer ``offer, fits, agreed`` (agreed, in progress or
    done) and the count of ``in_progress``, ``done`` and ``dropped``."""

    survey: Survey
    offers: OfferList
    respondents: int
    entities: pd.DataFrame
    summary: pd.DataFrame

    def by_group(self, group: str) -> pd.DataFrame:
        """Per offer and zone (``zona``) or population class (``classe``): fits, agreed."""
        frame = self.entities
        if frame.empty:
            return pd.DataFrame(columns=["offer", group, "fits", "agreed"])
        agreed = frame["status"].isin(["agreed", "in_progress", "done"])
        counted = frame.assign(agreed=agreed).groupby(["offer", group], dropna=False,
                                                      sort=False)
        out = counted.agg(fits=("fits", "sum"), agreed=("agreed", "sum")).reset_index()
        order = {k: i for i, k in enumerate(self.offers.keys)}
        return out.sort_values(["offer", group], key=lambda c: c.map(order) if c.name ==
                               "offer" else c.astype(str)).reset_index(drop=True)


def _class_label(survey: Survey, code: object, lang: str) -> str:
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return t("piano.unknown", lang)
    for item in survey.population_classes:
        if str(item.option or item.number) == str(code):
            return item.label_in(lang)
    return str(code)


def build_plan(store: Store, wave_slug: str, survey: Survey, offers: OfferList,
               lang: str) -> ActionPlan:
    answers = wide_answers(store, wave_slug)
    records = all_current(store, survey.id)
    rows = []
    for record in answers.to_dict("records"):
        entity_id = str(record["entity_id"])
        found = {f.offer.key: f for f in fits(offers, record)}
        agreed = {a.offer: a.status for a in records[entity_id].actions} \
            if entity_id in records else {}
        zone = record.get("zona_omogenea")
        for offer in offers.offers:
            if offer.key not in found and offer.key not in agreed:
                continue
            fit = found.get(offer.key)
            rows.append({
                "offer": offer.key, "entity_id": entity_id, "ente": str(record["ente"]),
                "zona": str(zone) if zone else t("piano.unknown", lang),
                "classe": _class_label(survey, record.get("classe_popolazione"), lang),
                "fits": fit is not None,
                "triggers": "; ".join(trigger_text(survey, tr, lang) for tr in fit.triggers)
                if fit else "",
                "status": agreed.get(offer.key, ""),
            })
    entities = pd.DataFrame(rows, columns=["offer", "entity_id", "ente", "zona", "classe",
                                           "fits", "triggers", "status"])
    summary = []
    for offer in offers.offers:
        mine = entities[entities["offer"] == offer.key]
        counts = {s: int((mine["status"] == s).sum())
                  for s in ("agreed", "in_progress", "done", "dropped")}
        summary.append({**counts, "offer": offer.key, "fits": int(mine["fits"].sum()),
                        # agreed: still agreed, in progress or done (not dropped)
                        "agreed": counts["agreed"] + counts["in_progress"] + counts["done"]})
    return ActionPlan(survey, offers, len(answers), entities, pd.DataFrame(summary))


def summary_frame(plan: ActionPlan, lang: str) -> pd.DataFrame:
    names = {o.key: o.name_in(lang) for o in plan.offers.offers}
    frame = plan.summary
    return pd.DataFrame({
        t("piano.col.offer", lang): frame["offer"].map(names),
        t("piano.col.fits", lang): frame["fits"],
        t("piano.col.agreed", lang): frame["agreed"],
        t("interviews.status.in_progress", lang): frame["in_progress"],
        t("interviews.status.done", lang): frame["done"],
        t("interviews.status.dropped", lang): frame["dropped"],
    })


def group_frame(plan: ActionPlan, group: str, lang: str) -> pd.DataFrame:
    names = {o.key: o.name_in(lang) for o in plan.offers.offers}
    frame = plan.by_group(group)
    return pd.DataFrame({
        t("piano.col.offer", lang): frame["offer"].map(names),
        t(f"piano.by.{group}", lang): frame[group],
        t("piano.col.fits", lang): frame["fits"].astype(int),
        t("piano.col.agreed", lang): frame["agreed"].astype(int),
    })


def entities_frame(plan: ActionPlan, lang: str, offer: str | None = None) -> pd.DataFrame:
    names = {o.key: o.name_in(lang) for o in plan.offers.offers}
    frame = plan.entities if offer is None else plan.entities[plan.entities["offer"] == offer]
    yes, no = t("piano.yes", lang), t("piano.no", lang)
    return pd.DataFrame({
        t("piano.col.offer", lang): frame["offer"].map(names),
        t("interviews.col.entity", lang): frame["ente"],
        t("piano.by.zona", lang): frame["zona"],
        t("piano.by.classe", lang): frame["classe"],
        t("piano.col.fits_short", lang): frame["fits"].map({True: yes, False: no}),
        t("piano.col.triggers", lang): frame["triggers"],
        t("piano.col.status", lang): frame["status"].map(
            lambda s: status_label(s, lang) if s else ""),
    })


def plan_xlsx(plan: ActionPlan, lang: str) -> bytes:
    """The plan in Excel: summary, by zone, by population class, the entities."""
    return frames_xlsx([
        (t("piano.sheet.summary", lang), summary_frame(plan, lang)),
        (t("piano.sheet.zona", lang), group_frame(plan, "zona", lang)),
        (t("piano.sheet.classe", lang), group_frame(plan, "classe", lang)),
        (t("piano.sheet.entities", lang), entities_frame(plan, lang)),
    ])
