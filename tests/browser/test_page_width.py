"""No page is wider than a 360 px phone, in any language (issue 17); on each, the title shows
in the first screen and every control of the header, menus and footer fits a thumb (issue 18).

Every page each demo login can reach by links (found by the same crawler as the page-weight
budget) is opened at 360x740 in Kyrgyz, Russian and Uzbek in both scripts; a page fails that
scrolls sideways (named with its width and the widest element that sticks out), whose h1 is not
whole within the first 740 px with the menus closed, or whose header, menu, footer or .button
controls are under 44 x 44 px (the header's menus measured open too).
"""

import pytest

from portal.accounts.models import User
from portal.demo import DEMO_PASSWORD
from portal.extensions import db
from tests.browser.conftest import PHONE
from tests.test_budgets import CRAWL_LOGINS
from tests.test_budgets import crawl
from tests.test_budgets import sign_in_as

LOGINS = CRAWL_LOGINS
LANGS = ["ky", "ru", "uz", "uz-Latn"]


@pytest.fixture(scope="session")
def reachable(live_app):
    """The pages each login reaches by links from home, in a stable order."""
    pages = {}
    for email in LOGINS:
        client = live_app.test_client()
        if email:
            with live_app.app_context():
                assert db.session.scalar(db.select(User).where(User.email == email))
                sign_in_as(client, email)
        with live_app.app_context():
            pages[email] = sorted(crawl(client))
    return pages


def with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


@pytest.mark.parametrize("lang", LANGS)
def test_no_page_is_wider_than_a_phone(journey, reachable, lang):
    too_wide, title_hidden, too_small = {}, {}, {}
    for email in LOGINS:
        person = journey.visitor(email or "anyone", viewport=PHONE)
        if email:
            with journey.step(f"{email} signs in"):
                person.sign_in(email, DEMO_PASSWORD)
        assert len(reachable[email]) >= (3 if email is None else 8)
        for path in reachable[email]:
            person.page.goto(with_lang(path, lang))
            page = f"{email or 'anyone'} {path}"
            overflow = person.overflow()
            if overflow:
                too_wide[page] = overflow
            title = person.title_problem()
            if title:
                title_hidden[page] = title
            small = person.small_targets()
            if small:
                too_small[page] = small
        person.page.context.close()
        journey.visitors.remove(person)
    listed = "".join(f"\n  {page}: {overflow}" for page, overflow in too_wide.items())
    assert not too_wide, f"{len(too_wide)} pages wider than 360 px in {lang}:{listed}"
    listed = "".join(f"\n  {page}: {problem}" for page, problem in title_hidden.items())
    assert not title_hidden, f"{len(title_hidden)} pages hide their title in {lang}:{listed}"
    listed = "".join(f"\n  {page}: {small}" for page, small in too_small.items())
    assert not too_small, f"{len(too_small)} pages with targets under 44 px in {lang}:{listed}"
