"""Command-line interface: the same numbers as the UI, for scripts and reports.

    python -m metrodigital rank [--data FILE | --wave NAME] [--weights k=v,...]
                                [--top N] [--ties all|criteria:k1,k2,...|choice]
                                [--pick ID ...] [--quota Q ...] [--norm raw|share|minmax]
                                [--format table|csv|json] [--lang it|en]
    python -m metrodigital robustness [--data FILE | --wave NAME] [--weights ...] [--top N]
                                      [--spread K] [--draws N] [--seed S] [--format json]
    python -m metrodigital report --out FILE.xlsx [scenario options as above]
    python -m metrodigital validate FILE [--format auto|matrix|responses]
    python -m metrodigital import FILE --wave NAME [--date YYYY-MM-DD] [--accept-warnings]

``--lang`` (anywhere on the line, Italian by default) chooses the language of
everything the command writes: help, messages, errors, sentences.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from urllib.parse import urlsplit

from metrodigital.analysis import analyse
from metrodigital.criteria import criterion_keys, load_criteria, seed_weights
from metrodigital.explain import note_text, quota_sentences, quota_text, short_name, tie_sentence
from metrodigital.export_text import csv_cell, json_dumps, printable, printable_lines
from metrodigital.i18n import LANGUAGES, Lang, fmt_number, normalise_lang, quote, t
from metrodigital.params import (
    PARAM_SURVEY,
    default_wave,
    param,
    parse_weight_overrides,
    parse_whole_number,
    weight_params,
)
from metrodigital.paths import database_path
from metrodigital.quotas import Quota, parse_quota
from metrodigital.ranking import Selection, evaluate, score_decimals
from metrodigital.report import (
    PUBLIC_URL_ENV,
    build_report,
    public_url,
    report_file_name,
    scenario_link,
)
from metrodigital.roles import Actor, AuthConfig
from metrodigital.scenario import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    DEFAULT_SPREAD,
    DEFAULT_TOP,
    DRAWS_CHOICES,
    SEED_MAX,
    SPREAD_MAX,
    TOP_MAX,
    Normalisation,
    Scenario,
    TieRule,
)
from metrodigital.store import SEED_WAVE_SLUG, Store, StoreError, slugify
from metrodigital.surveys.registry import DEFAULT_SURVEY, load_survey, survey_ids

if TYPE_CHECKING:
    from metrodigital.analysis import RobustnessReport
    from metrodigital.catalogue import CatalogueChoice, SurveyCatalogue
    from metrodigital.ingest import Preview
    from metrodigital.profile import EntityRef
    from metrodigital.store import Wave
    from metrodigital.surveys.model import Survey

# The import commands load the spreadsheet machinery only when they run.

DEBUG_ENV_VAR = "METRODIGITAL_DEBUG"  # set to 1 to see the traceback of an unexpected error

# argparse's own texts (usage, errors) by their English original → catalogue key; in
# English the catalogue gives the original back.
_ARGPARSE_TEXTS = {
    "usage: ": "cli.argparse.usage",
    "options": "cli.argparse.options",
    "positional arguments": "cli.argparse.positional",
    "show this help message and exit": "cli.argparse.help",
    "argument %(argument_name)s: %(message)s": "cli.argparse.argument",
    "%(prog)s: error: %(message)s\n": "cli.argparse.error",
    "unrecognized arguments: %s": "cli.argparse.unrecognized",
    "the following arguments are required: %s": "cli.argparse.required",
    "one of the arguments %s is required": "cli.argparse.one_required",
    "not allowed with argument %s": "cli.argparse.not_allowed",
    "expected one argument": "cli.argparse.expected_one",
    "ambiguous option: %(option)s could match %(matches)s": "cli.argparse.ambiguous",
    "invalid choice: %(value)r (choose from %(choices)s)": "cli.argparse.invalid_choice",
    "ignored explicit argument %r": "cli.argparse.ignored_explicit",
}


@contextmanager
def _argparse_in(lang: Lang) -> Iterator[None]:
    """argparse's own texts in ``lang`` while the parser is built and used.

    argparse looks its texts up through its module's ``_`` (gettext) each time it
    writes one; there is no other hook for the usage line and the error format.
    """
    original = argparse._  # type: ignore[attr-defined]

    def translate(text: str) -> str:
        key = _ARGPARSE_TEXTS.get(text)
        return t(key, lang) if key is not None else original(text)

    argparse._ = translate  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = original  # type: ignore[attr-defined]


def _argv_option(argv: Sequence[str], option: str) -> str | None:
    """The value of ``option X`` or ``option=X`` in ``argv`` (the last one given)."""
    chosen = None
    for index, item in enumerate(argv):
        if item == option and index + 1 < len(argv):
            chosen = argv[index + 1]
        elif item.startswith(option + "="):
            chosen = item.partition("=")[2]
    return chosen


def argv_lang(argv: Sequence[str]) -> Lang:
    """The language asked for by ``--lang X`` or ``--lang=X`` anywhere in ``argv``."""
    return normalise_lang(_argv_option(argv, "--lang") or "it")


def argv_survey(argv: Sequence[str]) -> str:
    """The survey asked for by ``--survey``: its criteria are what ``--weights`` and
    ``--ties`` may name (an unknown survey is refused by the option itself)."""
    chosen = _argv_option(argv, param(PARAM_SURVEY).cli)
    return chosen if chosen in survey_ids() else DEFAULT_SURVEY


def _help(key: str, lang: Lang, default: object = None, **params: object) -> str:
    """An option's help in ``lang``, ending with its default when it has one."""
    text = t(key, lang, **params) if params else t(key, lang)
    if default is not None:
        text += " " + t("cli.default", lang, value=default)
    return text.replace("%", "%%")  # argparse formats help texts with %


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2, the usage and a one-line reason (its default)."""


def _ties(lang: Lang, survey: str) -> Callable[[str], tuple[TieRule, tuple[str, ...]]]:
    by_code = weight_params(survey)
    keys_of_survey = criterion_keys(survey)

    def parse(text: str) -> tuple[TieRule, tuple[str, ...]]:
        rule, _, rest = text.strip().partition(":")
        if rule in ("all", "choice") and not rest:
            return TieRule(rule), ()
        if rule == "criteria":
            names = [k.strip().lower() for k in rest.split(",") if k.strip()]
            keys = [by_code.get(name, name) for name in names]
            if keys and all(k in keys_of_survey for k in keys):
                return TieRule.CRITERIA, tuple(dict.fromkeys(keys))
        raise argparse.ArgumentTypeError(t("cli.bad_ties", lang, value=text,
                                           keys=_criteria_list(survey)))

    return parse


def _criteria_list(survey: str) -> str:
    return ", ".join(f"{c.key} ({c.code})" for c in load_criteria(survey))


def _quota(lang: Lang) -> Callable[[str], Quota]:
    def parse(text: str) -> Quota:
        quota = parse_quota(text)
        if quota is None:
            raise argparse.ArgumentTypeError(t("cli.bad_quota", lang, value=text))
        return quota

    return parse


def _weights(lang: Lang, survey: str) -> Callable[[str], dict[str, float]]:
    def parse(text: str) -> dict[str, float]:
        try:
            return parse_weight_overrides(text, survey)
        except ValueError:
            items = [item for item in text.split(",") if item.strip()]
            bad = next((item for item in items if not _weight_ok(item, survey)), text)
            raise argparse.ArgumentTypeError(t(
                "cli.bad_weight", lang, value=bad.strip(), keys=_criteria_list(survey))) from None

    return parse


def _weight_ok(item: str, survey: str) -> bool:
    try:
        parse_weight_overrides(item, survey)
    except ValueError:
        return False
    return True


def _bounded(low: int, high: int, lang: Lang) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(t("cli.not_whole", lang, value=text)) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(t("cli.out_of_range", lang, value=text, low=low,
                                               high=high))
        return value

    return parse


def _date(lang: Lang) -> Callable[[str], date]:
    def parse(text: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(t("cli.bad_date", lang, value=text)) from None

    return parse


def _scenario_options(command: argparse.ArgumentParser, lang: Lang, *, ties: bool,
                      robustness: bool, survey: str) -> None:
    """The options that describe a scenario, shared by rank, robustness and report
    (the flags of the link parameters' table, :data:`metrodigital.params.PARAMS`)."""
    _survey_option(command, lang)
    source = command.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, metavar=t("cli.metavar.file", lang),
                        help=_help("cli.help.data", lang))
    source.add_argument("--wave", metavar=t("cli.metavar.name", lang),
                        help=_help("cli.help.wave", lang, SEED_WAVE_SLUG))
    command.add_argument("--weights", type=_weights(lang, survey), default={},
                         metavar=t("cli.metavar.weights", lang),
                         help=_help("cli.help.weights", lang, ", ".join(
                             f"{k}={_number(w)}" for k, w in seed_weights(survey).items())))
    command.add_argument("--top", type=_bounded(1, TOP_MAX, lang), default=DEFAULT_TOP,
                         metavar="N", help=_help("cli.help.top", lang, DEFAULT_TOP))
    if ties:
        command.add_argument("--ties", type=_ties(lang, survey), default=(TieRule.ALL, ()),
                             metavar=t("cli.metavar.rule", lang),
                             help=_help("cli.help.ties", lang, "all"))
        command.add_argument("--pick", action="append", default=[], metavar="ID",
                             help=_help("cli.help.pick", lang))
        command.add_argument("--quota", type=_quota(lang), action="append", default=[],
                             metavar="QUOTA", help=_help("cli.help.quota", lang))
        command.add_argument("--norm", choices=[str(n) for n in Normalisation],
                             default=str(Normalisation.RAW),
                             help=_help("cli.help.norm", lang, str(Normalisation.RAW)))
    if robustness:
        command.add_argument("--spread", type=_bounded(0, SPREAD_MAX, lang),
                             default=DEFAULT_SPREAD, metavar="K",
                             help=_help("cli.help.spread", lang, DEFAULT_SPREAD))
        command.add_argument("--draws", type=_bounded(1, 1_000_000, lang), default=DEFAULT_DRAWS,
                             metavar="N", help=_help("cli.help.draws", lang, DEFAULT_DRAWS))
        command.add_argument("--seed", type=_bounded(0, SEED_MAX, lang), default=DEFAULT_SEED,
                             metavar="S", help=_help("cli.help.seed", lang, DEFAULT_SEED))
    _lang_option(command, lang)


