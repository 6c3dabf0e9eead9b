"""How audit events read on the admin pages: every event type, object and detail in words.

The audit trail stores codes (`plan.reviewed`, `action_plan` 4, `decision: approve`) so it never
depends on a language; this module is the one place that names them for a reader. A test checks
that every event type written by `audit_event(...)` in the code has a label here.
"""

import json
import re
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import url_for

from portal import outbox
from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.camps.labels import CONSENT_METHOD_LABELS
from portal.camps.labels import STATUS_LABELS as APPLICATION_STATUS_LABELS
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus
from portal.camps.models import Camp
from portal.camps.models import ConsentMethod
from portal.extensions import db
from portal.groups.labels import STATUS_LABELS as PLAN_STATUS_LABELS
from portal.groups.models import ActionPlan
from portal.groups.models import Decision
from portal.groups.models import PlanStatus
from portal.groups.models import YouthGroup
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.i18n import localized
from portal.i18n import number
from portal.i18n import short_date
from portal.i18n import short_datetime
from portal.places import place
from portal.security import Role
from portal.training.models import Certificate
from portal.training.models import Enrolment
from portal.training.models import Programme

#: Event type → what happened, in the admin's words.
EVENT_LABELS = {
    "user.registered": _l("Registered"),
    "user.created": _l("Account created"),
    "user.login": _l("Signed in"),
    "user.password_reset_requested": _l("Asked for a password reset"),
    "user.reset_link_issued": _l("Reset link created by an organiser"),
    "user.reset_link_refused": _l("Reset link refused"),
    "user.password_changed": _l("Password changed"),
    "user.profile_updated": _l("Profile changed"),
    "user.roles_changed": _l("Roles changed"),
    "user.deactivated": _l("Account switched off"),
    "user.reactivated": _l("Account switched on"),
    "user.data_exported": _l("Downloaded their data"),
    "user.erasure_requested": _l("Asked for erasure"),
    "user.erased": _l("Erased"),
    "people.imported": _l("People imported from a spreadsheet"),
    "people.report_downloaded": _l("Rows not imported downloaded"),
    "broadcast.drafted": _l("Message to a list written"),
    "broadcast.sent": _l("Message to a list sent"),
    "broadcast.discarded": _l("Draft message to a list deleted"),
    "telegram.linked": _l("Telegram linked"),
    "telegram.unlinked": _l("Telegram unlinked"),
    "user.channels_chosen": _l("Channels for news chosen"),
    "calendar.reset": _l("Calendar link made"),
    "calendar.off": _l("Calendar link turned off"),
    "outbox.requeued": _l("Failed message sent again"),
    "outbox.requeued_all": _l("All failed messages sent again"),
    "camp.created": _l("Camp created"),
    "camp.updated": _l("Camp changed"),
    "camp.draft": _l("Camp returned to draft"),
    "camp.published": _l("Camp published"),
    "camp.closed": _l("Camp closed"),
    "camp.cancelled": _l("Camp cancelled"),
    "camp.question_added": _l("Question added to a camp"),
    "camp.question_changed": _l("Camp question changed"),
    "camp.question_removed": _l("Question removed from a camp"),
    "camp.exported": _l("Camp list downloaded"),
    "application.reviewed": _l("Application reviewed"),
    "application.decided": _l("Decision on an application"),
    "application.waitlist_moved": _l("Moved on the waiting list"),
    "application.resume_code": _l("Code made to continue a draft on another phone"),
    "application.photo_consent_withdrawn": _l("Photo consent withdrawn"),
    "application.sensitive_viewed": _l("Sensitive details of a minor viewed"),
    "paper.printed": _l("Paper application forms printed"),
    "paper.entered": _l("Paper application form typed in"),
    "paper.claimed": _l("Paper application form claimed"),
    "consent.recorded": _l("Guardian consent recorded"),
    "consent.withdrawn": _l("Guardian consent withdrawn"),
    "consent.reminded": _l("Guardian consent reminder sent"),
    "consent.scan_viewed": _l("Consent scan viewed"),
    "retention.sensitive_cleared": _l("Sensitive details removed after the camp"),
    "retention.applied": _l("Old applications cleared"),
    "report.exported": _l("Reach report downloaded"),
    "programme.created": _l("Programme created"),
    "programme.updated": _l("Programme changed"),
    "programme.module_added": _l("Module added"),
    "programme.session_added": _l("Session added"),
    "enrolment.created": _l("Enrolled in a programme"),
    "enrolment.date_changed": _l("Enrolment date changed"),
    "enrolment.dropped": _l("Left a programme"),
    "enrolment.completed": _l("Programme completed"),
    "enrolment.completion_withdrawn": _l("Programme completion withdrawn"),
    "certificate.issued": _l("Certificate issued"),
    "certificate.flagged": _l("Certificate waiting for a decision"),
    "certificate.flag_cleared": _l("Certificate no longer waiting for a decision"),
    "certificate.kept": _l("Certificate kept valid"),
    "certificate.revoked": _l("Certificate revoked"),
    "ambassadors.exported": _l("List of ambassadors downloaded"),
    "group.created": _l("Youth group created"),
    "group.activated": _l("Youth group switched on"),
    "group.deactivated": _l("Youth group switched off"),
    "group.invitation_sent": _l("Invitation to a group sent"),
    "group.invitation_accepted": _l("Invitation to a group accepted"),
    "group.invitation_declined": _l("Invitation to a group declined"),
    "group.invitation_cancelled": _l("Invitation to a group cancelled"),
    "group.member_joined": _l("Joined a group"),
    "group.membership_confirmed": _l("Group membership confirmed"),
    "group.member_left": _l("Left a group"),
    "group.lead_changed": _l("Group lead changed"),
    "group.join_code_reset": _l("Group join code renewed"),
    "group.mentor_assigned": _l("Mentor assigned to a group"),
    "group.mentor_removed": _l("Mentor removed from a group"),
    "plan.submitted": _l("Action plan sent for review"),
    "plan.reviewed": _l("Action plan reviewed"),
    "plan.completed": _l("Action plan carried out"),
    "plan.archived": _l("Action plan archived"),
}

