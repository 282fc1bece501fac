"""Drawing the Robustness page: its controls, the rank-interval chart, the tables."""

from __future__ import annotations

from dataclasses import replace

import altair as alt
import pandas as pd
import streamlit as st

from metrodigital.analysis import AnalysisTooLarge, RobustnessReport, analyse
from metrodigital.criteria import criterion
from metrodigital.explain import short_name
from metrodigital.i18n import Lang, fmt_number, fmt_percent, t
from metrodigital.params import (
    PARAM_DRAWS,
    PARAM_SEED,
    PARAM_SPREAD,
)
from metrodigital.robustness import Cancelled
from metrodigital.robustness.jobs import JobBoard
from metrodigital.scenario import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    DEFAULT_SPREAD,
    DRAWS_CHOICES,
    SEED_MAX,
    SPREAD_MAX,
    Scenario,
)
from metrodigital.store import Store
from ui.links import seed, write_to_link

CLASS_COLOURS = {"always": "#009E73", "borderline": "#E69F00", "never": "#999999",
                 "undecided": "#56B4E9"}
# What a viewer's link may cost: one analysis computing at a time, each at most this
# long (then unproven rank bounds stay intervals), the last answers kept for everyone.
JOB_SECONDS = 30.0
JOBS_KEPT = 16
JOBS_AT_ONCE = 1
# Where each phase sits on the page's progress bar.
PHASE_SPAN = {"starting": (0.0, 0.0), "queued": (0.0, 0.0), "simulation": (0.0, 0.4),
              "bounds": (0.4, 0.9), "tipping": (0.9, 1.0)}
# Beyond this many entities the chart shows those that matter for the selection.
CHART_ALL_UP_TO = 60
CHART_MARGIN = 20


def robustness_controls(scenario: Scenario, lang: Lang) -> Scenario:
    """Spread, draws and seed, kept in the link like the rest of the scenario."""
    left, middle, right = st.columns(3)
    seed(PARAM_SPREAD, scenario.spread)
    spread = left.slider(t("robustness.spread", lang), 0, SPREAD_MAX, key=PARAM_SPREAD)
    seed(PARAM_DRAWS, scenario.draws)
    draws = middle.selectbox(t("robustness.draws", lang), DRAWS_CHOICES, key=PARAM_DRAWS,
                             format_func=lambda n: fmt_number(n, lang))
    seed(PARAM_SEED, scenario.seed)
    chosen_seed = right.number_input(t("robustness.seed", lang), min_value=0,
                                     max_value=SEED_MAX, step=1, key=PARAM_SEED)
    write_to_link(PARAM_SPREAD, [str(spread)], [str(DEFAULT_SPREAD)])
    write_to_link(PARAM_DRAWS, [str(draws)], [str(DEFAULT_DRAWS)])
    write_to_link(PARAM_SEED, [str(int(chosen_seed))], [str(DEFAULT_SEED)])
    return replace(scenario, spread=int(spread), draws=int(draws), seed=int(chosen_seed))


@st.cache_resource(show_spinner=False)
def job_board() -> JobBoard[RobustnessReport]:
    """One board per server process: the analyses every session shares."""
    return JobBoard(max_results=JOBS_KEPT, max_running=JOBS_AT_ONCE, seconds=JOB_SECONDS)


def analysis_key(store: Store, scenario: Scenario) -> tuple[object, ...]:
    """What an analysis depends on: the wave's content and the scenario's numbers
    (not the language, tie rule or quotas, which it does not use)."""
    wave = store.wave(scenario.wave)
    return (wave.wave_id, wave.sha256, str(scenario.normalisation),
            tuple(sorted((k, float(v)) for k, v in scenario.weights.items())),
            scenario.top, scenario.spread, scenario.draws, scenario.seed)


def shared_analysis(store: Store, scenario: Scenario, lang: Lang) -> RobustnessReport | None:
    """The scenario's analysis, computed once for every session asking for it.

    While it runs the page shows its progress; every update is a Streamlit call,
    which is where Streamlit stops a script whose session has gone (or reruns it
    when a control moved): the ``finally`` then detaches this session, and the
    computation is cancelled when no session waits for it any more.
    """
    board = job_board()
    job = board.attach(analysis_key(store, scenario),
                       lambda budget: analyse(store, scenario, budget=budget))
    try:
        if not job.finished.is_set():
            bar = st.progress(0.0, text=t(f"robustness.phase_{job.phase}", lang))
            while not job.wait(0.25):
                low, high = PHASE_SPAN.get(job.phase, (0.0, 1.0))
                bar.progress(low + (high - low) * job.fraction,
                             text=t(f"robustness.phase_{job.phase}", lang))
            bar.empty()
    finally:
        board.detach(job)
    try:
        return job.result()
    except AnalysisTooLarge as large:
        st.error(t("robustness.too_large", lang, entities=fmt_number(large.entities, lang),
                   draws=fmt_number(large.draws, lang),
                   max_draws=fmt_number(large.max_draws, lang)), icon=":material/memory:")
    except Cancelled:  # abandoned by every session just as this one arrived: ask again
        st.rerun()
    return None


def rank_text(value: object, interval: object, lang: Lang) -> str:
    """A proven rank as a number, an unproven one as its interval ("tra 3 e 5")."""
    if value is not None:
        return fmt_number(int(value), lang)  # type: ignore[call-overload]
    low, high = interval  # type: ignore[misc]
    return t("robustness.rank_between", lang, low=fmt_number(low, lang),
             high=fmt_number(high, lang))


