"""Calendar feeds: a person's secret link (their page under the account, and the feed itself,
opened by calendar apps without signing in) and the public feed of a camp."""

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import force_locale
from flask_login import current_user
from flask_login import login_required

from portal.calendars import ics
from portal.calendars import policy
from portal.calendars import queries
from portal.calendars import services
from portal.extensions import utcnow
from portal.forms import ActionForm
from portal.i18n import DEFAULT_LOCALE
from portal.i18n import gettext as _
from portal.i18n import parse_lang
from portal.links import external_url

bp = Blueprint("calendars", __name__)
ICALENDAR = "text/calendar; charset=utf-8"


@bp.record_once
def register_template_globals(state) -> None:
    state.app.jinja_env.globals["calendar_policy"] = policy


@bp.get("/account/calendar")
@login_required
def account():
    """One's calendar link: turn it on, make it anew, turn it off."""
    return _page(token=None)


@bp.post("/account/calendar/reset")
@login_required
def reset():
    """Make a new calendar link (the old one stops working) and show it, once."""
    token = services.reset_link(current_user)
    return _page(token=token)


@bp.post("/account/calendar/off")
@login_required
def turn_off():
    """Turn the calendar link off: calendar apps get nothing from it any more."""
    if services.turn_off(current_user):
        flash(_("Your calendar link is turned off."), "success")
    return redirect(url_for(".account"))


def _page(token: str | None):
    link = external_url("calendars.person_feed", token=token) if token else None
    return render_template(
        "calendars/account.html",
        feed=queries.feed_of(current_user),
        link=link,
        webcal=link and "webcal://" + link.split("://", 1)[1],
        form=ActionForm(),
    )


@bp.get("/calendar/<token>.ics")
def person_feed(token):
    """A person's camps and training sessions, for their calendar app (the link is the key)."""
    person = queries.person_for_token(token)
    if person is None:
        abort(404)
    now = utcnow()
    places = queries.camp_places(person, now)
    sessions = queries.training_sessions(person, now)
    with force_locale(parse_lang(person.locale) or DEFAULT_LOCALE):
        body = ics.person_calendar(
            person, places, sessions, now=now, base_url=current_app.config["BASE_URL"]
        )
    return _calendar(body, "jashtar.ics", private=True)


@bp.get("/camps/<int:camp_id>/calendar.ics")
def camp_feed(camp_id):
    """A published camp's days, in the reader's language."""
    camp = queries.public_camp(camp_id)
    if camp is None:
        abort(404)
    body = ics.camp_calendar(camp, now=utcnow(), base_url=current_app.config["BASE_URL"])
    return _calendar(body, f"camp-{camp.id}.ics", private=False)


def _calendar(body: bytes, filename: str, *, private: bool):
    response = current_app.response_class(body, mimetype="text/calendar")
    response.headers["Content-Type"] = ICALENDAR
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    # A person's feed is theirs alone: no shared cache keeps it, no search engine lists it.
    response.headers["Cache-Control"] = "private, no-store" if private else "no-cache"
    if private:
        response.headers["X-Robots-Tag"] = "noindex"
    return response
