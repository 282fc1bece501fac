"""Write ``data/examples/risposte_sintetiche_2023.xlsx``: SYNTHETIC example answers.

One row per entity of the source's matrix (36), one column per question of
``data/questionnaire.toml``, laid out as a Microsoft Forms export (options of a
multiple choice separated by ``;``). The answers are invented: they are chosen
so that scoring them through the definition gives back every section score of
``data/seed_matrix.csv`` and so that the aggregate answers match the published
findings (72 % satisfied with connectivity, 10 of 36 with serious problems, …).
They are not the real answers, which were never published.

Deterministic: the same definition and seed give the same cells.

    python scripts/make_example_responses.py
"""

from __future__ import annotations

import csv
import io
import os
import random
import re
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import product
from pathlib import Path

# the XML library metrodigital/__init__.py gives openpyxl, set before openpyxl is imported:
# the shipped file is rebuilt byte for byte whatever else is installed
os.environ.setdefault("OPENPYXL_LXML", "False")

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from metrodigital.paths import DATA_DIR
from metrodigital.questionnaire import (
    NO_LABEL,
    YES_LABEL,
    Question,
    Questionnaire,
    default_questionnaire,
)
from metrodigital.territory import Comune, load_territory, match_entity

OUTPUT = DATA_DIR / "examples" / "risposte_sintetiche_2023.xlsx"
SEED = 20230321  # date of the source's final report
NOTE = ("DATI SINTETICI DI ESEMPIO – risposte inventate, costruite per riprodurre la matrice "
        "di prioritizzazione pubblicata (METRODIGITAL, 21/03/2023) e i risultati aggregati "
        "della relazione finale. NON sono le risposte reali degli Enti.")

# Quotas from the published findings (reference/README.md), out of 36.
DONT_KNOW_CONNECTIVITY = 10  # 28 %
SATISFIED = 26  # 72 %
SERIOUS_PROBLEMS = 10  # 10 of 36
CENTRAL_PURCHASING = 23  # 64 %
PUBLIC_LAND = 22  # 61 %
ALL_PNRR_CALLS = 9  # 25 %
DONT_KNOW_OPEN_DATA = 24  # 67 %
INTEROPERABILITY = 8  # 78 % without

Answers = dict[str, object]
QUOTA = 100  # cost of missing a published figure by one entity


@dataclass(frozen=True)
class Respondent:
    name: str  # as in the seed
    targets: dict[str, int]
    population_points: int
    is_unione: bool


