"""Languages, the locale selector, date formats and per-language content."""

import re
from collections.abc import Mapping
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import DateTimeFormat
from babel.dates import parse_pattern
from babel.support import NullTranslations
from flask import current_app
from flask import g
from flask import request
from flask import session
from flask.globals import _cv_app
from flask_babel import Babel
from flask_babel import Domain
from flask_babel import format_decimal
from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user

from portal.translit import to_latin

#: Locale code → the language's name in itself, in the switcher's order.
LANGUAGES = {
    "ky": "Кыргызча",
    "ru": "Русский",
    "uz_Cyrl": "Ўзбекча",
    "uz_Latn": "Oʻzbekcha",
    "en": "English",
}
#: What `?lang=` accepts (also the cookie's values) → locale code.
LANG_PARAMS = {
    "ky": "ky",
    "ru": "ru",
    "uz": "uz_Cyrl",
    "uz-cyrl": "uz_Cyrl",
    "uz_cyrl": "uz_Cyrl",
    "uz-latn": "uz_Latn",
    "uz_latn": "uz_Latn",
    "en": "en",
}
#: Catalogues translated by hand; uz_Latn is generated from uz_Cyrl, en is the source.
TRANSLATED_LOCALES = ("ky", "ru", "uz_Cyrl")
DEFAULT_LOCALE = "ky"
LANG_COOKIE = "lang"
BISHKEK = ZoneInfo("Asia/Bishkek")
SHORT_DATE = "dd.MM.yyyy"
SHORT_DATETIME = "dd.MM.yyyy HH:mm"


def parse_lang(value: str | None) -> str | None:
    """Map a `?lang=` value, cookie or stored preference to a locale code, or None."""
    if not value:
        return None
    return LANG_PARAMS.get(value.strip().lower().replace(" ", ""))


def requested_lang() -> str | None:
    """The language asked for by `?lang=` on this request, if valid."""
    return parse_lang(request.args.get("lang"))


#: The signed-in person's saved language, mirrored in their session cookie: the "try again"
#: page shown while the database is down (portal/errors.py) speaks it without asking the database.
SESSION_LOCALE = "locale"


def select_locale() -> str:
    """?lang= → the user's saved language → cookie → Accept-Language → Kyrgyz."""
    if "locale" in g:
        return g.locale
    chosen = requested_lang()
    if chosen is None and current_user and current_user.is_authenticated:
        chosen = parse_lang(current_user.locale)
        if chosen and session.get(SESSION_LOCALE) != chosen:
            session[SESSION_LOCALE] = chosen
    if chosen is None:
        chosen = parse_lang(session.get(SESSION_LOCALE))
    if chosen is None:
        chosen = parse_lang(request.cookies.get(LANG_COOKIE))
    if chosen is None:
        chosen = _from_accept_language()
    g.locale = chosen or DEFAULT_LOCALE
    return g.locale


@lru_cache(maxsize=16)
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def selected_locale() -> Locale:
    """The locale selector Flask-Babel calls (once a request): `select_locale`'s choice as a
    Locale, parsed once per language rather than on every request."""
    return _locale(select_locale())


def _from_accept_language() -> str | None:
    for value, _quality in request.accept_languages:
        tag = value.lower().replace("_", "-")
        if tag.startswith("uz"):
            return "uz_Latn" if "latn" in tag else "uz_Cyrl"
        base = tag.split("-")[0]
        if base in ("ky", "ru", "en"):
            return base
    return None


def html_lang(locale: str | None = None) -> str:
    """BCP 47 tag for `<html lang>`: uz_Cyrl → uz-Cyrl."""
    return (locale or locale_code()).replace("_", "-")


def lang_param(locale: str) -> str:
    """The `?lang=` value that selects `locale`."""
    return {"uz_Cyrl": "uz", "uz_Latn": "uz-Latn"}.get(locale, locale)


def local_now() -> datetime:
    """The time in Kyrgyzstan (Asia/Bishkek, an aware datetime), whatever the server's zone."""
    return datetime.now(BISHKEK)


def local_today() -> date:
    """Today's date in Kyrgyzstan (Asia/Bishkek), whatever the server's zone."""
    return local_now().date()


