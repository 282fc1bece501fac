"""Command-line interface: the same numbers as the UI, for scripts and reports.

    python -m metrodigital rank [--data FILE | --wave NAME] [--weights k=v,...]
                                [--top N] [--ties all|criteria:k1,k2,...]
                                [--format table|csv|json] [--lang it|en]
    python -m metrodigital robustness [--data FILE | --wave NAME] [--weights ...] [--top N]
                                      [--spread K] [--draws N] [--seed S] [--format json]
    python -m metrodigital report --out FILE.xlsx [scenario options as above]
    python -m metrodigital validate FILE [--format auto|matrix|responses]
    python -m metrodigital import FILE --wave NAME [--date YYYY-MM-DD] [--accept-warnings]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from metrodigital.analysis import analyse
from metrodigital.criteria import criterion_keys, seed_weights
from metrodigital.explain import note_text, tie_sentence
from metrodigital.i18n import LANGUAGES, normalise_lang, t
from metrodigital.paths import database_path
from metrodigital.quotas import Quota, parse_quota
from metrodigital.ranking import Selection, evaluate
from metrodigital.report import build_report
from metrodigital.roles import Actor, AuthConfig
from metrodigital.scenario import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    DEFAULT_SPREAD,
    DEFAULT_TOP,
    SEED_MAX,
    SPREAD_MAX,
    TOP_MAX,
    Scenario,
    TieRule,
    parse_weight_overrides,
    scenario_to_params,
)
from metrodigital.store import SEED_WAVE_SLUG, Store, StoreError, slugify

if TYPE_CHECKING:
    from metrodigital.ingest import Preview

# The import commands load the spreadsheet machinery only when they run.


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and a one-line reason (its default too)."""


def _ties(text: str) -> tuple[TieRule, tuple[str, ...]]:
    rule, _, rest = text.partition(":")
    if rule == "all" and not rest:
        return TieRule.ALL, ()
    if rule == "criteria":
        keys = [k.strip() for k in rest.split(",") if k.strip()]
        unknown = [k for k in keys if k not in criterion_keys()]
        if not keys or unknown:
            raise argparse.ArgumentTypeError(
                "usare criteria:k1,k2,... con criteri tra " + ", ".join(criterion_keys())
            )
        return TieRule.CRITERIA, tuple(dict.fromkeys(keys))
    raise argparse.ArgumentTypeError("usare 'all' oppure 'criteria:k1,k2,...'")


def _quota(text: str) -> Quota:
    quota = parse_quota(text)
    if quota is None:
        raise argparse.ArgumentTypeError("usare per esempio pop1>=2, pop3<=5 o zona9>=1")
    return quota


