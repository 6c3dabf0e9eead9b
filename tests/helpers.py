"""Small helpers shared by the tests."""

import html
import re
from contextlib import contextmanager
from datetime import date
from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext

from portal.i18n import local_today


def translated(msgid: str, locale: str, **variables) -> str:
    """The catalogue's text for `msgid` in `locale`, as a page would show it (HTML-escaped)."""
    with force_locale(locale):
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