def start_of_local_day(day: date) -> datetime:
    """Midnight at the start of `day` in Bishkek (an aware datetime)."""
    return datetime.combine(day, datetime.min.time(), BISHKEK)


def switch_language_url(locale: str) -> str:
    """This page's address with `?lang=` set to `locale` (other query arguments kept)."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    args.append(("lang", lang_param(locale)))
    return request.path + "?" + urlencode(args)


def switch_language_next() -> str:
    """This page's local address without `?lang=`, for the signed-in switcher to return to."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return request.path + (f"?{urlencode(args)}" if args else "")


def short_date(value: date | datetime | None) -> str:
    """A date as "12.12.2026"; a moment as its day in the reader's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _in_portal_zone(value)
    return _formatted(value, SHORT_DATE)


def short_datetime(value: datetime | None) -> str:
    return "" if value is None else _formatted(_in_portal_zone(value), SHORT_DATETIME)


def _in_portal_zone(value: datetime) -> datetime:
    """`value` in the portal's time zone, a naive one taken as UTC (as flask_babel does; the
    portal has no time zone per reader), with zoneinfo: pytz's normalize costs 20 µs a date."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_zone(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _formatted(value: date | datetime, pattern: str) -> str:
    """What flask_babel's format_date/format_datetime give, without building a formatter for
    each value: a list page formats hundreds of dates, each cell now only fills the template."""
    template = _date_template(pattern)
    if template is None:
        return parse_pattern(pattern) % DateTimeFormat(value, get_locale())
    return template.format(value)


#: Babel's numeric fields (padded as Babel pads them) as str.format fields of the value.
_NUMERIC_FIELDS = {
    "dd": "{0.day:02d}",
    "MM": "{0.month:02d}",
    "yyyy": "{0.year:04d}",
    "HH": "{0.hour:02d}",
    "mm": "{0.minute:02d}",
}


@lru_cache(maxsize=32)
def _date_template(pattern: str) -> str | None:
    """`pattern` as a str.format template when all its fields are numbers, the same in every
    language; None when a field needs the language's own words (month names): Babel then
    formats it in the reader's locale."""
    parts = re.split(r"%\((\w+)\)s", str(parse_pattern(pattern).format))
    template = []
    for position, part in enumerate(parts):
        if position % 2:
            if part not in _NUMERIC_FIELDS:
                return None
            template.append(_NUMERIC_FIELDS[part])
        else:
            template.append(part.replace("%%", "%").replace("{", "{{").replace("}", "}}"))
    return "".join(template)


def date_range(start: date | str | None, end: date | str | None) -> str:
    """Two dates as "12.12.2026–14.12.2026" in short dates; a range of one day shows that day once.

    Dates may come as ISO text (a plan version's snapshot stores them so).
    """
    start, end = _as_date(start), _as_date(end)
    if start is None or end is None or start == end:
        return short_date(start or end)
    return f"{short_date(start)}–{short_date(end)}"


def _as_date(value: date | str | None) -> date | None:
    if isinstance(value, str):
        return date.fromisoformat(value) if value else None
    return value


def number(value: Decimal | float | int | None) -> str:
    """A number in the reader's locale: digits grouped ("15 000"), "3" for 3.0, "2,5"."""
    if value is None:
        return ""
    return format_decimal(value)


def localized(values: Mapping[str, str | None], locale: str | None = None) -> str:
    """Pick the text for the current language from {"ky": …, "ru": …, "uz_Cyrl": …, "en": …}.

    Falls back through Kyrgyz, Russian, Uzbek and English; uz_Latn is transliterated.
    """
    locale = locale or locale_code()
    cyrillic = values.get("uz_Cyrl")
    if locale == "uz_Latn" and cyrillic:
        return to_latin(cyrillic)
    for code in (locale, "ky", "ru", "uz_Cyrl", "en"):
        text = values.get(code)
        if text:
            return text
    return ""


class PerLanguage(dict):
    """Content in several languages ({"ky": …, "ru": …, "uz_Cyrl": …}) that prints itself in
    the reader's language: a camp's title passed to a message follows whoever reads it."""

    def __str__(self) -> str:
        return localized(self)


