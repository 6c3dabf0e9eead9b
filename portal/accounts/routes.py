"""Registration, signing in and out, password reset and the profile."""

import time

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import refresh
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user
from sqlalchemy.exc import IntegrityError
from wtforms.validators import InputRequired

from portal.accounts import policy
from portal.accounts import privacy
from portal.accounts import queries
from portal.accounts import services
from portal.accounts.forms import AssistedResetForm
from portal.accounts.forms import ChangePasswordForm
from portal.accounts.forms import ConfirmPasswordForm
from portal.accounts.forms import LanguageForm
from portal.accounts.forms import LoginForm
from portal.accounts.forms import NewPasswordForm
from portal.accounts.forms import ProfileForm
from portal.accounts.forms import RegistrationForm
from portal.accounts.forms import ResetRequestForm
from portal.accounts.limits import account_key
from portal.accounts.models import User
from portal.audit import audit_event
from portal.extensions import db
from portal.extensions import failed_attempt
from portal.extensions import limiter
from portal.extensions import login_manager
from portal.extensions import user_key
from portal.extensions import wrong_password_given
from portal.i18n import gettext as _
from portal.i18n import lang_param
from portal.i18n import locale_code
from portal.i18n import parse_lang
from portal.i18n import remember_language_cookie
from portal.notify import page_links
from portal.places import fill_place_choices
from portal.security import Role
from portal.security import is_safe_next_url
from portal.security import mark_recent_login
from portal.security import require
from portal.security import role_required

bp = Blueprint("accounts", __name__)


@bp.record_once
def register_template_globals(state) -> None:
    """Templates ask the account rules (`policy.can_manage_accounts(current_user)`)."""
    state.app.jinja_env.globals["policy"] = policy


def _limit(name: str):
    return lambda: current_app.config[name]


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    user_id, _sep, token = cookie_id.partition(":")
    if not user_id.isdigit():
        return None
    row = queries.user_with_unread(int(user_id), page_links(request.path, request.full_path))
    if row is None or not row[0].active or row[0].session_token != token:
        return None
    user, user.unread_notifications, user.unread_leading_here = row
    return user


@bp.post("/language")
@login_required
def set_language():
    """Save the language of the portal and of one's messages (visitors switch by `?lang=`).

    Only a POST saves it: a `?lang=` link (which anyone can send) changes the page, not the
    language messages reach the person in.
    """
    form = LanguageForm()
    chosen = parse_lang(form.lang.data)
    next_url = form.next.data
    if not is_safe_next_url(next_url):
        next_url = url_for("main.home")
    if chosen is None:
        return redirect(next_url)
    if current_user.locale != chosen:
        services.update_profile(current_user, locale=chosen)
    response = redirect(next_url)
    remember_language_cookie(response, chosen)
    return response


