"""Altair charts of a selection, as a Vega-Lite spec and the rows it draws.

The chart's structure depends only on the language and on which criteria
count (weight > 0), so Altair builds and validates it once per combination
(``_contributions_spec``); each slider move only recomputes the rows, and the
browser only swaps the chart's data instead of rebuilding it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa

from metrodigital.criteria import criterion, load_criteria
from metrodigital.explain import short_name
from metrodigital.i18n import t
from metrodigital.ranking import Selection

# Colour-blind-safe palette (Okabe–Ito), one colour per criterion, in matrix order.
CRITERION_COLOURS = (
    "#999999", "#56B4E9", "#E69F00", "#0072B2", "#009E73", "#CC79A7", "#D55E00", "#F0E442",
)
BAR_STEP = 20  # pixels per entity row
CUTOFF_COLOUR = "#B00020"
# On a phone the names take at most a third of the chart's width and the legend two
# columns, so the bars keep most of the screen; on a wide screen names up to 260 pixels.
# (containerSize() is the chart's box in the page, known before the chart is laid out.)
LABEL_LIMIT = "max(80, min(260, containerSize()[0] * 0.33))"
# Four columns of legend need about 800 pixels after the names: below that (a phone, or
# the Matrix page's chart beside the map) two.
LEGEND_COLUMNS = "containerSize()[0] < 800 ? 2 : 4"
LEGEND_LABEL_LIMIT = "containerSize()[0] < 520 ? 105 : 200"
NUMBER = ",.2~f"  # up to two decimals, thousands grouped: 27,67 / 1.234,5 in Italian

# Vega's number-format locale (d3-format's definition) for each language: Vega-Lite
# reads it from the spec's ``config.locale``, so axis labels, score labels and tooltips
# write decimals as the language does.
NUMBER_LOCALES: dict[str, dict[str, object]] = {
    "it": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", "\u00a0€"]},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["£", ""]},
}


def with_number_locale(spec: dict[str, Any], lang: str) -> dict[str, Any]:
    """``spec`` with the number format of ``lang`` (Italian decimals: 27,67)."""
    config = dict(spec.get("config", {}))
    config["locale"] = {"number": NUMBER_LOCALES.get(lang, NUMBER_LOCALES["it"])}
    return {**spec, "config": config}


def contributions_rows(selection: Selection, lang: str) -> pa.Table:
    """One row per entity and counted criterion: what the stacked bars draw.

    ``first`` marks one row per entity (for the score label), ``first_out``
    the first entity below the cut-off (for the cut-off rule).
    """
    counted = [c for c in load_criteria(selection.scenario.survey)
               if selection.scenario.weights[c.key] > 0]
    keys = [c.key for c in counted]
    table = selection.table
    n, k = len(table), len(keys)
    weights = selection.scenario.weights
    n_selected = selection.n_selected
    selected = table["selected"].to_numpy(dtype=bool)
    position = np.arange(n).repeat(k)
    first = np.tile(np.arange(k) == 0, n)
    labels = {True: t("chart.selected", lang), False: t("chart.not_selected", lang)}
    return pa.table({
        "nome": np.array([short_name(e) for e in table["ente"]], dtype=object).repeat(k),
        "position": position,
        "criterio": [c.label(lang) for c in counted] * n,
        "ordine": [c.position for c in counted] * n,
        "punti": selection.points.loc[table["entity_id"], keys].to_numpy(dtype=float).ravel(),
        "peso": [float(weights[key]) for key in keys] * n,
        "contributo": table[keys].to_numpy(dtype=float).ravel(),
        "punteggio": table["score"].to_numpy(dtype=float).repeat(k),
        "selezionato": selected.repeat(k),
        "stato": [labels[bool(v)] for v in selected.repeat(k)],
        "first": first,
        "first_out": first & (position == n_selected) & (0 < n_selected < n),
    })


@lru_cache(maxsize=64)
def _contributions_spec(lang: str, keys: tuple[str, ...], survey: str,
                        links: bool = False) -> dict[str, Any]:
    """The chart's Vega-Lite spec for ``lang`` and the counted criteria, built by Altair."""
    labels = [criterion(k, survey).label(lang) for k in keys]
    colours = [CRITERION_COLOURS[(criterion(k, survey).position - 1) % len(CRITERION_COLOURS)]
               for k in keys]
    placeholder = pd.DataFrame(columns=["nome"])
    base = alt.Chart(placeholder)
    bars = base.mark_bar().encode(
        x=alt.X("contributo:Q", stack="zero", title=t("chart.score", lang),
                axis=alt.Axis(format=NUMBER)),
        color=alt.Color(
            "criterio:N", title=t("chart.criterion", lang), sort=labels,
            scale=alt.Scale(domain=labels, range=colours),
            legend=alt.Legend(orient="top", columns=alt.ExprRef(LEGEND_COLUMNS),
                              labelLimit=alt.ExprRef(LEGEND_LABEL_LIMIT)),
        ),
        order=alt.Order("ordine:Q"),
        opacity=alt.condition("datum.selezionato", alt.value(1.0), alt.value(0.35)),
        # a click on an entity's bar opens its Scheda ente (the rows carry the link)
        **({"href": alt.Href("link:N")} if links else {}),
        tooltip=[
            alt.Tooltip("nome:N", title=t("table.entity", lang)),
            alt.Tooltip("criterio:N", title=t("chart.criterion", lang)),
            alt.Tooltip("punti:Q", title=t("chart.points", lang), format=NUMBER),
            alt.Tooltip("peso:Q", title=t("chart.weight", lang), format=NUMBER),
            alt.Tooltip("contributo:Q", title=t("chart.contribution", lang), format=NUMBER),
            alt.Tooltip("punteggio:Q", title=t("chart.score", lang), format=NUMBER),
            alt.Tooltip("stato:N", title=t("chart.status", lang)),
        ],
    )
    totals = base.mark_text(align="left", dx=4, fontSize=11).encode(
        x="punteggio:Q", text=alt.Text("punteggio:Q", format=NUMBER),
    ).transform_filter("datum.first")
    cutoff = base.mark_rule(
        color=CUTOFF_COLOUR, strokeDash=[6, 3], strokeWidth=2, yOffset=-BAR_STEP / 2,
    ).transform_filter("datum.first_out")
    chart = (
        alt.layer(bars, totals, cutoff)
        .encode(y=alt.Y("nome:N", title=None,
                         axis=alt.Axis(labelLimit=alt.ExprRef(LABEL_LIMIT)),
                         sort=alt.EncodingSortField("position", op="min", order="ascending")))
        .properties(height=alt.Step(BAR_STEP), title=t("chart.title", lang))
        .configure_view(stroke=None)
    )
    spec = with_number_locale(chart.to_dict(), lang)  # validated here, once
    spec.pop("data", None)
    spec.pop("datasets", None)
    spec["usermeta"] = {"embedOptions": {"renderer": "canvas"}}
    return spec


def contributions_chart(selection: Selection, lang: str,
                        links: Sequence[str] | None = None) -> tuple[dict[str, Any], pa.Table]:
    """Stacked horizontal bars of each entity's weighted contributions, sorted by score.

    Selected entities are drawn solid, the others faded; a dashed rule marks the
    cut-off after the last selected entity; the score is written at each bar's
    end. With ``links`` (one per entity, in the table's order) a click on a bar
    opens it. Returns the Vega-Lite spec and the rows to draw with it.
    """
    keys = tuple(c.key for c in load_criteria(selection.scenario.survey)
                 if selection.scenario.weights[c.key] > 0)
    # the spec is the same object for every rerun with the same language and criteria, so
    # the browser only swaps the data instead of rebuilding the chart
    rows = contributions_rows(selection, lang)
    if links is not None:
        rows = rows.append_column("link", pa.array(
            np.repeat(np.array(list(links), dtype=object), len(keys)).tolist(),
            type=pa.string()))
    return (_contributions_spec(lang, keys, selection.scenario.survey, links is not None),
            rows)