def init_app(app) -> None:
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES,
        html_lang=html_lang,
        lang_param=lang_param,
        locale_code=locale_code,
        switch_language_url=switch_language_url,
        switch_language_next=switch_language_next,
    )
    app.jinja_env.filters["date"] = short_date
    app.jinja_env.filters["datetime"] = short_datetime
    app.jinja_env.filters["date_range"] = date_range
    app.jinja_env.filters["number"] = number
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.after_request(_remember_language)


def _translations():
    """The catalogue for the current locale, found once per request and locale."""
    return babel_domain().get_translations()


#: Where a request keeps its catalogues, by locale, in Flask-Babel's state of the request.
_CATALOGUES = "portal_catalogues"


class MessageDomain(Domain):
    """Flask-Babel's messages, with the catalogue found once per request and locale.

    Flask-Babel resolves the request's state, its locale and the catalogue for every message it
    translates (~40 µs each; a form page translates hundreds: labels, choices, lazy strings).
    Here the catalogue is found once and kept in the request's Babel state by locale, so a lazy
    string still speaks the language of the moment it is printed, and `force_locale` (mail in
    the recipient's language, a test switching languages) gets that language's catalogue.
    """

    def get_translations(self):
        state = _babel_state()
        if state is None:
            return NullTranslations()
        locale = getattr(state, "babel_locale", None) or get_locale()
        kept = state.__dict__.setdefault(_CATALOGUES, {})
        catalogue = kept.get(locale)
        if catalogue is None:
            catalogue = kept[locale] = super().get_translations()
        return catalogue


class PortalBabel(Babel):
    """Flask-Babel with the portal's MessageDomain for every message."""

    @cached_property
    def domain_instance(self):
        return MessageDomain(domain=self.domain)


def _babel_state():
    """Flask-Babel's state of this request (None outside an application context); read from
    the application context directly, as `flask.g` would cost a proxy lookup per message."""
    context = _cv_app.get(None)
    if context is None:
        return None
    state = context.g.__dict__.get("_flask_babel")
    if state is None:
        from flask_babel import _get_current_context

        state = _get_current_context()
    return state


#: Each Locale's code, as `str(locale)` gives it (Babel builds that string anew every time).
_CODES: dict[Locale | None, str] = {}


def locale_code() -> str:
    """The language being spoken now ("ky", "uz_Cyrl"), as `str(get_locale())` gives it: read
    from the request's Babel state, which `force_locale` sets too, without Flask-Babel's proxy
    lookups (a list page asks for every place name, label and date)."""
    state = _babel_state()
    locale = getattr(state, "babel_locale", None) if state is not None else None
    if locale is None:
        locale = get_locale()
    code = _CODES.get(locale)
    if code is None:
        code = _CODES[locale] = str(locale)
    return code


#: The portal's MessageDomain, found once (an import per message would cost more than the lookup).
_DOMAIN: list[Domain] = []


def babel_domain() -> Domain:
    if not _DOMAIN:
        from portal.extensions import babel

        _DOMAIN.append(babel.domain_instance)
    return _DOMAIN[0]


def _remember_language(response):
    """Keep a `?lang=` choice in a cookie (a signed-in user's saved language changes by POST)."""
    chosen = requested_lang()
    if chosen:
        remember_language_cookie(response, chosen)
    return response


def remember_language_cookie(response, chosen: str) -> None:
    response.set_cookie(
        LANG_COOKIE,
        chosen,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )


# --- the portal's gettext: the catalogue of the request and locale, found once ---------------
# Flask-Babel's own functions find the request's state and domain again for every message; these
# go to the portal's MessageDomain directly. Lazy strings are translated when printed, in the
# language of that moment (a mail under force_locale prints in the recipient's).


def gettext(string: str, **variables) -> str:
    text = _translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int | None, **variables) -> str:
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def pgettext(context: str, string: str, **variables) -> str:
    text = _translations().upgettext(context, string)
    return text % variables if variables else text


def npgettext(context: str, singular: str, plural: str, num: int | None, **variables) -> str:
    variables.setdefault("num", num)
    return _translations().unpgettext(context, singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    return LazyString(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables) -> LazyString:
    return LazyString(ngettext, singular, plural, num, **variables)


def lazy_pgettext(context: str, string: str, **variables) -> LazyString:
    return LazyString(pgettext, context, string, **variables)
