"""Roles, access decorators and the password policy."""

import enum
import gzip
import secrets
import time
from functools import cache
from functools import wraps
from importlib import resources
from urllib.parse import urlsplit

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

#: ASVS 2.1.1: at least 12 characters.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256


class Role(enum.Enum):
    YOUTH = "youth"
    MENTOR = "mentor"
    ORGANISER = "organiser"
    ADMIN = "admin"


def role_required(*roles: Role):
    """Allow the view to users holding any of `roles`; others get 403, anonymous users log in."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from portal.extensions import login_manager

                return login_manager.unauthorized()
            require(current_user.has_any_role(*roles))
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


#: The organisers' tools (admins hold every organiser right, see `has_role`).
organisers_only = role_required(Role.ORGANISER)


#: Exports, role changes and erasure need a password typed within this many seconds.
RECENT_LOGIN_SECONDS = 15 * 60


def mark_recent_login() -> None:
    session["auth_at"] = int(time.time())


def has_recent_login() -> bool:
    """The password was typed within RECENT_LOGIN_SECONDS (by this server's clock or one a few
    seconds ahead; a time further in the future does not count)."""
    from portal.clocks import clamp_to_now

    now = time.time()
    typed_at = clamp_to_now(session.get("auth_at"), now)
    return typed_at is not None and now - typed_at <= RECENT_LOGIN_SECONDS


def recent_login_required(view):
    """Send the user to confirm their password first if they last typed it over 15 minutes ago.

    For a POST, the user comes back to the page they were on and repeats the step.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.is_authenticated and not has_recent_login():
            from portal.i18n import gettext as _

            back = request.full_path if request.method == "GET" else request.referrer
            if not is_safe_next_url(_local_path(back)):
                back = url_for("main.home")
            flash(_("Please confirm your password to continue."), "info")
            return redirect(url_for("accounts.reauthenticate", next=_local_path(back)))
        return view(*args, **kwargs)

    return wrapped


def _local_path(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def require(allowed: bool, status: int = 403) -> None:
    """Stop the request with `status` unless a policy predicate allowed it."""
    if not allowed:
        abort(status)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


#: Starts the stored hash of an account no password opens: an erased one, or an imported person's
#: until they follow their invitation (werkzeug finds no method in it, so nothing matches).
UNUSABLE_PREFIX = "!"


def unusable_password_hash() -> str:
    """A stored hash no password matches; random, so each account's reset links differ."""
    return UNUSABLE_PREFIX + secrets.token_hex(20)


def password_matches(password_hash: str | None, password: str) -> bool:
    # Hash even when there is no account so timing does not reveal which accounts exist.
    if not password_hash:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password", method="pbkdf2:sha256:200000")


@cache
def common_passwords() -> frozenset[str]:
    """The 20,000 most common passwords (list taken from Django, BSD licence)."""
    raw = resources.files("portal.data").joinpath("common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(raw).decode().split())


def is_common_password(password: str) -> bool:
    return password.lower().strip() in common_passwords()


def is_safe_next_url(target: str | None) -> bool:
    """True for a path on this site; refuses other hosts, schemes and protocol-relative URLs."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
