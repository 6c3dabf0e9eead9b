"""The question builder (issue 18): with JavaScript the option rows show only for a question
with options, and nothing hidden is sent; without JavaScript they always show."""

import pytest
from playwright.sync_api import expect

from portal.security import Role
from tests.factories import PASSWORD
from tests.factories import CampFactory
from tests.factories import UserFactory


@pytest.fixture
def camp_to_build(live_data):
    with live_data():
        organiser = UserFactory(roles={Role.ORGANISER}, locale="ru")
        return organiser.email, CampFactory().id


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_option_rows_show_only_for_a_question_with_options(journey, camp_to_build, javascript):
    email, camp_id = camp_to_build
    person = journey.visitor("organiser", javascript=javascript)
    options = person.page.locator("fieldset[data-when='kind=choice']")
    more_rows = person.page.locator("button[value=more_options]")
    with journey.step("opens the camp's questions"):
        person.sign_in(email, PASSWORD)
        person.open(f"/manage/camps/{camp_id}")
        person.choose("#kind", "short_text")
        if javascript:
            expect(options).to_be_hidden()
            expect(more_rows).to_be_hidden()
        else:
            expect(options).to_be_visible()
    with journey.step("picks a question with options"):
        person.choose("#kind", "choice")
        expect(options).to_be_visible()
        expect(more_rows).to_be_visible()
        expect(options.locator("input").first).to_be_enabled()
