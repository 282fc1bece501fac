"""Write ``data/examples/risposte_sintetiche_milano_2017.xlsx``: SYNTHETIC answers.

DATI SINTETICI: invented answers to the PON Metro Milano 2017 survey
(``data/surveys/ponmetro-milano-2017/survey.toml``), one row per respondent: 58
real Comuni of the Città Metropolitana di Milano plus Milano (59 in all), each
in the population class its residents give (``data/territories/milano``,
2022). They are built so that the answers reproduce the figures the source
published (seed ``000_742dde40a4f83613.txt``, November 2017):

- SPID mean interest 3.69 overall; 3.18 / 3.76 / 3.91 / 3.63 by class;
- 21 respondents without IT staff, only in the zones the source names;
- 19 (32 %) spending 25,001–50,000 €, the other 40 spread evenly (8 per band);
- every respondent with 1 to 20 suppliers, 36 % with 1–3, 46 % with 4–10;
- PagoPA the highest mean interest of the six services; with the source's
  exclusions (SPID, Open Data, Geoportale) the three best are PagoPA,
  Fascicolo del Cittadino and SISA (Open Data, excluded, ranks above SISA).

Why 59: 19 Comuni must be 32 % (59 or 60 respondents) and 36 % and 46 % whole
counts (21/59 and 27/59; with 60 neither is). Why the class sizes 11/17/23/8:
they are the only sizes (with at most 16 Comuni over 30,000, as the territory
has) whose integer rating sums give the four class means and the overall 3.69;
in class 4, 29/8 = 3.625, published as 3.63 (rounding half up).

Deterministic: the same inputs give the same cells.

    .venv/bin/python scripts/make_example_milano.py
"""

from __future__ import annotations

import io
import os
import random
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

# the XML library metrodigital/__init__.py gives openpyxl, set before openpyxl is imported:
# the shipped file is rebuilt byte for byte whatever else is installed
os.environ.setdefault("OPENPYXL_LXML", "False")

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_example_responses import fixed_timestamps

from metrodigital.paths import DATA_DIR
from metrodigital.territories import load_territory

OUTPUT = DATA_DIR / "examples" / "risposte_sintetiche_milano_2017.xlsx"
SURVEY = DATA_DIR / "surveys" / "ponmetro-milano-2017" / "survey.toml"
SEED = 20171114  # date of the source's presentation
SOURCE = ("Città Metropolitana di Milano e Comune di Milano, «Obiettivi e Risultati "
          "dell'indagine», PON Metro 2014–2020, novembre 2017 (seed 000_742dde40a4f83613.txt)")
NOTE = ("DATI SINTETICI – risposte inventate, NON sono le risposte reali dei Comuni: costruite "
        "per riprodurre i risultati pubblicati dell'indagine PON Metro Milano 2017. Fonte: "
        + SOURCE + ".")

COLUMNS = ("comune", "classe_popolazione", "dipendenti", "addetti_it", "spesa_it", "fornitori",
           "interesse_pagopa", "interesse_spid", "interesse_fascicolo", "interesse_sisa",
           "interesse_opendata", "interesse_geoportale", "buone_pratiche",
           "compilatore_nome", "compilatore_email", "compilatore_telefono")

# Population classes of the survey: (number, option code, lowest residents).
CLASSES = ((1, "lt5000", 0), (2, "5000_10000", 5000), (3, "10000_30000", 10001),
           (4, "gt30000", 30001))

