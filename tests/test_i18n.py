"""Language choice, the switcher, <html lang>, dates and per-language content."""

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest

from portal.i18n import localized
from portal.i18n import parse_lang
from portal.i18n import short_date
from portal.i18n import short_datetime
from tests.helpers import translated

HTML_LANG = {"ky": "ky", "ru": "ru", "uz": "uz-Cyrl", "uz-Latn": "uz-Latn", "en": "en"}


@pytest.mark.parametrize(("param", "tag"), HTML_LANG.items())
def test_lang_parameter_chooses_the_language_and_html_lang(client, db, param, tag):
    page = client.get(f"/?lang={param}").text
    assert f'<html lang="{tag}">' in page


def test_pages_are_translated(client, db):
    for locale, param in (("ky", "ky"), ("ru", "ru"), ("uz_Cyrl", "uz"), ("uz_Latn", "uz-Latn")):
        page = client.get(f"/auth/login?lang={param}").text
        expected = translated("Forgot your password?", locale)
        assert expected != "Forgot your password?"
        assert expected in page


def test_uzbek_latin_is_the_transliterated_cyrillic(client, db):
    cyrillic = translated("Forgot your password?", "uz_Cyrl")
    latin = translated("Forgot your password?", "uz_Latn")
    from portal.translit import to_latin

    assert latin == to_latin(cyrillic)


def test_default_is_kyrgyz(client, db):
    assert '<html lang="ky">' in client.get("/").text


def test_accept_language_is_used_when_nothing_else_is_known(client, db):
    page = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).text
    assert '<html lang="ru">' in page
    page = client.get("/", headers={"Accept-Language": "uz-UZ"}).text
    assert '<html lang="uz-Cyrl">' in page
    page = client.get("/", headers={"Accept-Language": "fr-FR"}).text
    assert '<html lang="ky">' in page


def test_choice_is_remembered_in_a_cookie(client, db):
    client.get("/?lang=ru")
    page = client.get("/", headers={"Accept-Language": "en"}).text
    assert '<html lang="ru">' in page


def test_signed_in_users_choice_is_saved_on_the_account(client, login_as, db):
    user = login_as("youth", locale="ky")
    response = client.post("/language", data={"lang": "uz", "next": "/camps?page=2"})
    assert response.headers["Location"] == "/camps?page=2"
    db.session.refresh(user)
    assert user.locale == "uz_Cyrl"
    client.delete_cookie("lang")
    assert '<html lang="uz-Cyrl">' in client.get("/").text


def test_a_lang_link_does_not_change_the_saved_language(client, login_as, db):
    """Anyone can send a `?lang=` link; opening it must not change where messages reach you."""
    user = login_as("youth", locale="ky")
    assert '<html lang="ru">' in client.get("/?lang=ru").text
    db.session.refresh(user)
    assert user.locale == "ky"
    assert '<html lang="ky">' in client.get("/").text


