"""Training for young people and trainers: my training, certificates, verification, attendance."""

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from portal.confirm import confirmation_page
from portal.extensions import db
from portal.extensions import limiter
from portal.forms import ActionForm
from portal.forms import ConfirmForm
from portal.i18n import gettext as _
from portal.i18n import local_now
from portal.i18n import ngettext
from portal.listing import paginate
from portal.pdf import send_pdf
from portal.security import Role
from portal.security import require
from portal.security import role_required
from portal.training import policy
from portal.training import queries
from portal.training import services
from portal.training.certificate_pdf import certificate_pdf
from portal.training.forms import attendance_choices
from portal.training.forms import attendance_sheet_form
from portal.training.models import Certificate
from portal.training.models import Enrolment
from portal.training.models import TrainingSession

bp = Blueprint("training", __name__)


@bp.get("/training")
@login_required
def mine():
    """The young person's programmes with progress, attendance and certificates."""
    page = paginate(queries.my_enrolments(current_user))
    marks = services.marks_of(page.items)
    progress = {e.id: services.progress(e, marks[e.id]) for e in page.items}
    history = {e.id: services.attendance_history(e, marks[e.id]) for e in page.items}
    return render_template("training/mine.html", page=page, progress=progress, history=history)


@bp.get("/certificates/<int:certificate_id>.pdf")
@login_required
def certificate(certificate_id):
    """The certificate as a PDF in the holder's language (holder and organisers only)."""
    certificate = db.get_or_404(Certificate, certificate_id)
    require(policy.can_download_certificate(current_user, certificate), 404)
    if certificate.revoked_at is not None:
        abort(404)
    return send_pdf(certificate_pdf(certificate), f"certificate-{certificate.id}", inline=True)


@bp.get("/certificates/verify/<code>")
@limiter.limit("60 per minute")
def verify(code):
    """Public check of a certificate: only the name, programme and date."""
    certificate = queries.certificate_by_code(code)
    status = 200 if certificate is not None and certificate.revoked_at is None else 404
    return render_template("training/verify.html", certificate=certificate, code=code), status


@bp.get("/training/sessions")
@role_required(Role.MENTOR, Role.ORGANISER)
def my_sessions():
    """The sessions the mentor (or organiser) leads."""
    page = paginate(queries.sessions_led_by(current_user))
    return render_template("training/sessions.html", page=page)


def _session_for(session_id) -> TrainingSession:
    session = db.get_or_404(TrainingSession, session_id)
    require(policy.can_record_attendance(current_user, session), 404)
    return session


@bp.get("/sessions/<int:session_id>/attendance")
@login_required
def attendance(session_id):
    """A phone-friendly attendance sheet for one session."""
    session = _session_for(session_id)
    choices = tuple((value, str(label)) for value, label in attendance_choices())
    rows = services.sheet_rows(session)
    return render_template(
        "training/attendance.html",
        session=session,
        open_for_marks=policy.can_mark_session(session, local_now()),
        # Each person's line with the marks (training/_attendance_row.html), drawn in one call;
        # the marks translated once, not once per person and mark, and a tuple, so that a
        # person's kept line (fragments.drawn_row) is kept under it.
        rows=rows,
        lines=[(row, choices) for row in rows],
        form=ActionForm(),
    )


@bp.post("/sessions/<int:session_id>/attendance")
@login_required
def save_attendance(session_id):
    """Save the marks sent from the sheet (field mark-<enrolment id>)."""
    session = _session_for(session_id)
    form = attendance_sheet_form([enrolment for enrolment, _mark in services.sheet(session)])
    changed = 0
    for enrolment, status in form.marks().items():
        changed += services.record_attendance(session, enrolment, status, by=current_user)
    flash(ngettext("Attendance saved (%(num)d change).", "Attendance saved (%(num)d changes).",
                   changed), "success")  # fmt: skip
    return redirect(url_for(".attendance", session_id=session.id))


@bp.post("/sessions/<int:session_id>/attendance/all-present")
@login_required
def all_present(session_id):
    """Mark everyone expected as present, once the page has said whose marks it replaces."""
    session = _session_for(session_id)
    form = ConfirmForm()
    changes = services.all_present_changes(session)
    # A session still to come is refused by the service (with when it opens), not confirmed.
    if changes and policy.can_mark_session(session, local_now()) and not form.confirmed():
        return _all_present_confirmation(session, form, changes)
    changed = services.mark_all_present(session, by=current_user)
    message = ngettext("Everyone is marked present (%(num)d change).",
                       "Everyone is marked present (%(num)d changes).", changed)  # fmt: skip
    flash(message, "success")
    return redirect(url_for(".attendance", session_id=session.id))


def _all_present_confirmation(session, form, changes):
    replaced = sum(1 for _enrolment, previous in changes if previous is not None)
    consequences = [
        ngettext(
            "%(num)d person will be marked present at this session.",
            "%(num)d people will be marked present at this session.",
            len(changes),
        )
    ]
    if replaced:
        consequences.append(
            ngettext(
                "%(num)d mark already given (late, excused or absent) will be replaced by present.",
                "%(num)d marks already given (late, excused or absent) will be replaced by "
                "present.",
                replaced,
            )
        )
    consequences.append(
        _("Completion will be worked out again: anyone who completes the programme with this "
          "session gets a certificate.")
    )  # fmt: skip
    return confirmation_page(
        form,
        title=_("Mark everyone present?"),
        consequences=consequences,
        button=_("Yes, mark everyone present"),
        back=url_for(".attendance", session_id=session.id),
    )


@bp.record_once
def register_template_globals(state) -> None:
    """What the training pages draw with, set once as template globals."""
    from portal.training.labels import CERTIFICATE_LABELS
    from portal.training.labels import ENROLMENT_BADGE
    from portal.training.labels import MARK_LABELS

    state.app.jinja_env.globals.update(
        {
            "training_policy": policy,
            "mark_label": lambda status: MARK_LABELS[status],
            "certificate_label": lambda certificate: CERTIFICATE_LABELS[certificate.state],
            "Enrolment": Enrolment,
            "enrolment_badge": ENROLMENT_BADGE,
        }
    )
