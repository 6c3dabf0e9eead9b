"""Training for organisers: the ambassador directory, filtered, and its export."""

from flask import render_template
from flask import request

from portal import caching
from portal.audit import audit_event
from portal.i18n import gettext as _
from portal.places import filter_choices
from portal.security import organisers_only
from portal.security import recent_login_required
from portal.spreadsheets import Table
from portal.spreadsheets import send_table
from portal.training import queries
from portal.training.forms import DirectoryFilterForm
from portal.training.labels import ENROLMENT_LABELS
from portal.training.manage import bp
from portal.training.names import PROGRAMMES_VERSION

#: The programmes' titles are kept until a programme changes; this long at most, in case someone
#: changes the database by hand (no version bump).
CHOICES_SECONDS = 3600


def _directory_form():
    form = DirectoryFilterForm(request.args)
    everyone = [("", _("All"))]
    regions, districts = filter_choices()
    form.region.choices = everyone + regions
    form.district.choices = everyone + districts
    form.status.choices = everyone + [
        (s.value, str(label)) for s, label in ENROLMENT_LABELS.items()
    ]
    return form


def directory_filters(form) -> dict:
    """The form's filters for the queries, with the programme typed (a word of its title, or a
    programme's number from a link) as the ids of the ambassador programmes it names."""
    filters = form.filters()
    typed = (filters.get("programme") or "").strip()
    filters["programme"] = matching_programmes(typed) if typed else None
    return filters


def matching_programmes(typed: str) -> tuple[int, ...]:
    """The ambassador programmes whose title has `typed` in any language (or whose number it
    is), from their titles kept until a programme changes (one primary-key read tells).

    A select of every programme grew with them (857 options, 31 KB of the page at thirty
    times the programme's size); a typed word costs the same however many there are."""
    wanted = typed.casefold()
    return tuple(
        programme_id
        for programme_id, words in _programme_titles()
        if wanted == str(programme_id) or wanted in words
    )


def _programme_titles() -> list[tuple[int, str]]:
    return caching.remember_versioned(
        PROGRAMMES_VERSION, _build_programme_titles, CHOICES_SECONDS, what="directory-titles"
    )


def _build_programme_titles() -> list[tuple[int, str]]:
    """(id, every language's title, case-folded and joined) of each ambassador programme."""
    return [
        (programme_id, "\n".join(str(text) for text in (title or {}).values()).casefold())
        for programme_id, title in queries.ambassador_programmes()
    ]


@bp.get("/ambassadors")
@organisers_only
def ambassadors():
    """Everyone in an ambassador programme, with attendance rate; filters and export."""
    form = _directory_form()
    valid = form.validate()
    page = queries.directory_page(directory_filters(form))
    # Each row's values (training/manage/_ambassador_row.html), drawn in one call.
    rows = [(person, queries.rate(person.attended, person.held)) for person in page.items]
    return render_template("training/manage/ambassadors.html", form=form, page=page, rows=rows), (
        200 if valid else 400
    )


@bp.get("/ambassadors/export.<any(csv, xlsx):fmt>")
@organisers_only
@recent_login_required
def export_ambassadors(fmt):
    """The filtered directory as CSV or XLSX (audited; no phone numbers with anything sensitive)."""
    form = _directory_form()
    form.validate()
    rows = queries.directory_rows(directory_filters(form))
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
