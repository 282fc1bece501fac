"""METRODIGITAL — the upload page: new questionnaires in, validated, published as a wave."""

from datetime import date

import streamlit as st

from metrodigital.criteria import seed_weights
from metrodigital.i18n import t
from metrodigital.ingest import ImportBlocked, delete_wave, prepare, preview_selection, publish
from metrodigital.paths import DATA_DIR
from metrodigital.roles import PermissionDenied
from metrodigital.store import StoreError
from metrodigital.template import build_template
from metrodigital.workbook import FileRejected
from ui.auth import editor_gate, refusal_text
from ui.common import close_page, open_page
from ui.matrix import ranking_table
from ui.upload import mapping_editor, name_resolver, problem_report, sheet_picker, waves_table

EXAMPLE = DATA_DIR / "examples" / "risposte_sintetiche_2023.xlsx"

page = open_page("upload.title")
lang, store = page.lang, page.store
st.caption(t("upload.caption", lang))
auth, actor, decision = editor_gate(lang)

st.download_button(
    t("upload.template", lang), data=build_template, icon=":material/download:",
    file_name="modello_questionario_metrodigital.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    help=t("upload.template_help", lang),
)
st.download_button(
    t("upload.example", lang), data=EXAMPLE.read_bytes, icon=":material/science:",
    file_name=EXAMPLE.name,
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    help=t("upload.example_help", lang),
)
st.subheader(t("upload.waves", lang))
waves_table(store, lang)

if decision.allowed:
    st.subheader(t("upload.new", lang))
    upload = st.file_uploader(t("upload.file", lang), type=["xlsx", "csv"],
                              help=t("upload.file_help", lang))
    if upload is not None:
        data = upload.getvalue()
        try:
            first = prepare(data, upload.name, remembered=store.mapping)
            sheet = sheet_picker(first, lang)
            mapping = mapping_editor(first, lang)
            renames = name_resolver(first, lang)
            preview = first
            if mapping or renames or sheet != first.sheet:
                preview = prepare(data, upload.name, mapping=mapping, renames=renames,
                                  sheet=sheet, remembered=store.mapping)
        except FileRejected as rejected:
            st.error(t("upload.rejected", lang), icon=":material/block:")
            st.text("\n".join(p.message(lang) for p in rejected.problems))
            preview = None
        if preview is not None:
            problem_report(preview, lang)
            if not preview.errors:
                st.subheader(t("upload.preview", lang))
                selection = preview_selection(preview, seed_weights(), 12)
                ranking_table(selection, lang)
                with st.form("publish"):
                    name = st.text_input(t("upload.wave_name", lang), max_chars=80)
                    survey = st.date_input(t("upload.wave_date", lang), value=date.today(),
                                           format="DD/MM/YYYY")
                    accepted = bool(preview.warnings) and st.checkbox(
                        t("upload.accept", lang, n=len(preview.warnings)))
                    go = st.form_submit_button(t("upload.publish", lang), type="primary")
                if go:
                    try:
                        wave = publish(store, preview, name=name, survey_date=survey,
                                       auth=auth, actor=actor, accept_warnings=accepted)
                    except (ImportBlocked, PermissionDenied, StoreError) as refused:
                        st.error(refusal_text(refused, lang))
                    else:
                        if mapping:
                            store.save_mapping(preview.layout, mapping)
                        st.success(t("upload.published", lang, name=wave.name, n=wave.n_rows))

    st.subheader(t("upload.delete", lang))
    deletable = [w for w in store.waves() if not w.is_seed]
    if not deletable:
        st.caption(t("upload.nothing_to_delete", lang))
    else:
        names = {w.slug: w.name for w in deletable}
        victim = st.selectbox(t("upload.delete_which", lang), options=list(names),
                              format_func=names.__getitem__)
        sure = st.checkbox(t("upload.delete_confirm", lang, name=names[victim]))
        if st.button(t("upload.delete_button", lang), disabled=not sure):
            try:
                delete_wave(store, victim, auth=auth, actor=actor)
            except (PermissionDenied, StoreError) as refused:
                st.error(refusal_text(refused, lang))
            else:
                st.success(t("upload.deleted", lang, name=names[victim]))
                st.rerun()
close_page(page)
