"""Every change to an account: registration, sign-in, passwords, roles, deactivation."""

import unicodedata
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer

from portal import signals
from portal.accounts.models import Consent
from portal.accounts.models import ConsentKind
from portal.accounts.models import ErasureRequest
from portal.accounts.models import User
from portal.accounts.validators import looks_like_email
from portal.accounts.validators import normalise_email
from portal.accounts.validators import normalise_phone
from portal.audit import audit_event
from portal.clocks import timed_serializer
from portal.errors import PortalError
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import lazy_gettext as _l
from portal.links import external_url
from portal.links import local_path
from portal.notify import Subject
from portal.notify import notify
from portal.notify import queue_email
from portal.reach import Reach
from portal.reach import queue_text
from portal.security import Role
from portal.security import hash_password
from portal.security import password_matches
from portal.security import unusable_password_hash

DATA_PROCESSING_CONSENT_VERSION = "2026-11"
DATA_PROCESSING_CONSENT_TEXT = _l(
    "Jashtar keeps your name, contact details, date of birth, gender and where you live so that "
    "you can apply to camps and trainings and so that organisers can contact you. Only "
    "organisers of the programme see your details; they never publish them or pass them to "
    "anyone else. Reports show only totals, never names. You can download your data or ask us "
    "to delete it at any time from your profile."
)
RESET_SALT = "password-reset"


class AccountError(PortalError):
    """A change the rules do not allow; the message is translated for the user."""


def find_by_login(identifier: str) -> User | None:
    """The account for an e-mail address or a phone number, in any accepted format."""
    identifier = unicodedata.normalize("NFKC", identifier or "").strip()
    if looks_like_email(identifier):
        email = normalise_email(identifier)
        clause = User.email == email if email else None
    else:
        phone = normalise_phone(identifier)
        clause = User.phone == phone if phone else None
    if clause is None:
        return None
    return db.session.scalar(sa.select(User).where(clause))


def email_taken(email: str | None, except_user: User | None = None) -> bool:
    return _taken(User.email, email, except_user)


def phone_taken(phone: str | None, except_user: User | None = None) -> bool:
    return _taken(User.phone, phone, except_user)


def _taken(column, value, except_user) -> bool:
    if not value:
        return False
    query = sa.select(User.id).where(column == value)
    if except_user is not None:
        query = query.where(User.id != except_user.id)
    return db.session.scalar(query) is not None


def _new_user(*, password: str, roles: set[Role], **details) -> User:
    user = User(password_hash=hash_password(password), **details)
    user.set_roles(roles)
    db.session.add(user)
    return user


def register_youth(*, password: str, consent_locale: str, **details) -> User:
    """Create a young person's account with the youth role and the data-processing consent.

    `details` are the person's fields as the registration form gives them (see
    `PersonDetails.person_details`); the consent text is kept in `consent_locale`, the language
    the person read it in.
    """
    user = _new_user(password=password, roles={Role.YOUTH}, **details)
    record_data_consent(user, consent_locale)
    audit_event("user.registered", user, actor=user)
    notify(
        user, _l("Welcome to Jashtar! Your account is ready."),
        link=local_path("accounts.profile"), about=Subject("account", user.id),
    )  # fmt: skip
    return user


#: A registration sent again this soon with the same contacts and password is the same one (a
#: double click, or a retry after the answer was lost): it signs in to the account it made.
REPEATED_REGISTRATION_SECONDS = 120


def repeated_registration(*, email: str | None, phone: str | None, password: str) -> User | None:
    """The account a registration with these contacts and password made moments ago, or None."""
    pairs = ((User.email, email), (User.phone, phone))
    given = [column == value for column, value in pairs if value]
    if not given:
        return None
    since = utcnow() - timedelta(seconds=REPEATED_REGISTRATION_SECONDS)
    user = db.session.scalar(
        sa.select(User).where(
            sa.or_(*given),
            User.created_at >= since,
            User.active.is_(True),
            # Made by the registration form (staff accounts have no such consent).
            User.consents.any(Consent.kind == ConsentKind.DATA_PROCESSING),
        )
    )
    if user is None or (user.email, user.phone) != (email, phone):
        return None
    return user if password_matches(user.password_hash, password) else None


def register_from_paper(*, consent_locale: str, by, **details) -> User:
    """A young person's account made from a paper form an organiser typed in: the phone number
    only and no usable password until the person claims the form (the consent is the one
    printed on the form, in the language it was printed in)."""
    user = User(password_hash=unusable_password_hash(), **details)
    user.set_roles({Role.YOUTH})
    db.session.add(user)
    record_data_consent(user, consent_locale)
    audit_event("user.created", user, actor=by, roles=[Role.YOUTH.value], via="paper")
    return user


