"""Sentences about a selection, in the user's language: shared by pages, CLI, exports."""

from __future__ import annotations

import re
from collections.abc import Iterable

from metrodigital.criteria import criterion
from metrodigital.i18n import fmt_number, t
from metrodigital.quotas import Quota
from metrodigital.ranking import Selection
from metrodigital.scenario import Note, TieRule


def short_name(ente: str) -> str:
    """"Comune di Mazzè" → "Mazzè"; Unioni keep their full name."""
    return re.sub(r"^\s*comune\s+di\s+", "", ente, flags=re.IGNORECASE)


def join_names(names: Iterable[str], lang: str) -> str:
    """"A, B e C" in Italian, "A, B and C" in English."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + t("text.and", lang) + items[-1]


def note_text(note: Note, lang: str) -> str:
    return t(note.code, lang, **note.params)


def tie_sentence(selection: Selection, lang: str) -> str:
    """What happened at the cut-off, in one or two sentences."""
    ties = selection.ties
    top = selection.scenario.top
    n = selection.n_selected
    if selection.all_weights_zero:
        return t("selection.all_zero", lang)
    if not ties.at_cutoff:
        return t("ties.none", lang, n=n)
    names = selection.table.set_index("entity_id")["ente"].map(short_name)
    tied = join_names((names[i] for i in ties.entity_ids), lang)
    included = join_names((names[i] for i in ties.included), lang)
    excluded = join_names((names[i] for i in ties.entity_ids if i not in ties.included), lang)
    criteria = join_names((criterion(k, selection.scenario.survey).label(lang)
                           for k in ties.tie_criteria), lang)
    quota = selection.quota
    if quota is not None and quota.feasible and (quota.displaced or quota.promoted
                                                 or ties.score is None):
        # the quotas moved places: the tie is for places they left, not at rank N
        head = t("ties.head_quota", lang, names=tied, slots=ties.slots, top=top)
    else:
        head = t("ties.head", lang, names=tied, score=fmt_number(ties.score or 0, lang),
                 first=ties.first_rank, last=ties.last_rank, top=top, slots=ties.slots)
    body = t(f"ties.{ties.outcome}", lang, n=n, top=top, included=included, excluded=excluded,
             criteria=criteria, slots=ties.slots)
    if ties.outcome == "awaiting_choice":  # two numbers, two sentences (plural forms)
        body += " " + t("ties.awaiting_all", lang, n=n)
    return f"{head} {body}"


def tie_rule_text(selection: Selection, lang: str) -> str:
    """The scenario's tie rule in words: "spareggio per criteri, in ordine: Servizi e …"."""
    scenario = selection.scenario
    if scenario.ties is TieRule.CRITERIA:
        if not scenario.tie_criteria:
            return t("ties.rule_criteria_none", lang)
        return t("ties.rule_criteria", lang, criteria=join_names(
            (criterion(k, scenario.survey).label(lang) for k in scenario.tie_criteria), lang))
    if scenario.ties is TieRule.CHOICE:
        names = selection.table.set_index("entity_id")["ente"].map(short_name)
        picks = [names[p] for p in scenario.picks if p in names.index]
        return t("ties.rule_choice", lang, picks=join_names(picks, lang) or "—")
    return t("ties.rule_all", lang)


def quota_text(quota: Quota, lang: str) -> str:
    """ "almeno 2 enti di classe di popolazione 1"."""
    label = t(f"quotas.label_{quota.kind}", lang, group=quota.group)
    return t(f"quotas.{quota.bound}", lang, k=quota.k, label=label)


def quota_sentences(selection: Selection, lang: str, *, with_tie: bool = True) -> list[str]:
    """Who left and who entered the selection because of a quota, and why; then, when
    equal scores competed for the places the quotas left, what the tie rule did
    (``with_tie``) and any maximum that including the tied exceeds."""
    outcome = selection.quota
    if outcome is None or not outcome.feasible:
        return []
    names = selection.table.set_index("entity_id")["ente"].map(short_name)
    lines = [
        *(t("quotas.displaced", lang, ente=names[e], quota=quota_text(q, lang))
          if q is not None else t("quotas.displaced_any", lang, ente=names[e])
          for e, q in outcome.displaced),
        *(t("quotas.promoted", lang, ente=names[e], quota=quota_text(q, lang))
          if q is not None else t("quotas.promoted_any", lang, ente=names[e])
          for e, q in outcome.promoted),
    ]
    if selection.ties.at_cutoff and with_tie:
        lines.append(tie_sentence(selection, lang))
    lines += [t("quotas.max_exceeded", lang, quota=quota_text(q, lang), count=count)
              for q, count in outcome.exceeded]
    return lines
