"""The entity profile (metrodigital/profile.py), the offer as data (metrodigital/offers.py)
and the interview brief (metrodigital/brief.py), on a fresh database (the seed matrix and
the synthetic Torino answers)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import docx
import numpy as np
import pytest

from metrodigital.analysis import analyse
from metrodigital.brief import build_brief, section_chart_png
from metrodigital.i18n import t
from metrodigital.offers import (
    OfferDefinitionError,
    fits,
    load_offers_file,
    offers_for,
    parse_offers,
)
from metrodigital.params import scenario_from_params
from metrodigital.profile import (
    STRENGTH,
    WEAKNESS,
    build_profile,
    profile_json,
    resolve_entity,
    verdict,
    wave_entities,
)
from metrodigital.ranking import evaluate
from metrodigital.store import Store
from metrodigital.surveys.answers import wide_answers

SEED = "metrodigital-2023"
ANSWERS = "metrodigital-2023-risposte"
MILAN = "pon-metro-milano-2017"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("scheda") / "fresh.duckdb"
    with Store(path) as store:
        yield store


def scenario(store: Store, **params: str):
    found, notes = scenario_from_params(params, waves=store.waves())
    assert not notes
    return found


def entity(store: Store, wave: str, key: str):
    found = resolve_entity(wave_entities(store, wave), key)
    assert found is not None, key
    return found


# -- which entity a link names -----------------------------------------------------------

def test_a_link_names_a_comune_by_istat_code_and_an_unione_by_its_members_codes(
        fresh: Store) -> None:
    entities = wave_entities(fresh, SEED)
    assert resolve_entity(entities, "001194").name == "Comune di Piossasco"
    unione = next(e for e in entities if e.name.startswith("Unione dei Comuni Moncalieri"))
    assert unione.key == unione.istat_code and ";" in unione.key
    members = unione.key.split(";")
    # any order of the members' codes, or the entity's id
    assert resolve_entity(entities, ";".join(reversed(members))) == unione
    assert resolve_entity(entities, unione.entity_id) == unione
    # one member's code alone is that Comune, not the Unione; unknown keys are nobody
    assert resolve_entity(entities, members[0]) != unione
    for bad in ("", "999999", "<script>", "001194;999999"):
        assert resolve_entity(entities, bad) is None


# -- the profile ---------------------------------------------------------------------------

def test_the_profile_states_rank_score_and_status_as_the_matrix_does(fresh: Store) -> None:
    chosen = scenario(fresh)
    selection = evaluate(fresh, chosen)
    table = selection.table.set_index("entity_id")
    for key in ("001194", "001148"):  # Piossasco; Mazzè (tied at 193 on the cut-off)
        found = entity(fresh, SEED, key)
        profile = build_profile(fresh, chosen, found, "it")
        row = table.loc[found.entity_id]
        assert profile.standing is not None
        assert profile.standing.rank == row["rank"] and profile.standing.score == row["score"]
        assert profile.standing.selected == row["selected"]
        assert profile.standing.tied == row["tied_at_cutoff"]
    mazze = build_profile(fresh, chosen, entity(fresh, SEED, "001148"), "it")
    assert mazze.standing.score == 193 and mazze.standing.tied
    assert "193" in mazze.standing.tie_sentence


def test_section_points_against_class_and_all_follow_the_stated_rule(fresh: Store) -> None:
    chosen = scenario(fresh)
    points = fresh.points(SEED)
    found = entity(fresh, SEED, "001194")
    profile = build_profile(fresh, chosen, found, "it")
    mine = points[points["entity_id"] == found.entity_id].iloc[0]
    # same population class = same points on the population criterion
    same = points[points["popolazione"] == mine["popolazione"]]
    assert profile.n_class == len(same)
    assert [s.key for s in profile.sections] == [
        "anagrafica", "infrastrutture", "organizzazione", "servizi", "pnrr", "dati",
        "conclusione"]  # the population criterion is not a section
    for s in profile.sections:
        q1, med, q3 = np.percentile(points[s.key], [25, 50, 75])
        c1, cmed, c3 = np.percentile(same[s.key], [25, 50, 75])
        assert (s.points, s.all_q1, s.all_median, s.all_q3) == (mine[s.key], q1, med, q3)
        assert (s.class_q1, s.class_median, s.class_q3) == (c1, cmed, c3)
        expected = STRENGTH if s.points >= q3 and s.points > med else \
            WEAKNESS if s.points <= q1 and s.points < med else ""
        assert s.verdict == expected
    # Piossasco: Servizi 22 is above everyone's upper quartile
    assert "servizi" in [s.key for s in profile.strengths]


def test_the_rule_is_strict_about_the_median() -> None:
    # at the upper quartile but equal to the median (everyone the same): not a strength
    assert verdict(3, 3, 3, 3) == ""
    assert verdict(4, 1, 2, 3) == STRENGTH and verdict(3, 1, 2, 3) == STRENGTH
    assert verdict(0, 1, 2, 3) == WEAKNESS and verdict(1, 1, 2, 3) == WEAKNESS
    assert verdict(2, 1, 2, 3) == ""


def test_robustness_class_and_tipping_come_from_the_analysis(fresh: Store) -> None:
    chosen = scenario(fresh)
    report = analyse(fresh, chosen)
    rows = {r["ente"]: r for r in report.rows()}
    for key in ("001148", "001194"):
        found = entity(fresh, SEED, key)
        view = build_profile(fresh, chosen, found, "it", report=report).robustness
        assert view is not None
        row = rows[found.name]
        assert view.cls == row["class"] and view.p_selected == row["p_selected"]
    mazze = build_profile(fresh, chosen, entity(fresh, SEED, "001148"), "it", report=report)
    assert mazze.robustness.cls == "borderline"
    assert mazze.robustness.tipping and all("Mazzè" in s for s in mazze.robustness.tipping)


def test_answers_sit_beside_the_peers_distribution(fresh: Store) -> None:
    chosen = scenario(fresh, wave=ANSWERS)
    found = entity(fresh, ANSWERS, "001194")
    profile = build_profile(fresh, chosen, found, "it")
    answers = wide_answers(fresh, ANSWERS)
    mine = answers[answers["entity_id"] == found.entity_id].iloc[0]
    rows = profile.answers.set_index("code")
    same = int((answers["q24"] == mine["q24"]).sum())
    assert rows.loc["q24", "Risposta"] == mine["q24"]
    assert rows.loc["q24", "Tutti i rispondenti"].endswith(f"({same}/{len(answers)})")
    median = float(np.percentile(answers["q32"].astype(float), 50))
    assert rows.loc["q32", "Tutti i rispondenti"].startswith(f"mediana {median:g}")
    # the seed wave holds points only: no answers, and it says where answers are
    seed = build_profile(fresh, scenario(fresh), entity(fresh, SEED, "001194"), "it")
    assert not seed.has_answers and seed.answers.empty and seed.fits == ()


def test_history_lists_the_entitys_waves_of_the_survey(fresh: Store) -> None:
    profile = build_profile(fresh, scenario(fresh), entity(fresh, SEED, "001194"), "en")
    assert list(profile.history["Rank (source's weights)"]) == ["3", "3"]
    assert len(profile.history) == 2  # the seed and the synthetic answers' wave


def test_a_survey_without_matrix_shows_answers_and_peers_only(fresh: Store) -> None:
    chosen = scenario(fresh, survey="ponmetro-milano-2017")
    first = wave_entities(fresh, MILAN)[0]
    profile = build_profile(fresh, chosen, first, "en")
    assert profile.standing is None and profile.sections == () and profile.robustness is None
    assert profile.has_answers and not profile.answers.empty
    assert profile.population_class and profile.n_class > 0
    assert not profile.has_offers  # no data/offers file for Milan
    data = profile_json(profile, "en")
    assert data["rank"] is None and data["sections"] == [] and data["offers"] == []


# -- the offer as data ---------------------------------------------------------------------

def test_the_shipped_offer_lists_the_sources_twelve_offers() -> None:
    offers = offers_for("metrodigital-2022")
    assert offers is not None
    assert [o.name for o in offers.offers] == [
        "Reti di facilitazione", "Digital Innovators", "Centrale di Committenza",
        "Connettività", "Backup", "Standardizzazione tramite modulistica", "Open Data",
        "Palestra delle competenze digitali", "Interoperabilità tra gli Enti",
        "Piattaforma Digitale Nazionale Dati (PDND)", "Formazione e webinar sugli avvisi PNRR",
        "Centri di aggregazione"]
    assert offers_for("ponmetro-milano-2017") is None


def test_offers_fit_by_the_answers_that_signal_the_need() -> None:
    offers = offers_for("metrodigital-2022")
    assert offers is not None
    keys = lambda answers: [f.offer.key for f in fits(offers, answers)]  # noqa: E731
    assert keys({"q24": "Nessun backup / non so"}) == ["backup"]
    assert keys({"q61": "Non conosciamo il concetto di Open Data"}) == [
        "open_data", "palestra_competenze"]
    assert keys({"q35": "Sì"}) == ["centrale_committenza"]
    assert keys({"q35": "No", "q24": "Backup automatico in cloud o presso un data center "
                 "esterno"}) == []
    assert keys({"q32": 0.0}) == ["digital_innovators"]
    assert keys({"q32": 2.0, "q32x": None}) == []
    # lacks: answered without PDND fits; PDND chosen or unanswered does not
    assert keys({"q51": ["SQ003"]}) == ["pdnd"]
    assert keys({"q51": ["SQ003", "SQ007"]}) == []
    assert keys({"q51": None}) == []
    # every trigger is the answer that fired
    [fit] = fits(offers, {"q24": "Nessun backup / non so"})
    assert [(tr.question, tr.answer) for tr in fit.triggers] == [
        ("q24", "Nessun backup / non so")]


def test_the_scheda_lists_the_offers_that_fit_with_their_triggers(fresh: Store) -> None:
    chosen = scenario(fresh, wave=ANSWERS)
    offers = offers_for("metrodigital-2022")
    answers = wide_answers(fresh, ANSWERS).set_index("entity_id")
    for found in wave_entities(fresh, ANSWERS)[:8]:
        profile = build_profile(fresh, chosen, found, "it")
        expected = fits(offers, answers.loc[found.entity_id].to_dict())
        assert [f.offer.key for f in profile.fits] == [f.offer.key for f in expected]
        for fit in profile.fits:
            for trigger in fit.triggers:
                assert answers.loc[found.entity_id, trigger.question] == trigger.answer or \
                    list(answers.loc[found.entity_id, trigger.question]) == trigger.answer


@pytest.mark.parametrize(("change", "key", "code"), [
    (lambda d: d["offers"][0]["signals"][0].update(question="q99"),
     "offers[0].signals[0].question", "offers.def.unknown_question"),
    (lambda d: d["offers"][4]["signals"][0].update(values=["Backup su nuvola"]),
     "offers[4].signals[0].values", "offers.def.unknown_values"),
    (lambda d: d["offers"][1].update(colour="red"), "offers[1].colour",
     "offers.def.unknown_field"),
    (lambda d: d["offers"][2]["signals"][0].update(condition="lacks"),
     "offers[2].signals[0].condition", "offers.def.lacks_not_multiple"),
    (lambda d: d["offers"][3].update(key="backup"), "offers[4].key",
     "offers.def.duplicate_key"),
    (lambda d: d["offers"][0].update(signals=[]), "offers[0].signals",
     "offers.def.signals_needed"),
    (lambda d: d["questions"][0].update(section="nessuna"), "questions[0].section",
     "offers.def.unknown_section"),
])
def test_a_bad_offers_file_names_file_and_key(change, key: str, code: str) -> None:
    import tomllib

    from metrodigital.offers import OFFERS_DIR

    data = tomllib.loads((OFFERS_DIR / "metrodigital-2022.toml").read_text(encoding="utf-8"))
    change(data)
    with pytest.raises(OfferDefinitionError) as raised:
        parse_offers(data, "data/offers/prova.toml")
    problems = raised.value.problems
    assert any(p.key == key and p.code == code for p in problems), problems
    for lang in ("it", "en"):
        message = raised.value.messages(lang)[0]
        assert message.startswith("data/offers/prova.toml: offers") or \
            message.startswith("data/offers/prova.toml: questions")


def test_an_unreadable_offers_file_says_so(tmp_path: Path) -> None:
    bad = tmp_path / "x.toml"
    bad.write_text("survey = [", encoding="utf-8")
    with pytest.raises(OfferDefinitionError) as raised:
        load_offers_file(bad)
    assert "TOML" in raised.value.messages("en")[0]


# -- the brief -----------------------------------------------------------------------------

def _text(data: bytes) -> tuple[str, docx.document.Document]:
    document = docx.Document(io.BytesIO(data))
    body = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            body.append(" | ".join(c.text for c in row.cells))
    return "\n".join(body), document


def test_the_brief_of_one_entity_holds_what_the_interview_needs(fresh: Store) -> None:
    chosen = scenario(fresh, wave=ANSWERS)
    found = entity(fresh, ANSWERS, "001194")
    report = analyse(fresh, chosen)
    profile = build_profile(fresh, chosen, found, "it", report=report)
    link = "http://localhost:8501/Scheda_ente?wave=metrodigital-2023-risposte&ente=001194"
    text, document = _text(build_brief([profile], "it", link))
    wave = fresh.wave(ANSWERS)
    assert document.core_properties.title == "Brief d'intervista — Comune di Piossasco"
    assert f"Scenario (link): {link}" in text
    assert wave.sha256 in text and wave.source_file in text
    assert "Posizione 3 su 36 con 239 punti: selezionato" in text
    assert "sempre selezionato" in text  # robustness class
    assert len(document.inline_shapes) == 1  # the section chart
    for s in profile.sections:
        assert s.label in text
    assert "Punti di forza: " + ", ".join(s.label for s in profile.strengths) in text
    assert t("scheda.rule", "it").replace("**", "") in text
    for fit in profile.fits:
        assert fit.offer.name in text
    offers = offers_for("metrodigital-2022")
    for weak in profile.weaknesses:
        for question in offers.questions_for(weak.key):
            assert question.text in text
    assert "Risposte da verificare" in text and "5.1 A quali avvisi" in text  # PNRR answers
    assert "Note dell'intervista" in text


def test_the_brief_of_all_selected_in_english(fresh: Store) -> None:
    chosen = scenario(fresh)
    selection = evaluate(fresh, chosen)
    chosen_entities = [e for e in wave_entities(fresh, SEED)
                       if e.entity_id in selection.selected_ids]
    profiles = [build_profile(fresh, chosen, e, "en", selection=selection)
                for e in chosen_entities]
    text, document = _text(build_brief(profiles, "en", "http://x/?n=12"))
    assert document.core_properties.title == "Interview brief — 13 selected entities"
    assert len(document.inline_shapes) == 13
    for e in chosen_entities:
        assert e.name in [p.text for p in document.paragraphs]
    assert "selected, tied at the cut-off" in text  # the three at 193
    assert "holds only the matrix points" in text  # the seed wave has no answers


def test_the_chart_is_a_png(fresh: Store) -> None:
    profile = build_profile(fresh, scenario(fresh), entity(fresh, SEED, "001194"), "it")
    assert section_chart_png(profile, "it").startswith(b"\x89PNG")


def test_a_name_with_control_characters_still_makes_a_brief(fresh: Store) -> None:
    from dataclasses import replace

    found = entity(fresh, SEED, "001194")
    hostile = replace(found, name="Comune di\x0b <b>Pios\x01sasco</b> & **x**")
    profile = build_profile(fresh, scenario(fresh), hostile, "it")
    text, document = _text(build_brief([profile], "it", "http://x/"))
    assert document.core_properties.title == \
        "Brief d'intervista — Comune di <b>Piossasco</b> & **x**"
    assert "Comune di <b>Piossasco</b> & **x**" in text
