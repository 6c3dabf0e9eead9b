"""Organisers review applications: the list, one application, scores and decisions."""

import time
from typing import NamedTuple

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from portal import fragments
from portal.audit import audit_event
from portal.camps import policy
from portal.camps import queries
from portal.camps import services
from portal.camps import versions
from portal.camps.filters import ReviewFilterForm
from portal.camps.filters import SelectionForm
from portal.camps.forms.applications import MATCHING
from portal.camps.forms.applications import BulkDecisionForm
from portal.camps.forms.applications import DecisionForm
from portal.camps.forms.applications import ReviewForm
from portal.camps.forms.consent import GuardianConsentForm
from portal.camps.manage import bp
from portal.camps.manage.lookup import managed_application
from portal.camps.manage.lookup import managed_camp
from portal.camps.paper import queries as paper_queries
from portal.confirm import confirmation_page
from portal.database import load_collections
from portal.extensions import db
from portal.forms import ActionForm
from portal.i18n import gettext as _
from portal.i18n import local_today
from portal.i18n import locale_code
from portal.i18n import ngettext
from portal.listing import page_number
from portal.listing import page_within
from portal.listing import row_url
from portal.security import organisers_only

#: The most applications one "apply to all matching" changes in one request.
MAX_MATCHING = 500
#: Refused applicants named in one message; the others are counted.
NAMES_SHOWN = 5


def list_filter(camp) -> ReviewFilterForm:
    """The list's filter and order from the query string (the detail page carries it too)."""
    form = ReviewFilterForm.for_camp(camp, request.args)
    form.validate()
    return form


def carried_filter(camp) -> tuple[dict, dict]:
    """(the filters, the query arguments) of the list the application's page was opened from,
    which its next and previous links follow and carry. Opened with none in its address (as
    most are), they are the blank filter's, worked out once per worker (a filter form built
    and checked on every page cost 0.3 ms)."""
    blank = _blank_filter(camp)
    if not any(name in request.args for name in blank.names):
        return dict(blank.filters), {}
    form = list_filter(camp)
    return form.filters(), form.query_args()


class _BlankFilter(NamedTuple):
    names: frozenset[str]
    filters: dict


_BLANK: list[_BlankFilter] = []


def _blank_filter(camp) -> _BlankFilter:
    if not _BLANK:
        form = ReviewFilterForm.for_camp(camp, MultiDict())
        form.validate()
        _BLANK.append(_BlankFilter(frozenset(form._fields), form.filters()))
    return _BLANK[0]


@bp.get("/camps/<int:camp_id>/applications")
@organisers_only
def applications(camp_id):
    """The camp's applications with filters, search, sorting and bulk decisions."""
    camp = managed_camp(camp_id)
    return applications_page(camp, list_filter(camp), BulkDecisionForm(formdata=None), keep=True)


#: How long a list page is kept at most, in case someone changes the database by hand (no
#: version moves then).
LIST_KEPT_SECONDS = 300


