"""The cohort: waiting list, balance and targets, check-in and exports."""

import json
import time
from datetime import date

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from markupsafe import Markup

from portal import fragments
from portal.audit import audit_event
from portal.camps import balance
from portal.camps import exports
from portal.camps import queries
from portal.camps import selection
from portal.camps import services
from portal.camps.forms.applications import BulkDecisionForm
from portal.camps.forms.camps import targets_form_class
from portal.camps.forms.checkin import CheckInForm
from portal.camps.forms.waitlist import WaitlistMoveForm
from portal.camps.manage import bp
from portal.camps.manage.lookup import managed_application
from portal.camps.manage.lookup import managed_camp
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import local_today
from portal.i18n import locale_code
from portal.security import organisers_only
from portal.security import recent_login_required


@bp.get("/camps/<int:camp_id>/waitlist")
@organisers_only
def waitlist(camp_id):
    """The waiting list in order."""
    camp = managed_camp(camp_id)
    return render_template(
        "camps/manage/waitlist.html",
        camp=camp,
        entries=services.waitlist(camp),
        form=WaitlistMoveForm(formdata=None),
    )


@bp.post("/applications/<int:application_id>/waitlist")
@organisers_only
def move_on_waitlist(application_id):
    """Move someone on the waiting list (needs a reason; audited)."""
    application = managed_application(application_id)
    form = WaitlistMoveForm()
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                services.move_on_waitlist(
                    application, form.position.data, reason=form.reason.data, by=current_user
                )
        except services.CampError as error:
            flash(str(error), "error")
        else:
            flash(_("The waiting list is updated."), "success")
    else:
        for message in [*form.position.errors, *form.reason.errors]:
            flash(str(message), "error")
    return redirect(url_for(".waitlist", camp_id=application.camp_id))


@bp.get("/camps/<int:camp_id>/checkin")
@organisers_only
def checkin(camp_id):
    """A phone-friendly check-in list for one camp day."""
    camp = managed_camp(camp_id)
    day = _camp_day(camp, request.args.get("day"))
    return render_template(
        "camps/manage/checkin.html",
        camp=camp,
        day=day,
        rows=queries.checkin_rows(camp, day),
        form=CheckInForm(formdata=None),
    )


def _camp_day(camp, value) -> date:
    """The day asked for, else today while the camp runs, else its first day."""
    days = camp.days()
    today = local_today()
    default = today if today in days else days[0]
    try:
        day = date.fromisoformat(value) if value else default
    except ValueError:
        day = default
    return day if day in days else default


@bp.post("/applications/<int:application_id>/checkin")
@organisers_only
def mark_checkin(application_id):
    """Mark a participant present or absent on a camp day."""
    application = managed_application(application_id)
    form = CheckInForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with db.session.begin_nested():
            services.mark_attendance(
                application, form.day.data, form.present.data == "yes", by=current_user
            )
    except services.CampError as error:
        flash(str(error), "error")
    anchor = f"person-{application.id}"
    return redirect(
        url_for(
            ".checkin", camp_id=application.camp_id, day=form.day.data.isoformat(), _anchor=anchor
        )
    )


@bp.get("/camps/<int:camp_id>/export.<any(csv, xlsx):fmt>")
@organisers_only
@recent_login_required
def export(camp_id, fmt):
    """Participants or applicants as CSV or XLSX; health needs only when asked for."""
    camp = managed_camp(camp_id)
    who = "applicants" if request.args.get("who") == "applicants" else "participants"
    with_health = request.args.get("health") == "1"
    table = exports.camp_table(camp, who=who, with_health=with_health)
    audit_event("camp.exported", camp, who=who, format=fmt, health=with_health)
    return exports.send_table(table, fmt, f"camp-{camp.id}-{who}")