def test_language_switch_refuses_other_sites_and_unknown_languages(client, login_as, db):
    user = login_as("youth", locale="ky")
    response = client.post("/language", data={"lang": "ru", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"
    client.post("/language", data={"lang": "xx", "next": "/"})
    db.session.refresh(user)
    assert user.locale == "ru"


def test_signed_in_switcher_posts_the_choice(client, login_as, db):
    login_as("youth")
    page = client.get("/camps?page=1").text
    assert 'action="/language"' in page
    assert 'name="next" value="/camps?page=1"' in page
    assert 'href="/camps?page=1&amp;lang=ru"' not in page


def test_saved_language_wins_over_the_cookie(client, login_as, db):
    login_as("youth", locale="ru")
    client.set_cookie("lang", "ky")
    assert '<html lang="ru">' in client.get("/").text


def test_unknown_lang_parameter_is_ignored(client, db):
    assert client.get("/?lang=xx").status_code == 200
    assert parse_lang("xx") is None
    assert parse_lang("UZ-latn") == "uz_Latn"


def test_switcher_names_each_language_in_itself_and_keeps_the_page(client, db):
    page = client.get("/auth/reset?lang=ru").text
    for name in ("Кыргызча", "Русский", "Ўзбекча", "Oʻzbekcha"):
        assert name in page
    assert 'href="/auth/reset?lang=uz-Latn"' in page
    assert 'aria-current="true">Русский' in page


@pytest.mark.parametrize("locale", ["ky", "ru", "uz_Cyrl", "uz_Latn", "en"])
def test_dates_are_day_month_year_in_every_language(app, locale):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(locale):
        assert short_date(date(2026, 3, 8)) == "08.03.2026"
        # 20:30 UTC is 02:30 the next day in Bishkek (UTC+6, no daylight saving).
        moment = datetime(2026, 7, 1, 20, 30, tzinfo=UTC)
        assert short_datetime(moment) == "02.07.2026 02:30"
        assert short_date(moment) == "02.07.2026"


@pytest.mark.parametrize("locale", ["ky", "ru", "uz_Latn", "en"])
def test_dates_are_formatted_as_babel_formats_them(app, locale):
    from flask_babel import force_locale
    from flask_babel import format_date
    from flask_babel import format_datetime

    from portal.i18n import _formatted

    moments = [datetime(year, month, 28, hour, 5, tzinfo=UTC) for year, month, hour in
               ((999, 1, 23), (2026, 12, 18), (2027, 6, 0))]  # fmt: skip
    moments.append(datetime(2026, 12, 31, 19, 0))  # naive: taken as UTC
    with app.test_request_context(), force_locale(locale):
        for moment in moments:
            assert short_date(moment) == format_datetime(moment, "dd.MM.yyyy")
            assert short_datetime(moment) == format_datetime(moment, "dd.MM.yyyy HH:mm")
            assert short_date(moment.date()) == format_date(moment.date(), "dd.MM.yyyy")
        # A pattern with words is left to Babel, in the reader's language.
        day = date(2026, 3, 8)
        assert _formatted(day, "d MMMM yyyy") == format_date(day, "d MMMM yyyy")


def test_localized_content_falls_back_and_transliterates(app):
    from flask_babel import force_locale

    names = {"ky": "Ош облусу", "ru": "Ошская область", "uz_Cyrl": "Ўш вилояти", "en": "Osh region"}
    with app.test_request_context():
        with force_locale("uz_Latn"):
            assert localized(names) == "Oʻsh viloyati"
        with force_locale("ru"):
            assert localized(names) == "Ошская область"
            assert localized({"ky": "Ош облусу"}) == "Ош облусу"


def test_the_shared_form_and_pager_macros_are_translated(client, db):
    """Strings in templates/_macros (which Babel skips unless told) reach the catalogues."""
    response = client.post("/auth/register?lang=ru", data={})
    assert "Что-то не так" in response.text and "There is a problem" not in response.text
    assert "Ошибка:" in response.text


def test_messages_speak_the_language_of_the_moment_within_one_request(app):
    from flask_babel import force_locale

    from portal.i18n import gettext
    from portal.i18n import lazy_gettext
    from portal.i18n import ngettext

    later = lazy_gettext("Sign out")
    with app.test_request_context("/?lang=ru"):
        russian = gettext("Sign out")
        assert russian != "Sign out" and str(later) == russian
        with force_locale("ky"):
            kyrgyz = gettext("Sign out")
            assert kyrgyz not in (russian, "Sign out") and str(later) == kyrgyz
            with force_locale("en"):
                assert gettext("Sign out") == str(later) == "Sign out"
                assert ngettext("%(num)d day", "%(num)d days", 3) == "3 days"
            assert gettext("Sign out") == kyrgyz
        assert gettext("Sign out") == str(later) == russian


def test_a_page_finds_each_languages_catalogue_once(client, db, monkeypatch):
    """Flask-Babel found the catalogue again for each of a page's hundreds of messages."""
    from flask_babel import Domain

    found = []
    real = Domain.get_translations
    monkeypatch.setattr(Domain, "get_translations", lambda self: found.append(1) or real(self))
    assert client.get("/auth/register?lang=ru").status_code == 200
    assert len(found) == 1


def test_the_language_code_follows_the_request_and_force_locale(app):
    """`locale_code` (read from Babel's state, each Locale's string made once) says what
    `str(get_locale())` says: the request's language, a forced one and back."""
    from flask_babel import force_locale
    from flask_babel import get_locale

    from portal.i18n import locale_code

    with app.test_request_context("/?lang=uz-latn"):
        assert locale_code() == str(get_locale()) == "uz_Latn"
        with force_locale("ru"):
            assert locale_code() == "ru"
            with force_locale("uz_Cyrl"):
                assert locale_code() == "uz_Cyrl"
            assert locale_code() == "ru"
        assert locale_code() == "uz_Latn"
    with app.test_request_context("/"):
        assert locale_code() == "ky"
