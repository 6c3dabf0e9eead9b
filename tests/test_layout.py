"""What every page shares (issue 18): a header with one language picker and a menu that opens
without JavaScript, a footer that says how to reach the programme, status badges by tone, a
format hint by date fields."""

import re
from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from portal.contact import phone_href
from portal.contact import telegram_name
from portal.forms import BaseForm
from portal.forms import CalendarDateField
from portal.forms import CalendarDateTimeField
from tests import factories
from tests.helpers import translated


def header(page: str) -> str:
    return re.search(r"<header.*?</header>", page, re.S).group(0)


def footer(page: str) -> str:
    return re.search(r"<footer.*?</footer>", page, re.S).group(0)


# -- the header -------------------------------------------------------------------------------


def test_the_menu_is_a_disclosure_that_holds_the_navigation(client, db):
    page = header(client.get("/?lang=ru").text)
    menu = re.search(r'<details class="drop menu">(.*?)</details>', page, re.S).group(1)
    assert re.search(r"<summary>.*" + translated("Menu", "ru") + r".*</summary>", menu, re.S)
    assert 'aria-label="' + translated("Main menu", "ru") + '"' in menu
    assert 'href="/camps"' in menu and 'href="/auth/login"' in menu


def test_one_language_picker_each_language_named_in_itself(client, db):
    page = header(client.get("/camps?region=KG-O&lang=ru").text)
    picker = re.search(r'<details class="drop languages">(.*?)</details>', page, re.S).group(1)
    summary = re.search(r"<summary>(.*?)</summary>", picker, re.S).group(1)
    assert '<span lang="ru">Русский</span>' in summary
    links = re.findall(
        r'<a href="([^"]+)" lang="([^"]+)" hreflang="([^"]+)"\s*([^>]*)>([^<]+)<', picker
    )
    assert [(lang, name) for _, lang, _, _, name in links] == [
        ("ky", "Кыргызча"),
        ("ru", "Русский"),
        ("uz-Cyrl", "Ўзбекча"),
        ("uz-Latn", "Oʻzbekcha"),
        ("en", "English"),
    ]
    assert all(lang == hreflang for _, lang, hreflang, _, _ in links)
    # The filters stay; only the current one is marked.
    assert links[0][0] == "/camps?region=KG-O&amp;lang=ky"
    assert [current for *_, current, _ in links].count('aria-current="true"') == 1
    assert 'aria-current="true"' in links[1][3]
    assert page.count("<details") == 2


def test_signed_in_the_picker_posts_the_choice(client, login_as, db):
    login_as("youth")
    picker = re.search(
        r'<details class="drop languages">(.*?)</details>', header(client.get("/").text), re.S
    ).group(1)
    assert 'method="post" action="/language"' in picker
    assert 'name="csrf_token"' in picker
    assert len(re.findall(r'<button type="submit" name="lang" value="[^"]+"', picker)) == 5
    assert "<a " not in picker


def test_the_current_page_is_marked_in_the_menu(client, db):
    page = header(client.get("/camps").text)
    assert re.search(r'<a href="/camps" aria-current="page">', page)
    assert not re.search(r'<a href="/" aria-current="page">', page)


def test_the_unread_count_shows_on_the_closed_menu(client, login_as, db):
    user = login_as("youth")
    factories.NotificationFactory.create_batch(3, user_id=user.id)
    summary = re.search(
        r'<details class="drop menu">\s*<summary>(.*?)</summary>', client.get("/").text, re.S
    ).group(1)
    assert '<span aria-hidden="true">3</span>' in summary
    assert "visually-hidden" in summary


def test_the_logo_is_inline_small_and_named(client, db):
    page = header(client.get("/").text)
    logo = re.search(r"<svg class=\"logo\".*?</svg>", page, re.S).group(0)
    assert 'role="img" aria-label="Jashtar"' in logo
    assert len(logo.encode()) < 600


# -- the footer -------------------------------------------------------------------------------


