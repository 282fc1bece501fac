"""Drawing the upload flow: report, column mapping, name mapping, preview, publishing,
deleting, the waves list.

An uploaded file is read and checked once: :func:`prepared` keeps each
``prepare()`` result (and the preview's ranking) in the session, keyed by the
file's SHA-256 and the user's answers (sheet, columns, names), so the reruns
that every click causes cost nothing, and pressing Publish writes at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import streamlit as st

from metrodigital.criteria import load_criteria, seed_weights
from metrodigital.display import clean, plain, plain_list
from metrodigital.i18n import Lang, fmt_number, quote, t
from metrodigital.ingest import (
    ENTE,
    ImportBlocked,
    Preview,
    delete_wave,
    group_problems,
    prepare,
    preview_selection,
    publish,
    read_tables,
    territory_matcher,
)
from metrodigital.params import PARAM_TOP, PARAM_WAVE
from metrodigital.paths import DATA_DIR
from metrodigital.questionnaire import QuotedNames
from metrodigital.ranking import Selection
from metrodigital.roles import Actor, AuthConfig, PermissionDenied
from metrodigital.store import EXAMPLES, SEED_WAVE_SLUG, Store, StoreError
from metrodigital.surveys.registry import DEFAULT_SURVEY, load_survey
from metrodigital.workbook import CellProblem, FileRejected, Table

ACCEPTED_TYPES = ["xlsx", "csv", "txt", "tsv", "xlsm", "xltx", "xltm", "xlam", "xlsb", "xls",
                  "ods", "ots", "fods"]
PUBLISH_FORM = "publish"
PUBLISH_ERROR = "_upload_publish_error"
DELETE_ERROR = "_upload_delete_error"
PREPARED = "_upload_prepared"  # session key: the files checked in this session, per answers
READ = "_upload_read"  # session key: the sheets of the file being prepared
FLASH = "_upload_flash"  # session key: what the last write did, shown after the rerun
UPLOADER = "_upload_widget"  # session key: a counter in the uploader's key, to empty it
_KEEP_PREPARED = 6  # results kept per session (each answer to a question is one)
PREVIEW_ROWS = 200  # ranking rows shown in the preview (the rest are counted)
_MAPPING_PROBLEMS = {"ingest.missing_column", "questionnaire.columns.missing",
                     "questionnaire.columns.entity_missing", "answers.columns.missing",
                     "answers.columns.entity_missing"}


@dataclass
class Prepared:
    """One read of a file with the user's answers, or why it cannot be read."""

    preview: Preview | None
    rejected: FileRejected | None
    selection: Selection | None = None


def prepared(data: bytes, filename: str, store: Store, *, sheet: str | None = None,
             mapping: dict[str, str] | None = None,
             renames: dict[str, str] | None = None,
             survey: str = DEFAULT_SURVEY) -> Prepared:
    """``prepare()`` of this file with these answers, as answers to ``survey``, computed
    once per session; the file itself is read once, whatever the answers."""
    sha = hashlib.sha256(data).hexdigest()
    key = (sha, filename, survey, sheet, tuple(sorted((mapping or {}).items())),
           tuple(sorted((renames or {}).items())))
    cache: dict[tuple, Prepared] = st.session_state.setdefault(PREPARED, {})
    if key in cache:
        return cache[key]
    read: dict[tuple[str, str, str], list[Table] | FileRejected] = \
        st.session_state.setdefault(READ, {})
    if (sha, filename, survey) not in read:
        read.clear()  # one file at a time
        try:
            read[(sha, filename, survey)] = read_tables(data, filename, survey=survey)
        except FileRejected as rejected:
            read[(sha, filename, survey)] = rejected
    tables = read[(sha, filename, survey)]
    if isinstance(tables, FileRejected):
        result = Prepared(None, tables)
    else:
        result = Prepared(prepare(data, filename, mapping=mapping, sheet=sheet,
                                  remembered=store.mapping, renames=renames, tables=tables,
                                  survey=survey),
                          None)
    while len(cache) >= _KEEP_PREPARED:
        cache.pop(next(iter(cache)))
    cache[key] = result
    return result


def preview_ranking(result: Prepared) -> Selection:
    """The ranking the file would produce with the reference weights it would be published
    with: its own «Peso assegnato» row, else the source's (computed once)."""
    if result.selection is None:
        assert result.preview is not None
        weights = result.preview.weights or seed_weights()
        result.selection = preview_selection(result.preview, weights, 12)
    return result.selection


def forget_files() -> None:
    """After a write: drop what was read and empty the uploader."""
    st.session_state.pop(PREPARED, None)
    st.session_state.pop(READ, None)
    st.session_state[UPLOADER] = st.session_state.get(UPLOADER, 0) + 1


