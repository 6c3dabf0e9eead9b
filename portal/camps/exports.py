"""Participant and applicant lists as CSV or XLSX; never ethnicity, health needs on request."""

from portal.accounts.labels import GENDER_LABELS
from portal.camps.labels import STATUS_LABELS
from portal.camps.labels import consent_label
from portal.camps.labels import spoken_languages
from portal.camps.models import SEAT_STATUSES
from portal.camps.models import ApplicationStatus
from portal.camps.queries import camp_people
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
    applications = camp_people(camp, statuses)
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
                str(consent_label(application)),
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
