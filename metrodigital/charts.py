"""Altair charts of a selection. Pure functions: a Selection in, a chart out."""

from __future__ import annotations

import altair as alt
import pandas as pd

from metrodigital.criteria import load_criteria
from metrodigital.explain import short_name
from metrodigital.i18n import t
from metrodigital.ranking import Selection

# Colour-blind-safe palette (Okabe–Ito), one colour per criterion, in matrix order.
CRITERION_COLOURS = (
    "#999999", "#56B4E9", "#E69F00", "#0072B2", "#009E73", "#CC79A7", "#D55E00", "#F0E442",
)
BAR_STEP = 20  # pixels per entity row


def contributions_chart(selection: Selection, lang: str) -> alt.LayerChart:
    """Stacked horizontal bars of each entity's weighted contributions, sorted by score.

    Selected entities are drawn solid, the others faded; a rule marks the
    cut-off after the last selected entity; the score is written at the bar's end.
    """
    criteria = [c for c in load_criteria() if selection.scenario.weights[c.key] > 0]
    table = selection.table
    names = table["ente"].map(short_name)
    order = names.tolist()
    labels = {c.key: c.label(lang) for c in criteria}
    long = table.assign(nome=names).melt(
        id_vars=["entity_id", "nome", "score", "rank", "selected"],
        value_vars=[c.key for c in criteria],
        var_name="criterion",
        value_name="contribution",
    )
    points = selection.points.reset_index().melt(
        id_vars="entity_id", var_name="criterion", value_name="punti"
    )
    long = long.merge(points, on=["entity_id", "criterion"], how="left")
    long["criterio"] = long["criterion"].map(labels)
    long["peso"] = long["criterion"].map(selection.scenario.weights)
    long["criterion_order"] = long["criterion"].map({c.key: c.position for c in criteria})
    long["stato"] = long["selected"].map(
        {True: t("chart.selected", lang), False: t("chart.not_selected", lang)}
    )
    y = alt.Y("nome:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    colour = alt.Color(
        "criterio:N",
        title=t("chart.criterion", lang),
        sort=[labels[c.key] for c in criteria],
        scale=alt.Scale(
            domain=[labels[c.key] for c in criteria],
            range=[CRITERION_COLOURS[c.position - 1] for c in criteria],
        ),
        legend=alt.Legend(orient="top", columns=4),
    )
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("contribution:Q", stack="zero", title=t("chart.score", lang)),
            y=y,
            color=colour,
            order=alt.Order("criterion_order:Q"),
            opacity=alt.condition("datum.selected", alt.value(1.0), alt.value(0.35)),
            tooltip=[
                alt.Tooltip("nome:N", title=t("table.entity", lang)),
                alt.Tooltip("criterio:N", title=t("chart.criterion", lang)),
                alt.Tooltip("punti:Q", title=t("chart.points", lang)),
                alt.Tooltip("peso:Q", title=t("chart.weight", lang)),
                alt.Tooltip("contribution:Q", title=t("chart.contribution", lang)),
                alt.Tooltip("score:Q", title=t("chart.score", lang)),
                alt.Tooltip("stato:N", title=t("chart.status", lang)),
            ],
        )
    )
    totals = (
        alt.Chart(table.assign(nome=names))
        .mark_text(align="left", dx=4, fontSize=11)
        .encode(y=y, x="score:Q", text=alt.Text("score:Q", format=",.0f"))
    )
    layers: list[alt.Chart] = [bars, totals]
    n_selected = selection.n_selected
    if 0 < n_selected < len(table):
        first_out = names.iloc[n_selected]
        cut = (
            alt.Chart(pd.DataFrame({"nome": [first_out], "label": [t("chart.cutoff", lang)]}))
            .mark_rule(color="#B00020", strokeDash=[6, 3], strokeWidth=2, yOffset=-BAR_STEP / 2)
            .encode(y=y)
        )
        layers.append(cut)
    return alt.layer(*layers).properties(
        height=alt.Step(BAR_STEP), title=t("chart.title", lang)
    ).configure_view(stroke=None)
