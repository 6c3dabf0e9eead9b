"""The young person's side of a paper form: claim it with its code and their phone number."""

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from portal.accounts import policy as account_policy
from portal.accounts import services as accounts
from portal.accounts.routes import start_session
from portal.accounts.validators import normalise_phone
from portal.camps.paper import queries
from portal.camps.paper import services
from portal.camps.paper.forms import SECOND_STEP
from portal.camps.paper.forms import ClaimForm
from portal.camps.paper.models import PaperStatus
from portal.camps.paper.models import normalise_code
from portal.extensions import failed_attempt
from portal.extensions import hashed_key
from portal.extensions import limiter
from portal.extensions import wrong_password_given
from portal.i18n import gettext as _

bp = Blueprint("paper", __name__)


def _limit(name: str):
    return lambda: current_app.config[name]


def claim_code_key() -> str:
    """Rate-limit key for the code typed (however typed), so guesses at one code add up."""
    return hashed_key("paper", normalise_code(request.values.get("code")))


def claim_phone_key() -> str:
    """Rate-limit key for the phone number typed, so guesses at codes for one number add up."""
    phone = normalise_phone(request.values.get("phone") or "")
    return hashed_key("paper-phone", phone or "".join((request.values.get("phone") or "").split()))


def _too_many_tries() -> str:
    return _("You tried too many times. Wait a while, or ask an organiser for help.")


@bp.route("/claim", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_CLAIM"), methods=["POST"], error_message=_too_many_tries)
@limiter.limit(_limit("RATELIMIT_CLAIM_CODE"), key_func=claim_code_key, methods=["POST"],
               deduct_when=failed_attempt, error_message=_too_many_tries)  # fmt: skip
@limiter.limit(_limit("RATELIMIT_CLAIM_CODE"), key_func=claim_phone_key, methods=["POST"],
               deduct_when=failed_attempt, error_message=_too_many_tries)  # fmt: skip
def claim():
    """Claim a paper application form with its code and one's phone number."""
    form = ClaimForm()
    if not form.validate_on_submit():
        return _page(form)
    paper = queries.claim_match(form.code.data, form.phone.data)
    if paper is None:
        wrong_password_given()  # counts towards the code's limit
        form.code.errors.append(
            _("The code or the phone number does not match a paper form. Check both and try "
              "again.")
        )  # fmt: skip
        return _page(form)
    return _claim_matched(form, paper, paper.application.applicant)


def _claim_matched(form, paper, person):
    """Code and phone matched: link the form to its person's account, with a new password for
    an account made from paper (a form claimed already is told as done to its owner)."""
    if current_user.is_authenticated:
        if current_user.id != person.id:
            form.code.errors.append(
                _("This paper form belongs to another account. Sign out, then claim it.")
            )
            return _page(form)
        if paper.status is not PaperStatus.CLAIMED:
            services.claim(paper, person)
        flash(_("The paper form is now linked to your account."), "success")
        return _to_application(paper, signed_in=True)
    if paper.status is PaperStatus.CLAIMED:
        flash(_("This paper form is already claimed. Sign in to see your application."), "info")
        return _to_application(paper, signed_in=False)
    if account_policy.has_password(person):
        services.claim(paper, person)
        flash(_("You already have an account. Sign in with your phone number and password."),
              "info")  # fmt: skip
        return _to_application(paper, signed_in=False)
    if not form.choosing_password:
        form.step.data = SECOND_STEP
        return _page(form, status=200)
    if not form.password_is_good(person):
        return _page(form)
    accounts.set_password(person, form.password.data, reason="paper")
    services.claim(paper, person)
    start_session(person, remember=False)  # after the password: its new session token
    flash(_("Your password is saved and you are signed in."), "success")
    return _to_application(paper, signed_in=True)


def _page(form, status=None):
    if status is None:
        status = 400 if form.is_submitted() else 200
    return render_template("paper/claim.html", form=form), status


def _to_application(paper, *, signed_in: bool):
    target = url_for("camps.application", application_id=paper.application_id)
    return redirect(target if signed_in else url_for("accounts.login", next=target))