@bp.route("/auth/register", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_REGISTER"), methods=["POST"])
def register():
    """Create a young person's account."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    if request.method == "GET":
        form.locale.data = locale_code()
    places = fill_place_choices(form)
    user = _register(form) if form.validate_on_submit() else None
    if user is not None:
        start_session(user, remember=False)
        flash(_("Welcome! Your account is ready."), "success")
        return redirect(url_for("main.home", lang=lang_param(user.locale)))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "accounts/register.html",
        form=form,
        places=places,
        consent_text=services.DATA_PROCESSING_CONSENT_TEXT,
    ), status


def _register(form) -> User | None:
    """The new account, or the one this form made a moment ago (a double click or a retry, sent
    before the first answer's cookie arrived); None when the e-mail or phone is taken."""
    details = form.person_details()

    def made_just_now():
        return services.repeated_registration(
            email=details["email"], phone=details["phone"], password=form.password.data
        )

    user = made_just_now()
    if user is not None or not _contact_is_free(form):
        return user
    try:
        # A registration racing this one may take the e-mail or phone after the check.
        with db.session.begin_nested():
            user = services.register_youth(
                password=form.password.data, consent_locale=locale_code(), **details
            )
    except IntegrityError:
        user = made_just_now()
        if user is None and _contact_is_free(form):
            raise
    return user


def _contact_is_free(form) -> bool:
    free = True
    if services.email_taken(form.email.data):
        form.email.errors.append(
            _("An account with this e-mail already exists. Sign in or reset your password.")
        )
        free = False
    if services.phone_taken(form.phone.data):
        form.phone.errors.append(
            _("An account with this phone number already exists. Sign in instead.")
        )
        free = False
    return free


def start_session(user: User, *, remember: bool) -> None:
    """Sign in with a fresh session so nothing from before the login carries over."""
    session.clear()
    login_user(user, remember=remember)
    mark_recent_login()
    session["seen"] = int(time.time())
    g.refresh_last_seen = True  # the remember-me cookie is only good with a recent last-seen
    services.record_login(user)


@bp.route("/auth/login", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_LOGIN"), methods=["POST"])
@limiter.limit(
    _limit("RATELIMIT_LOGIN_ACCOUNT"), key_func=account_key, methods=["POST"],
    deduct_when=failed_attempt,
)  # fmt: skip
def login():
    """Sign in with an e-mail address or phone number and a password."""
    next_url = request.values.get("next")
    if not is_safe_next_url(next_url):
        next_url = None
    if current_user.is_authenticated:
        return redirect(next_url or url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            wrong_password_given()
            form.email.errors.append(_("The login or password is wrong. Check them and try again."))
        elif not user.active:
            form.email.errors.append(
                _("This account is switched off. Ask an organiser of the programme for help.")
            )
        else:
            start_session(user, remember=form.remember.data)
            flash(_("You are signed in."), "success")
            return redirect(next_url or url_for("main.home"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form, next_url=next_url), status


@bp.post("/auth/logout")
@login_required
def logout():
    """Sign out here and on every other device (a POST, so no link can sign someone out)."""
    current_user.rotate_session_token()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/auth/reset", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_RESET"), methods=["POST"])
@limiter.limit(_limit("RATELIMIT_RESET_ACCOUNT"), key_func=account_key, methods=["POST"])
def request_reset():
    """Ask for a password reset link by e-mail."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            _(
                "If an account uses this e-mail, we have sent a link to it. The link works for "
                "one hour. No e-mail? Ask an organiser for help."
            ),
            "info",
        )
        return redirect(url_for(".login"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/reset_request.html", form=form), status


@bp.route("/auth/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_RESET"), methods=["POST"])
def reset_password(token):
    """Choose a new password with a reset link."""
    user = services.user_for_reset_token(token)
    if user is None:
        return render_template("accounts/reset_invalid.html"), 400
    form = NewPasswordForm()
    form.password_owner = user
    if form.validate_on_submit():
        services.set_password(user, form.password.data, reason="reset")
        flash(_("Your new password is saved. Sign in with it now."), "success")
        return redirect(url_for(".login"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/reset_password.html", form=form, token=token), status


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
@limiter.limit(
    _limit("RATELIMIT_PASSWORD_PROMPT"), key_func=user_key, methods=["POST"],
    deduct_when=failed_attempt,
)  # fmt: skip
def profile():
    """See and change one's own details and language."""
    form = ProfileForm(obj=current_user)
    if current_user.date_of_birth:
        form.date_of_birth.validators = [InputRequired(message=_("Enter your date of birth."))]
    if not current_user.has_role(Role.YOUTH):
        form.minimum_age = None
    if request.method == "GET":
        form.region.data = current_user.region_code
        form.district.data = current_user.district_code
        form.gender.data = current_user.gender.value if current_user.gender else ""
    places = fill_place_choices(form)
    if (
        form.validate_on_submit()
        and _contact_is_free_for(form, current_user)
        and _contact_change_confirmed(form, current_user)
        and _profile_saved(form, current_user)
    ):
        g.locale = current_user.locale
        refresh()
        flash(_("Your details are saved."), "success")
        return redirect(url_for(".profile"))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "accounts/profile.html", form=form, places=places, consents=current_user.consents
    ), status


def _profile_saved(form, user) -> bool:
    """Save the details; a refused change (a date of birth a camp application was sent with)
    is shown on its field, with everything typed kept."""
    try:
        with db.session.begin_nested():
            services.update_profile(user, **form.person_details())
    except services.AccountError as error:
        form.date_of_birth.errors.append(str(error))
        return False
    return True


def _contact_change_confirmed(form, user) -> bool:
    """A new e-mail or phone number (the ways to recover the account) needs the password."""
    if not form.changes_contact_of(user):
        return True
    if not form.current_password.data:
        form.current_password.errors.append(
            _("Enter your password to change your e-mail or phone number.")
        )
        return False
    if not services.authenticate_user(user, form.current_password.data):
        wrong_password_given()
        form.current_password.errors.append(_("This is not your current password."))
        return False
    return True


def _contact_is_free_for(form, user) -> bool:
    free = True
    if services.email_taken(form.email.data, except_user=user):
        form.email.errors.append(_("Another account already uses this e-mail."))
        free = False
    if services.phone_taken(form.phone.data, except_user=user):
        form.phone.errors.append(_("Another account already uses this phone number."))
        free = False
    return free


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(
    _limit("RATELIMIT_PASSWORD_PROMPT"), key_func=user_key, methods=["POST"],
    deduct_when=failed_attempt,
)  # fmt: skip
def change_password():
    """Change one's own password (signs out every other device)."""
    form = ChangePasswordForm()
    form.password_owner = current_user
    if form.validate_on_submit():
        if services.authenticate_user(current_user, form.current_password.data):
            services.set_password(current_user, form.password.data, reason="changed")
            # The token in the login cookie changed; give this device a fresh cookie.
            login_user(current_user._get_current_object())
            flash(_("Your new password is saved."), "success")
            return redirect(url_for(".profile"))
        wrong_password_given()
        form.current_password.errors.append(_("This is not your current password."))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/change_password.html", form=form), status


@bp.route("/auth/confirm", methods=["GET", "POST"])
@login_required
@limiter.limit(
    _limit("RATELIMIT_PASSWORD_PROMPT"), key_func=user_key, methods=["POST"],
    deduct_when=failed_attempt,
)  # fmt: skip
def reauthenticate():
    """Ask for the password again before a sensitive step (exports, roles, erasure)."""
    next_url = request.values.get("next")
    if not is_safe_next_url(next_url):
        next_url = url_for("main.home")
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        if services.authenticate_user(current_user, form.password.data):
            mark_recent_login()
            return redirect(next_url)
        wrong_password_given()
        form.password.errors.append(_("This is not your current password."))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/confirm.html", form=form, next_url=next_url), status


@bp.route("/account/reset-link", methods=["GET", "POST"])
@role_required(Role.ORGANISER)
def assisted_reset():
    """Create a one-time reset link for someone who registered with a phone only."""
    form = AssistedResetForm()
    link = None
    if form.validate_on_submit():
        user = services.find_by_login(form.phone.data)
        if user is None:
            form.phone.errors.append(_("No account has this phone number."))
        elif user.email:
            form.phone.errors.append(
                _(
                    "This person has an e-mail address and can reset the password from the "
                    "sign-in page."
                )
            )
        elif not user.active:
            form.phone.errors.append(_("The account is switched off."))
        elif policy.holds_staff_role(user):
            services.refuse_assisted_reset(user, by=current_user)
            form.phone.errors.append(
                _(
                    "Reset links are only for young people's accounts. Staff reset their "
                    "password by e-mail or ask an admin."
                )
            )
        else:
            require(policy.can_issue_reset_link_for(current_user, user))
            link = services.issue_assisted_reset_link(user, by=current_user)
            return render_template(
                "accounts/assisted_reset.html", form=form, link=link, person=user
            )
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/assisted_reset.html", form=form, link=None), status


@bp.get("/account/data")
@login_required
def my_data():
    """Download one's data, or ask for it to be erased."""
    pending = queries.pending_erasure(current_user)
    return render_template("accounts/data.html", pending=pending, form=ConfirmPasswordForm())


@bp.get("/account/data.json")
@login_required
def download_data():
    """Everything the portal holds about the signed-in person, as JSON (audited)."""
    data = privacy.export_data(current_user)
    audit_event("user.data_exported", current_user._get_current_object())
    response = jsonify(data)
    response.headers["Content-Disposition"] = 'attachment; filename="my-jashtar-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/account/erasure")
@login_required
@limiter.limit(
    _limit("RATELIMIT_PASSWORD_PROMPT"), key_func=user_key, methods=["POST"],
    deduct_when=failed_attempt,
)  # fmt: skip
def request_erasure():
    """Ask an admin to erase one's account (the password confirms it is really the person)."""
    form = ConfirmPasswordForm()
    if not form.validate_on_submit() or not services.authenticate_user(
        current_user, form.password.data or ""
    ):
        if not form.password.errors:
            wrong_password_given()
            form.password.errors.append(_("This is not your current password."))
        return render_template("accounts/data.html", pending=None, form=form), 400
    services.request_erasure(current_user._get_current_object())
    flash(_("Your request is sent. An admin will erase your data and tell you."), "success")
    return redirect(url_for(".my_data"))


from portal.accounts import channels as _channels  # noqa: E402, F401  (views on this blueprint)