# The respondents by class (names as ISTAT spells them). Zones: the 21 without IT
# staff are chosen among Comuni that, as far as the author knows, lie in the zones the
# source names (Magentino e Abbiatense, Adda Martesana, Nord Milano, Nord Ovest, Sud
# Ovest); the territory's data confirms only Rosate's (the other zones are unknown there).
NO_IT_STAFF: dict[str, str] = {
    "Morimondo": "Magentino e Abbiatense", "Calvignasco": "Magentino e Abbiatense",
    "Ozzero": "Magentino e Abbiatense", "Besate": "Magentino e Abbiatense",
    "Bubbiano": "Magentino e Abbiatense", "Vernate": "Magentino e Abbiatense",
    "Grezzago": "Adda Martesana", "Basiano": "Adda Martesana", "Masate": "Adda Martesana",
    "Noviglio": "Sud Ovest",
    "Rosate": "Magentino e Abbiatense", "Cisliano": "Magentino e Abbiatense",
    "Robecco sul Naviglio": "Magentino e Abbiatense", "Trezzano Rosa": "Adda Martesana",
    "Pozzo d'Adda": "Adda Martesana", "Truccazzano": "Adda Martesana",
    "Pessano con Bornago": "Adda Martesana", "Zibido San Giacomo": "Sud Ovest",
    "Lacchiarella": "Sud Ovest", "Pregnana Milanese": "Nord Ovest",
    "Inzago": "Adda Martesana",
}
RESPONDENTS: dict[int, tuple[str, ...]] = {
    1: ("Morimondo", "Calvignasco", "Ozzero", "Besate", "Bubbiano", "Vernate", "Grezzago",
        "Basiano", "Masate", "Noviglio", "Dresano"),
    2: ("Rosate", "Cisliano", "Robecco sul Naviglio", "Trezzano Rosa", "Pozzo d'Adda",
        "Truccazzano", "Pessano con Bornago", "Zibido San Giacomo", "Lacchiarella",
        "Pregnana Milanese", "Inveruno", "Cuggiono", "Turbigo", "San Colombano al Lambro",
        "Binasco", "Assago", "Gessate"),
    3: ("Inzago", "Cassano d'Adda", "Trezzo sull'Adda", "Melzo", "Gorgonzola", "Carugate",
        "Vimodrone", "Melegnano", "Peschiera Borromeo", "Paullo", "Mediglia", "Castano Primo",
        "Parabiago", "Nerviano", "Canegrate", "Magenta", "Corbetta", "Arese", "Lainate",
        "Garbagnate Milanese", "Novate Milanese", "Cusano Milanino", "Bresso"),
    4: ("Milano", "Rho", "Segrate", "San Giuliano Milanese", "Bollate", "Rozzano",
        "Sesto San Giovanni", "Legnano"),
}
# SPID: integer rating sums per class (11, 17, 23, 8 respondents): 35/11 = 3.18,
# 64/17 = 3.76, 90/23 = 3.91, 29/8 = 3.625 → 3.63; 218/59 = 3.69.
SPID_SUMS = {1: 35, 2: 64, 3: 90, 4: 29}
# The other services: rating sums over the 59 respondents (means 4.20, 3.95, 3.59, 3.80, 3.10).
OTHER_SUMS = {"interesse_pagopa": 248, "interesse_fascicolo": 233, "interesse_sisa": 212,
              "interesse_opendata": 224, "interesse_geoportale": 183}
SPENDING_BAND = "25001_50000"
GOOD_PRACTICES = {  # the first three as the source presents them; the others invented
    "Rho": "Certificati anagrafici con timbro digitale",
    "Segrate": "Servizi on-line, dematerializzazione, gestione documentale e fascicolazione",
    "San Giuliano Milanese": "Gestione da portale di procedimenti on-line",
    "Legnano": "SUAP telematico (fuori dall'ambito PON Metro)",
    "Melzo": "Prenotazione on-line degli appuntamenti agli sportelli",
    "Magenta": "Albo pretorio e amministrazione trasparente su piattaforma condivisa",
}
MILANO = {"dipendenti": 14500, "addetti_it": 160, "fornitori": 20}


@dataclass
class Respondent:
    istat: str
    name: str
    population: int
    klass: int
    answers: dict[str, object]


def population_class(population: int) -> int:
    return max(number for number, _, low in CLASSES if population >= low)


