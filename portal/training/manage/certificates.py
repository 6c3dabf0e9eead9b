"""Training for organisers: certificates whose basis went (flagged), and the decision on each
one: revoke for good, on a page that says what that means, or keep it with a reason."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user

from portal.extensions import db
from portal.i18n import gettext as _
from portal.listing import paginate
from portal.security import organisers_only
from portal.training import queries
from portal.training import services
from portal.training.forms import KeepForm
from portal.training.forms import RevokeForm
from portal.training.manage import bp
from portal.training.models import Certificate


@bp.get("/certificates/flagged")
@organisers_only
def flagged_certificates():
    """Certificates whose enrolment no longer meets the completion rule, awaiting a decision."""
    page = paginate(queries.flagged_certificates())
    return render_template("training/manage/flagged.html", page=page)


def _decision_page(certificate, status=200, **forms):
    """The confirmation page: what revoking does, and (for a flagged one) keeping instead."""
    context = {"revoke_form": RevokeForm(formdata=None), "keep_form": KeepForm(formdata=None)}
    context.update(forms)
    return render_template(
        "training/manage/revoke.html", certificate=certificate, **context
    ), status


@bp.get("/certificates/<int:certificate_id>/revoke")
@organisers_only
def confirm_revoke(certificate_id):
    """Ask before revoking: the page names what cannot be undone."""
    return _decision_page(db.get_or_404(Certificate, certificate_id))


@bp.post("/certificates/<int:certificate_id>/revoke")
@organisers_only
def revoke(certificate_id):
    """Revoke a certificate with a reason (its verification page then says so)."""
    certificate = db.get_or_404(Certificate, certificate_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _decision_page(certificate, 400, revoke_form=form)
    # A refusal (already revoked) is shown where the organiser was, by the error handler.
    services.revoke_certificate(certificate, reason=form.reason.data, by=current_user)
    flash(_("The certificate is revoked."), "success")
    return redirect(url_for(".programme", programme_id=certificate.enrolment.programme_id))


@bp.post("/certificates/<int:certificate_id>/keep")
@organisers_only
def keep(certificate_id):
    """Keep a flagged certificate valid, with the reason why (audited)."""
    certificate = db.get_or_404(Certificate, certificate_id)
    form = KeepForm()
    if not form.validate_on_submit():
        return _decision_page(certificate, 400, keep_form=form)
    # A refusal (nothing to decide) is shown where the organiser was, by the error handler.
    services.keep_certificate(certificate, reason=form.keep_reason.data, by=current_user)
    flash(_("The certificate stays valid."), "success")
    return redirect(url_for(".programme", programme_id=certificate.enrolment.programme_id))