#: The first word of an event type → the part of the programme it belongs to (the filter's groups).
EVENT_AREAS = {
    "user": _l("Accounts"),
    "people": _l("Accounts"),
    "outbox": _l("Messages"),
    "broadcast": _l("Messages"),
    "telegram": _l("Messages"),
    "calendar": _l("Accounts"),
    "camp": _l("Camps"),
    "application": _l("Camps"),
    "consent": _l("Camps"),
    "paper": _l("Camps"),
    "retention": _l("Camps"),
    "report": _l("Reports"),
    "programme": _l("Training"),
    "enrolment": _l("Training"),
    "certificate": _l("Training"),
    "ambassadors": _l("Training"),
    "group": _l("Youth groups"),
    "plan": _l("Youth groups"),
}

#: Object type (a table name) → what kind of thing it is.
OBJECT_LABELS = {
    "user": _l("Account"),
    "camp": _l("Camp"),
    "application": _l("Application"),
    "programme": _l("Programme"),
    "enrolment": _l("Enrolment"),
    "certificate": _l("Certificate"),
    "youth_group": _l("Youth group"),
    "action_plan": _l("Action plan"),
    "outbound_email": _l("E-mail"),
}

#: Object type → (model, the column holding its name or None, the page an admin opens it on).
_OBJECTS: dict[str, tuple[Any, Any, tuple[str, str] | None]] = {
    "user": (User, User.full_name, ("admin.user", "user_id")),
    "camp": (Camp, Camp.title, ("camps_manage.camp", "camp_id")),
    "application": (Application, None, ("camps_manage.application", "application_id")),
    "programme": (Programme, Programme.title, ("training_manage.programme", "programme_id")),
    "enrolment": (Enrolment, None, ("training_manage.enrolment", "enrolment_id")),
    "certificate": (Certificate, None, None),
    "youth_group": (YouthGroup, YouthGroup.name, ("groups.group", "group_id")),
    "action_plan": (ActionPlan, ActionPlan.title, ("groups.plan", "plan_id")),
}
#: Names stored per language (JSON), read through `localized`.
_PER_LANGUAGE = {"camp", "programme"}

