"""METRODIGITAL — the upload page: new questionnaires in, validated, published as a wave."""

from datetime import date

import streamlit as st

from metrodigital.display import plain
from metrodigital.i18n import t
from metrodigital.ingest import store_problems
from metrodigital.store import StoreError
from metrodigital.surveys.registry import DEFAULT_SURVEY
from metrodigital.template import build_template
from ui.auth import editor_gate
from ui.common import close_page, open_page
from ui.upload import (
    ACCEPTED_TYPES,
    PUBLISH_FORM,
    answers_preview,
    delete_section,
    example_file,
    mapping_editor,
    name_resolver,
    prepared,
    preview_ranking,
    preview_table,
    problem_report,
    publish_now,
    refusal,
    sheet_picker,
    show_flash,
    show_publish_error,
    uploader_key,
    waves_table,
    weights_note,
)
from ui.zones import zones_section

page = open_page("upload.title", matrix=False)
lang, store, survey = page.lang, page.store, page.survey
st.caption(t("upload.caption", lang))
auth, actor, decision = editor_gate(lang)

if survey.id == DEFAULT_SURVEY:  # the template is the default survey's questionnaire
    st.download_button(
        t("upload.template", lang), data=build_template, icon=":material/download:",
        file_name="modello_questionario_metrodigital.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        help=t("upload.template_help", lang),
    )
example = example_file(survey.id)
if example is not None:
    st.download_button(
        t("upload.example", lang), data=example.read_bytes, icon=":material/science:",
        file_name=example.name,
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        help=t("upload.example_help", lang) if survey.id == DEFAULT_SURVEY else
        t("carica.example_help_survey", lang, survey=plain(survey.title_in(lang), None)),
    )
show_flash()
st.subheader(t("upload.waves", lang))
waves_table(store, lang)

if decision.allowed and store.read_only:
    st.info(t("store.read_only_location", lang), icon=":material/lock:")
elif decision.allowed:
    st.subheader(t("upload.new", lang))
    st.caption(plain(t("carica.upload_to", lang, survey=survey.title_in(lang)), None))
    # every spreadsheet-like extension is let through, so that the app's own message
    # says why a macro workbook, an .xls or an .ods is refused
    upload = st.file_uploader(t("upload.file", lang), type=ACCEPTED_TYPES,
                              help=t("upload.file_help", lang), key=uploader_key())
    if upload is not None:
        data = upload.getvalue()
        first = prepared(data, upload.name, store, survey=survey.id)
        if first.preview is not None:
            sheet = sheet_picker(first.preview, lang)
            base = first if sheet == first.preview.sheet else prepared(
                data, upload.name, store, sheet=sheet, survey=survey.id)
        else:
            base = first
        if base.preview is None:
            st.error(t("upload.rejected", lang), icon=":material/block:")
            st.text("\n".join(p.message(lang) for p in base.rejected.problems))  # type: ignore[union-attr]
        else:
            mapping = mapping_editor(base.preview, lang)
            renames = name_resolver(base.preview, lang)
            result = base if not (mapping or renames) else prepared(
                data, upload.name, store, sheet=sheet, mapping=mapping, renames=renames,
                survey=survey.id)
            if result.preview is None:  # read already: cannot happen, never a crash
                st.error(t("upload.rejected", lang), icon=":material/block:")
            else:
                preview = result.preview
                extra = store_problems(store, preview)
                problem_report(preview, extra, lang)
                if not preview.errors:
                    st.subheader(t("upload.preview", lang) if preview.has_matrix
                                 else t("carica.preview_answers", lang))
                    weights_note(preview, lang)
                    if preview.has_matrix:
                        try:
                            preview_table(preview_ranking(result), lang)
                        except StoreError as refused:  # nothing a check let through should
                            st.error(plain(refusal(refused, lang), None),
                                     icon=":material/error:")
                    else:
                        answers_preview(preview, lang)
                    warnings = len(preview.warnings) + len(extra)
                    with st.form(PUBLISH_FORM):
                        st.text_input(t("upload.wave_name", lang), max_chars=80,
                                      key="_wave_name")
                        st.date_input(t("upload.wave_date", lang), value=date.today(),
                                      format="DD/MM/YYYY", key="_wave_date")
                        # keyed by the file and its warnings: an acceptance given for
                        # one file (or for fewer warnings) is never carried over
                        accept_key = f"_wave_accept_{preview.sha256[:16]}_{warnings}"
                        if warnings:
                            st.checkbox(t("upload.accept", lang, n=warnings), key=accept_key)
                        st.form_submit_button(
                            t("upload.publish", lang), type="primary", on_click=publish_now,
                            args=(store, result, mapping, accept_key, auth, actor, lang))
                    show_publish_error()

    st.subheader(t("upload.delete", lang))
    delete_section(store, lang, auth, actor)
elif store.read_only:
    st.caption(plain(t("store.read_only_location", lang), None))
zones_section(store, survey, lang, auth, actor, editor=decision.allowed)
close_page(page)
