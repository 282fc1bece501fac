"""Drawing the Matrix page's parts: tie box, manual pick, ranking table."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import streamlit as st

from metrodigital.criteria import Criterion, load_criteria
from metrodigital.display import plain
from metrodigital.explain import join_names, note_text, quota_sentences, short_name, tie_sentence
from metrodigital.i18n import Lang, fmt_number, has_message, t
from metrodigital.params import PARAM_PICKS
from metrodigital.ranking import Selection, evaluate
from metrodigital.scenario import (
    Normalisation,
    Note,
    TieRule,
)
from metrodigital.store import Store
from metrodigital.surveys.registry import DEFAULT_SURVEY
from ui.links import is_fresh_page, seed, write_to_link
from ui.sidebar import add_link_notes


def tie_box(selection: Selection, lang: Lang) -> None:
    """The tie status, prominent when a tie straddles the cut-off; what the quotas did."""
    # names from the file are shown as text in these Markdown boxes
    selection = replace(selection, table=selection.table.assign(
        ente=selection.table["ente"].map(plain)))
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


def _moves(current: Selection, other: Selection, lang: Lang) -> tuple[str, str]:
    """Who is selected in ``current`` and not in ``other`` (in ranking order), and who the
    other way round, as names for a sentence ("—" for nobody)."""
    now = current.table.set_index("entity_id")["selected"]
    then = other.table.set_index("entity_id")["selected"].reindex(now.index, fill_value=False)
    names = current.table.set_index("entity_id")["ente"].map(short_name)
    entered = [plain(names[i]) for i in now.index if now[i] and not then[i]]
    left = [plain(names[i]) for i in now.index if then[i] and not now[i]]
    return join_names(entered, lang) or "—", join_names(left, lang) or "—"


_REFERENCE_KEY = "_reference_selection"


def _reference_selection(store: Store, selection: Selection) -> Selection:
    """The selection with the source's weights and everything else as in ``selection``.

    It does not change while only the weights move, so the session keeps the last one:
    a slider's rerun does not compute it again.
    """
    scenario = selection.scenario
    key = (store.generation, scenario.wave, scenario.top, scenario.ties, scenario.tie_criteria,
           scenario.picks, scenario.normalisation, scenario.quotas)
    kept = st.session_state.get(_REFERENCE_KEY)
    if kept is not None and kept[0] == key:
        return kept[1]  # type: ignore[no-any-return]
    reference = evaluate(store, replace(scenario, weights=dict(scenario.reference)))
    st.session_state[_REFERENCE_KEY] = (key, reference)
    return reference


def changes_text(store: Store, selection: Selection, lang: Lang) -> list[str]:
    """Who enters and who leaves the selection against the source's (reference) weights,
    when the weights differ from them, and against raw points, when the points are
    normalised; everything else of the scenario (N, rule, quotas) as it is."""
    scenario = selection.scenario
    lines: list[str] = []
    if scenario.changed_weights:
        reference = _reference_selection(store, selection)
        if not reference.all_weights_zero:
            entered, left = _moves(selection, reference, lang)
            lines.append(t("matrix.reference_diff", lang, entered=entered, left=left))
    if scenario.normalisation is not Normalisation.RAW:
        raw = evaluate(store, replace(scenario, normalisation=Normalisation.RAW))
        entered, left = _moves(selection, raw, lang)
        lines.append(t("matrix.normalisation_diff", lang, entered=entered, left=left,
                       method=t(f"sidebar.normalisation_{scenario.normalisation}", lang)))
    return lines


def phone_summary(selection: Selection, changes: list[str], lang: Lang) -> None:
    """The results in brief, under the weights, for a phone's screen (where the open
    sidebar covers the page): how many are selected, the last score, what changed."""
    last_in = selection.table.loc[selection.table["selected"], "score"]
    cutoff = fmt_number(last_in.min(), lang) if len(last_in) else "—"
    lines = [t("matrix.phone_summary", lang, n=selection.n_selected,
               top=selection.scenario.top, cutoff=cutoff), *changes]
    st.info("  \n".join(lines), icon=":material/leaderboard:")


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
    st.session_state[PARAM_PICKS] = [p for p in st.session_state[PARAM_PICKS] if p in options]
    # no max_selections: Streamlit's own "You can only select up to…" is English only;
    # too many picks are said below in the user's language instead
    picked = st.multiselect(
        t("matrix.pick", lang, slots=ties.slots),
        options=options,
        format_func=names.__getitem__,
        key=PARAM_PICKS,
        placeholder=t("matrix.pick_placeholder", lang),
        select_all=False,
    )
    write_to_link(PARAM_PICKS, picked)
    if len(picked) > ties.slots:
        st.warning(t("matrix.pick_too_many", lang, slots=ties.slots, n=len(picked)),
                   icon=":material/block:")
        return ()  # not a valid choice yet: everyone tied stays in
    return tuple(picked)


def _change(value: int) -> str:
    if value > 0:
        return f"↑ {value}"
    if value < 0:
        return f"↓ {-value}"
    return "="


@dataclass(frozen=True)
class PreparedTable:
    """The ranking table ready to draw: Arrow data, column settings and height."""

    data: pa.Table
    config: dict[str, object]
    height: int


# Column widths in pixels: every column fits a 1280-pixel screen with the sidebar open
# (about 910 pixels of table; 1,060 at 1440); criteria are headed by a short name, the
# full one in the header's help, and entities by their short name ("Mazzè").
_WIDTHS = {"rank": 48, "change": 54, "entity": 150, "score": 86, "selected": 54, "tied": 46,
           "scheda": 54, "criterion": 58}


def prepare_table(selection: Selection, lang: Lang, *,
                  scheda: tuple[str, list[str], object] | None = None) -> PreparedTable:
    """The ranking as the page shows it, columns labelled in ``lang``; built straight
    from the selection's arrays, before anything is drawn. ``scheda``: the column of
    links to each entity's Scheda ente (``ui.scheda.scheda_link_column``)."""
    table = selection.table
    criteria = load_criteria(selection.scenario.survey)
    short = {c.key: short_label(c, lang, selection.scenario.survey) for c in criteria}
    numeric = {t("table.score", lang): table["score"].to_numpy(dtype=float)}
    numeric.update({short[c.key]: table[c.key].to_numpy(dtype=float) for c in criteria})
    whole = all(bool(np.all(v == np.round(v))) for v in numeric.values())
    columns: dict[str, object] = {
        t("table.rank", lang): table["rank"].to_numpy(dtype="int64"),
        t("table.change", lang): [_change(int(v)) for v in table["rank_change"]],
        t("table.entity", lang): [short_name(e) for e in table["ente"]],
        t("table.selected", lang): ["✔" if v else "" for v in table["selected"]],
        t("table.tied_short", lang): ["=" if v else "" for v in table["tied_at_cutoff"]],
    }
    for label, values in numeric.items():
        # decimals are written in the language's format
        columns[label] = values if whole else [fmt_number(v, lang, 2) for v in values]
    config: dict[str, object] = {
        t("table.rank", lang): st.column_config.NumberColumn(
            width=_WIDTHS["rank"], help=t("table.rank_help", lang)),
        t("table.change", lang): st.column_config.TextColumn(
            width=_WIDTHS["change"], help=t("table.change_help", lang)),
        t("table.entity", lang): st.column_config.TextColumn(
            width=_WIDTHS["entity"], help=t("table.entity_help", lang)),
        t("table.selected", lang): st.column_config.TextColumn(
            width=_WIDTHS["selected"], help=t("table.selected_help", lang)),
        t("table.tied_short", lang): st.column_config.TextColumn(
            width=_WIDTHS["tied"], help=t("table.tied_help", lang)),
    }
    number = st.column_config.NumberColumn if whole else st.column_config.TextColumn
    extra = {"format": "%d"} if whole else {}
    config[t("table.score", lang)] = number(width=_WIDTHS["score"], **extra)  # type: ignore[operator]
    for c in criteria:
        config[short[c.key]] = number(  # type: ignore[operator]
            width=_WIDTHS["criterion"], help=t("table.criterion_help", lang, name=c.label(lang)),
            **extra)
    # column order: rank, change, entity, score, selected, tied, then the criteria
    order = [t("table.rank", lang), t("table.change", lang), t("table.entity", lang),
             t("table.score", lang), t("table.selected", lang), t("table.tied_short", lang),
             *[short[c.key] for c in criteria]]
    if scheda is not None:
        label, links, column = scheda
        columns[label], config[label] = links, column
        order.insert(6, label)  # after the tie column, before the criteria
    data = pa.table({name: columns[name] for name in order})
    return PreparedTable(data, config, 35 * (len(table) + 1) + 3)