def _survey_option(command: argparse.ArgumentParser, lang: Lang) -> None:
    """``--survey``, from the table of link parameters (the same name and help)."""
    command.add_argument(param(PARAM_SURVEY).cli, choices=list(survey_ids()),
                         default=DEFAULT_SURVEY, metavar="ID",
                         help=_help(param(PARAM_SURVEY).help_key, lang, DEFAULT_SURVEY))


def _lang_option(command: argparse.ArgumentParser, lang: Lang) -> None:
    command.add_argument("--lang", choices=list(LANGUAGES), default="it",
                         help=_help("cli.help.lang", lang, "it"))


def build_parser(lang: Lang = "it", survey: str = DEFAULT_SURVEY) -> argparse.ArgumentParser:
    """The parser, every text in ``lang``; build and use it inside :func:`_argparse_in`."""
    parser = _Parser(prog="python -m metrodigital", description=t("cli.description", lang))
    _lang_option(parser, lang)
    commands = parser.add_subparsers(dest="command", required=True,
                                     metavar="{rank,robustness,report,validate,import,catalogue,findings,"
                                     "zones,profile,brief}")
    rank = commands.add_parser("rank", help=_help("cli.help.rank", lang),
                               description=t("cli.help.rank", lang))
    _scenario_options(rank, lang, ties=True, robustness=False, survey=survey)
    rank.add_argument("--format", choices=["table", "csv", "json"], default="table",
                      help=_help("cli.help.rank_format", lang, "table"))

    robust = commands.add_parser("robustness", help=_help("cli.help.robustness", lang),
                                 description=t("cli.help.robustness", lang))
    _scenario_options(robust, lang, ties=False, robustness=True, survey=survey)
    robust.add_argument("--format", choices=["json"], default="json",
                        help=_help("cli.help.robustness_format", lang, "json"))

    report = commands.add_parser("report", help=_help("cli.help.report", lang),
                                 description=t("cli.help.report", lang))
    report.add_argument("--out", type=Path, required=True, metavar=t("cli.metavar.xlsx", lang),
                        help=_help("cli.help.out", lang))
    report.add_argument("--url", type=_url(lang), metavar="URL",
                        help=_help("cli.help.url", lang, env=PUBLIC_URL_ENV))
    _scenario_options(report, lang, ties=True, robustness=True, survey=survey)

    validate = commands.add_parser("validate", help=_help("cli.help.validate", lang),
                                   description=t("cli.help.validate", lang))
    validate.add_argument("file", type=Path, metavar=t("cli.metavar.file", lang),
                          help=_help("cli.help.file", lang))
    validate.add_argument("--format", choices=["auto", "matrix", "responses"], default="auto",
                          dest="file_format", help=_help("cli.help.file_format", lang, "auto"))
    _survey_option(validate, lang)
    _lang_option(validate, lang)

    load = commands.add_parser("import", help=_help("cli.help.import", lang),
                               description=t("cli.help.import", lang))
    load.add_argument("file", type=Path, metavar=t("cli.metavar.file", lang),
                      help=_help("cli.help.file", lang))
    load.add_argument("--wave", required=True, metavar=t("cli.metavar.name", lang),
                      help=_help("cli.help.new_wave", lang))
    load.add_argument("--date", type=_date(lang), default=None,
                      metavar=t("cli.metavar.date", lang), help=_help("cli.help.date", lang))
    load.add_argument("--format", choices=["auto", "matrix", "responses"], default="auto",
                      dest="file_format", help=_help("cli.help.file_format", lang, "auto"))
    load.add_argument("--accept-warnings", action="store_true",
                      help=_help("cli.help.accept_warnings", lang))
    _survey_option(load, lang)
    _lang_option(load, lang)
    _catalogue_parser(commands, lang)
    _findings_parser(commands, lang)
    _zones_parser(commands, lang)
    _scheda_parsers(commands, lang, survey)
    return parser


