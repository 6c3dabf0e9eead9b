"""Small helpers shared by the tests."""

import html
import re
import socket
import time
from contextlib import contextmanager
from datetime import date
from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext
from flask_babel import ngettext

from portal.i18n import local_today


def translated(msgid: str, locale: str, plural: str | None = None, **variables) -> str:
    """The catalogue's text for `msgid` in `locale`, as a page would show it (HTML-escaped);
    with `plural`, the form for `num`."""
    with force_locale(locale):
        if plural is not None:
            return html.escape(ngettext(msgid, plural, **variables), quote=False)
        return html.escape(gettext(msgid, **variables), quote=False)


def years_ago(years: int, days: int = 0) -> date:
    today = local_today()
    return date(today.year - years, today.month, min(today.day, 28)) - timedelta(days=days)


def error_summary(page: str) -> list[str]:
    """The messages listed in the page's error summary."""
    block = re.search(r'<div class="error-summary".*?</ul>', page, re.S)
    if not block:
        return []
    return [
        html.unescape(text) for text in re.findall(r'<a href="#[^"]+">(.*?)</a>', block.group(0))
    ]


def registration_data(**changes) -> dict:
    data = {
        "full_name": "Айгерим Токтогулова кызы",
        "email": "aigerim@example.org",
        "phone": "0555 123 456",
        "password": "kok-jailoo-2026",
        "date_of_birth": years_ago(16).isoformat(),
        "gender": "female",
        "region": "KG-O",
        "district": "KG-O-KARASUU",
        "community": "Papan",
        "locale": "ky",
        "consent": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


#: What production needs to start (a strong secret, BASE_URL, a decision on limit storage);
#: "localhost" is trusted too so the test client can reach the app.
PRODUCTION_SETTINGS = {
    "SECRET_KEY": "kV3p9-Lq2Zr8Yt6Wn4Xb1Hs7Jd5Mf0Gc",
    "BASE_URL": "https://portal.example.org",
    "EXTRA_TRUSTED_HOSTS": "localhost",
    "RATELIMIT_ALLOW_MEMORY": True,
}


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def signed_in(server, user, **session_values):
    """A client of `server` (an app) whose session is signed in as `user`, just now."""
    client = server.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["auth_at"] = session["seen"] = int(time.time())
        session.update(session_values)
    return client


def plan_form(plan, action: str = "save", **changes) -> dict:
    """The plan form as its page sends it back, with `changes`; `action` names the button
    ("save", "send" to save and send for review, "add_row")."""
    data = {
        "title": plan.title,
        "category": plan.category.value,
        "problem": plan.problem,
        "root_causes": plan.root_causes,
        "affected": plan.affected,
        "objectives": plan.objectives,
        "partners": list(plan.partners),
        "partners_other": plan.partners_other,
        "risks": plan.risks,
        "tension_avoidance": plan.tension_avoidance,
        "indicators": plan.indicators,
        "budget_som": "" if plan.budget_som is None else str(plan.budget_som),
        "action": action,
    }
    for number, activity in enumerate(plan.activities):
        for key in ("what", "who", "resources"):
            data[f"activities-{number}-{key}"] = getattr(activity, key)
        for key in ("starts_on", "ends_on"):
            day = getattr(activity, key)
            data[f"activities-{number}-{key}"] = day.isoformat() if day else ""
    data.update(changes)
    return data


def sign_in(client, user) -> None:
    """Make `client` a browser signed in as `user` (as the login_as fixture does)."""
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["auth_at"] = session["seen"] = int(time.time())


#: The training modules that read the time (portal.i18n.local_now).
TRAINING_CLOCK_READERS = (
    "portal.training.services",
    "portal.training.queries",
    "portal.training.routes",
)


@contextmanager
def training_clock(now):
    """Run training as if it were `now` (a callable giving an aware datetime, or one)."""
    import importlib

    read = now if callable(now) else (lambda: now)
    modules = [importlib.import_module(name) for name in TRAINING_CLOCK_READERS]
    originals = [module.local_now for module in modules]
    for module in modules:
        module.local_now = read
    try:
        yield
    finally:
        for module, original in zip(modules, originals, strict=True):
            module.local_now = original


#: The machine's Redis (CI's too); each test keeps to a key prefix of its own (`redis_prefix`).
REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_keys(prefix: str) -> list[str]:
    """The keys under `prefix` in the shared Redis, without the prefix."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        return sorted(key.decode()[len(prefix) :] for key in client.scan_iter(match=f"{prefix}*"))
    finally:
        client.close()


def without_tokens(page: str) -> str:
    """The page with its CSRF tokens blanked (each signed with the second it was made in) and
    without its messages and blank lines (a message is shown once: a step's own goes with
    the first GET): two requests of one page compared."""
    return BLANK_LINES.sub("\n", CSRF_VALUE.sub('value=""', FLASHES.sub("", page)))


CSRF_VALUE = re.compile(r'(?<=name="csrf_token" type="hidden" )value="[^"]*"')
FLASHES = re.compile(r'<div class="flashes">.*?\n  </div>', re.S)
BLANK_LINES = re.compile(r"(\n[ \t]*)+\n")