def applications_page(camp, form, bulk_form, *, ticked=None, status=200, keep=False):
    """The list's page. A plain reading of it (a GET whose filter is valid, in a transaction
    that has not changed the camp) is kept rendered per worker under the camp's version: the
    same for every organiser who is offered the same decisions, in one language, until any
    application, applicant or consent it shows changes (portal/camps/versions.py)."""
    offered = _offered_decisions(camp)
    status = status if form.valid else 400
    if keep and status == 200 and not versions.changed_here(camp.id):
        key = (
            "applications", locale_code(), request.script_root, camp.id,
            versions.version_of(camp.id), camp.display_title, local_today(),
            tuple(sorted(request.args.items(multi=True))), offered,
            int(time.time() // LIST_KEPT_SECONDS),
        )  # fmt: skip
        html = fragments.kept_page(key, lambda: _applications_content(
            camp, form, bulk_form, offered, ticked, fragments.CSRF))  # fmt: skip
        content = fragments.filled(html, {fragments.CSRF: fragments.csrf_input()})
    else:
        content = _applications_content(camp, form, bulk_form, offered, ticked,
                                        bulk_form.csrf_token())  # fmt: skip
    return render_template("camps/manage/applications.html", camp=camp, content=content), status


def _offered_decisions(camp) -> tuple[str, ...]:
    """The decisions the signed-in organiser may take on the camp now (what the bulk form
    offers), by value."""
    decisions = policy.camp_decisions(
        current_user, camp, places_free=services.shown_places_free(camp)
    )
    return tuple(sorted(decision.value for decision in decisions))


def _applications_content(camp, form, bulk_form, offered, ticked, csrf_field) -> Markup:
    page = queries.review_page(camp, filters=form.filters())
    if ticked is None:
        ticked = SelectionForm(request.args).ticked(page.items)
    decision = bulk_form.decision
    decision.choices = [(value, label) for value, label in decision.choices if value in offered]
    list_args = form.query_args()
    link = row_url("camps_manage.application", "application_id", **list_args)
    return Markup(render_template(
        "camps/manage/_applications_content.html",
        camp=camp,
        form=form,
        page=page,
        # Each row's values (camps/manage/_application_row.html), drawn in one call.
        rows=[(item, item.id in ticked, link(item.id)) for item in page.items],
        bulk_form=bulk_form,
        ticked=ticked,
        list_args=list_args,
        filters_open=any(name not in ("q",) for name in form.query_args()) or bool(form.errors),
        max_matching=MAX_MATCHING,
        age_band=queries.age_band,
        csrf_field=csrf_field,
    ))  # fmt: skip  # nosec B704: an autoescaped template's output


@bp.post("/camps/<int:camp_id>/applications/decide")
@organisers_only
def bulk_decide(camp_id):
    """The same decision for the ticked applications, or for every one the filter finds (once
    confirmed); each is checked on its own, and what could not change stays ticked."""
    camp = managed_camp(camp_id)
    form = list_filter(camp)
    bulk_form = BulkDecisionForm()
    if not (bulk_form.validate_on_submit() and form.valid):
        ticked = set(bulk_form.applications.data or ())
        return applications_page(camp, form, bulk_form, ticked=ticked, status=400)
    if bulk_form.for_all_matching:
        found = queries.count_of(queries.review_query(camp, filters=form.filters()))
        if not 0 < found <= MAX_MATCHING:
            bulk_form.scope.errors = [_too_many(found)]
            return applications_page(camp, form, bulk_form, ticked=set(), status=400)
        if not bulk_form.confirmed() or bulk_form.expected.data != found:
            return _confirm_matching(camp, form, bulk_form, found)
        chosen = queries.matching_applications(camp, filters=form.filters(), limit=MAX_MATCHING)
    else:
        chosen = queries.applications_by_id(camp, bulk_form.applications.data)
    refused = services.decide_each(
        chosen, bulk_form.decision.data, reason=bulk_form.reason.data or "", by=current_user
    )
    _tell_outcome(len(chosen) - len(refused), refused)
    number = page_within(queries.review_query(camp, filters=form.filters()), page_number())
    picked = [application.id for application, _reason in refused][:100]
    return redirect(
        url_for(".applications", camp_id=camp.id, **form.query_args(), page=number, picked=picked)
    )


def _too_many(found: int) -> str:
    if not found:
        return _("No application matches the filter.")
    return ngettext(
        "%(num)d application matches: at most %(max)d can be changed at once. Narrow the filter.",
        "%(num)d applications match: at most %(max)d can be changed at once. Narrow the filter.",
        found,
        max=MAX_MATCHING,
    )


def _tell_outcome(done: int, refused) -> None:
    """One message for the decisions saved, one per reason for those refused (with names)."""
    if done:
        flash(ngettext("Decision saved for %(num)d application.",
                       "Decision saved for %(num)d applications.", done), "success")  # fmt: skip
    names_by_reason: dict[str, list[str]] = {}
    for application, reason in refused:
        names_by_reason.setdefault(reason, []).append(application.applicant.full_name)
    for reason, names in names_by_reason.items():
        shown = ", ".join(names[:NAMES_SHOWN])
        if len(names) > NAMES_SHOWN:
            shown = _("%(names)s and %(num)d more", names=shown, num=len(names) - NAMES_SHOWN)
        flash(
            ngettext(
                "Not changed for %(num)d application (%(names)s): %(reason)s",
                "Not changed for %(num)d applications (%(names)s): %(reason)s",
                len(names), names=shown, reason=reason,
            ),
            "error",
        )  # fmt: skip


def _confirm_matching(camp, form, bulk_form, found: int):
    """The page that names what "apply to all matching" will do, with its count."""
    label = dict(bulk_form.decision.choices)[bulk_form.decision.data]
    chosen = [f"{name}: {value}" for _field, name, value in form.active_filters()]
    consequences = [
        ngettext(
            "“%(decision)s” goes to the %(num)d application that matches the filter.",
            "“%(decision)s” goes to all %(num)d applications that match the filter.",
            found,
            decision=label,
        ),  # fmt: skip
        _("Filter: %(filters)s.", filters="; ".join(chosen))
        if chosen
        else _("No filter: every application sent to this camp."),
        _(
            "Each one is checked on its own: when the camp is full or a minor has no guardian "
            "consent, that application stays as it is and you are told which."
        ),  # fmt: skip
        _("Each applicant is told of the decision."),
    ]
    if bulk_form.expected.data is not None and bulk_form.expected.data != found:
        consequences.insert(0, _("The list has changed since you looked: check the count."))
    return confirmation_page(
        bulk_form,
        title=ngettext(
            "Apply to the %(num)d matching application?",
            "Apply to all %(num)d matching applications?",
            found,
        ),
        consequences=consequences,
        button=apply_to_matching_label(found),
        back=url_for(".applications", camp_id=camp.id, **form.query_args()),
        resend=[
            ("scope", MATCHING),
            ("decision", bulk_form.decision.data),
            ("reason", bulk_form.reason.data or ""),
            ("expected", str(found)),
        ],
    )


def apply_to_matching_label(found: int) -> str:
    return ngettext(
        "Apply to the %(num)d matching application",
        "Apply to all %(num)d matching applications",
        found,
    )


def application_page(application, status=200, **forms):
    # What the page shows of the application's rows (a minor's consents too), each read once.
    load_collections(application, "events", *(("consents",) if application.is_minor else ()))
    load_collections(application.camp, "questions")
    if application.is_minor:
        # Seeing a minor's health and guardian details is recorded every time.
        audit_event("application.sensitive_viewed", application)
    blank_forms = {
        "review_form": lambda: ReviewForm(
            formdata=None, data={"score": str(application.score or ""), "notes": application.notes}
        ),
        "decision_form": lambda: DecisionForm(formdata=None),
        "consent_form": lambda: GuardianConsentForm(formdata=None),
        "action_form": ActionForm,
    }
    # Only the forms not handed in are made (a body too large to read must not be read).
    context = {name: forms[name] if name in forms else make() for name, make in blank_forms.items()}
    context.update(forms)
    # Only the decisions the service would take now are offered.
    free = services.shown_places_free(application.camp)
    allowed = {
        decision.value
        for decision in policy.decisions_for(current_user, application, places_free=free)
    }
    decision = context["decision_form"].decision
    decision.choices = [(value, label) for value, label in decision.choices if value in allowed]
    filters, list_args = carried_filter(application.camp)
    before, after = queries.neighbours(application.camp, application, filters=filters)
    return render_template(
        "camps/manage/application.html",
        application=application,
        list_args=list_args,
        before=before,
        after=after,
        ethnicity_hidden=True,
        age_band=queries.age_band,
        paper_form=paper_queries.form_of(application),
        **context,
    ), status


@bp.get("/applications/<int:application_id>")
@organisers_only
def application(application_id):
    """One application in full, with review, decision, consent and history."""
    return application_page(managed_application(application_id))


@bp.post("/applications/<int:application_id>/review")
@organisers_only
def review(application_id):
    """Save the score and private notes."""
    application = managed_application(application_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return application_page(application, 400, review_form=form)
    services.review(
        application, score=int(form.score.data) if form.score.data else None,
        notes=form.notes.data or "", by=current_user,
    )  # fmt: skip
    flash(_("Review saved."), "success")
    return redirect(application_url(application))


@bp.post("/applications/<int:application_id>/decide")
@organisers_only
def decide(application_id):
    """Accept, waitlist or reject one application."""
    application = managed_application(application_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return application_page(application, 400, decision_form=form)
    try:
        with db.session.begin_nested():
            services.decide(
                application, form.decision.data, reason=form.reason.data or "", by=current_user
            )
    except services.CampError as error:
        form.decision.errors.append(str(error))
        return application_page(managed_application(application_id), 400, decision_form=form)
    flash(_("Decision saved."), "success")
    return redirect(application_url(application))


def application_url(application) -> str:
    """The application's page, keeping the list's filter and order for next and previous."""
    _filters, args = carried_filter(application.camp)
    return url_for(".application", application_id=application.id, **args)