# -- zones ------------------------------------------------------------------------------
def _zones_parser(commands: argparse._SubParsersAction, lang: Lang) -> None:
    """``zones``: which zone omogenee are in force; load a CSV; go back to a load."""
    from metrodigital.territories import available_territories

    command = commands.add_parser("zones", help=_help("zones.cli.help", lang),
                                  description=t("zones.cli.help", lang))
    command.add_argument("--territory", choices=available_territories(), default="torino",
                         help=_help("zones.cli.territory", lang, "torino"))
    action = command.add_mutually_exclusive_group()
    action.add_argument("--load", type=Path, metavar=t("cli.metavar.file", lang),
                        help=_help("zones.cli.load", lang))
    action.add_argument("--use", metavar="N|shipped", help=_help("zones.cli.use", lang))
    command.add_argument("--format", choices=["table", "json"], default="table",
                         help=_help("zones.cli.format", lang, "table"))
    _lang_option(command, lang)


def run_zones(args: argparse.Namespace) -> int:
    from metrodigital.zones import effective_zones, read_zone_file

    lang = normalise_lang(args.lang)
    territory = args.territory
    store = Store(database_path())
    try:
        if args.load is not None:
            read = read_zone_file(_read_file(args.load, lang), args.load.name, territory)
            if read.problems:
                for problem in read.problems:
                    _say(f"{t('cli.error', lang)}: {problem.message(lang)}", sys.stderr)
                return 1
            load = store.load_zones(territory, read.members, file_name=args.load.name,
                                    sha256=read.sha256, by="cli")
            _say(t("zones.loaded", lang, load=load), sys.stderr)
        elif args.use is not None:
            wanted = None if args.use == "shipped" else parse_whole_number(args.use, 1, 10**9)
            if wanted is None and args.use != "shipped":
                raise CliFailure(t("zones.cli.bad_use", lang, value=args.use))
            try:
                store.activate_zones(territory, wanted, by="cli")
            except StoreError as refused:  # e.g. no such load: the reason, not "unavailable"
                raise CliFailure(refused.message(lang)) from None
        loads = store.zone_loads(territory)
        zones = effective_zones(store, territory)
    finally:
        store.close()
    active = next((z.load_id for z in loads if z.active), None)
    if args.format == "json":
        print(json_dumps({
            "territory": territory, "active_load": active,
            "zones": zones,
            "loads": [{"load": z.load_id, "file": z.file_name, "loaded_at": str(z.loaded_at),
                       "by": z.loaded_by, "comuni": z.n_comuni, "active": z.active}
                      for z in loads]}))
        return 0
    known = sum(zone is not None for zone in zones.values())
    _say(t("zones.cli.summary", lang, known=known, total=len(zones),
           source=t("zones.source_shipped", lang) if active is None else
           t("zones.source_load", lang, load=active, file=printable(
               next(z.file_name for z in loads if z.active)))))
    for z in loads:
        _say(f"{'*' if z.active else ' '} {z.load_id:>3}  {z.loaded_at:%d/%m/%Y %H:%M}  "
             f"{printable(z.loaded_by)}  {z.n_comuni:>4}  {printable(z.file_name)}")
    return 0


# -- profile and brief (H-SCHEDA's block) -------------------------------------------------
def _scheda_parsers(commands: argparse._SubParsersAction, lang: Lang, survey: str) -> None:
    """``profile ENTE``: the Scheda ente's figures; ``brief``: the interview brief (.docx)."""
    profile = commands.add_parser("profile", help=_help("scheda.cli.profile", lang),
                                  description=t("scheda.cli.profile", lang))
    profile.add_argument("ente", metavar="ENTE", help=_help("scheda.cli.ente", lang))
    _scenario_options(profile, lang, ties=True, robustness=True, survey=survey)
    profile.add_argument("--format", choices=["table", "json"], default="table",
                         help=_help("scheda.cli.format", lang, "table"))
    brief = commands.add_parser("brief", help=_help("scheda.cli.brief", lang),
                                description=t("scheda.cli.brief", lang))
    brief.add_argument("--out", type=Path, required=True, metavar="FILE.docx",
                       help=_help("scheda.cli.out", lang))
    who = brief.add_mutually_exclusive_group(required=True)
    who.add_argument("--ente", metavar="ENTE", help=_help("scheda.cli.ente", lang))
    who.add_argument("--selected", action="store_true", help=_help("scheda.cli.selected", lang))
    brief.add_argument("--url", type=_url(lang), metavar="URL",
                       help=_help("cli.help.url", lang, env=PUBLIC_URL_ENV))
    _scenario_options(brief, lang, ties=True, robustness=True, survey=survey)