def table_width(survey: str = DEFAULT_SURVEY) -> int:
    """The pixels every column of the ranking table needs."""
    return sum(_WIDTHS.values()) + _WIDTHS["criterion"] * (len(load_criteria(survey)) - 1)


def short_label(criterion: Criterion, lang: Lang, survey: str = DEFAULT_SURVEY) -> str:
    """A criterion's short column heading: the catalogue's for the METRODIGITAL criteria,
    else its label."""
    key = f"table.short_{criterion.key}"
    return t(key, lang) if survey == DEFAULT_SURVEY and has_message(key) else \
        criterion.label(lang)


def show_table(table: PreparedTable) -> None:
    st.dataframe(table.data, hide_index=True, column_config=table.config, width="stretch",
                 height=table.height)


def download_table(table: PreparedTable, lang: Lang, wave: str) -> None:
    """The ranking as a CSV file for Excel (semicolons, decimal commas in Italian): the
    table's own download button is Streamlit's, in English, and is hidden."""
    def csv() -> bytes:
        frame = table.data.to_pandas().drop(columns=[t("scheda.table_column", lang)],
                                             errors="ignore")  # links: not for Excel
        separator = ";" if lang == "it" else ","
        return frame.to_csv(index=False, sep=separator).encode("utf-8-sig")

    st.download_button(t("matrix.download", lang), data=csv, icon=":material/download:",
                       file_name=f"graduatoria-{wave}.csv", mime="text/csv",
                       on_click="ignore")


def ranking_table(selection: Selection, lang: Lang) -> None:
    show_table(prepare_table(selection, lang))
