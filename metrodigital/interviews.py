"""Interview records: what was agreed with each entity, with its whole history.

An editor records per entity the interview's date, who attended, notes, and the agreed
actions, each an offer of the survey's offer list (:mod:`metrodigital.offers`) with its
follow-up status. Every save is a new version (schema v6, ``interview_records``): the
earlier ones stay, with who saved them and when; the latest is the record in force.
:func:`save_record` checks the role itself (:func:`metrodigital.roles.require_editor`),
whatever the page did, so a crafted request by a viewer writes nothing.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from metrodigital.i18n import t
from metrodigital.offers import OfferList
from metrodigital.roles import Actor, AuthConfig, require_editor
from metrodigital.store import Store

STATUSES = ("agreed", "in_progress", "done", "dropped")
TEXT_MAX = 5000
ATTENDEES_MAX = 500


class InterviewError(ValueError):
    """A record that cannot be saved: ``code`` is a catalogue key."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def message(self, lang: str) -> str:
        return t(self.code, lang, **self.params)


@dataclass(frozen=True)
class Action:
    offer: str
    status: str = "agreed"


@dataclass(frozen=True)
class InterviewRecord:
    entity_id: str
    version: int
    interview_date: date | None
    attendees: str
    notes: str
    actions: tuple[Action, ...]
    saved_at: datetime
    saved_by: str


def _actions_json(actions: Sequence[Action]) -> str:
    return json.dumps([{"offer": a.offer, "status": a.status} for a in actions],
                      ensure_ascii=False)


def parse_actions(text: str) -> tuple[Action, ...]:
    try:
        items = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(Action(str(i.get("offer", "")), str(i.get("status", "agreed")))
                 for i in items if isinstance(i, dict))


def validate(offers: OfferList | None, *, attendees: str, notes: str,
             actions: Sequence[Action]) -> None:
    """Raise :class:`InterviewError` for a record that cannot be kept."""
    if len(attendees) > ATTENDEES_MAX:
        raise InterviewError("interviews.too_long", field=t("interviews.attendees", "it"),
                             max=ATTENDEES_MAX)
    if len(notes) > TEXT_MAX:
        raise InterviewError("interviews.too_long", field=t("interviews.notes", "it"),
                             max=TEXT_MAX)
    known = set(offers.keys) if offers else set()
    seen: set[str] = set()
    for action in actions:
        if action.offer not in known:
            raise InterviewError("interviews.unknown_offer", offer=action.offer[:40])
        if action.status not in STATUSES:
            raise InterviewError("interviews.unknown_status", status=action.status[:40])
        if action.offer in seen:
            raise InterviewError("interviews.duplicate_offer", offer=action.offer)
        seen.add(action.offer)


def save_record(store: Store, auth: AuthConfig, actor: Actor, *, survey_id: str,
                entity_id: str, offers: OfferList | None, interview_date: date | None,
                attendees: str, notes: str, actions: Sequence[Action]) -> int:
    """Keep a new version of the entity's record; only an editor may (checked here)."""
    require_editor(auth, actor)
    attendees, notes = attendees.strip(), notes.strip()
    validate(offers, attendees=attendees, notes=notes, actions=actions)
    return store.add_interview_record(
        survey_id, entity_id, interview_date=interview_date, attendees=attendees,
        notes=notes, actions=_actions_json(actions), by=actor.name(auth))


def _record(row: dict[str, object], entity_id: str) -> InterviewRecord:
    when = row["interview_date"]
    return InterviewRecord(
        entity_id=entity_id, version=int(row["version"]),  # type: ignore[call-overload]
        interview_date=None if pd.isna(when) else pd.Timestamp(when).date(),  # type: ignore[arg-type]
        attendees=str(row["attendees"]), notes=str(row["notes"]),
        actions=parse_actions(str(row["actions"])),
        saved_at=pd.Timestamp(row["saved_at"]).to_pydatetime(),  # type: ignore[arg-type]
        saved_by=str(row["saved_by"]))


def history(store: Store, survey_id: str, entity_id: str) -> list[InterviewRecord]:
    """Every version of the entity's record, the latest first."""
    frame = store.interview_history(survey_id, entity_id)
    return [_record(row, entity_id) for row in frame.to_dict("records")]


def current(store: Store, survey_id: str, entity_id: str) -> InterviewRecord | None:
    found = history(store, survey_id, entity_id)
    return found[0] if found else None


def all_current(store: Store, survey_id: str) -> dict[str, InterviewRecord]:
    """The record in force of every interviewed entity of the survey."""
    frame = store.interview_records(survey_id)
    return {str(row["entity_id"]): _record(row, str(row["entity_id"]))
            for row in frame.to_dict("records")}


def status_label(status: str, lang: str) -> str:
    return t(f"interviews.status.{status}", lang)


def records_frame(records: Sequence[InterviewRecord], names: dict[str, str],
                  offers: OfferList | None, lang: str, *, include_who: bool) -> pd.DataFrame:
    """Records as a table (one row per version), for the page and the export."""
    def offer_name(key: str) -> str:
        try:
            return offers.offer(key).name_in(lang) if offers else key
        except KeyError:
            return key

    rows = []
    for r in records:
        row = {
            t("interviews.col.entity", lang): names.get(r.entity_id, r.entity_id),
            t("interviews.col.version", lang): r.version,
            t("interviews.col.date", lang): r.interview_date.strftime("%d/%m/%Y")
            if r.interview_date else "",
            t("interviews.attendees", lang): r.attendees,
            t("interviews.notes", lang): r.notes,
            t("interviews.col.actions", lang): "; ".join(
                f"{offer_name(a.offer)} ({status_label(a.status, lang)})" for a in r.actions),
            t("interviews.col.saved_at", lang): r.saved_at.strftime("%d/%m/%Y %H:%M"),
        }
        if include_who:
            row[t("interviews.col.saved_by", lang)] = r.saved_by
        rows.append(row)
    return pd.DataFrame(rows)


def frames_xlsx(sheets: Sequence[tuple[str, pd.DataFrame]]) -> bytes:
    """An Excel file with one sheet per (title, table); text cells always text, never a
    formula (a cell starting like one keeps a quote prefix)."""
    from openpyxl import Workbook

    from metrodigital.report import safe_cell
    from metrodigital.workbook import neutralise_for_export

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, frame in sheets:
        sheet = book.create_sheet(title[:31])
        rows = [list(frame.columns), *frame.astype(object).where(frame.notna(), None)
                .values.tolist()]
        for values in rows:
            sheet.append([safe_cell(v) for v in values])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    if neutralise_for_export(cell.value) != cell.value:
                        cell.quotePrefix = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_xlsx(store: Store, survey_id: str, names: dict[str, str], offers: OfferList | None,
                lang: str, *, include_who: bool) -> bytes:
    """Every record of the survey in an Excel file: the records in force, and every
    version (who saved it only for editors)."""
    everyone = list(all_current(store, survey_id).values())
    full = [rec for entity in sorted(names) for rec in history(store, survey_id, entity)]
    return frames_xlsx([
        (t(key, lang), records_frame(records, names, offers, lang, include_who=include_who))
        for key, records in (("interviews.sheet_current", everyone),
                             ("interviews.sheet_history", full))])
