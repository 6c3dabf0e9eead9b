"""Nothing raw on screen (issue 17): every page each demo role can reach, in every shipped
language, shows no audit code (`plan.submitted`), no ISO date and no bare language code."""

import gzip
import re
from html.parser import HTMLParser

import pytest

from portal.accounts.models import User
from portal.accounts.services import password_reset_token
from portal.extensions import db as _db
from portal.groups.models import GroupInvitation
from portal.groups.models import InvitationStatus
from portal.training.models import Certificate
from tests import factories
from tests.helpers import translated
from tests.test_budgets import CRAWL_LOGINS
from tests.test_budgets import crawl
from tests.test_budgets import demo  # noqa: F401  (the fixture: the demo programme, seeded)
from tests.test_budgets import sign_in_as

#: `?lang=` value → the locale saved on the account, so a signed-in crawl keeps its language.
LANGUAGES = {"ky": "ky", "ru": "ru", "uz": "uz_Cyrl", "uz-Latn": "uz_Latn"}
ROLES = CRAWL_LOGINS
#: The switcher's links would change the language in the middle of a crawl.
SKIP = re.compile(r"\.(pdf|csv|xlsx|json)$|/static/|/auth/logout|[?&]lang=")

EVENT_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
LANGUAGE_CODE = re.compile(r"\b(?:ky|ru|uz|en)\b")
#: A word holding an e-mail address or a host name, where a dot between words is right.
ADDRESS = re.compile(r"\S*@\S*|\S*\.(?:org|com|net|kg|ru|uz|example)\b\S*")