def _weights(text: str) -> dict[str, float]:
    try:
        return parse_weight_overrides(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _scenario_options(command: argparse.ArgumentParser, *, ties: bool,
                      robustness: bool) -> None:
    """The options that describe a scenario, shared by rank, robustness and report."""
    source = command.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, help="matrice .csv/.xlsx con le colonne della fonte")
    source.add_argument("--wave", help="ondata salvata nel database (nome o identificativo)")
    command.add_argument("--weights", type=_weights, default={},
                         help="pesi da cambiare, es. servizi=3,popolazione=2.5")
    command.add_argument("--top", type=_bounded(1, TOP_MAX), default=DEFAULT_TOP,
                         help="N enti da selezionare")
    if ties:
        command.add_argument("--ties", type=_ties, default=(TieRule.ALL, ()),
                             help="regola di pareggio: all | criteria:k1,k2,...")
        command.add_argument("--quota", type=_quota, action="append", default=[],
                             help="quota, ripetibile: pop1>=2, pop3<=5, zona9>=1")
    if robustness:
        command.add_argument("--spread", type=_bounded(0, SPREAD_MAX), default=DEFAULT_SPREAD,
                             help="variazione di ogni peso, ± punti")
        command.add_argument("--draws", type=_bounded(1, 1_000_000), default=DEFAULT_DRAWS)
        command.add_argument("--seed", type=_bounded(0, SEED_MAX), default=DEFAULT_SEED)
    command.add_argument("--lang", choices=list(LANGUAGES), default="it")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m metrodigital", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rank = commands.add_parser("rank", help="graduatoria e selezione di uno scenario")
    _scenario_options(rank, ties=True, robustness=False)
    rank.add_argument("--format", choices=["table", "csv", "json"], default="table")

    robust = commands.add_parser("robustness", help="robustezza della selezione")
    _scenario_options(robust, ties=False, robustness=True)
    robust.add_argument("--format", choices=["json"], default="json")

    report = commands.add_parser("report", help="rapporto Excel di uno scenario")
    report.add_argument("--out", type=Path, required=True, help="file .xlsx da scrivere")
    _scenario_options(report, ties=True, robustness=True)

    validate = commands.add_parser("validate", help="controlla un file di questionari")
    validate.add_argument("file", type=Path)
    validate.add_argument("--format", choices=["auto", "matrix", "responses"], default="auto",
                          dest="file_format")
    validate.add_argument("--lang", choices=list(LANGUAGES), default="it")

    load = commands.add_parser("import", help="pubblica un file come nuova ondata")
    load.add_argument("file", type=Path)
    load.add_argument("--wave", required=True, help="nome della nuova ondata")
    load.add_argument("--date", type=_date, default=None, help="data della rilevazione AAAA-MM-GG")
    load.add_argument("--format", choices=["auto", "matrix", "responses"], default="auto",
                      dest="file_format")
    load.add_argument("--accept-warnings", action="store_true",
                      help="pubblica anche se ci sono avvisi (mai se ci sono errori)")
    load.add_argument("--lang", choices=list(LANGUAGES), default="it")
    return parser


def _bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} non è un numero intero") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"deve essere tra {low} e {high}")
        return value

    return parse


def run_robustness(args: argparse.Namespace) -> int:
    lang = normalise_lang(args.lang)
    store, wave, warnings = _open_store(args, lang)
    try:
        scenario = Scenario(weights={**seed_weights(), **args.weights}, top=args.top, wave=wave,
                            spread=args.spread, draws=args.draws, seed=args.seed)
        if scenario.total_weight == 0:
            raise CliFailure(t("selection.all_zero", lang))
        report = analyse(store, scenario)
    finally:
        store.close()
    output = {
        "scenario": {
            "wave": scenario.wave,
            "weights": {k: _number(w) for k, w in scenario.weights.items()},
            "top": scenario.top,
            "ties": scenario.ties_label(),
            "spread": scenario.spread,
            "draws": scenario.draws,
            "seed": scenario.seed,
            "distribution": report.simulation.distribution,
        },
        "entities": [
            {key: value for key, value in row.items() if key not in ("rank", "class")}
            | {"rank": row["rank"], "class": row["class"]}
            for row in report.rows()
        ],
        "warnings": warnings,
    }
    print(json.dumps(output, ensure_ascii=False, indent=2))
    return 0


def run_report(args: argparse.Namespace) -> int:
    lang = normalise_lang(args.lang)
    if args.out.suffix.lower() != ".xlsx":
        raise CliFailure(t("cli.report_suffix", lang, file=args.out))
    store, wave_slug, _ = _open_store(args, lang)
    try:
        rule, tie_criteria = args.ties
        scenario = Scenario(weights={**seed_weights(), **args.weights}, top=args.top, ties=rule,
                            tie_criteria=tie_criteria, wave=wave_slug, spread=args.spread,
                            draws=args.draws, seed=args.seed,
                            quotas=tuple(dict.fromkeys(args.quota)))
        selection = evaluate(store, scenario)
        robustness = analyse(store, scenario) if scenario.total_weight else None
        wave = store.wave(wave_slug)
    finally:
        store.close()
    link = "?" + urlencode(scenario_to_params(scenario), doseq=True)
    args.out.write_bytes(build_report(selection, wave, robustness, link=link, lang=lang))
    print(t("cli.report_written", lang, file=args.out))
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} non è una data AAAA-MM-GG") from None


