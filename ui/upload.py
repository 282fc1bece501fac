"""Drawing the upload flow: report, column mapping, preview, publishing, the waves list."""

from __future__ import annotations

import streamlit as st

from metrodigital.criteria import load_criteria
from metrodigital.i18n import Lang, fmt_number, t
from metrodigital.ingest import ENTE, Preview
from metrodigital.roles import display_actor
from metrodigital.store import Store
from metrodigital.territory import match_entity
from ui.auth import is_editor


def problem_report(preview: Preview, lang: Lang) -> None:
    """Every problem with its cell, errors first; uploaded text shown as plain text only."""
    if preview.ignored:
        st.caption(t("ingest.ignored_columns", lang, columns=", ".join(
            f"{letter} «{header}»" for letter, header in preview.ignored)))
    if preview.errors:
        st.error(t("upload.errors", lang, n=len(preview.errors)), icon=":material/error:")
        st.text("\n".join(p.message(lang) for p in preview.errors))
    if preview.warnings:
        st.warning(t("upload.warnings", lang, n=len(preview.warnings)),
                   icon=":material/warning:")
        st.text("\n".join(p.message(lang) for p in preview.warnings))
    if not preview.problems:
        st.success(t("upload.clean", lang, n=len(preview.matrix)), icon=":material/check:")


def mapping_editor(preview: Preview, lang: Lang) -> dict[str, str]:
    """Let the user say what unrecognised columns hold; returns header → target."""
    targets = {"": t("upload.map_ignore", lang), ENTE: t("table.entity", lang)}
    targets.update({c.key: c.label(lang) for c in load_criteria()})
    missing = [p for p in preview.errors if p.code == "ingest.missing_column"]
    if not preview.ignored or not (missing or st.session_state.get("_show_mapping")):
        return {}
    st.markdown(f"**{t('upload.map_title', lang)}**")
    mapping: dict[str, str] = {}
    for letter, header in preview.ignored:
        choice = st.selectbox(
            t("upload.map_column", lang, letter=letter, header=header[:60]),
            options=list(targets), format_func=targets.__getitem__,
            key=f"_map_{preview.layout}_{letter}",
        )
        if choice:
            mapping[header] = choice
    return mapping


def waves_table(store: Store, lang: Lang) -> None:
    editor = is_editor()  # viewers see a role, never an editor's e-mail
    rows = [
        {
            t("upload.col_name", lang): w.name,
            t("upload.col_date", lang): w.survey_date.isoformat() if w.survey_date else "—",
            t("upload.col_file", lang): w.source_file,
            "SHA-256": w.sha256[:12] + "…",
            t("upload.col_rows", lang): fmt_number(w.n_rows, lang),
            t("upload.col_uploaded", lang): w.uploaded_at.strftime("%d/%m/%Y %H:%M"),
            t("upload.col_by", lang): display_actor(w.uploaded_by, editor, lang)[:60],
        }
        for w in store.waves()
    ]
    st.dataframe(rows, hide_index=True, width="stretch")


def sheet_picker(preview: Preview, lang: Lang) -> str | None:
    """With several sheets: the one the app chose, or the one the user picks."""
    if len(preview.sheets) < 2:
        return preview.sheet
    return st.selectbox(t("upload.sheet", lang), preview.sheets,
                        index=preview.sheets.index(preview.sheet or ""),
                        help=t("upload.sheet_help", lang), key=f"_sheet_{preview.sha256}")


def name_resolver(preview: Preview, lang: Lang) -> dict[str, str]:
    """For each name that is not a known Comune or Unione: pick one, or keep it as is."""
    unknown = list(dict.fromkeys(
        str(p.params["name"]) for p in preview.warnings
        if p.code.startswith("territory.unknown") and "name" in p.params))
    if not unknown:
        return {}
    st.markdown(f"**{t('upload.names_title', lang)}**")
    renames: dict[str, str] = {}
    keep = t("upload.keep_name", lang)
    for name in unknown:
        options = [keep, *match_entity(name).candidates]
        choice = st.selectbox(t("upload.name_choice", lang, name=name[:80]), options,
                              key=f"_rename_{preview.sha256}_{name}")
        if choice != keep:
            renames[name] = choice
    return renames
