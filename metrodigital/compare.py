"""Two scenarios side by side: who enters and leaves the selection, rank correlations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs, urlencode

import pandas as pd

from metrodigital.params import WaveRef as Wave
from metrodigital.params import scenario_from_params, scenario_to_params
from metrodigital.ranking import Selection
from metrodigital.roles import Actor, AuthConfig, require_editor
from metrodigital.scenario import Scenario
from metrodigital.store import Store, StoreError
from metrodigital.surveys.registry import DEFAULT_SURVEY


@dataclass(frozen=True)
class Comparison:
    """Scenario A against scenario B, on the same wave."""

    ranks: pd.DataFrame  # entity_id, ente, rank_a, rank_b, selected_a, selected_b
    entered: tuple[str, ...]  # selected in A, not in B
    left: tuple[str, ...]  # selected in B, not in A
    spearman: float
    kendall: float


def compare(a: Selection, b: Selection) -> Comparison:
    """Compare two selections of the same wave (Kendall's tau-b, which handles ties)."""
    # imported here: scipy.stats takes a third of a second to load, and the Matrix
    # page imports this module but compares only with normalised points
    from scipy.stats import kendalltau, spearmanr

    left_side = a.table[["entity_id", "ente", "rank", "selected"]]
    right_side = b.table[["entity_id", "rank", "selected"]]
    ranks = left_side.merge(right_side, on="entity_id", suffixes=("_a", "_b"))
    entered = tuple(ranks.loc[ranks["selected_a"] & ~ranks["selected_b"], "ente"])
    gone = tuple(ranks.loc[~ranks["selected_a"] & ranks["selected_b"], "ente"])
    rho = float(spearmanr(ranks["rank_a"], ranks["rank_b"]).statistic)
    tau = float(kendalltau(ranks["rank_a"], ranks["rank_b"]).statistic)
    return Comparison(ranks, entered, gone, rho, tau)


@dataclass(frozen=True)
class SavedScenario:
    name: str
    wave: str
    query: str
    created_at: datetime
    created_by: str
    survey_id: str = DEFAULT_SURVEY
    reference_weights: dict[str, float] = field(default_factory=dict, hash=False)

    def scenario(self) -> Scenario:
        """The scenario the saved query string describes (defaults where it is silent:
        its wave, and that wave's reference weights)."""
        wave = Wave(slug=self.wave, survey_id=self.survey_id,
                    reference_weights=self.reference_weights)
        parsed, _ = scenario_from_params(parse_qs(self.query), waves=(wave,),
                                         default_wave_slug=self.wave)
        return parsed


def save_scenario(store: Store, name: str, scenario: Scenario, *, auth: AuthConfig,
                  actor: Actor) -> SavedScenario:
    """Save ``scenario`` under ``name`` (editors only); the name must be new."""
    require_editor(auth, actor)
    clean = " ".join(name.split())
    if not clean:
        raise StoreError("compare.bad_name")
    query = urlencode(scenario_to_params(scenario, default_wave_slug=scenario.wave), doseq=True)
    store.save_scenario(clean, scenario.wave, query, actor.name(auth))
    return next(s for s in saved_scenarios(store) if s.name == clean)


def saved_scenarios(store: Store) -> list[SavedScenario]:
    rows = store.cursor().execute(
        "SELECT s.name, w.slug, s.query, s.created_at, s.created_by FROM scenarios AS s "
        "JOIN waves AS w USING (wave_id) ORDER BY s.created_at DESC").fetchall()
    waves = {w.slug: w for w in store.waves()}
    return [SavedScenario(*row, survey_id=waves[row[1]].survey_id,
                          reference_weights=dict(waves[row[1]].reference_weights))
            for row in rows]


def delete_scenario(store: Store, name: str, *, auth: AuthConfig, actor: Actor) -> None:
    require_editor(auth, actor)
    store.delete_scenario(name)
