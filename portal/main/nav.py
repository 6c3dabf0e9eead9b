"""The main menu of every page, kept rendered per language, role flags and current page.

The menu is the same for everyone who reads the same language with the same roles, except for
what `templates/_nav.html` leaves as slots: the unread badge and the sign-out form's CSRF
token, filled in on every request and never kept. `_nav.html` sees nothing else of the
request (no user, no path: only the flags and the current endpoint that make the key), so what
is kept cannot depend on anything the key leaves out.
"""

from typing import NamedTuple

from flask import current_app
from flask import request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from portal.i18n import ngettext

#: What is filled in on every request (never kept): HTML comments, so they cannot be typed.
BADGE = Markup("<!--nav:badge-->")
CSRF = Markup("<!--nav:csrf-->")
#: Rendered menus by key, per worker (a few per language and role mix).
KEPT: dict[tuple, str] = {}
MAX_KEPT = 256


class Shown(NamedTuple):
    """What the reader's roles may open, as the menu asks it."""

    signed_in: bool = False
    apply: bool = False
    review_plans: bool = False
    reach: bool = False
    lead_sessions: bool = False
    manage_camps: bool = False
    reset_links: bool = False
    accounts: bool = False


def shown(user) -> Shown:
    from portal.accounts import policy
    from portal.camps import policy as camp_policy
    from portal.security import Role
    from portal.training import policy as training_policy

    if not user.is_authenticated:
        return Shown()
    return Shown(
        signed_in=True,
        apply=camp_policy.can_apply(user),
        review_plans=user.has_role(Role.MENTOR),
        reach=user.has_any_role(Role.MENTOR, Role.ORGANISER),
        lead_sessions=training_policy.can_lead_sessions(user),
        manage_camps=camp_policy.can_manage_camps(user),
        reset_links=policy.can_issue_reset_links(user),
        accounts=policy.can_manage_accounts(user),
    )


def current_endpoint() -> str | None:
    """This page's endpoint when its address is that endpoint's own (as a menu link has it)."""
    from flask import url_for

    endpoint = request.endpoint
    if not endpoint or request.view_args:
        return None
    try:
        return endpoint if url_for(endpoint) == request.path else None
    except Exception:  # an endpoint that needs arguments is no menu link
        return None


def main_nav(unread: int, logout_form) -> Markup:
    """The `<nav>` of base.html, with this request's badge and sign-out token."""
    flags = shown(current_user)
    current = current_endpoint()
    key = (str(get_locale()), request.script_root, flags, current)
    html = KEPT.get(key)
    if html is None:
        template = current_app.jinja_env.get_template("_nav.html")
        html = template.render(show=flags, current=current, BADGE=BADGE, CSRF=CSRF)
        if len(KEPT) >= MAX_KEPT:
            KEPT.clear()
        KEPT[key] = html
    # No token field at all where CSRF is switched off (some test servers); the page had none.
    token = getattr(logout_form, "csrf_token", None)
    csrf = token() if token is not None else ""
    # An autoescaped template's output, a number's badge and WTForms' hidden input: no raw text.
    return Markup(html.replace(BADGE, badge(unread)).replace(CSRF, csrf))  # nosec B704


def badge(unread: int) -> Markup:
    """The unread count beside "Notifications" (nothing when there is none)."""
    if not unread:
        return Markup("")
    text = ngettext("%(num)d unread", "%(num)d unread", unread)
    return Markup(
        ' <span class="badge"><span aria-hidden="true">{}</span>'
        '<span class="visually-hidden">{}</span></span>'
    ).format(unread, text)