def _scheda_scenario(args: argparse.Namespace, lang: Lang) -> tuple[Store, Scenario]:
    """The store and scenario the options describe; a survey without a matrix gets the
    wave alone (its answers)."""
    if load_survey(args.survey).has_matrix:
        store, wave, _ = _open_store(args, lang)
        try:
            return store, _scenario(args, store, wave, lang)
        except CliFailure:
            store.close()
            raise
    if getattr(args, "data", None) is not None:
        raise CliFailure(t("scheda.cli.data_needs_matrix", lang, survey=args.survey))
    store = Store(database_path())
    waves = [w for w in store.waves() if w.survey_id == args.survey]
    wanted = args.wave or (waves[0].slug if waves else None)
    slug = next((w.slug for w in waves if wanted in (w.slug, w.name)), None)
    if slug is None:
        store.close()
        if not waves:
            raise CliFailure(t("cli.survey_without_waves", lang, survey=args.survey))
        raise CliFailure(t("cli.wave_not_found", lang, value=wanted, names=", ".join(
            f"{w.name} ({w.slug})" for w in waves)))
    return store, Scenario(survey=args.survey, wave=slug, weights={}, reference={})


def _scheda_entity(store: Store, scenario: Scenario, key: str, lang: Lang) -> EntityRef:
    from metrodigital.profile import resolve_entity, wave_entities

    found = resolve_entity(wave_entities(store, scenario.wave), key)
    if found is None:
        raise CliFailure(t("scheda.cli.unknown_ente", lang, value=printable(key[:60]),
                           wave=scenario.wave))
    return found


def _scheda_report(store: Store, scenario: Scenario) -> RobustnessReport | None:
    if not load_survey(scenario.survey).has_matrix or not scenario.total_weight:
        return None
    return analyse(store, scenario, load_solver_early=True)


def run_profile(args: argparse.Namespace) -> int:
    from metrodigital.profile import build_profile, profile_json

    lang = normalise_lang(args.lang)
    store, scenario = _scheda_scenario(args, lang)
    try:
        entity = _scheda_entity(store, scenario, args.ente, lang)
        profile = build_profile(store, scenario, entity, lang,
                                report=_scheda_report(store, scenario))
    finally:
        store.close()
    data = profile_json(profile, lang)
    if args.format == "json":
        print(json_dumps(data))
        return 0
    _say(f"{profile.entity.name} ({profile.entity.key}) · {profile.wave.label(lang)}")
    if profile.standing is not None:
        standing = profile.standing
        status = t("scheda.status.selected" if standing.selected
                   else "scheda.status.not_selected", lang)
        if standing.tied:
            status = t("scheda.status.tied" if standing.selected else "scheda.status.tied_out",
                       lang)
        _say(t("brief.why", lang, rank=standing.rank, n=standing.n,
               score=_number(standing.score), status=status, top=standing.top,
               reference=standing.reference_rank))
    if profile.robustness is not None:
        view = profile.robustness
        _say(t("brief.robustness", lang, cls=t(f"robustness.class_{view.cls}", lang)
               if view.cls != "undecided" else t("scheda.robustness.undecided", lang),
               p=fmt_percent_text(view.p_selected, lang), best=view.best_rank,
               worst=view.worst_rank))
        for sentence in view.tipping:
            _say(f"  {sentence}")
    for s in profile.sections:
        verdict = t(f"scheda.verdict.{s.verdict}", lang) if s.verdict else ""
        _say(f"  {s.label:<22} {_number(s.points):>4} / {_number(s.maximum):<4} "
             f"{t('scheda.col.all_median', lang)} {_number(s.all_median):>5}  {verdict}")
    for fit in profile.fits:
        _say(f"+ {fit.offer.name_in(lang)}")
    return 0


def fmt_percent_text(share: float, lang: Lang) -> str:
    from metrodigital.i18n import fmt_percent

    return fmt_percent(share, lang)


def _with_ente(link: str, key: str) -> str:
    """The scenario link opening the Scheda ente of ``key``."""
    from urllib.parse import urlencode, urlunsplit

    parts = urlsplit(link)
    path = parts.path.rstrip("/") + "/Scheda_ente"
    query = "&".join(q for q in (parts.query, urlencode({"ente": key})) if q)
    return urlunsplit(parts._replace(path=path, query=query))


def run_brief(args: argparse.Namespace) -> int:
    from metrodigital.brief import build_brief
    from metrodigital.profile import build_profile, wave_entities

    lang = normalise_lang(args.lang)
    if args.out.suffix.lower() != ".docx":
        raise CliFailure(t("scheda.cli.out_suffix", lang, file=args.out))
    if args.url is None:
        try:
            public_url()
        except ValueError as bad:
            raise CliFailure(t("cli.bad_public_url", lang, value=bad, env=PUBLIC_URL_ENV)) from None
    store, scenario = _scheda_scenario(args, lang)
    try:
        report = _scheda_report(store, scenario)
        if args.selected:
            if not load_survey(scenario.survey).has_matrix:
                raise CliFailure(t("scheda.cli.selected_needs_matrix", lang,
                                   survey=scenario.survey))
            selection = evaluate(store, scenario)
            chosen = [e for e in wave_entities(store, scenario.wave)
                      if e.entity_id in set(selection.selected_ids)]
            profiles = [build_profile(store, scenario, e, lang, report=report,
                                      selection=selection) for e in chosen]
            profiles.sort(key=lambda p: p.standing.rank if p.standing else 0)
            link = scenario_link(scenario, lang, args.url)
        else:
            entity = _scheda_entity(store, scenario, args.ente, lang)
            profiles = [build_profile(store, scenario, entity, lang, report=report)]
            link = scenario_link(scenario, lang, args.url)
            link = _with_ente(link, entity.key)
    finally:
        store.close()
    if not profiles:
        raise CliFailure(t("scheda.cli.nobody_selected", lang))
    _write_whole(args.out, build_brief(profiles, lang, link), lang)
    _say(t("scheda.cli.brief_written", lang, file=args.out, n=len(profiles)))
    return 0


