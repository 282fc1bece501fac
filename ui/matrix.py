"""Drawing the Matrix page's parts: tie box, manual pick, ranking table."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

from metrodigital.compare import compare
from metrodigital.criteria import load_criteria
from metrodigital.explain import note_text, quota_sentences, short_name, tie_sentence
from metrodigital.i18n import Lang, fmt_number, t
from metrodigital.ranking import Selection, evaluate
from metrodigital.scenario import PARAM_PICKS, Normalisation, Note, TieRule
from metrodigital.store import Store
from ui.links import is_fresh_page, seed, write_to_link
from ui.sidebar import add_link_notes


def tie_box(selection: Selection, lang: Lang) -> None:
    """The tie status, prominent when a tie straddles the cut-off; what the quotas did."""
    if selection.quota is not None:
        lines = [note_text(n, lang) for n in selection.notes if n.code.startswith("quotas.")]
        lines += quota_sentences(selection, lang)
        st.info("  \n".join(lines), icon=":material/rule:")
        if selection.quota.feasible:
            return
    sentence = tie_sentence(selection, lang)
    if selection.ties.at_cutoff:
        st.warning(sentence, icon=":material/balance:")
    else:
        st.success(sentence, icon=":material/check_circle:")


def normalisation_text(store: Store, selection: Selection, lang: Lang) -> str | None:
    """With normalised points: who enters or leaves compared with the raw points."""
    scenario = selection.scenario
    if scenario.normalisation is Normalisation.RAW:
        return None
    raw = evaluate(store, replace(scenario, normalisation=Normalisation.RAW))
    difference = compare(selection, raw)
    entered = ", ".join(short_name(n) for n in difference.entered) or "—"
    left = ", ".join(short_name(n) for n in difference.left) or "—"
    return t("matrix.normalisation_diff", lang, entered=entered, left=left,
             method=t(f"sidebar.normalisation_{scenario.normalisation}", lang))


def pick_tied(selection: Selection, lang: Lang) -> tuple[str, ...]:
    """With the manual rule and a tie at the cut-off: let the user pick who goes in."""
    ties = selection.ties
    if selection.scenario.ties is not TieRule.CHOICE or not ties.at_cutoff:
        write_to_link(PARAM_PICKS, [])
        return ()
    names = selection.table.set_index("entity_id")["ente"].map(short_name)
    options = list(ties.entity_ids)
    if is_fresh_page() or PARAM_PICKS not in st.session_state:
        linked = st.query_params.get_all(PARAM_PICKS)
        unknown = [p for p in linked if p not in options]
        if unknown:
            add_link_notes([Note("params.bad_pick", {"value": p[:40]}) for p in unknown])
        seed(PARAM_PICKS, [p for p in dict.fromkeys(linked) if p in options])
    # the tied group changes with the weights: keep only picks that are still in it
    st.session_state[PARAM_PICKS] = [
        p for p in st.session_state[PARAM_PICKS] if p in options
    ][: ties.slots]
    picked = st.multiselect(
        t("matrix.pick", lang, slots=ties.slots),
        options=options,
        format_func=names.__getitem__,
        max_selections=ties.slots,
        key=PARAM_PICKS,
        placeholder=t("matrix.pick_placeholder", lang),
    )
    write_to_link(PARAM_PICKS, picked)
    return tuple(picked)


def _change(value: int) -> str:
    if value > 0:
        return f"↑ {value}"
    if value < 0:
        return f"↓ {-value}"
    return "="


def ranking_frame(selection: Selection, lang: Lang) -> pd.DataFrame:
    """The ranking as the page shows it, columns labelled in ``lang``."""
    table = selection.table
    frame = pd.DataFrame(
        {
            t("table.rank", lang): table["rank"],
            t("table.change", lang): table["rank_change"].map(_change),
            t("table.entity", lang): table["ente"],
            t("table.score", lang): table["score"],
            t("table.selected", lang): table["selected"].map({True: "✔", False: ""}),
            t("table.tied", lang): table["tied_at_cutoff"].map({True: "=", False: ""}),
        }
    )
    for c in load_criteria():
        frame[c.label(lang)] = table[c.key]
    return frame


@dataclass(frozen=True)
class PreparedTable:
    """The ranking table ready to draw: Arrow data, column settings and height."""

    data: pa.Table
    config: dict[str, object]
    height: int


def prepare_table(selection: Selection, lang: Lang) -> PreparedTable:
    """Everything the ranking table needs, computed before anything is drawn."""
    frame = ranking_frame(selection, lang)
    numeric = [t("table.score", lang)] + [c.label(lang) for c in load_criteria()]
    values = frame[numeric].to_numpy(dtype=float)
    whole = bool(np.all(values == np.round(values)))
    if not whole:  # decimals: written in the language's format
        for col in numeric:
            frame[col] = frame[col].map(lambda v: fmt_number(v, lang, 2))
    config: dict[str, object] = {
        t("table.rank", lang): st.column_config.NumberColumn(
            width="small", help=t("table.rank_help", lang)),
        t("table.change", lang): st.column_config.TextColumn(
            width="small", help=t("table.change_help", lang)),
        t("table.entity", lang): st.column_config.TextColumn(width="large"),
        t("table.selected", lang): st.column_config.TextColumn(
            width="small", help=t("table.selected_help", lang)),
        t("table.tied", lang): st.column_config.TextColumn(
            width="small", help=t("table.tied_help", lang)),
    }
    if whole:
        for col in numeric:
            config[col] = st.column_config.NumberColumn(format="%d")
    return PreparedTable(pa.Table.from_pandas(frame, preserve_index=False), config,
                         35 * (len(frame) + 1) + 3)


def show_table(table: PreparedTable) -> None:
    st.dataframe(table.data, hide_index=True, column_config=table.config, width="stretch",
                 height=table.height)


def ranking_table(selection: Selection, lang: Lang) -> None:
    show_table(prepare_table(selection, lang))