def record_data_consent(user: User, locale: str) -> Consent:
    """The dated data-processing consent, with the text as shown in `locale`."""
    with force_locale(locale):
        text = str(DATA_PROCESSING_CONSENT_TEXT)
    consent = Consent(
        kind=ConsentKind.DATA_PROCESSING,
        version=DATA_PROCESSING_CONSENT_VERSION,
        locale=locale,
        text=text,
    )
    user.consents.append(consent)
    return consent


def create_user(*, password: str, roles: set[Role], **details) -> User:
    """Create an account for staff or demo data (no consent form: they sign a contract)."""
    staff_need_email(details.get("email"), roles)
    user = _new_user(password=password, roles=roles, **details)
    audit_event("user.created", user, roles=sorted(role.value for role in roles))
    return user


def new_imported_youth(**details) -> User:
    """A young person's account made from an organiser's list: the youth role and no password
    until they choose one through their invitation (the caller audits the import as a whole)."""
    user = User(password_hash=unusable_password_hash(), **details)
    user.set_roles({Role.YOUTH})
    db.session.add(user)
    return user


INVITATION_NOTICE = _l("Your account is ready. Choose a password:")
#: A new account has chosen no channel and linked no Telegram: nothing to look up.
NEW_ACCOUNT_REACH = Reach(email=None, phone=None, chat_id=None)


def invite_to_set_password(user: User) -> str:
    """Send a new account's holder the link to choose their password: by e-mail when they have
    an address, else by SMS in their language; return the channel ("email" or "sms")."""
    link = external_url(
        "accounts.reset_password", token=password_reset_token(user, invitation=True)
    )
    if user.email:
        queue_email(
            user, _l("Your Jashtar account is ready"), "invitation", link=link, essential=True,
            days=current_app.config["INVITATION_MAX_AGE"] // 86400,
        )  # fmt: skip
        return "email"
    queue_text(user, INVITATION_NOTICE, link=link, essential=True, reach=NEW_ACCOUNT_REACH)
    return "sms"


def authenticate(identifier: str, password: str) -> User | None:
    """The account whose login and password match, or None (also for unknown accounts)."""
    user = find_by_login(identifier)
    if not password_matches(user.password_hash if user else None, password):
        return None
    return user


def authenticate_user(user: User, password: str) -> bool:
    return password_matches(user.password_hash, password)


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    audit_event("user.login", user, actor=user)


def reset_serializer() -> URLSafeTimedSerializer:
    # A link made on a server whose clock runs ahead still works on the others.
    return timed_serializer(RESET_SALT)


#: What a reset token was made for ("a" in its payload) → the setting holding how long it works.
RESET_KINDS = {0: "PASSWORD_RESET_MAX_AGE", 1: "ASSISTED_RESET_MAX_AGE", 2: "INVITATION_MAX_AGE"}


def password_reset_token(user: User, *, assisted: bool = False, invitation: bool = False) -> str:
    """A reset link's token: an hour for the person's own request, a day when an organiser
    passes it on (`assisted`), two weeks for an imported person's first password."""
    # The token names the current password hash, so using it once (or any change) voids it.
    kind = 2 if invitation else int(assisted)
    payload = {"u": user.id, "p": user.password_hash[-16:], "a": kind}
    return reset_serializer().dumps(payload)


def user_for_reset_token(token: str) -> User | None:
    """The user a valid, unused, unexpired reset token belongs to, else None."""
    config = current_app.config
    serializer = reset_serializer()
    try:
        payload = serializer.loads(token, max_age=max(config[key] for key in RESET_KINDS.values()))
    except (BadSignature, SignatureExpired):
        return None
    kind = payload.get("a")
    if kind not in RESET_KINDS:
        return None
    try:
        serializer.loads(token, max_age=config[RESET_KINDS[kind]])
    except SignatureExpired:
        return None
    user = db.session.get(User, payload.get("u"))
    if user is None or not user.active or user.password_hash[-16:] != payload.get("p"):
        return None
    return user


def request_password_reset(email: str) -> None:
    """E-mail a reset link if the address has an account; say nothing either way."""
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None or not user.active:
        return
    link = external_url("accounts.reset_password", token=password_reset_token(user))
    queue_email(
        user, _l("Set a new password for Jashtar"), "password_reset", link=link, essential=True
    )
    audit_event("user.password_reset_requested", user, actor=user)


