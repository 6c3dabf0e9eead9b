"""Participant and applicant lists as CSV or XLSX; never ethnicity, health needs on request."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.accounts.labels import GENDER_LABELS
from portal.accounts.models import User
from portal.accounts.models import not_erased
from portal.camps.labels import STATUS_LABELS
from portal.camps.labels import spoken_languages
from portal.camps.models import SEAT_STATUSES
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus
from portal.camps.queries import sent_to_organisers
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import short_date
from portal.spreadsheets import Table
from portal.spreadsheets import send_table  # noqa: F401  (the camp's own downloads)


def camp_table(camp, *, who: str, with_health: bool) -> Table:
    """Rows for the camp's participants (places held or attended) or all who applied."""
    statuses: tuple[ApplicationStatus, ...]
    if who == "participants":
        statuses = SEAT_STATUSES
    else:
        statuses = tuple(s for s in ApplicationStatus if s is not ApplicationStatus.DRAFT)
    applications = db.session.scalars(
        sa.select(Application)
        .join(User, Application.user_id == User.id)
        .where(
            Application.camp_id == camp.id,
            Application.status.in_(statuses),
            sent_to_organisers(),
            not_erased(Application.user_id),
        )
        .options(selectinload(Application.consents))
        .order_by(User.name_key)
    ).all()
    header = [
        _("Name"), _("Status"), _("Region or city"), _("District or town"),
        _("Village or community"), _("Gender"), _("Age on the first day"), _("Languages spoken"),
        _("E-mail"), _("Mobile phone"), _("Guardian consent"), _("Photos and videos"), _("Score"),
        _("Sent on"),
    ]  # fmt: skip
    if with_health:
        header.append(_("Health, food or accessibility needs"))
    rows = []
    for application in applications:
        person = application.applicant
        rows.append(
            [
                person.full_name,
                str(STATUS_LABELS[application.status]),
                person.region.name if person.region else "",
                person.district.name if person.district else "",
                person.community or "",
                _gender(person),
                application.applicant_age,
                spoken_languages(application.spoken_languages),
                person.email or "",
                person.phone or "",
                _consent(application),
                _("Allowed") if application.photo_consent_at else _("No photos"),
                application.score,
                short_date(application.submitted_at),
            ]
        )
        if with_health:
            rows[-1].append(application.needs)
    title = _("Participants") if who == "participants" else _("Applicants")
    return Table(title=title, header=header, rows=rows)


def _gender(person) -> str:
    if person.gender is None:
        return ""
    return str(GENDER_LABELS[person.gender.value])


def _consent(application) -> str:
    if not application.is_minor:
        return _("Not needed")
    if application.active_consent:
        return _("Recorded")
    return _("Withdrawn") if application.consent_withdrawn else _("Missing")