def test_every_page_says_how_to_reach_the_programme(client, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "CONTACT_PHONE", "+996 (555) 12-34-56")
    monkeypatch.setitem(app.config, "CONTACT_EMAIL", "help@jashtar.example.org")
    monkeypatch.setitem(app.config, "CONTACT_TELEGRAM", "https://t.me/jashtar_help")
    monkeypatch.setitem(app.config, "CONTACT_HOURS", {"ky": "Күн сайын", "ru": "Каждый день"})
    for path in ("/?lang=ru", "/camps?lang=ru", "/auth/login?lang=ru", "/no-such-page?lang=ru"):
        page = footer(client.get(path).text)
        assert translated("Questions? Contact the programme", "ru") in page
        assert '<a href="tel:+996555123456">' in page
        assert '<a href="mailto:help@jashtar.example.org">' in page
        assert '<a href="https://t.me/jashtar_help">' in page and "@jashtar_help" in page
        assert translated("We answer: %(hours)s", "ru", hours="Каждый день") in page
    assert "Күн сайын" in footer(client.get("/?lang=ky").text)


def test_unset_ways_are_not_shown(client, db, app, monkeypatch):
    for name in ("CONTACT_PHONE", "CONTACT_TELEGRAM", "CONTACT_HOURS"):
        monkeypatch.setitem(app.config, name, "")
    monkeypatch.setitem(app.config, "CONTACT_EMAIL", "help@jashtar.example.org")
    page = footer(client.get("/").text)
    assert "mailto:help@jashtar.example.org" in page
    assert "tel:" not in page and "t.me" not in page
    assert translated("We answer: %(hours)s", "ky", hours="").split(":")[0] not in page
    monkeypatch.setitem(app.config, "CONTACT_EMAIL", "")
    assert 'class="contact"' not in footer(client.get("/").text)


@pytest.mark.parametrize(
    "value, name",
    [
        ("@jashtar", "jashtar"),
        ("jashtar_help", "jashtar_help"),
        ("https://t.me/jashtar/", "jashtar"),
        ("t.me/jashtar", "jashtar"),
        ("https://evil.example.org/x", None),
        ('jashtar"><script>', None),
        ("", None),
    ],
)
def test_telegram_names_are_read_from_any_usual_form(value, name):
    assert telegram_name(value) == name


def test_phone_links_dial_the_digits():
    assert phone_href("+996 (312) 00-00-00") == "tel:+996312000000"
    assert phone_href("0555 123 456") == "tel:0555123456"


# -- badges and date fields ---------------------------------------------------------------------


def test_statuses_are_badges_coloured_by_tone(client, login_as, db):
    user = login_as("youth")
    factories.ApplicationFactory(applicant=user)
    page = client.get("/applications?lang=ru").text
    assert re.search(r'<span class="badge badge-(neutral|info|ok|warn|alert)">[^<]+</span>', page)


def test_a_kept_status_badge_speaks_each_readers_language(app):
    """A status badge is made once per language and status, then kept: the next reader of
    another language gets their own words, not the first reader's."""
    from flask_babel import force_locale

    from portal.camps.labels import STATUS_BADGE
    from portal.camps.models import ApplicationStatus
    from portal.i18n import gettext

    with app.test_request_context("/"):
        for locale in ("ru", "ky", "ru", "uz_Cyrl"):
            with force_locale(locale):
                words = gettext("Accepted, waiting for confirmation")
                assert STATUS_BADGE(ApplicationStatus.ACCEPTED) == (
                    f'<span class="badge badge-warn">{words}</span>'
                )
        with force_locale("ru"):
            assert STATUS_BADGE(ApplicationStatus.ACCEPTED) is STATUS_BADGE(
                ApplicationStatus.ACCEPTED
            )


class Dates(BaseForm):
    day = CalendarDateField("Day")
    at = CalendarDateTimeField("At")


def test_date_fields_accept_the_hinted_format_as_well_as_the_pickers(app):
    with app.test_request_context():
        form = Dates(
            MultiDict({"day": "25.06.2008", "at": "25.06.2027 14:30"}), meta={"csrf": False}
        )
        assert form.validate(), form.errors
        assert form.day.data == date(2008, 6, 25)
        assert form.at.data.hour == 14
        picker = Dates(
            MultiDict({"day": "2008-06-25", "at": "2027-06-25T14:30"}), meta={"csrf": False}
        )
        assert picker.validate() and picker.day.data == date(2008, 6, 25)
        assert picker.day._value() == "2008-06-25"