def read_seed(q: Questionnaire) -> list[Respondent]:
    with (DATA_DIR / "seed_matrix.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    respondents = []
    for row in rows:
        entity = match_entity(row["ente"]).entity
        assert entity is not None, row["ente"]
        respondents.append(Respondent(
            name=row["ente"],
            targets={s.key: int(row[s.key]) for s in q.sections},
            population_points=int(row[q.population.key]),
            is_unione=entity.kind == "unione",
        ))
    return respondents


def labels(question: Question) -> list[str]:
    return [o.label for o in question.options]


def points(question: Question, label: str) -> int:
    return question.option(label).points


def assign(candidates: Sequence[Sequence[Answers]],
           cost: Callable[[list[Answers]], float], rng: random.Random,
           rounds: int = 20000, restarts: int = 6) -> list[Answers]:
    """One candidate per respondent, minimising ``cost`` by hill climbing (deterministic).

    ``cost`` weighs a missed quota by ``QUOTA`` and realism by less: the result must
    meet every quota.
    """
    best: tuple[float, list[int]] | None = None
    for _restart in range(restarts):
        choice = [rng.randrange(len(c)) for c in candidates]
        current = cost([c[i] for c, i in zip(candidates, choice, strict=True)])
        for _ in range(rounds):
            if current == 0:
                break
            # Change one respondent, or two at once (a swap keeps the quotas).
            old = list(choice)
            for who in rng.sample(range(len(candidates)), rng.choice((1, 2))):
                choice[who] = rng.randrange(len(candidates[who]))
            new = cost([c[i] for c, i in zip(candidates, choice, strict=True)])
            if new <= current:
                current = new
            else:
                choice = old
        if best is None or current < best[0]:
            best = (current, list(choice))
        if current == 0:
            break
    assert best is not None
    if best[0] >= QUOTA:
        raise SystemExit("no assignment meets the published findings")
    return [dict(c[i]) for c, i in zip(candidates, best[1], strict=True)]


def section_infrastrutture(q: Questionnaire, people: list[Respondent],
                           rng: random.Random) -> list[Answers]:
    kind, satisfaction, problems, backup = (q.question(i) for i in ("2.1", "2.2", "2.3", "2.4"))
    satisfied = set(labels(satisfaction)[:2])
    cands = []
    for person in people:
        options = [
            {"2.1": a, "2.2": b, "2.3": c, "2.4": d}
            for a, b, c, d in product(labels(kind), labels(satisfaction), labels(problems),
                                      labels(backup))
            if points(kind, a) + points(satisfaction, b) + points(problems, c)
            + points(backup, d) == person.targets["infrastrutture"]
        ]
        assert options, person
        cands.append(options)

    def cost(chosen: list[Answers]) -> float:
        dont_know = sum(a["2.1"] == "Non so" for a in chosen)
        happy = sum(a["2.2"] in satisfied for a in chosen)
        trouble = sum(a["2.3"] == YES_LABEL for a in chosen)
        # Realism: serious problems go with dissatisfaction (as far as the quotas allow).
        mismatch = sum((a["2.2"] in satisfied) == (a["2.3"] == YES_LABEL) for a in chosen)
        return (QUOTA * (abs(dont_know - DONT_KNOW_CONNECTIVITY) + abs(happy - SATISFIED)
                         + abs(trouble - SERIOUS_PROBLEMS)) + mismatch)

    return assign(cands, cost, rng)


def section_organizzazione(q: Questionnaire, people: list[Respondent],
                           rng: random.Random) -> list[Answers]:
    rtd, ict, plan = q.question("3.1"), q.question("3.2"), q.question("3.3")
    cands = []
    for person in people:
        options = []
        for a, staff, c in product((YES_LABEL, NO_LABEL), (0, 1), (YES_LABEL, NO_LABEL)):
            total = points(rtd, a) + (ict.bands[-1].points if staff else 0) + points(plan, c)
            if total == person.targets["organizzazione"]:
                options.append({"3.1": a, "3.2": staff, "3.3": c})
        cands.append(options)

    def cost(chosen: list[Answers]) -> float:
        # Whoever filled the form as RTD or ICT referent has an RTD or ICT staff.
        return QUOTA * sum(person.targets["anagrafica"] > 0 and a["3.1"] == NO_LABEL
                           and a["3.2"] == 0 for person, a in zip(people, chosen, strict=True))

    chosen = assign(cands, cost, rng)
    by_size = sorted(range(len(people)), key=lambda i: -people[i].population_points * 100 + i)
    public_land = set(by_size[:PUBLIC_LAND])  # "discriminante la dimensione dell'Ente"
    purchasing = set(rng.sample(range(len(people)), CENTRAL_PURCHASING))
    for index, (person, answers) in enumerate(zip(people, chosen, strict=True)):
        if answers["3.2"]:
            answers["3.2"] = {1: 1, 2: 1 + index % 2, 3: 2 + index % 4}[person.population_points]
            if person.is_unione:
                answers["3.2"] = 5 + index % 3
        answers["3.4"] = "Non so" if index % 9 == 4 else (NO_LABEL if index % 9 == 7 else "Sì")
        answers["3.5"] = "Sì" if index in purchasing else ("Non so" if index % 2 else NO_LABEL)
        answers["3.6"] = "Sì" if index in public_land else ("Non so" if index % 3 else NO_LABEL)
    return chosen


def section_anagrafica(q: Questionnaire, people: list[Respondent],
                       organisation: list[Answers]) -> list[Answers]:
    role = q.question("1.2")
    scored = [o.label for o in role.options if o.points]
    unscored = [o.label for o in role.options if not o.points]
    result = []
    for index, (person, org) in enumerate(zip(people, organisation, strict=True)):
        if person.targets["anagrafica"]:  # the RTD, or the ICT referent where there is one
            ict_referent = org["3.2"] and (org["3.1"] == NO_LABEL or index % 3 == 0)
            label = scored[1] if ict_referent else scored[0]
        else:
            label = unscored[index % len(unscored)]
        result.append({"1.1": "Unione di Comuni" if person.is_unione else "Comune", "1.2": label})
    return result


def section_servizi(q: Questionnaire, people: list[Respondent]) -> list[Answers]:
    services, platforms, usage, website = (q.question(i) for i in ("4.1", "4.2", "4.3", "4.4"))
    service_labels = [o.label for o in services.options if not o.exclusive]
    platform_order = ["SPID", "pagoPA", "ANPR (Anagrafe Nazionale della Popolazione Residente)",
                      "CIE (Carta d'Identità Elettronica)", "App IO",
                      "SEND (Piattaforma Notifiche Digitali)"]
    prefixes = [platform_order[:n] for n in range(len(platform_order) + 1)]
    result = []
    for index, person in enumerate(people):
        target = person.targets["servizi"]
        share = target / 30
        best: tuple[float, Answers] | None = None
        for chosen_platforms, use, site in product(prefixes, labels(usage), labels(website)):
            rest = (sum(points(platforms, p) for p in chosen_platforms) + points(usage, use)
                    + points(website, site))
            count = target - rest
            if not 0 <= count <= len(service_labels):
                continue
            cost = ((sum(points(platforms, p) for p in chosen_platforms) - 10 * share) ** 2
                    + (points(usage, use) - 3 * share) ** 2
                    + (points(website, site) - 2 * share) ** 2
                    + (count - 15 * share) ** 2)
            if best is None or cost < best[0]:
                # The most common services first, the rest rotated for variety.
                rotation = service_labels[:4] + (
                    service_labels[4:][index % 11:] + service_labels[4:][:index % 11])
                best = (cost, {
                    "4.1": rotation[:count] or ["Nessuno"],
                    "4.2": list(chosen_platforms) or ["Nessuna"],
                    "4.3": use,
                    "4.4": site,
                })
        assert best is not None, person
        result.append(best[1])
    return result


def section_pnrr(q: Questionnaire, people: list[Respondent],
                 rng: random.Random) -> list[Answers]:
    calls, stage = q.question("5.1"), q.question("5.2")
    call_labels = [o.label for o in calls.options if not o.exclusive]
    favourite = [call_labels[2], call_labels[3], call_labels[4], call_labels[0]]  # pagoPA, IO,
    others = [call_labels[1], call_labels[5], call_labels[6]]  # SPID/CIE, cloud; then the rest
    cands = []
    for person in people:
        options = []
        for count, phase in product(range(1, len(call_labels) + 1), labels(stage)[:3]):
            if count + points(stage, phase) == person.targets["pnrr"]:
                options.append({"count": count, "5.2": phase})
        cands.append(options)

    def cost(chosen: list[Answers]) -> float:
        everything = sum(a["count"] == len(call_labels) for a in chosen)
        building = sum(a["5.2"] == "In fase di realizzazione" for a in chosen)
        return QUOTA * (abs(everything - ALL_PNRR_CALLS)
                        + max(0, len(chosen) // 2 + 1 - building))

    chosen = assign(cands, cost, rng)
    result = []
    for index, answers in enumerate(chosen):
        count = int(answers["count"])  # type: ignore[call-overload]
        turn = index % 4
        order = favourite[turn:] + favourite[:turn] + others
        picked = [label for label in call_labels if label in order[:count]]
        interesting = [favourite[turn], favourite[(turn + 1) % 4]]
        if index % 3 == 0:
            interesting.append(favourite[(turn + 2) % 4])
        if index % 5 == 0:
            interesting.append(others[index % 3])
        result.append({"5.1": picked, "5.2": answers["5.2"],
                       "5.3": [label for label in call_labels if label in interesting]})
    return result


def section_dati(q: Questionnaire, people: list[Respondent],
                 rng: random.Random) -> list[Answers]:
    open_data, interop = q.question("6.1"), q.question("6.2")
    dont_know = set(labels(open_data)[3:])
    cands = []
    for person in people:
        options = [{"6.1": a, "6.2": b} for a, b in product(labels(open_data), labels(interop))
                   if points(open_data, a) + points(interop, b) == person.targets["dati"]]
        cands.append(options)

    def cost(chosen: list[Answers]) -> float:
        unknown = sum(a["6.1"] in dont_know for a in chosen)
        active = sum(a["6.2"] == labels(interop)[0] for a in chosen)
        return QUOTA * (abs(unknown - DONT_KNOW_OPEN_DATA) + abs(active - INTEROPERABILITY))

    chosen = assign(cands, cost, rng)
    for index, answers in enumerate(chosen):
        answers["6.3"] = "Sì" if answers["6.1"] in dont_know or index % 4 else "Non so"
    return chosen


def section_conclusione(q: Questionnaire, people: list[Respondent]) -> list[Answers]:
    question = q.question("7.1")
    by_points = {o.points: o.label for o in question.options}
    return [{"7.1": by_points[p.targets["conclusione"]]} for p in people]


def build_answers(q: Questionnaire) -> tuple[list[Respondent], list[Answers]]:
    people = read_seed(q)
    rng = random.Random(SEED)
    organisation = section_organizzazione(q, people, rng)
    parts = [
        section_anagrafica(q, people, organisation),
        section_infrastrutture(q, people, rng),
        organisation,
        section_servizi(q, people),
        section_pnrr(q, people, rng),
        section_dati(q, people, rng),
        section_conclusione(q, people),
    ]
    merged = [{k: v for part in row for k, v in part.items()} for row in zip(*parts, strict=True)]
    return people, merged


def cell_value(question: Question, value: object) -> object:
    if question.type == "multiple":
        return "".join(f"{label};" for label in value)  # type: ignore[union-attr]
    return value


def write_workbook(q: Questionnaire, people: list[Respondent], answers: list[Answers],
                   path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Risposte"
    head = ["ID", "Ora di inizio", "Ora di completamento", "Posta elettronica", "Nome",
            q.entity_aliases[0], *(question.text for question in q.questions)]
    sheet.append([NOTE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(head))
    sheet["A1"].font = Font(bold=True, color="9C0006")
    sheet["A1"].fill = PatternFill("solid", fgColor="FFC7CE")
    sheet["A1"].alignment = Alignment(wrap_text=True, vertical="center")
    sheet.row_dimensions[1].height = 45
    sheet.append(head)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    start = datetime(2022, 11, 14, 9, 0)
    for index, (person, row) in enumerate(zip(people, answers, strict=True)):
        began = start + timedelta(days=index * 29 // 36 + index % 3, hours=index % 7,
                                  minutes=(index * 17) % 60)
        ended = began + timedelta(minutes=12 + index % 9, seconds=(index * 23) % 60)
        sheet.append([index + 1, began, ended, "anonymous", "", person.name,
                      *(cell_value(question, row[question.id]) for question in q.questions)])
    for column in ("B", "C"):
        for cell in sheet[column][2:]:
            cell.number_format = "dd/mm/yyyy hh:mm:ss"
    sheet.freeze_panes = "G3"

    notes = book.create_sheet("Leggimi")
    for line in (
        ["DATI SINTETICI DI ESEMPIO"],
        [NOTE],
        [],
        ["Che cosa sono", "Un esempio di export di Microsoft Forms del questionario METRODIGITAL "
         "(data/questionnaire.toml): una riga per ognuno dei 36 enti della matrice 2023, "
         "una colonna per domanda, risposte multiple separate da «;»."],
        ["Come sono state costruite", "Generate da scripts/make_example_responses.py in modo "
         "deterministico: il punteggio di ogni sezione, calcolato con la definizione del "
         "questionario, è uguale a quello della matrice pubblicata (data/seed_matrix.csv); "
         "le risposte aggregate riproducono i risultati della relazione finale (72% soddisfatti "
         "della connettività, 10 enti su 36 con serie criticità, 28% che non conosce il tipo di "
         "infrastruttura, 64% interessati alla Centrale di Committenza, 61% alla "
         "centralizzazione delle istanze di suolo pubblico, 25% aderenti a tutti gli avvisi "
         "PNRR, 67% che non conosce gli Open Data, 78% senza interoperabilità)."],
        ["Che cosa non sono", "Le risposte reali degli Enti, che la fonte non pubblica. "
         "Non usarle per valutazioni sugli Enti."],
        ["Fonte della matrice", q.source],
    ):
        notes.append(line)
    notes["A1"].font = Font(bold=True, size=14, color="9C0006")
    notes.column_dimensions["A"].width = 26
    notes.column_dimensions["B"].width = 120

    props = book.properties
    props.title = "DATI SINTETICI – Risposte di esempio al questionario METRODIGITAL"
    props.subject = "Dati sintetici di esempio, non risposte reali"
    props.description = NOTE
    props.keywords = "SINTETICO; dati di esempio; METRODIGITAL"
    props.category = "Dati sintetici"
    props.creator = "scripts/make_example_responses.py"
    props.created = datetime(2023, 3, 21)
    props.modified = datetime(2023, 3, 21)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(fixed_timestamps(buffer.getvalue()))


def fixed_timestamps(xlsx: bytes, when: datetime = datetime(2023, 3, 21)) -> bytes:
    """The same workbook with the save time replaced by ``when``, so that rebuilding is
    byte-identical."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            info = zipfile.ZipInfo(item.filename, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
    return out.getvalue()


def main() -> None:
    q = default_questionnaire()
    people, answers = build_answers(q)
    write_workbook(q, people, answers, OUTPUT)
    territory = load_territory()
    assert isinstance(territory.comune("001098"), Comune)
    print(f"{OUTPUT.relative_to(DATA_DIR.parent)}: {len(people)} rows")


if __name__ == "__main__":
    main()