class VisibleText(HTMLParser):
    """The text a reader sees: no tags, no attribute values, no scripts or styles."""

    HIDDEN = {"script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        self.parts.append(" ")  # a tag separates words

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1
        self.parts.append(" ")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", " ", "".join(parser.parts))


def raw_bits(text: str) -> list[tuple[str, str]]:
    """(kind, snippet) for every raw code, ISO date or language code in visible `text`."""
    found = []
    without_addresses = ADDRESS.sub(" ", text)
    for kind, pattern in (
        ("event code", EVENT_CODE),
        ("ISO date", ISO_DATE),
        ("language code", LANGUAGE_CODE),
    ):
        for match in pattern.finditer(without_addresses):
            start, end = max(match.start() - 40, 0), match.end() + 40
            found.append((kind, f"{match.group(0)!r} in …{without_addresses[start:end]}…"))
    return found


def test_the_checker_sees_codes_dates_and_language_codes_but_not_addresses():
    page = (
        '<p title="plan.submitted 2026-01-01">Sent by admin@demo.example.org via '
        "portal.example.org.</p><script>var a = b.c_d;</script>"
        "<td>user.roles_changed</td><td>2026-12-11</td>"
        "<td>ky, ru</td><td>Menu.</td><td>Kyrgyz, Russian</td>"
    )
    kinds = [kind for kind, _ in raw_bits(visible_text(page))]
    assert kinds == ["event code", "ISO date", "language code", "language code"]


def unlinked_pages(email: str | None) -> list[tuple[str | None, str]]:
    """(who signs in, address) of the pages no link leads to: they open from an e-mail or a
    code (a reset link, a certificate check, an invitation) or after a timeout."""
    if email is None:
        certificate = _db.session.scalars(
            _db.select(Certificate).where(Certificate.revoked_at.is_(None)).order_by(Certificate.id)
        ).first()
        youth = _db.session.scalar(_db.select(User).where(User.email == ROLES[1]))
        return [
            (None, f"/certificates/verify/{certificate.code}"),
            (None, f"/auth/reset/{password_reset_token(youth)}"),
        ]
    pages = [(email, "/auth/confirm")]
    if email == ROLES[1]:  # the group lead's invitation, as the one invited reads it
        invitation = _db.session.scalars(
            _db.select(GroupInvitation).where(GroupInvitation.status == InvitationStatus.PENDING)
        ).first()
        invitee = _db.session.get(User, invitation.invitee_id)
        pages.append((invitee.email, f"/invitations/{invitation.id}"))
    return pages


def visit(client, email: str | None, url: str, locale: str):
    """GET `url` as `email` (None: signed out) reading `locale`."""
    client.delete_cookie("session")
    if email:
        person = _db.session.scalar(_db.select(User).where(User.email == email))
        person.locale = locale
        _db.session.commit()
        sign_in_as(client, email)
    response = client.get(url)
    assert response.status_code == 200, url
    return response


@pytest.mark.parametrize("email", ROLES, ids=lambda email: (email or "anonymous").split("@")[0])
def test_no_page_shows_codes_iso_dates_or_language_codes(client, demo, email):  # noqa: F811
    person = _db.session.scalar(_db.select(User).where(User.email == email)) if email else None
    if email:
        sign_in_as(client, email)
    hits: dict[str, list[str]] = {}
    for lang, locale in LANGUAGES.items():
        if person is not None:
            person.locale = locale
            _db.session.commit()
        client.set_cookie("lang", lang)
        pages = crawl(client, skip=SKIP)
        assert len(pages) >= (3 if email is None else 8), lang
        texts = {}
        for url, (response, body) in pages.items():
            html = gzip.decompress(body) if response.content_encoding == "gzip" else body
            texts[url] = html.decode()
        for who, url in unlinked_pages(email):
            texts[url] = visit(client, who, url, locale).text
        for url, html in texts.items():
            for kind, snippet in raw_bits(visible_text(html)):
                hits.setdefault(f"{kind} · {lang} · {url}", []).append(snippet)
        if email:
            sign_in_as(client, email)
    report = "\n".join(f"{page}: {snippets[0]}" for page, snippets in sorted(hits.items()))
    total = sum(len(snippets) for snippets in hits.values())
    assert not hits, f"{total} raw bits on {len(hits)} pages:\n{report}"


# -- the fixes, one by one ---------------------------------------------------------------------


def test_a_range_of_one_day_shows_once_and_numbers_follow_the_locale(db):
    from datetime import date
    from decimal import Decimal

    from flask_babel import force_locale

    from portal.i18n import date_range
    from portal.i18n import number

    day = date(2026, 12, 11)
    with force_locale("ru"):
        assert date_range(day, day) == "11.12.2026"
        assert date_range("2026-12-11", "2026-12-13") == "11.12.2026–13.12.2026"
        assert date_range(day, None) == date_range("2026-12-11", "") == "11.12.2026"
        assert number(Decimal("3.0")) == "3" and number(Decimal("2.5")) == "2,5"
        assert number(15000) == "15\xa0000"
    with force_locale("en"):
        assert number(15000) == "15,000" and number(None) == ""


def test_a_plan_version_shows_short_dates_once_a_day_and_a_grouped_budget(client, db):
    from datetime import date

    from portal.groups import services
    from tests.helpers import sign_in

    plan = factories.ActionPlanFactory(budget_som=15000)
    plan.activities[0].starts_on = plan.activities[0].ends_on = date(2026, 12, 11)
    services.submit(plan, by=plan.group.lead)
    _db.session.commit()
    sign_in(client, plan.group.lead)
    for url in (f"/plans/{plan.id}/versions/1?lang=ru", f"/plans/{plan.id}?lang=ru"):
        text = visible_text(client.get(url).text)
        assert "2026-12-11" not in text and "11.12.2026–11.12.2026" not in text, url
        assert "Жолугушуу · Топ · 11.12.2026" in text, url
    assert "15\xa0000</dd>" in client.get(f"/plans/{plan.id}?lang=ru").text
    assert "15\xa0000" in client.get(f"/plans/{plan.id}/versions/1?lang=ru").text


def test_module_hours_read_as_numbers_of_the_locale(client, login_as, db):
    from decimal import Decimal

    login_as("organiser")
    programme = factories.ProgrammeFactory()
    factories.ModuleFactory(programme=programme, hours=Decimal("3.0"))
    factories.ModuleFactory(programme=programme, hours=Decimal("2.5"))
    page = client.get(f"/manage/programmes/{programme.id}?lang=ru").text
    assert '<td class="num">3</td>' in page and '<td class="num">2,5</td>' in page
    assert "3.0" not in page


def test_organisers_read_language_names_and_third_person_labels(client, login_as, db):
    login_as("organiser")
    application = factories.ApplicationFactory(spoken_languages=["ky", "uz", "other"])
    page = client.get(f"/manage/applications/{application.id}?lang=ru").text
    names = ", ".join(translated(name, "ru") for name in ("Kyrgyz", "Uzbek", "Another language"))
    assert f"<dd>{names}</dd>" in page
    assert translated("Languages spoken", "ru") in page
    for second_person in ("Languages you speak", "Why do you want to come to this camp?",
                          "Camps or trainings you went to before"):  # fmt: skip
        assert translated(second_person, "ru") not in page, second_person


def test_the_camp_export_names_languages_under_a_third_person_header(client, login_as, db):
    import csv
    import io

    from portal.camps.models import ApplicationStatus

    login_as("organiser", locale="ru")
    application = factories.ApplicationFactory(
        spoken_languages=["ru", "ky"], status=ApplicationStatus.CONFIRMED
    )
    response = client.get(f"/manage/camps/{application.camp_id}/export.csv")
    header, row = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    column = header.index(translated("Languages spoken", "ru"))
    assert row[column] == f"{translated('Russian', 'ru')}, {translated('Kyrgyz', 'ru')}"
    assert translated("Languages you speak", "ru") not in header


@pytest.mark.parametrize(
    ("unread", "words"), [(1, "непрочитанное"), (3, "непрочитанных"), (5, "непрочитанных"),
                          (21, "непрочитанное")],
)  # fmt: skip
def test_the_unread_badge_agrees_with_its_number_in_russian(client, login_as, db, unread, words):
    person = login_as("youth", locale="ru")
    factories.NotificationFactory.create_batch(unread, user_id=person.id)
    badge = re.search(r'<span class="badge">.*?</span></span>', client.get("/").text).group(0)
    # The number shows; a screen reader hears it with the word, in the form the number needs.
    spoken = re.search(r'<span class="visually-hidden">(.*?)</span>', badge).group(1)
    assert spoken.strip() == f"{unread} {words}"
