"""METRODIGITAL — the Risposte page: what the Comuni answered, question by question, by
population class, zona omogenea and Comune vs Unione; the headline findings and who is
behind them; respondents against the territory. Every figure is a DuckDB query
(metrodigital/answers_sql.py)."""

import streamlit as st

from metrodigital.answers_map import COVERAGE
from metrodigital.answers_sql import (
    coverage,
    findings_view,
    has_answers,
    respondents,
    section_crosstabs,
    visible_sections,
)
from metrodigital.i18n import t
from metrodigital.params import PARAM_RISPOSTE_MAP
from ui.auth import is_editor
from ui.common import close_page, open_page, share_url
from ui.risposte import (
    changes_block,
    choice_controls,
    coverage_block,
    downloads,
    drawn_choice,
    filters_caption,
    findings_block,
    matrix_selection,
    no_answers,
    own_params,
    section_questions,
    wave_caption,
    write_choice,
)
from ui.risposte_map import answers_map, pnrr_confirmation

page = open_page("risposte.title", matrix=False, matrix_controls=False)
lang, store, survey, wave = page.lang, page.store, page.survey, page.wave
if wave is None or not has_answers(store, wave.slug):
    no_answers(store, survey, wave, lang)
    close_page(page)
    st.stop()

editor = is_editor()
st.caption(t("risposte.intro", lang))
sections = visible_sections(survey, include_personal=editor)
choice = choice_controls(survey, sections, lang,
                         matrix_selection(store, page.scenario, wave) if survey.has_matrix
                         else None)
everyone = respondents(store, wave.slug)
wave_caption(wave, len(everyone), lang)
views = findings_view(store, wave, by=choice.by, filters=choice.filters)
crosstabs = section_crosstabs(store, wave, survey, choice.section, by=choice.by,
                              filters=choice.filters, search=choice.search,
                              include_personal=editor)
in_scope = int(crosstabs[0].overall["respondents"]) if crosstabs else len(everyone)
filters_caption(choice, survey, in_scope, lang)
findings_block(store, wave, views, choice, lang, editor)
section_questions(crosstabs, survey, choice, lang)
cover = coverage(store, wave)
coverage_block(cover, survey, lang)
coloured_by = answers_map(store, wave, survey, choice.filters, lang)
pnrr_confirmation(store, wave, survey, lang)
changes_block(store, survey, wave, choice, lang, editor)
final = drawn_choice(choice)  # with the search and the finding opened, as drawn
own = own_params(final, sections[0] if sections else "")
if coloured_by != COVERAGE:
    own[PARAM_RISPOSTE_MAP] = coloured_by
write_choice(final, sections[0] if sections else "")
downloads(survey, wave, crosstabs, views, cover, final,
          share_url(page.scenario, lang, own), lang)
close_page(page, own=own)