def issue_assisted_reset_link(user: User, *, by: User) -> str:
    """A one-time reset link an organiser passes on to a young person who has only a phone."""
    if user.roles - {Role.YOUTH}:
        raise AccountError(_l("Reset links are only for young people's accounts."))
    link = external_url("accounts.reset_password", token=password_reset_token(user, assisted=True))
    audit_event("user.reset_link_issued", user, actor=by)
    return link


def refuse_assisted_reset(user: User, *, by: User) -> None:
    """Record and tell the holder that someone asked for a reset link to a staff account."""
    audit_event("user.reset_link_refused", user, actor=by)
    notify(
        user,
        _l(
            "Someone asked for a password reset link for your account. Staff accounts cannot get "
            "one, so nothing changed. If you did not expect this, tell an admin."
        ),
        about=Subject("account", user.id),
    )


def staff_need_email(email: str | None, roles: set[Role]) -> None:
    """Staff reset their password by e-mail only, so a staff role needs an e-mail address."""
    if roles - {Role.YOUTH} and not email:
        raise AccountError(
            _l("Add an e-mail address to this account before giving it a staff role.")
        )


def set_password(user: User, password: str, *, reason: str) -> None:
    """Set a new password, sign the user out everywhere else, tell them it changed."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.rotate_session_token()
    audit_event("user.password_changed", user, reason=reason)
    notify(user, _l("Your password was changed. If it was not you, tell an organiser at once."),
           about=Subject("account", user.id))  # fmt: skip
    queue_email(user, _l("Your Jashtar password was changed"), "password_changed", essential=True)


def update_profile(user: User, **changes) -> list[str]:
    """Apply profile changes; return the names of the fields that changed (for the audit).

    A changed e-mail or phone number (the ways to recover the account) is told to the old
    address and in the portal, so a stolen session cannot quietly take the account over. A new
    date of birth is refused (AccountError, nothing changed) while a domain says it cannot be
    changed now (portal.signals.birth_date_changing).
    """
    new_birth_date = changes.get("date_of_birth", user.date_of_birth)
    if new_birth_date != user.date_of_birth:
        # Other domains may have fixed a rule on the old date (a camp's guardian rule).
        for _receiver, reason in signals.birth_date_changing.send(user, new=new_birth_date):
            if reason:
                raise AccountError(reason)
    old_email = user.email
    changed = []
    for name, value in changes.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if changed:
        audit_event("user.profile_updated", user, fields=sorted(changed))
    if "email" in changed or "phone" in changed:
        _tell_contact_changed(user, old_email, email_changed="email" in changed)
    return changed


def _tell_contact_changed(user: User, old_email: str | None, *, email_changed: bool) -> None:
    notify(
        user,
        _l(
            "The e-mail or phone number of your account was changed. If it was not you, tell "
            "an organiser at once."
        ),
        link=local_path("accounts.profile"),
        about=Subject("account", user.id),
    )
    if old_email:
        queue_email(
            user,
            _l("The contact details of your Jashtar account were changed"),
            "contact_changed",
            to_address=old_email,
            essential=True,
            email_changed=email_changed,
        )


def roles_problem(user: User, roles: set[Role], *, by: User):
    """Why `by` may not give `user` exactly `roles`, or None. Every account keeps a role (one
    without any would reach no page), and an admin keeps their own admin role, so the portal
    always has an admin."""
    if not roles:
        return _l("Every account needs at least one role. Tick the roles this person keeps.")
    if user.id == by.id and Role.ADMIN in user.roles and Role.ADMIN not in roles:
        return _l("You cannot remove your own admin role.")
    try:
        staff_need_email(user.email, roles)
    except AccountError as error:
        return error.args[0]
    return None


def change_roles(user: User, roles: set[Role], *, by: User) -> None:
    """Replace a user's roles, if roles_problem finds none."""
    problem = roles_problem(user, roles, by=by)
    if problem:
        raise AccountError(problem)
    before = sorted(role.value for role in user.roles)
    user.set_roles(roles)
    after = sorted(role.value for role in roles)
    audit_event("user.roles_changed", user, actor=by, before=before, after=after)


def set_active(user: User, active: bool, *, by: User) -> None:
    """Deactivate (signs the user out) or reactivate an account."""
    if user.id == by.id and not active:
        raise AccountError(_l("You cannot deactivate your own account."))
    if user.active == active:
        return
    user.active = active
    if not active:
        user.rotate_session_token()
    audit_event("user.reactivated" if active else "user.deactivated", user, actor=by)


def request_erasure(user: User) -> ErasureRequest:
    """The person asks an admin to erase their account (audited)."""
    request = ErasureRequest(user_id=user.id)
    db.session.add(request)
    audit_event("user.erasure_requested", user)
    return request
