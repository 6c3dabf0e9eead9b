"""Training for organisers: the ambassador directory, filtered, and its export."""

from flask import render_template
from flask import request
from flask_babel import get_locale

from portal import caching
from portal.audit import audit_event
from portal.i18n import gettext as _
from portal.i18n import localized
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
from portal.training.names import PROGRAMMES_VERSION

#: The filter's choices are kept until a programme changes; this long at most, in case someone
#: changes the database by hand (no version bump).
CHOICES_SECONDS = 3600


def _directory_form():
    form = DirectoryFilterForm(request.args)
    everyone = [("", _("All"))]
    choices = _filter_choices()
    form.region.choices = everyone + choices["region"]
    form.district.choices = everyone + choices["district"]
    form.programme.choices = everyone + choices["programme"]
    form.status.choices = everyone + [
        (s.value, str(label)) for s, label in ENROLMENT_LABELS.items()
    ]
    return form


def _filter_choices() -> dict[str, list[tuple[str, str]]]:
    """The regions, districts and ambassador programmes (about 340 options) in the reader's
    language, kept per language until a programme changes (one primary-key read tells)."""
    locale = str(get_locale())
    version = caching.version_of(PROGRAMMES_VERSION)
    key = f"{caching.versioned_key(PROGRAMMES_VERSION, version)}:directory-choices:{locale}"
    return caching.remember(key, _build_filter_choices, timeout=CHOICES_SECONDS)


def _build_filter_choices() -> dict[str, list[tuple[str, str]]]:
    districts = [unit for units in units_by_parent().values() for unit in units]
    return {
        "region": [(u.code, u.name) for u in sorted_by_name(top_level_units())],
        "district": [(u.code, u.name) for u in sorted_by_name(districts)],
        "programme": [
            (str(programme_id), localized(title))
            for programme_id, title in queries.ambassador_programmes()
        ],
    }


@bp.get("/ambassadors")
@organisers_only
def ambassadors():
    """Everyone in an ambassador programme, with attendance rate; filters and export."""
    form = _directory_form()
    valid = form.validate()
    page = queries.directory_page(form.data if valid else {})
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
            [a.name, a.region, a.district, a.programme, str(ENROLMENT_LABELS[a.status]),
             queries.rate(a.attended, a.held), a.email, a.phone]
            for a in rows
        ],
    )  # fmt: skip
    audit_event("ambassadors.exported", None, format=fmt, count=len(rows))
    return send_table(table, fmt, "ambassadors")
