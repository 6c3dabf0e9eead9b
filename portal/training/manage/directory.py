"""Training for organisers: the ambassador directory, filtered, and its export."""

from flask import render_template
from flask import request

from portal.audit import audit_event
from portal.i18n import gettext as _
from portal.i18n import localized
from portal.listing import paginate_rows
from portal.places import sorted_by_name
from portal.places import top_level_units
from portal.places import units_by_parent
from portal.security import organisers_only
from portal.security import recent_login_required
from portal.spreadsheets import Table
from portal.spreadsheets import send_table
from portal.training import queries
from portal.training.forms import DirectoryFilterForm
from portal.training.labels import ENROLMENT_LABELS
from portal.training.manage import bp


def _directory_form():
    form = DirectoryFilterForm(request.args)
    everyone = [("", _("All"))]
    form.region.choices = everyone + [(u.code, u.name) for u in sorted_by_name(top_level_units())]
    districts = [unit for units in units_by_parent().values() for unit in units]
    form.district.choices = everyone + [(u.code, u.name) for u in sorted_by_name(districts)]
    ambassador_programmes = queries.ambassador_programmes()
    form.programme.choices = everyone + [
        (str(programme_id), localized(title)) for programme_id, title in ambassador_programmes
    ]
    form.status.choices = everyone + [
        (s.value, str(label)) for s, label in ENROLMENT_LABELS.items()
    ]
    return form


@bp.get("/ambassadors")
@organisers_only
def ambassadors():
    """Everyone in an ambassador programme, with attendance rate; filters and export."""
    form = _directory_form()
    valid = form.validate()
    page = paginate_rows(queries.directory_query(filters=form.data if valid else {}))
    return render_template(
        "training/manage/ambassadors.html", form=form, page=page, rate=queries.rate
    ), (200 if valid else 400)


@bp.get("/ambassadors/export.<any(csv, xlsx):fmt>")
@organisers_only
@recent_login_required
def export_ambassadors(fmt):
    """The filtered directory as CSV or XLSX (audited; no phone numbers with anything sensitive)."""
    form = _directory_form()
    filters = form.data if form.validate() else {}
    rows = queries.directory_rows(filters)
    table = Table(
        title=_("Youth ambassadors"),
        header=[_("Name"), _("Region or city"), _("District or town"), _("Programme"),
                _("Status"), _("Attendance"), _("E-mail"), _("Mobile phone")],
        rows=[
            [e.person.full_name, e.person.region.name if e.person.region else "",
             e.person.district.name if e.person.district else "", e.programme.display_title,
             str(ENROLMENT_LABELS[e.status]), queries.rate(attended, held), e.person.email or "",
             e.person.phone or ""]
            for e, attended, held in rows
        ],
    )  # fmt: skip
    audit_event("ambassadors.exported", None, format=fmt, count=len(rows))
    return send_table(table, fmt, "ambassadors")