def _targets_form(camp, submitted: bool = False, rows=None):
    form_class = targets_form_class(
        rows if rows is not None else balance.target_rows(camp),
        exclusive=balance.EXCLUSIVE_DIMENSIONS,
    )
    form = form_class() if submitted else form_class(formdata=None)
    if not submitted:
        form.fill_from(camp.targets)
    return form


def now_section(camp, key: str, counts: balance.PoolCounts) -> Markup:
    """The cohort now: its tables, kept rendered (portal/fragments.py) per camp, language,
    counts and targets, which are everything they show.

    The counts' key is the camp's version, so every decision, consent or new application makes
    a new one; whether applications are closed (ethnicity is shown then) is in it too, and so
    is the period the counts are kept for at most (balance.COUNTS_SECONDS, in case someone
    changes the database by hand). Rendering the tables was a third of the page's time."""
    saved = json.dumps(camp.targets, sort_keys=True)
    period = int(time.time() // balance.COUNTS_SECONDS)
    closed = balance.applications_closed(camp)
    fragment = (
        "balance",
        locale_code(),
        request.script_root,
        camp.id,
        key,
        closed,
        saved,
        period,
    )
    return Markup(fragments.kept(fragment, lambda: render_template(
        "camps/manage/_balance_now.html", current=balance.balance_of(camp, kept=counts),
        labels=balance.TARGET_LABELS,
    )))  # fmt: skip  # nosec B704: an autoescaped template's output


def targets_section(camp, submitted=None, counts: balance.PoolCounts | None = None) -> Markup:
    """The targets' form: as sent back with its errors, or blank with the camp's targets.

    The blank form (about 70 groups, 140 fields) took two thirds of the balance page's time to
    build and render (2026-12-03): it is kept rendered per camp, language, groups and saved
    targets (portal/fragments.py), which are everything it shows but its CSRF token."""
    template = "camps/manage/_targets.html"
    labels = balance.TARGET_LABELS
    if submitted is not None:
        return Markup(render_template(
            template, camp=camp, labels=labels, targets_form=submitted,
            csrf_field=submitted.csrf_token,
        ))  # fmt: skip  # nosec B704: an autoescaped template's output
    rows = balance.target_rows(camp, counts)
    saved = json.dumps(camp.targets, sort_keys=True)
    key = ("targets", locale_code(), request.script_root, camp.id, tuple(rows), saved)
    html = fragments.kept(key, lambda: render_template(
        template, camp=camp, labels=labels, targets_form=_targets_form(camp, rows=rows),
        csrf_field=fragments.CSRF,
    ))  # fmt: skip
    return fragments.filled(html, {fragments.CSRF: fragments.csrf_input()})


@bp.get("/camps/<int:camp_id>/balance")
@organisers_only
def cohort_balance(camp_id, targets_form=None, status=200):
    """The cohort against the pool and the targets, with an optional suggested selection."""
    camp = managed_camp(camp_id)
    suggestion = None
    if request.args.get("suggest"):
        seed = request.args.get("seed", default=1, type=int)
        suggestion = selection.suggest(camp, seed=seed)
    key = balance.counts_key(camp)
    counts = balance.kept_counts(camp, key)
    return render_template(
        "camps/manage/balance.html",
        camp=camp,
        counts=counts,
        now=now_section(camp, key, counts),
        labels=balance.TARGET_LABELS,
        suggestion=suggestion,
        targets=targets_section(camp, targets_form, counts),
        accept_form=BulkDecisionForm(formdata=None),
    ), status


@bp.post("/camps/<int:camp_id>/targets")
@organisers_only
def save_targets(camp_id):
    """Save the cohort targets."""
    camp = managed_camp(camp_id)
    form = _targets_form(camp, submitted=True)
    if not form.validate_on_submit():
        return cohort_balance(camp_id, targets_form=form, status=400)
    services.save_camp(camp, by=current_user, targets=form.targets())
    flash(_("The targets are saved."), "success")
    return redirect(url_for(".cohort_balance", camp_id=camp.id))