def test_date_fields_carry_a_format_hint(client, login_as, db):
    login_as("organiser")
    page = client.get("/manage/camps/new?lang=ru").text
    field = re.search(r'<input[^>]*id="start_date"[^>]*>', page).group(0)
    assert 'type="date"' in field
    assert re.search(r'aria-describedby="[^"]*start_date-format', field)
    hint = re.search(r'<p class="hint" id="start_date-format">([^<]+)</p>', page).group(1)
    assert hint == translated("Format: DD.MM.YYYY", "ru")


# -- the menu, kept rendered (portal/main/nav.py) ------------------------------------------------


def main_menu(page: str) -> str:
    """The page's main menu, its sign-out token (signed anew on every page) left out."""
    menu = re.search(r'<nav aria-label="[^"]*" class="drop-panel main-nav">.*?</nav>', page, re.S)
    return re.sub(r'(name="csrf_token" type="hidden" value=")[^"]+', r"\1…", menu.group(0))


class Recording(dict):
    """fragments.KEPT that notes every header it did not have (a menu rendered, not taken
    kept); the footer is kept beside them."""

    def __init__(self):
        super().__init__()
        self.missed = []

    def get(self, key, default=None):
        if key not in self and key[0] == "header":
            self.missed.append(key)
        return super().get(key, default)

    def headers(self) -> list[str]:
        return [html for key, html in self.items() if key[0] == "header"]


@pytest.fixture
def kept_menus(monkeypatch):
    from portal import fragments

    recording = Recording()
    monkeypatch.setattr(fragments, "KEPT", recording)
    return recording


def test_the_menu_is_rendered_once_per_language_roles_and_page(client, login_as, db, kept_menus):
    login_as("youth")
    english = main_menu(client.get("/?lang=en").text)
    assert main_menu(client.get("/?lang=en").text) == english
    assert len(kept_menus.missed) == 1  # the second page view took the kept menu
    russian = main_menu(client.get("/?lang=ru").text)
    assert translated("My applications", "ru") in russian and "My applications" not in russian
    camps = main_menu(client.get("/camps?lang=en").text)
    assert 'href="/camps" aria-current="page"' in camps and 'href="/" aria-current' not in camps
    assert 'href="/" aria-current="page"' in english
    assert len(kept_menus.missed) == 3
    login_as("organiser")
    staff = main_menu(client.get("/?lang=en").text)
    assert "Manage camps" in staff and "Manage camps" not in english
    assert "My applications" not in staff and "My applications" in english
    assert len(kept_menus.missed) == 4


def test_the_kept_menu_gets_each_requests_token_and_unread_count(client, login_as, db, kept_menus):
    person = login_as("youth")
    first = main_menu(client.get("/?lang=en").text)
    assert 'class="badge"' not in first
    factories.NotificationFactory(user_id=person.id)
    factories.NotificationFactory(user_id=person.id)
    again = main_menu(client.get("/?lang=en").text)
    assert len(kept_menus.missed) == 1  # the same kept menu, with this request's count
    assert '<span aria-hidden="true">2</span>' in again and "2 unread" in again
    assert 'name="csrf_token" type="hidden" value="' in again
    (kept,) = kept_menus.headers()
    assert "csrf_token" not in kept and "unread" not in kept and 'class="badge"' not in kept


def test_the_kept_header_gets_each_pages_own_language_links_escaped(client, db, kept_menus):
    first = client.get("/camps?lang=en&q=%22%3E%3Cscript%3Ex").text
    again = client.get("/camps?lang=en&q=tynchtyk").text
    assert len(kept_menus.missed) == 1  # one kept header, each page's own addresses in it
    assert 'href="/camps?q=%22%3E%3Cscript%3Ex&amp;lang=ru"' in first and "<script>x" not in first
    assert 'href="/camps?q=tynchtyk&amp;lang=ru"' in again and "%3Cscript" not in again
    (kept,) = kept_menus.headers()
    assert "tynchtyk" not in kept and "%3Cscript" not in kept


