"""The reach dashboard, its exports, and the public "at a glance" page."""

from flask import Blueprint
from flask import render_template
from flask import request
from flask import session
from flask_login import current_user

from portal.audit import audit_event
from portal.i18n import gettext as _
from portal.i18n import local_today
from portal.i18n import locale_code
from portal.places import filter_choices
from portal.places import place_names
from portal.reports.figures import GLANCE_SECONDS
from portal.reports.figures import dashboard_figures
from portal.reports.figures import glance_figures
from portal.reports.figures import year_scope
from portal.reports.forms import ReportFilterForm
from portal.reports.report import METRIC_LABELS
from portal.reports.report import build
from portal.reports.safe import FOOTNOTE
from portal.security import Role
from portal.security import recent_login_required
from portal.security import role_required
from portal.spreadsheets import Table
from portal.spreadsheets import send_table

bp = Blueprint("reports", __name__)
#: (year and locale, the figures' stamp, address) → the rendered page for visitors, per worker:
#: the stamp names one computation of the shared figures, so every worker shows the same ones.
GLANCE_PAGES: dict[tuple, str] = {}


def _filters():
    form = ReportFilterForm(request.args)
    this_year = local_today().year
    form.year.choices = [(str(y), str(y)) for y in range(this_year, this_year - 6, -1)]
    form.region.choices = [("", _("All regions"))] + filter_choices()[0]
    valid = form.validate()
    # Whole years only: two windows a day apart would differ by one person (reports/safe.py).
    offered = {value for value, _label in form.year.choices}
    year = int(form.year.data) if valid and form.year.data in offered else this_year
    mentor_id = None if current_user.has_role(Role.ORGANISER) else current_user.id
    scope = year_scope(year, region=(form.region.data or None) if valid else None,
                       mentor_id=mentor_id)  # fmt: skip
    return form, valid, scope


@bp.get("/reports")
@role_required(Role.MENTOR, Role.ORGANISER)
def dashboard():
    """The programme's reach for a period and region (mentors: their own groups only)."""
    form, valid, scope = _filters()
    computed_at, figures = dashboard_figures(scope)
    return render_template(
        "reports/dashboard.html", form=form, figures=figures, scope=scope,
        computed_at=computed_at,
    ), (200 if valid else 400)  # fmt: skip


@bp.get("/reports/export.<any(csv, xlsx):fmt>")
@role_required(Role.ORGANISER)
@recent_login_required
def export(fmt):
    """Every table of the dashboard, in the reader's language (audited)."""
    _form, _valid, scope = _filters()
    report = build(scope, place_names())
    tables = [
        Table(title=table.title, header=["", *table.columns], rows=table.as_rows())
        for table in report.tables
    ]
    headlines = Table(
        title=_("Summary"),
        header=["", _("People")],
        rows=[[str(METRIC_LABELS[k]), cell.shown()] for k, cell in report.headlines.items()]
        + [[str(FOOTNOTE), ""]],
    )
    audit_event("report.exported", None, format=fmt, start=str(scope.start), end=str(scope.end),
                region=scope.region or "")  # fmt: skip
    return send_table([headlines, *tables], fmt, f"jashtar-reach-{scope.start}-{scope.end}")


@bp.get("/at-a-glance")
def glance():
    """Public headline figures for the current year and each region (aggregates only)."""
    year = local_today().year
    key = (year, locale_code())
    computed, figures = glance_figures(year)
    names = place_names()
    headers = {"Cache-Control": f"public, max-age={GLANCE_SECONDS}"}
    # A visitor's page is the same for everyone in a language: keep it rendered with the figures
    # (only for the plain address or ?lang=, and with no message waiting to be shown).
    reusable = (
        not current_user.is_authenticated
        and set(request.args) <= {"lang"}
        and not session.get("_flashes")
    )
    page_key = (key, computed, request.full_path)
    if reusable and page_key in GLANCE_PAGES:
        return GLANCE_PAGES[page_key], 200, headers
    page = render_template(
        "reports/glance.html", year=year, figures=figures, names=names, metrics=METRIC_LABELS
    )
    if reusable:
        if len(GLANCE_PAGES) >= 64:
            GLANCE_PAGES.clear()
        GLANCE_PAGES[page_key] = page
    return page, 200, headers


@bp.app_template_global()
def first_column(rows):
    """(label, first cell) of each table row, for its chart."""
    return [(label, cells[0]) for label, cells in rows]


@bp.app_template_global()
def region_rows(rows, names):
    return [(names.get(code, _("Not given")) if code != "?" else _("Not given"), cell)
            for code, cell in rows]  # fmt: skip


@bp.app_template_global()
def suppression_footnote():
    """What "[c]" and the rounding mean, for every page that shows people counts."""
    return FOOTNOTE