def _read_file(path: Path, lang: str = "it") -> bytes:
    if not path.is_file():
        raise CliFailure(t("file.not_found", lang, file=path))
    return path.read_bytes()


def _read_and_report(args: argparse.Namespace, lang: str) -> Preview | None:
    """Read and check ``args.file``, printing every problem; None when it is unreadable."""
    from metrodigital.ingest import prepare
    from metrodigital.workbook import FileRejected

    data = _read_file(args.file, lang)
    try:
        preview = prepare(data, args.file.name, fmt=args.file_format)
    except FileRejected as rejected:
        for problem in rejected.problems:
            print(f"{t('cli.error', lang)}: {problem.message(lang)}")
        return None
    for problem in preview.problems:
        label = t("cli.error" if problem.severity == "error" else "cli.warning", lang)
        print(f"{label}: {problem.message(lang)}")
    if preview.ignored:
        print(t("ingest.ignored_columns", lang, columns=", ".join(
            f"{letter} «{header}»" for letter, header in preview.ignored)))
    return preview


def run_validate(args: argparse.Namespace) -> int:
    lang = normalise_lang(args.lang)
    preview = _read_and_report(args, lang)
    if preview is None:
        return 1
    print(t("cli.validated", lang, rows=len(preview.matrix), errors=len(preview.errors),
            warnings=len(preview.warnings)))
    return 1 if preview.errors else 0


def run_import(args: argparse.Namespace) -> int:
    from metrodigital.ingest import ImportBlocked, publish

    lang = normalise_lang(args.lang)
    preview = _read_and_report(args, lang)
    if preview is None:
        return 1
    # whoever runs the command line can already write the database file: a local editor
    auth = AuthConfig(server_address="localhost")
    store = Store(database_path())
    try:
        wave = publish(store, preview, name=args.wave, survey_date=args.date, auth=auth,
                       actor=Actor(), accept_warnings=args.accept_warnings)
    except ImportBlocked as blocked:
        print(t(blocked.code, lang), file=sys.stderr)
        return 1
    finally:
        store.close()
    print(t("cli.imported", lang, name=wave.name, slug=wave.slug, rows=wave.n_rows))
    return 0


def _open_store(args: argparse.Namespace, lang: str) -> tuple[Store, str, list[str]]:
    """The store to rank from and the wave's slug; ``--data`` loads into memory."""
    if args.data is not None:
        from metrodigital.ingest import final_score_warnings, prepare
        from metrodigital.workbook import FileRejected

        data = _read_file(args.data, lang)
        try:
            preview = prepare(data, args.data.name, fmt="matrix")
        except FileRejected as rejected:
            raise CliFailure("\n".join(p.message(lang) for p in rejected.problems)) from None
        if preview.errors:
            raise CliFailure("\n".join(p.message(lang) for p in preview.errors))
        store = Store(":memory:")
        wave = store.publish_matrix_wave(
            name=f"file {args.data.name}", matrix=preview.matrix, survey_date=None,
            source_file=args.data.name, sha256=preview.sha256, uploaded_by="cli",
        )
        warnings = [p.message(lang) for p in preview.warnings]
        return store, wave.slug, warnings + final_score_warnings(preview, lang)
    # opened like the app opens it, so that in one process both share the database
    store = Store(database_path())
    wanted = args.wave or SEED_WAVE_SLUG
    slugs = {w.slug for w in store.waves()}
    slug = wanted if wanted in slugs else slugify(wanted)
    if slug not in slugs:
        names = ", ".join(w.name for w in store.waves())
        raise StoreError(f"ondata {wanted!r} non trovata (disponibili: {names})")
    return store, slug, []