def test_the_kept_header_sends_the_signed_in_language_choice_back_to_this_page(
    client, login_as, db, kept_menus
):
    login_as("youth")
    first = client.get("/camps?lang=en&q=%22%3Cb%3E").text
    again = client.get("/camps?lang=en&q=osh").text
    assert len(kept_menus.missed) == 1
    assert '<input type="hidden" name="next" value="/camps?q=%22%3Cb%3E">' in first
    assert '<input type="hidden" name="next" value="/camps?q=osh">' in again
    footer = [html for key, html in kept_menus.items() if key[0] == "footer"]
    assert len(footer) == 1 and "site-footer" in footer[0]


def test_a_list_filter_is_kept_per_values_and_drawn_afresh_with_errors_or_typed_words(
    client, login_as, db, kept_menus
):
    login_as("organiser")
    camp = factories.CampFactory()
    page = f"/manage/camps/{camp.id}/applications?lang=en"

    def kept_filters() -> list:
        return [key for key in kept_menus if key[0] == "filter"]

    client.get(page)
    client.get(page)
    assert len(kept_filters()) == 2  # the search box and the other fields, each once
    chosen = client.get(f"{page}&status=submitted").text
    assert re.search(r'<option selected value="submitted">', chosen)
    assert len(kept_filters()) == 3  # the other fields with this status; the same search box
    typed = client.get(f"{page}&q=%3Cb%3EAsel").text
    assert 'value="&lt;b&gt;Asel"' in typed and len(kept_filters()) == 3  # typed: not kept
    wrong = client.get(f"{page}&region=XX")
    assert 'aria-invalid="true"' in wrong.text and len(kept_filters()) == 3
    assert 'aria-invalid="true"' not in client.get(page).text  # no error kept for the next


@pytest.mark.parametrize("args", [{}, {"status": "submitted", "q": "9187236450001 a&b"}])
def test_a_rows_link_built_once_is_the_link_url_for_builds(app, args):
    from flask import url_for

    from portal.listing import row_url

    with app.test_request_context("/"):
        link = row_url("camps_manage.application", "application_id", **args)
        for row_id in (1, 41, 9187236450001, 10**12):
            assert link(row_id) == url_for(
                "camps_manage.application", application_id=row_id, **args
            )


def test_a_full_fragment_store_lets_only_its_oldest_fragment_go(monkeypatch):
    """Past MAX_KEPT, the fragment kept longest makes room: the others (every page's header
    among them) stay kept instead of all being rendered again."""
    from portal import fragments

    monkeypatch.setattr(fragments, "KEPT", {})
    monkeypatch.setattr(fragments, "MAX_KEPT", 3)
    rendered = []

    def render(name):
        rendered.append(name)
        return f"<p>{name}</p>"

    for name in ("header", "footer", "balance"):
        fragments.kept((name,), lambda name=name: render(name))
    assert fragments.kept(("targets",), lambda: render("targets")) == "<p>targets</p>"
    assert list(fragments.KEPT) == [("footer",), ("balance",), ("targets",)]
    assert fragments.kept(("footer",), lambda: render("footer again")) == "<p>footer</p>"
    assert rendered == ["header", "footer", "balance", "targets"]


def test_a_key_whose_hash_changed_empties_the_store_rather_than_hanging(monkeypatch):
    """A key that hashes differently once kept (a lazy label's hash is its text in the
    language of the moment) can never be found to be let go: a full store gives up on all it
    holds instead of looking for it for ever."""
    from portal.bounded import kept_in

    class Shifting:
        """Hashed by the language of the moment: 0, then 1 (small numbers, so that looking
        for it again cannot land on its own slot by chance, as a random hash might)."""

        language = "ky"

        def __hash__(self):
            return {"ky": 0, "ru": 1}[Shifting.language]

    store: dict = {}
    kept_in(store, 2, Shifting(), lambda: "<p>ky</p>")
    kept_in(store, 2, ("footer",), lambda: "<p>footer</p>")
    Shifting.language = "ru"
    assert kept_in(store, 2, ("balance",), lambda: "<p>balance</p>") == "<p>balance</p>"
    assert list(store) == [("balance",)]