def spread(count: int, total: int, rng: random.Random) -> list[int]:
    """``count`` ratings 1–5 summing to ``total``, spread around their mean."""
    if not count <= total <= 5 * count:
        raise ValueError(f"no {count} ratings 1–5 sum to {total}")
    values = [total // count + (1 if i < total % count else 0) for i in range(count)]
    for _ in range(count):
        up, down = rng.randrange(count), rng.randrange(count)
        if up != down and values[up] < 5 and values[down] > 1:
            values[up] += 1
            values[down] -= 1
    rng.shuffle(values)
    return values


def assign_bands(respondents: Sequence[Respondent]) -> None:
    """19 in 25,001–50,000 €, 8 in each other band; no IT staff → lower spending."""
    by_size = sorted(respondents, key=lambda r: r.population)
    no_it = [r for r in by_size if r.name in NO_IT_STAFF]
    large = [r for r in by_size if r.klass == 4]
    mid = [r for r in by_size if r.klass == 3 and r.name not in NO_IT_STAFF]
    small = [r for r in by_size if r.klass <= 2 and r.name not in NO_IT_STAFF]
    plan = ([(r, "fino_5000") for r in no_it[:8]] + [(r, "5001_10000") for r in no_it[8:16]]
            + [(r, "10001_25000") for r in no_it[16:]] + [(r, "oltre_100000") for r in large]
            + [(r, "50001_100000") for r in mid[-8:]] + [(r, SPENDING_BAND) for r in mid[:-8]]
            + [(r, SPENDING_BAND) for r in small[-5:]] + [(r, "10001_25000") for r in small[:-5]])
    for respondent, band in plan:
        respondent.answers["spesa_it"] = band


def assign_suppliers(respondents: Sequence[Respondent], rng: random.Random) -> None:
    """21 with 1–3 suppliers, 27 with 4–10, 11 with 11–20 (by size)."""
    by_size = sorted(respondents, key=lambda r: r.population)
    for position, respondent in enumerate(by_size):
        low, high = (1, 3) if position < 21 else (4, 10) if position < 48 else (11, 20)
        respondent.answers["fornitori"] = rng.randint(low, high)
    next(r for r in respondents if r.name == "Milano").answers["fornitori"] = MILANO["fornitori"]


def build(rng: random.Random | None = None) -> list[Respondent]:
    rng = rng or random.Random(SEED)
    territory = load_territory("milano").comuni.set_index("comune")
    respondents: list[Respondent] = []
    for klass, names in RESPONDENTS.items():
        for name in names:
            row = territory.loc[name]
            population = int(row["popolazione"])
            if population_class(population) != klass:
                raise SystemExit(f"{name}: {population} residents are not class {klass}")
            respondents.append(Respondent(str(row["codice_istat"]), name, population, klass,
                                          {}))
    for respondent in respondents:
        answers = respondent.answers
        answers["dipendenti"] = max(4, round(respondent.population / 140
                                             * rng.uniform(0.8, 1.2)))
        if respondent.name in NO_IT_STAFF:
            answers["addetti_it"] = 0
        else:
            high = {1: 1, 2: 2, 3: 4, 4: 12}[respondent.klass]
            answers["addetti_it"] = rng.randint(1, high) if high > 1 else 1
        if respondent.name == "Milano":
            answers.update(dipendenti=MILANO["dipendenti"], addetti_it=MILANO["addetti_it"])
    for klass, total in SPID_SUMS.items():
        members = [r for r in respondents if r.klass == klass]
        for respondent, rating in zip(members, spread(len(members), total, rng), strict=True):
            respondent.answers["interesse_spid"] = rating
    for question, total in OTHER_SUMS.items():
        for respondent, rating in zip(respondents, spread(len(respondents), total, rng),
                                      strict=True):
            respondent.answers[question] = rating
    assign_bands(respondents)
    assign_suppliers(respondents, rng)
    respondents.sort(key=lambda r: r.name)
    for number, respondent in enumerate(respondents, start=1):
        respondent.answers.update(
            buone_pratiche=GOOD_PRACTICES.get(respondent.name, ""),
            compilatore_nome=f"Referente sintetico {number}",
            compilatore_email=f"referente{number}@example.invalid",
            compilatore_telefono=f"+39 000 000 {number:04d}",
        )
    return respondents


def survey_texts() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The survey definition's Italian text of each question and its options' labels."""
    with SURVEY.open("rb") as handle:
        survey = tomllib.load(handle)
    texts: dict[str, str] = {"comune": "Comune"}
    labels: dict[str, dict[str, str]] = {}
    for section in survey["sections"]:
        for question in section["questions"]:
            texts[question["code"]] = question["text"]
            if "options" in question:
                labels[question["code"]] = {o["code"]: o["label"] for o in question["options"]}
    missing = [code for code in COLUMNS if code not in texts]
    if missing:
        raise SystemExit(f"{SURVEY}: no question {missing}")
    return texts, labels


def cell_value(respondent: Respondent, code: str, labels: dict[str, dict[str, str]]) -> object:
    if code == "comune":
        return respondent.name
    if code == "classe_popolazione":
        return labels[code][CLASSES[respondent.klass - 1][1]]
    value = respondent.answers[code]
    if code in labels:
        return labels[code][str(value)]
    return value if value != "" else None


def write(respondents: Sequence[Respondent], path: Path = OUTPUT) -> None:
    texts, labels = survey_texts()
    book = Workbook()
    sheet = book.active
    sheet.title = "Risposte"
    sheet.append([NOTE])
    sheet["A1"].font = Font(bold=True, color="9C0006")
    sheet["A1"].fill = PatternFill("solid", fgColor="FFC7CE")
    sheet.append([texts[code] for code in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for respondent in respondents:
        sheet.append([cell_value(respondent, code, labels) for code in COLUMNS])
    for letter, width in zip("ABCDEFGHIJKLMNOP", (24, 14, 12, 14, 20, 12) + (12,) * 6
                             + (40, 22, 28, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "B3"

    note = book.create_sheet("Nota")
    lines = [
        "DATI SINTETICI – NON sono le risposte reali dei Comuni.",
        "Risposte inventate all'indagine PON Metro Milano 2017, costruite per riprodurre "
        "esattamente i risultati pubblicati:",
        "interesse medio per SPID 3,69; per classe 3,18 / 3,76 / 3,91 / 3,63 (29/8 = 3,625, "
        "che la fonte pubblica come 3,63: arrotondamento per eccesso);",
        "21 Comuni senza addetti informatici; 19 Comuni (32 %) con spesa IT da 25.001 a "
        "50.000 €, gli altri 8 per fascia;",
        "tutti con 1–20 fornitori esterni: 36 % da 1 a 3, 46 % da 4 a 10; PagoPA il servizio "
        "con l'interesse medio più alto.",
        "Fonte dei risultati: " + SOURCE + ".",
        "Rispondenti: 58 Comuni reali della Città Metropolitana di Milano più Milano (59), "
        "ciascuno nella classe di popolazione data dai residenti ISTAT al 1° gennaio 2022 "
        "(data/territories/milano).",
        "Zone omogenee: l'appartenenza dei Comuni non è in alcun dato aperto; le zone dei 21 "
        "Comuni senza addetti sono quelle presunte (non verificate su un elenco ufficiale), "
        "tranne Rosate, che la fonte indica come sede dell'incontro del Magentino e "
        "Abbiatense.",
        "Nomi, e-mail e telefoni dei compilatori sono finti (dominio example.invalid).",
        "Generato da scripts/make_example_milano.py.",
        "",
    ]
    for line in lines:
        note.append([line])
    note["A1"].font = Font(bold=True, color="9C0006")
    header = ["codice_istat", "comune", "popolazione_2022", "classe", "senza_addetti_it",
              "zona_omogenea (presunta, non verificata)"]
    note.append(header)
    for cell in note[note.max_row]:
        cell.font = Font(bold=True)
    for respondent in respondents:
        note.append([respondent.istat, respondent.name, respondent.population, respondent.klass,
                     "sì" if respondent.name in NO_IT_STAFF else "no",
                     NO_IT_STAFF.get(respondent.name, "")])
    note.column_dimensions["A"].width = 14
    note.column_dimensions["B"].width = 26

    fixed = datetime(2017, 11, 14)
    book.properties.title = "DATI SINTETICI – PON Metro Milano 2017"
    book.properties.subject = "Risposte sintetiche, non reali"
    book.properties.creator = "scripts/make_example_milano.py"
    book.properties.description = NOTE
    book.properties.created = fixed
    book.properties.modified = fixed
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(fixed_timestamps(buffer.getvalue(), datetime(2017, 11, 14)))


def main() -> None:
    respondents = build()
    write(respondents)
    print(f"{OUTPUT.relative_to(DATA_DIR.parent)}: {len(respondents)} respondents")


if __name__ == "__main__":
    main()
