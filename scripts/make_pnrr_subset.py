"""Build data/pnrr/ from the PA digitale 2026 open data in ../shared/data/pnrr/.

Keeps, for the Comuni of the Città Metropolitana di Torino (001) and Milano (015), each
funded application's ISTAT code, measure, call, amount, status and funding date: the
record as published on 26/11/2022 (the METRODIGITAL survey's time) and the latest record
(the per-measure files). Source: teamdigitale/padigitale2026-opendata, CC-BY 4.0,
"Dati PNRR PADigitale2026 Copyright (c) Dipartimento per la trasformazione digitale".

    python scripts/make_pnrr_subset.py [--source ../shared/data/pnrr] [--out data/pnrr]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ["cod_comune", "comune", "measure", "avviso", "importo_finanziamento",
           "stato_candidatura", "data_finanziamento", "record_date"]


def measure_of(call: str) -> str:
    """The measure key of a call: 1.2, 1.3.1, 1.4.1, 1.4.3-pagopa, 1.4.3-appio,
    1.4.4-spid, 1.4.4-anpr, 1.4.5."""
    text = call.lower()
    number = re.match(r"\s*(\d(?:\.\d)+)", text)
    key = number.group(1) if number else text[:10]
    if key == "1.4.3":
        return "1.4.3-appio" if "app io" in text else "1.4.3-pagopa"
    if key == "1.4.4":
        return "1.4.4-anpr" if "anpr" in text else "1.4.4-spid"
    return key


def _read(path: Path, date: str) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str)
    frame = frame[frame["cod_provincia"].isin(["001", "015"])]
    if "tipologia_ente" in frame:
        frame = frame[frame["tipologia_ente"].fillna("Comuni").isin(["Comuni", "Comune"])]
    frame = frame.assign(measure=frame["avviso"].map(measure_of), record_date=date)
    return frame[COLUMNS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared/data/pnrr")
    parser.add_argument("--out", type=Path, default=ROOT / "data/pnrr")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    survey_time = _read(args.source / "candidature_comuni_finanziate_2022-11-26.csv",
                        "2022-11-26")
    latest = pd.concat([_read(path, path.stem.rsplit("_", 1)[1])
                        for path in sorted(args.source.glob("misura_*.csv"))])
    for name, frame in (("funded_2022-11-26.csv", survey_time), ("funded_latest.csv", latest)):
        frame.sort_values(["cod_comune", "measure", "avviso"]).to_csv(
            args.out / name, index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