def edge_only(report: RobustnessReport) -> list[str]:
    """Borderline entities whose selection never changed in the draws: only weights
    at the edges of the box change it (the exact bounds prove it can)."""
    return [str(r["ente"]) for r in report.rows()
            if r["class"] == "borderline" and r["p_selected"] in (0.0, 1.0)]


def report_frame(report: RobustnessReport, lang: Lang) -> pd.DataFrame:
    rows = report.rows()
    return pd.DataFrame({
        t("table.rank", lang): [r["rank"] for r in rows],
        t("table.entity", lang): [r["ente"] for r in rows],
        t("robustness.col_p", lang): [fmt_percent(float(r["p_selected"]), lang)  # type: ignore[arg-type]
                                      for r in rows],
        t("robustness.col_p5", lang): [r["rank_p05"] for r in rows],
        t("robustness.col_p50", lang): [r["rank_p50"] for r in rows],
        t("robustness.col_p95", lang): [r["rank_p95"] for r in rows],
        t("robustness.col_best", lang): [rank_text(r["best_rank"], r["best_rank_range"], lang)
                                         for r in rows],
        t("robustness.col_worst", lang): [rank_text(r["worst_rank"], r["worst_rank_range"],
                                                    lang) for r in rows],
        t("robustness.col_class", lang): [t(f"robustness.class_{r['class']}", lang)
                                          for r in rows],
    })


def chart_rows(report: RobustnessReport) -> list[dict[str, object]]:
    """The entities the chart shows: all of a small wave; of a large one those that
    can be selected (not proven never) and those ranked within a margin of the cut-off."""
    rows = report.rows()
    if len(rows) <= CHART_ALL_UP_TO:
        return rows
    top = report.simulation.top
    return [r for r in rows if r["class"] != "never" or int(r["rank"]) <= top + CHART_MARGIN]


def intervals_chart(report: RobustnessReport, lang: Lang) -> alt.LayerChart:
    rows = chart_rows(report)
    data = pd.DataFrame({
        "nome": [short_name(str(r["ente"])) for r in rows],
        "p5": [r["rank_p05"] for r in rows], "p50": [r["rank_p50"] for r in rows],
        "p95": [r["rank_p95"] for r in rows], "best": [r["best_rank_range"][0] for r in rows],  # type: ignore[index]
        # the chart's line spans every rank that may be reachable
        "worst": [r["worst_rank_range"][1] for r in rows],  # type: ignore[index]
        "classe": [t(f"robustness.class_{r['class']}", lang) for r in rows],
        "p": [float(r["p_selected"]) for r in rows],  # type: ignore[arg-type]
    })
    order = data["nome"].tolist()
    y = alt.Y("nome:N", sort=order, title=None,
              axis=alt.Axis(labelLimit=240, labelOverlap=False))
    axis_title = t("robustness.rank_axis", lang)
    shown = [c for c in CLASS_COLOURS if c != "undecided"
             or any(r["class"] == "undecided" for r in rows)]
    classes = [t(f"robustness.class_{c}", lang) for c in shown]
    colour = alt.Color("classe:N", title=t("robustness.col_class", lang),
                       scale=alt.Scale(domain=classes,
                                       range=[CLASS_COLOURS[c] for c in shown]),
                       legend=alt.Legend(orient="top"))
    base = alt.Chart(data)
    extent = base.mark_rule(color="#BBBBBB").encode(
        y=y, x=alt.X("best:Q", title=axis_title, scale=alt.Scale(zero=False),
                     axis=alt.Axis(orient="top", tickMinStep=1)), x2="worst:Q")
    band = base.mark_bar(height=8).encode(y=y, x="p5:Q", x2="p95:Q", color=colour,
                                          tooltip=_tooltips(lang))
    median = base.mark_point(filled=True, size=45, stroke="black", strokeWidth=1).encode(
        y=y, x="p50:Q", color=colour)
    cut = alt.Chart(pd.DataFrame({"x": [report.simulation.top + 0.5]})).mark_rule(
        color="#B00020", strokeDash=[6, 3], strokeWidth=2).encode(x="x:Q")
    return alt.layer(extent, band, median, cut).properties(
        height=alt.Step(20), title=t("robustness.chart_title", lang))


def _tooltips(lang: Lang) -> list[alt.Tooltip]:
    """The chart's tooltips, titled as the table's columns are."""
    return [alt.Tooltip("nome:N", title=t("table.entity", lang)),
            alt.Tooltip("p:Q", format=".1%", title=t("robustness.col_p", lang)),
            *(alt.Tooltip(f"{field}:Q", title=t(f"robustness.col_{key}", lang))
              for field, key in (("p5", "p5"), ("p50", "p50"), ("p95", "p95"),
                                 ("best", "best"), ("worst", "worst")))]


def effective_frame(report: RobustnessReport, lang: Lang) -> pd.DataFrame:
    eff = report.effective
    return pd.DataFrame({
        t("robustness.col_criterion", lang): [criterion(k, report.scenario.survey).label(lang)
                                               for k in eff.criteria],
        t("robustness.col_weight", lang): [fmt_number(float(w), lang) for w in eff.weights],
        t("robustness.col_nominal", lang): [fmt_percent(float(v), lang)
                                            for v in eff.nominal_share],
        t("robustness.col_variance", lang): [fmt_percent(float(v), lang)
                                             for v in eff.variance_share],
        t("robustness.col_correlation", lang): [fmt_number(float(v), lang, 2)
                                                for v in eff.correlation],
    })