def uploader_key() -> str:
    return f"_upload_file_{st.session_state.get(UPLOADER, 0)}"


def flash(kind: str, text: str) -> None:
    """A message for the next run (a write is followed by a rerun that redraws the
    sidebar and the waves list)."""
    st.session_state[FLASH] = (kind, text)


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message is None:
        return
    kind, text = message
    if kind == "success":
        st.success(text, icon=":material/check_circle:")
    else:
        st.info(text, icon=":material/info:")


def refusal(refused: Exception, lang: Lang) -> str:
    """Why a write was refused, in ``lang`` (catalogue keys rendered with their values)."""
    render = getattr(refused, "message", None)
    if callable(render):
        return str(render(lang))
    from ui.auth import refusal_text  # the roles' own refusals

    return refusal_text(refused, lang)


def problem_report(preview: Preview, extra: list[CellProblem], lang: Lang) -> None:
    """Every problem with its place, errors first; many of one kind as one line naming
    the rows and entities. Uploaded text is shown as plain text only."""
    problems = [*preview.problems, *extra]
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if preview.ignored:
        st.caption(plain(t("ingest.ignored_columns", lang, columns=", ".join(
            f"{letter} {quote(header[:60], lang)}" for letter, header in preview.ignored)),
            None))
    if errors:
        st.error(t("upload.errors", lang, n=len(errors)), icon=":material/error:")
        st.text("\n".join(group_problems(errors, lang)))
    if warnings:
        st.warning(t("upload.warnings", lang, n=len(warnings)), icon=":material/warning:")
        st.text("\n".join(group_problems(warnings, lang)))
    if not problems:
        st.success(t("upload.clean", lang, n=len(preview.matrix)), icon=":material/check:")


def mapping_editor(preview: Preview, lang: Lang) -> dict[str, str]:
    """What the columns the app did not recognise hold (a criterion for a matrix file,
    a question for a responses file, or the entity); returns header → target."""
    targets = {"": t("upload.map_ignore", lang), ENTE: t("table.entity", lang)}
    if preview.format == "responses":  # a question: by its number ("2.1"), else its code
        targets.update({(q.id or q.code): f"{q.id or q.code} · {q.text_in(lang)[:70]}"
                        for q in load_survey(preview.survey_id).questions})
    else:
        targets.update({c.key: c.label(lang) for c in load_criteria()})
    asked = any(p.code in _MAPPING_PROBLEMS for p in preview.problems)
    if not preview.ignored or not asked:
        return {}
    st.markdown(f"**{t('upload.map_title', lang)}**")
    mapping: dict[str, str] = {}
    for letter, header in preview.ignored:
        choice = st.selectbox(
            plain(t("upload.map_column", lang, letter=letter, header=header[:60]), None),
            options=list(targets), format_func=targets.__getitem__,
            key=f"_map_{preview.layout}_{letter}",
        )
        if choice:
            mapping[header] = choice
    return mapping