# -- catalogue (H-CATALOGUE's block) ----------------------------------------------------
def _catalogue_parser(commands: argparse._SubParsersAction, lang: Lang) -> None:
    """``catalogue``: the Catalogo page's numbers, for a survey that rates services."""
    from metrodigital.catalogue import DEFAULT_BY, DEFAULT_TOP, NO_EXCLUSIONS, WEIGHTINGS

    command = commands.add_parser("catalogue", help=_help("catalogue.cli.help", lang),
                                  description=t("catalogue.cli.help", lang))
    command.add_argument("--survey", required=True, metavar="ID",
                         help=_help("catalogue.cli.survey", lang))
    command.add_argument("--wave", metavar=t("cli.metavar.name", lang),
                         help=_help("catalogue.cli.wave", lang))
    command.add_argument("--top", type=_bounded(1, 999, lang), default=DEFAULT_TOP,
                         metavar="K", help=_help("catalogue.cli.top", lang, DEFAULT_TOP))
    command.add_argument("--exclude", action="append", default=None,
                         metavar=t("catalogue.cli.exclude_metavar", lang),
                         help=_help("catalogue.cli.exclude", lang, none=NO_EXCLUSIONS))
    command.add_argument("--by", choices=list(WEIGHTINGS), default=DEFAULT_BY,
                         help=_help("catalogue.cli.by", lang, DEFAULT_BY))
    command.add_argument("--format", choices=["table", "json"], default="table",
                         help=_help("catalogue.cli.format", lang, "table"))
    command.add_argument("--out", type=Path, metavar=t("cli.metavar.xlsx", lang),
                         help=_help("catalogue.cli.out", lang))
    _lang_option(command, lang)


def _catalogue_choice(args: argparse.Namespace, survey: Survey, lang: Lang) -> CatalogueChoice:
    """The choice the options describe; a bad one stops the command with its reason."""
    from metrodigital.catalogue import (
        NO_EXCLUSIONS,
        CatalogueChoice,
        parse_exclusion,
        source_choice,
        source_reason,
    )

    codes = [s.code for s in survey.catalogue.services]  # type: ignore[union-attr]
    if args.top > len(codes):
        raise CliFailure(t("catalogue.cli.top_too_big", lang, value=args.top, n=len(codes)))
    if args.exclude is None:
        exclusions = source_choice(survey).exclusions
    elif args.exclude == [NO_EXCLUSIONS] and NO_EXCLUSIONS not in codes:
        exclusions = ()
    else:
        chosen = {}
        for text in args.exclude:
            item = parse_exclusion(text, codes, separator="=")
            if item is None:
                raise CliFailure(t("catalogue.cli.bad_exclude", lang, value=printable(text),
                                   known=", ".join(codes)))
            if not item.reason and not source_reason(survey, item.code, lang):
                raise CliFailure(t("catalogue.cli.exclude_needs_reason", lang, code=item.code))
            chosen[item.code] = item
        exclusions = tuple(chosen.values())
    return CatalogueChoice(top=args.top, by=args.by, exclusions=exclusions)


def _catalogue_wave(store: Store, survey: Survey, wanted: str | None, lang: Lang) -> Wave:
    """The survey's wave named by ``--wave`` (slug or name), else its most recent one."""
    waves = [w for w in store.waves() if w.survey_id == survey.id]
    if not waves:
        raise CliFailure(t("catalogue.cli.no_wave", lang, survey=survey.id))
    if wanted is None:
        return waves[0]
    slug = wanted if any(w.slug == wanted for w in waves) else slugify(wanted)
    found = next((w for w in waves if w.slug == slug), None)
    if found is None:
        names = ", ".join(f"{w.name} ({w.slug})" for w in waves)
        raise CliFailure(t("cli.wave_not_found", lang, value=printable(wanted), names=names))
    return found


def _catalogue_table(result: SurveyCatalogue, lang: Lang) -> str:
    """The ranking as the page's table shows it: means with two decimals, shares in %."""
    from metrodigital.catalogue import HIGH_RATING, fmt_mean
    from metrodigital.display import clean
    from metrodigital.i18n import fmt_percent

    headers = [t("catalogue.col.rank", lang), t("catalogue.col.service", lang),
               t("catalogue.col.mean", lang),
               t("catalogue.col.share_high", lang, high=HIGH_RATING), "n",
               t("catalogue.col.chosen", lang), t("catalogue.col.tied", lang),
               t("catalogue.col.excluded", lang)]
    rows = []
    for _, row in result.ranking.table.iterrows():
        rated = int(row["n"]) > 0
        rows.append([
            "" if not rated else str(int(row["rank"])), clean(printable(row["name"]), 40),
            fmt_mean(row["mean"], lang) if rated else "—",
            fmt_percent(row["share_high"], lang, 0) if rated else "—",
            fmt_number(int(row["n"]), lang), "✔" if row["chosen"] else "",
            "=" if row["tied_at_cutoff"] else "",
            printable(row["excluded_reason"]) if row["excluded"] else ""])
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    right = {0, 2, 3, 4}

    def line(cells: list[str]) -> str:
        parts = [cell[:widths[i]].rjust(widths[i]) if i in right else
                 cell[:widths[i]].ljust(widths[i]) for i, cell in enumerate(cells)]
        return "  ".join(parts).rstrip()

    return "\n".join(line(cells) for cells in [headers, *rows])


def run_catalogue(args: argparse.Namespace) -> int:
    from metrodigital.catalogue import (
        CatalogueError,
        catalogue_json,
        catalogue_link,
        has_catalogue,
        outcome_sentence,
        rank_for_survey,
        result_notes,
    )
    from metrodigital.catalogue_report import build_catalogue_workbook, catalogue_file_name
    from metrodigital.surveys.answers import wide_answers
    from metrodigital.surveys.registry import UnknownSurvey, load_survey, survey_ids

    lang = normalise_lang(args.lang)
    if args.out is not None and not args.out.is_dir() and args.out.suffix.lower() != ".xlsx":
        raise CliFailure(t("cli.report_suffix", lang, file=args.out))
    try:
        survey = load_survey(args.survey)
    except UnknownSurvey as unknown:
        raise CliFailure(unknown.message(lang)) from None
    if not has_catalogue(survey):
        with_catalogue = [s for s in survey_ids() if has_catalogue(load_survey(s))]
        raise CliFailure(t("catalogue.cli.no_catalogue", lang, survey=survey.id,
                           others=", ".join(with_catalogue) or "—"))
    choice = _catalogue_choice(args, survey, lang)
    try:
        base = public_url()
    except ValueError as bad:
        raise CliFailure(t("cli.bad_public_url", lang, value=bad, env=PUBLIC_URL_ENV)) from None
    store = Store(database_path())
    try:
        wave = _catalogue_wave(store, survey, args.wave, lang)
        answers = wide_answers(store, wave.slug)
    finally:
        store.close()
    try:
        result = rank_for_survey(answers, survey, choice, lang)
    except CatalogueError as error:
        raise CliFailure(error.message(lang)) from None
    link = catalogue_link(base, survey, wave.slug, choice, lang)
    if args.out is not None:
        out = (args.out / catalogue_file_name(wave.slug, date.today()) if args.out.is_dir()
               else args.out)
        _write_whole(out, build_catalogue_workbook(
            result, wave_name=wave.name, example=wave.is_example, link=link, lang=lang), lang)
    if args.format == "json":
        print(json_dumps(catalogue_json(result, wave=wave.slug, link=link, lang=lang)))
    else:
        _say(t("catalogue.cli.heading", lang, survey=survey.title_in(lang),
               wave=wave.label(lang), n=fmt_number(result.respondents, lang),
               by=t(f"catalogue.by_{choice.by}", lang)))
        print()
        print(_catalogue_table(result, lang))
        print()
        _say(outcome_sentence(result, lang))
        for line in result_notes(result, lang):
            _say("! " + line)
        _say(t("catalogue.cli.link", lang, link=link))
    if args.out is not None:
        _say(t("cli.report_written", lang, file=out), sys.stderr if args.format == "json"
             else None)
    return 0