DETAIL_LABELS = {
    "before": _l("Before"),
    "after": _l("After"),
    "fields": _l("Fields"),
    "roles": _l("Roles"),
    "reason": _l("Reason"),
    "channel": _l("Channel"),
    "count": _l("Number"),
    "ids": _l("Messages"),
    "score": _l("Score"),
    "decision": _l("Decision"),
    "method": _l("How"),
    "given": _l("Given on"),
    "who": _l("List"),
    "format": _l("File format"),
    "health": _l("With health needs"),
    "applications": _l("Applications"),
    "days": _l("Days after the camp"),
    "start": _l("From"),
    "end": _l("To"),
    "region": _l("Region or city"),
    "enrolled_on": _l("Enrolment date"),
    "flagged": _l("Was waiting for a decision"),
    "invitation": _l("Invitation"),
    "via": _l("How"),
    "lead": _l("Group lead"),
    "mentor": _l("Mentor"),
    "version": _l("Version"),
    "replaced": _l("The older link stopped working"),
    "kind": _l("What the file held"),
    "created": _l("New accounts"),
    "matched": _l("Already had an account"),
    "recorded": _l("Already had the certificate"),
    "rejected": _l("Not imported"),
    "certificates": _l("Certificates issued"),
    "completed_on": _l("Completion date"),
}