def waves_table(store: Store, lang: Lang) -> None:
    """Every published wave: an example says it is synthetic; the survey it belongs to."""
    titles = {sid: load_survey(sid).name_in(lang) for sid in {w.survey_id for w in
                                                                store.waves()}}
    rows = [
        {
            t("upload.col_name", lang): w.label(lang),
            t("carica.col_survey", lang): titles[w.survey_id],
            t("upload.col_date", lang): w.survey_date.isoformat() if w.survey_date else "—",
            t("upload.col_file", lang): w.source_file,
            "SHA-256": w.sha256[:12] + "…",
            t("upload.col_rows", lang): fmt_number(w.n_rows, lang),
            t("upload.col_uploaded", lang): w.uploaded_at.strftime("%d/%m/%Y %H:%M"),
            t("upload.col_by", lang): w.uploaded_by[:60],
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
                        format_func=lambda name: clean(name, None),
                        help=t("upload.sheet_help", lang), key=f"_sheet_{preview.sha256}")


def _official_names(survey: str = DEFAULT_SURVEY) -> list[str]:
    """The names a row may be matched to: the Comuni and Unioni of the survey's territory."""
    territory = territory_matcher(load_survey(survey).territory)
    return sorted((e.name for e in (*territory.comuni, *territory.unioni)), key=str.casefold)


def name_resolver(preview: Preview, lang: Lang) -> dict[str, str]:
    """One table of the names that are not a known Comune or Unione, with their rows and
    the close official names; a column to pick the entity (or keep the name)."""
    rows: dict[str, list[int]] = {}
    similar: dict[str, str] = {}
    for problem in preview.warnings:
        if not problem.code.startswith("territory.unknown") or "name" not in problem.params:
            continue
        name = str(problem.params["name"])
        digits = "".join(ch for ch in (problem.cell or "") if ch.isdigit())
        rows.setdefault(name, []).extend([int(digits)] if digits else [])
        candidates = problem.params.get("candidates", "")
        similar[name] = (format(candidates, lang) if isinstance(candidates, QuotedNames)
                         else str(candidates))
    if not rows:
        return {}
    keep = t("upload.keep_name", lang)
    col_name, col_rows = t("carica.names_col_name", lang), t("carica.names_col_rows", lang)
    col_similar, col_choice = (t("carica.names_col_similar", lang),
                               t("carica.names_col_choice", lang))
    st.markdown(f"**{t('upload.names_title', lang)}**")
    st.caption(t("carica.names_help", lang, n=fmt_number(len(rows), lang)))
    table = pd.DataFrame({
        col_name: list(rows),
        col_rows: [", ".join(str(r) for r in found[:10]) + (" …" if len(found) > 10 else "")
                   for found in rows.values()],
        col_similar: [similar[name] for name in rows],
        col_choice: [keep] * len(rows),
    })
    edited = st.data_editor(
        table, key=f"_names_{preview.sha256}_{preview.sheet}", hide_index=True,
        width="stretch", height=min(38 + 35 * len(rows), 420), num_rows="fixed",
        disabled=[col_name, col_rows, col_similar],
        column_config={
            col_name: st.column_config.TextColumn(width="medium"),
            col_rows: st.column_config.TextColumn(width="small"),
            col_similar: st.column_config.TextColumn(width="large"),
            col_choice: st.column_config.SelectboxColumn(
                options=[keep, *_official_names(preview.survey_id)], required=True,
                width="medium",
                help=t("carica.names_choice_help", lang)),
        },
    )
    return {str(name): str(choice) for name, choice in zip(edited[col_name], edited[col_choice],
                                                           strict=True)
            if choice and choice != keep}


def example_file(survey: str) -> Path | None:
    """The synthetic example responses file of a survey (``data/examples``), if any."""
    for example in EXAMPLES:
        if example.survey_id == survey:
            return DATA_DIR / "examples" / example.file
    return None


def weights_note(preview: Preview, lang: Lang) -> None:
    """Which reference weights a matrix file gave («Peso assegnato» under its header)."""
    if not preview.weights:
        return
    labels = {c.key: c.label(lang) for c in load_criteria()}
    given = "; ".join(f"{labels.get(key, key)} {fmt_number(weight, lang)}"
                      for key, weight in preview.weights.items())
    st.info(t("carica.weights_read", lang, weights=given), icon=":material/balance:")


def answers_preview(preview: Preview, lang: Lang) -> None:
    """A file of a survey without a matrix: who answered, with their ISTAT codes, and how
    many answers each (no ranking to show); which columns hold personal data."""
    survey = load_survey(preview.survey_id)
    answers = preview.answers if preview.answers is not None else pd.DataFrame(
        columns=["ente", "personal"])
    per_entity = answers.groupby("ente").size() if len(answers) else pd.Series(dtype=int)
    table = pd.DataFrame({
        t("table.entity", lang): preview.matrix[ENTE].astype(str),
        t("carica.col_istat", lang): preview.matrix["istat_code"].fillna("").astype(str),
        t("carica.col_answers", lang): [int(per_entity.get(name, 0))
                                        for name in preview.matrix[ENTE]],
    })
    st.caption(t("carica.answers_preview", lang, n=fmt_number(len(preview.matrix), lang),
                 answers=fmt_number(len(answers), lang),
                 survey=plain(survey.title_in(lang), None)))
    st.dataframe(table.head(PREVIEW_ROWS), hide_index=True, width="stretch")
    personal = [q.text_in(lang) for q in survey.questions if q.personal]
    if personal:
        st.caption(plain(t("carica.personal_columns", lang, columns="; ".join(personal)),
                         None))


def preview_table(selection: Selection, lang: Lang) -> None:
    """The preview's ranking: whole for a small file, the first rows of a large one."""
    from ui.matrix import prepare_table  # the Matrix page's table, same columns

    total = len(selection.table)
    shown = selection if total <= PREVIEW_ROWS else replace(
        selection, table=selection.table.head(PREVIEW_ROWS))
    table = prepare_table(shown, lang)
    st.dataframe(table.data, hide_index=True, column_config=table.config, width="stretch",
                 height=table.height if total <= PREVIEW_ROWS else 460)
    if total > PREVIEW_ROWS:
        st.caption(t("carica.preview_first", lang, shown=fmt_number(PREVIEW_ROWS, lang),
                     n=fmt_number(total, lang)))


def _keep_top(store: Store, top: object) -> None:
    """N as it was before a write changed the largest wave (the slider's range changes
    with it, and Streamlit would otherwise reset N to 1), within the new range."""
    if isinstance(top, int):
        largest = max(w.n_rows for w in store.waves())
        st.session_state[PARAM_TOP] = max(1, min(top, largest))


def publish_now(store: Store, result: Prepared, mapping: dict[str, str], accept_key: str,
                auth: AuthConfig, actor: Actor, lang: Lang) -> None:
    """The Publish button's callback: it runs before the next run draws anything, so the
    sidebar and the waves list show the new wave, and N stays as it was."""
    st.session_state.pop(PUBLISH_ERROR, None)
    preview = result.preview
    assert preview is not None
    top = st.session_state.get(PARAM_TOP)
    try:
        wave = publish(store, preview, name=str(st.session_state.get("_wave_name") or ""),
                       survey_date=st.session_state.get("_wave_date"), auth=auth,
                       actor=actor, accept_warnings=bool(st.session_state.get(accept_key)))
    except (ImportBlocked, PermissionDenied, StoreError) as refused:
        st.session_state[PUBLISH_ERROR] = refusal(refused, lang)
        return
    text = t("upload.published", lang, name=plain(wave.name), n=fmt_number(wave.n_rows, lang))
    if mapping:
        try:
            store.save_mapping(preview.layout, mapping)
        except StoreError as refused:
            text += " " + refusal(refused, lang)
    flash("success", text)
    forget_files()
    st.session_state["_wave_name"] = ""  # the next file needs a name of its own
    _keep_top(store, top)


def show_publish_error() -> None:
    refused = st.session_state.get(PUBLISH_ERROR)
    if refused:
        st.error(plain(refused, None), icon=":material/error:")


def delete_now(store: Store, slug: str, name: str, scenarios: list[str], auth: AuthConfig,
               actor: Actor, lang: Lang) -> None:
    """The Delete button's callback (see :func:`publish_now`)."""
    st.session_state.pop(DELETE_ERROR, None)
    try:
        survey = store.wave(slug).survey_id
    except KeyError:
        survey = DEFAULT_SURVEY
    top = st.session_state.get(PARAM_TOP)
    try:
        delete_wave(store, slug, auth=auth, actor=actor)
    except (PermissionDenied, StoreError) as refused:
        st.session_state[DELETE_ERROR] = refusal(refused, lang)
        return
    text = t("upload.deleted", lang, name=plain(name))
    if scenarios:
        text += " " + t("carica.deleted_scenarios", lang, n=len(scenarios),
                        names=plain_list(scenarios))
    if st.session_state.get(PARAM_WAVE) == slug:  # the wave on screen: back to the source's
        if survey == DEFAULT_SURVEY:
            st.session_state[PARAM_WAVE] = SEED_WAVE_SLUG
        else:  # another survey: the sidebar picks that survey's latest wave
            st.session_state.pop(PARAM_WAVE, None)
        text += " " + t("carica.deleted_viewed", lang)
    flash("success", text)
    _keep_top(store, top)


def delete_section(store: Store, lang: Lang, auth: AuthConfig, actor: Actor) -> None:
    """Pick a wave (never the source's), read what goes with it (its saved scenarios),
    confirm, delete."""
    deletable = [w for w in store.waves() if not w.is_seed]
    if not deletable:
        st.caption(t("upload.nothing_to_delete", lang))
        return
    names = {w.slug: w.label(lang) for w in deletable}
    victim = st.selectbox(t("upload.delete_which", lang), options=list(names),
                          format_func=lambda slug: clean(names[slug]))
    scenarios = store.wave_scenarios(victim)
    if scenarios:
        st.warning(t("carica.delete_scenarios", lang, n=len(scenarios),
                     names=plain_list(scenarios)), icon=":material/warning:")
        label = t("carica.delete_confirm_scenarios", lang, name=plain(names[victim]),
                  n=len(scenarios))
    else:
        label = t("upload.delete_confirm", lang, name=plain(names[victim]))
    sure = st.checkbox(label, key=f"_delete_sure_{victim}")
    st.button(t("upload.delete_button", lang), disabled=not sure, on_click=delete_now,
              args=(store, victim, names[victim], scenarios, auth, actor, lang))
    refused = st.session_state.pop(DELETE_ERROR, None)
    if refused:
        st.error(plain(refused, None), icon=":material/error:")