# -- findings (H-RISPOSTE's block) ------------------------------------------------------
def _findings_parser(commands: argparse._SubParsersAction, lang: Lang) -> None:
    """``findings``: the Risposte page's headline findings, by SQL, same numbers."""
    command = commands.add_parser("findings", help=_help("risposte.cli.help", lang),
                                  description=t("risposte.cli.help", lang))
    command.add_argument("--survey", required=True, metavar="ID",
                         help=_help("risposte.cli.survey", lang))
    command.add_argument("--wave", metavar=t("cli.metavar.name", lang),
                         help=_help("risposte.cli.wave", lang))
    command.add_argument("--by", choices=["zona", "classe"], default=None,
                         help=_help("risposte.cli.by", lang))
    command.add_argument("--format", choices=["table", "json", "csv"], default="table",
                         help=_help("risposte.cli.format", lang, "table"))
    command.add_argument("--entities", action="store_true",
                         help=_help("risposte.cli.entities", lang))
    command.add_argument("--include-personal", action="store_true",
                         help=_help("risposte.cli.include_personal", lang))
    _lang_option(command, lang)


def run_findings(args: argparse.Namespace) -> int:
    from metrodigital.risposte_cli import findings_output
    from metrodigital.surveys.registry import UnknownSurvey

    lang = normalise_lang(args.lang)
    try:
        survey = load_survey(args.survey)
    except UnknownSurvey as unknown:
        raise CliFailure(unknown.message(lang)) from None
    store = Store(database_path())
    try:
        text = findings_output(store, survey, args.wave, by=args.by or "",
                               out_format=args.format, entities=args.entities,
                               include_personal=args.include_personal, lang=lang)
    except LookupError as error:
        raise CliFailure(str(error)) from None
    finally:
        store.close()
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def run_robustness(args: argparse.Namespace) -> int:
    lang = normalise_lang(args.lang)
    store, wave, warnings = _open_store(args, lang)
    try:
        scenario = Scenario(**_weights_of(args, store, wave), survey=args.survey, top=args.top,
                            wave=wave, spread=args.spread, draws=args.draws, seed=args.seed)
        if scenario.total_weight == 0:
            raise CliFailure(t("selection.all_zero", lang))
        from metrodigital.analysis import AnalysisTooLarge

        try:
            report = analyse(store, scenario, load_solver_early=True)
        except AnalysisTooLarge as large:
            raise CliFailure(t("robustness.too_large", lang, entities=large.entities,
                               draws=large.draws, max_draws=large.max_draws)) from None
    finally:
        store.close()
    bounds = report.bounds
    output = {
        "scenario": {
            "survey": scenario.survey,
            "wave": scenario.wave,
            "weights": {k: _number(w) for k, w in scenario.weights.items()},
            "top": scenario.top,
            "ties": scenario.ties_label(),
            "spread": scenario.spread,
            "draws": scenario.draws,
            "seed": scenario.seed,
            "distribution": report.simulation.distribution,
            "bounds": {"all_exact": bounds.exact, "milps": bounds.milps_solved,
                       "time_limit_reached": bounds.time_limited},
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
    if not args.out.is_dir() and args.out.suffix.lower() != ".xlsx":
        raise CliFailure(t("cli.report_suffix", lang, file=args.out))
    if args.draws not in DRAWS_CHOICES:  # the report's link must reopen the same scenario
        raise CliFailure(t("cli.report_draws", lang, value=args.draws, choices=", ".join(
            str(n) for n in DRAWS_CHOICES)))
    if args.url is None:
        try:
            public_url()
        except ValueError as bad:
            raise CliFailure(t("cli.bad_public_url", lang, value=bad, env=PUBLIC_URL_ENV)) from None
    store, wave_slug, _ = _open_store(args, lang)
    try:
        scenario = _scenario(args, store, wave_slug, lang)
        selection = evaluate(store, scenario)
        _check_picks(selection, lang)
        robustness = (analyse(store, scenario, load_solver_early=True)
                      if scenario.total_weight else None)
        wave = store.wave(wave_slug)
    finally:
        store.close()
    link = scenario_link(scenario, lang, args.url)
    out = args.out / report_file_name(wave, date.today()) if args.out.is_dir() else args.out
    _write_whole(out, build_report(selection, wave, robustness, link=link, lang=lang), lang)
    _say(t("cli.report_written", lang, file=out))
    return 0


def _write_whole(out: Path, content: bytes, lang: Lang) -> None:
    """Write ``out`` whole or not at all: a temporary file beside it, then renamed."""
    partial = out.with_name(f".{out.name}.partial")
    try:
        partial.write_bytes(content)
        os.replace(partial, out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise CliFailure(t("cli.report_unwritable", lang, file=out,
                           reason=error.strerror or type(error).__name__)) from None


def _url(lang: Lang) -> Callable[[str], str]:
    def parse(text: str) -> str:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise argparse.ArgumentTypeError(t("cli.bad_url", lang, value=text))
        return text

    return parse


def _read_file(path: Path, lang: str = "it") -> bytes:
    if not path.is_file():
        raise CliFailure(t("file.not_found", lang, file=path))
    return path.read_bytes()


def _read_and_report(args: argparse.Namespace, lang: str) -> Preview | None:
    """Read and check ``args.file``, printing every problem (errors first; many of one
    kind as one line naming the rows and entities); None when it is unreadable."""
    from metrodigital.ingest import group_problems, prepare
    from metrodigital.workbook import FileRejected

    data = _read_file(args.file, lang)
    try:
        preview = prepare(data, args.file.name, fmt=args.file_format, survey=args.survey)
    except FileRejected as rejected:
        for problem in rejected.problems:
            _say(f"{t('cli.error', lang)}: {problem.message(lang)}")
        return None
    for label, problems in (("cli.error", preview.errors), ("cli.warning", preview.warnings)):
        for line in group_problems(problems, lang):
            first, *details = line.split("\n")
            _say(f"{t(label, lang)}: {first}")
            for detail in details:  # the rows and the names of a group, indented
                print("    " + printable(detail))
    other = next((p.params.get("other_id") for p in preview.errors
                  if p.code == "ingest.other_survey"), None)
    if other:  # on the command line the survey is chosen by --survey, not in a sidebar
        _say(t("cli.other_survey", lang, survey=other))
    if preview.ignored:
        _say(t("ingest.ignored_columns", lang, columns=", ".join(
            f"{letter} {quote(header, lang)}" for letter, header in preview.ignored)))
    return preview


def run_validate(args: argparse.Namespace) -> int:
    lang = normalise_lang(args.lang)
    preview = _read_and_report(args, lang)
    if preview is None:
        return 1
    print(t("cli.validated", lang,
            entities=t("cli.validated_entities", lang, n=fmt_number(len(preview.matrix), lang)),
            errors=t("cli.validated_errors", lang, n=fmt_number(len(preview.errors), lang)),
            warnings=t("cli.validated_warnings", lang,
                       n=fmt_number(len(preview.warnings), lang))))
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
        _say(t(blocked.code, lang), sys.stderr)
        return 1
    finally:
        store.close()
    survey = load_survey(wave.survey_id)
    if survey.has_matrix:
        _say(t("cli.imported", lang, name=wave.name, slug=wave.slug,
               rows=fmt_number(wave.n_rows, lang)))
    else:  # nothing to rank: what reads it is the survey's findings (and catalogue)
        _say(t("cli.imported_answers", lang, name=wave.name, survey=survey.id,
               slug=wave.slug, rows=fmt_number(wave.n_rows, lang)))
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
    survey = getattr(args, "survey", DEFAULT_SURVEY)
    waves = [w for w in store.waves() if w.survey_id == survey]
    wanted = args.wave or default_wave(survey, waves)
    slugs = {w.slug for w in waves}
    slug = wanted if wanted in slugs else slugify(wanted)
    if slug not in slugs:
        names = ", ".join(f"{w.name} ({w.slug})" for w in waves)
        store.close()
        if not waves:
            raise CliFailure(t("cli.survey_without_waves", lang, survey=survey))
        raise CliFailure(t("cli.wave_not_found", lang, value=wanted, names=names))
    if not load_survey(survey).has_matrix:
        store.close()
        raise CliFailure(t("cli.survey_without_matrix", lang, survey=survey))
    return store, slug, []


def _weights_of(args: argparse.Namespace, store: Store, wave: str) -> dict[str, dict[str, float]]:
    """The scenario's weights (the wave's reference weights, changed by ``--weights``)
    and the reference weights themselves."""
    survey = getattr(args, "survey", DEFAULT_SURVEY)
    reference = seed_weights(survey)
    reference.update({k: v for k, v in store.wave(wave).reference_weights.items()
                      if k in reference})
    return {"weights": {**reference, **args.weights}, "reference": reference}


def _scenario(args: argparse.Namespace, store: Store, wave: str, lang: Lang) -> Scenario:
    """The scenario the options of rank and report describe."""
    rule, tie_criteria = args.ties
    if args.pick and rule is not TieRule.CHOICE:
        raise CliFailure(t("cli.pick_without_choice", lang))
    if len({q.kind for q in args.quota}) > 1:
        raise CliFailure(t("cli.quota_kinds", lang, value=" ".join(q.code for q in args.quota)))
    return Scenario(
        **_weights_of(args, store, wave), survey=args.survey, top=args.top, ties=rule,
        tie_criteria=tie_criteria, picks=tuple(dict.fromkeys(args.pick)), wave=wave,
        quotas=tuple(dict.fromkeys(args.quota)), normalisation=Normalisation(args.norm),
        **({"spread": args.spread, "draws": args.draws, "seed": args.seed}
           if hasattr(args, "spread") else {}),
    )


def _check_picks(selection: Selection, lang: Lang) -> list[str]:
    """Picks that name no entity stop the command; picks of entities not tied, a warning."""
    picks = selection.scenario.picks
    known = set(selection.table["entity_id"])
    unknown = [p for p in picks if p not in known]
    if unknown:
        raise CliFailure(t("cli.pick_unknown", lang, value=", ".join(unknown)))
    return [t("cli.pick_not_tied", lang, value=p) for p in picks
            if p not in selection.ties.entity_ids]


def selection_json(selection: Selection, warnings: list[str], lang: str) -> dict[str, object]:
    scenario = selection.scenario
    keys = list(criterion_keys(scenario.survey))
    ties = selection.ties
    names = selection.table.set_index("entity_id")["ente"]
    quota = selection.quota
    return {
        "scenario": {
            "survey": scenario.survey,
            "wave": scenario.wave,
            "weights": {k: _number(w) for k, w in scenario.weights.items()},
            "reference_weights": {k: _number(w) for k, w in scenario.reference.items()},
            "shares": scenario.shares(),
            "top": scenario.top,
            "ties": scenario.ties_label(),
            "picks": list(scenario.picks),
            "quotas": [q.code for q in scenario.quotas],
            "normalisation": str(scenario.normalisation),
        },
        "ties": {
            "at_cutoff": ties.at_cutoff,
            "outcome": ties.outcome,
            "score": ties.score,
            "entities": [names[i] for i in ties.entity_ids],
            "ranks": [ties.first_rank, ties.last_rank] if ties.at_cutoff else [],
            "selected": selection.n_selected,
            "explanation": tie_sentence(selection, lang),
        },
        "quotas": None if quota is None else {
            "feasible": quota.feasible,
            "displaced": [{"ente": names[e], "quota": q.code if q else None}
                          for e, q in quota.displaced],
            "promoted": [{"ente": names[e], "quota": q.code if q else None}
                         for e, q in quota.promoted],
            "exceeded": [{"quota": q.code, "count": n} for q, n in quota.exceeded],
            "explanation": quota_sentences(selection, lang, with_tie=False),
        },
        "ranking": [
            {
                "rank": int(row["rank"]),
                "entity_id": row["entity_id"],
                "ente": row["ente"],
                "score": _number(row["score"]),
                "seed_rank": int(row["seed_rank"]),
                "rank_change": int(row["rank_change"]),
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


def _change(value: int) -> str:
    """The rank change as the page shows it: ↑ 2, ↓ 1, =."""
    return f"↑ {value}" if value > 0 else f"↓ {-value}" if value < 0 else "="


def _table_text(selection: Selection, lang: Lang) -> str:
    """The ranking as the page's table shows it, scores rounded alike."""
    decimals = score_decimals(selection)
    headers = [t("table.rank", lang), t("table.change", lang), t("table.entity", lang),
               t("table.score", lang), t("table.selected", lang), t("table.tied", lang)]
    rows = [[str(int(row["rank"])), _change(int(row["rank_change"])), printable(row["ente"]),
             fmt_number(float(row["score"]), lang, decimals),
             "✔" if row["selected"] else "", "=" if row["tied_at_cutoff"] else ""]
            for _, row in selection.table.iterrows()]
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    widths[2] = min(widths[2], 55)
    right = {0, 3}

    def line(cells: list[str]) -> str:
        parts = [cell[:widths[i]].rjust(widths[i]) if i in right else
                 cell[:widths[i]].ljust(widths[i]) for i, cell in enumerate(cells)]
        return "  ".join(parts).rstrip()

    return "\n".join(line(cells) for cells in [headers, *rows])


def _csv_text(selection: Selection) -> str:
    keys = list(criterion_keys(selection.scenario.survey))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["rank", "entity_id", "ente", "score", "seed_rank", "rank_change",
                     "selected", "tied_at_cutoff", *keys])
    for _, row in selection.table.iterrows():
        writer.writerow([csv_cell(v) for v in (
            int(row["rank"]), row["entity_id"], row["ente"], _number(row["score"]),
            int(row["seed_rank"]), int(row["rank_change"]), bool(row["selected"]),
            bool(row["tied_at_cutoff"]), *(_number(row[k]) for k in keys))])
    return out.getvalue()


def _normalisation_warning(store: Store, selection: Selection, lang: Lang) -> list[str]:
    """With normalised points: who enters and who leaves against the raw points."""
    scenario = selection.scenario
    if scenario.normalisation is Normalisation.RAW:
        return []
    raw = evaluate(store, replace(scenario, normalisation=Normalisation.RAW))
    names = selection.table.set_index("entity_id")["ente"].map(short_name)
    now, before = set(selection.selected_ids), set(raw.selected_ids)
    ids = selection.table["entity_id"]
    entered = ", ".join(names[e] for e in ids if e in now - before) or "—"
    left = ", ".join(names[e] for e in ids if e in before - now) or "—"
    return [t("cli.normalisation_diff", lang, entered=entered, left=left,
              method=t(f"sidebar.normalisation_{scenario.normalisation}", lang))]


def run_rank(args: argparse.Namespace) -> int:
    lang = normalise_lang(args.lang)
    store, wave, warnings = _open_store(args, lang)
    try:
        scenario = _scenario(args, store, wave, lang)
        selection = evaluate(store, scenario)
        warnings = warnings + _check_picks(selection, lang)
        warnings += _normalisation_warning(store, selection, lang)
    finally:
        store.close()
    warnings += [note_text(n, lang) for n in selection.notes]
    warnings += quota_sentences(selection, lang, with_tie=False)
    if scenario.quotas:
        warnings.insert(0, t("report.quotas", lang) + ": " + "; ".join(
            quota_text(q, lang) for q in scenario.quotas))
    sentence = tie_sentence(selection, lang)
    if selection.ties.at_cutoff or selection.all_weights_zero:
        warnings.append(sentence)
    if args.format == "json":
        print(json_dumps(selection_json(selection, warnings, lang)))
    elif args.format == "csv":
        sys.stdout.write(_csv_text(selection))
        for warning in warnings:
            _say(warning, sys.stderr)
    else:
        print(_table_text(selection, lang))
        print()
        _say(sentence)
        for warning in warnings:
            if warning != sentence:
                _say(f"! {warning}")
    return 0


def _say(text: str, stream: TextIO | None = None) -> None:
    """Print a message that may hold names from a file: never an escape sequence."""
    print(printable_lines(text), file=stream or sys.stdout)


class CliFailure(RuntimeError):
    """A clear reason to stop, printed as is."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; bad arguments exit with status 2 and a message in ``--lang``."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    lang = argv_lang(arguments)
    with _argparse_in(lang):
        args = build_parser(lang, argv_survey(arguments)).parse_args(arguments)
    args.lang = lang  # also when --lang came before the command
    commands = {"rank": run_rank, "robustness": run_robustness, "report": run_report,
                "validate": run_validate, "import": run_import, "catalogue": run_catalogue,
                "findings": run_findings, "zones": run_zones, "profile": run_profile,
                "brief": run_brief}
    failure_status = 2 if args.command in ("rank", "robustness", "report", "catalogue",
                                           "findings", "profile", "brief") else 1
    try:
        return commands[args.command](args)
    except CliFailure as error:
        _say(str(error), sys.stderr)
        return failure_status
    except StoreError as error:
        _say(t("store.unavailable", lang, detail=error.message(lang)), sys.stderr)
        return failure_status
    except BrokenPipeError:
        raise  # the reader has gone: run() ends quietly
    except Exception as error:  # a message, never a traceback
        if os.environ.get(DEBUG_ENV_VAR):
            raise
        _say(t("cli.unexpected", lang, error=f"{type(error).__name__}: {error}",
               env=DEBUG_ENV_VAR), sys.stderr)
        return 1


def run(argv: Sequence[str] | None = None) -> int:
    """:func:`main` for ``python -m metrodigital``: a reader that closes the pipe early
    (``| head``) or Ctrl-C end the command quietly."""
    try:
        status = main(argv)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit: point it at nothing
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a command a pipe ended
    except KeyboardInterrupt:
        return 130
