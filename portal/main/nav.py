"""Every page's header and footer, kept rendered per language, role flags and current page.

The header (brand, bell, language picker and the main menu) is the same for everyone who reads
the same language with the same roles on the same page, except for what `templates/_header.html`
and `_nav.html` leave as slots: the unread badge, the forms' CSRF token and this page's address
(for the language picker), filled in on every request and never kept. The templates see
nothing else of the request (no user, no path: only the flags and the current endpoint that
make the key), so what is kept cannot depend on anything the key leaves out. The footer is
made of the contact settings and fixed words: kept per language and settings.

Rendering them took about 0.6 ms of every page (2026-12-03, in-process); a kept one costs a
dictionary lookup and a few replacements.
"""

from typing import NamedTuple

from flask import current_app
from flask import request
from flask_login import current_user
from markupsafe import Markup
from markupsafe import escape

from portal.fragments import CSRF
from portal.fragments import csrf_input
from portal.fragments import filled
from portal.fragments import kept
from portal.i18n import LANGUAGES
from portal.i18n import locale_code
from portal.i18n import ngettext
from portal.i18n import switch_language_next
from portal.i18n import switch_language_url

#: What is filled in on every request (never kept): HTML comments, so they cannot be typed.
BADGE = Markup("<!--nav:badge-->")
NEXT = Markup("<!--nav:next-->")
LANG_URL = {code: Markup("<!--nav:lang:{}-->").format(code) for code in LANGUAGES}
#: What the footer is made of besides the language.
CONTACT_SETTINGS = ("CONTACT_PHONE", "CONTACT_TELEGRAM", "CONTACT_EMAIL", "CONTACT_HOURS")


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


def site_header(unread: int) -> Markup:
    """The `<header>` of base.html (brand, bell, language picker and menu), with this request's
    badge, form token and addresses."""
    flags = shown(current_user)
    current = current_endpoint()
    key = ("header", locale_code(), request.script_root, flags, current)
    html = kept(key, lambda: _render_header(flags, current))
    slots = {BADGE: badge(unread)}
    if flags.signed_in:
        slots[CSRF] = csrf_input()
        slots[NEXT] = escape(switch_language_next())
    else:
        slots.update((LANG_URL[code], escape(switch_language_url(code))) for code in LANGUAGES)
    return filled(html, slots)


def _render_header(flags: Shown, current: str | None) -> str:
    template = current_app.jinja_env.get_template("_header.html")
    return template.render(
        show=flags, current=current, BADGE=BADGE, CSRF=CSRF, NEXT=NEXT, LANG_URL=LANG_URL
    )


def site_footer() -> Markup:
    """The footer of every page: the same for everyone reading one language (it is made of the
    CONTACT_* settings and fixed words), so it is kept per language and settings."""
    config = current_app.config
    settings = tuple(repr(config.get(name)) for name in CONTACT_SETTINGS)
    key = ("footer", locale_code(), settings)
    html = kept(key, lambda: current_app.jinja_env.get_template("_footer.html").render())
    return filled(html, {})


def badge(unread: int) -> Markup:
    """The unread count beside "Notifications" (nothing when there is none)."""
    if not unread:
        return Markup("")
    text = ngettext("%(num)d unread", "%(num)d unread", unread)
    return Markup(
        ' <span class="badge"><span aria-hidden="true">{}</span>'
        '<span class="visually-hidden">{}</span></span>'
    ).format(unread, text)
