"""Drawing the Compare page: the slope chart of ranks between two scenarios."""

from __future__ import annotations

import altair as alt
import pandas as pd

from metrodigital.compare import Comparison
from metrodigital.explain import short_name
from metrodigital.i18n import Lang, t

CHANGE_COLOURS = {"entered": "#009E73", "left": "#D55E00", "in": "#0072B2", "out": "#BBBBBB"}


def slope_chart(comparison: Comparison, label_a: str, label_b: str,
                lang: Lang) -> alt.LayerChart:
    ranks = comparison.ranks
    change = [
        "entered" if a and not b else "left" if b and not a else "in" if a else "out"
        for a, b in zip(ranks["selected_a"], ranks["selected_b"], strict=True)
    ]
    labels = {key: t(f"compare.change_{key}", lang) for key in CHANGE_COLOURS}
    names = ranks["ente"].map(short_name)
    long = pd.DataFrame({
        "nome": list(names) * 2,
        "scenario": [label_b] * len(ranks) + [label_a] * len(ranks),
        "posizione": list(ranks["rank_b"]) + list(ranks["rank_a"]),
        "cambio": [labels[c] for c in change] * 2,
    })
    colour = alt.Color("cambio:N", title=t("compare.change", lang),
                       scale=alt.Scale(domain=list(labels.values()),
                                       range=list(CHANGE_COLOURS.values())),
                       legend=alt.Legend(orient="top"))
    x = alt.X("scenario:N", sort=[label_b, label_a], title=None,
              axis=alt.Axis(labelAngle=0, orient="top"))
    y = alt.Y("posizione:Q", scale=alt.Scale(reverse=True, domain=[1, len(ranks)]),
              title=t("robustness.rank_axis", lang))
    base = alt.Chart(long).encode(x=x, y=y, color=colour, detail="nome:N",
                                  tooltip=["nome:N", "scenario:N", "posizione:Q", "cambio:N"])
    lines = base.mark_line(point=True)
    right = base.mark_text(align="left", dx=6, fontSize=10).encode(text="nome:N") \
        .transform_filter(alt.datum.scenario == label_a)
    return alt.layer(lines, right).properties(height=max(400, 16 * len(ranks)),
                                              title=t("compare.chart_title", lang))