def selection_json(selection: Selection, warnings: list[str], lang: str) -> dict[str, object]:
    keys = list(criterion_keys())
    scenario = selection.scenario
    ties = selection.ties
    return {
        "scenario": {
            "wave": scenario.wave,
            "weights": {k: _number(w) for k, w in scenario.weights.items()},
            "top": scenario.top,
            "ties": scenario.ties_label(),
            "quotas": [q.code for q in scenario.quotas],
        },
        "ties": {
            "at_cutoff": ties.at_cutoff,
            "outcome": ties.outcome,
            "score": ties.score,
            "entities": [
                selection.table.set_index("entity_id").at[i, "ente"] for i in ties.entity_ids
            ],
            "ranks": [ties.first_rank, ties.last_rank] if ties.at_cutoff else [],
            "selected": selection.n_selected,
            "explanation": tie_sentence(selection, lang),
        },
        "ranking": [
            {
                "rank": int(row["rank"]),
                "ente": row["ente"],
                "score": _number(row["score"]),
                "selected": bool(row["selected"]),
                "tied_at_cutoff": bool(row["tied_at_cutoff"]),
                "contributions": {k: _number(row[k]) for k in keys},
            }
            for _, row in selection.table.iterrows()
        ],
        "warnings": warnings,
    }


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _table_text(selection: Selection) -> str:
    lines = [f"{'pos':>4}  {'ente':<55} {'punteggio':>10}  sel  pari"]
    for _, row in selection.table.iterrows():
        lines.append(
            f"{int(row['rank']):>4}  {row['ente'][:55]:<55} {_number(row['score'])!s:>10}  "
            f"{'sì' if row['selected'] else '-':<3}  {'=' if row['tied_at_cutoff'] else ''}"
        )
    return "\n".join(lines)


def _csv_text(selection: Selection) -> str:
    keys = list(criterion_keys())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["rank", "ente", "score", "selected", "tied_at_cutoff", *keys])
    for _, row in selection.table.iterrows():
        writer.writerow([int(row["rank"]), row["ente"], _number(row["score"]),
                         bool(row["selected"]), bool(row["tied_at_cutoff"]),
                         *(_number(row[k]) for k in keys)])
    return out.getvalue()


def run_rank(args: argparse.Namespace) -> int:
    lang = normalise_lang(args.lang)
    store, wave, warnings = _open_store(args, lang)
    try:
        rule, tie_criteria = args.ties
        if len({q.kind for q in args.quota}) > 1:
            raise CliFailure(t("params.bad_quota", lang, value=" ".join(
                q.code for q in args.quota)))
        scenario = Scenario(
            weights={**seed_weights(), **args.weights}, top=args.top, ties=rule,
            tie_criteria=tie_criteria, wave=wave, quotas=tuple(dict.fromkeys(args.quota)),
        )
        selection = evaluate(store, scenario)
    finally:
        store.close()
    warnings = warnings + [note_text(n, lang) for n in selection.notes]
    if selection.ties.at_cutoff or selection.all_weights_zero:
        warnings.append(tie_sentence(selection, lang))
    if args.format == "json":
        print(json.dumps(selection_json(selection, warnings, lang), ensure_ascii=False, indent=2))
    elif args.format == "csv":
        sys.stdout.write(_csv_text(selection))
        for warning in warnings:
            print(warning, file=sys.stderr)
    else:
        print(_table_text(selection))
        print()
        print(tie_sentence(selection, lang))
        for warning in warnings:
            if warning != tie_sentence(selection, lang):
                print(f"! {warning}")
    return 0


class CliFailure(RuntimeError):
    """A clear reason to stop, printed as is."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    commands = {"rank": run_rank, "robustness": run_robustness, "report": run_report,
                "validate": run_validate, "import": run_import}
    failure_status = 2 if args.command in ("rank", "robustness", "report") else 1
    try:
        return commands[args.command](args)
    except (StoreError, CliFailure) as error:
        print(str(error), file=sys.stderr)
        return failure_status