#: Profile fields as the profile form names them.
FIELD_LABELS = {
    "full_name": _l("Full name"),
    "email": _l("E-mail"),
    "phone": _l("Phone number"),
    "date_of_birth": _l("Date of birth"),
    "gender": _l("Gender"),
    "region_code": _l("Region or city"),
    "district_code": _l("District"),
    "community": _l("Village or community"),
    "locale": _l("Language"),
}
ROLE_LABELS = {
    Role.YOUTH.value: _l("Young person"),
    Role.MENTOR.value: _l("Mentor"),
    Role.ORGANISER.value: _l("Organiser"),
    Role.ADMIN.value: _l("Admin"),
}
_WORDS = {
    "who": {"applicants": _l("Applicants"), "participants": _l("Participants")},
    "format": {"csv": "CSV", "xlsx": "Excel (XLSX)", "pdf": "PDF"},
    "via": {"join_code": _l("With the group's join code"), "paper": _l("From a paper form")},
    "reason": {
        "reset": _l("With a reset link"),
        "changed": _l("Changed on the profile"),
        "paper": _l("Chosen when claiming a paper form"),
    },
    "kind": {"people": _l("Young people"), "graduates": _l("Past graduates of a programme")},
}
#: Keys whose value is a person's id.
_PEOPLE = {"lead", "mentor"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass(frozen=True)
class Shown:
    """A value as the page shows it, with the page it links to (if the admin may open one)."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class DescribedEvent:
    event: AuditEvent
    label: str
    #: What kind of object, its name or "#4", and where to open it; None without an object.
    kind: str | None
    object: Shown | None
    details: list[tuple[str, list[Shown]]]


def event_label(action: str) -> str:
    label = EVENT_LABELS.get(action)
    return str(label) if label is not None else action


def event_choices() -> dict[str, list[tuple[str, str]]]:
    """Every event type, grouped by area and sorted by its name in the reader's language."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for action, label in EVENT_LABELS.items():
        area = str(EVENT_AREAS[action.split(".")[0]])
        groups.setdefault(area, []).append((action, str(label)))
    return {area: sorted(items, key=lambda item: item[1]) for area, items in groups.items()}


def describe(events: Iterable[AuditEvent]) -> list[DescribedEvent]:
    """The events in words; the objects and people they name are read in one query."""
    events = list(events)
    refs: set[tuple[str, int]] = set()
    for event in events:
        if event.object_type in _OBJECTS and event.object_id is not None:
            refs.add((event.object_type, event.object_id))
        for key in _PEOPLE & set(event.details or {}):
            if isinstance(event.details[key], int):
                refs.add(("user", event.details[key]))
    names = _names(refs)
    return [_describe(event, names) for event in events]


def _describe(event: AuditEvent, names: dict[tuple[str, int], str]) -> DescribedEvent:
    kind = None
    shown = None
    if event.object_type:
        kind = str(OBJECT_LABELS.get(event.object_type, event.object_type))
        shown = _object(event.object_type, event.object_id, names)
    details = [
        (str(DETAIL_LABELS.get(key, key)), _values(event.action, key, value, names))
        for key, value in (event.details or {}).items()
    ]
    return DescribedEvent(event, event_label(event.action), kind, shown, details)


def _object(object_type: str, object_id: int | None, names) -> Shown | None:
    if object_id is None:
        return None
    key = (object_type, object_id)
    text = names.get(key) or f"#{object_id}"
    page = _OBJECTS.get(object_type, (None, None, None))[2]
    if key not in names or page is None:  # gone (or never had a page): no link to a 404
        return Shown(text)
    endpoint, argument = page
    values: dict[str, Any] = {argument: object_id}
    return Shown(text, url_for(endpoint, **values))


def _values(action: str, key: str, value: Any, names) -> list[Shown]:
    items = value if isinstance(value, list) else [value]
    return [_value(action, key, item, names) for item in items]


def _value(action: str, key: str, value: Any, names) -> Shown:
    if value is None or value == "":
        return Shown("—")
    if isinstance(value, bool):
        return Shown(_("Yes") if value else _("No"))
    if key in _PEOPLE and isinstance(value, int):
        return _object("user", value, names) or Shown(f"#{value}")
    if key in ("invitation", "ids") and isinstance(value, int):
        return Shown(f"#{value}")
    if isinstance(value, int | float):
        return Shown(number(value))
    text = str(value)
    translate = _VALUE_WORDS.get((action, key)) or _VALUE_WORDS.get(("", key))
    if translate is not None:
        return Shown(translate(text))
    if key in _WORDS and text in _WORDS[key]:
        return Shown(str(_WORDS[key][text]))
    if _ISO_DATETIME.fullmatch(text[:16]) and len(text) > 10:
        return Shown(short_datetime(datetime.fromisoformat(text)))
    if _ISO_DATE.fullmatch(text):
        return Shown(short_date(date.fromisoformat(text)))
    return Shown(text)


def _label_of(labels: dict, make: Callable[[str], Any]) -> Callable[[str], str]:
    def translate(text: str) -> str:
        try:
            return str(labels[make(text)])
        except (KeyError, ValueError):
            return text

    return translate


def _region(code: str) -> str:
    unit = place(code)
    return unit.name if unit else code


def _channel(name: str) -> str:
    try:
        return str(outbox.channel(name).label)
    except KeyError:
        return name


#: A mentor's decision → the status it gives the plan.
_PLAN_DECISIONS = {
    Decision.APPROVE.value: PlanStatus.APPROVED,
    Decision.REQUEST_CHANGES.value: PlanStatus.CHANGES_REQUESTED,
}
#: (event type or "" for any, detail key) → how its values read.
_VALUE_WORDS: dict[tuple[str, str], Callable[[str], str]] = {
    ("application.decided", "decision"): _label_of(APPLICATION_STATUS_LABELS, ApplicationStatus),
    ("plan.reviewed", "decision"): _label_of(PLAN_STATUS_LABELS, _PLAN_DECISIONS.__getitem__),
    ("", "method"): _label_of(CONSENT_METHOD_LABELS, ConsentMethod),
    ("", "roles"): _label_of(ROLE_LABELS, str),
    ("user.roles_changed", "before"): _label_of(ROLE_LABELS, str),
    ("user.roles_changed", "after"): _label_of(ROLE_LABELS, str),
    ("", "fields"): _label_of(FIELD_LABELS, str),
    ("", "region"): _region,
    ("", "channel"): _channel,
}


def _names(refs: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """(object type, id) → its name ("" for a kind without one), for the objects still there."""
    by_type: dict[str, set[int]] = {}
    for object_type, object_id in refs:
        by_type.setdefault(object_type, set()).add(object_id)
    parts = []
    for object_type, ids in sorted(by_type.items()):
        model, column, _page = _OBJECTS[object_type]
        name = sa.cast(column, sa.String) if column is not None else sa.literal("")
        parts.append(
            sa.select(
                sa.literal(object_type).label("kind"), model.id.label("id"), name.label("name")
            ).where(model.id.in_(ids))
        )
    if not parts:
        return {}
    rows = db.session.execute(sa.union_all(*parts)).all()
    names = {}
    for object_type, object_id, stored in rows:
        if object_type in _PER_LANGUAGE and stored:
            stored = localized(json.loads(stored))
        names[(object_type, object_id)] = stored or ""
    return names
