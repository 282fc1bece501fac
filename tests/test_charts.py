"""The Matrix chart's Vega-Lite spec: numbers in the user's language, labels that fit."""

from __future__ import annotations

import json

import pytest

from metrodigital.charts import NUMBER, contributions_chart
from metrodigital.ranking import evaluate
from metrodigital.scenario import Normalisation, Scenario
from metrodigital.store import Store


@pytest.mark.parametrize(("lang", "decimal", "thousands"), [("it", ",", "."), ("en", ".", ",")])
def test_numbers_are_written_the_languages_way(store: Store, lang: str, decimal: str,
                                              thousands: str) -> None:
    spec, _ = contributions_chart(evaluate(store, Scenario(normalisation=Normalisation.SHARE)),
                                  lang)
    number = spec["config"]["locale"]["number"]
    assert (number["decimal"], number["thousands"]) == (decimal, thousands)
    text = json.dumps(spec)
    # score labels, axis and tooltips: at most two decimals (27,67, not 27,6667)
    assert NUMBER == ",.2~f" and text.count(f'"format": "{NUMBER}"') >= 6
    assert ",.4~f" not in text


def test_names_and_legend_adapt_to_the_charts_width(store: Store) -> None:
    spec, rows = contributions_chart(evaluate(store, Scenario()), "it")
    text = json.dumps(spec)
    assert "containerSize()[0] * 0.33" in text  # names: a third of a phone's width at most
    assert "containerSize()[0] < 800 ? 2 : 4" in text  # legend columns (beside the map too)
    assert rows.num_rows == 36 * 8


def test_a_bar_links_to_its_entitys_scheda_when_links_are_given(store) -> None:
    from metrodigital.charts import contributions_chart
    from metrodigital.ranking import evaluate
    from metrodigital.scenario import Scenario

    selection = evaluate(store, Scenario(wave=store.waves()[0].slug))
    links = [f"Scheda_ente?ente={e}" for e in selection.table["entity_id"]]
    spec, rows = contributions_chart(selection, "it", links)
    assert spec["layer"][0]["encoding"]["href"] == {"field": "link", "type": "nominal"}
    first = rows.to_pandas().groupby("position")["link"].first()
    assert first.tolist() == links  # every bar of an entity carries its own link
    plain, plain_rows = contributions_chart(selection, "it")
    assert "href" not in plain["layer"][0]["encoding"] and "link" not in plain_rows.column_names
