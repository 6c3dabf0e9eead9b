"""Participant and applicant lists as CSV or XLSX; never ethnicity, health needs on request."""

import csv
import io
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook

from portal.accounts.forms import GENDER_LABELS
from portal.accounts.models import User
from portal.accounts.models import not_erased
from portal.camps.labels import STATUS_LABELS
from portal.camps.models import SEAT_STATUSES
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus
from portal.camps.queries import sent_to_organisers
from portal.extensions import db
from portal.i18n import short_date


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list]


def camp_table(camp, *, who: str, with_health: bool) -> Table:
    """Rows for the camp's participants (places held or attended) or all who applied."""
    if who == "participants":
        statuses = (*SEAT_STATUSES, ApplicationStatus.NO_SHOW)
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
        .order_by(User.name_key)
    ).all()
    header = [
        _("Name"), _("Status"), _("Region or city"), _("District or town"),
        _("Village or community"), _("Gender"), _("Age on the first day"), _("Languages you speak"),
        _("E-mail"), _("Mobile phone"), _("Guardian consent"), _("Score"), _("Sent on"),
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
                ", ".join(application.spoken_languages),
                person.email or "",
                person.phone or "",
                _consent(application),
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
    return _("Recorded") if application.active_consent else _("Missing")


def send_table(tables: "Table | list[Table]", fmt: str, name: str) -> Response:
    """One table, or several (XLSX: a sheet each; CSV: one after another under their titles)."""
    tables = [tables] if isinstance(tables, Table) else tables
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for number, table in enumerate(tables):
            if len(tables) > 1:
                if number:
                    writer.writerow([])
                writer.writerow([table.title])
            writer.writerow([_safe_cell(cell) for cell in table.header])
            writer.writerows([_safe_cell(cell) for cell in row] for row in table.rows)
        # A BOM lets spreadsheet programs read Cyrillic correctly.
        body = "\ufeff" + buffer.getvalue()
        mimetype = "text/csv; charset=utf-8"
    else:
        workbook = Workbook()
        workbook.remove(workbook.active)
        used = set()
        for table in tables:
            sheet = workbook.create_sheet(_sheet_title(table.title, used))
            sheet.append([_safe_cell(cell) for cell in table.header])
            for row in table.rows:
                sheet.append([_safe_cell(cell) for cell in row])
        stream = io.BytesIO()
        workbook.save(stream)
        body = stream.getvalue()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _sheet_title(title: str, used: set) -> str:
    """Sheet names: at most 31 characters, none of []:*?/\\, and unique in the workbook."""
    clean = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "Sheet"
    candidate, number = clean, 2
    while candidate in used:
        candidate, number = f"{clean} {number}", number + 1
    used.add(candidate)
    return candidate


#: What makes a spreadsheet program read a cell as a formula (OWASP's CSV injection list):
#: a leading tab or carriage return is skipped by some, and the formula after it runs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value):
    """Keep text that starts like a formula from running in a spreadsheet program."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
